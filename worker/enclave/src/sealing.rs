//! Sealing: encrypting data to the enclave itself, on disk.
//!
//! The sealing key is HKDF-SHA256 of the platform's sealing secret with the
//! enclave's MRENCLAVE in the `info`, so another build (another MRENCLAVE)
//! derives another key and cannot unseal. Sealed blobs are AES-256-GCM with a
//! fresh random nonce and the blob's purpose as associated data; files are
//! replaced atomically (write, fsync, rename).

use std::{io::Write, path::Path};

use aes_gcm::{
	aead::{Aead, AeadCore, KeyInit, OsRng, Payload},
	Aes256Gcm, Nonce,
};
use hkdf::Hkdf;
use sha2::Sha256;

use crate::{platform::TeePlatform, Error};

const NONCE_LEN: usize = 12;

/// A key bound to one platform and one MRENCLAVE.
pub struct SealingKey(Aes256Gcm);

impl SealingKey {
	pub fn derive(platform: &dyn TeePlatform) -> Self {
		let secret = platform.sealing_secret();
		let hkdf = Hkdf::<Sha256>::new(Some(b"integritee-rs sealing v1"), &secret);
		let mut info = b"mrenclave:".to_vec();
		info.extend_from_slice(&platform.mr_enclave());
		let mut key = [0u8; 32];
		// 32 bytes is far below HKDF-SHA256's limit of 255 * 32: cannot fail.
		let _ = hkdf.expand(&info, &mut key);
		Self(Aes256Gcm::new(&key.into()))
	}

	/// `nonce || ciphertext` of `plaintext`, bound to `purpose`.
	pub fn seal(&self, purpose: &str, plaintext: &[u8]) -> Result<Vec<u8>, Error> {
		let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
		let ciphertext = self
			.0
			.encrypt(&nonce, Payload { msg: plaintext, aad: purpose.as_bytes() })
			.map_err(|_| Error::Sealing(format!("cannot seal {purpose}")))?;
		let mut out = nonce.to_vec();
		out.extend_from_slice(&ciphertext);
		Ok(out)
	}

	pub fn unseal(&self, purpose: &str, sealed: &[u8]) -> Result<Vec<u8>, Error> {
		if sealed.len() < NONCE_LEN {
			return Err(Error::Sealing(format!("sealed {purpose} is truncated")));
		}
		let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
		self.0
			.decrypt(Nonce::from_slice(nonce), Payload { msg: ciphertext, aad: purpose.as_bytes() })
			.map_err(|_| {
				Error::Sealing(format!(
					"cannot unseal {purpose}: sealed by another enclave build (MRENCLAVE) or \
					 platform, or corrupted"
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
}
