//! The trusted RPC's transport: it accepts TCP connections, completes their
//! TLS 1.3 handshakes and hands the encrypted streams to jsonrpsee's tower
//! service, and it owns the limits that keep clients from hoarding
//! connections:
//!
//! - at most [`ConnectionLimits::max_handshakes`] TLS handshakes in
//!   progress, each bounded in time; a connection arriving while all are
//!   taken is closed at once, before any TLS work;
//! - at most [`ConnectionLimits::max_per_address`] connections of one client
//!   address (an IPv4 address or an IPv6 /64), counted from the accept
//!   through the handshake to the end of the connection; one more is closed
//!   at once;
//! - at most [`ConnectionLimits::max_connections`] open connections in all;
//!   one more is answered with a JSON-RPC "server is busy" error in an HTTP
//!   429 and closed;
//! - WebSocket pings, and a read-idle deadline: a connection whose client
//!   sent nothing for [`ConnectionLimits::read_idle_timeout`] (no request, no
//!   answer to a ping) is closed.

use std::{
	collections::HashMap,
	future::Future,
	io,
	net::{IpAddr, Ipv6Addr},
	pin::Pin,
	sync::{Arc, Mutex},
	task::{Context, Poll},
	time::Duration,
};

use integritee_stf_primitives::direct::error_code;
use jsonrpsee::{
	server::{
		serve_with_graceful_shutdown, stop_channel, BatchRequestConfig, PingConfig, Server,
		ServerHandle,
	},
	Methods,
};
use tokio::{
	io::{AsyncRead, AsyncWrite, ReadBuf},
	sync::{OwnedSemaphorePermit, Semaphore},
	time::{Instant, Sleep},
};
use tokio_rustls::TlsAcceptor;

/// Largest request the server accepts (a getter or a direct call is a few
/// hundred bytes; a direct call's ciphertext is limited to
/// `MAX_CALL_CIPHERTEXT_BYTES`).
const MAX_REQUEST_BYTES: u32 = 64 * 1024;
/// Entries of one JSON-RPC batch. jsonrpsee runs a batch's entries one
/// after another within the connection's request, outside the per-request
/// accounting a client would meet with separate requests; no client of
/// ours batches, but tools may batch a few key queries in one round trip.
/// A small limit keeps those working and bounds what one message starts
/// (a larger batch is refused whole, -32010).
pub const MAX_BATCH_LEN: u32 = 8;
/// Watches one connection may hold.
const MAX_SUBSCRIPTIONS_PER_CONNECTION: u32 = 4096;

/// Open connections; one more is answered HTTP 429 with a JSON-RPC
/// "server is busy" error and closed.
pub const MAX_CONNECTIONS: usize = 512;
/// Connections of one client address (handshakes included). An eighth of
/// [`MAX_CONNECTIONS`]: at least eight addresses are needed to fill the
/// server, while a client behind a NAT or running many watches in parallel
/// still has room.
pub const MAX_CONNECTIONS_PER_ADDRESS: usize = MAX_CONNECTIONS / 8;
/// TLS handshakes in progress. A handshake costs a signature and a key
/// exchange, and a stalled one holds its buffers until
/// [`HANDSHAKE_TIMEOUT`]; four times [`MAX_CONNECTIONS_PER_ADDRESS`], so
/// that one address stalling all of its handshakes leaves three quarters of
/// them to everybody else.
pub const MAX_HANDSHAKES: usize = 4 * MAX_CONNECTIONS_PER_ADDRESS;
/// A client must finish the TLS handshake within this time (a handshake
/// takes one round trip and a few milliseconds of work).
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the server pings a WebSocket client. WebSocket clients answer
/// pings on their own (jsonrpsee's and browsers' do), so a live client
/// sends something at least this often even when it has nothing to ask.
pub const PING_INTERVAL: Duration = Duration::from_secs(30);
/// A WebSocket client whose last pong is older than this when the server
/// checks (every [`PING_INTERVAL`]) is dropped: it missed a ping by more
/// than ten seconds.
pub const PING_INACTIVE_LIMIT: Duration = Duration::from_secs(40);
/// A connection whose client sent nothing for this long is closed: a TLS
/// connection that never sends its HTTP request or WebSocket upgrade, an
/// HTTP connection kept open without requests, a peer gone silent. More
/// than two [`PING_INTERVAL`]s, so a live WebSocket client answering pings
/// is never cut off by it; and well above the longest a request waits for
/// its answer (a getter's `min_block`, 10 s), because the HTTP server keeps
/// reading during a request to notice a client that leaves.
pub const READ_IDLE_TIMEOUT: Duration = Duration::from_secs(75);

/// The limits [`serve_tls`] applies to connections; the defaults are the
/// constants of this module. Tests use small values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
	/// Open connections (after the handshake); see [`MAX_CONNECTIONS`].
	pub max_connections: usize,
	/// Connections of one client address, from the accept to the close;
	/// see [`MAX_CONNECTIONS_PER_ADDRESS`].
	pub max_per_address: usize,
	/// TLS handshakes in progress; see [`MAX_HANDSHAKES`].
	pub max_handshakes: usize,
	/// See [`HANDSHAKE_TIMEOUT`].
	pub handshake_timeout: Duration,
	/// See [`READ_IDLE_TIMEOUT`]; keep it above `ping_interval`.
	pub read_idle_timeout: Duration,
	/// See [`PING_INTERVAL`] (at least 1 ms is used).
	pub ping_interval: Duration,
	/// See [`PING_INACTIVE_LIMIT`].
	pub ping_inactive_limit: Duration,
}

impl Default for ConnectionLimits {
	fn default() -> Self {
		Self {
			max_connections: MAX_CONNECTIONS,
			max_per_address: MAX_CONNECTIONS_PER_ADDRESS,
			max_handshakes: MAX_HANDSHAKES,
			handshake_timeout: HANDSHAKE_TIMEOUT,
			read_idle_timeout: READ_IDLE_TIMEOUT,
			ping_interval: PING_INTERVAL,
			ping_inactive_limit: PING_INACTIVE_LIMIT,
		}
	}
}

/// Serves `methods` on `listener` over TLS (`tls`), with the trusted RPC's
/// limits (`limits`; see the module documentation), until the returned
/// handle stops it: each connection's TLS handshake (bounded in number and
/// time), then JSON-RPC over the encrypted stream.
pub fn serve_tls(
	listener: tokio::net::TcpListener,
	tls: rustls::ServerConfig,
	methods: Methods,
	limits: ConnectionLimits,
) -> ServerHandle {
	// tokio's intervals, which jsonrpsee's pings use, refuse a zero period.
	let ping_interval = limits.ping_interval.max(Duration::from_millis(1));
	let service = Server::builder()
		.max_request_body_size(MAX_REQUEST_BYTES)
		// Our own limit below decides; jsonrpsee's (default 100) is kept
		// above it so that its permits, released at slightly other moments
		// than ours, never refuse first.
		.max_connections(
			u32::try_from(limits.max_connections.saturating_mul(2)).unwrap_or(u32::MAX),
		)
		.max_subscriptions_per_connection(MAX_SUBSCRIPTIONS_PER_CONNECTION)
		.set_batch_request_config(BatchRequestConfig::Limit(MAX_BATCH_LEN))
		.enable_ws_ping(
			PingConfig::new()
				.ping_interval(ping_interval)
				.inactive_limit(limits.ping_inactive_limit)
				// jsonrpsee never forgets a missed ping: one is enough.
				.max_failures(1),
		)
		.to_service_builder();
	let open = Arc::new(Semaphore::new(limits.max_connections));
	let handshakes = Arc::new(Semaphore::new(limits.max_handshakes));
	let per_address = PerAddress::default();
	let (stop, handle) = stop_channel();
	let tls = TlsAcceptor::from(Arc::new(tls));
	tokio::spawn(async move {
		loop {
			let (socket, peer) = tokio::select! {
				accepted = listener.accept() => match accepted {
					Ok(accepted) => accepted,
					Err(e) => {
						log::warn!("trusted RPC: cannot accept a connection: {e}");
						tokio::time::sleep(Duration::from_millis(100)).await;
						continue;
					}
				},
				_ = stop.clone().shutdown() => return,
			};
			// Both refusals below close the socket at once (it is dropped),
			// before any TLS work: answering in words would take a
			// handshake, and handshakes are what a flood spends. Refusing an
			// address over its limit before the handshake also keeps one
			// address from taking more than its share of the handshakes.
			let Some(address_slot) = per_address.take(client_of(peer.ip()), limits.max_per_address)
			else {
				log::debug!(
					"trusted RPC: a client address has {} connections open; one more is closed",
					limits.max_per_address
				);
				continue;
			};
			let Ok(handshake) = handshakes.clone().try_acquire_owned() else {
				log::debug!(
					"trusted RPC: {} TLS handshakes in progress; one more connection is closed",
					limits.max_handshakes
				);
				continue;
			};
			// Small answers and statuses go out at once (as jsonrpsee's own
			// listener does): under Nagle's algorithm a request-answer
			// exchange stalls 40 ms.
			if let Err(e) = socket.set_nodelay(true) {
				log::debug!("trusted RPC: TCP_NODELAY: {e}");
			}
			let (tls, service, methods, stop, open) =
				(tls.clone(), service.clone(), methods.clone(), stop.clone(), open.clone());
			tokio::spawn(async move {
				let handshake_result =
					tokio::time::timeout(limits.handshake_timeout, tls.accept(socket)).await;
				drop(handshake);
				let stream = match handshake_result {
					Ok(Ok(stream)) => stream,
					// A client that does not speak TLS 1.3 or refuses the
					// certificate: nothing to answer.
					Ok(Err(e)) => return log::debug!("trusted RPC: TLS handshake failed: {e}"),
					Err(_) => return log::debug!("trusted RPC: TLS handshake timed out"),
				};
				let Ok(permit) = open.try_acquire_owned() else {
					return answer_busy(stream, limits.max_connections, limits.handshake_timeout)
						.await;
				};
				// The permits go with the stream: a WebSocket outlives the
				// HTTP exchange that upgraded it.
				let stream = Counted::new(stream, permit, address_slot, limits.read_idle_timeout);
				let service = service.build(methods, stop.clone());
				if let Err(e) = serve_with_graceful_shutdown(stream, service, stop.shutdown()).await
				{
					log::debug!("trusted RPC connection: {e}");
				}
			});
		}
	});
	handle
}

/// Whose connection it is, for [`ConnectionLimits::max_per_address`]: the
/// IPv4 address, or the IPv6 /64 network. One subscriber usually gets a
/// whole /64, so counting single IPv6 addresses would bound nothing. An
/// IPv4 address mapped into IPv6 (a dual-stack listener) counts as itself.
fn client_of(address: IpAddr) -> IpAddr {
	match address {
		IpAddr::V4(_) => address,
		IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
			Some(v4) => IpAddr::V4(v4),
			None => {
				let mut octets = v6.octets();
				octets[8..].fill(0);
				IpAddr::V6(Ipv6Addr::from(octets))
			}
		},
	}
}

/// Connections per client address. An entry exists only while the address
/// has a connection, so the table is no larger than the open sockets.
#[derive(Clone, Default)]
struct PerAddress(Arc<Mutex<HashMap<IpAddr, usize>>>);

/// A connection's place among its address's connections, given back when
/// dropped.
struct AddressSlot {
	table: PerAddress,
	client: IpAddr,
}

impl PerAddress {
	/// A place for one more connection of `client`, if it has fewer than
	/// `max`.
	fn take(&self, client: IpAddr, max: usize) -> Option<AddressSlot> {
		let mut table = self.0.lock().unwrap_or_else(|p| p.into_inner());
		let open = table.get(&client).copied().unwrap_or(0);
		if open >= max {
			return None;
		}
		table.insert(client, open + 1);
		Some(AddressSlot { table: self.clone(), client })
	}
}

impl Drop for AddressSlot {
	fn drop(&mut self) {
		let mut table = self.table.0.lock().unwrap_or_else(|p| p.into_inner());
		if let Some(open) = table.get_mut(&self.client) {
			*open = open.saturating_sub(1);
			if *open == 0 {
				table.remove(&self.client);
			}
		}
	}
}

/// A connection's stream with its places among the open connections and
/// among its address's connections, given back when the stream is dropped
/// (by the HTTP server, or by the WebSocket it was upgraded to); and a
/// read-idle deadline: a read that waits longer than `read_idle_timeout`
/// since the client last sent application data fails with `TimedOut`, which
/// ends the connection.
struct Counted<S> {
	stream: S,
	read_idle_timeout: Duration,
	idle_deadline: Pin<Box<Sleep>>,
	_permit: OwnedSemaphorePermit,
	_address_slot: AddressSlot,
}

impl<S> Counted<S> {
	fn new(
		stream: S,
		permit: OwnedSemaphorePermit,
		address_slot: AddressSlot,
		read_idle_timeout: Duration,
	) -> Self {
		Self {
			stream,
			read_idle_timeout,
			idle_deadline: Box::pin(tokio::time::sleep(read_idle_timeout)),
			_permit: permit,
			_address_slot: address_slot,
		}
	}
}

impl<S: AsyncRead + Unpin> AsyncRead for Counted<S> {
	fn poll_read(
		mut self: Pin<&mut Self>,
		cx: &mut Context<'_>,
		buf: &mut ReadBuf<'_>,
	) -> Poll<io::Result<()>> {
		let this = &mut *self;
		let filled_before = buf.filled().len();
		match Pin::new(&mut this.stream).poll_read(cx, buf) {
			Poll::Ready(result) => {
				// Only data counts as a sign of life: TLS records without
				// application data do not keep a connection open.
				if buf.filled().len() > filled_before {
					let next = Instant::now() + this.read_idle_timeout;
					this.idle_deadline.as_mut().reset(next);
				}
				Poll::Ready(result)
			}
			Poll::Pending => match this.idle_deadline.as_mut().poll(cx) {
				Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
					io::ErrorKind::TimedOut,
					format!(
						"the client sent nothing for {} ms",
						this.read_idle_timeout.as_millis()
					),
				))),
				Poll::Pending => Poll::Pending,
			},
		}
	}
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Counted<S> {
	fn poll_write(
		mut self: Pin<&mut Self>,
		cx: &mut Context<'_>,
		buf: &[u8],
	) -> Poll<io::Result<usize>> {
		Pin::new(&mut self.stream).poll_write(cx, buf)
	}

	fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
		Pin::new(&mut self.stream).poll_flush(cx)
	}

	fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
		Pin::new(&mut self.stream).poll_shutdown(cx)
	}

	fn poll_write_vectored(
		mut self: Pin<&mut Self>,
		cx: &mut Context<'_>,
		bufs: &[io::IoSlice<'_>],
	) -> Poll<io::Result<usize>> {
		Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
	}

	fn is_write_vectored(&self) -> bool {
		self.stream.is_write_vectored()
	}
}

/// Answers a connection beyond the limit: reads its request head (bounded
/// in size and by `timeout`), then a JSON-RPC error in an HTTP 429 answer,
/// and closes. A WebSocket client sees its handshake refused with that
/// answer.
async fn answer_busy<S>(mut stream: S, max_connections: usize, timeout: Duration)
where
	S: AsyncRead + AsyncWrite + Unpin,
{
	use tokio::io::{AsyncReadExt, AsyncWriteExt};
	const MAX_HEAD_BYTES: usize = 16 * 1024;
	let read_head = async {
		let mut head = Vec::with_capacity(1024);
		let mut buffer = [0u8; 1024];
		while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_HEAD_BYTES {
			match stream.read(&mut buffer).await {
				Ok(0) | Err(_) => return false,
				Ok(n) => head.extend_from_slice(&buffer[..n]),
			}
		}
		true
	};
	if !matches!(tokio::time::timeout(timeout, read_head).await, Ok(true)) {
		return;
	}
	let body = serde_json::json!({
		"jsonrpc": "2.0",
		"id": null,
		"error": {
			"code": error_code::SERVER_BUSY,
			"message": "server is busy: too many connections, try again later",
			"data": format!("{max_connections} connections are open"),
		},
	})
	.to_string();
	let answer = format!(
		"HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nContent-Length: \
		 {}\r\nConnection: close\r\nRetry-After: 1\r\n\r\n{body}",
		body.len()
	);
	let write = async {
		stream.write_all(answer.as_bytes()).await?;
		stream.shutdown().await
	};
	if let Ok(Err(e)) = tokio::time::timeout(timeout, write).await {
		log::debug!("trusted RPC: busy answer not delivered: {e}");
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
	use std::net::Ipv4Addr;

	use super::*;

	#[test]
	fn ipv6_clients_are_counted_by_their_64_network() {
		let one: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
		let other_host: IpAddr = "2001:db8:1:2:bbbb::7".parse().unwrap();
		let other_network: IpAddr = "2001:db8:1:3::1".parse().unwrap();
		assert_eq!(client_of(one), client_of(other_host));
		assert_ne!(client_of(one), client_of(other_network));
		let mapped = IpAddr::V6(Ipv4Addr::new(192, 0, 2, 1).to_ipv6_mapped());
		assert_eq!(client_of(mapped), IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)));
		assert_eq!(client_of(IpAddr::V6(Ipv6Addr::LOCALHOST)), "::".parse::<IpAddr>().unwrap());
	}

	#[test]
	fn an_address_gets_its_places_back_when_its_connections_close() {
		let table = PerAddress::default();
		let (a, b): (IpAddr, IpAddr) = ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
		let first = table.take(a, 2).expect("a first place");
		let second = table.take(a, 2).expect("a second place");
		assert!(table.take(a, 2).is_none(), "a third connection of the same address");
		assert!(table.take(b, 2).is_some(), "another address is not counted with the first");
		drop(first);
		let third = table.take(a, 2).expect("a place given back");
		drop((second, third));
		assert!(table.0.lock().unwrap().is_empty(), "no entry outlives its connections");
	}
}
