//! The enclave's keys: signer (ed25519, unique per enclave), shielding key
//! (HPKE X25519) and state key (AES-256-GCM), generated inside the trusted
//! core on first start and sealed to the data directory, together with the
//! enclave's [`Anchor`] once it is set: one sealed file, so that the anchor
//! cannot be removed without losing the keys (and with them the identity).

use std::{path::Path, sync::Arc};

use codec::{Decode, Encode};
use integritee_stf_primitives::{shielding::ShieldingKeyPair, ShardIdentifier};
use polkadot_sdk::sp_core::{ed25519, Pair, H256};

use crate::{sealing::SealingKey, Error};

/// File name of the sealed keys in the data directory.
pub const SEALED_KEYS_FILE: &str = "sealed-keys.bin";
const PURPOSE: &str = "integritee enclave keys v2";

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
	/// `max_instances` of the shard configuration this enclave initialises.
	pub max_instances: u32,
}

/// The seeds the keys derive from; never leaves the trusted core unsealed.
#[derive(Encode, Decode, Clone)]
struct KeySeeds {
	signer: [u8; 32],
	shielding: [u8; 32],
	state: [u8; 32],
}

impl KeySeeds {
	fn random() -> Result<Self, Error> {
		let mut seeds = [[0u8; 32]; 3];
		for seed in &mut seeds {
			getrandom(seed)?;
		}
		Ok(Self { signer: seeds[0], shielding: seeds[1], state: seeds[2] })
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

	/// Unseals the keys and the anchor from `data_dir`, or generates and
	/// seals new keys (no anchor yet) if there are none. Returns the keys,
	/// the anchor and whether the keys are new.
	pub fn load_or_create(
		data_dir: &Path,
		sealing: &SealingKey,
	) -> Result<(Self, Option<Anchor>, bool), Error> {
		let path = data_dir.join(SEALED_KEYS_FILE);
		if let Some(bytes) = sealing.unseal_file(&path, PURPOSE)? {
			let (seeds, anchor) = <(KeySeeds, Option<Anchor>)>::decode(&mut &bytes[..])
				.map_err(|_| Error::Sealing("the sealed keys do not decode".into()))?;
			return Ok((Self::from_seeds(seeds), anchor, false));
		}
		let seeds = KeySeeds::random()?;
		sealing.seal_to_file(&path, PURPOSE, &(&seeds, None::<Anchor>).encode())?;
		Ok((Self::from_seeds(seeds), None, true))
	}

	/// Seals `anchor` beside the keys (replacing the file atomically).
	pub fn seal_anchor(
		&self,
		data_dir: &Path,
		sealing: &SealingKey,
		anchor: &Anchor,
	) -> Result<(), Error> {
		let path = data_dir.join(SEALED_KEYS_FILE);
		sealing.seal_to_file(&path, PURPOSE, &(&self.seeds, Some(anchor)).encode())
	}
}
