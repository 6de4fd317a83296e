//! The enclave's keys: signer (ed25519, unique per enclave), shielding key
//! (HPKE X25519) and state key (AES-256-GCM), generated inside the trusted
//! core on first start and sealed to the data directory.

use std::path::Path;

use codec::{Decode, Encode};
use integritee_stf_primitives::shielding::ShieldingKeyPair;
use polkadot_sdk::sp_core::{ed25519, Pair};

use crate::{sealing::SealingKey, Error};

/// File name of the sealed keys in the data directory.
pub const SEALED_KEYS_FILE: &str = "sealed-keys.bin";
const PURPOSE: &str = "integritee enclave keys v1";

/// The seeds the keys derive from; never leaves the trusted core unsealed.
#[derive(Encode, Decode)]
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
	pub shielding: ShieldingKeyPair,
	pub state_key: [u8; 32],
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
	fn from_seeds(seeds: &KeySeeds) -> Self {
		Self {
			signer: ed25519::Pair::from_seed(&seeds.signer),
			shielding: ShieldingKeyPair::from_seed(&seeds.shielding),
			state_key: seeds.state,
		}
	}

	/// Unseals the keys from `data_dir`, or generates and seals new ones if
	/// there are none. Returns the keys and whether they are new.
	pub fn load_or_create(data_dir: &Path, sealing: &SealingKey) -> Result<(Self, bool), Error> {
		let path = data_dir.join(SEALED_KEYS_FILE);
		if let Some(bytes) = sealing.unseal_file(&path, PURPOSE)? {
			let seeds = KeySeeds::decode(&mut &bytes[..])
				.map_err(|_| Error::Sealing("the sealed keys do not decode".into()))?;
			return Ok((Self::from_seeds(&seeds), false));
		}
		let seeds = KeySeeds::random()?;
		sealing.seal_to_file(&path, PURPOSE, &seeds.encode())?;
		Ok((Self::from_seeds(&seeds), true))
	}
}
