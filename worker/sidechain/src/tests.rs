//! A one-member shard's replication: blocks are applied in order once
//! committed, and the Raft state survives a restart.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};

use integritee_sidechain_primitives::{
	ed25519, SidechainBody, SidechainHeader, SignedSidechainBlock, H256,
};
use polkadot_sdk::sp_core::Pair;

use crate::{BlockSink, Role, Sidechain, Timings};

/// Records the blocks it is given; applying a block twice is a no-op, as
/// the trusted core's commit is.
#[derive(Default)]
struct Recorder(Mutex<Vec<u64>>);

impl BlockSink for Recorder {
	fn apply(&self, block: &SignedSidechainBlock) -> Result<(), String> {
		let mut applied = self.0.lock().unwrap();
		let number = block.header.number;
		match applied.last() {
			Some(last) if number <= *last => Ok(()),
			Some(last) if number != last + 1 => Err(format!("#{number} after #{last}")),
			_ => {
				applied.push(number);
				Ok(())
			}
		}
	}
}

fn block(number: u64, term: u64) -> SignedSidechainBlock {
	let author = ed25519::Pair::from_seed(&[1; 32]);
	let header = SidechainHeader {
		shard: H256::repeat_byte(1),
		number,
		parent_hash: H256::zero(),
		term,
		parentchain_anchor: (0, H256::zero()),
		calls_root: H256::zero(),
		state_root_before: H256::zero(),
		state_root_after: H256::zero(),
		diff_hash: H256::zero(),
		author: author.public(),
	};
	SignedSidechainBlock::sign(
		header,
		SidechainBody { calls: vec![], encrypted_diff: vec![] },
		&author,
	)
}

fn database(dir: &std::path::Path) -> Arc<redb::Database> {
	Arc::new(redb::Database::create(dir.join("shard.redb")).unwrap())
}

async fn start(db: &Arc<redb::Database>, sink: &Arc<Recorder>) -> Sidechain {
	let sidechain =
		Sidechain::start(7, "127.0.0.1:1".into(), db.clone(), sink.clone(), Timings::default())
			.await
			.unwrap();
	sidechain.wait_for_leader(std::time::Duration::from_secs(10)).await.unwrap();
	sidechain
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_member_leads_commits_in_order_and_survives_a_restart() {
	let dir = tempfile::tempdir().unwrap();
	let db = database(dir.path());
	let sink = Arc::new(Recorder::default());
	let sidechain = start(&db, &sink).await;
	assert!(sidechain.is_leader());
	let status = sidechain.status();
	assert_eq!((status.role, status.leader), (Role::Leader, Some(7)));
	for number in 1..=5 {
		sidechain.propose(block(number, status.term)).await.unwrap();
		// Applied when `propose` returns.
		assert_eq!(sink.0.lock().unwrap().last(), Some(&number));
	}
	sidechain.shutdown().await;
	drop(sidechain);

	// A restart: the same member, already initialised, leads again (its
	// vote is persisted: the term never goes back); nothing is applied
	// twice.
	let sidechain = start(&db, &sink).await;
	let after = sidechain.status();
	assert!(after.term >= status.term, "{after:?} after {status:?}");
	assert!(after.last_applied >= Some(6), "the log and applied index are persisted: {after:?}");
	sidechain.propose(block(6, after.term)).await.unwrap();
	assert_eq!(*sink.0.lock().unwrap(), vec![1, 2, 3, 4, 5, 6]);
	sidechain.shutdown().await;
}

/// A sink error stops the replication instead of skipping a committed
/// block.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_block_the_sink_refuses_is_not_skipped() {
	let dir = tempfile::tempdir().unwrap();
	let db = database(dir.path());
	let sink = Arc::new(Recorder::default());
	let sidechain = start(&db, &sink).await;
	let term = sidechain.status().term;
	sidechain.propose(block(1, term)).await.unwrap();
	assert!(sidechain.propose(block(3, term)).await.is_err());
	assert!(sidechain.propose(block(2, term)).await.is_err(), "stopped");
	assert_eq!(*sink.0.lock().unwrap(), vec![1]);
	let reason = tokio::time::timeout(std::time::Duration::from_secs(10), sidechain.stopped())
		.await
		.expect("the stop is reported");
	assert!(reason.contains("#3 after #1"), "{reason}");
}
