//! Merchant configuration: the four values ETpay hands over at onboarding, plus HTTP settings.

use std::time::Duration;

use url::Url;

use super::EtpayError;
use crate::Secret;

/// Default request timeout: session creation is interactive, so fail fast.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);
/// Default connection timeout, as for Lyra: a host that does not accept within 10 s is down.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Everything the ETpay client needs. `Debug` redacts the API token.
///
/// ```
/// use pasarela::{etpay::EtpayConfig, Secret};
/// let config = EtpayConfig::new(
///     "https://api-sandbox.etpay.com",
///     "https://pmt-sandbox.etpay.com",
///     "cl_sandbox_demo",
///     Secret::new("api-token"),
/// ).unwrap();
/// assert!(!format!("{config:?}").contains("api-token"));
/// ```
#[derive(Clone, Debug)]
pub struct EtpayConfig {
    api_url: Url,
    pmt_url: Url,
    merchant_code: String,
    merchant_api_token: Secret,
    timeout: Duration,
    connect_timeout: Duration,
    user_agent: String,
}

impl EtpayConfig {
    /// Builds a configuration from the values ETpay hands over: the API base (`api_url`), the
    /// funnel base (`pmt_url`), the merchant code and the API token. Both URLs must be absolute
    /// http(s) URLs (`api_url` without query or fragment, and https only with TLS compiled in);
    /// neither credential may be empty.
    ///
    /// # Errors
    /// An [`EtpayErrorKind::Config`](super::EtpayErrorKind::Config) error naming the bad value.
    pub fn new(
        api_url: &str,
        pmt_url: &str,
        merchant_code: impl Into<String>,
        merchant_api_token: Secret,
    ) -> Result<Self, EtpayError> {
        let merchant_code = merchant_code.into();
        if merchant_code.trim().is_empty() {
            return Err(config_error("merchant_code is empty"));
        }
        if merchant_api_token.is_empty() {
            return Err(config_error("merchant_api_token is empty"));
        }
        Ok(EtpayConfig {
            api_url: crate::transport::check_base_url("api_url", api_url)
                .map_err(EtpayError::config)?,
            pmt_url: parse_base("pmt_url", pmt_url)?,
            merchant_code,
            merchant_api_token,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            user_agent: crate::DEFAULT_USER_AGENT.to_owned(),
        })
    }

    /// Sets the whole-request timeout (default [`DEFAULT_TIMEOUT`]).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the connection timeout (default [`DEFAULT_CONNECT_TIMEOUT`]), distinct from the
    /// whole-request timeout so a dead host fails fast.
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the `User-Agent` header (default `pasarela/<version>`).
    pub fn with_user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// The API base URL, without a trailing slash.
    pub fn api_url(&self) -> &str {
        self.api_url.as_str().trim_end_matches('/')
    }

    /// The funnel base URL.
    pub fn pmt_url(&self) -> &str {
        self.pmt_url.as_str()
    }

    /// The merchant code.
    pub fn merchant_code(&self) -> &str {
        &self.merchant_code
    }

    /// The API token.
    pub fn merchant_api_token(&self) -> &Secret {
        &self.merchant_api_token
    }

    /// The request timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The connection timeout.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// The `User-Agent` header value.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// The funnel URL of a session: `{pmt_url}/session/{token}`. Fails for a token that
    /// cannot be one path segment (empty, `.` or `..`).
    pub fn funnel_url(&self, session_token: &str) -> Result<String, EtpayError> {
        funnel_url(&self.pmt_url, session_token)
    }
}

/// Appends `session/{token}` to the funnel base as path segments, so a token can never change
/// the host, the query or the path above it (`/`, `?`, `#` are percent-encoded). `.` and `..`
/// are refused: URL parsers treat them (even percent-encoded) as "this/parent directory".
pub(crate) fn funnel_url(pmt_url: &Url, session_token: &str) -> Result<String, EtpayError> {
    if matches!(session_token, "" | "." | "..") {
        return Err(EtpayError::invalid_request(format!(
            "{session_token:?} cannot be a session token"
        )));
    }
    let mut url = pmt_url.clone();
    url.set_query(None);
    url.set_fragment(None);
    url.path_segments_mut()
        .map_err(|_| config_error("pmt_url cannot be a base URL"))?
        .pop_if_empty()
        .push("session")
        .push(session_token);
    Ok(url.into())
}

/// The funnel base is visited by the payer's browser, not by this client: any http(s) base.
fn parse_base(name: &str, value: &str) -> Result<Url, EtpayError> {
    let url =
        Url::parse(value.trim()).map_err(|e| config_error(&format!("{name} is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err(config_error(&format!("{name} must be an http(s) URL")));
    }
    Ok(url)
}

fn config_error(reason: &str) -> EtpayError {
    EtpayError::config(reason)
}
