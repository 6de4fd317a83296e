//! Signature primitives: ECDSA P-256 with SHA-256 (Intel's DCAP PKI, quotes,
//! RA-TLS certificates) and RSA PKCS#1 v1.5 with SHA-256 (the IAS PKI).

use crate::error::Error;
use p256::ecdsa::{signature::Verifier as _, Signature, VerifyingKey};
use sha2::{Digest, Sha256};

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
	Sha256::digest(data).into()
}

/// A P-256 public key from its raw `x || y` form (as in a quote).
pub fn p256_key_from_raw(xy: &[u8; 64]) -> Result<VerifyingKey, Error> {
	let mut sec1 = [0x04u8; 65];
	for (dst, src) in sec1.iter_mut().skip(1).zip(xy.iter()) {
		*dst = *src;
	}
	VerifyingKey::from_sec1_bytes(&sec1).map_err(|_| Error::UnsupportedAlgorithm)
}

/// A P-256 public key from its SEC1 encoding (as in a certificate).
pub fn p256_key_from_sec1(sec1: &[u8]) -> Result<VerifyingKey, Error> {
	VerifyingKey::from_sec1_bytes(sec1).map_err(|_| Error::UnsupportedAlgorithm)
}

/// Verifies a raw `r || s` ECDSA P-256 SHA-256 signature; `failure` is the error
/// to report when it does not verify.
pub fn verify_p256_raw(
	key: &VerifyingKey,
	message: &[u8],
	signature: &[u8; 64],
	failure: Error,
) -> Result<(), Error> {
	let signature = Signature::from_slice(signature).map_err(|_| failure)?;
	key.verify(message, &signature).map_err(|_| failure)
}

/// Verifies a DER-encoded ECDSA P-256 SHA-256 signature (as in certificates and CRLs).
pub fn verify_p256_der(
	key: &VerifyingKey,
	message: &[u8],
	signature: &[u8],
	failure: Error,
) -> Result<(), Error> {
	let signature = Signature::from_der(signature).map_err(|_| failure)?;
	key.verify(message, &signature).map_err(|_| failure)
}

/// Verifies an RSA PKCS#1 v1.5 SHA-256 signature with the key of a DER
/// SubjectPublicKeyInfo.
pub fn verify_rsa_pkcs1_sha256(
	spki_der: &[u8],
	message: &[u8],
	signature: &[u8],
	failure: Error,
) -> Result<(), Error> {
	use rsa::{
		pkcs1v15::{Signature as RsaSignature, VerifyingKey as RsaVerifyingKey},
		pkcs8::DecodePublicKey,
		signature::Verifier,
	};
	let key =
		rsa::PublicKey::from_public_key_der(spki_der).map_err(|_| Error::UnsupportedAlgorithm)?;
	let key = RsaVerifyingKey::<Sha256>::new(key);
	let signature = RsaSignature::try_from(signature).map_err(|_| failure)?;
	key.verify(message, &signature).map_err(|_| failure)
}

/// Decodes a hex raw `r || s` signature (as in Intel's JSON collateral).
pub fn raw_signature_from_hex(hex_text: &[u8]) -> Result<[u8; 64], Error> {
	let mut out = [0u8; 64];
	hex::decode_to_slice(hex_text, &mut out).map_err(|_| Error::BadEncoding("signature hex"))?;
	Ok(out)
}
