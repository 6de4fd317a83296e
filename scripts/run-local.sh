#!/usr/bin/env bash
# Starts a local network and runs a short scripted demo against it.
#
#   scripts/run-local.sh            demo, then keep the network running (Ctrl-C stops it)
#   scripts/run-local.sh --demo     demo, then stop
#
# The network is a development parent chain (one validator, Alice; RPC on
# ws://127.0.0.1:9944). Workers join it once the worker issue lands.
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
trap 'kill $node_pid 2>/dev/null; wait $node_pid 2>/dev/null || true' EXIT

cli() { echo "\$ integritee-cli $*" >&2; "$bin/integritee-cli" "$@"; }

for _ in $(seq 1 120); do
	"$bin/integritee-cli" chain-info >/dev/null 2>&1 && break
	kill -0 $node_pid 2>/dev/null || { tail -20 "$data/node.log"; log "the node exited"; exit 1; }
	sleep 0.5
done

log "demo"
cli chain-info
cli balance //Alice
cli balance //Bob
cli transfer //Alice //Bob 5000000000000
cli balance //Bob
cli list-workers
log "waiting for finality of the transfer's block"
sleep 6
cli chain-info

if [ "$keep_running" = 1 ]; then
	log "the network is running: ws://127.0.0.1:9944 (Ctrl-C stops it)"
	wait $node_pid
fi
