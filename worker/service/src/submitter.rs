//! Every submission of an extrinsic the trusted core signs: the host picks
//! the duty, the moment and the nonce (the node's next, pool included); the
//! core decides the content and signs.
//!
//! The running worker's duties ([`Submitter`]: confirmations, payouts,
//! anchors) are submitted one at a time without waiting, so that each
//! takes the node's next nonce; their outcomes are observed in the
//! finalized blocks the trusted core imports (payouts, failures).
//! Registration and shard creation are followed until they are in a
//! block ([`submit_and_wait`]).

use std::{
	collections::{HashMap, HashSet},
	sync::Arc,
};

use codec::Encode;
use integritee_chain_client::{
	ChainClient, Error as ChainError, Included, WaitFor, MORTALITY_PERIOD,
};
use integritee_enclave::{EnclaveCall, Error as CoreError, UnshieldDue};
use integritee_runtime::{Runtime, UncheckedExtrinsic};
use jsonrpsee::{core::client::ClientT, rpc_params};
use polkadot_sdk::sp_core::H256;
use tokio::sync::Mutex;

use crate::{lock, SharedEnclave};

/// Why an extrinsic of the trusted core was not submitted: what it was for,
/// and the step that failed.
#[derive(Debug, thiserror::Error)]
#[error("{what} failed: {failure}")]
pub struct SubmitError {
	/// The duty, as the logs name it (e.g. "anchor of sidechain block #7").
	pub what: String,
	pub failure: SubmitFailure,
}

/// The step of a submission that failed.
#[derive(Debug, thiserror::Error)]
pub enum SubmitFailure {
	#[error("cannot connect to the parent-chain node: {0}")]
	Connect(ChainError),
	#[error("cannot read the enclave account's next nonce or the finalized head: {0}")]
	Params(ChainError),
	#[error("the trusted core refused to sign it: {0}")]
	Sign(CoreError),
	#[error("the node refused it: {0}")]
	Refused(jsonrpsee::core::ClientError),
	/// Refused, or not included (or failed) while it was followed.
	#[error("{0}")]
	NotIncluded(ChainError),
	#[error("cannot read whether the vault paid it: {0}")]
	PaidUnknown(ChainError),
}

impl SubmitFailure {
	fn of(self, what: impl Into<String>) -> SubmitError {
		SubmitError { what: what.into(), failure: self }
	}
}

/// The running worker's submissions, over a connection of its own
/// (re-established when the node drops it).
#[derive(Clone)]
pub struct Submitter {
	node_url: String,
	enclave: SharedEnclave,
	/// Unshields submitted, by call hash, with the node's finalized block at
	/// submission; resubmitted once the extrinsic's era has passed.
	unshields: Arc<Mutex<HashMap<H256, u32>>>,
	client: Arc<Mutex<Option<Arc<ChainClient>>>>,
}

impl Submitter {
	pub fn new(node_url: String, enclave: SharedEnclave) -> Self {
		Self { node_url, enclave, unshields: Arc::default(), client: Arc::default() }
	}

	async fn client(&self) -> Result<Arc<ChainClient>, SubmitFailure> {
		let mut guard = self.client.lock().await;
		if let Some(client) = guard.as_ref() {
			if client.rpc().is_connected() {
				return Ok(client.clone());
			}
		}
		let client =
			Arc::new(ChainClient::connect(&self.node_url).await.map_err(SubmitFailure::Connect)?);
		*guard = Some(client.clone());
		Ok(client)
	}

	/// Submits `call` (`what` names it in logs and errors) and does not
	/// follow it.
	pub async fn submit(&self, call: EnclaveCall, what: String) -> Result<(), SubmitError> {
		let submitted = async {
			let client = self.client().await?;
			let extrinsic = sign(&client, &self.enclave, call).await?;
			// Once the pool holds it, the node's next nonce counts it. Its
			// outcome shows in the finalized blocks the trusted core imports.
			let encoded = format!("0x{}", hex::encode(extrinsic.encode()));
			client
				.rpc()
				.request::<H256, _>("author_submitExtrinsic", rpc_params![encoded])
				.await
				.map_err(SubmitFailure::Refused)
		};
		let hash = submitted.await.map_err(|failure| failure.of(what.clone()))?;
		log::info!("{what}: submitted as {hash:?}");
		Ok(())
	}

	/// Asks the vault to pay every payable unshield (`payable`, from the
	/// core's block report) that is not paid yet and whose last
	/// submission's era has passed at the node's `finalized` head. The core
	/// builds each payout from its own pending list, by call hash. The
	/// memory of what was sent is only an economy of fees: lost at a
	/// restart, every payable unshield is sent once more, which is harmless
	/// (the pallet pays a call hash once, and a failed payout never refunds:
	/// only the unshield's expiry does).
	pub async fn submit_unshields(
		&self,
		payable: &[UnshieldDue],
		finalized: u32,
	) -> Result<(), SubmitError> {
		let what = |call_hash: H256| format!("unshield {call_hash:?}");
		let shard = lock(&self.enclave).shard();
		let due = unshields_due(payable, &*self.unshields.lock().await, finalized);
		for call_hash in due {
			let client = self.client().await.map_err(|failure| failure.of(what(call_hash)))?;
			let key = pallet_enclave_bridge::ExecutedUnshieldCalls::<Runtime>::hashed_key_for(
				shard, call_hash,
			);
			let paid: Option<u32> = client
				.storage(&key, None)
				.await
				.map_err(|e| SubmitFailure::PaidUnknown(e).of(what(call_hash)))?;
			if paid.is_some() {
				continue; // paid; the finalized block with the payout will burn it
			}
			self.submit(EnclaveCall::Unshield { call_hash }, what(call_hash)).await?;
			self.unshields.lock().await.insert(call_hash, finalized);
		}
		let live: HashSet<H256> = payable.iter().map(|u| u.call_hash).collect();
		self.unshields.lock().await.retain(|hash, _| live.contains(hash));
		Ok(())
	}
}

/// Signs `call` in the trusted core, submits it over `client` and follows
/// it until `wait` (`what` names it in errors).
pub async fn submit_and_wait(
	client: &ChainClient,
	enclave: &SharedEnclave,
	call: EnclaveCall,
	what: &str,
	wait: WaitFor,
) -> Result<Included, SubmitError> {
	let extrinsic = sign(client, enclave, call).await.map_err(|failure| failure.of(what))?;
	client
		.submit_extrinsic(&extrinsic, wait)
		.await
		.map_err(|e| SubmitFailure::NotIncluded(e).of(what))
}

/// `call` signed by the trusted core with the node's next nonce (pool
/// included) and a mortal era at the finalized head.
async fn sign(
	client: &ChainClient,
	enclave: &SharedEnclave,
	call: EnclaveCall,
) -> Result<UncheckedExtrinsic, SubmitFailure> {
	let account = lock(enclave).account();
	let params = client.mortal_params(&account).await.map_err(SubmitFailure::Params)?;
	lock(enclave).sign_extrinsic(call, params).map_err(SubmitFailure::Sign)
}

/// The payable unshields to (re)submit at the node's `finalized` head: not
/// expired, and not `submitted` (call hash -> finalized head at submission)
/// within the last era (a mortal era starts at or before the finalized head
/// it was signed at, so after `MORTALITY_PERIOD` more blocks it is over).
pub fn unshields_due(
	payable: &[UnshieldDue],
	submitted: &HashMap<H256, u32>,
	finalized: u32,
) -> Vec<H256> {
	payable
		.iter()
		.filter(|u| u.expires_at >= finalized)
		.filter(|u| {
			submitted
				.get(&u.call_hash)
				.is_none_or(|at| finalized > at.saturating_add(MORTALITY_PERIOD as u32))
		})
		.map(|u| u.call_hash)
		.collect()
}
