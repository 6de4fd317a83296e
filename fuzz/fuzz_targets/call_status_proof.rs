//! The proofs a client decodes from a direct call's statuses: an
//! `inSidechainBlock` status's `IncludedCall` (signed header and Merkle
//! proof) and a `finalized` status's link of headers. They come from the
//! worker's host, so every byte may be hostile: decoding and checking them
//! must never panic, whatever the proof's leaf count, index or length.
#![no_main]

use integritee_sidechain_primitives::{
	check_link, CallOutcome, IncludedCall, SidechainHeader, H256,
};
use integritee_stf_primitives::request::decode_exact;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
	let (selector, rest) = data.split_first().unwrap_or((&0, &[]));
	if selector % 2 == 0 {
		let Ok(included) = decode_exact::<IncludedCall>(rest, "IncludedCall") else { return };
		let (number, hash) = (included.header.number, included.header.hash());
		// The call hash and the outcome from the header's own bytes, so that
		// some inputs prove a leaf the fuzzer built.
		let call = included.header.state_root_after;
		let _ = included.proves(number, hash, call, CallOutcome::Succeeded);
		let _ = included.proof.root_of(&(H256::zero(), CallOutcome::Succeeded));
	} else {
		let Ok(headers) = decode_exact::<Vec<SidechainHeader>>(rest, "link") else { return };
		let Some(first) = headers.first() else { return };
		let from = (first.number.wrapping_sub(1), first.parent_hash);
		let to = headers.last().map(|last| (last.number, last.hash())).unwrap_or(from);
		let _ = check_link(from, &headers, to);
	}
});
