//! The 384-byte SGX report body (`sgx_report_body_t`), common to DCAP quotes,
//! the QE report inside them, and the EPID quote body of IAS reports.

use crate::{bytes::Reader, error::Error};
use integritee_primitives::{AttestedEnclave, SgxBuildMode, SgxStatus};

/// Length of an SGX report body.
pub const REPORT_BODY_LEN: usize = 384;

/// `attributes.flags` bit of a debuggable enclave.
pub const ATTRIBUTE_DEBUG: u8 = 0x02;

/// The fields of an SGX report body that verification uses.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ReportBody {
	pub cpu_svn: [u8; 16],
	/// MISCSELECT as its 4 little-endian bytes.
	pub misc_select: [u8; 4],
	/// ATTRIBUTES: flags (8 bytes LE) then XFRM (8 bytes LE).
	pub attributes: [u8; 16],
	pub mr_enclave: [u8; 32],
	pub mr_signer: [u8; 32],
	pub isv_prod_id: u16,
	pub isv_svn: u16,
	pub report_data: [u8; 64],
}

impl ReportBody {
	/// Decodes exactly [`REPORT_BODY_LEN`] bytes.
	pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
		if bytes.len() != REPORT_BODY_LEN {
			return Err(Error::LengthMismatch("report body"));
		}
		let mut r = Reader::new(bytes);
		let cpu_svn = r.array("cpu_svn")?;
		let misc_select = r.array("misc_select")?;
		r.take(28, "reserved1")?;
		let attributes = r.array("attributes")?;
		let mr_enclave = r.array("mr_enclave")?;
		r.take(32, "reserved2")?;
		let mr_signer = r.array("mr_signer")?;
		r.take(96, "reserved3")?;
		let isv_prod_id = r.u16("isv_prod_id")?;
		let isv_svn = r.u16("isv_svn")?;
		r.take(60, "reserved4")?;
		let report_data = r.array("report_data")?;
		r.finish("report body")?;
		Ok(Self {
			cpu_svn,
			misc_select,
			attributes,
			mr_enclave,
			mr_signer,
			isv_prod_id,
			isv_svn,
			report_data,
		})
	}

	pub fn is_debug(&self) -> bool {
		self.attributes.first().is_some_and(|flags| flags & ATTRIBUTE_DEBUG != 0)
	}

	pub fn build_mode(&self) -> SgxBuildMode {
		if self.is_debug() {
			SgxBuildMode::Debug
		} else {
			SgxBuildMode::Production
		}
	}

	/// `report_data[0..32]` and `report_data[32..64]`.
	pub fn report_data_halves(&self) -> ([u8; 32], [u8; 32]) {
		let mut first = [0u8; 32];
		let mut second = [0u8; 32];
		for (dst, src) in first.iter_mut().chain(second.iter_mut()).zip(self.report_data.iter()) {
			*dst = *src;
		}
		(first, second)
	}

	/// The registry's view of an enclave with this report.
	pub fn attested_enclave(&self, status: SgxStatus, attested_at_ms: u64) -> AttestedEnclave {
		let (signer_public, report_binding) = self.report_data_halves();
		AttestedEnclave {
			mr_enclave: self.mr_enclave.into(),
			mr_signer: self.mr_signer,
			signer_public,
			report_binding,
			build_mode: self.build_mode(),
			status,
			attested_at_ms,
		}
	}
}
