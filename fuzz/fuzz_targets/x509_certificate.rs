//! Certificates: a PEM chain or a single DER certificate, decoded, inspected
//! and verified to Intel's SGX and IAS roots.
#![no_main]

use integritee_attestation::{
	dcap::PckPlatform,
	ias::OID_NETSCAPE_COMMENT,
	pem,
	roots::{IAS_ROOT_CA_DER, INTEL_SGX_ROOT_CA_DER},
	x509::{self, Cert, LeafKind},
};
use integritee_fuzz::DCAP_NOW_MS;
use libfuzzer_sys::fuzz_target;

fn inspect(cert: &Cert, root: &Cert) {
	let _ = cert.basic_constraints();
	let _ = cert.signature_algorithm();
	let _ = cert.p256_key();
	let _ = cert.extension(&OID_NETSCAPE_COMMENT);
	let _ = cert.check_validity(DCAP_NOW_MS);
	let _ = cert.verify_signed_by(root);
	let _ = PckPlatform::from_certificate(cert);
	let _ = (cert.serial(), cert.issuer_der(), cert.subject_der(), cert.key_hash());
}

fuzz_target!(|data: &[u8]| {
	let (Ok(sgx_root), Ok(ias_root)) =
		(Cert::from_der(&INTEL_SGX_ROOT_CA_DER), Cert::from_der(&IAS_ROOT_CA_DER))
	else {
		return;
	};
	if let Ok(cert) = Cert::from_der(data) {
		inspect(&cert, &sgx_root);
		let _ = x509::verify_chain(&[cert], &ias_root, LeafKind::EndEntity, DCAP_NOW_MS);
	}
	if let Ok(chain) = pem::decode_certificates(data) {
		if let Ok(certs) = x509::decode_all(&chain) {
			for cert in &certs {
				inspect(cert, &sgx_root);
			}
		}
		for kind in [LeafKind::EndEntity, LeafKind::Ca] {
			let _ = x509::verify_der_chain(&chain, &sgx_root, kind, DCAP_NOW_MS);
		}
	}
});
