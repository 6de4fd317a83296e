//! The local keystore: named sr25519 keys, one file per key.
//!
//! A key file `<dir>/<name>.json` holds the key's secret phrase (BIP-39
//! mnemonic) and its SS58 address; it is created with mode 0600 in a
//! directory with mode 0700 and never overwritten. Loading re-derives the key
//! and checks it against the stored address, so that a damaged file is
//! reported rather than silently yielding another key.

use std::{
	fs,
	io::Write,
	os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt},
	path::{Path, PathBuf},
};

use polkadot_sdk::sp_core::{
	crypto::{AccountId32, Ss58Codec},
	sr25519, Pair,
};
use serde_json::Value;

/// Version of the key file format.
const FORMAT_VERSION: u64 = 1;
/// Longest accepted key name.
const MAX_NAME_LEN: usize = 64;

/// Why a key could not be created or loaded. Never carries a secret.
#[derive(Debug, thiserror::Error)]
pub enum KeystoreError {
	#[error("invalid key name: {0}")]
	BadName(BadName),
	#[error("a key named '{0}' already exists in the keystore (not overwritten)")]
	Exists(String),
	#[error("no key named '{0}' in the keystore")]
	NotFound(String),
	/// `reason` names what is wrong with the file, never its content.
	#[error("the keystore file of '{name}' is corrupt: {reason}")]
	Corrupt { name: String, reason: &'static str },
	#[error("keystore: cannot {action} {}: {source}", path.display())]
	Io {
		action: &'static str,
		path: PathBuf,
		#[source]
		source: std::io::Error,
	},
}

impl KeystoreError {
	/// Whether the command line is wrong (a bad key name), not the keystore.
	pub fn is_usage(&self) -> bool {
		matches!(self, KeystoreError::BadName(_))
	}
}

/// What is wrong with a key name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BadName {
	#[error("it is empty")]
	Empty,
	#[error("longer than {} characters", MAX_NAME_LEN)]
	TooLong,
	#[error("only letters, digits, '_' and '-' are allowed")]
	BadCharacter,
}

/// A key as stored: its name, address and secret.
pub struct StoredKey {
	pub name: String,
	pub pair: sr25519::Pair,
	pub phrase: String,
}

impl StoredKey {
	pub fn account(&self) -> AccountId32 {
		self.pair.public().into()
	}
}

pub struct Keystore {
	dir: PathBuf,
}

/// Whether `name` is a syntactically valid key name (`[A-Za-z0-9_-]`, 1 to 64
/// characters). Such a name can never be a secret URI with a derivation path
/// or a mnemonic (those contain `/` or spaces).
pub fn is_valid_name(name: &str) -> bool {
	!name.is_empty()
		&& name.len() <= MAX_NAME_LEN
		&& name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn check_name(name: &str) -> Result<(), KeystoreError> {
	if name.is_empty() {
		return Err(KeystoreError::BadName(BadName::Empty));
	}
	if name.len() > MAX_NAME_LEN {
		return Err(KeystoreError::BadName(BadName::TooLong));
	}
	if !is_valid_name(name) {
		return Err(KeystoreError::BadName(BadName::BadCharacter));
	}
	Ok(())
}

fn io(action: &'static str, path: &Path, source: std::io::Error) -> KeystoreError {
	KeystoreError::Io { action, path: path.to_path_buf(), source }
}

impl Keystore {
	pub fn new(dir: impl Into<PathBuf>) -> Self {
		Self { dir: dir.into() }
	}

	/// The default directory: `$XDG_DATA_HOME/integritee/keystore`, else
	/// `$HOME/.local/share/integritee/keystore`.
	pub fn default_dir() -> Option<PathBuf> {
		if let Some(data) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
			return Some(PathBuf::from(data).join("integritee/keystore"));
		}
		std::env::var_os("HOME")
			.filter(|v| !v.is_empty())
			.map(|home| PathBuf::from(home).join(".local/share/integritee/keystore"))
	}

	pub fn dir(&self) -> &Path {
		&self.dir
	}

	fn path(&self, name: &str) -> PathBuf {
		self.dir.join(format!("{name}.json"))
	}

	/// Whether a key file named `name` exists (false for invalid names).
	pub fn contains(&self, name: &str) -> bool {
		is_valid_name(name) && self.path(name).exists()
	}

	/// Creates a new random sr25519 key named `name`.
	pub fn create(&self, name: &str) -> Result<StoredKey, KeystoreError> {
		check_name(name)?;
		let (pair, phrase, _seed) = sr25519::Pair::generate_with_phrase(None);
		self.store(name, pair, phrase)
	}

	fn store(
		&self,
		name: &str,
		pair: sr25519::Pair,
		phrase: String,
	) -> Result<StoredKey, KeystoreError> {
		fs::DirBuilder::new()
			.recursive(true)
			.mode(0o700)
			.create(&self.dir)
			.map_err(|e| io("create the directory", &self.dir, e))?;
		// An existing directory keeps its mode from before; tighten it.
		fs::set_permissions(&self.dir, fs::Permissions::from_mode(0o700))
			.map_err(|e| io("restrict the permissions of", &self.dir, e))?;
		let path = self.path(name);
		let account: AccountId32 = pair.public().into();
		let content = serde_json::json!({
			"version": FORMAT_VERSION,
			"name": name,
			"scheme": "sr25519",
			"address": account.to_ss58check(),
			"secret_phrase": phrase,
		});
		// `create_new`: never clobber an existing key, even in a race.
		let mut file =
			fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path).map_err(
				|e| match e.kind() {
					std::io::ErrorKind::AlreadyExists => KeystoreError::Exists(name.to_string()),
					_ => io("create", &path, e),
				},
			)?;
		file.write_all(content.to_string().as_bytes())
			.and_then(|()| file.sync_all())
			.map_err(|e| io("write", &path, e))?;
		Ok(StoredKey { name: name.to_string(), pair, phrase })
	}

	/// Loads the key named `name`.
	pub fn load(&self, name: &str) -> Result<StoredKey, KeystoreError> {
		check_name(name)?;
		let path = self.path(name);
		let text = match fs::read_to_string(&path) {
			Ok(text) => text,
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
				return Err(KeystoreError::NotFound(name.to_string()))
			}
			Err(e) => return Err(io("read", &path, e)),
		};
		let corrupt =
			|reason: &'static str| KeystoreError::Corrupt { name: name.to_string(), reason };
		let value: Value = serde_json::from_str(&text).map_err(|_| corrupt("not valid JSON"))?;
		if value.get("version").and_then(Value::as_u64) != Some(FORMAT_VERSION) {
			return Err(corrupt("unknown or missing format version"));
		}
		if value.get("scheme").and_then(Value::as_str) != Some("sr25519") {
			return Err(corrupt("unknown or missing key scheme"));
		}
		let phrase = value
			.get("secret_phrase")
			.and_then(Value::as_str)
			.ok_or_else(|| corrupt("no secret phrase"))?;
		let address =
			value.get("address").and_then(Value::as_str).ok_or_else(|| corrupt("no address"))?;
		let pair = sr25519::Pair::from_phrase(phrase, None)
			.map_err(|_| corrupt("the secret phrase is not a valid mnemonic"))?
			.0;
		let account: AccountId32 = pair.public().into();
		if account.to_ss58check() != address {
			return Err(corrupt("the secret phrase does not match the stored address"));
		}
		Ok(StoredKey { name: name.to_string(), pair, phrase: phrase.to_string() })
	}
}

#[cfg(test)]
mod tests {
	#![allow(clippy::unwrap_used)]
	use super::*;

	fn temp(label: &str) -> integritee_test_node::tempdir::TempDirGuard {
		integritee_test_node::tempdir::create(&format!("keystore-{label}"))
	}

	#[test]
	fn create_then_load_gives_the_same_key() {
		let dir = temp("roundtrip");
		let store = Keystore::new(dir.0.join("ks"));
		let created = store.create("alice_1-x").unwrap();
		assert!(store.contains("alice_1-x"));
		let loaded = store.load("alice_1-x").unwrap();
		assert_eq!(loaded.account(), created.account());
		assert_eq!(loaded.phrase, created.phrase);
		let other = store.create("bob").unwrap();
		assert_ne!(other.account(), created.account(), "keys are random");
	}

	#[test]
	fn files_are_private() {
		let dir = temp("perms");
		let ks_dir = dir.0.join("a/b/ks");
		let store = Keystore::new(&ks_dir);
		store.create("k").unwrap();
		let dir_mode = fs::metadata(&ks_dir).unwrap().permissions().mode() & 0o777;
		assert_eq!(dir_mode, 0o700);
		let file_mode = fs::metadata(ks_dir.join("k.json")).unwrap().permissions().mode() & 0o777;
		assert_eq!(file_mode, 0o600);
		// A pre-existing loose directory is tightened.
		let loose = dir.0.join("loose");
		fs::create_dir_all(&loose).unwrap();
		fs::set_permissions(&loose, fs::Permissions::from_mode(0o755)).unwrap();
		Keystore::new(&loose).create("k").unwrap();
		assert_eq!(fs::metadata(&loose).unwrap().permissions().mode() & 0o777, 0o700);
	}

	#[test]
	fn bad_names_are_refused() {
		let dir = temp("names");
		let store = Keystore::new(dir.0.join("ks"));
		let long = "a".repeat(65);
		for name in ["", "a/b", "../x", "a b", "//Alice", "name.json", "é", long.as_str()] {
			assert!(
				matches!(store.create(name), Err(KeystoreError::BadName(_))),
				"{name:?} accepted"
			);
			assert!(matches!(store.load(name), Err(KeystoreError::BadName(_))));
			assert!(!store.contains(name));
		}
		assert!(!dir.0.join("ks/x.json").exists() && !dir.0.join("x.json").exists());
	}

	#[test]
	fn an_existing_name_is_not_clobbered() {
		let dir = temp("dup");
		let store = Keystore::new(dir.0.join("ks"));
		let first = store.create("same").unwrap();
		assert!(
			matches!(store.create("same"), Err(KeystoreError::Exists(name)) if name == "same"),
			"a second key of the same name was not refused"
		);
		assert_eq!(store.load("same").unwrap().account(), first.account());
	}

	#[test]
	fn missing_and_corrupt_files_give_clear_errors() {
		let dir = temp("corrupt");
		let store = Keystore::new(dir.0.join("ks"));
		assert!(
			matches!(store.load("nobody"), Err(KeystoreError::NotFound(name)) if name == "nobody"),
			"a missing key was not reported as such"
		);
		let key = store.create("k").unwrap();
		let path = store.dir().join("k.json");
		let original = fs::read_to_string(&path).unwrap();

		let cases: Vec<(String, &str)> = vec![
			("{not json".into(), "not valid JSON"),
			(original.replace("\"version\":1", "\"version\":9"), "format version"),
			(original.replace("sr25519", "ed25519"), "key scheme"),
			(original.replace(&key.phrase, "abandon abandon abandon"), "not a valid mnemonic"),
			(
				original.replace(
					&key.account().to_ss58check(),
					&AccountId32::new([1; 32]).to_ss58check(),
				),
				"does not match the stored address",
			),
		];
		for (content, expected) in cases {
			fs::write(&path, &content).unwrap();
			let error = store.load("k").err().unwrap();
			let text = error.to_string();
			assert!(matches!(error, KeystoreError::Corrupt { .. }), "{text}");
			assert!(text.contains(expected), "{text} lacks {expected}");
			assert!(!text.contains(&key.phrase), "secret in error: {text}");
		}
	}
}
