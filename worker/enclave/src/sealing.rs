//! Sealing: encrypting data to the enclave itself, on disk.
//!
//! Two keys, both AES-256-GCM with a fresh random nonce:
//! - the [`SealingKey`] is HKDF-SHA256 of the platform's sealing secret with
//!   the enclave's MRENCLAVE in the `info`: another build derives another
//!   key. It seals one record only, the instance's keys with their anchor
//!   (`crate::keys`); every instance of the same build on the same machine
//!   shares it.
//! - the [`RecordKey`] of one instance derives from a seed sealed with its
//!   keys: another instance of the same build cannot open its records (the
//!   light client, the queued parent blocks, the shard's secrets), so
//!   records cannot be copied from a throw-away instance that follows a
//!   fabricated chain. Each
//!   record's associated data names the format version, the record's
//!   purpose and place, the instance and its anchor.
//!
//! Files are replaced atomically (write, fsync, rename).

use std::{io::Write, path::Path};

use aes_gcm::{
	aead::{Aead, AeadCore, KeyInit, OsRng, Payload},
	Aes256Gcm, Nonce,
};
use codec::Encode;
use hkdf::Hkdf;
use sha2::Sha256;

use crate::{keys::Anchor, platform::TeePlatform, Error};

const NONCE_LEN: usize = 12;

/// 32 bytes of HKDF-SHA256 output (far below its limit of 255 * 32: the
/// expansion cannot fail).
fn hkdf_key(salt: &[u8], secret: &[u8], info: &[u8]) -> [u8; 32] {
	let mut key = [0u8; 32];
	let _ = Hkdf::<Sha256>::new(Some(salt), secret).expand(info, &mut key);
	key
}

/// `nonce || ciphertext` of `plaintext` under `aad`.
fn seal_with(cipher: &Aes256Gcm, aad: &[u8], plaintext: &[u8]) -> Option<Vec<u8>> {
	let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
	let ciphertext = cipher.encrypt(&nonce, Payload { msg: plaintext, aad }).ok()?;
	let mut out = nonce.to_vec();
	out.extend_from_slice(&ciphertext);
	Some(out)
}

/// The plaintext of `nonce || ciphertext`, if it opens under `aad`.
fn open_with(cipher: &Aes256Gcm, aad: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
	if sealed.len() < NONCE_LEN {
		return None;
	}
	let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
	cipher.decrypt(Nonce::from_slice(nonce), Payload { msg: ciphertext, aad }).ok()
}

/// A key bound to one platform and one MRENCLAVE.
pub struct SealingKey(Aes256Gcm);

impl SealingKey {
	pub fn derive(platform: &dyn TeePlatform) -> Self {
		let mut info = b"mrenclave:".to_vec();
		info.extend_from_slice(&platform.mr_enclave());
		let key = hkdf_key(b"integritee-rs sealing v1", &platform.sealing_secret(), &info);
		Self(Aes256Gcm::new(&key.into()))
	}

	/// `nonce || ciphertext` of `plaintext`, bound to `purpose`.
	pub fn seal(&self, purpose: &str, plaintext: &[u8]) -> Result<Vec<u8>, Error> {
		seal_with(&self.0, purpose.as_bytes(), plaintext)
			.ok_or_else(|| Error::Sealing(format!("cannot seal {purpose}")))
	}

	pub fn unseal(&self, purpose: &str, sealed: &[u8]) -> Result<Vec<u8>, Error> {
		open_with(&self.0, purpose.as_bytes(), sealed).ok_or_else(|| {
			Error::Sealing(format!(
				"cannot unseal {purpose}: sealed by another enclave build (MRENCLAVE) or \
				 platform, truncated or corrupted"
			))
		})
	}

	/// Seals `plaintext` into `path`, replacing it atomically.
	pub fn seal_to_file(&self, path: &Path, purpose: &str, plaintext: &[u8]) -> Result<(), Error> {
		let sealed = self.seal(purpose, plaintext)?;
		write_atomically(path, &sealed)
	}

	/// The unsealed contents of `path`, or `None` if the file does not exist.
	pub fn unseal_file(&self, path: &Path, purpose: &str) -> Result<Option<Vec<u8>>, Error> {
		match std::fs::read(path) {
			Ok(sealed) => self.unseal(purpose, &sealed).map(Some),
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
			Err(e) => Err(Error::Io(format!("cannot read {}: {e}", path.display()))),
		}
	}
}

/// What a sealed record is, and where it belongs: part of its associated
/// data, so that a record opens only as itself, in its place.
#[derive(Clone, Copy, Debug)]
pub enum Record {
	/// The light client (one per instance).
	LightClient,
	/// The inputs of the queued parent block with this number.
	QueuedBlock(u32),
	/// The shard's secrets (shielding and state key).
	ShardSecrets,
}

impl Record {
	fn describe(self) -> String {
		match self {
			Self::LightClient => "the light client".into(),
			Self::QueuedBlock(number) => format!("queued parent block #{number}"),
			Self::ShardSecrets => "the shard's secrets".into(),
		}
	}
}

/// The key of one instance's records (see the module documentation).
pub struct RecordKey {
	cipher: Aes256Gcm,
	/// Format version, instance and anchor: the start of every record's
	/// associated data.
	context: Vec<u8>,
}

impl RecordKey {
	/// The record key of the instance whose signer is `instance`, from its
	/// sealed `seed`, for records under `anchor`.
	pub fn derive(seed: &[u8; 32], instance: &[u8; 32], anchor: &Anchor) -> Self {
		let mut info = b"instance:".to_vec();
		info.extend_from_slice(instance);
		let key = hkdf_key(b"integritee-rs records v1", seed, &info);
		let mut context = b"integritee-rs record v1".to_vec();
		context.extend_from_slice(instance);
		anchor.encode_to(&mut context);
		Self { cipher: Aes256Gcm::new(&key.into()), context }
	}

	fn aad(&self, record: Record) -> Vec<u8> {
		let mut aad = self.context.clone();
		match record {
			Record::LightClient => aad.extend_from_slice(b"light client"),
			Record::QueuedBlock(number) => {
				aad.extend_from_slice(b"queued parent block");
				number.encode_to(&mut aad);
			}
			Record::ShardSecrets => aad.extend_from_slice(b"shard secrets"),
		}
		aad
	}

	pub fn seal(&self, record: Record, plaintext: &[u8]) -> Result<Vec<u8>, Error> {
		seal_with(&self.cipher, &self.aad(record), plaintext)
			.ok_or_else(|| Error::Sealing(format!("cannot seal {}", record.describe())))
	}

	/// The plaintext of `record`; an error names it, never its contents.
	pub fn open(&self, record: Record, sealed: &[u8]) -> Result<Vec<u8>, Error> {
		open_with(&self.cipher, &self.aad(record), sealed).ok_or_else(|| {
			Error::Sealing(format!(
				"{} does not open: written by another instance or for another anchor, moved, \
				 truncated or corrupted",
				record.describe()
			))
		})
	}
}

/// Writes `bytes` to `path` so that a crash leaves either the old or the new
/// contents: a temporary file, fsync, rename, fsync of the directory.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Error> {
	let io = |e: std::io::Error| Error::Io(format!("cannot write {}: {e}", path.display()));
	let tmp = path.with_extension("tmp");
	{
		let mut file = std::fs::File::create(&tmp).map_err(io)?;
		file.write_all(bytes).map_err(io)?;
		file.sync_all().map_err(io)?;
	}
	std::fs::rename(&tmp, path).map_err(io)?;
	if let Some(dir) = path.parent() {
		if let Ok(dir) = std::fs::File::open(dir) {
			let _ = dir.sync_all();
		}
	}
	Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;
	use crate::platform::SimulatedTee;

	#[test]
	fn sealed_data_opens_only_for_the_same_mrenclave() {
		let a = SealingKey::derive(&SimulatedTee::new([1; 32]));
		let b = SealingKey::derive(&SimulatedTee::new([2; 32]));
		let sealed = a.seal("purpose", b"secret").unwrap();
		assert_eq!(a.unseal("purpose", &sealed).unwrap(), b"secret");
		assert!(b.unseal("purpose", &sealed).is_err(), "another MRENCLAVE cannot unseal");
		assert!(a.unseal("other purpose", &sealed).is_err(), "bound to its purpose");
		let mut tampered = sealed.clone();
		*tampered.last_mut().unwrap() ^= 1;
		assert!(a.unseal("purpose", &tampered).is_err());
		assert!(a.unseal("purpose", &sealed[..5]).is_err());
		let message = b.unseal("purpose", &sealed).unwrap_err().to_string();
		assert!(!message.contains("secret"), "{message}");
	}

	fn anchor(checkpoint: u32) -> Anchor {
		Anchor {
			genesis_hash: polkadot_sdk::sp_core::H256::repeat_byte(1),
			checkpoint: (checkpoint, polkadot_sdk::sp_core::H256::repeat_byte(2)),
			shard: polkadot_sdk::sp_core::H256::repeat_byte(3),
			max_instances: 1,
		}
	}

	#[test]
	fn a_record_opens_only_for_its_instance_anchor_and_place() {
		let key = RecordKey::derive(&[1; 32], &[10; 32], &anchor(0));
		let sealed = key.seal(Record::QueuedBlock(5), b"inputs").unwrap();
		assert_eq!(key.open(Record::QueuedBlock(5), &sealed).unwrap(), b"inputs");
		let refused = [
			(RecordKey::derive(&[2; 32], &[10; 32], &anchor(0)), Record::QueuedBlock(5)),
			(RecordKey::derive(&[1; 32], &[11; 32], &anchor(0)), Record::QueuedBlock(5)),
			(RecordKey::derive(&[1; 32], &[10; 32], &anchor(1)), Record::QueuedBlock(5)),
			(RecordKey::derive(&[1; 32], &[10; 32], &anchor(0)), Record::QueuedBlock(6)),
			(RecordKey::derive(&[1; 32], &[10; 32], &anchor(0)), Record::LightClient),
		];
		for (other, record) in refused {
			let message = other.open(record, &sealed).unwrap_err().to_string();
			assert!(!message.contains("inputs"), "{message}");
		}
		assert!(key.open(Record::QueuedBlock(5), &sealed[..11]).is_err());
	}
}
