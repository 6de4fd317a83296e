//! The enclave's keys: signer (ed25519, unique per enclave), shielding key
//! (HPKE X25519), state key (AES-256-GCM) and the seed of its record key,
//! generated inside the trusted core on first start and sealed to the data
//! directory together with the enclave's [`Anchor`] when it is set: one
//! sealed record, written once, so that keys never exist on disk without
//! their anchor and the anchor cannot be removed without losing the keys
//! (and with them the identity).

use std::{path::Path, sync::Arc};

use codec::{Decode, Encode};
use integritee_stf_primitives::{shielding::ShieldingKeyPair, ShardIdentifier};
use polkadot_sdk::sp_core::{ed25519, Pair, H256};

use crate::{
	sealing::{RecordKey, SealingKey},
	Error,
};

/// File name of the sealed keys in the data directory.
pub const SEALED_KEYS_FILE: &str = "sealed-keys.bin";
const PURPOSE: &str = "integritee enclave keys and anchor v3";

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

/// The seeds the keys derive from; never leaves the trusted core unsealed.
#[derive(Encode, Decode, Clone)]
struct KeySeeds {
	signer: [u8; 32],
	shielding: [u8; 32],
	state: [u8; 32],
	/// The instance's record key ([`RecordKey`]).
	records: [u8; 32],
}

impl KeySeeds {
	fn random() -> Result<Self, Error> {
		let mut seeds = [[0u8; 32]; 4];
		for seed in &mut seeds {
			getrandom(seed)?;
		}
		let [signer, shielding, state, records] = seeds;
		Ok(Self { signer, shielding, state, records })
	}
}

fn getrandom(buffer: &mut [u8]) -> Result<(), Error> {
	use aes_gcm::aead::{rand_core::RngCore, OsRng};
	OsRng.try_fill_bytes(buffer).map_err(|e| Error::Platform(format!("no OS randomness: {e}")))
}

/// The keys of one enclave.
pub struct EnclaveKeys {
	pub signer: ed25519::Pair,
	/// Shared with the door of direct calls ([`crate::direct::Door`]).
	pub shielding: Arc<ShieldingKeyPair>,
	pub state_key: [u8; 32],
	seeds: KeySeeds,
}

impl core::fmt::Debug for EnclaveKeys {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.debug_struct("EnclaveKeys")
			.field("signer", &self.signer.public())
			.field("shielding", &self.shielding)
			.finish_non_exhaustive()
	}
}

impl EnclaveKeys {
	fn from_seeds(seeds: KeySeeds) -> Self {
		Self {
			signer: ed25519::Pair::from_seed(&seeds.signer),
			shielding: Arc::new(ShieldingKeyPair::from_seed(&seeds.shielding)),
			state_key: seeds.state,
			seeds,
		}
	}

	/// New keys, in memory only: they are sealed together with their
	/// anchor ([`Self::seal_with_anchor`]) or never. A keys file without an
	/// anchor never exists, so a host cannot keep one aside and later anchor
	/// the same identity to a chain of its choosing.
	pub fn generate() -> Result<Self, Error> {
		Ok(Self::from_seeds(KeySeeds::random()?))
	}

	/// The keys and their anchor sealed in `data_dir`, if the file exists.
	pub fn unseal(data_dir: &Path, sealing: &SealingKey) -> Result<Option<(Self, Anchor)>, Error> {
		let path = data_dir.join(SEALED_KEYS_FILE);
		let Some(bytes) = sealing.unseal_file(&path, PURPOSE)? else { return Ok(None) };
		let (seeds, anchor) = <(KeySeeds, Anchor)>::decode(&mut &bytes[..])
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
