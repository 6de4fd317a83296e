//! Test support: starting and stopping real `integritee-node` processes,
//! and helpers the tests of several crates share ([`copy_dir`]).
//!
//! Every node listens on loopback only, on ports picked free at start, with
//! its database in a temporary directory; dropping the handle kills the
//! process and removes the directory. Binaries are found next to the test
//! executable (`target/<profile>/`), or through `INTEGRITEE_NODE_BIN`.
//!
//! Tests that start nodes run one at a time, on two cores a node and its
//! workers need them: a [`Node`] holds the machine-wide process slot (a lock
//! file in the temporary directory) for as long as it lives; more nodes of
//! the same test thread share it. Under nextest the `processes` test group
//! (`.config/nextest.toml`) keeps them from even being started together;
//! under `cargo test` the slot does it.
#![forbid(unsafe_code)]
#![allow(clippy::expect_used, clippy::panic)]

pub mod ra_tls;

use std::{
	fs::File,
	net::TcpListener,
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	sync::{Condvar, Mutex},
	thread::ThreadId,
	time::{Duration, Instant},
};

/// Copies the directory `from` into `to` (created if missing), with its
/// subdirectories: what a host that copies or restores a data directory
/// does.
pub fn copy_dir(from: &Path, to: &Path) {
	std::fs::create_dir_all(to).expect("create the copy's directory");
	for entry in std::fs::read_dir(from).expect("read the directory to copy") {
		let entry = entry.expect("read a directory entry");
		let target = to.join(entry.file_name());
		if entry.file_type().expect("read an entry's type").is_dir() {
			copy_dir(&entry.path(), &target);
		} else {
			std::fs::copy(entry.path(), target).expect("copy a file");
		}
	}
}

/// Who holds the process slot in this process: a thread, how many of its
/// nodes, and the locked file.
static SLOT: Mutex<Option<(ThreadId, usize, File)>> = Mutex::new(None);
static SLOT_FREED: Condvar = Condvar::new();

/// A share of the machine-wide slot for tests that start processes.
struct ProcessSlot;

impl ProcessSlot {
	fn acquire() -> Self {
		let me = std::thread::current().id();
		let mut slot = SLOT.lock().unwrap_or_else(|p| p.into_inner());
		loop {
			match slot.as_mut() {
				None => {
					let path = std::env::temp_dir().join("integritee-test-processes.lock");
					let file = File::create(&path).expect("the process-slot lock file opens");
					// Blocks while a test of another process holds it.
					file.lock().expect("the process slot can be locked");
					*slot = Some((me, 1, file));
					return ProcessSlot;
				}
				Some((owner, count, _)) if *owner == me => {
					*count += 1;
					return ProcessSlot;
				}
				Some(_) => slot = SLOT_FREED.wait(slot).unwrap_or_else(|p| p.into_inner()),
			}
		}
	}
}

impl Drop for ProcessSlot {
	fn drop(&mut self) {
		let mut slot = SLOT.lock().unwrap_or_else(|p| p.into_inner());
		if let Some((_, count, _)) = slot.as_mut() {
			*count -= 1;
			if *count == 0 {
				// Dropping the file releases the lock.
				*slot = None;
				SLOT_FREED.notify_all();
			}
		}
	}
}

use integritee_chain_client::ChainClient;

/// A workspace binary (`integritee-node`, `integritee-worker`, ...) of the
/// build the running test belongs to: `target/<profile>/<name>`, found from
/// the test executable at `target/<profile>/deps/<test>`. The environment
/// variable `<NAME>_BIN` (upper case, `-` as `_`) overrides it.
pub fn workspace_binary(name: &str) -> PathBuf {
	let var = format!("{}_BIN", name.to_uppercase().replace('-', "_"));
	if let Some(path) = std::env::var_os(&var) {
		return PathBuf::from(path);
	}
	let exe = std::env::current_exe().expect("the test executable has a path");
	let profile_dir =
		exe.parent().and_then(|deps| deps.parent()).expect("tests run from target/<profile>/deps");
	let path = profile_dir.join(name);
	assert!(
		path.exists(),
		"{} not found: build it first (cargo build --release --workspace --bins) or set {var}",
		path.display()
	);
	path
}

/// The `integritee-node` binary of this build.
pub fn node_bin() -> PathBuf {
	workspace_binary("integritee-node")
}

/// A free TCP port on 127.0.0.1 (the listener is closed right away).
pub fn free_port() -> u16 {
	TcpListener::bind("127.0.0.1:0")
		.and_then(|listener| listener.local_addr())
		.map(|addr| addr.port())
		.expect("the OS hands out a free loopback port")
}

pub struct Node {
	child: Child,
	pub rpc_port: u16,
	pub p2p_port: u16,
	pub base_path: PathBuf,
	log_path: PathBuf,
	_dir: tempdir::TempDirGuard,
	_slot: ProcessSlot,
}

pub mod tempdir {
	use std::path::PathBuf;

	/// Removes the directory when dropped.
	pub struct TempDirGuard(pub PathBuf);

	impl Drop for TempDirGuard {
		fn drop(&mut self) {
			let _ = std::fs::remove_dir_all(&self.0);
		}
	}

	pub fn create(label: &str) -> TempDirGuard {
		let dir = std::env::temp_dir().join(format!(
			"integritee-test-{label}-{}-{}",
			std::process::id(),
			rand_suffix()
		));
		std::fs::create_dir_all(&dir).expect("temp dir can be created");
		TempDirGuard(dir)
	}

	fn rand_suffix() -> u128 {
		std::time::SystemTime::now()
			.duration_since(std::time::UNIX_EPOCH)
			.map(|d| d.as_nanos())
			.unwrap_or_default()
	}
}

impl Node {
	/// Starts a node with `args` (e.g. `["--dev"]`) plus loopback-only
	/// networking, a temporary base path and free ports.
	pub fn start(label: &str, args: &[&str]) -> Node {
		let slot = ProcessSlot::acquire();
		let dir = tempdir::create(label);
		let base_path = dir.0.join("base");
		let log_path = dir.0.join("node.log");
		let rpc_port = free_port();
		let p2p_port = free_port();
		let log = File::create(&log_path).expect("log file can be created");
		let child = Command::new(node_bin())
			.args(args)
			.args([
				"--base-path",
				base_path.to_str().expect("temp paths are UTF-8"),
				"--rpc-port",
				&rpc_port.to_string(),
				"--listen-addr",
				&format!("/ip4/127.0.0.1/tcp/{p2p_port}"),
				"--no-mdns",
				"--no-prometheus",
				"--no-telemetry",
			])
			.stdout(Stdio::null())
			.stderr(log)
			.spawn()
			.expect("integritee-node starts");
		Node { child, rpc_port, p2p_port, base_path, log_path, _dir: dir, _slot: slot }
	}

	pub fn ws_url(&self) -> String {
		format!("ws://127.0.0.1:{}", self.rpc_port)
	}

	/// The node's log so far (printed when a test fails).
	pub fn log(&self) -> String {
		std::fs::read_to_string(&self.log_path).unwrap_or_default()
	}

	pub fn log_path(&self) -> &Path {
		&self.log_path
	}

	/// Connects once the RPC server answers, or panics with the node's log.
	pub async fn client(&mut self) -> ChainClient {
		let deadline = Instant::now() + Duration::from_secs(60);
		loop {
			if let Ok(Some(status)) = self.child.try_wait() {
				panic!("node exited early ({status}); log:\n{}", self.log());
			}
			if let Ok(client) = ChainClient::connect(&self.ws_url()).await {
				return client;
			}
			if Instant::now() > deadline {
				panic!("node RPC not up within 60 s; log:\n{}", self.log());
			}
			tokio::time::sleep(Duration::from_millis(250)).await;
		}
	}
}

impl Drop for Node {
	fn drop(&mut self) {
		let _ = self.child.kill();
		let _ = self.child.wait();
		if std::thread::panicking() {
			eprintln!("---- node log ({}) ----\n{}", self.log_path.display(), self.log());
		}
	}
}
