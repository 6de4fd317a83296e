#!/usr/bin/env bash
# Starts a local network and runs a short scripted demo against it.
#
#   scripts/run-local.sh            demo, then keep the network running (Ctrl-C stops it)
#   scripts/run-local.sh --demo     demo, then stop
#
# The network is a development parent chain (one validator, Alice; RPC on
# ws://127.0.0.1:9944) and one worker (trusted RPC on ws://127.0.0.1:2000)
# serving the shard named after its MRENCLAVE. The demo shields funds into the
# shard, moves them confidentially and unshields part of them.
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
log "building (first build: 45 min or more on 2 cores; target dir: $CARGO_TARGET_DIR)"
# The same selection as scripts/test.sh, so that both reuse one build.
cargo build --locked --release --workspace --bins --tests
bin="$CARGO_TARGET_DIR/release"
data="${INTEGRITEE_LOCAL_DIR:-$PWD/.local-network}"
rm -rf "$data" && mkdir -p "$data"

log "starting the dev node (log: $data/node.log)"
"$bin/integritee-node" --dev --base-path "$data/node" --rpc-port 9944 \
	--listen-addr /ip4/127.0.0.1/tcp/30333 --no-mdns --no-telemetry --no-prometheus >"$data/node.log" 2>&1 &
node_pid=$!
worker_pid=
trap 'kill $worker_pid $node_pid 2>/dev/null; wait $worker_pid $node_pid 2>/dev/null || true' EXIT

cli() { echo "\$ integritee-cli $*" >&2; "$bin/integritee-cli" "$@"; }

for _ in $(seq 1 120); do
	"$bin/integritee-cli" chain-info >/dev/null 2>&1 && break
	kill -0 $node_pid 2>/dev/null || { tail -20 "$data/node.log"; log "the node exited"; exit 1; }
	sleep 0.5
done

log "starting a worker (log: $data/worker.log)"
"$bin/integritee-worker" --node-url ws://127.0.0.1:9944 --data-dir "$data/worker" --rpc-port 2000 \
	>"$data/worker.log" 2>&1 &
worker_pid=$!

shard=
for _ in $(seq 1 240); do
	shard=$("$bin/integritee-cli" list-workers --json 2>/dev/null | python3 -c \
		'import json,sys; w=json.load(sys.stdin); print(w[0]["mr_enclave"] if w else "")' 2>/dev/null || true)
	[ -n "$shard" ] && break
	kill -0 $worker_pid 2>/dev/null || { tail -20 "$data/worker.log"; log "the worker exited"; exit 1; }
	sleep 0.5
done
[ -n "$shard" ] || { tail -20 "$data/worker.log"; log "the worker did not register"; exit 1; }

# Waits until the worker's confidential state shows AMOUNT for ACCOUNT.
wait_trusted_balance() {
	for _ in $(seq 1 60); do
		"$bin/integritee-cli" trusted --shard "$shard" balance "$1" 2>/dev/null | grep -q "$2" && return 0
		sleep 1
	done
	log "timed out waiting for $1 to hold $2 in the shard"; return 1
}

log "demo"
cli chain-info
cli list-workers
cli new-account --keystore "$data/keystore" demo-user >/dev/null 2>&1 || true
log "shield 100 TEER from Alice to Bob into shard $shard"
cli shield-funds //Alice //Bob 100000000000000 --shard "$shard"
wait_trusted_balance //Bob 100000000000000
cli trusted --shard "$shard" balance //Bob
log "confidential transfer of 40 TEER from Bob to Charlie (sent encrypted through the chain)"
cli trusted --shard "$shard" transfer //Bob //Charlie 40000000000000
wait_trusted_balance //Charlie 40000000000000
cli trusted --shard "$shard" balance //Bob
cli trusted --shard "$shard" balance //Charlie
log "unshield 30 TEER of Charlie's to Dave on the parent chain"
cli balance //Dave
cli trusted --shard "$shard" unshield-funds //Charlie //Dave 30000000000000
wait_trusted_balance //Charlie 10000000000000
sleep 6
cli balance //Dave
cli trusted --shard "$shard" balance //Charlie

if [ "$keep_running" = 1 ]; then
	log "the network is running: node ws://127.0.0.1:9944, worker ws://127.0.0.1:2000 (Ctrl-C stops it)"
	wait $node_pid
fi
