//! Tests of `pallet-sidechain` against the mock runtime, by topic. Each runs
//! in [`build_and_execute`], which checks the pallet's invariants after it.

mod anchoring;
mod origins;

use crate::{mock::*, Event, LatestSidechainBlockConfirmation};
use integritee_primitives::{ShardIdentifier, SidechainBlockConfirmation};
use polkadot_sdk::frame_support::dispatch::DispatchResult;

/// Account 1 serves shard 1, account 2 is its second member; account 3 is
/// the only member of shard 2.
fn setup() {
	set_members(shard(1), &[1, 2]);
	set_members(shard(2), &[3]);
}

fn confirm(
	who: AccountId,
	shard: ShardIdentifier,
	ancestor: Option<SidechainBlockConfirmation>,
	candidate: SidechainBlockConfirmation,
) -> DispatchResult {
	Sidechain::confirm_imported_sidechain_block(
		RuntimeOrigin::signed(who),
		shard,
		ancestor,
		candidate,
	)
}

fn finalized_event(
	shard: ShardIdentifier,
	signer: AccountId,
	candidate: SidechainBlockConfirmation,
) -> RuntimeEvent {
	RuntimeEvent::Sidechain(Event::FinalizedSidechainBlock {
		shard,
		signer,
		block_number: candidate.block_number,
		block_header_hash: candidate.block_header_hash,
	})
}

fn latest(shard: ShardIdentifier) -> Option<SidechainBlockConfirmation> {
	LatestSidechainBlockConfirmation::<Test>::get(shard)
}

#[test]
fn genesis_stores_the_in_code_storage_version() {
	use polkadot_sdk::frame_support::traits::GetStorageVersion;
	build_and_execute(|| {
		assert_eq!(Sidechain::on_chain_storage_version(), crate::STORAGE_VERSION);
	});
}
