//! A DCAP quote: parsing, then full verification against the real collateral.
#![no_main]

use integritee_attestation::{dcap::Quote, Verifier};
use integritee_fuzz::{lookup, DCAP_NOW_MS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
	if let Ok(quote) = Quote::parse(data) {
		let _ = quote.check_supported();
	}
	let _ = Verifier::intel().verify_dcap_quote(data, &lookup, DCAP_NOW_MS);
});
