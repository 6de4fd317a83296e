//! `integritee-worker leave`: the enclave of `--data-dir` leaves its shard
//! on the parent chain. The trusted core signs `EnclaveBridge::leave_shard`
//! for its anchored shard; this module opens it, submits, and waits for
//! the block.

use std::sync::{Arc, RwLock};

use integritee_chain_client::{ChainClient, WaitFor};
use integritee_enclave::{platform::SimulatedTee, EnclaveCall};

use crate::{
	args::{Args, ArgsError},
	submitter::{submit_and_wait, SubmitError},
	SharedEnclave,
};

/// Why the enclave could not leave its shard.
#[derive(Debug, thiserror::Error)]
pub enum LeaveError {
	#[error("cannot set up the simulated TEE platform: {0}")]
	Platform(integritee_enclave::Error),
	#[error(transparent)]
	Args(#[from] ArgsError),
	/// Opening fails too while the worker runs on the data directory.
	#[error("cannot open the enclave (is the worker still running on this data directory?): {0}")]
	OpenEnclave(integritee_enclave::Error),
	#[error(
		"the enclave in {0} was never anchored to a chain: it never registered, so it is no \
		 member of any shard"
	)]
	NeverAnchored(std::path::PathBuf),
	#[error("cannot connect to the parent-chain node: {0}")]
	Connect(integritee_chain_client::Error),
	#[error(transparent)]
	Submit(#[from] SubmitError),
}

/// Signs and submits the enclave's `leave_shard`, until it is in a block.
pub async fn leave(args: &Args) -> Result<(), LeaveError> {
	let platform = SimulatedTee::for_current_executable().map_err(LeaveError::Platform)?;
	let config = integritee_enclave::EnclaveConfig {
		data_dir: args.data_dir.clone(),
		shard: args.shard()?,
		max_instances: args.max_instances,
	};
	let (enclave, _) = integritee_enclave::Enclave::open(Arc::new(platform), config)
		.map_err(LeaveError::OpenEnclave)?;
	if enclave.anchor().is_none() {
		return Err(LeaveError::NeverAnchored(args.data_dir.clone()));
	}
	let (shard, account) = (enclave.shard(), enclave.account());
	let client = ChainClient::connect(&args.node_url).await.map_err(LeaveError::Connect)?;
	let enclave: SharedEnclave = Arc::new(RwLock::new(enclave));
	let included = submit_and_wait(
		&client,
		&enclave,
		EnclaveCall::LeaveShard,
		"leaving the shard",
		WaitFor::InBlock,
	)
	.await?;
	log::info!(
		"enclave {account} left shard 0x{} in block {:?}",
		hex::encode(shard),
		included.block_hash
	);
	Ok(())
}
