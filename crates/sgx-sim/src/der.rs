//! A minimal DER writer: just the types the simulated PKI needs (X.509
//! certificates, CRLs and Intel's SGX extension). Every function returns the
//! complete encoding of one element.

#[allow(unused_imports)]
use crate::prelude::*;
use crate::{error::SimError, time::Civil};

pub const TAG_BOOLEAN: u8 = 0x01;
pub const TAG_INTEGER: u8 = 0x02;
pub const TAG_BIT_STRING: u8 = 0x03;
pub const TAG_OCTET_STRING: u8 = 0x04;
pub const TAG_OID: u8 = 0x06;
pub const TAG_ENUMERATED: u8 = 0x0a;
pub const TAG_UTF8_STRING: u8 = 0x0c;
pub const TAG_PRINTABLE_STRING: u8 = 0x13;
pub const TAG_UTC_TIME: u8 = 0x17;
pub const TAG_GENERALIZED_TIME: u8 = 0x18;
pub const TAG_SEQUENCE: u8 = 0x30;
pub const TAG_SET: u8 = 0x31;

/// Tag, definite length (short or long form) and content.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
	let len = content.len();
	let mut out = Vec::with_capacity(content.len() + 6);
	out.push(tag);
	if len < 0x80 {
		out.push(len as u8);
	} else {
		let bytes = len.to_be_bytes();
		let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len() - 1);
		let significant = &bytes[first..];
		out.push(0x80 | significant.len() as u8);
		out.extend_from_slice(significant);
	}
	out.extend_from_slice(content);
	out
}

/// A SEQUENCE of already encoded elements.
pub fn seq(parts: &[&[u8]]) -> Vec<u8> {
	tlv(TAG_SEQUENCE, &parts.concat())
}

/// A SET holding one element (as in a relative distinguished name).
pub fn set_of_one(part: &[u8]) -> Vec<u8> {
	tlv(TAG_SET, part)
}

/// A non-negative INTEGER from big-endian magnitude bytes, minimally encoded.
pub fn uint(magnitude: &[u8]) -> Vec<u8> {
	let first = magnitude.iter().position(|b| *b != 0).unwrap_or(magnitude.len());
	let digits = &magnitude[first..];
	let mut content = Vec::with_capacity(digits.len() + 1);
	if digits.first().is_none_or(|b| b & 0x80 != 0) {
		content.push(0);
	}
	content.extend_from_slice(digits);
	tlv(TAG_INTEGER, &content)
}

pub fn uint_u64(value: u64) -> Vec<u8> {
	uint(&value.to_be_bytes())
}

/// The content bytes of [`uint`]: what a verifier compares as a serial number.
pub fn uint_content(magnitude: &[u8]) -> Vec<u8> {
	let encoded = uint(magnitude);
	// Tag and a short-form length: serials are at most 21 content bytes.
	encoded.get(2..).map(<[u8]>::to_vec).unwrap_or_default()
}

pub fn enumerated(value: u8) -> Vec<u8> {
	// Values below 0x80 only: a single positive content byte.
	tlv(TAG_ENUMERATED, &[value & 0x7f])
}

pub fn boolean_true() -> Vec<u8> {
	tlv(TAG_BOOLEAN, &[0xff])
}

pub fn octet_string(content: &[u8]) -> Vec<u8> {
	tlv(TAG_OCTET_STRING, content)
}

/// A BIT STRING with `unused` trailing bits in the last byte.
pub fn bit_string(unused: u8, bytes: &[u8]) -> Vec<u8> {
	let mut content = Vec::with_capacity(bytes.len() + 1);
	content.push(unused);
	content.extend_from_slice(bytes);
	tlv(TAG_BIT_STRING, &content)
}

pub fn utf8_string(text: &str) -> Vec<u8> {
	tlv(TAG_UTF8_STRING, text.as_bytes())
}

pub fn printable_string(text: &str) -> Vec<u8> {
	tlv(TAG_PRINTABLE_STRING, text.as_bytes())
}

/// An OBJECT IDENTIFIER from its arcs (at least two, the first below 3).
pub fn oid(arcs: &[u64]) -> Vec<u8> {
	let mut content = Vec::new();
	let (first, second, rest) = match arcs {
		[first, second, rest @ ..] => (*first, *second, rest),
		_ => return tlv(TAG_OID, &[]),
	};
	push_base128(&mut content, first * 40 + second);
	for arc in rest {
		push_base128(&mut content, *arc);
	}
	tlv(TAG_OID, &content)
}

fn push_base128(out: &mut Vec<u8>, value: u64) {
	let mut groups = [0u8; 10];
	let mut count = 0;
	let mut v = value;
	loop {
		groups[count] = (v & 0x7f) as u8;
		count += 1;
		v >>= 7;
		if v == 0 {
			break;
		}
	}
	for i in (0..count).rev() {
		let continuation = if i == 0 { 0 } else { 0x80 };
		out.push(groups[i] | continuation);
	}
}

/// `[n] EXPLICIT` around an encoded element.
pub fn explicit(n: u8, inner: &[u8]) -> Vec<u8> {
	tlv(0xa0 | n, inner)
}

/// `[n] IMPLICIT` primitive (for example a key identifier).
pub fn implicit_primitive(n: u8, content: &[u8]) -> Vec<u8> {
	tlv(0x80 | n, content)
}

/// RFC 5280 time: UTCTime for 1950..=2049, GeneralizedTime otherwise.
pub fn time(unix_ms: u64) -> Result<Vec<u8>, SimError> {
	let c = Civil::from_unix_ms(unix_ms)?;
	if (1950..2050).contains(&c.year) {
		let text = format!(
			"{:02}{:02}{:02}{:02}{:02}{:02}Z",
			c.year % 100,
			c.month,
			c.day,
			c.hour,
			c.minute,
			c.second
		);
		Ok(tlv(TAG_UTC_TIME, text.as_bytes()))
	} else {
		let text = format!(
			"{:04}{:02}{:02}{:02}{:02}{:02}Z",
			c.year, c.month, c.day, c.hour, c.minute, c.second
		);
		Ok(tlv(TAG_GENERALIZED_TIME, text.as_bytes()))
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;

	#[test]
	fn lengths() {
		assert_eq!(tlv(0x04, &[1, 2]), vec![0x04, 0x02, 1, 2]);
		let long = tlv(0x04, &[0u8; 0x80]);
		assert_eq!(&long[..3], &[0x04, 0x81, 0x80]);
		let longer = tlv(0x04, &[0u8; 0x1234]);
		assert_eq!(&longer[..4], &[0x04, 0x82, 0x12, 0x34]);
	}

	#[test]
	fn integers() {
		assert_eq!(uint_u64(0), vec![0x02, 0x01, 0x00]);
		assert_eq!(uint_u64(11), vec![0x02, 0x01, 0x0b]);
		assert_eq!(uint_u64(128), vec![0x02, 0x02, 0x00, 0x80]);
		assert_eq!(uint(&[0, 0, 0x7f, 1]), vec![0x02, 0x02, 0x7f, 0x01]);
		assert_eq!(uint_content(&[0xcc, 0x01]), vec![0x00, 0xcc, 0x01]);
	}

	#[test]
	fn oids() {
		// ecdsa-with-SHA256
		assert_eq!(
			oid(&[1, 2, 840, 10045, 4, 3, 2]),
			vec![0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]
		);
		// Intel's SGX extension
		assert_eq!(
			oid(&[1, 2, 840, 113741, 1, 13, 1]),
			vec![0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01]
		);
	}

	#[test]
	fn times() {
		// 2020-01-01T00:00:00Z
		assert_eq!(time(1_577_836_800_000).unwrap(), tlv(TAG_UTC_TIME, b"200101000000Z"));
		// 2050-01-01T00:00:00Z
		assert_eq!(time(2_524_608_000_000).unwrap(), tlv(TAG_GENERALIZED_TIME, b"20500101000000Z"));
	}
}
