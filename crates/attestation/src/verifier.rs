//! The verifier as the registry and the worker use it: a configured root CA
//! pair and revocation policy ([`Verifier`]), and the
//! [`AttestationVerifier`] implementation on Intel's roots
//! ([`IntelAttestationVerifier`]).

use crate::{
	crl::{self, CrlRecord, RevocationPolicy},
	dcap::{
		self,
		collateral::{self, StoredCollateral, StoredCrl},
		DcapCollateral, DcapVerified, QeIdentity, TcbInfo,
	},
	error::Error,
	ias::{self, IasVerified},
	pem,
	roots::{IAS_ROOT_CA_DER, INTEL_SGX_ROOT_CA_DER},
	x509::{self, Cert, LeafKind},
};
use alloc::vec::Vec;
use integritee_primitives::{
	AttestationError, AttestationVerifier, AttestedEnclave, CollateralEvidence, CollateralKind,
	Fmspc, SgxStatus, VerifiedCollateral,
};

/// Looks up registered collateral: TCB info by FMSPC, the others with `None`.
pub type CollateralLookup<'a> =
	dyn Fn(CollateralKind, Option<Fmspc>) -> Option<VerifiedCollateral> + 'a;

/// A verifier bound to root CAs (DER) and a revocation policy.
#[derive(Clone, Copy, Debug)]
pub struct Verifier<'r> {
	/// Root of PCK chains and of the TCB Signing certificate.
	pub sgx_root_der: &'r [u8],
	/// Root of the IAS report signing certificate.
	pub ias_root_der: &'r [u8],
	pub revocation: RevocationPolicy,
	/// Verified PCK chain signatures to remember (see [`Verifier::with_cache`]).
	#[cfg(feature = "std")]
	cache: Option<&'r crate::cache::LinkCache>,
}

impl Verifier<'static> {
	/// Intel's production roots; CRLs are enforced where they apply, and
	/// certificates that no registered CRL covers are accepted (the registry
	/// holds one PCK CRL, which covers the platforms of one PCK CA).
	pub const fn intel() -> Self {
		Self {
			sgx_root_der: &INTEL_SGX_ROOT_CA_DER,
			ias_root_der: &IAS_ROOT_CA_DER,
			revocation: RevocationPolicy::IfAvailable,
			#[cfg(feature = "std")]
			cache: None,
		}
	}
}

impl<'r> Verifier<'r> {
	/// The same verifier with another SGX root (for example a development root).
	pub const fn with_sgx_root(self, sgx_root_der: &'r [u8]) -> Self {
		Self { sgx_root_der, ..self }
	}

	/// The same verifier with another IAS report signing root.
	pub const fn with_ias_root(self, ias_root_der: &'r [u8]) -> Self {
		Self { ias_root_der, ..self }
	}

	pub const fn with_revocation(self, revocation: RevocationPolicy) -> Self {
		Self { revocation, ..self }
	}

	/// The same verifier remembering the PCK chain signatures it verifies in
	/// `cache`, and skipping them when `cache` holds them (`std` only). Only
	/// signature checks are remembered; validity windows, names, constraints,
	/// CRLs and everything else about the quote are checked every time, so
	/// verdicts are those of the verifier without a cache.
	#[cfg(feature = "std")]
	pub const fn with_cache(self, cache: &'r crate::cache::LinkCache) -> Self {
		Self { cache: Some(cache), ..self }
	}

	/// The same verifier without a cache.
	#[cfg(feature = "std")]
	pub const fn without_cache(self) -> Self {
		Self { cache: None, ..self }
	}

	fn link_memo(&self) -> Option<&'r dyn x509::LinkMemo> {
		#[cfg(feature = "std")]
		if let Some(cache) = self.cache {
			return Some(cache);
		}
		None
	}

	fn sgx_root(&self) -> Result<Cert, Error> {
		Cert::from_der(self.sgx_root_der)
	}

	/// Verifies Intel-signed collateral at `now_ms` and returns it with its
	/// stored form. JSON collateral: `body` is the signed inner object exactly
	/// as in Intel's file, `signature` its hex signature, `issuer_chain` the
	/// PEM chain of the TCB Signing certificate. CRLs: `body` is DER or hex of
	/// DER, `signature` is empty; a PCK CRL must be signed by the first
	/// certificate of `issuer_chain` (a CA verified to the root); a Root CA CRL
	/// must be signed by the root, and its `issuer_chain`, if not empty, must
	/// end in the root.
	pub fn verify_collateral(
		&self,
		kind: CollateralKind,
		evidence: CollateralEvidence<'_>,
		now_ms: u64,
	) -> Result<VerifiedCollateral, Error> {
		let root = self.sgx_root()?;
		let (stored, fmspc, issued_at_ms, next_update_ms) = match kind {
			CollateralKind::QuotingEnclaveIdentity => {
				let identity = collateral::verify_qe_identity(
					evidence.body,
					evidence.signature,
					evidence.issuer_chain,
					&root,
					now_ms,
				)?;
				let (issued, next) = (identity.issue_date_ms, identity.next_update_ms);
				(StoredCollateral::QeIdentity(identity), None, issued, next)
			}
			CollateralKind::TcbInfo => {
				let info = collateral::verify_tcb_info(
					evidence.body,
					evidence.signature,
					evidence.issuer_chain,
					&root,
					now_ms,
				)?;
				let (fmspc, issued, next) = (info.fmspc, info.issue_date_ms, info.next_update_ms);
				(StoredCollateral::TcbInfo(info), Some(fmspc), issued, next)
			}
			CollateralKind::PckCrl | CollateralKind::RootCaCrl => {
				let record = self.verify_crl(kind, evidence, &root, now_ms)?;
				let (issued, next) = (record.this_update_ms, record.next_update_ms);
				let stored = StoredCrl { root_key_hash: root.key_hash(), record };
				(StoredCollateral::Crl(stored), None, issued, next)
			}
		};
		Ok(VerifiedCollateral {
			kind,
			fmspc,
			issued_at_ms,
			next_update_ms,
			encoded: stored.encode_stored(),
		})
	}

	fn verify_crl(
		&self,
		kind: CollateralKind,
		evidence: CollateralEvidence<'_>,
		root: &Cert,
		now_ms: u64,
	) -> Result<CrlRecord, Error> {
		if !evidence.signature.is_empty() {
			return Err(Error::BadEncoding("a CRL carries its signature inside"));
		}
		let der = crl::crl_der_from_body(evidence.body)?;
		let record = if kind == CollateralKind::RootCaCrl {
			if !evidence.issuer_chain.trim_ascii().is_empty() {
				let chain = x509::decode_all(&pem::decode_certificates(evidence.issuer_chain)?)?;
				let top = chain.last().ok_or(Error::BadChainLength)?;
				if top.subject_der() != root.subject_der() || top.key_hash() != root.key_hash() {
					return Err(Error::CrlIssuerMismatch);
				}
			}
			root.check_validity(now_ms)?;
			crl::verify_crl(&der, root)?
		} else {
			let chain = pem::decode_certificates(evidence.issuer_chain)?;
			let (signer, _) = x509::verify_der_chain(&chain, root, LeafKind::Ca, now_ms)?;
			if signer.key_hash() == root.key_hash() {
				return Err(Error::CrlIssuerMismatch);
			}
			crl::verify_crl(&der, &signer)?
		};
		crl::check_crl_time(&record, now_ms)?;
		Ok(record)
	}

	/// Verifies a DCAP quote at `now_ms` against collateral from `lookup`: the
	/// QE identity and the TCB info for the PCK certificate's FMSPC are
	/// required; the PCK CRL and Root CA CRL are used if present (and required
	/// to cover the whole path under [`RevocationPolicy::Require`]).
	pub fn verify_dcap_quote(
		&self,
		quote: &[u8],
		lookup: &CollateralLookup<'_>,
		now_ms: u64,
	) -> Result<DcapVerified, Error> {
		let root = self.sgx_root()?;
		let checked = dcap::verify::check_quote_with(quote, &root, now_ms, self.link_memo())?;
		let fmspc = checked.platform.fmspc;

		let qe_identity = match stored(lookup, CollateralKind::QuotingEnclaveIdentity, None)? {
			Some(StoredCollateral::QeIdentity(identity)) => identity,
			Some(_) => return Err(Error::CollateralMismatch("not a QE identity")),
			None => return Err(Error::MissingCollateral(CollateralKind::QuotingEnclaveIdentity)),
		};
		let tcb_info = match stored(lookup, CollateralKind::TcbInfo, Some(fmspc))? {
			Some(StoredCollateral::TcbInfo(info)) => info,
			Some(_) => return Err(Error::CollateralMismatch("not a TCB info")),
			None => return Err(Error::MissingCollateral(CollateralKind::TcbInfo)),
		};
		let mut crls = Vec::new();
		for kind in [CollateralKind::PckCrl, CollateralKind::RootCaCrl] {
			match stored(lookup, kind, None)? {
				Some(StoredCollateral::Crl(crl)) => {
					if crl.root_key_hash != checked.root_key_hash {
						return Err(Error::CollateralMismatch("CRL verified under another root"));
					}
					crls.push(crl.record);
				}
				Some(_) => return Err(Error::CollateralMismatch("not a CRL")),
				None => {}
			}
		}
		self.appraise(&checked, &qe_identity, &tcb_info, &crls, now_ms)
	}

	/// Appraises a checked quote against already decoded collateral.
	pub fn appraise(
		&self,
		checked: &dcap::CheckedQuote,
		qe_identity: &QeIdentity,
		tcb_info: &TcbInfo,
		crls: &[CrlRecord],
		now_ms: u64,
	) -> Result<DcapVerified, Error> {
		let crl_refs: Vec<&CrlRecord> = crls.iter().collect();
		dcap::appraise(
			checked,
			DcapCollateral { qe_identity, tcb_info, crls: &crl_refs, revocation: self.revocation },
			now_ms,
		)
	}

	/// Verifies an RA-TLS certificate carrying an IAS report at `now_ms`.
	pub fn verify_ias_certificate(
		&self,
		cert_der: &[u8],
		now_ms: u64,
	) -> Result<IasVerified, Error> {
		let root = Cert::from_der(self.ias_root_der)?;
		ias::verify_ra_tls_certificate(cert_der, &root, now_ms)
	}
}

/// Looks up `kind` and decodes its stored form, checking that the registry
/// returned what was asked for.
fn stored(
	lookup: &CollateralLookup<'_>,
	kind: CollateralKind,
	fmspc: Option<Fmspc>,
) -> Result<Option<StoredCollateral>, Error> {
	let Some(collateral) = lookup(kind, fmspc) else { return Ok(None) };
	if collateral.kind != kind {
		return Err(Error::CollateralMismatch("registry returned another kind"));
	}
	if fmspc.is_some() && collateral.fmspc != fmspc {
		return Err(Error::CollateralMismatch("registry returned another FMSPC"));
	}
	StoredCollateral::decode_stored(&collateral.encoded).map(Some)
}

/// Refuses a revoked TCB: the only status the verifier itself refuses; which
/// of the others are acceptable is the registry's policy.
fn refuse_revoked(enclave: AttestedEnclave) -> Result<AttestedEnclave, AttestationError> {
	if enclave.status == SgxStatus::Revoked {
		return Err(Error::TcbRevoked.into());
	}
	Ok(enclave)
}

/// The verifier as the registry configures it: Intel's SGX root, or the
/// chain's configured DCAP root CA.
fn registry_verifier(dcap_root_ca: Option<&[u8]>) -> Verifier<'_> {
	match dcap_root_ca {
		Some(root) => Verifier::intel().with_sgx_root(root),
		None => Verifier::intel(),
	}
}

/// [`AttestationVerifier`] for Intel SGX evidence: DCAP quotes and collateral
/// under the registry's DCAP root CA (Intel's SGX Root CA unless the chain
/// configures another), IAS reports under Intel's IAS root. A revoked TCB is
/// refused with [`AttestationError::TcbStatusRefused`].
pub struct IntelAttestationVerifier;

impl AttestationVerifier for IntelAttestationVerifier {
	fn check_root_ca(der: &[u8]) -> Result<(), AttestationError> {
		check_root_ca(der).map_err(Into::into)
	}

	fn verify_collateral(
		kind: CollateralKind,
		evidence: CollateralEvidence<'_>,
		dcap_root_ca: Option<&[u8]>,
		now_ms: u64,
	) -> Result<VerifiedCollateral, AttestationError> {
		Ok(registry_verifier(dcap_root_ca).verify_collateral(kind, evidence, now_ms)?)
	}

	fn verify_dcap_quote(
		quote: &[u8],
		collateral: &dyn Fn(CollateralKind, Option<Fmspc>) -> Option<VerifiedCollateral>,
		dcap_root_ca: Option<&[u8]>,
		revocation: RevocationPolicy,
		now_ms: u64,
	) -> Result<AttestedEnclave, AttestationError> {
		let verified = registry_verifier(dcap_root_ca)
			.with_revocation(revocation)
			.verify_dcap_quote(quote, collateral, now_ms)?;
		refuse_revoked(verified.enclave)
	}

	fn verify_ias_certificate(
		cert_der: &[u8],
		now_ms: u64,
	) -> Result<AttestedEnclave, AttestationError> {
		refuse_revoked(Verifier::intel().verify_ias_certificate(cert_der, now_ms)?.enclave)
	}
}

/// A root CA must be a self-signed CA certificate (its own issuer, its
/// signature verifying under its own key).
pub fn check_root_ca(der: &[u8]) -> Result<(), Error> {
	let root = Cert::from_der(der)?;
	let (is_ca, _) = root.basic_constraints()?;
	if !is_ca {
		return Err(Error::NotACa);
	}
	if root.issuer_der() != root.subject_der() {
		return Err(Error::IssuerMismatch);
	}
	root.verify_signed_by(&root)
}
