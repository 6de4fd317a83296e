//! # The worker's trusted core
//!
//! Everything a TEE must protect lives here, behind the narrow API of
//! [`Enclave`]: the keys ([`keys`], sealed with [`sealing`]), the
//! parent-chain light client (`integritee-light-client`), the confidential
//! state transition function and the shard's encrypted state
//! (`integritee-stf`), and indirect invocation ([`indirect`]). The untrusted
//! host (`integritee-worker`) only moves bytes: it fetches blocks, proofs and
//! justifications, submits the extrinsics this core signs, and serves RPC.
//!
//! What the core must not do: network or RPC I/O, reading the clock for
//! anything that decides state, trusting any input the light client did not
//! verify.
//!
//! The only backend today is [`platform::SimulatedTee`], which protects
//! nothing against the host (see its documentation).
#![forbid(unsafe_code)]

pub mod indirect;
pub mod keys;
pub mod platform;
pub mod sealing;

use std::{
	path::{Path, PathBuf},
	sync::Arc,
};

use codec::{Decode, Encode};
use integritee_light_client::{Checkpoint, Header, LightClient};
use integritee_runtime::{Runtime, RuntimeCall, UncheckedExtrinsic};
use integritee_stf::{InputOutcome, PendingUnshield, ShardState, StfConfig};
use integritee_stf_primitives::{
	getter::GetterAnswer, AccountId, AccountInfoView, Balance, MrEnclave, ShardIdentifier,
	TrustedGetter, TrustedGetterSigned,
};
use polkadot_sdk::{
	frame_system, pallet_balances,
	sp_core::{ed25519, Pair, H256},
	sp_io::hashing::blake2_256,
	sp_runtime::MultiSignature,
};
use sha2::{Digest, Sha256};

pub use integritee_chain_client::ExtrinsicParams;
pub use integritee_light_client as light_client;
pub use integritee_stf as stf;
pub use platform::TeePlatform;

use crate::{keys::EnclaveKeys, sealing::SealingKey};

#[derive(Debug, thiserror::Error)]
pub enum Error {
	#[error("TEE platform: {0}")]
	Platform(String),
	#[error("sealing: {0}")]
	Sealing(String),
	#[error("I/O: {0}")]
	Io(String),
	#[error("parent-chain block refused: {0}")]
	LightClient(#[from] integritee_light_client::Error),
	#[error("block {number} ({hash:?}) refused: {reason}")]
	BadBlock { number: u32, hash: H256, reason: String },
	#[error("state: {0}")]
	State(#[from] integritee_stf::Error),
	#[error("the light client has no checkpoint yet")]
	NoCheckpoint,
	#[error("the light client already has a checkpoint")]
	AlreadyInitialized,
	#[error("{0}")]
	Getter(String),
}

/// File names in the data directory.
pub const LIGHT_CLIENT_FILE: &str = "light-client.sealed";
pub const STATE_DIR: &str = "shards";
const LIGHT_CLIENT_PURPOSE: &str = "integritee light client v1";

/// Where the trusted core keeps its files and which shard it serves.
#[derive(Clone, Debug)]
pub struct EnclaveConfig {
	pub data_dir: PathBuf,
	/// The shard; `None` means the implicit shard named after MRENCLAVE.
	pub shard: Option<ShardIdentifier>,
	/// How many past states are kept for rollback.
	pub snapshots: u32,
}

/// One finalized parent-chain block as the host delivers it.
#[derive(Clone, Debug)]
pub struct ParentchainBlock {
	pub header: Header,
	/// The SCALE-encoded extrinsics of the body.
	pub extrinsics: Vec<Vec<u8>>,
	/// A read proof of [`Enclave::proof_keys`] at this block's state root.
	pub proof: Vec<Vec<u8>>,
}

/// Whether the shard's confidential issuance matches its vault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Invariant {
	/// Confidential issuance == vault balance.
	Holds,
	/// The vault holds more than was issued (someone sent funds to it directly).
	Surplus { issuance: Balance, vault: Balance },
	/// The vault holds less than was issued: users' funds are not covered.
	Breach { issuance: Balance, vault: Balance },
}

/// What one import did.
#[derive(Debug)]
pub struct ImportReport {
	/// The last block the state now includes.
	pub last_block: (u32, H256),
	/// Blocks executed by this import (blocks executed before a crash are
	/// skipped).
	pub blocks_executed: u32,
	/// Trusted calls and other inputs executed, and their hashes.
	pub executed_call_hashes: Vec<H256>,
	/// Inputs refused by the STF, with reasons (no secrets in them).
	pub rejected: Vec<String>,
	/// Inputs skipped before the STF (undecryptable, malformed).
	pub skipped: Vec<String>,
	/// This enclave's extrinsics that failed on chain.
	pub own_failures: Vec<String>,
	/// The invariant after the last block.
	pub invariant: Invariant,
	/// Unshields reserved and waiting for the vault's payout.
	pub pending_unshields: Vec<PendingUnshield>,
	pub state_root: H256,
}

/// The extrinsics the trusted core signs: the host picks the moment and the
/// nonce, never the content.
#[derive(Clone, Debug)]
pub enum EnclaveCall {
	/// Register (or renew) this enclave with a fresh DCAP quote, or with
	/// `Skip` where the chain allows it and the operator asked for it.
	Register { worker_url: Option<Vec<u8>>, skip_attestation: bool },
	/// Configure the (non-implicit) shard for this MRENCLAVE.
	InitShard { max_instances: u32 },
	/// Confirm that the state includes the parent chain up to this block.
	ConfirmProcessed { number: u32, hash: H256, calls_root: H256 },
	/// Have the vault pay a pending unshield.
	Unshield(PendingUnshield),
}

pub struct Enclave {
	platform: Arc<dyn TeePlatform>,
	sealing: SealingKey,
	keys: EnclaveKeys,
	shard: ShardIdentifier,
	vault: AccountId,
	light_client: Option<LightClient>,
	state: ShardState,
	data_dir: PathBuf,
}

impl Enclave {
	/// Opens the trusted core: unseals (or creates) the keys, the light
	/// client and the shard's state. Returns whether the keys are new.
	pub fn open(
		platform: Arc<dyn TeePlatform>,
		config: EnclaveConfig,
	) -> Result<(Self, bool), Error> {
		std::fs::create_dir_all(&config.data_dir)
			.map_err(|e| Error::Io(format!("cannot create {}: {e}", config.data_dir.display())))?;
		let sealing = SealingKey::derive(platform.as_ref());
		let (keys, new_keys) = EnclaveKeys::load_or_create(&config.data_dir, &sealing)?;
		let mr_enclave = platform.mr_enclave();
		let shard = config.shard.unwrap_or(H256(mr_enclave));
		let state_dir = config.data_dir.join(STATE_DIR);
		std::fs::create_dir_all(&state_dir)
			.map_err(|e| Error::Io(format!("cannot create {}: {e}", state_dir.display())))?;
		let state = ShardState::open(
			&state_dir.join(format!("{}.redb", hex_of(shard.as_bytes()))),
			&keys.state_key,
			StfConfig { shard, mr_enclave, snapshots: config.snapshots },
		)?;
		let light_client = sealing
			.unseal_file(&config.data_dir.join(LIGHT_CLIENT_FILE), LIGHT_CLIENT_PURPOSE)?
			.map(|bytes| {
				LightClient::decode(&mut &bytes[..])
					.map_err(|_| Error::Sealing("the sealed light client does not decode".into()))
			})
			.transpose()?;
		let vault = pallet_enclave_bridge::Pallet::<Runtime>::vault_account(&shard);
		let enclave = Self {
			platform,
			sealing,
			keys,
			shard,
			vault,
			light_client,
			state,
			data_dir: config.data_dir,
		};
		Ok((enclave, new_keys))
	}

	pub fn is_simulated(&self) -> bool {
		self.platform.is_simulated()
	}

	pub fn mr_enclave(&self) -> MrEnclave {
		self.platform.mr_enclave()
	}

	pub fn shard(&self) -> ShardIdentifier {
		self.shard
	}

	/// The shard's vault on the parent chain.
	pub fn vault_account(&self) -> &AccountId {
		&self.vault
	}

	/// The enclave's parent-chain account (its ed25519 signer).
	pub fn account(&self) -> AccountId {
		self.keys.signer.public().into()
	}

	pub fn signer_public(&self) -> ed25519::Public {
		self.keys.signer.public()
	}

	pub fn shielding_public_key(&self) -> [u8; 32] {
		self.keys.shielding.public_key()
	}

	/// `report_data` of this enclave's quotes: the signer's public key, then
	/// SHA-256 of the shielding public key.
	pub fn report_data(&self) -> [u8; 64] {
		let mut report_data = [0u8; 64];
		report_data[..32].copy_from_slice(self.keys.signer.public().as_ref());
		report_data[32..].copy_from_slice(&Sha256::digest(self.shielding_public_key()));
		report_data
	}

	/// Signs one of the enclave's own extrinsics.
	pub fn sign_extrinsic(
		&self,
		call: EnclaveCall,
		params: ExtrinsicParams,
	) -> Result<UncheckedExtrinsic, Error> {
		let call = self.runtime_call(call)?;
		let signer = &self.keys.signer;
		Ok(integritee_chain_client::signed_extrinsic(call, self.account(), params, |payload| {
			MultiSignature::Ed25519(signer.sign(payload))
		}))
	}

	fn runtime_call(&self, call: EnclaveCall) -> Result<RuntimeCall, Error> {
		Ok(match call {
			EnclaveCall::Register { worker_url, skip_attestation } => {
				let (proof, method) = if skip_attestation {
					let claims = integritee_primitives::SkippedAttestation {
						mr_enclave: H256(self.mr_enclave()),
						mr_signer: self.platform.mr_signer(),
						shielding_key_hash: Sha256::digest(self.shielding_public_key()).into(),
					};
					(claims.encode(), integritee_primitives::AttestationMethod::Skip)
				} else {
					(
						self.platform.quote(self.report_data())?,
						integritee_primitives::AttestationMethod::Dcap,
					)
				};
				RuntimeCall::Teerex(pallet_teerex::Call::register_sgx_enclave {
					proof,
					worker_url,
					attestation_method: method,
				})
			}
			EnclaveCall::InitShard { max_instances } => {
				RuntimeCall::EnclaveBridge(pallet_enclave_bridge::Call::update_shard_config {
					shard: self.shard,
					config: integritee_primitives::ShardConfig {
						enclave_fingerprint: H256(self.mr_enclave()),
						max_instances,
					},
					enactment_delay: 0,
				})
			}
			EnclaveCall::ConfirmProcessed { number, hash, calls_root } => {
				RuntimeCall::EnclaveBridge(
					pallet_enclave_bridge::Call::confirm_processed_parentchain_block {
						shard: self.shard,
						block_hash: hash,
						block_number: number,
						calls_root,
					},
				)
			}
			EnclaveCall::Unshield(pending) => {
				RuntimeCall::EnclaveBridge(pallet_enclave_bridge::Call::unshield_funds {
					shard: self.shard,
					beneficiary: pending.beneficiary,
					amount: pending.amount,
					call_hash: pending.call_hash,
				})
			}
		})
	}

	/// The light client's last finalized block, if it has a checkpoint.
	pub fn light_client_head(&self) -> Option<(u32, H256)> {
		self.light_client.as_ref().map(|lc| lc.last_finalized())
	}

	/// The last parent-chain block the shard's state includes.
	pub fn last_processed(&self) -> Option<(u32, H256)> {
		self.state.last_block()
	}

	/// The storage keys a checkpoint proof covers: GRANDPA's authorities,
	/// current set id and pending change.
	pub fn checkpoint_keys() -> Vec<Vec<u8>> {
		vec![
			polkadot_sdk::pallet_grandpa::Authorities::<Runtime>::hashed_key().to_vec(),
			polkadot_sdk::pallet_grandpa::CurrentSetId::<Runtime>::hashed_key().to_vec(),
			polkadot_sdk::pallet_grandpa::PendingChange::<Runtime>::hashed_key().to_vec(),
		]
	}

	/// Starts the light client (first start only) at the finalized block
	/// `trusted_hash`, which the operator trusts (the genesis hash, or a
	/// recent finalized hash from a trusted source). The header must hash to
	/// it, and the GRANDPA authority set is read through a storage proof
	/// against its state root: nothing the host says is taken on trust.
	pub fn init_light_client_at(
		&mut self,
		trusted_hash: H256,
		header: Header,
		proof: Vec<Vec<u8>>,
	) -> Result<(), Error> {
		let (number, hash) = (header.number, header.hash());
		let bad = |reason: &str| Error::BadBlock {
			number,
			hash,
			reason: format!("checkpoint: {reason}"),
		};
		if hash != trusted_hash {
			return Err(bad("the header does not hash to the trusted hash"));
		}
		let values = integritee_light_client::read_proof(&header, proof, &Self::checkpoint_keys())
			.map_err(|e| bad(&e.to_string()))?;
		let authorities: polkadot_sdk::sp_consensus_grandpa::AuthorityList =
			match values.first().cloned().flatten() {
				Some(bytes) => {
					Decode::decode(&mut &bytes[..]).map_err(|_| bad("authorities do not decode"))?
				}
				None => return Err(bad("no GRANDPA authorities in the state")),
			};
		if authorities.is_empty() {
			return Err(bad("the GRANDPA authority set is empty"));
		}
		let set_id: u64 = match values.get(1).cloned().flatten() {
			Some(bytes) => {
				Decode::decode(&mut &bytes[..]).map_err(|_| bad("set id does not decode"))?
			}
			None => 0,
		};
		if values.get(2).cloned().flatten().is_some() {
			return Err(bad(
				"an authority set change is pending at this block; pick another checkpoint",
			));
		}
		self.init_light_client(Checkpoint {
			header,
			authority_set: integritee_light_client::AuthoritySet { set_id, authorities },
		})
	}

	/// Starts the light client at a trusted checkpoint (first start only).
	pub fn init_light_client(&mut self, checkpoint: Checkpoint) -> Result<(), Error> {
		if self.light_client.is_some() {
			return Err(Error::AlreadyInitialized);
		}
		let light_client = LightClient::new(checkpoint);
		self.persist_light_client(&light_client)?;
		self.light_client = Some(light_client);
		Ok(())
	}

	fn persist_light_client(&self, light_client: &LightClient) -> Result<(), Error> {
		self.sealing.seal_to_file(
			&self.data_dir.join(LIGHT_CLIENT_FILE),
			LIGHT_CLIENT_PURPOSE,
			&light_client.encode(),
		)
	}

	/// The storage keys the host must prove for every block: `System::Events`
	/// and the vault's `System::Account`.
	pub fn proof_keys(&self) -> Vec<Vec<u8>> {
		vec![events_key(), frame_system::Account::<Runtime>::hashed_key_for(&self.vault)]
	}

	/// Verifies and executes a chunk of finalized blocks: `blocks` follow the
	/// light client's last finalized block, and `justification` finalizes the
	/// last of them. Nothing is executed unless the whole chunk verifies.
	/// Blocks the state already includes (after a crash) are checked against
	/// the stored hash and skipped.
	pub fn import(
		&mut self,
		blocks: Vec<ParentchainBlock>,
		justification: &[u8],
	) -> Result<ImportReport, Error> {
		let mut light_client = self.light_client.clone().ok_or(Error::NoCheckpoint)?;
		let headers: Vec<Header> = blocks.iter().map(|b| b.header.clone()).collect();
		light_client.import_finalized(&headers, justification)?;

		// Verify every body and proof before executing anything.
		let keys = self.proof_keys();
		let mut verified = Vec::with_capacity(blocks.len());
		for block in blocks {
			let number = block.header.number;
			let hash = block.header.hash();
			let bad = |reason: String| Error::BadBlock { number, hash, reason };
			integritee_light_client::verify_extrinsics_root(&block.header, &block.extrinsics)
				.map_err(|e| bad(e.to_string()))?;
			let values = integritee_light_client::read_proof(&block.header, block.proof, &keys)
				.map_err(|e| bad(e.to_string()))?;
			let events: indirect::Events = match values.first().cloned().flatten() {
				Some(bytes) => Decode::decode(&mut &bytes[..])
					.map_err(|_| bad("System::Events does not decode".into()))?,
				None => Vec::new(),
			};
			let vault: Balance = match values.get(1).cloned().flatten() {
				Some(bytes) => {
					let info = frame_system::AccountInfo::<
						integritee_runtime::Nonce,
						pallet_balances::AccountData<Balance>,
					>::decode(&mut &bytes[..])
					.map_err(|_| bad("the vault account does not decode".into()))?;
					info.data.free.saturating_add(info.data.reserved)
				}
				None => 0,
			};
			verified.push((number, hash, block.extrinsics, events, vault));
		}

		let mut report = ImportReport {
			last_block: self.state.last_block().unwrap_or_default(),
			blocks_executed: 0,
			executed_call_hashes: Vec::new(),
			rejected: Vec::new(),
			skipped: Vec::new(),
			own_failures: Vec::new(),
			invariant: Invariant::Holds,
			pending_unshields: Vec::new(),
			state_root: self.state.state_root(),
		};
		let account = self.account();
		for (number, hash, extrinsics, events, vault) in verified {
			if let Some((last_number, last_hash)) = self.state.last_block() {
				if number < last_number {
					continue;
				}
				if number == last_number {
					if hash != last_hash {
						return Err(Error::BadBlock {
							number,
							hash,
							reason: format!(
								"the state includes another block {last_hash:?} at this height"
							),
						});
					}
					continue;
				}
			}
			let inputs = indirect::collect(
				hash,
				&extrinsics,
				&events,
				&self.shard,
				&account,
				&self.keys.shielding,
			);
			report
				.skipped
				.extend(inputs.skipped.into_iter().map(|s| format!("block {number}: {s}")));
			report
				.own_failures
				.extend(inputs.own_failures.into_iter().map(|s| format!("block {number}: {s}")));
			let outcome = self.state.apply_block((number, hash), inputs.inputs)?;
			for result in &outcome.outcomes {
				if let InputOutcome::Rejected { reason } = result {
					report.rejected.push(format!("block {number}: {reason:?}"));
				}
			}
			report.executed_call_hashes.extend(outcome.executed_call_hashes);
			report.blocks_executed += 1;
			report.last_block = (number, hash);
			report.state_root = outcome.state_root;
			report.invariant = match outcome.total_issuance.cmp(&vault) {
				std::cmp::Ordering::Equal => Invariant::Holds,
				std::cmp::Ordering::Less => {
					Invariant::Surplus { issuance: outcome.total_issuance, vault }
				}
				std::cmp::Ordering::Greater => {
					Invariant::Breach { issuance: outcome.total_issuance, vault }
				}
			};
			if let Invariant::Breach { issuance, vault } = report.invariant {
				log::error!(
					"INVARIANT BREACH after parent block {number}: confidential issuance {issuance} \
					 exceeds the vault balance {vault} of shard {:?}",
					self.shard
				);
			}
		}
		self.persist_light_client(&light_client)?;
		self.light_client = Some(light_client);
		report.pending_unshields = self.state.pending_unshields()?;
		Ok(report)
	}

	/// Answers a getter signed by the account's owner, signed by the enclave.
	pub fn execute_getter(&self, getter: &TrustedGetterSigned) -> Result<GetterAnswer, Error> {
		if !getter.verify_signature(&self.shard) {
			return Err(Error::Getter("the getter's signature is not valid for this shard".into()));
		}
		let value = match &getter.getter {
			TrustedGetter::AccountInfo(who) => {
				let info: AccountInfoView = self.state.account_info(who)?;
				Some(info.encode())
			}
		};
		let (number, hash) = self.state.last_block().unwrap_or_default();
		let getter_hash = H256(blake2_256(&getter.encode()));
		let payload = GetterAnswer::signing_payload(&getter_hash, &value, number, &hash);
		Ok(GetterAnswer {
			getter_hash,
			value,
			parentchain_block_number: number,
			parentchain_block_hash: hash,
			signature: self.keys.signer.sign(&payload),
		})
	}

	/// Data directory of this enclave.
	pub fn data_dir(&self) -> &Path {
		&self.data_dir
	}
}

/// Storage key of `System::Events`.
pub fn events_key() -> Vec<u8> {
	polkadot_sdk::frame_support::storage::storage_prefix(b"System", b"Events").to_vec()
}

fn hex_of(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}
