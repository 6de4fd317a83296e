//! Command-line interface: Substrate's standard node options and subcommands.

use polkadot_sdk::sc_cli;

#[derive(Debug, clap::Parser)]
#[command(
	about = "Integritee parent chain: a Substrate node (Aura + GRANDPA) keeping the registry of \
	         attested TEE enclaves.",
	long_about = "Integritee parent chain: a Substrate node (Aura block production, GRANDPA \
	              finality, ParityDB) with the Teerex, EnclaveBridge and Sidechain pallets.\n\n\
	              Quick start: `integritee-node --dev` runs a one-validator chain (Alice) with \
	              RPC on ws://127.0.0.1:9944. `--chain local --alice|--bob|--charlie` runs one \
	              validator of the three-validator local network.",
	propagate_version = true,
	args_conflicts_with_subcommands = true,
	subcommand_negates_reqs = true
)]
pub struct Cli {
	#[command(subcommand)]
	pub subcommand: Option<Subcommand>,

	#[clap(flatten)]
	pub run: sc_cli::RunCmd,
}

#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Subcommand {
	/// Key management (generate, inspect, insert keys).
	#[command(subcommand)]
	Key(sc_cli::KeySubcommand),

	/// Print the chain spec as JSON (`--raw` for the storage form).
	BuildSpec(sc_cli::BuildSpecCmd),

	/// Check that a block imports and executes.
	CheckBlock(sc_cli::CheckBlockCmd),

	/// Export blocks to a file.
	ExportBlocks(sc_cli::ExportBlocksCmd),

	/// Export the state at a block as a chain spec.
	ExportState(sc_cli::ExportStateCmd),

	/// Import blocks from a file.
	ImportBlocks(sc_cli::ImportBlocksCmd),

	/// Remove the whole chain database.
	PurgeChain(sc_cli::PurgeChainCmd),

	/// Revert the chain to a previous state.
	Revert(sc_cli::RevertCmd),

	/// Show information about the chain database.
	ChainInfo(sc_cli::ChainInfoCmd),

	/// Benchmark the runtime's pallets (`benchmark pallet`); only in a node
	/// built with `--features runtime-benchmarks`, which
	/// `scripts/benchmark-pallets.sh` builds and runs.
	#[cfg(feature = "runtime-benchmarks")]
	#[command(subcommand)]
	Benchmark(polkadot_sdk::frame_benchmarking_cli::BenchmarkCmd),
}
