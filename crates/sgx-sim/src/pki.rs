//! The simulated PKI: deterministic P-256 keys derived from the seed, and the
//! certificates and CRLs built from them in the layout of Intel's (names and
//! serials are the simulator's own).
//!
//! ```text
//! Integritee Simulated SGX Root CA            (self-signed, CA, pathlen 1)
//! +-- Integritee Simulated SGX PCK Processor CA  (CA, pathlen 0; issues the PCK CRL)
//! |   +-- Integritee Simulated SGX PCK Certificate (the platform, SGX extension)
//! +-- Integritee Simulated SGX TCB Signing     (signs QE identity and TCB info)
//! ```

#[allow(unused_imports)]
use crate::prelude::*;
use crate::{der, error::SimError};
use p256::ecdsa::{signature::Signer as _, Signature, SigningKey};
use sha2::{Digest, Sha256};

/// Domain separation of every value derived from the seed.
const DERIVATION_DOMAIN: &[u8] = b"integritee-sgx-sim/v1";

/// 2020-01-01T00:00:00Z: notBefore of every simulated certificate.
pub const CERT_NOT_BEFORE_MS: u64 = 1_577_836_800_000;
/// 2049-12-31T23:59:59Z: notAfter of every simulated certificate.
pub const CERT_NOT_AFTER_MS: u64 = 2_524_607_999_000;

pub const ROOT_CN: &str = "Integritee Simulated SGX Root CA";
pub const PCK_CA_CN: &str = "Integritee Simulated SGX PCK Processor CA";
pub const PCK_CN: &str = "Integritee Simulated SGX PCK Certificate";
pub const TCB_SIGNING_CN: &str = "Integritee Simulated SGX TCB Signing";
const ORGANIZATION: &str = "Integritee Simulated SGX - INSECURE, development only";

const OID_ECDSA_WITH_SHA256: &[u64] = &[1, 2, 840, 10045, 4, 3, 2];
const OID_EC_PUBLIC_KEY: &[u64] = &[1, 2, 840, 10045, 2, 1];
const OID_PRIME256V1: &[u64] = &[1, 2, 840, 10045, 3, 1, 7];
const OID_COMMON_NAME: &[u64] = &[2, 5, 4, 3];
const OID_ORGANIZATION: &[u64] = &[2, 5, 4, 10];
const OID_SUBJECT_KEY_ID: &[u64] = &[2, 5, 29, 14];
const OID_KEY_USAGE: &[u64] = &[2, 5, 29, 15];
const OID_BASIC_CONSTRAINTS: &[u64] = &[2, 5, 29, 19];
const OID_CRL_NUMBER: &[u64] = &[2, 5, 29, 20];
const OID_CRL_REASON: &[u64] = &[2, 5, 29, 21];
const OID_AUTHORITY_KEY_ID: &[u64] = &[2, 5, 29, 35];
/// Intel's SGX extension of PCK certificates, and its fields below it.
const OID_SGX_EXTENSION: [u64; 7] = [1, 2, 840, 113741, 1, 13, 1];

/// CRL reason code keyCompromise, as in Intel's PCK CRL.
const REASON_KEY_COMPROMISE: u8 = 1;

/// A P-256 key derived from `seed` and `label`: SHA-256 over the domain, the
/// seed, the label and a counter, taken as a scalar; a digest that is zero or
/// not below the group order moves on to the next counter (each attempt fails
/// with probability below 2^-32).
pub fn derive_key(seed: &[u8; 32], label: &str, start_counter: u32) -> (SigningKey, u32) {
	let mut counter = start_counter;
	loop {
		let digest = derive_bytes(seed, label, counter);
		if let Ok(key) = SigningKey::from_slice(&digest) {
			return (key, counter);
		}
		counter = counter.wrapping_add(1);
	}
}

/// SHA-256 over the derivation domain, the seed, `label` and `counter`.
pub fn derive_bytes(seed: &[u8; 32], label: &str, counter: u32) -> [u8; 32] {
	let mut h = Sha256::new();
	h.update(DERIVATION_DOMAIN);
	h.update(seed);
	h.update((label.len() as u32).to_be_bytes());
	h.update(label.as_bytes());
	h.update(counter.to_be_bytes());
	h.finalize().into()
}

pub fn sha256(data: &[u8]) -> [u8; 32] {
	Sha256::digest(data).into()
}

/// Deterministic (RFC 6979) ECDSA P-256 SHA-256 signature.
pub fn sign(key: &SigningKey, message: &[u8]) -> Result<Signature, SimError> {
	key.try_sign(message).map_err(|_| SimError::Signing)
}

/// Raw `r || s` of a deterministic signature (as in quotes and Intel's JSON).
pub fn sign_raw(key: &SigningKey, message: &[u8]) -> Result<[u8; 64], SimError> {
	let bytes = sign(key, message)?.to_bytes();
	let mut out = [0u8; 64];
	if bytes.len() != out.len() {
		return Err(SimError::Signing);
	}
	out.copy_from_slice(&bytes);
	Ok(out)
}

/// The uncompressed SEC1 point `04 || x || y`.
pub fn public_sec1(key: &SigningKey) -> Vec<u8> {
	key.verifying_key().to_sec1_point(false).as_bytes().to_vec()
}

/// The raw public key `x || y` (as in a quote's attestation key).
pub fn public_raw(key: &SigningKey) -> [u8; 64] {
	let sec1 = public_sec1(key);
	let mut out = [0u8; 64];
	for (dst, src) in out.iter_mut().zip(sec1.iter().skip(1)) {
		*dst = *src;
	}
	out
}

/// Key identifier: the leftmost 160 bits of SHA-256 of the public key bits
/// (RFC 7093, method 1).
pub fn key_id(key: &SigningKey) -> [u8; 20] {
	let digest = sha256(&public_sec1(key));
	let mut out = [0u8; 20];
	out.copy_from_slice(&digest[..20]);
	out
}

/// A 20-byte positive serial derived from the seed (as long as Intel's).
pub fn serial(seed: &[u8; 32], label: &str) -> [u8; 20] {
	let digest = derive_bytes(seed, &format!("serial/{label}"), 0);
	let mut out = [0u8; 20];
	out.copy_from_slice(&digest[..20]);
	// Positive, and exactly 20 content bytes (no leading zero byte needed).
	out[0] = (out[0] & 0x7f) | 0x40;
	out
}

/// A distinguished name `CN=<cn>, O=<ORGANIZATION>`, strings as UTF8String.
pub fn name(cn: &str) -> Vec<u8> {
	let rdn = |oid: &[u64], value: &str| {
		der::set_of_one(&der::seq(&[&der::oid(oid), &der::utf8_string(value)]))
	};
	der::seq(&[&rdn(OID_COMMON_NAME, cn), &rdn(OID_ORGANIZATION, ORGANIZATION)])
}

fn algorithm_ecdsa_sha256() -> Vec<u8> {
	der::seq(&[&der::oid(OID_ECDSA_WITH_SHA256)])
}

fn spki(key: &SigningKey) -> Vec<u8> {
	der::seq(&[
		&der::seq(&[&der::oid(OID_EC_PUBLIC_KEY), &der::oid(OID_PRIME256V1)]),
		&der::bit_string(0, &public_sec1(key)),
	])
}

fn extension(oid: &[u64], critical: bool, value: &[u8]) -> Vec<u8> {
	if critical {
		der::seq(&[&der::oid(oid), &der::boolean_true(), &der::octet_string(value)])
	} else {
		der::seq(&[&der::oid(oid), &der::octet_string(value)])
	}
}

fn authority_key_id(issuer: &SigningKey) -> Vec<u8> {
	der::seq(&[&der::implicit_primitive(0, &key_id(issuer))])
}

/// What a certificate is for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CertKind<'a> {
	/// A CA with the given path length constraint (key usage: certificate
	/// and CRL signing).
	Ca { path_len: u8 },
	/// An end entity (key usage: digital signature, non-repudiation), with
	/// an optional SGX extension (DER value).
	EndEntity { sgx_extension: Option<&'a [u8]> },
}

/// What goes into one certificate.
pub struct CertSpec<'a> {
	pub serial: &'a [u8],
	pub issuer_cn: &'a str,
	pub issuer_key: &'a SigningKey,
	pub subject_cn: &'a str,
	pub subject_key: &'a SigningKey,
	pub kind: CertKind<'a>,
}

/// A DER X.509 v3 certificate in the layout of Intel's SGX certificates
/// (authority key id, subject key id, critical key usage, critical basic
/// constraints, then the SGX extension for a PCK certificate).
pub fn certificate(spec: &CertSpec<'_>) -> Result<Vec<u8>, SimError> {
	let (key_usage, basic_constraints) = match spec.kind {
		// keyCertSign (5) and cRLSign (6): 0b0000_0110, one unused bit.
		CertKind::Ca { path_len } => (
			der::bit_string(1, &[0x06]),
			der::seq(&[&der::boolean_true(), &der::uint_u64(u64::from(path_len))]),
		),
		// digitalSignature (0) and nonRepudiation (1): 0b1100_0000, six unused bits.
		CertKind::EndEntity { .. } => (der::bit_string(6, &[0xc0]), der::seq(&[])),
	};
	let mut extensions = vec![
		extension(OID_AUTHORITY_KEY_ID, false, &authority_key_id(spec.issuer_key)),
		extension(OID_SUBJECT_KEY_ID, false, &der::octet_string(&key_id(spec.subject_key))),
		extension(OID_KEY_USAGE, true, &key_usage),
		extension(OID_BASIC_CONSTRAINTS, true, &basic_constraints),
	];
	if let CertKind::EndEntity { sgx_extension: Some(value) } = spec.kind {
		extensions.push(extension(&OID_SGX_EXTENSION, false, value));
	}
	let extensions = der::tlv(der::TAG_SEQUENCE, &extensions.concat());
	let tbs = der::seq(&[
		&der::explicit(0, &der::uint_u64(2)),
		&der::uint(spec.serial),
		&algorithm_ecdsa_sha256(),
		&name(spec.issuer_cn),
		&der::seq(&[&der::time(CERT_NOT_BEFORE_MS)?, &der::time(CERT_NOT_AFTER_MS)?]),
		&name(spec.subject_cn),
		&spki(spec.subject_key),
		&der::explicit(3, &extensions),
	]);
	signed(&tbs, spec.issuer_key)
}

/// `SEQUENCE { tbs, ecdsa-with-SHA256, BIT STRING signature }`.
fn signed(tbs: &[u8], key: &SigningKey) -> Result<Vec<u8>, SimError> {
	let signature = sign(key, tbs)?.to_der();
	Ok(der::seq(&[tbs, &algorithm_ecdsa_sha256(), &der::bit_string(0, signature.as_bytes())]))
}

/// What goes into one CRL.
pub struct CrlSpec<'a> {
	pub issuer_cn: &'a str,
	pub issuer_key: &'a SigningKey,
	pub this_update_ms: u64,
	pub next_update_ms: u64,
	pub crl_number: u64,
	/// Big-endian magnitudes of the revoked serial numbers.
	pub revoked_serials: &'a [Vec<u8>],
}

/// A DER X.509 v2 CRL in the layout of Intel's (revocation reason
/// keyCompromise per entry; CRL number and authority key id extensions).
pub fn crl(spec: &CrlSpec<'_>) -> Result<Vec<u8>, SimError> {
	let this_update = der::time(spec.this_update_ms)?;
	let reason = extension(OID_CRL_REASON, false, &der::enumerated(REASON_KEY_COMPROMISE));
	let entries: Vec<Vec<u8>> = spec
		.revoked_serials
		.iter()
		.map(|serial| der::seq(&[&der::uint(serial), &this_update, &der::seq(&[&reason])]))
		.collect();
	let extensions = der::seq(&[
		&extension(OID_CRL_NUMBER, false, &der::uint_u64(spec.crl_number)),
		&extension(OID_AUTHORITY_KEY_ID, false, &authority_key_id(spec.issuer_key)),
	]);
	let mut tbs_parts: Vec<Vec<u8>> = vec![
		der::uint_u64(1),
		algorithm_ecdsa_sha256(),
		name(spec.issuer_cn),
		this_update.clone(),
		der::time(spec.next_update_ms)?,
	];
	if !entries.is_empty() {
		tbs_parts.push(der::tlv(der::TAG_SEQUENCE, &entries.concat()));
	}
	tbs_parts.push(der::explicit(0, &extensions));
	let tbs = der::tlv(der::TAG_SEQUENCE, &tbs_parts.concat());
	signed(&tbs, spec.issuer_key)
}

/// The platform facts a PCK certificate carries.
pub struct SgxExtensionSpec<'a> {
	pub ppid: &'a [u8; 16],
	pub cpu_svn: &'a [u8; 16],
	pub pce_svn: u16,
	pub pce_id: &'a [u8; 2],
	pub fmspc: &'a [u8; 6],
}

/// The DER value of Intel's SGX extension (OID 1.2.840.113741.1.13.1), field
/// by field as in Intel's PCK certificates: PPID (.1), TCB (.2: components
/// .2.1 to .2.16, PCESVN .2.17, CPUSVN .2.18), PCE-ID (.3), FMSPC (.4) and SGX
/// type (.5, Standard = 0).
pub fn sgx_extension(spec: &SgxExtensionSpec<'_>) -> Vec<u8> {
	let field_oid = |suffix: &[u64]| {
		let arcs: Vec<u64> = OID_SGX_EXTENSION.iter().chain(suffix).copied().collect();
		der::oid(&arcs)
	};
	let field = |suffix: &[u64], value: &[u8]| der::seq(&[&field_oid(suffix), value]);

	let mut tcb: Vec<Vec<u8>> = spec
		.cpu_svn
		.iter()
		.zip(1u64..)
		.map(|(svn, index)| field(&[2, index], &der::uint_u64(u64::from(*svn))))
		.collect();
	tcb.push(field(&[2, 17], &der::uint_u64(u64::from(spec.pce_svn))));
	tcb.push(field(&[2, 18], &der::octet_string(spec.cpu_svn)));
	let tcb = der::tlv(der::TAG_SEQUENCE, &tcb.concat());

	der::seq(&[
		&field(&[1], &der::octet_string(spec.ppid)),
		&field(&[2], &tcb),
		&field(&[3], &der::octet_string(spec.pce_id)),
		&field(&[4], &der::octet_string(spec.fmspc)),
		&field(&[5], &der::enumerated(0)),
	])
}

/// PEM `CERTIFICATE` blocks of `ders`, in order, 64 characters a line.
pub fn pem_chain(ders: &[&[u8]]) -> String {
	use base64ct::{Base64, Encoding};
	let mut out = String::new();
	for der in ders {
		out.push_str("-----BEGIN CERTIFICATE-----\n");
		let text = Base64::encode_string(der);
		let mut rest = text.as_str();
		while !rest.is_empty() {
			let (line, tail) = rest.split_at(rest.len().min(64));
			out.push_str(line);
			out.push('\n');
			rest = tail;
		}
		out.push_str("-----END CERTIFICATE-----\n");
	}
	out
}
