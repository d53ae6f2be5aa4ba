//! One Charge/CreatePayment round trip through `LyraClient` against an in-process HTTP server,
//! against a hand-written `reqwest` POST + `serde_json` decode of the same envelope, in one run.
//!
//! Run: `cargo bench --bench client` (needs the default `sandbox` feature for axum; numbers in
//! BENCHMARKS.md).
//!
//! The server is a tiny axum app on 127.0.0.1 answering every POST to
//! `/api-payment/V4/Charge/CreatePayment` with the seed 000 CreatePayment envelope (401 without
//! an `Authorization` header). Both clients keep their connection alive, send the seed 000
//! request with Basic auth and decode the answer:
//!
//! * `create_payment/pasarela_client`: `LyraClient::create_payment` (typed request, envelope
//!   unwrapped into `types::PaymentForm`);
//! * `create_payment/pasarela_generated`: the generated client under it
//!   (`LyraClient::generated().create_payment()`), to tell the hand-written layer's cost;
//! * `create_payment/baseline_reqwest_value`: `reqwest::Client` POST of the same request JSON,
//!   body decoded into `serde_json::Value`, formToken read out.
//!
//! Two more lines tell where a difference comes from (they are not targets):
//!
//! * `create_payment/baseline_reqwest_timeouts`: the baseline on a reqwest client configured
//!   like `LyraClient`'s (45 s timeout, 10 s connect timeout, user agent);
//! * `create_payment/baseline_reqwest_typed`: the baseline decoding into the generated
//!   `types::WebServiceResponse` instead of `Value`;
//! * `create_payment/baseline_on_lyra_reqwest`: the baseline (Value) sent through the
//!   `reqwest::Client` inside `LyraClient` (its default Authorization header, timeouts, rustls
//!   config), so that what remains is the generated code path;
//! * `create_payment/baseline_reqwest_headers`: the baseline plus the two headers the generated
//!   code adds (`Accept: application/json`, `api-version`);
//! * `create_payment/generated_by_hand`: what the generated `send()` does, written out on that
//!   same reqwest client (Accept and api-version headers, typed body, `build()` + `execute()`,
//!   body bytes decoded into `types::WebServiceResponse`), without progenitor's builder.
//!
//! After the criterion output, `paired ...` lines give the round-trip ratios from alternating
//! blocks (benches/common), which a busy machine disturbs less than separate criterion windows.
//! (The pasarela side there includes the request clone, about 0.2 µs; see BENCHMARKS.md.)
//!
//! `decode_envelope/*` decodes envelopes (no network) into the generated
//! `types::WebServiceResponse` (whose `answer` is `pasarela::lyra::Answer`) and into `Value`.

use std::hint::black_box;
use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use pasarela::lyra::{types, LyraClient, LyraConfig};
use progenitor_client::ClientInfo as _;

mod common;

const ENVELOPE: &str =
    include_str!("../tests/fixtures/lyra/WebServiceResponse/seed000_create_payment_response.json");
const REQUEST: &str =
    include_str!("../tests/fixtures/lyra/CreatePaymentRequest/seed000_create_payment.json");
const SHOP_ID: &str = "69876357";
const PASSWORD: &str = "testpassword_DEMOPRIVATEKEY23G4475zXZQ2UA5x7M";
/// A larger envelope: Charge/PaymentOrder/Get (seed 003, first example).
const ORDER_ENVELOPE: &str = include_str!(
    "../tests/fixtures/lyra/WebServiceResponse/seed003_payment_order_get_response_1_fr_FR_PEN.json"
);
const PATH: &str = "/api-payment/V4/Charge/CreatePayment";

async fn create_payment(headers: HeaderMap, body: Bytes) -> axum::response::Response {
    if !headers.contains_key(header::AUTHORIZATION) || body.is_empty() {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    ([(header::CONTENT_TYPE, "application/json")], ENVELOPE).into_response()
}

async fn start_server() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("local addr");
    let app = axum::Router::new().route(PATH, axum::routing::post(create_payment));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    addr
}

fn create_payment_round_trip(c: &mut Criterion) {
    // The baseline builds a plain reqwest client in a binary that links pasarela (rustls
    // without a default provider): install one first, as the docs of `http` say.
    pasarela::install_default_tls_provider();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let addr = rt.block_on(start_server());
    let base = format!("http://{addr}");

    let client =
        LyraClient::new(&LyraConfig::new(SHOP_ID, PASSWORD, base.clone())).expect("client");
    let request: types::CreatePaymentRequest =
        serde_json::from_str(REQUEST).expect("seed 000 request decodes");
    let request_value: serde_json::Value = serde_json::from_str(REQUEST).expect("JSON");
    let http = reqwest::Client::new();
    let http_with_timeouts = reqwest::Client::builder()
        .timeout(pasarela::lyra::DEFAULT_TIMEOUT)
        .connect_timeout(pasarela::lyra::DEFAULT_CONNECT_TIMEOUT)
        .user_agent(pasarela::DEFAULT_USER_AGENT)
        .build()
        .expect("client");
    let url = format!("{base}{PATH}");

    let post = |http: &reqwest::Client| {
        http.post(&url)
            .basic_auth(SHOP_ID, Some(PASSWORD))
            .json(&request_value)
            .send()
    };
    let baseline = |http: &reqwest::Client| {
        let http = http.clone();
        async move {
            // Built inside the future: a client with a timeout needs the runtime at `send()`.
            let response = post(&http)
                .await
                .expect("sent")
                .error_for_status()
                .expect("200");
            let envelope: serde_json::Value = response.json().await.expect("JSON");
            envelope["answer"]["formToken"]
                .as_str()
                .expect("formToken")
                .to_owned()
        }
    };
    let on_lyra_reqwest = || async {
        let response = client
            .generated()
            .client()
            .post(&url)
            .json(&request_value)
            .send()
            .await
            .expect("sent");
        let envelope: serde_json::Value = response
            .error_for_status()
            .expect("200")
            .json()
            .await
            .expect("JSON");
        envelope["answer"]["formToken"]
            .as_str()
            .expect("formToken")
            .to_owned()
    };
    let with_headers = || async {
        let response = http
            .post(&url)
            .basic_auth(SHOP_ID, Some(PASSWORD))
            .header(reqwest::header::ACCEPT, "application/json")
            .header(
                "api-version",
                pasarela::lyra::GeneratedClient::api_version(),
            )
            .json(&request_value)
            .send()
            .await
            .expect("sent");
        let envelope: serde_json::Value = response
            .error_for_status()
            .expect("200")
            .json()
            .await
            .expect("JSON");
        envelope["answer"]["formToken"]
            .as_str()
            .expect("formToken")
            .to_owned()
    };
    let lyra_http = client.generated().client();
    let base = base.as_str();
    let generated_by_hand = |request: types::CreatePaymentRequest| async move {
        let built = lyra_http
            .post(format!("{base}{PATH}"))
            .header(
                reqwest::header::ACCEPT,
                reqwest::header::HeaderValue::from_static("application/json"),
            )
            .json(&request)
            .header(
                "api-version",
                pasarela::lyra::GeneratedClient::api_version(),
            )
            .build()
            .expect("request");
        let response = lyra_http.execute(built).await.expect("sent");
        assert_eq!(response.status(), 200);
        let bytes = response.bytes().await.expect("body");
        serde_json::from_slice::<types::WebServiceResponse>(&bytes).expect("envelope")
    };
    let baseline_typed = || async {
        let response = post(&http)
            .await
            .expect("sent")
            .error_for_status()
            .expect("200");
        let bytes = response.bytes().await.expect("body");
        let envelope: types::WebServiceResponse = serde_json::from_slice(&bytes).expect("envelope");
        envelope
    };
    // Both sides must get the same answer, or the comparison means nothing.
    let form = rt
        .block_on(client.create_payment(request.clone()))
        .expect("pasarela round trip");
    assert_eq!(form.form_token.as_str(), "DEMO-TOKEN-TO-BE-REPLACED");
    assert_eq!(rt.block_on(baseline(&http)), "DEMO-TOKEN-TO-BE-REPLACED");
    assert_eq!(
        rt.block_on(baseline(&http_with_timeouts)),
        "DEMO-TOKEN-TO-BE-REPLACED"
    );
    assert_eq!(rt.block_on(on_lyra_reqwest()), "DEMO-TOKEN-TO-BE-REPLACED");
    assert!(matches!(
        rt.block_on(generated_by_hand(request.clone())).answer,
        pasarela::lyra::Answer::PaymentForm(_)
    ));
    assert!(matches!(
        rt.block_on(baseline_typed()).answer,
        pasarela::lyra::Answer::PaymentForm(_)
    ));

    let mut group = c.benchmark_group("create_payment");
    group
        .measurement_time(Duration::from_secs(3))
        .sample_size(30);
    group.bench_function("pasarela_client", |b| {
        b.iter_batched(
            || request.clone(),
            |request| {
                rt.block_on(client.create_payment(black_box(request)))
                    .expect("ok")
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("pasarela_generated", |b| {
        b.iter_batched(
            || request.clone(),
            |request| {
                rt.block_on(
                    client
                        .generated()
                        .create_payment()
                        .body(black_box(request))
                        .send(),
                )
                .expect("ok")
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("baseline_reqwest_value", |b| {
        b.iter(|| rt.block_on(baseline(&http)))
    });
    group.bench_function("baseline_reqwest_timeouts", |b| {
        b.iter(|| rt.block_on(baseline(&http_with_timeouts)))
    });
    group.bench_function("baseline_reqwest_typed", |b| {
        b.iter(|| rt.block_on(baseline_typed()))
    });
    group.bench_function("baseline_on_lyra_reqwest", |b| {
        b.iter(|| rt.block_on(on_lyra_reqwest()))
    });
    group.bench_function("baseline_reqwest_headers", |b| {
        b.iter(|| rt.block_on(with_headers()))
    });
    group.bench_function("generated_by_hand", |b| {
        b.iter_batched(
            || request.clone(),
            |request| rt.block_on(generated_by_hand(request)),
            BatchSize::SmallInput,
        )
    });
    group.finish();
    common::paired(
        "create_payment (LyraClient vs reqwest+Value)",
        40,
        50,
        || {
            drop(black_box(
                rt.block_on(client.create_payment(request.clone()))
                    .expect("ok"),
            ))
        },
        || drop(black_box(rt.block_on(baseline(&http)))),
    );
    common::paired(
        "create_payment (LyraClient vs reqwest+Value with LyraClient's timeouts)",
        40,
        50,
        || {
            drop(black_box(
                rt.block_on(client.create_payment(request.clone()))
                    .expect("ok"),
            ))
        },
        || drop(black_box(rt.block_on(baseline(&http_with_timeouts)))),
    );
}

fn decode_envelope(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode_envelope");
    group
        .measurement_time(Duration::from_secs(3))
        .sample_size(30);
    for (name, text) in [
        ("create_payment", ENVELOPE),
        ("payment_order_get", ORDER_ENVELOPE),
    ] {
        let typed: types::WebServiceResponse =
            serde_json::from_str(text).expect("envelope decodes");
        assert!(!matches!(typed.answer, pasarela::lyra::Answer::Unknown(_)));
        group.bench_function(format!("{name}/typed"), |b| {
            b.iter(|| {
                serde_json::from_str::<types::WebServiceResponse>(black_box(text)).expect("decodes")
            })
        });
        group.bench_function(format!("{name}/value"), |b| {
            b.iter(|| serde_json::from_str::<serde_json::Value>(black_box(text)).expect("decodes"))
        });
    }
    group.finish();

    // The other half of the generated path: the request body.
    let request: types::CreatePaymentRequest = serde_json::from_str(REQUEST).expect("decodes");
    let value: serde_json::Value = serde_json::from_str(REQUEST).expect("JSON");
    let mut group = c.benchmark_group("encode_request");
    group
        .measurement_time(Duration::from_secs(3))
        .sample_size(30);
    group.bench_function("create_payment/typed", |b| {
        b.iter(|| serde_json::to_vec(black_box(&request)).expect("encodes"))
    });
    group.bench_function("create_payment/typed_clone_and_encode", |b| {
        b.iter(|| serde_json::to_vec(&black_box(&request).clone()).expect("encodes"))
    });
    group.bench_function("create_payment/value", |b| {
        b.iter(|| serde_json::to_vec(black_box(&value)).expect("encodes"))
    });
    group.finish();
    println!(
        "size_of::<types::CreatePaymentRequest>() = {} bytes",
        std::mem::size_of::<types::CreatePaymentRequest>()
    );
}

criterion_group!(benches, create_payment_round_trip, decode_envelope);
criterion_main!(benches);
