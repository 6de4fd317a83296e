//! DCAP: SGX ECDSA quotes (v3) and Intel's collateral for them.

pub mod collateral;
pub mod pck;
pub mod quote;
pub mod tcb;
pub mod verify;

pub use collateral::{QeIdentity, StoredCollateral, TcbInfo};
pub use pck::PckPlatform;
pub use quote::Quote;
pub use tcb::TcbStatus;
pub use verify::{
	appraise, check_quote, claimed_fmspc, CheckedQuote, DcapCollateral, DcapVerified,
};
