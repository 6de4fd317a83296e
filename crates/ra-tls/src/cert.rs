//! Making an RA-TLS certificate: a fresh P-256 key, a quote over the key's
//! hash from the platform, and a self-signed certificate carrying the quote.

use crate::error::Error;
use rcgen::{CertificateParams, CustomExtension, DnType, KeyPair, PublicKeyData};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::{fmt, time::SystemTime};

/// OID of the certificate extension that carries the DCAP quote
/// (1.2.840.113741.1337.6, as in Gramine's RA-TLS), as arcs.
pub const QUOTE_EXTENSION_OID: &[u64] = &[1, 2, 840, 113741, 1337, 6];

/// The same OID in dotted form.
pub const QUOTE_EXTENSION_OID_STR: &str = "1.2.840.113741.1337.6";

/// Validity of certificates made by [`make_attested_certificate`]: one day.
pub const DEFAULT_VALIDITY_MS: u64 = 24 * 60 * 60 * 1000;

/// How far before "now" [`make_attested_certificate`] starts the validity
/// window, so that peers with a slightly late clock accept it: five minutes.
pub const CLOCK_SKEW_MS: u64 = 5 * 60 * 1000;

/// Subject common name of the certificates made here. Informative only: RA-TLS
/// peers are identified by their quote, never by a name.
pub const SUBJECT_COMMON_NAME: &str = "Integritee RA-TLS enclave";

/// An RA-TLS certificate with its private key.
#[derive(Clone)]
pub struct AttestedCertificate {
	/// The DER X.509 certificate.
	pub cert_der: Vec<u8>,
	/// The TLS private key, PKCS#8 DER (P-256).
	pub private_key_der: Vec<u8>,
}

impl AttestedCertificate {
	/// The certificate as rustls takes it.
	pub fn certificate(&self) -> CertificateDer<'static> {
		CertificateDer::from(self.cert_der.clone())
	}

	/// The private key as rustls takes it.
	pub fn private_key(&self) -> PrivateKeyDer<'static> {
		PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.private_key_der.clone()))
	}
}

impl fmt::Debug for AttestedCertificate {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.debug_struct("AttestedCertificate")
			.field("cert_der", &format_args!("{} bytes", self.cert_der.len()))
			.field("private_key_der", &"<redacted>")
			.finish()
	}
}

/// Validity window of a certificate, Unix milliseconds (X.509 keeps whole
/// seconds: both ends are truncated to the second).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Validity {
	pub not_before_ms: u64,
	pub not_after_ms: u64,
}

impl Validity {
	/// `now - CLOCK_SKEW_MS ..= now + validity_ms`.
	pub fn from_now(now_ms: u64, validity_ms: u64) -> Self {
		Self {
			not_before_ms: now_ms.saturating_sub(CLOCK_SKEW_MS),
			not_after_ms: now_ms.saturating_add(validity_ms),
		}
	}
}

/// The quote's report data for a TLS key: `SHA-256(SubjectPublicKeyInfo DER)`
/// in bytes `[0..32]`, zero in `[32..64]`.
pub fn report_data_for_spki(spki_der: &[u8]) -> [u8; 64] {
	report_data_for_bound_spki(spki_der, &[0; 32])
}

/// The quote's report data for a TLS key bound to more of the enclave's
/// identity: `SHA-256(SubjectPublicKeyInfo DER)` in bytes `[0..32]`,
/// `binding` (e.g. a hash of the enclave's other public keys) in `[32..64]`.
pub fn report_data_for_bound_spki(spki_der: &[u8], binding: &[u8; 32]) -> [u8; 64] {
	let digest = ring::digest::digest(&ring::digest::SHA256, spki_der);
	let mut report_data = [0u8; 64];
	report_data[..32].copy_from_slice(digest.as_ref());
	report_data[32..].copy_from_slice(binding);
	report_data
}

/// Current Unix time in milliseconds from the system clock.
pub fn system_now_ms() -> Result<u64, Error> {
	let since =
		SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_err(|_| Error::Clock)?;
	u64::try_from(since.as_millis()).map_err(|_| Error::Clock)
}

/// Makes an RA-TLS certificate valid from now (less [`CLOCK_SKEW_MS`]) for
/// [`DEFAULT_VALIDITY_MS`]; see [`make_attested_certificate_with`].
pub fn make_attested_certificate<E: fmt::Display>(
	quote_for: impl FnOnce([u8; 64]) -> Result<Vec<u8>, E>,
) -> Result<AttestedCertificate, Error> {
	let validity = Validity::from_now(system_now_ms()?, DEFAULT_VALIDITY_MS);
	make_attested_certificate_with(validity, quote_for)
}

/// Makes an RA-TLS certificate:
///
/// 1. generates a fresh P-256 key pair (ring's system random);
/// 2. calls `quote_for(report_data)` with `report_data[0..32]` =
///    SHA-256 of the key's DER SubjectPublicKeyInfo and `[32..64]` zero
///    ([`report_data_for_spki`]); the platform returns a DCAP quote whose
///    report carries exactly this report data;
/// 3. self-signs (ECDSA P-256 SHA-256) a certificate for the key with subject
///    CN [`SUBJECT_COMMON_NAME`], the given validity and one non-critical
///    extension [`QUOTE_EXTENSION_OID`] whose `extnValue` OCTET STRING
///    contains the raw quote bytes (no further DER wrapping).
pub fn make_attested_certificate_with<E: fmt::Display>(
	validity: Validity,
	quote_for: impl FnOnce([u8; 64]) -> Result<Vec<u8>, E>,
) -> Result<AttestedCertificate, Error> {
	make_bound_certificate(validity, [0; 32], quote_for)
}

/// As [`make_attested_certificate_with`], with `binding` in
/// `report_data[32..64]` ([`report_data_for_bound_spki`]); peers read it
/// from [`crate::VerifiedPeer::binding`] (with
/// [`crate::ExpectedBinding::Any`]).
pub fn make_bound_certificate<E: fmt::Display>(
	validity: Validity,
	binding: [u8; 32],
	quote_for: impl FnOnce([u8; 64]) -> Result<Vec<u8>, E>,
) -> Result<AttestedCertificate, Error> {
	if validity.not_before_ms > validity.not_after_ms {
		return Err(Error::InvalidValidity);
	}
	let not_before = to_offset_date_time(validity.not_before_ms)?;
	let not_after = to_offset_date_time(validity.not_after_ms)?;

	let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
		.map_err(|e| Error::KeyGeneration(e.to_string()))?;
	let report_data = report_data_for_bound_spki(&key.subject_public_key_info(), &binding);
	let quote = quote_for(report_data).map_err(|e| Error::QuoteProvider(e.to_string()))?;
	if quote.is_empty() {
		return Err(Error::QuoteProvider("empty quote".into()));
	}

	let mut params = CertificateParams::default();
	params.distinguished_name = rcgen::DistinguishedName::new();
	params.distinguished_name.push(DnType::CommonName, SUBJECT_COMMON_NAME);
	params.not_before = not_before;
	params.not_after = not_after;
	params.custom_extensions = vec![CustomExtension::from_oid_content(QUOTE_EXTENSION_OID, quote)];
	let cert = params.self_signed(&key).map_err(|e| Error::CertificateGeneration(e.to_string()))?;
	Ok(AttestedCertificate { cert_der: cert.der().to_vec(), private_key_der: key.serialize_der() })
}

fn to_offset_date_time(ms: u64) -> Result<time::OffsetDateTime, Error> {
	let secs = i64::try_from(ms / 1000).map_err(|_| Error::InvalidValidity)?;
	time::OffsetDateTime::from_unix_timestamp(secs).map_err(|_| Error::InvalidValidity)
}
