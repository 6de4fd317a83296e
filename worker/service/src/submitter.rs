//! Submission of the trusted core's extrinsics, one at a time, so that each
//! takes the node's next nonce (pool included). Their outcomes are observed
//! in the finalized blocks the trusted core imports (payouts, failures).

use std::{collections::HashMap, sync::Arc};

use codec::Encode;
use integritee_chain_client::{ChainClient, MORTALITY_PERIOD};
use integritee_enclave::{stf::PendingUnshield, EnclaveCall};
use integritee_runtime::Runtime;
use jsonrpsee::{core::client::ClientT, rpc_params};
use polkadot_sdk::sp_core::H256;
use tokio::sync::Mutex;

use crate::{lock, registration, SharedEnclave};

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

	async fn client(&self) -> Result<Arc<ChainClient>, String> {
		let mut guard = self.client.lock().await;
		if let Some(client) = guard.as_ref() {
			if client.rpc().is_connected() {
				return Ok(client.clone());
			}
		}
		let client =
			Arc::new(ChainClient::connect(&self.node_url).await.map_err(|e| e.to_string())?);
		*guard = Some(client.clone());
		Ok(client)
	}

	/// Submits `call` and follows it in the background.
	pub async fn submit(&self, call: EnclaveCall, what: String) -> Result<(), String> {
		let client = self.client().await?;
		let params = registration::extrinsic_params(&client, &self.enclave).await?;
		let extrinsic =
			lock(&self.enclave).sign_extrinsic(call, params).map_err(|e| e.to_string())?;
		// Once the pool holds it, the node's next nonce counts it. Its
		// outcome shows in the finalized blocks the trusted core imports.
		let encoded = format!("0x{}", hex::encode(extrinsic.encode()));
		let hash: H256 = client
			.rpc()
			.request("author_submitExtrinsic", rpc_params![encoded])
			.await
			.map_err(|e| format!("{what}: the node refused it: {e}"))?;
		log::info!("{what}: submitted as {hash:?}");
		Ok(())
	}

	/// Asks the vault to pay every pending unshield that is not paid yet and
	/// whose last submission's era has passed at the node's `finalized`
	/// head. The core builds each payout from its own pending list, by call
	/// hash. The memory of what was sent is only an economy of fees: lost at
	/// a restart, every pending unshield is sent once more, which is
	/// harmless (the pallet pays a call hash once, and a failed payout never
	/// refunds: only the unshield's expiry does).
	pub async fn submit_unshields(
		&self,
		pending: &[PendingUnshield],
		finalized: u32,
	) -> Result<(), String> {
		let client = self.client().await?;
		let shard = lock(&self.enclave).shard();
		let due = unshields_due(pending, &*self.unshields.lock().await, finalized);
		for unshield in pending.iter().filter(|u| due.contains(&u.call_hash)) {
			let key = pallet_enclave_bridge::ExecutedUnshieldCalls::<Runtime>::hashed_key_for(
				shard,
				unshield.call_hash,
			);
			let paid: Option<u32> = client.storage(&key, None).await.map_err(|e| e.to_string())?;
			if paid.is_some() {
				continue; // paid; the finalized block with the payout will burn it
			}
			self.submit(
				EnclaveCall::Unshield { call_hash: unshield.call_hash },
				format!("unshield {:?} of {}", unshield.call_hash, unshield.amount),
			)
			.await?;
			self.unshields.lock().await.insert(unshield.call_hash, finalized);
		}
		let live: std::collections::HashSet<H256> = pending.iter().map(|u| u.call_hash).collect();
		self.unshields.lock().await.retain(|hash, _| live.contains(hash));
		Ok(())
	}
}

/// The pending unshields to (re)submit at the node's `finalized` head: not
/// expired, and not `submitted` (call hash -> finalized head at submission)
/// within the last era (a mortal era starts at or before the finalized head
/// it was signed at, so after `MORTALITY_PERIOD` more blocks it is over).
pub fn unshields_due(
	pending: &[PendingUnshield],
	submitted: &HashMap<H256, u32>,
	finalized: u32,
) -> Vec<H256> {
	pending
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
