//! Both clients against a misbehaving server (`tests/support`): every fault gives its
//! documented error kind, says correctly whether the request may have reached the gateway,
//! and is never retried (a payment created twice is worse than a payment that failed once).
//!
//! | fault | Lyra | ETpay | may have reached |
//! |---|---|---|---|
//! | connection refused | `Connect` | `Transport` | no |
//! | headers later than the timeout | `Timeout` | `Timeout` | yes |
//! | connection closed without answer | `Transport` | `Transport` | yes |
//! | body shorter than its `content-length` | `Transport` | `Transport` | yes |
//! | HTML error page (502) | `HttpStatus` | `Status` | yes |
//! | HTML page with HTTP 200 | `UndecodableResponse` | `Decode` | yes |
//! | 401 without an envelope | `UndecodableResponse` | `Status` | yes |
//! | 429, 500, 503 | `HttpStatus` | `Status` | yes |

use std::time::Duration;

use crate::support::{Reply, TestServer};
use pasarela::etpay::{
    EtpayClient, EtpayConfig, EtpayError, EtpayErrorKind, PaymentQuery, SessionRequest,
};
use pasarela::lyra::{types, LyraClient, LyraConfig, LyraError, LyraErrorKind};
use pasarela::Secret;
use serde_json::json;

/// Short enough for a fast test, long enough for a loopback answer on a busy machine.
const TIMEOUT: Duration = Duration::from_millis(700);
/// How long the slow server waits before its headers: well past [`TIMEOUT`].
const SLOW: Duration = Duration::from_secs(5);

const HTML: &str = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>";

fn lyra(base_url: &str) -> LyraClient {
    LyraClient::new(
        &LyraConfig::new("69876357", "testpassword_FAULTS", base_url)
            .with_timeout(TIMEOUT)
            .with_connect_timeout(TIMEOUT),
    )
    .unwrap()
}

fn etpay(base_url: &str) -> EtpayClient {
    let config = EtpayConfig::new(
        base_url,
        "http://127.0.0.1:9/funnel",
        "cl_faults",
        Secret::new("api-token-faults"),
    )
    .unwrap()
    .with_timeout(TIMEOUT);
    EtpayClient::new(config).unwrap()
}

fn create_payment_request() -> types::CreatePaymentRequest {
    serde_json::from_value(json!({"amount": 990, "currency": "PEN", "orderId": "faults-1"}))
        .unwrap()
}

async fn create_payment(base_url: &str) -> LyraError {
    lyra(base_url)
        .create_payment(create_payment_request())
        .await
        .expect_err("the fault must fail the call")
}

async fn get_transaction(base_url: &str) -> LyraError {
    let request: types::TransactionGetRequest =
        serde_json::from_value(json!({"uuid": "1c8356b0e24442b2acc579cf1ae4d814"})).unwrap();
    lyra(base_url)
        .get_transaction(request)
        .await
        .expect_err("the fault must fail the call")
}

async fn initialize(base_url: &str) -> EtpayError {
    etpay(base_url)
        .initialize(&SessionRequest::new("oc-faults-1", 1000))
        .await
        .expect_err("the fault must fail the call")
}

async fn check_status(base_url: &str) -> EtpayError {
    etpay(base_url)
        .check_payment_status(&PaymentQuery::MerchantOrderId("oc-faults-1".into()))
        .await
        .expect_err("the fault must fail the call")
}

/// A loopback address where nothing listens.
async fn refused_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    url
}

async fn server(reply: Reply) -> TestServer {
    TestServer::start(move |_| reply.clone()).await
}

#[tokio::test]
async fn connection_refused_never_reached_either_gateway() {
    let url = refused_url().await;
    let error = create_payment(&url).await;
    assert_eq!(error.kind(), LyraErrorKind::Connect, "{error:?}");
    assert!(std::error::Error::source(&error).is_some(), "{error:?}");
    assert!(!error.may_have_reached_gateway());
    assert_eq!(error.web_service(), Some("Charge/CreatePayment"));

    let error = initialize(&url).await;
    assert_eq!(error.kind(), EtpayErrorKind::Connect, "{error:?}");
    assert!(!error.may_have_reached_etpay());
    assert!(error.to_string().contains("request not sent"), "{error}");
    assert!(std::error::Error::source(&error).is_some(), "{error:?}");
}

#[tokio::test]
async fn headers_later_than_the_timeout_are_a_timeout_that_may_have_reached() {
    let slow = server(Reply::Delay(SLOW, Box::new(Reply::json(&json!({}))))).await;
    let error = create_payment(&slow.base_url).await;
    assert_eq!(error.kind(), LyraErrorKind::Timeout, "{error:?}");
    assert!(error.may_have_reached_gateway());
    assert!(error.to_string().contains("may have processed"), "{error}");

    let error = initialize(&slow.base_url).await;
    assert_eq!(error.kind(), EtpayErrorKind::Timeout, "{error:?}");
    assert!(error.may_have_reached_etpay());
    // One request each: a timed-out creation is not sent again.
    assert_eq!(slow.requests().len(), 2);
}

#[tokio::test]
async fn a_connection_closed_without_answer_may_have_reached() {
    let dropping = server(Reply::Drop).await;
    let error = create_payment(&dropping.base_url).await;
    assert_eq!(error.kind(), LyraErrorKind::Transport, "{error:?}");
    assert!(error.may_have_reached_gateway());

    let error = initialize(&dropping.base_url).await;
    assert_eq!(error.kind(), EtpayErrorKind::Transport, "{error:?}");
    assert!(error.may_have_reached_etpay());
}

#[tokio::test]
async fn a_truncated_body_is_a_transport_error_that_may_have_reached() {
    let envelope =
        br#"{"webService":"Charge/CreatePayment","status":"SUCCESS","answer":{"formToken":"#
            .to_vec();
    let truncated = server(Reply::Truncated {
        status: 200,
        body: envelope,
    })
    .await;
    let error = create_payment(&truncated.base_url).await;
    assert_eq!(error.kind(), LyraErrorKind::Transport, "{error:?}");
    assert!(error.may_have_reached_gateway());

    let truncated = server(Reply::Truncated {
        status: 200,
        body: br#"{"token":"abc","signature_tok"#.to_vec(),
    })
    .await;
    let error = initialize(&truncated.base_url).await;
    assert_eq!(error.kind(), EtpayErrorKind::Transport, "{error:?}");
    assert!(error.may_have_reached_etpay());
}

#[tokio::test]
async fn an_html_error_page_keeps_its_status_and_body() {
    let proxy = server(Reply::status(502, "text/html", HTML)).await;
    let error = create_payment(&proxy.base_url).await;
    assert_eq!(error.kind(), LyraErrorKind::HttpStatus, "{error:?}");
    assert_eq!(error.status(), Some(502));
    assert_eq!(error.raw_body(), Some(HTML.as_bytes()));
    assert!(error.may_have_reached_gateway());
    assert!(
        !error.to_string().contains("<html"),
        "Display summarises, the body is an accessor: {error}"
    );

    let error = initialize(&proxy.base_url).await;
    assert_eq!(error.kind(), EtpayErrorKind::Status, "{error:?}");
    assert_eq!(error.status(), Some(502));
    assert_eq!(error.raw_body(), Some(HTML.as_bytes()));
    assert!(error.may_have_reached_etpay());

    // The same page with HTTP 200 (a captive portal, a misrouted host): undecodable, body kept.
    let portal = server(Reply::status(200, "text/html", HTML)).await;
    let error = create_payment(&portal.base_url).await;
    assert_eq!(
        error.kind(),
        LyraErrorKind::UndecodableResponse,
        "{error:?}"
    );
    assert_eq!(error.raw_body(), Some(HTML.as_bytes()));
    let error = initialize(&portal.base_url).await;
    assert_eq!(error.kind(), EtpayErrorKind::Decode, "{error:?}");
    assert_eq!(error.status(), Some(200));
    assert_eq!(error.raw_body(), Some(HTML.as_bytes()));
}

#[tokio::test]
async fn a_401_without_an_envelope_is_not_mistaken_for_an_answer() {
    // Lyra documents 401 with an INT_905 envelope; a bare 401 (a proxy, a WAF) has none.
    let bare = server(Reply::status(401, "text/plain", "Unauthorized")).await;
    let error = create_payment(&bare.base_url).await;
    // Documented on `LyraErrorKind::UndecodableResponse`: 401 is a status that carries envelopes,
    // so a 401 whose body is not one is an undecodable response (body kept).
    assert_eq!(
        error.kind(),
        LyraErrorKind::UndecodableResponse,
        "{error:?}"
    );
    assert!(error.api_error().is_none(), "no envelope, no API error");
    assert_eq!(error.raw_body(), Some(&b"Unauthorized"[..]));
    assert!(error.may_have_reached_gateway());

    let error = initialize(&bare.base_url).await;
    assert_eq!(error.kind(), EtpayErrorKind::Status, "{error:?}");
    assert_eq!(error.status(), Some(401));
    assert_eq!(error.raw_body(), Some(&b"Unauthorized"[..]));
}

#[tokio::test]
async fn throttling_and_server_errors_keep_their_status() {
    for status in [429u16, 500, 503] {
        let failing = server(Reply::status(
            status,
            "application/json",
            r#"{"message":"try later"}"#,
        ))
        .await;
        let error = create_payment(&failing.base_url).await;
        assert!(
            error.kind() == LyraErrorKind::HttpStatus && error.status() == Some(status),
            "{status}: {error:?}"
        );
        assert!(error.may_have_reached_gateway());
        assert!(error.to_string().contains(&status.to_string()), "{error}");

        let error = check_status(&failing.base_url).await;
        assert_eq!(error.status(), Some(status));
        assert_eq!(error.raw_body(), Some(&br#"{"message":"try later"}"#[..]));
        assert!(error.may_have_reached_etpay());
    }
}

#[tokio::test]
async fn nothing_is_retried_automatically() {
    // A CreatePayment that failed with 503 was sent exactly once: the caller decides.
    let unavailable = server(Reply::status(
        503,
        "text/html",
        "<h1>Service Unavailable</h1>",
    ))
    .await;
    let error = create_payment(&unavailable.base_url).await;
    assert!(
        error.kind() == LyraErrorKind::HttpStatus && error.status() == Some(503),
        "{error:?}"
    );
    assert_eq!(
        unavailable.requests().len(),
        1,
        "CreatePayment must never be retried"
    );
    assert_eq!(
        unavailable.requests()[0].path,
        "/api-payment/V4/Charge/CreatePayment"
    );

    // Reads are not retried either (the client has no retry policy at all).
    let error = get_transaction(&unavailable.base_url).await;
    assert!(
        error.kind() == LyraErrorKind::HttpStatus && error.status() == Some(503),
        "{error:?}"
    );
    assert_eq!(unavailable.requests().len(), 2);

    // A dropped connection after the request was sent: still exactly one request.
    let dropping = server(Reply::Drop).await;
    let _ = create_payment(&dropping.base_url).await;
    assert_eq!(
        dropping.requests().len(),
        1,
        "a reset CreatePayment must never be re-sent"
    );

    // ETpay: one session creation, one status query.
    let error = initialize(&unavailable.base_url).await;
    assert_eq!(error.status(), Some(503));
    let _ = check_status(&unavailable.base_url).await;
    assert_eq!(unavailable.requests().len(), 4);
    assert_eq!(unavailable.requests()[2].path, "/session/initialize");
}
