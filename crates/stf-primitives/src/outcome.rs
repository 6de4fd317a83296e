//! What a call came to: one typed outcome from the confidential STF, through
//! the sidechain block's body (and so its `calls_root`), the trusted core's
//! block reports and the watch statuses, to the client's printout.
//!
//! The SCALE indices are part of the sidechain block format: a block's hash
//! covers its outcomes, so a renamed variant changes nothing, a reordered
//! or reused index changes the meaning of every stored block. New reasons
//! take new indices; an index is never reused.
//!
//! | outcome | index | reason | index |
//! |---|---|---|---|
//! | `Succeeded` | 0 | | |
//! | `Failed` (executed, nonce consumed, nothing else changed) | 1 | `InsufficientBalance` | 0 |
//! | | | `BelowExistentialDeposit` | 1 |
//! | | | `WouldKillAccount` | 2 |
//! | | | `BelowMinimumUnshield` | 3 |
//! | | | `DuplicateUnshield` | 4 |
//! | | | `ReservedBelowPending` | 5 |
//! | | | `Arithmetic` | 6 |
//! | | | `Module { pallet, error }` | 7 |
//! | | | `Other` | 8 |
//! | `Rejected` (not executed, no nonce consumed) | 2 | `BadSignature` | 0 |
//! | | | `StaleNonce { expected, got }` | 1 |
//! | | | `FutureNonce { expected, got }` | 2 |
//! | | | `NoAccount` | 3 |
//! | | | `UnknownUnshield` | 4 |

use codec::{Decode, Encode};
use serde::{Deserialize, Serialize};

use crate::Nonce;

/// What one input of a sidechain block came to.
#[derive(Encode, Decode, Serialize, Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "camelCase")]
pub enum CallOutcome {
	/// Executed and succeeded.
	#[codec(index = 0)]
	Succeeded,
	/// Executed (its nonce is consumed) and failed; nothing else changed.
	#[codec(index = 1)]
	Failed(FailReason),
	/// Not executed: nothing changed, no nonce was consumed.
	#[codec(index = 2)]
	Rejected(RejectReason),
}

impl CallOutcome {
	/// Whether the call was executed (succeeded or failed, its nonce consumed).
	pub fn executed(&self) -> bool {
		matches!(self, Self::Succeeded | Self::Failed(_))
	}
}

impl core::fmt::Display for CallOutcome {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			Self::Succeeded => f.write_str("succeeded"),
			Self::Failed(reason) => write!(f, "failed: {reason}"),
			Self::Rejected(reason) => write!(f, "not executed: {reason}"),
		}
	}
}

/// Why an executed call failed (its dispatch was rolled back, its nonce
/// stays consumed). Never carries state values.
#[derive(Encode, Decode, Serialize, Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "camelCase")]
pub enum FailReason {
	/// The sender's free balance does not cover the amount.
	#[codec(index = 0)]
	InsufficientBalance,
	/// The amount would create an account below the existential deposit.
	#[codec(index = 1)]
	BelowExistentialDeposit,
	/// The transfer would leave the sender below the existential deposit
	/// where that is not allowed.
	#[codec(index = 2)]
	WouldKillAccount,
	/// An unshield below the parent chain's existential deposit: the payout
	/// to a new account would fail there.
	#[codec(index = 3)]
	BelowMinimumUnshield,
	/// An unshield with this call hash is pending already.
	#[codec(index = 4)]
	DuplicateUnshield,
	/// The reserved balance no longer covers a pending unshield.
	#[codec(index = 5)]
	ReservedBelowPending,
	/// An arithmetic overflow or underflow.
	#[codec(index = 6)]
	Arithmetic,
	/// Another error of a FRAME pallet of the confidential runtime, by the
	/// pallet's index and the error's index.
	#[codec(index = 7)]
	Module { pallet: u8, error: u8 },
	/// Any other dispatch error.
	#[codec(index = 8)]
	Other,
}

impl core::fmt::Display for FailReason {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			Self::InsufficientBalance => f.write_str("insufficient balance"),
			Self::BelowExistentialDeposit => {
				f.write_str("the amount is below the existential deposit")
			}
			Self::WouldKillAccount => {
				f.write_str("the sender would fall below the existential deposit")
			}
			Self::BelowMinimumUnshield => {
				f.write_str("unshield below the parent chain's existential deposit")
			}
			Self::DuplicateUnshield => f.write_str("an unshield with this call hash is pending"),
			Self::ReservedBelowPending => {
				f.write_str("the reserved balance is below the pending unshield")
			}
			Self::Arithmetic => f.write_str("arithmetic overflow"),
			Self::Module { pallet, error } => write!(f, "pallet {pallet} error {error}"),
			Self::Other => f.write_str("dispatch error"),
		}
	}
}

/// Why an input was not executed (nothing changed, no nonce consumed).
#[derive(Encode, Decode, Serialize, Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "camelCase")]
pub enum RejectReason {
	/// The signature does not verify for this call, nonce, MRENCLAVE and shard.
	#[codec(index = 0)]
	BadSignature,
	/// The nonce was used already (replay).
	#[codec(index = 1)]
	StaleNonce { expected: Nonce, got: Nonce },
	/// The nonce is ahead of the account's.
	#[codec(index = 2)]
	FutureNonce { expected: Nonce, got: Nonce },
	/// The sender has no account in the state (never funded): rejected
	/// without consuming a nonce, so unfunded signers cannot grow the state.
	#[codec(index = 3)]
	NoAccount,
	/// No pending unshield has this call hash.
	#[codec(index = 4)]
	UnknownUnshield,
}

impl core::fmt::Display for RejectReason {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			Self::BadSignature => f.write_str("bad signature"),
			Self::StaleNonce { expected, got } => {
				write!(f, "stale nonce {got} (the account's next nonce is {expected})")
			}
			Self::FutureNonce { expected, got } => {
				write!(f, "future nonce {got} (the account's next nonce is {expected})")
			}
			Self::NoAccount => f.write_str("the sender has no account in the shard"),
			Self::UnknownUnshield => f.write_str("no pending unshield has this call hash"),
		}
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;

	/// The indices are the block format: this test fails when one moves.
	#[test]
	fn scale_indices_are_stable() {
		let cases: Vec<(CallOutcome, Vec<u8>)> = vec![
			(CallOutcome::Succeeded, vec![0]),
			(CallOutcome::Failed(FailReason::InsufficientBalance), vec![1, 0]),
			(CallOutcome::Failed(FailReason::BelowExistentialDeposit), vec![1, 1]),
			(CallOutcome::Failed(FailReason::WouldKillAccount), vec![1, 2]),
			(CallOutcome::Failed(FailReason::BelowMinimumUnshield), vec![1, 3]),
			(CallOutcome::Failed(FailReason::DuplicateUnshield), vec![1, 4]),
			(CallOutcome::Failed(FailReason::ReservedBelowPending), vec![1, 5]),
			(CallOutcome::Failed(FailReason::Arithmetic), vec![1, 6]),
			(CallOutcome::Failed(FailReason::Module { pallet: 1, error: 9 }), vec![1, 7, 1, 9]),
			(CallOutcome::Failed(FailReason::Other), vec![1, 8]),
			(CallOutcome::Rejected(RejectReason::BadSignature), vec![2, 0]),
			(
				CallOutcome::Rejected(RejectReason::StaleNonce { expected: 2, got: 1 }),
				vec![2, 1, 2, 0, 0, 0, 1, 0, 0, 0],
			),
			(
				CallOutcome::Rejected(RejectReason::FutureNonce { expected: 1, got: 3 }),
				vec![2, 2, 1, 0, 0, 0, 3, 0, 0, 0],
			),
			(CallOutcome::Rejected(RejectReason::NoAccount), vec![2, 3]),
			(CallOutcome::Rejected(RejectReason::UnknownUnshield), vec![2, 4]),
		];
		for (outcome, encoded) in cases {
			assert_eq!(outcome.encode(), encoded, "{outcome:?}");
			assert_eq!(CallOutcome::decode(&mut &encoded[..]).unwrap(), outcome);
		}
	}

	#[test]
	fn unknown_indices_do_not_decode() {
		for bytes in [&[3u8][..], &[1, 9], &[2, 5], &[1], &[]] {
			assert!(CallOutcome::decode(&mut &bytes[..]).is_err(), "{bytes:?}");
		}
	}

	#[test]
	fn outcomes_in_json_and_words() {
		let failed = CallOutcome::Failed(FailReason::InsufficientBalance);
		assert_eq!(serde_json::to_value(failed).unwrap()["failed"], "insufficientBalance");
		assert_eq!(failed.to_string(), "failed: insufficient balance");
		let stale = CallOutcome::Rejected(RejectReason::StaleNonce { expected: 4, got: 3 });
		let json = serde_json::to_value(stale).unwrap();
		assert_eq!(json["rejected"]["staleNonce"]["expected"], 4);
		assert_eq!(serde_json::from_value::<CallOutcome>(json).unwrap(), stale);
		assert!(!stale.executed() && failed.executed());
	}
}
