//! `integritee-cli attestation verify`: offline verification of SGX
//! attestation evidence (a DCAP quote or an IAS RA-TLS certificate) with
//! `integritee-attestation`, the verifier the registry itself runs. No node is
//! contacted; Intel's collateral is read from files.

use std::{
	fs,
	io::{self, Read},
	path::{Path, PathBuf},
	time::{SystemTime, UNIX_EPOCH},
};

use clap::{Args, Subcommand};
use integritee_attestation::{
	dcap::{collateral::split_signed_file, PckPlatform, Quote},
	ias, pem,
	x509::Cert,
	Error, Verifier,
};
use integritee_primitives::{
	AttestedEnclave, CollateralEvidence, CollateralKind, Fmspc, SgxBuildMode, VerifiedCollateral,
};

/// Evidence and collateral files larger than this are refused before reading
/// them whole (a real quote is under 8 KiB, a TCB info under 64 KiB).
const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

const QE_IDENTITY: &str = "qe_identity.json";
const QE_IDENTITY_CHAIN: &str = "qe_identity_issuer_chain.pem";
const TCB_INFO: &str = "tcb_info.json";
const TCB_INFO_CHAIN: &str = "tcb_info_issuer_chain.pem";
const PCK_CRL: &str = "pck_crl.der";
const PCK_CRL_CHAIN: &str = "pck_crl_issuer_chain.pem";
const ROOT_CA_CRL: &str = "root_ca_crl.der";

#[derive(Debug, Subcommand)]
pub enum AttestationCommand {
	/// Verify a DCAP quote or an IAS RA-TLS certificate offline.
	#[command(long_about = VERIFY_LONG_ABOUT, after_long_help = VERIFY_AFTER_HELP)]
	Verify(VerifyArgs),
}

const VERIFY_LONG_ABOUT: &str = "\
Verify SGX attestation evidence offline, with the verifier the enclave registry runs \
(no node is contacted).

FILE is either
  - a raw SGX DCAP quote (version 3, ECDSA P-256, PEM PCK chain), as binary or as hex \
text (whitespace and a leading 0x are ignored), or
  - an IAS RA-TLS certificate (DER, or PEM) whose Netscape-comment extension carries \
the IAS report.
The kind is detected from the content.

A DCAP quote is verified against Intel's collateral in DIR (--collateral), as Intel's \
PCS serves it:
  tcb_info.json                {\"tcbInfo\":{..},\"signature\":\"hex\"}   (required)
  tcb_info_issuer_chain.pem    its issuer chain                      (required)
  qe_identity.json             {\"enclaveIdentity\":{..},\"signature\":\"hex\"} (required)
  qe_identity_issuer_chain.pem its issuer chain                      (required)
  root_ca_crl.der              Root CA CRL, DER or hex of DER        (optional)
  pck_crl.der                  PCK CRL, DER or hex of DER            (optional)
  pck_crl_issuer_chain.pem     issuer chain of the PCK CRL           (optional)
Every file present must verify at the verification time; a CRL that is present and \
applies is enforced. Intel publishes one PCK CRL per PCK CA (Processor, Platform): a \
PCK CRL issued by another CA than the one that issued the quote's PCK certificate \
cannot revoke it, so it is skipped with a warning on stderr. A PCK CRL of the quote's \
CA that does not verify (signature, expiry, issuer chain) is an error. Without \
pck_crl_issuer_chain.pem, the PCK CRL is verified with the CA chain inside the quote.

An IAS certificate needs no collateral: the report signature chains to the IAS root \
at the report's time, and the report must be at most 24 h old at the verification \
time.

The TCB status is reported, not judged: which statuses (and debug builds) are \
acceptable is the operator's policy. A revoked TCB is reported as \"Revoked\" with a \
warning on stderr.";

const VERIFY_AFTER_HELP: &str = "\
Output (--json): one JSON object with kind (\"dcap\" | \"ias\"), mr_enclave, mr_signer, \
report_data (64 bytes, hex), build_mode (\"Debug\" | \"Production\"), tcb_status \
(DCAP: Intel's TCB status, e.g. \"UpToDate\", \"SWHardeningNeeded\"; IAS: the report's \
isvEnclaveQuoteStatus, e.g. \"OK\", \"CONFIGURATION_NEEDED\") and timestamp_ms (DCAP: \
the verification time; IAS: the report time).

Exit status: 0 if the evidence verifies, 1 if it does not or a file cannot be used, with \
the reason on stderr; 2 on a usage error (e.g. a DCAP quote without --collateral).

Examples:
  integritee-cli attestation verify quote.dat --collateral pcs/ --json
  integritee-cli attestation verify ra_cert.der --at 1587903385000";

#[derive(Debug, Args)]
pub struct VerifyArgs {
	/// The evidence: a DCAP quote (binary or hex) or an IAS RA-TLS certificate (DER or PEM).
	#[arg(value_name = "FILE")]
	file: PathBuf,

	/// Directory with Intel's collateral for a DCAP quote (tcb_info.json, qe_identity.json,
	/// their issuer chains, optional CRLs). Required for DCAP, unused for IAS.
	#[arg(long, value_name = "DIR")]
	collateral: Option<PathBuf>,

	/// Verification time in Unix milliseconds [default: now].
	#[arg(long, value_name = "UNIX_MS")]
	at: Option<u64>,

	/// PEM file with the root CA to trust instead of Intel's: the SGX Root CA for a DCAP
	/// quote and its collateral, the IAS report signing root for an IAS certificate.
	#[arg(long, value_name = "PEM")]
	root_ca: Option<PathBuf>,

	/// Print one JSON object instead of a summary.
	#[arg(long)]
	json: bool,
}

/// Why `attestation verify` failed. Messages name the file and the check.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
	#[error("cannot read {what} {}: {source}", path.display())]
	Read {
		what: &'static str,
		path: PathBuf,
		#[source]
		source: io::Error,
	},
	#[error("{what} {} is a directory, not a file", path.display())]
	IsDirectory { what: &'static str, path: PathBuf },
	#[error(
		"{what} {} is larger than {} bytes: not attestation data",
		path.display(),
		MAX_FILE_BYTES
	)]
	TooLarge { what: &'static str, path: PathBuf },
	#[error("{}: {problem}", path.display())]
	Evidence {
		path: PathBuf,
		#[source]
		problem: EvidenceProblem,
	},
	/// A usage error: the command line lacks `--collateral`.
	#[error(
		"{} is a DCAP quote, which is verified against Intel's collateral: pass --collateral DIR \
		 (a directory with {}, {}, {} and {}; see --help)",
		path.display(),
		TCB_INFO,
		TCB_INFO_CHAIN,
		QE_IDENTITY,
		QE_IDENTITY_CHAIN
	)]
	NeedsCollateral { path: PathBuf },
	#[error("--collateral {}: not a directory", dir.display())]
	NotADirectory { dir: PathBuf },
	#[error("collateral directory {} lacks {name} (required for a DCAP quote)", dir.display())]
	MissingCollateralFile { dir: PathBuf, name: &'static str },
	#[error("--root-ca {}: {source}", path.display())]
	RootCa {
		path: PathBuf,
		#[source]
		source: Error,
	},
	#[error("--root-ca {}: expected one certificate, found {count}", path.display())]
	RootCaCount { path: PathBuf, count: usize },
	#[error("the system clock is before 1970; pass --at")]
	ClockBeforeEpoch,
	#[error("the system clock is out of range")]
	ClockOutOfRange,
	#[error("the DCAP quote does not verify: {0}")]
	QuoteRefused(#[source] Error),
	#[error(
		"{} is for FMSPC {}, the quote's platform has FMSPC {}",
		TCB_INFO,
		tcb_info.map(hex::encode).unwrap_or_default(),
		hex::encode(quote)
	)]
	FmspcMismatch { tcb_info: Option<Fmspc>, quote: Fmspc },
	#[error("collateral {name}: {source}")]
	Collateral {
		name: &'static str,
		#[source]
		source: Error,
	},
	/// `chain` names the issuer chain the collateral was checked with.
	#[error("collateral {name} (with {chain}): {source}")]
	CollateralWithChain {
		name: &'static str,
		chain: &'static str,
		#[source]
		source: Error,
	},
	#[error("the IAS certificate does not verify: {0}")]
	IasRefused(#[source] Error),
	#[error("the IAS report's quote status cannot be read: {0}")]
	IasStatus(#[source] Error),
}

impl VerifyError {
	/// Whether the command line is wrong rather than the evidence.
	pub fn is_usage(&self) -> bool {
		matches!(self, VerifyError::NeedsCollateral { .. })
	}
}

/// What is wrong with the evidence file's content.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum EvidenceProblem {
	#[error("PEM text, but not a certificate: {0}")]
	PemNotACertificate(#[source] Error),
	#[error("PEM text with {0} certificates; expected one RA-TLS certificate")]
	PemCertificateCount(usize),
	#[error("hex text that does not decode: {0}")]
	BadHex(#[source] hex::FromHexError),
	#[error("the file is empty")]
	Empty,
	#[error("neither an SGX quote (binary or hex) nor a DER certificate")]
	Unrecognized,
}

/// The evidence, decoded from the file's encoding.
#[derive(Debug, PartialEq, Eq)]
enum Evidence {
	Dcap(Vec<u8>),
	Ias(Vec<u8>),
}

/// What was verified, ready to print.
struct Outcome {
	kind: &'static str,
	enclave: AttestedEnclave,
	tcb_status: String,
	timestamp_ms: u64,
	/// Extra lines of the readable summary.
	details: Vec<(&'static str, String)>,
}

pub fn run(command: AttestationCommand) -> Result<(), VerifyError> {
	match command {
		AttestationCommand::Verify(args) => verify(args),
	}
}

fn verify(args: VerifyArgs) -> Result<(), VerifyError> {
	let raw = read_file(&args.file, "FILE")?;
	let evidence = decode_evidence(&raw)
		.map_err(|problem| VerifyError::Evidence { path: args.file.clone(), problem })?;
	let root_der = args.root_ca.as_deref().map(read_root_ca).transpose()?;
	let now_ms = match args.at {
		Some(at) => at,
		None => now_ms()?,
	};
	let mut warnings = Vec::new();
	let outcome = match &evidence {
		Evidence::Dcap(quote) => {
			let mut verifier = Verifier::intel();
			if let Some(root) = &root_der {
				verifier = verifier.with_sgx_root(root);
			}
			let dir = args
				.collateral
				.as_deref()
				.ok_or_else(|| VerifyError::NeedsCollateral { path: args.file.clone() })?;
			verify_dcap(&verifier, quote, dir, now_ms, &mut warnings)?
		}
		Evidence::Ias(cert) => {
			let mut verifier = Verifier::intel();
			if let Some(root) = &root_der {
				verifier = verifier.with_ias_root(root);
			}
			if args.collateral.is_some() {
				warnings.push("--collateral is not used for an IAS certificate".to_string());
			}
			verify_ias(&verifier, cert, now_ms)?
		}
	};
	if outcome.tcb_status == "Revoked" || outcome.tcb_status == "GROUP_REVOKED" {
		warnings.push("the platform's TCB is revoked; the registry refuses it".to_string());
	}
	for warning in &warnings {
		eprintln!("warning: {warning}");
	}
	print_outcome(&outcome, args.json);
	Ok(())
}

// --- input -------------------------------------------------------------------

/// Reads a whole file, refusing directories and files over [`MAX_FILE_BYTES`].
fn read_file(path: &Path, what: &'static str) -> Result<Vec<u8>, VerifyError> {
	let describe = |source: io::Error| VerifyError::Read { what, path: path.to_path_buf(), source };
	let file = fs::File::open(path).map_err(describe)?;
	let metadata = file.metadata().map_err(describe)?;
	if metadata.is_dir() {
		return Err(VerifyError::IsDirectory { what, path: path.to_path_buf() });
	}
	let mut bytes = Vec::new();
	file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(describe)?;
	if bytes.len() as u64 > MAX_FILE_BYTES {
		return Err(VerifyError::TooLarge { what, path: path.to_path_buf() });
	}
	Ok(bytes)
}

/// Reads `dir/name` if it exists.
fn read_optional(dir: &Path, name: &str) -> Result<Option<Vec<u8>>, VerifyError> {
	let path = dir.join(name);
	match fs::metadata(&path) {
		Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
		_ => read_file(&path, "collateral file").map(Some),
	}
}

fn read_required(dir: &Path, name: &'static str) -> Result<Vec<u8>, VerifyError> {
	read_optional(dir, name)?
		.ok_or_else(|| VerifyError::MissingCollateralFile { dir: dir.to_path_buf(), name })
}

/// Decodes the evidence file and tells a DCAP quote from an IAS certificate.
fn decode_evidence(raw: &[u8]) -> Result<Evidence, EvidenceProblem> {
	let bytes = if let Some(decoded) = hex_text(raw) {
		decoded?
	} else if std::str::from_utf8(raw).is_ok() && contains(raw, b"-----BEGIN ") {
		// PEM is text; a binary quote (whose certification data holds PEM) is not.
		let mut certificates =
			pem::decode_certificates(raw).map_err(EvidenceProblem::PemNotACertificate)?;
		if certificates.len() != 1 {
			return Err(EvidenceProblem::PemCertificateCount(certificates.len()));
		}
		return Ok(Evidence::Ias(certificates.remove(0)));
	} else {
		raw.to_vec()
	};
	match bytes.as_slice() {
		[] => Err(EvidenceProblem::Empty),
		// An X.509 certificate is a DER SEQUENCE.
		[0x30, ..] => Ok(Evidence::Ias(bytes)),
		// A quote starts with its version, a little-endian u16 (3 is supported;
		// other versions get the verifier's own error).
		[1..=5] | [1..=5, 0, ..] => Ok(Evidence::Dcap(bytes)),
		_ => Err(EvidenceProblem::Unrecognized),
	}
}

/// `Some` if `raw` is hex text (whitespace anywhere, an optional `0x` prefix).
fn hex_text(raw: &[u8]) -> Option<Result<Vec<u8>, EvidenceProblem>> {
	let text = raw.trim_ascii();
	let text = text.strip_prefix(b"0x").or_else(|| text.strip_prefix(b"0X")).unwrap_or(text);
	if text.is_empty() || !text.iter().all(|c| c.is_ascii_hexdigit() || c.is_ascii_whitespace()) {
		return None;
	}
	let digits: Vec<u8> = text.iter().copied().filter(|c| !c.is_ascii_whitespace()).collect();
	Some(hex::decode(digits).map_err(EvidenceProblem::BadHex))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
	haystack.windows(needle.len()).any(|w| w == needle)
}

/// The single certificate of a `--root-ca` PEM file, as DER.
fn read_root_ca(path: &Path) -> Result<Vec<u8>, VerifyError> {
	let pem_text = read_file(path, "--root-ca")?;
	let describe = |source: Error| VerifyError::RootCa { path: path.to_path_buf(), source };
	let mut certificates = pem::decode_certificates(&pem_text).map_err(describe)?;
	if certificates.len() != 1 {
		return Err(VerifyError::RootCaCount {
			path: path.to_path_buf(),
			count: certificates.len(),
		});
	}
	let der = certificates.remove(0);
	Cert::from_der(&der).map_err(describe)?;
	Ok(der)
}

fn now_ms() -> Result<u64, VerifyError> {
	let since_epoch =
		SystemTime::now().duration_since(UNIX_EPOCH).map_err(|_| VerifyError::ClockBeforeEpoch)?;
	u64::try_from(since_epoch.as_millis()).map_err(|_| VerifyError::ClockOutOfRange)
}

// --- DCAP --------------------------------------------------------------------

fn verify_dcap(
	verifier: &Verifier<'_>,
	quote: &[u8],
	dir: &Path,
	now_ms: u64,
	warnings: &mut Vec<String>,
) -> Result<Outcome, VerifyError> {
	let refused = VerifyError::QuoteRefused;
	if !dir.is_dir() {
		return Err(VerifyError::NotADirectory { dir: dir.to_path_buf() });
	}
	// What the collateral must match: the platform named in the PCK leaf, and
	// the CA chain above it (for the PCK CRL). Nothing here is trusted yet;
	// `verify_dcap_quote` checks it all.
	let parsed = Quote::parse(quote).map_err(refused)?;
	parsed.check_supported().map_err(refused)?;
	let chain = pem::decode_certificates(parsed.certification_data).map_err(refused)?;
	let leaf = Cert::from_der(chain.first().ok_or(Error::BadChainLength).map_err(refused)?)
		.map_err(refused)?;
	let platform = PckPlatform::from_certificate(&leaf).map_err(refused)?;

	let mut registry = Vec::new();
	let qe_identity = register_json(verifier, dir, CollateralKind::QuotingEnclaveIdentity, now_ms)?;
	registry.push(qe_identity);
	let tcb_info = register_json(verifier, dir, CollateralKind::TcbInfo, now_ms)?;
	if tcb_info.fmspc != Some(platform.fmspc) {
		return Err(VerifyError::FmspcMismatch { tcb_info: tcb_info.fmspc, quote: platform.fmspc });
	}
	registry.push(tcb_info);
	let mut crls = Vec::new();
	if let Some(body) = read_optional(dir, ROOT_CA_CRL)? {
		let evidence = CollateralEvidence { body: &body, signature: &[], issuer_chain: &[] };
		let crl = verifier
			.verify_collateral(CollateralKind::RootCaCrl, evidence, now_ms)
			.map_err(|source| VerifyError::Collateral { name: ROOT_CA_CRL, source })?;
		registry.push(crl);
		crls.push(ROOT_CA_CRL);
	}
	if let Some(body) = read_optional(dir, PCK_CRL)? {
		let quote_ca_chain = after_first_certificate(parsed.certification_data);
		if let Some(crl) = register_pck_crl(verifier, dir, &body, quote_ca_chain, now_ms, warnings)?
		{
			registry.push(crl);
			crls.push(PCK_CRL);
		}
	}

	let lookup = |kind: CollateralKind, fmspc: Option<Fmspc>| {
		registry
			.iter()
			.find(|c| c.kind == kind && (kind != CollateralKind::TcbInfo || c.fmspc == fmspc))
			.cloned()
	};
	let verified = verifier.verify_dcap_quote(quote, &lookup, now_ms).map_err(refused)?;
	Ok(Outcome {
		kind: "dcap",
		enclave: verified.enclave,
		tcb_status: verified.status.intel_name().to_string(),
		timestamp_ms: now_ms,
		details: vec![
			("FMSPC", hex::encode(verified.fmspc)),
			(
				"TCB level",
				format!(
					"{} of the TCB info (0-based); platform {}, QE {}",
					verified.tcb_level,
					verified.platform_status.intel_name(),
					verified.qe_status.intel_name()
				),
			),
			("CRLs applied", if crls.is_empty() { "none".into() } else { crls.join(", ") }),
		],
	})
}

/// Verifies `qe_identity.json` or `tcb_info.json` with its issuer chain.
fn register_json(
	verifier: &Verifier<'_>,
	dir: &Path,
	kind: CollateralKind,
	now_ms: u64,
) -> Result<VerifiedCollateral, VerifyError> {
	let (name, chain_name) = match kind {
		CollateralKind::TcbInfo => (TCB_INFO, TCB_INFO_CHAIN),
		_ => (QE_IDENTITY, QE_IDENTITY_CHAIN),
	};
	let file = read_required(dir, name)?;
	let chain = read_required(dir, chain_name)?;
	let (body, signature) =
		split_signed_file(&file).map_err(|source| VerifyError::Collateral { name, source })?;
	let evidence = CollateralEvidence { body, signature, issuer_chain: &chain };
	verifier
		.verify_collateral(kind, evidence, now_ms)
		.map_err(|source| VerifyError::CollateralWithChain { name, chain: chain_name, source })
}

/// Verifies the PCK CRL. It is checked with `pck_crl_issuer_chain.pem` if
/// present, else (or if that chain did not issue it) with the CA chain of the
/// quote itself. If neither issued it, the CRL is of another PCK CA: it cannot
/// revoke the quote's PCK certificate (a CRL applies only to certificates of
/// its issuer), so it is skipped with a warning rather than failing a quote it
/// says nothing about. Every other failure is an error.
fn register_pck_crl(
	verifier: &Verifier<'_>,
	dir: &Path,
	body: &[u8],
	quote_ca_chain: &[u8],
	now_ms: u64,
	warnings: &mut Vec<String>,
) -> Result<Option<VerifiedCollateral>, VerifyError> {
	let attempt = |issuer_chain: &[u8]| {
		let evidence = CollateralEvidence { body, signature: &[], issuer_chain };
		verifier.verify_collateral(CollateralKind::PckCrl, evidence, now_ms)
	};
	let chain_file = read_optional(dir, PCK_CRL_CHAIN)?;
	if let Some(chain) = &chain_file {
		match attempt(chain) {
			Ok(crl) => return Ok(Some(crl)),
			Err(Error::CrlIssuerMismatch) => {}
			Err(source) => {
				return Err(VerifyError::CollateralWithChain {
					name: PCK_CRL,
					chain: PCK_CRL_CHAIN,
					source,
				})
			}
		}
	}
	match attempt(quote_ca_chain) {
		Ok(crl) => {
			if chain_file.is_some() {
				warnings.push(format!(
					"{PCK_CRL} is not issued by {PCK_CRL_CHAIN}; it was verified with the CA \
					 chain in the quote instead"
				));
			}
			Ok(Some(crl))
		}
		Err(Error::CrlIssuerMismatch) => {
			warnings.push(format!(
				"{PCK_CRL} is issued by another CA than the quote's PCK certificate (Intel \
				 publishes one PCK CRL per PCK CA); it cannot revoke this quote's certificates \
				 and is not used"
			));
			Ok(None)
		}
		Err(source) => Err(VerifyError::CollateralWithChain {
			name: PCK_CRL,
			chain: "the quote's CA chain",
			source,
		}),
	}
}

/// The PEM text after the first certificate block (the leaf) of a PCK chain:
/// the CA certificates above it.
fn after_first_certificate(pem_text: &[u8]) -> &[u8] {
	const END: &[u8] = b"-----END CERTIFICATE-----";
	pem_text
		.windows(END.len())
		.position(|w| w == END)
		.and_then(|at| pem_text.get(at + END.len()..))
		.unwrap_or_default()
}

// --- IAS ---------------------------------------------------------------------

fn verify_ias(verifier: &Verifier<'_>, cert: &[u8], now_ms: u64) -> Result<Outcome, VerifyError> {
	let verified =
		verifier.verify_ias_certificate(cert, now_ms).map_err(VerifyError::IasRefused)?;
	let status = ias_quote_status(cert).map_err(VerifyError::IasStatus)?;
	Ok(Outcome {
		kind: "ias",
		timestamp_ms: verified.report_time_ms,
		enclave: verified.enclave,
		tcb_status: status,
		details: vec![
			("report id", verified.report_id),
			("verified at", format!("{} ({now_ms})", rfc3339(now_ms))),
		],
	})
}

/// `isvEnclaveQuoteStatus` exactly as the (already verified) report writes it.
fn ias_quote_status(cert: &[u8]) -> Result<String, Error> {
	let cert = Cert::from_der(cert)?;
	let extension =
		cert.extension(&ias::OID_NETSCAPE_COMMENT)?.ok_or(Error::MissingReportExtension)?;
	let parts = ias::split_report_extension(extension)?;
	let report: serde_json::Value =
		serde_json::from_slice(parts.report_json).map_err(|_| Error::Json("IAS report"))?;
	report
		.get("isvEnclaveQuoteStatus")
		.and_then(serde_json::Value::as_str)
		.map(str::to_string)
		.ok_or(Error::Json("isvEnclaveQuoteStatus"))
}

// --- output ------------------------------------------------------------------

fn build_mode(mode: SgxBuildMode) -> &'static str {
	match mode {
		SgxBuildMode::Debug => "Debug",
		SgxBuildMode::Production => "Production",
	}
}

fn report_data(enclave: &AttestedEnclave) -> String {
	let mut data = enclave.signer_public.to_vec();
	data.extend_from_slice(&enclave.report_binding);
	hex::encode(data)
}

fn print_outcome(outcome: &Outcome, json: bool) {
	let enclave = &outcome.enclave;
	if json {
		let object = serde_json::json!({
			"kind": outcome.kind,
			"mr_enclave": hex::encode(enclave.mr_enclave),
			"mr_signer": hex::encode(enclave.mr_signer),
			"report_data": report_data(enclave),
			"build_mode": build_mode(enclave.build_mode),
			"tcb_status": outcome.tcb_status,
			"timestamp_ms": outcome.timestamp_ms,
		});
		println!("{object}");
		return;
	}
	let (what, when) = match outcome.kind {
		"dcap" => ("DCAP quote", "verified at"),
		_ => ("IAS certificate", "report time"),
	};
	println!("{what}: verified");
	let mut lines = vec![
		("MRENCLAVE", hex::encode(enclave.mr_enclave)),
		("MRSIGNER", hex::encode(enclave.mr_signer)),
		("report data", report_data(enclave)),
		("build mode", build_mode(enclave.build_mode).to_string()),
		("TCB status", outcome.tcb_status.clone()),
		(when, format!("{} ({})", rfc3339(outcome.timestamp_ms), outcome.timestamp_ms)),
	];
	lines.extend(outcome.details.iter().cloned());
	for (label, value) in lines {
		println!("  {label:<13} {value}");
	}
}

/// `YYYY-MM-DDTHH:MM:SSZ` of Unix milliseconds (proleptic Gregorian, UTC).
fn rfc3339(ms: u64) -> String {
	let secs = ms / 1000;
	let (days, rem) = (secs / 86_400, secs % 86_400);
	// Howard Hinnant's civil_from_days, for days >= 0.
	let z = days + 719_468;
	let era = z / 146_097;
	let doe = z % 146_097;
	let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
	let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	let mp = (5 * doy + 2) / 153;
	let day = doy - (153 * mp + 2) / 5 + 1;
	let month = if mp < 10 { mp + 3 } else { mp - 9 };
	let year = yoe + era * 400 + u64::from(month <= 2);
	format!(
		"{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
		rem / 3600,
		rem % 3600 / 60,
		rem % 60
	)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;

	#[test]
	fn formats_times() {
		assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
		assert_eq!(rfc3339(1_671_606_747_000), "2022-12-21T07:12:27Z");
		assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00Z");
		assert!(rfc3339(u64::MAX).ends_with('Z'), "no overflow");
	}

	#[test]
	fn detects_the_kind_of_evidence() {
		assert_eq!(decode_evidence(&[3, 0, 2, 0]), Ok(Evidence::Dcap(vec![3, 0, 2, 0])));
		assert_eq!(decode_evidence(b" 0x0300\n0200 \n"), Ok(Evidence::Dcap(vec![3, 0, 2, 0])));
		assert_eq!(decode_evidence(&[0x30, 0x82, 1]), Ok(Evidence::Ias(vec![0x30, 0x82, 1])));
		assert_eq!(decode_evidence(b"3082 01"), Ok(Evidence::Ias(vec![0x30, 0x82, 1])));
		assert!(decode_evidence(b"").is_err());
		assert!(decode_evidence(b"030").unwrap_err().to_string().contains("hex"));
		assert!(decode_evidence(b"{\"json\": 1}").unwrap_err().to_string().contains("neither"));
		assert!(decode_evidence(b"-----BEGIN CERTIFICATE-----\n*\n-----END CERTIFICATE-----")
			.unwrap_err()
			.to_string()
			.contains("PEM"));
	}

	#[test]
	fn finds_the_ca_chain_after_the_leaf() {
		let chain = b"-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\nrest";
		assert_eq!(after_first_certificate(chain), b"\nrest");
		assert_eq!(after_first_certificate(b"no blocks"), b"");
	}
}
