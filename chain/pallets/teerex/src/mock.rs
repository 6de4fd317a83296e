//! Test runtime for `pallet-teerex`.
//!
//! The runtime holds `frame_system`, `pallet_timestamp` (the registry's
//! [`Config::UnixTime`](crate::Config::UnixTime)), `pallet_balances` (the
//! deposits' [`Config::Currency`](crate::Config::Currency)) and the registry
//! itself, with 32-byte accounts so that an extrinsic's signer can be
//! compared with the signing key an attestation reports. Accounts 1 to 9
//! start with [`INITIAL_BALANCE`]; unregistrations are recorded by
//! [`RecordUnregistered`].
//!
//! The attestation verifier is [`TestVerifier`] by default, a test double that
//! checks nothing and returns whatever the evidence tells it to, so that every
//! outcome of the registry's own rules can be reached. Tests build its evidence
//! with the helpers at the end of this module. [`use_verifier`] switches the
//! runtime, for the current test thread, to [`NoAttestationVerifier`] or to the
//! real [`IntelAttestationVerifier`] (tests with real Intel artifacts, and the
//! benchmarks with the simulated platform's evidence).

use crate as pallet_teerex;
use codec::{Decode, DecodeAll, Encode};
use core::cell::Cell;
use integritee_attestation::IntelAttestationVerifier;
use integritee_primitives::{
	AttestationError, AttestationVerifier, AttestedEnclave, CollateralEvidence, CollateralKind,
	Fmspc, NoAttestationVerifier, OnEnclaveUnregistered, RevocationPolicy, SecurityFlags,
	VerifiedCollateral,
};
use polkadot_sdk::{
	frame_support::{
		self, derive_impl, storage_alias,
		traits::{ConstU32, ConstU64},
		weights::{constants::RocksDbWeight, Weight},
	},
	frame_system, pallet_balances, pallet_timestamp,
	sp_io::TestExternalities,
	sp_runtime::{traits::IdentityLookup, AccountId32, BuildStorage},
};

type Block = frame_system::mocking::MockBlock<Test>;

pub type AccountId = AccountId32;
pub type Balance = u64;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Timestamp: pallet_timestamp,
		Balances: pallet_balances,
		Teerex: pallet_teerex,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = IdentityLookup<AccountId>;
	type AccountData = pallet_balances::AccountData<Balance>;
	// Real database weights, so that the weight-bounded clearing is tested
	// with real proportions.
	type DbWeight = RocksDbWeight;
}

#[derive_impl(pallet_timestamp::config_preludes::TestDefaultConfig)]
impl pallet_timestamp::Config for Test {}

pub const EXISTENTIAL_DEPOSIT: Balance = 1;

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = Balance;
	type ExistentialDeposit = ConstU64<EXISTENTIAL_DEPOSIT>;
	type AccountStore = System;
}

/// How long a registration stays valid: one day.
pub const RENEWAL_PERIOD_MS: u64 = 24 * 60 * 60 * 1000;
/// Large enough for the real DCAP quote (4599 bytes), the simulated
/// platform's quotes and IAS certificates.
pub const MAX_PROOF_LENGTH: u32 = 8 * 1024;
pub const MAX_URL_LENGTH: u32 = 32;
/// Large enough for Intel's TCB info (8.5 kB file).
pub const MAX_COLLATERAL_LENGTH: u32 = 16 * 1024;
pub const MAX_TCB_INFOS: u32 = 8;
/// What the first registration of an account holds.
pub const REGISTRATION_DEPOSIT: Balance = 100;
/// What accounts 1 to 9 start with.
pub const INITIAL_BALANCE: Balance = 1_000;

impl pallet_teerex::Config for Test {
	type UnixTime = Timestamp;
	type AttestationVerifier = SwitchableVerifier;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RegistrationDeposit = ConstU64<REGISTRATION_DEPOSIT>;
	type OnEnclaveUnregistered = RecordUnregistered;
	type MaxAttestationRenewalPeriod = ConstU64<RENEWAL_PERIOD_MS>;
	type MaxProofLength = ConstU32<MAX_PROOF_LENGTH>;
	type MaxUrlLength = ConstU32<MAX_URL_LENGTH>;
	type MaxCollateralLength = ConstU32<MAX_COLLATERAL_LENGTH>;
	type MaxTcbInfos = ConstU32<MAX_TCB_INFOS>;
	// The measured weights: the clearing divides real weights.
	type WeightInfo = pallet_teerex::weights::SubstrateWeight<Test>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = pallet_teerex::SimulatedSgxHelper;
}

/// Every account [`RecordUnregistered`] was told about, in order.
#[storage_alias]
type Unregistered = StorageValue<RecordUnregistered, Vec<AccountId>>;

/// Records each enclave the registry says left it ([`unregistered`]).
pub struct RecordUnregistered;

/// What [`RecordUnregistered`] says unregistering may weigh.
pub const ON_UNREGISTERED_WEIGHT: Weight = Weight::from_parts(1_234_000, 56);

impl OnEnclaveUnregistered<AccountId> for RecordUnregistered {
	fn on_enclave_unregistered(who: &AccountId) {
		Unregistered::append(who);
	}

	fn max_weight() -> Weight {
		ON_UNREGISTERED_WEIGHT
	}
}

/// The enclaves [`RecordUnregistered`] was told about, in order.
pub fn unregistered() -> Vec<AccountId> {
	Unregistered::get().unwrap_or_default()
}

/// Chain time at which the test externalities start (ms since the Unix epoch).
pub const NOW_MS: u64 = 1_700_000_000_000;

/// The account with all 32 bytes set to `seed`.
pub fn account(seed: u8) -> AccountId {
	AccountId32::new([seed; 32])
}

/// Sets the chain time as the timestamp inherent would.
pub fn set_now(ms: u64) {
	pallet_timestamp::Pallet::<Test>::set_timestamp(ms);
}

/// Builds test externalities with the given security flags, at block 1 (so that
/// events are recorded) and chain time [`NOW_MS`].
pub struct ExtBuilder {
	genesis: pallet_teerex::GenesisConfig<Test>,
	verifier: VerifierMode,
}

impl Default for ExtBuilder {
	/// Production policy: no debug enclaves, no skipped attestation, default
	/// TCB policy, Intel's root; the [`TestVerifier`].
	fn default() -> Self {
		Self { genesis: Default::default(), verifier: VerifierMode::Test }
	}
}

impl ExtBuilder {
	/// Development policy: debug enclaves and skipped attestation allowed,
	/// certificates without a registered CRL accepted.
	pub fn dev() -> Self {
		let mut builder =
			Self::flags(SecurityFlags { allow_debug_mode: true, allow_skipping_attestation: true });
		builder.genesis.revocation_policy = RevocationPolicy::IfAvailable;
		builder
	}

	pub fn flags(flags: SecurityFlags) -> Self {
		let mut builder = Self::default();
		builder.genesis.security_flags = flags;
		builder
	}

	/// Starts from the given genesis of the registry.
	pub fn genesis(genesis: pallet_teerex::GenesisConfig<Test>) -> Self {
		Self { genesis, ..Self::default() }
	}

	/// The real verifier, which checks the simulated platform's evidence of
	/// the benchmarks under its pinned root, and the genesis of a
	/// development chain (the one the node's `benchmark pallet` runs on):
	/// the simulated platform's root and collateral, debug enclaves allowed.
	#[cfg(feature = "runtime-benchmarks")]
	pub fn benchmarks() -> Self {
		use integritee_sgx_sim::dev::{dev_collateral, dev_platform, DEV_COLLATERAL_ISSUED_AT_MS};
		use pallet_teerex::{GenesisCollateral, GenesisCollateralKind};
		let collateral = dev_collateral().expect("the simulated platform's collateral");
		let (qe_body, qe_signature) = collateral.qe_identity_parts().expect("QE identity");
		let (tcb_body, tcb_signature) = collateral.tcb_info_parts().expect("TCB info");
		let entry = |kind, body: &[u8], signature: &[u8], issuer_chain: &[u8]| GenesisCollateral {
			kind,
			body: body.to_vec(),
			signature: signature.to_vec(),
			issuer_chain: issuer_chain.to_vec(),
		};
		let mut builder = Self::dev().verifier(VerifierMode::Intel);
		builder.genesis.dcap_root_ca = Some(dev_platform().dev_root_ca_der());
		builder.genesis.dcap_collateral = vec![
			entry(
				GenesisCollateralKind::QuotingEnclaveIdentity,
				qe_body,
				qe_signature,
				&collateral.issuer_chain_pem,
			),
			entry(
				GenesisCollateralKind::TcbInfo,
				tcb_body,
				tcb_signature,
				&collateral.issuer_chain_pem,
			),
			entry(
				GenesisCollateralKind::PckCrl,
				&collateral.pck_crl_der,
				&[],
				&collateral.pck_crl_issuer_chain_pem,
			),
			entry(
				GenesisCollateralKind::RootCaCrl,
				&collateral.root_ca_crl_der,
				&[],
				&collateral.issuer_chain_pem,
			),
		];
		builder.genesis.collateral_verified_at_ms = DEV_COLLATERAL_ISSUED_AT_MS;
		builder
	}

	/// Uses another verifier, from genesis on.
	pub fn verifier(self, verifier: VerifierMode) -> Self {
		Self { verifier, ..self }
	}

	/// Also resets the verifier, in case a test before on the same thread
	/// called [`use_verifier`].
	pub fn build(self) -> TestExternalities {
		use_verifier(self.verifier);
		// The runtime's genesis, so that the pallets' storage versions are
		// stored as on a new chain.
		let storage = RuntimeGenesisConfig {
			balances: pallet_balances::GenesisConfig {
				balances: (1..=9).map(|seed| (account(seed), INITIAL_BALANCE)).collect(),
				..Default::default()
			},
			teerex: self.genesis,
			..Default::default()
		}
		.build_storage()
		.expect("valid genesis");
		let mut ext = TestExternalities::new(storage);
		ext.execute_with(|| {
			System::set_block_number(1);
			set_now(NOW_MS);
		});
		ext
	}

	/// Runs `test`, then checks the pallet's invariants (`try_state`) on the
	/// state it left.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			Teerex::do_try_state().expect("the pallet's invariants hold after the test");
		})
	}
}

// ---------------------------------------------------------------------------
// Test double of the attestation verifier
// ---------------------------------------------------------------------------

/// First byte of evidence that the [`TestVerifier`] accepts: the rest is the
/// SCALE encoding of what it returns (an [`AttestedEnclave`] for a quote or a
/// certificate, a [`VerifiedCollateral`] for collateral).
pub const MAGIC_OK: u8 = 0xA0;
/// First byte of a DCAP quote that needs registered collateral: the rest is the
/// SCALE encoding of `(Fmspc, AttestedEnclave)`. The quote verifies only if the
/// registry holds the quoting-enclave identity and TCB info for that FMSPC, and
/// neither has passed its `next_update_ms`.
pub const MAGIC_NEEDS_COLLATERAL: u8 = 0xA1;
/// First byte of collateral whose verified encoding is larger than the
/// submission: the rest is the SCALE encoding of `(u32, VerifiedCollateral)`,
/// and the returned `encoded` is that many zero bytes.
pub const MAGIC_INFLATED: u8 = 0xA2;

/// Every error the verifier can report, each with the first byte of evidence
/// that makes the [`TestVerifier`] report it.
pub const ERROR_MAGICS: [(u8, AttestationError); 8] = [
	(0xE0, AttestationError::Unsupported),
	(0xE1, AttestationError::Malformed),
	(0xE2, AttestationError::BadSignature),
	(0xE3, AttestationError::MissingCollateral),
	(0xE4, AttestationError::Expired),
	(0xE5, AttestationError::Revoked),
	(0xE6, AttestationError::TcbStatusRefused),
	(0xE7, AttestationError::RevocationStatusUnknown),
];

/// Test double standing in for the attestation crate's verifier. It checks no
/// signature: evidence starts with a magic byte that says what to return (see
/// [`MAGIC_OK`], [`ERROR_MAGICS`]); anything else is `Malformed`.
pub struct TestVerifier;

fn magic_error(magic: u8) -> Option<AttestationError> {
	ERROR_MAGICS.iter().find(|(m, _)| *m == magic).map(|(_, error)| *error)
}

/// Decodes a payload that must be exactly one SCALE-encoded `T`.
fn decode_payload<T: Decode>(payload: &[u8]) -> Result<T, AttestationError> {
	T::decode_all(&mut &payload[..]).map_err(|_| AttestationError::Malformed)
}

fn attested_from(quote: &[u8]) -> Result<AttestedEnclave, AttestationError> {
	match quote.split_first() {
		Some((&MAGIC_OK, payload)) => decode_payload(payload),
		Some((magic, _)) => Err(magic_error(*magic).unwrap_or(AttestationError::Malformed)),
		None => Err(AttestationError::Malformed),
	}
}

impl AttestationVerifier for TestVerifier {
	/// Accepts a root whose first byte is [`MAGIC_OK`].
	fn check_root_ca(der: &[u8]) -> Result<(), AttestationError> {
		match der.first() {
			Some(&MAGIC_OK) => Ok(()),
			_ => Err(AttestationError::Malformed),
		}
	}

	fn verify_collateral(
		_kind: CollateralKind,
		evidence: CollateralEvidence<'_>,
		_dcap_root_ca: Option<&[u8]>,
		_now_ms: u64,
	) -> Result<VerifiedCollateral, AttestationError> {
		match evidence.body.split_first() {
			Some((&MAGIC_OK, payload)) => decode_payload(payload),
			Some((&MAGIC_INFLATED, payload)) => {
				let (len, mut verified): (u32, VerifiedCollateral) = decode_payload(payload)?;
				verified.encoded = vec![0; len as usize];
				Ok(verified)
			}
			Some((magic, _)) => Err(magic_error(*magic).unwrap_or(AttestationError::Malformed)),
			None => Err(AttestationError::Malformed),
		}
	}

	fn verify_dcap_quote(
		quote: &[u8],
		collateral: &dyn Fn(CollateralKind, Option<Fmspc>) -> Option<VerifiedCollateral>,
		_dcap_root_ca: Option<&[u8]>,
		_revocation: RevocationPolicy,
		now_ms: u64,
	) -> Result<AttestedEnclave, AttestationError> {
		match quote.split_first() {
			Some((&MAGIC_NEEDS_COLLATERAL, payload)) => {
				let (fmspc, attested): (Fmspc, AttestedEnclave) = decode_payload(payload)?;
				let qe = collateral(CollateralKind::QuotingEnclaveIdentity, None)
					.ok_or(AttestationError::MissingCollateral)?;
				let tcb = collateral(CollateralKind::TcbInfo, Some(fmspc))
					.ok_or(AttestationError::MissingCollateral)?;
				if qe.next_update_ms < now_ms || tcb.next_update_ms < now_ms {
					return Err(AttestationError::Expired);
				}
				Ok(attested)
			}
			_ => attested_from(quote),
		}
	}

	fn verify_ias_certificate(
		cert_der: &[u8],
		_now_ms: u64,
	) -> Result<AttestedEnclave, AttestationError> {
		attested_from(cert_der)
	}
}

/// Which verifier the test runtime uses on the current thread.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum VerifierMode {
	Test,
	None,
	Intel,
}

thread_local! {
	static VERIFIER: Cell<VerifierMode> = const { Cell::new(VerifierMode::Test) };
}

/// Makes the runtime use another verifier on the current thread until the next
/// [`ExtBuilder::build`].
pub fn use_verifier(mode: VerifierMode) {
	VERIFIER.with(|current| current.set(mode));
}

/// The runtime's verifier, chosen by [`use_verifier`].
pub struct SwitchableVerifier;

macro_rules! dispatch {
	($method:ident($($arg:expr),*)) => {
		match VERIFIER.with(Cell::get) {
			VerifierMode::Test => TestVerifier::$method($($arg),*),
			VerifierMode::None => NoAttestationVerifier::$method($($arg),*),
			VerifierMode::Intel => IntelAttestationVerifier::$method($($arg),*),
		}
	};
}

impl AttestationVerifier for SwitchableVerifier {
	fn check_root_ca(der: &[u8]) -> Result<(), AttestationError> {
		dispatch!(check_root_ca(der))
	}

	fn verify_collateral(
		kind: CollateralKind,
		evidence: CollateralEvidence<'_>,
		dcap_root_ca: Option<&[u8]>,
		now_ms: u64,
	) -> Result<VerifiedCollateral, AttestationError> {
		dispatch!(verify_collateral(kind, evidence, dcap_root_ca, now_ms))
	}

	fn verify_dcap_quote(
		quote: &[u8],
		collateral: &dyn Fn(CollateralKind, Option<Fmspc>) -> Option<VerifiedCollateral>,
		dcap_root_ca: Option<&[u8]>,
		revocation: RevocationPolicy,
		now_ms: u64,
	) -> Result<AttestedEnclave, AttestationError> {
		dispatch!(verify_dcap_quote(quote, collateral, dcap_root_ca, revocation, now_ms))
	}

	fn verify_ias_certificate(
		cert_der: &[u8],
		now_ms: u64,
	) -> Result<AttestedEnclave, AttestationError> {
		dispatch!(verify_ias_certificate(cert_der, now_ms))
	}
}

// ---------------------------------------------------------------------------
// Evidence builders
// ---------------------------------------------------------------------------

/// A quote or certificate that the [`TestVerifier`] accepts, attesting `attested`.
pub fn attested_proof(attested: &AttestedEnclave) -> Vec<u8> {
	let mut proof = vec![MAGIC_OK];
	attested.encode_to(&mut proof);
	proof
}

/// A DCAP quote that verifies only against registered collateral for `fmspc`.
pub fn quote_needing_collateral(fmspc: Fmspc, attested: &AttestedEnclave) -> Vec<u8> {
	let mut proof = vec![MAGIC_NEEDS_COLLATERAL];
	(fmspc, attested).encode_to(&mut proof);
	proof
}

/// Evidence (quote, certificate or collateral) that the [`TestVerifier`]
/// refuses with `error`.
pub fn failing_evidence(error: AttestationError) -> Vec<u8> {
	let magic = ERROR_MAGICS
		.iter()
		.find(|(_, e)| *e == error)
		.map(|(magic, _)| *magic)
		.expect("every error has a magic byte");
	vec![magic]
}

/// Collateral that the [`TestVerifier`] accepts, verifying to `verified`.
pub fn collateral_body(verified: &VerifiedCollateral) -> Vec<u8> {
	let mut body = vec![MAGIC_OK];
	verified.encode_to(&mut body);
	body
}

/// Collateral whose verified encoding is `encoded_len` bytes long.
pub fn inflated_collateral_body(encoded_len: u32, verified: &VerifiedCollateral) -> Vec<u8> {
	let mut body = vec![MAGIC_INFLATED];
	(encoded_len, verified).encode_to(&mut body);
	body
}
