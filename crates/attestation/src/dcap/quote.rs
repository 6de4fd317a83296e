//! SGX ECDSA quote v3: header, ISV report body and signature data, decoded
//! with exact length checks.

use crate::{bytes::Reader, error::Error, sgx_report::ReportBody};

pub const QUOTE_VERSION_3: u16 = 3;
/// ECDSA-256-with-P-256 curve.
pub const ATTESTATION_KEY_TYPE_ECDSA_P256: u16 = 2;
pub const TEE_TYPE_SGX: u32 = 0;
/// Certification data type: PEM PCK certificate chain (leaf, CA, root).
pub const CERT_DATA_PCK_CHAIN: u16 = 5;
/// Intel's QE vendor id.
pub const INTEL_QE_VENDOR_ID: [u8; 16] = [
	0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9, 0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07,
];

/// Header length.
pub const HEADER_LEN: usize = 48;
/// Bytes covered by the ISV signature: header and ISV report body.
pub const SIGNED_LEN: usize = HEADER_LEN + crate::sgx_report::REPORT_BODY_LEN;

/// The 48-byte quote header.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct QuoteHeader {
	pub version: u16,
	pub attestation_key_type: u16,
	pub tee_type: u32,
	pub qe_svn: u16,
	pub pce_svn: u16,
	pub qe_vendor_id: [u8; 16],
	pub user_data: [u8; 20],
}

/// A decoded quote borrowing its variable parts from the input.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Quote<'a> {
	pub header: QuoteHeader,
	pub isv_report: ReportBody,
	/// Quote bytes `[0, 432)`: what the ISV signature covers.
	pub signed_bytes: &'a [u8],
	/// Raw `r || s`.
	pub isv_signature: [u8; 64],
	/// Raw `x || y` of the P-256 attestation key.
	pub attestation_key: [u8; 64],
	/// The QE report body as signed by the PCK key.
	pub qe_report_bytes: &'a [u8],
	pub qe_report: ReportBody,
	pub qe_report_signature: [u8; 64],
	pub qe_auth_data: &'a [u8],
	pub certification_data_type: u16,
	pub certification_data: &'a [u8],
}

impl<'a> Quote<'a> {
	/// Decodes a v3 quote. Every length field must match the data exactly:
	/// a short input fails with [`Error::Truncated`], a long one with
	/// [`Error::TrailingBytes`]. Only the version is checked here, as the
	/// layout depends on it; the other header values are checked by
	/// [`Quote::check_supported`].
	pub fn parse(quote: &'a [u8]) -> Result<Self, Error> {
		let mut r = Reader::new(quote);
		let header = QuoteHeader {
			version: r.u16("header.version")?,
			attestation_key_type: r.u16("header.attestation_key_type")?,
			tee_type: r.u32("header.tee_type")?,
			qe_svn: r.u16("header.qe_svn")?,
			pce_svn: r.u16("header.pce_svn")?,
			qe_vendor_id: r.array("header.qe_vendor_id")?,
			user_data: r.array("header.user_data")?,
		};
		// The rest of the layout depends on the version.
		if header.version != QUOTE_VERSION_3 {
			return Err(Error::UnsupportedQuoteVersion(header.version));
		}
		let isv_report =
			ReportBody::parse(r.take(crate::sgx_report::REPORT_BODY_LEN, "isv_report")?)?;
		let signed_bytes = quote.get(..SIGNED_LEN).ok_or(Error::Truncated("isv_report"))?;
		let signature_len = usize::try_from(r.u32("signature_data_len")?)
			.map_err(|_| Error::LengthMismatch("signature_data_len"))?;
		if r.remaining() < signature_len {
			return Err(Error::Truncated("signature_data"));
		}
		if r.remaining() > signature_len {
			return Err(Error::TrailingBytes("quote"));
		}
		let mut s = Reader::new(r.take(signature_len, "signature_data")?);
		r.finish("quote")?;

		let isv_signature = s.array("isv_signature")?;
		let attestation_key = s.array("attestation_key")?;
		let qe_report_bytes = s.take(crate::sgx_report::REPORT_BODY_LEN, "qe_report")?;
		let qe_report = ReportBody::parse(qe_report_bytes)?;
		let qe_report_signature = s.array("qe_report_signature")?;
		let auth_len = usize::from(s.u16("qe_auth_data_len")?);
		let qe_auth_data = s.take(auth_len, "qe_auth_data")?;
		let certification_data_type = s.u16("certification_data_type")?;
		let cert_len = usize::try_from(s.u32("certification_data_len")?)
			.map_err(|_| Error::LengthMismatch("certification_data_len"))?;
		let certification_data = s.take(cert_len, "certification_data")?;
		s.finish("signature_data")?;

		Ok(Self {
			header,
			isv_report,
			signed_bytes,
			isv_signature,
			attestation_key,
			qe_report_bytes,
			qe_report,
			qe_report_signature,
			qe_auth_data,
			certification_data_type,
			certification_data,
		})
	}

	/// Fails unless this is an Intel SGX v3 quote with an ECDSA P-256
	/// attestation key and a PEM PCK chain as certification data.
	pub fn check_supported(&self) -> Result<(), Error> {
		if self.header.version != QUOTE_VERSION_3 {
			return Err(Error::UnsupportedQuoteVersion(self.header.version));
		}
		if self.header.attestation_key_type != ATTESTATION_KEY_TYPE_ECDSA_P256 {
			return Err(Error::UnsupportedAttestationKeyType(self.header.attestation_key_type));
		}
		if self.header.tee_type != TEE_TYPE_SGX {
			return Err(Error::UnsupportedTeeType(self.header.tee_type));
		}
		if self.header.qe_vendor_id != INTEL_QE_VENDOR_ID {
			return Err(Error::UnknownQeVendor);
		}
		if self.certification_data_type != CERT_DATA_PCK_CHAIN {
			return Err(Error::UnsupportedCertificationDataType(self.certification_data_type));
		}
		Ok(())
	}
}
