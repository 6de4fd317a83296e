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
	/// Unshields submitted, by call hash, with the parent block number at
	/// submission; resubmitted once the extrinsic's era has surely passed.
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

	/// Asks the vault to pay every pending unshield that was not submitted
	/// within the last era and was not paid yet (the pallet pays each call
	/// hash once, so a resubmission can never pay twice).
	pub async fn submit_unshields(
		&self,
		pending: &[PendingUnshield],
		current_block: u32,
	) -> Result<(), String> {
		let client = self.client().await?;
		let shard = lock(&self.enclave).shard();
		for unshield in pending {
			{
				let submitted = self.unshields.lock().await;
				if let Some(at) = submitted.get(&unshield.call_hash) {
					if current_block.saturating_sub(*at) <= MORTALITY_PERIOD as u32 + 2 {
						continue;
					}
				}
			}
			let key = pallet_enclave_bridge::ExecutedUnshieldCalls::<Runtime>::hashed_key_for(
				shard,
				unshield.call_hash,
			);
			let paid: Option<u32> = client.storage(&key, None).await.map_err(|e| e.to_string())?;
			if paid.is_some() {
				continue; // paid; the finalized block with the payout will burn it
			}
			self.submit(
				EnclaveCall::Unshield(unshield.clone()),
				format!("unshield {:?} of {}", unshield.call_hash, unshield.amount),
			)
			.await?;
			self.unshields.lock().await.insert(unshield.call_hash, current_block);
		}
		let live: std::collections::HashSet<H256> = pending.iter().map(|u| u.call_hash).collect();
		self.unshields.lock().await.retain(|hash, _| live.contains(hash));
		Ok(())
	}
}
