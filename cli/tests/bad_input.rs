//! Bad input gives a clear error and a failing exit code, without a panic
//! and without echoing what might be a secret.

use std::process::Command;

const CLI: &str = env!("CARGO_BIN_EXE_integritee-cli");

fn run(args: &[&str]) -> (bool, String) {
	let output = Command::new(CLI).args(args).output().expect("integritee-cli runs");
	(output.status.success(), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn an_account_that_is_neither_address_nor_secret_is_refused_without_echo() {
	let (ok, stderr) = run(&["balance", "not-a-valid-account-or-mnemonic"]);
	assert!(!ok);
	assert!(stderr.contains("neither an SS58 address nor a secret URI"), "{stderr}");
	assert!(!stderr.contains("not-a-valid-account-or-mnemonic"), "input echoed: {stderr}");
	assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_bad_signing_secret_is_refused_without_echo() {
	let secret = "bottom drive obey lake curtain smoke basket hold race lonely fit walkk";
	let (ok, stderr) = run(&["transfer", secret, "//Bob", "1"]);
	assert!(!ok);
	assert!(stderr.contains("secret URI is not usable"), "{stderr}");
	assert!(!stderr.contains("walkk"), "secret echoed: {stderr}");
}

#[test]
fn an_unreachable_node_is_reported() {
	// Port 9 (discard) on loopback: nothing listens there in tests.
	let (ok, stderr) = run(&["--node-url", "ws://127.0.0.1:9", "list-workers"]);
	assert!(!ok);
	assert!(stderr.contains("cannot reach the node at ws://127.0.0.1:9"), "{stderr}");
}

#[test]
fn a_non_numeric_amount_is_refused_by_the_parser() {
	let (ok, stderr) = run(&["transfer", "//Alice", "//Bob", "lots"]);
	assert!(!ok);
	assert!(stderr.contains("invalid value 'lots'"), "{stderr}");
}

#[test]
fn bad_shards_and_amounts_are_refused_before_any_connection() {
	let shard = "11".repeat(32);
	let cases: Vec<(Vec<&str>, &str)> = vec![
		(vec!["shield-funds", "//Alice", "//Bob", "10", "--shard", "0x1234"], "invalid shard"),
		(vec!["shield-funds", "//Alice", "//Bob", "10", "--shard", "nothex"], "invalid shard"),
		(vec!["shield-funds", "//Alice", "//Bob", "1.5", "--shard", &shard], "whole number"),
		(vec!["shield-funds", "//Alice", "//Bob", "-3", "--shard", &shard], "unexpected argument"),
		(vec!["trusted", "--shard", "0xzz", "balance", "//Alice"], "invalid shard"),
		(vec!["trusted", "--shard", &shard, "transfer", "//Alice", "//Bob", "x"], "whole number"),
		(
			vec![
				"trusted",
				"--shard",
				&shard,
				"transfer",
				"//Alice",
				"//Bob",
				"1",
				"--mrenclave",
				"00",
			],
			"invalid MRENCLAVE",
		),
		(vec!["shield-funds", "//Alice", "//Bob", "10"], "--shard"),
	];
	for (args, expected) in cases {
		let (ok, stderr) = run(&args);
		assert!(!ok, "{args:?} accepted");
		assert!(stderr.contains(expected), "{args:?}: {stderr}");
		assert!(!stderr.contains("panicked"), "{stderr}");
	}
}

#[test]
fn trusted_getters_need_an_account_that_can_sign() {
	let shard = "11".repeat(32);
	// An SS58 address names an account but cannot sign its getter.
	let address = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
	let (ok, stderr) =
		run(&["--keystore", "/nonexistent", "trusted", "--shard", &shard, "nonce", address]);
	assert!(!ok);
	assert!(stderr.contains("nor a usable secret URI"), "{stderr}");
}

/// The exit code and stderr of a run without the user's keystore.
fn exit_code(args: &[&str]) -> (Option<i32>, String) {
	let output = Command::new(CLI)
		.args(["--keystore", "/nonexistent/integritee-cli-test-keystore"])
		.args(args)
		.env_remove("INTEGRITEE_KEYSTORE")
		.output()
		.expect("integritee-cli runs");
	(output.status.code(), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn usage_errors_exit_2_whether_clap_or_the_cli_finds_them() {
	let shard = "11".repeat(32);
	// An SS58 address with a broken checksum: no address, no key, no secret.
	let bad_ss58 = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQZ";
	let cases: Vec<(Vec<&str>, &str)> = vec![
		// clap's own.
		(vec!["transfer", "//Alice", "//Bob", "lots"], "invalid value 'lots'"),
		(vec!["no-such-command"], "unrecognized subcommand"),
		(vec!["trusted", "--shard", "0xzz", "balance", "//Alice"], "invalid shard"),
		(vec!["trusted", "--shard", "0x1234", "balance", "//Alice"], "invalid shard"),
		// The CLI's, after clap.
		(vec!["balance", bad_ss58], "neither an SS58 address nor a secret URI"),
		(vec!["transfer", "//Alice", bad_ss58, "1"], "neither an SS58 address nor a secret URI"),
		(
			vec![
				"transfer",
				"bottom drive obey lake curtain smoke basket hold walkk",
				"//Bob",
				"1",
			],
			"secret URI is not usable",
		),
		(vec!["transfer", "nobody", "//Bob", "1"], "neither a key in the keystore"),
		(vec!["trusted", "--shard", &shard, "nonce", bad_ss58], "nor a usable secret URI"),
		(vec!["new-account", "a/b"], "invalid key name"),
	];
	for (args, expected) in cases {
		let (code, stderr) = exit_code(&args);
		assert_eq!(code, Some(2), "{args:?}: {stderr}");
		assert!(stderr.contains(expected), "{args:?}: {stderr}");
		assert!(!stderr.contains("panicked"), "{stderr}");
	}
	assert!(!std::path::Path::new("/nonexistent/integritee-cli-test-keystore").exists());
}

#[test]
fn refusals_and_failures_exit_1() {
	let shard = "11".repeat(32);
	for args in [
		&["--node-url", "ws://127.0.0.1:9", "list-workers"][..],
		&["--node-url", "ws://127.0.0.1:9", "balance", "//Alice"][..],
		&["--node-url", "ws://127.0.0.1:9", "trusted", "--shard", &shard, "balance", "//Bob"][..],
	] {
		let (code, stderr) = exit_code(args);
		assert_eq!(code, Some(1), "{args:?}: {stderr}");
		assert!(stderr.contains("cannot reach the node"), "{args:?}: {stderr}");
	}
}

#[test]
fn the_top_level_help_documents_the_exit_codes() {
	let output = Command::new(CLI).arg("--help").output().expect("integritee-cli runs");
	assert!(output.status.success());
	let help = String::from_utf8_lossy(&output.stdout);
	assert!(help.contains("Exit status"), "{help}");
	assert!(help.contains("the command was refused or failed"), "{help}");
	assert!(help.contains("usage error"), "{help}");
}
