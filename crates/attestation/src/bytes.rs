//! A bounds-checked little-endian reader for binary SGX structures.

use crate::error::Error;

/// Reads fields from the front of a byte slice; every read names the field so
/// that a short input reports where it ended.
pub struct Reader<'a> {
	rest: &'a [u8],
}

impl<'a> Reader<'a> {
	pub fn new(input: &'a [u8]) -> Self {
		Self { rest: input }
	}

	pub fn take(&mut self, len: usize, field: &'static str) -> Result<&'a [u8], Error> {
		if self.rest.len() < len {
			return Err(Error::Truncated(field));
		}
		let (head, tail) = self.rest.split_at(len);
		self.rest = tail;
		Ok(head)
	}

	pub fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], Error> {
		let bytes = self.take(N, field)?;
		bytes.try_into().map_err(|_| Error::Truncated(field))
	}

	pub fn u16(&mut self, field: &'static str) -> Result<u16, Error> {
		Ok(u16::from_le_bytes(self.array(field)?))
	}

	pub fn u32(&mut self, field: &'static str) -> Result<u32, Error> {
		Ok(u32::from_le_bytes(self.array(field)?))
	}

	pub fn remaining(&self) -> usize {
		self.rest.len()
	}

	/// Fails if anything is left: `structure` names what should have ended.
	pub fn finish(self, structure: &'static str) -> Result<(), Error> {
		if self.rest.is_empty() {
			Ok(())
		} else {
			Err(Error::TrailingBytes(structure))
		}
	}
}
