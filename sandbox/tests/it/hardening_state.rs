//! Issue 16, the sandbox's state: a formToken is paid at most once however many pays race, a
//! formToken superseded by `Charge/UpdatePaymentAmount` is refused, a multi-uuid capture is
//! all-or-nothing, oversized free-form objects are refused rather than stored, and delivery
//! never follows a redirect (a 3xx counts as received, as Lyra documents).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use pasarela_sandbox::{DeliveryPolicy, SandboxConfig};
use serde_json::{json, Value};

use crate::common::{call, control_pay, envelope, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_pays_of_one_form_token_make_exactly_one_transaction() {
    let sandbox = start(SandboxConfig::default()).await;
    let base = sandbox.base_url().to_owned();
    let http = reqwest::Client::new();
    const TOKENS: usize = 150;
    const RACERS: usize = 12;
    for n in 0..TOKENS {
        let order_id = format!("race-{n}");
        let form = call(
            &http,
            &base,
            "Charge/CreatePayment",
            json!({"amount": 1000, "currency": "PEN", "orderId": order_id}),
        )
        .await;
        let form_token = form["formToken"].as_str().unwrap().to_owned();
        let racers: Vec<_> = (0..RACERS)
            .map(|_| {
                let (http, base, form_token) = (http.clone(), base.clone(), form_token.clone());
                tokio::spawn(async move { control_pay(&http, &base, &form_token).await.0 })
            })
            .collect();
        let mut paid = 0;
        for racer in racers {
            let status = racer.await.unwrap();
            assert!(status == 200 || status == 409, "status {status}");
            paid += usize::from(status == 200);
        }
        let order = call(&http, &base, "Order/Get", json!({"orderId": order_id})).await;
        let transactions = order["transactions"].as_array().unwrap().len();
        assert_eq!(
            (paid, transactions),
            (1, 1),
            "formToken {n}: {paid} pays succeeded, {transactions} transactions recorded"
        );
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_form_token_superseded_by_update_payment_amount_is_refused() {
    let sandbox = start(SandboxConfig::default()).await;
    let base = sandbox.base_url().to_owned();
    let http = reqwest::Client::new();
    let form = call(
        &http,
        &base,
        "Charge/CreatePayment",
        json!({"amount": 5000, "currency": "PEN", "orderId": "supersede-1"}),
    )
    .await;
    let old = form["formToken"].as_str().unwrap().to_owned();
    let updated = call(
        &http,
        &base,
        "Charge/UpdatePaymentAmount",
        json!({"formToken": old, "updatedAmount": "4000", "cardBin": "497010"}),
    )
    .await;
    let new = updated["formToken"].as_str().unwrap().to_owned();
    assert_ne!(old, new);

    let (status, answer) = control_pay(&http, &base, &old).await;
    assert_eq!(status, 404, "the old formToken is refused: {answer:#}");
    let page = http
        .get(format!("{base}/sandbox/lyra/form/{old}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 404);
    // Updating the superseded formToken again is refused too (INT_903).
    let again = envelope(
        &http,
        &base,
        "Charge/UpdatePaymentAmount",
        json!({"formToken": old, "updatedAmount": "3000", "cardBin": "497010"}),
    )
    .await;
    assert_eq!(again["answer"]["errorCode"], "INT_903", "{again:#}");

    let (status, answer) = control_pay(&http, &base, &new).await;
    assert_eq!(status, 200, "{answer:#}");
    let order = call(&http, &base, "Order/Get", json!({"orderId": "supersede-1"})).await;
    let transactions = order["transactions"].as_array().unwrap();
    assert_eq!(transactions.len(), 1, "{order:#}");
    assert_eq!(transactions[0]["amount"], 4000);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_capture_with_one_unknown_uuid_captures_nothing() {
    let sandbox = start(SandboxConfig::default()).await;
    let base = sandbox.base_url().to_owned();
    let http = reqwest::Client::new();
    let form = call(
        &http,
        &base,
        "Charge/CreatePayment",
        json!({"amount": 1200, "currency": "PEN", "orderId": "capture-1"}),
    )
    .await;
    let (status, _) = control_pay(&http, &base, form["formToken"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    let order = call(&http, &base, "Order/Get", json!({"orderId": "capture-1"})).await;
    let uuid = order["transactions"][0]["uuid"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(order["transactions"][0]["detailedStatus"], "AUTHORISED");

    let unknown = "0".repeat(32);
    for uuids in [json!([uuid, unknown]), json!([unknown, uuid])] {
        let answer = envelope(&http, &base, "Transaction/Capture", json!({"uuids": uuids})).await;
        assert_eq!(answer["status"], "ERROR");
        assert_eq!(answer["answer"]["errorCode"], "PSP_010", "{answer:#}");
        let tx = call(&http, &base, "Transaction/Get", json!({"uuid": uuid})).await;
        assert_eq!(
            tx["detailedStatus"], "AUTHORISED",
            "nothing is captured when one uuid is unknown ({uuids})"
        );
    }
    let captured = call(
        &http,
        &base,
        "Transaction/Capture",
        json!({"uuids": [uuid]}),
    )
    .await;
    assert_eq!(captured["detailedStatus"], "CAPTURED");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_oversized_customer_or_metadata_is_refused_instead_of_stored() {
    let sandbox = start(SandboxConfig::default()).await;
    let base = sandbox.base_url().to_owned();
    let http = reqwest::Client::new();
    let big = "x".repeat(512 * 1024);
    for body in [
        json!({"amount": 990, "currency": "PEN", "metadata": {"cart": big}}),
        json!({"amount": 990, "currency": "PEN", "customer": {"email": "a@example.com", "reference": big}}),
    ] {
        let answer = envelope(&http, &base, "Charge/CreatePayment", body).await;
        assert_eq!(answer["status"], "ERROR", "a 512 KiB object is not kept");
        assert_eq!(
            answer["answer"]["errorCode"], "INT_902",
            "{:#}",
            answer["answer"]
        );
    }
    // Normal sizes still pass.
    call(
        &http,
        &base,
        "Charge/CreatePayment",
        json!({"amount": 990, "currency": "PEN", "metadata": {"cart": "x".repeat(1000)}}),
    )
    .await;
    sandbox.shutdown().await;
}

/// What a receiver got: (path, method) of each request.
type Seen = Arc<Mutex<Vec<(String, String)>>>;

/// A merchant endpoint on loopback that records every request and answers `status` with a
/// `Location` pointing at `location`.
async fn redirecting_receiver(status: u16, location: String) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let recorded = seen.clone();
    let app = axum::Router::new().fallback(move |request: axum::extract::Request| {
        let recorded = recorded.clone();
        let location = location.clone();
        async move {
            recorded.lock().unwrap().push((
                request.uri().path().to_owned(),
                request.method().to_string(),
            ));
            (
                StatusCode::from_u16(status).unwrap(),
                [(header::LOCATION, location)],
                "moved",
            )
                .into_response()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, seen)
}

#[tokio::test]
async fn delivery_never_follows_a_redirect_and_counts_a_3xx_as_received() {
    for status in [307u16, 302, 308, 301] {
        // The second receiver must never get the IPN.
        let (elsewhere, elsewhere_seen) = redirecting_receiver(200, String::new()).await;
        let (merchant, merchant_seen) =
            redirecting_receiver(status, format!("{elsewhere}/stolen")).await;
        let config = SandboxConfig {
            lyra_notification_url: Some(format!("{merchant}/ipn")),
            delivery: DeliveryPolicy {
                attempts: 3,
                first_backoff: Duration::from_millis(10),
                attempt_timeout: Duration::from_secs(5),
            },
            ..SandboxConfig::default()
        };
        let sandbox = start(config).await;
        let base = sandbox.base_url().to_owned();
        let http = reqwest::Client::new();
        let form = call(
            &http,
            &base,
            "Charge/CreatePayment",
            json!({"amount": 700, "currency": "PEN", "orderId": format!("redirect-{status}")}),
        )
        .await;
        let (code, paid) = control_pay(&http, &base, form["formToken"].as_str().unwrap()).await;
        assert_eq!(code, 200);
        assert_eq!(paid["ipn"]["status"], status, "{paid:#}");
        let list: Vec<Value> = http
            .get(format!("{base}/sandbox/notifications"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let record = &list[0];
        assert_eq!(
            record["delivered"], true,
            "{status} counts as received: {record:#}"
        );
        assert_eq!(
            record["attempts"].as_array().unwrap().len(),
            1,
            "{record:#}"
        );
        assert_eq!(record["attempts"][0]["status"], status);
        assert_eq!(
            *merchant_seen.lock().unwrap(),
            vec![("/ipn".to_owned(), "POST".to_owned())]
        );
        assert!(
            elsewhere_seen.lock().unwrap().is_empty(),
            "{status}: the redirect was followed: {:?}",
            elsewhere_seen.lock().unwrap()
        );
        sandbox.shutdown().await;
    }
}

#[tokio::test]
async fn a_3xx_that_lyra_does_not_list_is_a_failed_attempt() {
    let (merchant, merchant_seen) = redirecting_receiver(300, "http://127.0.0.1:9/".into()).await;
    let config = SandboxConfig {
        lyra_notification_url: Some(merchant),
        delivery: DeliveryPolicy {
            attempts: 2,
            first_backoff: Duration::from_millis(10),
            attempt_timeout: Duration::from_secs(5),
        },
        ..SandboxConfig::default()
    };
    let sandbox = start(config).await;
    let base = sandbox.base_url().to_owned();
    let http = reqwest::Client::new();
    let form = call(
        &http,
        &base,
        "Charge/CreatePayment",
        json!({"amount": 700, "currency": "PEN"}),
    )
    .await;
    control_pay(&http, &base, form["formToken"].as_str().unwrap()).await;
    let mut record = Value::Null;
    for _ in 0..200 {
        let list: Vec<Value> = http
            .get(format!("{base}/sandbox/notifications"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        record = list[0].clone();
        if record["gave_up"] == true {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(record["gave_up"], true, "{record:#}");
    assert_eq!(record["delivered"], false);
    assert_eq!(merchant_seen.lock().unwrap().len(), 2);
    sandbox.shutdown().await;
}
