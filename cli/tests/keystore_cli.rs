//! `new-account` and keystore names as account arguments, through the
//! binary, without a node.
#![allow(clippy::unwrap_used)]

use std::{os::unix::fs::PermissionsExt, path::Path, process::Command};

use integritee_test_node::tempdir;
use polkadot_sdk::sp_core::crypto::{AccountId32, Ss58Codec};

const CLI: &str = env!("CARGO_BIN_EXE_integritee-cli");

struct Output {
	ok: bool,
	stdout: String,
	stderr: String,
}

fn run(keystore: &Path, args: &[&str]) -> Output {
	let output = Command::new(CLI)
		.arg("--keystore")
		.arg(keystore)
		.args(args)
		.env_remove("INTEGRITEE_KEYSTORE")
		.output()
		.expect("integritee-cli runs");
	Output {
		ok: output.status.success(),
		stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
		stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
	}
}

fn secret_phrase(keystore: &Path, name: &str) -> String {
	let text = std::fs::read_to_string(keystore.join(format!("{name}.json"))).unwrap();
	let value: serde_json::Value = serde_json::from_str(&text).unwrap();
	value["secret_phrase"].as_str().unwrap().to_string()
}

fn address_line(stdout: &str) -> String {
	stdout
		.lines()
		.find_map(|line| line.strip_prefix("address:"))
		.map(|rest| rest.trim().to_string())
		.unwrap_or_else(|| panic!("no address line in {stdout}"))
}

#[test]
fn new_account_creates_a_private_key_file_and_prints_no_secret() {
	let dir = tempdir::create("cli-new-account");
	let keystore = dir.0.join("keystore");
	let out = run(&keystore, &["new-account", "my-key_1"]);
	assert!(out.ok, "{}", out.stderr);
	assert!(out.stdout.contains("my-key_1"), "{}", out.stdout);
	let address = address_line(&out.stdout);
	assert!(AccountId32::from_ss58check(&address).is_ok(), "{address}");
	let phrase = secret_phrase(&keystore, "my-key_1");
	assert_eq!(phrase.split(' ').count(), 12);
	for word in phrase.split(' ').filter(|w| w.len() > 4) {
		assert!(!out.stdout.contains(&format!(" {word} ")), "secret printed: {}", out.stdout);
	}
	assert!(!out.stdout.contains(&phrase) && !out.stderr.contains(&phrase));
	let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
	assert_eq!(mode(&keystore), 0o700);
	assert_eq!(mode(&keystore.join("my-key_1.json")), 0o600);

	// --show-secret prints it, on request only.
	let shown = run(&keystore, &["new-account", "shown", "--show-secret"]);
	assert!(shown.ok, "{}", shown.stderr);
	assert!(shown.stdout.contains(&secret_phrase(&keystore, "shown")));

	// Without a name, a random one is chosen.
	let unnamed = run(&keystore, &["new-account"]);
	assert!(unnamed.ok, "{}", unnamed.stderr);
	assert!(unnamed.stdout.contains("name:    account-"), "{}", unnamed.stdout);
}

#[test]
fn duplicate_and_bad_names_are_refused() {
	let dir = tempdir::create("cli-bad-names");
	let keystore = dir.0.join("keystore");
	let first = run(&keystore, &["new-account", "dup"]);
	assert!(first.ok, "{}", first.stderr);
	let phrase = secret_phrase(&keystore, "dup");
	let again = run(&keystore, &["new-account", "dup"]);
	assert!(!again.ok);
	assert!(again.stderr.contains("already exists"), "{}", again.stderr);
	assert_eq!(secret_phrase(&keystore, "dup"), phrase, "the key was clobbered");

	for bad in ["a/b", "../escape", "with space", "dot.name", ""] {
		let out = run(&keystore, &["new-account", bad]);
		assert!(!out.ok, "{bad:?} accepted");
		assert!(out.stderr.contains("invalid key name"), "{bad:?}: {}", out.stderr);
		assert!(!out.stderr.contains("panicked"));
	}
	assert!(!dir.0.join("escape.json").exists());
}

#[test]
fn keystore_names_resolve_before_the_node_is_contacted() {
	let dir = tempdir::create("cli-resolve");
	let keystore = dir.0.join("keystore");
	assert!(run(&keystore, &["new-account", "payer"]).ok);
	// A resolvable name gets as far as the (unreachable) node.
	for args in [
		&["--node-url", "ws://127.0.0.1:9", "balance", "payer"][..],
		&["--node-url", "ws://127.0.0.1:9", "transfer", "payer", "//Bob", "1"][..],
	] {
		let out = run(&keystore, args);
		assert!(!out.ok);
		assert!(out.stderr.contains("cannot reach the node"), "{args:?}: {}", out.stderr);
	}
	// An unknown name that is no secret URI either.
	let out =
		run(&keystore, &["--node-url", "ws://127.0.0.1:9", "transfer", "nobody", "//Bob", "1"]);
	assert!(!out.ok);
	assert!(out.stderr.contains("neither a key in the keystore"), "{}", out.stderr);

	// A corrupt key file is reported as such, without its content.
	std::fs::write(keystore.join("payer.json"), "{\"version\":1,\"secret_phrase\":\"xyzzy\"}")
		.unwrap();
	let out =
		run(&keystore, &["--node-url", "ws://127.0.0.1:9", "transfer", "payer", "//Bob", "1"]);
	assert!(!out.ok);
	assert!(out.stderr.contains("corrupt"), "{}", out.stderr);
	assert!(!out.stderr.contains("xyzzy"), "{}", out.stderr);
}
