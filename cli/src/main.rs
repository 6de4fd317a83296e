//! `integritee-cli`: a command-line client of the parent chain.
//!
//! This binary only parses arguments and prints; the chain access is
//! `integritee-chain-client`.
#![forbid(unsafe_code)]

mod attestation;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use integritee_chain_client::{ChainClient, WaitFor};
use integritee_primitives::SgxEnclave;
use integritee_runtime::{AccountId, Balance, Runtime, RuntimeCall, UNIT};
use jsonrpsee::{core::client::ClientT, rpc_params};
use polkadot_sdk::{
	frame_system, pallet_balances,
	sp_core::{crypto::Ss58Codec, sr25519, Pair},
};

#[derive(Debug, Parser)]
#[command(
	name = "integritee-cli",
	version,
	about = "Client of the Integritee parent chain: balances, transfers, the enclave registry, \
	         offline verification of SGX attestation evidence.",
	long_about = "Client of the Integritee parent chain: balances, transfers, the enclave \
	              registry, offline verification of SGX attestation evidence (`attestation \
	              verify`, no node needed).\n\nACCOUNT arguments that only name an account take an SS58 \
	              address or a secret URI (`//Alice`, a mnemonic); arguments that sign take a \
	              secret URI. Amounts are in the chain's smallest unit (1 TEER = 10^12)."
)]
struct Cli {
	/// WebSocket RPC endpoint of a parent-chain node.
	#[arg(long, env = "INTEGRITEE_NODE_URL", default_value = "ws://127.0.0.1:9944", global = true)]
	node_url: String,

	#[command(subcommand)]
	command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
	/// Print the free balance of ACCOUNT.
	Balance {
		/// SS58 address or secret URI.
		account: String,
	},
	/// Transfer AMOUNT from FROM (secret URI) to TO and wait until it is in a block.
	Transfer {
		/// Secret URI of the sender, e.g. `//Alice`.
		from: String,
		/// SS58 address or secret URI of the recipient.
		to: String,
		/// Amount in the smallest unit.
		amount: Balance,
	},
	/// List the enclaves registered on the chain.
	ListWorkers {
		/// Print JSON instead of a table.
		#[arg(long)]
		json: bool,
	},
	/// Print the finalized head and whether its GRANDPA justification is stored.
	ChainInfo,
	/// SGX attestation evidence, offline (no node is contacted).
	Attestation {
		#[command(subcommand)]
		command: attestation::AttestationCommand,
	},
}

fn signer(suri: &str) -> Result<sr25519::Pair, String> {
	// Never echo the input: it may be a (mistyped) secret.
	integritee_chain_client::dev_pair(suri)
		.map_err(|e| format!("the secret URI is not usable: {e}"))
}

fn account(text: &str) -> Result<AccountId, String> {
	if let Ok(account) = AccountId::from_ss58check(text) {
		return Ok(account);
	}
	signer(text)
		.map(|pair| pair.public().into())
		.map_err(|_| "an account argument is neither an SS58 address nor a secret URI".to_string())
}

fn format_units(amount: Balance) -> String {
	format!("{}.{:012} TEER", amount / UNIT, amount % UNIT)
}

async fn connect(url: &str) -> Result<ChainClient, String> {
	ChainClient::connect(url).await.map_err(|e| format!("cannot reach the node at {url}: {e}"))
}

async fn run(cli: Cli) -> Result<(), String> {
	// Arguments are checked before the node is contacted.
	match cli.command {
		Command::Balance { account: who } => {
			let who = account(&who)?;
			let client = connect(&cli.node_url).await?;
			let key = frame_system::Account::<Runtime>::hashed_key_for(&who);
			let info = client
				.storage::<frame_system::AccountInfo<
					integritee_runtime::Nonce,
					pallet_balances::AccountData<Balance>,
				>>(&key, None)
				.await
				.map_err(|e| e.to_string())?
				.unwrap_or_default();
			println!("{} {}", info.data.free, format_units(info.data.free));
		}
		Command::Transfer { from, to, amount } => {
			let from = signer(&from)?;
			let to = account(&to)?;
			let client = connect(&cli.node_url).await?;
			let call = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
				dest: to.clone().into(),
				value: amount,
			});
			let included =
				client.submit(&from, call, WaitFor::InBlock).await.map_err(|e| e.to_string())?;
			println!(
				"transferred {} to {} in block {:?}",
				format_units(amount),
				to.to_ss58check(),
				included.block_hash
			);
		}
		Command::ListWorkers { json } => {
			let client = connect(&cli.node_url).await?;
			let enclaves: Vec<(AccountId, SgxEnclave<Vec<u8>>)> =
				client.runtime_call("TeerexApi_enclaves", &[]).await.map_err(|e| e.to_string())?;
			print_enclaves(&enclaves, json);
		}
		Command::Attestation { command } => attestation::run(command)?,
		Command::ChainInfo => {
			let client = connect(&cli.node_url).await?;
			let (hash, number) = client.finalized_head().await.map_err(|e| e.to_string())?;
			let block: serde_json::Value = client
				.rpc()
				.request("chain_getBlock", rpc_params![hash])
				.await
				.map_err(|e| format!("chain_getBlock failed: {e}"))?;
			let justified = block
				.get("justifications")
				.and_then(serde_json::Value::as_array)
				.is_some_and(|list| !list.is_empty());
			println!("genesis:   {:?}", client.genesis_hash());
			println!("finalized: #{number} {hash:?}");
			println!(
				"GRANDPA justification stored for #{number}: {}",
				if justified { "yes" } else { "no (a later block's justification covers it)" }
			);
		}
	}
	Ok(())
}

fn print_enclaves(enclaves: &[(AccountId, SgxEnclave<Vec<u8>>)], json: bool) {
	if json {
		let list: Vec<serde_json::Value> = enclaves
			.iter()
			.map(|(signer, enclave)| {
				serde_json::json!({
					"signer": signer.to_ss58check(),
					"mr_enclave": hex::encode(enclave.mr_enclave),
					"mr_signer": hex::encode(enclave.mr_signer),
					"shielding_key_hash": hex::encode(enclave.shielding_key_hash),
					"attestation_method": format!("{:?}", enclave.attestation_method),
					"build_mode": format!("{:?}", enclave.build_mode),
					"status": format!("{:?}", enclave.status),
					"attested_at_ms": enclave.attested_at_ms,
					"url": enclave.url.as_ref().map(|url| String::from_utf8_lossy(url).into_owned()),
				})
			})
			.collect();
		println!("{}", serde_json::Value::Array(list));
		return;
	}
	if enclaves.is_empty() {
		println!("no enclaves registered");
		return;
	}
	for (signer, enclave) in enclaves {
		println!(
			"{}  mrenclave 0x{}  {:?}/{:?}/{:?}  attested_at_ms {}  url {}",
			signer.to_ss58check(),
			hex::encode(enclave.mr_enclave),
			enclave.attestation_method,
			enclave.build_mode,
			enclave.status,
			enclave.attested_at_ms,
			enclave
				.url
				.as_ref()
				.map(|url| String::from_utf8_lossy(url).into_owned())
				.unwrap_or_else(|| "-".into()),
		);
	}
}

#[tokio::main]
async fn main() -> ExitCode {
	let cli = Cli::parse();
	match run(cli).await {
		Ok(()) => ExitCode::SUCCESS,
		Err(error) => {
			eprintln!("error: {error}");
			ExitCode::FAILURE
		}
	}
}
