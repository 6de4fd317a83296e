//! Weights of `pallet-teerex`.
//!
//! HAND ESTIMATES, not benchmark results: storage access is counted from the
//! code; compute is a generous bound per call plus a per-byte cost for
//! hashing and parsing the largest evidence the runtime accepts (16 KiB of
//! proof, 16 KiB per piece of collateral). Verifying a DCAP quote takes
//! 1.5 ms natively (`bench_verify`) and 6.4-7.7 ms in the runtime (WASM,
//! 32-bit limbs; a whole registration, measured by the ignored
//! `dcap_registration_cost_in_the_runtime` test of `integritee-node`), so one
//! verification is charged 20 ms, about three times the measured cost.
//! `cargo run --release -p integritee-runtime --example registration_weight`
//! prints what the runtime charges. The benchmarks (`src/benchmarking.rs`,
//! one per function of [`WeightInfo`]) replace these with the node's
//! `benchmark pallet` output.

use polkadot_sdk::frame_support::{traits::Get, weights::Weight};

/// Weight functions needed by `pallet-teerex`, one per benchmark.
pub trait WeightInfo {
	/// A first DCAP registration (a deposit is held) with the longest URL.
	fn register_sgx_enclave() -> Weight;
	/// By anyone after expiry; the deposit is released. Without
	/// `OnEnclaveUnregistered`, which the call charges on top.
	fn unregister_sovereign_enclave() -> Weight;
	/// Replacing a registered QE identity.
	fn register_quoting_enclave() -> Weight;
	/// Replacing the TCB info of an FMSPC, with `MaxTcbInfos` entries.
	fn register_tcb_info() -> Weight;
	/// Replacing a PCK CRL by one revoking `r` certificates.
	fn register_crl(r: u32) -> Weight;
	fn set_security_flags() -> Weight;
	fn set_tcb_policy() -> Weight;
	fn set_revocation_policy() -> Weight;
	/// With collateral registered and `MaxTcbInfos` TCB info entries.
	fn set_dcap_root_ca() -> Weight;
	/// One step of the `on_idle` clearing that removes `n` stale TCB info
	/// entries.
	fn clear_stale_tcb_info(n: u32) -> Weight;
}

/// Picoseconds per byte of parsed evidence (parsing, hashing, signature input).
const PER_BYTE_PS: u64 = 20_000;
/// An upper bound of one attestation verification (several ECDSA/RSA checks)
/// in WASM: 20 ms.
const VERIFY_PS: u64 = 20_000_000_000;
/// Proof size (bytes) of one stored record read or written.
const RECORD_PROOF: u64 = 8_192;
/// The largest proof the runtime accepts (its `MaxProofLength`).
const MAX_PROOF_BYTES: u64 = 16 * 1024;
/// The largest piece of collateral the runtime accepts (its
/// `MaxCollateralLength`); body, signature and chain each.
const MAX_COLLATERAL_BYTES: u64 = 16 * 1024;

/// Hand-estimated weights for a runtime with database weights `T`.
pub struct SubstrateWeight<T>(core::marker::PhantomData<T>);

impl<T: polkadot_sdk::frame_system::Config> SubstrateWeight<T> {
	/// Verifying one piece of collateral of the largest size and storing it.
	fn collateral(reads: u64, writes: u64) -> Weight {
		Weight::from_parts(VERIFY_PS + PER_BYTE_PS * 3 * MAX_COLLATERAL_BYTES, 2 * RECORD_PROOF)
			.saturating_add(T::DbWeight::get().reads_writes(reads, writes))
	}

	fn policy_setter() -> Weight {
		Weight::from_parts(10_000_000, 0).saturating_add(T::DbWeight::get().writes(1))
	}
}

impl<T: polkadot_sdk::frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register_sgx_enclave() -> Weight {
		// Reads: security flags, timestamp, root, revocation and TCB policy,
		// the stale mark, four collateral records, the claimed block's hash,
		// the enclave record, the holds and the account. Writes: the record,
		// the holds and the account.
		Weight::from_parts(VERIFY_PS + PER_BYTE_PS * MAX_PROOF_BYTES, 7 * RECORD_PROOF)
			.saturating_add(Weight::from_parts(0, MAX_PROOF_BYTES))
			.saturating_add(T::DbWeight::get().reads_writes(14, 3))
	}

	fn unregister_sovereign_enclave() -> Weight {
		// Reads: the record, timestamp, holds, account. Writes: the record,
		// holds, account.
		Weight::from_parts(20_000_000, 2 * RECORD_PROOF)
			.saturating_add(T::DbWeight::get().reads_writes(4, 3))
	}

	fn register_quoting_enclave() -> Weight {
		// Reads: timestamp, root, the registered identity.
		Self::collateral(3, 1)
	}

	fn register_tcb_info() -> Weight {
		// Reads: timestamp, the stale mark (twice), root, the registered
		// entry, the counter. Writes: the entry, the counter.
		Self::collateral(6, 2)
	}

	fn register_crl(r: u32) -> Weight {
		// Each revoked certificate is parsed and stored (about 60 bytes).
		Self::collateral(3, 1)
			.saturating_add(Weight::from_parts(PER_BYTE_PS * 60 * u64::from(r), 24 * u64::from(r)))
	}

	fn set_security_flags() -> Weight {
		Self::policy_setter()
	}

	fn set_tcb_policy() -> Weight {
		Self::policy_setter()
	}

	fn set_revocation_policy() -> Weight {
		Self::policy_setter()
	}

	fn set_dcap_root_ca() -> Weight {
		// Parsing and checking the root's self-signature, then removing the
		// QE identity and two CRLs, and marking the TCB info stale (one key
		// read).
		Weight::from_parts(VERIFY_PS, RECORD_PROOF)
			.saturating_add(T::DbWeight::get().reads_writes(1, 5))
	}

	fn clear_stale_tcb_info(n: u32) -> Weight {
		// Fixed: the stale mark, the next key, ending the clearing. Per
		// entry: its key, its existence, the counter; removing it.
		let n = u64::from(n);
		Weight::from_parts(5_000_000 + 5_000_000 * n, RECORD_PROOF * (1 + n))
			.saturating_add(T::DbWeight::get().reads_writes(2 + 3 * n, 1 + 2 * n))
	}
}

/// For tests: every call weighs nothing.
impl WeightInfo for () {
	fn register_sgx_enclave() -> Weight {
		Weight::zero()
	}
	fn unregister_sovereign_enclave() -> Weight {
		Weight::zero()
	}
	fn register_quoting_enclave() -> Weight {
		Weight::zero()
	}
	fn register_tcb_info() -> Weight {
		Weight::zero()
	}
	fn register_crl(_: u32) -> Weight {
		Weight::zero()
	}
	fn set_security_flags() -> Weight {
		Weight::zero()
	}
	fn set_tcb_policy() -> Weight {
		Weight::zero()
	}
	fn set_revocation_policy() -> Weight {
		Weight::zero()
	}
	fn set_dcap_root_ca() -> Weight {
		Weight::zero()
	}
	fn clear_stale_tcb_info(_: u32) -> Weight {
		Weight::zero()
	}
}
