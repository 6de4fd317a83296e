//! Account arguments: keystore names, secret URIs and SS58 addresses.
//!
//! An argument that signs is a keystore name (looked up first) or a secret
//! URI (`//Alice`, a mnemonic, a hex seed). An argument that only names an
//! account may also be an SS58 address. Errors never repeat the argument: it
//! may be a (mistyped) secret.

use integritee_runtime::AccountId;
use polkadot_sdk::sp_core::{crypto::Ss58Codec, sr25519, Pair};

use crate::keystore::{self, Keystore, KeystoreError};

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
	pub fn signer(&self, text: &str) -> Result<sr25519::Pair, String> {
		if self.keystore.contains(text) {
			return self.keystore.load(text).map(|key| key.pair).map_err(|e| e.to_string());
		}
		match integritee_chain_client::dev_pair(text) {
			Ok(pair) => Ok(pair),
			Err(_) if keystore::is_valid_name(text) => Err(format!(
				"a signing account is neither a key in the keystore ({}) nor a usable secret URI",
				self.keystore.dir().display()
			)),
			// Never echo the input: it may be a (mistyped) secret.
			Err(_) => Err("the secret URI is not usable".to_string()),
		}
	}

	/// The account of an argument that only names one.
	pub fn account(&self, text: &str) -> Result<AccountId, String> {
		if let Ok(account) = AccountId::from_ss58check(text) {
			return Ok(account);
		}
		if self.keystore.contains(text) {
			return self
				.keystore
				.load(text)
				.map(|key| key.account())
				.map_err(|e: KeystoreError| e.to_string());
		}
		integritee_chain_client::dev_pair(text).map(|pair| pair.public().into()).map_err(|_| {
			"an account argument is neither an SS58 address nor a secret URI nor a key in the \
			 keystore"
				.to_string()
		})
	}
}
