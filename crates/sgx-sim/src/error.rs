//! The simulator's error type.

use core::fmt;

/// Why the simulated platform could not produce an artifact.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SimError {
	/// ECDSA signing failed (for a valid key this does not happen in practice).
	Signing,
	/// A time (Unix milliseconds) that cannot be written as a date (after year 9999).
	TimeOutOfRange(u64),
	/// The collateral window is empty: `nextUpdate` would not be after
	/// `issueDate` at whole-second precision (validity below one second), or
	/// it overflows.
	EmptyValidity,
	/// The configured TCB status needs a TCB level above the platform's, but
	/// every SVN of the platform is already at its maximum.
	NoHigherTcbLevel,
	/// A collateral file is not in the `{"<object>":{..},"signature":".."}`
	/// shape this simulator writes.
	MalformedCollateralFile,
	/// A variable-length part does not fit its length field.
	FieldTooLong,
}

impl fmt::Display for SimError {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			Self::Signing => write!(f, "ECDSA signing failed"),
			Self::TimeOutOfRange(ms) => write!(f, "time {ms} ms is out of the representable range"),
			Self::EmptyValidity => write!(f, "collateral validity is shorter than one second"),
			Self::NoHigherTcbLevel => {
				write!(f, "no TCB level above the platform's exists (all SVNs at maximum)")
			}
			Self::MalformedCollateralFile => write!(f, "collateral file has an unexpected shape"),
			Self::FieldTooLong => write!(f, "a variable-length part does not fit its length field"),
		}
	}
}

impl core::error::Error for SimError {}
