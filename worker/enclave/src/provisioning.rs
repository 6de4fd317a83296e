//! Provisioning: a member's core hands the shard's secrets to a joiner's
//! core, core to core, although every byte crosses both hosts.
//!
//! 1. The joiner's core makes a request ([`Enclave::provisioning_request`]):
//!    a fresh ephemeral X25519 key (kept inside, single use) and a DCAP quote
//!    whose `report_data` is the joiner's signer followed by
//!    [`ProvisioningRequest::binding`] of shard and ephemeral key.
//! 2. The member's core answers ([`Enclave::provision`]) after verifying the
//!    quote itself, with the chain's verifier and the chain's DCAP root CA,
//!    collateral, debug, TCB and revocation policies, read through storage
//!    proofs at its light client's head (the host supplies the proof of
//!    [`Enclave::provisioning_proof_keys`]), and that the quoted MRENCLAVE
//!    may hold the shard's secrets by the shard's proven configuration (the
//!    active code, a scheduled upgrade's, or the replaced code during its
//!    grace). It HPKE-seals the secrets to the ephemeral key and signs the
//!    package with its enclave signer.
//! 3. The joiner's core accepts the package ([`Enclave::accept_provisioning`])
//!    only for its pending request, signed by a proven member of the shard,
//!    with secrets whose shielding key hashes to the shard's key on chain;
//!    then it seals them (origin [`SecretsOrigin::Provisioned`]).
//!
//! What a hostile host can do here: replay a request (the package is sealed
//! to an ephemeral key only the joiner's core holds), replay or forge a
//! package (refused: another request's, not signed by a member, another
//! key), send a quote of another build, a debug build, an unattested
//! platform or with collateral the chain does not hold (refused with the
//! reason), hand a stale or forged proof (refused: the proof is checked
//! against the light client's head), or withhold everything (the joiner
//! stays unprovisioned and says so).

use codec::{Decode, Encode};
use integritee_primitives::{
	AttestationVerifier, CollateralKind, Fmspc, RevocationPolicy, SecurityFlags, SgxBuildMode,
	SgxStatus, TcbPolicy, UpgradableShardConfig, VerifiedCollateral,
};
use integritee_runtime::Runtime;
use integritee_stf_primitives::{
	shielding::{self, Purpose, ShieldingKeyPair},
	AccountId, ShardIdentifier,
};
use polkadot_sdk::sp_core::{ed25519, Pair, H256};
use sha2::{Digest, Sha256};

use crate::{
	error::SigningRefused,
	keys::{random_seed, ShardSecrets, ShardSeeds},
	secrets::{HeldSecrets, SecretsOrigin},
	tables::ImportWrite,
	Enclave,
};

const REQUEST_BINDING_LABEL: &[u8] = b"integritee provisioning request v1";
const PACKAGE_LABEL: &[u8] = b"integritee provisioning package v1";

/// What a joiner's core asks a member's core for.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct ProvisioningRequest {
	pub shard: ShardIdentifier,
	/// The joiner's enclave signer (ed25519), `report_data[..32]`.
	pub joiner: [u8; 32],
	/// The ephemeral X25519 key the secrets are sealed to.
	pub ephemeral_key: [u8; 32],
	/// A DCAP quote whose `report_data` is `joiner` then
	/// [`Self::binding`].
	pub quote: Vec<u8>,
}

impl ProvisioningRequest {
	/// `report_data[32..]` of the request's quote: binds the ephemeral key
	/// to the shard.
	pub fn binding(shard: &ShardIdentifier, ephemeral_key: &[u8; 32]) -> [u8; 32] {
		let mut hasher = Sha256::new();
		hasher.update(REQUEST_BINDING_LABEL);
		hasher.update(shard.as_bytes());
		hasher.update(ephemeral_key);
		hasher.finalize().into()
	}

	/// What a package names to answer this request.
	pub fn hash(&self) -> [u8; 32] {
		Sha256::digest(self.encode()).into()
	}
}

/// A member's answer: the shard's secrets sealed to the request's
/// ephemeral key, signed by the member's enclave signer.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct ProvisioningPackage {
	pub shard: ShardIdentifier,
	/// [`ProvisioningRequest::hash`] of the request it answers.
	pub request_hash: [u8; 32],
	/// The member's enclave signer.
	pub member: [u8; 32],
	/// The member's light-client head whose proofs it checked the request
	/// against.
	pub at: (u32, H256),
	/// The secrets, HPKE-sealed ([`Purpose::ShardSecrets`]) to the ephemeral
	/// key.
	pub sealed_secrets: Vec<u8>,
	/// The member's signature over everything above.
	pub signature: [u8; 64],
}

impl ProvisioningPackage {
	fn signed_payload(&self) -> Vec<u8> {
		(
			PACKAGE_LABEL,
			&self.shard,
			&self.request_hash,
			&self.member,
			&self.at,
			&self.sealed_secrets,
		)
			.encode()
	}
}

/// The request a joiner's core waits an answer for.
pub(crate) struct PendingRequest {
	ephemeral: ShieldingKeyPair,
	hash: [u8; 32],
}

/// Why a provisioning request or package was refused. Never carries a
/// secret.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProvisioningRefused {
	#[error("this enclave holds no shard secrets it may hand out: {0}")]
	NoSecretsToGive(SigningRefused),
	#[error("the request is for shard {requested:?}; this enclave serves {served:?}")]
	WrongShard { requested: ShardIdentifier, served: ShardIdentifier },
	#[error("the light client has no head yet (import a finalized block first)")]
	NoLightClientHead,
	#[error("the storage proof does not verify at the light client's head: {0}")]
	BadProof(String),
	#[error("the chain holds no configuration of the shard")]
	NoShardConfig,
	#[error("the request's quote is refused: {0}")]
	QuoteRefused(String),
	#[error("the quote is of a debug build, which the chain does not allow")]
	DebugNotAllowed,
	#[error("the quoting platform's TCB status {0:?} is not allowed by the chain")]
	TcbStatusNotAllowed(SgxStatus),
	#[error("the quote does not bind the request's signer and ephemeral key")]
	NotBoundToRequest,
	#[error(
		"MRENCLAVE 0x{} may not hold the shard's secrets (neither the shard's active code, nor a \
		 scheduled upgrade's, nor the replaced code in its grace period)",
		hex::encode(.0)
	)]
	FingerprintNotAdmitted([u8; 32]),
	#[error("this enclave holds the shard's secrets already")]
	AlreadyProvisioned,
	#[error("no provisioning request is pending in this enclave")]
	NoPendingRequest,
	#[error("the package answers another request (replayed or stale)")]
	AnswersAnotherRequest,
	#[error("the package's signature does not verify")]
	BadSignature,
	#[error("the shard's members are not known yet in this run (import a finalized block first)")]
	MembersUnknown,
	#[error("the package's signer {0} is not a member of the shard on the parent chain")]
	NotAMember(AccountId),
	#[error("the package's secrets do not open with the request's ephemeral key")]
	Undecryptable,
	#[error(
		"the package's shielding key (hash 0x{}) is not the shard's on the parent chain ({})",
		hex::encode(.got),
		.expected.map(|e| format!("0x{}", hex::encode(e))).unwrap_or_else(|| "none".into())
	)]
	WrongShardKey { got: [u8; 32], expected: Option<[u8; 32]> },
	#[error("the enclave cannot seal the secrets: {0}")]
	Sealing(String),
}

/// What the member's core reads from the chain to judge a request, in the
/// order of [`Enclave::provisioning_proof_keys`].
struct ChainPolicy {
	flags: SecurityFlags,
	tcb_policy: TcbPolicy,
	revocation: RevocationPolicy,
	root_ca: Option<Vec<u8>>,
	/// `(kind, fmspc)` → collateral; the TCB info only for the quote's FMSPC.
	collateral: Vec<VerifiedCollateral>,
	config: Option<UpgradableShardConfig<u32>>,
	now_ms: u64,
}

impl Enclave {
	/// A request for the shard's secrets: a fresh ephemeral key (kept in the
	/// core; a new request replaces the pending one) bound into a quote.
	/// Refused once the enclave holds the shard's secrets.
	pub fn provisioning_request(&self) -> Result<ProvisioningRequest, crate::Error> {
		if self.secrets.is_some() {
			return Err(crate::Error::Provisioning(ProvisioningRefused::AlreadyProvisioned));
		}
		let ephemeral = ShieldingKeyPair::from_seed(&random_seed()?);
		let ephemeral_key = ephemeral.public_key();
		let joiner = self.keys.signer.public().0;
		let mut report_data = [0u8; 64];
		report_data[..32].copy_from_slice(&joiner);
		report_data[32..]
			.copy_from_slice(&ProvisioningRequest::binding(&self.shard, &ephemeral_key));
		let quote = self.platform.quote(report_data)?;
		let request = ProvisioningRequest { shard: self.shard, joiner, ephemeral_key, quote };
		let pending = PendingRequest { ephemeral, hash: request.hash() };
		*self.provisioning.lock().unwrap_or_else(|p| p.into_inner()) = Some(pending);
		Ok(request)
	}

	/// The storage keys the host must prove, at this core's light-client
	/// head, for [`Self::provision`] to judge `request`: the registry's
	/// security flags, policies, DCAP root CA and collateral (the TCB info
	/// of the quote's platform), the shard's configuration and the chain's
	/// time.
	pub fn provisioning_proof_keys(
		&self,
		request: &ProvisioningRequest,
	) -> Result<Vec<Vec<u8>>, ProvisioningRefused> {
		let fmspc: Fmspc = integritee_attestation::dcap::claimed_fmspc(&request.quote)
			.map_err(|e| ProvisioningRefused::QuoteRefused(format!("{e:?}")))?;
		type Teerex = Runtime;
		Ok(vec![
			pallet_teerex::SecurityFlagsStorage::<Teerex>::hashed_key().to_vec(),
			pallet_teerex::TcbPolicyStorage::<Teerex>::hashed_key().to_vec(),
			pallet_teerex::RevocationPolicyStorage::<Teerex>::hashed_key().to_vec(),
			pallet_teerex::DcapRootCa::<Teerex>::hashed_key().to_vec(),
			pallet_teerex::QuotingEnclaveIdentity::<Teerex>::hashed_key().to_vec(),
			pallet_teerex::StaleTcbInfo::<Teerex>::hashed_key().to_vec(),
			pallet_teerex::TcbInfo::<Teerex>::hashed_key_for(fmspc),
			pallet_teerex::RevocationLists::<Teerex>::hashed_key_for(CollateralKind::PckCrl),
			pallet_teerex::RevocationLists::<Teerex>::hashed_key_for(CollateralKind::RootCaCrl),
			pallet_enclave_bridge::ShardConfigRegistry::<Runtime>::hashed_key_for(self.shard),
			crate::timestamp_key(),
		])
	}

	/// Answers a joiner's request with the shard's secrets, sealed to its
	/// ephemeral key and signed by this enclave, if the request's quote
	/// verifies under the chain's rules read through `proof` (of
	/// [`Self::provisioning_proof_keys`] at this core's light-client head)
	/// and its MRENCLAVE may hold the shard's secrets.
	pub fn provision(
		&self,
		request: &ProvisioningRequest,
		proof: Vec<Vec<u8>>,
	) -> Result<ProvisioningPackage, ProvisioningRefused> {
		let held = self.secrets_to_give()?;
		if request.shard != self.shard {
			return Err(ProvisioningRefused::WrongShard {
				requested: request.shard,
				served: self.shard,
			});
		}
		let light_client =
			self.light_client.as_ref().ok_or(ProvisioningRefused::NoLightClientHead)?;
		let header = light_client.last_finalized_header();
		let at = light_client.last_finalized();
		let keys = self.provisioning_proof_keys(request)?;
		let values = integritee_light_client::read_proof(header, proof, &keys)
			.map_err(|e| ProvisioningRefused::BadProof(e.to_string()))?;
		let policy = ChainPolicy::decode_from(values)?;
		let attested = <Runtime as pallet_teerex::Config>::AttestationVerifier::verify_dcap_quote(
			&request.quote,
			&|kind, fmspc| {
				policy
					.collateral
					.iter()
					.find(|c| {
						c.kind == kind && (kind != CollateralKind::TcbInfo || c.fmspc == fmspc)
					})
					.cloned()
			},
			policy.root_ca.as_deref(),
			policy.revocation,
			policy.now_ms,
		)
		.map_err(|e| ProvisioningRefused::QuoteRefused(format!("{e:?}")))?;
		if attested.build_mode == SgxBuildMode::Debug && !policy.flags.allow_debug_mode {
			return Err(ProvisioningRefused::DebugNotAllowed);
		}
		if !policy.tcb_policy.allows(attested.status) {
			return Err(ProvisioningRefused::TcbStatusNotAllowed(attested.status));
		}
		if attested.signer_public != request.joiner
			|| attested.report_binding
				!= ProvisioningRequest::binding(&request.shard, &request.ephemeral_key)
		{
			return Err(ProvisioningRefused::NotBoundToRequest);
		}
		let config = policy.config.ok_or(ProvisioningRefused::NoShardConfig)?;
		let fingerprint = attested.mr_enclave;
		let scheduled = config
			.pending_upgrade
			.as_ref()
			.is_some_and(|(_, upgrade)| upgrade.enclave_fingerprint == fingerprint);
		if !config.admits(&fingerprint, at.0) && !scheduled {
			return Err(ProvisioningRefused::FingerprintNotAdmitted(fingerprint.0));
		}
		let sealed_secrets = shielding::encrypt(
			&request.ephemeral_key,
			Purpose::ShardSecrets,
			&self.shard,
			&held.secrets.seeds().encode(),
		)
		.map_err(|_| ProvisioningRefused::NotBoundToRequest)?;
		let mut package = ProvisioningPackage {
			shard: self.shard,
			request_hash: request.hash(),
			member: self.keys.signer.public().0,
			at,
			sealed_secrets,
			signature: [0; 64],
		};
		package.signature = self.keys.signer.sign(&package.signed_payload()).0;
		Ok(package)
	}

	/// The secrets this enclave may hand out: the shard's (created here or
	/// provisioned), whose key the last imported block proves the shard's.
	fn secrets_to_give(&self) -> Result<&HeldSecrets, ProvisioningRefused> {
		let refused = ProvisioningRefused::NoSecretsToGive;
		let held = self.secrets.as_ref().ok_or(refused(SigningRefused::NotProvisioned))?;
		match self.shard_key {
			None => Err(refused(SigningRefused::ShardKeyUnknown)),
			Some(None) => Err(refused(SigningRefused::ShardNotCreated)),
			Some(Some(key)) if key != held.key_hash() => {
				Err(refused(SigningRefused::OtherShardKey(key)))
			}
			Some(Some(_)) => Ok(held),
		}
	}

	/// Takes the shard's secrets from a member's `package`, if it answers the
	/// pending request, a proven member of the shard signed it, and the
	/// secrets' shielding key is the shard's on chain; seals them (in one
	/// transaction with the light client). The pending request is used up.
	pub fn accept_provisioning(
		&mut self,
		package: &ProvisioningPackage,
	) -> Result<[u8; 32], ProvisioningRefused> {
		if self.secrets.is_some() {
			return Err(ProvisioningRefused::AlreadyProvisioned);
		}
		if package.shard != self.shard {
			return Err(ProvisioningRefused::WrongShard {
				requested: package.shard,
				served: self.shard,
			});
		}
		let member = ed25519::Public::from_raw(package.member);
		let signature = ed25519::Signature::from_raw(package.signature);
		if !ed25519::Pair::verify(&signature, package.signed_payload(), &member) {
			return Err(ProvisioningRefused::BadSignature);
		}
		let member_account = AccountId::from(member);
		let members = self.members.as_ref().ok_or(ProvisioningRefused::MembersUnknown)?;
		if !members.contains(&member_account) {
			return Err(ProvisioningRefused::NotAMember(member_account));
		}
		// A refused package leaves the request pending: a host's forgery
		// must not use up the answer of a member still under way.
		let plain = {
			let pending = self.provisioning.lock().unwrap_or_else(|p| p.into_inner());
			let request = pending.as_ref().ok_or(ProvisioningRefused::NoPendingRequest)?;
			if request.hash != package.request_hash {
				return Err(ProvisioningRefused::AnswersAnotherRequest);
			}
			request
				.ephemeral
				.decrypt(Purpose::ShardSecrets, &self.shard, &package.sealed_secrets)
				.map_err(|_| ProvisioningRefused::Undecryptable)?
		};
		let seeds =
			ShardSeeds::decode(&mut &plain[..]).map_err(|_| ProvisioningRefused::Undecryptable)?;
		let secrets = ShardSecrets::from_seeds(seeds);
		let got = secrets.shielding_key_hash();
		let expected = self.shard_key.flatten();
		if expected != Some(got) {
			return Err(ProvisioningRefused::WrongShardKey { got, expected });
		}
		let held = HeldSecrets {
			secrets,
			origin: SecretsOrigin::Provisioned { from: member_account, at: package.at },
		};
		let sealing = |e: crate::Error| ProvisioningRefused::Sealing(e.to_string());
		let (anchor, records) = self.anchored_records().map_err(|e| sealing(e.into()))?;
		let light_client =
			self.light_client.as_ref().ok_or(ProvisioningRefused::NoLightClientHead)?;
		let record = held.record();
		let write = ImportWrite { secrets: Some(&record), clear_queue: true };
		self.tables.store_import(records, anchor, light_client, &[], write).map_err(sealing)?;
		*self.provisioning.get_mut().unwrap_or_else(|p| p.into_inner()) = None;
		self.hold_secrets(Some(held)).map_err(sealing)?;
		Ok(got)
	}
}

impl ChainPolicy {
	fn decode_from(values: Vec<Option<Vec<u8>>>) -> Result<Self, ProvisioningRefused> {
		fn decoded<T: Decode>(
			values: &[Option<Vec<u8>>],
			index: usize,
			what: &str,
		) -> Result<Option<T>, ProvisioningRefused> {
			values
				.get(index)
				.cloned()
				.flatten()
				.map(|bytes| {
					T::decode(&mut &bytes[..]).map_err(|_| {
						ProvisioningRefused::BadProof(format!("{what} does not decode"))
					})
				})
				.transpose()
		}
		let stale_tcb_info: bool = decoded(&values, 5, "StaleTcbInfo")?.unwrap_or_default();
		let mut collateral = Vec::new();
		for (index, what) in [
			(4, "the QE identity"),
			(6, "the TCB info"),
			(7, "the PCK CRL"),
			(8, "the root CA CRL"),
		] {
			if index == 6 && stale_tcb_info {
				continue;
			}
			if let Some(stored) =
				decoded::<pallet_teerex::StoredCollateral<Runtime>>(&values, index, what)?
			{
				collateral.push(VerifiedCollateral {
					kind: stored.kind,
					fmspc: stored.fmspc,
					issued_at_ms: stored.issued_at_ms,
					next_update_ms: stored.next_update_ms,
					encoded: stored.encoded.into_inner(),
				});
			}
		}
		Ok(Self {
			flags: decoded(&values, 0, "SecurityFlags")?.unwrap_or_default(),
			tcb_policy: decoded(&values, 1, "TcbPolicy")?.unwrap_or_default(),
			revocation: decoded(&values, 2, "RevocationPolicy")?.unwrap_or_default(),
			root_ca: decoded(&values, 3, "DcapRootCa")?,
			collateral,
			config: decoded(&values, 9, "the shard's configuration")?,
			now_ms: decoded(&values, 10, "Timestamp::Now")?.unwrap_or_default(),
		})
	}
}
