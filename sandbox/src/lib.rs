//! An offline emulator of both gateways: the Lyra V4 REST API with its payment page, signed
//! IPN and browser return, and ETpay's session API with its funnel and JWT webhook.
//!
//! A merchant's backend runs against it unchanged: only the base URLs differ.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use pasarela_sandbox::{Sandbox, SandboxConfig};
//! let sandbox = Sandbox::start(SandboxConfig::default(), "127.0.0.1:0".parse().unwrap()).await?;
//! println!("Lyra API: {}", sandbox.base_url());
//! println!("ETpay API: {}  funnel: {}", sandbox.etpay_api_url(), sandbox.etpay_pmt_url());
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! This file only starts and stops the server; `listen.rs` accepts connections within the
//! limits of [`ServerLimits`], `guard.rs` refuses foreign hosts and cross-site requests,
//! `server.rs` lists the routes, `app.rs` holds the shared state, `lyra/` and `etpay/` emulate
//! each gateway, `dashboard/` is the page at `/`.

#![warn(missing_docs)]
#![recursion_limit = "256"] // the json! literals of the V4 answers are deep

mod app;
mod blocking;
mod config;
mod dashboard;
mod delivery;
mod etpay;
mod guard;
mod listen;
mod look;
mod lyra;
mod notifications;
mod notifications_api;
mod server;
mod store;
mod url_check;
mod util;

use std::net::SocketAddr;
use std::sync::Arc;

pub use config::{defaults, SandboxConfig, ServerLimits};
pub use delivery::{
    Attempt, DeliveryPolicy, NotificationRecord, ResendError, ANSWER_BYTES, MAX_ATTEMPTS_KEPT,
    RECEIVED_STATUSES,
};
pub use etpay::TEST_BANKS;
pub use lyra::{test_card, CardOutcome, TestCard, TEST_CARDS};
pub use notifications::{NotificationFilter, NotificationKind, Notifications, WaitTimeout};
pub use url_check::shown_url;

/// The sandbox's routes and guard without a listener, for the fuzz target
/// (`fuzz/fuzz_targets/sandbox_request.rs`), which calls it with `tower::ServiceExt::oneshot`.
/// The base URL is `http://127.0.0.1:8080`. Not a stable API.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub fn fuzz_router(config: SandboxConfig) -> axum::Router {
    let app = Arc::new(app::App::new(config));
    app.set_base_url("http://127.0.0.1:8080".to_owned());
    // Long-polls (`?wait=`) answer at once, as after a shutdown: libFuzzer's `-timeout` is 10 s.
    app.delivery.close();
    server::router(app)
}

/// A running sandbox. Dropping it leaves the server running until the runtime stops; call
/// [`Sandbox::shutdown`] to stop it.
pub struct Sandbox {
    addr: SocketAddr,
    base_url: String,
    shutdown: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
    delivery: Arc<delivery::Delivery>,
}

impl Sandbox {
    /// Binds `addr` (port 0 picks a free port) and serves in the background.
    ///
    /// # Errors
    /// When the address cannot be bound.
    pub async fn start(config: SandboxConfig, addr: SocketAddr) -> std::io::Result<Sandbox> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        // On port 80 the URL has no port: the form's glue refuses endpoints with one.
        let base_url = if addr.port() == 80 {
            match addr {
                SocketAddr::V4(v4) => format!("http://{}", v4.ip()),
                SocketAddr::V6(v6) => format!("http://[{}]", v6.ip()),
            }
        } else {
            format!("http://{addr}")
        };
        let limits = config.server;
        let app = Arc::new(app::App::new(config));
        app.set_base_url(base_url.clone());
        let delivery = app.delivery.clone();
        let (shutdown, signal) = tokio::sync::oneshot::channel::<()>();
        let router = server::router(app);
        let task = tokio::spawn(listen::serve(listener, router, limits, signal));
        Ok(Sandbox {
            addr,
            base_url,
            shutdown,
            task,
            delivery,
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>`: the Lyra REST server (`{base}/api-payment/V4/...`) and static host.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// ETpay's `api_url` in the sandbox.
    pub fn etpay_api_url(&self) -> String {
        format!("{}/etpay", self.base_url)
    }

    /// ETpay's `pmt_url` (funnel) in the sandbox.
    pub fn etpay_pmt_url(&self) -> String {
        format!("{}/sandbox/etpay", self.base_url)
    }

    /// The notifications it sent, to wait for one in a test instead of polling:
    ///
    /// ```no_run
    /// # async fn run(sandbox: pasarela_sandbox::Sandbox) -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// use pasarela_sandbox::NotificationFilter;
    /// let ipn = sandbox
    ///     .notifications()
    ///     .wait_for(NotificationFilter::to("http://127.0.0.1:3000/ipn").delivered(), Duration::from_secs(5))
    ///     .await?;
    /// println!("delivered after {} attempt(s)", ipn.attempts.len());
    /// # Ok(()) }
    /// ```
    ///
    /// Each call gives a new [`Notifications`] handle; keep one to wait for several in turn.
    pub fn notifications(&self) -> Notifications {
        Notifications::new(self.delivery.clone())
    }

    /// How many listing requests are waiting (long-polls), for tests that must know theirs
    /// arrived. Not a stable API.
    #[doc(hidden)]
    pub fn long_polls_waiting(&self) -> usize {
        self.delivery.waiting()
    }

    /// Stops accepting, lets open requests finish for
    /// [`ServerLimits::shutdown_grace`], then closes every connection still open (an idle or
    /// half-sent one included) and returns. Long-polls and waits on
    /// [`Notifications`] end at once.
    pub async fn shutdown(self) {
        self.delivery.close();
        let _ = self.shutdown.send(());
        let _ = self.task.await;
    }
}
