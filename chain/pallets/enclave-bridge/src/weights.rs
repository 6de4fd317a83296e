//! Weights of `pallet-enclave-bridge`.
//!
//! HAND ESTIMATES, not benchmark results: storage access is counted exactly
//! from the code; compute is a generous bound per call plus a per-byte cost
//! for hashing the submitted payload. Calls that check shard membership are
//! charged for the worst case, a shard with `n = MaxInstancesLimit` active
//! signers (each is looked up in the enclave registry to prune expired ones).
//! Replace with `frame-benchmarking` output.

use polkadot_sdk::frame_support::{traits::Get, weights::Weight};

/// Weight functions needed by `pallet-enclave-bridge`.
pub trait WeightInfo {
	fn invoke(ciphertext_len: u32) -> Weight;
	fn confirm_processed_parentchain_block(n: u32) -> Weight;
	fn shield_funds(beneficiary_len: u32) -> Weight;
	fn unshield_funds(n: u32) -> Weight;
	fn update_shard_config(n: u32) -> Weight;
	fn purge_enclave_from_shard() -> Weight;
}

/// Picoseconds per byte of hashed payload.
const PER_BYTE_PS: u64 = 5_000;
/// Proof size (bytes) of one stored record read or written (an enclave record
/// with a URL of up to ~900 bytes, an account, a shard config).
const RECORD_PROOF: u64 = 1_024;
/// Proof size (bytes) of one signer entry in a shard's status.
const SIGNER_PROOF: u64 = 128;

/// Hand-estimated weights for a runtime with database weights `T`.
pub struct SubstrateWeight<T>(core::marker::PhantomData<T>);

impl<T: polkadot_sdk::frame_system::Config> SubstrateWeight<T> {
	/// Shard membership with `n` active signers.
	/// Reads: the caller's enclave record, the timestamp, the shard config,
	/// the shard status, one enclave record per signer.
	/// Writes: the shard status, the shard config (upgrade promotion).
	fn membership(n: u32) -> Weight {
		let n = n as u64;
		Weight::from_parts(30_000_000 + 5_000_000 * n, (3 + n) * RECORD_PROOF + n * SIGNER_PROOF)
			.saturating_add(T::DbWeight::get().reads_writes(4 + n, 2))
	}
}

impl<T: polkadot_sdk::frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn invoke(ciphertext_len: u32) -> Weight {
		// No storage access: one event and a hash of the ciphertext.
		Weight::from_parts(15_000_000, 0)
			.saturating_add(Weight::from_parts(PER_BYTE_PS * ciphertext_len as u64, 0))
	}

	fn confirm_processed_parentchain_block(n: u32) -> Weight {
		// Plus: the signer's last confirmation, read and written.
		Self::membership(n)
			.saturating_add(Weight::from_parts(15_000_000, RECORD_PROOF))
			.saturating_add(T::DbWeight::get().reads_writes(1, 1))
	}

	fn shield_funds(beneficiary_len: u32) -> Weight {
		// Reads and writes: the sender's and the vault's accounts.
		Weight::from_parts(60_000_000, 2 * RECORD_PROOF)
			.saturating_add(Weight::from_parts(PER_BYTE_PS * beneficiary_len as u64, 0))
			.saturating_add(T::DbWeight::get().reads_writes(2, 2))
	}

	fn unshield_funds(n: u32) -> Weight {
		// Plus: the executed-call marker (read, written), its expiry index
		// entry (written), the vault's and the beneficiary's accounts (read,
		// written).
		Self::membership(n)
			.saturating_add(Weight::from_parts(60_000_000, 3 * RECORD_PROOF))
			.saturating_add(T::DbWeight::get().reads_writes(3, 4))
	}

	fn update_shard_config(n: u32) -> Weight {
		// Plus: the shard config (read, written), and for an initialisation by
		// an enclave the shard status and the vault account.
		Self::membership(n)
			.saturating_add(Weight::from_parts(20_000_000, 3 * RECORD_PROOF))
			.saturating_add(T::DbWeight::get().reads_writes(3, 1))
	}

	fn purge_enclave_from_shard() -> Weight {
		// Reads and writes: the shard status, the signer's last confirmation.
		Weight::from_parts(20_000_000, 2 * RECORD_PROOF)
			.saturating_add(T::DbWeight::get().reads_writes(2, 2))
	}
}

/// For tests: every call weighs nothing.
impl WeightInfo for () {
	fn invoke(_: u32) -> Weight {
		Weight::zero()
	}
	fn confirm_processed_parentchain_block(_: u32) -> Weight {
		Weight::zero()
	}
	fn shield_funds(_: u32) -> Weight {
		Weight::zero()
	}
	fn unshield_funds(_: u32) -> Weight {
		Weight::zero()
	}
	fn update_shard_config(_: u32) -> Weight {
		Weight::zero()
	}
	fn purge_enclave_from_shard() -> Weight {
		Weight::zero()
	}
}
