//! The core's own tables in the shard's database file, beside the STF's
//! (`integritee_stf::STF_TABLES`): the light client, the verified
//! parent-chain inputs waiting for a sidechain block, and the committed
//! sidechain blocks. One file, so that an import (light client + queued
//! inputs) and a block (state change + block + consumed inputs) are each
//! one transaction: after a crash at any point no verified input is lost or
//! queued twice.
//!
//! Light client and queue entries are sealed (the host must neither read
//! the calls nor move an entry to another place: each names its own block
//! number inside the seal). Blocks are stored as they travel between
//! members: header and body, whose state diff is encrypted with the state
//! key.

use std::sync::Arc;

use codec::{Decode, Encode};
use integritee_light_client::LightClient;
use integritee_sidechain_primitives::{SidechainHeader, SignedSidechainBlock};
use integritee_stf::{StfInput, VerifiedCall};
use integritee_stf_primitives::{
	AccountId, Balance, MrEnclave, ShardIdentifier, TrustedCallSigned,
};
use polkadot_sdk::sp_core::H256;
use redb::{ReadableDatabase, ReadableTableMetadata, TableDefinition};

use crate::{sealing::SealingKey, Error};

const LIGHT_CLIENT: TableDefinition<&str, &[u8]> = TableDefinition::new("light_client");
const INPUT_QUEUE: TableDefinition<u32, &[u8]> = TableDefinition::new("parentchain_inputs");
const BLOCKS: TableDefinition<u64, &[u8]> = TableDefinition::new("sidechain_blocks");

const LIGHT_CLIENT_KEY: &str = "state";
const LIGHT_CLIENT_PURPOSE: &str = "integritee light client v2";
const QUEUE_PURPOSE: &str = "integritee parent-chain inputs v1";

/// One verified parent-chain block's inputs for the shard, waiting for a
/// sidechain block.
#[derive(Encode, Decode, Clone, Debug)]
pub(crate) struct QueuedBlock {
	pub number: u32,
	pub hash: H256,
	pub inputs: Vec<QueuedInput>,
	/// The vault's balance (free + reserved) at this block: the invariant
	/// once the state includes it.
	pub vault: Balance,
}

/// A queued input. Calls were checked at the door: a verified call's
/// signature is not checked again; an unverified one stays in the queue so
/// that the block records its rejection.
#[derive(Encode, Decode, Clone, Debug)]
pub(crate) enum QueuedInput {
	VerifiedCall(TrustedCallSigned),
	UnverifiedCall(TrustedCallSigned),
	Shield { id: H256, beneficiary: AccountId, amount: Balance },
	UnshieldPaid { call_hash: H256 },
	Confirmed { up_to: u32 },
}

impl QueuedInput {
	/// Checks a call's signature (outside any state lock, once).
	pub fn check(input: StfInput, mr_enclave: &MrEnclave, shard: &ShardIdentifier) -> Self {
		match input {
			StfInput::Call(call) => match VerifiedCall::verify(call, mr_enclave, shard) {
				Ok(verified) => Self::VerifiedCall(verified.into_inner()),
				Err(call) => Self::UnverifiedCall(*call),
			},
			StfInput::VerifiedCall(call) => Self::VerifiedCall(call.into_inner()),
			StfInput::Shield { id, beneficiary, amount } => {
				Self::Shield { id, beneficiary, amount }
			}
			StfInput::UnshieldPaid { call_hash } => Self::UnshieldPaid { call_hash },
			StfInput::Confirmed { up_to } => Self::Confirmed { up_to },
		}
	}

	pub fn into_input(self) -> StfInput {
		match self {
			// Only calls that passed `VerifiedCall::verify` are queued as
			// verified, and the queue is sealed.
			Self::VerifiedCall(call) => {
				StfInput::VerifiedCall(VerifiedCall::from_sealed_storage(call))
			}
			Self::UnverifiedCall(call) => StfInput::Call(call),
			Self::Shield { id, beneficiary, amount } => {
				StfInput::Shield { id, beneficiary, amount }
			}
			Self::UnshieldPaid { call_hash } => StfInput::UnshieldPaid { call_hash },
			Self::Confirmed { up_to } => StfInput::Confirmed { up_to },
		}
	}
}

fn db_err(e: impl Into<redb::Error>) -> Error {
	Error::Storage(e.into().to_string())
}

/// The core's tables in one shard database.
pub(crate) struct CoreTables {
	db: Arc<redb::Database>,
}

impl CoreTables {
	pub fn new(db: Arc<redb::Database>) -> Result<Self, Error> {
		let txn = db.begin_write().map_err(db_err)?;
		txn.open_table(LIGHT_CLIENT).map_err(db_err)?;
		txn.open_table(INPUT_QUEUE).map_err(db_err)?;
		txn.open_table(BLOCKS).map_err(db_err)?;
		txn.commit().map_err(db_err)?;
		Ok(Self { db })
	}

	/// The sealed light client, if one was stored.
	pub fn light_client(&self, sealing: &SealingKey) -> Result<Option<LightClient>, Error> {
		let txn = self.db.begin_read().map_err(db_err)?;
		let table = txn.open_table(LIGHT_CLIENT).map_err(db_err)?;
		let Some(sealed) = table.get(LIGHT_CLIENT_KEY).map_err(db_err)? else {
			return Ok(None);
		};
		let bytes = sealing.unseal(LIGHT_CLIENT_PURPOSE, sealed.value())?;
		LightClient::decode(&mut &bytes[..])
			.map(Some)
			.map_err(|_| Error::Sealing("the sealed light client does not decode".into()))
	}

	/// Stores the light client and queues `blocks` in one durable
	/// transaction.
	pub fn store_import(
		&self,
		sealing: &SealingKey,
		light_client: &LightClient,
		blocks: &[QueuedBlock],
	) -> Result<(), Error> {
		let sealed_light_client = sealing.seal(LIGHT_CLIENT_PURPOSE, &light_client.encode())?;
		let sealed_blocks = blocks
			.iter()
			.map(|b| Ok((b.number, sealing.seal(QUEUE_PURPOSE, &b.encode())?)))
			.collect::<Result<Vec<_>, Error>>()?;
		let txn = self.db.begin_write().map_err(db_err)?;
		{
			let mut table = txn.open_table(LIGHT_CLIENT).map_err(db_err)?;
			table.insert(LIGHT_CLIENT_KEY, sealed_light_client.as_slice()).map_err(db_err)?;
			let mut queue = txn.open_table(INPUT_QUEUE).map_err(db_err)?;
			for (number, sealed) in &sealed_blocks {
				queue.insert(*number, sealed.as_slice()).map_err(db_err)?;
			}
		}
		txn.commit().map_err(db_err)
	}

	/// Queued blocks from `first` on, in order, as many as fit in
	/// `max_inputs` inputs (at least one block). A queue entry that is
	/// missing before the last queued one, out of place, or does not open
	/// is an error: the queue was tampered with.
	pub fn queued_from(
		&self,
		sealing: &SealingKey,
		first: u32,
		max_inputs: usize,
	) -> Result<Vec<QueuedBlock>, Error> {
		let txn = self.db.begin_read().map_err(db_err)?;
		let table = txn.open_table(INPUT_QUEUE).map_err(db_err)?;
		let mut blocks: Vec<QueuedBlock> = Vec::new();
		let mut inputs = 0usize;
		let mut expected = first;
		for entry in table.range(first..).map_err(db_err)? {
			let (number, sealed) = entry.map_err(db_err)?;
			let tampered =
				|what: &str| Error::QueueTampered { number: number.value(), what: what.into() };
			if number.value() != expected {
				return Err(Error::QueueTampered {
					number: expected,
					what: "missing while later blocks are queued".into(),
				});
			}
			let plain = sealing
				.unseal(QUEUE_PURPOSE, sealed.value())
				.map_err(|_| tampered("does not open"))?;
			let block =
				QueuedBlock::decode(&mut &plain[..]).map_err(|_| tampered("does not decode"))?;
			if block.number != expected {
				return Err(tampered("names another block"));
			}
			if !blocks.is_empty() && inputs + block.inputs.len() > max_inputs {
				break;
			}
			inputs += block.inputs.len();
			blocks.push(block);
			expected = expected.saturating_add(1);
		}
		Ok(blocks)
	}

	/// The number of queued parent blocks.
	pub fn queued_blocks(&self) -> Result<u64, Error> {
		let txn = self.db.begin_read().map_err(db_err)?;
		let table = txn.open_table(INPUT_QUEUE).map_err(db_err)?;
		table.len().map_err(db_err)
	}

	/// The committed block `number`.
	pub fn block(&self, number: u64) -> Result<Option<SignedSidechainBlock>, Error> {
		let txn = self.db.begin_read().map_err(db_err)?;
		let table = txn.open_table(BLOCKS).map_err(db_err)?;
		let Some(bytes) = table.get(number).map_err(db_err)? else { return Ok(None) };
		SignedSidechainBlock::decode(&mut bytes.value()).map(Some).map_err(|_| {
			Error::Storage(format!("stored sidechain block #{number} does not decode"))
		})
	}

	/// The header of the stored block `number`, if one is stored and its
	/// header decodes (the header comes first in a stored block: the body,
	/// with its state diff, is not decoded). Unauthenticated: see
	/// [`crate::chain`].
	pub fn stored_header(&self, number: u64) -> Result<Option<SidechainHeader>, Error> {
		let txn = self.db.begin_read().map_err(db_err)?;
		let table = txn.open_table(BLOCKS).map_err(db_err)?;
		let Some(bytes) = table.get(number).map_err(db_err)? else { return Ok(None) };
		Ok(SidechainHeader::decode(&mut bytes.value()).ok())
	}

	/// The records a committed block adds to the STF's transaction: the
	/// block itself, and the removal of the queued parent blocks up to its
	/// anchor.
	pub fn block_records(
		block: &SignedSidechainBlock,
	) -> impl FnOnce(&redb::WriteTransaction) -> Result<(), integritee_stf::Error> + '_ {
		move |txn| {
			let err = |e: redb::Error| integritee_stf::Error::CallerRecords(e.to_string());
			let mut blocks = txn.open_table(BLOCKS).map_err(|e| err(e.into()))?;
			blocks
				.insert(block.header.number, block.encode().as_slice())
				.map_err(|e| err(e.into()))?;
			let mut queue = txn.open_table(INPUT_QUEUE).map_err(|e| err(e.into()))?;
			let up_to = block.header.parentchain_anchor.0;
			queue.retain_in(..=up_to, |_, _| false).map_err(|e| err(e.into()))?;
			Ok(())
		}
	}
}
