//! DCAP quote verification in two stages: [`check_quote`] establishes what the
//! quote proves under the PCK chain (signatures, binding, chain to the root);
//! [`appraise`] judges it against verified collateral (QE identity, TCB info,
//! CRLs) and yields the TCB status.

use super::{
	collateral::{check_window, QeIdentity, TcbInfo},
	pck::PckPlatform,
	quote::Quote,
	tcb::TcbStatus,
};
use crate::{
	crl::{self, CrlRecord, RevocationPolicy},
	crypto::{self, sha256},
	error::Error,
	pem,
	sgx_report::ReportBody,
	x509::{self, Cert, LeafKind, LinkMemo, PathLink},
};
use alloc::vec::Vec;
use integritee_primitives::{AttestedEnclave, CollateralKind, Fmspc};

/// What a quote proves once its signatures and PCK chain are verified.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CheckedQuote {
	pub isv_report: ReportBody,
	pub qe_report: ReportBody,
	pub platform: PckPlatform,
	/// The PCK path (leaf first) for revocation checks.
	pub pck_path: Vec<PathLink>,
	/// SHA-256 of the root CA key the chain was verified to.
	pub root_key_hash: [u8; 32],
	/// The root CA itself, which a Root CA CRL may list too.
	pub root_link: PathLink,
}

/// Collateral for appraising one quote.
#[derive(Clone, Copy, Debug)]
pub struct DcapCollateral<'a> {
	pub qe_identity: &'a QeIdentity,
	pub tcb_info: &'a TcbInfo,
	/// Available CRLs (PCK CRL, Root CA CRL); which of them apply is decided
	/// per certificate, see [`crate::crl`].
	pub crls: &'a [&'a CrlRecord],
	pub revocation: RevocationPolicy,
}

/// The outcome of a successful DCAP verification.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct DcapVerified {
	pub enclave: AttestedEnclave,
	pub fmspc: Fmspc,
	/// The status combined from platform and QE.
	pub status: TcbStatus,
	pub platform_status: TcbStatus,
	pub qe_status: TcbStatus,
	/// Index (0-based) of the matched level in the TCB info.
	pub tcb_level: usize,
}

/// Verifies the quote's own cryptography at `now_ms`: the ISV report signature
/// by the attestation key over bytes `[0, 432)`, the binding of attestation key
/// and QE auth data into the QE report, the QE report signature by the PCK key,
/// and the PCK chain to `root`.
pub fn check_quote(quote: &[u8], root: &Cert, now_ms: u64) -> Result<CheckedQuote, Error> {
	check_quote_with(quote, root, now_ms, None)
}

/// [`check_quote`], with the PCK chain's signature checks remembered in (and
/// skipped when found in) `memo`. Validity windows, names and constraints are
/// checked every time.
pub(crate) fn check_quote_with(
	quote: &[u8],
	root: &Cert,
	now_ms: u64,
	memo: Option<&dyn LinkMemo>,
) -> Result<CheckedQuote, Error> {
	let quote = Quote::parse(quote)?;
	quote.check_supported()?;

	let attestation_key = crypto::p256_key_from_raw(&quote.attestation_key)?;
	crypto::verify_p256_raw(
		&attestation_key,
		quote.signed_bytes,
		&quote.isv_signature,
		Error::IsvSignature,
	)?;

	let mut bound = Vec::with_capacity(quote.attestation_key.len() + quote.qe_auth_data.len());
	bound.extend_from_slice(&quote.attestation_key);
	bound.extend_from_slice(quote.qe_auth_data);
	let (hash, padding) = quote.qe_report.report_data_halves();
	if hash != sha256(&bound) || padding != [0u8; 32] {
		return Err(Error::QeReportDataMismatch);
	}

	let chain = pem::decode_certificates(quote.certification_data)?;
	let pck = Cert::from_der(chain.first().ok_or(Error::BadChainLength)?)?;
	crypto::verify_p256_raw(
		&pck.p256_key()?,
		quote.qe_report_bytes,
		&quote.qe_report_signature,
		Error::QeReportSignature,
	)?;
	let (pck, pck_path) =
		x509::verify_der_chain_from_leaf(pck, &chain, root, LeafKind::EndEntity, now_ms, memo)?;
	let platform = PckPlatform::from_certificate(&pck)?;

	Ok(CheckedQuote {
		isv_report: quote.isv_report,
		qe_report: quote.qe_report,
		platform,
		pck_path,
		root_key_hash: root.key_hash(),
		root_link: PathLink {
			serial: root.serial().to_vec(),
			issuer_der: root.issuer_der().to_vec(),
			issuer_key_hash: root.key_hash(),
		},
	})
}

/// Judges a checked quote against collateral at `now_ms`.
pub fn appraise(
	quote: &CheckedQuote,
	collateral: DcapCollateral<'_>,
	now_ms: u64,
) -> Result<DcapVerified, Error> {
	let DcapCollateral { qe_identity, tcb_info, crls, revocation } = collateral;

	// The collateral must have been verified under the same root, and must
	// still be current, as must the certificates that signed it.
	if qe_identity.signer.root_key_hash != quote.root_key_hash
		|| tcb_info.signer.root_key_hash != quote.root_key_hash
	{
		return Err(Error::CollateralMismatch("collateral verified under another root"));
	}
	check_window(
		CollateralKind::QuotingEnclaveIdentity,
		qe_identity.issue_date_ms,
		qe_identity.next_update_ms,
		now_ms,
	)?;
	check_window(CollateralKind::TcbInfo, tcb_info.issue_date_ms, tcb_info.next_update_ms, now_ms)?;
	for signer in [&qe_identity.signer, &tcb_info.signer] {
		if now_ms < signer.not_before_ms || now_ms > signer.not_after_ms {
			return Err(Error::CertificateExpired);
		}
	}

	// Revocation of the PCK path and of the collateral signers.
	let mut links = quote.pck_path.clone();
	links.push(quote.root_link.clone());
	links.push(qe_identity.signer.link());
	if tcb_info.signer != qe_identity.signer {
		links.push(tcb_info.signer.link());
	}
	crl::check_path(&links, crls, revocation, now_ms)?;

	// The QE must be the one the identity describes.
	let qe_status = match_qe_identity(&quote.qe_report, qe_identity)?;

	// The platform's TCB level.
	let platform = &quote.platform;
	if tcb_info.fmspc != platform.fmspc {
		return Err(Error::CollateralMismatch("TCB info is for another FMSPC"));
	}
	if tcb_info.pce_id != platform.pce_id {
		return Err(Error::CollateralMismatch("TCB info is for another PCE"));
	}
	let (tcb_level, level) = tcb_info
		.tcb_levels
		.iter()
		.enumerate()
		.find(|(_, level)| {
			level.pce_svn <= platform.pce_svn
				&& level.sgx_components.iter().zip(platform.cpu_svn.iter()).all(|(l, p)| l <= p)
		})
		.ok_or(Error::TcbLevelNotFound)?;
	let platform_status = level.status;
	let status = platform_status.converge_with_qe(qe_status);

	Ok(DcapVerified {
		enclave: quote.isv_report.attested_enclave(status.into(), now_ms),
		fmspc: platform.fmspc,
		status,
		platform_status,
		qe_status,
		tcb_level,
	})
}

/// Matches the QE report against the QE identity and returns the QE's TCB status.
pub fn match_qe_identity(qe: &ReportBody, identity: &QeIdentity) -> Result<TcbStatus, Error> {
	if qe.mr_signer != identity.mr_signer {
		return Err(Error::QeIdentityMismatch("MRSIGNER"));
	}
	if qe.isv_prod_id != identity.isv_prod_id {
		return Err(Error::QeIdentityMismatch("ISVPRODID"));
	}
	if !masked_equal(&qe.misc_select, &identity.misc_select, &identity.misc_select_mask) {
		return Err(Error::QeIdentityMismatch("MISCSELECT"));
	}
	if !masked_equal(&qe.attributes, &identity.attributes, &identity.attributes_mask) {
		return Err(Error::QeIdentityMismatch("ATTRIBUTES"));
	}
	if qe.is_debug() {
		return Err(Error::QeDebug);
	}
	let level = identity
		.tcb_levels
		.iter()
		.find(|level| level.isv_svn <= qe.isv_svn)
		.ok_or(Error::QeTcbLevelNotFound)?;
	if !level.status.valid_for_qe_identity() {
		return Err(Error::UnknownTcbStatus);
	}
	Ok(level.status)
}

fn masked_equal(actual: &[u8], expected: &[u8], mask: &[u8]) -> bool {
	actual.len() == expected.len()
		&& expected.len() == mask.len()
		&& actual.iter().zip(expected).zip(mask).all(|((a, e), m)| a & m == e & m)
}

/// The FMSPC of the platform that made `quote`, read from its PCK leaf
/// certificate without verifying anything: what a verifier looks up its
/// TCB info by before it verifies the quote (with [`check_quote`]).
pub fn claimed_fmspc(quote: &[u8]) -> Result<[u8; 6], Error> {
	let quote = Quote::parse(quote)?;
	let chain = pem::decode_certificates(quote.certification_data)?;
	let pck = Cert::from_der(chain.first().ok_or(Error::BadChainLength)?)?;
	Ok(PckPlatform::from_certificate(&pck)?.fmspc)
}
