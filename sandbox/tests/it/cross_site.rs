//! Cross-site requests and DNS rebinding (issue 16, item 6), and the Basic scheme's case
//! (item 9): foreign `Host` names get 421; state changes from another site (`Origin`,
//! `Sec-Fetch-Site: cross-site`) get 403 while SDKs and curl, which send neither, pass; the
//! stand-in script's endpoints stay cross-origin; the JSON APIs refuse the body types a page
//! can send without a preflight, in each gateway's error shape, and accept no type at all.

use pasarela_sandbox::{defaults, SandboxConfig};
use serde_json::{json, Value};

use super::common::{auth, start};
use super::raw_http::{body, exchange, post, status};

fn get(host: &str, headers: &[&str]) -> String {
    let extra: String = headers.iter().map(|h| format!("{h}\r\n")).collect();
    format!("GET / HTTP/1.1\r\nHost: {host}\r\n{extra}Connection: close\r\n\r\n")
}

fn etpay_session() -> String {
    json!({"merchant_code": defaults::ETPAY_MERCHANT_CODE,
           "merchant_api_token": defaults::ETPAY_API_TOKEN,
           "merchant_order_id": "oc-cross", "order_amount": 2000})
    .to_string()
}

/// The default shop's `Authorization` header line with `scheme` instead of `Basic`.
fn lyra_auth(scheme: &str) -> String {
    let credentials = auth()
        .strip_prefix("Basic ")
        .expect("a Basic value")
        .to_owned();
    format!("Authorization: {scheme} {credentials}")
}

fn lyra_answer(answer: &str) -> Value {
    serde_json::from_str(body(answer)).unwrap_or(Value::Null)
}

#[tokio::test]
async fn foreign_host_names_are_refused_and_loopback_names_pass() {
    let sandbox = start(SandboxConfig::default()).await;
    let addr = sandbox.addr();
    let port = addr.port();
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        "[::1]".to_owned(),
    ] {
        assert_eq!(
            status(&exchange(addr, &get(&host, &[])).await),
            200,
            "{host}"
        );
    }
    for host in [format!("rebind.example:{port}"), "sandbox.test".to_owned()] {
        let answer = exchange(addr, &get(&host, &[])).await;
        assert_eq!(status(&answer), 421, "{host}: {answer}");
    }
    sandbox.shutdown().await;

    // A port-less alias (the embedded-form-glue browser test's) passes once allowed.
    let sandbox = start(SandboxConfig {
        allowed_hosts: vec!["sandbox.test".to_owned()],
        ..SandboxConfig::default()
    })
    .await;
    let answer = exchange(sandbox.addr(), &get("sandbox.test", &[])).await;
    assert_eq!(status(&answer), 200, "{answer}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn cross_site_state_changes_are_refused_and_sdk_requests_pass() {
    let sandbox = start(SandboxConfig::default()).await;
    let addr = sandbox.addr();
    let host = format!("127.0.0.1:{}", addr.port());
    let json_type = "Content-Type: application/json";
    let path = "/etpay/session/initialize";
    let session = etpay_session();
    for headers in [
        vec![json_type, "Origin: http://evil.example"],
        vec![json_type, "Origin: null"],
        vec![json_type, "Sec-Fetch-Site: cross-site"],
    ] {
        let answer = exchange(addr, &post(path, &host, &headers, &session)).await;
        assert_eq!(status(&answer), 403, "{headers:?}: {answer}");
    }
    let same_origin = format!("Origin: http://{host}");
    for headers in [
        vec![json_type],
        vec![
            json_type,
            same_origin.as_str(),
            "Sec-Fetch-Site: same-origin",
        ],
    ] {
        let answer = exchange(addr, &post(path, &host, &headers, &session)).await;
        assert_eq!(status(&answer), 200, "{headers:?}: {answer}");
    }
    // Reading is not changing state: a cross-site GET of a page passes.
    let answer = exchange(addr, &get(&host, &["Sec-Fetch-Site: cross-site"])).await;
    assert_eq!(status(&answer), 200, "{answer}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_stand_in_scripts_endpoints_stay_cross_origin() {
    let sandbox = start(SandboxConfig::default()).await;
    let addr = sandbox.addr();
    let host = format!("127.0.0.1:{}", addr.port());
    let shop = ["Origin: http://shop.example", "Sec-Fetch-Site: cross-site"];
    let preflight = format!(
        "OPTIONS /sandbox/lyra/js-pay HTTP/1.1\r\nHost: {host}\r\n{}\r\n{}\r\n\
         Access-Control-Request-Method: POST\r\nConnection: close\r\n\r\n",
        shop[0], shop[1]
    );
    let answer = exchange(addr, &preflight).await;
    assert_eq!(status(&answer), 204, "{answer}");
    let mut headers = shop.to_vec();
    headers.push("Content-Type: application/json");
    let request = r#"{"formToken":"unknown","card":"4970100000000055"}"#;
    let pay = post("/sandbox/lyra/js-pay", &host, &headers, request);
    let answer = exchange(addr, &pay).await;
    assert_ne!(status(&answer), 403, "{answer}");
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("access-control-allow-origin: http://shop.example"),
        "{answer}"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn json_apis_refuse_preflight_free_body_types_but_not_a_missing_type() {
    let sandbox = start(SandboxConfig::default()).await;
    let addr = sandbox.addr();
    let host = format!("127.0.0.1:{}", addr.port());
    let path = "/etpay/session/initialize";
    let session = etpay_session();
    for media in [
        "text/plain",
        "text/plain; charset=UTF-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        let content_type = format!("Content-Type: {media}");
        let answer = exchange(addr, &post(path, &host, &[&content_type], &session)).await;
        assert_eq!(status(&answer), 415, "{media}: {answer}");
        let message: Value = serde_json::from_str(body(&answer)).unwrap();
        assert!(message["message"]
            .as_str()
            .unwrap()
            .contains("Content-Type"));
    }
    // Every route under the API, whoever adds it: Direct Debit too.
    let text = "Content-Type: text/plain";
    let answer = exchange(addr, &post("/etpay/dd/start-session", &host, &[text], "{}")).await;
    assert_eq!(status(&answer), 415, "{answer}");
    // ETpay's Python SDK sends its JSON without any Content-Type.
    let answer = exchange(addr, &post(path, &host, &[], &session)).await;
    assert_eq!(status(&answer), 200, "{answer}");

    let ws = "/api-payment/V4/Charge/SDKTest";
    let auth = lyra_auth("Basic");
    let test = r#"{"value":"hola"}"#;
    let answer = exchange(
        addr,
        &post(ws, &host, &[&auth, "Content-Type: text/plain"], test),
    )
    .await;
    let envelope = lyra_answer(&answer);
    assert_eq!(envelope["status"], "ERROR", "{answer}");
    assert_eq!(envelope["answer"]["errorCode"], "INT_902");
    let answer = exchange(addr, &post(ws, &host, &[&auth], test)).await;
    assert_eq!(lyra_answer(&answer)["status"], "SUCCESS", "{answer}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_basic_scheme_is_case_insensitive() {
    let sandbox = start(SandboxConfig::default()).await;
    let addr = sandbox.addr();
    let host = format!("127.0.0.1:{}", addr.port());
    let ws = "/api-payment/V4/Charge/SDKTest";
    for scheme in ["Basic", "basic", "BASIC", "bAsIc"] {
        let auth = lyra_auth(scheme);
        let headers = [auth.as_str(), "Content-Type: application/json"];
        let answer = exchange(addr, &post(ws, &host, &headers, r#"{"value":"x"}"#)).await;
        assert_eq!(
            lyra_answer(&answer)["status"],
            "SUCCESS",
            "{scheme}: {answer}"
        );
    }
    let wrong = lyra_auth("Bearer");
    let headers = [wrong.as_str(), "Content-Type: application/json"];
    let answer = exchange(addr, &post(ws, &host, &headers, r#"{"value":"x"}"#)).await;
    assert_eq!(lyra_answer(&answer)["answer"]["errorCode"], "INT_905");
    sandbox.shutdown().await;
}

/// Issue 17 review, item 3: the dashboard's actions accept only their own origin (another port
/// or loopback address is another page), and the dashboard's pages cannot be framed.
#[tokio::test]
async fn dashboard_actions_accept_only_their_own_origin_and_pages_are_not_framed() {
    let sandbox = start(SandboxConfig::default()).await;
    let addr = sandbox.addr();
    let port = addr.port();
    let host = format!("127.0.0.1:{port}");
    // No such notification: an action that gets through answers with a redirect (303), not 403.
    let path = "/sandbox/dashboard/actions/notifications/999/resend";
    let form = "Content-Type: application/x-www-form-urlencoded";
    let other_port = format!("Origin: http://127.0.0.1:{}", port.wrapping_add(1).max(1));
    for headers in [
        vec![form, "Origin: http://localhost:9999"],
        vec![form, other_port.as_str()],
        vec![form, "Sec-Fetch-Site: same-site"],
    ] {
        let answer = exchange(addr, &post(path, &host, &headers, "resend=1")).await;
        assert_eq!(status(&answer), 403, "{headers:?}: {answer}");
    }
    let same_origin = format!("Origin: http://{host}");
    for headers in [
        vec![form],
        vec![form, same_origin.as_str(), "Sec-Fetch-Site: same-origin"],
    ] {
        let answer = exchange(addr, &post(path, &host, &headers, "resend=1")).await;
        assert_ne!(status(&answer), 403, "{headers:?}: {answer}");
    }
    for page in ["/", "/sandbox/test-cards"] {
        let request = format!("GET {page} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        let answer = exchange(addr, &request).await.to_ascii_lowercase();
        assert!(answer.contains("x-frame-options: deny"), "{page}: {answer}");
        assert!(
            answer.contains("content-security-policy: frame-ancestors 'none'"),
            "{page}"
        );
    }
    sandbox.shutdown().await;
}
