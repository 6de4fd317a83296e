//! PEM certificate chains as Intel ships them (issuer chains, the PCK chain in
//! a quote's certification data), read as RFC 7468 describes lax parsing.
//!
//! Text outside encapsulation boundaries is ignored (RFC 7468 section 2: data
//! before and between blocks is permitted), and so is an incomplete block at
//! the end. Inside a block, whitespace (RFC 7468 `W`: space, tab, CR, LF,
//! vertical tab, form feed) is ignored and the base64 must be canonical.
//! Mismatched labels, labels other than `CERTIFICATE`, and bad base64 are
//! errors. Nothing here is authenticated: what counts is whether the decoded
//! certificates verify.

use crate::error::Error;
use alloc::vec::Vec;
use base64ct::{Base64, Encoding};

const BEGIN: &[u8] = b"-----BEGIN ";
const END: &[u8] = b"-----END ";
const DASHES: &[u8] = b"-----";
const LABEL: &[u8] = b"CERTIFICATE";

/// At most this many certificates are read from one chain.
pub const MAX_CHAIN_CERTIFICATES: usize = 5;

/// The DER certificates of a PEM chain, in order (not decoded as X.509).
pub fn decode_certificates(pem: &[u8]) -> Result<Vec<Vec<u8>>, Error> {
	let mut certificates = Vec::new();
	let mut rest = pem;
	while let Some(block) = next_block(rest) {
		rest = block.rest;
		if block.begin_label != block.end_label || block.begin_label != LABEL {
			return Err(Error::Pem);
		}
		let text: Vec<u8> = block.body.iter().copied().filter(|c| !is_whitespace(*c)).collect();
		let text = core::str::from_utf8(&text).map_err(|_| Error::Pem)?;
		let der = Base64::decode_vec(text).map_err(|_| Error::Pem)?;
		if certificates.len() == MAX_CHAIN_CERTIFICATES {
			return Err(Error::BadChainLength);
		}
		certificates.push(der);
	}
	if certificates.is_empty() {
		return Err(Error::BadChainLength);
	}
	Ok(certificates)
}

/// One encapsulated block and the input after it.
struct Block<'a> {
	begin_label: &'a [u8],
	body: &'a [u8],
	end_label: &'a [u8],
	rest: &'a [u8],
}

/// The next complete block, if any.
fn next_block(input: &[u8]) -> Option<Block<'_>> {
	let (_, after_begin) = split_at_marker(input, BEGIN)?;
	let (begin_label, after_label) = split_at_marker(after_begin, DASHES)?;
	let (body, after_body) = split_at_marker(after_label, END)?;
	let (end_label, rest) = split_at_marker(after_body, DASHES)?;
	Some(Block { begin_label, body, end_label, rest })
}

/// `(before, after)` around the first occurrence of `marker`.
fn split_at_marker<'a>(input: &'a [u8], marker: &[u8]) -> Option<(&'a [u8], &'a [u8])> {
	let at = input.windows(marker.len()).position(|w| w == marker)?;
	Some((input.get(..at)?, input.get(at + marker.len()..)?))
}

/// RFC 7468 `W`: WSP / CR / LF / %x0B / %x0C.
fn is_whitespace(c: u8) -> bool {
	matches!(c, b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;

	const CHAIN: &str = "-----BEGIN CERTIFICATE-----\nAAEC\nAw==\n-----END CERTIFICATE-----\n\
	                     -----BEGIN CERTIFICATE-----\r\nBAU=\r\n-----END CERTIFICATE-----\n\0";

	#[test]
	fn decodes_a_chain() {
		assert_eq!(
			decode_certificates(CHAIN.as_bytes()).unwrap(),
			vec![vec![0, 1, 2, 3], vec![4, 5]]
		);
		let odd_space = CHAIN.replace("AAEC\n", "AA\x0bEC\x0c\t \n");
		assert_eq!(
			decode_certificates(odd_space.as_bytes()).unwrap(),
			vec![vec![0, 1, 2, 3], vec![4, 5]]
		);
	}

	#[test]
	fn text_outside_blocks_is_ignored() {
		let with_text = format!(
			"issuer chain:\n{}",
			CHAIN.replace("-----\n-----BEGIN", "-----\nnext:-----BEGIN")
		);
		assert_eq!(
			decode_certificates(with_text.as_bytes()).unwrap(),
			vec![vec![0, 1, 2, 3], vec![4, 5]]
		);
		// A broken boundary turns the second block into text.
		let broken =
			CHAIN.replace("-----BEGIN CERTIFICATE-----\r\n", "----BEGIN CERTIFICATE-----\r\n");
		assert_eq!(decode_certificates(broken.as_bytes()).unwrap(), vec![vec![0, 1, 2, 3]]);
		let unterminated = CHAIN.replace("-----END CERTIFICATE-----\n\0", "");
		assert_eq!(decode_certificates(unterminated.as_bytes()).unwrap(), vec![vec![0, 1, 2, 3]]);
	}

	#[test]
	fn rejects_bad_blocks() {
		assert_eq!(decode_certificates(b""), Err(Error::BadChainLength));
		assert_eq!(decode_certificates(b"AAEC"), Err(Error::BadChainLength));
		let bad = CHAIN.replace("AAEC", "AA*C");
		assert_eq!(decode_certificates(bad.as_bytes()), Err(Error::Pem));
		let non_canonical = CHAIN.replace("BAU=", "BAV=");
		assert_eq!(decode_certificates(non_canonical.as_bytes()), Err(Error::Pem));
		let mismatched = CHAIN.replacen("END CERTIFICATE", "END CERTIFICATD", 1);
		assert_eq!(decode_certificates(mismatched.as_bytes()), Err(Error::Pem));
		let other_label = CHAIN.replace("CERTIFICATE", "X509 CRL");
		assert_eq!(decode_certificates(other_label.as_bytes()), Err(Error::Pem));
	}
}
