//! X.509 certificates and linear chains to a configured root CA.
//!
//! Chains are taken in the order given (leaf first, each certificate issued by
//! the next). A chain is anchored as soon as a certificate names the configured
//! root as its issuer and the root's key verifies its signature; certificates
//! after that point (typically a copy of the root that the evidence carries)
//! are neither trusted nor needed and are ignored. The anchor is only ever the
//! root the caller configured.

use crate::{
	asn1,
	crypto::{self, sha256},
	error::Error,
};
use alloc::vec::Vec;
use core::ops::Range;
use der::{asn1::ObjectIdentifier, Decode, Encode};
use x509_cert::{ext::pkix::BasicConstraints, Certificate};

pub const OID_ECDSA_WITH_SHA256: ObjectIdentifier =
	ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
pub const OID_SHA256_WITH_RSA: ObjectIdentifier =
	ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// The named curve P-256 as a DER OBJECT IDENTIFIER.
const P256_CURVE_DER: [u8; 10] = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// DER NULL, the parameters of RSA algorithm identifiers.
const DER_NULL: [u8; 2] = [0x05, 0x00];

const OID_BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
const OID_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
const OID_EXT_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");

/// Certificates below the root that a chain may hold.
pub const MAX_PATH_CERTIFICATES: usize = 3;

/// The signature algorithms this verifier knows.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SignatureAlgorithm {
	EcdsaP256Sha256,
	RsaPkcs1Sha256,
}

/// A decoded certificate with its DER and the bytes its signature covers.
#[derive(Clone, Debug)]
pub struct Cert {
	cert: Certificate,
	/// The certificate exactly as decoded.
	der: Vec<u8>,
	/// Where the signed part (TBSCertificate) lies in `der`.
	tbs: Range<usize>,
	spki_der: Vec<u8>,
	/// SHA-256 of `spki_der`, computed once.
	key_hash: [u8; 32],
	issuer_der: Vec<u8>,
	subject_der: Vec<u8>,
}

impl Cert {
	/// Decodes a DER certificate. Trailing bytes are rejected, and so are
	/// critical extensions other than basic constraints and (extended) key usage.
	pub fn from_der(der: &[u8]) -> Result<Self, Error> {
		let tbs = asn1::signed_part_range(der)?;
		let cert = Certificate::from_der(der).map_err(|_| Error::Der("certificate"))?;
		let tbs_cert = cert.tbs_certificate();
		if tbs_cert.signature() != cert.signature_algorithm() {
			return Err(Error::Der("inner and outer signature algorithms differ"));
		}
		for ext in tbs_cert.extensions().map(|e| e.as_slice()).unwrap_or_default() {
			if ext.critical
				&& ![OID_BASIC_CONSTRAINTS, OID_KEY_USAGE, OID_EXT_KEY_USAGE].contains(&ext.extn_id)
			{
				return Err(Error::UnsupportedCriticalExtension);
			}
		}
		let spki_der =
			tbs_cert.subject_public_key_info().to_der().map_err(|_| Error::Der("public key"))?;
		let issuer_der = tbs_cert.issuer().to_der().map_err(|_| Error::Der("issuer"))?;
		let subject_der = tbs_cert.subject().to_der().map_err(|_| Error::Der("subject"))?;
		let key_hash = sha256(&spki_der);
		Ok(Self { cert, der: der.to_vec(), tbs, spki_der, key_hash, issuer_der, subject_der })
	}

	/// The certificate's DER, exactly as decoded.
	pub fn der(&self) -> &[u8] {
		&self.der
	}

	/// The bytes the certificate's signature covers.
	fn tbs(&self) -> &[u8] {
		self.der.get(self.tbs.clone()).unwrap_or_default()
	}

	pub fn issuer_der(&self) -> &[u8] {
		&self.issuer_der
	}

	pub fn subject_der(&self) -> &[u8] {
		&self.subject_der
	}

	/// The DER SubjectPublicKeyInfo.
	pub fn spki_der(&self) -> &[u8] {
		&self.spki_der
	}

	/// SHA-256 of the DER SubjectPublicKeyInfo: identifies a key across
	/// re-issued certificates.
	pub fn key_hash(&self) -> [u8; 32] {
		self.key_hash
	}

	/// The serial number's DER INTEGER content.
	pub fn serial(&self) -> &[u8] {
		self.cert.tbs_certificate().serial_number().as_bytes()
	}

	pub fn not_before_ms(&self) -> u64 {
		to_ms(self.cert.tbs_certificate().validity().not_before)
	}

	pub fn not_after_ms(&self) -> u64 {
		to_ms(self.cert.tbs_certificate().validity().not_after)
	}

	/// Fails unless `not_before <= now_ms <= not_after`.
	pub fn check_validity(&self, now_ms: u64) -> Result<(), Error> {
		if now_ms < self.not_before_ms() || now_ms > self.not_after_ms() {
			return Err(Error::CertificateExpired);
		}
		Ok(())
	}

	/// The certificate's P-256 public key; fails for any other key type.
	pub fn p256_key(&self) -> Result<p256::ecdsa::VerifyingKey, Error> {
		let spki = self.cert.tbs_certificate().subject_public_key_info();
		let curve = spki.algorithm.parameters.as_ref().and_then(|p| p.to_der().ok());
		if spki.algorithm.oid != OID_EC_PUBLIC_KEY || curve.as_deref() != Some(&P256_CURVE_DER[..])
		{
			return Err(Error::UnsupportedAlgorithm);
		}
		let bits = spki.subject_public_key.as_bytes().ok_or(Error::UnsupportedAlgorithm)?;
		crypto::p256_key_from_sec1(bits)
	}

	/// The algorithm this certificate is signed with.
	pub fn signature_algorithm(&self) -> Result<SignatureAlgorithm, Error> {
		let alg = self.cert.signature_algorithm();
		let params = alg.parameters.as_ref().map(|p| p.to_der()).transpose();
		let params = params.map_err(|_| Error::Der("algorithm parameters"))?;
		if alg.oid == OID_ECDSA_WITH_SHA256 && params.is_none() {
			Ok(SignatureAlgorithm::EcdsaP256Sha256)
		} else if alg.oid == OID_SHA256_WITH_RSA
			&& params.as_deref().is_none_or(|p| p == &DER_NULL[..])
		{
			Ok(SignatureAlgorithm::RsaPkcs1Sha256)
		} else {
			Err(Error::UnsupportedAlgorithm)
		}
	}

	/// Verifies that `issuer`'s key signed this certificate.
	pub fn verify_signed_by(&self, issuer: &Cert) -> Result<(), Error> {
		let signature =
			self.cert.signature().as_bytes().ok_or(Error::Der("signature bit string"))?;
		verify_signature(self.signature_algorithm()?, issuer, self.tbs(), signature)
			.map_err(|_| Error::CertificateSignature)
	}

	/// `(is_ca, path_len_constraint)` from the basic constraints extension.
	pub fn basic_constraints(&self) -> Result<(bool, Option<u8>), Error> {
		let ext = self
			.cert
			.tbs_certificate()
			.get_extension::<BasicConstraints>()
			.map_err(|_| Error::Der("basic constraints"))?;
		Ok(ext.map(|(_, bc)| (bc.ca, bc.path_len_constraint)).unwrap_or((false, None)))
	}

	/// The value of the extension `oid`, if present exactly once.
	pub fn extension(&self, oid: &ObjectIdentifier) -> Result<Option<&[u8]>, Error> {
		let mut found = None;
		for ext in
			self.cert.tbs_certificate().extensions().map(|e| e.as_slice()).unwrap_or_default()
		{
			if &ext.extn_id == oid {
				if found.is_some() {
					return Err(Error::Der("duplicate extension"));
				}
				found = Some(ext.extn_value.as_bytes());
			}
		}
		Ok(found)
	}
}

/// Verifies `signature` over `message` with `signer`'s key under `algorithm`.
pub fn verify_signature(
	algorithm: SignatureAlgorithm,
	signer: &Cert,
	message: &[u8],
	signature: &[u8],
) -> Result<(), Error> {
	match algorithm {
		SignatureAlgorithm::EcdsaP256Sha256 => {
			let key = signer.p256_key()?;
			crypto::verify_p256_der(&key, message, signature, Error::CertificateSignature)
		}
		SignatureAlgorithm::RsaPkcs1Sha256 => {
			let spki = signer.cert.tbs_certificate().subject_public_key_info();
			if spki.algorithm.oid != OID_RSA_ENCRYPTION {
				return Err(Error::UnsupportedAlgorithm);
			}
			crypto::verify_rsa_pkcs1_sha256(
				&signer.spki_der,
				message,
				signature,
				Error::CertificateSignature,
			)
		}
	}
}

/// One certificate of a verified path with what a CRL needs to cover it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PathLink {
	pub serial: Vec<u8>,
	pub issuer_der: Vec<u8>,
	/// SHA-256 of the issuer's SubjectPublicKeyInfo.
	pub issuer_key_hash: [u8; 32],
}

/// Decodes the certificates of a DER list.
pub fn decode_all(ders: &[Vec<u8>]) -> Result<Vec<Cert>, Error> {
	ders.iter().map(|d| Cert::from_der(d)).collect()
}

/// What the first certificate of a chain must be.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum LeafKind {
	/// An end entity (PCK certificate, collateral signer, IAS report signer).
	EndEntity,
	/// A CA (the issuer of a CRL).
	Ca,
}

/// Remembers successful certificate signature checks (the worker's
/// `LinkCache`, `std` only): a link is the pair (issuer key, certificate DER),
/// whose signature check does not depend on time or on anything else.
pub(crate) trait LinkMemo {
	fn contains(&self, key: &[u8; 32]) -> bool;
	fn insert(&self, key: [u8; 32]);
}

/// Domain separation of [`link_key`].
const LINK_KEY_DOMAIN: &[u8] = b"integritee-attestation/x509-link/v1";

/// The key of the link "`issuer`'s key signed `cert`": SHA-256 over a domain
/// tag, the issuer's DER SubjectPublicKeyInfo (length-prefixed) and the
/// certificate's DER.
pub(crate) fn link_key(issuer: &Cert, cert: &Cert) -> [u8; 32] {
	use sha2::{Digest, Sha256};
	let spki_len = u32::try_from(issuer.spki_der.len()).unwrap_or(u32::MAX);
	Sha256::new()
		.chain_update(LINK_KEY_DOMAIN)
		.chain_update(spki_len.to_le_bytes())
		.chain_update(&issuer.spki_der)
		.chain_update(&cert.der)
		.finalize()
		.into()
}

/// [`Cert::verify_signed_by`], skipped when `memo` holds the link, and
/// remembered in `memo` when it succeeds.
fn check_signed_by(cert: &Cert, issuer: &Cert, memo: Option<&dyn LinkMemo>) -> Result<(), Error> {
	let Some(memo) = memo else { return cert.verify_signed_by(issuer) };
	let key = link_key(issuer, cert);
	if memo.contains(&key) {
		return Ok(());
	}
	cert.verify_signed_by(issuer)?;
	memo.insert(key);
	Ok(())
}

/// Verifies `chain` (leaf first) to `root` at `now_ms` and returns the path
/// from the leaf up to the certificate that the root issued, each with its
/// issuer. Every certificate on the path and the root must be valid at
/// `now_ms`; issuers must be CAs within their path length constraints; the
/// leaf must be of `leaf_kind`.
pub fn verify_chain(
	chain: &[Cert],
	root: &Cert,
	leaf_kind: LeafKind,
	now_ms: u64,
) -> Result<Vec<PathLink>, Error> {
	let leaf = chain.first().cloned().ok_or(Error::BadChainLength)?;
	verify_chain_with(leaf, |i| chain.get(i).cloned().map(Ok), root, leaf_kind, now_ms, None)
		.map(|(_, links)| links)
}

/// [`verify_chain`] on DER certificates, decoding each only when the path
/// reaches it: certificates after the anchor (a copy of the root carried in
/// the evidence) are never decoded. Returns the decoded leaf too.
pub fn verify_der_chain(
	chain: &[Vec<u8>],
	root: &Cert,
	leaf_kind: LeafKind,
	now_ms: u64,
) -> Result<(Cert, Vec<PathLink>), Error> {
	let leaf = Cert::from_der(chain.first().ok_or(Error::BadChainLength)?)?;
	verify_der_chain_from_leaf(leaf, chain, root, leaf_kind, now_ms, None)
}

/// [`verify_der_chain`] with the leaf (`chain[0]`) already decoded, and
/// signature checks remembered in `memo` if given.
pub(crate) fn verify_der_chain_from_leaf(
	leaf: Cert,
	chain: &[Vec<u8>],
	root: &Cert,
	leaf_kind: LeafKind,
	now_ms: u64,
	memo: Option<&dyn LinkMemo>,
) -> Result<(Cert, Vec<PathLink>), Error> {
	verify_chain_with(
		leaf,
		|i| chain.get(i).map(|der| Cert::from_der(der)),
		root,
		leaf_kind,
		now_ms,
		memo,
	)
}

/// The path walk behind [`verify_chain`]: `get(i)` yields the i-th
/// certificate for `i >= 1`.
fn verify_chain_with(
	leaf: Cert,
	mut get: impl FnMut(usize) -> Option<Result<Cert, Error>>,
	root: &Cert,
	leaf_kind: LeafKind,
	now_ms: u64,
	memo: Option<&dyn LinkMemo>,
) -> Result<(Cert, Vec<PathLink>), Error> {
	if leaf.basic_constraints()?.0 != (leaf_kind == LeafKind::Ca) {
		return Err(Error::WrongLeafKind);
	}
	root.check_validity(now_ms)?;
	let mut links = Vec::new();
	// The current certificate once the walk has left the leaf.
	let mut above_leaf: Option<Cert> = None;
	for index in 0..MAX_PATH_CERTIFICATES {
		let cert = above_leaf.as_ref().unwrap_or(&leaf);
		cert.check_validity(now_ms)?;
		// Below this certificate's issuer lie `index` CA certificates (this
		// one and those between it and the leaf, the leaf excluded): the
		// issuer's path length constraint bounds them.
		if cert.issuer_der() == root.subject_der() && check_signed_by(cert, root, memo).is_ok() {
			check_issuer(root, index)?;
			links.push(link(cert, root));
			return Ok((leaf, links));
		}
		let issuer = get(index + 1).ok_or(Error::UntrustedRoot)??;
		if cert.issuer_der() != issuer.subject_der() {
			return Err(Error::IssuerMismatch);
		}
		check_issuer(&issuer, index)?;
		check_signed_by(cert, &issuer, memo)?;
		links.push(link(cert, &issuer));
		above_leaf = Some(issuer);
	}
	Err(Error::BadChainLength)
}

fn check_issuer(issuer: &Cert, intermediates_below: usize) -> Result<(), Error> {
	let (is_ca, path_len) = issuer.basic_constraints()?;
	if !is_ca {
		return Err(Error::NotACa);
	}
	if let Some(max) = path_len {
		if intermediates_below > usize::from(max) {
			return Err(Error::BadChainLength);
		}
	}
	Ok(())
}

fn link(cert: &Cert, issuer: &Cert) -> PathLink {
	PathLink {
		serial: cert.serial().to_vec(),
		issuer_der: cert.issuer_der().to_vec(),
		issuer_key_hash: issuer.key_hash(),
	}
}

fn to_ms(time: x509_cert::time::Time) -> u64 {
	u64::try_from(time.to_unix_duration().as_millis()).unwrap_or(u64::MAX)
}
