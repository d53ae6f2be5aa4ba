//! The shared state of a running sandbox, handed to every HTTP handler.
//!
//! It lives in its own module so that handlers import it and it imports no handler: only the
//! configuration, the stores of each gateway and the notification delivery.

use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use crate::config::SandboxConfig;
use crate::delivery::Delivery;
use crate::etpay::state::EtpayState;
use crate::lyra::model::LyraState;

/// The shared state of a running sandbox.
pub(crate) struct App {
    pub config: SandboxConfig,
    base_url: OnceLock<String>,
    lyra: Mutex<LyraState>,
    etpay: Mutex<EtpayState>,
    pub delivery: Arc<Delivery>,
}

impl App {
    pub(crate) fn new(config: SandboxConfig) -> App {
        App {
            lyra: Mutex::new(LyraState::new(config.capacity, config.form_token_ttl)),
            etpay: Mutex::new(EtpayState::new(config.capacity)),
            delivery: Arc::new(Delivery::new(
                config.delivery.clone(),
                config.capacity,
                config.verbose,
            )),
            base_url: OnceLock::new(),
            config,
        }
    }

    /// Records where the server listens, once it is bound.
    pub(crate) fn set_base_url(&self, base_url: String) {
        self.delivery.set_own_url(&base_url);
        let _ = self.base_url.set(base_url);
    }

    /// `http://127.0.0.1:<port>`.
    pub(crate) fn base_url(&self) -> &str {
        self.base_url
            .get()
            .map_or("http://127.0.0.1", String::as_str)
    }

    /// The shopper's link of a payment order.
    pub(crate) fn payment_order_url(&self, id: &str) -> String {
        format!("{}/sandbox/lyra/order/{id}", self.base_url())
    }

    /// The Lyra state (a panic in another handler does not poison it).
    pub(crate) fn lyra(&self) -> MutexGuard<'_, LyraState> {
        self.lyra.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The ETpay state (a panic in another handler does not poison it).
    pub(crate) fn etpay(&self) -> MutexGuard<'_, EtpayState> {
        self.etpay.lock().unwrap_or_else(|e| e.into_inner())
    }
}
