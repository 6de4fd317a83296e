//! Locates `shared/testdata/sgx` (the real Intel attestation artifacts,
//! read in place, never copied into the repo) **at run time**.
//!
//! A path baked in with `env!("CARGO_MANIFEST_DIR")` names the checkout the
//! test binary was compiled in; with a shared, reused target directory that
//! can be another checkout (a CI clone, a worktree) whose neighbours differ.
//! So the directory is searched from the running test's package directory
//! (cargo and nextest set `CARGO_MANIFEST_DIR` for the test process) and
//! the current directory, upwards: the first ancestor with
//! `shared/testdata/sgx` wins. `INTEGRITEE_SGX_TESTDATA` overrides it.
//!
//! Owns nothing else; no dependencies.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};

const RELATIVE: &str = "shared/testdata/sgx";

/// The `shared/testdata/sgx` directory, or an error naming where it was
/// looked for.
pub fn sgx_dir() -> Result<PathBuf, String> {
	if let Some(dir) = std::env::var_os("INTEGRITEE_SGX_TESTDATA") {
		return Ok(PathBuf::from(dir));
	}
	let starts: Vec<PathBuf> = [
		std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from),
		std::env::current_dir().ok(),
		Some(PathBuf::from(env!("CARGO_MANIFEST_DIR"))),
	]
	.into_iter()
	.flatten()
	.collect();
	starts
		.iter()
		.flat_map(|start| start.ancestors().map(|a| a.join(RELATIVE)))
		.find(|candidate| candidate.is_dir())
		.ok_or_else(|| {
			format!(
				"{RELATIVE} not found above {} (set INTEGRITEE_SGX_TESTDATA)",
				starts.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
			)
		})
}

/// The path of `relative` inside `shared/testdata/sgx`.
pub fn sgx_path(relative: &str) -> PathBuf {
	match sgx_dir() {
		Ok(dir) => dir.join(relative),
		Err(e) => panic!("{e}"),
	}
}

/// The bytes of `relative` inside `shared/testdata/sgx`; panics (it is
/// test support) with the path and the reason if it cannot be read.
pub fn sgx(relative: &str) -> Vec<u8> {
	let path = sgx_path(relative);
	std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", Path::new(&path).display()))
}
