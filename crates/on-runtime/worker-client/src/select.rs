//! Which registered enclave serves a shard, as the parent chain says.

use integritee_chain_client::ChainClient;
use integritee_primitives::{EnclaveFingerprint, SgxEnclave, UpgradableShardConfig};
use integritee_runtime::{AccountId, BlockNumber, Runtime};
use integritee_stf_primitives::{MrEnclave, ShardIdentifier};
use polkadot_sdk::sp_core::{ed25519, H256};

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

/// The shard's stored configuration and the best block's number; `None`
/// for a shard without configuration (the implicit shard of an enclave
/// build, whose fingerprint is the shard itself).
async fn configuration(
	chain: &ChainClient,
	shard: &ShardIdentifier,
) -> Result<Option<(UpgradableShardConfig<BlockNumber>, BlockNumber)>, ConnectError> {
	let config_key = pallet_enclave_bridge::ShardConfigRegistry::<Runtime>::hashed_key_for(shard);
	let config: Option<UpgradableShardConfig<BlockNumber>> =
		chain.storage(&config_key, None).await.map_err(chain_read("the shard's configuration"))?;
	let Some(config) = config else { return Ok(None) };
	let best = chain.best_header().await.map_err(chain_read("the best block"))?.number;
	Ok(Some((config, best)))
}

/// The shard's configured enclave fingerprint, effective at the best block;
/// `None` for a shard without configuration.
pub(crate) async fn configured_fingerprint(
	chain: &ChainClient,
	shard: &ShardIdentifier,
) -> Result<Option<EnclaveFingerprint>, ConnectError> {
	Ok(configuration(chain, shard)
		.await?
		.map(|(config, best)| config.effective_at(best).enclave_fingerprint))
}

/// Whether enclaves running `mr_enclave` serve `shard` at the best block:
/// the effective configuration's code, or during an upgrade's grace period
/// the code it replaced; a shard without configuration admits the code it
/// is named after. Returns the effective code too (for the refusal).
pub(crate) async fn admits_code(
	chain: &ChainClient,
	shard: &ShardIdentifier,
	mr_enclave: &MrEnclave,
) -> Result<(bool, MrEnclave), ConnectError> {
	let code = H256(*mr_enclave);
	Ok(match configuration(chain, shard).await? {
		Some((config, best)) => {
			(config.admits(&code, best), config.effective_at(best).enclave_fingerprint.0)
		}
		None => (code == *shard, shard.0),
	})
}

/// The codes that may hold the shard's secrets at the best block: the
/// effective configuration's, a scheduled upgrade's, and during a grace
/// period the replaced one (a shard without configuration: the code it is
/// named after).
pub async fn secret_holding_codes(
	chain: &ChainClient,
	shard: &ShardIdentifier,
) -> Result<Vec<MrEnclave>, ConnectError> {
	Ok(match configuration(chain, shard).await? {
		Some((config, best)) => {
			let mut codes = vec![config.effective_at(best).enclave_fingerprint.0];
			codes.extend(config.pending_upgrade.as_ref().map(|(_, c)| c.enclave_fingerprint.0));
			codes.extend(config.retiring_at(best).map(|code| code.0));
			codes.sort();
			codes.dedup();
			codes
		}
		None => vec![shard.0],
	})
}

/// The shard's members: its active signers in the order they joined, each
/// with its registration (those registered with a URL and the shard's
/// shielding key; others cannot be reached or hold other secrets).
pub async fn shard_members(
	chain: &ChainClient,
	shard: &ShardIdentifier,
) -> Result<Vec<SelectedWorker>, ConnectError> {
	let signers = active_signers(chain, shard).await?;
	let shard_key = shard_shielding_key(chain, shard).await?;
	let mut members = Vec::new();
	for signer in signers {
		let key = pallet_teerex::SovereignEnclaves::<Runtime>::hashed_key_for(&signer);
		let enclave: Option<SgxEnclave<Vec<u8>>> = chain
			.storage::<pallet_teerex::EnclaveOf<Runtime>>(&key, None)
			.await
			.map_err(chain_read("a member's registration"))?
			.map(|e| SgxEnclave {
				mr_enclave: e.mr_enclave,
				mr_signer: e.mr_signer,
				shielding_key_hash: e.shielding_key_hash,
				build_mode: e.build_mode,
				status: e.status,
				attestation_method: e.attestation_method,
				attested_at_ms: e.attested_at_ms,
				url: e.url.map(|url| url.into_inner()),
			});
		let Some(enclave) =
			enclave.filter(|e| e.url.is_some() && e.shielding_key_hash == shard_key)
		else {
			continue;
		};
		let url = enclave.url.as_ref().map(|u| String::from_utf8_lossy(u).into_owned());
		members.push(SelectedWorker { signer, url: url.unwrap_or_default(), enclave });
	}
	Ok(members)
}

/// The shard's active signers, in the order they joined.
async fn active_signers(
	chain: &ChainClient,
	shard: &ShardIdentifier,
) -> Result<Vec<AccountId>, ConnectError> {
	let status_key = pallet_enclave_bridge::ShardStatus::<Runtime>::hashed_key_for(shard);
	let signers: Vec<pallet_enclave_bridge::SignerStatusOf<Runtime>> = chain
		.storage(&status_key, None)
		.await
		.map_err(chain_read("the shard's status"))?
		.unwrap_or_default();
	Ok(signers.into_iter().map(|status| status.signer).collect())
}

/// SHA-256 of the shard's shielding key, as recorded on chain when the
/// shard was created.
pub(crate) async fn shard_shielding_key(
	chain: &ChainClient,
	shard: &ShardIdentifier,
) -> Result<[u8; 32], ConnectError> {
	let key = pallet_enclave_bridge::ShardShieldingKeys::<Runtime>::hashed_key_for(shard);
	chain
		.storage(&key, None)
		.await
		.map_err(chain_read("the shard's shielding key"))?
		.ok_or(ConnectError::ShardNotCreated { shard: *shard })
}

/// Finds the enclave serving `shard`: the first of the shard's active
/// signers that is registered with a URL (or any, if `url_override` is
/// given) and with the shard's shielding key (created on chain). A shard
/// without active signers has nobody to serve it: registered enclaves that
/// are not members (standbys) hold no state and are never sent users'
/// calls.
pub async fn find_worker(
	chain: &ChainClient,
	shard: &ShardIdentifier,
	url_override: Option<&str>,
) -> Result<SelectedWorker, ConnectError> {
	let enclaves: Vec<(AccountId, SgxEnclave<Vec<u8>>)> = chain
		.runtime_call("TeerexApi_enclaves", &[])
		.await
		.map_err(chain_read("the registered enclaves"))?;
	let active = active_signers(chain, shard).await?;
	let shard_key = shard_shielding_key(chain, shard).await?;
	let (signer, enclave) = select_serving(&enclaves, &active, &shard_key, url_override.is_some())
		.ok_or(ConnectError::NoServingWorker {
			shard: *shard,
			active_signers: active.len(),
			registered: enclaves.len(),
		})?;
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
	shard_key: &[u8; 32],
	url_overridden: bool,
) -> Option<&'a (AccountId, SgxEnclave<Vec<u8>>)> {
	let usable = |enclave: &SgxEnclave<Vec<u8>>| {
		(url_overridden || enclave.url.is_some()) && enclave.shielding_key_hash == *shard_key
	};
	active_signers.iter().find_map(|signer| {
		enclaves.iter().find(|(account, enclave)| account == signer && usable(enclave))
	})
}

/// What a registered enclave is to a shard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShardRole {
	/// The first active signer: it answers users, pays out and anchors.
	Serving,
	/// Another active signer.
	Member,
	/// Registered with the shard's code and shielding key (it holds the
	/// shard's secrets), not an active signer: it follows the chain and
	/// serves nothing.
	Standby,
}

/// A shard as the parent chain shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShardView {
	pub shard: ShardIdentifier,
	/// SHA-256 of the shard's shielding key (`None`: not created).
	pub shielding_key_hash: Option<[u8; 32]>,
	/// The code the shard's effective configuration allows.
	pub fingerprint: EnclaveFingerprint,
	/// Its enclaves: active signers in the order they joined, then standbys.
	pub workers: Vec<(AccountId, ShardRole)>,
}

/// The shards that were created or have members, at most `limit`, with
/// their enclaves' roles among `enclaves` (the registered ones).
pub async fn shards(
	chain: &ChainClient,
	enclaves: &[(AccountId, SgxEnclave<Vec<u8>>)],
	limit: usize,
) -> Result<Vec<ShardView>, ConnectError> {
	use polkadot_sdk::frame_support::storage::StoragePrefixedMap;
	use std::collections::BTreeSet;
	// A map key ends with the shard itself (`Blake2_128Concat`).
	let shard_of = |key: &[u8]| key.len().checked_sub(32).map(|at| H256::from_slice(&key[at..]));
	let mut ids = BTreeSet::new();
	for prefix in [
		pallet_enclave_bridge::ShardShieldingKeys::<Runtime>::final_prefix(),
		pallet_enclave_bridge::ShardStatus::<Runtime>::final_prefix(),
	] {
		let keys =
			chain.storage_keys(&prefix, limit).await.map_err(chain_read("the shards' keys"))?;
		ids.extend(keys.iter().filter_map(|key| shard_of(key)));
	}
	let mut views = Vec::new();
	for shard in ids.into_iter().take(limit) {
		let key = pallet_enclave_bridge::ShardShieldingKeys::<Runtime>::hashed_key_for(shard);
		let shielding_key_hash: Option<[u8; 32]> =
			chain.storage(&key, None).await.map_err(chain_read("a shard's shielding key"))?;
		let status_key = pallet_enclave_bridge::ShardStatus::<Runtime>::hashed_key_for(shard);
		let signers: Vec<pallet_enclave_bridge::SignerStatusOf<Runtime>> = chain
			.storage(&status_key, None)
			.await
			.map_err(chain_read("a shard's status"))?
			.unwrap_or_default();
		let fingerprint = configured_fingerprint(chain, &shard).await?.unwrap_or(shard);
		views.push(shard_view(shard, shielding_key_hash, fingerprint, &signers, enclaves));
	}
	Ok(views)
}

/// The roles of `enclaves` in a shard with `signers`.
fn shard_view(
	shard: ShardIdentifier,
	shielding_key_hash: Option<[u8; 32]>,
	fingerprint: EnclaveFingerprint,
	signers: &[pallet_enclave_bridge::SignerStatusOf<Runtime>],
	enclaves: &[(AccountId, SgxEnclave<Vec<u8>>)],
) -> ShardView {
	let mut workers: Vec<(AccountId, ShardRole)> = signers
		.iter()
		.enumerate()
		.map(|(i, status)| {
			(status.signer.clone(), if i == 0 { ShardRole::Serving } else { ShardRole::Member })
		})
		.collect();
	if let Some(key) = shielding_key_hash {
		let standbys = enclaves.iter().filter(|(account, enclave)| {
			enclave.mr_enclave == fingerprint
				&& enclave.shielding_key_hash == key
				&& !signers.iter().any(|status| status.signer == *account)
		});
		workers.extend(standbys.map(|(account, _)| (account.clone(), ShardRole::Standby)));
	}
	ShardView { shard, shielding_key_hash, fingerprint, workers }
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
			shielding_key_hash: KEY,
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

	const KEY: [u8; 32] = [0x4b; 32];

	#[test]
	fn an_active_signer_with_a_url_and_the_shards_key_is_chosen() {
		let enclaves = vec![
			(account(1), enclave(0xaa, Some("wss://one"))),
			(account(2), enclave(0xaa, Some("wss://two"))),
			(account(3), enclave(0xaa, None)),
		];
		let chosen = select_serving(&enclaves, &[account(2)], &KEY, false).unwrap();
		assert_eq!(chosen.0, account(2));
		// An active signer without a URL only qualifies with an override.
		assert!(select_serving(&enclaves, &[account(3)], &KEY, false).is_none());
		assert_eq!(select_serving(&enclaves, &[account(3)], &KEY, true).unwrap().0, account(3));
		// An active signer that is not registered (any more) is not chosen,
		// and no other enclave is guessed instead.
		assert!(select_serving(&enclaves, &[account(9)], &KEY, false).is_none());
		// Nor one that registered another key than the shard's.
		assert!(select_serving(&enclaves, &[account(2)], &[0; 32], false).is_none());
	}

	#[test]
	fn without_active_signers_nobody_is_chosen() {
		let enclaves = vec![
			(account(1), enclave(0xaa, Some("wss://one"))),
			(account(2), enclave(0xbb, Some("wss://other-build"))),
		];
		assert!(select_serving(&enclaves, &[], &KEY, false).is_none());
		assert!(select_serving(&[], &[], &KEY, false).is_none());
	}

	#[test]
	fn members_serve_in_order_and_registered_holders_of_the_key_stand_by() {
		let shard = H256::repeat_byte(0xaa);
		let status = |byte| pallet_enclave_bridge::SignerStatusOf::<Runtime> {
			signer: account(byte),
			fingerprint: shard,
			last_activity: 1,
		};
		let mut other_key = enclave(0xaa, None);
		other_key.shielding_key_hash = [9; 32];
		let enclaves = vec![
			(account(1), enclave(0xaa, None)),
			(account(2), enclave(0xaa, None)),
			(account(3), enclave(0xaa, None)),
			(account(4), other_key),
			(account(5), enclave(0xbb, None)),
		];
		let view = shard_view(shard, Some(KEY), shard, &[status(2), status(1)], &enclaves);
		assert_eq!(
			view.workers,
			vec![
				(account(2), ShardRole::Serving),
				(account(1), ShardRole::Member),
				(account(3), ShardRole::Standby),
			]
		);
		// Not created: no key to stand by with.
		assert_eq!(shard_view(shard, None, shard, &[], &enclaves).workers, vec![]);
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
