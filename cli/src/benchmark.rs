//! `benchmark ingress`: what a worker pays to open one incoming call, HPKE
//! (X25519, HKDF-SHA256, AES-256-GCM: this project's shielding) against
//! RSA-3072-OAEP with SHA-256 (the original system's), on the same signed
//! trusted call, rounds interleaved so that load hits both alike.

use std::time::{Duration, Instant};

use clap::Args;
use codec::Encode;
use integritee_stf_primitives::{shielding, TrustedCall};
use polkadot_sdk::{
	sp_core::{sr25519, Pair, H256},
	sp_runtime::MultiSignature,
};
use rsa::{sha2::Sha256, Generate};

/// The RSA implementation measured.
pub const RSA_IMPLEMENTATION: &str = "RustCrypto rsa 0.10, pure Rust";

#[derive(Debug, Args)]
pub struct IngressArgs {
	/// Rounds (each: all HPKE decryptions, then all RSA decryptions).
	#[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
	pub rounds: u32,
	/// Decryptions per scheme and round.
	#[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..))]
	pub calls: u32,
	/// Print one JSON object instead of text.
	#[arg(long)]
	pub json: bool,
}

/// Why the measurement could not be made (none of these is expected: the
/// keys and calls are fixed).
#[derive(Debug, thiserror::Error)]
pub enum IngressError {
	#[error("the development key {0} cannot be derived")]
	DevelopmentKey(&'static str),
	#[error("HPKE encryption: {0}")]
	HpkeEncryption(#[source] shielding::ShieldingError),
	#[error("HPKE decryption: {0}")]
	HpkeDecryption(#[source] shielding::ShieldingError),
	#[error("RSA encryption: {0}")]
	RsaEncryption(#[source] rsa::Error),
	#[error("RSA decryption: {0}")]
	RsaDecryption(#[source] rsa::Error),
	/// `0` names the scheme.
	#[error("{0} decryption gave another plaintext")]
	WrongPlaintext(&'static str),
}

/// Decryptions per second of each scheme (medians over the rounds).
#[derive(Debug, Clone, Copy)]
pub struct IngressRates {
	pub call_bytes: usize,
	pub hpke_per_s: f64,
	pub rsa_per_s: f64,
}

/// Measures both schemes; `progress` gets a line per step.
pub fn measure(args: &IngressArgs, progress: impl Fn(&str)) -> Result<IngressRates, IngressError> {
	let shard = H256::repeat_byte(1);
	let alice = sr25519::Pair::from_string("//Alice", None)
		.map_err(|_| IngressError::DevelopmentKey("//Alice"))?;
	let call = TrustedCall::BalanceTransfer {
		from: alice.public().into(),
		to: sr25519::Pair::from_string("//Bob", None)
			.map_err(|_| IngressError::DevelopmentKey("//Bob"))?
			.public()
			.into(),
		amount: 1_000,
	}
	.sign(0, &[1; 32], &shard, |p| MultiSignature::Sr25519(alice.sign(p)));
	let plain = call.encode();
	let calls = args.calls as usize;

	let hpke = shielding::ShieldingKeyPair::from_seed(&[7; 32]);
	let hpke_cts = (0..calls)
		.map(|_| {
			shielding::encrypt(&hpke.public_key(), shielding::Purpose::TrustedCall, &shard, &plain)
		})
		.collect::<Result<Vec<_>, _>>()
		.map_err(IngressError::HpkeEncryption)?;
	progress("generating an RSA-3072 key (takes a few seconds)");
	let rsa_key = rsa::PrivateKey::generate();
	let rsa_public = rsa_key.to_public_key();
	let rsa_cts = (0..calls)
		.map(|_| rsa_public.oaep_encrypt::<Sha256>(&plain))
		.collect::<Result<Vec<_>, _>>()
		.map_err(IngressError::RsaEncryption)?;

	let (mut hpke_times, mut rsa_times) = (Vec::new(), Vec::new());
	for round in 1..=args.rounds {
		let t = Instant::now();
		for ct in &hpke_cts {
			let opened = hpke
				.decrypt(shielding::Purpose::TrustedCall, &shard, ct)
				.map_err(IngressError::HpkeDecryption)?;
			if opened != plain {
				return Err(IngressError::WrongPlaintext("HPKE"));
			}
		}
		hpke_times.push(t.elapsed());
		let t = Instant::now();
		for ct in &rsa_cts {
			let opened = rsa_key.oaep_decrypt::<Sha256>(ct).map_err(IngressError::RsaDecryption)?;
			if opened != plain {
				return Err(IngressError::WrongPlaintext("RSA"));
			}
		}
		rsa_times.push(t.elapsed());
		progress(&format!("round {round}/{} done", args.rounds));
	}
	let rate = |times: Vec<Duration>| calls as f64 / median(times).as_secs_f64();
	Ok(IngressRates {
		call_bytes: plain.len(),
		hpke_per_s: rate(hpke_times),
		rsa_per_s: rate(rsa_times),
	})
}

fn median(mut times: Vec<Duration>) -> Duration {
	times.sort();
	times[times.len() / 2]
}

pub fn ingress(args: IngressArgs) -> Result<(), IngressError> {
	let rates = measure(&args, |line| eprintln!("{line}"))?;
	let ratio = rates.hpke_per_s / rates.rsa_per_s;
	if args.json {
		let value = serde_json::json!({
			"call_bytes": rates.call_bytes,
			"rounds": args.rounds,
			"calls_per_round": args.calls,
			"hpke_per_s": rates.hpke_per_s,
			"rsa_3072_oaep_per_s": rates.rsa_per_s,
			"rsa_implementation": RSA_IMPLEMENTATION,
			"ratio": ratio,
		});
		println!("{value}");
	} else {
		println!(
			"ingress: one signed trusted call ({} bytes), {} rounds of {} decryptions per scheme, \
			 interleaved; medians",
			rates.call_bytes, args.rounds, args.calls
		);
		println!("  HPKE X25519-HKDF-SHA256 / AES-256-GCM: {:>10.0} calls/s", rates.hpke_per_s);
		println!(
			"  RSA-3072-OAEP-SHA256 ({RSA_IMPLEMENTATION}): {:>10.0} calls/s",
			rates.rsa_per_s
		);
		println!("  ratio HPKE / RSA: {ratio:.1}");
	}
	Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;

	/// A seconds-long smoke run: both schemes open the call, rates are
	/// figures.
	#[test]
	fn ingress_smoke_run_opens_both() {
		let args = IngressArgs { rounds: 1, calls: 3, json: false };
		let rates = measure(&args, |_| {}).unwrap();
		assert!(rates.call_bytes > 100);
		assert!(rates.hpke_per_s.is_finite() && rates.hpke_per_s > 0.0);
		assert!(rates.rsa_per_s.is_finite() && rates.rsa_per_s > 0.0);
	}
}
