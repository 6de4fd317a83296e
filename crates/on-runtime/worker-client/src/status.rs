//! The statuses of a watched direct call, checked before the caller sees
//! them: the worker's host relays statuses and could make them up, so
//!
//! - `inSidechainBlock` must carry the block's header, signed by the
//!   enclave for this shard, and a Merkle proof that the call came to the
//!   stated outcome among the block's calls ([`check_in_block`]);
//! - `finalized` must name an anchor that the parent chain itself holds in
//!   its state at the named (finalized) parent block, and headers that
//!   link the call's block to that anchor by parent hashes
//!   ([`check_link_to_anchor`], then a read of the chain).
//!
//! Statuses before the block (`submitted`, `ready`, `future`) and refusals
//! (`invalid`, `dropped`) are the host's word: they promise nothing.

use std::{
	collections::VecDeque,
	sync::{Arc, Mutex},
};

use codec::Decode;
use integritee_chain_client::ChainClient;
use integritee_primitives::SidechainBlockConfirmation;
use integritee_runtime::Runtime;
use integritee_sidechain_primitives::{check_link, IncludedCall, SidechainHeader};
use integritee_stf_primitives::{direct::CallStatus, ShardIdentifier};
use jsonrpsee::core::client::Subscription;
use polkadot_sdk::sp_core::{ed25519, H256};

use crate::{
	check::check_sidechain_header,
	error::{CheckError, ConnectError, Error, RpcError},
};

/// Signed headers already verified on a connection: a block's watches
/// share its header, whose signature is checked once.
#[derive(Clone, Default)]
pub(crate) struct VerifiedHeaders(Arc<Mutex<VecDeque<(H256, ed25519::Signature)>>>);

/// Headers remembered as verified (a few blocks' worth).
const VERIFIED_HEADERS_KEPT: usize = 64;

impl VerifiedHeaders {
	fn check(
		&self,
		header: &SidechainHeader,
		signature: &ed25519::Signature,
		shard: &ShardIdentifier,
		signer: &ed25519::Public,
	) -> Result<(), CheckError> {
		let hash = header.hash();
		let seen = |verified: &VecDeque<(H256, ed25519::Signature)>| {
			verified.iter().any(|(h, s)| *h == hash && s == signature)
		};
		// Shard and author are compared every time; only the signature's
		// verification is saved.
		if header.shard == *shard && header.author == *signer && seen(&self.lock()) {
			return Ok(());
		}
		check_sidechain_header(header, signature, shard, signer)?;
		let mut verified = self.lock();
		if verified.len() >= VERIFIED_HEADERS_KEPT {
			verified.pop_front();
		}
		verified.push_back((hash, *signature));
		Ok(())
	}

	fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<(H256, ed25519::Signature)>> {
		self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
	}
}

/// Checks an `inSidechainBlock` status of call `call`: its proof decodes,
/// its header is signed by `signer` for `shard` and is the block the
/// status names, and the call came to the stated outcome in it.
pub fn check_in_block(
	status: &CallStatus,
	call: H256,
	shard: &ShardIdentifier,
	signer: &ed25519::Public,
) -> Result<(), CheckError> {
	check_in_block_with(status, call, shard, signer, &VerifiedHeaders::default())
}

fn check_in_block_with(
	status: &CallStatus,
	call: H256,
	shard: &ShardIdentifier,
	signer: &ed25519::Public,
	verified: &VerifiedHeaders,
) -> Result<(), CheckError> {
	let CallStatus::InSidechainBlock { hash, number, outcome, proof } = status else {
		return Ok(());
	};
	let included = IncludedCall::decode(&mut &proof.0[..])
		.map_err(|_| CheckError::StatusProofUndecodable { status: "inSidechainBlock" })?;
	verified.check(&included.header, &included.signature, shard, signer)?;
	included
		.proves(*number, *hash, call, outcome.recorded())
		.map_err(|reason| CheckError::StatusProof { call, reason })
}

/// Checks the link of a `finalized` status: its headers lead from the
/// call's block `included` to the anchored block it names. Whether the
/// parent chain anchored that block is [`CallWatch::next`]'s read.
pub fn check_link_to_anchor(
	status: &CallStatus,
	call: H256,
	included: Option<(u64, H256)>,
) -> Result<(), CheckError> {
	let CallStatus::Finalized { anchored_number, anchored_hash, link, .. } = status else {
		return Ok(());
	};
	let included = included.ok_or(CheckError::FinalizedBeforeInBlock { call })?;
	let headers = Vec::<SidechainHeader>::decode(&mut &link.0[..])
		.map_err(|_| CheckError::StatusProofUndecodable { status: "finalized" })?;
	check_link(included, &headers, (*anchored_number, *anchored_hash))
		.map_err(|reason| CheckError::StatusProof { call, reason })
}

/// Checks on the parent chain that, in its state at `parent_block` (a
/// finalized block), the shard's anchored sidechain block is `anchored`.
pub async fn check_anchor_on_chain(
	chain: &ChainClient,
	shard: &ShardIdentifier,
	parent_block: u32,
	anchored: (u64, H256),
) -> Result<(), Error> {
	let chain_error = |what| move |source| ConnectError::Chain { what, source };
	let (_, finalized) = chain.finalized_head().await.map_err(chain_error("the finalized head"))?;
	if parent_block > finalized {
		return Err(CheckError::AnchorNotFinalized { parent_block, finalized }.into());
	}
	let Some(at) =
		chain.block_hash(parent_block).await.map_err(chain_error("a parent block's hash"))?
	else {
		return Err(CheckError::AnchorNotFinalized { parent_block, finalized }.into());
	};
	let key = pallet_sidechain::LatestSidechainBlockConfirmation::<Runtime>::hashed_key_for(shard);
	let on_chain = chain
		.storage::<SidechainBlockConfirmation>(&key, Some(at))
		.await
		.map_err(chain_error("the shard's anchored sidechain block"))?
		.map(|c| (c.block_number, c.block_header_hash));
	if on_chain != Some(anchored) {
		return Err(CheckError::AnchorNotOnChain {
			parent_block,
			claimed_number: anchored.0,
			claimed_hash: anchored.1,
			on_chain,
		}
		.into());
	}
	Ok(())
}

/// The statuses of a submitted direct call, each checked (see the module
/// documentation) before it is returned.
pub struct CallWatch {
	pub(crate) statuses: Subscription<CallStatus>,
	pub(crate) url: String,
	pub(crate) hash: H256,
	pub(crate) shard: ShardIdentifier,
	pub(crate) signer: ed25519::Public,
	pub(crate) verified: VerifiedHeaders,
	/// The call's block, once an `inSidechainBlock` status proved it.
	pub(crate) included: Option<(u64, H256)>,
}

impl CallWatch {
	/// The hash of the watched call.
	pub fn call_hash(&self) -> H256 {
		self.hash
	}

	/// The next status, checked; `Ok(None)` once the worker ended the
	/// watch (after a final status, or when the connection closed). A
	/// `finalized` status is checked against `chain`; a status that fails a
	/// check is an error ([`CheckError`]) and ends the watch's use.
	pub async fn next(&mut self, chain: &ChainClient) -> Result<Option<CallStatus>, Error> {
		let status = match self.statuses.next().await {
			None => return Ok(None),
			Some(Ok(status)) => status,
			Some(Err(source)) => {
				return Err(RpcError::BadStatus { url: self.url.clone(), source }.into())
			}
		};
		match &status {
			CallStatus::InSidechainBlock { hash, number, .. } => {
				check_in_block_with(&status, self.hash, &self.shard, &self.signer, &self.verified)?;
				self.included = Some((*number, *hash));
			}
			CallStatus::Finalized { parent_block, anchored_number, anchored_hash, .. } => {
				check_link_to_anchor(&status, self.hash, self.included)?;
				check_anchor_on_chain(
					chain,
					&self.shard,
					*parent_block,
					(*anchored_number, *anchored_hash),
				)
				.await?;
			}
			_ => {}
		}
		Ok(Some(status))
	}
}
