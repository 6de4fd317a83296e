#!/usr/bin/env bash
# Runs the whole test suite: unit tests, pallet mock-runtime tests and the
# integration tests that start real `integritee-node` processes on loopback.
# Installs missing build tools first. Extra arguments go to the test runner
# (e.g. `scripts/test.sh -p pallet-teerex`).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
ensure_build_deps

args=("$@")
[ ${#args[@]} -eq 0 ] && args=(--workspace)

log "building (target dir: $CARGO_TARGET_DIR)"
start=$(date +%s)
cargo build --locked --release --workspace --bins --tests
log "build took $(( $(date +%s) - start )) s"

log "checking the dependency rules"
scripts/check-deps.sh

run_tests() {
	if cargo nextest --version >/dev/null 2>&1; then
		cargo nextest run --locked --release --no-fail-fast "$@"
	else
		cargo test --locked --release --no-fail-fast "$@"
	fi
}

run_tests "${args[@]}"

# The whole suite also runs each pallet benchmark once in its mock runtime
# and the pallets' tests with the try-runtime checks compiled in: a second
# build of the pallets' FRAME dependencies with those features (minutes,
# not the node's half hour).
if [ "${args[*]}" = "--workspace" ]; then
	log "the registry pallets with runtime-benchmarks and try-runtime"
	run_tests -p pallet-teerex -p pallet-enclave-bridge -p pallet-sidechain \
		--features runtime-benchmarks,try-runtime
fi
