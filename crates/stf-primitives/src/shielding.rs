//! Shielding encryption: HPKE (RFC 9180) in base mode with
//! DHKEM(X25519, HKDF-SHA256), HKDF-SHA256 and AES-256-GCM.
//!
//! A ciphertext is `encapsulated key (32 bytes) || sealed payload`. The shard
//! identifier is the associated data, so a ciphertext for one shard does not
//! decrypt for another, and every kind of ciphertext has its own HPKE
//! `info` ([`Purpose`]), so a ciphertext made for one purpose does not
//! decrypt as another (a getter request fed to the core as a call, an
//! answer fed back as a request).

use hpke::{
	aead::AesGcm256, kdf::HkdfSha256, kem::X25519HkdfSha256, Deserializable, Kem, OpModeR, OpModeS,
	Serializable,
};

use crate::ShardIdentifier;

/// What a ciphertext carries. Each purpose is its own HPKE `info`
/// (domain separation): encrypting and decrypting must name the same one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
	/// A signed trusted call (`TrustedCallSigned`), carried by
	/// `EnclaveBridge::invoke` or sent directly (`DirectCall`): one
	/// purpose, because both are the same signed call under the same
	/// checks, executed at most once by its nonce whichever way it came.
	TrustedCall,
	/// The beneficiary account of `EnclaveBridge::shield_funds`.
	ShieldBeneficiary,
	/// A private getter request (a signed getter), to the shielding key.
	GetterRequest,
	/// The enclave's signed getter answer, to the client's answer key.
	GetterAnswer,
	/// A shard's secrets, from a member's core to a joiner's ephemeral
	/// provisioning key.
	ShardSecrets,
}

impl Purpose {
	/// Every purpose, for tests and documentation.
	pub const ALL: [Purpose; 5] = [
		Purpose::TrustedCall,
		Purpose::ShieldBeneficiary,
		Purpose::GetterRequest,
		Purpose::GetterAnswer,
		Purpose::ShardSecrets,
	];

	/// The HPKE `info` of this purpose (v2: v1 had one `info` for all).
	pub const fn info(self) -> &'static [u8] {
		match self {
			Purpose::TrustedCall => b"integritee shielding v2: trusted call",
			Purpose::ShieldBeneficiary => b"integritee shielding v2: shield beneficiary",
			Purpose::GetterRequest => b"integritee shielding v2: getter request",
			Purpose::GetterAnswer => b"integritee shielding v2: getter answer",
			Purpose::ShardSecrets => b"integritee shielding v2: shard secrets",
		}
	}
}

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

/// Encrypts `plaintext` for `shard` and `purpose` to the public key
/// `public_key` (the shard's shielding key, or a client's answer key).
pub fn encrypt(
	public_key: &[u8],
	purpose: Purpose,
	shard: &ShardIdentifier,
	plaintext: &[u8],
) -> Result<Vec<u8>, ShieldingError> {
	let public = KemPublic::from_bytes(public_key).map_err(|_| ShieldingError::BadPublicKey)?;
	let mut rng = rand_core::UnwrapErr(rand_core::OsRng);
	let (encapped, sealed) = hpke::single_shot_seal::<AesGcm256, HkdfSha256, X25519HkdfSha256, _>(
		&OpModeS::Base,
		&public,
		purpose.info(),
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

	/// Decrypts a ciphertext made by [`encrypt`] for `purpose` and `shard`;
	/// one made for another purpose or shard is [`ShieldingError::Undecryptable`].
	pub fn decrypt(
		&self,
		purpose: Purpose,
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
			purpose.info(),
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
		let call = Purpose::TrustedCall;
		let pair = ShieldingKeyPair::from_seed(&[3; 32]);
		let shard = H256::repeat_byte(1);
		let ct = encrypt(&pair.public_key(), call, &shard, b"hello").unwrap();
		assert_eq!(pair.decrypt(call, &shard, &ct).unwrap(), b"hello");
		// Two encryptions of one plaintext differ (fresh ephemeral key).
		assert_ne!(ct, encrypt(&pair.public_key(), call, &shard, b"hello").unwrap());
		assert_eq!(
			pair.decrypt(call, &H256::repeat_byte(2), &ct),
			Err(ShieldingError::Undecryptable)
		);
		let other = ShieldingKeyPair::from_seed(&[4; 32]);
		assert_eq!(other.decrypt(call, &shard, &ct), Err(ShieldingError::Undecryptable));
		let mut flipped = ct.clone();
		*flipped.last_mut().unwrap() ^= 1;
		assert_eq!(pair.decrypt(call, &shard, &flipped), Err(ShieldingError::Undecryptable));
		assert_eq!(pair.decrypt(call, &shard, &ct[..40]), Err(ShieldingError::Truncated));
		assert_eq!(pair.decrypt(call, &shard, &[]), Err(ShieldingError::Truncated));
		assert_eq!(encrypt(&[1; 31], call, &shard, b"x"), Err(ShieldingError::BadPublicKey));
		assert!(!format!("{pair:?}").contains("private"));
	}

	/// Exploit (fails before the purposes existed, when every ciphertext
	/// had one `info`): a ciphertext of one kind opens only as that kind,
	/// under the same key and shard.
	#[test]
	fn a_ciphertext_of_one_purpose_does_not_open_as_another() {
		let pair = ShieldingKeyPair::from_seed(&[5; 32]);
		let shard = H256::repeat_byte(1);
		let infos: std::collections::BTreeSet<_> = Purpose::ALL.iter().map(|p| p.info()).collect();
		assert_eq!(infos.len(), Purpose::ALL.len(), "one info per purpose");
		for made in Purpose::ALL {
			let ct = encrypt(&pair.public_key(), made, &shard, b"payload").unwrap();
			for opened in Purpose::ALL {
				let result = pair.decrypt(opened, &shard, &ct);
				if opened == made {
					assert_eq!(result.unwrap(), b"payload");
				} else {
					assert_eq!(
						result,
						Err(ShieldingError::Undecryptable),
						"{made:?} as {opened:?}"
					);
				}
			}
		}
	}
}
