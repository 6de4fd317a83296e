//! Intel's SGX extension of PCK certificates (OID 1.2.840.113741.1.13.1):
//! the platform's FMSPC, PCE id and TCB (CPUSVN components and PCESVN).

use crate::{
	asn1::{self, Tlv},
	error::Error,
	x509::Cert,
};
use der::asn1::ObjectIdentifier;

pub const OID_SGX_EXTENSION: ObjectIdentifier =
	ObjectIdentifier::new_unwrap("1.2.840.113741.1.13.1");

/// DER content of the extension OID; its fields are `<this>.N`, the TCB
/// components `<this>.2.N`.
const SGX_OID_CONTENT: [u8; 9] = [0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01];
const FIELD_TCB: u8 = 2;
const FIELD_PCE_ID: u8 = 3;
const FIELD_FMSPC: u8 = 4;
const TCB_PCESVN: u8 = 17;
const TCB_CPUSVN: u8 = 18;

/// What the PCK certificate says about the platform.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PckPlatform {
	pub fmspc: [u8; 6],
	pub pce_id: [u8; 2],
	/// The 16 SGX TCB component SVNs (equal to the CPUSVN bytes).
	pub cpu_svn: [u8; 16],
	pub pce_svn: u16,
}

impl PckPlatform {
	/// Reads the SGX extension of a PCK leaf certificate.
	pub fn from_certificate(cert: &Cert) -> Result<Self, Error> {
		let value = cert
			.extension(&OID_SGX_EXTENSION)?
			.ok_or(Error::MissingSgxExtension("SGX extension"))?;
		Self::from_extension_value(value)
	}

	/// Reads the DER value of the SGX extension: a SEQUENCE of
	/// `SEQUENCE { OID, value }`. Unknown fields are skipped; the TCB, PCE-ID
	/// and FMSPC fields must each appear exactly once.
	pub fn from_extension_value(value: &[u8]) -> Result<Self, Error> {
		let outer = asn1::read_single(value)?;
		if outer.tag != asn1::TAG_SEQUENCE {
			return Err(Error::Der("SGX extension"));
		}
		let (mut fmspc, mut pce_id, mut tcb) = (None, None, None);
		for_each_field(outer.value, &SGX_OID_CONTENT, |field, value| match field {
			FIELD_TCB => set_once(&mut tcb, parse_tcb(value)?),
			FIELD_PCE_ID => set_once(&mut pce_id, octets::<2>(value)?),
			FIELD_FMSPC => set_once(&mut fmspc, octets::<6>(value)?),
			_ => Ok(()),
		})?;
		let (cpu_svn, pce_svn) = tcb.ok_or(Error::MissingSgxExtension("TCB"))?;
		Ok(Self {
			fmspc: fmspc.ok_or(Error::MissingSgxExtension("FMSPC"))?,
			pce_id: pce_id.ok_or(Error::MissingSgxExtension("PCE-ID"))?,
			cpu_svn,
			pce_svn,
		})
	}
}

/// The TCB field: 16 component SVNs (`.2.1` .. `.2.16`), PCESVN (`.2.17`) and
/// CPUSVN (`.2.18`), which must agree with the components.
fn parse_tcb(value: Tlv<'_>) -> Result<([u8; 16], u16), Error> {
	if value.tag != asn1::TAG_SEQUENCE {
		return Err(Error::Der("SGX TCB"));
	}
	let mut prefix = [0u8; 10];
	for (dst, src) in prefix.iter_mut().zip(SGX_OID_CONTENT.iter().chain([FIELD_TCB].iter())) {
		*dst = *src;
	}
	let mut components: [Option<u8>; 16] = [None; 16];
	let (mut pce_svn, mut cpu_svn) = (None, None);
	for_each_field(value.value, &prefix, |field, value| match field {
		1..=16 => {
			if value.tag != asn1::TAG_INTEGER {
				return Err(Error::Der("TCB component"));
			}
			let svn = u8::try_from(asn1::small_uint(&value)?)
				.map_err(|_| Error::Der("TCB component out of range"))?;
			let slot = components
				.get_mut(usize::from(field) - 1)
				.ok_or(Error::Der("TCB component index"))?;
			set_once(slot, svn)
		}
		TCB_PCESVN => {
			if value.tag != asn1::TAG_INTEGER {
				return Err(Error::Der("PCESVN"));
			}
			set_once(&mut pce_svn, asn1::small_uint(&value)?)
		}
		TCB_CPUSVN => set_once(&mut cpu_svn, octets::<16>(value)?),
		_ => Ok(()),
	})?;
	let cpu_svn = cpu_svn.ok_or(Error::MissingSgxExtension("CPUSVN"))?;
	for (component, byte) in components.iter().zip(cpu_svn.iter()) {
		if *component != Some(*byte) {
			return Err(Error::MissingSgxExtension("TCB components disagree with CPUSVN"));
		}
	}
	Ok((cpu_svn, pce_svn.ok_or(Error::MissingSgxExtension("PCESVN"))?))
}

/// Calls `f(last_arc, value)` for every `SEQUENCE { OID, value }` in `content`
/// whose OID is `prefix` plus one arc below 128. Other entries are skipped.
fn for_each_field<'a>(
	mut content: &'a [u8],
	prefix: &[u8],
	mut f: impl FnMut(u8, Tlv<'a>) -> Result<(), Error>,
) -> Result<(), Error> {
	while !content.is_empty() {
		let (entry, rest) = asn1::expect(content, asn1::TAG_SEQUENCE)?;
		content = rest;
		let (oid, after_oid) = asn1::expect(entry.value, asn1::TAG_OID)?;
		let value = asn1::read_single(after_oid)?;
		if let Some(&[arc]) = oid.value.strip_prefix(prefix) {
			if arc < 0x80 {
				f(arc, value)?;
			}
		}
	}
	Ok(())
}

fn octets<const N: usize>(value: Tlv<'_>) -> Result<[u8; N], Error> {
	if value.tag != asn1::TAG_OCTET_STRING {
		return Err(Error::Der("expected OCTET STRING"));
	}
	value.value.try_into().map_err(|_| Error::Der("OCTET STRING length"))
}

fn set_once<T>(slot: &mut Option<T>, value: T) -> Result<(), Error> {
	if slot.is_some() {
		return Err(Error::Der("duplicate SGX extension field"));
	}
	*slot = Some(value);
	Ok(())
}
