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

if cargo nextest --version >/dev/null 2>&1; then
	cargo nextest run --locked --release --no-fail-fast "${args[@]}"
else
	cargo test --locked --release --no-fail-fast "${args[@]}"
fi
