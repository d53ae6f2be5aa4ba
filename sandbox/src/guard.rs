//! What a web page must not make the sandbox do: answer under a foreign host name (DNS
//! rebinding) or change state on behalf of another site (cross-site requests).
//!
//! * `Host` must be an IP literal, `localhost` (or a `*.localhost` name, which browsers pin to
//!   loopback) or a name of [`SandboxConfig::allowed_hosts`](crate::SandboxConfig); anything
//!   else gets 421. A rebinding page's requests carry its own name, so they stop here. An IP
//!   literal cannot be rebound, so every address the sandbox may listen on passes.
//! * A state-changing request (not GET, HEAD or OPTIONS) is refused with 403 when it carries
//!   `Sec-Fetch-Site: cross-site` or an `Origin` whose host is not allowed as above (`null`
//!   included). Server-side SDKs and curl send neither, so they pass.
//! * The endpoints the stand-in form script calls from the merchant's page
//!   ([`CORS_ENDPOINTS`]) are cross-origin by design and answer with CORS (`lyra/shopper.rs`):
//!   only the `Host` rule applies to them.
//! * The dashboard's actions (`/sandbox/dashboard/actions/…`) are stricter: another origin on
//!   localhost (another port) is refused too, and the dashboard's pages cannot be framed.
//! * A request carrying the header of the sandbox's own deliveries
//!   ([`DELIVERY_HEADER`]) is refused with 508 Loop Detected: a notification whose target
//!   points back at the sandbox (its resend endpoint, say) fails once instead of looping.
//!
//! The JSON APIs (`/api-payment/V4/…`, `/etpay/…`, whatever route is added under them) also
//! refuse the body types a page can send without a CORS preflight ([`simple_body_type`]), each
//! in its gateway's error shape (`lyra/api.rs`, `etpay/api.rs`).

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::app::App;
use crate::delivery::DELIVERY_HEADER;

/// Path prefixes of the endpoints `kr-payment-form.js` fetches from the merchant's page (see
/// its `json('GET', '/sandbox/lyra/js-form/…')` and `json('POST', '/sandbox/lyra/js-pay', …)`).
pub(crate) const CORS_ENDPOINTS: [&str; 2] = ["/sandbox/lyra/js-form/", "/sandbox/lyra/js-pay"];

/// The middleware: refuses foreign hosts, cross-site state changes and preflight-free body
/// types on the JSON APIs; passes the rest on.
pub(crate) async fn guard(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let (method, path, headers) = (request.method(), request.uri().path(), request.headers());
    if headers.contains_key(DELIVERY_HEADER) {
        return refuse(
            StatusCode::LOOP_DETECTED,
            "a notification delivered by the sandbox to itself is refused",
        );
    }
    if let Some(response) = refusal(&app.config.allowed_hosts, method, path, headers) {
        return response;
    }
    if let Some(media) = simple_body_type(headers) {
        if let Some(web_service) = path.strip_prefix("/api-payment/V4/") {
            return crate::lyra::api::body_type_refused(&app, web_service, &media);
        }
        if path.starts_with("/etpay/") {
            return crate::etpay::body_type_refused(&media);
        }
    }
    let deny_framing = not_framed(path);
    let mut response = next.run(request).await;
    if deny_framing {
        forbid_framing(&mut response);
    }
    response
}

/// Why a request is refused, as its answer; `None` lets it through.
fn refusal(
    allowed: &[String],
    method: &Method,
    path: &str,
    headers: &HeaderMap,
) -> Option<Response> {
    if let Some(host) = headers.get(header::HOST) {
        let host_ok = host.to_str().is_ok_and(|h| host_allowed(allowed, h));
        if !host_ok {
            return Some(refuse(
                StatusCode::MISDIRECTED_REQUEST,
                "this Host is not the sandbox's; add it with --allow-host",
            ));
        }
    }
    let safe = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && path.starts_with(DASHBOARD_ACTIONS) && !same_origin(headers) {
        return Some(refuse(
            StatusCode::FORBIDDEN,
            "a dashboard action must come from the dashboard itself",
        ));
    }
    if safe || CORS_ENDPOINTS.iter().any(|p| path.starts_with(p)) {
        return None;
    }
    let cross_site = headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"cross-site"));
    if cross_site {
        return Some(refuse(StatusCode::FORBIDDEN, "cross-site request refused"));
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
        let origin_ok = origin
            .to_str()
            .is_ok_and(|o| origin_allowed(allowed, o, host));
        if !origin_ok {
            return Some(refuse(
                StatusCode::FORBIDDEN,
                "request from another site refused",
            ));
        }
    }
    None
}

/// The dashboard's buttons post here; only the dashboard's own pages may (see [`same_origin`]).
const DASHBOARD_ACTIONS: &str = "/sandbox/dashboard/actions/";

/// Stricter than the general rule, for the dashboard's actions: another page on localhost
/// (another port, another loopback address) is another origin. `Sec-Fetch-Site` must be absent,
/// `same-origin` or `none`, and an `Origin`, when sent, exactly `http://` + the request's `Host`
/// (the sandbox serves plain HTTP).
fn same_origin(headers: &HeaderMap) -> bool {
    let fetch_site_ok = headers.get("sec-fetch-site").is_none_or(|v| {
        v.as_bytes().eq_ignore_ascii_case(b"same-origin")
            || v.as_bytes().eq_ignore_ascii_case(b"none")
    });
    let Some(origin) = headers.get(header::ORIGIN) else {
        return fetch_site_ok;
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_ok = match (origin.to_str(), host) {
        (Ok(origin), Some(host)) => origin
            .strip_prefix("http://")
            .is_some_and(|authority| authority.eq_ignore_ascii_case(host.trim())),
        _ => false,
    };
    fetch_site_ok && origin_ok
}

/// The sandbox's own HTML pages (the dashboard, the test cards) that no other page may frame
/// (clickjacking the dashboard's buttons). The payment page and the ETpay funnel are not listed:
/// they stay as a merchant's checkout opens them.
fn not_framed(path: &str) -> bool {
    path == "/"
        || (path.starts_with("/sandbox/dashboard/") && !path.starts_with(DASHBOARD_ACTIONS))
        || path == crate::look::TEST_CARDS_PATH
}

/// Adds the headers that forbid framing to `response`.
fn forbid_framing(response: &mut Response) {
    let headers = response.headers_mut();
    headers.insert(
        header::X_FRAME_OPTIONS,
        header::HeaderValue::from_static("DENY"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static("frame-ancestors 'none'"),
    );
}

fn refuse(status: StatusCode, text: &'static str) -> Response {
    (status, text).into_response()
}

/// `scheme://host[:port]` with an allowed host; `null` and anything else is not. Unlike a
/// `Host`, an IP-literal `Origin` is a page served from that address, so it passes only when it
/// is loopback, the sandbox's own address (the request's `Host`) or allowed by name.
fn origin_allowed(allowed: &[String], origin: &str, host: Option<&str>) -> bool {
    let Some((scheme, authority)) = origin.split_once("://") else {
        return false;
    };
    if !matches!(scheme, "http" | "https") || authority.contains('/') {
        return false;
    }
    let name = host_name(authority);
    let bare = name.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(ip) => {
            ip.is_loopback()
                || host.is_some_and(|h| host_name(h).eq_ignore_ascii_case(name))
                || allowed
                    .iter()
                    .any(|a| host_name(a).eq_ignore_ascii_case(name))
        }
        Err(_) => host_allowed(allowed, authority),
    }
}

/// A `Host` value (`name[:port]`, `[v6][:port]`) naming the sandbox.
pub(crate) fn host_allowed(allowed: &[String], host: &str) -> bool {
    let name = host_name(host);
    if name.is_empty() {
        return false;
    }
    let bare = name.trim_start_matches('[').trim_end_matches(']');
    if bare.parse::<IpAddr>().is_ok() {
        return true;
    }
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || allowed.iter().any(|a| {
            host_name(a)
                .trim_end_matches('.')
                .eq_ignore_ascii_case(&name)
        })
}

/// The host without its port: `[::1]:80` → `[::1]`, `a.test:80` → `a.test`.
fn host_name(host: &str) -> &str {
    let host = host.trim();
    if host.starts_with('[') {
        return host.find(']').map_or("", |end| &host[..=end]);
    }
    host.split_once(':').map_or(host, |(name, _)| name)
}

/// The media type of a body a web page can send cross-site without a CORS preflight
/// (`text/plain`, `application/x-www-form-urlencoded`, `multipart/form-data`), if that is what
/// `Content-Type` says. No `Content-Type` at all is fine: ETpay's Python SDK sends none.
fn simple_body_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?;
    let text = String::from_utf8_lossy(value.as_bytes());
    let media = text
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    matches!(
        media.as_str(),
        "text/plain" | "application/x-www-form-urlencoded" | "multipart/form-data"
    )
    .then_some(media)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        let allowed = vec!["sandbox.test".to_owned()];
        for ok in [
            "127.0.0.1:8080",
            "localhost",
            "LOCALHOST:1",
            "app.localhost",
            "[::1]:80",
            "10.0.0.7",
            "sandbox.test",
            "Sandbox.Test:8080",
            "localhost.",
        ] {
            assert!(host_allowed(&allowed, ok), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:8080",
            "localhost.evil",
            "",
            ":80",
            "[::1",
        ] {
            assert!(!host_allowed(&allowed, bad), "{bad}");
        }
    }

    #[test]
    fn origins() {
        assert!(origin_allowed(&[], "http://127.0.0.1:3000", None));
        assert!(origin_allowed(&[], "http://[::1]:3000", None));
        assert!(!origin_allowed(&[], "null", None));
        assert!(!origin_allowed(&[], "http://evil.example", None));
        assert!(!origin_allowed(&[], "file://", None));
        assert!(!origin_allowed(&[], "http://127.0.0.1/x", None));
        // A page served from another IP address is another site.
        assert!(!origin_allowed(
            &[],
            "http://203.0.113.5",
            Some("127.0.0.1:8080")
        ));
        // The sandbox's own pages, reached by its LAN address.
        assert!(origin_allowed(
            &[],
            "http://192.168.1.5:8080",
            Some("192.168.1.5:8080")
        ));
        assert!(origin_allowed(
            &["203.0.113.5".into()],
            "http://203.0.113.5",
            None
        ));
    }
}
