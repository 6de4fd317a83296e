//! The parent chain's verdict on DCAP evidence, as an RA-TLS configuration.

use integritee_chain_client::ChainClient;
use integritee_primitives::{
	CollateralKind, SecurityFlags, SgxStatus, TcbPolicy, VerifiedCollateral,
};
use integritee_ra_tls::{ExpectedBinding, RaTlsConfig, RaTlsPolicy, TcbStatus};
use integritee_runtime::Runtime;
use integritee_stf_primitives::MrEnclave;

use crate::error::{AttestationError, ConnectError, Error};

/// Most TCB info entries read from the chain: as many as the registry holds
/// (one per FMSPC).
fn max_tcb_infos() -> u32 {
	<<Runtime as pallet_teerex::Config>::MaxTcbInfos as polkadot_sdk::frame_support::traits::Get<
		u32,
	>>::get()
}

fn chain_read(what: &'static str) -> impl FnOnce(integritee_chain_client::Error) -> ConnectError {
	move |source| ConnectError::Chain { what, source }
}

/// The chain's DCAP root (Intel's unless the chain sets another), the
/// registered collateral, the chain's revocation, TCB and debug policies,
/// and `mr_enclaves` as the only acceptable enclaves; the certificate's
/// binding is returned to the caller, who checks it against the registry.
pub async fn ra_tls_config(
	chain: &ChainClient,
	mr_enclaves: impl IntoIterator<Item = MrEnclave>,
) -> Result<RaTlsConfig, Error> {
	use polkadot_sdk::frame_support::storage::generator::StorageValue as _;
	let root: Option<Vec<u8>> = chain
		.storage(&pallet_teerex::DcapRootCa::<Runtime>::storage_value_final_key(), None)
		.await
		.map_err(chain_read("the DCAP root CA"))?;
	let root =
		root.unwrap_or_else(|| integritee_attestation::roots::INTEL_SGX_ROOT_CA_DER.to_vec());
	let flags: Option<SecurityFlags> = chain
		.storage(&pallet_teerex::SecurityFlagsStorage::<Runtime>::storage_value_final_key(), None)
		.await
		.map_err(chain_read("the security flags"))?;
	let tcb: Option<TcbPolicy> = chain
		.storage(&pallet_teerex::TcbPolicyStorage::<Runtime>::storage_value_final_key(), None)
		.await
		.map_err(chain_read("the TCB policy"))?;
	let revocation: Option<integritee_primitives::RevocationPolicy> = chain
		.storage(
			&pallet_teerex::RevocationPolicyStorage::<Runtime>::storage_value_final_key(),
			None,
		)
		.await
		.map_err(chain_read("the revocation policy"))?;
	let tcb = tcb.unwrap_or_default();
	let policy = RaTlsPolicy::allow_mr_enclaves(mr_enclaves)
		.allow_debug(flags.unwrap_or_default().allow_debug_mode)
		.accept_tcb_statuses(accepted_tcb_statuses(&tcb))
		.with_binding(ExpectedBinding::Any);
	let config = RaTlsConfig::new(root, policy)
		.map_err(AttestationError::RootCaUnusable)?
		.with_revocation(revocation.unwrap_or_default());

	let mut keys = vec![
		pallet_teerex::QuotingEnclaveIdentity::<Runtime>::storage_value_final_key().to_vec(),
		pallet_teerex::RevocationLists::<Runtime>::hashed_key_for(CollateralKind::PckCrl),
		pallet_teerex::RevocationLists::<Runtime>::hashed_key_for(CollateralKind::RootCaCrl),
	];
	// TCB info verified under a former root CA, being cleared, counts for
	// nothing: the registry does not use it either.
	let stale: Option<bool> = chain
		.storage(&pallet_teerex::StaleTcbInfo::<Runtime>::storage_value_final_key(), None)
		.await
		.map_err(chain_read("whether the TCB info is stale"))?;
	if !stale.unwrap_or(false) {
		let prefix = pallet_teerex::TcbInfo::<Runtime>::map_storage_final_prefix();
		let tcb_infos = chain
			.storage_keys(&prefix, max_tcb_infos() as usize)
			.await
			.map_err(chain_read("the TCB infos' keys"))?;
		keys.extend(tcb_infos);
	}
	for key in keys {
		let stored: Option<pallet_teerex::StoredCollateral<Runtime>> =
			chain.storage(&key, None).await.map_err(chain_read("the registered collateral"))?;
		let Some(stored) = stored else { continue };
		config
			.insert_collateral(VerifiedCollateral {
				kind: stored.kind,
				fmspc: stored.fmspc,
				issued_at_ms: stored.issued_at_ms,
				next_update_ms: stored.next_update_ms,
				encoded: stored.encoded.into_inner(),
			})
			.map_err(AttestationError::CollateralUnusable)?;
	}
	Ok(config)
}

/// The RA-TLS TCB statuses the chain's TCB policy lets register. The
/// out-of-date and revoked statuses have no RA-TLS counterpart here: they
/// are never accepted.
fn accepted_tcb_statuses(policy: &TcbPolicy) -> Vec<TcbStatus> {
	[
		(TcbStatus::UpToDate, SgxStatus::UpToDate),
		(TcbStatus::SwHardeningNeeded, SgxStatus::SwHardeningNeeded),
		(TcbStatus::ConfigurationNeeded, SgxStatus::ConfigurationNeeded),
		(
			TcbStatus::ConfigurationAndSwHardeningNeeded,
			SgxStatus::ConfigurationAndSwHardeningNeeded,
		),
	]
	.into_iter()
	.filter(|(_, sgx)| policy.allows(*sgx))
	.map(|(status, _)| status)
	.collect()
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_default_tcb_policy_accepts_up_to_date_and_sw_hardening_only() {
		assert_eq!(
			accepted_tcb_statuses(&TcbPolicy::default()),
			vec![TcbStatus::UpToDate, TcbStatus::SwHardeningNeeded]
		);
	}
}
