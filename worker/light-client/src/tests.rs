//! Generated chains with real signatures: what is accepted, what is refused,
//! and that a refusal leaves the state unchanged.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use codec::Encode;
use polkadot_sdk::{sp_core::ed25519, sp_runtime::DigestItem};

use crate::{testing::*, *};

fn alice_bob_charlie_dave() -> Vec<ed25519::Pair> {
	pairs(&["//Alice", "//Bob", "//Charlie", "//Dave"])
}

/// Imports and asserts a refusal that leaves the state unchanged.
fn refused(client: &mut LightClient, headers: &[Header], justification: &[u8]) -> Error {
	let before = client.encode();
	let error = client.import_finalized(headers, justification).unwrap_err();
	assert_eq!(before, client.encode(), "state changed after refusal: {error}");
	error
}

/// Imports `count` blocks in chunks of `every`, each justified by `signers`.
fn import_chain(keys: &[ed25519::Pair], signers: usize, count: usize, every: usize) {
	let checkpoint = genesis_checkpoint(keys);
	let headers = chain(&checkpoint.header, count);
	let mut client = LightClient::new(checkpoint);
	for (i, chunk) in headers.chunks(every).enumerate() {
		let last = chunk.last().unwrap();
		let just = encoded_justification(last, i as u64 + 1, 0, &keys[..signers]);
		let verified = client.import_finalized(chunk, &just).unwrap();
		assert_eq!(verified, chunk);
		assert_eq!(client.last_finalized(), (last.number, last.hash()));
	}
	assert_eq!(client.last_finalized().0, count as u32);
	let decoded = LightClient::decode(&mut &client.encode()[..]).unwrap();
	assert_eq!(decoded, client);
}

#[test]
fn valid_chains_import() {
	import_chain(&pairs(&["//Alice"]), 1, 20, 1);
	import_chain(&pairs(&["//Alice"]), 1, 200, 50);
	let three = pairs(&["//Alice", "//Bob", "//Charlie"]);
	import_chain(&three, 3, 20, 1);
	import_chain(&three, 3, 200, 50);
	// 3 of 4 is exactly GRANDPA's threshold.
	import_chain(&alice_bob_charlie_dave(), 3, 120, 50);
}

#[test]
fn forged_headers_are_refused() {
	let keys = pairs(&["//Alice"]);
	let checkpoint = genesis_checkpoint(&keys);
	let headers = chain(&checkpoint.header, 3);
	let mut client = LightClient::new(checkpoint.clone());

	let mut wrong_parent = headers.clone();
	wrong_parent[1].parent_hash = H256::repeat_byte(7);
	let just = encoded_justification(&wrong_parent[2], 1, 0, &keys);
	assert!(matches!(
		refused(&mut client, &wrong_parent, &just),
		Error::BrokenLink { number: 2, .. }
	));

	let mut wrong_number = headers.clone();
	wrong_number[0].number = 2;
	let just = encoded_justification(&wrong_number[2], 1, 0, &keys);
	assert!(matches!(refused(&mut client, &wrong_number, &just), Error::BrokenLink { .. }));

	// Does not start at last finalized + 1.
	let just = encoded_justification(&headers[2], 1, 0, &keys);
	assert!(matches!(refused(&mut client, &headers[1..], &just), Error::BrokenLink { .. }));
	assert_eq!(refused(&mut client, &[], &just), Error::NoHeaders);

	// The last header modified after the justification was made.
	let mut modified = headers.clone();
	modified[2].state_root = H256::repeat_byte(9);
	assert!(matches!(refused(&mut client, &modified, &just), Error::WrongCommitTarget { .. }));
	// A middle header modified breaks the next link.
	let mut modified = headers.clone();
	modified[0].digest.push(DigestItem::Other(vec![1]));
	assert!(matches!(refused(&mut client, &modified, &just), Error::BrokenLink { number: 2, .. }));

	client.import_finalized(&headers, &just).unwrap();
}

#[test]
fn justification_for_another_target_is_refused() {
	let keys = pairs(&["//Alice"]);
	let checkpoint = genesis_checkpoint(&keys);
	let headers = chain(&checkpoint.header, 2);
	let fork = child_with(&headers[0], vec![DigestItem::Other(vec![42])], &[]);
	let mut client = LightClient::new(checkpoint);
	let fork_just = encoded_justification(&fork, 1, 0, &keys);
	assert!(matches!(refused(&mut client, &headers, &fork_just), Error::WrongCommitTarget { .. }));
	// A justification of an ancestor of the last header does not finalize it.
	let ancestor_just = encoded_justification(&headers[0], 1, 0, &keys);
	assert!(matches!(
		refused(&mut client, &headers, &ancestor_just),
		Error::WrongCommitTarget { .. }
	));
	// Garbage and trailing bytes.
	assert!(matches!(refused(&mut client, &headers, &[1, 2, 3]), Error::JustificationDecode(_)));
	let mut trailing = encoded_justification(&headers[1], 1, 0, &keys);
	trailing.push(0);
	assert!(matches!(refused(&mut client, &headers, &trailing), Error::JustificationDecode(_)));
}

#[test]
fn signatures_must_be_by_authorities_with_enough_weight() {
	let keys = alice_bob_charlie_dave();
	let checkpoint = genesis_checkpoint(&keys);
	let headers = chain(&checkpoint.header, 5);
	let target = &headers[4];
	let mut client = LightClient::new(checkpoint);

	let outsider = pairs(&["//Eve"]);
	let mut signers = keys[..2].to_vec();
	signers.push(outsider[0]);
	let just = encoded_justification(target, 1, 0, &signers);
	assert!(matches!(refused(&mut client, &headers, &just), Error::NotAnAuthority(_)));

	// 2 of 4 is below the threshold 3.
	let just = encoded_justification(target, 1, 0, &keys[..2]);
	assert_eq!(
		refused(&mut client, &headers, &just),
		Error::NotEnoughWeight { weight: 2, threshold: 3, total: 4 }
	);

	// Alice twice and Bob: Alice counts once.
	let signers = [keys[0], keys[0], keys[1]];
	let just = encoded_justification(target, 1, 0, &signers);
	assert_eq!(
		refused(&mut client, &headers, &just),
		Error::NotEnoughWeight { weight: 2, threshold: 3, total: 4 }
	);
	// The very same precommit repeated does not count twice either.
	let mut j = justification(target, 1, 0, &keys[..2]);
	j.commit.precommits.push(j.commit.precommits[0].clone());
	assert!(matches!(
		refused(&mut client, &headers, &j.encode()),
		Error::NotEnoughWeight { weight: 2, .. }
	));

	// A duplicate on top of a valid majority is harmless.
	let mut j = justification(target, 1, 0, &keys[..3]);
	j.commit.precommits.push(j.commit.precommits[0].clone());
	client.import_finalized(&headers, &j.encode()).unwrap();
}

#[test]
fn signatures_are_bound_to_round_and_set_id() {
	let keys = pairs(&["//Alice", "//Bob", "//Charlie"]);
	let checkpoint = genesis_checkpoint(&keys);
	let headers = chain(&checkpoint.header, 1);
	let mut client = LightClient::new(checkpoint);

	let wrong_set = encoded_justification(&headers[0], 1, 1, &keys);
	assert!(matches!(
		refused(&mut client, &headers, &wrong_set),
		Error::BadSignature { set_id: 0, .. }
	));

	let mut wrong_round = justification(&headers[0], 1, 0, &keys);
	wrong_round.round = 2;
	assert!(matches!(
		refused(&mut client, &headers, &wrong_round.encode()),
		Error::BadSignature { round: 2, .. }
	));

	// A flipped signature bit.
	let mut flipped = justification(&headers[0], 1, 0, &keys);
	let mut bytes = flipped.commit.precommits[1].signature.encode();
	bytes[10] ^= 1;
	flipped.commit.precommits[1].signature = Decode::decode(&mut &bytes[..]).unwrap();
	assert!(matches!(
		refused(&mut client, &headers, &flipped.encode()),
		Error::BadSignature { .. }
	));

	// A signature moved to another (authority) signer.
	let mut swapped = justification(&headers[0], 1, 0, &keys);
	swapped.commit.precommits[0].id = swapped.commit.precommits[1].id.clone();
	assert!(matches!(
		refused(&mut client, &headers, &swapped.encode()),
		Error::BadSignature { .. }
	));
	client.import_finalized(&headers, &encoded_justification(&headers[0], 1, 0, &keys)).unwrap();
}

#[test]
fn precommits_must_target_descendants_of_the_commit_target() {
	let keys = pairs(&["//Alice", "//Bob", "//Charlie"]);
	let checkpoint = genesis_checkpoint(&keys);
	let headers = chain(&checkpoint.header, 3);
	let descendants = chain(&headers[2], 2);
	let mut client = LightClient::new(checkpoint);

	// Bob votes for a descendant that votes_ancestries proves.
	let mut j = justification(&headers[2], 1, 0, &keys);
	let tip = &descendants[1];
	j.commit.precommits[1] = precommit(&keys[1], tip.hash(), tip.number, 1, 0);
	let mut unproven = j.clone();
	unproven.votes_ancestries = vec![descendants[1].clone()];
	assert!(matches!(
		refused(&mut client, &headers, &unproven.encode()),
		Error::PrecommitNotDescendant { number: 5, .. }
	));
	let mut extra = j.clone();
	extra.votes_ancestries = descendants.clone();
	extra.votes_ancestries.push(child(&descendants[1]));
	assert_eq!(refused(&mut client, &headers, &extra.encode()), Error::UnusedAncestries);

	// Bob votes for a sibling of the target: not a descendant.
	let sibling = child_with(&headers[1], vec![DigestItem::Other(vec![1])], &[]);
	let mut wrong = justification(&headers[2], 1, 0, &keys);
	wrong.commit.precommits[1] = precommit(&keys[1], sibling.hash(), 3, 1, 0);
	wrong.votes_ancestries = vec![sibling];
	assert!(matches!(
		refused(&mut client, &headers, &wrong.encode()),
		Error::PrecommitNotDescendant { number: 3, .. }
	));
	// Or for an ancestor of it.
	let mut ancestor = justification(&headers[2], 1, 0, &keys);
	ancestor.commit.precommits[1] = precommit(&keys[1], headers[1].hash(), 2, 1, 0);
	assert!(matches!(
		refused(&mut client, &headers, &ancestor.encode()),
		Error::PrecommitNotDescendant { number: 2, .. }
	));

	j.votes_ancestries = descendants;
	client.import_finalized(&headers, &j.encode()).unwrap();
	assert_eq!(client.last_finalized().0, 3);
}

#[test]
fn commit_target_may_be_a_descendant_of_the_last_header() {
	let keys = pairs(&["//Alice"]);
	let checkpoint = genesis_checkpoint(&keys);
	let headers = chain(&checkpoint.header, 4);
	let mut client = LightClient::new(checkpoint);
	let mut j = justification(&headers[3], 1, 0, &keys);
	j.votes_ancestries = vec![headers[2].clone(), headers[3].clone()];
	client.import_finalized(&headers[..2], &j.encode()).unwrap();
	assert_eq!(client.last_finalized(), (2, headers[1].hash()));
	// Without the ancestry it is refused.
	let mut client = LightClient::new(genesis_checkpoint(&keys));
	j.votes_ancestries = vec![headers[3].clone()];
	assert!(matches!(
		refused(&mut client, &headers[..2], &j.encode()),
		Error::WrongCommitTarget { .. }
	));
}

#[test]
fn scheduled_change_is_followed() {
	let old = pairs(&["//Alice"]);
	let new = pairs(&["//Bob", "//Charlie", "//Dave"]);
	let checkpoint = genesis_checkpoint(&old);
	let genesis = checkpoint.header.clone();
	let mut client = LightClient::new(checkpoint);

	// #2 announces the change with delay 3: enacted when #5 is finalized.
	let mut headers = chain(&genesis, 1);
	headers.push(child_with(&headers[0], vec![scheduled_change(authorities(&new), 3)], &[]));
	headers.extend(chain(&headers[1], 6));

	client
		.import_finalized(&headers[..2], &encoded_justification(&headers[1], 1, 0, &old))
		.unwrap();
	assert_eq!(client.pending_change().map(|c| c.enact_at), Some(5));
	assert_eq!(client.authority_set().set_id, 0);

	// A chunk crossing the enactment is refused with a clear request.
	let just = encoded_justification(&headers[5], 2, 0, &old);
	assert_eq!(
		refused(&mut client, &headers[2..6], &just),
		Error::ChunkCrossesSetChange { enactment: 5, chunk_end: 6 }
	);
	// #5 is still finalized by the old set, not the new one.
	let by_new = encoded_justification(&headers[4], 2, 1, &new);
	assert!(matches!(refused(&mut client, &headers[2..5], &by_new), Error::NotAnAuthority(_)));
	client
		.import_finalized(&headers[2..5], &encoded_justification(&headers[4], 2, 0, &old))
		.unwrap();
	assert_eq!(client.authority_set(), &AuthoritySet { set_id: 1, authorities: authorities(&new) });
	assert_eq!(client.pending_change(), None);

	// After the enactment the old set is refused, also with the new set id...
	let by_old = encoded_justification(&headers[5], 3, 1, &old);
	assert!(matches!(refused(&mut client, &headers[5..6], &by_old), Error::NotAnAuthority(_)));
	// ...and the new set must sign with set id 1.
	let old_id = encoded_justification(&headers[5], 3, 0, &new);
	assert!(matches!(refused(&mut client, &headers[5..6], &old_id), Error::BadSignature { .. }));
	client
		.import_finalized(&headers[5..], &encoded_justification(&headers[7], 3, 1, &new))
		.unwrap();
	assert_eq!(client.last_finalized().0, 8);
}

#[test]
fn chunk_limit_names_the_enactment_block_and_refuses_forced_changes() {
	let old = pairs(&["//Alice"]);
	let new = pairs(&["//Bob"]);
	let checkpoint = genesis_checkpoint(&old);
	let genesis = checkpoint.header.clone();
	let mut client = LightClient::new(checkpoint.clone());
	let plain = chain(&genesis, 4);
	assert_eq!(client.chunk_limit(&plain), Ok(None));
	// #2 schedules a change with delay 3: chunks must end at #5.
	let mut headers = chain(&genesis, 1);
	headers.push(child_with(&headers[0], vec![scheduled_change(authorities(&new), 3)], &[]));
	headers.extend(chain(&headers[1], 6));
	assert_eq!(client.chunk_limit(&headers), Ok(Some(5)));
	client
		.import_finalized(&headers[..2], &encoded_justification(&headers[1], 1, 0, &old))
		.unwrap();
	// Pending now: the limit comes from the light client itself.
	assert_eq!(client.chunk_limit(&headers[2..]), Ok(Some(5)));
	client
		.import_finalized(&headers[2..5], &encoded_justification(&headers[4], 2, 0, &old))
		.unwrap();
	assert_eq!(client.chunk_limit(&headers[5..]), Ok(None));
	// A forced change is named by its block.
	let mut forced = chain(&genesis, 2);
	forced.push(child_with(&forced[1], vec![forced_change(authorities(&new), 1)], &[]));
	let client = LightClient::new(checkpoint);
	assert_eq!(client.chunk_limit(&forced), Err(Error::ForcedChange(3)));
}

#[test]
fn scheduled_change_with_delay_zero_in_the_last_header() {
	let old = pairs(&["//Alice"]);
	let new = pairs(&["//Bob"]);
	let checkpoint = genesis_checkpoint(&old);
	let mut headers = chain(&checkpoint.header, 2);
	headers.push(child_with(&headers[1], vec![scheduled_change(authorities(&new), 0)], &[]));
	headers.push(child(&headers[2]));
	let mut client = LightClient::new(checkpoint);
	let just = encoded_justification(&headers[3], 1, 0, &old);
	assert_eq!(
		refused(&mut client, &headers, &just),
		Error::ChunkCrossesSetChange { enactment: 3, chunk_end: 4 }
	);
	client
		.import_finalized(&headers[..3], &encoded_justification(&headers[2], 1, 0, &old))
		.unwrap();
	assert_eq!(client.authority_set().set_id, 1);
	client
		.import_finalized(&headers[3..], &encoded_justification(&headers[3], 2, 1, &new))
		.unwrap();
}

#[test]
fn forced_and_overlapping_changes_are_refused() {
	let old = pairs(&["//Alice"]);
	let new = pairs(&["//Bob"]);
	let checkpoint = genesis_checkpoint(&old);
	let mut client = LightClient::new(checkpoint.clone());

	let forced =
		vec![child_with(&checkpoint.header, vec![forced_change(authorities(&new), 0)], &[])];
	let just = encoded_justification(&forced[0], 1, 0, &old);
	assert_eq!(refused(&mut client, &forced, &just), Error::ForcedChange(1));

	let first = child_with(&checkpoint.header, vec![scheduled_change(authorities(&new), 5)], &[]);
	let second = child_with(&first, vec![scheduled_change(authorities(&old), 5)], &[]);
	let just = encoded_justification(&second, 1, 0, &old);
	assert_eq!(
		refused(&mut client, &[first.clone(), second], &just),
		Error::OverlappingSetChange(2)
	);

	let empty = child_with(&checkpoint.header, vec![scheduled_change(Vec::new(), 1)], &[]);
	let just = encoded_justification(&empty, 1, 0, &old);
	assert_eq!(refused(&mut client, &[empty], &just), Error::InvalidAuthoritySet);

	let garbage = child_with(
		&checkpoint.header,
		vec![DigestItem::Consensus(polkadot_sdk::sp_consensus_grandpa::GRANDPA_ENGINE_ID, vec![9])],
		&[],
	);
	let just = encoded_justification(&garbage, 1, 0, &old);
	assert_eq!(refused(&mut client, &[garbage], &just), Error::BadConsensusLog(1));
}

#[test]
fn body_must_match_extrinsics_root() {
	let extrinsics: Vec<Vec<u8>> = (0u8..5).map(|i| vec![i; 40 + i as usize].encode()).collect();
	let header = child_with(&genesis_checkpoint(&pairs(&["//Alice"])).header, vec![], &extrinsics);
	verify_extrinsics_root(&header, &extrinsics).unwrap();

	let mut changed = extrinsics.clone();
	changed[2][5] ^= 1;
	let mut dropped = extrinsics.clone();
	dropped.remove(4);
	let mut reordered = extrinsics.clone();
	reordered.swap(0, 1);
	let mut added = extrinsics.clone();
	added.push(vec![0]);
	for body in [changed, dropped, reordered, added, Vec::new()] {
		assert!(matches!(
			verify_extrinsics_root(&header, &body),
			Err(Error::ExtrinsicsRootMismatch { .. })
		));
	}
}

#[test]
fn storage_proofs() {
	let big = vec![7u8; 100]; // hashed out of its node under state version 1
	let entries: Vec<(&[u8], Vec<u8>)> = vec![
		(b"events", big.clone()),
		(b"number", 5u32.encode()),
		(b"numbet", vec![1]),
		(b"other", vec![2; 50]),
	];
	let (root, proof) = state_with_proof(&entries, &[b"events", b"number", b"absent"]);
	let mut header = genesis_checkpoint(&pairs(&["//Alice"])).header;
	header.state_root = root;

	let keys = vec![b"events".to_vec(), b"number".to_vec(), b"absent".to_vec()];
	let values = read_proof(&header, proof.clone(), &keys).unwrap();
	assert_eq!(values, vec![Some(big), Some(5u32.encode()), None]);

	// A key the proof does not cover is an error, not "absent".
	let error = read_proof(&header, proof.clone(), &[b"other".to_vec()]).unwrap_err();
	assert!(matches!(error, Error::StorageProof { .. }), "{error}");
	// An empty proof proves nothing.
	assert!(read_proof(&header, Vec::new(), &[b"absent".to_vec()]).is_err());

	// A proof for another state root is refused.
	let (other_root, other_proof) = state_with_proof(&entries[1..], &[b"number"]);
	assert_ne!(other_root, root);
	assert!(read_proof(&header, other_proof, &[b"number".to_vec()]).is_err());

	// A tampered proof (value changed) no longer matches the root.
	let tampered: Vec<Vec<u8>> = proof
		.into_iter()
		.map(|mut node| {
			if let Some(pos) = node.windows(4).position(|w| w == 5u32.encode().as_slice()) {
				node[pos] = 6;
			}
			node
		})
		.collect();
	assert!(read_proof(&header, tampered, &[b"number".to_vec()]).is_err());
}
