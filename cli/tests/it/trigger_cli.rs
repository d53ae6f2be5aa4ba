//! `pasarela trigger` and `pasarela notifications [--follow]` against a sandbox started in
//! this process and a tiny merchant endpoint that fails its first answer (500) and then
//! accepts (200). Every scenario's end state is read back from the sandbox itself (Order/Get,
//! check_payment_status, the notification listing), never from what the command printed.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use pasarela::etpay::{EtpayClient, EtpayConfig, PaymentQuery};
use pasarela::lyra::{types, LyraClient, LyraConfig};
use pasarela::Secret;
use pasarela_sandbox::{defaults, Sandbox, SandboxConfig};
use serde_json::Value;

use crate::bin::pasarela;

/// A sandbox on a free port.
async fn sandbox() -> Sandbox {
    Sandbox::start(
        SandboxConfig {
            verbose: false,
            ..SandboxConfig::default()
        },
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await
    .unwrap()
}

/// A merchant endpoint at `{base}/ipn` (any path answers): the first request gets 500, every
/// later one 200. The count of requests it received.
async fn flaky_merchant() -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let router = Router::new().fallback(post(move || {
        let counter = counter.clone();
        async move {
            if counter.fetch_add(1, Ordering::SeqCst) == 0 {
                (StatusCode::INTERNAL_SERVER_ERROR, "merchant down")
            } else {
                (StatusCode::OK, "OK")
            }
        }
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (base, hits)
}

/// Runs the binary off the async workers (the sandbox and merchant run on them).
async fn run(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        pasarela(&args, &[], None)
    })
    .await
    .unwrap()
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn all_output(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The sandbox's records about `order_id`, from `GET /sandbox/notifications?order_id=`.
async fn records_of(sandbox: &Sandbox, order_id: &str) -> Vec<Value> {
    let url = format!(
        "{}/sandbox/notifications?order_id={order_id}",
        sandbox.base_url()
    );
    let all: Vec<Value> = reqwest::get(url).await.unwrap().json().await.unwrap();
    all.into_iter()
        .filter(|r| r["order_id"] == order_id)
        .collect()
}

/// Waits (bounded) until every record about `order_id` is delivered; the records.
async fn delivered(sandbox: &Sandbox, order_id: &str, count: usize) -> Vec<Value> {
    for _ in 0..200 {
        let records = records_of(sandbox, order_id).await;
        if records.len() == count && records.iter().all(|r| r["delivered"] == true) {
            return records;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("not delivered: {:?}", records_of(sandbox, order_id).await);
}

fn lyra_client(sandbox: &Sandbox) -> LyraClient {
    LyraClient::new(&LyraConfig::new(
        defaults::SHOP_ID,
        defaults::PASSWORD,
        sandbox.base_url(),
    ))
    .unwrap()
}

/// `(operationType, status, detailedStatus, amount)` of every transaction of the order.
async fn order_state(sandbox: &Sandbox, order_id: &str) -> Vec<(String, String, String, i64)> {
    let order = lyra_client(sandbox)
        .get_order(types::OrderGetRequest {
            order_id: order_id.to_owned().try_into().unwrap(),
            operation_type: None,
        })
        .await
        .unwrap();
    let mut txs: Vec<_> = order
        .transactions
        .unwrap_or_default()
        .into_iter()
        .map(|tx| {
            (
                tx.operation_type.map(|t| t.to_string()).unwrap_or_default(),
                tx.status.map(|t| t.to_string()).unwrap_or_default(),
                tx.detailed_status
                    .map(|t| t.to_string())
                    .unwrap_or_default(),
                tx.amount.unwrap_or(0),
            )
        })
        .collect();
    txs.sort();
    txs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trigger_lyra_paid_prints_the_order_and_each_delivery() {
    let sandbox = sandbox().await;
    let (merchant, hits) = flaky_merchant().await;
    // Credentials in the URL never print.
    let notify = merchant.replace("http://", "http://shop:n0tify-s3cret@") + "/ipn";
    let output = run(args(&[
        "trigger",
        "lyra",
        "paid",
        "--sandbox",
        sandbox.base_url(),
        "--notify",
        &notify,
    ]))
    .await;
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{}", all_output(&output));
    assert!(!all_output(&output).contains("n0tify-s3cret"), "{text}");
    let order_id = text
        .lines()
        .find_map(|l| l.strip_prefix("order id "))
        .expect("the order id is printed")
        .to_owned();
    // What the sandbox did, read back from it.
    assert_eq!(
        order_state(&sandbox, &order_id).await,
        [("DEBIT".into(), "PAID".into(), "CAPTURED".into(), 10_000)]
    );
    let records = records_of(&sandbox, &order_id).await;
    assert_eq!(records.len(), 1, "{records:?}");
    let id = records[0]["id"].as_u64().unwrap();
    assert_eq!(records[0]["attempts"][0]["status"], 500);
    // The output names the notification and its first attempt's answer.
    assert!(
        text.contains(&format!("#{id} lyra-ipn to http://***@")),
        "{text}"
    );
    assert!(text.contains("attempt 1: HTTP 500"), "{text}");
    assert!(text.contains("(not received)"), "{text}");
    // The retry reaches the merchant after the command ended.
    delivered(&sandbox, &order_id, 1).await;
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_lyra_scenario_ends_in_its_state() {
    let sandbox = sandbox().await;
    let (merchant, _) = flaky_merchant().await;
    let notify = format!("{merchant}/ipn");
    let debit = |status: &str, detailed: &str| {
        (
            "DEBIT".to_owned(),
            status.to_owned(),
            detailed.to_owned(),
            10_000,
        )
    };
    let cases = [
        ("paid", vec![debit("PAID", "CAPTURED")], 1),
        ("refused", vec![debit("UNPAID", "REFUSED")], 1),
        ("authorised", vec![debit("PAID", "AUTHORISED")], 1),
        (
            "to-validate",
            vec![debit("RUNNING", "AUTHORISED_TO_VALIDATE")],
            1,
        ),
        (
            "refunded",
            vec![
                (
                    "CREDIT".to_owned(),
                    "PAID".to_owned(),
                    "CAPTURED".to_owned(),
                    10_000,
                ),
                debit("PAID", "CAPTURED"),
            ],
            2,
        ),
    ];
    for (scenario, expected, notifications) in cases {
        let order_id = format!("lyra{}", scenario.replace('-', ""));
        let output = run(args(&[
            "trigger",
            "lyra",
            scenario,
            "--sandbox",
            sandbox.base_url(),
            "--notify",
            &notify,
            "--order-id",
            &order_id,
        ]))
        .await;
        assert_eq!(
            output.status.code(),
            Some(0),
            "{scenario}: {}",
            all_output(&output)
        );
        assert_eq!(
            order_state(&sandbox, &order_id).await,
            expected,
            "{scenario}"
        );
        // Each notification of the order had its first attempt before the command ended.
        let records = records_of(&sandbox, &order_id).await;
        assert_eq!(records.len(), notifications, "{scenario}: {records:?}");
        for record in &records {
            let id = record["id"].as_u64().unwrap();
            assert!(
                !record["attempts"].as_array().unwrap().is_empty(),
                "{scenario}: {record}"
            );
            assert!(
                stdout(&output).contains(&format!("#{id} lyra-ipn")),
                "{scenario}"
            );
        }
        assert!(!stdout(&output).contains("no attempt yet"), "{scenario}");
    }
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_etpay_scenario_ends_in_its_state() {
    let sandbox = sandbox().await;
    let (merchant, _) = flaky_merchant().await;
    let notify = format!("{merchant}/etpay/webhook");
    let client = EtpayClient::new(
        EtpayConfig::new(
            &sandbox.etpay_api_url(),
            &sandbox.etpay_pmt_url(),
            defaults::ETPAY_MERCHANT_CODE,
            Secret::new(defaults::ETPAY_API_TOKEN),
        )
        .unwrap(),
    )
    .unwrap();
    // (scenario, payments recorded, paid ones, webhooks)
    let cases = [
        ("paid", 1, 1, 1),
        ("rejected", 1, 0, 1),
        ("system-error", 0, 0, 0),
    ];
    for (scenario, payments, paid, webhooks) in cases {
        let order_id = format!("etpay{}", scenario.replace('-', ""));
        let output = run(args(&[
            "trigger",
            "etpay",
            scenario,
            "--sandbox",
            sandbox.base_url(),
            "--notify",
            &notify,
            "--order-id",
            &order_id,
        ]))
        .await;
        assert_eq!(
            output.status.code(),
            Some(0),
            "{scenario}: {}",
            all_output(&output)
        );
        let found = client
            .check_payment_status(&PaymentQuery::MerchantOrderId(order_id.clone()))
            .await
            .unwrap();
        assert_eq!(found.len(), payments, "{scenario}");
        assert_eq!(
            found.iter().filter(|c| c.is_paid()).count(),
            paid,
            "{scenario}"
        );
        let records = records_of(&sandbox, &order_id).await;
        assert_eq!(records.len(), webhooks, "{scenario}: {records:?}");
        for record in &records {
            assert_eq!(record["kind"], "etpay-webhook");
            assert!(!record["attempts"].as_array().unwrap().is_empty());
        }
    }
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_sandbox_is_a_clear_error() {
    // A port nothing listens on any more.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let url = format!("http://admin:sb-s3cret@{closed}");
    for command in [
        args(&["trigger", "lyra", "paid", "--sandbox", &url]),
        args(&["trigger", "etpay", "rejected", "--sandbox", &url]),
        args(&["notifications", "--sandbox", &url]),
        args(&["resend", "1", "--sandbox", &url]),
    ] {
        let output = run(command.clone()).await;
        let text = all_output(&output);
        assert_eq!(output.status.code(), Some(2), "{command:?}: {text}");
        assert!(
            text.contains(&format!(
                "is `pasarela sandbox` running at http://***@{closed}?"
            )),
            "{command:?}: {text}"
        );
        assert!(!text.contains("sb-s3cret"), "{text}");
        assert!(!text.contains("panicked"), "{text}");
    }
}

#[test]
fn an_unknown_scenario_is_a_usage_error() {
    let output = pasarela(&["trigger", "lyra", "captured-twice"], &[], None);
    assert_eq!(output.status.code(), Some(2));
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(
        text.contains("possible values: paid, refused, authorised, to-validate, refunded"),
        "{text}"
    );
    let output = pasarela(&["trigger", "etpay", "refunded"], &[], None);
    assert_eq!(output.status.code(), Some(2));
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(
        text.contains("possible values: paid, rejected, system-error"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_lists_every_attempt() {
    let sandbox = sandbox().await;
    let (merchant, _) = flaky_merchant().await;
    let notify = format!("{merchant}/ipn");
    let order_id = "listedorder1";
    let output = run(args(&[
        "trigger",
        "lyra",
        "refused",
        "--sandbox",
        sandbox.base_url(),
        "--notify",
        &notify,
        "--order-id",
        order_id,
    ]))
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", all_output(&output));
    let records = delivered(&sandbox, order_id, 1).await;
    let id = records[0]["id"].as_u64().unwrap();

    let output = run(args(&[
        "notifications",
        "--sandbox",
        sandbox.base_url(),
        "--order-id",
        order_id,
    ]))
    .await;
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{}", all_output(&output));
    let header = text
        .lines()
        .find(|l| l.starts_with(&format!("#{id} ")))
        .unwrap_or_else(|| panic!("no row for #{id}: {text}"));
    assert!(header.contains("lyra-ipn"), "{header}");
    assert!(header.contains(order_id), "{header}");
    assert!(header.contains(&notify), "{header}");
    assert!(header.contains("[delivered, 2 attempt(s)]"), "{header}");
    assert!(text.contains(&format!("#{id} attempt 1 at ")), "{text}");
    assert!(text.contains("HTTP 500"), "{text}");
    assert!(
        text.contains("answered \"merchant down\" (not received)"),
        "{text}"
    );
    assert!(text.contains("HTTP 200"), "{text}");
    assert!(text.contains("answered \"OK\" (received)"), "{text}");

    // --json: the sandbox's records, one per line.
    let output = run(args(&[
        "notifications",
        "--sandbox",
        sandbox.base_url(),
        "--order-id",
        order_id,
        "--json",
    ]))
    .await;
    let lines: Vec<Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["id"], id);
    assert_eq!(lines[0]["attempts"].as_array().unwrap().len(), 2);
    sandbox.shutdown().await;
}

/// A child process killed (and reaped) when the test ends, a failing one included.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_prints_attempts_made_after_it_started() {
    let sandbox = sandbox().await;
    let (merchant, _) = flaky_merchant().await;
    let mut child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_pasarela"))
            .args(["notifications", "--follow", "--sandbox", sandbox.base_url()])
            .env_remove("PASARELA_SANDBOX_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let (lines_tx, lines) = mpsc::channel::<String>();
    let out = child.0.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let next_line_with = |needle: &str| -> Option<String> {
        // Bounded: a generous limit, never a timing assertion.
        while let Ok(line) = lines.recv_timeout(Duration::from_secs(30)) {
            if line.contains(needle) {
                return Some(line);
            }
        }
        None
    };
    assert!(next_line_with("following new notifications").is_some());

    // A payment made after `--follow` started: its IPN fails once, then is delivered.
    let order_id = "followedorder1";
    let output = run(args(&[
        "trigger",
        "lyra",
        "paid",
        "--sandbox",
        sandbox.base_url(),
        "--notify",
        &format!("{merchant}/ipn"),
        "--order-id",
        order_id,
    ]))
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", all_output(&output));
    let header = next_line_with(order_id).expect("new record");
    let id = header
        .strip_prefix('#')
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap()
        .to_owned();
    let second =
        next_line_with(&format!("#{id} attempt 2 ")).expect("the retry is printed as it happens");
    assert!(second.contains("HTTP 200"), "{second}");
    drop(child);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resend_sends_the_notification_again_and_prints_the_attempt() {
    let sandbox = sandbox().await;
    let (merchant, hits) = flaky_merchant().await;
    let order_id = "resentorder1";
    let output = run(args(&[
        "trigger",
        "etpay",
        "paid",
        "--sandbox",
        sandbox.base_url(),
        "--notify",
        &format!("{merchant}/etpay/webhook"),
        "--order-id",
        order_id,
    ]))
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", all_output(&output));
    let id = delivered(&sandbox, order_id, 1).await[0]["id"]
        .as_u64()
        .unwrap()
        .to_string();

    let output = run(args(&["resend", &id, "--sandbox", sandbox.base_url()])).await;
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{}", all_output(&output));
    assert!(
        text.contains(&format!("resending notification #{id} (etpay-webhook)")),
        "{text}"
    );
    assert!(text.contains("attempt 3: HTTP 200"), "{text}");
    assert!(text.contains("[resend]"), "{text}");
    // The sandbox made the third attempt, marked as a resend, and the merchant received it.
    let record = &records_of(&sandbox, order_id).await[0];
    let attempts = record["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 3, "{record}");
    assert_eq!(attempts[2]["resend"], true);
    assert_eq!(hits.load(Ordering::SeqCst), 3);

    // An unknown id: a clear error, exit 2.
    let output = run(args(&["resend", "999999", "--sandbox", sandbox.base_url()])).await;
    let text = all_output(&output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(text.contains("no notification #999999 at"), "{text}");
    sandbox.shutdown().await;
}

/// A merchant that answers its first request 200 at once and every later one 200 after
/// `delay`: an IPN sent in the background (the refund's) has no attempt for that long.
async fn slow_after_first_merchant(delay: Duration) -> String {
    let hits = Arc::new(AtomicUsize::new(0));
    let router = Router::new().fallback(post(move || {
        let hits = hits.clone();
        async move {
            if hits.fetch_add(1, Ordering::SeqCst) > 0 {
                tokio::time::sleep(delay).await;
            }
            (StatusCode::OK, "OK")
        }
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    base
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trigger_waits_for_the_first_attempt_of_a_background_notification() {
    let sandbox = sandbox().await;
    let merchant = slow_after_first_merchant(Duration::from_millis(1500)).await;
    let output = run(args(&[
        "trigger",
        "lyra",
        "refunded",
        "--sandbox",
        sandbox.base_url(),
        "--notify",
        &format!("{merchant}/ipn"),
        "--order-id",
        "slowrefund1",
    ]))
    .await;
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{}", all_output(&output));
    // The payment's IPN and the refund's: both with their first attempt's answer.
    let records = records_of(&sandbox, "slowrefund1").await;
    assert_eq!(records.len(), 2, "{records:?}");
    assert_eq!(text.matches("attempt 1: HTTP 200").count(), 2, "{text}");
    assert!(!text.contains("no attempt yet"), "{text}");
    sandbox.shutdown().await;
}

/// `pasarela notifications --follow` on `url`, its stdout lines on a channel.
fn follow_child(url: &str) -> (KillOnDrop, mpsc::Receiver<String>) {
    let mut child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_pasarela"))
            .args(["notifications", "--follow", "--sandbox", url])
            .env_remove("PASARELA_SANDBOX_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let (lines_tx, lines) = mpsc::channel::<String>();
    let out = child.0.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, lines)
}

/// The next line containing `needle` (bounded by a generous limit, never a timing assertion).
fn next_line_with(lines: &mpsc::Receiver<String>, needle: &str) -> Option<String> {
    while let Ok(line) = lines.recv_timeout(Duration::from_secs(30)) {
        if line.contains(needle) {
            return Some(line);
        }
    }
    None
}

/// Pays a Lyra payment for `order_id` whose IPN goes to `merchant`.
async fn trigger_paid(sandbox: &Sandbox, merchant: &str, order_id: &str) {
    let output = run(args(&[
        "trigger",
        "lyra",
        "paid",
        "--sandbox",
        sandbox.base_url(),
        "--notify",
        &format!("{merchant}/ipn"),
        "--order-id",
        order_id,
    ]))
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", all_output(&output));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_keeps_following_a_sandbox_that_restarted() {
    let first = sandbox().await;
    let addr = first.addr();
    let (merchant, _) = flaky_merchant().await;
    let (_child, lines) = follow_child(first.base_url());
    assert!(next_line_with(&lines, "following new notifications").is_some());
    // Three changes (the record, a failed attempt, the retry) on the first sandbox…
    trigger_paid(&first, &merchant, "beforerestart1").await;
    assert!(next_line_with(&lines, "attempt 2 ").is_some());
    first.shutdown().await;
    // …then a new sandbox on the same address: its `seq` starts again from 0.
    let second = Sandbox::start(SandboxConfig::default(), addr)
        .await
        .unwrap();
    trigger_paid(&second, &merchant, "afterrestart1").await;
    assert!(next_line_with(&lines, "the sandbox restarted").is_some());
    let header = next_line_with(&lines, "afterrestart1").expect("the new sandbox's notification");
    assert!(header.starts_with("#1 "), "{header}");
    second.shutdown().await;
}
