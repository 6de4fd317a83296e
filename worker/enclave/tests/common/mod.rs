//! Helpers shared by the trusted core's test binaries.
#![allow(dead_code)]

use codec::Encode;
use integritee_extrinsic::{signed_extrinsic, ExtrinsicParams};
use integritee_runtime::{RuntimeCall, RuntimeEvent};
use polkadot_sdk::{
	frame_system::{self, DispatchEventInfo, EventRecord, Phase},
	sp_core::{sr25519, Pair, H256},
	sp_runtime::{generic::Era, MultiSignature},
};

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
