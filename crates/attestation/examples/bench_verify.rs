//! Verification time per quote / certificate over N iterations, on the real
//! Intel artifacts of the shared test data (read in place).
//!
//! `cargo run --release -p integritee-attestation --example bench_verify [N]`
//! (add `--features ring-ecdsa` for the worker's optional `ring` backend).
//!
//! DCAP quotes are timed three ways: without a link cache (the runtime's
//! path), with an empty cache per quote (a platform's first quote at a
//! worker), and with a warm cache (repeated quotes of a platform).

use integritee_attestation::{dcap::collateral::split_signed_file, LinkCache, Verifier};
use integritee_primitives::{CollateralEvidence, CollateralKind, VerifiedCollateral};
use std::time::Instant;

const DCAP_NOW_MS: u64 = 1_671_606_747_000;
const IAS_REPORT_MS: u64 = 1_587_899_785_000;

use integritee_testdata::sgx;

fn register_json(
	v: &Verifier<'_>,
	kind: CollateralKind,
	file: &str,
	chain: &str,
) -> VerifiedCollateral {
	let file = sgx(file);
	let (body, signature) = split_signed_file(&file).expect("signed file");
	let chain = sgx(chain);
	v.verify_collateral(
		kind,
		CollateralEvidence { body, signature, issuer_chain: &chain },
		DCAP_NOW_MS,
	)
	.expect("collateral verifies")
}

fn time<T>(label: &str, n: u32, mut f: impl FnMut() -> T) {
	let start = Instant::now();
	for _ in 0..n {
		std::hint::black_box(f());
	}
	let per = start.elapsed() / n;
	println!("{label:<50} {n:>6} iterations  {:>10.3} ms/op", per.as_secs_f64() * 1000.0);
}

fn main() {
	let n: u32 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(200);
	let v = Verifier::intel();
	let qe = register_json(
		&v,
		CollateralKind::QuotingEnclaveIdentity,
		"dcap/qe_identity.json",
		"dcap/qe_identity_issuer_chain.pem",
	);
	let tcb = register_json(
		&v,
		CollateralKind::TcbInfo,
		"dcap/tcb_info.json",
		"dcap/tcb_info_issuer_chain.pem",
	);
	let root_crl_text = sgx("dcap/root_ca_crl.der");
	let root_crl = v
		.verify_collateral(
			CollateralKind::RootCaCrl,
			CollateralEvidence { body: &root_crl_text, signature: &[], issuer_chain: &[] },
			DCAP_NOW_MS,
		)
		.expect("root CA CRL verifies");
	let registry = [qe, tcb, root_crl];
	let lookup = |kind: CollateralKind, _fmspc: Option<[u8; 6]>| {
		registry.iter().find(|c| c.kind == kind).cloned()
	};
	let quote = sgx("dcap/ra_dcap_dump_quote.ra");
	let ias_cert = sgx("ias/ra_dump_cert_TEST4.der");

	let backend = if cfg!(feature = "ring-ecdsa") { "ring" } else { "RustCrypto p256" };
	println!("ECDSA P-256 backend: {backend}");
	let status = v.verify_dcap_quote(&quote, &lookup, DCAP_NOW_MS).expect("quote verifies").status;
	println!("DCAP quote: {status:?}");
	time("DCAP quote (registered collateral), no cache", n, || {
		v.verify_dcap_quote(&quote, &lookup, DCAP_NOW_MS)
	});
	// First quote of a platform: the link cache is empty (a new one each time).
	time("DCAP quote, link cache cold (first quote)", n, || {
		let cache = LinkCache::default();
		v.with_cache(&cache).verify_dcap_quote(&quote, &lookup, DCAP_NOW_MS)
	});
	// Repeated quotes of a platform whose PCK chain links are cached.
	let cache = LinkCache::default();
	let cached = v.with_cache(&cache);
	cached.verify_dcap_quote(&quote, &lookup, DCAP_NOW_MS).expect("quote verifies");
	time("DCAP quote, link cache warm (repeated quotes)", n, || {
		cached.verify_dcap_quote(&quote, &lookup, DCAP_NOW_MS)
	});
	let stats = cache.stats();
	println!("  link cache: {} links, {} hits, {} misses", stats.len, stats.hits, stats.misses);
	time("TCB info registration (JSON + chain)", n, || {
		register_json(
			&v,
			CollateralKind::TcbInfo,
			"dcap/tcb_info.json",
			"dcap/tcb_info_issuer_chain.pem",
		)
	});
	time("IAS RA-TLS certificate", n, || {
		v.verify_ias_certificate(&ias_cert, IAS_REPORT_MS + 3_600_000)
	});
}
