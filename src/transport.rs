//! The one place that builds the HTTP client of both gateways (timeouts, user agent, TLS roots)
//! and turns transport failures into error sources that carry no URL.

use std::error::Error as StdError;
use std::time::Duration;

use reqwest::header::HeaderMap;

/// What every error of this crate keeps as its `source()`: no third-party type in signatures.
pub(crate) type BoxError = Box<dyn StdError + Send + Sync>;

/// The default user agent: `pasarela/<version>`.
pub const DEFAULT_USER_AGENT: &str = concat!("pasarela/", env!("CARGO_PKG_VERSION"));

/// Whether this build can call `https://` URLs (the `rustls` feature).
pub const TLS_ENABLED: bool = cfg!(feature = "rustls");

/// The HTTP settings both clients share.
pub(crate) struct Settings<'a> {
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub user_agent: &'a str,
    pub default_headers: HeaderMap,
}

/// Builds the reqwest client: our timeouts and user agent and, with the `rustls` feature,
/// rustls + ring with the Mozilla roots of `webpki-roots` (the same trust store everywhere).
pub(crate) fn build_client(settings: Settings<'_>) -> Result<reqwest::Client, String> {
    let builder = reqwest::Client::builder()
        .timeout(settings.timeout)
        .connect_timeout(settings.connect_timeout)
        .user_agent(settings.user_agent.to_owned())
        .default_headers(settings.default_headers);
    with_tls(builder).build().map_err(|e| {
        format!(
            "the HTTP client cannot be built: {}",
            chain(&e.without_url())
        )
    })
}

/// Makes rustls' `ring` provider the process-wide default, once.
///
/// pasarela enables reqwest's `rustls-no-provider` feature (to avoid building aws-lc), and
/// Cargo unifies features: in a binary that uses pasarela, a plain `reqwest::Client::new()`
/// elsewhere panics with "No rustls crypto provider is configured" unless a provider is
/// installed. pasarela's own clients install it when they are built; call this at start-up if
/// your code may build a reqwest client first. Does nothing without the `rustls` feature or
/// when another provider is already installed.
pub fn install_default_tls_provider() {
    #[cfg(feature = "rustls")]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            let _ = rustls::crypto::ring::default_provider().install_default();
        });
    }
}

#[cfg(feature = "rustls")]
fn with_tls(builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    install_default_tls_provider();
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    match rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
    {
        Ok(config) => {
            let tls = config.with_root_certificates(roots).with_no_client_auth();
            builder.tls_backend_preconfigured(tls)
        }
        // The ring provider supports the safe defaults; this arm is unreachable in practice and
        // leaves the builder without TLS rather than panicking.
        Err(_) => builder,
    }
}

#[cfg(not(feature = "rustls"))]
fn with_tls(builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    builder
}

/// Checks an API base URL: absolute http(s), https only when TLS is compiled in, no query or
/// fragment. The messages name the setting, never the URL (it may carry a secret path).
pub(crate) fn check_base_url(name: &str, url: &str) -> Result<url::Url, String> {
    let parsed = url::Url::parse(url.trim()).map_err(|e| format!("{name} does not parse: {e}"))?;
    match parsed.scheme() {
        "http" => {}
        "https" if TLS_ENABLED => {}
        "https" => {
            return Err(format!(
            "{name} is https:// but this build has no TLS: enable the `rustls` feature of pasarela"
        ))
        }
        _ => return Err(format!("{name} must be an http(s) URL")),
    }
    if parsed.cannot_be_a_base() {
        return Err(format!("{name} cannot be a base URL"));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(format!("{name} must not have a query or fragment"));
    }
    Ok(parsed)
}

/// How a reqwest failure relates to the request having been sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The request could not be built; nothing was sent.
    Builder,
    /// The connection was never established (refused, DNS, TLS handshake, connect timeout).
    Connect,
    /// No complete answer in time; `connected` tells whether the request may have left.
    Timeout { connected: bool },
    /// The connection broke after the request was (maybe) sent.
    Broken,
}

impl Failure {
    /// False only when the server certainly did not receive the request.
    pub(crate) fn may_have_reached(self) -> bool {
        matches!(self, Failure::Timeout { connected: true } | Failure::Broken)
    }
}

/// Classifies a reqwest error and strips its URL, which becomes the error's `source()`.
pub(crate) fn transport_failure(e: reqwest::Error, body_phase: bool) -> (Failure, BoxError) {
    let failure = if body_phase {
        if e.is_timeout() {
            Failure::Timeout { connected: true }
        } else {
            Failure::Broken
        }
    } else if e.is_timeout() {
        Failure::Timeout {
            connected: !e.is_connect(),
        }
    } else if e.is_connect() {
        Failure::Connect
    } else if e.is_builder() {
        Failure::Builder
    } else {
        Failure::Broken
    };
    (failure, Box::new(e.without_url()))
}

/// An error and its sources on one line, for messages that cannot keep a source.
pub(crate) fn chain(e: &dyn StdError) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// A short reason kept as an error `source()` when the real cause could echo secret input
/// (e.g. a serde error quoting part of a body).
#[derive(Debug)]
pub(crate) struct Reason(pub String);

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl StdError for Reason {}

/// Describes a JSON decoding failure by category and position only, never quoting the input.
pub(crate) fn json_reason(e: &serde_json::Error) -> Reason {
    let category = match e.classify() {
        serde_json::error::Category::Io => "an I/O error",
        serde_json::error::Category::Syntax => "not JSON",
        serde_json::error::Category::Data => "JSON of the wrong shape",
        serde_json::error::Category::Eof => "truncated JSON",
    };
    Reason(format!(
        "{category} (line {}, column {})",
        e.line(),
        e.column()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked() {
        assert!(check_base_url("url", "http://127.0.0.1:8080/").is_ok());
        assert!(check_base_url("url", "ftp://example.com").is_err());
        assert!(check_base_url("url", "not a url").is_err());
        assert!(check_base_url("url", "http://x/?a=b").is_err());
        assert!(check_base_url("url", "http://x/#f").is_err());
        assert_eq!(
            check_base_url("url", "https://api.micuentaweb.pe").is_ok(),
            TLS_ENABLED
        );
        let error = check_base_url("url", "ftp://secret-host/secret-path").unwrap_err();
        assert!(!error.contains("secret"), "{error}");
    }

    #[test]
    fn the_client_builds() {
        let client = build_client(Settings {
            timeout: Duration::from_secs(1),
            connect_timeout: Duration::from_secs(1),
            user_agent: DEFAULT_USER_AGENT,
            default_headers: HeaderMap::new(),
        });
        assert!(client.is_ok());
    }
}
