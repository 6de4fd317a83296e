//! Benchmarks of `pallet-sidechain`, each at its worst case. Run by
//! `scripts/benchmark-pallets.sh` (which writes `weights.rs`), and once each
//! in the mock runtime by `cargo test -p pallet-sidechain --features
//! runtime-benchmarks`.

use super::*;
use integritee_primitives::ShardMembership;
use polkadot_sdk::{frame_benchmarking::v2::*, frame_system::RawOrigin, sp_core::H256};

/// A committed block of the benchmarks' shard.
fn anchor(number: u64) -> SidechainBlockConfirmation {
	SidechainBlockConfirmation {
		block_number: number,
		block_header_hash: H256::repeat_byte(number as u8),
	}
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// Extends the shard's anchor; the membership check meets a shard with
	/// as many members as it may have.
	#[benchmark]
	fn confirm_imported_sidechain_block() {
		let shard = ShardIdentifier::repeat_byte(0x5a);
		let serving = T::ShardMembership::worst_case_serving_member(&shard);
		LatestSidechainBlockConfirmation::<T>::insert(shard, anchor(1));

		#[extrinsic_call]
		_(RawOrigin::Signed(serving), shard, Some(anchor(1)), anchor(2));

		assert_eq!(LatestSidechainBlockConfirmation::<T>::get(shard), Some(anchor(2)));
	}

	#[benchmark]
	fn reset_sidechain_anchor() {
		let shard = ShardIdentifier::repeat_byte(0x5a);
		LatestSidechainBlockConfirmation::<T>::insert(shard, anchor(7));

		#[extrinsic_call]
		_(RawOrigin::Root, shard, Some(anchor(3)));

		assert_eq!(LatestSidechainBlockConfirmation::<T>::get(shard), Some(anchor(3)));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
