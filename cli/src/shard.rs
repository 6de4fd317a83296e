//! What the commands that talk to a shard's worker share (`shield-funds`,
//! `trusted ...`, `trusted benchmark`): the shard arguments, the checked
//! connection to the worker, and shielding on the parent chain.

use clap::Args;
use codec::Encode;
use integritee_chain_client::{ChainClient, Included, WaitFor};
use integritee_runtime::{AccountId, Balance, RuntimeCall};
use integritee_stf_primitives::ShardIdentifier;
use integritee_worker_client::{ConnectOptions, WorkerClient};
use polkadot_sdk::{
	sp_core::{sr25519, Pair},
	sp_runtime::MultiSignature,
};

use crate::error::{ChainError, CliError};

/// Options shared by the commands that talk to a shard's worker.
#[derive(Debug, Args)]
pub struct ShardArgs {
	/// The shard, 32 bytes as hex (`0x` optional).
	#[arg(long, value_parser = integritee_worker_client::parse_shard)]
	pub shard: ShardIdentifier,
	/// Reach the worker at this WebSocket URL instead of its registered one.
	#[arg(long)]
	pub worker_url: Option<String>,
}

impl ShardArgs {
	pub fn connect_options(&self) -> ConnectOptions {
		ConnectOptions { worker_url: self.worker_url.clone() }
	}
}

/// Connects to the shard's worker, checked against the chain.
pub async fn connect_worker(
	chain: &ChainClient,
	args: &ShardArgs,
) -> Result<WorkerClient, CliError> {
	Ok(WorkerClient::connect(chain, args.shard, &args.connect_options()).await?)
}

/// Signs trusted calls and getters with an sr25519 account key.
pub fn sr25519_signer(pair: &sr25519::Pair) -> impl Fn(&[u8]) -> MultiSignature + '_ {
	move |payload: &[u8]| MultiSignature::Sr25519(pair.sign(payload))
}

/// Shields `amount` of `from`'s for `to` into the worker's shard (the
/// beneficiary encrypted to the worker's checked shielding key); returns
/// the block it is in.
pub async fn shield(
	chain: &ChainClient,
	worker: &WorkerClient,
	from: &sr25519::Pair,
	to: AccountId,
	amount: Balance,
) -> Result<Included, CliError> {
	let encrypted_beneficiary = worker.encrypt(
		integritee_stf_primitives::shielding::Purpose::ShieldBeneficiary,
		"the beneficiary",
		&to.encode(),
	)?;
	let call = RuntimeCall::EnclaveBridge(pallet_enclave_bridge::Call::shield_funds {
		shard: worker.shard(),
		encrypted_beneficiary,
		amount,
	});
	chain
		.submit(from, call, WaitFor::InBlock)
		.await
		.map_err(|source| ChainError::Transaction { what: "the shielding", source }.into())
}
