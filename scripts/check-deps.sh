#!/usr/bin/env bash
# Checks the dependency rules of the house (run by scripts/test.sh):
#
# 1. The trusted side does no I/O of its own: the trusted core, the STF, the
#    pool, the light client, the sidechain primitives and the extrinsic
#    builder declare no normal dependency on an async runtime, an RPC or
#    HTTP stack, a consensus engine or a socket crate. Only direct
#    dependencies count: polkadot-sdk's std crates pull tokio in through
#    sp-trie's metrics, which is not these crates' doing.
# 2. The chain never depends on the worker: no pallet and not the runtime
#    has a worker crate anywhere in its normal dependency tree.
# 3. The shared crates directly under crates/ are chain-agnostic: none has
#    integritee-runtime in its normal dependency tree (the crates built on
#    the runtime live in crates/on-runtime/).
#
# Exits 1 with one line per broken rule.
set -euo pipefail
cd "$(dirname "$0")/.."

trusted=(
	integritee-enclave
	integritee-stf
	integritee-pool
	integritee-light-client
	integritee-sidechain-primitives
	integritee-extrinsic
)
forbidden_io='^(tokio|tokio-[a-z-]+|jsonrpsee|jsonrpsee-[a-z-]+|openraft|hyper|hyper-[a-z-]+|reqwest|mio|socket2|tungstenite|async-tungstenite|axum|tower|warp|actix-[a-z-]+)$'

chain=(pallet-teerex pallet-enclave-bridge pallet-sidechain integritee-runtime)
worker_crates='^(integritee-(enclave|stf|pool|light-client|sidechain|worker|worker-client|chain-client|test-node))$'

# The packages directly under crates/ (their Cargo.toml's name).
shared=()
for manifest in crates/*/Cargo.toml; do
	shared+=("$(sed -n 's/^name = "\(.*\)"$/\1/p' "$manifest" | head -n1)")
done

failed=0
# `{p}` prints "name vX.Y.Z (path)"; the first word is the crate's name.
# deps CRATE [DEPTH-ARGS...]: the names of CRATE's normal dependencies.
deps() {
	local crate=$1
	shift
	cargo tree --offline -q -e normal "$@" --prefix none --format '{p}' -p "$crate" |
		tail -n +2 | awk '{print $1}' | sort -u
}
# check SIDE PATTERN WHAT DEPTH-ARGS -- CRATES...: every dependency of the
# crates that matches PATTERN breaks the rule.
check() {
	local side=$1 pattern=$2 what=$3 depth=$4
	shift 5
	for crate in "$@"; do
		while read -r dep; do
			[ -z "$dep" ] && continue
			echo "dependency rule broken: $crate ($side side) depends on $dep ($what)"
			failed=1
		done < <(deps "$crate" $depth | grep -E "$pattern" || true)
	done
}

check trusted "$forbidden_io" "I/O belongs to the host" "--depth 1" -- "${trusted[@]}"
check chain "$worker_crates" "a worker crate" "" -- "${chain[@]}"
check shared '^integritee-runtime$' "move it to crates/on-runtime/" "" -- "${shared[@]}"

if [ "$failed" = 0 ]; then
	echo "dependency rules hold: ${#trusted[@]} trusted-side crates without I/O crates, ${#chain[@]} chain crates without worker crates, ${#shared[@]} shared crates without the runtime"
fi
exit "$failed"
