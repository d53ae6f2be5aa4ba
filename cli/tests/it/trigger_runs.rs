//! `pasarela trigger` against a sandbox that is not in its default state (issue 17 review):
//! other credentials (`--password`, `PASARELA_SANDBOX_PASSWORD`, the hint when the login is
//! refused) and an order id reused across runs (each run judged on its own transaction).

use std::net::SocketAddr;
use std::process::Output;

use axum::routing::post;
use axum::Router;
use pasarela::Secret;
use pasarela_sandbox::{Sandbox, SandboxConfig};

use crate::bin::pasarela;

async fn sandbox(config: SandboxConfig) -> Sandbox {
    let config = SandboxConfig {
        verbose: false,
        ..config
    };
    Sandbox::start(config, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap()
}

/// A merchant endpoint that accepts every notification.
async fn merchant() -> String {
    let router = Router::new().fallback(post(|| async { "OK" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/ipn", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    base
}

/// Runs the binary off the async workers (the sandbox runs on them).
async fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        pasarela(&args, &env, None)
    })
    .await
    .unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trigger_logs_in_with_the_sandboxs_other_credentials_and_hints_when_refused() {
    let password = "testpassword_OtherSandboxPassword42";
    let token = "other-etpay-api-token-42";
    let sandbox = sandbox(SandboxConfig {
        password: Secret::new(password),
        etpay_api_token: Secret::new(token),
        ..SandboxConfig::default()
    })
    .await;
    let base = sandbox.base_url().to_owned();
    let lyra = ["trigger", "lyra", "paid", "--sandbox", base.as_str()];
    let etpay = ["trigger", "etpay", "paid", "--sandbox", base.as_str()];

    let with_flag = run(&[&lyra[..], &["--password", password]].concat(), &[]).await;
    assert!(with_flag.status.success(), "{}", text(&with_flag));
    let with_env = run(&lyra, &[("PASARELA_SANDBOX_PASSWORD", password)]).await;
    assert!(with_env.status.success(), "{}", text(&with_env));
    let etpay_flag = run(&[&etpay[..], &["--etpay-api-token", token]].concat(), &[]).await;
    assert!(etpay_flag.status.success(), "{}", text(&etpay_flag));

    for refused in [run(&lyra, &[]).await, run(&etpay, &[]).await] {
        let shown = text(&refused);
        assert!(!refused.status.success(), "{shown}");
        assert!(
            shown.contains("does the sandbox use other credentials? pass --password / PASARELA_SANDBOX_PASSWORD"),
            "{shown}"
        );
    }
    for output in [with_flag, with_env, etpay_flag] {
        let shown = text(&output);
        assert!(
            !shown.contains(password) && !shown.contains(token),
            "{shown}"
        );
        assert!(
            !shown.contains("4970100000000009"),
            "a whole card number: {shown}"
        );
    }
    sandbox.shutdown().await;
}

/// How many notifications the run's delivery report lists (`  #12 lyra-ipn to …`).
fn reported(output: &Output) -> usize {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| l.starts_with("  #"))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_run_twice_with_the_same_order_id_is_judged_on_its_own_run() {
    let sandbox = sandbox(SandboxConfig::default()).await;
    let notify = merchant().await;
    let base = sandbox.base_url().to_owned();
    let cases = [
        ("lyra", "paid", 1),
        ("lyra", "refused", 1),
        ("lyra", "authorised", 1),
        ("lyra", "to-validate", 1),
        ("lyra", "refunded", 2),
        ("etpay", "paid", 1),
        ("etpay", "rejected", 1),
        ("etpay", "system-error", 0),
    ];
    for (gateway, scenario, notifications) in cases {
        let order_id = format!("again{gateway}{}", scenario.replace('-', ""));
        for round in 1..=2 {
            let output = run(
                &[
                    "trigger",
                    gateway,
                    scenario,
                    "--sandbox",
                    &base,
                    "--notify",
                    &notify,
                    "--order-id",
                    &order_id,
                ],
                &[],
            )
            .await;
            let shown = text(&output);
            assert!(
                output.status.success(),
                "{gateway} {scenario} run {round}: {shown}"
            );
            assert_eq!(
                reported(&output),
                notifications,
                "{gateway} {scenario} run {round}: {shown}"
            );
        }
    }
    sandbox.shutdown().await;
}

/// A stand-in for a sandbox whose Lyra API answers every call with an ERROR envelope whose
/// messages carry terminal escape sequences.
async fn hostile_server() -> String {
    use axum::routing::get;
    let envelope = serde_json::json!({
        "webService": "Charge/CreatePayment", "version": "V4", "status": "ERROR",
        "answer": {"errorCode": "INT_999", "errorMessage": "bad\u{1b}[31mred\u{1b}]0;title\u{7}",
                   "detailedErrorCode": null, "detailedErrorMessage": "more\u{1b}[2Jcleared",
                   "ticket": null, "shopId": "1", "_type": "V4/WebService/WebServiceError"},
        "_type": "V4/WebService/Response"
    });
    let router = Router::new()
        .route(
            "/sandbox/notifications",
            get(|| async { axum::Json(serde_json::json!([])) }),
        )
        .fallback(post(move || {
            let envelope = envelope.clone();
            async move { axum::Json(envelope) }
        }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    base
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_servers_error_message_reaches_the_terminal_without_escape_sequences() {
    let base = hostile_server().await;
    let output = run(&["trigger", "lyra", "paid", "--sandbox", &base], &[]).await;
    let shown = text(&output);
    assert_eq!(output.status.code(), Some(2), "{shown}");
    assert!(shown.contains("INT_999"), "{shown}");
    assert!(
        !shown.contains('\u{1b}') && !shown.contains('\u{7}'),
        "{shown:?}"
    );
}
