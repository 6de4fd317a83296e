//! Verifying an RA-TLS certificate: the quote in its extension, the quote's
//! binding to the certificate's key, the certificate's validity window and the
//! caller's policy.

use crate::{cert::QUOTE_EXTENSION_OID_STR, error::Error};
use der::asn1::ObjectIdentifier;
pub use integritee_attestation::CollateralStore;
use integritee_attestation::{x509::Cert, DcapVerified, RevocationPolicy, TcbStatus, Verifier};
use integritee_primitives::{
	CollateralEvidence, CollateralKind, Fmspc, SgxBuildMode, VerifiedCollateral,
};
use std::{
	collections::BTreeSet,
	fmt,
	sync::{Arc, PoisonError, RwLock},
};

/// Shortest extension value that can hold a quote: the 48-byte header, the
/// 384-byte ISV report body and the 4-byte signature data length.
pub const MIN_QUOTE_LEN: usize = 48 + 384 + 4;

/// Largest extension value accepted (a quote with its PEM PCK chain is about
/// 4.5 KiB; a TLS handshake message cannot exceed 16 MiB anyway).
pub const MAX_QUOTE_LEN: usize = 64 * 1024;

/// Evaluated at compile time: a malformed OID string fails the build.
const QUOTE_EXTENSION_OID_DER: ObjectIdentifier =
	ObjectIdentifier::new_unwrap(QUOTE_EXTENSION_OID_STR);

/// TCB statuses [`RaTlsPolicy`] accepts unless told otherwise.
pub const DEFAULT_ACCEPTED_TCB_STATUSES: [TcbStatus; 2] =
	[TcbStatus::UpToDate, TcbStatus::SwHardeningNeeded];

/// Where the verification time comes from.
#[derive(Clone)]
pub enum TimeSource {
	/// The time rustls passes to the verifier (its `TimeProvider`, the system
	/// clock by default), whole seconds. Outside a handshake: the system clock.
	Handshake,
	/// A fixed Unix time in milliseconds (tests, replays).
	Fixed(u64),
	/// A caller's clock returning Unix milliseconds (for example the
	/// timestamp of the latest finalized parent-chain block).
	Custom(Arc<dyn Fn() -> u64 + Send + Sync>),
}

impl TimeSource {
	/// The verification time, given what the handshake says (`None` outside a
	/// handshake, where [`TimeSource::Handshake`] reads the system clock).
	pub fn now_ms(&self, handshake_ms: Option<u64>) -> Result<u64, Error> {
		match self {
			TimeSource::Handshake => match handshake_ms {
				Some(ms) => Ok(ms),
				None => crate::cert::system_now_ms(),
			},
			TimeSource::Fixed(ms) => Ok(*ms),
			TimeSource::Custom(clock) => Ok(clock()),
		}
	}
}

impl fmt::Debug for TimeSource {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			TimeSource::Handshake => write!(f, "Handshake"),
			TimeSource::Fixed(ms) => write!(f, "Fixed({ms})"),
			TimeSource::Custom(_) => write!(f, "Custom(..)"),
		}
	}
}

type MrEnclaveCheck = Arc<dyn Fn(&[u8; 32]) -> bool + Send + Sync>;

/// Which attested enclaves are acceptable peers. The attestation crate has no
/// such policy; here it is the caller's (typically from the parent chain: the
/// MRENCLAVEs allowed for the shard, the chain's debug flag).
#[derive(Clone)]
pub struct RaTlsPolicy {
	allowed_mr_enclave: MrEnclaveCheck,
	/// Whether enclaves built in debug mode are accepted. Default: no.
	pub allow_debug: bool,
	/// Accepted combined TCB statuses (platform and QE). Default:
	/// [`DEFAULT_ACCEPTED_TCB_STATUSES`].
	pub accepted_tcb_statuses: Vec<TcbStatus>,
	/// The verification time. Default: [`TimeSource::Handshake`].
	pub time: TimeSource,
	/// What `report_data[32..64]` must hold. Default: [`ExpectedBinding::Zero`].
	pub binding: ExpectedBinding,
}

/// What an RA-TLS certificate's quote must carry in `report_data[32..64]`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ExpectedBinding {
	/// Zero: the certificate binds its TLS key only.
	Zero,
	/// Anything: the caller checks [`VerifiedPeer::binding`] itself (e.g.
	/// against keys it reads from the parent chain).
	Any,
}

impl RaTlsPolicy {
	/// Accepts exactly the given MRENCLAVEs.
	pub fn allow_mr_enclaves(allowed: impl IntoIterator<Item = [u8; 32]>) -> Self {
		let set: BTreeSet<[u8; 32]> = allowed.into_iter().collect();
		Self::with_mr_enclave_check(move |m| set.contains(m))
	}

	/// Accepts the MRENCLAVEs for which `allowed` returns true; it is asked on
	/// every handshake, so it may read current chain state.
	pub fn with_mr_enclave_check(
		allowed: impl Fn(&[u8; 32]) -> bool + Send + Sync + 'static,
	) -> Self {
		Self {
			allowed_mr_enclave: Arc::new(allowed),
			allow_debug: false,
			accepted_tcb_statuses: DEFAULT_ACCEPTED_TCB_STATUSES.to_vec(),
			time: TimeSource::Handshake,
			binding: ExpectedBinding::Zero,
		}
	}

	pub fn with_binding(self, binding: ExpectedBinding) -> Self {
		Self { binding, ..self }
	}

	pub fn allow_debug(self, allow_debug: bool) -> Self {
		Self { allow_debug, ..self }
	}

	pub fn accept_tcb_statuses(self, statuses: impl IntoIterator<Item = TcbStatus>) -> Self {
		Self { accepted_tcb_statuses: statuses.into_iter().collect(), ..self }
	}

	pub fn with_time(self, time: TimeSource) -> Self {
		Self { time, ..self }
	}

	pub fn is_mr_enclave_allowed(&self, mr_enclave: &[u8; 32]) -> bool {
		(self.allowed_mr_enclave)(mr_enclave)
	}

	/// Applies the policy to a verified quote.
	pub fn check(&self, verified: &DcapVerified) -> Result<(), Error> {
		let enclave = &verified.enclave;
		let mr_enclave: [u8; 32] = enclave.mr_enclave.0;
		if !self.is_mr_enclave_allowed(&mr_enclave) {
			return Err(Error::MrEnclaveNotAllowed(mr_enclave));
		}
		if enclave.build_mode == SgxBuildMode::Debug && !self.allow_debug {
			return Err(Error::DebugEnclaveNotAllowed);
		}
		if !self.accepted_tcb_statuses.contains(&verified.status) {
			return Err(Error::TcbStatusNotAccepted(verified.status));
		}
		Ok(())
	}
}

impl fmt::Debug for RaTlsPolicy {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.debug_struct("RaTlsPolicy")
			.field("allowed_mr_enclave", &"<fn>")
			.field("allow_debug", &self.allow_debug)
			.field("accepted_tcb_statuses", &self.accepted_tcb_statuses)
			.field("time", &self.time)
			.field("binding", &self.binding)
			.finish()
	}
}

/// Everything needed to verify RA-TLS peers: the DCAP root CA, the verified
/// collateral, the revocation policy and the [`RaTlsPolicy`]. Shared by all
/// connections through an `Arc`; the collateral can be replaced while in use
/// ([`RaTlsConfig::insert_collateral`]), the rest is fixed.
pub struct RaTlsConfig {
	root_ca_der: Vec<u8>,
	revocation: RevocationPolicy,
	collateral: RwLock<CollateralStore>,
	policy: RaTlsPolicy,
}

impl RaTlsConfig {
	/// A configuration for the DCAP root CA `root_ca_der` (Intel's SGX root,
	/// or a simulated platform's development root), with no collateral yet and
	/// [`RevocationPolicy::IfAvailable`].
	pub fn new(root_ca_der: Vec<u8>, policy: RaTlsPolicy) -> Result<Self, Error> {
		Cert::from_der(&root_ca_der).map_err(Error::Certificate)?;
		Ok(Self {
			root_ca_der,
			revocation: RevocationPolicy::IfAvailable,
			collateral: RwLock::new(CollateralStore::default()),
			policy,
		})
	}

	pub fn with_revocation(self, revocation: RevocationPolicy) -> Self {
		Self { revocation, ..self }
	}

	/// Stores collateral that was verified before (as the chain stores it),
	/// replacing the previous one of its kind (and FMSPC).
	pub fn insert_collateral(&self, collateral: VerifiedCollateral) -> Result<(), Error> {
		let mut store = self.collateral.write().unwrap_or_else(PoisonError::into_inner);
		store.insert(collateral).map_err(|_| Error::Collateral("TCB info without FMSPC"))
	}

	/// Verifies Intel-format collateral under this configuration's root at
	/// `now_ms` ([`Verifier::verify_collateral`]) and stores it.
	pub fn register_collateral(
		&self,
		kind: CollateralKind,
		evidence: CollateralEvidence<'_>,
		now_ms: u64,
	) -> Result<(), Error> {
		let verified =
			self.verifier().verify_collateral(kind, evidence, now_ms).map_err(Error::Quote)?;
		self.insert_collateral(verified)
	}

	/// A copy of the stored collateral.
	pub fn collateral(&self) -> CollateralStore {
		self.collateral.read().unwrap_or_else(PoisonError::into_inner).clone()
	}

	pub fn policy(&self) -> &RaTlsPolicy {
		&self.policy
	}

	pub fn root_ca_der(&self) -> &[u8] {
		&self.root_ca_der
	}

	/// The attestation verifier on this configuration's root.
	pub fn verifier(&self) -> Verifier<'_> {
		Verifier::intel().with_sgx_root(&self.root_ca_der).with_revocation(self.revocation)
	}

	/// [`verify_attested_certificate`] with this configuration.
	pub fn verify_certificate(&self, cert_der: &[u8], now_ms: u64) -> Result<VerifiedPeer, Error> {
		verify_attested_certificate(cert_der, self, now_ms)
	}
}

impl fmt::Debug for RaTlsConfig {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.debug_struct("RaTlsConfig")
			.field("root_ca_der", &format_args!("{} bytes", self.root_ca_der.len()))
			.field("revocation", &self.revocation)
			.field("policy", &self.policy)
			.finish_non_exhaustive()
	}
}

/// What a verified RA-TLS certificate establishes about its holder.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct VerifiedPeer {
	/// The quote's verdict: enclave identity, FMSPC, TCB status.
	pub dcap: DcapVerified,
	/// SHA-256 of the certificate's SubjectPublicKeyInfo (the TLS key).
	pub key_hash: [u8; 32],
	/// `report_data[32..64]` of the quote (zero unless the policy accepts
	/// [`ExpectedBinding::Any`]).
	pub binding: [u8; 32],
}

/// The quote in an RA-TLS certificate's extension, checked only for being
/// present once and of plausible size; the certificate must decode
/// ([`Cert::from_der`]: strict DER, no unknown critical extension).
pub fn quote_from_certificate(cert: &Cert) -> Result<&[u8], Error> {
	let quote = cert
		.extension(&QUOTE_EXTENSION_OID_DER)
		.map_err(|_| Error::MalformedQuoteExtension("extension present more than once"))?
		.ok_or(Error::MissingQuoteExtension)?;
	if quote.is_empty() {
		return Err(Error::MalformedQuoteExtension("empty"));
	}
	if quote.len() < MIN_QUOTE_LEN {
		return Err(Error::MalformedQuoteExtension("shorter than a quote header and report"));
	}
	if quote.len() > MAX_QUOTE_LEN {
		return Err(Error::MalformedQuoteExtension("longer than any quote"));
	}
	Ok(quote)
}

/// Verifies an RA-TLS certificate at `now_ms` (Unix milliseconds), in this
/// order:
///
/// 1. the certificate decodes (DER X.509, no unknown critical extension);
/// 2. `notBefore <= now_ms <= notAfter`;
/// 3. it carries the quote extension exactly once, of plausible size;
/// 4. the DCAP quote verifies under the configured root against the stored
///    collateral ([`Verifier::verify_dcap_quote`]; a revoked TCB fails the
///    policy in step 6 unless explicitly accepted);
/// 5. the binding: `report_data[0..32]` = SHA-256 of the certificate's DER
///    SubjectPublicKeyInfo and `report_data[32..64]` = zero (or anything,
///    returned as [`VerifiedPeer::binding`], under [`ExpectedBinding::Any`]);
/// 6. the policy: MRENCLAVE allowed, debug build only if allowed, TCB status
///    accepted.
///
/// The certificate's own signature is not checked: it proves nothing that the
/// TLS handshake does not (possession of the key is proven by the
/// CertificateVerify message, the key's binding to the enclave by the quote),
/// and not checking it keeps certificates of any key type verifiable here.
pub fn verify_attested_certificate(
	cert_der: &[u8],
	config: &RaTlsConfig,
	now_ms: u64,
) -> Result<VerifiedPeer, Error> {
	let cert = Cert::from_der(cert_der).map_err(Error::Certificate)?;
	let (not_before_ms, not_after_ms) = (cert.not_before_ms(), cert.not_after_ms());
	if now_ms < not_before_ms || now_ms > not_after_ms {
		return Err(Error::CertificateNotValidAt { now_ms, not_before_ms, not_after_ms });
	}
	let quote = quote_from_certificate(&cert)?;

	let dcap = {
		let store = config.collateral.read().unwrap_or_else(PoisonError::into_inner);
		let lookup = |kind: CollateralKind, fmspc: Option<Fmspc>| store.lookup(kind, fmspc);
		config.verifier().verify_dcap_quote(quote, &lookup, now_ms).map_err(Error::Quote)?
	};

	let key_hash = cert.key_hash();
	if dcap.enclave.signer_public != key_hash {
		return Err(Error::KeyNotBound);
	}
	let binding = dcap.enclave.report_binding;
	if config.policy.binding == ExpectedBinding::Zero && binding != [0u8; 32] {
		return Err(Error::UnexpectedReportData);
	}
	config.policy.check(&dcap)?;
	Ok(VerifiedPeer { dcap, key_hash, binding })
}
