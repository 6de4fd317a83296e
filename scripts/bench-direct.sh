#!/usr/bin/env bash
# One run of the direct-invocation benchmark on a fresh local network:
#
#   scripts/bench-direct.sh [BIN_DIR [CLI_BIN_DIR]] [-- BENCHMARK ARGS...]
#
# Starts a `--dev` node and one worker from BIN_DIR (default: the build's
# release directory) in a temporary directory, waits until the worker is
# registered, runs `integritee-cli trusted benchmark` (from CLI_BIN_DIR,
# default BIN_DIR) against its shard, prints the benchmark's summary and
# stops both processes. Default benchmark arguments: saturation, 8 clients,
# 60,000 transfers, 10,000 accounts (docs/benchmarks.md, "Direct
# invocation"). To compare two builds, copy each build's binaries to a
# directory of its own and alternate runs of the two.
# Uses ports 9944, 30333 and 2000 (the local network's): stop
# scripts/run-local.sh first. The worker's TEE is SIMULATED.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

case "${1:-}" in -h | --help) sed -n '2,15p' "$0"; exit 0 ;; esac
bin="$CARGO_TARGET_DIR/release"
[ $# -gt 0 ] && [ "$1" != "--" ] && { bin=$1; shift; }
cli_bin=$bin
[ $# -gt 0 ] && [ "$1" != "--" ] && { cli_bin=$1; shift; }
[ "${1:-}" = "--" ] && shift
bench_args=("$@")
[ ${#bench_args[@]} -eq 0 ] && bench_args=(--clients 8 --transfers 60000 --accounts 10000)
for b in "$bin/integritee-node" "$bin/integritee-worker" "$cli_bin/integritee-cli"; do
	[ -x "$b" ] || { log "missing $b (build first: scripts/test.sh or cargo build --release)"; exit 2; }
done

data=$(mktemp -d)
node_pid= worker_pid= shard=
trap 'kill $worker_pid $node_pid 2>/dev/null; wait $worker_pid $node_pid 2>/dev/null; rm -rf "$data"' EXIT
start_local_network "$bin" "$data" "$cli_bin"
log "benchmark against shard $shard: ${bench_args[*]}"
"$cli_bin/integritee-cli" trusted --shard "$shard" benchmark "${bench_args[@]}"
