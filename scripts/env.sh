# Shared by the scripts: build settings and installation of missing tools.
# Source it; do not run it.

# The build directory lives outside the clone so that CI runs and later
# checkouts reuse it.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/integritee-rs/target}"
# One profile for tests and binaries (see Cargo.toml).
export CARGO_PROFILE=release

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
		log "need root to run: $* (install it yourself, or install sudo)"; return 1
	fi
}

# Installs what a fresh machine lacks: protoc (litep2p needs it), the WASM
# target and rust-src (the runtime is built for wasm32v1-none).
ensure_build_deps() {
	if ! command -v protoc >/dev/null; then
		log "installing protobuf-compiler (protoc)"
		as_root apt-get install -y protobuf-compiler >/dev/null 2>&1 || {
			as_root apt-get update >/dev/null && as_root apt-get install -y protobuf-compiler >/dev/null
		}
	fi
	if ! rustup target list --installed | grep -qx wasm32v1-none; then
		log "adding the wasm32v1-none target"
		rustup target add wasm32v1-none
	fi
	if ! rustup component list --installed | grep -q '^rust-src'; then
		log "adding the rust-src component"
		rustup component add rust-src
	fi
}

# Starts a local network in DATA: a `--dev` node (RPC ws://127.0.0.1:9944)
# and one worker (wss://127.0.0.1:2000), binaries from BIN, readiness asked
# with the CLI from CLI_BIN (default BIN). Waits until the node answers and
# the worker is registered. Sets node_pid, worker_pid (the caller's EXIT trap
# stops them) and shard (the worker's MRENCLAVE, which names its shard).
start_local_network() {
	local bin=$1 data=$2 cli_bin=${3:-$1}
	log "starting the dev node (log: $data/node.log)"
	"$bin/integritee-node" --dev --base-path "$data/node" --rpc-port 9944 \
		--listen-addr /ip4/127.0.0.1/tcp/30333 --no-mdns --no-telemetry --no-prometheus >"$data/node.log" 2>&1 &
	node_pid=$!
	for _ in $(seq 1 120); do
		"$cli_bin/integritee-cli" chain-info >/dev/null 2>&1 && break
		kill -0 "$node_pid" 2>/dev/null || { tail -20 "$data/node.log"; log "the node exited"; return 1; }
		sleep 0.5
	done
	log "starting a worker (log: $data/worker.log)"
	"$bin/integritee-worker" --node-url ws://127.0.0.1:9944 --data-dir "$data/worker" --rpc-port 2000 \
		>"$data/worker.log" 2>&1 &
	worker_pid=$!
	shard=
	for _ in $(seq 1 240); do
		shard=$("$cli_bin/integritee-cli" list-workers --json 2>/dev/null | python3 -c \
			'import json,sys; w=json.load(sys.stdin)["enclaves"]; print(w[0]["mr_enclave"] if w else "")' 2>/dev/null || true)
		[ -n "$shard" ] && return 0
		kill -0 "$worker_pid" 2>/dev/null || { tail -20 "$data/worker.log"; log "the worker exited"; return 1; }
		sleep 0.5
	done
	tail -20 "$data/worker.log"; log "the worker did not register"; return 1
}
