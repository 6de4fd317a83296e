//! Shielding encryption: HPKE (RFC 9180) in base mode with
//! DHKEM(X25519, HKDF-SHA256), HKDF-SHA256 and AES-256-GCM.
//!
//! A ciphertext is `encapsulated key (32 bytes) || sealed payload`. The shard
//! identifier is the associated data, so a ciphertext for one shard does not
//! decrypt for another.

use hpke::{
	aead::AesGcm256, kdf::HkdfSha256, kem::X25519HkdfSha256, Deserializable, Kem, OpModeR, OpModeS,
	Serializable,
};

use crate::ShardIdentifier;

/// Context string of every shielding encryption (HPKE `info`).
pub const INFO: &[u8] = b"integritee shielding v1";
/// Length of a shielding public key.
pub const PUBLIC_KEY_LEN: usize = 32;
const ENCAPPED_KEY_LEN: usize = 32;

#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum ShieldingError {
	#[error("not a shielding public key (X25519, 32 bytes)")]
	BadPublicKey,
	#[error("the ciphertext is shorter than an encapsulated key and a tag")]
	Truncated,
	#[error("the ciphertext does not decrypt with this shard's shielding key")]
	Undecryptable,
}

type KemPrivate = <X25519HkdfSha256 as Kem>::PrivateKey;
type KemPublic = <X25519HkdfSha256 as Kem>::PublicKey;
type Encapped = <X25519HkdfSha256 as Kem>::EncappedKey;

/// Encrypts `plaintext` for `shard` to the shielding public key `public_key`.
pub fn encrypt(
	public_key: &[u8],
	shard: &ShardIdentifier,
	plaintext: &[u8],
) -> Result<Vec<u8>, ShieldingError> {
	let public = KemPublic::from_bytes(public_key).map_err(|_| ShieldingError::BadPublicKey)?;
	let mut rng = rand_core::UnwrapErr(rand_core::OsRng);
	let (encapped, sealed) = hpke::single_shot_seal::<AesGcm256, HkdfSha256, X25519HkdfSha256, _>(
		&OpModeS::Base,
		&public,
		INFO,
		plaintext,
		shard.as_bytes(),
		&mut rng,
	)
	.map_err(|_| ShieldingError::BadPublicKey)?;
	let mut out = encapped.to_bytes().to_vec();
	out.extend_from_slice(&sealed);
	Ok(out)
}

/// A shielding key pair. Only the trusted core ever holds one; its
/// `Debug` never shows the private key.
pub struct ShieldingKeyPair {
	private: KemPrivate,
	public: KemPublic,
}

impl core::fmt::Debug for ShieldingKeyPair {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		write!(f, "ShieldingKeyPair {{ public: 0x{} }}", hex_lower(&self.public_key()))
	}
}

fn hex_lower(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl ShieldingKeyPair {
	/// A fresh key pair from the operating system's randomness.
	pub fn generate() -> Self {
		let mut rng = rand_core::UnwrapErr(rand_core::OsRng);
		let (private, public) = X25519HkdfSha256::gen_keypair(&mut rng);
		Self { private, public }
	}

	/// Derives a key pair from 32 bytes of secret input key material.
	pub fn from_seed(seed: &[u8; 32]) -> Self {
		let (private, public) = X25519HkdfSha256::derive_keypair(seed);
		Self { private, public }
	}

	/// The public key clients encrypt to.
	pub fn public_key(&self) -> [u8; PUBLIC_KEY_LEN] {
		let mut out = [0u8; PUBLIC_KEY_LEN];
		out.copy_from_slice(&self.public.to_bytes());
		out
	}

	/// Decrypts a ciphertext made by [`encrypt`] for `shard`.
	pub fn decrypt(
		&self,
		shard: &ShardIdentifier,
		ciphertext: &[u8],
	) -> Result<Vec<u8>, ShieldingError> {
		if ciphertext.len() < ENCAPPED_KEY_LEN + 16 {
			return Err(ShieldingError::Truncated);
		}
		let (encapped, sealed) = ciphertext.split_at(ENCAPPED_KEY_LEN);
		let encapped = Encapped::from_bytes(encapped).map_err(|_| ShieldingError::Undecryptable)?;
		hpke::single_shot_open::<AesGcm256, HkdfSha256, X25519HkdfSha256>(
			&OpModeR::Base,
			&self.private,
			&encapped,
			INFO,
			sealed,
			shard.as_bytes(),
		)
		.map_err(|_| ShieldingError::Undecryptable)
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;
	use polkadot_sdk::sp_core::H256;

	#[test]
	fn round_trip_and_refusals() {
		let pair = ShieldingKeyPair::from_seed(&[3; 32]);
		let shard = H256::repeat_byte(1);
		let ct = encrypt(&pair.public_key(), &shard, b"hello").unwrap();
		assert_eq!(pair.decrypt(&shard, &ct).unwrap(), b"hello");
		// Two encryptions of one plaintext differ (fresh ephemeral key).
		assert_ne!(ct, encrypt(&pair.public_key(), &shard, b"hello").unwrap());
		assert_eq!(pair.decrypt(&H256::repeat_byte(2), &ct), Err(ShieldingError::Undecryptable));
		let other = ShieldingKeyPair::from_seed(&[4; 32]);
		assert_eq!(other.decrypt(&shard, &ct), Err(ShieldingError::Undecryptable));
		let mut flipped = ct.clone();
		*flipped.last_mut().unwrap() ^= 1;
		assert_eq!(pair.decrypt(&shard, &flipped), Err(ShieldingError::Undecryptable));
		assert_eq!(pair.decrypt(&shard, &ct[..40]), Err(ShieldingError::Truncated));
		assert_eq!(pair.decrypt(&shard, &[]), Err(ShieldingError::Truncated));
		assert_eq!(encrypt(&[1; 31], &shard, b"x"), Err(ShieldingError::BadPublicKey));
		assert!(!format!("{pair:?}").contains("private"));
	}
}
