//! `pasarela contract check` on the documented fixtures (conforming) and on doctored copies
//! (undeclared field, unknown enum value, wrong type, missing field), and `pasarela contract
//! live` against an in-process sandbox, directly and through a proxy that doctors one answer.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;

use pasarela_sandbox::{defaults, Sandbox, SandboxConfig};
use serde_json::{json, Value};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

use crate::bin::pasarela;

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn fixtures(folder: &str) -> Vec<PathBuf> {
    let dir = Path::new(ROOT).join("tests/fixtures").join(folder);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {folder}");
    files
}

fn fixture(path: &str) -> Value {
    let text = std::fs::read_to_string(Path::new(ROOT).join("tests/fixtures").join(path)).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn documented_answers_conform_and_their_kind_is_detected() {
    let mut files = Vec::new();
    for folder in [
        "lyra/WebServiceResponse",
        "lyra/Payment",
        "etpay/PaymentClaims",
        "etpay/SystemErrorClaims",
        "etpay/SessionInitializeResponse",
        "etpay/CheckPaymentStatusResponse",
    ] {
        files.extend(fixtures(folder));
    }
    let ipn = Path::new(ROOT).join("tests/data/lyra/ipn_paid.body");
    files.push(ipn);
    let args: Vec<String> = ["contract".to_owned(), "check".to_owned()]
        .into_iter()
        .chain(files.iter().map(|f| f.display().to_string()))
        .collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = pasarela(&args, &[], None);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
    assert_eq!(all.matches(": conforms").count(), files.len(), "{all}");
    assert!(
        all.contains("lyra-notification (kr-answer Payment of lyra-v4)"),
        "{all}"
    );
    assert!(
        all.contains("etpay-claims (claims SystemErrorClaims of etpay)"),
        "{all}"
    );
}

#[test]
fn an_ipn_is_checked_without_a_key_and_its_authenticity_reported_with_one() {
    let ipn = format!("{ROOT}/tests/data/lyra/ipn_paid.body");
    let password = "testpassword_DEMOPRIVATEKEY23G4475zXZQ2UA5x7M";
    let output = pasarela(
        &["contract", "check", &ipn],
        &[("PASARELA_LYRA_PASSWORD", password)],
        None,
    );
    let all = text(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
    assert!(all.contains("authentic (signed with the"), "{all}");
    assert!(!all.contains(password), "{all}");
}

#[test]
fn an_undeclared_field_and_an_unknown_enum_value_exit_1_and_name_both_paths() {
    let mut doc = fixture("lyra/WebServiceResponse/joanie2025_order_get_paid.json");
    let transaction = &mut doc["answer"]["transactions"][0];
    transaction["shinyNewField"] = json!("from the future");
    transaction["status"] = json!("PAID_IN_CRYPTO");
    let input = serde_json::to_vec_pretty(&doc).unwrap();
    let output = pasarela(&["contract", "check", "-"], &[], Some(&input));
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert!(
        all.contains("/answer/transactions/0/shinyNewField: undeclared field"),
        "{all}"
    );
    assert!(
        all.contains("/answer/transactions/0/status: unknown enum value"),
        "{all}"
    );
    assert!(all.contains("2 divergences"), "{all}");
}

#[test]
fn a_wrong_type_and_a_missing_field_exit_1_and_name_the_path() {
    let mut doc = fixture("lyra/WebServiceResponse/joanie2025_order_get_paid.json");
    doc["answer"]["transactions"][0]["amount"] = json!("12000");
    let dir = std::env::temp_dir().join(format!("pasarela-contract-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let wrong_type = dir.join("wrong_type.json");
    std::fs::write(&wrong_type, serde_json::to_vec(&doc).unwrap()).unwrap();
    let mut session = fixture("etpay/SessionInitializeResponse/sdk_shape.json");
    session.as_object_mut().unwrap().remove("signature_token");
    let missing = dir.join("missing.json");
    std::fs::write(&missing, serde_json::to_vec(&session).unwrap()).unwrap();

    let output = pasarela(
        &["contract", "check", wrong_type.to_str().unwrap()],
        &[],
        None,
    );
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert!(
        all.contains("/answer/transactions/0/amount: type mismatch"),
        "{all}"
    );

    // Named kind: a session answer without signature_token has only `token`.
    let output = pasarela(
        &[
            "contract",
            "check",
            "--kind",
            "etpay-session",
            missing.to_str().unwrap(),
        ],
        &[],
        None,
    );
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert!(all.contains("/signature_token: missing field"), "{all}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unreadable_input_exits_2() {
    for (args, stdin) in [
        (
            vec!["contract", "check", "-"],
            Some(&b"this is not a document"[..]),
        ),
        (
            vec!["contract", "check", "--kind", "lyra-response", "-"],
            Some(&b"{not json"[..]),
        ),
        (vec!["contract", "check", "/no/such/file.json"], None),
        (
            vec!["contract", "check", "--kind", "no-such-kind", "-"],
            Some(&b"{}"[..]),
        ),
        (vec!["contract", "check"], None),
    ] {
        let output = pasarela(&args, &[], stdin);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", text(&output));
    }
    // Worst wins: a conforming file and an unreadable one exit 2.
    let good = fixtures("lyra/Payment").remove(0);
    let output = pasarela(
        &["contract", "check", good.to_str().unwrap(), "/no/such/file"],
        &[],
        None,
    );
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
}

fn live_env(sandbox: &Sandbox, base_url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("PASARELA_LYRA_BASE_URL", base_url.to_owned()),
        ("PASARELA_LYRA_SHOP_ID", defaults::SHOP_ID.to_owned()),
        ("PASARELA_LYRA_PASSWORD", defaults::PASSWORD.to_owned()),
        ("PASARELA_ETPAY_API_URL", sandbox.etpay_api_url()),
        (
            "PASARELA_ETPAY_MERCHANT_CODE",
            defaults::ETPAY_MERCHANT_CODE.to_owned(),
        ),
        (
            "PASARELA_ETPAY_API_TOKEN",
            defaults::ETPAY_API_TOKEN.to_owned(),
        ),
    ]
}

async fn live(args: &[&str], env: Vec<(&'static str, String)>) -> Output {
    let args: Vec<String> = ["contract", "live"]
        .iter()
        .chain(args)
        .map(|s| s.to_string())
        .collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        pasarela(&args, &env, None)
    })
    .await
    .unwrap()
}

fn assert_no_secret(all: &str) {
    for secret in [
        defaults::PASSWORD,
        defaults::ETPAY_API_TOKEN,
        defaults::HMAC_KEY,
    ] {
        assert!(!all.contains(secret), "a secret was printed: {all}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_against_the_sandbox_conforms() {
    let sandbox = Sandbox::start(SandboxConfig::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let env = live_env(&sandbox, sandbox.base_url());
    let output = live(&[], env).await;
    let all = text(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
    for step in [
        "Charge/SDKTest: lyra-response",
        "Charge/CreatePayment: lyra-response",
        "Charge/CreatePaymentOrder: lyra-response",
        "Charge/PaymentOrder/Get: lyra-response",
        "Order/Get: lyra-response",
        "Transaction/Get: ",
        "ETpay session/initialize: etpay-session",
        "ETpay check_payment_status: etpay-payment-status",
    ] {
        assert!(all.contains(step), "{step} missing: {all}");
    }
    assert_no_secret(&all);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_refuses_a_password_that_is_not_a_test_one() {
    let sandbox = Sandbox::start(SandboxConfig::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let production = "prodpassword_SECRETSECRETSECRET";
    let mut env = live_env(&sandbox, sandbox.base_url());
    env.retain(|(k, _)| *k != "PASARELA_LYRA_PASSWORD");
    env.push(("PASARELA_LYRA_PASSWORD", production.to_owned()));
    let output = live(&[], env.clone()).await;
    let all = text(&output);
    assert_eq!(output.status.code(), Some(2), "{all}");
    assert!(all.contains("refusing to run"), "{all}");
    assert!(
        !all.contains("Charge/SDKTest"),
        "nothing may be sent: {all}"
    );
    assert!(!all.contains(production), "{all}");

    // With the override it runs (the sandbox refuses the credentials: a connection-level
    // failure, exit 2, and still no secret printed).
    let output = live(&["--i-know-this-is-production"], env).await;
    let all = text(&output);
    assert!(all.contains("Charge/SDKTest"), "{all}");
    assert!(!all.contains(production), "{all}");
    assert_no_secret(&all);
    sandbox.shutdown().await;
}

/// A proxy in front of the sandbox that adds a field the spec does not know to the SDKTest
/// answer: `contract live` must fail and name its path.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_reports_a_doctored_answer_with_its_path() {
    let sandbox = Sandbox::start(SandboxConfig::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    pasarela::install_default_tls_provider();
    let upstream = Arc::new(sandbox.base_url().to_owned());
    let http = reqwest::Client::new();
    let app = axum::Router::new().fallback(move |request: axum::extract::Request| {
        let upstream = Arc::clone(&upstream);
        let http = http.clone();
        async move {
            let path = request.uri().path().to_owned();
            let headers = request.headers().clone();
            let body = axum::body::to_bytes(request.into_body(), 1 << 20)
                .await
                .unwrap();
            let mut forward = http.post(format!("{upstream}{path}")).body(body);
            for name in ["authorization", "content-type"] {
                if let Some(value) = headers.get(name) {
                    forward = forward.header(name, value.as_bytes());
                }
            }
            let answer = forward.send().await.unwrap();
            let status = answer.status().as_u16();
            let mut bytes = answer.bytes().await.unwrap().to_vec();
            if path.ends_with("/Charge/SDKTest") {
                let mut envelope: Value = serde_json::from_slice(&bytes).unwrap();
                envelope["answer"]["shinyNewField"] = json!(42);
                bytes = serde_json::to_vec(&envelope).unwrap();
            }
            axum::response::Response::builder()
                .status(status)
                .header("content-type", "application/json")
                .body(axum::body::Body::from(bytes))
                .unwrap()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let mut env = live_env(&sandbox, &proxy);
    env.retain(|(k, _)| !k.starts_with("PASARELA_ETPAY"));
    let output = live(&[], env).await;
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert!(
        all.contains("/answer/shinyNewField: undeclared field"),
        "{all}"
    );
    assert_no_secret(&all);
    server.abort();
    sandbox.shutdown().await;
}
