//! A simulated Intel SGX DCAP platform, for development and tests on machines
//! without SGX.
//!
//! # THIS PROTECTS NOTHING
//!
//! **The simulated platform gives no security whatsoever against the host.**
//! Every key (root CA, PCK CA, TCB signing, PCK, attestation key) is derived
//! from a 32-byte seed: anyone who has the seed can forge quotes for any
//! MRENCLAVE and any report data, and sign any collateral. A verifier that
//! trusts the simulated root ([`SimulatedPlatform::dev_root_ca_der`]) accepts
//! whatever the holder of the seed wants. Use it for development chains and
//! tests only; production verifiers pin Intel's root, under which everything
//! produced here is rejected.
//!
//! # What it owns
//!
//! - A deterministic PKI in the layout of Intel's (see [`pki`]): a root CA, a
//!   PCK CA, a TCB Signing certificate, and one platform's PCK certificate
//!   carrying Intel's SGX extension (OID 1.2.840.113741.1.13.1). The same seed
//!   gives byte-identical certificates on every run.
//! - A software quoting enclave: DCAP quotes v3 (ECDSA P-256 attestation key,
//!   certification data type 5 = PEM PCK chain) for any enclave identity and
//!   report data ([`SimulatedPlatform::quote`]).
//! - Matching collateral in Intel's formats: QE identity v2 and SGX TCB info
//!   v3 JSON signed over the exact bytes of the inner object, the TCB signing
//!   chain, and DER PCK and Root CA CRLs ([`SimulatedPlatform::collateral`]),
//!   including a PCK CRL that revokes this platform
//!   ([`SimulatedPlatform::revoke_pck`]).
//!
//! # What it must not touch
//!
//! - Verification: that is `integritee-attestation`'s, which treats these
//!   artifacts exactly as Intel's, under whichever root it is configured with.
//! - Policy (which MRENCLAVE, debug mode or TCB status is acceptable), I/O,
//!   storage and the clock: every time is a parameter.
//! - Intel's names: certificates are named "Integritee Simulated SGX ...".
//!   Only the QE vendor id in the quote header is Intel's, because verifiers
//!   accept no other.
//!
//! # Deterministic derivation
//!
//! Each key is `SHA-256("integritee-sgx-sim/v1" || seed || label || counter)`
//! taken as a P-256 scalar (the counter moves on past the rare digest that is
//! not a valid scalar); signatures are deterministic ECDSA (RFC 6979).
//! Certificates are valid 2020-01-01T00:00:00Z..=2049-12-31T23:59:59Z, with
//! 20-byte serials derived from the seed.
#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

/// What the standard prelude would give, for `no_std` builds (the runtime
/// builds this crate into its benchmarks).
mod prelude {
	pub use alloc::{format, string::String, vec, vec::Vec};
}

pub mod collateral;
pub mod der;
pub mod dev;
pub mod error;
pub mod pki;
pub mod quote;
pub mod time;

pub use error::SimError;

use p256::ecdsa::SigningKey;
use pki::{CertKind, CertSpec, CrlSpec, SgxExtensionSpec};
#[allow(unused_imports)]
use prelude::*;

/// The PCE id of the simulated platform (Intel's PCE id is 0 as well).
pub const PCE_ID: [u8; 2] = [0, 0];
/// ISVPRODID of the simulated quoting enclave (as Intel's QE).
pub const QE_ISV_PROD_ID: u16 = 1;
/// tcbEvaluationDataNumber of the simulated collateral.
pub const TCB_EVALUATION_DATA_NUMBER: u32 = 17;
/// QE authentication data (32 bytes 0, 1, .., 31, as Intel's QE writes it).
pub const QE_AUTH_DATA: [u8; 32] = {
	let mut out = [0u8; 32];
	let mut i = 0;
	while i < out.len() {
		out[i] = i as u8;
		i += 1;
	}
	out
};
/// QE identity attributes (flags INIT | PROVISIONKEY) and their mask, as in
/// Intel's QE identity.
pub const QE_IDENTITY_ATTRIBUTES: [u8; 16] = [0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
pub const QE_IDENTITY_ATTRIBUTES_MASK: [u8; 16] =
	[0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0];

/// The platform's TCB status that the generated TCB info gives it, in
/// Intel's terms.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum SimTcbStatus {
	#[default]
	UpToDate,
	SwHardeningNeeded,
	ConfigurationNeeded,
	ConfigurationAndSwHardeningNeeded,
	/// The TCB info has an `UpToDate` level above the platform's TCB, and the
	/// platform's own level is `OutOfDate`.
	OutOfDate,
	OutOfDateConfigurationNeeded,
	Revoked,
}

impl SimTcbStatus {
	/// Intel's spelling in TCB info JSON.
	pub fn intel_name(self) -> &'static str {
		match self {
			Self::UpToDate => "UpToDate",
			Self::SwHardeningNeeded => "SWHardeningNeeded",
			Self::ConfigurationNeeded => "ConfigurationNeeded",
			Self::ConfigurationAndSwHardeningNeeded => "ConfigurationAndSWHardeningNeeded",
			Self::OutOfDate => "OutOfDate",
			Self::OutOfDateConfigurationNeeded => "OutOfDateConfigurationNeeded",
			Self::Revoked => "Revoked",
		}
	}

	/// Whether the TCB info lists a newer, `UpToDate` level above the
	/// platform's (as Intel's does for out-of-date and revoked platforms).
	fn has_newer_level(self) -> bool {
		matches!(self, Self::OutOfDate | Self::OutOfDateConfigurationNeeded | Self::Revoked)
	}
}

/// What the simulated platform reports about itself.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SimPlatformConfig {
	/// Family-Model-Stepping-Platform-CustomSKU: the key of the TCB info.
	pub fmspc: [u8; 6],
	/// CPUSVN: in the report bodies, and as the 16 SGX TCB components of the
	/// PCK certificate.
	pub cpu_svn: [u8; 16],
	pub pce_svn: u16,
	/// ISVSVN of the quoting enclave (also the header's QE SVN).
	pub qe_isv_svn: u16,
	/// The status of the platform's level in the generated TCB info.
	pub tcb_status: SimTcbStatus,
}

impl Default for SimPlatformConfig {
	/// An up-to-date platform with a made-up FMSPC (`53494D000000`, "SIM"),
	/// SVNs shaped like a real platform's.
	fn default() -> Self {
		Self {
			fmspc: [0x53, 0x49, 0x4d, 0x00, 0x00, 0x00],
			cpu_svn: [0x11, 0x11, 0x02, 0x04, 0x01, 0x80, 0x07, 0, 0, 0, 0, 0, 0, 0, 0, 0],
			pce_svn: 13,
			qe_isv_svn: 8,
			tcb_status: SimTcbStatus::UpToDate,
		}
	}
}

impl SimPlatformConfig {
	/// The default platform, but out of date: the TCB info lists an
	/// `UpToDate` level above the platform's TCB, which matches only its own
	/// `OutOfDate` level.
	pub fn out_of_date() -> Self {
		Self { tcb_status: SimTcbStatus::OutOfDate, ..Self::default() }
	}
}

/// The identity of the enclave a quote is made for.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct EnclaveIdentity {
	pub mr_enclave: [u8; 32],
	pub mr_signer: [u8; 32],
	pub isv_prod_id: u16,
	pub isv_svn: u16,
	/// Sets attributes.flags bit 0x2 (DEBUG).
	pub debug: bool,
}

/// Collateral for the simulated platform, as Intel's PCS would serve it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SimCollateral {
	/// The whole file, as Intel's `qe_identity.json`:
	/// `{"enclaveIdentity":{..},"signature":"<hex r||s>"}`.
	pub qe_identity_json: Vec<u8>,
	/// The whole file, as Intel's `tcb_info.json`:
	/// `{"tcbInfo":{..},"signature":"<hex r||s>"}`.
	pub tcb_info_json: Vec<u8>,
	/// PEM: TCB Signing certificate, then the root (the issuer chain of both
	/// JSON files; it also ends in the root, as a Root CA CRL chain must).
	pub issuer_chain_pem: Vec<u8>,
	/// DER PCK CRL, signed by the PCK CA; revokes nothing.
	pub pck_crl_der: Vec<u8>,
	/// PEM: PCK CA, then the root.
	pub pck_crl_issuer_chain_pem: Vec<u8>,
	/// DER Root CA CRL, signed by the root; revokes nothing.
	pub root_ca_crl_der: Vec<u8>,
	/// issueDate / thisUpdate (Unix ms, whole seconds).
	pub issued_at_ms: u64,
	/// nextUpdate (Unix ms, whole seconds).
	pub next_update_ms: u64,
}

impl SimCollateral {
	/// `(body, signature hex)` of the QE identity: the exact bytes of the
	/// signed `enclaveIdentity` object and its signature.
	pub fn qe_identity_parts(&self) -> Result<(&[u8], &[u8]), SimError> {
		collateral::split_signed_file(&self.qe_identity_json, "enclaveIdentity")
	}

	/// `(body, signature hex)` of the TCB info.
	pub fn tcb_info_parts(&self) -> Result<(&[u8], &[u8]), SimError> {
		collateral::split_signed_file(&self.tcb_info_json, "tcbInfo")
	}
}

/// A simulated SGX platform with its own PKI, derived from a seed.
/// See the crate documentation: **it protects nothing against the host.**
#[derive(Clone)]
pub struct SimulatedPlatform {
	config: SimPlatformConfig,
	root_key: SigningKey,
	pck_ca_key: SigningKey,
	tcb_signing_key: SigningKey,
	pck_key: SigningKey,
	attestation_key: SigningKey,
	root_der: Vec<u8>,
	pck_ca_der: Vec<u8>,
	tcb_signing_der: Vec<u8>,
	pck_der: Vec<u8>,
	pck_serial: [u8; 20],
	qe_mr_enclave: [u8; 32],
	qe_mr_signer: [u8; 32],
	qe_id: [u8; 16],
}

impl core::fmt::Debug for SimulatedPlatform {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.debug_struct("SimulatedPlatform")
			.field("root_key_id", &hex::encode(pki::key_id(&self.root_key)))
			.field("config", &self.config)
			.finish_non_exhaustive()
	}
}

/// Derives the key `label` and builds what it certifies; a signature that
/// fails (not seen in practice) moves on to the next key counter.
fn key_and_cert(
	seed: &[u8; 32],
	label: &str,
	build: impl Fn(&SigningKey) -> Result<Vec<u8>, SimError>,
) -> (SigningKey, Vec<u8>) {
	let mut counter = 0u32;
	loop {
		let (key, used) = pki::derive_key(seed, label, counter);
		if let Ok(der) = build(&key) {
			return (key, der);
		}
		counter = used.wrapping_add(1);
	}
}

fn first_bytes<const N: usize>(bytes: [u8; 32]) -> [u8; N] {
	let mut out = [0u8; N];
	for (dst, src) in out.iter_mut().zip(bytes.iter()) {
		*dst = *src;
	}
	out
}

/// Whole seconds of `ms`.
fn floor_to_second(ms: u64) -> u64 {
	ms - ms % time::SECOND_MS
}

/// Midnight (UTC) of `ms`.
fn floor_to_day(ms: u64) -> u64 {
	ms - ms % time::DAY_MS
}

impl SimulatedPlatform {
	/// An up-to-date platform ([`SimPlatformConfig::default`]).
	pub fn from_seed(seed: [u8; 32]) -> Self {
		Self::with_config(seed, SimPlatformConfig::default())
	}

	/// A platform described by `config`. The root CA, PCK CA and TCB Signing
	/// certificates depend on the seed only; the PCK certificate also on the
	/// configuration.
	pub fn with_config(seed: [u8; 32], config: SimPlatformConfig) -> Self {
		let seed = &seed;
		let root_serial = pki::serial(seed, "root");
		let (root_key, root_der) = key_and_cert(seed, "root", |key| {
			pki::certificate(&CertSpec {
				serial: &root_serial,
				issuer_cn: pki::ROOT_CN,
				issuer_key: key,
				subject_cn: pki::ROOT_CN,
				subject_key: key,
				kind: CertKind::Ca { path_len: 1 },
			})
		});
		let pck_ca_serial = pki::serial(seed, "pck-ca");
		let (pck_ca_key, pck_ca_der) = key_and_cert(seed, "pck-ca", |key| {
			pki::certificate(&CertSpec {
				serial: &pck_ca_serial,
				issuer_cn: pki::ROOT_CN,
				issuer_key: &root_key,
				subject_cn: pki::PCK_CA_CN,
				subject_key: key,
				kind: CertKind::Ca { path_len: 0 },
			})
		});
		let tcb_signing_serial = pki::serial(seed, "tcb-signing");
		let (tcb_signing_key, tcb_signing_der) = key_and_cert(seed, "tcb-signing", |key| {
			pki::certificate(&CertSpec {
				serial: &tcb_signing_serial,
				issuer_cn: pki::ROOT_CN,
				issuer_key: &root_key,
				subject_cn: pki::TCB_SIGNING_CN,
				subject_key: key,
				kind: CertKind::EndEntity { sgx_extension: None },
			})
		});
		let ppid: [u8; 16] = first_bytes(pki::derive_bytes(seed, "ppid", 0));
		let sgx_extension = pki::sgx_extension(&SgxExtensionSpec {
			ppid: &ppid,
			cpu_svn: &config.cpu_svn,
			pce_svn: config.pce_svn,
			pce_id: &PCE_ID,
			fmspc: &config.fmspc,
		});
		let pck_serial = pki::serial(seed, "pck");
		let (pck_key, pck_der) = key_and_cert(seed, "pck", |key| {
			pki::certificate(&CertSpec {
				serial: &pck_serial,
				issuer_cn: pki::PCK_CA_CN,
				issuer_key: &pck_ca_key,
				subject_cn: pki::PCK_CN,
				subject_key: key,
				kind: CertKind::EndEntity { sgx_extension: Some(&sgx_extension) },
			})
		});
		let (attestation_key, _) = pki::derive_key(seed, "attestation-key", 0);
		Self {
			config,
			root_key,
			pck_ca_key,
			tcb_signing_key,
			pck_key,
			attestation_key,
			root_der,
			pck_ca_der,
			tcb_signing_der,
			pck_der,
			pck_serial,
			qe_mr_enclave: pki::derive_bytes(seed, "qe/mrenclave", 0),
			qe_mr_signer: pki::derive_bytes(seed, "qe/mrsigner", 0),
			qe_id: first_bytes(pki::derive_bytes(seed, "qe/id", 0)),
		}
	}

	pub fn config(&self) -> &SimPlatformConfig {
		&self.config
	}

	/// The development root CA certificate (DER): the root a verifier must be
	/// configured with to accept this platform. Byte-identical for the same
	/// seed on every run.
	pub fn dev_root_ca_der(&self) -> Vec<u8> {
		self.root_der.clone()
	}

	/// [`Self::dev_root_ca_der`] as PEM.
	pub fn dev_root_ca_pem(&self) -> String {
		pki::pem_chain(&[&self.root_der])
	}

	/// The PCK CA certificate (DER): issuer of the PCK certificate and of the PCK CRL.
	pub fn pck_ca_der(&self) -> Vec<u8> {
		self.pck_ca_der.clone()
	}

	/// The TCB Signing certificate (DER): signer of QE identity and TCB info.
	pub fn tcb_signing_der(&self) -> Vec<u8> {
		self.tcb_signing_der.clone()
	}

	/// The platform's PCK certificate (DER).
	pub fn pck_cert_der(&self) -> Vec<u8> {
		self.pck_der.clone()
	}

	/// The PEM chain carried in quotes: PCK certificate, PCK CA, root.
	pub fn pck_chain_pem(&self) -> String {
		pki::pem_chain(&[&self.pck_der, &self.pck_ca_der, &self.root_der])
	}

	/// The PCK certificate's serial number as DER INTEGER content bytes (the
	/// form CRLs list and verifiers compare).
	pub fn pck_serial(&self) -> Vec<u8> {
		der::uint_content(&self.pck_serial)
	}

	/// The QE's attestation public key, raw `x || y` (as in quotes).
	pub fn attestation_public_key(&self) -> [u8; 64] {
		pki::public_raw(&self.attestation_key)
	}

	/// MRSIGNER of the simulated quoting enclave (as in the QE identity).
	pub fn qe_mr_signer(&self) -> [u8; 32] {
		self.qe_mr_signer
	}

	/// A DCAP quote v3 for `enclave` with `report_data`: the ISV report body
	/// signed by the attestation key over bytes `[0, 432)`, the QE report
	/// (binding the attestation key and auth data) signed by the PCK key, and
	/// the PEM PCK chain as certification data (type 5). Deterministic.
	pub fn quote(
		&self,
		enclave: &EnclaveIdentity,
		report_data: [u8; 64],
	) -> Result<Vec<u8>, SimError> {
		let config = &self.config;
		let mut user_data = [0u8; 20];
		user_data[..16].copy_from_slice(&self.qe_id);
		let mut signed = quote::header(config.qe_isv_svn, config.pce_svn, &user_data);
		let mut flags = quote::ATTRIBUTE_INIT | quote::ATTRIBUTE_MODE64;
		if enclave.debug {
			flags |= quote::ATTRIBUTE_DEBUG;
		}
		signed.extend_from_slice(
			&quote::ReportBody {
				cpu_svn: &config.cpu_svn,
				misc_select: 0,
				attributes_flags: flags,
				attributes_xfrm: quote::XFRM_DEFAULT,
				mr_enclave: &enclave.mr_enclave,
				mr_signer: &enclave.mr_signer,
				isv_prod_id: enclave.isv_prod_id,
				isv_svn: enclave.isv_svn,
				report_data: &report_data,
			}
			.encode(),
		);
		let isv_signature = pki::sign_raw(&self.attestation_key, &signed)?;
		let attestation_key = self.attestation_public_key();

		let mut bound = attestation_key.to_vec();
		bound.extend_from_slice(&QE_AUTH_DATA);
		let mut qe_report_data = [0u8; 64];
		qe_report_data[..32].copy_from_slice(&pki::sha256(&bound));
		let qe_report = quote::ReportBody {
			cpu_svn: &config.cpu_svn,
			misc_select: 0,
			attributes_flags: quote::ATTRIBUTE_INIT
				| quote::ATTRIBUTE_MODE64
				| quote::ATTRIBUTE_PROVISION_KEY,
			attributes_xfrm: quote::XFRM_DEFAULT,
			mr_enclave: &self.qe_mr_enclave,
			mr_signer: &self.qe_mr_signer,
			isv_prod_id: QE_ISV_PROD_ID,
			isv_svn: config.qe_isv_svn,
			report_data: &qe_report_data,
		}
		.encode();
		let qe_report_signature = pki::sign_raw(&self.pck_key, &qe_report)?;
		let certification_data = self.pck_chain_pem();

		quote::assemble(
			&signed,
			&quote::SignatureData {
				isv_signature: &isv_signature,
				attestation_key: &attestation_key,
				qe_report: &qe_report,
				qe_report_signature: &qe_report_signature,
				qe_auth_data: &QE_AUTH_DATA,
				certification_data: certification_data.as_bytes(),
			},
		)
	}

	/// Collateral issued at `issued_at_ms` and current until
	/// `issued_at_ms + validity_ms` (both taken at whole seconds, as Intel's
	/// dates are): QE identity, TCB info for this platform's FMSPC, their
	/// issuer chain, a PCK CRL and a Root CA CRL that revoke nothing.
	/// Verifiers also require the certificates to be valid, i.e. a time in
	/// 2020-01-01..=2049-12-31.
	pub fn collateral(
		&self,
		issued_at_ms: u64,
		validity_ms: u64,
	) -> Result<SimCollateral, SimError> {
		let (issued, next) = window(issued_at_ms, validity_ms)?;
		let top_date = floor_to_day(issued);
		let old_date = top_date.min(pki::CERT_NOT_BEFORE_MS);
		let config = &self.config;

		// TCB info levels, highest first (as Intel orders them).
		let status = config.tcb_status;
		let mut levels = Vec::new();
		if status.has_newer_level() {
			let mut components = config.cpu_svn;
			for c in components.iter_mut() {
				*c = c.saturating_add(1);
			}
			let pce_svn = config.pce_svn.saturating_add(1);
			if components == config.cpu_svn && pce_svn == config.pce_svn {
				return Err(SimError::NoHigherTcbLevel);
			}
			levels.push(collateral::TcbLevel {
				components,
				pce_svn,
				tcb_date_ms: top_date,
				status: SimTcbStatus::UpToDate.intel_name(),
			});
		}
		levels.push(collateral::TcbLevel {
			components: config.cpu_svn,
			pce_svn: config.pce_svn,
			tcb_date_ms: if status.has_newer_level() { old_date } else { top_date },
			status: status.intel_name(),
		});
		if config.cpu_svn != [0u8; 16] || config.pce_svn != 0 {
			levels.push(collateral::TcbLevel {
				components: [0u8; 16],
				pce_svn: 0,
				tcb_date_ms: old_date,
				status: SimTcbStatus::OutOfDate.intel_name(),
			});
		}
		let tcb_info = collateral::tcb_info_body(&collateral::TcbInfoSpec {
			issue_date_ms: issued,
			next_update_ms: next,
			fmspc: &config.fmspc,
			pce_id: &PCE_ID,
			tcb_evaluation_data_number: TCB_EVALUATION_DATA_NUMBER,
			levels: &levels,
		})?;

		// QE identity: the QE's own ISVSVN is up to date, anything older is not.
		let mut qe_levels = vec![collateral::QeTcbLevel {
			isv_svn: config.qe_isv_svn,
			tcb_date_ms: top_date,
			status: "UpToDate",
		}];
		if config.qe_isv_svn > 0 {
			qe_levels.push(collateral::QeTcbLevel {
				isv_svn: config.qe_isv_svn - 1,
				tcb_date_ms: old_date,
				status: "OutOfDate",
			});
		}
		let qe_identity = collateral::qe_identity_body(&collateral::QeIdentitySpec {
			issue_date_ms: issued,
			next_update_ms: next,
			tcb_evaluation_data_number: TCB_EVALUATION_DATA_NUMBER,
			misc_select: &[0; 4],
			misc_select_mask: &[0xff; 4],
			attributes: &QE_IDENTITY_ATTRIBUTES,
			attributes_mask: &QE_IDENTITY_ATTRIBUTES_MASK,
			mr_signer: &self.qe_mr_signer,
			isv_prod_id: QE_ISV_PROD_ID,
			levels: &qe_levels,
		})?;

		let tcb_info_signature = pki::sign_raw(&self.tcb_signing_key, tcb_info.as_bytes())?;
		let qe_identity_signature = pki::sign_raw(&self.tcb_signing_key, qe_identity.as_bytes())?;
		Ok(SimCollateral {
			qe_identity_json: collateral::signed_file(
				"enclaveIdentity",
				&qe_identity,
				&qe_identity_signature,
			),
			tcb_info_json: collateral::signed_file("tcbInfo", &tcb_info, &tcb_info_signature),
			issuer_chain_pem: pki::pem_chain(&[&self.tcb_signing_der, &self.root_der]).into_bytes(),
			pck_crl_der: self.pck_crl_between(issued, next, &[])?,
			pck_crl_issuer_chain_pem: pki::pem_chain(&[&self.pck_ca_der, &self.root_der])
				.into_bytes(),
			root_ca_crl_der: pki::crl(&CrlSpec {
				issuer_cn: pki::ROOT_CN,
				issuer_key: &self.root_key,
				this_update_ms: issued,
				next_update_ms: next,
				crl_number: 1,
				revoked_serials: &[],
			})?,
			issued_at_ms: issued,
			next_update_ms: next,
		})
	}

	/// A PCK CRL (DER, signed by the PCK CA; its issuer chain is
	/// [`SimCollateral::pck_crl_issuer_chain_pem`]) that lists the given
	/// serial numbers (big-endian magnitudes, e.g. [`Self::pck_serial`]).
	pub fn pck_crl(
		&self,
		issued_at_ms: u64,
		validity_ms: u64,
		revoked_serials: &[Vec<u8>],
	) -> Result<Vec<u8>, SimError> {
		let (issued, next) = window(issued_at_ms, validity_ms)?;
		self.pck_crl_between(issued, next, revoked_serials)
	}

	/// A PCK CRL that revokes this platform's PCK certificate: register it in
	/// place of [`SimCollateral::pck_crl_der`] and the platform's quotes fail
	/// with a revocation error.
	pub fn revoke_pck(&self, issued_at_ms: u64, validity_ms: u64) -> Result<Vec<u8>, SimError> {
		self.pck_crl(issued_at_ms, validity_ms, &[self.pck_serial.to_vec()])
	}

	fn pck_crl_between(
		&self,
		issued: u64,
		next: u64,
		revoked_serials: &[Vec<u8>],
	) -> Result<Vec<u8>, SimError> {
		pki::crl(&CrlSpec {
			issuer_cn: pki::PCK_CA_CN,
			issuer_key: &self.pck_ca_key,
			this_update_ms: issued,
			next_update_ms: next,
			crl_number: if revoked_serials.is_empty() { 1 } else { 2 },
			revoked_serials,
		})
	}
}

/// `(issue, next update)` at whole seconds; fails if the window is empty.
fn window(issued_at_ms: u64, validity_ms: u64) -> Result<(u64, u64), SimError> {
	let issued = floor_to_second(issued_at_ms);
	let next = floor_to_second(issued.checked_add(validity_ms).ok_or(SimError::EmptyValidity)?);
	if next <= issued {
		return Err(SimError::EmptyValidity);
	}
	// Both must be writable as dates.
	time::Civil::from_unix_ms(next)?;
	Ok((issued, next))
}
