//! The HTTP client setup shared by both gateways: timeouts, user agent and TLS (rustls with
//! the `ring` provider and the Mozilla roots of `webpki-roots`).

use std::time::Duration;

/// The default user agent: `pasarela/<version>`.
pub const DEFAULT_USER_AGENT: &str = concat!("pasarela/", env!("CARGO_PKG_VERSION"));

/// A reqwest builder with our timeouts, user agent and, with the `rustls` feature, TLS
/// through rustls + ring and the Mozilla roots from `webpki-roots` (no system OpenSSL, no
/// aws-lc build, the same trust store on every machine).
pub(crate) fn client_builder(
    timeout: Duration,
    connect_timeout: Duration,
    user_agent: &str,
) -> reqwest::ClientBuilder {
    let builder = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(connect_timeout)
        .user_agent(user_agent.to_owned());
    with_tls(builder)
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

/// Whether this build can call `https://` URLs.
pub const TLS_ENABLED: bool = cfg!(feature = "rustls");

/// Checks a base URL: absolute http(s), and https only when TLS is compiled in.
pub(crate) fn check_base_url(url: &str) -> Result<String, String> {
    let parsed =
        url::Url::parse(url).map_err(|e| format!("base URL {url:?} does not parse: {e}"))?;
    match parsed.scheme() {
        "http" => {}
        "https" if TLS_ENABLED => {}
        "https" => {
            return Err(format!(
                "base URL {url:?} needs TLS: enable the `rustls` feature of pasarela"
            ))
        }
        other => return Err(format!("base URL {url:?}: unsupported scheme {other:?}")),
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(format!(
            "base URL {url:?} must not have a query or fragment"
        ));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked_and_normalised() {
        assert_eq!(
            check_base_url("http://127.0.0.1:8080/").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert!(check_base_url("ftp://example.com").is_err());
        assert!(check_base_url("not a url").is_err());
        assert!(check_base_url("http://x/?a=b").is_err());
        assert_eq!(
            check_base_url("https://api.micuentaweb.pe").is_ok(),
            TLS_ENABLED
        );
    }

    #[test]
    fn the_client_builds() {
        let client = client_builder(
            Duration::from_secs(1),
            Duration::from_secs(1),
            DEFAULT_USER_AGENT,
        )
        .build();
        assert!(client.is_ok());
    }
}
