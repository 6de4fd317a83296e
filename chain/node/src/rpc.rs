//! The node's RPC extensions beyond Substrate's defaults: account nonces,
//! fee queries, and GRANDPA (justification stream and finality proofs, which
//! workers' light clients need for every block they import).

use std::sync::Arc;

use integritee_runtime::{opaque::Block, AccountId, Balance, Nonce};
use jsonrpsee::RpcModule;
use polkadot_sdk::{
	pallet_transaction_payment_rpc::{TransactionPayment, TransactionPaymentApiServer},
	sc_consensus_grandpa::{
		FinalityProofProvider, GrandpaJustificationStream, SharedAuthoritySet, SharedVoterState,
	},
	sc_consensus_grandpa_rpc::{Grandpa, GrandpaApiServer},
	sc_rpc::SubscriptionTaskExecutor,
	sc_transaction_pool_api::TransactionPool,
	sp_api::ProvideRuntimeApi,
	sp_block_builder::BlockBuilder,
	sp_blockchain::{Error as BlockChainError, HeaderBackend, HeaderMetadata},
	sp_runtime::traits::Block as BlockT,
	substrate_frame_rpc_system::{System, SystemApiServer},
};

use crate::service::FullBackend;

/// What the GRANDPA RPC needs from the running voter.
pub struct GrandpaDeps {
	pub shared_voter_state: SharedVoterState,
	pub shared_authority_set: SharedAuthoritySet<<Block as BlockT>::Hash, u32>,
	pub justification_stream: GrandpaJustificationStream<Block>,
	pub subscription_executor: SubscriptionTaskExecutor,
	pub finality_provider: Arc<FinalityProofProvider<FullBackend, Block>>,
}

pub struct FullDeps<C, P> {
	pub client: Arc<C>,
	pub pool: Arc<P>,
	pub grandpa: GrandpaDeps,
}

/// Builds the RPC methods added to Substrate's defaults.
pub fn create_full<C, P>(
	deps: FullDeps<C, P>,
) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>>
where
	C: ProvideRuntimeApi<Block>
		+ HeaderBackend<Block>
		+ HeaderMetadata<Block, Error = BlockChainError>
		+ Send
		+ Sync
		+ 'static,
	C::Api: polkadot_sdk::substrate_frame_rpc_system::AccountNonceApi<Block, AccountId, Nonce>,
	C::Api:
		polkadot_sdk::pallet_transaction_payment_rpc::TransactionPaymentRuntimeApi<Block, Balance>,
	C::Api: BlockBuilder<Block>,
	P: TransactionPool + 'static,
{
	let mut module = RpcModule::new(());
	let FullDeps { client, pool, grandpa } = deps;

	module.merge(System::new(client.clone(), pool).into_rpc())?;
	module.merge(TransactionPayment::new(client).into_rpc())?;
	module.merge(
		Grandpa::new(
			grandpa.subscription_executor,
			grandpa.shared_authority_set,
			grandpa.shared_voter_state,
			grandpa.justification_stream,
			grandpa.finality_provider,
		)
		.into_rpc(),
	)?;
	Ok(module)
}
