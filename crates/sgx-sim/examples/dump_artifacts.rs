//! Writes a simulated platform's artifacts to a directory, in the file names
//! of Intel's test data, for inspection with other tools (e.g. `openssl`).
//!
//! `cargo run --release -p integritee-sgx-sim --example dump_artifacts -- <dir> [seed-hex] [issued-ms]`
//!
//! INSECURE: the simulated platform protects nothing; for development only.

use integritee_sgx_sim::{EnclaveIdentity, SimulatedPlatform};
use std::{fs, path::PathBuf};

fn main() -> Result<(), Box<dyn std::error::Error>> {
	let mut args = std::env::args().skip(1);
	let dir =
		PathBuf::from(args.next().ok_or("usage: dump_artifacts <dir> [seed-hex] [issued-ms]")?);
	let mut seed = [0u8; 32];
	if let Some(text) = args.next() {
		hex::decode_to_slice(text, &mut seed)?;
	}
	// 2026-01-01T00:00:00Z unless given.
	let issued_ms: u64 = args.next().map(|t| t.parse()).transpose()?.unwrap_or(1_767_225_600_000);
	let platform = SimulatedPlatform::from_seed(seed);
	let collateral = platform.collateral(issued_ms, 30 * 24 * 60 * 60 * 1000)?;
	let quote = platform.quote(
		&EnclaveIdentity { mr_enclave: [0x11; 32], mr_signer: [0x22; 32], ..Default::default() },
		[0u8; 64],
	)?;
	fs::create_dir_all(&dir)?;
	fs::write(dir.join("dev_root_ca.der"), platform.dev_root_ca_der())?;
	fs::write(dir.join("dev_root_ca.pem"), platform.dev_root_ca_pem())?;
	fs::write(dir.join("pck_cert.der"), platform.pck_cert_der())?;
	fs::write(dir.join("pck_chain.pem"), platform.pck_chain_pem())?;
	fs::write(dir.join("quote.dat"), quote)?;
	fs::write(dir.join("qe_identity.json"), &collateral.qe_identity_json)?;
	fs::write(dir.join("tcb_info.json"), &collateral.tcb_info_json)?;
	fs::write(dir.join("tcb_info_issuer_chain.pem"), &collateral.issuer_chain_pem)?;
	fs::write(dir.join("pck_crl.der"), &collateral.pck_crl_der)?;
	fs::write(dir.join("pck_crl_issuer_chain.pem"), &collateral.pck_crl_issuer_chain_pem)?;
	fs::write(dir.join("root_ca_crl.der"), &collateral.root_ca_crl_der)?;
	fs::write(
		dir.join("pck_crl_revoked.der"),
		platform.revoke_pck(issued_ms, 30 * 24 * 60 * 60 * 1000)?,
	)?;
	println!("wrote artifacts of the simulated platform to {}", dir.display());
	Ok(())
}
