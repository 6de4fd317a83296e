//! Unix milliseconds to calendar dates (UTC), for certificate times and
//! Intel's JSON date format.

use crate::error::SimError;
#[allow(unused_imports)]
use crate::prelude::*;

/// Milliseconds in one second.
pub const SECOND_MS: u64 = 1000;
/// Milliseconds in 24 hours.
pub const DAY_MS: u64 = 24 * 60 * 60 * SECOND_MS;

/// A UTC calendar time at whole-second precision.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Civil {
	pub year: u64,
	pub month: u64,
	pub day: u64,
	pub hour: u64,
	pub minute: u64,
	pub second: u64,
}

impl Civil {
	/// The calendar time of `unix_ms`, the fraction of a second dropped.
	/// Fails after 9999-12-31T23:59:59Z.
	pub fn from_unix_ms(unix_ms: u64) -> Result<Self, SimError> {
		let seconds = unix_ms / SECOND_MS;
		let mut days = seconds / 86_400;
		let in_day = seconds % 86_400;
		let mut year = 1970u64;
		loop {
			let len = if is_leap(year) { 366 } else { 365 };
			if days < len {
				break;
			}
			days -= len;
			year += 1;
			if year > 9999 {
				return Err(SimError::TimeOutOfRange(unix_ms));
			}
		}
		let mut month = 1u64;
		loop {
			let len = days_in_month(year, month);
			if days < len || month == 12 {
				break;
			}
			days -= len;
			month += 1;
		}
		Ok(Self {
			year,
			month,
			day: days + 1,
			hour: in_day / 3600,
			minute: in_day % 3600 / 60,
			second: in_day % 60,
		})
	}

	/// Intel's collateral format: `YYYY-MM-DDTHH:MM:SSZ`.
	pub fn intel_json(&self) -> String {
		format!(
			"{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
			self.year, self.month, self.day, self.hour, self.minute, self.second
		)
	}
}

/// `YYYY-MM-DDTHH:MM:SSZ` of `unix_ms` (fraction dropped).
pub fn intel_json_date(unix_ms: u64) -> Result<String, SimError> {
	Ok(Civil::from_unix_ms(unix_ms)?.intel_json())
}

fn is_leap(year: u64) -> bool {
	(year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

fn days_in_month(year: u64, month: u64) -> u64 {
	match month {
		4 | 6 | 9 | 11 => 30,
		2 if is_leap(year) => 29,
		2 => 28,
		_ => 31,
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;

	#[test]
	fn formats_intel_dates() {
		assert_eq!(intel_json_date(0).unwrap(), "1970-01-01T00:00:00Z");
		assert_eq!(intel_json_date(1_672_785_933_000).unwrap(), "2023-01-03T22:45:33Z");
		assert_eq!(intel_json_date(1_671_606_747_999).unwrap(), "2022-12-21T07:12:27Z");
		assert_eq!(intel_json_date(1_709_208_000_250).unwrap(), "2024-02-29T12:00:00Z");
		assert_eq!(intel_json_date(2_524_607_999_000).unwrap(), "2049-12-31T23:59:59Z");
		assert!(intel_json_date(u64::MAX).is_err());
	}
}
