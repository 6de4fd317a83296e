//! Certificate revocation lists (Intel's PCK CRL and Root CA CRL).
//!
//! A CRL is verified once, when it is registered, against the issuer chain it
//! is submitted with; what is kept of it is a [`CrlRecord`]. A record *applies*
//! to a certificate only if the certificate's issuer name equals the CRL's
//! issuer and the certificate's issuer key is the key that signed the CRL. A
//! CRL of another CA (for example the PCK Platform CA's CRL while the quote's
//! leaf is issued by the PCK Processor CA) therefore never applies to that
//! certificate: it neither revokes it nor vouches for it.

use crate::{
	asn1,
	error::Error,
	x509::{self, Cert, PathLink, SignatureAlgorithm},
};
use alloc::vec::Vec;
use codec::{Decode, Encode};
use der::{Decode as _, Encode as _};
use x509_cert::crl::CertificateList;

/// What revocation checking demands of the available CRLs (the registry's
/// type, so that chain configuration and verifier speak the same language).
pub use integritee_primitives::RevocationPolicy;

/// A verified CRL, in the verifier's stored form.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct CrlRecord {
	/// DER of the issuer name.
	pub issuer_der: Vec<u8>,
	/// SHA-256 of the SubjectPublicKeyInfo of the key that signed the CRL.
	pub signer_key_hash: [u8; 32],
	pub this_update_ms: u64,
	pub next_update_ms: u64,
	/// DER INTEGER contents of the revoked serial numbers.
	pub revoked_serials: Vec<Vec<u8>>,
}

impl CrlRecord {
	/// Whether this CRL speaks about the certificate of `link`.
	pub fn applies_to(&self, link: &PathLink) -> bool {
		self.issuer_der == link.issuer_der && self.signer_key_hash == link.issuer_key_hash
	}
}

/// Accepts a CRL as raw DER or as hex text of DER (surrounding whitespace allowed).
pub fn crl_der_from_body(body: &[u8]) -> Result<Vec<u8>, Error> {
	if body.first() == Some(&asn1::TAG_SEQUENCE) {
		return Ok(body.to_vec());
	}
	let text = body.trim_ascii();
	hex::decode(text).map_err(|_| Error::BadEncoding("CRL hex"))
}

/// Decodes `der` and verifies its signature by `signer`, whose subject must be
/// the CRL's issuer. Does not check times: see [`check_crl_time`].
pub fn verify_crl(der: &[u8], signer: &Cert) -> Result<CrlRecord, Error> {
	let tbs = asn1::signed_part(der)?;
	let crl = CertificateList::<x509_cert::certificate::Rfc5280>::from_der(der)
		.map_err(|_| Error::Der("CRL"))?;
	let issuer_der = crl.tbs_cert_list.issuer.to_der().map_err(|_| Error::Der("CRL issuer"))?;
	if issuer_der != signer.subject_der() {
		return Err(Error::CrlIssuerMismatch);
	}
	if crl.tbs_cert_list.signature != crl.signature_algorithm
		|| crl.signature_algorithm.oid != x509::OID_ECDSA_WITH_SHA256
		|| crl.signature_algorithm.parameters.is_some()
	{
		return Err(Error::UnsupportedAlgorithm);
	}
	if crl.tbs_cert_list.crl_extensions.iter().flatten().any(|e| e.critical) {
		return Err(Error::UnsupportedCriticalExtension);
	}
	let signature = crl.signature.as_bytes().ok_or(Error::Der("CRL signature"))?;
	x509::verify_signature(SignatureAlgorithm::EcdsaP256Sha256, signer, tbs, signature)
		.map_err(|_| Error::CrlSignature)?;
	let next_update = crl.tbs_cert_list.next_update.ok_or(Error::Der("CRL without nextUpdate"))?;
	let mut revoked_serials = Vec::new();
	for entry in crl.tbs_cert_list.revoked_certificates.iter().flatten() {
		if entry.crl_entry_extensions.iter().flatten().any(|e| e.critical) {
			return Err(Error::UnsupportedCriticalExtension);
		}
		revoked_serials.push(entry.serial_number.as_bytes().to_vec());
	}
	Ok(CrlRecord {
		issuer_der,
		signer_key_hash: signer.key_hash(),
		this_update_ms: to_ms(crl.tbs_cert_list.this_update),
		next_update_ms: to_ms(next_update),
		revoked_serials,
	})
}

/// A CRL is current until its nextUpdate (exclusive). Its thisUpdate is not
/// compared with `now_ms`: a CRL issued later than `now_ms` is still valid
/// revocation information.
pub fn check_crl_time(record: &CrlRecord, now_ms: u64) -> Result<(), Error> {
	if now_ms >= record.next_update_ms {
		return Err(Error::CrlExpired);
	}
	Ok(())
}

/// Checks every link of a verified path against the available CRLs.
pub fn check_path(
	links: &[PathLink],
	crls: &[&CrlRecord],
	policy: RevocationPolicy,
	now_ms: u64,
) -> Result<(), Error> {
	for link in links {
		let mut covered = false;
		for crl in crls.iter().filter(|crl| crl.applies_to(link)) {
			check_crl_time(crl, now_ms)?;
			if crl.revoked_serials.iter().any(|s| s == &link.serial) {
				return Err(Error::CertificateRevoked);
			}
			covered = true;
		}
		if !covered && policy == RevocationPolicy::Require {
			return Err(Error::RevocationStatusUnknown);
		}
	}
	Ok(())
}

fn to_ms(time: x509_cert::time::Time) -> u64 {
	u64::try_from(time.to_unix_duration().as_millis()).unwrap_or(u64::MAX)
}
