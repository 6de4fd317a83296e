//! Getting and staying registered: light-client checkpoint, funding of the
//! enclave account, registration with a quote, renewal before expiry,
//! creation of the shard (once proven not created). This module decides when to
//! register and what URL to advertise; [`crate::submitter`] submits.

use std::time::Duration;

use integritee_chain_client::{ChainClient, Error as ChainError, WaitFor};
use integritee_enclave::{EnclaveCall, Error as CoreError};
use integritee_runtime::{Balance, Runtime, RuntimeCall, UNIT};
use polkadot_sdk::{
	frame_system, pallet_balances, pallet_timestamp, sp_core::H256, sp_runtime::AccountId32,
};

use crate::{
	args::{Args, ArgsError},
	lock,
	parentchain::{self, ReadError},
	submitter::{submit_and_wait, SubmitError},
	SharedEnclave,
};

/// The enclave account is topped up to this when it holds less than a tenth of it.
const FUNDING_TARGET: Balance = 10 * UNIT;

/// Why the worker could not get (or stay) registered.
#[derive(Debug, thiserror::Error)]
pub enum RegistrationError {
	#[error(transparent)]
	Args(#[from] ArgsError),
	#[error("cannot connect to the parent-chain node: {0}")]
	Connect(ChainError),
	#[error("the node's genesis is {node:?}, not the expected {expected:?}")]
	GenesisMismatch { node: H256, expected: H256 },
	#[error("cannot read the checkpoint block {block:?}: {source}")]
	Checkpoint { block: H256, source: ReadError },
	#[error("cannot start the light client: {0}")]
	LightClient(CoreError),
	/// A read of the parent chain's state failed (never taken for "absent").
	#[error("cannot read {what} from the parent chain: {source}")]
	Read { what: &'static str, source: ChainError },
	#[error("the chain has no timestamp")]
	NoTimestamp,
	#[error("system_chainType: {0}")]
	ChainType(jsonrpsee::core::ClientError),
	#[error(
		"the enclave account {account} holds {balance}, too little to pay fees; fund it or pass \
		 --faucet SECRET_URI"
	)]
	Unfunded { account: AccountId32, balance: Balance },
	/// The faucet's secret URI does not parse (the reason is not kept: it
	/// could show part of the secret).
	#[error("--faucet is not a usable secret URI")]
	BadFaucet,
	#[error("funding failed: {0}")]
	Funding(ChainError),
	/// Registration or shard creation (the submission names which).
	#[error(transparent)]
	Submit(#[from] SubmitError),
}

fn read_failed(what: &'static str) -> impl FnOnce(ChainError) -> RegistrationError {
	move |source| RegistrationError::Read { what, source }
}

pub async fn bootstrap(
	client: &ChainClient,
	enclave: &SharedEnclave,
	args: &Args,
	public_url: &str,
) -> Result<(), RegistrationError> {
	if lock(enclave).light_client_head().is_none() {
		let genesis = client.genesis_hash();
		let expected = args.expected_genesis_hash()?;
		if let Some(expected) = expected {
			if expected != genesis {
				return Err(RegistrationError::GenesisMismatch { node: genesis, expected });
			}
		}
		let (trusted, origin) = match args.checkpoint_hash()? {
			Some(hash) => (hash, "the --checkpoint-block"),
			None if expected.is_some() => (genesis, "the expected genesis"),
			None => {
				(genesis, "the node's genesis (trusted on first use; pin it with --expect-genesis)")
			}
		};
		let keys = integritee_enclave::Enclave::checkpoint_keys();
		let (header, proof) = parentchain::checkpoint(client, trusted, &keys)
			.await
			.map_err(|source| RegistrationError::Checkpoint { block: trusted, source })?;
		let number = header.number;
		lock(enclave)
			.init_light_client_at(genesis, trusted, header, proof)
			.map_err(RegistrationError::LightClient)?;
		log::info!("light client starts at block #{number} {trusted:?}, {origin}");
	}
	ensure_funded(client, enclave, args).await?;
	// The shard is created by the renewal loop, once an import has proven
	// that nobody did (the core signs nothing on the host's word); an
	// enclave whose candidate secrets lost gets the shard's from a member
	// (`crate::peer`) and registers then.
	register_if_needed(client, enclave, args, public_url).await.map(|_| ())
}

async fn ensure_funded(
	client: &ChainClient,
	enclave: &SharedEnclave,
	args: &Args,
) -> Result<(), RegistrationError> {
	let account = lock(enclave).account();
	let balance = client
		.account_data(&account)
		.await
		.map_err(read_failed("the enclave account's balance"))?
		.free;
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
			.map_err(RegistrationError::ChainType)?;
			if chain_type != "Development" {
				return Err(RegistrationError::Unfunded { account, balance });
			}
			"//Alice".to_string()
		}
	};
	let pair =
		integritee_chain_client::dev_pair(&faucet).map_err(|_| RegistrationError::BadFaucet)?;
	log::info!("funding the enclave account {account} with {FUNDING_TARGET} from the faucet");
	let call = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
		dest: account.into(),
		value: FUNDING_TARGET - balance,
	});
	// Several workers funded by one faucet at once take the same nonce:
	// all but one are refused. Tried again a few times, a moment apart.
	let mut attempt = 1u64;
	loop {
		match client.submit(&pair, call.clone(), WaitFor::InBlock).await {
			Ok(_) => return Ok(()),
			Err(e) if attempt < 5 => {
				log::info!("funding attempt {attempt} failed ({e}); trying again");
				tokio::time::sleep(Duration::from_millis(700 * attempt)).await;
				attempt += 1;
			}
			Err(e) => return Err(RegistrationError::Funding(e)),
		}
	}
}

/// How long ago (chain time, ms) the enclave was attested, and the hash of
/// the shielding key it registered, if registered.
async fn registration_age(
	client: &ChainClient,
	account: &AccountId32,
) -> Result<Option<(u64, [u8; 32])>, RegistrationError> {
	let key = pallet_teerex::SovereignEnclaves::<Runtime>::hashed_key_for(account);
	let stored: Option<pallet_teerex::EnclaveOf<Runtime>> =
		client.storage(&key, None).await.map_err(read_failed("the enclave's registration"))?;
	let Some(stored) = stored else { return Ok(None) };
	let now_key = pallet_timestamp::Now::<Runtime>::hashed_key();
	let now: u64 = client
		.storage(&now_key, None)
		.await
		.map_err(read_failed("the chain's timestamp"))?
		.ok_or(RegistrationError::NoTimestamp)?;
	Ok(Some((now.saturating_sub(stored.attested_at_ms), stored.shielding_key_hash)))
}

/// Whether the chain's `System::BlockHash` holds `hash` at `number`: the
/// registry's own check of the block an enclave names when it registers.
async fn chain_knows_block(
	client: &ChainClient,
	number: u32,
	hash: H256,
) -> Result<bool, RegistrationError> {
	let key = frame_system::BlockHash::<Runtime>::hashed_key_for(number);
	let stored: Option<H256> =
		client.storage(&key, None).await.map_err(read_failed("a recent block hash"))?;
	Ok(stored == Some(hash))
}

/// Registers (or renews) when due; whether the enclave is registered with
/// its current key afterwards.
async fn register_if_needed(
	client: &ChainClient,
	enclave: &SharedEnclave,
	args: &Args,
	public_url: &str,
) -> Result<bool, RegistrationError> {
	let (account, own_key, imported) = {
		let enclave = lock(enclave);
		(enclave.account(), enclave.shielding_key_hash(), enclave.shard_key().is_some())
	};
	// A new enclave's first import decides whether its candidate secrets
	// are the shard's; one without the shard's secrets has no key to
	// register with: it registers once provisioned (see `crate::peer`).
	let Some(own_key) = own_key.filter(|_| imported) else {
		log::debug!("registration waits for the first import and the shard's secrets");
		return Ok(false);
	};
	let renew_after = args.renew_after_secs.saturating_mul(1000);
	match registration_age(client, &account).await? {
		Some((age, key)) if age < renew_after && key == own_key => {
			log::debug!("registered on the parent chain ({} s ago)", age / 1000);
			return Ok(true);
		}
		Some((_, key)) if key != own_key => log::info!(
			"registered with shielding key hash 0x{}, but the enclave holds 0x{} now (it was \
			 provisioned with the shard's secrets): registering again",
			hex::encode(key),
			hex::encode(own_key)
		),
		Some((age, _)) => log::info!(
			"the registration is {} s old (renewal after {} s): renewing",
			age / 1000,
			args.renew_after_secs
		),
		None => log::info!(
			"registering with {}",
			if args.skip_attestation { "Skip (no attestation)" } else { "a DCAP quote" }
		),
	}
	// The registry accepts only a block it knows (its last 2,400): a light
	// client further behind imports first; the renewal loop retries.
	// The lock is released before any await.
	let head = lock(enclave).light_client_head();
	if let Some((number, hash)) = head {
		if !chain_knows_block(client, number, hash).await? {
			log::info!(
				"registration waits until the light client has imported a recent block (#{number} \
				 is not among the chain's recent blocks)"
			);
			return Ok(false);
		}
	}
	let call = EnclaveCall::Register {
		worker_url: Some(public_url.as_bytes().to_vec()),
		skip_attestation: args.skip_attestation,
	};
	let included = submit_and_wait(client, enclave, call, "registration", WaitFor::InBlock).await?;
	log::info!("registered in block {:?}", included.block_hash);
	Ok(true)
}

/// Creates the shard with this enclave's shielding key once the chain
/// proves that nobody created it. Returns whether nothing is left to do
/// (created, by this enclave or another); `false` while the core has not
/// seen a proven block yet or the enclave is not registered yet.
async fn create_shard_if_needed(
	client: &ChainClient,
	enclave: &SharedEnclave,
) -> Result<bool, RegistrationError> {
	let (shard, mr_enclave, proven_key, own_key, account) = {
		let enclave = lock(enclave);
		(
			enclave.shard(),
			enclave.mr_enclave(),
			enclave.shard_key(),
			enclave.shielding_key_hash(),
			enclave.account(),
		)
	};
	match proven_key {
		Some(Some(key)) if Some(key) == own_key => return Ok(true),
		Some(Some(key)) => {
			log::info!(
				"shard {shard:?} was created by another enclave (shielding key hash 0x{}): this \
				 one gets the shard's secrets from a member",
				hex::encode(key)
			);
			return Ok(true);
		}
		None => return Ok(false),
		Some(None) if own_key.is_none() => return Ok(false),
		Some(None) => {}
	}
	if registration_age(client, &account).await?.is_none() {
		return Ok(false);
	}
	let key = pallet_enclave_bridge::ShardShieldingKeys::<Runtime>::hashed_key_for(shard);
	let recorded: Option<[u8; 32]> =
		client.storage(&key, None).await.map_err(read_failed("the shard's shielding key"))?;
	if recorded.is_some() {
		return Ok(false); // created since the core's last proven block: wait for its proof
	}
	log::info!("creating shard {shard:?} for MRENCLAVE 0x{}", hex::encode(mr_enclave));
	match submit_and_wait(
		client,
		enclave,
		EnclaveCall::CreateShard,
		"shard creation",
		WaitFor::InBlock,
	)
	.await
	{
		Ok(_) => Ok(false), // settled once an import proves the key
		// Another enclave created it first: the next import proves its key.
		Err(e) => {
			log::warn!("{e}");
			Ok(false)
		}
	}
}

/// Registers once the light client is recent enough (if the start could
/// not), creates the shard once an import proved that nobody did,
/// and re-registers before the attestation expires (`--renew-after-secs`);
/// checks at once, then once a minute, or more often for short renewal
/// ages (every second while the shard waits for its creation).
pub async fn renew_loop(
	args: Args,
	enclave: SharedEnclave,
	public_url: String,
) -> Result<(), RegistrationError> {
	let client = ChainClient::connect(&args.node_url).await.map_err(RegistrationError::Connect)?;
	let every = Duration::from_secs((args.renew_after_secs / 2).clamp(1, 60));
	let mut shard_settled = false;
	loop {
		ensure_funded(&client, &enclave, &args).await?;
		let registered = register_if_needed(&client, &enclave, &args, &public_url).await?;
		if !shard_settled {
			shard_settled = create_shard_if_needed(&client, &enclave).await?;
		}
		// Soon again while the shard waits for its creation or the enclave
		// for its (first, or provisioned) registration.
		let settled = shard_settled && registered;
		tokio::time::sleep(if settled { every } else { Duration::from_secs(1) }).await;
	}
}
