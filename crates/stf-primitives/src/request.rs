//! Decoding what clients send: a hex parameter holding SCALE, and SCALE
//! plaintext after decryption. Every decode is exact (no trailing bytes)
//! and depth-limited; nothing here panics on any input (fuzzed:
//! `fuzz/fuzz_targets/trusted_request.rs`, and property-tested below).

use codec::{Decode, DecodeLimit};

/// Nesting depth any request type may have (they have far less).
const MAX_DEPTH: u32 = 16;

/// Why a request does not decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
	#[error("not hex")]
	NotHex,
	#[error("not a SCALE-encoded {0}")]
	Malformed(&'static str),
	#[error("trailing bytes after the {0}")]
	TrailingBytes(&'static str),
}

/// Decodes exactly one `T` (named `what` in errors) from `bytes`.
pub fn decode_exact<T: Decode>(bytes: &[u8], what: &'static str) -> Result<T, RequestError> {
	let mut input = bytes;
	let value = T::decode_with_depth_limit(MAX_DEPTH, &mut input)
		.map_err(|_| RequestError::Malformed(what))?;
	if !input.is_empty() {
		return Err(RequestError::TrailingBytes(what));
	}
	Ok(value)
}

/// Decodes a `0x`-prefixed (or bare) hex parameter holding one `T`.
pub fn decode_hex_param<T: Decode>(text: &str, what: &'static str) -> Result<T, RequestError> {
	let bytes =
		hex::decode(text.strip_prefix("0x").unwrap_or(text)).map_err(|_| RequestError::NotHex)?;
	decode_exact(&bytes, what)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;
	use crate::{
		direct::DirectCall, getter::PrivateGetterRequest, TrustedCall, TrustedCallSigned,
		TrustedGetter, TrustedGetterSigned,
	};
	use codec::Encode;
	use polkadot_sdk::sp_core::{sr25519, Pair, H256};
	use proptest::prelude::*;

	fn samples() -> Vec<Vec<u8>> {
		let alice = sr25519::Pair::from_string("//Alice", None).unwrap();
		let shard = H256::repeat_byte(1);
		let call = TrustedCall::BalanceTransfer {
			from: alice.public().into(),
			to: alice.public().into(),
			amount: 7,
		}
		.sign(3, &[1; 32], &shard, |p| alice.sign(p).into());
		let getter = TrustedGetterSigned::new(
			TrustedGetter::NextNonce(alice.public().into()),
			&shard,
			9,
			[2; 32],
			Some(4),
			|p| alice.sign(p).into(),
		);
		vec![
			call.encode(),
			DirectCall { shard, ciphertext: vec![5; 80] }.encode(),
			getter.encode(),
			PrivateGetterRequest { shard, ciphertext: vec![6; 90] }.encode(),
		]
	}

	/// Every request type, on any bytes: an error or a value, never a panic.
	fn decode_all(bytes: &[u8]) {
		let _ = decode_exact::<TrustedCallSigned>(bytes, "TrustedCallSigned");
		let _ = decode_exact::<DirectCall>(bytes, "DirectCall");
		let _ = decode_exact::<TrustedGetterSigned>(bytes, "TrustedGetterSigned");
		let _ = decode_exact::<PrivateGetterRequest>(bytes, "PrivateGetterRequest");
	}

	#[test]
	fn valid_requests_decode_and_trailing_bytes_are_refused() {
		let [call, direct, getter, request] = &samples()[..] else { unreachable!() };
		assert!(decode_exact::<TrustedCallSigned>(call, "call").is_ok());
		assert!(decode_exact::<DirectCall>(direct, "direct").is_ok());
		assert!(decode_exact::<TrustedGetterSigned>(getter, "getter").is_ok());
		assert!(decode_exact::<PrivateGetterRequest>(request, "request").is_ok());
		let hex_text = format!("0x{}", hex::encode(direct));
		assert!(decode_hex_param::<DirectCall>(&hex_text, "direct").is_ok());
		assert_eq!(decode_hex_param::<DirectCall>("0xzz", "x"), Err(RequestError::NotHex));
		let mut longer = call.clone();
		longer.push(0);
		assert_eq!(
			decode_exact::<TrustedCallSigned>(&longer, "call"),
			Err(RequestError::TrailingBytes("call"))
		);
		assert_eq!(decode_exact::<DirectCall>(&[], "d"), Err(RequestError::Malformed("d")));
	}

	proptest! {
		#![proptest_config(ProptestConfig::with_cases(2_000))]

		#[test]
		fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
			decode_all(&bytes);
			let _ = decode_hex_param::<DirectCall>(&String::from_utf8_lossy(&bytes), "d");
		}

		#[test]
		fn mutated_requests_never_panic(
			which in 0usize..4,
			flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
			cut in any::<usize>(),
		) {
			let mut bytes = samples()[which].clone();
			for (at, value) in flips {
				let at = at % bytes.len();
				bytes[at] = value;
			}
			decode_all(&bytes);
			let cut = cut % (bytes.len() + 1);
			decode_all(&bytes[..cut]);
		}
	}
}
