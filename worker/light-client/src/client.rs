//! The light client's state and the import of finalized chunks.

use codec::{Decode, DecodeAll, Encode};

use crate::{
	authority::{scheduled_change, PendingChange},
	justification, AuthoritySet, Checkpoint, Error, GrandpaJustification, Header, H256,
};

/// Persistable (SCALE `Encode`/`Decode`) light-client state: the last
/// finalized header, the authority set that finalizes its descendants, and a
/// scheduled change waiting for enactment.
#[derive(Encode, Decode, Clone, Debug, PartialEq)]
pub struct LightClient {
	last_finalized: Header,
	authority_set: AuthoritySet,
	pending_change: Option<PendingChange>,
}

impl LightClient {
	/// Starts from a trusted checkpoint (see [`Checkpoint`] for its rules).
	pub fn new(checkpoint: Checkpoint) -> Self {
		LightClient {
			last_finalized: checkpoint.header,
			authority_set: checkpoint.authority_set,
			pending_change: None,
		}
	}

	/// Number and hash of the last finalized block.
	pub fn last_finalized(&self) -> (u32, H256) {
		(self.last_finalized.number, self.last_finalized.hash())
	}

	/// The last finalized header (its state root anchors storage proofs).
	pub fn last_finalized_header(&self) -> &Header {
		&self.last_finalized
	}

	/// The authority set that signs justifications of the next blocks.
	pub fn authority_set(&self) -> &AuthoritySet {
		&self.authority_set
	}

	/// A scheduled change announced by a finalized header, not yet enacted.
	pub fn pending_change(&self) -> Option<&PendingChange> {
		self.pending_change.as_ref()
	}

	/// Imports a chunk of finalized headers.
	///
	/// `headers` are consecutive headers `last_finalized + 1 ..= target`
	/// (ascending, non-empty); `justification` is a SCALE-encoded
	/// [`GrandpaJustification`] whose commit target is the last header (or a
	/// descendant proven by its `votes_ancestries`).
	///
	/// Checks the hash links from the last finalized block, the GRANDPA
	/// justification under the current set, and follows scheduled authority set
	/// changes announced in the headers' digests: the block that enacts a
	/// change is finalized by the old set and must end its chunk
	/// ([`Error::ChunkCrossesSetChange`] otherwise); later blocks need the new
	/// set. Forced changes are refused ([`Error::ForcedChange`]).
	///
	/// On any error the state is unchanged. Returns the verified headers.
	/// The last block a chunk of `headers` (following the last finalized
	/// block) may end at: the enactment block of the pending change, or of
	/// the first change the headers schedule; `None` if no change is due
	/// within them. A host cuts its chunks there (the enactment block always
	/// carries a justification), so that set changes are crossed without
	/// help. A forced change is refused ([`Error::ForcedChange`]), naming
	/// its block. Headers after a change's enactment are not inspected
	/// (they belong to a later chunk).
	pub fn chunk_limit(&self, headers: &[Header]) -> Result<Option<u32>, Error> {
		if let Some(change) = &self.pending_change {
			return Ok(Some(change.enact_at));
		}
		for header in headers {
			if let Some(change) = scheduled_change(header)? {
				return Ok(Some(change.enact_at));
			}
		}
		Ok(None)
	}

	pub fn import_finalized(
		&mut self,
		headers: &[Header],
		justification: &[u8],
	) -> Result<Vec<Header>, Error> {
		let last = headers.last().ok_or(Error::NoHeaders)?;
		let chunk_end = last.number;

		let mut expected_parent = self.last_finalized.hash();
		let mut expected_number = self.last_finalized.number.checked_add(1);
		let mut pending = self.pending_change.clone();
		let mut chunk = Vec::with_capacity(headers.len());
		for header in headers {
			if Some(header.number) != expected_number || header.parent_hash != expected_parent {
				return Err(Error::BrokenLink {
					number: header.number,
					parent_hash: header.parent_hash,
					expected_number: expected_number.ok_or(Error::NumberOverflow)?,
					expected_parent,
				});
			}
			if let Some(change) = &pending {
				if header.number > change.enact_at {
					return Err(Error::ChunkCrossesSetChange {
						enactment: change.enact_at,
						chunk_end,
					});
				}
			}
			if let Some(change) = scheduled_change(header)? {
				if pending.is_some() {
					return Err(Error::OverlappingSetChange(header.number));
				}
				pending = Some(change);
			}
			let hash = header.hash();
			chunk.push((hash, header));
			expected_parent = hash;
			expected_number = header.number.checked_add(1);
		}

		let justification = GrandpaJustification::decode_all(&mut &justification[..])
			.map_err(|e| Error::JustificationDecode(e.to_string()))?;
		justification::verify(
			&justification,
			&self.authority_set,
			(expected_parent, chunk_end),
			&chunk,
		)?;

		// Everything checked: commit.
		let mut authority_set = self.authority_set.clone();
		if let Some(change) = pending.as_ref().filter(|c| c.enact_at == chunk_end) {
			authority_set = AuthoritySet {
				set_id: authority_set.set_id.checked_add(1).ok_or(Error::NumberOverflow)?,
				authorities: change.next_authorities.clone(),
			};
			pending = None;
		}
		self.last_finalized = last.clone();
		self.authority_set = authority_set;
		self.pending_change = pending;
		Ok(headers.to_vec())
	}
}
