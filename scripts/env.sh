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
