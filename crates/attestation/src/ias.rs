//! IAS / EPID (legacy): RA-TLS certificates carrying an Intel Attestation
//! Service report in their Netscape-comment extension as
//! `report_json|base64(signature)|base64(signing certificate DER)`.
//!
//! The report signature (RSA PKCS#1 v1.5, SHA-256) is checked with the signing
//! certificate, which must chain to the IAS root at the *report's* time; the
//! report must be at most [`FRESHNESS_MS`] old at the verification time.

use crate::{
	crypto,
	error::Error,
	sgx_report::{ReportBody, REPORT_BODY_LEN},
	time::{parse_ias_timestamp_ms, DAY_MS},
	x509::{self, Cert, LeafKind},
};
use alloc::{string::String, vec::Vec};
use base64ct::{Base64, Encoding};
use der::asn1::ObjectIdentifier;
use integritee_primitives::{AttestedEnclave, SgxStatus};
use serde::Deserialize;

pub const OID_NETSCAPE_COMMENT: ObjectIdentifier =
	ObjectIdentifier::new_unwrap("2.16.840.1.113730.1.13");

/// How old a report may be: now - report time <= 24 h.
pub const FRESHNESS_MS: u64 = DAY_MS;

/// Length of the EPID quote header that precedes the report body.
pub const EPID_QUOTE_HEADER_LEN: usize = 48;

/// The outcome of a successful IAS verification.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct IasVerified {
	/// `attested_at_ms` is the report time.
	pub enclave: AttestedEnclave,
	/// The report time at whole-second precision.
	pub report_time_ms: u64,
	/// The report's `id`.
	pub report_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReportJson {
	id: String,
	timestamp: String,
	version: u32,
	isv_enclave_quote_status: String,
	isv_enclave_quote_body: String,
}

/// Maps IAS's `isvEnclaveQuoteStatus` to a status; statuses that do not attest
/// the enclave (invalid or revoked EPID signature, ...) are refused.
pub fn map_quote_status(status: &str) -> Result<SgxStatus, Error> {
	Ok(match status {
		"OK" => SgxStatus::UpToDate,
		"SW_HARDENING_NEEDED" => SgxStatus::SwHardeningNeeded,
		"CONFIGURATION_NEEDED" => SgxStatus::ConfigurationNeeded,
		"CONFIGURATION_AND_SW_HARDENING_NEEDED" => SgxStatus::ConfigurationAndSwHardeningNeeded,
		"GROUP_OUT_OF_DATE" => SgxStatus::OutOfDate,
		"GROUP_REVOKED" => SgxStatus::Revoked,
		_ => return Err(Error::RejectedQuoteStatus),
	})
}

/// The three parts of the report extension.
pub struct ReportParts<'a> {
	pub report_json: &'a [u8],
	pub signature: Vec<u8>,
	pub signing_cert_der: Vec<u8>,
}

/// Splits the extension value at its last two `|` (base64 never contains one).
pub fn split_report_extension(value: &[u8]) -> Result<ReportParts<'_>, Error> {
	let mut parts = value.rsplitn(3, |b| *b == b'|');
	let cert = parts.next().ok_or(Error::MissingReportExtension)?;
	let signature = parts.next().ok_or(Error::MissingReportExtension)?;
	let report_json = parts.next().ok_or(Error::MissingReportExtension)?;
	Ok(ReportParts {
		report_json,
		signature: base64(signature, "report signature")?,
		signing_cert_der: base64(cert, "report signing certificate")?,
	})
}

/// Verifies an RA-TLS certificate (DER) with an IAS report against `ias_root`
/// at `now_ms`.
///
/// Only the report extension carries trust: the certificate's own signature
/// is not checked (in the certificates the old workers produced it is not
/// made with the certificate's key), and its validity period is not
/// consulted. What the report attests is bound to the enclave through
/// `report_data`, which the IAS signature covers.
pub fn verify_ra_tls_certificate(
	cert_der: &[u8],
	ias_root: &Cert,
	now_ms: u64,
) -> Result<IasVerified, Error> {
	let ra_cert = Cert::from_der(cert_der)?;
	let value = ra_cert.extension(&OID_NETSCAPE_COMMENT)?.ok_or(Error::MissingReportExtension)?;
	verify_report(value, ias_root, now_ms)
}

/// Verifies the value of the report extension: signature, signing chain at the
/// report time, quote status, freshness at `now_ms`.
pub fn verify_report(extension: &[u8], ias_root: &Cert, now_ms: u64) -> Result<IasVerified, Error> {
	let parts = split_report_extension(extension)?;
	let signing_cert = Cert::from_der(&parts.signing_cert_der)?;
	if signing_cert.signature_algorithm()? != x509::SignatureAlgorithm::RsaPkcs1Sha256 {
		return Err(Error::UnsupportedAlgorithm);
	}
	crypto::verify_rsa_pkcs1_sha256(
		signing_cert.spki_der(),
		parts.report_json,
		&parts.signature,
		Error::ReportSignature,
	)?;

	let report: ReportJson =
		serde_json::from_slice(parts.report_json).map_err(|_| Error::Json("IAS report"))?;
	if !(3..=4).contains(&report.version) {
		return Err(Error::UnsupportedReportVersion);
	}
	let report_time_ms = parse_ias_timestamp_ms(&report.timestamp)?;
	x509::verify_chain(&[signing_cert], ias_root, LeafKind::EndEntity, report_time_ms)?;

	let status = map_quote_status(&report.isv_enclave_quote_status)?;
	if report_time_ms > now_ms {
		return Err(Error::ReportFromTheFuture);
	}
	if now_ms - report_time_ms > FRESHNESS_MS {
		return Err(Error::ReportTooOld);
	}

	let body = base64(report.isv_enclave_quote_body.as_bytes(), "isvEnclaveQuoteBody")?;
	if body.len() != EPID_QUOTE_HEADER_LEN + REPORT_BODY_LEN {
		return Err(Error::LengthMismatch("isvEnclaveQuoteBody"));
	}
	let report_body = ReportBody::parse(
		body.get(EPID_QUOTE_HEADER_LEN..).ok_or(Error::Truncated("isvEnclaveQuoteBody"))?,
	)?;
	Ok(IasVerified {
		enclave: report_body.attested_enclave(status, report_time_ms),
		report_time_ms,
		report_id: report.id,
	})
}

fn base64(text: &[u8], field: &'static str) -> Result<Vec<u8>, Error> {
	let text = core::str::from_utf8(text).map_err(|_| Error::BadEncoding(field))?;
	Base64::decode_vec(text).map_err(|_| Error::BadEncoding(field))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;

	#[test]
	fn quote_status_mapping() {
		assert_eq!(map_quote_status("OK"), Ok(SgxStatus::UpToDate));
		assert_eq!(map_quote_status("SW_HARDENING_NEEDED"), Ok(SgxStatus::SwHardeningNeeded));
		assert_eq!(map_quote_status("CONFIGURATION_NEEDED"), Ok(SgxStatus::ConfigurationNeeded));
		assert_eq!(
			map_quote_status("CONFIGURATION_AND_SW_HARDENING_NEEDED"),
			Ok(SgxStatus::ConfigurationAndSwHardeningNeeded)
		);
		assert_eq!(map_quote_status("GROUP_OUT_OF_DATE"), Ok(SgxStatus::OutOfDate));
		assert_eq!(map_quote_status("GROUP_REVOKED"), Ok(SgxStatus::Revoked));
		for refused in [
			"SIGNATURE_INVALID",
			"SIGNATURE_REVOKED",
			"KEY_REVOKED",
			"SIGRL_VERSION_MISMATCH",
			"ok",
			"",
		] {
			assert_eq!(map_quote_status(refused), Err(Error::RejectedQuoteStatus), "{refused}");
		}
	}

	#[test]
	fn extension_needs_three_parts() {
		assert!(split_report_extension(b"{}|AAAA").is_err());
		assert!(split_report_extension(b"{}|AA*A|AAAA").is_err());
		let parts = split_report_extension(b"{\"a\":1}|AAEC|AwQ=").unwrap();
		assert_eq!(parts.report_json, b"{\"a\":1}");
		assert_eq!(parts.signature, vec![0, 1, 2]);
		assert_eq!(parts.signing_cert_der, vec![3, 4]);
	}
}
