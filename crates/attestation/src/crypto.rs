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
	verify_p256(key, message, &signature).map_err(|_| failure)
}

/// Verifies a DER-encoded ECDSA P-256 SHA-256 signature (as in certificates and CRLs).
pub fn verify_p256_der(
	key: &VerifyingKey,
	message: &[u8],
	signature: &[u8],
	failure: Error,
) -> Result<(), Error> {
	let signature = Signature::from_der(signature).map_err(|_| failure)?;
	verify_p256(key, message, &signature).map_err(|_| failure)
}

/// ECDSA P-256 SHA-256 verification of a parsed signature (non-zero `r` and
/// `s` below the group order; high `s` is accepted) with the configured
/// backend: RustCrypto, or `ring` with the `ring-ecdsa` feature.
fn verify_p256(key: &VerifyingKey, message: &[u8], signature: &Signature) -> Result<(), ()> {
	#[cfg(feature = "ring-ecdsa")]
	return verify_p256_ring(key, message, signature);
	#[cfg(not(feature = "ring-ecdsa"))]
	return verify_p256_rustcrypto(key, message, signature);
}

/// The RustCrypto backend (`p256`).
#[cfg_attr(feature = "ring-ecdsa", allow(dead_code))]
fn verify_p256_rustcrypto(
	key: &VerifyingKey,
	message: &[u8],
	signature: &Signature,
) -> Result<(), ()> {
	key.verify(message, signature).map_err(|_| ())
}

/// The `ring` backend: the key as SEC1 uncompressed point, the signature as
/// fixed-size `r || s`.
#[cfg(feature = "ring-ecdsa")]
fn verify_p256_ring(key: &VerifyingKey, message: &[u8], signature: &Signature) -> Result<(), ()> {
	use ring::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_FIXED};
	let point = key.to_sec1_point(false);
	UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point.as_bytes())
		.verify(message, &signature.to_bytes())
		.map_err(|_| ())
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

/// Both backends must agree on valid, tampered and malformed signatures.
#[cfg(all(test, feature = "ring-ecdsa"))]
#[allow(clippy::unwrap_used)]
mod backend_agreement {
	use super::*;
	use crate::{dcap::Quote, pem, x509::Cert};
	use p256::ecdsa::{signature::Signer as _, SigningKey};

	/// The P-256 group order n, big-endian.
	const ORDER: [u8; 32] = [
		0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63,
		0x25, 0x51,
	];

	/// Verdicts of (RustCrypto, ring) on a parsed signature.
	fn both(key: &VerifyingKey, message: &[u8], signature: &Signature) -> (bool, bool) {
		(
			verify_p256_rustcrypto(key, message, signature).is_ok(),
			verify_p256_ring(key, message, signature).is_ok(),
		)
	}

	/// Verdicts of (RustCrypto, ring) on raw `r || s` bytes, ring reading the
	/// raw bytes itself (without the shared parsing).
	fn both_raw(key: &VerifyingKey, message: &[u8], raw: &[u8; 64]) -> (bool, bool) {
		use ring::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_FIXED};
		let rustcrypto = Signature::from_slice(raw)
			.is_ok_and(|sig| verify_p256_rustcrypto(key, message, &sig).is_ok());
		let point = key.to_sec1_point(false);
		let ring = UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point.as_bytes())
			.verify(message, raw)
			.is_ok();
		(rustcrypto, ring)
	}

	/// (key, message, raw signature) of the real quote: the ISV report by
	/// the attestation key and the QE report by the PCK key.
	fn real_signatures() -> Vec<(VerifyingKey, Vec<u8>, [u8; 64])> {
		let bytes = integritee_testdata::sgx("dcap/ra_dcap_dump_quote.ra");
		let quote = Quote::parse(&bytes).unwrap();
		let pck = pem::decode_certificates(quote.certification_data).unwrap();
		let pck = Cert::from_der(&pck[0]).unwrap();
		vec![
			(
				p256_key_from_raw(&quote.attestation_key).unwrap(),
				quote.signed_bytes.to_vec(),
				quote.isv_signature,
			),
			(pck.p256_key().unwrap(), quote.qe_report_bytes.to_vec(), quote.qe_report_signature),
		]
	}

	fn generated_signatures() -> Vec<(VerifyingKey, Vec<u8>, [u8; 64])> {
		(1u8..=16)
			.map(|n| {
				let signing = SigningKey::from_slice(&[n; 32]).unwrap();
				let message = vec![n; usize::from(n) * 37];
				let signature: Signature = signing.sign(&message);
				let raw: [u8; 64] = signature.to_bytes().as_slice().try_into().unwrap();
				(*signing.verifying_key(), message, raw)
			})
			.collect()
	}

	#[test]
	fn valid_and_tampered_signatures() {
		for (key, message, raw) in real_signatures().into_iter().chain(generated_signatures()) {
			let signature = Signature::from_slice(&raw).unwrap();
			assert_eq!(both(&key, &message, &signature), (true, true));
			assert_eq!(both_raw(&key, &message, &raw), (true, true));
			for at in [0, message.len() / 2, message.len() - 1] {
				let mut tampered = message.clone();
				tampered[at] ^= 0x01;
				assert_eq!(both(&key, &tampered, &signature), (false, false));
			}
			for at in [0, 17, 31, 32, 48, 63] {
				let mut tampered = raw;
				tampered[at] ^= 0x01;
				let verdicts = both_raw(&key, &message, &tampered);
				assert_eq!(verdicts.0, verdicts.1, "byte {at}");
				assert!(!verdicts.0, "byte {at}");
			}
			// Another key.
			let other = SigningKey::from_slice(&[0xee; 32]).unwrap();
			assert_eq!(both(other.verifying_key(), &message, &signature), (false, false));
		}
	}

	#[test]
	fn high_s_is_accepted_by_both() {
		for (key, message, raw) in real_signatures().into_iter().chain(generated_signatures()) {
			let (r, s) = Signature::from_slice(&raw).unwrap().split_scalars();
			let flipped = Signature::from_scalars(r.to_bytes(), (-*s).to_bytes()).unwrap();
			// One of s and n - s is high; both verify under both backends.
			assert_eq!(both(&key, &message, &flipped), (true, true));
			let flipped_raw: [u8; 64] = flipped.to_bytes().as_slice().try_into().unwrap();
			assert_eq!(both_raw(&key, &message, &flipped_raw), (true, true));
		}
	}

	#[test]
	fn zero_and_out_of_range_scalars_are_refused_by_both() {
		let mut order_plus_one = ORDER;
		order_plus_one[31] += 1;
		let mut order_minus_one = ORDER;
		order_minus_one[31] -= 1;
		let edges: [[u8; 32]; 4] = [[0; 32], ORDER, order_plus_one, [0xff; 32]];
		for (key, message, raw) in real_signatures().into_iter().chain(generated_signatures()) {
			let (r, s) = raw.split_at(32);
			for edge in edges {
				for replace_r in [true, false] {
					let mut bad = [0u8; 64];
					let (bad_r, bad_s) = bad.split_at_mut(32);
					bad_r.copy_from_slice(if replace_r { &edge } else { r });
					bad_s.copy_from_slice(if replace_r { s } else { &edge });
					assert_eq!(both_raw(&key, &message, &bad), (false, false));
					assert!(verify_p256_raw(&key, &message, &bad, Error::IsvSignature).is_err());
				}
			}
			// n - 1 is in range: parsed, and refused by both as a wrong signature.
			let mut in_range = raw;
			in_range[32..].copy_from_slice(&order_minus_one);
			assert_eq!(both_raw(&key, &message, &in_range), (false, false));
		}
	}
}
