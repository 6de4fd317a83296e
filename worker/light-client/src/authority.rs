//! Authority sets: voter lookup, GRANDPA's supermajority threshold, and the
//! set changes announced in header digests.

use std::collections::BTreeMap;

use codec::{Decode, DecodeAll, Encode};
use polkadot_sdk::{
	sp_consensus_grandpa::{AuthorityId, AuthorityList, ConsensusLog, GRANDPA_ENGINE_ID},
	sp_runtime::DigestItem,
};

use crate::{AuthoritySet, Error, Header};

/// A scheduled change announced in a header, waiting for its enactment block
/// to be finalized.
#[derive(Encode, Decode, Clone, Debug, PartialEq)]
pub struct PendingChange {
	/// Number of the block whose finalization enacts the change (the
	/// announcing block's number plus the change's delay). That block is
	/// still finalized by the old set; its descendants by the new one.
	pub enact_at: u32,
	/// The next set's authorities (its set id is the current one plus one).
	pub next_authorities: AuthorityList,
}

/// The voters of a set, indexed for lookups.
pub(crate) struct Voters<'a> {
	index: BTreeMap<&'a AuthorityId, (usize, u64)>,
	pub(crate) total: u64,
	pub(crate) threshold: u64,
}

impl<'a> Voters<'a> {
	/// Refuses empty sets, zero weights, duplicate authorities and a total
	/// weight that overflows.
	pub(crate) fn new(authorities: &'a AuthorityList) -> Result<Self, Error> {
		let mut index = BTreeMap::new();
		let mut total: u64 = 0;
		for (i, (id, weight)) in authorities.iter().enumerate() {
			if *weight == 0 || index.insert(id, (i, *weight)).is_some() {
				return Err(Error::InvalidAuthoritySet);
			}
			total = total.checked_add(*weight).ok_or(Error::InvalidAuthoritySet)?;
		}
		if total == 0 {
			return Err(Error::InvalidAuthoritySet);
		}
		Ok(Voters { index, total, threshold: threshold(total) })
	}

	/// Position in the set and weight of `id`, if it is a voter.
	pub(crate) fn get(&self, id: &AuthorityId) -> Option<(usize, u64)> {
		self.index.get(id).copied()
	}

	pub(crate) fn len(&self) -> usize {
		self.index.len()
	}
}

/// GRANDPA's supermajority threshold: with `f = (total - 1) / 3` faulty
/// weight tolerated, a commit needs `total - f`, i.e. more than two thirds.
pub fn threshold(total: u64) -> u64 {
	total - total.saturating_sub(1) / 3
}

impl AuthoritySet {
	/// The weight a justification needs, or an error for an unusable set.
	pub fn threshold(&self) -> Result<u64, Error> {
		Voters::new(&self.authorities).map(|v| v.threshold)
	}
}

/// The scheduled change `header` announces (the first one, as GRANDPA does).
/// A forced change or an undecodable GRANDPA log is refused.
pub(crate) fn scheduled_change(header: &Header) -> Result<Option<PendingChange>, Error> {
	let mut change = None;
	for log in &header.digest.logs {
		let DigestItem::Consensus(engine, data) = log else { continue };
		if *engine != GRANDPA_ENGINE_ID {
			continue;
		}
		let log = ConsensusLog::<u32>::decode_all(&mut &data[..])
			.map_err(|_| Error::BadConsensusLog(header.number))?;
		match log {
			ConsensusLog::ForcedChange(..) => return Err(Error::ForcedChange(header.number)),
			ConsensusLog::ScheduledChange(scheduled) if change.is_none() => {
				Voters::new(&scheduled.next_authorities)?;
				let enact_at =
					header.number.checked_add(scheduled.delay).ok_or(Error::NumberOverflow)?;
				change =
					Some(PendingChange { enact_at, next_authorities: scheduled.next_authorities });
			}
			// Later scheduled changes in the same block are ignored (GRANDPA
			// respects the first); disabling, pause and resume do not change
			// who signs justifications.
			_ => {}
		}
	}
	Ok(change)
}

#[cfg(test)]
mod tests {
	use super::threshold;

	#[test]
	fn threshold_is_grandpa_supermajority() {
		assert_eq!(threshold(1), 1);
		assert_eq!(threshold(3), 3);
		assert_eq!(threshold(4), 3);
		assert_eq!(threshold(6), 5);
		assert_eq!(threshold(7), 5);
		assert_eq!(threshold(100), 67);
	}
}
