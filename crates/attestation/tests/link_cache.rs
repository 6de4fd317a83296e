//! The worker's cache of verified PCK chain links (`Verifier::with_cache`):
//! the same verdicts as without it, signatures only, bounded.
#![allow(clippy::unwrap_used)]

mod common;

use base64ct::{Base64, Encoding};
use common::*;
use integritee_attestation::{
	dcap::Quote, pem, DcapVerified, Error, LinkCache, LinkCacheStats, Verifier,
};

/// 2030-01-01: the PCK leaf has expired (2029-05-23), its CA (2033) and the
/// root have not.
const AFTER_LEAF_EXPIRY_MS: u64 = 1_893_456_000_000;
/// 2020-01-01: before the PCK leaf was issued (2022-05-23), within its CA's
/// validity.
const BEFORE_LEAF_ISSUE_MS: u64 = 1_577_836_800_000;

fn verify(
	v: Verifier<'_>,
	quote: &[u8],
	registry: &Registry,
	now_ms: u64,
) -> Result<DcapVerified, Error> {
	v.verify_dcap_quote(quote, &|k, f| registry.lookup(k, f), now_ms)
}

/// `quote` with its certification data (the PEM PCK chain, the quote's last
/// field) replaced, and the length fields adjusted.
fn with_certification_data(quote: &[u8], data: &[u8]) -> Vec<u8> {
	let old_len = Quote::parse(quote).unwrap().certification_data.len();
	let at = quote.len() - old_len;
	let mut out = quote[..at - 4].to_vec();
	out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_le_bytes());
	out.extend_from_slice(data);
	let signature_data_len = u32::try_from(out.len() - 436).unwrap();
	out[432..436].copy_from_slice(&signature_data_len.to_le_bytes());
	out
}

fn to_pem(ders: &[Vec<u8>]) -> Vec<u8> {
	let mut text = String::new();
	for der in ders {
		text.push_str("-----BEGIN CERTIFICATE-----\n");
		let b64 = Base64::encode_string(der);
		for line in b64.as_bytes().chunks(64) {
			text.push_str(std::str::from_utf8(line).unwrap());
			text.push('\n');
		}
		text.push_str("-----END CERTIFICATE-----\n");
	}
	text.into_bytes()
}

/// The real quote with certificate `index` of its PCK chain changed by `edit`.
fn quote_with_edited_certificate(index: usize, edit: impl FnOnce(&mut [u8])) -> Vec<u8> {
	let quote = quote();
	let mut chain =
		pem::decode_certificates(Quote::parse(&quote).unwrap().certification_data).unwrap();
	edit(&mut chain[index]);
	with_certification_data(&quote, &to_pem(&chain))
}

/// Flips the last bit of a certificate's DER: the last byte of its
/// signature's `s`, which keeps the DER valid.
fn flip_signature(der: &mut [u8]) {
	*der.last_mut().unwrap() ^= 0x01;
}

#[test]
fn the_rebuilt_quote_still_verifies() {
	// The test's quote surgery itself changes nothing.
	let registry = real_registry(&Verifier::intel());
	let rebuilt = quote_with_edited_certificate(0, |_| {});
	assert_eq!(
		verify(Verifier::intel(), &rebuilt, &registry, DCAP_NOW_MS),
		verify(Verifier::intel(), &quote(), &registry, DCAP_NOW_MS)
	);
}

#[test]
fn cached_verification_gives_the_uncached_result() {
	let registry = real_registry(&Verifier::intel());
	let uncached = verify(Verifier::intel(), &quote(), &registry, DCAP_NOW_MS).unwrap();
	let cache = LinkCache::default();
	let cached = Verifier::intel().with_cache(&cache);
	let first = verify(cached, &quote(), &registry, DCAP_NOW_MS).unwrap();
	// Two links: PCK CA by root, PCK certificate by PCK CA.
	assert_eq!(cache.stats(), LinkCacheStats { len: 2, hits: 0, misses: 2 });
	let second = verify(cached, &quote(), &registry, DCAP_NOW_MS).unwrap();
	assert_eq!(cache.stats(), LinkCacheStats { len: 2, hits: 2, misses: 2 });
	assert_eq!(first, uncached);
	assert_eq!(second, uncached);
	assert_eq!(
		cached.without_cache().verify_dcap_quote(
			&quote(),
			&|k, f| registry.lookup(k, f),
			DCAP_NOW_MS
		),
		Ok(uncached)
	);
}

#[test]
fn tampered_chains_are_refused_after_the_genuine_one_was_cached() {
	let registry = real_registry(&Verifier::intel());
	let cache = LinkCache::default();
	let cached = Verifier::intel().with_cache(&cache);
	verify(cached, &quote(), &registry, DCAP_NOW_MS).unwrap();
	verify(cached, &quote(), &registry, DCAP_NOW_MS).unwrap();
	assert_eq!(cache.stats().hits, 2);

	// The PCK certificate's signature, then the PCK CA's.
	for index in [0, 1] {
		let tampered = quote_with_edited_certificate(index, flip_signature);
		let uncached = verify(Verifier::intel(), &tampered, &registry, DCAP_NOW_MS);
		assert_eq!(uncached, Err(Error::CertificateSignature), "certificate {index}");
		for _ in 0..2 {
			assert_eq!(
				verify(cached, &tampered, &registry, DCAP_NOW_MS),
				uncached,
				"certificate {index}"
			);
		}
	}
	// A failed check is not remembered; the genuine chain still verifies.
	assert_eq!(cache.stats().len, 2);
	assert!(verify(cached, &quote(), &registry, DCAP_NOW_MS).is_ok());

	// The PCK CA left out (the root copy the chain carries in its place):
	// refused as without a cache.
	let quote = quote();
	let chain = pem::decode_certificates(Quote::parse(&quote).unwrap().certification_data).unwrap();
	let swapped = with_certification_data(&quote, &to_pem(&[chain[0].clone(), chain[2].clone()]));
	let uncached = verify(Verifier::intel(), &swapped, &registry, DCAP_NOW_MS);
	assert!(uncached.is_err());
	assert_eq!(verify(cached, &swapped, &registry, DCAP_NOW_MS), uncached);
}

#[test]
fn validity_is_checked_even_when_links_are_cached() {
	let registry = real_registry(&Verifier::intel());
	let cache = LinkCache::default();
	let cached = Verifier::intel().with_cache(&cache);
	verify(cached, &quote(), &registry, DCAP_NOW_MS).unwrap();
	for now in [AFTER_LEAF_EXPIRY_MS, BEFORE_LEAF_ISSUE_MS] {
		let hits = cache.stats().hits;
		assert_eq!(
			verify(cached, &quote(), &registry, now),
			Err(Error::CertificateExpired),
			"at {now}"
		);
		assert_eq!(
			verify(Verifier::intel(), &quote(), &registry, now),
			Err(Error::CertificateExpired)
		);
		// The leaf's validity is checked before its link is looked up.
		assert_eq!(cache.stats().hits, hits);
	}
	// Collateral expiry is not cached either.
	let err = verify(cached, &quote(), &registry, QE_IDENTITY_NEXT_UPDATE_MS).unwrap_err();
	assert_eq!(
		err,
		Error::CollateralExpired(integritee_primitives::CollateralKind::QuotingEnclaveIdentity)
	);
}

#[test]
fn the_cache_bound_is_respected() {
	let registry = real_registry(&Verifier::intel());
	let expected = verify(Verifier::intel(), &quote(), &registry, DCAP_NOW_MS);
	for capacity in [0, 1] {
		let cache = LinkCache::new(capacity);
		for _ in 0..3 {
			assert_eq!(
				verify(Verifier::intel().with_cache(&cache), &quote(), &registry, DCAP_NOW_MS),
				expected
			);
			assert!(cache.stats().len <= capacity, "capacity {capacity}");
		}
	}
}

#[test]
fn one_cache_serves_several_threads() {
	let registry = real_registry(&Verifier::intel());
	let expected = verify(Verifier::intel(), &quote(), &registry, DCAP_NOW_MS).unwrap();
	let cache = LinkCache::default();
	let quote = quote();
	std::thread::scope(|s| {
		for _ in 0..4 {
			s.spawn(|| {
				for _ in 0..3 {
					let v = Verifier::intel().with_cache(&cache);
					assert_eq!(verify(v, &quote, &registry, DCAP_NOW_MS).as_ref(), Ok(&expected));
				}
			});
		}
	});
	let stats = cache.stats();
	assert_eq!(stats.len, 2);
	assert_eq!(stats.hits + stats.misses, 24);
}
