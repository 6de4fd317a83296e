//! TCB statuses and their combination.

use crate::error::Error;
use codec::{Decode, Encode};
use integritee_primitives::SgxStatus;

/// A TCB status as Intel's collateral names it.
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug)]
pub enum TcbStatus {
	UpToDate,
	SwHardeningNeeded,
	ConfigurationNeeded,
	ConfigurationAndSwHardeningNeeded,
	OutOfDate,
	OutOfDateConfigurationNeeded,
	Revoked,
}

/// Every status with Intel's spelling, for both directions of the mapping.
const INTEL_NAMES: [(TcbStatus, &str); 7] = [
	(TcbStatus::UpToDate, "UpToDate"),
	(TcbStatus::SwHardeningNeeded, "SWHardeningNeeded"),
	(TcbStatus::ConfigurationNeeded, "ConfigurationNeeded"),
	(TcbStatus::ConfigurationAndSwHardeningNeeded, "ConfigurationAndSWHardeningNeeded"),
	(TcbStatus::OutOfDate, "OutOfDate"),
	(TcbStatus::OutOfDateConfigurationNeeded, "OutOfDateConfigurationNeeded"),
	(TcbStatus::Revoked, "Revoked"),
];

impl TcbStatus {
	/// Parses Intel's spelling of an SGX TCB status.
	pub fn from_intel(name: &str) -> Result<Self, Error> {
		INTEL_NAMES
			.iter()
			.find(|(_, intel)| *intel == name)
			.map(|(status, _)| *status)
			.ok_or(Error::UnknownTcbStatus)
	}

	/// Intel's spelling of this status (as in TCB info and QE identity).
	pub fn intel_name(self) -> &'static str {
		INTEL_NAMES.iter().find(|(status, _)| *status == self).map_or("", |(_, name)| name)
	}

	/// Whether a QE identity TCB level may carry this status.
	pub fn valid_for_qe_identity(self) -> bool {
		matches!(
			self,
			Self::UpToDate
				| Self::OutOfDate
				| Self::ConfigurationNeeded
				| Self::OutOfDateConfigurationNeeded
				| Self::Revoked
		)
	}

	/// The platform status adjusted by the quoting enclave's status (Intel's
	/// convergence rule): a revoked QE revokes; an out-of-date QE makes an
	/// up-to-date or SW-hardening-needed platform out of date, and a
	/// configuration-needed platform out-of-date-configuration-needed.
	pub fn converge_with_qe(self, qe: TcbStatus) -> TcbStatus {
		use TcbStatus::*;
		match (qe, self) {
			(Revoked, _) => Revoked,
			(OutOfDate, UpToDate | SwHardeningNeeded) => OutOfDate,
			(OutOfDate, ConfigurationNeeded | ConfigurationAndSwHardeningNeeded) => {
				OutOfDateConfigurationNeeded
			}
			_ => self,
		}
	}
}

impl From<TcbStatus> for SgxStatus {
	fn from(status: TcbStatus) -> Self {
		match status {
			TcbStatus::UpToDate => SgxStatus::UpToDate,
			TcbStatus::SwHardeningNeeded => SgxStatus::SwHardeningNeeded,
			TcbStatus::ConfigurationNeeded => SgxStatus::ConfigurationNeeded,
			TcbStatus::ConfigurationAndSwHardeningNeeded => {
				SgxStatus::ConfigurationAndSwHardeningNeeded
			}
			TcbStatus::OutOfDate => SgxStatus::OutOfDate,
			TcbStatus::OutOfDateConfigurationNeeded => SgxStatus::OutOfDateConfigurationNeeded,
			TcbStatus::Revoked => SgxStatus::Revoked,
		}
	}
}

#[cfg(test)]
mod tests {
	use super::{TcbStatus::*, *};

	const ALL: [TcbStatus; 7] = [
		UpToDate,
		SwHardeningNeeded,
		ConfigurationNeeded,
		ConfigurationAndSwHardeningNeeded,
		OutOfDate,
		OutOfDateConfigurationNeeded,
		Revoked,
	];

	#[test]
	fn up_to_date_qe_keeps_the_platform_status() {
		for platform in ALL {
			assert_eq!(platform.converge_with_qe(UpToDate), platform);
		}
	}

	#[test]
	fn revoked_qe_revokes() {
		for platform in ALL {
			assert_eq!(platform.converge_with_qe(Revoked), Revoked);
		}
	}

	#[test]
	fn out_of_date_qe_downgrades() {
		let expected = [
			OutOfDate,
			OutOfDate,
			OutOfDateConfigurationNeeded,
			OutOfDateConfigurationNeeded,
			OutOfDate,
			OutOfDateConfigurationNeeded,
			Revoked,
		];
		for (platform, want) in ALL.into_iter().zip(expected) {
			assert_eq!(platform.converge_with_qe(OutOfDate), want, "{platform:?}");
		}
	}

	#[test]
	fn parses_intel_names() {
		assert_eq!(TcbStatus::from_intel("SWHardeningNeeded"), Ok(SwHardeningNeeded));
		assert_eq!(
			TcbStatus::from_intel("ConfigurationAndSWHardeningNeeded"),
			Ok(ConfigurationAndSwHardeningNeeded)
		);
		assert_eq!(TcbStatus::from_intel("TDRelaunchAdvised"), Err(Error::UnknownTcbStatus));
		assert_eq!(TcbStatus::from_intel("uptodate"), Err(Error::UnknownTcbStatus));
	}
}
