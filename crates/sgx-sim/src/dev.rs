//! The development platform: the one simulated SGX platform whose root CA
//! `integritee-node --dev` pins at genesis, with collateral valid for years,
//! and that workers simulate on the development chain.
//!
//! The seed is public, so ANYONE can forge quotes that the development chain
//! accepts. That is the point of a development chain; never pin this root on a
//! chain of value.

#[allow(unused_imports)]
use crate::prelude::*;
use crate::{SimCollateral, SimError, SimulatedPlatform};

/// The public seed of the development platform.
pub const DEV_PLATFORM_SEED: [u8; 32] = *b"integritee-dev-sgx-platform-seed";

/// When the development collateral is issued: 2025-01-01T00:00:00Z. Fixed, so
/// that the development chain spec (and its genesis hash) is the same on every
/// machine and every run.
pub const DEV_COLLATERAL_ISSUED_AT_MS: u64 = 1_735_689_600_000;

/// How long the development collateral stays valid: 20 years of 365 days
/// (until 2044-12-27), inside the platform certificates' validity (to 2049).
pub const DEV_COLLATERAL_VALIDITY_MS: u64 = 20 * 365 * 24 * 60 * 60 * 1000;

/// The development platform with the default (UpToDate) configuration.
pub fn dev_platform() -> SimulatedPlatform {
	SimulatedPlatform::from_seed(DEV_PLATFORM_SEED)
}

/// The development platform's collateral, issued at
/// [`DEV_COLLATERAL_ISSUED_AT_MS`].
pub fn dev_collateral() -> Result<SimCollateral, SimError> {
	dev_platform().collateral(DEV_COLLATERAL_ISSUED_AT_MS, DEV_COLLATERAL_VALIDITY_MS)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn development_collateral_is_deterministic_and_long_lived() {
		let (a, b) = (dev_collateral(), dev_collateral());
		let (a, b) = (a.expect("collateral"), b.expect("collateral"));
		assert_eq!(a.tcb_info_json, b.tcb_info_json);
		assert_eq!(a.qe_identity_json, b.qe_identity_json);
		assert_eq!(a.issued_at_ms, DEV_COLLATERAL_ISSUED_AT_MS);
		assert_eq!(a.next_update_ms, DEV_COLLATERAL_ISSUED_AT_MS + DEV_COLLATERAL_VALIDITY_MS);
		assert_eq!(dev_platform().dev_root_ca_der(), dev_platform().dev_root_ca_der());
	}
}
