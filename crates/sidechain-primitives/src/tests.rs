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

mod proofs {
	//! Every call of a block is provable against its calls root, and
	//! nothing else is: another call, another outcome, a bent proof, a
	//! header chain with a gap or that ends elsewhere.
	use super::*;

	#[test]
	fn the_tree_is_the_calls_root_and_proves_every_call() {
		for count in 0..=70 {
			let calls = body(count).calls;
			let tree = CallsTree::new(&calls);
			assert_eq!(tree.root(), calls_root(&calls), "{count} calls");
			for (index, call) in calls.iter().enumerate() {
				let proof = tree.proof(index).unwrap();
				assert_eq!(proof.root_of(call).unwrap(), tree.root(), "call {index} of {count}");
			}
			assert!(tree.proof(count).is_none());
		}
	}

	#[test]
	fn another_call_or_outcome_or_a_bent_proof_is_refused() {
		let block = successor(&genesis_tip(), &author());
		let calls = block.body.calls.clone();
		let tree = CallsTree::new(&calls);
		let (number, hash) = (block.header.number, block.header.hash());
		let included = |index: usize| IncludedCall {
			header: block.header.clone(),
			signature: block.signature,
			proof: tree.proof(index).unwrap(),
		};
		let (call, outcome) = calls[1];
		included(1).proves(number, hash, call, outcome).unwrap();
		// The same call with the outcome the host would like.
		assert_eq!(
			included(1).proves(number, hash, call, CallOutcome::Succeeded),
			Err(ProofError::NotInBlock { number })
		);
		// A call that is not in the block, with a proof of one that is.
		assert_eq!(
			included(1).proves(number, hash, H256::repeat_byte(0xEE), outcome),
			Err(ProofError::NotInBlock { number })
		);
		// The status names another block than the header.
		assert!(matches!(
			included(1).proves(number + 1, hash, call, outcome),
			Err(ProofError::OtherBlock { .. })
		));
		assert!(matches!(
			included(1).proves(number, H256::zero(), call, outcome),
			Err(ProofError::OtherBlock { .. })
		));
		// Bent proofs: another place, a missing or extra sibling, a leaf
		// outside the tree.
		let mut moved = included(1);
		moved.proof.leaf_index = 0;
		assert!(moved.proves(number, hash, call, outcome).is_err());
		let mut short = included(1);
		short.proof.siblings.pop();
		assert!(matches!(
			short.proves(number, hash, call, outcome),
			Err(ProofError::WrongLength { .. })
		));
		let mut long = included(1);
		long.proof.siblings.push(H256::zero());
		assert!(matches!(
			long.proves(number, hash, call, outcome),
			Err(ProofError::WrongLength { .. })
		));
		let mut outside = included(1);
		outside.proof.leaf_index = outside.proof.leaf_count;
		assert!(matches!(
			outside.proves(number, hash, call, outcome),
			Err(ProofError::LeafOutside { .. })
		));
	}

	#[test]
	fn a_link_holds_only_as_an_unbroken_hash_chain_to_the_anchor() {
		let mut tip = genesis_tip();
		let mut headers = Vec::new();
		for _ in 0..4 {
			let block = successor(&tip, &author());
			tip = CommittedTip::after(&block.header);
			headers.push(block.header);
		}
		let at = |i: usize| (headers[i].number, headers[i].hash());
		// From block 1 to the anchored block 4: headers 2, 3 and 4.
		check_link(at(0), &headers[1..], at(3)).unwrap();
		// The block itself anchored: no headers.
		check_link(at(3), &[], at(3)).unwrap();
		// A gap, a swapped header, a chain that ends before the anchor.
		assert!(matches!(
			check_link(at(0), &[headers[1].clone(), headers[3].clone()], at(3)),
			Err(ProofError::ChainBroken { number: 4, .. })
		));
		let mut forged = headers[2].clone();
		forged.state_root_after = H256::repeat_byte(0xFF);
		assert!(matches!(
			check_link(at(0), &[headers[1].clone(), forged, headers[3].clone()], at(3)),
			Err(ProofError::ChainBroken { number: 4, .. })
		));
		assert!(matches!(
			check_link(at(0), &headers[1..3], at(3)),
			Err(ProofError::ChainEndsElsewhere { .. })
		));
		// An anchor of another hash at the same number.
		assert!(matches!(
			check_link(at(0), &headers[1..], (4, H256::zero())),
			Err(ProofError::ChainEndsElsewhere { .. })
		));
	}
}
