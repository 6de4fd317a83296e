//! A minimal DER TLV walker for the few places where the raw bytes of a
//! structure matter (the signed part of a certificate or CRL) or where a
//! structure is too irregular for typed decoding (Intel's SGX extension).

use crate::error::Error;

pub const TAG_INTEGER: u8 = 0x02;
pub const TAG_OCTET_STRING: u8 = 0x04;
pub const TAG_OID: u8 = 0x06;
pub const TAG_SEQUENCE: u8 = 0x30;

/// One DER element: its tag, its content, and its complete encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tlv<'a> {
	pub tag: u8,
	pub value: &'a [u8],
	pub raw: &'a [u8],
}

/// Reads one element from the front of `input`, returning it and the rest.
/// Only low tag numbers and definite lengths (as DER requires) are accepted.
pub fn read_tlv(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), Error> {
	let (&tag, rest) = input.split_first().ok_or(Error::Der("missing tag"))?;
	if tag & 0x1f == 0x1f {
		return Err(Error::Der("high tag number"));
	}
	let (&first, mut rest) = rest.split_first().ok_or(Error::Der("missing length"))?;
	let length = if first < 0x80 {
		usize::from(first)
	} else {
		let count = usize::from(first & 0x7f);
		if count == 0 || count > 4 {
			return Err(Error::Der("unsupported length form"));
		}
		let (bytes, after) = split(rest, count)?;
		rest = after;
		if bytes.first() == Some(&0) {
			return Err(Error::Der("non-minimal length"));
		}
		let length = bytes.iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
		if length < 0x80 {
			return Err(Error::Der("non-minimal length"));
		}
		length
	};
	let header_len = input.len() - rest.len();
	let (value, after) = split(rest, length)?;
	let raw = input.get(..header_len + length).ok_or(Error::Der("truncated element"))?;
	Ok((Tlv { tag, value, raw }, after))
}

/// Reads exactly one element spanning all of `input`.
pub fn read_single(input: &[u8]) -> Result<Tlv<'_>, Error> {
	let (tlv, rest) = read_tlv(input)?;
	if !rest.is_empty() {
		return Err(Error::Der("trailing data after element"));
	}
	Ok(tlv)
}

/// Reads one element with the given tag.
pub fn expect(input: &[u8], tag: u8) -> Result<(Tlv<'_>, &[u8]), Error> {
	let (tlv, rest) = read_tlv(input)?;
	if tlv.tag != tag {
		return Err(Error::Der("unexpected tag"));
	}
	Ok((tlv, rest))
}

/// The complete encoding of the first element inside the outer SEQUENCE of a
/// signed structure (certificate or CRL): the bytes its signature covers.
pub fn signed_part(der: &[u8]) -> Result<&[u8], Error> {
	der.get(signed_part_range(der)?).ok_or(Error::Der("truncated element"))
}

/// Where [`signed_part`] lies in `der`.
pub fn signed_part_range(der: &[u8]) -> Result<core::ops::Range<usize>, Error> {
	let outer = read_single(der)?;
	if outer.tag != TAG_SEQUENCE {
		return Err(Error::Der("signed structure is not a SEQUENCE"));
	}
	let (tbs, _) = expect(outer.value, TAG_SEQUENCE)?;
	// The outer element spans all of `der`, so its content starts after the
	// header, and the signed part at the start of the content.
	let start = der.len() - outer.value.len();
	Ok(start..start + tbs.raw.len())
}

/// The value of a non-negative DER INTEGER that fits in a u16.
pub fn small_uint(tlv: &Tlv<'_>) -> Result<u16, Error> {
	let mut digits = tlv.value;
	match digits {
		[] => return Err(Error::Der("empty INTEGER")),
		[first, ..] if first & 0x80 != 0 => return Err(Error::Der("negative INTEGER")),
		[0, second, ..] if second & 0x80 == 0 => return Err(Error::Der("non-minimal INTEGER")),
		[0, rest @ ..] if !rest.is_empty() => digits = rest,
		_ => {}
	}
	if digits.len() > 2 {
		return Err(Error::Der("INTEGER too large"));
	}
	Ok(digits.iter().fold(0u16, |acc, b| (acc << 8) | u16::from(*b)))
}

fn split(input: &[u8], at: usize) -> Result<(&[u8], &[u8]), Error> {
	if input.len() < at {
		return Err(Error::Der("truncated element"));
	}
	Ok(input.split_at(at))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;

	#[test]
	fn reads_short_and_long_lengths() {
		let (t, rest) = read_tlv(&[0x04, 0x02, 0xaa, 0xbb, 0xff]).unwrap();
		assert_eq!(
			(t.tag, t.value, t.raw, rest),
			(0x04, &[0xaa, 0xbb][..], &[0x04, 0x02, 0xaa, 0xbb][..], &[0xff][..])
		);
		let mut long = vec![0x04, 0x81, 0x80];
		long.extend([7u8; 0x80]);
		let t = read_single(&long).unwrap();
		assert_eq!(t.value.len(), 0x80);
	}

	#[test]
	fn rejects_bad_encodings() {
		assert!(read_tlv(&[0x04, 0x03, 0xaa]).is_err());
		assert!(read_tlv(&[0x04, 0x81, 0x05, 0, 0, 0, 0, 0]).is_err());
		assert!(read_tlv(&[0x04, 0x80]).is_err());
		assert!(read_tlv(&[0x1f, 0x01, 0x00]).is_err());
		assert!(read_single(&[0x05, 0x00, 0x00]).is_err());
	}

	#[test]
	fn small_integers() {
		let int = |v: &[u8]| small_uint(&Tlv { tag: TAG_INTEGER, value: v, raw: v });
		assert_eq!(int(&[0x0b]), Ok(11));
		assert_eq!(int(&[0x00, 0x80]), Ok(128));
		assert_eq!(int(&[0x01, 0x00]), Ok(256));
		assert!(int(&[0x80]).is_err());
		assert!(int(&[0x00, 0x01]).is_err());
		assert!(int(&[0x01, 0x00, 0x00]).is_err());
		assert!(int(&[]).is_err());
	}

	#[test]
	fn signed_part_is_the_first_inner_element() {
		// SEQUENCE { SEQUENCE { 01 02 }, NULL }
		let der = [0x30, 0x06, 0x30, 0x02, 0x01, 0x02, 0x05, 0x00];
		assert_eq!(signed_part_range(&der), Ok(2..6));
		assert_eq!(signed_part(&der), Ok(&[0x30, 0x02, 0x01, 0x02][..]));
		let mut long = vec![0x30, 0x81, 0x83, 0x30, 0x81, 0x80];
		long.extend([0u8; 0x80]);
		assert_eq!(signed_part_range(&long), Ok(3..long.len()));
		assert!(signed_part_range(&[0x31, 0x02, 0x30, 0x00]).is_err());
	}
}
