//! The TEE platform under the trusted core: its measurement, its sealing
//! secret and its quotes.
//!
//! Backends: [`SimulatedTee`] (every machine: no SGX needed). A Gramine
//! backend would read the measurement and quotes from `/dev/attestation`
//! (`my_target_info`, `user_report_data`, `quote`) and derive the sealing
//! secret from `/dev/attestation/keys/_sgx_mrenclave`; it is not built yet.

use sha2::{Digest, Sha256};

use crate::Error;

/// What the trusted core needs from the TEE it runs in.
pub trait TeePlatform: Send + Sync {
	/// MRENCLAVE: the measurement of the enclave's code.
	fn mr_enclave(&self) -> [u8; 32];
	/// MRSIGNER: the identity of the enclave's signer.
	fn mr_signer(&self) -> [u8; 32];
	/// A secret only this platform (and, on real SGX, only this signer's
	/// enclaves on this CPU) can obtain; sealing keys derive from it.
	fn sealing_secret(&self) -> [u8; 32];
	/// A DCAP quote over this enclave with `report_data`.
	fn quote(&self, report_data: [u8; 64]) -> Result<Vec<u8>, Error>;
	/// True when the backend protects nothing against the host.
	fn is_simulated(&self) -> bool;
}

/// MRSIGNER of the simulated backend: SHA-256 of a fixed label.
fn simulated_mr_signer() -> [u8; 32] {
	Sha256::digest(b"integritee-rs simulated enclave signer").into()
}

/// The simulated TEE: a software SGX platform (`integritee-sgx-sim`) whose
/// quotes have the real DCAP format and chain to the development root CA.
///
/// INSECURE BY DESIGN. The host can read every key, the state and the
/// sealing secret (derived from a public seed); the quotes prove nothing
/// outside a development chain that pins the development root CA.
pub struct SimulatedTee {
	platform: integritee_sgx_sim::SimulatedPlatform,
	mr_enclave: [u8; 32],
	debug: bool,
}

impl SimulatedTee {
	/// The development platform (`integritee_sgx_sim::dev`) running the
	/// enclave whose measurement is `mr_enclave`.
	pub fn new(mr_enclave: [u8; 32]) -> Self {
		Self { platform: integritee_sgx_sim::dev::dev_platform(), mr_enclave, debug: false }
	}

	/// The development platform running this very program: MRENCLAVE is the
	/// SHA-256 of the executable file, so another build is another enclave.
	pub fn for_current_executable() -> Result<Self, Error> {
		let path = std::env::current_exe().map_err(|e| Error::Platform(e.to_string()))?;
		Ok(Self::new(measure_file(&path)?))
	}
}

/// SHA-256 of a file, read in chunks.
pub fn measure_file(path: &std::path::Path) -> Result<[u8; 32], Error> {
	use std::io::Read;
	let mut file = std::fs::File::open(path)
		.map_err(|e| Error::Platform(format!("cannot measure {}: {e}", path.display())))?;
	let mut hasher = Sha256::new();
	let mut buffer = vec![0u8; 1 << 20];
	loop {
		let read = file
			.read(&mut buffer)
			.map_err(|e| Error::Platform(format!("cannot measure {}: {e}", path.display())))?;
		if read == 0 {
			break;
		}
		hasher.update(&buffer[..read]);
	}
	Ok(hasher.finalize().into())
}

impl TeePlatform for SimulatedTee {
	fn mr_enclave(&self) -> [u8; 32] {
		self.mr_enclave
	}

	fn mr_signer(&self) -> [u8; 32] {
		simulated_mr_signer()
	}

	fn sealing_secret(&self) -> [u8; 32] {
		// Like SGX's MRSIGNER-based key derivation, but from the public
		// platform seed: anyone can recompute it.
		let mut hasher = Sha256::new();
		hasher.update(b"integritee-rs simulated sealing secret");
		hasher.update(integritee_sgx_sim::dev::DEV_PLATFORM_SEED);
		hasher.update(self.mr_signer());
		hasher.finalize().into()
	}

	fn quote(&self, report_data: [u8; 64]) -> Result<Vec<u8>, Error> {
		let identity = integritee_sgx_sim::EnclaveIdentity {
			mr_enclave: self.mr_enclave,
			mr_signer: self.mr_signer(),
			isv_prod_id: 1,
			isv_svn: 1,
			debug: self.debug,
		};
		self.platform.quote(&identity, report_data).map_err(|e| Error::Platform(format!("{e:?}")))
	}

	fn is_simulated(&self) -> bool {
		true
	}
}
