//! # Teerex: the registry of attested enclaves
//!
//! Owns the set of enclaves that the parent chain trusts, keyed by their
//! signing account, and the Intel collateral that DCAP attestation is checked
//! against. It decides *whether* an enclave may register (security flags,
//! attestation method, TCB status); *how* evidence is verified belongs to the
//! attestation verifier plugged in through [`Config::AttestationVerifier`].
//! It knows nothing of shards: that is `pallet-enclave-bridge`'s concern.
//!
//! ## Calls
//! - [`Pallet::register_sgx_enclave`]: register or renew the caller as an
//!   enclave. Its claims (shielding key, a parent block its light client
//!   finalized) must be bound by the evidence, and the block must be one of
//!   this chain's recent blocks: an enclave following another chain never
//!   registers.
//! - [`Pallet::unregister_sovereign_enclave`]: by the enclave, by root, or by
//!   anyone once the attestation is older than [`Config::MaxAttestationRenewalPeriod`].
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
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use weights::WeightInfo;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod real_artifacts;
#[cfg(test)]
mod tests;
pub mod weights;

use integritee_primitives::{
	AttestationError, CollateralKind, EnclaveFingerprint, EnclaveRegistry, Fmspc, SgxEnclave,
	TcbPolicy, VerifiedCollateral,
};

#[polkadot_sdk::frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use codec::DecodeAll;
	use integritee_primitives::{
		AttestationMethod, AttestationVerifier, AttestedEnclave, CollateralEvidence,
		RegistrationClaims, RevocationPolicy, SecurityFlags, SgxBuildMode, SgxStatus,
		SkippedAttestation,
	};
	use polkadot_sdk::{
		frame_support::{pallet_prelude::*, traits::UnixTime, DefaultNoBound},
		frame_system::pallet_prelude::*,
	};

	/// The registry's record of an enclave, with the URL bounded for storage.
	pub type EnclaveOf<T> = SgxEnclave<BoundedVec<u8, <T as Config>::MaxUrlLength>>;

	/// What a registering enclave claims on this chain: its shielding key
	/// and a block of this chain its light client finalized.
	pub type ClaimsOf<T> =
		RegistrationClaims<BlockNumberFor<T>, <T as polkadot_sdk::frame_system::Config>::Hash>;

	/// Verified collateral as stored, bounded for storage.
	#[derive(
		Encode,
		Decode,
		MaxEncodedLen,
		TypeInfo,
		CloneNoBound,
		PartialEqNoBound,
		EqNoBound,
		DebugNoBound,
	)]
	#[scale_info(skip_type_params(T))]
	pub struct StoredCollateral<T: Config> {
		pub kind: CollateralKind,
		pub fmspc: Option<Fmspc>,
		pub issued_at_ms: u64,
		pub next_update_ms: u64,
		pub encoded: BoundedVec<u8, T::MaxCollateralLength>,
	}

	impl<T: Config> StoredCollateral<T> {
		fn into_verified(self) -> VerifiedCollateral {
			VerifiedCollateral {
				kind: self.kind,
				fmspc: self.fmspc,
				issued_at_ms: self.issued_at_ms,
				next_update_ms: self.next_update_ms,
				encoded: self.encoded.into_inner(),
			}
		}
	}

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// Chain time, for attestation freshness and collateral validity.
		type UnixTime: UnixTime;
		/// Checks DCAP quotes, IAS reports and Intel collateral.
		type AttestationVerifier: AttestationVerifier;
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
		type WeightInfo: WeightInfo;
	}

	#[pallet::pallet]
	pub struct Pallet<T>(_);

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

	/// Verified TCB info by FMSPC.
	#[pallet::storage]
	pub type TcbInfo<T: Config> =
		StorageMap<_, Blake2_128Concat, Fmspc, StoredCollateral<T>, OptionQuery>;

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

	/// Collateral registered at genesis, as Intel's files hold it.
	#[derive(Clone, PartialEq, Eq, Debug, Default, serde::Serialize, serde::Deserialize)]
	#[serde(rename_all = "camelCase", deny_unknown_fields)]
	pub struct GenesisCollateral {
		pub kind: GenesisCollateralKind,
		#[serde(with = "polkadot_sdk::sp_core::bytes")]
		pub body: Vec<u8>,
		#[serde(with = "polkadot_sdk::sp_core::bytes")]
		pub signature: Vec<u8>,
		#[serde(with = "polkadot_sdk::sp_core::bytes")]
		pub issuer_chain: Vec<u8>,
	}

	/// The kinds of [`GenesisCollateral`].
	#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, serde::Serialize, serde::Deserialize)]
	pub enum GenesisCollateralKind {
		#[default]
		QuotingEnclaveIdentity,
		TcbInfo,
		PckCrl,
		RootCaCrl,
	}

	impl From<GenesisCollateralKind> for CollateralKind {
		fn from(kind: GenesisCollateralKind) -> Self {
			match kind {
				GenesisCollateralKind::QuotingEnclaveIdentity => {
					CollateralKind::QuotingEnclaveIdentity
				}
				GenesisCollateralKind::TcbInfo => CollateralKind::TcbInfo,
				GenesisCollateralKind::PckCrl => CollateralKind::PckCrl,
				GenesisCollateralKind::RootCaCrl => CollateralKind::RootCaCrl,
			}
		}
	}

	#[pallet::genesis_config]
	#[derive(DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		pub security_flags: SecurityFlags,
		pub tcb_policy: TcbPolicy,
		/// `Require` when absent.
		#[serde(default)]
		pub revocation_policy: RevocationPolicy,
		/// DER of the DCAP root CA; `None` for Intel's.
		#[serde(default, with = "optional_bytes")]
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

	/// Serde of an optional byte string as `0x`-hex or `null`.
	mod optional_bytes {
		use alloc::vec::Vec;
		use serde::{Deserialize, Deserializer, Serializer};

		pub fn serialize<S: Serializer>(value: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
			match value {
				Some(bytes) => polkadot_sdk::sp_core::bytes::serialize(bytes, s),
				None => s.serialize_none(),
			}
		}

		pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
			#[derive(Deserialize)]
			struct Hex(#[serde(with = "polkadot_sdk::sp_core::bytes")] Vec<u8>);
			Ok(Option::<Hex>::deserialize(d)?.map(|Hex(bytes)| bytes))
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
		/// An enclave left the registry.
		EnclaveUnregistered { signer: T::AccountId, reason: UnregisterReason },
		/// Root changed the security policy.
		SecurityFlagsSet { flags: SecurityFlags },
		/// New verified collateral replaced older collateral of the same kind.
		CollateralRegistered { kind: CollateralKind, fmspc: Option<Fmspc>, next_update_ms: u64 },
		/// Root changed which TCB statuses may register.
		TcbPolicySet { policy: TcbPolicy },
		/// Root changed what registration demands of CRLs.
		RevocationPolicySet { policy: RevocationPolicy },
		/// Root changed the DCAP root CA (`None`: Intel's); all collateral,
		/// verified under the old root, was removed.
		DcapRootCaSet { root_ca_hash: Option<[u8; 32]> },
	}

	/// Who removed an enclave from the registry.
	#[derive(
		Encode,
		Decode,
		DecodeWithMemTracking,
		TypeInfo,
		MaxEncodedLen,
		Clone,
		Copy,
		PartialEq,
		Eq,
		Debug,
	)]
	pub enum UnregisterReason {
		/// The enclave itself.
		ByEnclave,
		/// The root origin.
		ByRoot,
		/// Anyone, because the attestation was older than the renewal period.
		Expired,
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

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Register the signer as an enclave, or renew its registration.
		///
		/// `proof` is a DCAP quote (`Dcap`), an RA-TLS certificate with an IAS
		/// report (`Ias`), or a SCALE-encoded [`SkippedAttestation`] (`Skip`, only
		/// where the security flags allow it). The attested signing key
		/// (`report_data[0..32]`) must be the extrinsic's signer, and
		/// `report_data[32..64]` the binding of `claims`
		/// ([`RegistrationClaims::report_binding`]): the enclave's shielding
		/// key and a block its light client finalized, which must be one of
		/// this chain's recent blocks (`frame_system::BlockHash`), so that an
		/// enclave following a fabricated chain never registers.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_sgx_enclave(proof.len() as u32))]
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
			// Last, after every check of the evidence itself: the enclave made
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
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::unregister_sovereign_enclave())]
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
			Self::deposit_event(Event::EnclaveUnregistered { signer: enclave_signer, reason });
			Ok(())
		}

		/// Register Intel's signed quoting-enclave identity (`qe_identity.json`'s
		/// `enclaveIdentity` body, its signature and the PEM issuer chain).
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::register_collateral(enclave_identity.len() as u32))]
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
		/// `tcbInfo` body, its signature and the PEM issuer chain).
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::register_collateral(tcb_info.len() as u32))]
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

		/// Register a certificate revocation list (DER) with its PEM issuer chain.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::register_collateral(crl.len() as u32))]
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
		#[pallet::weight(T::WeightInfo::set_security_flags())]
		pub fn set_tcb_policy(origin: OriginFor<T>, policy: TcbPolicy) -> DispatchResult {
			ensure_root(origin)?;
			TcbPolicyStorage::<T>::put(policy);
			Self::deposit_event(Event::TcbPolicySet { policy });
			Ok(())
		}

		/// Set what DCAP registration demands of CRLs. Root only. `Require`
		/// (the default) refuses a PCK chain that no registered CRL covers;
		/// `IfAvailable` is for development chains.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::set_security_flags())]
		pub fn set_revocation_policy(
			origin: OriginFor<T>,
			policy: RevocationPolicy,
		) -> DispatchResult {
			ensure_root(origin)?;
			RevocationPolicyStorage::<T>::put(policy);
			Self::deposit_event(Event::RevocationPolicySet { policy });
			Ok(())
		}

		/// Set the DCAP root CA (DER; `None`: Intel's SGX Root CA). Root only.
		/// All registered collateral was verified under the old root and is
		/// removed: it must be registered again under the new one.
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
			let _ = TcbInfo::<T>::clear(u32::MAX, None);
			let _ = RevocationLists::<T>::clear(u32::MAX, None);
			Self::deposit_event(Event::DcapRootCaSet { root_ca_hash });
			Ok(())
		}
	}

	/// The revocation lists `register_crl` accepts.
	#[derive(
		Encode,
		Decode,
		DecodeWithMemTracking,
		TypeInfo,
		MaxEncodedLen,
		Clone,
		Copy,
		PartialEq,
		Eq,
		Debug,
	)]
	pub enum CrlKind {
		/// Revoked PCK certificates, issued by the PCK platform or processor CA.
		Pck,
		/// Revoked intermediate CAs, issued by the root CA.
		RootCa,
	}

	impl From<CrlKind> for CollateralKind {
		fn from(kind: CrlKind) -> Self {
			match kind {
				CrlKind::Pck => CollateralKind::PckCrl,
				CrlKind::RootCa => CollateralKind::RootCaCrl,
			}
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

		fn put_root_ca(der: Vec<u8>) -> Result<(), Error<T>> {
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

		fn registered_collateral(
			kind: CollateralKind,
			fmspc: Option<Fmspc>,
		) -> Option<VerifiedCollateral> {
			let stored = match kind {
				CollateralKind::QuotingEnclaveIdentity => QuotingEnclaveIdentity::<T>::get(),
				CollateralKind::TcbInfo => TcbInfo::<T>::get(fmspc?),
				CollateralKind::PckCrl | CollateralKind::RootCaCrl => {
					RevocationLists::<T>::get(kind)
				}
			};
			stored.map(StoredCollateral::into_verified)
		}

		fn store_collateral(
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
			let root = DcapRootCa::<T>::get();
			let verified = T::AttestationVerifier::verify_collateral(
				kind,
				evidence,
				root.as_deref().map(|root| &root[..]),
				now_ms,
			)
			.map_err(Error::<T>::from)?;
			ensure!(verified.kind == kind, Error::<T>::CollateralKindMismatch);
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
					TcbInfo::<T>::insert(fmspc, stored)
				}
				CollateralKind::PckCrl | CollateralKind::RootCaCrl => {
					RevocationLists::<T>::insert(kind, stored)
				}
			}
			Self::deposit_event(Event::CollateralRegistered { kind, fmspc, next_update_ms });
			Ok(())
		}
	}
}

impl<T: Config> EnclaveRegistry<T::AccountId> for Pallet<T> {
	fn registered_fingerprint(who: &T::AccountId) -> Option<EnclaveFingerprint> {
		use polkadot_sdk::frame_support::traits::UnixTime;
		let enclave = SovereignEnclaves::<T>::get(who)?;
		let now_ms = u64::try_from(T::UnixTime::now().as_millis()).unwrap_or(u64::MAX);
		if Self::is_expired(&enclave, now_ms) {
			return None;
		}
		Some(enclave.mr_enclave)
	}

	fn is_registered(who: &T::AccountId) -> bool {
		SovereignEnclaves::<T>::contains_key(who)
	}
}
