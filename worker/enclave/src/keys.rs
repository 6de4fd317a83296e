//! The keys, in two kinds:
//!
//! - the **instance keys** of one enclave: its signer (ed25519, its
//!   identity on the parent chain) and the seed of its record key. Made
//!   inside the trusted core on first start and sealed to the data
//!   directory together with the enclave's [`Anchor`]: one sealed record,
//!   written once, so that keys never exist on disk without their anchor and
//!   the anchor cannot be removed without losing the keys (and with them the
//!   identity).
//! - the **shard's secrets**: the shielding key (HPKE X25519) clients
//!   encrypt to and the state key (AES-256-GCM), common to every member of
//!   the shard. Made once by the shard's creator, handed to members by
//!   provisioning (`crate::provisioning`), sealed per instance under its
//!   record key (`crate::tables`): a core may hold none (unprovisioned).

use std::{path::Path, sync::Arc};

use codec::{Decode, Encode};
use integritee_stf_primitives::{shielding::ShieldingKeyPair, ShardIdentifier};
use polkadot_sdk::sp_core::{ed25519, Pair, H256};
use sha2::Digest;

use crate::{
	sealing::{RecordKey, SealingKey},
	Error,
};

/// File name of the sealed keys in the data directory.
pub const SEALED_KEYS_FILE: &str = "sealed-keys.bin";
const PURPOSE: &str = "integritee enclave keys and anchor v4";

/// What the enclave is bound to for life, fixed at first start: the parent
/// chain its light client follows (genesis and the trusted checkpoint it
/// started from), the shard it serves, and the shard's initialisation
/// parameters. Nothing the host says later changes it.
#[derive(Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct Anchor {
	/// The parent chain's genesis hash: every extrinsic the core signs
	/// commits to it.
	pub genesis_hash: H256,
	/// The finalized block the light client started from.
	pub checkpoint: (u32, H256),
	pub shard: ShardIdentifier,
	/// `max_instances` of the shard configuration if this enclave creates the shard.
	pub max_instances: u32,
}

/// The seeds of an instance's keys; never leave the trusted core unsealed.
#[derive(Encode, Decode, Clone)]
struct InstanceSeeds {
	signer: [u8; 32],
	/// The instance's record key ([`RecordKey`]).
	records: [u8; 32],
}

pub(crate) fn random_seed() -> Result<[u8; 32], Error> {
	use aes_gcm::aead::{rand_core::RngCore, OsRng};
	let mut seed = [0u8; 32];
	OsRng
		.try_fill_bytes(&mut seed)
		.map_err(|e| Error::Platform(format!("no OS randomness: {e}")))?;
	Ok(seed)
}

/// The keys of one enclave instance.
pub struct EnclaveKeys {
	pub signer: ed25519::Pair,
	seeds: InstanceSeeds,
}

impl core::fmt::Debug for EnclaveKeys {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.debug_struct("EnclaveKeys").field("signer", &self.signer.public()).finish_non_exhaustive()
	}
}

impl EnclaveKeys {
	fn from_seeds(seeds: InstanceSeeds) -> Self {
		Self { signer: ed25519::Pair::from_seed(&seeds.signer), seeds }
	}

	/// New keys, in memory only: they are sealed together with their
	/// anchor ([`Self::seal_with_anchor`]) or never. A keys file without an
	/// anchor never exists, so a host cannot keep one aside and later anchor
	/// the same identity to a chain of its choosing.
	pub fn generate() -> Result<Self, Error> {
		Ok(Self::from_seeds(InstanceSeeds { signer: random_seed()?, records: random_seed()? }))
	}

	/// The keys and their anchor sealed in `data_dir`, if the file exists.
	pub fn unseal(data_dir: &Path, sealing: &SealingKey) -> Result<Option<(Self, Anchor)>, Error> {
		let path = data_dir.join(SEALED_KEYS_FILE);
		let Some(bytes) = sealing.unseal_file(&path, PURPOSE)? else { return Ok(None) };
		let (seeds, anchor) = <(InstanceSeeds, Anchor)>::decode(&mut &bytes[..])
			.map_err(|_| Error::Sealing("the sealed keys do not decode".into()))?;
		Ok(Some((Self::from_seeds(seeds), anchor)))
	}

	/// Seals the keys with `anchor`, once, in one record.
	pub fn seal_with_anchor(
		&self,
		data_dir: &Path,
		sealing: &SealingKey,
		anchor: &Anchor,
	) -> Result<(), Error> {
		let path = data_dir.join(SEALED_KEYS_FILE);
		sealing.seal_to_file(&path, PURPOSE, &(&self.seeds, anchor).encode())
	}

	/// The key of this instance's records under `anchor`.
	pub fn record_key(&self, anchor: &Anchor) -> RecordKey {
		RecordKey::derive(&self.seeds.records, &self.signer.public().0, anchor)
	}
}

/// The seeds of a shard's secrets, as sealed and as provisioned.
#[derive(Encode, Decode, Clone)]
pub(crate) struct ShardSeeds {
	pub shielding: [u8; 32],
	pub state: [u8; 32],
}

/// A shard's secrets: the shielding key and the state key.
#[derive(Clone)]
pub struct ShardSecrets {
	/// Shared with the door of direct calls ([`crate::direct::Door`]).
	pub shielding: Arc<ShieldingKeyPair>,
	pub state_key: [u8; 32],
	seeds: ShardSeeds,
}

impl core::fmt::Debug for ShardSecrets {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.debug_struct("ShardSecrets").field("shielding", &self.shielding).finish_non_exhaustive()
	}
}

impl ShardSecrets {
	pub(crate) fn from_seeds(seeds: ShardSeeds) -> Self {
		Self {
			shielding: Arc::new(ShieldingKeyPair::from_seed(&seeds.shielding)),
			state_key: seeds.state,
			seeds,
		}
	}

	/// New secrets for a shard this enclave may create.
	pub fn generate() -> Result<Self, Error> {
		Ok(Self::from_seeds(ShardSeeds { shielding: random_seed()?, state: random_seed()? }))
	}

	pub(crate) fn seeds(&self) -> &ShardSeeds {
		&self.seeds
	}

	/// SHA-256 of the shielding public key: what the chain records for the
	/// shard and clients compare.
	pub fn shielding_key_hash(&self) -> [u8; 32] {
		shielding_key_hash(&self.shielding.public_key())
	}
}

/// SHA-256 of a shielding public key.
pub fn shielding_key_hash(public_key: &[u8; 32]) -> [u8; 32] {
	sha2::Sha256::digest(public_key).into()
}
