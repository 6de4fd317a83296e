//! The sidechain block decoder and the checks a member applies to a block
//! before committing it. Blocks reach the trusted core from the host (the
//! Raft log on its disk), so every byte may be hostile. The committed tip
//! is derived from the decoded header itself, so that inputs get past the
//! cheap checks (shard, number, parent, term, anchor) and reach the calls
//! root and the diff hash; a copy whose header commits to its body reaches
//! the signature check.
#![no_main]

use integritee_sidechain_primitives::{calls_root, CommittedTip, SignedSidechainBlock};
use integritee_stf_primitives::request::decode_exact;
use libfuzzer_sys::fuzz_target;
use polkadot_sdk::{sp_core::H256, sp_crypto_hashing::blake2_256};

fuzz_target!(|data: &[u8]| {
	let Ok(block) = decode_exact::<SignedSidechainBlock>(data, "SignedSidechainBlock") else {
		return;
	};
	let header = &block.header;
	let tip = CommittedTip {
		shard: header.shard,
		number: header.number.wrapping_sub(1),
		hash: header.parent_hash,
		term: header.term,
		parentchain_anchor: header.parentchain_anchor,
		state_root: header.state_root_before,
	};
	let _ = block.check_successor(&tip, &[header.author]);
	let _ = CommittedTip::after(header);
	let mut committing = block.clone();
	committing.header.calls_root = calls_root(&committing.body.calls);
	committing.header.diff_hash = H256(blake2_256(&committing.body.encrypted_diff));
	let _ = committing.check_successor(&tip, &[header.author]);
});
