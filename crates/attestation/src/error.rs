//! The verifier's own error type, and its mapping onto the coarse
//! [`AttestationError`] that the registry sees.

use integritee_primitives::AttestationError;

/// Why evidence or collateral was refused. Every variant names the check that
/// failed; [`From<Error> for AttestationError`] sorts them into the registry's
/// categories.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Error {
	// --- encoding -------------------------------------------------------------
	/// The input ended inside the named field.
	Truncated(&'static str),
	/// Bytes follow the end of the named structure.
	TrailingBytes(&'static str),
	/// A length field disagrees with the data it describes.
	LengthMismatch(&'static str),
	/// A DER structure could not be decoded.
	Der(&'static str),
	/// A PEM block could not be decoded.
	Pem,
	/// Hex or base64 text could not be decoded.
	BadEncoding(&'static str),
	/// A JSON document could not be parsed or lacks a field.
	Json(&'static str),
	/// A date could not be parsed.
	BadDate,
	/// The stored form of registered collateral could not be decoded.
	BadStoredCollateral,

	// --- unsupported formats ---------------------------------------------------
	/// The quote version is not 3.
	UnsupportedQuoteVersion(u16),
	/// The attestation key type is not ECDSA P-256 (2).
	UnsupportedAttestationKeyType(u16),
	/// The TEE type is not SGX (0).
	UnsupportedTeeType(u32),
	/// The QE vendor is not Intel.
	UnknownQeVendor,
	/// The certification data type is not 5 (PEM PCK chain).
	UnsupportedCertificationDataType(u16),
	/// A signature or key algorithm other than the expected one.
	UnsupportedAlgorithm,
	/// A certificate carries a critical extension this verifier does not know.
	UnsupportedCriticalExtension,
	/// Collateral of an id/version this verifier does not handle.
	UnsupportedCollateral(&'static str),
	/// An IAS report version other than 3 or 4.
	UnsupportedReportVersion,

	// --- signatures and chains -----------------------------------------------
	/// The ISV enclave report signature by the attestation key is invalid.
	IsvSignature,
	/// The QE report signature by the PCK key is invalid.
	QeReportSignature,
	/// SHA-256(attestation key || QE auth data) is not in the QE report data.
	QeReportDataMismatch,
	/// A certificate's signature by its issuer is invalid.
	CertificateSignature,
	/// A certificate's issuer name is not the subject of the next certificate.
	IssuerMismatch,
	/// An issuing certificate is not a CA.
	NotACa,
	/// The first certificate of a chain is a CA where an end entity is
	/// expected, or the other way round.
	WrongLeafKind,
	/// The chain does not lead to the configured root CA.
	UntrustedRoot,
	/// The chain has no certificate, or more than this verifier follows.
	BadChainLength,
	/// A collateral signer is not issued directly by the root CA.
	SignerNotIssuedByRoot,
	/// The signature over Intel's JSON collateral is invalid.
	CollateralSignature,
	/// A CRL's signature by its issuer is invalid.
	CrlSignature,
	/// A CRL is not issued by the certificate chain it was submitted with.
	CrlIssuerMismatch,
	/// The IAS report signature is invalid.
	ReportSignature,
	/// The RA-TLS certificate lacks the IAS report extension.
	MissingReportExtension,

	// --- time -----------------------------------------------------------------
	/// A certificate is not valid at the verification time.
	CertificateExpired,
	/// Collateral is past its nextUpdate (or before its issueDate).
	CollateralExpired(integritee_primitives::CollateralKind),
	/// An applicable CRL is past its nextUpdate.
	CrlExpired,
	/// The IAS report is older than the freshness window.
	ReportTooOld,
	/// The IAS report is dated after the verification time.
	ReportFromTheFuture,

	// --- revocation -----------------------------------------------------------
	/// A certificate on the path is listed in an applicable CRL.
	CertificateRevoked,
	/// Revocation checking is required but no applicable CRL covers a certificate.
	RevocationStatusUnknown,

	// --- collateral and TCB ---------------------------------------------------
	/// Collateral needed for verification is not available.
	MissingCollateral(integritee_primitives::CollateralKind),
	/// Looked-up collateral is of another kind, for another FMSPC, or under another root.
	CollateralMismatch(&'static str),
	/// The PCK certificate lacks Intel's SGX extension or a field of it.
	MissingSgxExtension(&'static str),
	/// The QE report does not match the QE identity.
	QeIdentityMismatch(&'static str),
	/// The QE is debuggable.
	QeDebug,
	/// No QE identity TCB level covers the QE's ISVSVN.
	QeTcbLevelNotFound,
	/// No TCB level of the TCB info is met by the platform.
	TcbLevelNotFound,
	/// A TCB status this verifier does not know, or not allowed where it appears.
	UnknownTcbStatus,
	/// The IAS quote status is not one that attests the enclave.
	RejectedQuoteStatus,
	/// The TCB of the platform is revoked.
	TcbRevoked,
}

fn collateral_name(kind: integritee_primitives::CollateralKind) -> &'static str {
	use integritee_primitives::CollateralKind::*;
	match kind {
		QuotingEnclaveIdentity => "QE identity",
		TcbInfo => "TCB info",
		PckCrl => "PCK CRL",
		RootCaCrl => "Root CA CRL",
	}
}

impl core::fmt::Display for Error {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		use Error::*;
		match self {
			Truncated(field) => write!(f, "input ends inside {field}"),
			TrailingBytes(what) => write!(f, "bytes left over after the end of {what}"),
			LengthMismatch(field) => write!(f, "length of {field} does not match its data"),
			Der(what) => write!(f, "DER decoding failed: {what}"),
			Pem => f.write_str("PEM block cannot be decoded"),
			BadEncoding(what) => write!(f, "bad hex or base64 encoding: {what}"),
			Json(what) => write!(f, "JSON cannot be parsed or lacks a field: {what}"),
			BadDate => f.write_str("date cannot be parsed"),
			BadStoredCollateral => f.write_str("stored collateral cannot be decoded"),
			UnsupportedQuoteVersion(v) => write!(f, "unsupported quote version {v} (only 3)"),
			UnsupportedAttestationKeyType(t) => {
				write!(f, "unsupported attestation key type {t} (only 2, ECDSA P-256)")
			}
			UnsupportedTeeType(t) => write!(f, "unsupported TEE type {t:#x} (only 0, SGX)"),
			UnknownQeVendor => f.write_str("quoting enclave vendor is not Intel"),
			UnsupportedCertificationDataType(t) => {
				write!(f, "unsupported certification data type {t} (only 5, PEM PCK chain)")
			}
			UnsupportedAlgorithm => f.write_str("unsupported signature or key algorithm"),
			UnsupportedCriticalExtension => f.write_str("unknown critical extension"),
			UnsupportedCollateral(what) => write!(f, "unsupported collateral: {what}"),
			UnsupportedReportVersion => f.write_str("unsupported IAS report version (only 3, 4)"),
			IsvSignature => f.write_str("ISV enclave report signature is invalid"),
			QeReportSignature => f.write_str("QE report signature by the PCK key is invalid"),
			QeReportDataMismatch => {
				f.write_str("QE report data does not bind the attestation key and QE auth data")
			}
			CertificateSignature => f.write_str("certificate signature by its issuer is invalid"),
			IssuerMismatch => {
				f.write_str("certificate issuer is not the subject of the next certificate")
			}
			NotACa => f.write_str("issuing certificate is not a CA (or exceeds its path length)"),
			WrongLeafKind => f.write_str("first certificate of the chain is of the wrong kind"),
			UntrustedRoot => f.write_str("certificate chain does not lead to the trusted root CA"),
			BadChainLength => f.write_str("certificate chain is empty or too long"),
			SignerNotIssuedByRoot => {
				f.write_str("collateral signer is not issued directly by the root CA")
			}
			CollateralSignature => f.write_str("collateral signature is invalid"),
			CrlSignature => f.write_str("CRL signature is invalid"),
			CrlIssuerMismatch => {
				f.write_str("CRL is not issued by the certificate chain given with it")
			}
			ReportSignature => f.write_str("IAS report signature is invalid"),
			MissingReportExtension => f.write_str("certificate carries no IAS report extension"),
			CertificateExpired => {
				f.write_str("a certificate is not valid at the verification time")
			}
			CollateralExpired(kind) => write!(
				f,
				"{} is not current at the verification time (before issueDate or at/after nextUpdate)",
				collateral_name(*kind)
			),
			CrlExpired => f.write_str("an applicable CRL is past its nextUpdate"),
			ReportTooOld => {
				f.write_str("IAS report is more than 24 h older than the verification time")
			}
			ReportFromTheFuture => f.write_str("IAS report is dated after the verification time"),
			CertificateRevoked => f.write_str("a certificate on the path is revoked"),
			RevocationStatusUnknown => {
				f.write_str("revocation status unknown: no applicable CRL covers a certificate")
			}
			MissingCollateral(kind) => write!(f, "{} is missing", collateral_name(*kind)),
			CollateralMismatch(what) => write!(f, "collateral does not match: {what}"),
			MissingSgxExtension(what) => {
				write!(f, "PCK certificate lacks Intel's SGX extension field {what}")
			}
			QeIdentityMismatch(field) => {
				write!(f, "quoting enclave does not match the QE identity ({field})")
			}
			QeDebug => f.write_str("quoting enclave is debuggable"),
			QeTcbLevelNotFound => f.write_str("no QE identity TCB level covers the QE's ISVSVN"),
			TcbLevelNotFound => f.write_str("no TCB level of the TCB info is met by the platform"),
			UnknownTcbStatus => f.write_str("unknown TCB status"),
			RejectedQuoteStatus => f.write_str("IAS quote status does not attest the enclave"),
			TcbRevoked => f.write_str("the platform's TCB is revoked"),
		}
	}
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}

impl From<Error> for AttestationError {
	fn from(e: Error) -> Self {
		use Error::*;
		match e {
			Truncated(_)
			| TrailingBytes(_)
			| LengthMismatch(_)
			| Der(_)
			| Pem
			| BadEncoding(_)
			| Json(_)
			| BadDate
			| BadStoredCollateral
			| MissingSgxExtension(_)
			| MissingReportExtension => AttestationError::Malformed,
			UnsupportedQuoteVersion(_)
			| UnsupportedAttestationKeyType(_)
			| UnsupportedTeeType(_)
			| UnknownQeVendor
			| UnsupportedCertificationDataType(_)
			| UnsupportedAlgorithm
			| UnsupportedCriticalExtension
			| UnsupportedCollateral(_)
			| UnsupportedReportVersion => AttestationError::Unsupported,
			IsvSignature
			| QeReportSignature
			| QeReportDataMismatch
			| CertificateSignature
			| IssuerMismatch
			| NotACa
			| WrongLeafKind
			| UntrustedRoot
			| BadChainLength
			| SignerNotIssuedByRoot
			| CollateralSignature
			| CrlSignature
			| CrlIssuerMismatch
			| ReportSignature
			| QeIdentityMismatch(_)
			| QeDebug => AttestationError::BadSignature,
			CertificateExpired | CollateralExpired(_) | CrlExpired | ReportTooOld
			| ReportFromTheFuture => AttestationError::Expired,
			CertificateRevoked => AttestationError::Revoked,
			RevocationStatusUnknown => AttestationError::RevocationStatusUnknown,
			MissingCollateral(_) | CollateralMismatch(_) => AttestationError::MissingCollateral,
			QeTcbLevelNotFound | TcbLevelNotFound | UnknownTcbStatus | RejectedQuoteStatus
			| TcbRevoked => AttestationError::TcbStatusRefused,
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use alloc::string::ToString;

	#[test]
	fn display_names_the_failed_check() {
		assert_eq!(Error::Truncated("qe_report").to_string(), "input ends inside qe_report");
		assert_eq!(
			Error::CollateralExpired(integritee_primitives::CollateralKind::QuotingEnclaveIdentity)
				.to_string(),
			"QE identity is not current at the verification time (before issueDate or at/after \
			 nextUpdate)"
		);
		assert_eq!(
			Error::UnsupportedQuoteVersion(4).to_string(),
			"unsupported quote version 4 (only 3)"
		);
	}
}
