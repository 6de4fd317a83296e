//! Supervision: a loop that fails is logged, reported in the health and
//! restarted with exponential backoff; it never dies silently.

use std::{fmt::Display, future::Future, time::Duration};

use crate::health::{Component, Health};

/// Runs `make()` forever; restarts it after an error or a return. Its
/// failures are logged and reported under `component`, by their Display.
pub async fn supervise<F, Fut, E>(component: Component, health: Health, make: F)
where
	F: Fn() -> Fut,
	Fut: Future<Output = Result<(), E>>,
	E: Display,
{
	let mut backoff = Duration::from_secs(1);
	loop {
		let started = std::time::Instant::now();
		match make().await {
			Ok(()) => log::warn!("{component} returned; restarting"),
			Err(e) => {
				log::error!("{component} failed: {e}; restarting in {backoff:?}");
				health.set_problem(component, Some(e.to_string()));
			}
		}
		if started.elapsed() > Duration::from_secs(60) {
			backoff = Duration::from_secs(1);
		}
		tokio::time::sleep(backoff).await;
		backoff = (backoff * 2).min(Duration::from_secs(30));
	}
}
