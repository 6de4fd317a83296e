//! Generated chains and real GRANDPA justifications signed with well-known
//! test keys (`//Alice`, ...). Only for tests and benchmarks (feature
//! `test-utils`); never part of the worker.
#![allow(clippy::expect_used)]

use codec::Encode;
use finality_grandpa::{Commit, Message, Precommit, SignedPrecommit};
use polkadot_sdk::{
	sp_consensus_grandpa::{
		localized_payload, AuthorityId, AuthorityList, AuthoritySignature, ConsensusLog,
		ScheduledChange, GRANDPA_ENGINE_ID,
	},
	sp_core::{ed25519, Pair},
	sp_runtime::{
		traits::{BlakeTwo256, Hash as _, Header as _},
		Digest, DigestItem,
	},
};

use crate::{extrinsics_root, AuthoritySet, Checkpoint, GrandpaJustification, Header, H256};

/// Ed25519 key pairs from development URIs such as `//Alice`.
pub fn pairs(uris: &[&str]) -> Vec<ed25519::Pair> {
	uris.iter()
		.map(|uri| ed25519::Pair::from_string(uri, None).expect("test URIs are valid"))
		.collect()
}

/// `n` distinct keys `//Authority0`, `//Authority1`, ...
pub fn numbered_pairs(n: usize) -> Vec<ed25519::Pair> {
	(0..n)
		.map(|i| {
			ed25519::Pair::from_string(&format!("//Authority{i}"), None)
				.expect("test URIs are valid")
		})
		.collect()
}

/// The authority list of `pairs`, weight 1 each.
pub fn authorities(pairs: &[ed25519::Pair]) -> AuthorityList {
	pairs.iter().map(|p| (AuthorityId::from(p.public()), 1)).collect()
}

/// A genesis header (number 0, no digests) and checkpoint for `pairs`, set 0.
pub fn genesis_checkpoint(pairs: &[ed25519::Pair]) -> Checkpoint {
	let header = Header::new(
		0,
		extrinsics_root(&[]),
		H256::repeat_byte(0x11),
		H256::zero(),
		Digest::default(),
	);
	Checkpoint {
		header,
		authority_set: AuthoritySet { set_id: 0, authorities: authorities(pairs) },
	}
}

/// A child of `parent` with `logs` in its digest and a body of `extrinsics`.
pub fn child_with(parent: &Header, logs: Vec<DigestItem>, extrinsics: &[Vec<u8>]) -> Header {
	let number = parent.number + 1;
	Header::new(
		number,
		extrinsics_root(extrinsics),
		BlakeTwo256::hash(&number.encode()),
		parent.hash(),
		Digest { logs },
	)
}

/// A child of `parent` with an empty body and digest.
pub fn child(parent: &Header) -> Header {
	child_with(parent, Vec::new(), &[])
}

/// `count` consecutive children after `parent`.
pub fn chain(parent: &Header, count: usize) -> Vec<Header> {
	let mut headers: Vec<Header> = Vec::with_capacity(count);
	for _ in 0..count {
		let next = child(headers.last().unwrap_or(parent));
		headers.push(next);
	}
	headers
}

/// The digest item announcing a scheduled change to `next` after `delay`.
pub fn scheduled_change(next: AuthorityList, delay: u32) -> DigestItem {
	DigestItem::Consensus(
		GRANDPA_ENGINE_ID,
		ConsensusLog::<u32>::ScheduledChange(ScheduledChange { next_authorities: next, delay })
			.encode(),
	)
}

/// The digest item announcing a forced change.
pub fn forced_change(next: AuthorityList, delay: u32) -> DigestItem {
	DigestItem::Consensus(
		GRANDPA_ENGINE_ID,
		ConsensusLog::<u32>::ForcedChange(0, ScheduledChange { next_authorities: next, delay })
			.encode(),
	)
}

/// A precommit for `(hash, number)` signed by `pair` in `round` of set `set_id`.
pub fn precommit(
	pair: &ed25519::Pair,
	hash: H256,
	number: u32,
	round: u64,
	set_id: u64,
) -> SignedPrecommit<H256, u32, AuthoritySignature, AuthorityId> {
	let precommit = Precommit::new(hash, number);
	let payload = localized_payload(round, set_id, &Message::Precommit(precommit.clone()));
	SignedPrecommit {
		precommit,
		signature: AuthoritySignature::from(pair.sign(&payload)),
		id: AuthorityId::from(pair.public()),
	}
}

/// A justification of `target` whose precommits (all for `target`) are
/// signed by `signers`.
pub fn justification(
	target: &Header,
	round: u64,
	set_id: u64,
	signers: &[ed25519::Pair],
) -> GrandpaJustification {
	let hash = target.hash();
	let precommits =
		signers.iter().map(|p| precommit(p, hash, target.number, round, set_id)).collect();
	GrandpaJustification {
		round,
		commit: Commit { target_hash: hash, target_number: target.number, precommits },
		votes_ancestries: Vec::new(),
	}
}

/// [`justification`], SCALE-encoded as the node serves it.
pub fn encoded_justification(
	target: &Header,
	round: u64,
	set_id: u64,
	signers: &[ed25519::Pair],
) -> Vec<u8> {
	justification(target, round, set_id, signers).encode()
}

/// A state trie (layout V1) holding `entries`, and the storage proof of
/// reading the keys `read` from it: `(state root, proof nodes)`.
pub fn state_with_proof<K: AsRef<[u8]>, R: AsRef<[u8]>>(
	entries: &[(K, Vec<u8>)],
	read: &[R],
) -> (H256, Vec<Vec<u8>>) {
	use polkadot_sdk::{
		sp_core::Blake2Hasher,
		sp_trie::{recorder::Recorder, trie_types::TrieDBMutBuilderV1, MemoryDB, TrieMut},
	};
	let mut db = MemoryDB::<Blake2Hasher>::default();
	let mut root = H256::default();
	{
		let mut trie = TrieDBMutBuilderV1::<Blake2Hasher>::new(&mut db, &mut root).build();
		for (key, value) in entries {
			trie.insert(key.as_ref(), value).expect("an in-memory trie accepts inserts");
		}
	}
	let recorder = Recorder::<Blake2Hasher>::default();
	for key in read {
		let mut trie_recorder = recorder.as_trie_recorder(root);
		polkadot_sdk::sp_trie::read_trie_value::<polkadot_sdk::sp_trie::LayoutV1<Blake2Hasher>, _>(
			&db,
			&root,
			key.as_ref(),
			Some(&mut trie_recorder),
			None,
		)
		.expect("the in-memory trie is complete");
	}
	(root, recorder.drain_storage_proof().into_iter_nodes().collect())
}
