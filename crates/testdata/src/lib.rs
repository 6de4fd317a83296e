//! The real Intel attestation artifacts the tests verify against, kept in
//! this crate's `sgx/` directory (provenance, license and the verdicts the
//! tests expect: `sgx/README.md`).
//!
//! The directory is located **at run time**: a path baked in with
//! `env!("CARGO_MANIFEST_DIR")` names the checkout the test binary was
//! compiled in, and with a shared, reused target directory that can be
//! another checkout (a CI clone, a worktree) than the one being tested. So
//! the running test's package directory (cargo and nextest set
//! `CARGO_MANIFEST_DIR` for the test process) is searched upwards for
//! `crates/testdata/sgx`; only then is the compile-time path used.
//! Nothing outside the repository is read. `INTEGRITEE_SGX_TESTDATA`
//! overrides the search.
//!
//! Owns nothing else; no dependencies.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};

/// The artifacts' directory, relative to the repository root.
const IN_REPO: &str = "crates/testdata/sgx";

/// The artifacts' directory, or an error naming where it was looked for.
pub fn sgx_dir() -> Result<PathBuf, String> {
	if let Some(dir) = std::env::var_os("INTEGRITEE_SGX_TESTDATA") {
		return Ok(PathBuf::from(dir));
	}
	let mut candidates: Vec<PathBuf> = std::env::var_os("CARGO_MANIFEST_DIR")
		.map(PathBuf::from)
		.into_iter()
		.flat_map(|package| package.ancestors().map(|a| a.join(IN_REPO)).collect::<Vec<_>>())
		.collect();
	candidates.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("sgx"));
	candidates.iter().find(|candidate| candidate.is_dir()).cloned().ok_or_else(|| {
		format!(
			"the SGX test data ({IN_REPO}) was not found; looked at {} (set INTEGRITEE_SGX_TESTDATA)",
			candidates.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
		)
	})
}

/// The path of `relative` inside the artifacts' directory.
pub fn sgx_path(relative: &str) -> PathBuf {
	match sgx_dir() {
		Ok(dir) => dir.join(relative),
		Err(e) => panic!("{e}"),
	}
}

/// The bytes of `relative` inside the artifacts' directory; panics (it is
/// test support) with the path and the reason if it cannot be read.
pub fn sgx(relative: &str) -> Vec<u8> {
	let path = sgx_path(relative);
	std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn finds_the_artifacts_inside_the_repository() {
		let dir = sgx_dir().expect("test data directory");
		// The running test's package directory (not the compile-time one: a
		// shared target directory may hold a binary built in another checkout).
		let package = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
		let package = package.unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
		let repo = package.ancestors().nth(2).expect("repo root");
		let (dir, repo) = (dir.canonicalize().expect("dir"), repo.canonicalize().expect("repo"));
		assert!(dir.starts_with(&repo), "{} is outside {}", dir.display(), repo.display());
		assert_eq!(sgx("dcap/ra_dcap_dump_quote.ra").len(), 4599);
		assert!(sgx_path("ias/ra_dump_cert_TEST4.der").is_file());
	}
}
