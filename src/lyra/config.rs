//! Configuration of a Lyra client: which shop, which credentials, which server.

use std::time::Duration;

use crate::Secret;

/// REST servers of the Lyra brands (`{server}/api-payment/V4/...`), confirmed in vendor
/// documentation or official plugins.
pub mod server {
    /// Izipay / Mi Cuenta Web (Peru).
    pub const MICUENTAWEB: &str = "https://api.micuentaweb.pe";
    /// PayZen Europe.
    pub const PAYZEN_EU: &str = "https://api.payzen.eu";
    /// PayZen LATAM.
    pub const PAYZEN_LATAM: &str = "https://api.payzen.lat";
    /// PayZen Brazil.
    pub const PAYZEN_BRAZIL: &str = "https://api.payzen.com.br";
    /// Lyra Collect.
    pub const LYRA: &str = "https://api.lyra.com";
    /// Systempay (BPCE).
    pub const SYSTEMPAY: &str = "https://api.systempay.fr";
    /// Sogecommerce (Société Générale).
    pub const SOGECOMMERCE: &str = "https://api-sogecommerce.societegenerale.eu";
    /// OSB (French Polynesia).
    pub const OSB: &str = "https://api.secure.osb.pf";
}

/// The default timeout of a whole call. Lyra's own SDKs use 45 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(45);
/// The default connection timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Everything a [`LyraClient`](super::LyraClient) needs.
///
/// ```
/// use pasarela::lyra::{server, LyraConfig};
/// let config = LyraConfig::new("89289758", "testpassword_xxx", server::MICUENTAWEB)
///     .with_timeout(std::time::Duration::from_secs(20));
/// // The password never prints:
/// assert!(!format!("{config:?}").contains("testpassword_xxx"));
/// ```
#[derive(Clone, Debug)]
pub struct LyraConfig {
    /// The shop id (Basic-auth user).
    pub shop_id: String,
    /// The REST password (TEST or PRODUCTION): Basic-auth password and IPN signature key.
    pub password: Secret,
    /// The server, e.g. [`server::MICUENTAWEB`] or the sandbox's `http://127.0.0.1:8080`.
    pub base_url: String,
    /// Timeout of a whole call.
    pub timeout: Duration,
    /// Timeout of the connection.
    pub connect_timeout: Duration,
    /// The `User-Agent` header.
    pub user_agent: String,
}

impl LyraConfig {
    /// A configuration with the default timeouts and user agent.
    pub fn new(
        shop_id: impl Into<String>,
        password: impl Into<Secret>,
        base_url: impl Into<String>,
    ) -> Self {
        LyraConfig {
            shop_id: shop_id.into(),
            password: password.into(),
            base_url: base_url.into(),
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            user_agent: crate::DEFAULT_USER_AGENT.to_owned(),
        }
    }

    /// Reads `PASARELA_LYRA_SHOP_ID`, `PASARELA_LYRA_PASSWORD` and `PASARELA_LYRA_BASE_URL`
    /// (default [`server::MICUENTAWEB`]).
    ///
    /// # Errors
    /// When the shop id or the password is not set.
    pub fn from_env() -> Result<Self, super::LyraError> {
        let var = |name: &str| {
            std::env::var(name).map_err(|_| super::LyraError::config(format!("{name} is not set")))
        };
        let base = std::env::var("PASARELA_LYRA_BASE_URL")
            .unwrap_or_else(|_| server::MICUENTAWEB.to_owned());
        Ok(LyraConfig::new(
            var("PASARELA_LYRA_SHOP_ID")?,
            var("PASARELA_LYRA_PASSWORD")?,
            base,
        ))
    }

    /// Sets the timeout of a whole call.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the connection timeout.
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the `User-Agent` header.
    pub fn with_user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }
}
