//! Verification of a GRANDPA justification against an authority set.

use finality_grandpa::{Message, Precommit};
use polkadot_sdk::sp_consensus_grandpa::{check_message_signature_with_buffer, SignatureResult};

use crate::{
	ancestry::Ancestry, authority::Voters, AuthoritySet, Error, GrandpaJustification, Header, H256,
};

/// Checks that `justification` finalizes `finalizes` (its commit target or an
/// ancestor of it through `votes_ancestries`) under `set`.
///
/// `chunk` holds the already linked headers (with their hashes) ending at
/// `finalizes`. Every precommit must be signed by a distinct-or-repeated
/// authority of `set` for the justification's round and `set.set_id`, and
/// target the commit target or a descendant proven by known headers; each
/// authority's weight counts once; the sum must reach GRANDPA's threshold.
/// Any invalid precommit refuses the whole justification, and so do
/// `votes_ancestries` no precommit needs (as Substrate does).
pub(crate) fn verify(
	justification: &GrandpaJustification,
	set: &AuthoritySet,
	finalizes: (H256, u32),
	chunk: &[(H256, &Header)],
) -> Result<(), Error> {
	let voters = Voters::new(&set.authorities)?;
	let commit = &justification.commit;
	let target = (commit.target_hash, commit.target_number);
	let mut ancestry = Ancestry::new(chunk, &justification.votes_ancestries);

	if !ancestry.descends(finalizes, target) {
		return Err(Error::WrongCommitTarget {
			got_hash: target.0,
			got_number: target.1,
			expected_hash: finalizes.0,
			expected_number: finalizes.1,
		});
	}

	let mut counted = vec![false; voters.len()];
	let mut weight: u64 = 0;
	let mut buf = Vec::new();
	for signed in &commit.precommits {
		let (position, voter_weight) =
			voters.get(&signed.id).ok_or_else(|| Error::NotAnAuthority(signed.id.to_string()))?;
		let vote = (signed.precommit.target_hash, signed.precommit.target_number);
		if !ancestry.descends(target, vote) {
			return Err(Error::PrecommitNotDescendant { hash: vote.0, number: vote.1 });
		}
		let message = Message::Precommit(Precommit::new(vote.0, vote.1));
		let checked = check_message_signature_with_buffer(
			&message,
			&signed.id,
			&signed.signature,
			justification.round,
			set.set_id,
			&mut buf,
		);
		if checked != SignatureResult::Valid {
			return Err(Error::BadSignature {
				signer: signed.id.to_string(),
				round: justification.round,
				set_id: set.set_id,
			});
		}
		if let Some(seen) = counted.get_mut(position) {
			if !*seen {
				*seen = true;
				// Cannot overflow: the set's total weight fits in u64.
				weight = weight.saturating_add(voter_weight);
			}
		}
	}

	if !ancestry.all_votes_ancestries_used() {
		return Err(Error::UnusedAncestries);
	}
	if weight < voters.threshold {
		return Err(Error::NotEnoughWeight {
			weight,
			threshold: voters.threshold,
			total: voters.total,
		});
	}
	Ok(())
}
