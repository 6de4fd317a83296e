//! What the benchmarks need from the runtime: valid DCAP evidence, and a way
//! to set chain time ([`BenchmarkHelper`]). [`SimulatedSgxHelper`] makes the
//! evidence on the simulated SGX platform of development chains
//! (`integritee_sgx_sim::dev`): its root CA, its collateral and quotes of it.
//! Benchmarks pin that root first, so the runtime's real verifier accepts
//! the evidence exactly as it would Intel's.

use crate::{ClaimsOf, Config};
use alloc::{vec, vec::Vec};
use codec::Encode;
use integritee_primitives::Fmspc;
use integritee_sgx_sim::{dev::dev_platform, EnclaveIdentity, SimError, SimPlatformConfig};
use polkadot_sdk::{
	frame_benchmarking::BenchmarkError, frame_support::traits::Get, pallet_timestamp,
};

/// One piece of collateral, as the collateral calls take it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SignedCollateral {
	pub body: Vec<u8>,
	/// Empty for CRLs, which carry their signature inside.
	pub signature: Vec<u8>,
	pub issuer_chain: Vec<u8>,
}

/// The collateral a DCAP quote of the helper's platform is checked against.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct BenchmarkCollateral {
	pub qe_identity: SignedCollateral,
	pub tcb_info: SignedCollateral,
	/// Revokes nothing (see [`BenchmarkHelper::pck_crl`] for one that does).
	pub pck_crl: SignedCollateral,
	pub root_ca_crl: SignedCollateral,
	/// The platform's FMSPC, the key of its TCB info.
	pub fmspc: Fmspc,
}

/// Valid DCAP evidence of one platform, and chain time, for the benchmarks.
pub trait BenchmarkHelper<T: Config> {
	/// Sets the time [`Config::UnixTime`] reports to `now_ms`.
	fn set_time(now_ms: u64);

	/// A time at which evidence issued then is valid: the benchmarks issue
	/// collateral at this time (and a day later, to replace it).
	fn issue_time_ms() -> u64;

	/// The DER root CA all the evidence chains to.
	fn dcap_root_ca() -> Result<Vec<u8>, BenchmarkError>;

	/// Collateral issued at `issued_at_ms` (whole seconds) and valid for a
	/// year.
	fn collateral(issued_at_ms: u64) -> Result<BenchmarkCollateral, BenchmarkError>;

	/// A PCK CRL issued at `issued_at_ms`, valid for a year, that revokes
	/// `revoked` certificates, none of the platform's.
	fn pck_crl(issued_at_ms: u64, revoked: u32) -> Result<Vec<u8>, BenchmarkError>;

	/// The most certificates [`Self::pck_crl`] may revoke with the CRL still
	/// within [`Config::MaxCollateralLength`].
	fn max_revoked() -> u32;

	/// A DCAP quote of a production enclave on an up-to-date platform whose
	/// report data is `signer` (32 bytes) followed by
	/// `claims.report_binding()`.
	fn dcap_quote(signer: &T::AccountId, claims: &ClaimsOf<T>) -> Result<Vec<u8>, BenchmarkError>;
}

/// [`BenchmarkHelper`] on the simulated development platform, for runtimes
/// whose [`Config::UnixTime`] is `pallet_timestamp` (its `Now` is set
/// directly: `set_timestamp` would also run `OnTimestampSet`, which Aura
/// refuses outside a block's own slot) and whose accounts are 32 bytes.
pub struct SimulatedSgxHelper;

/// How long the helper's collateral is valid: a year.
const VALIDITY_MS: u64 = 365 * 24 * 60 * 60 * 1000;

/// Bytes of one revoked certificate in the simulated platform's CRLs: a
/// SEQUENCE of a 20-byte serial INTEGER (22), a UTCTime (15) and the
/// revocation reason extension (14).
const SIM_REVOKED_ENTRY_BYTES: u32 = 53;

/// More than a simulated CRL takes besides its revoked certificates (issuer
/// name, times, extensions, signature: about 300 bytes).
const SIM_CRL_OVERHEAD_BYTES: u32 = 1024;

fn sim_error(_: SimError) -> BenchmarkError {
	BenchmarkError::Stop("the simulated SGX platform could not make the evidence")
}

/// The `i`-th serial a benchmark CRL revokes: 20 bytes (as Intel's), first
/// byte 0x10 so that its INTEGER needs no padding, unlike the platform's own.
fn revoked_serial(i: u32) -> Vec<u8> {
	let mut serial = vec![0x10; 20];
	serial[16..].copy_from_slice(&i.to_be_bytes());
	serial
}

impl<T> BenchmarkHelper<T> for SimulatedSgxHelper
where
	T: Config + pallet_timestamp::Config,
	T::Moment: From<u64>,
{
	fn set_time(now_ms: u64) {
		pallet_timestamp::Now::<T>::put(T::Moment::from(now_ms));
	}

	fn issue_time_ms() -> u64 {
		integritee_sgx_sim::dev::DEV_COLLATERAL_ISSUED_AT_MS
	}

	fn dcap_root_ca() -> Result<Vec<u8>, BenchmarkError> {
		Ok(dev_platform().dev_root_ca_der())
	}

	fn collateral(issued_at_ms: u64) -> Result<BenchmarkCollateral, BenchmarkError> {
		let collateral = dev_platform().collateral(issued_at_ms, VALIDITY_MS).map_err(sim_error)?;
		let (qe_body, qe_signature) = collateral.qe_identity_parts().map_err(sim_error)?;
		let (tcb_body, tcb_signature) = collateral.tcb_info_parts().map_err(sim_error)?;
		let signed = |body: &[u8], signature: &[u8]| SignedCollateral {
			body: body.to_vec(),
			signature: signature.to_vec(),
			issuer_chain: collateral.issuer_chain_pem.clone(),
		};
		Ok(BenchmarkCollateral {
			qe_identity: signed(qe_body, qe_signature),
			tcb_info: signed(tcb_body, tcb_signature),
			pck_crl: SignedCollateral {
				body: collateral.pck_crl_der.clone(),
				signature: Vec::new(),
				issuer_chain: collateral.pck_crl_issuer_chain_pem.clone(),
			},
			root_ca_crl: SignedCollateral {
				body: collateral.root_ca_crl_der.clone(),
				signature: Vec::new(),
				issuer_chain: collateral.issuer_chain_pem.clone(),
			},
			fmspc: SimPlatformConfig::default().fmspc,
		})
	}

	fn pck_crl(issued_at_ms: u64, revoked: u32) -> Result<Vec<u8>, BenchmarkError> {
		let serials: Vec<Vec<u8>> = (0..revoked).map(revoked_serial).collect();
		dev_platform().pck_crl(issued_at_ms, VALIDITY_MS, &serials).map_err(sim_error)
	}

	fn max_revoked() -> u32 {
		T::MaxCollateralLength::get().saturating_sub(SIM_CRL_OVERHEAD_BYTES)
			/ SIM_REVOKED_ENTRY_BYTES
	}

	fn dcap_quote(signer: &T::AccountId, claims: &ClaimsOf<T>) -> Result<Vec<u8>, BenchmarkError> {
		let signer = signer.encode();
		if signer.len() != 32 {
			return Err(BenchmarkError::Stop("the simulated quotes bind 32-byte accounts only"));
		}
		let mut report_data = [0u8; 64];
		report_data[..32].copy_from_slice(&signer);
		report_data[32..].copy_from_slice(&claims.report_binding());
		let enclave = EnclaveIdentity {
			mr_enclave: [0x11; 32],
			mr_signer: [0x22; 32],
			isv_prod_id: 1,
			isv_svn: 1,
			debug: false,
		};
		dev_platform().quote(&enclave, report_data).map_err(sim_error)
	}
}
