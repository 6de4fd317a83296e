//! `integritee-cli`: a command-line client of the parent chain.
//!
//! This binary only parses arguments and prints; the chain access is
//! `integritee-chain-client`.
#![forbid(unsafe_code)]

mod accounts;
mod attestation;
mod benchmark;
mod error;
mod keystore;
mod shard;
mod trusted;
mod trusted_benchmark;

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};
use codec::Encode;
use integritee_chain_client::{ChainClient, WaitFor};
use integritee_primitives::SgxEnclave;
use integritee_runtime::{AccountId, Balance, RuntimeCall, UNIT};
use jsonrpsee::{core::client::ClientT, rpc_params};
use polkadot_sdk::{pallet_balances, sp_core::crypto::Ss58Codec};

use accounts::Accounts;
use error::{AmountError, ArgumentError, ChainError, CliError};
use keystore::Keystore;

/// The exit codes, in the top-level `--help`.
const EXIT_CODES_HELP: &str = "Exit status:
  0  success
  1  the command was refused or failed (a node or worker unreachable or refusing, a check
     of the worker against the chain, a transaction, evidence that does not verify);
     the reason is on stderr
  2  usage error: an unknown command or option, a missing or malformed argument (clap's),
     or one the CLI checks after parsing that names nothing usable (an account that is
     neither SS58 address, keystore key nor secret URI; a bad key name; no keystore
     directory; a DCAP quote without --collateral)";

#[derive(Debug, Parser)]
#[command(
	name = "integritee-cli",
	version,
	about = "Client of the Integritee parent chain: balances, transfers, the enclave registry, \
	         offline verification of SGX attestation evidence.",
	long_about = "Client of the Integritee parent chain: balances, transfers, the enclave \
	              registry, offline verification of SGX attestation evidence (`attestation \
	              verify`, no node needed), shielding into shards and trusted calls and getters of \
	              a shard's worker.\n\nACCOUNT arguments that only name an account take an SS58 \
	              address, a keystore name or a secret URI (`//Alice`, a mnemonic); arguments \
	              that sign take a keystore name or a secret URI. Amounts are in the chain's \
	              smallest unit (1 TEER = 10^12).",
	after_help = EXIT_CODES_HELP
)]
struct Cli {
	/// WebSocket RPC endpoint of a parent-chain node.
	#[arg(long, env = "INTEGRITEE_NODE_URL", default_value = "ws://127.0.0.1:9944", global = true)]
	node_url: String,

	/// Directory of the local keystore (default:
	/// `$XDG_DATA_HOME/integritee/keystore` or `~/.local/share/integritee/keystore`).
	#[arg(long, env = "INTEGRITEE_KEYSTORE", global = true)]
	keystore: Option<PathBuf>,

	#[command(subcommand)]
	command: Command,
}

#[derive(Debug, Subcommand)]
enum BenchmarkCommand {
	/// Decryption of an incoming call: HPKE (this project's shielding) against
	/// RSA-3072-OAEP (the original system's), rounds interleaved; prints both
	/// rates and their ratio.
	Ingress(benchmark::IngressArgs),
}

#[derive(Debug, Subcommand)]
enum Command {
	/// Create a new sr25519 key in the local keystore and print its address.
	NewAccount {
		/// Name of the key ([A-Za-z0-9_-], at most 64 characters); a random one if omitted.
		name: Option<String>,
		/// Also print the secret phrase (anyone who sees it controls the account).
		#[arg(long)]
		show_secret: bool,
	},
	/// Print the free balance of ACCOUNT.
	Balance {
		/// SS58 address, keystore name or secret URI.
		account: String,
	},
	/// Transfer AMOUNT from FROM to TO and wait until it is in a block.
	Transfer {
		/// Keystore name or secret URI of the sender, e.g. `//Alice`.
		from: String,
		/// SS58 address, keystore name or secret URI of the recipient.
		to: String,
		/// Amount in the smallest unit.
		#[arg(value_parser = parse_amount)]
		amount: Balance,
	},
	/// Move AMOUNT from FROM into the shard's vault for TO, encrypted to the
	/// shard worker's (checked) shielding key.
	ShieldFunds(trusted::ShieldFundsArgs),
	/// Calls and getters of a shard's confidential state.
	Trusted(trusted::TrustedArgs),
	/// List the enclaves registered on the chain, and per shard its
	/// shielding-key hash and its enclaves' roles (serving, member, standby).
	ListWorkers {
		/// Print JSON instead of a table.
		#[arg(long)]
		json: bool,
	},
	/// Print the finalized head and whether its GRANDPA justification is stored.
	ChainInfo,
	/// Measurements that need no node.
	Benchmark {
		#[command(subcommand)]
		command: BenchmarkCommand,
	},
	/// SGX attestation evidence, offline (no node is contacted).
	Attestation {
		#[command(subcommand)]
		command: attestation::AttestationCommand,
	},
}

/// Parses an amount in the smallest unit (a whole number, `_` allowed as a
/// digit separator).
pub(crate) fn parse_amount(text: &str) -> Result<Balance, AmountError> {
	let digits: String = text.chars().filter(|c| *c != '_').collect();
	if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
		return Err(AmountError::NotAWholeNumber);
	}
	digits.parse().map_err(|_| AmountError::TooLarge)
}

fn keystore_dir(cli_dir: Option<PathBuf>) -> Result<PathBuf, ArgumentError> {
	cli_dir.or_else(Keystore::default_dir).ok_or(ArgumentError::NoKeystoreDirectory)
}

/// A random key name: `account-` and 8 hex digits.
fn random_name() -> String {
	let nanos = std::time::SystemTime::now()
		.duration_since(std::time::UNIX_EPOCH)
		.map(|d| d.as_nanos())
		.unwrap_or_default();
	let seed = polkadot_sdk::sp_io::hashing::blake2_128(&(nanos, std::process::id()).encode());
	format!("account-{}", hex::encode(&seed[..4]))
}

pub(crate) fn format_units(amount: Balance) -> String {
	format!("{}.{:012} TEER", amount / UNIT, amount % UNIT)
}

pub(crate) async fn connect(url: &str) -> Result<ChainClient, ChainError> {
	ChainClient::connect(url)
		.await
		.map_err(|source| ChainError::Unreachable { url: url.to_string(), source })
}

async fn run(cli: Cli) -> Result<(), CliError> {
	// Arguments are checked before the node is contacted.
	let accounts =
		|| keystore_dir(cli.keystore.clone()).map(|dir| Accounts::new(Keystore::new(dir)));
	match cli.command {
		Command::NewAccount { name, show_secret } => {
			let accounts = accounts()?;
			let name = name.unwrap_or_else(random_name);
			let key = accounts.keystore().create(&name)?;
			println!("name:    {}", key.name);
			println!("address: {}", key.account().to_ss58check());
			println!("keystore: {}", accounts.keystore().dir().display());
			if show_secret {
				println!("secret phrase: {}", key.phrase);
			}
		}
		Command::ShieldFunds(args) => {
			trusted::shield_funds(&cli.node_url, &accounts()?, args).await?
		}
		Command::Trusted(args) => trusted::run(&cli.node_url, &accounts()?, args).await?,
		Command::Balance { account: who } => {
			let who = accounts()?.account(&who)?;
			let client = connect(&cli.node_url).await?;
			let data = client
				.account_data(&who)
				.await
				.map_err(|source| ChainError::Read { what: "the account's balance", source })?;
			println!("{} {}", data.free, format_units(data.free));
		}
		Command::Transfer { from, to, amount } => {
			let accounts = accounts()?;
			let from = accounts.signer(&from)?;
			let to = accounts.account(&to)?;
			let client = connect(&cli.node_url).await?;
			let call = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
				dest: to.clone().into(),
				value: amount,
			});
			let included = client
				.submit(&from, call, WaitFor::InBlock)
				.await
				.map_err(|source| ChainError::Transaction { what: "the transfer", source })?;
			println!(
				"transferred {} to {} in block {:?}",
				format_units(amount),
				to.to_ss58check(),
				included.block_hash
			);
		}
		Command::ListWorkers { json } => {
			let client = connect(&cli.node_url).await?;
			let enclaves: Vec<(AccountId, SgxEnclave<Vec<u8>>)> = client
				.runtime_call("TeerexApi_enclaves", &[])
				.await
				.map_err(|source| ChainError::Read { what: "the registered enclaves", source })?;
			// Far more than a development network has; a node answers these
			// reads in pages.
			const MAX_SHARDS: usize = 10_000;
			let shards = integritee_worker_client::shards(&client, &enclaves, MAX_SHARDS)
				.await
				.map_err(integritee_worker_client::Error::from)?;
			print_enclaves(&enclaves, &shards, json);
		}
		Command::Attestation { command } => attestation::run(command)?,
		Command::Benchmark { command: BenchmarkCommand::Ingress(args) } => {
			benchmark::ingress(args)?
		}
		Command::ChainInfo => {
			let client = connect(&cli.node_url).await?;
			let (hash, number) = client
				.finalized_head()
				.await
				.map_err(|source| ChainError::Read { what: "the finalized head", source })?;
			let block: serde_json::Value =
				client.rpc().request("chain_getBlock", rpc_params![hash]).await.map_err(|e| {
					ChainError::Read { what: "the finalized block", source: e.into() }
				})?;
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

fn print_enclaves(
	enclaves: &[(AccountId, SgxEnclave<Vec<u8>>)],
	shards: &[integritee_worker_client::ShardView],
	json: bool,
) {
	let role = |role: integritee_worker_client::ShardRole| match role {
		integritee_worker_client::ShardRole::Serving => "serving",
		integritee_worker_client::ShardRole::Member => "member",
		integritee_worker_client::ShardRole::Standby => "standby",
	};
	if json {
		let shards: Vec<serde_json::Value> = shards
			.iter()
			.map(|view| {
				serde_json::json!({
					"shard": hex::encode(view.shard),
					"shielding_key_hash": view.shielding_key_hash.map(hex::encode),
					"mr_enclave": hex::encode(view.fingerprint),
					"workers": view.workers.iter().map(|(signer, r)| serde_json::json!({
						"signer": signer.to_ss58check(),
						"role": role(*r),
					})).collect::<Vec<_>>(),
				})
			})
			.collect();
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
		println!("{}", serde_json::json!({ "enclaves": list, "shards": shards }));
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
	for view in shards {
		let key = view.shielding_key_hash.map_or_else(|| "not created".into(), hex::encode);
		println!(
			"shard 0x{}  key {}  mrenclave 0x{}",
			hex::encode(view.shard),
			key,
			hex::encode(view.fingerprint)
		);
		for (signer, r) in &view.workers {
			println!("  {}  {}", signer.to_ss58check(), role(*r));
		}
	}
}

#[tokio::main]
async fn main() -> ExitCode {
	// clap exits with 2 on its own usage errors.
	let cli = Cli::parse();
	match run(cli).await {
		Ok(()) => ExitCode::SUCCESS,
		Err(error) => {
			eprintln!("error: {error}");
			if error.is_usage() {
				eprintln!("\nFor more information, try '--help'.");
			}
			ExitCode::from(error.exit_code())
		}
	}
}
