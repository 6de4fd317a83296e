//! The worker's trusted RPC (JSON-RPC 2.0): method names and encodings.
//!
//! Binary values travel as `0x`-prefixed hex of their SCALE encoding.
//!
//! | method | params | result |
//! |---|---|---|
//! | `author_getShieldingKey` | - | hex of the 32-byte shielding public key |
//! | `author_getShard` | - | hex of the shard the worker serves |
//! | `author_getFingerprint` | - | hex of the enclave's MRENCLAVE |
//! | `state_executeGetter` | hex of [`TrustedGetterSigned`](crate::TrustedGetterSigned) | hex of [`GetterAnswer`](crate::getter::GetterAnswer) |
//! | `system_health` | - | [`WorkerHealth`] as JSON |

use serde::{Deserialize, Serialize};

pub const GET_SHIELDING_KEY: &str = "author_getShieldingKey";
pub const GET_SHARD: &str = "author_getShard";
pub const GET_FINGERPRINT: &str = "author_getFingerprint";
pub const EXECUTE_GETTER: &str = "state_executeGetter";
pub const SYSTEM_HEALTH: &str = "system_health";

/// Default port of the worker's trusted RPC.
pub const DEFAULT_TRUSTED_RPC_PORT: u16 = 2000;

/// How the worker is doing, as `system_health` reports it.
#[derive(Serialize, Deserialize, Clone, PartialEq, Eq, Debug)]
#[serde(rename_all = "camelCase")]
pub struct WorkerHealth {
	/// The last parent-chain block the shard's state includes.
	pub last_processed_block: u32,
	/// The parent chain's finalized head as last seen.
	pub parentchain_finalized: u32,
	/// `parentchain_finalized - last_processed_block`.
	pub lag_blocks: u32,
	/// False when the lag exceeds the worker's threshold or a loop is failing.
	pub healthy: bool,
	/// Why the worker is unhealthy, if it is.
	pub problems: Vec<String>,
	/// True when the TEE backend is simulated (no protection against the host).
	pub simulated_tee: bool,
}
