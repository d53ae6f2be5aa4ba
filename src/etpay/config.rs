//! Merchant configuration: the four values ETpay hands over at onboarding, plus HTTP settings.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use url::Url;

use super::EtpayError;
use crate::Secret;

/// The merchant's API secret as it appears in request bodies.
///
/// It replaces the spec's `MerchantApiToken` component in the generated types, so a generated
/// request printed with `{:?}` shows `[redacted]` instead of the token.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct MerchantApiToken(Secret);

impl MerchantApiToken {
    /// Wraps a token.
    pub fn new(token: impl Into<Secret>) -> Self {
        MerchantApiToken(token.into())
    }

    /// The token as a [`Secret`].
    pub fn secret(&self) -> &Secret {
        &self.0
    }
}

impl fmt::Debug for MerchantApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MerchantApiToken({:?})", self.0)
    }
}

impl fmt::Display for MerchantApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl FromStr for MerchantApiToken {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(MerchantApiToken::new(s))
    }
}

impl From<&Secret> for MerchantApiToken {
    fn from(secret: &Secret) -> Self {
        MerchantApiToken(secret.clone())
    }
}

impl Serialize for MerchantApiToken {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // The wire format needs the value; this is the one place it leaves the wrapper.
        serializer.serialize_str(self.0.expose())
    }
}

impl<'de> Deserialize<'de> for MerchantApiToken {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(MerchantApiToken::new)
    }
}

impl JsonSchema for MerchantApiToken {
    fn schema_name() -> String {
        "MerchantApiToken".to_owned()
    }

    fn json_schema(gen: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
        String::json_schema(gen)
    }
}

/// Default request timeout: session creation is interactive, so fail fast.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

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
    user_agent: String,
}

impl EtpayConfig {
    /// Builds a configuration from the values ETpay hands over: the API base (`api_url`), the
    /// funnel base (`pmt_url`), the merchant code and the API token. Both URLs must be absolute
    /// http(s) URLs; neither credential may be empty.
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
            api_url: parse_base("api_url", api_url)?,
            pmt_url: parse_base("pmt_url", pmt_url)?,
            merchant_code,
            merchant_api_token,
            timeout: DEFAULT_TIMEOUT,
            user_agent: concat!("pasarela/", env!("CARGO_PKG_VERSION")).to_owned(),
        })
    }

    /// Sets the whole-request timeout (default [`DEFAULT_TIMEOUT`]).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
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
        return Err(EtpayError::InvalidRequest {
            reason: format!("{session_token:?} cannot be a session token"),
        });
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

fn parse_base(name: &str, value: &str) -> Result<Url, EtpayError> {
    let url =
        Url::parse(value.trim()).map_err(|e| config_error(&format!("{name} is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err(config_error(&format!("{name} must be an http(s) URL")));
    }
    Ok(url)
}

fn config_error(reason: &str) -> EtpayError {
    EtpayError::Config {
        reason: reason.to_owned(),
    }
}
