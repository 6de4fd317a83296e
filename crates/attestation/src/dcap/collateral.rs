//! Intel's signed JSON collateral (QE identity v2, SGX TCB info v3): signature
//! and issuer chain verification, parsing, and the stored (SCALE) form that
//! quote verification decodes without touching JSON again.

use super::tcb::TcbStatus;
use crate::{
	crl::CrlRecord,
	crypto,
	error::Error,
	pem,
	time::parse_rfc3339_utc_ms,
	x509::{self, Cert, LeafKind, PathLink},
};
use alloc::{string::String, vec::Vec};
use codec::{Decode, DecodeAll, Encode};
use integritee_primitives::CollateralKind;
use serde::Deserialize;

/// The certificate that signed a piece of collateral, kept so that its
/// validity and revocation can be checked again when the collateral is used.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct CollateralSigner {
	/// SHA-256 of the root CA's SubjectPublicKeyInfo the signer chains to.
	pub root_key_hash: [u8; 32],
	pub serial: Vec<u8>,
	/// DER name of the signer's issuer (the root CA).
	pub issuer_der: Vec<u8>,
	pub not_before_ms: u64,
	pub not_after_ms: u64,
}

impl CollateralSigner {
	/// The signer as a path link for CRL checks (it is issued by the root).
	pub fn link(&self) -> PathLink {
		PathLink {
			serial: self.serial.clone(),
			issuer_der: self.issuer_der.clone(),
			issuer_key_hash: self.root_key_hash,
		}
	}
}

/// One TCB level of a QE identity.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct QeTcbLevel {
	pub isv_svn: u16,
	pub status: TcbStatus,
}

/// A verified QE identity (`enclaveIdentity` with id `QE`, version 2).
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct QeIdentity {
	pub issue_date_ms: u64,
	pub next_update_ms: u64,
	pub tcb_evaluation_data_number: u32,
	pub misc_select: [u8; 4],
	pub misc_select_mask: [u8; 4],
	pub attributes: [u8; 16],
	pub attributes_mask: [u8; 16],
	pub mr_signer: [u8; 32],
	pub isv_prod_id: u16,
	pub tcb_levels: Vec<QeTcbLevel>,
	pub signer: CollateralSigner,
}

/// One TCB level of an SGX TCB info.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct TcbLevel {
	pub sgx_components: [u8; 16],
	pub pce_svn: u16,
	pub status: TcbStatus,
}

/// A verified SGX TCB info (`tcbInfo` with id `SGX`, version 3).
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct TcbInfo {
	pub fmspc: [u8; 6],
	pub pce_id: [u8; 2],
	pub issue_date_ms: u64,
	pub next_update_ms: u64,
	pub tcb_evaluation_data_number: u32,
	pub tcb_levels: Vec<TcbLevel>,
	pub signer: CollateralSigner,
}

/// A verified CRL with the root it was verified under.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct StoredCrl {
	pub root_key_hash: [u8; 32],
	pub record: CrlRecord,
}

/// Everything `VerifiedCollateral::encoded` can hold.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub enum StoredCollateral {
	QeIdentity(QeIdentity),
	TcbInfo(TcbInfo),
	Crl(StoredCrl),
}

/// First byte of the stored form; bumped when the layout changes.
pub const STORED_FORMAT_VERSION: u8 = 1;

impl StoredCollateral {
	pub fn encode_stored(&self) -> Vec<u8> {
		(STORED_FORMAT_VERSION, self).encode()
	}

	pub fn decode_stored(mut bytes: &[u8]) -> Result<Self, Error> {
		let (version, stored) = <(u8, StoredCollateral)>::decode_all(&mut bytes)
			.map_err(|_| Error::BadStoredCollateral)?;
		if version != STORED_FORMAT_VERSION {
			return Err(Error::BadStoredCollateral);
		}
		Ok(stored)
	}
}

/// Splits one of Intel's collateral files (`{"tcbInfo":{..},"signature":".."}`
/// or `{"enclaveIdentity":{..},"signature":".."}`) into the exact bytes of the
/// signed inner object and the hex signature.
pub fn split_signed_file(file: &[u8]) -> Result<(&[u8], &[u8]), Error> {
	#[derive(Deserialize)]
	struct Envelope<'a> {
		#[serde(borrow, rename = "tcbInfo")]
		tcb_info: Option<&'a serde_json::value::RawValue>,
		#[serde(borrow, rename = "enclaveIdentity")]
		enclave_identity: Option<&'a serde_json::value::RawValue>,
		signature: &'a str,
	}
	let envelope: Envelope<'_> =
		serde_json::from_slice(file).map_err(|_| Error::Json("collateral file"))?;
	let body = match (envelope.tcb_info, envelope.enclave_identity) {
		(Some(body), None) | (None, Some(body)) => body,
		_ => return Err(Error::Json("collateral file needs exactly one signed object")),
	};
	Ok((body.get().as_bytes(), envelope.signature.as_bytes()))
}

/// Verifies the issuer chain of JSON collateral to `root` at `now_ms` (the
/// signer must be issued directly by the root) and the signature over `body`.
pub fn verify_signed_json(
	body: &[u8],
	signature_hex: &[u8],
	issuer_chain_pem: &[u8],
	root: &Cert,
	now_ms: u64,
) -> Result<CollateralSigner, Error> {
	let chain = pem::decode_certificates(issuer_chain_pem)?;
	let (signer, links) = x509::verify_der_chain(&chain, root, LeafKind::EndEntity, now_ms)?;
	if links.len() != 1 {
		return Err(Error::SignerNotIssuedByRoot);
	}
	let signature = crypto::raw_signature_from_hex(signature_hex.trim_ascii())?;
	crypto::verify_p256_raw(&signer.p256_key()?, body, &signature, Error::CollateralSignature)?;
	Ok(CollateralSigner {
		root_key_hash: root.key_hash(),
		serial: signer.serial().to_vec(),
		issuer_der: signer.issuer_der().to_vec(),
		not_before_ms: signer.not_before_ms(),
		not_after_ms: signer.not_after_ms(),
	})
}

/// Fails unless `issue <= now < next_update`.
pub fn check_window(
	kind: CollateralKind,
	issue_ms: u64,
	next_update_ms: u64,
	now_ms: u64,
) -> Result<(), Error> {
	if now_ms < issue_ms || now_ms >= next_update_ms {
		return Err(Error::CollateralExpired(kind));
	}
	Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct QeIdentityJson {
	id: String,
	version: u32,
	issue_date: String,
	next_update: String,
	tcb_evaluation_data_number: u32,
	miscselect: String,
	miscselect_mask: String,
	attributes: String,
	attributes_mask: String,
	mrsigner: String,
	isvprodid: u16,
	tcb_levels: Vec<QeTcbLevelJson>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct QeTcbLevelJson {
	tcb: QeTcbJson,
	tcb_status: String,
}

#[derive(Deserialize)]
struct QeTcbJson {
	isvsvn: u16,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TcbInfoJson {
	id: String,
	version: u32,
	issue_date: String,
	next_update: String,
	fmspc: String,
	pce_id: String,
	tcb_type: u32,
	tcb_evaluation_data_number: u32,
	tcb_levels: Vec<TcbLevelJson>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TcbLevelJson {
	tcb: TcbJson,
	tcb_status: String,
}

#[derive(Deserialize)]
struct TcbJson {
	sgxtcbcomponents: Vec<TcbComponentJson>,
	pcesvn: u16,
}

#[derive(Deserialize)]
struct TcbComponentJson {
	svn: u8,
}

/// Verifies and parses a QE identity (`body` = the `enclaveIdentity` object
/// exactly as signed) at `now_ms`.
pub fn verify_qe_identity(
	body: &[u8],
	signature_hex: &[u8],
	issuer_chain_pem: &[u8],
	root: &Cert,
	now_ms: u64,
) -> Result<QeIdentity, Error> {
	let signer = verify_signed_json(body, signature_hex, issuer_chain_pem, root, now_ms)?;
	let json: QeIdentityJson =
		serde_json::from_slice(body).map_err(|_| Error::Json("QE identity"))?;
	if json.id != "QE" || json.version != 2 {
		return Err(Error::UnsupportedCollateral("QE identity must be id QE, version 2"));
	}
	let identity = QeIdentity {
		issue_date_ms: parse_rfc3339_utc_ms(&json.issue_date)?,
		next_update_ms: parse_rfc3339_utc_ms(&json.next_update)?,
		tcb_evaluation_data_number: json.tcb_evaluation_data_number,
		misc_select: hex_array(&json.miscselect, "miscselect")?,
		misc_select_mask: hex_array(&json.miscselect_mask, "miscselectMask")?,
		attributes: hex_array(&json.attributes, "attributes")?,
		attributes_mask: hex_array(&json.attributes_mask, "attributesMask")?,
		mr_signer: hex_array(&json.mrsigner, "mrsigner")?,
		isv_prod_id: json.isvprodid,
		tcb_levels: json
			.tcb_levels
			.iter()
			.map(|level| {
				Ok(QeTcbLevel {
					isv_svn: level.tcb.isvsvn,
					status: TcbStatus::from_intel(&level.tcb_status)?,
				})
			})
			.collect::<Result<_, Error>>()?,
		signer,
	};
	check_window(
		CollateralKind::QuotingEnclaveIdentity,
		identity.issue_date_ms,
		identity.next_update_ms,
		now_ms,
	)?;
	Ok(identity)
}

/// Verifies and parses an SGX TCB info v3 (`body` = the `tcbInfo` object
/// exactly as signed) at `now_ms`.
pub fn verify_tcb_info(
	body: &[u8],
	signature_hex: &[u8],
	issuer_chain_pem: &[u8],
	root: &Cert,
	now_ms: u64,
) -> Result<TcbInfo, Error> {
	let signer = verify_signed_json(body, signature_hex, issuer_chain_pem, root, now_ms)?;
	let json: TcbInfoJson = serde_json::from_slice(body).map_err(|_| Error::Json("TCB info"))?;
	if json.id != "SGX" || json.version != 3 || json.tcb_type != 0 {
		return Err(Error::UnsupportedCollateral("TCB info must be id SGX, version 3, type 0"));
	}
	let mut tcb_levels = Vec::with_capacity(json.tcb_levels.len());
	for level in &json.tcb_levels {
		if level.tcb.sgxtcbcomponents.len() != 16 {
			return Err(Error::Json("TCB level needs 16 SGX components"));
		}
		let mut sgx_components = [0u8; 16];
		for (dst, c) in sgx_components.iter_mut().zip(&level.tcb.sgxtcbcomponents) {
			*dst = c.svn;
		}
		tcb_levels.push(TcbLevel {
			sgx_components,
			pce_svn: level.tcb.pcesvn,
			status: TcbStatus::from_intel(&level.tcb_status)?,
		});
	}
	let info = TcbInfo {
		fmspc: hex_array(&json.fmspc, "fmspc")?,
		pce_id: hex_array(&json.pce_id, "pceId")?,
		issue_date_ms: parse_rfc3339_utc_ms(&json.issue_date)?,
		next_update_ms: parse_rfc3339_utc_ms(&json.next_update)?,
		tcb_evaluation_data_number: json.tcb_evaluation_data_number,
		tcb_levels,
		signer,
	};
	check_window(CollateralKind::TcbInfo, info.issue_date_ms, info.next_update_ms, now_ms)?;
	Ok(info)
}

fn hex_array<const N: usize>(text: &str, field: &'static str) -> Result<[u8; N], Error> {
	let mut out = [0u8; N];
	hex::decode_to_slice(text, &mut out).map_err(|_| Error::BadEncoding(field))?;
	Ok(out)
}
