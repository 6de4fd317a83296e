//! `integritee-worker`: one enclave instance serving one shard. The host's
//! logic lives in the library (`integritee_worker`); this binary parses the
//! arguments, sets up logging and the async runtime, and runs it.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;
use integritee_worker::Args;

fn main() -> ExitCode {
	let args = Args::parse();
	tracing_subscriber::fmt()
		.with_env_filter(
			tracing_subscriber::EnvFilter::try_from_default_env()
				.unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
		)
		.with_writer(std::io::stderr)
		.init();
	let runtime = match tokio::runtime::Runtime::new() {
		Ok(runtime) => runtime,
		Err(e) => {
			log::error!("cannot start the async runtime: {e}");
			return ExitCode::FAILURE;
		}
	};
	let outcome = match args.command {
		Some(integritee_worker::args::WorkerCommand::Leave) => {
			runtime.block_on(integritee_worker::leave::leave(&args)).map_err(|e| e.to_string())
		}
		None => runtime.block_on(integritee_worker::run(args)).map_err(|e| e.to_string()),
	};
	match outcome {
		Ok(()) => ExitCode::SUCCESS,
		Err(e) => {
			log::error!("{e}");
			ExitCode::FAILURE
		}
	}
}
