//! Types shared by the parent-chain pallets, the worker and the CLI.
//!
//! This crate owns the SCALE layout of everything that crosses the boundary
//! between the parent chain and its clients: enclave records, attestation
//! methods, shard configuration, sidechain confirmations. It holds no logic
//! that decides anything (verification lives in the attestation crate, rules in
//! the pallets) and must stay `no_std` so that the runtime can use it.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use polkadot_sdk::sp_core::H256;
use scale_info::TypeInfo;

/// Identifies a shard: one confidential state served by one or more enclaves.
pub type ShardIdentifier = H256;

/// The measurement of an enclave's code (SGX MRENCLAVE).
pub type EnclaveFingerprint = H256;

/// The measurement of the key that signed an enclave (SGX MRSIGNER).
pub type MrSigner = [u8; 32];

/// Intel's Family-Model-Stepping-Platform-CustomSKU value that selects the TCB
/// info for a platform.
pub type Fmspc = [u8; 6];

/// Height of a sidechain block.
pub type SidechainBlockNumber = u64;

/// How an enclave proves what it is when it registers.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum AttestationMethod {
	/// No proof at all. Only accepted where the chain's security flags allow it
	/// (the development chain spec); the enclave is recorded as `Unattested`.
	Skip,
	/// Legacy EPID attestation: an RA-TLS certificate carrying an IAS report.
	Ias,
	/// ECDSA (DCAP) attestation: a quote checked against collateral on chain.
	Dcap,
}

/// Whether the enclave runs in SGX debug mode (memory readable by the host).
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum SgxBuildMode {
	Debug,
	Production,
}

/// The platform's TCB status as the attestation established it, in Intel's terms.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum SgxStatus {
	UpToDate,
	SwHardeningNeeded,
	ConfigurationNeeded,
	ConfigurationAndSwHardeningNeeded,
	OutOfDate,
	OutOfDateConfigurationNeeded,
	Revoked,
	/// Registered with [`AttestationMethod::Skip`]: nothing was proven.
	Unattested,
}

/// The proof carried by `register_sgx_enclave` when the method is
/// [`AttestationMethod::Skip`]: the measurements a quote would otherwise
/// prove (the other claims travel in [`RegistrationClaims`]).
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct SkippedAttestation {
	pub mr_enclave: EnclaveFingerprint,
	pub mr_signer: MrSigner,
}

/// What an enclave claims when it registers, beside its proof. A quote's
/// `report_data[32..64]` is [`Self::report_binding`] of these claims, so the
/// attested enclave itself made them; the registry recomputes it.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct RegistrationClaims<BlockNumber, Hash> {
	/// SHA-256 of the enclave's shielding public key, so that clients can
	/// check a worker's shielding key against the chain.
	pub shielding_key_hash: [u8; 32],
	/// The latest parent-chain block (number, hash) the enclave's light
	/// client verified as finalized. The registry accepts it only if the
	/// chain itself knows that block (its recent block hashes): an enclave
	/// that follows another, fabricated chain can never register.
	pub parentchain_block: (BlockNumber, Hash),
}

impl<BlockNumber: Encode, Hash: Encode> RegistrationClaims<BlockNumber, Hash> {
	/// Domain of [`Self::report_binding`]: the format's name and version.
	pub const BINDING_DOMAIN: &'static [u8] = b"integritee-rs registration claims v1";

	/// SHA-256 of the domain and the SCALE-encoded claims: the second half
	/// of a registering enclave's `report_data`.
	pub fn report_binding(&self) -> [u8; 32] {
		let mut data = Self::BINDING_DOMAIN.to_vec();
		self.encode_to(&mut data);
		polkadot_sdk::sp_crypto_hashing::sha2_256(&data)
	}
}

/// What a successful attestation establishes about an enclave. Produced by the
/// attestation verifier, stored by the registry.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub struct AttestedEnclave {
	pub mr_enclave: EnclaveFingerprint,
	pub mr_signer: MrSigner,
	/// `report_data[0..32]` of the quote: the enclave's signing public key.
	pub signer_public: [u8; 32],
	/// `report_data[32..64]` of the quote: what the enclave binds to its key
	/// (for a registration, [`RegistrationClaims::report_binding`]; for an
	/// RA-TLS certificate, the certificate's binding).
	pub report_binding: [u8; 32],
	pub build_mode: SgxBuildMode,
	pub status: SgxStatus,
	/// When the attestation was made (IAS report time, or chain time for DCAP).
	pub attested_at_ms: u64,
}

/// A registered enclave as the registry stores it.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub struct SgxEnclave<Url> {
	pub mr_enclave: EnclaveFingerprint,
	pub mr_signer: MrSigner,
	pub shielding_key_hash: [u8; 32],
	pub build_mode: SgxBuildMode,
	pub status: SgxStatus,
	pub attestation_method: AttestationMethod,
	/// When the attestation was made; the registration expires a renewal period later.
	pub attested_at_ms: u64,
	/// Where clients reach the worker (its trusted RPC endpoint), if it serves any.
	pub url: Option<Url>,
}

/// Switches of the registry's security policy. Both are off by default and
/// only the development chain spec turns them on.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
	serde::Serialize,
	serde::Deserialize,
)]
pub struct SecurityFlags {
	/// Accept enclaves built in SGX debug mode (their memory is not private).
	pub allow_debug_mode: bool,
	/// Accept [`AttestationMethod::Skip`] registrations.
	pub allow_skipping_attestation: bool,
}

/// Which TCB statuses of an attested platform the registry accepts.
///
/// `UpToDate` is always accepted; `OutOfDate`, `OutOfDateConfigurationNeeded`
/// and `Revoked` never are (known vulnerabilities), whatever the policy says.
/// The default accepts `SWHardeningNeeded` besides `UpToDate` (the enclave
/// software is expected to carry the mitigations) and refuses the statuses
/// that need a platform configuration change.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
pub struct TcbPolicy {
	pub allow_sw_hardening_needed: bool,
	pub allow_configuration_needed: bool,
	pub allow_configuration_and_sw_hardening_needed: bool,
}

impl Default for TcbPolicy {
	fn default() -> Self {
		Self {
			allow_sw_hardening_needed: true,
			allow_configuration_needed: false,
			allow_configuration_and_sw_hardening_needed: false,
		}
	}
}

impl TcbPolicy {
	/// Accepts every status that may ever be accepted (development chains).
	pub const fn lenient() -> Self {
		Self {
			allow_sw_hardening_needed: true,
			allow_configuration_needed: true,
			allow_configuration_and_sw_hardening_needed: true,
		}
	}

	/// Whether an attestation with `status` may register. `Unattested` (a
	/// skipped attestation) is governed by [`SecurityFlags`], not by this policy.
	pub fn allows(&self, status: SgxStatus) -> bool {
		match status {
			SgxStatus::UpToDate | SgxStatus::Unattested => true,
			SgxStatus::SwHardeningNeeded => self.allow_sw_hardening_needed,
			SgxStatus::ConfigurationNeeded => self.allow_configuration_needed,
			SgxStatus::ConfigurationAndSwHardeningNeeded => {
				self.allow_configuration_and_sw_hardening_needed
			}
			SgxStatus::OutOfDate | SgxStatus::OutOfDateConfigurationNeeded | SgxStatus::Revoked => {
				false
			}
		}
	}
}

/// What registration demands of certificate revocation lists (CRLs).
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
	serde::Serialize,
	serde::Deserialize,
)]
pub enum RevocationPolicy {
	/// Every certificate of a verified path below the root must be covered by
	/// an applicable, current, registered CRL (as Intel's QVL demands):
	/// without the CRLs, registration fails closed. The default.
	#[default]
	Require,
	/// Applicable CRLs are enforced (revoked serial, expiry); certificates
	/// that no registered CRL covers are accepted. Development chains only.
	IfAvailable,
}

/// Which enclaves may serve a shard.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub struct ShardConfig {
	/// The only MRENCLAVE allowed to serve the shard.
	pub enclave_fingerprint: EnclaveFingerprint,
	/// How many enclaves may serve the shard at once.
	pub max_instances: u32,
}

/// A shard's configuration with an optional upgrade that takes effect at a
/// block, and the code an upgrade replaced, which stays a member for a
/// grace period (so that its members hand the shard's secrets and state to
/// the new build's).
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub struct UpgradableShardConfig<BlockNumber> {
	pub active: ShardConfig,
	/// The configuration that replaces `active` from the given block on.
	pub pending_upgrade: Option<(BlockNumber, ShardConfig)>,
	/// How many blocks from the pending upgrade's enactment on `active`'s
	/// code stays a member (zero: it leaves at the enactment block).
	pub grace_period: BlockNumber,
	/// The code the last upgrade replaced, a member before the given block.
	pub retiring: Option<(EnclaveFingerprint, BlockNumber)>,
}

impl<BlockNumber> UpgradableShardConfig<BlockNumber>
where
	BlockNumber: PartialOrd + Copy + Default + polkadot_sdk::sp_runtime::Saturating,
{
	/// `active`, with no upgrade scheduled.
	pub fn new(active: ShardConfig) -> Self {
		Self { active, pending_upgrade: None, grace_period: BlockNumber::default(), retiring: None }
	}

	/// The configuration in force at block `now`.
	pub fn effective_at(&self, now: BlockNumber) -> &ShardConfig {
		match &self.pending_upgrade {
			Some((at, upgrade)) if now >= *at => upgrade,
			_ => &self.active,
		}
	}

	/// The code that an upgrade replaced and that is still a member at
	/// `now` (its grace period has not passed), if any.
	pub fn retiring_at(&self, now: BlockNumber) -> Option<EnclaveFingerprint> {
		match &self.pending_upgrade {
			Some((at, _)) if now >= *at => (now < at.saturating_add(self.grace_period))
				.then_some(self.active.enclave_fingerprint),
			_ => self.retiring.filter(|(_, until)| now < *until).map(|(code, _)| code),
		}
	}

	/// Whether enclaves running `fingerprint` are members at `now`: the
	/// effective configuration's code, or a replaced one in its grace period.
	pub fn admits(&self, fingerprint: &EnclaveFingerprint, now: BlockNumber) -> bool {
		self.effective_at(now).enclave_fingerprint == *fingerprint
			|| self.retiring_at(now).as_ref() == Some(fingerprint)
	}

	/// This configuration as it stands at `now`: a reached upgrade promoted
	/// to `active` (the replaced code retiring for the grace period), a
	/// passed grace forgotten. Whether anything changed.
	pub fn promoted(mut self, now: BlockNumber) -> (Self, bool) {
		let mut changed = false;
		if let Some((at, upgrade)) = self.pending_upgrade.take() {
			if now >= at {
				let replaced = core::mem::replace(&mut self.active, upgrade);
				let until = at.saturating_add(self.grace_period);
				self.retiring = (until > at).then_some((replaced.enclave_fingerprint, until));
				changed = true;
			} else {
				self.pending_upgrade = Some((at, upgrade));
			}
		}
		if self.retiring.is_some_and(|(_, until)| now >= until) {
			self.retiring = None;
			changed = true;
		}
		(self, changed)
	}
}

/// One active signer of a shard, with the block of its last activity.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub struct ShardSignerStatus<AccountId, BlockNumber> {
	pub signer: AccountId,
	pub fingerprint: EnclaveFingerprint,
	pub last_activity: BlockNumber,
}

/// A sidechain block as the parent chain records it.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub struct SidechainBlockConfirmation {
	pub block_number: SidechainBlockNumber,
	pub block_header_hash: H256,
}

/// Read access to the enclave registry, for pallets that act on behalf of
/// registered enclaves. Implemented by `pallet-teerex`.
pub trait EnclaveRegistry<AccountId> {
	/// What the registry vouches for about `who`, if it is a registered
	/// enclave whose attestation has not expired.
	fn registered_enclave(who: &AccountId) -> Option<RegisteredEnclave>;

	/// The fingerprint of `who` if it is a registered enclave whose attestation
	/// has not expired.
	fn registered_fingerprint(who: &AccountId) -> Option<EnclaveFingerprint> {
		Self::registered_enclave(who).map(|enclave| enclave.fingerprint)
	}

	/// Whether `who` is in the registry at all, expired or not (the
	/// invariant checks of pallets whose members must be registered).
	fn is_registered(who: &AccountId) -> bool;

	/// Benchmarks only: registers `who` as an unexpired enclave with
	/// `fingerprint` and `shielding_key_hash`, and the largest record the
	/// registry stores.
	#[cfg(feature = "runtime-benchmarks")]
	fn register_for_benchmark(
		who: &AccountId,
		fingerprint: EnclaveFingerprint,
		shielding_key_hash: [u8; 32],
	);
}

/// What the registry vouches for about an enclave whose registration has
/// not expired: the code it runs and the shielding key it holds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct RegisteredEnclave {
	pub fingerprint: EnclaveFingerprint,
	/// SHA-256 of the enclave's shielding public key
	/// ([`RegistrationClaims::shielding_key_hash`]).
	pub shielding_key_hash: [u8; 32],
}

/// Told when an enclave leaves the registry, so that other pallets forget
/// it wherever it acted (the shards it was a member of). Implemented by
/// `pallet-enclave-bridge`; `()` does nothing.
pub trait OnEnclaveUnregistered<AccountId> {
	/// `who` left the registry.
	fn on_enclave_unregistered(who: &AccountId);

	/// The most [`Self::on_enclave_unregistered`] may weigh: the registry
	/// charges it to the unregistering call.
	fn max_weight() -> polkadot_sdk::sp_runtime::Weight;
}

impl<AccountId> OnEnclaveUnregistered<AccountId> for () {
	fn on_enclave_unregistered(_: &AccountId) {}

	fn max_weight() -> polkadot_sdk::sp_runtime::Weight {
		polkadot_sdk::sp_runtime::Weight::zero()
	}
}

/// Why an account may not act for a shard.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ShardMembershipError {
	/// The account is not a registered enclave (or its registration expired).
	EnclaveNotRegistered,
	/// The shard has no configuration yet.
	ShardNotInitialized,
	/// The enclave's fingerprint is not the one the shard allows.
	WrongFingerprint,
	/// The shard already has its maximum number of active enclaves.
	TooManyInstances,
	/// Another enclave serves the shard (the first of its active signers):
	/// until several members share a shard's work, only it pays out and
	/// anchors.
	NotServingMember,
	/// The enclave is already a member of as many shards as one enclave may
	/// be.
	TooManyShards,
	/// Nobody created the shard yet: no shielding key is recorded for it.
	ShardNotCreated,
	/// The enclave registered another shielding key than the shard's: it
	/// holds other secrets than the shard's members (it must be provisioned
	/// by a member and register again).
	WrongShieldingKey,
}

/// Decides whether an account is an enclave of a shard and records its
/// activity. Implemented by `pallet-enclave-bridge`.
pub trait ShardMembership<AccountId> {
	/// Succeeds if `who` is a registered enclave allowed to serve `shard`, and
	/// records it as an active signer of the shard.
	fn ensure_member_and_touch(
		who: &AccountId,
		shard: &ShardIdentifier,
	) -> Result<EnclaveFingerprint, ShardMembershipError>;

	/// [`Self::ensure_member_and_touch`], and `who` must be the member that
	/// serves the shard: the first of its active signers.
	fn ensure_serving_member_and_touch(
		who: &AccountId,
		shard: &ShardIdentifier,
	) -> Result<EnclaveFingerprint, ShardMembershipError>;

	/// Benchmarks only: puts `shard` in the state where checking its serving
	/// member costs most (as many members as the shard may have, each looked
	/// up in the registry) and returns that serving member.
	#[cfg(feature = "runtime-benchmarks")]
	fn worst_case_serving_member(shard: &ShardIdentifier) -> AccountId;
}

/// The runtime API through which clients list registered enclaves without
/// walking storage.
pub mod runtime_api {
	use super::*;
	use alloc::vec::Vec;

	polkadot_sdk::sp_api::decl_runtime_apis! {
		/// Queries of the enclave registry.
		pub trait TeerexApi<AccountId: codec::Codec> {
			/// Every registered enclave with its signer account, in storage order.
			fn enclaves() -> Vec<(AccountId, SgxEnclave<Vec<u8>>)>;
		}
	}
}

/// The kinds of Intel-signed collateral that DCAP verification needs.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum CollateralKind {
	/// The quoting enclave's identity (`qe_identity.json`).
	QuotingEnclaveIdentity,
	/// TCB info for one FMSPC (`tcb_info.json`).
	TcbInfo,
	/// Revoked PCK certificates (`pck_crl.der`).
	PckCrl,
	/// Revoked intermediate CA certificates (`root_ca_crl.der`).
	RootCaCrl,
}

/// Collateral as submitted: Intel's signed body, its signature (empty for a CRL,
/// whose signature is inside the DER) and the PEM chain of its issuer.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct CollateralEvidence<'a> {
	pub body: &'a [u8],
	pub signature: &'a [u8],
	pub issuer_chain: &'a [u8],
}

/// Collateral whose signature chain the verifier accepted. `encoded` is the
/// verifier's own representation; the registry stores it without looking inside.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct VerifiedCollateral {
	pub kind: CollateralKind,
	/// Set for TCB info, which is per platform family.
	pub fmspc: Option<Fmspc>,
	pub issued_at_ms: u64,
	/// After this time the collateral is expired and must be replaced.
	pub next_update_ms: u64,
	pub encoded: alloc::vec::Vec<u8>,
}

/// Why attestation evidence was refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum AttestationError {
	/// This runtime has no verifier for the method.
	Unsupported,
	/// The evidence could not be parsed.
	Malformed,
	/// A signature or certificate chain did not verify.
	BadSignature,
	/// Needed collateral is not registered.
	MissingCollateral,
	/// The evidence or its collateral is expired or not yet valid.
	Expired,
	/// A certificate on the path is revoked.
	Revoked,
	/// No registered CRL covers a certificate on the path, and the
	/// revocation policy requires one.
	RevocationStatusUnknown,
	/// The TCB status is not allowed by policy.
	TcbStatusRefused,
}

/// Verifies attestation evidence for the registry. The attestation crate
/// implements it; a runtime without it uses [`NoAttestationVerifier`].
///
/// `dcap_root_ca` is the DER certificate of the root CA that PCK chains and
/// collateral signers must chain to; `None` means Intel's SGX Root CA. A chain
/// that pins a development root (a simulated SGX platform) passes it here.
pub trait AttestationVerifier {
	/// Checks that `der` can serve as a DCAP root CA (a self-signed CA
	/// certificate), before the registry starts using it.
	fn check_root_ca(der: &[u8]) -> Result<(), AttestationError>;

	/// Checks Intel-signed collateral at chain time `now_ms`.
	fn verify_collateral(
		kind: CollateralKind,
		evidence: CollateralEvidence<'_>,
		dcap_root_ca: Option<&[u8]>,
		now_ms: u64,
	) -> Result<VerifiedCollateral, AttestationError>;

	/// Checks a DCAP quote against registered collateral at `now_ms`.
	/// `collateral` looks up what the registry holds (TCB info by FMSPC);
	/// `revocation` says whether its CRLs must cover the PCK chain.
	fn verify_dcap_quote(
		quote: &[u8],
		collateral: &dyn Fn(CollateralKind, Option<Fmspc>) -> Option<VerifiedCollateral>,
		dcap_root_ca: Option<&[u8]>,
		revocation: RevocationPolicy,
		now_ms: u64,
	) -> Result<AttestedEnclave, AttestationError>;

	/// Checks an RA-TLS certificate carrying an IAS report at `now_ms`.
	fn verify_ias_certificate(
		cert_der: &[u8],
		now_ms: u64,
	) -> Result<AttestedEnclave, AttestationError>;
}

/// Refuses every attested registration: for runtimes built without a verifier.
pub struct NoAttestationVerifier;

impl AttestationVerifier for NoAttestationVerifier {
	fn check_root_ca(_: &[u8]) -> Result<(), AttestationError> {
		Err(AttestationError::Unsupported)
	}

	fn verify_collateral(
		_: CollateralKind,
		_: CollateralEvidence<'_>,
		_: Option<&[u8]>,
		_: u64,
	) -> Result<VerifiedCollateral, AttestationError> {
		Err(AttestationError::Unsupported)
	}

	fn verify_dcap_quote(
		_: &[u8],
		_: &dyn Fn(CollateralKind, Option<Fmspc>) -> Option<VerifiedCollateral>,
		_: Option<&[u8]>,
		_: RevocationPolicy,
		_: u64,
	) -> Result<AttestedEnclave, AttestationError> {
		Err(AttestationError::Unsupported)
	}

	fn verify_ias_certificate(_: &[u8], _: u64) -> Result<AttestedEnclave, AttestationError> {
		Err(AttestationError::Unsupported)
	}
}
