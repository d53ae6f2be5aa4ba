//! What a sandbox is started with: its test shop, its ETpay merchant, where notifications go.
//!
//! Kept apart from `lib.rs` so the shared state (`app.rs`) can hold a configuration without
//! importing the crate root.

use std::time::Duration;

use pasarela::lyra::notification::Keys;
use pasarela::Secret;

use crate::delivery::DeliveryPolicy;

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
    /// Timeouts and the connection cap of the HTTP server (slow or idle clients).
    pub server: ServerLimits,
    /// Host names accepted in the `Host` header besides IP literals and `localhost` (e.g. a
    /// port-less alias such as `sandbox.test`); any other name is refused with 421, which stops
    /// DNS rebinding. A port after the name is ignored.
    pub allowed_hosts: Vec<String>,
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
            server: ServerLimits::default(),
            allowed_hosts: Vec::new(),
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

/// How long the server waits for slow clients, and how many it serves at once.
///
/// The defaults suit a developer's machine and CI; tests shorten them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerLimits {
    /// Time to receive a complete request head, counted from when the server starts waiting
    /// for it: on a kept-alive connection that is right after the previous answer, so this is
    /// also the idle timeout. The connection is closed when it passes.
    pub header_read_timeout: Duration,
    /// Time to receive the whole request body once its head has arrived; past it the request
    /// fails with 400 and the connection is closed.
    pub body_read_timeout: Duration,
    /// Connections served at once. More wait in the listen backlog until one closes (idle ones
    /// close after `header_read_timeout`), so keep it below the open-file limit (`ulimit -n`).
    pub max_connections: usize,
    /// How long [`Sandbox::shutdown`](crate::Sandbox::shutdown) lets open requests finish
    /// before it closes their connections.
    pub shutdown_grace: Duration,
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            max_connections: 256,
            shutdown_grace: Duration::from_secs(5),
        }
    }
}
