//! Getting and staying registered: light-client checkpoint, funding of the
//! enclave account, registration with a quote, renewal before expiry,
//! initialisation of a non-implicit shard.

use std::time::Duration;

use integritee_chain_client::{ChainClient, ExtrinsicParams, Included, WaitFor};
use integritee_enclave::EnclaveCall;
use integritee_runtime::{Balance, Runtime, RuntimeCall, UNIT};
use polkadot_sdk::{pallet_balances, pallet_timestamp, sp_core::H256, sp_runtime::AccountId32};

use crate::{args::Args, lock, parentchain, SharedEnclave};

/// The enclave account is topped up to this when it holds less than a tenth of it.
const FUNDING_TARGET: Balance = 10 * UNIT;

/// Signs `call` in the trusted core with the node's next nonce and a mortal
/// era, submits it and follows it until `wait`.
pub async fn submit_enclave_call(
	client: &ChainClient,
	enclave: &SharedEnclave,
	call: EnclaveCall,
	wait: WaitFor,
) -> Result<Included, String> {
	let params = extrinsic_params(client, enclave).await?;
	let extrinsic = lock(enclave).sign_extrinsic(call, params).map_err(|e| e.to_string())?;
	client.submit_extrinsic(&extrinsic, wait).await.map_err(|e| e.to_string())
}

/// Nonce from the node (pool included) and a mortal era at the finalized head.
pub async fn extrinsic_params(
	client: &ChainClient,
	enclave: &SharedEnclave,
) -> Result<ExtrinsicParams, String> {
	let account = lock(enclave).account();
	client.mortal_params(&account).await.map_err(|e| e.to_string())
}

pub async fn bootstrap(
	client: &ChainClient,
	enclave: &SharedEnclave,
	args: &Args,
	public_url: &str,
) -> Result<(), String> {
	if lock(enclave).light_client_head().is_none() {
		let genesis = client.genesis_hash();
		if let Some(expected) = &args.expect_genesis {
			if parse_hash(expected)? != genesis {
				return Err(format!(
					"the node's genesis is {genesis:?}, not the expected {expected}"
				));
			}
		}
		let (trusted, origin) = match &args.checkpoint_block {
			Some(hash) => (parse_hash(hash)?, "the --checkpoint-block"),
			None if args.expect_genesis.is_some() => (genesis, "the expected genesis"),
			None => {
				(genesis, "the node's genesis (trusted on first use; pin it with --expect-genesis)")
			}
		};
		let keys = integritee_enclave::Enclave::checkpoint_keys();
		let (header, proof) =
			parentchain::checkpoint(client, trusted, &keys).await.map_err(|e| e.to_string())?;
		let number = header.number;
		lock(enclave)
			.init_light_client_at(genesis, trusted, header, proof)
			.map_err(|e| format!("cannot start the light client: {e}"))?;
		log::info!("light client starts at block #{number} {trusted:?}, {origin}");
	}
	ensure_funded(client, enclave, args).await?;
	register_if_needed(client, enclave, args, public_url).await?;
	init_shard_if_needed(client, enclave).await?;
	warn_if_another_member_serves(client, enclave).await
}

/// Says at startup, clearly, when another enclave already serves the shard
/// (the trusted core then refuses to serve; `system_health` keeps saying it
/// from proven state).
async fn warn_if_another_member_serves(
	client: &ChainClient,
	enclave: &SharedEnclave,
) -> Result<(), String> {
	let (shard, account) = {
		let enclave = lock(enclave);
		(enclave.shard(), enclave.account())
	};
	let key = pallet_enclave_bridge::ShardStatus::<Runtime>::hashed_key_for(shard);
	let signers: Option<pallet_enclave_bridge::ShardSignersOf<Runtime>> =
		client.storage(&key, None).await.map_err(|e| e.to_string())?;
	if let Some(first) = signers.and_then(|signers| signers.first().map(|s| s.signer.clone())) {
		if first != account {
			log::error!("{}", crate::sync::not_serving_problem(&first));
		}
	}
	Ok(())
}

async fn free_balance(client: &ChainClient, who: &AccountId32) -> Result<Balance, String> {
	Ok(client.account_data(who).await.map_err(|e| e.to_string())?.free)
}

async fn ensure_funded(
	client: &ChainClient,
	enclave: &SharedEnclave,
	args: &Args,
) -> Result<(), String> {
	let account = lock(enclave).account();
	let balance = free_balance(client, &account).await?;
	if balance >= FUNDING_TARGET / 10 {
		return Ok(());
	}
	let faucet = match &args.faucet {
		Some(faucet) => faucet.clone(),
		None => {
			let chain_type: serde_json::Value = jsonrpsee::core::client::ClientT::request(
				client.rpc(),
				"system_chainType",
				jsonrpsee::rpc_params![],
			)
			.await
			.map_err(|e| format!("system_chainType: {e}"))?;
			if chain_type != "Development" {
				return Err(format!(
					"the enclave account {account} holds {balance}, too little to pay fees; fund it \
					 or pass --faucet SECRET_URI"
				));
			}
			"//Alice".to_string()
		}
	};
	let pair = integritee_chain_client::dev_pair(&faucet)
		.map_err(|_| "--faucet is not a usable secret URI".to_string())?;
	log::info!("funding the enclave account {account} with {FUNDING_TARGET} from the faucet");
	let call = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
		dest: account.into(),
		value: FUNDING_TARGET - balance,
	});
	client
		.submit(&pair, call, WaitFor::InBlock)
		.await
		.map_err(|e| format!("funding failed: {e}"))?;
	Ok(())
}

fn parse_hash(text: &str) -> Result<H256, String> {
	let bytes = hex::decode(text.trim_start_matches("0x"))
		.map_err(|_| format!("{text}: not a hex block hash"))?;
	if bytes.len() != 32 {
		return Err(format!("{text}: a block hash is 32 bytes"));
	}
	Ok(H256::from_slice(&bytes))
}

/// Chain time (ms) and the enclave's attestation time, if registered.
async fn registration_age(
	client: &ChainClient,
	account: &AccountId32,
) -> Result<Option<u64>, String> {
	let key = pallet_teerex::SovereignEnclaves::<Runtime>::hashed_key_for(account);
	let stored: Option<pallet_teerex::EnclaveOf<Runtime>> =
		client.storage(&key, None).await.map_err(|e| e.to_string())?;
	let Some(stored) = stored else { return Ok(None) };
	let now_key = pallet_timestamp::Now::<Runtime>::hashed_key();
	let now: u64 = client
		.storage(&now_key, None)
		.await
		.map_err(|e| e.to_string())?
		.ok_or_else(|| "the chain has no timestamp".to_string())?;
	Ok(Some(now.saturating_sub(stored.attested_at_ms)))
}

async fn register_if_needed(
	client: &ChainClient,
	enclave: &SharedEnclave,
	args: &Args,
	public_url: &str,
) -> Result<(), String> {
	let account = lock(enclave).account();
	let renew_after = args.renew_after_secs.saturating_mul(1000);
	match registration_age(client, &account).await? {
		Some(age) if age < renew_after => {
			log::debug!("registered on the parent chain ({} s ago)", age / 1000);
			return Ok(());
		}
		Some(age) => log::info!(
			"the registration is {} s old (renewal after {} s): renewing",
			age / 1000,
			args.renew_after_secs
		),
		None => log::info!(
			"registering with {}",
			if args.skip_attestation { "Skip (no attestation)" } else { "a DCAP quote" }
		),
	}
	let call = EnclaveCall::Register {
		worker_url: Some(public_url.as_bytes().to_vec()),
		skip_attestation: args.skip_attestation,
	};
	let included = submit_enclave_call(client, enclave, call, WaitFor::InBlock)
		.await
		.map_err(|e| format!("registration failed: {e}"))?;
	log::info!("registered in block {:?}", included.block_hash);
	Ok(())
}

async fn init_shard_if_needed(client: &ChainClient, enclave: &SharedEnclave) -> Result<(), String> {
	let (shard, mr_enclave) = {
		let enclave = lock(enclave);
		(enclave.shard(), enclave.mr_enclave())
	};
	if shard == H256(mr_enclave) {
		return Ok(()); // the implicit shard needs no configuration
	}
	let key = pallet_enclave_bridge::ShardConfigRegistry::<Runtime>::hashed_key_for(shard);
	let stored: Option<pallet_enclave_bridge::ShardConfigOf<Runtime>> =
		client.storage(&key, None).await.map_err(|e| e.to_string())?;
	if stored.is_some() {
		return Ok(());
	}
	log::info!("initialising shard {shard:?} for MRENCLAVE 0x{}", hex::encode(mr_enclave));
	submit_enclave_call(client, enclave, EnclaveCall::InitShard, WaitFor::InBlock)
		.await
		.map_err(|e| format!("shard initialisation failed: {e}"))?;
	Ok(())
}

/// Re-registers before the attestation expires (`--renew-after-secs`);
/// checks once a minute, or more often for short renewal ages.
pub async fn renew_loop(
	args: Args,
	enclave: SharedEnclave,
	public_url: String,
) -> Result<(), String> {
	let client = ChainClient::connect(&args.node_url).await.map_err(|e| e.to_string())?;
	let every = Duration::from_secs((args.renew_after_secs / 2).clamp(1, 60));
	loop {
		tokio::time::sleep(every).await;
		ensure_funded(&client, &enclave, &args).await?;
		register_if_needed(&client, &enclave, &args, &public_url).await?;
	}
}
