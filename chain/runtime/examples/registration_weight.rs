//! Prints the weight the runtime charges for attested registrations and
//! collateral, next to the block's limits.
//!
//! `cargo run --release -p integritee-runtime --example registration_weight`
//!
//! The teerex weights are hand estimates (see `pallet_teerex::weights`); compare
//! them with the measured verification time of `bench_verify` (native) to see
//! the margin they leave for WASM execution.

use integritee_runtime::{configs::RuntimeBlockWeights, Runtime};
use pallet_teerex::WeightInfo;
use polkadot_sdk::frame_support::{
	dispatch::DispatchClass,
	weights::{constants::WEIGHT_REF_TIME_PER_MILLIS, Weight},
};

type TeerexWeights = <Runtime as pallet_teerex::Config>::WeightInfo;

fn show(label: &str, weight: Weight, normal_limit: u64) {
	let ms = weight.ref_time() as f64 / WEIGHT_REF_TIME_PER_MILLIS as f64;
	let per_block = normal_limit / weight.ref_time().max(1);
	println!(
		"{label:<52} {ms:>8.3} ms ref_time  {:>7} B proof  {per_block:>5} per block",
		weight.proof_size()
	);
}

fn main() {
	let limits = RuntimeBlockWeights::get();
	let normal = limits.get(DispatchClass::Normal).max_total.unwrap_or(limits.max_block).ref_time();
	println!(
		"block: {:.1} ms ref_time in all, {:.1} ms for normal extrinsics",
		limits.max_block.ref_time() as f64 / WEIGHT_REF_TIME_PER_MILLIS as f64,
		normal as f64 / WEIGHT_REF_TIME_PER_MILLIS as f64
	);
	// Sizes of the real artifacts in crates/testdata/sgx.
	show(
		"register_sgx_enclave, DCAP quote (4599 bytes)",
		TeerexWeights::register_sgx_enclave(4599),
		normal,
	);
	show(
		"register_sgx_enclave, IAS certificate (3234 bytes)",
		TeerexWeights::register_sgx_enclave(3234),
		normal,
	);
	show("register_tcb_info (8.5 kB body)", TeerexWeights::register_collateral(8514), normal);
	show(
		"register_quoting_enclave (1.2 kB body)",
		TeerexWeights::register_collateral(1201),
		normal,
	);
	show("set_dcap_root_ca", TeerexWeights::set_dcap_root_ca(), normal);
}
