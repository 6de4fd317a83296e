//! Signed duties: the extrinsics the core signs for the parent chain and
//! the quotes it makes. The host picks the duty, the moment, the nonce and
//! the era; the content comes from the core's own sealed state, and the
//! genesis hash is always the anchored chain's.
//!
//! | duty | what the core reads |
//! |---|---|
//! | `Register` | its own keys and its light client's latest finalized block ([`RegistrationClaims`], bound by the quote's `report_data`), the platform's quote; the URL is the host's |
//! | `CreateShard` | the anchored shard and `max_instances`; only while the last imported block proves the shard not created (no shielding key recorded) |
//! | `ConfirmProcessed` | the state's last processed parent block and its unconfirmed calls |
//! | `ConfirmSidechainBlock` | the committed tip and the proven latest anchor (refused on a rollback) |
//! | `LeaveShard` | the anchored shard (leaving harms nobody: the host could stop the worker anyway) |
//! | `Unshield` | the pending unshield by call hash (refused: unknown, settled, expired, its reserving block not anchored on the core's own chain, anchor or invariant unknown, invariant breached) |
//!
//! What a hostile host can do here: ask at the wrong moment (refused or
//! harmless: the pallets are idempotent), replay a signed extrinsic (its
//! nonce and mortal era end that), withhold them (a denial of service).
//! Anchor an instance to a fabricated chain and register it: its claims
//! name a block of that chain, which the registry does not know, so it
//! never becomes a registered enclave (`pallet-teerex` checks the block
//! against its own block hashes).

use codec::Encode;
use integritee_extrinsic::ExtrinsicParams;
use integritee_primitives::{RegistrationClaims, SidechainBlockConfirmation};
use integritee_runtime::{RuntimeCall, UncheckedExtrinsic};
use integritee_stf::PendingUnshield;
use polkadot_sdk::{
	sp_core::{Pair, H256},
	sp_runtime::MultiSignature,
};

use crate::{
	block::Invariant,
	error::{AnchorError, Error, SigningRefused},
	keys::Anchor,
	Enclave,
};

/// The duties for which the trusted core signs an extrinsic. The host picks
/// the duty, the moment and the nonce; the content comes from the core.
#[derive(Clone, Debug)]
pub enum EnclaveCall {
	/// Register (or renew) this enclave with a fresh DCAP quote, or with
	/// `Skip` where the chain allows it and the operator asked for it.
	Register { worker_url: Option<Vec<u8>>, skip_attestation: bool },
	/// Create the anchored shard with this enclave's shielding key, for
	/// this MRENCLAVE (unless root configured it) and the anchored
	/// `max_instances`.
	CreateShard,
	/// Confirm the last processed parent block and the calls executed since
	/// the last confirmation seen on chain.
	ConfirmProcessed,
	/// Have the vault pay the pending unshield with this call hash.
	Unshield { call_hash: H256 },
	/// Anchor the last committed sidechain block on the parent chain,
	/// naming the proven latest anchor as its ancestor.
	ConfirmSidechainBlock,
	/// Leave the anchored shard (the operator decommissions the worker).
	LeaveShard,
}

impl Enclave {
	/// What this enclave claims when it registers: its shielding key and
	/// the latest parent-chain block its light client verified as finalized
	/// (the registry accepts only a block of its own chain).
	pub fn registration_claims(&self) -> Result<RegistrationClaims<u32, H256>, Error> {
		let parentchain_block = self.light_client_head().ok_or(Error::NoCheckpoint)?;
		let shielding_key_hash = self.shielding_key_hash().ok_or(SigningRefused::NotProvisioned)?;
		Ok(RegistrationClaims { shielding_key_hash, parentchain_block })
	}

	/// `report_data` of a registration quote: the signer's public key, then
	/// the binding of `claims`.
	pub fn registration_report_data(&self, claims: &RegistrationClaims<u32, H256>) -> [u8; 64] {
		let mut report_data = [0u8; 64];
		report_data[..32].copy_from_slice(self.keys.signer.public().as_ref());
		report_data[32..].copy_from_slice(&claims.report_binding());
		report_data
	}

	/// A fresh RA-TLS certificate for the trusted RPC, valid from `now_ms`
	/// (the host's clock, less a few minutes' skew) for `validity_ms`: a new
	/// P-256 key made here, and a quote whose `report_data` is SHA-256 of
	/// the certificate's key followed by
	/// [`tls_binding`](integritee_stf_primitives::rpc::tls_binding) of this
	/// enclave's signer and shielding key.
	///
	/// The host gets the TLS private key: with the simulated TEE the TLS
	/// session ends in the host process, which can read everything anyway;
	/// an SGX build must terminate TLS inside the enclave instead.
	pub fn tls_certificate(
		&self,
		now_ms: u64,
		validity_ms: u64,
	) -> Result<integritee_ra_tls::AttestedCertificate, Error> {
		// Unprovisioned, the certificate binds no shielding key (zeros):
		// clients check the binding against a registration, which an
		// unprovisioned enclave cannot have. The host renews it once the
		// enclave holds the shard's key.
		let binding = integritee_stf_primitives::rpc::tls_binding(
			&self.keys.signer.public().0,
			&self.shielding_public_key().unwrap_or_default(),
		);
		let validity = integritee_ra_tls::Validity::from_now(now_ms, validity_ms);
		integritee_ra_tls::make_bound_certificate(validity, binding, |report_data| {
			self.platform.quote(report_data)
		})
		.map_err(|e| Error::Platform(format!("cannot make the RA-TLS certificate: {e}")))
	}

	/// Why this enclave does not serve its shard, per the last imported
	/// block, if it does not (see [`Self::ensure_serving`]).
	pub fn not_serving(&self) -> Option<SigningRefused> {
		self.ensure_serving().err()
	}

	/// Whether this enclave serves its shard, per the last imported block:
	/// it holds the shard's secrets and state, the shard was created with
	/// their shielding key, its own
	/// registration is current (neither is known before the first import
	/// of this run: the other duties wait for that import anyway), and no
	/// other member serves it.
	pub(crate) fn ensure_serving(&self) -> Result<(), SigningRefused> {
		let held = self.secrets.as_ref().ok_or(SigningRefused::NotProvisioned)?;
		match self.shard_key {
			Some(None) => return Err(SigningRefused::ShardNotCreated),
			Some(Some(key)) if key != held.key_hash() => {
				return Err(SigningRefused::OtherShardKey(key))
			}
			_ => {}
		}
		self.shard_state()?;
		if self.registration_current == Some(false) {
			return Err(SigningRefused::RegistrationLapsed);
		}
		if self.code_admitted == Some(false) {
			return Err(SigningRefused::CodeRetired);
		}
		match &self.serving_member {
			Some(other) => Err(SigningRefused::AnotherMemberServes(other.clone())),
			None => Ok(()),
		}
	}

	/// Signs one of the enclave's own extrinsics. The host's `params` give
	/// nonce and era; the genesis hash is always the anchored chain's, so
	/// nothing signed here is valid on another chain.
	pub fn sign_extrinsic(
		&self,
		call: EnclaveCall,
		params: ExtrinsicParams,
	) -> Result<UncheckedExtrinsic, Error> {
		let anchor = self.anchor.as_ref().ok_or(AnchorError::NotAnchored)?;
		let call = self.runtime_call(call, anchor)?;
		let params = ExtrinsicParams { genesis_hash: anchor.genesis_hash, ..params };
		let signer = &self.keys.signer;
		Ok(integritee_extrinsic::signed_extrinsic(call, self.account(), params, |payload| {
			MultiSignature::Ed25519(signer.sign(payload))
		}))
	}

	fn runtime_call(&self, call: EnclaveCall, anchor: &Anchor) -> Result<RuntimeCall, Error> {
		let serves_nobody = matches!(
			call,
			EnclaveCall::Register { .. } | EnclaveCall::CreateShard | EnclaveCall::LeaveShard
		);
		if !serves_nobody {
			self.ensure_serving()?;
		}
		Ok(match call {
			EnclaveCall::Register { worker_url, skip_attestation } => {
				let claims = self.registration_claims()?;
				let (proof, method) = if skip_attestation {
					let skipped = integritee_primitives::SkippedAttestation {
						mr_enclave: H256(self.mr_enclave()),
						mr_signer: self.platform.mr_signer(),
					};
					(skipped.encode(), integritee_primitives::AttestationMethod::Skip)
				} else {
					(
						self.platform.quote(self.registration_report_data(&claims))?,
						integritee_primitives::AttestationMethod::Dcap,
					)
				};
				RuntimeCall::Teerex(pallet_teerex::Call::register_sgx_enclave {
					proof,
					worker_url,
					attestation_method: method,
					claims,
				})
			}
			EnclaveCall::CreateShard => {
				match self.shard_key {
					Some(None) => {}
					Some(Some(_)) => return Err(SigningRefused::ShardCreated.into()),
					None => return Err(SigningRefused::ShardKeyUnknown.into()),
				}
				self.secrets.as_ref().ok_or(SigningRefused::NotProvisioned)?;
				RuntimeCall::EnclaveBridge(pallet_enclave_bridge::Call::create_shard {
					shard: anchor.shard,
					max_instances: anchor.max_instances,
				})
			}
			EnclaveCall::ConfirmProcessed => {
				let state = self.shard_state()?;
				let (number, hash) = self.inputs_included().unwrap_or(anchor.checkpoint);
				let calls: Vec<H256> =
					state.unconfirmed_calls()?.into_iter().map(|(_, hash)| hash).collect();
				RuntimeCall::EnclaveBridge(
					pallet_enclave_bridge::Call::confirm_processed_parentchain_block {
						shard: anchor.shard,
						block_hash: hash,
						block_number: number,
						calls_root: integritee_stf::calls_root(&calls),
					},
				)
			}
			EnclaveCall::ConfirmSidechainBlock => {
				let ancestor = self.anchored.ok_or(SigningRefused::AnchorUnknown)?;
				if let Some(rollback) = &self.rollback {
					return Err(rollback.clone().into());
				}
				if self.tip.number == 0 {
					return Err(SigningRefused::NothingToAnchor.into());
				}
				let candidate = SidechainBlockConfirmation {
					block_number: self.tip.number,
					block_header_hash: self.tip.hash,
				};
				RuntimeCall::Sidechain(pallet_sidechain::Call::confirm_imported_sidechain_block {
					shard: anchor.shard,
					// Resending the anchored block names it as its own
					// candidate: a no-op success on chain.
					ancestor: ancestor.filter(|a| *a != candidate),
					candidate,
				})
			}
			EnclaveCall::LeaveShard => {
				RuntimeCall::EnclaveBridge(pallet_enclave_bridge::Call::leave_shard {
					shard: anchor.shard,
				})
			}
			EnclaveCall::Unshield { call_hash } => {
				let pending = self.payable_unshield(call_hash)?;
				RuntimeCall::EnclaveBridge(pallet_enclave_bridge::Call::unshield_funds {
					shard: anchor.shard,
					beneficiary: pending.beneficiary,
					amount: pending.amount,
					call_hash: pending.call_hash,
					expires_at: pending.expires_at,
				})
			}
		})
	}

	/// The pending unshield `call_hash`, if the core may ask the vault to pay
	/// it now: reserved in a sidechain block the parent chain anchors on
	/// this core's own chain (proven in this run, no rollback), not
	/// settled, not expired, and the vault covers the confidential issuance
	/// (the circuit breaker).
	fn payable_unshield(&self, call_hash: H256) -> Result<PendingUnshield, Error> {
		match self.invariant {
			None => return Err(SigningRefused::InvariantUnknown.into()),
			Some(Invariant::Breach { issuance, vault }) => {
				return Err(SigningRefused::Breach { issuance, vault }.into())
			}
			Some(Invariant::Holds | Invariant::Surplus { .. }) => {}
		}
		let anchored = self.anchored_on_own_chain()?;
		let pending = self
			.shard_state()?
			.pending_unshield(call_hash)?
			.ok_or(SigningRefused::UnknownUnshield(call_hash))?;
		if pending.reserved_in > anchored {
			let reserved_in = pending.reserved_in;
			return Err(SigningRefused::NotYetAnchored { call_hash, reserved_in, anchored }.into());
		}
		let head = self.light_client_head().map(|(n, _)| n).unwrap_or_default();
		if pending.expires_at < head {
			let expires_at = pending.expires_at;
			return Err(SigningRefused::UnshieldExpired { call_hash, expires_at, head }.into());
		}
		Ok(pending)
	}
}
