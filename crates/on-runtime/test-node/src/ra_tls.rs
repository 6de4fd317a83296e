//! Clients of a worker's trusted RPC (`wss://`, RA-TLS) for tests: the
//! worker's certificate is verified for real, under the development
//! platform's root and collateral (the ones a `--dev` chain registers at
//! genesis), for one MRENCLAVE.

use std::sync::Arc;

use integritee_primitives::{CollateralEvidence, CollateralKind};
use integritee_ra_tls::{ExpectedBinding, RaTlsConfig, RaTlsPolicy, VerifiedServer};
use jsonrpsee::ws_client::{WsClient, WsClientBuilder};

/// An RA-TLS configuration trusting the development root, with the
/// development collateral, accepting `mr_enclave` and any binding.
pub fn dev_ra_tls_config(mr_enclave: [u8; 32]) -> Arc<RaTlsConfig> {
	use integritee_sgx_sim::dev;
	let platform = dev::dev_platform();
	let collateral = dev::dev_collateral().expect("the development collateral");
	let policy = RaTlsPolicy::allow_mr_enclaves([mr_enclave]).with_binding(ExpectedBinding::Any);
	let config = RaTlsConfig::new(platform.dev_root_ca_der(), policy).expect("a root CA");
	let now = dev::DEV_COLLATERAL_ISSUED_AT_MS + 1;
	let issuer_chain: &[u8] = collateral.issuer_chain_pem.as_ref();
	for (kind, file) in [
		(CollateralKind::QuotingEnclaveIdentity, collateral.qe_identity_json.as_slice()),
		(CollateralKind::TcbInfo, collateral.tcb_info_json.as_slice()),
	] {
		let (body, signature) =
			integritee_attestation::dcap::collateral::split_signed_file(file).expect("signed");
		config
			.register_collateral(kind, CollateralEvidence { body, signature, issuer_chain }, now)
			.expect("the development collateral verifies");
	}
	for (kind, body, issuer_chain) in [
		(
			CollateralKind::PckCrl,
			collateral.pck_crl_der.as_slice(),
			collateral.pck_crl_issuer_chain_pem.as_slice(),
		),
		(CollateralKind::RootCaCrl, collateral.root_ca_crl_der.as_slice(), &[][..]),
	] {
		config
			.register_collateral(
				kind,
				CollateralEvidence { body, signature: &[], issuer_chain },
				now,
			)
			.expect("the development CRLs verify");
	}
	Arc::new(config)
}

/// A WebSocket client of the worker at `url` (`wss://`) whose RA-TLS
/// certificate must verify under [`dev_ra_tls_config`]`(mr_enclave)`; the
/// verified server is left in the returned [`VerifiedServer`].
pub async fn worker_client(
	url: &str,
	mr_enclave: [u8; 32],
) -> Result<(WsClient, VerifiedServer), String> {
	let (tls, verified) = integritee_ra_tls::client_config_one_way(dev_ra_tls_config(mr_enclave))
		.map_err(|e| e.to_string())?;
	let client = WsClientBuilder::default()
		.with_custom_cert_store(tls)
		.build(url)
		.await
		.map_err(|e| e.to_string())?;
	Ok((client, verified))
}
