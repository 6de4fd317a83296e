//! Import throughput of the light client on generated chains.
//!
//! `cargo run --release -p integritee-light-client --example bench_import [blocks]`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use codec::Encode;
use integritee_light_client::{
	testing::{chain, child_with, encoded_justification, genesis_checkpoint, numbered_pairs},
	verify_extrinsics_root, LightClient,
};

fn main() {
	let blocks: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(10_000);
	println!("cargo run --release -p integritee-light-client --example bench_import {blocks}\n");
	println!(
		"{:>11} {:>16} {:>10} {:>14} {:>12}",
		"authorities", "justify every", "blocks", "blocks/s", "µs/block"
	);
	for authorities in [1usize, 4] {
		for every in [1usize, 64] {
			let keys = numbered_pairs(authorities);
			let checkpoint = genesis_checkpoint(&keys);
			let headers = chain(&checkpoint.header, blocks);
			// Justifications are made up front: only verification is timed.
			let chunks: Vec<(&[_], Vec<u8>)> = headers
				.chunks(every)
				.enumerate()
				.map(|(round, chunk)| {
					let last = chunk.last().unwrap();
					(chunk, encoded_justification(last, round as u64 + 1, 0, &keys))
				})
				.collect();
			let mut client = LightClient::new(checkpoint);
			let start = Instant::now();
			for (chunk, justification) in &chunks {
				client.import_finalized(chunk, justification).unwrap();
			}
			let elapsed = start.elapsed().as_secs_f64();
			assert_eq!(client.last_finalized().0 as usize, blocks);
			println!(
				"{authorities:>11} {every:>16} {blocks:>10} {:>14.0} {:>12.1}",
				blocks as f64 / elapsed,
				elapsed * 1e6 / blocks as f64
			);
		}
	}

	// Body verification: extrinsics root of 10 extrinsics of ~150 bytes.
	let extrinsics: Vec<Vec<u8>> = (0..10u8).map(|i| vec![i; 150].encode()).collect();
	let header = child_with(&genesis_checkpoint(&numbered_pairs(1)).header, vec![], &extrinsics);
	let rounds = blocks.max(1000);
	let start = Instant::now();
	for _ in 0..rounds {
		verify_extrinsics_root(&header, &extrinsics).unwrap();
	}
	let elapsed = start.elapsed().as_secs_f64();
	println!(
		"\nbody verification (10 extrinsics of 153 bytes): {:.1} µs/block ({:.0} blocks/s)",
		elapsed * 1e6 / rounds as f64,
		rounds as f64 / elapsed
	);
}
