//! Dates as Intel writes them, converted to Unix milliseconds. The verifier has
//! no clock: every check compares against a time the caller passes in.

use crate::error::Error;

/// Milliseconds in 24 hours.
pub const DAY_MS: u64 = 24 * 60 * 60 * 1000;

/// Parses `YYYY-MM-DDTHH:MM:SSZ` (UTC, as in Intel's TCB info and QE identity),
/// optionally with a fraction of a second before the `Z`.
pub fn parse_rfc3339_utc_ms(text: &str) -> Result<u64, Error> {
	let core = text.strip_suffix('Z').ok_or(Error::BadDate)?;
	parse_date_time_ms(core)
}

/// Parses an IAS report timestamp `YYYY-MM-DDTHH:MM:SS[.ffffff]` (UTC, no zone)
/// at whole-second precision: the fraction is validated and dropped, so that
/// the report time is the one Intel's report lists to the second.
pub fn parse_ias_timestamp_ms(text: &str) -> Result<u64, Error> {
	let ms = parse_date_time_ms(text)?;
	Ok(ms - ms % 1000)
}

/// `YYYY-MM-DDTHH:MM:SS` with an optional `.digits` fraction (millisecond precision kept).
fn parse_date_time_ms(text: &str) -> Result<u64, Error> {
	let (main, fraction) = match text.split_once('.') {
		Some((main, fraction)) => (main, Some(fraction)),
		None => (text, None),
	};
	let b = main.as_bytes();
	if b.len() != 19
		|| b.get(4) != Some(&b'-')
		|| b.get(7) != Some(&b'-')
		|| b.get(10) != Some(&b'T')
		|| b.get(13) != Some(&b':')
		|| b.get(16) != Some(&b':')
	{
		return Err(Error::BadDate);
	}
	let year = digits(main, 0, 4)?;
	let month = digits(main, 5, 7)?;
	let day = digits(main, 8, 10)?;
	let hour = digits(main, 11, 13)?;
	let minute = digits(main, 14, 16)?;
	let second = digits(main, 17, 19)?;
	if !(1970..=9999).contains(&year)
		|| !(1..=12).contains(&month)
		|| day < 1
		|| day > days_in_month(year, month)
		|| hour > 23
		|| minute > 59
		|| second > 59
	{
		return Err(Error::BadDate);
	}
	let millis = match fraction {
		None => 0,
		Some(f) => {
			if f.is_empty() || f.len() > 9 || !f.bytes().all(|c| c.is_ascii_digit()) {
				return Err(Error::BadDate);
			}
			let mut ms = 0u64;
			for (i, c) in f.bytes().take(3).enumerate() {
				let scale = [100u64, 10, 1].get(i).copied().unwrap_or(0);
				ms += u64::from(c - b'0') * scale;
			}
			ms
		}
	};
	let days = days_from_civil(year, month, day);
	let seconds = days * 86_400 + hour * 3600 + minute * 60 + second;
	Ok(seconds * 1000 + millis)
}

fn digits(text: &str, from: usize, to: usize) -> Result<u64, Error> {
	let part = text.get(from..to).ok_or(Error::BadDate)?;
	if !part.bytes().all(|c| c.is_ascii_digit()) {
		return Err(Error::BadDate);
	}
	part.parse::<u64>().map_err(|_| Error::BadDate)
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

/// Days since 1970-01-01 of a valid date with year >= 1970.
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
	let mut days = 0u64;
	for y in 1970..year {
		days += if is_leap(y) { 366 } else { 365 };
	}
	for m in 1..month {
		days += days_in_month(year, m);
	}
	days + day - 1
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn parses_intel_dates() {
		assert_eq!(parse_rfc3339_utc_ms("1970-01-01T00:00:00Z"), Ok(0));
		// The QE identity's nextUpdate of the test data.
		assert_eq!(parse_rfc3339_utc_ms("2023-01-03T22:45:33Z"), Ok(1_672_785_933_000));
		assert_eq!(parse_rfc3339_utc_ms("2022-12-21T07:12:27Z"), Ok(1_671_606_747_000));
		assert_eq!(parse_rfc3339_utc_ms("2024-02-29T12:00:00.250Z"), Ok(1_709_208_000_250));
	}

	#[test]
	fn ias_timestamps_drop_the_fraction() {
		assert_eq!(parse_ias_timestamp_ms("2020-04-26T11:16:25.349850"), Ok(1_587_899_785_000));
		assert_eq!(parse_ias_timestamp_ms("2020-04-26T11:27:30.948397"), Ok(1_587_900_450_000));
		assert_eq!(parse_ias_timestamp_ms("2020-04-26T11:27:30"), Ok(1_587_900_450_000));
	}

	#[test]
	fn rejects_malformed_dates() {
		for bad in [
			"2023-01-03T22:45:33",
			"2023-01-03 22:45:33Z",
			"2023-02-29T00:00:00Z",
			"2023-13-01T00:00:00Z",
			"2023-01-03T24:00:00Z",
			"1969-12-31T23:59:59Z",
			"2023-01-03T22:45:33.Z",
			"2023-01-03T22:45:3xZ",
			"+023-01-03T22:45:33Z",
		] {
			assert_eq!(parse_rfc3339_utc_ms(bad), Err(Error::BadDate), "{bad}");
		}
	}
}
