//! The notification log over HTTP (`sandbox/src/notifications_api.rs`): records with their
//! context and each attempt's latency and answer, the signed body, resending it byte for byte,
//! the `order_id` filter and the `after`/`wait` long-poll, 404s, and URL credentials that never
//! show. Merchants that answer too much, or never finish answering, cost one bounded attempt.

use std::time::Duration;

use crate::common::{call, control_pay, start};
use crate::support::{Reply, TestServer};
use pasarela_sandbox::{DeliveryPolicy, SandboxConfig, ANSWER_BYTES};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Quick retries and a short attempt timeout.
fn policy(attempts: u32) -> DeliveryPolicy {
    DeliveryPolicy {
        attempts,
        first_backoff: Duration::from_millis(20),
        attempt_timeout: Duration::from_millis(500),
    }
}

fn config(ipn_url: &str, attempts: u32) -> SandboxConfig {
    SandboxConfig {
        lyra_notification_url: Some(ipn_url.to_owned()),
        delivery: policy(attempts),
        ..SandboxConfig::default()
    }
}

async fn get(http: &reqwest::Client, url: String) -> (u16, Value) {
    let response = http.get(url).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Creates a payment for `order_id` and pays it through the control endpoint; returns the
/// control answer.
async fn pay(http: &reqwest::Client, base: &str, order_id: &str) -> Value {
    let form = call(
        http,
        base,
        "Charge/CreatePayment",
        json!({"amount": 1990, "currency": "PEN", "orderId": order_id}),
    )
    .await;
    let (status, paid) = control_pay(http, base, form["formToken"].as_str().unwrap()).await;
    assert_eq!(status, 200, "{paid:#}");
    paid
}

/// The notification id of a control answer.
fn notification_id(paid: &Value) -> u64 {
    paid["ipn"]["notification"]
        .as_u64()
        .unwrap_or_else(|| panic!("the control answer names its notification: {paid:#}"))
}

/// Notification `id` once `done` holds, waiting with the long-poll between looks.
async fn until(
    http: &reqwest::Client,
    base: &str,
    id: u64,
    done: impl Fn(&Value) -> bool,
) -> Value {
    for _ in 0..20 {
        let (status, record) = get(http, format!("{base}/sandbox/notifications/{id}")).await;
        assert_eq!(status, 200, "{record:#}");
        if done(&record) {
            return record;
        }
        let seq = record["seq"].as_u64().unwrap();
        get(
            http,
            format!("{base}/sandbox/notifications?after={seq}&wait=5"),
        )
        .await;
    }
    panic!("notification {id} never reached the expected state");
}

#[tokio::test]
async fn a_resend_posts_the_same_signed_bytes_to_the_same_target_again() {
    let merchant = TestServer::start(|_| Reply::status(200, "text/plain", "OK")).await;
    let sandbox = start(config(&format!("{}/ipn", merchant.base_url), 2)).await;
    let base = sandbox.base_url().to_owned();
    let http = reqwest::Client::new();
    let paid = pay(&http, &base, "resend-1").await;
    let id = notification_id(&paid);
    let first = until(&http, &base, id, |r| r["delivered"] == true).await;
    assert_eq!(first["attempts"].as_array().unwrap().len(), 1);
    assert_eq!(first["order_id"], "resend-1");
    assert_eq!(first["kind"], "lyra-ipn");
    assert_eq!(first["content_type"], "application/x-www-form-urlencoded");

    // The body endpoint gives exactly what the merchant received, with its content type.
    let received = merchant.requests();
    let body = http
        .get(format!("{base}/sandbox/notifications/{id}/body"))
        .send()
        .await
        .unwrap();
    assert_eq!(body.status(), 200);
    assert_eq!(
        body.headers()["content-type"],
        "application/x-www-form-urlencoded"
    );
    let body = body.bytes().await.unwrap();
    assert_eq!(body.as_ref(), received[0].body.as_slice());
    assert_eq!(first["body_bytes"], body.len());

    let response = http
        .post(format!("{base}/sandbox/notifications/{id}/resend"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let accepted: Value = response.json().await.unwrap();
    assert_eq!(accepted["id"], id);
    let after = until(&http, &base, id, |r| {
        r["attempts"].as_array().unwrap().len() == 2 && r["delivered"] == true
    })
    .await;
    let attempts = after["attempts"].as_array().unwrap();
    assert_eq!(attempts[0]["resend"], false);
    assert_eq!(attempts[1]["resend"], true);
    assert_eq!(attempts[1]["status"], 200);
    let received = merchant.requests();
    assert_eq!(received.len(), 2);
    assert_eq!(received[1].path, "/ipn");
    assert_eq!(received[1].body, received[0].body, "byte-identical");
    assert_eq!(
        received[1].header("content-type"),
        received[0].header("content-type")
    );
    assert!(after["seq"].as_u64() > first["seq"].as_u64());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn attempts_record_their_latency_and_at_most_512_bytes_of_the_answer() {
    let big = format!("{}\u{1b}[2J", "x".repeat(10 * 1024));
    let merchant = TestServer::start(move |_| {
        Reply::Delay(
            Duration::from_millis(150),
            Box::new(Reply::status(200, "text/plain", &big)),
        )
    })
    .await;
    let sandbox = start(config(&merchant.base_url, 1)).await;
    let base = sandbox.base_url().to_owned();
    let http = reqwest::Client::new();
    let id = notification_id(&pay(&http, &base, "answer-1").await);
    let record = until(&http, &base, id, |r| r["delivered"] == true).await;
    let attempt = &record["attempts"][0];
    assert_eq!(attempt["answer"], "x".repeat(ANSWER_BYTES), "{attempt:#}");
    // The merchant waited 150 ms before answering: the latency counts it.
    assert!(
        attempt["latency_ms"].as_u64().unwrap() >= 150,
        "{attempt:#}"
    );
    assert!(attempt["error"].is_null());

    // An answer with control characters and line breaks: replaced, never passed on.
    let merchant =
        TestServer::start(|_| Reply::status(500, "text/plain", "no\r\n\u{1b}[31mway\u{7}")).await;
    let sandbox2 = start(config(&merchant.base_url, 1)).await;
    let base2 = sandbox2.base_url().to_owned();
    let id = notification_id(&pay(&http, &base2, "answer-2").await);
    let record = until(&http, &base2, id, |r| r["gave_up"] == true).await;
    assert_eq!(
        record["attempts"][0]["answer"],
        "no  \u{fffd}[31mway\u{fffd}"
    );
    assert_eq!(record["attempts"][0]["status"], 500);
    sandbox.shutdown().await;
    sandbox2.shutdown().await;
}

/// A merchant that answers `200` at once, then either streams its body forever or sends a few
/// bytes of it and falls silent while holding the connection.
async fn raw_merchant(endless: bool) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/ipn", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = [0u8; 16 * 1024];
                let _ = socket.read(&mut request).await;
                if endless {
                    let _ = socket
                        .write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
                        .await;
                    let chunk = format!("400\r\n{}\r\n", "y".repeat(0x400));
                    while socket.write_all(chunk.as_bytes()).await.is_ok() {}
                } else {
                    let _ = socket
                        .write_all(
                            b"HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\nstill writing",
                        )
                        .await;
                    tokio::time::sleep(Duration::from_secs(120)).await;
                }
            });
        }
    });
    url
}

#[tokio::test]
async fn an_answer_that_never_ends_costs_one_bounded_attempt() {
    let http = reqwest::Client::new();
    // Silent after a few bytes: the attempt times out (the status is kept), no hang.
    let silent = raw_merchant(false).await;
    let sandbox = start(config(&silent, 1)).await;
    let base = sandbox.base_url().to_owned();
    let test = async {
        let id = notification_id(&pay(&http, &base, "stall-1").await);
        until(&http, &base, id, |r| r["gave_up"] == true).await
    };
    let record = tokio::time::timeout(Duration::from_secs(20), test)
        .await
        .expect("a stalled answer never hangs the delivery");
    let attempt = &record["attempts"][0];
    assert_eq!(attempt["status"], 200, "{attempt:#}");
    assert_eq!(attempt["error"], "timeout reading the answer");
    assert_eq!(attempt["answer"], "still writing");
    assert_eq!(record["delivered"], false);
    sandbox.shutdown().await;

    // Streaming forever: reading stops after 512 bytes; the 200 counts.
    let endless = raw_merchant(true).await;
    let sandbox = start(config(&endless, 1)).await;
    let base = sandbox.base_url().to_owned();
    let test = async {
        let id = notification_id(&pay(&http, &base, "stream-1").await);
        until(&http, &base, id, |r| {
            !r["attempts"].as_array().unwrap().is_empty()
        })
        .await
    };
    let record = tokio::time::timeout(Duration::from_secs(20), test)
        .await
        .expect("an endless answer never hangs the delivery");
    let attempt = &record["attempts"][0];
    assert!(attempt["error"].is_null(), "{attempt:#}");
    assert_eq!(attempt["answer"], "y".repeat(ANSWER_BYTES));
    assert_eq!(record["delivered"], true);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_long_poll_answers_on_a_new_attempt_and_empty_when_its_wait_is_up() {
    let merchant = TestServer::start(|_| Reply::status(200, "text/plain", "OK")).await;
    let sandbox = start(config(&merchant.base_url, 1)).await;
    let base = sandbox.base_url().to_owned();
    let http = reqwest::Client::new();
    let id = notification_id(&pay(&http, &base, "poll-1").await);
    let record = until(&http, &base, id, |r| r["delivered"] == true).await;
    let seq = record["seq"].as_u64().unwrap();

    // Nothing changes: after its wait, an empty list.
    let (status, listed) = get(
        &http,
        format!("{base}/sandbox/notifications?after={seq}&wait=1"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(listed, json!([]));
    // Without `wait`, at once.
    let (_, listed) = get(&http, format!("{base}/sandbox/notifications?after={seq}")).await;
    assert_eq!(listed, json!([]));
    let (_, listed) = get(
        &http,
        format!("{base}/sandbox/notifications?after={}", seq - 1),
    )
    .await;
    assert_eq!(listed[0]["id"], id);

    // A waiting request returns when the resend's attempt happens.
    let poll = tokio::spawn({
        let (http, base) = (http.clone(), base.clone());
        async move {
            get(
                &http,
                format!("{base}/sandbox/notifications?after={seq}&wait=30"),
            )
            .await
        }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !poll.is_finished(),
        "the long-poll waits while nothing changes"
    );
    let resent = http
        .post(format!("{base}/sandbox/notifications/{id}/resend"))
        .send()
        .await
        .unwrap();
    assert_eq!(resent.status(), 202);
    let (status, changed) = tokio::time::timeout(Duration::from_secs(20), poll)
        .await
        .expect("the long-poll returned")
        .unwrap();
    assert_eq!(status, 200);
    assert_eq!(changed[0]["id"], id);
    assert!(changed[0]["seq"].as_u64().unwrap() > seq);

    // A bad query is a JSON 400.
    let (status, error) = get(&http, format!("{base}/sandbox/notifications?after=soon")).await;
    assert_eq!(status, 400);
    assert!(error["error"].is_string());
    sandbox.shutdown().await;
}

/// Waits until `count` long-polls are waiting in `sandbox` (their requests arrived).
async fn until_waiting(sandbox: &pasarela_sandbox::Sandbox, count: usize) {
    let arrived = async {
        while sandbox.long_polls_waiting() < count {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(20), arrived)
        .await
        .expect("the long-polls arrived");
}

#[tokio::test]
async fn many_long_polls_wake_on_one_change_and_end_when_the_sandbox_stops() {
    let merchant = TestServer::start(|_| Reply::status(200, "text/plain", "OK")).await;
    let sandbox = start(config(&merchant.base_url, 1)).await;
    let base = sandbox.base_url().to_owned();
    let http = reqwest::Client::new();
    let polls = |count: usize, after: u64| {
        (0..count)
            .map(|_| {
                let (http, base) = (http.clone(), base.clone());
                let url = format!("{base}/sandbox/notifications?after={after}&wait=30");
                tokio::spawn(async move { get(&http, url).await })
            })
            .collect::<Vec<_>>()
    };
    // 60 clients wait; one payment wakes them all.
    let waiting = polls(60, 0);
    until_waiting(&sandbox, 60).await;
    assert!(
        waiting.iter().all(|p| !p.is_finished()),
        "nothing to return yet"
    );
    let id = notification_id(&pay(&http, &base, "many-1").await);
    for poll in waiting {
        let (status, listed) = tokio::time::timeout(Duration::from_secs(20), poll)
            .await
            .expect("woken")
            .unwrap();
        assert_eq!(status, 200);
        assert_eq!(listed[0]["id"], id);
    }

    // Clients waiting for more when the sandbox stops get `[]` at once, not a cut connection
    // after the shutdown grace.
    let seq = until(&http, &base, id, |r| r["delivered"] == true).await["seq"]
        .as_u64()
        .unwrap();
    let waiting = polls(20, seq);
    until_waiting(&sandbox, 20).await;
    sandbox.shutdown().await;
    for poll in waiting {
        assert_eq!(poll.await.unwrap(), (200, json!([])));
    }
}

#[tokio::test]
async fn long_polls_beyond_the_waiting_slots_answer_at_once() {
    let sandbox = start(SandboxConfig::default()).await;
    let base = sandbox.base_url().to_owned();
    let http = reqwest::Client::new();
    let waiting: Vec<_> = (0..64)
        .map(|_| {
            let url = format!("{base}/sandbox/notifications?after=0&wait=30");
            let http = http.clone();
            tokio::spawn(async move { get(&http, url).await })
        })
        .collect();
    until_waiting(&sandbox, 64).await;
    // Every slot taken: one more does not wait its 30 s, and does not take a connection
    // for that long.
    let extra = get(
        &http,
        format!("{base}/sandbox/notifications?after=0&wait=30"),
    );
    let answer = tokio::time::timeout(Duration::from_secs(10), extra)
        .await
        .expect("answered without waiting");
    assert_eq!(answer, (200, json!([])));
    assert!(waiting.iter().all(|p| !p.is_finished()));
    sandbox.shutdown().await;
    for poll in waiting {
        assert_eq!(poll.await.unwrap(), (200, json!([])));
    }
}

#[tokio::test]
async fn unknown_notifications_are_404_in_json() {
    let sandbox = start(SandboxConfig::default()).await;
    let base = sandbox.base_url().to_owned();
    let http = reqwest::Client::new();
    for path in ["999", "999/body", "not-a-number"] {
        let (status, error) = get(&http, format!("{base}/sandbox/notifications/{path}")).await;
        assert_eq!(status, 404, "{path}");
        assert!(error["error"].is_string(), "{path}: {error}");
    }
    let response = http
        .post(format!("{base}/sandbox/notifications/999/resend"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_listing_filters_by_order_id() {
    let merchant = TestServer::start(|_| Reply::status(200, "text/plain", "OK")).await;
    let sandbox = start(config(&merchant.base_url, 1)).await;
    let base = sandbox.base_url().to_owned();
    let http = reqwest::Client::new();
    let a = notification_id(&pay(&http, &base, "order-a").await);
    let b = notification_id(&pay(&http, &base, "order-b").await);
    assert_ne!(a, b);
    let (_, listed) = get(
        &http,
        format!("{base}/sandbox/notifications?order_id=order-b"),
    )
    .await;
    let ids: Vec<u64> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [b]);
    assert!(
        listed[0]["subject"].as_str().is_some_and(|s| s.len() == 32),
        "{listed:#}"
    );
    let (_, all) = get(&http, format!("{base}/sandbox/notifications")).await;
    assert_eq!(all.as_array().unwrap().len(), 2);
    let (_, none) = get(&http, format!("{base}/sandbox/notifications?order_id=nope")).await;
    assert_eq!(none, json!([]));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn url_credentials_are_used_but_never_shown() {
    let merchant = TestServer::start(|_| Reply::status(200, "text/plain", "OK")).await;
    let host = merchant.base_url.trim_start_matches("http://");
    let target = format!("http://merchant:s3cret-pw@{host}/ipn");
    let sandbox = start(config(&target, 1)).await;
    let base = sandbox.base_url().to_owned();
    let http = reqwest::Client::new();
    let paid = pay(&http, &base, "creds-1").await;
    let id = notification_id(&paid);
    let record = until(&http, &base, id, |r| r["delivered"] == true).await;
    let resent = http
        .post(format!("{base}/sandbox/notifications/{id}/resend"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let record = until(&http, &base, id, |r| {
        r["attempts"].as_array().unwrap().len() == 2
    })
    .await
    .to_string()
        + &record.to_string();
    let listing = http
        .get(format!("{base}/sandbox/notifications"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for shown in [&paid.to_string(), &record, &resent, &listing] {
        assert!(!shown.contains("s3cret-pw"), "{shown}");
        assert!(shown.contains("***@"), "{shown}");
    }
    // The first sending and the resend both carried the credentials to the merchant.
    let received = merchant.requests();
    assert_eq!(received.len(), 2);
    for request in received {
        assert!(
            request
                .header("authorization")
                .is_some_and(|a| a.starts_with("Basic ")),
            "{request:?}"
        );
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn etpay_webhooks_are_recorded_with_their_order_and_session() {
    let merchant = TestServer::start(|_| Reply::status(200, "text/plain", "OK")).await;
    let sandbox = start(SandboxConfig {
        etpay_webhook_url: Some(format!("{}/webhook", merchant.base_url)),
        delivery: policy(1),
        ..SandboxConfig::default()
    })
    .await;
    let base = sandbox.base_url().to_owned();
    let http = reqwest::Client::new();
    let session: Value = http
        .post(format!("{base}/etpay/session/initialize"))
        .json(&json!({
            "merchant_code": pasarela_sandbox::defaults::ETPAY_MERCHANT_CODE,
            "merchant_api_token": pasarela_sandbox::defaults::ETPAY_API_TOKEN,
            "merchant_order_id": "oc-77", "order_amount": 5000,
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = session["token"].as_str().unwrap();
    let paid: Value = http
        .post(format!("{base}/sandbox/etpay/pay"))
        .json(&json!({"token": token, "outcome": "paid"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = paid["webhook"]["notification"]
        .as_u64()
        .unwrap_or_else(|| panic!("{paid:#}"));
    let record = until(&http, &base, id, |r| r["delivered"] == true).await;
    assert_eq!(record["kind"], "etpay-webhook");
    assert_eq!(record["order_id"], "oc-77");
    assert_eq!(record["subject"], token);
    assert_eq!(record["content_type"], "application/json");
    let body = http
        .get(format!("{base}/sandbox/notifications/{id}/body"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(body.as_ref(), merchant.requests()[0].body.as_slice());
    sandbox.shutdown().await;
}
