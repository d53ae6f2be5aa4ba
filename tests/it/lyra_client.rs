//! HTTP contract tests of the Lyra client: every operation of `openapi/lyra-v4.yaml` is driven
//! against an in-process server that checks the method, the path, the Basic auth header, the
//! content type and the JSON body (as data, against the spec's request example), answers the
//! spec's response example, and the decoded answer is compared with it.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::support::{Recorded, Reply, TestServer};
use pasarela::lyra::{types, Answer, LyraClient, LyraConfig, LyraError, LyraErrorKind};
use serde_json::{json, Value};

const SHOP: &str = "69876357";
const PASSWORD: &str = "testpassword_DEMOPRIVATEKEY23G4475zXZQ2UA5x7M";
/// base64("69876357:testpassword_DEMOPRIVATEKEY23G4475zXZQ2UA5x7M"), from Lyra's authentication page.
const EXPECTED_AUTH: &str =
    "Basic Njk4NzYzNTc6dGVzdHBhc3N3b3JkX0RFTU9QUklWQVRFS0VZMjNHNDQ3NXpYWlEyVUE1eDdN";

struct Operation {
    id: String,
    path: String,
    request_example: Value,
    response_example: Value,
}

fn spec() -> Value {
    serde_yaml::from_str(include_str!("../../openapi/lyra-v4.yaml")).expect("the spec parses")
}

fn operations() -> Vec<Operation> {
    let spec = spec();
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        let op = &item["post"];
        let request_example = op["requestBody"]["content"]["application/json"]["example"].clone();
        let mut response = op["responses"]["200"].clone();
        if let Some(reference) = response.get("$ref").and_then(Value::as_str) {
            let name = reference.rsplit('/').next().unwrap();
            response = spec["components"]["responses"][name].clone();
        }
        let response_example = response["content"]["application/json"]["example"].clone();
        assert!(
            !request_example.is_null() && !response_example.is_null(),
            "{path} lacks examples"
        );
        out.push(Operation {
            id: op["operationId"].as_str().unwrap().to_owned(),
            path: path.clone(),
            request_example,
            response_example,
        });
    }
    out
}

fn client(base_url: &str) -> LyraClient {
    LyraClient::new(&LyraConfig::new(SHOP, PASSWORD, base_url).with_timeout(Duration::from_secs(5)))
        .unwrap()
}

/// Calls the client method of an operation (through `LyraClient::call`, which dispatches to the
/// generated typed method) with its request example; returns the typed answer encoded back to
/// JSON. The operation table built from the spec must name the same `operationId`.
async fn call(client: &LyraClient, op: &Operation, example: &Value) -> Result<Value, LyraError> {
    let web_service = op.path.trim_start_matches("/api-payment/V4/");
    let entry = pasarela::lyra::Operation::find(web_service)
        .unwrap_or_else(|| panic!("{web_service} is not in pasarela::lyra::OPERATIONS"));
    assert_eq!(entry.operation_id, op.id, "{web_service}");
    client
        .call(web_service, example.clone())
        .await
        .map(|answer| serde_json::to_value(answer).unwrap())
}

/// Removes `null` members: answers list absent fields as null, the typed value omits them.
fn without_nulls(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

fn check_request(op: &Operation, recorded: &[Recorded]) {
    assert_eq!(recorded.len(), 1, "{}: exactly one request", op.id);
    let request = &recorded[0];
    assert_eq!(request.method, "POST", "{}", op.id);
    assert_eq!(request.path, op.path, "{}", op.id);
    assert_eq!(
        request.header("authorization"),
        Some(EXPECTED_AUTH),
        "{}",
        op.id
    );
    assert_eq!(
        request.header("content-type"),
        Some("application/json"),
        "{}",
        op.id
    );
    assert_eq!(
        request.json(),
        op.request_example,
        "{}: the body differs from the documented example",
        op.id
    );
}

#[tokio::test]
async fn every_operation_matches_its_documented_request_and_response() {
    let ops = operations();
    let ids: BTreeSet<&str> = ops.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(
        ids.len(),
        pasarela::lyra::OPERATIONS.len(),
        "one operationId per web service of the table: {ids:?}"
    );
    assert!(ids.contains("pci_create_payment") && ids.contains("add_to_grey_list"));
    for op in &ops {
        let answer = op.response_example.clone();
        let server = TestServer::start(move |_| Reply::json(&answer)).await;
        let decoded = call(&client(&server.base_url), op, &op.request_example)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", op.id));
        check_request(op, &server.requests());
        assert_eq!(
            without_nulls(&decoded),
            without_nulls(&op.response_example["answer"]),
            "{}: the decoded answer lost or changed a field",
            op.id
        );
    }
}

fn error_envelope(code: &str, message: &str, detail: Option<&str>) -> Value {
    json!({
        "webService": "Charge/PaymentOrder/Get", "version": "V4", "applicationVersion": "5.5.0",
        "status": "ERROR",
        "answer": {"errorCode": code, "errorMessage": message, "detailedErrorCode": null,
                   "detailedErrorMessage": detail, "ticket": "null", "shopId": SHOP,
                   "_type": "V4/WebService/WebServiceError"},
        "ticket": null, "serverDate": "2020-04-01T08:20:46+00:00", "applicationProvider": "MCW",
        "metadata": null, "_type": "V4/WebService/Response"
    })
}

async fn get_payment_order_against(reply: Reply) -> LyraError {
    let server = TestServer::start(move |_| reply.clone()).await;
    let request = types::PaymentOrderGetRequest {
        payment_order_id: "d63e7f507a6f4dfa86cb40a833ecfd85".try_into().unwrap(),
    };
    client(&server.base_url)
        .get_payment_order(request)
        .await
        .expect_err("must fail")
}

#[tokio::test]
async fn error_envelopes_become_typed_api_errors() {
    for (code, http) in [
        ("INT_902", 200),
        ("INT_905", 200),
        ("INT_905", 401),
        ("PSP_010", 200),
        ("PSP_1000", 200),
    ] {
        let body = serde_json::to_string(&error_envelope(
            code,
            "message",
            Some("Invalid input value [name=x]"),
        ))
        .unwrap();
        let error = get_payment_order_against(Reply::Respond {
            status: http,
            content_type: "application/json",
            body: body.into_bytes(),
        })
        .await;
        let api = error
            .api_error()
            .unwrap_or_else(|| panic!("{code}/{http}: {error:?}"));
        assert_eq!(api.error_code(), code);
        assert_eq!(error.code(), Some(code));
        assert_eq!(api.web_service(), "Charge/PaymentOrder/Get");
        assert_eq!(api.error_message(), Some("message"));
        assert_eq!(
            api.detailed_error_message(),
            Some("Invalid input value [name=x]")
        );
        assert_eq!(api.status(), http);
        assert_eq!(error.status(), Some(http));
        assert!(!api.raw_body().is_empty());
        assert!(error.may_have_reached_gateway());
        assert_eq!(api.is_invalid_credentials(), code == "INT_905");
        assert_eq!(api.is_not_found(), code.starts_with("PSP_"));
        assert!(error.to_string().contains(code), "{error}");
    }
}

#[tokio::test]
async fn garbage_body_is_an_undecodable_response_that_keeps_the_body() {
    let error =
        get_payment_order_against(Reply::status(200, "application/json", "{not json")).await;
    assert_eq!(
        error.kind(),
        LyraErrorKind::UndecodableResponse,
        "{error:?}"
    );
    assert!(
        std::error::Error::source(&error).is_some(),
        "the serde error"
    );
    assert_eq!(error.raw_body(), Some(&b"{not json"[..]));
}

#[tokio::test]
async fn html_502_is_an_http_status_error() {
    let error =
        get_payment_order_against(Reply::status(502, "text/html", "<html>Bad Gateway</html>"))
            .await;
    assert_eq!(error.kind(), LyraErrorKind::HttpStatus, "{error:?}");
    assert_eq!(error.status(), Some(502));
    assert!(String::from_utf8_lossy(error.raw_body().unwrap()).contains("Bad Gateway"));
    assert!(error.may_have_reached_gateway());
}

#[tokio::test]
async fn a_slow_gateway_is_a_timeout_that_may_have_reached_it() {
    let reply = Reply::Delay(
        Duration::from_secs(3),
        Box::new(Reply::json(&error_envelope("INT_902", "m", None))),
    );
    let server = TestServer::start(move |_| reply.clone()).await;
    let config = LyraConfig::new(SHOP, PASSWORD, server.base_url.as_str())
        .with_timeout(Duration::from_millis(300));
    let request = types::SdkTestRequest { value: "x".into() };
    let error = LyraClient::new(&config)
        .unwrap()
        .sdk_test(request)
        .await
        .expect_err("times out");
    assert_eq!(error.kind(), LyraErrorKind::Timeout, "{error:?}");
    assert!(error.is_timeout());
    assert!(error.may_have_reached_gateway());
}

#[tokio::test]
async fn connection_refused_did_not_reach_the_gateway() {
    // Bind then drop a listener to get a port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let error = client(&format!("http://127.0.0.1:{port}"))
        .sdk_test(types::SdkTestRequest { value: "x".into() })
        .await
        .expect_err("refused");
    assert_eq!(error.kind(), LyraErrorKind::Connect, "{error:?}");
    assert!(!error.may_have_reached_gateway());
}

#[tokio::test]
async fn an_unexpected_answer_type_is_reported_with_the_answer() {
    let envelope =
        json!({"status": "SUCCESS", "answer": {"value": "x", "_type": "V4/Type/String"}});
    let server = TestServer::start(move |_| Reply::json(&envelope)).await;
    let error = client(&server.base_url)
        .get_transaction(types::TransactionGetRequest {
            uuid: "abc".try_into().unwrap(),
        })
        .await
        .expect_err("wrong _type");
    assert_eq!(error.kind(), LyraErrorKind::UnexpectedAnswer, "{error:?}");
    assert!(error.to_string().contains("V4/Transaction"), "{error}");
    assert!(matches!(
        error.unexpected_answer(),
        Some(Answer::TypeString(_))
    ));
}

#[tokio::test]
async fn an_unknown_answer_type_is_kept_as_raw_json() {
    let envelope =
        json!({"status": "SUCCESS", "answer": {"brandNew": [1, 2], "_type": "V4/Future/Thing"}});
    let server = TestServer::start(move |_| Reply::json(&envelope)).await;
    let answer = client(&server.base_url)
        .capture_transactions(types::TransactionCaptureRequest {
            uuids: vec!["a".into()],
        })
        .await
        .unwrap();
    assert_eq!(answer.type_name(), Some("V4/Future/Thing"));
    assert_eq!(
        serde_json::to_value(&answer).unwrap(),
        json!({"brandNew": [1, 2], "_type": "V4/Future/Thing"})
    );
}

#[test]
fn secrets_never_appear_in_debug_or_errors() {
    let config = LyraConfig::new(SHOP, PASSWORD, "http://127.0.0.1:1");
    let client = LyraClient::new(&config).unwrap();
    for text in [format!("{config:?}"), format!("{client:?}")] {
        assert!(!text.contains(PASSWORD), "{text}");
        assert!(!text.contains("DEMOPRIVATEKEY"), "{text}");
        assert!(
            !text.contains(&EXPECTED_AUTH[6..]),
            "the encoded credentials leak: {text}"
        );
    }
    let error = LyraClient::new(&LyraConfig::new("", PASSWORD, "ftp://x")).unwrap_err();
    assert!(!error.to_string().contains(PASSWORD));
}

#[test]
fn bad_configuration_is_refused() {
    assert!(matches!(
        LyraClient::new(&LyraConfig::new(SHOP, "", "http://x")),
        Err(e) if e.kind() == LyraErrorKind::Config
    ));
    assert!(matches!(
        LyraClient::new(&LyraConfig::new("a:b", PASSWORD, "http://x")),
        Err(e) if e.kind() == LyraErrorKind::Config
    ));
    assert!(matches!(
        LyraClient::new(&LyraConfig::new(SHOP, PASSWORD, "not a url")),
        Err(e) if e.kind() == LyraErrorKind::Config
    ));
}

#[test]
fn a_request_that_breaks_a_spec_constraint_cannot_be_built() {
    // The generated Currency type enforces the spec's pattern `^[A-Z]{3}$`.
    let from_json: Result<types::CreatePaymentRequest, _> =
        serde_json::from_value(json!({"amount": 100, "currency": "soles"}));
    assert!(from_json.is_err());
    let built: Result<types::CreatePaymentRequest, _> = types::CreatePaymentRequest::builder()
        .amount(100)
        .currency("soles")
        .try_into();
    assert!(built.is_err());
    let ok: Result<types::CreatePaymentRequest, _> = types::CreatePaymentRequest::builder()
        .amount(100)
        .currency("PEN")
        .try_into();
    assert_eq!(
        serde_json::to_value(ok.unwrap()).unwrap(),
        json!({"amount": 100, "currency": "PEN"})
    );
}
