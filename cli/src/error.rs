//! The CLI's errors: one enum per area (arguments, keystore, parent chain,
//! worker; `attestation verify` and `benchmark ingress` have theirs in
//! their modules), and [`CliError`] over them, which decides the exit
//! code. Messages never repeat an argument that may be a secret.

use std::path::PathBuf;

use crate::{attestation::VerifyError, benchmark::IngressError, keystore::KeystoreError};

/// Exit code of a usage error: clap's own, and the CLI's checks of
/// arguments after clap.
pub const EXIT_USAGE: u8 = 2;
/// Exit code of a refusal or a failure.
pub const EXIT_FAILURE: u8 = 1;

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
	#[error(transparent)]
	Argument(#[from] ArgumentError),
	#[error(transparent)]
	Keystore(#[from] KeystoreError),
	#[error(transparent)]
	Chain(#[from] ChainError),
	#[error(transparent)]
	Worker(#[from] WorkerError),
	#[error(transparent)]
	Attestation(#[from] VerifyError),
	#[error(transparent)]
	Benchmark(#[from] IngressError),
}

impl CliError {
	/// Whether the command line itself is wrong (exit code 2, like clap's
	/// errors), rather than the command refused or failed (1).
	pub fn is_usage(&self) -> bool {
		match self {
			CliError::Argument(_) => true,
			CliError::Keystore(error) => error.is_usage(),
			CliError::Attestation(error) => error.is_usage(),
			CliError::Chain(_) | CliError::Worker(_) | CliError::Benchmark(_) => false,
		}
	}

	/// The process exit code for this error.
	pub fn exit_code(&self) -> u8 {
		if self.is_usage() {
			EXIT_USAGE
		} else {
			EXIT_FAILURE
		}
	}
}

impl From<integritee_worker_client::Error> for CliError {
	fn from(error: integritee_worker_client::Error) -> Self {
		CliError::Worker(WorkerError::Client(error))
	}
}

impl From<integritee_worker_client::RpcError> for CliError {
	fn from(error: integritee_worker_client::RpcError) -> Self {
		CliError::from(integritee_worker_client::Error::from(error))
	}
}

/// An argument that clap accepted but that names nothing usable. Never
/// carries the argument itself: it may be a (mistyped) secret.
#[derive(Debug, thiserror::Error)]
pub enum ArgumentError {
	#[error("no keystore directory: set --keystore, INTEGRITEE_KEYSTORE, XDG_DATA_HOME or HOME")]
	NoKeystoreDirectory,
	#[error(
		"a signing account is neither a key in the keystore ({}) nor a usable secret URI",
		keystore.display()
	)]
	UnknownSigner { keystore: PathBuf },
	#[error("the secret URI is not usable")]
	UnusableSecretUri,
	#[error(
		"an account argument is neither an SS58 address nor a secret URI nor a key in the keystore"
	)]
	UnknownAccount,
}

/// An amount argument that is not a whole number of the smallest unit
/// (clap's value parser reports it, exit code 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
	#[error("an amount is a whole number of the smallest unit (1 TEER = 10^12)")]
	NotAWholeNumber,
	#[error("the amount is too large")]
	TooLarge,
}

/// The parent chain: reaching the node, reading it, transactions.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
	#[error("cannot reach the node at {url}: {source}")]
	Unreachable {
		url: String,
		#[source]
		source: integritee_chain_client::Error,
	},
	#[error("cannot read {what} from the node: {source}")]
	Read {
		what: &'static str,
		#[source]
		source: integritee_chain_client::Error,
	},
	/// `what` names the transaction, e.g. "the transfer".
	#[error("{what} failed: {source}")]
	Transaction {
		what: &'static str,
		#[source]
		source: integritee_chain_client::Error,
	},
}

/// A shard's worker: the client's errors, and what the CLI makes of a
/// call's fate.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
	#[error(transparent)]
	Client(#[from] integritee_worker_client::Error),
	#[error("no final status within {secs} s (the call may still execute)")]
	NoFinalStatus { secs: u64 },
	#[error("the worker ended the watch before a final status")]
	WatchEnded,
	/// `reason` is the worker's, rendered with its `Display`.
	#[error("invalid: {reason}")]
	Invalid { reason: String },
	/// `reason` is the worker's, rendered with its `Display`.
	#[error("dropped: {reason}")]
	Dropped { reason: String },
	/// `reason` is the outcome's, rendered with its `Display`.
	#[error("the call was executed and failed: {reason}")]
	ExecutedAndFailed { reason: String },
	#[error(
		"the worker did not execute the call within {secs} s (the sender's trusted nonce is still \
		 {nonce}); it is on chain and may still be executed later"
	)]
	NotExecuted { secs: u64, nonce: integritee_stf_primitives::Nonce },
	/// A benchmark's setup step (`what`) did not finish in time.
	#[error("{what} did not execute within {minutes} minutes")]
	SetupTimeout { what: &'static str, minutes: u64 },
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn usage_errors_exit_2_and_failures_1() {
		assert_eq!(CliError::from(ArgumentError::UnknownAccount).exit_code(), 2);
		assert_eq!(CliError::from(ArgumentError::UnusableSecretUri).exit_code(), 2);
		assert_eq!(
			CliError::from(KeystoreError::BadName(crate::keystore::BadName::Empty)).exit_code(),
			2
		);
		assert_eq!(CliError::from(KeystoreError::Exists("k".into())).exit_code(), 1);
		assert_eq!(CliError::from(WorkerError::WatchEnded).exit_code(), 1);
		assert_eq!(
			CliError::from(WorkerError::NotExecuted { secs: 2, nonce: 3 }).to_string(),
			"the worker did not execute the call within 2 s (the sender's trusted nonce is still \
			 3); it is on chain and may still be executed later"
		);
	}
}
