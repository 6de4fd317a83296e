//! RA-TLS with DCAP quotes: TLS certificates that prove which enclave holds
//! their key, and rustls verifiers that check them.
//!
//! # Certificate format
//!
//! An RA-TLS certificate ([`make_attested_certificate`]) is a self-signed X.509
//! v3 certificate for a fresh ECDSA P-256 key, signed with ECDSA-SHA256, with
//! one non-critical extension of OID **1.2.840.113741.1337.6** (Gramine's
//! RA-TLS OID). The extension's `extnValue` OCTET STRING contains the raw
//! bytes of an SGX DCAP quote (v3, ECDSA P-256), without any further DER
//! wrapping. The quote's report data binds the certificate's key:
//!
//! - `report_data[0..32]` = SHA-256 of the certificate's DER
//!   SubjectPublicKeyInfo ([`report_data_for_spki`]);
//! - `report_data[32..64]` = zero.
//!
//! The quote comes from a caller's function, so any TEE platform (the
//! simulated platform, Gramine's `/dev/attestation`, a real QE) can supply it.
//!
//! # Verification
//!
//! [`verify_attested_certificate`] checks the certificate's validity window,
//! the quote (with [`integritee_attestation::Verifier`] under the configured
//! root CA, against verified collateral), the key binding, and the caller's
//! [`RaTlsPolicy`] (allowed MRENCLAVEs, debug builds, accepted TCB statuses,
//! time source). [`RaTlsConfig`] holds root, collateral and policy and is
//! shared across connections in an `Arc`.
//!
//! # TLS
//!
//! [`RaTlsServerVerifier`] / [`RaTlsClientVerifier`] implement rustls'
//! `ServerCertVerifier` / `ClientCertVerifier` (client authentication
//! mandatory); [`server_config`] / [`client_config`] build mutual RA-TLS
//! configurations (TLS 1.3, ring provider), [`server_config_one_way`] /
//! [`client_config_one_way`] one-way ones for clients without a
//! certificate (the client's verifier leaves the verified server in a
//! [`VerifiedServer`] for the caller).
//!
//! A certificate may bind more than its TLS key: [`make_bound_certificate`]
//! puts a caller's 32 bytes in `report_data[32..64]` (the worker binds its
//! signer and shielding key there); a peer accepting
//! [`ExpectedBinding::Any`] reads them from [`VerifiedPeer::binding`]. The server name is not used to
//! identify the server: clients connect with the fixed [`SERVER_NAME`], do not
//! send SNI, and the verifier ignores the name. Failed verifications surface as
//! `rustls::Error::InvalidCertificate(CertificateError::Other(..))` around an
//! [`Error`]; [`Error::from_rustls`] and [`Error::from_io`] recover it.
#![forbid(unsafe_code)]

mod cert;
mod error;
mod tls;
mod verify;

pub use cert::{
	make_attested_certificate, make_attested_certificate_with, make_bound_certificate,
	report_data_for_bound_spki, report_data_for_spki, system_now_ms, AttestedCertificate, Validity,
	CLOCK_SKEW_MS, DEFAULT_VALIDITY_MS, QUOTE_EXTENSION_OID, QUOTE_EXTENSION_OID_STR,
	SUBJECT_COMMON_NAME,
};
pub use error::Error;
pub use integritee_attestation::{RevocationPolicy, TcbStatus};
pub use tls::{
	client_config, client_config_one_way, crypto_provider, peer_identity, server_config,
	server_config_one_way, server_name, RaTlsClientVerifier, RaTlsServerVerifier,
	RenewableCertificate, VerifiedServer, SERVER_NAME,
};
pub use verify::{
	quote_from_certificate, verify_attested_certificate, CollateralStore, ExpectedBinding,
	RaTlsConfig, RaTlsPolicy, TimeSource, VerifiedPeer, DEFAULT_ACCEPTED_TCB_STATUSES,
	MAX_QUOTE_LEN, MIN_QUOTE_LEN,
};

#[cfg(test)]
mod tests;
