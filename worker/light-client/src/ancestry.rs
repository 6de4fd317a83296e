//! Routes between blocks through a set of known headers (the imported chunk
//! and the justification's `votes_ancestries`).

use std::collections::{HashMap, HashSet};

use crate::{Header, H256};

/// Known headers by hash: number and parent hash.
pub(crate) struct Ancestry {
	known: HashMap<H256, (u32, H256)>,
	/// Hashes that came from `votes_ancestries`, marked when a route uses them.
	votes: HashSet<H256>,
	used: HashSet<H256>,
}

impl Ancestry {
	pub(crate) fn new(chunk: &[(H256, &Header)], votes_ancestries: &[Header]) -> Self {
		let mut known = HashMap::with_capacity(chunk.len() + votes_ancestries.len());
		let mut votes = HashSet::with_capacity(votes_ancestries.len());
		for header in votes_ancestries {
			let hash = header.hash();
			known.insert(hash, (header.number, header.parent_hash));
			votes.insert(hash);
		}
		for (hash, header) in chunk {
			known.insert(*hash, (header.number, header.parent_hash));
		}
		Ancestry { known, votes, used: HashSet::new() }
	}

	/// Whether `block` is `base` or a descendant of it through known headers.
	/// Numbers strictly decrease along a route, so it terminates.
	pub(crate) fn descends(&mut self, base: (H256, u32), block: (H256, u32)) -> bool {
		let (mut hash, mut number) = block;
		let mut route = Vec::new();
		loop {
			if hash == base.0 {
				if number != base.1 {
					return false;
				}
				self.used.extend(route.into_iter().filter(|h| self.votes.contains(h)));
				return true;
			}
			if number <= base.1 {
				return false;
			}
			let Some(&(known_number, parent)) = self.known.get(&hash) else { return false };
			if known_number != number {
				return false;
			}
			route.push(hash);
			hash = parent;
			number -= 1;
		}
	}

	/// Whether every header of `votes_ancestries` lies on some route.
	pub(crate) fn all_votes_ancestries_used(&self) -> bool {
		self.used.len() == self.votes.len()
	}
}
