//! The software quoting enclave: SGX report bodies and DCAP quotes v3 in
//! Intel's byte layout (all integers little-endian).

use crate::error::SimError;
#[allow(unused_imports)]
use crate::prelude::*;

/// Quote version written by this QE.
pub const QUOTE_VERSION: u16 = 3;
/// Attestation key type ECDSA-256-with-P-256.
pub const ATTESTATION_KEY_TYPE_ECDSA_P256: u16 = 2;
/// TEE type SGX.
pub const TEE_TYPE_SGX: u32 = 0;
/// Certification data type 5: PEM PCK certificate chain.
pub const CERT_DATA_PCK_CHAIN: u16 = 5;
/// Intel's QE vendor id (the verifier only accepts Intel's).
pub const INTEL_QE_VENDOR_ID: [u8; 16] = [
	0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9, 0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07,
];
/// Length of an SGX report body.
pub const REPORT_BODY_LEN: usize = 384;
/// Length of the quote header.
pub const HEADER_LEN: usize = 48;

/// `attributes.flags`: the enclave is initialized.
pub const ATTRIBUTE_INIT: u8 = 0x01;
/// `attributes.flags`: the enclave is debuggable.
pub const ATTRIBUTE_DEBUG: u8 = 0x02;
/// `attributes.flags`: 64-bit mode.
pub const ATTRIBUTE_MODE64: u8 = 0x04;
/// `attributes.flags`: the enclave may use the provisioning key (the QE does).
pub const ATTRIBUTE_PROVISION_KEY: u8 = 0x10;
/// `attributes.xfrm` (x87, SSE, AVX), as in Intel's sample quote.
pub const XFRM_DEFAULT: u8 = 0x07;

/// The fields of an SGX report body (`sgx_report_body_t`) that the simulator
/// sets; reserved fields, ISV extended product id, config id/svn and family
/// id stay zero.
pub struct ReportBody<'a> {
	pub cpu_svn: &'a [u8; 16],
	pub misc_select: u32,
	pub attributes_flags: u8,
	pub attributes_xfrm: u8,
	pub mr_enclave: &'a [u8; 32],
	pub mr_signer: &'a [u8; 32],
	pub isv_prod_id: u16,
	pub isv_svn: u16,
	pub report_data: &'a [u8; 64],
}

impl ReportBody<'_> {
	/// The 384-byte encoding.
	pub fn encode(&self) -> Vec<u8> {
		let mut out = Vec::with_capacity(REPORT_BODY_LEN);
		out.extend_from_slice(self.cpu_svn); // 0..16
		out.extend_from_slice(&self.misc_select.to_le_bytes()); // 16..20
		out.extend_from_slice(&[0u8; 28]); // 20..48 reserved1, isv_ext_prod_id
		let mut attributes = [0u8; 16];
		attributes[0] = self.attributes_flags;
		attributes[8] = self.attributes_xfrm;
		out.extend_from_slice(&attributes); // 48..64
		out.extend_from_slice(self.mr_enclave); // 64..96
		out.extend_from_slice(&[0u8; 32]); // 96..128 reserved2
		out.extend_from_slice(self.mr_signer); // 128..160
		out.extend_from_slice(&[0u8; 96]); // 160..256 reserved3, config_id
		out.extend_from_slice(&self.isv_prod_id.to_le_bytes()); // 256..258
		out.extend_from_slice(&self.isv_svn.to_le_bytes()); // 258..260
		out.extend_from_slice(&[0u8; 60]); // 260..320 config_svn, reserved4, family id
		out.extend_from_slice(self.report_data); // 320..384
		out
	}
}

/// The 48-byte quote header.
pub fn header(qe_svn: u16, pce_svn: u16, user_data: &[u8; 20]) -> Vec<u8> {
	let mut out = Vec::with_capacity(HEADER_LEN);
	out.extend_from_slice(&QUOTE_VERSION.to_le_bytes());
	out.extend_from_slice(&ATTESTATION_KEY_TYPE_ECDSA_P256.to_le_bytes());
	out.extend_from_slice(&TEE_TYPE_SGX.to_le_bytes());
	out.extend_from_slice(&qe_svn.to_le_bytes());
	out.extend_from_slice(&pce_svn.to_le_bytes());
	out.extend_from_slice(&INTEL_QE_VENDOR_ID);
	out.extend_from_slice(user_data);
	out
}

/// The parts of the quote's signature data.
pub struct SignatureData<'a> {
	pub isv_signature: &'a [u8; 64],
	pub attestation_key: &'a [u8; 64],
	pub qe_report: &'a [u8],
	pub qe_report_signature: &'a [u8; 64],
	pub qe_auth_data: &'a [u8],
	pub certification_data: &'a [u8],
}

/// Appends the signature data (with its u32 length) to `signed` (header and
/// ISV report body). Fails if a length does not fit its field.
pub fn assemble(signed: &[u8], data: &SignatureData<'_>) -> Result<Vec<u8>, SimError> {
	let auth_len = u16::try_from(data.qe_auth_data.len()).map_err(|_| SimError::FieldTooLong)?;
	let cert_len =
		u32::try_from(data.certification_data.len()).map_err(|_| SimError::FieldTooLong)?;
	let mut sig = Vec::new();
	sig.extend_from_slice(data.isv_signature);
	sig.extend_from_slice(data.attestation_key);
	sig.extend_from_slice(data.qe_report);
	sig.extend_from_slice(data.qe_report_signature);
	sig.extend_from_slice(&auth_len.to_le_bytes());
	sig.extend_from_slice(data.qe_auth_data);
	sig.extend_from_slice(&CERT_DATA_PCK_CHAIN.to_le_bytes());
	sig.extend_from_slice(&cert_len.to_le_bytes());
	sig.extend_from_slice(data.certification_data);
	let sig_len = u32::try_from(sig.len()).map_err(|_| SimError::FieldTooLong)?;
	let mut out = Vec::with_capacity(signed.len() + 4 + sig.len());
	out.extend_from_slice(signed);
	out.extend_from_slice(&sig_len.to_le_bytes());
	out.extend_from_slice(&sig);
	Ok(out)
}
