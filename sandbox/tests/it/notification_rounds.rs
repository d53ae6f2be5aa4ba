//! Rounds of delivery (`sandbox/src/delivery/`): a target pointing back at the sandbox fails
//! once instead of looping, a resend stops the round still retrying, and the waiting API
//! returns a notification again for a later state or a newer round (`notifications.rs`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::common::{call, control_pay, start};
use crate::support::{Reply, TestServer};
use pasarela_sandbox::{DeliveryPolicy, NotificationFilter, Sandbox, SandboxConfig};
use serde_json::{json, Value};

/// `attempts` attempts, `backoff` before the second.
fn policy(attempts: u32, backoff: Duration) -> DeliveryPolicy {
    DeliveryPolicy {
        attempts,
        first_backoff: backoff,
        attempt_timeout: Duration::from_secs(2),
    }
}

/// A merchant that answers 500 to its first request and 200 to the others.
async fn fails_once() -> TestServer {
    let count = Arc::new(AtomicUsize::new(0));
    TestServer::start(move |_| {
        if count.fetch_add(1, Ordering::SeqCst) == 0 {
            Reply::status(500, "text/plain", "no")
        } else {
            Reply::status(200, "text/plain", "OK")
        }
    })
    .await
}

/// Pays a new payment (with `extra` fields in CreatePayment); returns the notification id.
async fn pay(sandbox: &Sandbox, extra: Value) -> u64 {
    let (base, http) = (sandbox.base_url(), reqwest::Client::new());
    let mut request = json!({"amount": 100, "currency": "PEN", "orderId": "o"});
    if let (Some(request), Some(extra)) = (request.as_object_mut(), extra.as_object()) {
        request.extend(extra.clone());
    }
    let form = call(&http, base, "Charge/CreatePayment", request).await;
    let (_, paid) = control_pay(&http, base, form["formToken"].as_str().unwrap()).await;
    paid["ipn"]["notification"]
        .as_u64()
        .unwrap_or_else(|| panic!("{paid:#}"))
}

#[tokio::test]
async fn a_target_on_the_sandbox_itself_fails_instead_of_looping() {
    let sandbox = start(SandboxConfig {
        delivery: policy(2, Duration::from_millis(10)),
        ..SandboxConfig::default()
    })
    .await;
    let base = sandbox.base_url().to_owned();
    let notifications = sandbox.notifications();
    // The sandbox's own resend endpoint, by its own origin: refused before sending.
    let id = pay(
        &sandbox,
        json!({"ipnTargetUrl": format!("{base}/sandbox/notifications/1/resend")}),
    )
    .await;
    let record = notifications
        .wait_for(NotificationFilter::any().gave_up(), Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(record.id, id);
    assert_eq!(record.attempts.len(), 1, "{record:?}");
    assert_eq!(
        record.attempts[0].error.as_deref(),
        Some("the target is the sandbox itself")
    );

    // By another name (`localhost`): sent, refused with 508 by the marker header, retried
    // per the policy, and never a resend.
    let port = sandbox.addr().port();
    let second = pay(
        &sandbox,
        json!({"ipnTargetUrl": format!("http://localhost:{port}/sandbox/notifications/{id}/resend")}),
    )
    .await;
    let record = notifications
        .wait_for(NotificationFilter::any().gave_up(), Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(record.id, second);
    let statuses: Vec<_> = record.attempts.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [Some(508), Some(508)]);
    let first = notifications.get(id).unwrap();
    assert_eq!((first.round, first.attempts_total), (0, 1), "{first:?}");

    // Anyone sending the header is refused the same way.
    let response = reqwest::Client::new()
        .post(format!("{base}/sandbox/notifications/{id}/resend"))
        .header("Pasarela-Sandbox-Delivery", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 508);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_resend_during_a_retry_round_stops_that_round() {
    let merchant = fails_once().await;
    // The first round waits 1 s after its failed attempt before its second.
    let sandbox = start(SandboxConfig {
        lyra_notification_url: Some(format!("{}/ipn", merchant.base_url)),
        delivery: policy(2, Duration::from_millis(1000)),
        ..SandboxConfig::default()
    })
    .await;
    let notifications = sandbox.notifications();
    let id = pay(&sandbox, json!({})).await;
    let failed = notifications
        .wait_for(NotificationFilter::any(), Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(failed.attempts[0].status, Some(500));
    let round = notifications.resend(id).unwrap();
    assert_eq!(round, 1);
    let delivered = notifications
        .wait_for(
            NotificationFilter::any().round(round).delivered(),
            Duration::from_secs(5),
        )
        .await
        .unwrap();
    assert_eq!(delivered.attempts.len(), 2);
    // Past the old round's backoff: it never sent its second attempt.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(merchant.requests().len(), 2, "the old round stopped");
    let record = notifications.get(id).unwrap();
    assert_eq!(record.attempts_total, 2, "{record:?}");
    assert!(record.delivered);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_handle_waits_for_attempted_then_delivered_then_a_resends_delivery() {
    let merchant = fails_once().await;
    let sandbox = start(SandboxConfig {
        lyra_notification_url: Some(format!("{}/ipn", merchant.base_url)),
        delivery: policy(3, Duration::from_millis(100)),
        ..SandboxConfig::default()
    })
    .await;
    let notifications = sandbox.notifications();
    let to = NotificationFilter::to(&merchant.base_url);
    pay(&sandbox, json!({})).await;
    let first = notifications
        .wait_for(to.clone(), Duration::from_secs(5))
        .await
        .unwrap();
    // The same notification, once delivered (its second attempt).
    let delivered = notifications
        .wait_for(to.clone().delivered(), Duration::from_secs(5))
        .await
        .expect("attempted, then delivered, on the same handle");
    assert_eq!(delivered.id, first.id);
    assert!(delivered.delivered);
    // A resend: its own delivery on the same handle, not the earlier one.
    let round = notifications.resend(first.id).unwrap();
    let again = notifications
        .wait_for(to.clone().round(round).delivered(), Duration::from_secs(5))
        .await
        .expect("the resend's delivery");
    assert_eq!((again.id, again.round), (first.id, round));
    assert!(again
        .attempts
        .last()
        .is_some_and(|a| a.resend && a.round == round));
    assert_eq!(merchant.requests().len(), 3);
    // Each state of each round once: nothing more to return.
    assert!(notifications
        .wait_for(to.delivered(), Duration::from_millis(100))
        .await
        .is_err());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_resend_from_outside_any_runtime_runs_on_the_sandboxs() {
    let merchant = TestServer::start(|_| Reply::status(200, "text/plain", "OK")).await;
    let sandbox = start(SandboxConfig {
        lyra_notification_url: Some(format!("{}/ipn", merchant.base_url)),
        ..SandboxConfig::default()
    })
    .await;
    let notifications = sandbox.notifications();
    let id = pay(&sandbox, json!({})).await;
    notifications
        .wait_for(
            NotificationFilter::any().delivered(),
            Duration::from_secs(5),
        )
        .await
        .unwrap();
    let handle = notifications.clone();
    let resent = std::thread::spawn(move || handle.resend(id).is_ok())
        .join()
        .expect("no panic outside a runtime");
    assert!(resent);
    notifications
        .wait_for(
            NotificationFilter::any().round(1).delivered(),
            Duration::from_secs(5),
        )
        .await
        .unwrap();
    assert_eq!(merchant.requests().len(), 2);
    sandbox.shutdown().await;
}
