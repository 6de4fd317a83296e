//! What clients and the worker's trusted core agree on.
//!
//! - [`call`]: trusted calls (`balance_transfer`, `balance_unshield`), signed by
//!   the user over the call, the nonce, the enclave's MRENCLAVE and the shard.
//! - [`direct`]: direct calls (encrypted, sent to the worker's RPC) and the
//!   statuses their watchers receive.
//! - [`getter`]: private getters (account info, next nonce, pending calls),
//!   signed by the account owner together with the answer key and
//!   `min_block`, and the enclave-signed answers.
//! - [`outcome`]: what a call came to, from the STF to the client (stable
//!   SCALE indices: part of the sidechain block format).
//! - [`shielding`]: HPKE (RFC 9180) encryption to a shard's shielding key, as
//!   used by `EnclaveBridge::invoke`, `EnclaveBridge::shield_funds`, direct
//!   calls and getters, one HPKE `info` per [`shielding::Purpose`].
//! - [`rpc`]: method names and answer types of the worker's trusted RPC.
//! - [`request`]: exact, depth-limited decoding of what clients send.
//!
//! This crate holds types and pure functions only; it owns no keys and
//! touches no storage.
#![forbid(unsafe_code)]

pub mod call;
pub mod direct;
pub mod getter;
pub mod outcome;
pub mod request;
pub mod rpc;
pub mod shielding;

pub use call::{TrustedCall, TrustedCallSigned};
pub use getter::{AccountInfoView, TrustedGetter, TrustedGetterSigned};

use polkadot_sdk::sp_core::H256;

/// Accounts of the confidential state: the parent chain's account format.
pub type AccountId = polkadot_sdk::sp_runtime::AccountId32;
/// Balances of the confidential state: the parent chain's balance type.
pub type Balance = u128;
/// Nonce of an account in the confidential state.
pub type Nonce = u32;
/// A shard's identifier.
pub type ShardIdentifier = H256;
/// An enclave's code measurement.
pub type MrEnclave = [u8; 32];
