//! Differential tests against dcap-qvl 0.7.1 (Phala's DCAP verifier): on the
//! same quote, collateral and time, both must accept or both reject, and on
//! acceptance report the same TCB status.
//!
//! dcap-qvl demands CRLs that cover every certificate of the PCK path (like
//! Intel's QVL), so our side runs with [`RevocationPolicy::Require`]; both
//! sides allow debug enclaves (the real quote is a debug enclave); our side
//! refuses a revoked TCB like the registry's verifier does, as dcap-qvl does.
//!
//! One difference is by design and asserted where it occurs: this verifier
//! demands that a quote's length fields describe it exactly, while dcap-qvl
//! ignores bytes after the structures it reads (an appended byte, or a
//! signature-data / certification-data length that shrank). Such a divergence
//! is only tolerated when our verdict is `TrailingBytes` and the test that
//! provokes it says so; every other divergence fails.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use integritee_attestation::{RevocationPolicy, TcbStatus, Verifier};
use integritee_primitives::{CollateralEvidence, CollateralKind};

/// Everything one verification needs, in the form both verifiers take.
#[derive(Clone)]
struct Case {
	quote: Vec<u8>,
	qe_identity: Vec<u8>,
	qe_identity_signature_hex: Vec<u8>,
	qe_identity_chain: Vec<u8>,
	tcb_info: Vec<u8>,
	tcb_info_signature_hex: Vec<u8>,
	tcb_info_chain: Vec<u8>,
	pck_crl_der: Vec<u8>,
	pck_crl_chain: Vec<u8>,
	root_ca_crl_der: Vec<u8>,
	now_secs: u64,
}

/// Accepted with this status (Intel's spelling), or rejected.
type Verdict = Result<String, String>;

fn ours(case: &Case) -> Verdict {
	let verifier = Verifier::intel().with_revocation(RevocationPolicy::Require);
	let now_ms = case.now_secs * 1000;
	let register = |kind, body: &[u8], signature: &[u8], chain: &[u8]| {
		verifier
			.verify_collateral(
				kind,
				CollateralEvidence { body, signature, issuer_chain: chain },
				now_ms,
			)
			.map_err(|e| format!("{kind:?}: {e:?}"))
	};
	let mut registry = Registry::default();
	registry
		.insert(register(
			CollateralKind::QuotingEnclaveIdentity,
			&case.qe_identity,
			&case.qe_identity_signature_hex,
			&case.qe_identity_chain,
		)?)
		.unwrap();
	registry
		.insert(register(
			CollateralKind::TcbInfo,
			&case.tcb_info,
			&case.tcb_info_signature_hex,
			&case.tcb_info_chain,
		)?)
		.unwrap();
	registry
		.insert(register(CollateralKind::PckCrl, &case.pck_crl_der, &[], &case.pck_crl_chain)?)
		.unwrap();
	registry.insert(register(CollateralKind::RootCaCrl, &case.root_ca_crl_der, &[], &[])?).unwrap();
	let verified = verifier
		.verify_dcap_quote(&case.quote, &|k, f| registry.lookup(k, f), now_ms)
		.map_err(|e| format!("{e:?}"))?;
	if verified.status == TcbStatus::Revoked {
		return Err("TCB revoked".into());
	}
	Ok(verified.status.intel_name().into())
}

fn theirs(case: &Case) -> Verdict {
	let text = |b: &[u8]| String::from_utf8(b.to_vec()).map_err(|e| e.to_string());
	let sig = |h: &[u8]| hex::decode(h).map_err(|e| e.to_string());
	let collateral = dcap_qvl::QuoteCollateralV3 {
		pck_crl_issuer_chain: text(&case.pck_crl_chain)?,
		root_ca_crl: case.root_ca_crl_der.clone(),
		pck_crl: case.pck_crl_der.clone(),
		tcb_info_issuer_chain: text(&case.tcb_info_chain)?,
		tcb_info: text(&case.tcb_info)?,
		tcb_info_signature: sig(&case.tcb_info_signature_hex)?,
		qe_identity_issuer_chain: text(&case.qe_identity_chain)?,
		qe_identity: text(&case.qe_identity)?,
		qe_identity_signature: sig(&case.qe_identity_signature_hex)?,
		pck_certificate_chain: None,
	};
	dcap_qvl::verify::QuoteVerifier::new_prod()
		.allow_debug(true)
		.verify(&case.quote, &collateral, case.now_secs)
		.map(|report| report.status)
		.map_err(|e| format!("{e:#}"))
}

/// Both verdicts, failing the test with both explanations if they disagree
/// on acceptance or on the accepted status.
fn compare(case: &Case, label: &str) -> Verdict {
	match compare_allowing_trailing(case, label) {
		Agreement::Same(v) => v,
		Agreement::OnlyWeRejectTrailingBytes => panic!("{label}: only we reject (trailing bytes)"),
	}
}

enum Agreement {
	Same(Verdict),
	/// We reject with `TrailingBytes`, dcap-qvl accepts (see the module docs).
	OnlyWeRejectTrailingBytes,
}

fn compare_allowing_trailing(case: &Case, label: &str) -> Agreement {
	let (a, b) = (ours(case), theirs(case));
	match (&a, &b) {
		(Ok(x), Ok(y)) => assert_eq!(x, y, "{label}: statuses differ"),
		(Err(_), Err(_)) => {}
		(Err(e), Ok(_)) if e.starts_with("TrailingBytes") => {
			return Agreement::OnlyWeRejectTrailingBytes
		}
		_ => panic!("{label}: verdicts differ\n  ours:     {a:?}\n  dcap-qvl: {b:?}"),
	}
	Agreement::Same(a)
}

/// Offsets of the two length fields (signature data, certification data)
/// whose decrease leaves bytes over.
fn length_field_offsets() -> std::ops::Range<usize> {
	432..436
}

fn cert_length_offsets() -> std::ops::Range<usize> {
	1048..1052
}

fn hex_of_crl(text: &[u8]) -> Vec<u8> {
	hex::decode(text.trim_ascii()).unwrap()
}

/// The shared real quote and collateral, with the PCK CRL of the quote's own
/// CA (the PCK Processor CA) from dcap-qvl's SGX sample: the shared data only
/// holds a Platform CA CRL, which covers no certificate of this quote.
fn real_case() -> Case {
	let a = artifacts();
	let (qe_identity, qe_sig) = signed(&a.qe_identity_file);
	let (tcb_info, tcb_sig) = signed(&a.tcb_info_file);
	let sample = dcap_qvl_sample_collateral("sgx_quote_collateral.json");
	Case {
		quote: quote(),
		qe_identity,
		qe_identity_signature_hex: qe_sig,
		qe_identity_chain: a.qe_identity_chain,
		tcb_info,
		tcb_info_signature_hex: tcb_sig,
		tcb_info_chain: a.tcb_info_chain,
		pck_crl_der: hex::decode(sample["pck_crl"].as_str().unwrap()).unwrap(),
		pck_crl_chain: sample["pck_crl_issuer_chain"].as_str().unwrap().as_bytes().to_vec(),
		root_ca_crl_der: hex_of_crl(&a.root_ca_crl),
		now_secs: DCAP_NOW_MS / 1000,
	}
}

fn sample_case() -> Case {
	let dir = dcap_qvl_dir().join("sample");
	let c = dcap_qvl_sample_collateral("sgx_quote_collateral.json");
	let s = |k: &str| c[k].as_str().unwrap().as_bytes().to_vec();
	Case {
		quote: std::fs::read(dir.join("sgx_quote")).unwrap(),
		qe_identity: s("qe_identity"),
		qe_identity_signature_hex: s("qe_identity_signature"),
		qe_identity_chain: s("qe_identity_issuer_chain"),
		tcb_info: s("tcb_info"),
		tcb_info_signature_hex: s("tcb_info_signature"),
		tcb_info_chain: s("tcb_info_issuer_chain"),
		pck_crl_der: hex::decode(c["pck_crl"].as_str().unwrap()).unwrap(),
		pck_crl_chain: s("pck_crl_issuer_chain"),
		root_ca_crl_der: hex::decode(c["root_ca_crl"].as_str().unwrap()).unwrap(),
		// 2025-06-20T00:00:00Z: inside every validity window of the sample.
		now_secs: 1_750_377_600,
	}
}

#[test]
fn real_quote_same_verdict_and_status() {
	let verdict = compare(&real_case(), "real");
	assert_eq!(verdict, Ok("SWHardeningNeeded".to_string()));
}

#[test]
fn real_quote_with_the_shared_platform_ca_crl_is_refused_by_both() {
	// The shared PCK CRL is issued by the Platform CA and so covers nothing on
	// the quote's path: both verifiers refuse when CRLs must cover the path.
	let a = artifacts();
	let mut case = real_case();
	case.pck_crl_der = hex_of_crl(&a.pck_crl);
	case.pck_crl_chain = a.pck_crl_chain;
	assert!(compare(&case, "platform CA CRL").is_err());
}

#[test]
fn real_quote_same_verdict_across_times() {
	let day = 86_400;
	let qe_next_update = QE_IDENTITY_NEXT_UPDATE_MS / 1000;
	let mut accepted = 0;
	for now_secs in [
		DCAP_NOW_MS / 1000,
		DCAP_NOW_MS / 1000 - 10 * day,
		1_670_193_933 - 1, // just before the QE identity's issueDate
		1_670_193_933 + 1,
		qe_next_update - 1,
		qe_next_update + 1,
		qe_next_update + 100 * day,
		1_500_000_000,
		1_800_000_000,
	] {
		let mut case = real_case();
		case.now_secs = now_secs;
		accepted += usize::from(compare(&case, &format!("now {now_secs}")).is_ok());
	}
	assert_eq!(accepted, 4, "the four times inside every window are accepted");
}

/// Flips every listed byte of `base.quote`; returns how many both accepted.
/// Divergences are only tolerated on the length fields, as trailing bytes.
fn flip_all(base: &Case, offsets: &[usize], label: &str) -> usize {
	let mut accepted = 0;
	for &at in offsets {
		let mut case = base.clone();
		case.quote = flip(&base.quote, at);
		match compare_allowing_trailing(&case, &format!("{label}: flip at {at}")) {
			Agreement::Same(v) => accepted += usize::from(v.is_ok()),
			Agreement::OnlyWeRejectTrailingBytes => assert!(
				length_field_offsets().contains(&at) || cert_length_offsets().contains(&at),
				"{label}: flip at {at} diverges as trailing bytes outside a length field"
			),
		}
	}
	accepted
}

#[test]
fn real_quote_same_verdict_for_flips_across_the_whole_quote() {
	let base = real_case();
	// Every byte up to the certification data, then every 3rd byte of the
	// PEM chain (all three certificates, their boundaries, the final NUL-free
	// end) and its last 64 bytes.
	let len = base.quote.len();
	let offsets: Vec<usize> =
		(0..1052).chain((1052..len).step_by(3)).chain(len - 64..len).collect();
	let accepted = flip_all(&base, &offsets, "real");
	// Both accept where the flip only touches what neither reads: whitespace
	// turned into other whitespace, and the copy of the root at the end of the
	// chain (never used: the configured root is the anchor).
	assert!(
		accepted > 0 && accepted < offsets.len() / 2,
		"{accepted} of {} accepted",
		offsets.len()
	);
}

#[test]
fn real_quote_same_verdict_for_truncated_quotes_and_known_difference_on_appended_bytes() {
	let base = real_case();
	for cut in [1, 2, 100, 1000, 3000, 4000, 4598] {
		let mut case = base.clone();
		case.quote.truncate(base.quote.len() - cut);
		assert!(compare(&case, &format!("cut {cut}")).is_err());
	}
	// An appended byte: we reject (the quote must end where its length says),
	// dcap-qvl ignores it. This asserts the documented difference itself.
	let mut case = base.clone();
	case.quote.push(0);
	assert_eq!(ours(&case), Err("TrailingBytes(\"quote\")".to_string()));
	assert_eq!(theirs(&case), Ok("SWHardeningNeeded".to_string()));
	// A certification data length one short leaves a byte over: the same.
	let mut case = base.clone();
	let len = u32::from_le_bytes(case.quote[1048..1052].try_into().unwrap());
	case.quote[1048..1052].copy_from_slice(&(len - 1).to_le_bytes());
	assert!(matches!(
		compare_allowing_trailing(&case, "short cert length"),
		Agreement::OnlyWeRejectTrailingBytes
	));
}

#[test]
fn real_collateral_flips_same_verdict() {
	let base = real_case();
	for at in (0..base.tcb_info.len()).step_by(97) {
		let mut case = base.clone();
		case.tcb_info = flip(&base.tcb_info, at);
		assert!(compare(&case, &format!("tcb info flip at {at}")).is_err());
	}
	for at in (0..base.qe_identity.len()).step_by(53) {
		let mut case = base.clone();
		case.qe_identity = flip(&base.qe_identity, at);
		assert!(compare(&case, &format!("qe identity flip at {at}")).is_err());
	}
	for at in (0..base.pck_crl_der.len()).step_by(11) {
		let mut case = base.clone();
		case.pck_crl_der = flip(&base.pck_crl_der, at);
		compare(&case, &format!("pck crl flip at {at}")).ok();
	}
	for at in (0..base.root_ca_crl_der.len()).step_by(11) {
		let mut case = base.clone();
		case.root_ca_crl_der = flip(&base.root_ca_crl_der, at);
		compare(&case, &format!("root crl flip at {at}")).ok();
	}
}

#[test]
fn dcap_qvl_sample_quote_same_verdict_and_status() {
	let case = sample_case();
	let verdict = compare(&case, "sample");
	assert!(verdict.is_ok(), "{verdict:?}");
	for now_secs in [case.now_secs - 86_400 * 400, case.now_secs + 86_400 * 60] {
		let mut c = case.clone();
		c.now_secs = now_secs;
		assert!(compare(&c, &format!("sample at {now_secs}")).is_err());
	}
}

#[test]
fn dcap_qvl_sample_quote_flips_same_verdict() {
	let base = sample_case();
	let offsets: Vec<usize> = (0..base.quote.len()).step_by(5).chain(1040..1060).collect();
	let accepted = flip_all(&base, &offsets, "sample");
	assert!(accepted < offsets.len() / 2, "{accepted} of {} accepted", offsets.len());
}

#[test]
fn tdx_samples_are_unsupported_here() {
	// The verifier handles SGX quotes v3 only; dcap-qvl also verifies TDX.
	let dir = dcap_qvl_dir().join("sample");
	let quote = std::fs::read(dir.join("tdx_quote")).unwrap();
	assert_eq!(u16::from_le_bytes([quote[0], quote[1]]), 4);
	let registry = Registry::default();
	let err =
		Verifier::intel().verify_dcap_quote(&quote, &|k, f| registry.lookup(k, f), DCAP_NOW_MS);
	assert_eq!(err.unwrap_err(), integritee_attestation::Error::UnsupportedQuoteVersion(4));
}
