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

#![warn(missing_docs)]
#![recursion_limit = "256"] // the json! literals of the V4 answers are deep

mod delivery;
mod etpay;
mod lyra_api;
mod lyra_model;
mod lyra_ops;
mod shopper;
mod store;
mod util;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::extract::State;
use axum::response::{Html, IntoResponse};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::Value;

pub use delivery::{Attempt, DeliveryPolicy, NotificationRecord};
pub use etpay::TEST_BANKS;
pub use lyra_model::{test_card, CardOutcome, TestCard, TEST_CARDS};

use lyra_model::{FormEntry, FormPurpose, LyraState, TestCard as Card, Tx};
use pasarela::lyra::notification::{self as lyra_notification, Keys, SignedWith};
use pasarela::Secret;

/// Built-in test credentials, used when nothing else is configured. They are printed at start
/// (and only these: configured secrets never print).
pub mod defaults {
    /// Lyra shop id.
    pub const SHOP_ID: &str = "33148340";
    /// Lyra REST password (Basic auth and IPN signature).
    pub const PASSWORD: &str = "testpassword_SANDBOXxPasarela0000000000000000";
    /// Lyra HMAC-SHA-256 key (browser-return signature).
    pub const HMAC_KEY: &str = "sandbox0hmac0key0pasarela0000000";
    /// Lyra public key of the embedded form.
    pub const PUBLIC_KEY: &str = "33148340:testpublickey_SANDBOXxPasarela000000000000";
    /// ETpay merchant code.
    pub const ETPAY_MERCHANT_CODE: &str = "cl_sandbox_pasarela";
    /// ETpay merchant API token.
    pub const ETPAY_API_TOKEN: &str =
        "sandbox0etpay0api0token0pasarela0000000000000000000000000000000";
}

/// Configuration of the sandbox: its test shop, its ETpay merchant, where notifications go.
#[derive(Clone, Debug)]
pub struct SandboxConfig {
    /// Lyra shop id.
    pub shop_id: String,
    /// Lyra REST password.
    pub password: Secret,
    /// Lyra HMAC-SHA-256 key.
    pub hmac_key: Secret,
    /// Lyra public key (`kr-public-key`).
    pub public_key: String,
    /// ETpay merchant code.
    pub etpay_merchant_code: String,
    /// ETpay merchant API token.
    pub etpay_api_token: Secret,
    /// Where Lyra IPNs go when a payment has no `ipnTargetUrl` (the shop's notification rule).
    pub lyra_notification_url: Option<String>,
    /// Where ETpay webhooks go when a session has no `payment_webhook_url`.
    pub etpay_webhook_url: Option<String>,
    /// How many objects of each kind are remembered (oldest forgotten first).
    pub capacity: usize,
    /// Lifetime of a formToken.
    pub form_token_ttl: Duration,
    /// Notification retries.
    pub delivery: DeliveryPolicy,
    /// Log each notification attempt on stderr.
    pub verbose: bool,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            shop_id: defaults::SHOP_ID.to_owned(),
            password: Secret::new(defaults::PASSWORD),
            hmac_key: Secret::new(defaults::HMAC_KEY),
            public_key: defaults::PUBLIC_KEY.to_owned(),
            etpay_merchant_code: defaults::ETPAY_MERCHANT_CODE.to_owned(),
            etpay_api_token: Secret::new(defaults::ETPAY_API_TOKEN),
            lyra_notification_url: None,
            etpay_webhook_url: None,
            capacity: 10_000,
            form_token_ttl: Duration::from_secs(15 * 60),
            delivery: DeliveryPolicy::default(),
            verbose: false,
        }
    }
}

impl SandboxConfig {
    /// True when every credential is a built-in default (so they may be printed).
    pub fn uses_builtin_credentials(&self) -> bool {
        self.shop_id == defaults::SHOP_ID
            && self.password.expose() == defaults::PASSWORD
            && self.hmac_key.expose() == defaults::HMAC_KEY
            && self.public_key == defaults::PUBLIC_KEY
            && self.etpay_merchant_code == defaults::ETPAY_MERCHANT_CODE
            && self.etpay_api_token.expose() == defaults::ETPAY_API_TOKEN
    }

    /// The Lyra keys of the test shop, to verify what the sandbox signs.
    pub fn lyra_keys(&self) -> Keys {
        Keys::new(self.password.clone(), self.hmac_key.clone())
    }
}

/// What paying a formToken produced.
pub(crate) struct Paid {
    pub payment: Value,
    pub raw_answer: String,
    pub refused: bool,
    pub ipn_target: Option<String>,
}

/// The shared state of a running sandbox.
pub(crate) struct App {
    pub config: SandboxConfig,
    base_url: OnceLock<String>,
    pub lyra: Mutex<LyraState>,
    pub etpay: Mutex<etpay::EtpayState>,
    pub delivery: Arc<delivery::Delivery>,
}

impl App {
    fn new(config: SandboxConfig) -> App {
        App {
            lyra: Mutex::new(LyraState::new(config.capacity, config.form_token_ttl)),
            etpay: Mutex::new(etpay::EtpayState::new(config.capacity)),
            delivery: Arc::new(delivery::Delivery::new(
                config.delivery.clone(),
                config.capacity,
                config.verbose,
            )),
            base_url: OnceLock::new(),
            config,
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub(crate) fn base_url(&self) -> &str {
        self.base_url
            .get()
            .map_or("http://127.0.0.1", String::as_str)
    }

    pub(crate) fn payment_order_url(&self, id: &str) -> String {
        format!("{}/sandbox/lyra/order/{id}", self.base_url())
    }

    /// Pays a form entry with a test card: records the transaction (and token, payment order)
    /// and returns the V4/Payment answer. Notifications are the caller's job.
    pub(crate) fn pay(
        &self,
        entry: FormEntry,
        card: &'static Card,
        form_token: Option<&str>,
    ) -> Paid {
        let mut state = self.lyra.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(token) = form_token {
            if let Some(e) = state.form_tokens.get_mut(&token.to_owned()) {
                e.used = true;
            }
        }
        let (operation, amount) = match entry.purpose {
            FormPurpose::Token | FormPurpose::TokenUpdate(_) => ("VERIFICATION", 0),
            _ => ("DEBIT", entry.amount),
        };
        let mut tx = Tx::new(&entry, card, operation, amount);
        let refused = tx.status == "UNPAID";
        if !refused {
            let registers = matches!(
                entry.purpose,
                FormPurpose::Token | FormPurpose::TokenUpdate(_)
            ) || matches!(
                entry.form_action.as_str(),
                "REGISTER_PAY" | "ASK_REGISTER_PAY" | "REGISTER_UPDATE_PAY" | "CUSTOMER_WALLET"
            );
            if registers {
                tx.payment_method_token = Some(lyra_ops::register_token(&mut state, &entry, card));
            } else if entry.form_action == "SILENT" {
                tx.payment_method_token = entry.payment_method_token.clone();
            }
        }
        if let FormPurpose::PaymentOrder(id) = &entry.purpose {
            tx.payment_order_id = Some(id.clone());
            if !refused {
                if let Some(order) = state.payment_orders.get_mut(id) {
                    order.status = "PAID";
                    order.update_date = Some(util::now_iso());
                }
            }
        }
        state.transactions.insert(tx.uuid.clone(), tx.clone());
        let order: Vec<&Tx> = match &tx.order_id {
            Some(order_id) => state.order_transactions(order_id),
            None => vec![&tx],
        };
        let payment = lyra_model::payment_json(&tx, &order, &self.config.shop_id);
        let raw_answer = serde_json::to_string(&payment).unwrap_or_default();
        let ipn_target = tx
            .ipn_target
            .clone()
            .or_else(|| self.config.lyra_notification_url.clone());
        Paid {
            payment,
            raw_answer,
            refused,
            ipn_target,
        }
    }

    /// Sends the IPN of a paid form (signed with the password); the receiver yields the first
    /// attempt. `None` when no notification URL is known.
    pub(crate) fn send_ipn(
        &self,
        paid: &Paid,
    ) -> Option<(String, tokio::sync::oneshot::Receiver<Attempt>)> {
        let target = paid.ipn_target.clone()?;
        let body = lyra_notification::sign(
            &paid.raw_answer,
            SignedWith::Password,
            &self.config.lyra_keys(),
        );
        let (_, first) = self.delivery.start(
            "lyra-ipn",
            target.clone(),
            "application/x-www-form-urlencoded",
            body,
        );
        Some((target, first))
    }

    /// The browser-return fields of a paid form (signed with the HMAC-SHA-256 key).
    pub(crate) fn browser_return_fields(&self, paid: &Paid) -> Vec<(String, String)> {
        let body = lyra_notification::sign(
            &paid.raw_answer,
            SignedWith::HmacKey,
            &self.config.lyra_keys(),
        );
        form_urlencoded::parse(&body).into_owned().collect()
    }

    /// Sends the IPN of an order after a back-office style change (cancel, refund, validate).
    pub(crate) fn notify_change(&self, tx: &Tx) {
        let state = self.lyra.lock().unwrap_or_else(|e| e.into_inner());
        let order: Vec<&Tx> = match &tx.order_id {
            Some(order_id) => state.order_transactions(order_id),
            None => vec![tx],
        };
        let payment = lyra_model::payment_json(tx, &order, &self.config.shop_id);
        drop(state);
        let paid = Paid {
            raw_answer: serde_json::to_string(&payment).unwrap_or_default(),
            payment,
            refused: false,
            ipn_target: tx
                .ipn_target
                .clone()
                .or_else(|| self.config.lyra_notification_url.clone()),
        };
        let _ = self.send_ipn(&paid);
    }
}

/// A running sandbox. Dropping it leaves the server running until the runtime stops; call
/// [`Sandbox::shutdown`] to stop it.
pub struct Sandbox {
    addr: SocketAddr,
    base_url: String,
    shutdown: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Sandbox {
    /// Binds `addr` (port 0 picks a free port) and serves in the background.
    ///
    /// # Errors
    /// When the address cannot be bound.
    pub async fn start(config: SandboxConfig, addr: SocketAddr) -> std::io::Result<Sandbox> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let base_url = format!("http://{addr}");
        let app = Arc::new(App::new(config));
        let _ = app.base_url.set(base_url.clone());
        let (shutdown, signal) = tokio::sync::oneshot::channel::<()>();
        let router = router(app);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = signal.await;
                })
                .await;
        });
        Ok(Sandbox {
            addr,
            base_url,
            shutdown,
            task,
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

    /// Stops the server and waits for it.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(());
        let _ = self.task.await;
    }
}

/// All routes of the sandbox.
fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/api-payment/V4/{*web_service}", post(lyra_api::handle))
        .route("/sandbox/notifications", get(notifications))
        .merge(shopper::routes())
        .merge(etpay::routes())
        .with_state(app)
}

async fn notifications(State(app): State<Arc<App>>) -> Json<Vec<NotificationRecord>> {
    Json(app.delivery.list())
}

async fn index(State(app): State<Arc<App>>) -> impl IntoResponse {
    let base = app.base_url();
    let cards: String = TEST_CARDS
        .iter()
        .map(|c| {
            format!(
                "<li><code>{}</code> {} — {}</li>",
                c.pan,
                c.brand,
                util::html(c.label)
            )
        })
        .collect();
    Html(format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>pasarela sandbox</title></head><body>\
         <h1>pasarela sandbox</h1><p>An offline emulator of Lyra V4 (Izipay, PayZen…) and ETpay.</p><ul>\
         <li>Lyra REST API: <code>POST {base}/api-payment/V4/{{Namespace}}/{{Operation}}</code> (Basic auth with the test shop)</li>\
         <li>Lyra embedded form script: <code>{base}/static/js/krypton-client/V4.0/stable/kr-payment-form.min.js</code></li>\
         <li>Lyra payment page: <code>{base}/sandbox/lyra/form/{{formToken}}</code>; control: <code>POST {base}/sandbox/lyra/pay</code></li>\
         <li>ETpay API (<code>api_url</code>): <code>{base}/etpay</code>; funnel (<code>pmt_url</code>): <code>{base}/sandbox/etpay</code>; control: <code>POST {base}/sandbox/etpay/pay</code></li>\
         <li>Notifications sent so far: <code>GET {base}/sandbox/notifications</code></li></ul>\
         <h2>Test cards</h2><ul>{cards}</ul></body></html>"
    ))
}
