//! Weights of `pallet-teerex`.
//!
//! HAND ESTIMATES, not benchmark results: storage access is counted exactly
//! from the code; compute is a generous bound per call plus a per-byte cost
//! for hashing and parsing the submitted evidence. Verifying a DCAP quote
//! takes 1.5 ms natively (`bench_verify`) and 6.4-7.7 ms in the runtime (WASM,
//! 32-bit limbs; a whole registration, measured by the ignored
//! `dcap_registration_cost_in_the_runtime` test of `integritee-node`), so one
//! verification is charged 20 ms, about three times the measured cost.
//! `cargo run --release -p integritee-runtime --example registration_weight`
//! prints what the runtime charges. Replace with `frame-benchmarking` output
//! when the runtime is benchmarked.

use polkadot_sdk::frame_support::{traits::Get, weights::Weight};

/// Weight functions needed by `pallet-teerex`.
pub trait WeightInfo {
	fn register_sgx_enclave(proof_len: u32) -> Weight;
	fn unregister_sovereign_enclave() -> Weight;
	fn register_collateral(len: u32) -> Weight;
	fn set_security_flags() -> Weight;
	fn set_dcap_root_ca() -> Weight;
}

/// Picoseconds per byte of parsed evidence (parsing, hashing, signature input).
const PER_BYTE_PS: u64 = 20_000;
/// An upper bound of one attestation verification (several ECDSA/RSA checks)
/// in WASM: 20 ms.
const VERIFY_PS: u64 = 20_000_000_000;
/// Proof size (bytes) of one stored record read or written.
const RECORD_PROOF: u64 = 8_192;

/// Hand-estimated weights for a runtime with database weights `T`.
pub struct SubstrateWeight<T>(core::marker::PhantomData<T>);

impl<T: polkadot_sdk::frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register_sgx_enclave(proof_len: u32) -> Weight {
		// Reads: security flags, timestamp, up to four collateral records,
		// the claimed block's hash. Writes: the enclave record.
		Weight::from_parts(VERIFY_PS, 7 * RECORD_PROOF)
			.saturating_add(Weight::from_parts(PER_BYTE_PS * proof_len as u64, proof_len as u64))
			.saturating_add(T::DbWeight::get().reads_writes(7, 1))
	}

	fn unregister_sovereign_enclave() -> Weight {
		Weight::from_parts(20_000_000, RECORD_PROOF)
			.saturating_add(T::DbWeight::get().reads_writes(2, 1))
	}

	fn register_collateral(len: u32) -> Weight {
		Weight::from_parts(VERIFY_PS, 2 * RECORD_PROOF)
			.saturating_add(Weight::from_parts(PER_BYTE_PS * len as u64, len as u64))
			.saturating_add(T::DbWeight::get().reads_writes(2, 1))
	}

	fn set_security_flags() -> Weight {
		Weight::from_parts(10_000_000, 0).saturating_add(T::DbWeight::get().writes(1))
	}

	fn set_dcap_root_ca() -> Weight {
		// Parsing and checking the root's self-signature, then clearing the
		// collateral: one QE identity, two CRLs and TCB infos for up to
		// `MAX_FMSPCS` platform families (Intel lists a few dozen).
		const MAX_FMSPCS: u64 = 256;
		Weight::from_parts(VERIFY_PS, 0).saturating_add(T::DbWeight::get().writes(4 + MAX_FMSPCS))
	}
}

/// For tests: every call weighs nothing.
impl WeightInfo for () {
	fn register_sgx_enclave(_: u32) -> Weight {
		Weight::zero()
	}
	fn unregister_sovereign_enclave() -> Weight {
		Weight::zero()
	}
	fn register_collateral(_: u32) -> Weight {
		Weight::zero()
	}
	fn set_security_flags() -> Weight {
		Weight::zero()
	}
	fn set_dcap_root_ca() -> Weight {
		Weight::zero()
	}
}
