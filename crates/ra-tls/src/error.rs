//! The crate's error type.

use integritee_attestation::{Error as AttestationError, TcbStatus};
use std::fmt;

/// Why an RA-TLS certificate could not be made, or why a peer's certificate
/// was refused. Each variant names the step that failed.
///
/// In a TLS handshake the verifiers report these as
/// `rustls::Error::InvalidCertificate(CertificateError::Other(..))`;
/// [`Error::from_rustls`] gets the variant back.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Error {
	// --- making a certificate ------------------------------------------------
	/// The TLS key pair could not be generated or serialized.
	KeyGeneration(String),
	/// The platform's quote function failed (its message), or returned no bytes.
	QuoteProvider(String),
	/// The validity window is empty or outside what X.509 can express.
	InvalidValidity,
	/// The certificate could not be built or signed.
	CertificateGeneration(String),
	/// The system clock is before the Unix epoch.
	Clock,

	// --- verifying a certificate ---------------------------------------------
	/// The certificate is not a DER X.509 certificate this crate accepts (it
	/// also refuses unknown critical extensions).
	Certificate(AttestationError),
	/// The connection has no peer certificate (yet).
	NoPeerCertificate,
	/// The peer sent a chain; an RA-TLS peer sends only its own certificate.
	UnexpectedIntermediates,
	/// The verification time is outside `notBefore ..= notAfter`.
	CertificateNotValidAt { now_ms: u64, not_before_ms: u64, not_after_ms: u64 },
	/// The certificate has no quote extension (OID 1.2.840.113741.1337.6).
	MissingQuoteExtension,
	/// The quote extension is present but unusable (the reason).
	MalformedQuoteExtension(&'static str),
	/// The DCAP quote or its collateral did not verify.
	Quote(AttestationError),
	/// `report_data[0..32]` of the quote is not SHA-256 of this certificate's
	/// SubjectPublicKeyInfo: the quote was made for another key.
	KeyNotBound,
	/// `report_data[32..64]` of the quote is not all zero.
	UnexpectedReportData,
	/// The enclave's MRENCLAVE is not allowed by the policy.
	MrEnclaveNotAllowed([u8; 32]),
	/// The enclave is a debug build and the policy refuses debug enclaves.
	DebugEnclaveNotAllowed,
	/// The platform's TCB status is not one the policy accepts.
	TcbStatusNotAccepted(TcbStatus),
	/// Collateral could not be stored (for example a TCB info without FMSPC).
	Collateral(&'static str),

	// --- TLS configuration ---------------------------------------------------
	/// rustls refused the configuration (its message).
	Tls(String),
}

impl Error {
	/// The RA-TLS error inside a rustls error that one of this crate's
	/// verifiers produced, if it is one.
	pub fn from_rustls(error: &rustls::Error) -> Option<&Error> {
		match error {
			rustls::Error::InvalidCertificate(rustls::CertificateError::Other(other)) => {
				other.0.downcast_ref::<Error>()
			}
			_ => None,
		}
	}

	/// The RA-TLS error inside an I/O error of a rustls stream (rustls reports
	/// handshake failures of `Stream`/`StreamOwned` as `io::Error`s wrapping the
	/// `rustls::Error`), if it is one.
	pub fn from_io(error: &std::io::Error) -> Option<&Error> {
		error.get_ref()?.downcast_ref::<rustls::Error>().and_then(Self::from_rustls)
	}
}

impl fmt::Display for Error {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			Error::KeyGeneration(e) => write!(f, "TLS key generation failed: {e}"),
			Error::QuoteProvider(e) => write!(f, "quote provider failed: {e}"),
			Error::InvalidValidity => write!(f, "invalid certificate validity window"),
			Error::CertificateGeneration(e) => write!(f, "certificate generation failed: {e}"),
			Error::Clock => write!(f, "system clock is before the Unix epoch"),
			Error::Certificate(e) => write!(f, "certificate not accepted: {e:?}"),
			Error::NoPeerCertificate => write!(f, "no peer certificate"),
			Error::UnexpectedIntermediates => {
				write!(f, "RA-TLS peer sent intermediate certificates")
			}
			Error::CertificateNotValidAt { now_ms, not_before_ms, not_after_ms } => write!(
				f,
				"certificate not valid at {now_ms} ms (valid {not_before_ms} ..= {not_after_ms} ms)"
			),
			Error::MissingQuoteExtension => write!(f, "certificate has no DCAP quote extension"),
			Error::MalformedQuoteExtension(why) => write!(f, "malformed quote extension: {why}"),
			Error::Quote(e) => write!(f, "DCAP quote refused: {e:?}"),
			Error::KeyNotBound => {
				write!(f, "quote report data does not bind the certificate's public key")
			}
			Error::UnexpectedReportData => write!(f, "quote report_data[32..64] is not zero"),
			Error::MrEnclaveNotAllowed(m) => write!(f, "MRENCLAVE {} not allowed", hex32(m)),
			Error::DebugEnclaveNotAllowed => write!(f, "debug enclaves are not allowed"),
			Error::TcbStatusNotAccepted(s) => write!(f, "TCB status {s:?} not accepted"),
			Error::Collateral(why) => write!(f, "collateral not stored: {why}"),
			Error::Tls(e) => write!(f, "TLS configuration refused: {e}"),
		}
	}
}

impl std::error::Error for Error {}

fn hex32(bytes: &[u8; 32]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}
