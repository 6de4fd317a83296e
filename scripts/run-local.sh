#!/usr/bin/env bash
# Starts a local network and runs a short scripted demo against it.
#
#   scripts/run-local.sh            demo, then keep the network running (Ctrl-C stops it)
#   scripts/run-local.sh --demo     demo, then stop
#
# The network is a development parent chain (one validator, Alice; RPC on
# ws://127.0.0.1:9944) and one worker (trusted RPC on wss://127.0.0.1:2000,
# RA-TLS) serving the shard named after its MRENCLAVE. The demo shields funds
# into the shard, moves them confidentially (once through the chain, once
# directly to the worker, followed to finality) and unshields part of them.
# The worker's TEE is SIMULATED: it protects nothing against this machine.
# Installs missing build tools and builds what it runs.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

keep_running=1
case "${1:-}" in
	--demo) keep_running=0 ;;
	"") ;;
	-h|--help) sed -n '2,10p' "$0"; exit 0 ;;
	*) echo "unknown option: $1 (try --help)" >&2; exit 2 ;;
esac

ensure_build_deps
log "building (the first build takes 25-60 min on 2 cores; target dir: $CARGO_TARGET_DIR)"
# The same selection as scripts/test.sh, so that both reuse one build.
cargo build --locked --release --workspace --bins --tests
bin="$CARGO_TARGET_DIR/release"
data="${INTEGRITEE_LOCAL_DIR:-$PWD/.local-network}"
rm -rf "$data" && mkdir -p "$data"

node_pid= worker_pid= shard=
trap 'kill $worker_pid $node_pid 2>/dev/null; wait $worker_pid $node_pid 2>/dev/null || true' EXIT
start_local_network "$bin" "$data"

cli() { echo "\$ integritee-cli $*" >&2; "$bin/integritee-cli" "$@"; }

# Waits until CONDITION (a shell function) holds, polling; on timeout says
# what was awaited and stops the demo. Everything below waits for
# conditions, never for fixed times.
wait_until() {
	local what=$1; shift
	for _ in $(seq 1 240); do
		"$@" && return 0
		kill -0 $worker_pid 2>/dev/null || { tail -20 "$data/worker.log"; log "the worker exited"; exit 1; }
		sleep 0.5
	done
	log "timed out (2 min) waiting until $what"; exit 1
}
# The confidential free balance of ACCOUNT is exactly AMOUNT and nothing is reserved.
trusted_settled() {
	local out
	out=$("$bin/integritee-cli" trusted --shard "$shard" balance "$1" 2>/dev/null) || return 1
	[ "$(head -n1 <<<"$out" | cut -d' ' -f1)" = "$2" ] && ! grep -q '^reserved' <<<"$out"
}
# The parent-chain free balance of ACCOUNT.
chain_free() { "$bin/integritee-cli" balance "$1" | cut -d' ' -f1; }
chain_free_is() { [ "$(chain_free "$1" 2>/dev/null)" = "$2" ]; }

TEER=1000000000000
log "demo"
cli chain-info
cli list-workers
log "shield 100 TEER from Alice to Bob into shard $shard"
cli shield-funds //Alice //Bob $((100 * TEER)) --shard "$shard"
wait_until "Bob holds 100 TEER in the shard" trusted_settled //Bob $((100 * TEER))
cli trusted --shard "$shard" balance //Bob
log "confidential transfer of 40 TEER from Bob to Charlie (sent encrypted through the chain)"
cli trusted --shard "$shard" transfer //Bob //Charlie $((40 * TEER))
wait_until "Charlie holds 40 TEER in the shard" trusted_settled //Charlie $((40 * TEER))
cli trusted --shard "$shard" balance //Bob
cli trusted --shard "$shard" balance //Charlie
log "direct transfer of 5 TEER from Charlie to Bob: sent to the worker over RA-TLS (certificate checked against the chain first), executed in the next sidechain block, followed until its block's anchor is final"
cli trusted --shard "$shard" transfer //Charlie //Bob $((5 * TEER)) --direct --wait
cli trusted --shard "$shard" balance //Bob
cli trusted --shard "$shard" balance //Charlie
log "unshield 30 TEER of Charlie's to Dave on the parent chain"
dave_before=$(chain_free //Dave)
dave_after=$(python3 -c "print($dave_before + 30 * $TEER)")
cli balance //Dave
cli trusted --shard "$shard" unshield-funds //Charlie //Dave $((30 * TEER))
wait_until "the vault paid Dave 30 TEER on the parent chain" chain_free_is //Dave "$dave_after"
wait_until "the shard burnt Charlie's reserved 30 TEER" trusted_settled //Charlie $((5 * TEER))
log "final balances: Dave on the parent chain (+30 TEER), Bob and Charlie in the shard"
cli balance //Dave
cli trusted --shard "$shard" balance //Bob
cli trusted --shard "$shard" balance //Charlie
log "the shard's latest sidechain block (every call above executed in one; signed by the enclave)"
cli trusted --shard "$shard" get-sidechain-header
log "demo finished: shielded 100, moved 40 confidentially through the chain and 5 directly, unshielded 30 (paid once, reservation settled)"

if [ "$keep_running" = 1 ]; then
	log "the network is running: node ws://127.0.0.1:9944, worker wss://127.0.0.1:2000 (Ctrl-C stops it)"
	wait $node_pid
fi
