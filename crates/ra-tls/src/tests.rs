//! Unit tests: certificate format and malformed quote extensions. The TLS
//! sessions with quotes of the simulated platform are in `tests/`.
#![allow(clippy::unwrap_used)]

use crate::*;
use integritee_attestation::{x509::Cert, Error as AttError};
use rcgen::{CertificateParams, CustomExtension, KeyPair};

const NOW_MS: u64 = 1_750_000_000_000;
const DAY_MS: u64 = 24 * 60 * 60 * 1000;

fn validity() -> Validity {
	Validity::from_now(NOW_MS, DAY_MS)
}

/// A config whose root is some self-signed certificate: enough for every check
/// that comes before the quote's PCK chain.
fn config() -> RaTlsConfig {
	let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
	let root = CertificateParams::default().self_signed(&key).unwrap();
	RaTlsConfig::new(root.der().to_vec(), RaTlsPolicy::allow_mr_enclaves([[1u8; 32]])).unwrap()
}

/// A certificate carrying `extensions` (OID content, critical) exactly as given.
fn cert_with_extensions(extensions: &[(&[u8], bool)]) -> Vec<u8> {
	let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
	let mut params = CertificateParams::default();
	params.not_before =
		time::OffsetDateTime::from_unix_timestamp((NOW_MS / 1000) as i64 - 60).unwrap();
	params.not_after =
		time::OffsetDateTime::from_unix_timestamp((NOW_MS / 1000) as i64 + 3600).unwrap();
	params.custom_extensions = extensions
		.iter()
		.map(|(content, critical)| {
			let mut ext = CustomExtension::from_oid_content(QUOTE_EXTENSION_OID, content.to_vec());
			ext.set_criticality(*critical);
			ext
		})
		.collect();
	params.self_signed(&key).unwrap().der().to_vec()
}

fn verify(cert_der: &[u8]) -> Error {
	verify_attested_certificate(cert_der, &config(), NOW_MS).unwrap_err()
}

#[test]
fn certificate_carries_the_quote_and_binds_its_key() {
	let mut seen = None;
	let attested = make_attested_certificate_with(validity(), |report_data| {
		seen = Some(report_data);
		Ok::<_, String>(vec![0xAB; 600])
	})
	.unwrap();
	let report_data = seen.unwrap();

	let cert = Cert::from_der(&attested.cert_der).unwrap();
	assert_eq!(report_data[..32], cert.key_hash());
	assert_eq!(report_data, report_data_for_spki(cert.spki_der()));
	assert_eq!(report_data[32..], [0u8; 32]);
	assert_eq!(quote_from_certificate(&cert).unwrap(), &[0xAB; 600][..]);
	// X.509 keeps whole seconds.
	assert_eq!(cert.not_before_ms(), (NOW_MS - CLOCK_SKEW_MS) / 1000 * 1000);
	assert_eq!(cert.not_after_ms(), (NOW_MS + DAY_MS) / 1000 * 1000);
	// The self-signature is a valid ECDSA P-256 signature by the TLS key.
	cert.verify_signed_by(&cert).unwrap();
	// The key is PKCS#8 and rustls accepts it.
	let provider = crypto_provider();
	provider.key_provider.load_private_key(attested.private_key()).unwrap();
}

#[test]
fn extension_value_is_the_octet_string_content() {
	let attested =
		make_attested_certificate_with(validity(), |_| Ok::<_, String>(vec![0x5A; 500])).unwrap();
	// extnID, then extnValue OCTET STRING (long form length 500 = 0x01f4) of the raw bytes.
	let oid_der = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x8a, 0x39, 0x06];
	let mut expected = oid_der.to_vec();
	expected.extend_from_slice(&[0x04, 0x82, 0x01, 0xf4]);
	expected.extend_from_slice(&[0x5A; 500]);
	assert!(attested.cert_der.windows(expected.len()).any(|w| w == expected));
}

#[test]
fn quote_provider_failure_and_empty_quote_are_refused() {
	let err = make_attested_certificate(|_| Err("no quoting enclave")).unwrap_err();
	assert_eq!(err, Error::QuoteProvider("no quoting enclave".into()));
	let err = make_attested_certificate(|_| Ok::<_, String>(Vec::new())).unwrap_err();
	assert!(matches!(err, Error::QuoteProvider(_)));
	let inverted = Validity { not_before_ms: NOW_MS, not_after_ms: NOW_MS - 1 };
	let err = make_attested_certificate_with(inverted, |_| Ok::<_, String>(vec![1])).unwrap_err();
	assert_eq!(err, Error::InvalidValidity);
}

#[test]
fn missing_extension_is_refused() {
	assert_eq!(verify(&cert_with_extensions(&[])), Error::MissingQuoteExtension);
}

#[test]
fn empty_extension_is_refused() {
	assert_eq!(
		verify(&cert_with_extensions(&[(&[], false)])),
		Error::MalformedQuoteExtension("empty")
	);
}

#[test]
fn too_short_extension_is_refused() {
	let err = verify(&cert_with_extensions(&[(&[3, 0, 2, 0], false)]));
	assert!(matches!(err, Error::MalformedQuoteExtension(_)), "{err:?}");
}

#[test]
fn too_long_extension_is_refused() {
	let content = vec![0u8; MAX_QUOTE_LEN + 1];
	let err = verify(&cert_with_extensions(&[(&content, false)]));
	assert_eq!(err, Error::MalformedQuoteExtension("longer than any quote"));
}

#[test]
fn duplicate_extension_is_refused() {
	let content = vec![0u8; 600];
	let err = verify(&cert_with_extensions(&[(&content, false), (&content, false)]));
	assert!(matches!(err, Error::MalformedQuoteExtension(_)), "{err:?}");
}

#[test]
fn critical_extension_is_refused() {
	let content = vec![0u8; 600];
	let err = verify(&cert_with_extensions(&[(&content, true)]));
	assert_eq!(err, Error::Certificate(AttError::UnsupportedCriticalExtension));
}

#[test]
fn garbage_quote_is_refused_by_the_quote_parser() {
	// Plausible size, but not a v3 quote.
	let err = verify(&cert_with_extensions(&[(&[0xFF; 1000], false)]));
	assert!(matches!(err, Error::Quote(_)), "{err:?}");
}

#[test]
fn quote_wrapped_in_another_octet_string_is_refused() {
	// A v3 quote header start wrapped in DER OCTET STRING (04 82 len): the
	// version field then reads 0x8204.
	let mut inner = vec![3u8, 0, 2, 0];
	inner.resize(1000, 0);
	let mut wrapped = vec![0x04, 0x82, 0x03, 0xe8];
	wrapped.extend_from_slice(&inner);
	let err = verify(&cert_with_extensions(&[(&wrapped, false)]));
	assert!(matches!(err, Error::Quote(_)), "{err:?}");
}

#[test]
fn truncated_quote_is_refused() {
	// A v3 ECDSA-P256 SGX header whose signature data length promises more.
	let mut quote = vec![3u8, 0, 2, 0, 0, 0, 0, 0];
	quote.resize(432, 0);
	quote.extend_from_slice(&1000u32.to_le_bytes());
	quote.extend_from_slice(&[0u8; 100]);
	let err = verify(&cert_with_extensions(&[(&quote, false)]));
	assert!(matches!(err, Error::Quote(_)), "{err:?}");
}

#[test]
fn certificate_outside_its_validity_is_refused_before_the_quote() {
	let cert =
		make_attested_certificate_with(validity(), |_| Ok::<_, String>(vec![0; 600])).unwrap();
	let config = config();
	let late = NOW_MS + 2 * DAY_MS;
	let err = verify_attested_certificate(&cert.cert_der, &config, late).unwrap_err();
	assert!(
		matches!(err, Error::CertificateNotValidAt { now_ms, .. } if now_ms == late),
		"{err:?}"
	);
	let early = NOW_MS - CLOCK_SKEW_MS - 1000;
	let err = verify_attested_certificate(&cert.cert_der, &config, early).unwrap_err();
	assert!(matches!(err, Error::CertificateNotValidAt { .. }), "{err:?}");
}

#[test]
fn not_a_certificate_is_refused() {
	let err = verify(b"not DER");
	assert!(matches!(err, Error::Certificate(_)), "{err:?}");
}

#[test]
fn errors_survive_the_trip_through_rustls_and_io() {
	let inner = Error::KeyNotBound;
	let tls = rustls::Error::InvalidCertificate(rustls::CertificateError::Other(
		rustls::OtherError(std::sync::Arc::new(inner.clone())),
	));
	assert_eq!(Error::from_rustls(&tls), Some(&inner));
	let io = std::io::Error::new(std::io::ErrorKind::InvalidData, tls);
	assert_eq!(Error::from_io(&io), Some(&inner));
	assert_eq!(Error::from_rustls(&rustls::Error::HandshakeNotComplete), None);
}
