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
node_pid= worker_pid=
trap 'kill $worker_pid $node_pid 2>/dev/null; wait $worker_pid $node_pid 2>/dev/null; rm -rf "$data"' EXIT
"$bin/integritee-node" --dev --base-path "$data/node" --rpc-port 9944 \
	--listen-addr /ip4/127.0.0.1/tcp/30333 --no-mdns --no-telemetry --no-prometheus >"$data/node.log" 2>&1 &
node_pid=$!
for _ in $(seq 1 120); do
	"$cli_bin/integritee-cli" chain-info >/dev/null 2>&1 && break
	kill -0 $node_pid 2>/dev/null || { tail -20 "$data/node.log"; log "the node exited"; exit 1; }
	sleep 0.5
done
"$bin/integritee-worker" --node-url ws://127.0.0.1:9944 --data-dir "$data/worker" --rpc-port 2000 \
	>"$data/worker.log" 2>&1 &
worker_pid=$!
shard=
for _ in $(seq 1 240); do
	shard=$("$cli_bin/integritee-cli" list-workers --json 2>/dev/null | python3 -c \
		'import json,sys; w=json.load(sys.stdin); print(w[0]["mr_enclave"] if w else "")' 2>/dev/null || true)
	[ -n "$shard" ] && break
	kill -0 $worker_pid 2>/dev/null || { tail -20 "$data/worker.log"; log "the worker exited"; exit 1; }
	sleep 0.5
done
[ -n "$shard" ] || { tail -20 "$data/worker.log"; log "the worker did not register"; exit 1; }
log "benchmark against shard $shard: ${bench_args[*]}"
"$cli_bin/integritee-cli" trusted --shard "$shard" benchmark "${bench_args[@]}"
