//! The pure checks of what a worker says against what the parent chain
//! registered for its enclave, and the parsing of identifiers. No I/O:
//! each is a function of its inputs, tested on its own.

use integritee_sidechain_primitives::SidechainHeader;
use integritee_stf_primitives::{getter::GetterAnswer, shielding, MrEnclave, ShardIdentifier};
use polkadot_sdk::{
	sp_core::{ed25519, Pair, H256},
	sp_io::hashing::{blake2_256, sha2_256},
};

use crate::error::{CheckError, ParseError};

/// Parses a shard identifier: 32 bytes as 64 hex digits, `0x` optional.
pub fn parse_shard(text: &str) -> Result<ShardIdentifier, ParseError> {
	parse_32_bytes("shard", text).map(H256)
}

/// Parses an MRENCLAVE: 32 bytes as 64 hex digits, `0x` optional.
pub fn parse_mrenclave(text: &str) -> Result<MrEnclave, ParseError> {
	parse_32_bytes("MRENCLAVE", text)
}

fn parse_32_bytes(what: &'static str, text: &str) -> Result<[u8; 32], ParseError> {
	let digits = text.strip_prefix("0x").unwrap_or(text);
	let bytes = hex::decode(digits).map_err(|_| ParseError::NotHex { what })?;
	<[u8; 32]>::try_from(bytes.as_slice())
		.map_err(|_| ParseError::WrongLength { what, len: bytes.len() })
}

/// Refuses a shielding key that is not 32 bytes or whose SHA-256 is not
/// the hash registered for the enclave: nothing is ever encrypted to a key
/// the chain does not vouch for.
pub fn check_shielding_key(key: &[u8], registered_hash: &[u8; 32]) -> Result<(), CheckError> {
	if key.len() != shielding::PUBLIC_KEY_LEN {
		return Err(CheckError::ShieldingKeyLength {
			len: key.len(),
			expected: shielding::PUBLIC_KEY_LEN,
		});
	}
	let actual = sha2_256(key);
	if &actual != registered_hash {
		return Err(CheckError::ShieldingKeyMismatch { actual, registered: *registered_hash });
	}
	Ok(())
}

/// Refuses a sidechain header of another shard, by another author than the
/// selected enclave, or whose signature does not verify.
pub fn check_sidechain_header(
	header: &SidechainHeader,
	signature: &ed25519::Signature,
	shard: &ShardIdentifier,
	signer: &ed25519::Public,
) -> Result<(), CheckError> {
	if header.shard != *shard {
		return Err(CheckError::HeaderOfAnotherShard { got: header.shard, expected: *shard });
	}
	if header.author != *signer {
		return Err(CheckError::HeaderOfAnotherAuthor { author: header.author, enclave: *signer });
	}
	if !ed25519::Pair::verify(signature, header.signing_payload(), signer) {
		return Err(CheckError::HeaderSignature);
	}
	Ok(())
}

/// Checks that `answer` is the enclave's signed answer to the getter `sent`
/// (its SCALE encoding) and returns its value.
pub fn check_getter_answer<'a>(
	answer: &'a GetterAnswer,
	sent: &[u8],
	enclave_signer: &ed25519::Public,
) -> Result<&'a Option<Vec<u8>>, CheckError> {
	if answer.getter_hash != H256(blake2_256(sent)) {
		return Err(CheckError::AnswerForAnotherGetter);
	}
	if !answer.verify(enclave_signer) {
		return Err(CheckError::AnswerNotSigned);
	}
	Ok(&answer.value)
}

/// Refuses an acknowledged call hash other than the hash of the call sent.
pub fn check_call_hash(sent: H256, got: H256) -> Result<(), CheckError> {
	if sent != got {
		return Err(CheckError::AnotherCallHash { sent, got });
	}
	Ok(())
}

#[cfg(test)]
mod tests {
	#![allow(clippy::unwrap_used)]
	use super::*;

	#[test]
	fn shards_and_mrenclaves_parse_with_clear_errors() {
		let hex64 = "ab".repeat(32);
		assert_eq!(parse_shard(&hex64).unwrap(), H256::repeat_byte(0xab));
		assert_eq!(parse_shard(&format!("0x{hex64}")).unwrap(), H256::repeat_byte(0xab));
		assert_eq!(parse_mrenclave(&hex64).unwrap(), [0xab; 32]);
		assert_eq!(
			parse_shard("0x1234").unwrap_err(),
			ParseError::WrongLength { what: "shard", len: 2 }
		);
		assert!(parse_shard("0x1234").unwrap_err().to_string().contains("got 2 bytes"));
		assert!(parse_shard("zz").unwrap_err().to_string().contains("64 hex digits"));
		assert!(parse_shard("zz").unwrap_err().to_string().starts_with("invalid shard"));
		assert!(parse_mrenclave("").unwrap_err().to_string().contains("got 0 bytes"));
		assert!(parse_mrenclave("").unwrap_err().to_string().starts_with("invalid MRENCLAVE"));
		// Odd digit counts, a doubled prefix, 33 bytes, whitespace, non-ASCII.
		for bad in ["abc", "0x0x12", &"ab".repeat(33), " ab", "é"] {
			assert!(parse_shard(bad).is_err(), "{bad:?} accepted");
		}
	}

	#[test]
	fn shielding_keys_must_match_the_registered_hash() {
		let key = [5u8; 32];
		assert!(check_shielding_key(&key, &sha2_256(&key)).is_ok());
		assert_eq!(
			check_shielding_key(&key, &[0; 32]),
			Err(CheckError::ShieldingKeyMismatch { actual: sha2_256(&key), registered: [0; 32] })
		);
		assert!(check_shielding_key(&key, &[0; 32])
			.unwrap_err()
			.to_string()
			.contains("does not match the shielding key hash"));
		let short = check_shielding_key(&key[..31], &sha2_256(&key[..31])).unwrap_err();
		assert_eq!(short, CheckError::ShieldingKeyLength { len: 31, expected: 32 });
		assert!(short.to_string().contains("31 bytes"));
		assert!(check_shielding_key(&[], &sha2_256(&[])).is_err());
		let long = [5u8; 33];
		assert!(check_shielding_key(&long, &sha2_256(&long)).is_err());
	}

	#[test]
	fn getter_answers_must_be_signed_and_for_the_sent_getter() {
		let enclave = ed25519::Pair::from_string("//Enclave", None).unwrap();
		let sent = b"getter".to_vec();
		let getter_hash = H256(blake2_256(&sent));
		let value = Some(vec![1, 2, 3]);
		let answer = GetterAnswer::sign(
			getter_hash,
			value.clone(),
			(3, H256::zero()),
			(7, H256::zero()),
			|p| enclave.sign(p),
		);
		assert_eq!(check_getter_answer(&answer, &sent, &enclave.public()).unwrap(), &value);
		assert_eq!(
			check_getter_answer(&answer, b"other", &enclave.public()),
			Err(CheckError::AnswerForAnotherGetter)
		);
		let impostor = ed25519::Pair::from_string("//Impostor", None).unwrap();
		let refused = check_getter_answer(&answer, &sent, &impostor.public()).unwrap_err();
		assert_eq!(refused, CheckError::AnswerNotSigned);
		assert!(refused.to_string().contains("not signed by the registered enclave signer"));
		let mut tampered = answer.clone();
		tampered.value = Some(vec![9]);
		assert_eq!(
			check_getter_answer(&tampered, &sent, &enclave.public()),
			Err(CheckError::AnswerNotSigned)
		);
		let mut moved = answer.clone();
		moved.sidechain_block.0 = 4;
		assert!(check_getter_answer(&moved, &sent, &enclave.public()).is_err());
	}

	fn header(shard: H256, author: ed25519::Public) -> SidechainHeader {
		SidechainHeader {
			shard,
			number: 5,
			parent_hash: H256::repeat_byte(4),
			term: 1,
			parentchain_anchor: (9, H256::repeat_byte(9)),
			calls_root: H256::repeat_byte(1),
			state_root_before: H256::repeat_byte(2),
			state_root_after: H256::repeat_byte(3),
			diff_hash: H256::repeat_byte(6),
			author,
		}
	}

	#[test]
	fn sidechain_headers_must_be_of_the_shard_by_the_enclave_and_signed() {
		let enclave = ed25519::Pair::from_string("//Enclave", None).unwrap();
		let shard = H256::repeat_byte(0x5a);
		let good = header(shard, enclave.public());
		let signature = enclave.sign(&good.signing_payload());
		assert_eq!(check_sidechain_header(&good, &signature, &shard, &enclave.public()), Ok(()));

		let other_shard = H256::repeat_byte(0x5b);
		assert_eq!(
			check_sidechain_header(&good, &signature, &other_shard, &enclave.public()),
			Err(CheckError::HeaderOfAnotherShard { got: shard, expected: other_shard })
		);

		let impostor = ed25519::Pair::from_string("//Impostor", None).unwrap();
		let by_impostor = header(shard, impostor.public());
		let impostor_signature = impostor.sign(&by_impostor.signing_payload());
		assert!(matches!(
			check_sidechain_header(&by_impostor, &impostor_signature, &shard, &enclave.public()),
			Err(CheckError::HeaderOfAnotherAuthor { .. })
		));

		// Named as the enclave's but signed by another key, or changed after
		// signing.
		let forged = impostor.sign(&good.signing_payload());
		assert_eq!(
			check_sidechain_header(&good, &forged, &shard, &enclave.public()),
			Err(CheckError::HeaderSignature)
		);
		let mut changed = good.clone();
		changed.number = 6;
		assert_eq!(
			check_sidechain_header(&changed, &signature, &shard, &enclave.public()),
			Err(CheckError::HeaderSignature)
		);
		// A signature over the payload without its domain tag is refused.
		let untagged = enclave.sign(&codec::Encode::encode(&good));
		assert_eq!(
			check_sidechain_header(&good, &untagged, &shard, &enclave.public()),
			Err(CheckError::HeaderSignature)
		);
	}

	#[test]
	fn acknowledged_call_hashes_must_be_the_sent_calls() {
		let sent = H256::repeat_byte(1);
		assert_eq!(check_call_hash(sent, sent), Ok(()));
		let got = H256::repeat_byte(2);
		assert_eq!(check_call_hash(sent, got), Err(CheckError::AnotherCallHash { sent, got }));
	}
}
