//! Which registered enclave serves a shard, as the parent chain says.

use integritee_chain_client::ChainClient;
use integritee_primitives::{EnclaveFingerprint, SgxEnclave, UpgradableShardConfig};
use integritee_runtime::{AccountId, BlockNumber, Runtime};
use integritee_stf_primitives::{MrEnclave, ShardIdentifier};
use polkadot_sdk::sp_core::ed25519;

use crate::error::ConnectError;

/// The enclave chosen to serve a shard, as registered on chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelectedWorker {
	/// The enclave's signer account (its ed25519 public key).
	pub signer: AccountId,
	/// Its registration.
	pub enclave: SgxEnclave<Vec<u8>>,
	/// The URL used to reach it (the registered one, or an override).
	pub url: String,
}

impl SelectedWorker {
	/// The enclave's ed25519 signer key (its account id bytes).
	pub fn signer_public(&self) -> ed25519::Public {
		ed25519::Public::from_raw(*self.signer.as_ref())
	}

	/// The enclave's MRENCLAVE, which trusted calls are signed for.
	pub fn mr_enclave(&self) -> MrEnclave {
		self.enclave.mr_enclave.0
	}
}

fn chain_read(what: &'static str) -> impl FnOnce(integritee_chain_client::Error) -> ConnectError {
	move |source| ConnectError::Chain { what, source }
}

/// The shard's configured enclave fingerprint, effective at the best block;
/// `None` for a shard without configuration (the implicit shard of an
/// enclave build, whose fingerprint is the shard itself).
pub(crate) async fn configured_fingerprint(
	chain: &ChainClient,
	shard: &ShardIdentifier,
) -> Result<Option<EnclaveFingerprint>, ConnectError> {
	let config_key = pallet_enclave_bridge::ShardConfigRegistry::<Runtime>::hashed_key_for(shard);
	let config: Option<UpgradableShardConfig<BlockNumber>> =
		chain.storage(&config_key, None).await.map_err(chain_read("the shard's configuration"))?;
	let Some(config) = config else { return Ok(None) };
	let best = chain.best_header().await.map_err(chain_read("the best block"))?.number;
	Ok(Some(config.effective_at(best).enclave_fingerprint))
}

/// Finds the enclave serving `shard`: one of the shard's active signers;
/// while the shard has none yet, the one registered enclave whose MRENCLAVE
/// is the shard's configured fingerprint or the shard itself (the implicit
/// shard of an enclave build). Several such enclaves and no active signer:
/// none is known to serve, so none is chosen (a second instance without the
/// shard's state must never be sent users' calls). Only enclaves with a URL
/// (or any, if `url_override` is given) qualify.
pub async fn find_worker(
	chain: &ChainClient,
	shard: &ShardIdentifier,
	url_override: Option<&str>,
) -> Result<SelectedWorker, ConnectError> {
	let enclaves: Vec<(AccountId, SgxEnclave<Vec<u8>>)> = chain
		.runtime_call("TeerexApi_enclaves", &[])
		.await
		.map_err(chain_read("the registered enclaves"))?;
	let status_key = pallet_enclave_bridge::ShardStatus::<Runtime>::hashed_key_for(shard);
	let signers: Vec<pallet_enclave_bridge::SignerStatusOf<Runtime>> = chain
		.storage(&status_key, None)
		.await
		.map_err(chain_read("the shard's status"))?
		.unwrap_or_default();
	let active: Vec<AccountId> = signers.into_iter().map(|status| status.signer).collect();
	let fingerprint = configured_fingerprint(chain, shard).await?;
	let (signer, enclave) =
		select_serving(&enclaves, &active, fingerprint, shard, url_override.is_some()).ok_or(
			ConnectError::NoServingWorker {
				shard: *shard,
				active_signers: active.len(),
				registered: enclaves.len(),
			},
		)?;
	let url = match url_override {
		Some(url) => url.to_string(),
		None => enclave
			.url
			.as_ref()
			.map(|url| String::from_utf8_lossy(url).into_owned())
			.unwrap_or_default(),
	};
	Ok(SelectedWorker { signer: signer.clone(), enclave: enclave.clone(), url })
}

/// The selection rule of [`find_worker`] over what it read from the chain.
fn select_serving<'a>(
	enclaves: &'a [(AccountId, SgxEnclave<Vec<u8>>)],
	active_signers: &[AccountId],
	fingerprint: Option<EnclaveFingerprint>,
	shard: &ShardIdentifier,
	url_overridden: bool,
) -> Option<&'a (AccountId, SgxEnclave<Vec<u8>>)> {
	let usable = |enclave: &SgxEnclave<Vec<u8>>| url_overridden || enclave.url.is_some();
	if !active_signers.is_empty() {
		return active_signers.iter().find_map(|signer| {
			enclaves.iter().find(|(account, enclave)| account == signer && usable(enclave))
		});
	}
	let mut candidates = enclaves.iter().filter(|(_, enclave)| {
		usable(enclave)
			&& match fingerprint {
				Some(fingerprint) => enclave.mr_enclave == fingerprint,
				None => enclave.mr_enclave == *shard,
			}
	});
	match (candidates.next(), candidates.next()) {
		(Some(only), None) => Some(only),
		_ => None,
	}
}

#[cfg(test)]
mod tests {
	#![allow(clippy::unwrap_used)]
	use super::*;
	use integritee_primitives::{AttestationMethod, SgxBuildMode, SgxStatus};
	use polkadot_sdk::sp_core::H256;

	fn enclave(mr_enclave: u8, url: Option<&str>) -> SgxEnclave<Vec<u8>> {
		SgxEnclave {
			mr_enclave: H256::repeat_byte(mr_enclave),
			mr_signer: [0; 32],
			shielding_key_hash: [0; 32],
			build_mode: SgxBuildMode::Production,
			status: SgxStatus::UpToDate,
			attestation_method: AttestationMethod::Skip,
			attested_at_ms: 0,
			url: url.map(|url| url.as_bytes().to_vec()),
		}
	}

	fn account(byte: u8) -> AccountId {
		AccountId::new([byte; 32])
	}

	#[test]
	fn an_active_signer_with_a_url_is_chosen() {
		let shard = H256::repeat_byte(0xaa);
		let enclaves = vec![
			(account(1), enclave(0xaa, Some("wss://one"))),
			(account(2), enclave(0xaa, Some("wss://two"))),
			(account(3), enclave(0xaa, None)),
		];
		let chosen = select_serving(&enclaves, &[account(2)], None, &shard, false).unwrap();
		assert_eq!(chosen.0, account(2));
		// An active signer without a URL only qualifies with an override.
		assert!(select_serving(&enclaves, &[account(3)], None, &shard, false).is_none());
		assert_eq!(
			select_serving(&enclaves, &[account(3)], None, &shard, true).unwrap().0,
			account(3)
		);
		// An active signer that is not registered (any more) is not chosen,
		// and no other enclave is guessed instead.
		assert!(select_serving(&enclaves, &[account(9)], None, &shard, false).is_none());
	}

	#[test]
	fn without_active_signers_only_a_single_candidate_is_chosen() {
		let shard = H256::repeat_byte(0xaa);
		let one = vec![
			(account(1), enclave(0xaa, Some("wss://one"))),
			(account(2), enclave(0xbb, Some("wss://other-build"))),
		];
		assert_eq!(select_serving(&one, &[], None, &shard, false).unwrap().0, account(1));
		let two = vec![
			(account(1), enclave(0xaa, Some("wss://one"))),
			(account(2), enclave(0xaa, Some("wss://two"))),
		];
		assert!(select_serving(&two, &[], None, &shard, false).is_none());
		assert!(select_serving(&[], &[], None, &shard, false).is_none());
	}

	#[test]
	fn a_configured_fingerprint_replaces_the_shard_as_mrenclave() {
		let shard = H256::repeat_byte(0xaa);
		let enclaves = vec![
			(account(1), enclave(0xaa, Some("wss://shard-as-build"))),
			(account(2), enclave(0xcc, Some("wss://configured-build"))),
		];
		let fingerprint = Some(H256::repeat_byte(0xcc));
		assert_eq!(
			select_serving(&enclaves, &[], fingerprint, &shard, false).unwrap().0,
			account(2)
		);
		let unknown = Some(H256::repeat_byte(0xdd));
		assert!(select_serving(&enclaves, &[], unknown, &shard, false).is_none());
	}

	#[test]
	fn the_selected_worker_exposes_its_keys() {
		let selected = SelectedWorker {
			signer: account(7),
			enclave: enclave(0xaa, None),
			url: "wss://x".into(),
		};
		assert_eq!(selected.signer_public().0, [7; 32]);
		assert_eq!(selected.mr_enclave(), [0xaa; 32]);
	}
}
