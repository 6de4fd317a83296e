//! Parent-chain light client of the worker's trusted core.
//!
//! **Owns** the verification of everything the worker believes about the
//! parent chain:
//! - **finality**: GRANDPA justifications checked against the authority set
//!   (from a trusted [`Checkpoint`], then followed through the scheduled
//!   changes announced in header digests) — [`LightClient::import_finalized`];
//! - **ancestry**: every imported header links to the last finalized one by
//!   parent hash and number;
//! - **bodies**: a block's extrinsics match its header's extrinsics root —
//!   [`verify_extrinsics_root`];
//! - **storage**: values (e.g. `System::Events`) proven against a header's state
//!   root — [`read_proof`].
//!
//! **Must not touch**: I/O, RPC, disk, clocks, keys or state execution. The
//! untrusted host fetches headers, justifications, bodies and proofs and
//! hands them in as bytes; persisting the (SCALE-encoded) [`LightClient`] is the
//! caller's business. Everything here is a pure function of its inputs; a
//! refusal is an [`Error`] and leaves the state unchanged.
//!
//! Limits (deliberate): forced authority set changes are refused
//! ([`Error::ForcedChange`]) — after one, the light client needs a new trusted
//! checkpoint; a chunk may not cross the enactment of a scheduled change
//! ([`Error::ChunkCrossesSetChange`]).
#![forbid(unsafe_code)]

mod ancestry;
mod authority;
mod body;
mod client;
mod error;
mod justification;
mod storage;
#[cfg(any(test, feature = "test-utils"))]
pub mod testing;

use codec::{Decode, Encode};
use polkadot_sdk::{sp_consensus_grandpa, sp_runtime};

pub use authority::PendingChange;
pub use body::{extrinsics_root, verify_extrinsics_root};
pub use client::LightClient;
pub use error::Error;
pub use polkadot_sdk::sp_core::H256;
pub use sp_runtime::traits::BlakeTwo256;
pub use storage::read_proof;

/// The parent chain's header (equal to `integritee_runtime::Header`).
pub type Header = sp_runtime::generic::Header<u32, BlakeTwo256>;

/// The SCALE-encoded justification format: what the node returns in
/// `chain_getBlock`'s `justifications` under engine id `*b"FRNK"`.
pub type GrandpaJustification = sp_consensus_grandpa::GrandpaJustification<Header>;

/// A GRANDPA authority set: the voters whose precommits finalize blocks.
#[derive(Encode, Decode, Clone, Debug, PartialEq)]
pub struct AuthoritySet {
	/// Incremented by every enacted change; part of every signed message.
	pub set_id: u64,
	/// Authorities with their voting weights.
	pub authorities: sp_consensus_grandpa::AuthorityList,
}

/// A trusted starting point: genesis (set id 0, authorities from the
/// `GrandpaApi_grandpa_authorities` runtime call at genesis) or a later
/// finalized header with the authority set that finalizes its descendants.
///
/// The checkpoint must have no scheduled change pending past it (genesis; or a
/// block at which every announced change is enacted): changes announced at
/// or before the checkpoint are not seen by the light client.
#[derive(Encode, Decode, Clone, Debug)]
pub struct Checkpoint {
	pub header: Header,
	pub authority_set: AuthoritySet,
}

#[cfg(test)]
mod tests;
