//! rustls verifiers for RA-TLS peers and mutual RA-TLS configurations.
//!
//! Both sides present an RA-TLS certificate and verify the other's with
//! [`verify_attested_certificate`]; TLS 1.3 only, ring as crypto provider.
//!
//! **Server name.** RA-TLS peers are identified by their quote, not by DNS.
//! The client connects with the fixed name [`SERVER_NAME`] (rustls needs one),
//! does not send it (SNI is disabled), and [`RaTlsServerVerifier`] ignores it.
//! Which enclave the client reached is the [`crate::RaTlsPolicy`]'s decision.

use crate::{
	cert::AttestedCertificate,
	error::Error,
	verify::{verify_attested_certificate, RaTlsConfig, VerifiedPeer},
};
use rustls::{
	client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier},
	crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider},
	pki_types::{CertificateDer, ServerName, UnixTime},
	server::{
		danger::{ClientCertVerified, ClientCertVerifier},
		ClientHello, ResolvesServerCert,
	},
	sign::CertifiedKey,
	CertificateError, ClientConfig, DigitallySignedStruct, DistinguishedName, OtherError,
	ServerConfig, SignatureScheme,
};
use std::sync::{Arc, Mutex, RwLock};

/// The server name a client uses for every RA-TLS server. It is a reserved
/// name (`.invalid`), never sent (SNI off) and never compared.
pub const SERVER_NAME: &str = "ra-tls.invalid";

/// [`SERVER_NAME`] as rustls takes it.
pub fn server_name() -> Result<ServerName<'static>, Error> {
	ServerName::try_from(SERVER_NAME).map_err(|e| Error::Tls(e.to_string()))
}

/// The crypto provider of RA-TLS connections: rustls' ring provider.
pub fn crypto_provider() -> Arc<CryptoProvider> {
	Arc::new(rustls::crypto::ring::default_provider())
}

fn to_rustls(error: Error) -> rustls::Error {
	rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(error))))
}

/// Verifies the end-entity certificate rustls hands over at the time the
/// policy's time source gives (with rustls' `now` for [`crate::TimeSource::Handshake`]).
fn verify_peer(
	config: &RaTlsConfig,
	end_entity: &CertificateDer<'_>,
	intermediates: &[CertificateDer<'_>],
	now: UnixTime,
) -> Result<VerifiedPeer, Error> {
	if !intermediates.is_empty() {
		return Err(Error::UnexpectedIntermediates);
	}
	let handshake_ms = now.as_secs().saturating_mul(1000);
	let now_ms = config.policy().time.now_ms(Some(handshake_ms))?;
	verify_attested_certificate(end_entity.as_ref(), config, now_ms)
}

/// Where a client's verifier leaves the server it verified, for the
/// caller (e.g. a WebSocket client library that hides the TLS session).
#[derive(Clone, Debug, Default)]
pub struct VerifiedServer(Arc<Mutex<Option<VerifiedPeer>>>);

impl VerifiedServer {
	/// The server verified last (`None` before a handshake verified one).
	pub fn get(&self) -> Option<VerifiedPeer> {
		self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
	}

	fn set(&self, peer: VerifiedPeer) {
		*self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(peer);
	}
}

/// A client's verifier of the RA-TLS server's certificate.
#[derive(Debug)]
pub struct RaTlsServerVerifier {
	config: Arc<RaTlsConfig>,
	provider: Arc<CryptoProvider>,
	verified: VerifiedServer,
}

impl RaTlsServerVerifier {
	pub fn new(config: Arc<RaTlsConfig>, provider: Arc<CryptoProvider>) -> Self {
		Self { config, provider, verified: VerifiedServer::default() }
	}

	/// The servers this verifier accepts are left in `verified`.
	pub fn recording(self, verified: VerifiedServer) -> Self {
		Self { verified, ..self }
	}
}

impl ServerCertVerifier for RaTlsServerVerifier {
	/// Verifies the server's RA-TLS certificate; `server_name` is ignored (see
	/// the module documentation) and so is OCSP (there is no CA to ask).
	fn verify_server_cert(
		&self,
		end_entity: &CertificateDer<'_>,
		intermediates: &[CertificateDer<'_>],
		_server_name: &ServerName<'_>,
		_ocsp_response: &[u8],
		now: UnixTime,
	) -> Result<ServerCertVerified, rustls::Error> {
		let peer = verify_peer(&self.config, end_entity, intermediates, now).map_err(to_rustls)?;
		self.verified.set(peer);
		Ok(ServerCertVerified::assertion())
	}

	fn verify_tls12_signature(
		&self,
		message: &[u8],
		cert: &CertificateDer<'_>,
		dss: &DigitallySignedStruct,
	) -> Result<HandshakeSignatureValid, rustls::Error> {
		verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
	}

	fn verify_tls13_signature(
		&self,
		message: &[u8],
		cert: &CertificateDer<'_>,
		dss: &DigitallySignedStruct,
	) -> Result<HandshakeSignatureValid, rustls::Error> {
		verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
	}

	fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
		self.provider.signature_verification_algorithms.supported_schemes()
	}
}

/// A server's verifier of the RA-TLS client's certificate. Client
/// authentication is mandatory: a client without a certificate is refused.
#[derive(Debug)]
pub struct RaTlsClientVerifier {
	config: Arc<RaTlsConfig>,
	provider: Arc<CryptoProvider>,
}

impl RaTlsClientVerifier {
	pub fn new(config: Arc<RaTlsConfig>, provider: Arc<CryptoProvider>) -> Self {
		Self { config, provider }
	}
}

impl ClientCertVerifier for RaTlsClientVerifier {
	fn offer_client_auth(&self) -> bool {
		true
	}

	fn client_auth_mandatory(&self) -> bool {
		true
	}

	/// No CA names are hinted: the client's certificate is self-signed.
	fn root_hint_subjects(&self) -> &[DistinguishedName] {
		&[]
	}

	fn verify_client_cert(
		&self,
		end_entity: &CertificateDer<'_>,
		intermediates: &[CertificateDer<'_>],
		now: UnixTime,
	) -> Result<ClientCertVerified, rustls::Error> {
		verify_peer(&self.config, end_entity, intermediates, now).map_err(to_rustls)?;
		Ok(ClientCertVerified::assertion())
	}

	fn verify_tls12_signature(
		&self,
		message: &[u8],
		cert: &CertificateDer<'_>,
		dss: &DigitallySignedStruct,
	) -> Result<HandshakeSignatureValid, rustls::Error> {
		verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
	}

	fn verify_tls13_signature(
		&self,
		message: &[u8],
		cert: &CertificateDer<'_>,
		dss: &DigitallySignedStruct,
	) -> Result<HandshakeSignatureValid, rustls::Error> {
		verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
	}

	fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
		self.provider.signature_verification_algorithms.supported_schemes()
	}
}

fn tls_error(error: rustls::Error) -> Error {
	Error::Tls(error.to_string())
}

/// A server configuration for mutual RA-TLS: presents `own` and requires an
/// RA-TLS client certificate accepted by `config`. TLS 1.3 only.
pub fn server_config(
	own: &AttestedCertificate,
	config: Arc<RaTlsConfig>,
) -> Result<ServerConfig, Error> {
	let provider = crypto_provider();
	let verifier = Arc::new(RaTlsClientVerifier::new(config, provider.clone()));
	ServerConfig::builder_with_provider(provider)
		.with_protocol_versions(&[&rustls::version::TLS13])
		.map_err(tls_error)?
		.with_client_cert_verifier(verifier)
		.with_single_cert(vec![own.certificate()], own.private_key())
		.map_err(tls_error)
}

/// A client configuration for mutual RA-TLS: presents `own` and accepts a
/// server whose RA-TLS certificate `config` accepts. TLS 1.3 only, no SNI;
/// connect with [`server_name`].
pub fn client_config(
	own: &AttestedCertificate,
	config: Arc<RaTlsConfig>,
) -> Result<ClientConfig, Error> {
	let provider = crypto_provider();
	let verifier = Arc::new(RaTlsServerVerifier::new(config, provider.clone()));
	let mut client = ClientConfig::builder_with_provider(provider)
		.with_protocol_versions(&[&rustls::version::TLS13])
		.map_err(tls_error)?
		.dangerous()
		.with_custom_certificate_verifier(verifier)
		.with_client_auth_cert(vec![own.certificate()], own.private_key())
		.map_err(tls_error)?;
	client.enable_sni = false;
	Ok(client)
}

/// A server's RA-TLS certificate that can be replaced while the server
/// runs (renewed before it expires); new handshakes get the current one.
#[derive(Debug)]
pub struct RenewableCertificate(RwLock<Arc<CertifiedKey>>);

impl RenewableCertificate {
	pub fn new(certificate: &AttestedCertificate) -> Result<Self, Error> {
		Ok(Self(RwLock::new(certified_key(certificate)?)))
	}

	/// Serves `certificate` from the next handshake on.
	pub fn replace(&self, certificate: &AttestedCertificate) -> Result<(), Error> {
		let key = certified_key(certificate)?;
		*self.0.write().unwrap_or_else(|p| p.into_inner()) = key;
		Ok(())
	}

	/// The DER certificate served now.
	pub fn current(&self) -> Vec<u8> {
		let key = self.0.read().unwrap_or_else(|p| p.into_inner()).clone();
		key.cert.first().map(|c| c.as_ref().to_vec()).unwrap_or_default()
	}
}

fn certified_key(certificate: &AttestedCertificate) -> Result<Arc<CertifiedKey>, Error> {
	let key = crypto_provider()
		.key_provider
		.load_private_key(certificate.private_key())
		.map_err(tls_error)?;
	Ok(Arc::new(CertifiedKey::new(vec![certificate.certificate()], key)))
}

impl ResolvesServerCert for RenewableCertificate {
	fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
		Some(self.0.read().unwrap_or_else(|p| p.into_inner()).clone())
	}
}

/// A server configuration for one-way RA-TLS: presents `own` (renewable),
/// asks no client certificate (clients such as a CLI have none). TLS 1.3
/// only.
pub fn server_config_one_way(own: Arc<RenewableCertificate>) -> Result<ServerConfig, Error> {
	Ok(ServerConfig::builder_with_provider(crypto_provider())
		.with_protocol_versions(&[&rustls::version::TLS13])
		.map_err(tls_error)?
		.with_no_client_auth()
		.with_cert_resolver(own))
}

/// A client configuration for one-way RA-TLS: presents no certificate and
/// accepts a server whose RA-TLS certificate `config` accepts, leaving it
/// in the returned [`VerifiedServer`]. TLS 1.3 only, no SNI.
pub fn client_config_one_way(
	config: Arc<RaTlsConfig>,
) -> Result<(ClientConfig, VerifiedServer), Error> {
	let provider = crypto_provider();
	let verified = VerifiedServer::default();
	let verifier =
		Arc::new(RaTlsServerVerifier::new(config, provider.clone()).recording(verified.clone()));
	let mut client = ClientConfig::builder_with_provider(provider)
		.with_protocol_versions(&[&rustls::version::TLS13])
		.map_err(tls_error)?
		.dangerous()
		.with_custom_certificate_verifier(verifier)
		.with_no_client_auth();
	client.enable_sni = false;
	Ok((client, verified))
}

/// The verified identity of the peer of an established connection: its
/// certificate verified again with `config` (outside the handshake, so
/// [`crate::TimeSource::Handshake`] reads the system clock).
pub fn peer_identity(
	peer_certificates: Option<&[CertificateDer<'_>]>,
	config: &RaTlsConfig,
) -> Result<VerifiedPeer, Error> {
	let (end_entity, intermediates) =
		peer_certificates.and_then(|c| c.split_first()).ok_or(Error::NoPeerCertificate)?;
	if !intermediates.is_empty() {
		return Err(Error::UnexpectedIntermediates);
	}
	let now_ms = config.policy().time.now_ms(None)?;
	verify_attested_certificate(end_entity.as_ref(), config, now_ms)
}
