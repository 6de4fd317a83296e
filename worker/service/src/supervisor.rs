//! Supervision: a loop that fails is logged, reported in the health and
//! restarted with exponential backoff; it never dies silently.

use std::{future::Future, time::Duration};

use crate::health::Health;

/// Runs `make()` forever; restarts it after an error or a return.
pub async fn supervise<F, Fut>(name: &'static str, health: Health, make: F)
where
	F: Fn() -> Fut,
	Fut: Future<Output = Result<(), String>>,
{
	let mut backoff = Duration::from_secs(1);
	loop {
		let started = std::time::Instant::now();
		match make().await {
			Ok(()) => log::warn!("{name} returned; restarting"),
			Err(e) => {
				log::error!("{name} failed: {e}; restarting in {backoff:?}");
				health.set_problem(name, Some(e));
			}
		}
		if started.elapsed() > Duration::from_secs(60) {
			backoff = Duration::from_secs(1);
		}
		tokio::time::sleep(backoff).await;
		backoff = (backoff * 2).min(Duration::from_secs(30));
	}
}
