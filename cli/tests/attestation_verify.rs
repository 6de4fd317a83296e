//! `integritee-cli attestation verify` on the real Intel artifacts of the
//! shared test data, read in place (never copied into the repository).
//! Temporary variants (hex text, tampered, truncated) are written to the
//! system's temporary directory.

use std::{
	path::{Path, PathBuf},
	process::Command,
};

const CLI: &str = env!("CARGO_BIN_EXE_integritee-cli");

/// 2022-12-21T07:12:27Z: the DCAP collateral is current.
const DCAP_NOW_MS: &str = "1671606747000";
/// The QE identity's nextUpdate: it is expired from here on.
const QE_IDENTITY_EXPIRED_MS: &str = "1672785933000";
const HOUR_MS: u64 = 3_600_000;

const DCAP_MR_ENCLAVE: &str = "6f90120b5c1f03619112eac855e29d6e0be4f35b2902aa169affff7719277ebc";
const MR_SIGNER: &str = "83d719e77deaca1470f6baf62a4d774303c899db69020f9c70ee1dfc08c7ce9e";
const DCAP_SIGNER_PUBLIC: &str = "4159c17656ac1195cea0ae4bdb9733eb6e87143793a26a6e8fcf3940433fcb5f";

/// A file of `crates/testdata/sgx` (found at run time).
fn sgx(path: &str) -> PathBuf {
	integritee_testdata::sgx_path(path)
}

fn quote_path() -> PathBuf {
	sgx("dcap/ra_dcap_dump_quote.ra")
}

fn collateral_dir() -> PathBuf {
	sgx("dcap")
}

struct Run {
	ok: bool,
	stdout: String,
	stderr: String,
}

fn run<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Run {
	let output = Command::new(CLI)
		.arg("attestation")
		.arg("verify")
		.args(args)
		.output()
		.expect("integritee-cli runs");
	let run = Run {
		ok: output.status.success(),
		stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
		stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
	};
	assert!(!run.stderr.contains("panicked"), "panic: {}", run.stderr);
	run
}

fn json(run: &Run) -> serde_json::Value {
	assert!(run.ok, "failed: {}", run.stderr);
	let lines: Vec<&str> = run.stdout.lines().collect();
	assert_eq!(lines.len(), 1, "one JSON object expected: {}", run.stdout);
	serde_json::from_str(lines[0]).expect("stdout is JSON")
}

fn verify_dcap(quote: &Path, extra: &[&str]) -> Run {
	let mut args: Vec<std::ffi::OsString> = vec![
		quote.into(),
		"--collateral".into(),
		collateral_dir().into(),
		"--at".into(),
		DCAP_NOW_MS.into(),
		"--json".into(),
	];
	args.extend(extra.iter().map(Into::into));
	run(&args)
}

/// A file in a fresh temporary directory, removed on drop.
struct TempFile {
	dir: PathBuf,
	path: PathBuf,
}

impl TempFile {
	fn new(name: &str, contents: &[u8]) -> Self {
		static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
		let dir = std::env::temp_dir().join(format!(
			"integritee-cli-test-{}-{}-{}-{name}",
			std::process::id(),
			NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
			std::time::SystemTime::now()
				.duration_since(std::time::UNIX_EPOCH)
				.map(|d| d.as_nanos())
				.unwrap_or_default()
		));
		std::fs::create_dir_all(&dir).expect("temporary directory");
		let path = dir.join(name);
		std::fs::write(&path, contents).expect("temporary file");
		Self { dir, path }
	}
}

impl Drop for TempFile {
	fn drop(&mut self) {
		let _ = std::fs::remove_dir_all(&self.dir);
	}
}

fn quote_bytes() -> Vec<u8> {
	std::fs::read(quote_path()).expect("the shared test data is present")
}

fn assert_dcap_claims(value: &serde_json::Value) {
	assert_eq!(value["kind"], "dcap");
	assert_eq!(value["mr_enclave"], DCAP_MR_ENCLAVE);
	assert_eq!(value["mr_signer"], MR_SIGNER);
	assert_eq!(value["build_mode"], "Debug");
	assert_eq!(value["tcb_status"], "SWHardeningNeeded");
	assert_eq!(value["timestamp_ms"], 1_671_606_747_000u64);
	let report_data = value["report_data"].as_str().expect("report_data is a string");
	assert_eq!(report_data.len(), 128, "64 bytes in hex");
	assert!(report_data.starts_with(DCAP_SIGNER_PUBLIC), "{report_data}");
}

#[test]
fn the_real_dcap_quote_verifies_with_the_real_collateral() {
	let result = verify_dcap(&quote_path(), &[]);
	assert_dcap_claims(&json(&result));
	// The shared PCK CRL is the Platform CA's; the quote's PCK is issued by
	// the Processor CA: the CRL cannot apply and is skipped with a warning.
	assert!(result.stderr.contains("pck_crl.der is issued by another CA"), "{}", result.stderr);
}

#[test]
fn the_quote_as_hex_text_verifies_too() {
	let text = format!("0x{}\n", hex::encode(quote_bytes()));
	let mut wrapped = String::new();
	for (i, c) in text.chars().enumerate() {
		if i > 0 && i % 64 == 0 {
			wrapped.push('\n');
		}
		wrapped.push(c);
	}
	let file = TempFile::new("quote.hex", wrapped.as_bytes());
	assert_dcap_claims(&json(&verify_dcap(&file.path, &[])));
}

#[test]
fn the_readable_summary_names_the_claims() {
	let result = run(&[
		quote_path().into_os_string(),
		"--collateral".into(),
		collateral_dir().into_os_string(),
		"--at".into(),
		DCAP_NOW_MS.into(),
	]);
	assert!(result.ok, "{}", result.stderr);
	for expected in
		[DCAP_MR_ENCLAVE, MR_SIGNER, "SWHardeningNeeded", "Debug", "2022-12-21T07:12:27Z"]
	{
		assert!(result.stdout.contains(expected), "{expected} missing: {}", result.stdout);
	}
}

#[test]
fn each_ias_certificate_verifies_an_hour_after_its_report() {
	let cases = [
		(
			"TEST4",
			1_587_899_785_000u64,
			"7a3454ec8f42e265cb5be7dfd111e1d95ac6076ed82a0948b2e2a45cf17b62a0",
		),
		(
			"TEST5",
			1_587_900_013_000,
			"f4dedfc9e5fcc48443332bc9b23161c34a3c3f5a692eaffdb228db27b704d9d1",
		),
		(
			"TEST6",
			1_587_900_233_000,
			"f4dedfc9e5fcc48443332bc9b23161c34a3c3f5a692eaffdb228db27b704d9d1",
		),
		(
			"TEST7",
			1_587_900_450_000,
			"f4dedfc9e5fcc48443332bc9b23161c34a3c3f5a692eaffdb228db27b704d9d1",
		),
	];
	for (name, report_ms, mr_enclave) in cases {
		let cert = sgx(&format!("ias/ra_dump_cert_{name}.der"));
		let at = (report_ms + HOUR_MS).to_string();
		let value =
			json(&run(&[cert.as_os_str(), "--at".as_ref(), at.as_ref(), "--json".as_ref()]));
		assert_eq!(value["kind"], "ias", "{name}");
		assert_eq!(value["mr_enclave"], mr_enclave, "{name}");
		assert_eq!(value["mr_signer"], MR_SIGNER, "{name}");
		assert_eq!(value["build_mode"], "Debug", "{name}");
		assert_eq!(value["tcb_status"], "CONFIGURATION_NEEDED", "{name}");
		assert_eq!(value["timestamp_ms"], report_ms, "{name}");
		let signer = std::fs::read(sgx(&format!("ias/enclave-signing-pubkey-{name}.bin")))
			.expect("signing key file");
		let report_data = value["report_data"].as_str().expect("report_data is a string");
		assert_eq!(report_data.len(), 128, "{name}");
		assert!(report_data.starts_with(&hex::encode(signer)), "{name}: {report_data}");
	}
}

#[test]
fn an_ias_certificate_past_its_freshness_window_fails() {
	let cert = sgx("ias/ra_dump_cert_TEST7.der");
	let at = (1_587_900_450_000u64 + 24 * HOUR_MS + 1).to_string();
	let result = run(&[cert.as_os_str(), "--at".as_ref(), at.as_ref()]);
	assert!(!result.ok);
	assert!(result.stderr.contains("more than 24 h older"), "{}", result.stderr);
}

#[test]
fn expired_qe_identity_fails() {
	let result = run(&[
		quote_path().into_os_string(),
		"--collateral".into(),
		collateral_dir().into_os_string(),
		"--at".into(),
		QE_IDENTITY_EXPIRED_MS.into(),
	]);
	assert!(!result.ok);
	assert!(result.stderr.contains("qe_identity.json"), "{}", result.stderr);
	assert!(result.stderr.contains("QE identity is not current"), "{}", result.stderr);
	assert!(result.stdout.is_empty(), "{}", result.stdout);
}

#[test]
fn a_tampered_quote_byte_fails() {
	let mut quote = quote_bytes();
	quote[100] ^= 0x01; // inside the ISV report body
	let file = TempFile::new("tampered.ra", &quote);
	let result = verify_dcap(&file.path, &[]);
	assert!(!result.ok);
	assert!(result.stderr.contains("ISV enclave report signature is invalid"), "{}", result.stderr);
}

#[test]
fn a_truncated_quote_fails() {
	let quote = quote_bytes();
	let file = TempFile::new("truncated.ra", &quote[..quote.len() - 100]);
	let result = verify_dcap(&file.path, &[]);
	assert!(!result.ok);
	assert!(result.stderr.contains("input ends inside"), "{}", result.stderr);
}

#[test]
fn a_truncated_ias_certificate_fails() {
	let cert = std::fs::read(sgx("ias/ra_dump_cert_TEST4.der")).expect("certificate");
	let file = TempFile::new("truncated.der", &cert[..cert.len() / 2]);
	let at = (1_587_899_785_000u64 + HOUR_MS).to_string();
	let result = run(&[file.path.as_os_str(), "--at".as_ref(), at.as_ref()]);
	assert!(!result.ok);
	assert!(result.stderr.contains("DER decoding failed"), "{}", result.stderr);
}

#[test]
fn a_dcap_quote_without_collateral_fails_clearly() {
	let result = run(&[quote_path().into_os_string(), "--at".into(), DCAP_NOW_MS.into()]);
	assert!(!result.ok);
	assert!(result.stderr.contains("pass --collateral DIR"), "{}", result.stderr);
}

#[test]
fn a_collateral_directory_without_tcb_info_fails_clearly() {
	let empty = TempFile::new("placeholder", b"");
	let result = run(&[
		quote_path().into_os_string(),
		"--collateral".into(),
		empty.dir.clone().into_os_string(),
		"--at".into(),
		DCAP_NOW_MS.into(),
	]);
	assert!(!result.ok);
	assert!(result.stderr.contains("lacks qe_identity.json"), "{}", result.stderr);
}

#[test]
fn a_nonexistent_file_fails() {
	let result = run(&["/nonexistent/quote.ra", "--collateral", "/nonexistent"]);
	assert!(!result.ok);
	assert!(result.stderr.contains("cannot read FILE /nonexistent/quote.ra"), "{}", result.stderr);
}

#[test]
fn garbage_evidence_fails() {
	let file = TempFile::new("garbage.json", b"{\"not\": \"a quote\"}");
	let result = run(&[file.path.as_os_str()]);
	assert!(!result.ok);
	assert!(result.stderr.contains("neither an SGX quote"), "{}", result.stderr);
}

#[test]
fn the_wrong_root_ca_fails() {
	let result = verify_dcap(
		&quote_path(),
		&["--root-ca", &sgx("ias/AttestationReportSigningCACert.pem").to_string_lossy()],
	);
	assert!(!result.ok);
	assert!(result.stderr.contains("does not lead to the trusted root CA"), "{}", result.stderr);
}

#[test]
fn the_ias_root_as_root_ca_verifies_an_ias_certificate() {
	let cert = sgx("ias/ra_dump_cert_TEST5.der");
	let root = sgx("ias/AttestationReportSigningCACert.pem");
	let at = (1_587_900_013_000u64 + HOUR_MS).to_string();
	let value = json(&run(&[
		cert.as_os_str(),
		"--at".as_ref(),
		at.as_ref(),
		"--root-ca".as_ref(),
		root.as_os_str(),
		"--json".as_ref(),
	]));
	assert_eq!(value["kind"], "ias");
}

#[test]
fn a_root_ca_file_without_a_certificate_fails() {
	let file = TempFile::new("root.pem", b"not a certificate");
	let result = verify_dcap(&quote_path(), &["--root-ca", &file.path.to_string_lossy()]);
	assert!(!result.ok);
	assert!(result.stderr.contains("--root-ca"), "{}", result.stderr);
}

#[test]
fn a_garbage_time_is_refused_by_the_parser() {
	let result = run(&[quote_path().into_os_string(), "--at".into(), "yesterday".into()]);
	assert!(!result.ok);
	assert!(result.stderr.contains("invalid value 'yesterday'"), "{}", result.stderr);
}

/// A copy of the real collateral directory in a temporary directory, with
/// `replace` files written over (or, with `None`, left out).
fn collateral_copy(replace: &[(&str, Option<Vec<u8>>)]) -> TempFile {
	let copy = TempFile::new("README", b"temporary copy of the shared DCAP collateral");
	for name in [
		"qe_identity.json",
		"qe_identity_issuer_chain.pem",
		"tcb_info.json",
		"tcb_info_issuer_chain.pem",
		"pck_crl.der",
		"pck_crl_issuer_chain.pem",
		"root_ca_crl.der",
	] {
		let contents = match replace.iter().find(|(n, _)| *n == name) {
			Some((_, contents)) => contents.clone(),
			None => Some(std::fs::read(sgx(&format!("dcap/{name}"))).expect("collateral file")),
		};
		if let Some(contents) = contents {
			std::fs::write(copy.dir.join(name), contents).expect("copy");
		}
	}
	copy
}

fn verify_with(dir: &Path) -> Run {
	run(&[
		quote_path().into_os_string(),
		"--collateral".into(),
		dir.as_os_str().to_owned(),
		"--at".into(),
		DCAP_NOW_MS.into(),
		"--json".into(),
	])
}

#[test]
fn without_its_issuer_chain_the_pck_crl_is_checked_with_the_quotes_chain() {
	let copy = collateral_copy(&[("pck_crl_issuer_chain.pem", None)]);
	let result = verify_with(&copy.dir);
	assert_dcap_claims(&json(&result));
	assert!(result.stderr.contains("pck_crl.der is issued by another CA"), "{}", result.stderr);
}

#[test]
fn a_corrupted_root_ca_crl_fails() {
	let text = std::fs::read_to_string(sgx("dcap/root_ca_crl.der")).expect("hex text");
	let mut der = hex::decode(text.trim()).expect("hex of DER");
	let last = der.len() - 1;
	der[last] ^= 0x01; // inside the signature
	let copy = collateral_copy(&[("root_ca_crl.der", Some(der))]);
	let result = verify_with(&copy.dir);
	assert!(!result.ok);
	assert!(result.stderr.contains("collateral root_ca_crl.der"), "{}", result.stderr);
}

#[test]
fn a_tampered_tcb_info_fails() {
	let text = std::fs::read_to_string(sgx("dcap/tcb_info.json")).expect("JSON");
	let tampered = text.replacen("\"pcesvn\":", "\"pcesvn\": ", 1);
	assert_ne!(tampered, text);
	let copy = collateral_copy(&[("tcb_info.json", Some(tampered.into_bytes()))]);
	let result = verify_with(&copy.dir);
	assert!(!result.ok);
	assert!(result.stderr.contains("collateral signature is invalid"), "{}", result.stderr);
}

/// Exit codes: 1 for evidence that does not verify or cannot be read, 2
/// for a command line that lacks what the evidence needs.
#[test]
fn a_missing_collateral_option_is_a_usage_error_and_bad_evidence_a_failure() {
	let code = |args: &[&std::ffi::OsStr]| {
		Command::new(CLI)
			.args(["attestation", "verify"])
			.args(args)
			.output()
			.expect("integritee-cli runs")
			.status
			.code()
	};
	let quote = quote_path();
	assert_eq!(code(&[quote.as_os_str(), "--at".as_ref(), DCAP_NOW_MS.as_ref()]), Some(2));
	let garbage = TempFile::new("garbage-exit-code.json", b"{\"not\": \"a quote\"}");
	assert_eq!(code(&[garbage.path.as_os_str()]), Some(1));
	assert_eq!(code(&["/nonexistent/quote.ra".as_ref()]), Some(1));
	let collateral = collateral_dir();
	let tampered = TempFile::new("tampered-exit-code.ra", &{
		let mut bytes = quote_bytes();
		let last = bytes.len() / 2;
		bytes[last] ^= 1;
		bytes
	});
	assert_eq!(
		code(&[
			tampered.path.as_os_str(),
			"--collateral".as_ref(),
			collateral.as_os_str(),
			"--at".as_ref(),
			DCAP_NOW_MS.as_ref(),
		]),
		Some(1)
	);
}
