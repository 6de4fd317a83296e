//! `integritee-node`: the parent chain of the system, a Substrate node.
//!
//! This binary only wires things together: the command line (`cli`), the
//! chain specs (`chain_spec`), the service (`service`: Aura authoring, GRANDPA
//! finality, networking, ParityDB) and the RPC extensions (`rpc`).
#![forbid(unsafe_code)]
// sc-cli and sc-service fix the error types of the runner and service APIs.
#![allow(clippy::result_large_err)]

mod chain_spec;
mod cli;
mod command;
mod rpc;
mod service;

fn main() -> polkadot_sdk::sc_cli::Result<()> {
	command::run()
}
