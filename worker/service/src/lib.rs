//! The worker's untrusted host, as a library: the `integritee-worker`
//! binary only parses arguments and calls [`run`].
//!
//! It wires the trusted core (`integritee-enclave`) to the parent chain
//! ([`parentchain`], reads behind the [`parentchain::ParentchainReader`]
//! trait so that the sync logic is tested without a node), keeps it
//! registered ([`registration`]), feeds it finalized blocks ([`sync`]: they
//! are verified and their inputs queued), has it produce sidechain blocks
//! that Raft commits ([`production`]), acts on the committed ones
//! ([`effects`]), anchors the sidechain on the parent chain
//! ([`anchoring`]), submits the extrinsics it signs ([`submitter`]) and
//! serves the trusted RPC ([`rpc`]). Every long-running loop is supervised
//! ([`supervisor`]) and reports its problems to the [`health`].
//!
//! **Must not**: decide what the core signs (it names duties, nonces and
//! moments only), hold keys or plaintext state, or treat a failed read as
//! "absent".
#![forbid(unsafe_code)]

pub mod anchoring;
pub mod args;
pub mod effects;
pub mod health;
pub mod leave;
pub mod parentchain;
pub mod peer;
pub mod production;
pub mod registration;
pub mod rpc;
pub mod submitter;
pub mod supervisor;
pub mod sync;
#[cfg(test)]
mod tests;
pub mod watch;

use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use integritee_enclave::{platform::SimulatedTee, Enclave, EnclaveConfig};
use integritee_sidechain::ReplicationError;

pub use crate::args::Args;
use crate::{
	args::ArgsError,
	effects::EffectsError,
	health::{Component, Health},
	registration::RegistrationError,
	rpc::RpcError,
};

/// The trusted core, shared by the loops and the RPC server. What only
/// reads it (getters, verifying a chunk, proposing a block) takes it
/// shared ([`read`]); what changes it (storing a chunk, committing a block)
/// takes it alone ([`lock`]) and briefly.
pub type SharedEnclave = Arc<RwLock<Enclave>>;

/// The trusted core, alone. A panic while it was held poisons the lock but
/// leaves the core consistent (every state change is one commit), so the
/// lock is taken over rather than propagating the panic.
pub fn lock(enclave: &SharedEnclave) -> RwLockWriteGuard<'_, Enclave> {
	enclave.write().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The trusted core, shared with other readers.
pub fn read(enclave: &SharedEnclave) -> RwLockReadGuard<'_, Enclave> {
	enclave.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The host's clock in milliseconds since the Unix epoch: the moment the
/// core is given (it must not trust it beyond what it is used for).
pub(crate) fn now_ms() -> u64 {
	std::time::SystemTime::now()
		.duration_since(std::time::UNIX_EPOCH)
		.map(|d| d.as_millis() as u64)
		.unwrap_or_default()
}

/// Why the worker did not start, or stopped before it was asked to.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
	#[error("cannot set up the simulated TEE platform: {0}")]
	Platform(integritee_enclave::Error),
	#[error(transparent)]
	Args(#[from] ArgsError),
	#[error("cannot open the enclave: {0}")]
	OpenEnclave(integritee_enclave::Error),
	#[error(transparent)]
	Rpc(#[from] RpcError),
	#[error(transparent)]
	Registration(#[from] RegistrationError),
	#[error("the peer port: {0}")]
	Peer(#[from] crate::peer::PeerError),
	#[error("the peer server task died: {0}")]
	PeerTask(tokio::task::JoinError),
	#[error("cannot start the sidechain: {0}")]
	StartSidechain(ReplicationError),
	/// A supervisor never returns; one that did is a bug.
	#[error("the {0} supervisor stopped")]
	SupervisorStopped(Component),
	#[error("acting on committed blocks stopped: {0}")]
	Effects(EffectsError),
	#[error("acting on committed blocks stopped: the task died: {0}")]
	EffectsTask(tokio::task::JoinError),
	#[error(
		"the sidechain replication stopped: {0}. Committed blocks are safe on disk; restart the \
		 worker (it re-applies them), and if it stops again at the same block, keep its data \
		 directory for analysis"
	)]
	ReplicationStopped(String),
}

/// Runs the worker until SIGINT or SIGTERM.
pub async fn run(args: Args) -> Result<(), RunError> {
	let platform = SimulatedTee::for_current_executable().map_err(RunError::Platform)?;
	log::warn!(
		"TEE backend: SIMULATED. It protects nothing against this machine's host: keys, state \
		 and sealed files are readable by anyone with access to it, and its quotes are only \
		 accepted by chains that pin the public development root CA. Use it for development only."
	);
	let config = EnclaveConfig {
		data_dir: args.data_dir.clone(),
		shard: args.shard()?,
		max_instances: args.max_instances,
	};
	let (enclave, opened) =
		Enclave::open(Arc::new(platform), config).map_err(RunError::OpenEnclave)?;
	if let Some(aside) = &opened.set_aside {
		log::warn!(
			"an earlier start stopped before the enclave was anchored; its unreadable shard \
			 state was moved to {} (delete it at will)",
			aside.display()
		);
	}
	log::info!(
		"enclave MRENCLAVE 0x{}, account {}, shard 0x{}{}",
		hex::encode(enclave.mr_enclave()),
		enclave.account(),
		hex::encode(enclave.shard()),
		if opened.new_keys { " (new keys, sealed once the light client is anchored)" } else { "" }
	);
	let node_id = integritee_sidechain::node_id(&enclave.signer_public().0);
	let database = enclave.shard_database();
	let enclave: SharedEnclave = Arc::new(RwLock::new(enclave));
	let health = Health::new(args.max_lag);
	let latest = production::LatestHeader::default();
	let watchers = watch::Watchers::default();
	crate::lock(&enclave).set_pool_limits(args.pool_limits());

	crate::peer::report_secrets(&read(&enclave), &health);
	let (peer_listener, peer_addr) = peer::bind(&args).await?;
	let peer_address = args.public_peer_address(peer_addr.port());
	log::info!(
		"peer port listening on {peer_addr} (mutual RA-TLS; told to members as {peer_address})"
	);
	let (rpc_addr, rpc_server) = rpc::start(
		&args,
		enclave.clone(),
		health.clone(),
		latest.clone(),
		watchers.clone(),
		peer_address,
	)
	.await?;
	let public_url = args.public_url(rpc_addr.port());
	log::info!(
		"trusted RPC listening on wss://{rpc_addr} (TLS 1.3, RA-TLS; registered as {public_url})"
	);

	let client = parentchain::connect_with_retry(&args.node_url).await;
	registration::bootstrap(&client, &enclave, &args, &public_url).await?;

	// The sidechain: committed blocks are applied by the core (also those
	// committed but not applied before a crash, before `start` returns).
	let (sink, reports) =
		production::CoreSink::new(enclave.clone(), latest, health.clone(), watchers.clone());
	let sidechain = integritee_sidechain::Sidechain::start(
		node_id,
		public_url.clone(),
		database,
		Arc::new(sink),
		integritee_sidechain::Timings::default(),
	)
	.await
	.map_err(RunError::StartSidechain)?;
	let sidechain = Arc::new(sidechain);
	log::info!("sidechain: Raft node {node_id}, block interval {} ms", args.block_interval_ms);

	let submitter = submitter::Submitter::new(args.node_url.clone(), enclave.clone());
	let imported = Arc::new(tokio::sync::Notify::new());
	let sync = supervisor::supervise(Component::Sync, health.clone(), {
		let (args, enclave, health, imported, watchers) =
			(args.clone(), enclave.clone(), health.clone(), imported.clone(), watchers.clone());
		move || {
			let watchers = watchers.clone();
			sync::run(args.clone(), enclave.clone(), health.clone(), imported.clone(), watchers)
		}
	});
	let context = production::Context {
		args: args.clone(),
		enclave: enclave.clone(),
		sidechain: sidechain.clone(),
		health: health.clone(),
		submitter: submitter.clone(),
		imported,
		anchor_now: Arc::new(tokio::sync::Notify::new()),
	};
	let produce = supervisor::supervise(Component::Production, health.clone(), {
		let context = context.clone();
		move || production::produce(context.clone())
	});
	let anchor = supervisor::supervise(Component::Anchoring, health.clone(), {
		let context = context.clone();
		move || anchoring::run(context.clone())
	});
	let effects = tokio::spawn(effects::run(
		args.clone(),
		health.clone(),
		submitter.clone(),
		context.anchor_now.clone(),
		reports,
	));
	let peer_server = tokio::spawn(peer::serve(
		peer_listener,
		enclave.clone(),
		args.node_url.clone(),
		health.clone(),
	));
	let provisioning = supervisor::supervise(Component::Provisioning, health.clone(), {
		let (args, enclave, health) = (args.clone(), enclave.clone(), health.clone());
		move || peer::provision(args.clone(), enclave.clone(), health.clone())
	});
	let renewal = supervisor::supervise(Component::Registration, health.clone(), {
		let (args, enclave, public_url) = (args.clone(), enclave.clone(), public_url.clone());
		move || registration::renew_loop(args.clone(), enclave.clone(), public_url.clone())
	});

	let outcome = tokio::select! {
		_ = shutdown_signal() => {
			log::info!("shutting down");
			Ok(())
		}
		_ = sync => Err(RunError::SupervisorStopped(Component::Sync)),
		_ = produce => Err(RunError::SupervisorStopped(Component::Production)),
		_ = anchor => Err(RunError::SupervisorStopped(Component::Anchoring)),
		_ = renewal => Err(RunError::SupervisorStopped(Component::Registration)),
		_ = provisioning => Err(RunError::SupervisorStopped(Component::Provisioning)),
		stopped = peer_server => Err(match stopped {
			Ok(Ok(())) => RunError::SupervisorStopped(Component::Provisioning),
			Ok(Err(e)) => RunError::Peer(e),
			Err(died) => RunError::PeerTask(died),
		}),
		stopped = effects => Err(match stopped {
			Ok(reason) => RunError::Effects(reason),
			Err(died) => RunError::EffectsTask(died),
		}),
		reason = sidechain.stopped() => Err(RunError::ReplicationStopped(reason)),
	};
	sidechain.shutdown().await;
	let _ = rpc_server.stop();
	outcome
}

async fn shutdown_signal() {
	#[cfg(unix)]
	{
		use tokio::signal::unix::{signal, SignalKind};
		if let Ok(mut term) = signal(SignalKind::terminate()) {
			tokio::select! {
				_ = tokio::signal::ctrl_c() => {},
				_ = term.recv() => {},
			}
			return;
		}
	}
	let _ = tokio::signal::ctrl_c().await;
}
