//! The core's own sidechain, authenticated, and where the parent chain's
//! anchor stands on it.
//!
//! The committed tip is authenticated (the state's sealed head names it);
//! the stored blocks below it are not: they lie in the host's database
//! file, which the host can overwrite. So a stored block counts as this
//! core's only when it is reached from the tip by parent hashes
//! ([`OwnChain::hash_at`]); the hashes reached so far, and those of the
//! blocks committed in this run, are kept in memory.
//!
//! The anchor decides what the core may do outside the sidechain: payouts
//! only for blocks the parent chain anchors **on this chain** (a copy of
//! the data directory that forks off cannot get its fork anchored while the
//! chain anchors the original, and the original halts once the chain
//! anchors the fork), and nothing at all (no block, no admission, no
//! payout) until the anchor was proven in this run.
//!
//! What a hostile host can do here: overwrite or delete stored blocks
//! (detected: the walk from the tip does not reach the anchored block's
//! hash, which counts as a rollback), withhold the import that proves the
//! anchor (the core stays idle: a denial of service only).

use std::collections::BTreeMap;

use polkadot_sdk::sp_core::H256;

use crate::{
	error::{Error, RollbackDetected, RollbackKind, SigningRefused},
	tables::CoreTables,
	Enclave,
};

/// At most this many hashes are kept; the lowest go first (a walk from the
/// lowest kept one reaches them again).
const MAX_KNOWN: usize = 100_000;

/// Hashes of blocks known to be on the committed chain in this run.
#[derive(Default)]
pub(crate) struct OwnChain {
	known: BTreeMap<u64, H256>,
}

/// Why a height of the own chain cannot be told.
#[derive(Debug)]
pub(crate) enum Unverifiable {
	/// The stored block at `number` is missing, does not decode, or does not
	/// hash to its child's parent hash: the database was tampered with.
	StoredBlock { number: u64 },
	/// Above the committed tip.
	AboveTip,
}

impl OwnChain {
	/// Starts from the committed tip (`number` 0: no block yet).
	pub fn from_tip(number: u64, hash: H256) -> Self {
		let mut chain = Self::default();
		chain.committed(number, hash);
		chain
	}

	/// A block committed in this run (checked as the tip's successor).
	pub fn committed(&mut self, number: u64, hash: H256) {
		self.known.insert(number, hash);
		while self.known.len() > MAX_KNOWN {
			self.known.pop_first();
		}
	}

	/// Forgets what lies below `number` (an anchor proven there: no later
	/// question goes below it).
	pub fn forget_below(&mut self, number: u64) {
		self.known = self.known.split_off(&number);
	}

	/// The hash of this chain's block at `number`: from memory, or by
	/// walking the stored headers down from the lowest known block above
	/// it, each checked against its child's parent hash. Block 0 is the
	/// zero hash (no block).
	pub fn hash_at(
		&mut self,
		number: u64,
		tables: &CoreTables,
	) -> Result<Result<H256, Unverifiable>, Error> {
		if number == 0 {
			return Ok(Ok(H256::zero()));
		}
		if let Some(hash) = self.known.get(&number) {
			return Ok(Ok(*hash));
		}
		let Some((&above, &above_hash)) = self.known.range(number..).next() else {
			return Ok(Err(Unverifiable::AboveTip));
		};
		let (mut current, mut expected) = (above, above_hash);
		while current > number {
			let header = match tables.stored_header(current)? {
				Some(header) if header.number == current && header.hash() == expected => header,
				_ => return Ok(Err(Unverifiable::StoredBlock { number: current })),
			};
			current -= 1;
			expected = header.parent_hash;
			self.known.insert(current, expected);
		}
		Ok(Ok(expected))
	}
}

impl Enclave {
	/// Compares the committed chain with the proven anchor: a state behind
	/// it, another block at its height, or a stored block that does not
	/// lead from the tip to it is a rollback of this member's data.
	pub(crate) fn check_rollback(&mut self) -> Result<(), Error> {
		let Some(Some(anchored)) = self.anchored else { return Ok(()) };
		let committed = (self.tip.number, self.tip.hash);
		let kind = if anchored.block_number > self.tip.number {
			Some(RollbackKind::Behind)
		} else {
			match self.own_chain.hash_at(anchored.block_number, &self.tables)? {
				Ok(hash) if hash == anchored.block_header_hash => None,
				Ok(_) => Some(RollbackKind::Forked),
				Err(Unverifiable::StoredBlock { number }) => {
					Some(RollbackKind::StoredBlockTampered { number })
				}
				Err(Unverifiable::AboveTip) => Some(RollbackKind::Behind),
			}
		};
		let detected = kind.map(|kind| RollbackDetected { anchored, committed, kind });
		match &detected {
			Some(rollback) if self.rollback.is_none() => log::error!("{rollback}"),
			Some(_) => {}
			None => self.own_chain.forget_below(anchored.block_number),
		}
		self.rollback = detected;
		Ok(())
	}

	/// The sidechain block up to which the parent chain anchors this core's
	/// own chain (0: nothing anchored yet), if the core may act now: the
	/// anchor was proven in this run and no rollback stands.
	pub(crate) fn anchored_on_own_chain(&self) -> Result<u64, Error> {
		if let Some(rollback) = &self.rollback {
			return Err(rollback.clone().into());
		}
		match self.anchored {
			None => Err(SigningRefused::AnchorUnknown.into()),
			Some(None) => Ok(0),
			Some(Some(anchored)) => Ok(anchored.block_number),
		}
	}
}
