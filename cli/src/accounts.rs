//! Account arguments: keystore names, secret URIs and SS58 addresses.
//!
//! An argument that signs is a keystore name (looked up first) or a secret
//! URI (`//Alice`, a mnemonic, a hex seed). An argument that only names an
//! account may also be an SS58 address. Errors never repeat the argument: it
//! may be a (mistyped) secret.

use integritee_runtime::AccountId;
use polkadot_sdk::sp_core::{crypto::Ss58Codec, sr25519, Pair};

use crate::{
	error::{ArgumentError, CliError},
	keystore::{self, Keystore},
};

/// Resolves account arguments against one keystore.
pub struct Accounts {
	keystore: Keystore,
}

impl Accounts {
	pub fn new(keystore: Keystore) -> Self {
		Self { keystore }
	}

	pub fn keystore(&self) -> &Keystore {
		&self.keystore
	}

	/// The key of an argument that signs.
	pub fn signer(&self, text: &str) -> Result<sr25519::Pair, CliError> {
		if self.keystore.contains(text) {
			return Ok(self.keystore.load(text)?.pair);
		}
		match integritee_chain_client::dev_pair(text) {
			Ok(pair) => Ok(pair),
			Err(_) if keystore::is_valid_name(text) => {
				Err(ArgumentError::UnknownSigner { keystore: self.keystore.dir().to_path_buf() }
					.into())
			}
			// Never echo the input: it may be a (mistyped) secret.
			Err(_) => Err(ArgumentError::UnusableSecretUri.into()),
		}
	}

	/// The account of an argument that only names one.
	pub fn account(&self, text: &str) -> Result<AccountId, CliError> {
		if let Ok(account) = AccountId::from_ss58check(text) {
			return Ok(account);
		}
		if self.keystore.contains(text) {
			return Ok(self.keystore.load(text)?.account());
		}
		integritee_chain_client::dev_pair(text)
			.map(|pair| pair.public().into())
			.map_err(|_| ArgumentError::UnknownAccount.into())
	}
}
