#!/usr/bin/env bash
# Benchmarks the registry pallets (teerex, enclave-bridge, sidechain) and
# writes each one's src/weights.rs from the measurements; then runs every
# benchmark once in each pallet's mock runtime, and the pallets' tests with
# `try-runtime` (invariant checks) compiled in.
#
#   scripts/benchmark-pallets.sh           50 steps x 20 repeats (about 10 min
#                                          once built; the build of a node with
#                                          benchmarks takes as long as a normal
#                                          one on a cold machine)
#   scripts/benchmark-pallets.sh --quick   2 steps x 1 repeat, weights written
#                                          to target/weights-quick/ (a smoke
#                                          run: the figures are not for use)
#   STEPS=.. REPEAT=.. PALLETS="pallet_sidechain" scripts/benchmark-pallets.sh
#
# Measure on the machine class the chain's validators run, idle. The node is
# built with `--features runtime-benchmarks`; afterwards the normal node is
# built again, so that target/release/integritee-node is the usual one.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
ensure_build_deps

quick=false
case "${1:-}" in
	--quick) quick=true ;;
	"") ;;
	-h | --help) sed -n '2,19p' "$0"; exit 0 ;;
	*) log "unknown argument: $1 (see --help)"; exit 2 ;;
esac
if $quick; then
	steps=${STEPS:-2} repeat=${REPEAT:-1} out_dir=$CARGO_TARGET_DIR/weights-quick
else
	steps=${STEPS:-50} repeat=${REPEAT:-20} out_dir=""
fi
pallets=${PALLETS:-pallet_teerex pallet_enclave_bridge pallet_sidechain}

log "building the node with benchmarks (target dir: $CARGO_TARGET_DIR)"
# frame-benchmarking-cli brings a test runtime for `benchmark storage`, whose
# WASM build cannot find its own package outside polkadot-sdk's workspace;
# `benchmark pallet` does not need it.
export SKIP_FRAME_STORAGE_ACCESS_TEST_RUNTIME_WASM_BUILD=1
cargo build --locked --release -p integritee-node --features runtime-benchmarks
node=$CARGO_TARGET_DIR/release/integritee-node

for pallet in $pallets; do
	crate_dir=chain/pallets/$(echo "${pallet#pallet_}" | tr _ -)
	[ -d "$crate_dir" ] || { log "no pallet directory $crate_dir"; exit 2; }
	if [ -n "$out_dir" ]; then
		mkdir -p "$out_dir"
		output=$out_dir/$pallet.rs
	else
		output=$crate_dir/src/weights.rs
	fi
	log "benchmarking $pallet: $steps steps x $repeat repeats -> $output"
	"$node" benchmark pallet \
		--chain dev \
		--pallet "$pallet" \
		--extrinsic '*' \
		--steps "$steps" \
		--repeat "$repeat" \
		--wasm-execution compiled \
		--template scripts/weight-template.hbs \
		--output "$output"
done

log "running each benchmark once in the mock runtimes, and the tests with try-runtime"
cargo test --locked --release -p pallet-teerex -p pallet-enclave-bridge -p pallet-sidechain \
	--features runtime-benchmarks,try-runtime

log "building the normal node again"
cargo build --locked --release -p integritee-node
