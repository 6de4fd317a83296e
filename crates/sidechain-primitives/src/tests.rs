//! A member accepts exactly the honest successor of its tip; every forged
//! or out-of-place block is refused with its own error.
#![allow(clippy::unwrap_used)]

use super::*;

const SHARD: H256 = H256::repeat_byte(0x5a);

fn author() -> ed25519::Pair {
	ed25519::Pair::from_string("//Author", None).unwrap()
}

fn genesis_tip() -> CommittedTip {
	CommittedTip {
		shard: SHARD,
		number: 0,
		hash: H256::zero(),
		term: 1,
		parentchain_anchor: (10, H256::repeat_byte(10)),
		state_root: H256::repeat_byte(0xA0),
	}
}

fn body(calls: usize) -> SidechainBody {
	SidechainBody {
		calls: (0..calls)
			.map(|i| {
				let outcome = if i % 2 == 0 {
					CallOutcome::Succeeded
				} else {
					CallOutcome::Failed(FailReason::InsufficientBalance)
				};
				(H256::repeat_byte(i as u8), outcome)
			})
			.collect(),
		encrypted_diff: vec![7; 40],
	}
}

/// The honest successor of `tip`, signed by `by`.
fn successor(tip: &CommittedTip, by: &ed25519::Pair) -> SignedSidechainBlock {
	let header = SidechainHeader {
		shard: tip.shard,
		number: tip.number + 1,
		parent_hash: tip.hash,
		term: tip.term,
		parentchain_anchor: (tip.parentchain_anchor.0 + 1, H256::repeat_byte(11)),
		calls_root: H256::zero(),
		state_root_before: tip.state_root,
		state_root_after: H256::repeat_byte(0xA1),
		diff_hash: H256::zero(),
		author: by.public(),
	};
	SignedSidechainBlock::sign(header, body(3), by)
}

/// Re-signs `block` after `change` edited its header (a forger with the
/// author's key); the body stays.
fn resigned(
	mut block: SignedSidechainBlock,
	change: impl FnOnce(&mut SidechainHeader),
) -> SignedSidechainBlock {
	change(&mut block.header);
	block.signature = author().sign(&block.header.signing_payload());
	block
}

#[test]
fn the_honest_chain_is_accepted_block_after_block() {
	let authors = [author().public()];
	let mut tip = genesis_tip();
	for _ in 0..3 {
		let block = successor(&tip, &author());
		assert_eq!(block.check_successor(&tip, &authors), Ok(()));
		let encoded = block.encode();
		assert_eq!(SignedSidechainBlock::decode(&mut &encoded[..]).unwrap(), block);
		tip = CommittedTip::after(&block.header);
	}
	assert_eq!(tip.number, 3);
	assert_eq!(tip.parentchain_anchor.0, 13);
}

#[test]
fn every_forged_or_misplaced_block_is_refused() {
	let authors = [author().public()];
	let tip = genesis_tip();
	let honest = successor(&tip, &author());
	let check = |block: &SignedSidechainBlock| block.check_successor(&tip, &authors).unwrap_err();

	let other_shard = resigned(honest.clone(), |h| h.shard = H256::repeat_byte(1));
	assert!(matches!(check(&other_shard), BlockError::WrongShard { .. }));
	let skipped = resigned(honest.clone(), |h| h.number = 2);
	assert_eq!(check(&skipped), BlockError::NotNext { last: 0, got: 2 });
	let stranger = resigned(honest.clone(), |h| h.parent_hash = H256::repeat_byte(3));
	assert!(matches!(check(&stranger), BlockError::WrongParent { number: 1, .. }));
	let old_term = resigned(honest.clone(), |h| h.term = 0);
	assert_eq!(check(&old_term), BlockError::TermWentBack { number: 1, last: 1, got: 0 });
	let old_anchor = resigned(honest.clone(), |h| h.parentchain_anchor.0 = 9);
	assert_eq!(check(&old_anchor), BlockError::AnchorWentBack { number: 1, last: 10, got: 9 });
	let forked_anchor =
		resigned(honest.clone(), |h| h.parentchain_anchor = (10, H256::repeat_byte(99)));
	assert!(matches!(check(&forked_anchor), BlockError::AnchorForked { .. }));
	let wrong_root = resigned(honest.clone(), |h| h.state_root_before = H256::repeat_byte(4));
	assert!(matches!(check(&wrong_root), BlockError::StateRootMismatch { .. }));

	// A body that is not the one the header commits to.
	let mut swapped_calls = honest.clone();
	swapped_calls.body.calls.swap(0, 1);
	assert_eq!(check(&swapped_calls), BlockError::CallsRootMismatch { number: 1 });
	let mut other_outcome = honest.clone();
	other_outcome.body.calls[1].1 = CallOutcome::Succeeded;
	assert_eq!(check(&other_outcome), BlockError::CallsRootMismatch { number: 1 });
	let mut other_diff = honest.clone();
	other_diff.body.encrypted_diff[0] ^= 1;
	assert_eq!(check(&other_diff), BlockError::DiffHashMismatch { number: 1 });

	// Authors: a stranger's block, and a member's header edited without its key.
	let mallory = ed25519::Pair::from_string("//Mallory", None).unwrap();
	assert!(matches!(check(&successor(&tip, &mallory)), BlockError::UnknownAuthor { .. }));
	let mut tampered = honest.clone();
	tampered.header.state_root_after = H256::repeat_byte(5);
	assert_eq!(check(&tampered), BlockError::BadSignature { number: 1 });
	let mut bad_signature = honest.clone();
	bad_signature.signature = mallory.sign(&honest.header.signing_payload());
	assert_eq!(check(&bad_signature), BlockError::BadSignature { number: 1 });
	// A signature over the untagged header (made for another purpose).
	let mut untagged = honest.clone();
	untagged.signature = author().sign(&honest.header.encode());
	assert_eq!(check(&untagged), BlockError::BadSignature { number: 1 });

	assert_eq!(honest.check_successor(&tip, &authors), Ok(()));
}

#[test]
fn truncated_or_garbage_blocks_do_not_decode() {
	let encoded = successor(&genesis_tip(), &author()).encode();
	for cut in [0, 1, encoded.len() / 2, encoded.len() - 1] {
		assert!(SignedSidechainBlock::decode(&mut &encoded[..cut]).is_err(), "cut at {cut}");
	}
	assert!(SignedSidechainBlock::decode(&mut &[0xff; 300][..]).is_err());
}

#[test]
fn calls_root_commits_to_order_and_outcomes() {
	assert_eq!(calls_root(&[]), H256::zero());
	let a = (H256::repeat_byte(1), CallOutcome::Succeeded);
	let b = (H256::repeat_byte(2), CallOutcome::Failed(FailReason::InsufficientBalance));
	assert_ne!(calls_root(&[a, b]), calls_root(&[b, a]));
	assert_ne!(
		calls_root(std::slice::from_ref(&a)),
		calls_root(&[(H256::repeat_byte(1), CallOutcome::Failed(FailReason::Other))])
	);
}
