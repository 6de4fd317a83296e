//! Mutual RA-TLS between simulated enclaves over real loopback TCP sockets:
//! quotes and collateral come from the simulated SGX platform
//! (`integritee-sgx-sim`), verification is the production path.
#![allow(clippy::unwrap_used)]

use integritee_attestation::x509::Cert;
use integritee_primitives::{CollateralEvidence, CollateralKind};
use integritee_ra_tls::{
	client_config, client_config_one_way, make_attested_certificate,
	make_attested_certificate_with, make_bound_certificate, peer_identity, quote_from_certificate,
	server_config, server_config_one_way, server_name, AttestedCertificate, Error, ExpectedBinding,
	RaTlsConfig, RaTlsPolicy, RenewableCertificate, TcbStatus, TimeSource, Validity,
};
use integritee_sgx_sim::{EnclaveIdentity, SimPlatformConfig, SimulatedPlatform};
use rustls::{ClientConnection, ServerConnection, StreamOwned};
use std::{
	io::{self, Read, Write},
	net::{TcpListener, TcpStream},
	sync::Arc,
	thread,
	time::Duration,
};

const SEED: [u8; 32] = [7; 32];
const OTHER_SEED: [u8; 32] = [9; 32];
const HOUR_MS: u64 = 60 * 60 * 1000;

const MR_A: [u8; 32] = [0xA1; 32];
const MR_B: [u8; 32] = [0xB2; 32];
const MR_EVIL: [u8; 32] = [0xEE; 32];

const CLIENT_HELLO: &[u8] = b"hello from the new enclave";
const SERVER_REPLY: &[u8] = b"shard secrets for an attested peer";

fn identity(mr_enclave: [u8; 32], debug: bool) -> EnclaveIdentity {
	EnclaveIdentity { mr_enclave, mr_signer: [0x51; 32], isv_prod_id: 1, isv_svn: 1, debug }
}

fn now_ms() -> u64 {
	integritee_ra_tls::system_now_ms().unwrap()
}

/// A configuration trusting `platform`'s development root, with its collateral
/// registered as the parent chain would (verified at registration).
fn config_for(platform: &SimulatedPlatform, policy: RaTlsPolicy) -> Arc<RaTlsConfig> {
	let now = now_ms();
	let collateral = platform.collateral(now - HOUR_MS, 30 * 24 * HOUR_MS).unwrap();
	let config = RaTlsConfig::new(platform.dev_root_ca_der(), policy).unwrap();
	let issuer_chain: &[u8] = collateral.issuer_chain_pem.as_ref();
	for (kind, file) in [
		(
			CollateralKind::QuotingEnclaveIdentity,
			AsRef::<[u8]>::as_ref(&collateral.qe_identity_json),
		),
		(CollateralKind::TcbInfo, collateral.tcb_info_json.as_ref()),
	] {
		let (body, signature) =
			integritee_attestation::dcap::collateral::split_signed_file(file).unwrap();
		config
			.register_collateral(kind, CollateralEvidence { body, signature, issuer_chain }, now)
			.unwrap();
	}
	config
		.register_collateral(
			CollateralKind::PckCrl,
			CollateralEvidence {
				body: collateral.pck_crl_der.as_ref(),
				signature: &[],
				issuer_chain: collateral.pck_crl_issuer_chain_pem.as_ref(),
			},
			now,
		)
		.unwrap();
	config
		.register_collateral(
			CollateralKind::RootCaCrl,
			CollateralEvidence {
				body: collateral.root_ca_crl_der.as_ref(),
				signature: &[],
				issuer_chain: &[],
			},
			now,
		)
		.unwrap();
	Arc::new(config)
}

fn attested(platform: &SimulatedPlatform, identity: &EnclaveIdentity) -> AttestedCertificate {
	make_attested_certificate(|report_data| platform.quote(identity, report_data)).unwrap()
}

/// A plain self-signed P-256 certificate without the quote extension.
fn plain_self_signed() -> AttestedCertificate {
	let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
	let cert = rcgen::CertificateParams::new(vec!["ra-tls.invalid".to_string()])
		.unwrap()
		.self_signed(&key)
		.unwrap();
	AttestedCertificate { cert_der: cert.der().to_vec(), private_key_der: key.serialize_der() }
}

struct Side {
	cert: AttestedCertificate,
	config: Arc<RaTlsConfig>,
}

/// What each side of a session saw: the bytes it received, or its error; and
/// on success the peer's MRENCLAVE as [`peer_identity`] reports it.
struct Outcome {
	server: io::Result<(Vec<u8>, [u8; 32])>,
	client: io::Result<(Vec<u8>, [u8; 32])>,
}

fn timeouts(socket: &TcpStream) {
	socket.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
	socket.set_write_timeout(Some(Duration::from_secs(20))).unwrap();
}

/// Runs one mutual RA-TLS session over loopback TCP: the client sends
/// [`CLIENT_HELLO`], the server answers [`SERVER_REPLY`].
fn session(server: Side, client: Side) -> Outcome {
	session_with(
		server,
		Arc::new(client_config(&client.cert, client.config.clone()).unwrap()),
		client.config,
	)
}

fn session_with(
	server: Side,
	client_tls: Arc<rustls::ClientConfig>,
	client_ra: Arc<RaTlsConfig>,
) -> Outcome {
	let listener = TcpListener::bind("127.0.0.1:0").unwrap();
	let address = listener.local_addr().unwrap();
	let server_tls = Arc::new(server_config(&server.cert, server.config.clone()).unwrap());

	let server_thread = thread::spawn(move || -> io::Result<(Vec<u8>, [u8; 32])> {
		let (socket, _) = listener.accept()?;
		timeouts(&socket);
		let connection = ServerConnection::new(server_tls).map_err(io::Error::other)?;
		let mut stream = StreamOwned::new(connection, socket);
		let mut received = vec![0u8; CLIENT_HELLO.len()];
		stream.read_exact(&mut received)?;
		let peer = peer_identity(stream.conn.peer_certificates(), &server.config)
			.map_err(io::Error::other)?;
		stream.write_all(SERVER_REPLY)?;
		stream.conn.send_close_notify();
		stream.flush()?;
		Ok((received, peer.dcap.enclave.mr_enclave.0))
	});

	let client = (|| -> io::Result<(Vec<u8>, [u8; 32])> {
		let socket = TcpStream::connect(address)?;
		timeouts(&socket);
		let connection =
			ClientConnection::new(client_tls, server_name().map_err(io::Error::other)?)
				.map_err(io::Error::other)?;
		let mut stream = StreamOwned::new(connection, socket);
		stream.write_all(CLIENT_HELLO)?;
		stream.flush()?;
		let mut received = vec![0u8; SERVER_REPLY.len()];
		stream.read_exact(&mut received)?;
		let peer =
			peer_identity(stream.conn.peer_certificates(), &client_ra).map_err(io::Error::other)?;
		Ok((received, peer.dcap.enclave.mr_enclave.0))
	})();

	let server = server_thread.join().unwrap();
	Outcome { server, client }
}

fn ra_tls_error(result: &io::Result<(Vec<u8>, [u8; 32])>) -> Error {
	match result {
		Ok(_) => panic!("expected a failed handshake"),
		Err(e) => Error::from_io(e).unwrap_or_else(|| panic!("not an RA-TLS error: {e:?}")).clone(),
	}
}

fn allow(mr: &[[u8; 32]]) -> RaTlsPolicy {
	RaTlsPolicy::allow_mr_enclaves(mr.iter().copied())
}

#[test]
fn mutual_session_between_two_simulated_enclaves_carries_data_both_ways() {
	let platform = SimulatedPlatform::from_seed(SEED);
	let config = config_for(&platform, allow(&[MR_A, MR_B]));
	let server = Side { cert: attested(&platform, &identity(MR_A, false)), config: config.clone() };
	let client = Side { cert: attested(&platform, &identity(MR_B, false)), config };

	let outcome = session(server, client);
	let (server_got, client_mr) = outcome.server.unwrap();
	let (client_got, server_mr) = outcome.client.unwrap();
	assert_eq!(server_got, CLIENT_HELLO);
	assert_eq!(client_got, SERVER_REPLY);
	assert_eq!(client_mr, MR_B);
	assert_eq!(server_mr, MR_A);
}

#[test]
fn verified_peer_reports_the_quote_claims() {
	let platform = SimulatedPlatform::from_seed(SEED);
	let config = config_for(&platform, allow(&[MR_A]));
	let cert = attested(&platform, &identity(MR_A, false));
	let peer = config.verify_certificate(&cert.cert_der, now_ms()).unwrap();
	assert_eq!(peer.dcap.enclave.mr_enclave.0, MR_A);
	assert_eq!(peer.dcap.enclave.mr_signer, [0x51; 32]);
	assert_eq!(peer.dcap.enclave.signer_public, peer.key_hash);
	assert_eq!(peer.key_hash, Cert::from_der(&cert.cert_der).unwrap().key_hash());
}

#[test]
fn server_refuses_a_client_whose_mr_enclave_is_not_allowed() {
	let platform = SimulatedPlatform::from_seed(SEED);
	let server = Side {
		cert: attested(&platform, &identity(MR_A, false)),
		config: config_for(&platform, allow(&[MR_A])),
	};
	let client = Side {
		cert: attested(&platform, &identity(MR_EVIL, false)),
		config: config_for(&platform, allow(&[MR_A])),
	};
	let outcome = session(server, client);
	assert_eq!(ra_tls_error(&outcome.server), Error::MrEnclaveNotAllowed(MR_EVIL));
	assert!(outcome.client.is_err());
}

#[test]
fn client_refuses_a_server_whose_mr_enclave_is_not_allowed() {
	let platform = SimulatedPlatform::from_seed(SEED);
	let server = Side {
		cert: attested(&platform, &identity(MR_EVIL, false)),
		config: config_for(&platform, allow(&[MR_A, MR_EVIL])),
	};
	let client = Side {
		cert: attested(&platform, &identity(MR_A, false)),
		config: config_for(&platform, allow(&[MR_A])),
	};
	let outcome = session(server, client);
	assert_eq!(ra_tls_error(&outcome.client), Error::MrEnclaveNotAllowed(MR_EVIL));
	assert!(outcome.server.is_err());
}

#[test]
fn quote_made_for_another_key_is_refused() {
	let platform = SimulatedPlatform::from_seed(SEED);
	// A genuine quote of an allowed enclave, replayed in a certificate for the
	// attacker's own key.
	let genuine = attested(&platform, &identity(MR_B, false));
	let genuine_quote =
		quote_from_certificate(&Cert::from_der(&genuine.cert_der).unwrap()).unwrap().to_vec();
	let replayed = make_attested_certificate(|_| Ok::<_, String>(genuine_quote)).unwrap();

	let server = Side {
		cert: attested(&platform, &identity(MR_A, false)),
		config: config_for(&platform, allow(&[MR_A, MR_B])),
	};
	let client = Side { cert: replayed, config: config_for(&platform, allow(&[MR_A])) };
	let outcome = session(server, client);
	assert_eq!(ra_tls_error(&outcome.server), Error::KeyNotBound);
	assert!(outcome.client.is_err());
}

#[test]
fn plain_self_signed_certificate_is_refused() {
	let platform = SimulatedPlatform::from_seed(SEED);
	let server = Side {
		cert: attested(&platform, &identity(MR_A, false)),
		config: config_for(&platform, allow(&[MR_A])),
	};
	let client = Side { cert: plain_self_signed(), config: config_for(&platform, allow(&[MR_A])) };
	let outcome = session(server, client);
	assert_eq!(ra_tls_error(&outcome.server), Error::MissingQuoteExtension);
	assert!(outcome.client.is_err());

	// And the other way round: a client refuses a plain server.
	let server = Side { cert: plain_self_signed(), config: config_for(&platform, allow(&[MR_A])) };
	let client = Side {
		cert: attested(&platform, &identity(MR_A, false)),
		config: config_for(&platform, allow(&[MR_A])),
	};
	let outcome = session(server, client);
	assert_eq!(ra_tls_error(&outcome.client), Error::MissingQuoteExtension);
}

#[test]
fn quote_under_another_dev_root_is_refused() {
	let platform = SimulatedPlatform::from_seed(SEED);
	let foreign = SimulatedPlatform::from_seed(OTHER_SEED);
	let server = Side {
		cert: attested(&foreign, &identity(MR_A, false)),
		config: config_for(&foreign, allow(&[MR_A])),
	};
	let client = Side {
		cert: attested(&platform, &identity(MR_A, false)),
		config: config_for(&platform, allow(&[MR_A])),
	};
	let outcome = session(server, client);
	let err = ra_tls_error(&outcome.client);
	assert_eq!(err, Error::Quote(integritee_attestation::Error::UntrustedRoot));
	assert!(outcome.server.is_err());
}

#[test]
fn server_requires_a_client_certificate() {
	let platform = SimulatedPlatform::from_seed(SEED);
	let config = config_for(&platform, allow(&[MR_A]));
	let server = Side { cert: attested(&platform, &identity(MR_A, false)), config: config.clone() };
	let verifier = Arc::new(integritee_ra_tls::RaTlsServerVerifier::new(
		config.clone(),
		integritee_ra_tls::crypto_provider(),
	));
	let anonymous =
		rustls::ClientConfig::builder_with_provider(integritee_ra_tls::crypto_provider())
			.with_protocol_versions(&[&rustls::version::TLS13])
			.unwrap()
			.dangerous()
			.with_custom_certificate_verifier(verifier)
			.with_no_client_auth();
	let outcome = session_with(server, Arc::new(anonymous), config);
	let err = outcome.server.unwrap_err();
	let tls = err.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>());
	assert!(matches!(tls, Some(rustls::Error::NoCertificatesPresented)), "{err:?}");
}

#[test]
fn debug_enclaves_need_the_policy_to_allow_them() {
	let platform = SimulatedPlatform::from_seed(SEED);
	let debug_cert = attested(&platform, &identity(MR_A, true));
	let strict = config_for(&platform, allow(&[MR_A]));
	assert_eq!(
		strict.verify_certificate(&debug_cert.cert_der, now_ms()).unwrap_err(),
		Error::DebugEnclaveNotAllowed
	);
	let lenient = config_for(&platform, allow(&[MR_A]).allow_debug(true));
	lenient.verify_certificate(&debug_cert.cert_der, now_ms()).unwrap();
}

#[test]
fn tcb_status_must_be_accepted() {
	let platform = SimulatedPlatform::from_seed(SEED);
	let cert = attested(&platform, &identity(MR_A, false));
	let default = config_for(&platform, allow(&[MR_A]));
	let status = default.verify_certificate(&cert.cert_der, now_ms()).unwrap().dcap.status;
	assert!(matches!(status, TcbStatus::UpToDate | TcbStatus::SwHardeningNeeded), "{status:?}");
	let none_accepted = config_for(&platform, allow(&[MR_A]).accept_tcb_statuses([]));
	assert_eq!(
		none_accepted.verify_certificate(&cert.cert_der, now_ms()).unwrap_err(),
		Error::TcbStatusNotAccepted(status)
	);
}

#[test]
fn missing_collateral_is_refused() {
	let platform = SimulatedPlatform::from_seed(SEED);
	let cert = attested(&platform, &identity(MR_A, false));
	let empty = RaTlsConfig::new(platform.dev_root_ca_der(), allow(&[MR_A])).unwrap();
	let err = empty.verify_certificate(&cert.cert_der, now_ms()).unwrap_err();
	assert!(
		matches!(err, Error::Quote(integritee_attestation::Error::MissingCollateral(_))),
		"{err:?}"
	);
}

#[test]
fn handshake_uses_the_policy_time_source() {
	// Collateral current for 30 days; a certificate valid for 60. With the
	// policy's clock fixed 40 days ahead the certificate is still valid but
	// the collateral has expired, and the handshake fails on that.
	let platform = SimulatedPlatform::from_seed(SEED);
	let now = now_ms();
	let later = now + 40 * 24 * HOUR_MS;
	let long_lived =
		make_attested_certificate_with(Validity::from_now(now, 60 * 24 * HOUR_MS), |rd| {
			platform.quote(&identity(MR_B, false), rd)
		})
		.unwrap();
	let server = Side {
		cert: attested(&platform, &identity(MR_A, false)),
		config: config_for(&platform, allow(&[MR_A, MR_B]).with_time(TimeSource::Fixed(later))),
	};
	let client = Side { cert: long_lived, config: config_for(&platform, allow(&[MR_A])) };
	let outcome = session(server, client);
	let err = ra_tls_error(&outcome.server);
	assert!(
		matches!(
			err,
			Error::Quote(
				integritee_attestation::Error::CollateralExpired(_)
					| integritee_attestation::Error::CrlExpired
			)
		),
		"{err:?}"
	);

	// The same certificate at the real time is accepted.
	let config = config_for(&platform, allow(&[MR_B]));
	let cert = make_attested_certificate_with(Validity::from_now(now, 60 * 24 * HOUR_MS), |rd| {
		platform.quote(&identity(MR_B, false), rd)
	})
	.unwrap();
	config.verify_certificate(&cert.cert_der, now).unwrap();
}

#[test]
fn out_of_date_platform_is_refused_by_the_default_policy() {
	let platform = SimulatedPlatform::from_seed(SEED);
	let stale = SimulatedPlatform::with_config(SEED, SimPlatformConfig::out_of_date());
	let server = Side {
		cert: attested(&platform, &identity(MR_A, false)),
		config: config_for(&stale, allow(&[MR_A, MR_B])),
	};
	let client = Side {
		cert: attested(&stale, &identity(MR_B, false)),
		config: config_for(&platform, allow(&[MR_A])),
	};
	let outcome = session(server, client);
	assert_eq!(ra_tls_error(&outcome.server), Error::TcbStatusNotAccepted(TcbStatus::OutOfDate));

	// A policy that accepts OutOfDate lets the same enclave in.
	let lenient = config_for(
		&stale,
		allow(&[MR_B]).accept_tcb_statuses([TcbStatus::UpToDate, TcbStatus::OutOfDate]),
	);
	let cert = attested(&stale, &identity(MR_B, false));
	assert_eq!(
		lenient.verify_certificate(&cert.cert_der, now_ms()).unwrap().dcap.status,
		TcbStatus::OutOfDate
	);
}

/// One one-way session: the server presents `cert` and asks no client
/// certificate; returns what the client received.
fn one_way(cert: &AttestedCertificate, client_tls: rustls::ClientConfig) -> io::Result<Vec<u8>> {
	let listener = TcpListener::bind("127.0.0.1:0").unwrap();
	let address = listener.local_addr().unwrap();
	let renewable = Arc::new(RenewableCertificate::new(cert).unwrap());
	let server_tls = Arc::new(server_config_one_way(renewable).unwrap());
	let server_thread = thread::spawn(move || -> io::Result<()> {
		let (socket, _) = listener.accept()?;
		timeouts(&socket);
		let connection = ServerConnection::new(server_tls).map_err(io::Error::other)?;
		let mut stream = StreamOwned::new(connection, socket);
		let mut received = vec![0u8; CLIENT_HELLO.len()];
		stream.read_exact(&mut received)?;
		stream.write_all(SERVER_REPLY)?;
		stream.conn.send_close_notify();
		stream.flush()
	});
	let client = (|| -> io::Result<Vec<u8>> {
		let socket = TcpStream::connect(address)?;
		timeouts(&socket);
		let connection =
			ClientConnection::new(Arc::new(client_tls), server_name().map_err(io::Error::other)?)
				.map_err(io::Error::other)?;
		let mut stream = StreamOwned::new(connection, socket);
		stream.write_all(CLIENT_HELLO)?;
		stream.flush()?;
		let mut received = vec![0u8; SERVER_REPLY.len()];
		stream.read_exact(&mut received)?;
		Ok(received)
	})();
	// The server's side fails whenever the client refused it.
	let _ = server_thread.join();
	client
}

/// A client without a certificate (a CLI) reaches a one-way RA-TLS server,
/// learns the server's verified identity and the 32 bytes its certificate
/// binds; a bound certificate is refused under the default policy, and so
/// are another MRENCLAVE and a plain self-signed certificate.
#[test]
fn one_way_sessions_hand_the_verified_server_and_its_binding_to_the_client() {
	let platform = SimulatedPlatform::from_seed(SEED);
	let binding = [0x5A; 32];
	let bound = make_bound_certificate(Validity::from_now(now_ms(), HOUR_MS), binding, |rd| {
		platform.quote(&identity(MR_A, false), rd)
	})
	.unwrap();
	let with = |policy: RaTlsPolicy| client_config_one_way(config_for(&platform, policy)).unwrap();
	let refusal = |got: io::Result<Vec<u8>>| ra_tls_error(&got.map(|bytes| (bytes, [0; 32])));

	let (client_tls, verified) = with(allow(&[MR_A]).with_binding(ExpectedBinding::Any));
	assert!(verified.get().is_none(), "nothing verified before a handshake");
	assert_eq!(one_way(&bound, client_tls).unwrap(), SERVER_REPLY);
	let peer = verified.get().unwrap();
	assert_eq!((peer.binding, peer.dcap.enclave.mr_enclave.0), (binding, MR_A));

	let (client_tls, verified) = with(allow(&[MR_A]));
	assert_eq!(refusal(one_way(&bound, client_tls)), Error::UnexpectedReportData);
	assert!(verified.get().is_none());
	let (client_tls, _) = with(allow(&[MR_B]).with_binding(ExpectedBinding::Any));
	assert_eq!(refusal(one_way(&bound, client_tls)), Error::MrEnclaveNotAllowed(MR_A));
	let (client_tls, _) = with(allow(&[MR_A]).with_binding(ExpectedBinding::Any));
	assert_eq!(refusal(one_way(&plain_self_signed(), client_tls)), Error::MissingQuoteExtension);

	// Renewal: the next handshake gets the replacement.
	let renewable = RenewableCertificate::new(&bound).unwrap();
	let renewed = attested(&platform, &identity(MR_A, false));
	renewable.replace(&renewed).unwrap();
	assert_eq!(renewable.current(), renewed.cert_der);
	assert!(renewable.replace(&plain_self_signed()).is_ok(), "any P-256 key loads");
	let broken = AttestedCertificate { private_key_der: vec![1, 2, 3], ..renewed };
	assert!(RenewableCertificate::new(&broken).is_err(), "an unreadable key is an error");
}
