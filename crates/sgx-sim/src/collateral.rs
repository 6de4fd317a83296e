//! Intel-format JSON collateral: QE identity v2 and SGX TCB info v3, written
//! compactly with the keys in Intel's order, and signed (raw `r || s`, hex)
//! over the exact bytes of the inner object.

#[allow(unused_imports)]
use crate::prelude::*;
use crate::{error::SimError, time::intel_json_date};

/// One TCB level of a TCB info.
pub struct TcbLevel {
	pub components: [u8; 16],
	pub pce_svn: u16,
	pub tcb_date_ms: u64,
	pub status: &'static str,
}

/// One TCB level of a QE identity.
pub struct QeTcbLevel {
	pub isv_svn: u16,
	pub tcb_date_ms: u64,
	pub status: &'static str,
}

/// The `tcbInfo` object (id SGX, version 3, tcbType 0).
pub struct TcbInfoSpec<'a> {
	pub issue_date_ms: u64,
	pub next_update_ms: u64,
	pub fmspc: &'a [u8; 6],
	pub pce_id: &'a [u8; 2],
	pub tcb_evaluation_data_number: u32,
	pub levels: &'a [TcbLevel],
}

/// The `enclaveIdentity` object (id QE, version 2).
pub struct QeIdentitySpec<'a> {
	pub issue_date_ms: u64,
	pub next_update_ms: u64,
	pub tcb_evaluation_data_number: u32,
	pub misc_select: &'a [u8; 4],
	pub misc_select_mask: &'a [u8; 4],
	pub attributes: &'a [u8; 16],
	pub attributes_mask: &'a [u8; 16],
	pub mr_signer: &'a [u8; 32],
	pub isv_prod_id: u16,
	pub levels: &'a [QeTcbLevel],
}

pub fn tcb_info_body(spec: &TcbInfoSpec<'_>) -> Result<String, SimError> {
	let mut levels = Vec::with_capacity(spec.levels.len());
	for level in spec.levels {
		let components: Vec<String> =
			level.components.iter().map(|svn| format!("{{\"svn\":{svn}}}")).collect();
		levels.push(format!(
			"{{\"tcb\":{{\"sgxtcbcomponents\":[{}],\"pcesvn\":{}}},\"tcbDate\":\"{}\",\"tcbStatus\":\"{}\"}}",
			components.join(","),
			level.pce_svn,
			intel_json_date(level.tcb_date_ms)?,
			level.status,
		));
	}
	Ok(format!(
		"{{\"id\":\"SGX\",\"version\":3,\"issueDate\":\"{}\",\"nextUpdate\":\"{}\",\"fmspc\":\"{}\",\"pceId\":\"{}\",\"tcbType\":0,\"tcbEvaluationDataNumber\":{},\"tcbLevels\":[{}]}}",
		intel_json_date(spec.issue_date_ms)?,
		intel_json_date(spec.next_update_ms)?,
		hex::encode_upper(spec.fmspc),
		hex::encode_upper(spec.pce_id),
		spec.tcb_evaluation_data_number,
		levels.join(","),
	))
}

pub fn qe_identity_body(spec: &QeIdentitySpec<'_>) -> Result<String, SimError> {
	let mut levels = Vec::with_capacity(spec.levels.len());
	for level in spec.levels {
		levels.push(format!(
			"{{\"tcb\":{{\"isvsvn\":{}}},\"tcbDate\":\"{}\",\"tcbStatus\":\"{}\"}}",
			level.isv_svn,
			intel_json_date(level.tcb_date_ms)?,
			level.status,
		));
	}
	Ok(format!(
		"{{\"id\":\"QE\",\"version\":2,\"issueDate\":\"{}\",\"nextUpdate\":\"{}\",\"tcbEvaluationDataNumber\":{},\"miscselect\":\"{}\",\"miscselectMask\":\"{}\",\"attributes\":\"{}\",\"attributesMask\":\"{}\",\"mrsigner\":\"{}\",\"isvprodid\":{},\"tcbLevels\":[{}]}}",
		intel_json_date(spec.issue_date_ms)?,
		intel_json_date(spec.next_update_ms)?,
		spec.tcb_evaluation_data_number,
		hex::encode_upper(spec.misc_select),
		hex::encode_upper(spec.misc_select_mask),
		hex::encode_upper(spec.attributes),
		hex::encode_upper(spec.attributes_mask),
		hex::encode_upper(spec.mr_signer),
		spec.isv_prod_id,
		levels.join(","),
	))
}

/// `{"<object>":<body>,"signature":"<hex>"}`, as Intel's files.
pub fn signed_file(object: &str, body: &str, signature: &[u8; 64]) -> Vec<u8> {
	format!("{{\"{object}\":{body},\"signature\":\"{}\"}}", hex::encode(signature)).into_bytes()
}

/// Splits a file written by [`signed_file`] into the signed body and the hex
/// signature.
pub fn split_signed_file<'a>(
	file: &'a [u8],
	object: &str,
) -> Result<(&'a [u8], &'a [u8]), SimError> {
	let prefix = format!("{{\"{object}\":");
	const SIGNATURE_KEY: &[u8] = b",\"signature\":\"";
	let rest = file.strip_prefix(prefix.as_bytes()).ok_or(SimError::MalformedCollateralFile)?;
	let rest = rest.strip_suffix(b"\"}").ok_or(SimError::MalformedCollateralFile)?;
	let at = rest
		.windows(SIGNATURE_KEY.len())
		.rposition(|w| w == SIGNATURE_KEY)
		.ok_or(SimError::MalformedCollateralFile)?;
	let body = rest.get(..at).ok_or(SimError::MalformedCollateralFile)?;
	let signature =
		rest.get(at + SIGNATURE_KEY.len()..).ok_or(SimError::MalformedCollateralFile)?;
	Ok((body, signature))
}
