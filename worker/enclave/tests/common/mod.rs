//! Helpers shared by the trusted core's test binaries.
#![allow(dead_code)]

use codec::Encode;
use integritee_enclave::{
	light_client::{extrinsics_root, testing, Header},
	Enclave,
};
use integritee_extrinsic::{signed_extrinsic, ExtrinsicParams};
use integritee_runtime::{RuntimeCall, RuntimeEvent};
use polkadot_sdk::{
	frame_system::{self, DispatchEventInfo, EventRecord, Phase},
	sp_core::{sr25519, Pair, H256},
	sp_runtime::{generic::Era, traits::Header as _, Digest, MultiSignature},
};

/// A genesis header whose state holds the GRANDPA authority set of
/// `//Alice`, with the proof the core asks for at the checkpoint.
pub fn genesis_with_proof() -> (Header, Vec<Vec<u8>>) {
	let authorities = testing::authorities(&testing::pairs(&["//Alice"]));
	let entries = vec![
		(Enclave::checkpoint_keys()[0].clone(), authorities.encode()),
		(Enclave::checkpoint_keys()[1].clone(), 0u64.encode()),
	];
	let (state_root, proof) = testing::state_with_proof(&entries, &Enclave::checkpoint_keys());
	let header = Header::new(0, extrinsics_root(&[]), state_root, H256::zero(), Digest::default());
	(header, proof)
}

/// The child of `parent` with this body and state root.
pub fn header(parent: &Header, extrinsics: &[Vec<u8>], state_root: H256) -> Header {
	Header::new(
		parent.number + 1,
		extrinsics_root(extrinsics),
		state_root,
		parent.hash(),
		Digest::default(),
	)
}

/// The `ExtrinsicSuccess` event of extrinsic `index`.
pub fn success(index: u32) -> EventRecord<RuntimeEvent, H256> {
	EventRecord {
		phase: Phase::ApplyExtrinsic(index),
		event: RuntimeEvent::System(frame_system::Event::ExtrinsicSuccess {
			dispatch_info: DispatchEventInfo::default(),
		}),
		topics: vec![],
	}
}

/// `call` as an immortal extrinsic of `pair` (a parent-chain user) with
/// nonce 0 for the chain with `genesis_hash`, encoded.
pub fn user_extrinsic(pair: &sr25519::Pair, call: RuntimeCall, genesis_hash: H256) -> Vec<u8> {
	let params = ExtrinsicParams {
		nonce: 0,
		era: Era::Immortal,
		era_block_hash: genesis_hash,
		genesis_hash,
	};
	signed_extrinsic(call, pair.public().into(), params, |p| MultiSignature::Sr25519(pair.sign(p)))
		.encode()
}

#[allow(unused_imports)] // not every test binary builds blocks by hand
pub use integritee_enclave::testing::serving_entries;
