//! # Teerex: the registry of attested enclaves
//!
//! Owns the set of enclaves that the parent chain trusts, keyed by their
//! signing account, and the Intel collateral that DCAP attestation is checked
//! against. It decides *whether* an enclave may register (security flags,
//! attestation method, TCB status); *how* evidence is verified belongs to the
//! attestation verifier plugged in through [`Config::AttestationVerifier`].
//! It knows nothing of shards: that is `pallet-enclave-bridge`'s concern,
//! told through [`Config::OnEnclaveUnregistered`] when an enclave leaves.
//!
//! ## Calls
//! - [`Pallet::register_sgx_enclave`]: register or renew the caller as an
//!   enclave. Its claims (shielding key, a parent block its light client
//!   finalized) must be bound by the evidence, and the block must be one of
//!   this chain's recent blocks: an enclave following another chain never
//!   registers. The first registration of an account holds
//!   [`Config::RegistrationDeposit`]; a renewal holds nothing more.
//! - [`Pallet::unregister_sovereign_enclave`]: by the enclave, by root, or by
//!   anyone once the attestation is older than [`Config::MaxAttestationRenewalPeriod`].
//!   Releases the deposit to the enclave's account.
//! - [`Pallet::register_quoting_enclave`], [`Pallet::register_tcb_info`],
//!   [`Pallet::register_crl`]: Intel-signed collateral, verified at chain time.
//! - [`Pallet::set_security_flags`], [`Pallet::set_tcb_policy`],
//!   [`Pallet::set_dcap_root_ca`], [`Pallet::set_revocation_policy`]: root only.
//!
//! ## Policy
//! Debug builds and skipped attestation are refused unless the
//! [`SecurityFlags`](integritee_primitives::SecurityFlags) allow them. The
//! [`TcbPolicy`] decides which TCB statuses may register (UpToDate and
//! SWHardeningNeeded by default; OutOfDate and Revoked never). DCAP evidence
//! chains to Intel's SGX Root CA unless the chain pins another root (a
//! development chain pins the root of its simulated SGX platform).
//! Revocation fails closed: under the default
//! [`RevocationPolicy::Require`](integritee_primitives::RevocationPolicy),
//! a DCAP registration whose PCK chain no registered CRL covers is refused
//! ([`Error::RevocationStatusUnknown`]); only a development chain sets
//! `IfAvailable`.
//!
//! ## Bounded storage
//! Every record is bounded by a constant ([`Config::MaxUrlLength`],
//! [`Config::MaxCollateralLength`]); each enclave record is paid for by its
//! deposit; TCB info, one entry per platform family (FMSPC), is at most
//! [`Config::MaxTcbInfos`] entries. Changing the DCAP root
//! ([`Pallet::set_dcap_root_ca`]) makes the TCB info stale at once (never
//! used again, no new TCB info accepted) and the `on_idle` hook removes it in
//! steps that fit the blocks' spare weight.
//!
//! ## Storage versions
//! [`STORAGE_VERSION`] is 1: TCB info became a counted map. A chain at
//! version 0 runs [`migrations::MigrateV0ToV1`], which sets the counter.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
pub mod benchmark_helper;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod migrations;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
mod types;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
pub use benchmark_helper::{BenchmarkHelper, SimulatedSgxHelper};

use integritee_primitives::{
	AttestationError, CollateralKind, EnclaveFingerprint, EnclaveRegistry, Fmspc,
	RegisteredEnclave, SgxEnclave, TcbPolicy, VerifiedCollateral,
};

#[polkadot_sdk::frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use codec::DecodeAll;
	use integritee_primitives::{
		AttestationMethod, AttestationVerifier, AttestedEnclave, CollateralEvidence,
		OnEnclaveUnregistered, RevocationPolicy, SecurityFlags, SgxBuildMode, SgxStatus,
		SkippedAttestation,
	};
	use polkadot_sdk::{
		frame_support::{
			pallet_prelude::*,
			traits::{
				fungible::{self, InspectHold, MutateHold},
				tokens::Precision,
				UnixTime,
			},
			DefaultNoBound,
		},
		frame_system::pallet_prelude::*,
		sp_runtime::traits::Zero,
	};

	/// The in-code storage version.
	pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	/// The smallest [`Config::MaxCollateralLength`] that [`Hooks::integrity_test`]
	/// accepts: it also bounds the DCAP root CA, and Intel's SGX Root CA
	/// certificate is 659 bytes of DER.
	pub const MIN_COLLATERAL_LENGTH: u32 = 1024;

	/// The fewest bytes one revoked certificate takes in a CRL: a DER
	/// SEQUENCE header (2) around a serial INTEGER (at least 3) and a
	/// UTCTime (15). A CRL of `n` bytes revokes at most `n / 20`
	/// certificates (a hex body, twice as long, even fewer), which bounds the
	/// weight [`Pallet::register_crl`] charges before parsing it.
	pub const MIN_REVOKED_ENTRY_BYTES: u32 = 20;

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// Chain time, for attestation freshness and collateral validity.
		type UnixTime: UnixTime;
		/// Checks DCAP quotes, IAS reports and Intel collateral.
		type AttestationVerifier: AttestationVerifier;
		/// Holds the registration deposits.
		type Currency: fungible::MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;
		/// The runtime's hold reasons, which include this pallet's [`HoldReason`].
		type RuntimeHoldReason: From<HoldReason>;
		/// Held from an account when it first registers as an enclave, and
		/// released when it leaves the registry: it pays for the record's
		/// storage (up to `MaxUrlLength` bytes of URL).
		#[pallet::constant]
		type RegistrationDeposit: Get<BalanceOf<Self>>;
		/// Told when an enclave leaves the registry (in the runtime: the
		/// enclave bridge, which removes it from its shards). Its
		/// `max_weight` is charged to every unregistration.
		type OnEnclaveUnregistered: OnEnclaveUnregistered<Self::AccountId>;
		/// How long (ms) a registration stays valid after its attestation.
		#[pallet::constant]
		type MaxAttestationRenewalPeriod: Get<u64>;
		/// Upper bound of a registration proof (quote or RA-TLS certificate).
		#[pallet::constant]
		type MaxProofLength: Get<u32>;
		/// Upper bound of a worker URL.
		#[pallet::constant]
		type MaxUrlLength: Get<u32>;
		/// Upper bound of one piece of collateral, as submitted and as stored,
		/// and of the DCAP root CA certificate.
		#[pallet::constant]
		type MaxCollateralLength: Get<u32>;
		/// Upper bound of the TCB info entries (one per platform family, FMSPC;
		/// Intel lists a few dozen).
		#[pallet::constant]
		type MaxTcbInfos: Get<u32>;
		type WeightInfo: WeightInfo;
		/// Valid DCAP evidence and chain time for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self>;
	}

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The deposit of a registered enclave's account.
		EnclaveRegistration,
	}

	/// Registered enclaves by their signing account.
	#[pallet::storage]
	pub type SovereignEnclaves<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, EnclaveOf<T>, OptionQuery>;

	/// The registry's security policy.
	#[pallet::storage]
	pub type SecurityFlagsStorage<T: Config> = StorageValue<_, SecurityFlags, ValueQuery>;

	/// The verified identity of Intel's quoting enclave.
	#[pallet::storage]
	pub type QuotingEnclaveIdentity<T: Config> = StorageValue<_, StoredCollateral<T>, OptionQuery>;

	/// Verified TCB info by FMSPC, at most [`Config::MaxTcbInfos`] entries.
	/// While [`StaleTcbInfo`] is set, none of it is used.
	#[pallet::storage]
	pub type TcbInfo<T: Config> =
		CountedStorageMap<_, Blake2_128Concat, Fmspc, StoredCollateral<T>, OptionQuery>;

	/// Set while [`TcbInfo`] holds entries verified under a DCAP root that
	/// root has since replaced: they are never used, no TCB info is
	/// registered until they are gone, and [`Hooks::on_idle`] removes them.
	/// Every entry is stale then (nothing new enters), so the clearing starts
	/// at the front of the map each time and needs no cursor.
	#[pallet::storage]
	pub type StaleTcbInfo<T: Config> = StorageValue<_, bool, ValueQuery>;

	/// Verified certificate revocation lists by kind.
	#[pallet::storage]
	pub type RevocationLists<T: Config> =
		StorageMap<_, Blake2_128Concat, CollateralKind, StoredCollateral<T>, OptionQuery>;

	/// Which TCB statuses may register.
	#[pallet::storage]
	pub type TcbPolicyStorage<T: Config> = StorageValue<_, TcbPolicy, ValueQuery>;

	/// Whether registered CRLs must cover a DCAP registration's PCK chain
	/// (`Require` unless configured otherwise).
	#[pallet::storage]
	pub type RevocationPolicyStorage<T: Config> = StorageValue<_, RevocationPolicy, ValueQuery>;

	/// The root CA (DER) of DCAP PCK chains and collateral signers. Absent:
	/// Intel's SGX Root CA.
	#[pallet::storage]
	pub type DcapRootCa<T: Config> =
		StorageValue<_, BoundedVec<u8, T::MaxCollateralLength>, OptionQuery>;

	#[pallet::genesis_config]
	#[derive(DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		pub security_flags: SecurityFlags,
		pub tcb_policy: TcbPolicy,
		/// `Require` when absent.
		#[serde(default)]
		pub revocation_policy: RevocationPolicy,
		/// DER of the DCAP root CA; `None` for Intel's.
		#[serde(default, with = "crate::types::optional_bytes")]
		pub dcap_root_ca: Option<Vec<u8>>,
		/// Collateral verified at genesis, at [`Self::collateral_verified_at_ms`]
		/// (there is no chain time yet).
		#[serde(default)]
		pub dcap_collateral: Vec<GenesisCollateral>,
		#[serde(default)]
		pub collateral_verified_at_ms: u64,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			SecurityFlagsStorage::<T>::put(self.security_flags);
			TcbPolicyStorage::<T>::put(self.tcb_policy);
			RevocationPolicyStorage::<T>::put(self.revocation_policy);
			if let Some(root) = &self.dcap_root_ca {
				if let Err(error) = Pallet::<T>::put_root_ca(root.clone()) {
					panic!("genesis: DCAP root CA refused: {error:?}");
				}
			}
			for collateral in &self.dcap_collateral {
				let evidence = CollateralEvidence {
					body: &collateral.body,
					signature: &collateral.signature,
					issuer_chain: &collateral.issuer_chain,
				};
				if let Err(error) = Pallet::<T>::store_collateral(
					collateral.kind.into(),
					evidence,
					self.collateral_verified_at_ms,
				) {
					panic!("genesis: {:?} collateral refused: {error:?}", collateral.kind);
				}
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// An enclave registered (or renewed its registration).
		EnclaveRegistered {
			signer: T::AccountId,
			mr_enclave: EnclaveFingerprint,
			attestation_method: AttestationMethod,
			url: Option<Vec<u8>>,
		},
		/// An enclave left the registry; its deposit was released.
		EnclaveUnregistered { signer: T::AccountId, reason: UnregisterReason },
		/// Root changed the security policy.
		SecurityFlagsSet { flags: SecurityFlags },
		/// New verified collateral replaced older collateral of the same kind.
		CollateralRegistered { kind: CollateralKind, fmspc: Option<Fmspc>, next_update_ms: u64 },
		/// Root changed which TCB statuses may register.
		TcbPolicySet { policy: TcbPolicy },
		/// Root changed what registration demands of CRLs.
		RevocationPolicySet { policy: RevocationPolicy },
		/// Root changed the DCAP root CA (`None`: Intel's). All collateral was
		/// verified under the old root: the QE identity and the CRLs were
		/// removed, the TCB info is stale (unused) until [`Hooks::on_idle`]
		/// has removed it ([`Event::StaleTcbInfoCleared`]).
		DcapRootCaSet { root_ca_hash: Option<[u8; 32]> },
		/// The last stale TCB info is gone: TCB info registers again.
		StaleTcbInfoCleared,
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The proof is longer than `MaxProofLength`.
		ProofTooLong,
		/// The worker URL is longer than `MaxUrlLength`.
		UrlTooLong,
		/// The collateral is longer than `MaxCollateralLength`.
		CollateralTooLong,
		/// A `Skip` proof is not a SCALE-encoded `SkippedAttestation`.
		MalformedSkipProof,
		/// Registration without attestation is disabled on this chain.
		SkippingAttestationNotAllowed,
		/// The enclave runs in SGX debug mode, which this chain does not accept.
		DebugModeNotAllowed,
		/// The platform's TCB status is not acceptable (e.g. OutOfDate or Revoked).
		TcbStatusNotAllowed,
		/// The attested signing key is not the key that signed this extrinsic.
		SenderIsNotAttestedEnclave,
		/// The evidence's `report_data[32..64]` is not the binding of the
		/// registration's claims (shielding key, parent-chain block).
		ClaimsNotAttested,
		/// The parent-chain block the enclave names is not one of this chain's
		/// recent blocks: the enclave follows another chain, or its light
		/// client is too far behind (let it import, then register).
		UnknownParentchainBlock,
		/// This runtime cannot verify this kind of attestation.
		AttestationMethodUnsupported,
		/// The attestation evidence could not be parsed.
		MalformedAttestation,
		/// A signature or certificate chain of the evidence did not verify.
		AttestationSignatureInvalid,
		/// The collateral the evidence needs is not registered.
		CollateralMissing,
		/// The evidence or its collateral is expired or not yet valid.
		AttestationExpired,
		/// A certificate of the evidence is revoked.
		AttestationRevoked,
		/// No registered CRL covers a certificate of the evidence's PCK chain,
		/// and the chain's revocation policy requires one: register the PCK
		/// and root CA CRLs (`register_crl`) first.
		RevocationStatusUnknown,
		/// The chain has no usable timestamp yet.
		ChainTimeUnavailable,
		/// The submitted collateral is not newer than what is registered.
		CollateralNotNewer,
		/// The collateral verifier returned a kind other than the one submitted.
		CollateralKindMismatch,
		/// The verifier returned TCB info without the FMSPC it applies to.
		TcbInfoWithoutFmspc,
		/// The collateral's verified encoding is longer than `MaxCollateralLength`.
		VerifiedCollateralTooLong,
		/// No enclave is registered for this account.
		EnclaveNotRegistered,
		/// Only the enclave itself or root may unregister it before it expires.
		UnregisterNotAllowed,
		/// The DCAP root CA is not a self-signed CA certificate.
		InvalidRootCa,
		/// The DCAP root CA is longer than `MaxCollateralLength`.
		RootCaTooLong,
		/// The account cannot hold the registration deposit
		/// (`RegistrationDeposit`) and keep its existential deposit.
		CannotHoldDeposit,
		/// `MaxTcbInfos` FMSPCs have TCB info already: TCB info of another
		/// FMSPC has no room (newer TCB info of a registered FMSPC does).
		TooManyTcbInfos,
		/// TCB info verified under a replaced DCAP root is still being
		/// removed: register TCB info once `StaleTcbInfoCleared` was emitted.
		StaleCollateralBeingCleared,
		/// The verifier returned collateral that cannot be stored: an empty
		/// encoding, or a next update that is not after its issue.
		InvalidVerifiedCollateral,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Register the signer as an enclave, or renew its registration.
		///
		/// `proof` is a DCAP quote (`Dcap`), an RA-TLS certificate with an IAS
		/// report (`Ias`), or a SCALE-encoded [`SkippedAttestation`] (`Skip`, only
		/// where the security flags allow it). The attested signing key
		/// (`report_data[0..32]`) must be the extrinsic's signer, and
		/// `report_data[32..64]` the binding of `claims`
		/// ([`RegistrationClaims::report_binding`](integritee_primitives::RegistrationClaims::report_binding)):
		/// the enclave's shielding key and a block its light client
		/// finalized, which must be one of this chain's recent blocks
		/// (`frame_system::BlockHash`), so that an enclave following a
		/// fabricated chain never registers.
		///
		/// The first registration of an account holds
		/// [`Config::RegistrationDeposit`] from it; a renewal holds nothing
		/// more.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_sgx_enclave())]
		pub fn register_sgx_enclave(
			origin: OriginFor<T>,
			proof: Vec<u8>,
			worker_url: Option<Vec<u8>>,
			attestation_method: AttestationMethod,
			claims: ClaimsOf<T>,
		) -> DispatchResult {
			let signer = ensure_signed(origin)?;
			ensure!(proof.len() <= T::MaxProofLength::get() as usize, Error::<T>::ProofTooLong);
			let url: Option<BoundedVec<u8, T::MaxUrlLength>> = worker_url
				.clone()
				.map(|url| url.try_into().map_err(|_| Error::<T>::UrlTooLong))
				.transpose()?;
			let flags = SecurityFlagsStorage::<T>::get();
			let now_ms = Self::now_ms()?;

			let attested = match attestation_method {
				AttestationMethod::Skip => {
					ensure!(
						flags.allow_skipping_attestation,
						Error::<T>::SkippingAttestationNotAllowed
					);
					let skipped = SkippedAttestation::decode_all(&mut &proof[..])
						.map_err(|_| Error::<T>::MalformedSkipProof)?;
					// Nothing proves a production build, so it is recorded as debug.
					AttestedEnclave {
						mr_enclave: skipped.mr_enclave,
						mr_signer: skipped.mr_signer,
						signer_public: [0; 32],
						report_binding: claims.report_binding(),
						build_mode: SgxBuildMode::Debug,
						status: SgxStatus::Unattested,
						attested_at_ms: now_ms,
					}
				}
				AttestationMethod::Dcap => {
					let root = DcapRootCa::<T>::get();
					let attested = T::AttestationVerifier::verify_dcap_quote(
						&proof,
						&|kind, fmspc| Self::registered_collateral(kind, fmspc),
						root.as_deref().map(|root| &root[..]),
						RevocationPolicyStorage::<T>::get(),
						now_ms,
					)
					.map_err(Error::<T>::from)?;
					Self::ensure_signer_matches(&signer, &attested)?;
					attested
				}
				AttestationMethod::Ias => {
					let attested = T::AttestationVerifier::verify_ias_certificate(&proof, now_ms)
						.map_err(Error::<T>::from)?;
					Self::ensure_signer_matches(&signer, &attested)?;
					attested
				}
			};

			if attested.build_mode == SgxBuildMode::Debug {
				ensure!(flags.allow_debug_mode, Error::<T>::DebugModeNotAllowed);
			}
			ensure!(
				TcbPolicyStorage::<T>::get().allows(attested.status),
				Error::<T>::TcbStatusNotAllowed
			);

			// A record never claims to be newer than chain time, and evidence
			// older than the renewal period would register an expired enclave.
			let attested_at_ms = attested.attested_at_ms.min(now_ms);
			ensure!(
				now_ms - attested_at_ms <= T::MaxAttestationRenewalPeriod::get(),
				Error::<T>::AttestationExpired
			);
			// After every check of the evidence itself: the enclave made
			// these claims, and it follows this chain.
			ensure!(
				attested.report_binding == claims.report_binding(),
				Error::<T>::ClaimsNotAttested
			);
			let (number, hash) = &claims.parentchain_block;
			ensure!(
				// `try_get`: an unknown number reads as the zero hash otherwise.
				polkadot_sdk::frame_system::BlockHash::<T>::try_get(number).ok().as_ref()
					== Some(hash),
				Error::<T>::UnknownParentchainBlock
			);
			// Last: the deposit is a matter of the account, not of the
			// evidence, and a refused registration must say what was wrong
			// with the evidence first.
			if !SovereignEnclaves::<T>::contains_key(&signer) {
				Self::hold_deposit(&signer)?;
			}

			let enclave = SgxEnclave {
				mr_enclave: attested.mr_enclave,
				mr_signer: attested.mr_signer,
				shielding_key_hash: claims.shielding_key_hash,
				build_mode: attested.build_mode,
				status: attested.status,
				attestation_method,
				attested_at_ms,
				url,
			};
			SovereignEnclaves::<T>::insert(&signer, enclave);
			Self::deposit_event(Event::EnclaveRegistered {
				signer,
				mr_enclave: attested.mr_enclave,
				attestation_method,
				url: worker_url,
			});
			Ok(())
		}

		/// Remove an enclave from the registry: by the enclave itself, by root,
		/// or by anyone once its attestation is older than the renewal period.
		/// Whatever is held for the registration goes back to the enclave's
		/// account, and [`Config::OnEnclaveUnregistered`] is told.
		#[pallet::call_index(1)]
		#[pallet::weight(
			T::WeightInfo::unregister_sovereign_enclave()
				.saturating_add(T::OnEnclaveUnregistered::max_weight())
		)]
		pub fn unregister_sovereign_enclave(
			origin: OriginFor<T>,
			enclave_signer: T::AccountId,
		) -> DispatchResult {
			let caller = ensure_signed_or_root(origin)?;
			let enclave = SovereignEnclaves::<T>::get(&enclave_signer)
				.ok_or(Error::<T>::EnclaveNotRegistered)?;
			let reason = match caller {
				None => UnregisterReason::ByRoot,
				Some(who) if who == enclave_signer => UnregisterReason::ByEnclave,
				Some(_) if Self::is_expired(&enclave, Self::now_ms()?) => UnregisterReason::Expired,
				Some(_) => return Err(Error::<T>::UnregisterNotAllowed.into()),
			};
			SovereignEnclaves::<T>::remove(&enclave_signer);
			Self::release_deposit(&enclave_signer)?;
			T::OnEnclaveUnregistered::on_enclave_unregistered(&enclave_signer);
			Self::deposit_event(Event::EnclaveUnregistered { signer: enclave_signer, reason });
			Ok(())
		}

		/// Register Intel's signed quoting-enclave identity (`qe_identity.json`'s
		/// `enclaveIdentity` body, its signature and the PEM issuer chain).
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::register_quoting_enclave())]
		pub fn register_quoting_enclave(
			origin: OriginFor<T>,
			enclave_identity: Vec<u8>,
			signature: Vec<u8>,
			certificate_chain: Vec<u8>,
		) -> DispatchResult {
			ensure_signed(origin)?;
			let evidence = CollateralEvidence {
				body: &enclave_identity,
				signature: &signature,
				issuer_chain: &certificate_chain,
			};
			Self::store_collateral(
				CollateralKind::QuotingEnclaveIdentity,
				evidence,
				Self::now_ms()?,
			)
		}

		/// Register Intel's signed TCB info for one FMSPC (`tcb_info.json`'s
		/// `tcbInfo` body, its signature and the PEM issuer chain). Refused
		/// while stale TCB info is being removed, and for a new FMSPC once
		/// `MaxTcbInfos` FMSPCs have TCB info.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::register_tcb_info())]
		pub fn register_tcb_info(
			origin: OriginFor<T>,
			tcb_info: Vec<u8>,
			signature: Vec<u8>,
			certificate_chain: Vec<u8>,
		) -> DispatchResult {
			ensure_signed(origin)?;
			let evidence = CollateralEvidence {
				body: &tcb_info,
				signature: &signature,
				issuer_chain: &certificate_chain,
			};
			Self::store_collateral(CollateralKind::TcbInfo, evidence, Self::now_ms()?)
		}

		/// Register a certificate revocation list (DER) with its PEM issuer
		/// chain. Charged for as many revoked certificates as `crl` can hold
		/// ([`MIN_REVOKED_ENTRY_BYTES`] each).
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::register_crl(Pallet::<T>::revoked_bound(crl.len())))]
		pub fn register_crl(
			origin: OriginFor<T>,
			kind: CrlKind,
			crl: Vec<u8>,
			certificate_chain: Vec<u8>,
		) -> DispatchResult {
			ensure_signed(origin)?;
			let evidence =
				CollateralEvidence { body: &crl, signature: &[], issuer_chain: &certificate_chain };
			Self::store_collateral(kind.into(), evidence, Self::now_ms()?)
		}

		/// Set the registry's security policy. Root only.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::set_security_flags())]
		pub fn set_security_flags(origin: OriginFor<T>, flags: SecurityFlags) -> DispatchResult {
			ensure_root(origin)?;
			SecurityFlagsStorage::<T>::put(flags);
			Self::deposit_event(Event::SecurityFlagsSet { flags });
			Ok(())
		}

		/// Set which TCB statuses may register. Root only. Enclaves already
		/// registered keep their registration until it expires or is removed.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::set_tcb_policy())]
		pub fn set_tcb_policy(origin: OriginFor<T>, policy: TcbPolicy) -> DispatchResult {
			ensure_root(origin)?;
			TcbPolicyStorage::<T>::put(policy);
			Self::deposit_event(Event::TcbPolicySet { policy });
			Ok(())
		}

		/// Set the DCAP root CA (DER; `None`: Intel's SGX Root CA). Root only.
		/// All registered collateral was verified under the old root: the QE
		/// identity and the CRLs are removed at once; the TCB info, which may
		/// be many entries, is marked stale (never used again) and removed by
		/// [`Hooks::on_idle`] in bounded steps. TCB info registers again once
		/// it is gone ([`Event::StaleTcbInfoCleared`]); calling this again
		/// meanwhile leaves it stale.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::set_dcap_root_ca())]
		pub fn set_dcap_root_ca(origin: OriginFor<T>, root_ca: Option<Vec<u8>>) -> DispatchResult {
			ensure_root(origin)?;
			let root_ca_hash = match root_ca {
				Some(der) => {
					let hash = polkadot_sdk::sp_io::hashing::sha2_256(&der);
					Self::put_root_ca(der)?;
					Some(hash)
				}
				None => {
					DcapRootCa::<T>::kill();
					None
				}
			};
			QuotingEnclaveIdentity::<T>::kill();
			// Only these two kinds are ever stored (`store_collateral`).
			RevocationLists::<T>::remove(CollateralKind::PckCrl);
			RevocationLists::<T>::remove(CollateralKind::RootCaCrl);
			// One read, not the counter: a clearing must start whenever an
			// entry exists, even if the counter were off.
			if TcbInfo::<T>::iter_keys().next().is_some() {
				StaleTcbInfo::<T>::put(true);
			}
			Self::deposit_event(Event::DcapRootCaSet { root_ca_hash });
			Ok(())
		}

		/// Set what DCAP registration demands of CRLs. Root only. `Require`
		/// (the default) refuses a PCK chain that no registered CRL covers;
		/// `IfAvailable` is for development chains.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::set_revocation_policy())]
		pub fn set_revocation_policy(
			origin: OriginFor<T>,
			policy: RevocationPolicy,
		) -> DispatchResult {
			ensure_root(origin)?;
			RevocationPolicyStorage::<T>::put(policy);
			Self::deposit_event(Event::RevocationPolicySet { policy });
			Ok(())
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Removes stale TCB info, as far as the block's spare weight allows;
		/// the rest waits for the next block.
		fn on_idle(_: BlockNumberFor<T>, remaining: Weight) -> Weight {
			Self::clear_stale_tcb_info_within(remaining)
		}

		/// The constants allow the registry to work at all.
		fn integrity_test() {
			assert!(T::MaxProofLength::get() > 0, "MaxProofLength must not be zero");
			assert!(T::MaxUrlLength::get() > 0, "MaxUrlLength must not be zero");
			assert!(
				T::MaxAttestationRenewalPeriod::get() > 0,
				"MaxAttestationRenewalPeriod must not be zero: every registration would expire at once"
			);
			assert!(T::MaxTcbInfos::get() > 0, "MaxTcbInfos must not be zero");
			assert!(
				T::MaxCollateralLength::get() >= MIN_COLLATERAL_LENGTH,
				"MaxCollateralLength must hold a root CA certificate ({MIN_COLLATERAL_LENGTH} bytes)"
			);
			let skip_proof_len = SkippedAttestation {
				mr_enclave: Default::default(),
				mr_signer: Default::default(),
			}
			.encoded_size();
			assert!(
				T::MaxProofLength::get() as usize >= skip_proof_len,
				"MaxProofLength must hold a skipped attestation's proof"
			);
			// `on_idle` divides its budget by the per-entry part of the
			// clearing's weight, the difference of these two.
			assert!(
				T::WeightInfo::clear_stale_tcb_info(1)
					.all_gte(T::WeightInfo::clear_stale_tcb_info(0)),
				"clearing an entry must not weigh less than clearing none"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(
			_: BlockNumberFor<T>,
		) -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	impl<T: Config> Pallet<T> {
		/// Every registered enclave, for the `TeerexApi` runtime API.
		pub fn enclaves() -> Vec<(T::AccountId, SgxEnclave<Vec<u8>>)> {
			SovereignEnclaves::<T>::iter()
				.map(|(signer, enclave)| {
					let SgxEnclave {
						mr_enclave,
						mr_signer,
						shielding_key_hash,
						build_mode,
						status,
						attestation_method,
						attested_at_ms,
						url,
					} = enclave;
					let url = url.map(BoundedVec::into_inner);
					(
						signer,
						SgxEnclave {
							mr_enclave,
							mr_signer,
							shielding_key_hash,
							build_mode,
							status,
							attestation_method,
							attested_at_ms,
							url,
						},
					)
				})
				.collect()
		}

		/// The enclave registered for `signer`, expired or not.
		pub fn enclave(signer: &T::AccountId) -> Option<EnclaveOf<T>> {
			SovereignEnclaves::<T>::get(signer)
		}

		/// The invariants of this pallet's storage:
		/// - the TCB info counter counts the entries, at most `MaxTcbInfos`,
		///   and TCB info is only marked stale while some is left;
		/// - every collateral record sits under its own kind (TCB info under
		///   its FMSPC, CRLs under their kind), with a non-empty encoding and
		///   a next update after its issue;
		/// - a pinned DCAP root is a root CA the verifier accepts;
		/// - no enclave was attested after chain time (once there is one),
		///   and a skipped attestation is recorded as an unattested debug
		///   build, never as more.
		#[cfg(any(test, feature = "try-runtime"))]
		pub fn do_try_state() -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
			let entries = TcbInfo::<T>::iter_keys().count();
			ensure!(
				TcbInfo::<T>::count() as usize == entries,
				"the TCB info counter differs from the number of entries"
			);
			ensure!(entries <= T::MaxTcbInfos::get() as usize, "more TCB info than MaxTcbInfos");
			ensure!(
				!StaleTcbInfo::<T>::get() || entries > 0,
				"TCB info is stale, but none is left"
			);
			for (fmspc, stored) in TcbInfo::<T>::iter() {
				ensure!(
					stored.kind == CollateralKind::TcbInfo && stored.fmspc == Some(fmspc),
					"TCB info is stored under another kind or FMSPC"
				);
				Self::check_collateral_record(&stored)?;
			}
			if let Some(stored) = QuotingEnclaveIdentity::<T>::get() {
				ensure!(
					stored.kind == CollateralKind::QuotingEnclaveIdentity,
					"the QE identity is of another kind"
				);
				Self::check_collateral_record(&stored)?;
			}
			for (kind, stored) in RevocationLists::<T>::iter() {
				ensure!(
					matches!(kind, CollateralKind::PckCrl | CollateralKind::RootCaCrl)
						&& stored.kind == kind,
					"a CRL is stored under another kind"
				);
				Self::check_collateral_record(&stored)?;
			}
			if let Some(root) = DcapRootCa::<T>::get() {
				ensure!(
					T::AttestationVerifier::check_root_ca(&root).is_ok(),
					"the DCAP root CA is not a root CA"
				);
			}
			let now_ms = u64::try_from(T::UnixTime::now().as_millis()).unwrap_or(u64::MAX);
			for (_, enclave) in SovereignEnclaves::<T>::iter() {
				ensure!(
					now_ms == 0 || enclave.attested_at_ms <= now_ms,
					"an enclave was attested after chain time"
				);
				ensure!(
					enclave.attestation_method != AttestationMethod::Skip
						|| (enclave.build_mode == SgxBuildMode::Debug
							&& enclave.status == SgxStatus::Unattested),
					"a skipped attestation is recorded as more than an unattested debug build"
				);
			}
			Ok(())
		}

		#[cfg(any(test, feature = "try-runtime"))]
		fn check_collateral_record(
			stored: &StoredCollateral<T>,
		) -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
			ensure!(!stored.encoded.is_empty(), "collateral with an empty encoding");
			ensure!(
				stored.issued_at_ms < stored.next_update_ms,
				"collateral whose next update is not after its issue"
			);
			Ok(())
		}

		pub(crate) fn put_root_ca(der: Vec<u8>) -> Result<(), Error<T>> {
			let bounded: BoundedVec<u8, T::MaxCollateralLength> =
				der.try_into().map_err(|_| Error::<T>::RootCaTooLong)?;
			T::AttestationVerifier::check_root_ca(&bounded)
				.map_err(|_| Error::<T>::InvalidRootCa)?;
			DcapRootCa::<T>::put(bounded);
			Ok(())
		}

		pub(crate) fn is_expired(enclave: &EnclaveOf<T>, now_ms: u64) -> bool {
			now_ms.saturating_sub(enclave.attested_at_ms) > T::MaxAttestationRenewalPeriod::get()
		}

		fn now_ms() -> Result<u64, Error<T>> {
			let now = T::UnixTime::now().as_millis();
			// Timestamp is zero until the first block's inherent has set it.
			if now == 0 {
				return Err(Error::<T>::ChainTimeUnavailable);
			}
			u64::try_from(now).map_err(|_| Error::<T>::ChainTimeUnavailable)
		}

		fn ensure_signer_matches(
			signer: &T::AccountId,
			attested: &AttestedEnclave,
		) -> Result<(), Error<T>> {
			let signer_bytes = signer.encode();
			ensure!(
				signer_bytes.as_slice() == attested.signer_public.as_slice(),
				Error::<T>::SenderIsNotAttestedEnclave
			);
			Ok(())
		}

		/// Holds the registration deposit from `who`.
		pub(crate) fn hold_deposit(who: &T::AccountId) -> Result<(), Error<T>> {
			let deposit = T::RegistrationDeposit::get();
			// A hold of nothing would only leave an empty hold event behind.
			if deposit.is_zero() {
				return Ok(());
			}
			T::Currency::hold(&HoldReason::EnclaveRegistration.into(), who, deposit)
				.map_err(|_| Error::<T>::CannotHoldDeposit)
		}

		/// Releases everything held for the registration of `who`, whatever
		/// the deposit was when it registered. Enclaves registered before
		/// deposits existed hold nothing, and nothing is released.
		fn release_deposit(who: &T::AccountId) -> DispatchResult {
			let reason = HoldReason::EnclaveRegistration.into();
			if T::Currency::balance_on_hold(&reason, who).is_zero() {
				return Ok(());
			}
			// Should the currency refuse, the unregistration fails and the
			// record stays: removing it would strand the held funds.
			T::Currency::release_all(&reason, who, Precision::BestEffort)?;
			Ok(())
		}

		/// The most certificates a CRL of `len` bytes can revoke.
		pub(crate) fn revoked_bound(len: usize) -> u32 {
			u32::try_from(len / MIN_REVOKED_ENTRY_BYTES as usize).unwrap_or(u32::MAX)
		}

		/// The collateral a verification may use. Stale TCB info was verified
		/// under a replaced root and reads as absent.
		pub(crate) fn registered_collateral(
			kind: CollateralKind,
			fmspc: Option<Fmspc>,
		) -> Option<VerifiedCollateral> {
			let stored = match kind {
				CollateralKind::QuotingEnclaveIdentity => QuotingEnclaveIdentity::<T>::get(),
				CollateralKind::TcbInfo if StaleTcbInfo::<T>::get() => None,
				CollateralKind::TcbInfo => TcbInfo::<T>::get(fmspc?),
				CollateralKind::PckCrl | CollateralKind::RootCaCrl => {
					RevocationLists::<T>::get(kind)
				}
			};
			stored.map(StoredCollateral::into_verified)
		}

		pub(crate) fn store_collateral(
			kind: CollateralKind,
			evidence: CollateralEvidence,
			now_ms: u64,
		) -> DispatchResult {
			let max = T::MaxCollateralLength::get() as usize;
			ensure!(
				evidence.body.len() <= max
					&& evidence.signature.len() <= max
					&& evidence.issuer_chain.len() <= max,
				Error::<T>::CollateralTooLong
			);
			ensure!(
				kind != CollateralKind::TcbInfo || !StaleTcbInfo::<T>::get(),
				Error::<T>::StaleCollateralBeingCleared
			);
			let root = DcapRootCa::<T>::get();
			let verified = T::AttestationVerifier::verify_collateral(
				kind,
				evidence,
				root.as_deref().map(|root| &root[..]),
				now_ms,
			)
			.map_err(Error::<T>::from)?;
			ensure!(verified.kind == kind, Error::<T>::CollateralKindMismatch);
			// Nothing a quote could be checked against, or never valid.
			ensure!(
				!verified.encoded.is_empty() && verified.issued_at_ms < verified.next_update_ms,
				Error::<T>::InvalidVerifiedCollateral
			);
			let stored = StoredCollateral::<T> {
				kind,
				fmspc: verified.fmspc,
				issued_at_ms: verified.issued_at_ms,
				next_update_ms: verified.next_update_ms,
				encoded: verified
					.encoded
					.try_into()
					.map_err(|_| Error::<T>::VerifiedCollateralTooLong)?,
			};
			if let Some(existing) = Self::registered_collateral(kind, stored.fmspc) {
				// Never roll collateral back: an older TCB info could re-admit
				// platforms that a newer one marks out of date.
				ensure!(
					stored.issued_at_ms > existing.issued_at_ms,
					Error::<T>::CollateralNotNewer
				);
			}
			let (fmspc, next_update_ms) = (stored.fmspc, stored.next_update_ms);
			match kind {
				CollateralKind::QuotingEnclaveIdentity => QuotingEnclaveIdentity::<T>::put(stored),
				CollateralKind::TcbInfo => {
					let fmspc = fmspc.ok_or(Error::<T>::TcbInfoWithoutFmspc)?;
					ensure!(
						TcbInfo::<T>::contains_key(fmspc)
							|| TcbInfo::<T>::count() < T::MaxTcbInfos::get(),
						Error::<T>::TooManyTcbInfos
					);
					TcbInfo::<T>::insert(fmspc, stored)
				}
				CollateralKind::PckCrl | CollateralKind::RootCaCrl => {
					RevocationLists::<T>::insert(kind, stored)
				}
			}
			Self::deposit_event(Event::CollateralRegistered { kind, fmspc, next_update_ms });
			Ok(())
		}

		/// Removes stale TCB info within `limit`; returns the weight used.
		/// Measured by the `clear_stale_tcb_info(n)` benchmark: its fixed
		/// part (reading the mark, looking for what is left) and `n` times
		/// its per-entry part must fit.
		pub(crate) fn clear_stale_tcb_info_within(limit: Weight) -> Weight {
			let fixed = T::WeightInfo::clear_stale_tcb_info(0);
			if limit.any_lt(fixed) {
				return Weight::zero();
			}
			if !StaleTcbInfo::<T>::get() {
				return T::DbWeight::get().reads(1);
			}
			let per_entry = T::WeightInfo::clear_stale_tcb_info(1).saturating_sub(fixed);
			let entries = times_within(limit.saturating_sub(fixed), per_entry);
			let removed = Self::clear_stale_tcb_info(entries);
			T::WeightInfo::clear_stale_tcb_info(removed)
		}

		/// Removes up to `max` entries of stale TCB info; once none is left,
		/// ends the clearing. Returns how many were removed.
		pub(crate) fn clear_stale_tcb_info(max: u32) -> u32 {
			// Collected first: removing while iterating would skip keys.
			let stale: Vec<Fmspc> =
				TcbInfo::<T>::iter_keys().take(max.try_into().unwrap_or(usize::MAX)).collect();
			for fmspc in &stale {
				TcbInfo::<T>::remove(fmspc);
			}
			let removed = u32::try_from(stale.len()).unwrap_or(u32::MAX);
			// Fewer than asked for: the iteration reached the end of the map.
			if removed < max || TcbInfo::<T>::iter_keys().next().is_none() {
				StaleTcbInfo::<T>::kill();
				Self::deposit_event(Event::StaleTcbInfoCleared);
			}
			removed
		}
	}

	/// How many times `each` fits into `budget`, in both dimensions; a
	/// dimension that `each` does not use does not limit it.
	fn times_within(budget: Weight, each: Weight) -> u32 {
		let fit = |budget: u64, each: u64| budget.checked_div(each).unwrap_or(u64::MAX);
		let times = fit(budget.ref_time(), each.ref_time())
			.min(fit(budget.proof_size(), each.proof_size()));
		u32::try_from(times).unwrap_or(u32::MAX)
	}

	impl<T: Config> From<AttestationError> for Error<T> {
		fn from(error: AttestationError) -> Self {
			match error {
				AttestationError::Unsupported => Error::<T>::AttestationMethodUnsupported,
				AttestationError::Malformed => Error::<T>::MalformedAttestation,
				AttestationError::BadSignature => Error::<T>::AttestationSignatureInvalid,
				AttestationError::MissingCollateral => Error::<T>::CollateralMissing,
				AttestationError::Expired => Error::<T>::AttestationExpired,
				AttestationError::Revoked => Error::<T>::AttestationRevoked,
				AttestationError::RevocationStatusUnknown => Error::<T>::RevocationStatusUnknown,
				AttestationError::TcbStatusRefused => Error::<T>::TcbStatusNotAllowed,
			}
		}
	}
}

impl<T: Config> EnclaveRegistry<T::AccountId> for Pallet<T> {
	fn registered_enclave(who: &T::AccountId) -> Option<RegisteredEnclave> {
		use polkadot_sdk::frame_support::traits::UnixTime;
		let enclave = SovereignEnclaves::<T>::get(who)?;
		let now_ms = u64::try_from(T::UnixTime::now().as_millis()).unwrap_or(u64::MAX);
		if Self::is_expired(&enclave, now_ms) {
			return None;
		}
		Some(RegisteredEnclave {
			fingerprint: enclave.mr_enclave,
			shielding_key_hash: enclave.shielding_key_hash,
		})
	}

	fn is_registered(who: &T::AccountId) -> bool {
		SovereignEnclaves::<T>::contains_key(who)
	}

	/// A production DCAP enclave with the longest URL, attested at chain
	/// time; no deposit is held (the benchmarks of other pallets only need
	/// the record).
	#[cfg(feature = "runtime-benchmarks")]
	fn register_for_benchmark(
		who: &T::AccountId,
		fingerprint: EnclaveFingerprint,
		shielding_key_hash: [u8; 32],
	) {
		use alloc::vec;
		use integritee_primitives::{AttestationMethod, SgxBuildMode, SgxStatus};
		use polkadot_sdk::frame_support::{
			traits::{Get, UnixTime},
			BoundedVec,
		};
		let longest_url = vec![b'u'; T::MaxUrlLength::get() as usize];
		let enclave = SgxEnclave {
			mr_enclave: fingerprint,
			mr_signer: [0x5e; 32],
			shielding_key_hash,
			build_mode: SgxBuildMode::Production,
			status: SgxStatus::UpToDate,
			attestation_method: AttestationMethod::Dcap,
			attested_at_ms: u64::try_from(T::UnixTime::now().as_millis()).unwrap_or(u64::MAX),
			url: Some(BoundedVec::truncate_from(longest_url)),
		};
		SovereignEnclaves::<T>::insert(who, enclave);
	}
}
