//! IAS: an RA-TLS certificate, or the value of its report extension
//! (`report_json|base64(signature)|base64(signing cert)`), verified to the IAS root.
#![no_main]

use integritee_attestation::{ias, roots::IAS_ROOT_CA_DER, x509::Cert, Verifier};
use integritee_fuzz::IAS_NOW_MS;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
	let _ = Verifier::intel().verify_ias_certificate(data, IAS_NOW_MS);
	if let Ok(root) = Cert::from_der(&IAS_ROOT_CA_DER) {
		let _ = ias::split_report_extension(data);
		let _ = ias::verify_report(data, &root, IAS_NOW_MS);
	}
	if let Ok(text) = core::str::from_utf8(data) {
		let _ = ias::map_quote_status(text);
	}
});
