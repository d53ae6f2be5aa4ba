//! IPN verification and V4/Payment decoding, each against its baseline in the same run.
//!
//! Run: `cargo bench --bench ipn` (numbers and reading guide in BENCHMARKS.md).
//!
//! * `ipn/pasarela_verify`: `pasarela::lyra::notification::verify` on a form body carrying the
//!   seed 000 kr-answer, signed with `notification::sign` (an IPN: `kr-hash-key=password`).
//! * `ipn/baseline_form_hmac_value`: the minimum any IPN handler does on the same bytes:
//!   `form_urlencoded::parse`, HMAC-SHA256 (hmac/sha2) + constant-time compare, and
//!   `serde_json::from_str` into `serde_json::Value`.
//! * `decode_payment/*`: the seed's V4/Payment text into the generated
//!   `pasarela::lyra::types::Payment`, with and without serde_path_to_error (what `verify` uses
//!   for its error paths), against `serde_json::Value`.
//!
//! After the criterion output, a `paired ...` line gives the IPN ratio from alternating blocks
//! (benches/common), which a busy machine disturbs less than two separate criterion windows.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hmac::{Hmac, Mac};
use pasarela::lyra::notification::{self, Keys, SignedWith};
use pasarela::lyra::types::Payment;
use sha2::Sha256;

mod common;

/// The seed 000 kr-answer (PEN, PAID, 3DS2), as re-indented in the fixture.
const SEED_000_KR_ANSWER: &str =
    include_str!("../tests/fixtures/lyra/Payment/seed000_kr_answer_pen.json");
const PASSWORD: &str = "testpassword_DEMOPRIVATEKEY23G4475zXZQ2UA5x7M";
const HMAC_KEY: &str = "38453613e7f44dc58732bad3dca2bca3";

/// The kr-answer as the gateway posts it: compact JSON (one line, no indentation).
fn compact_answer() -> String {
    let value: serde_json::Value =
        serde_json::from_str(SEED_000_KR_ANSWER).expect("fixture is JSON");
    serde_json::to_string(&value).expect("serialises")
}

/// The hand-written baseline: form-decode, HMAC-SHA256 + constant-time check, JSON into Value.
fn baseline(body: &[u8], key: &[u8]) -> serde_json::Value {
    let mut hash = None;
    let mut answer = None;
    for (name, value) in form_urlencoded::parse(body) {
        match &*name {
            "kr-hash" => hash = Some(value),
            "kr-answer" => answer = Some(value),
            _ => {}
        }
    }
    let (hash, answer) = (hash.expect("kr-hash"), answer.expect("kr-answer"));
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    mac.update(answer.as_bytes());
    let expected = hex::decode(hash.as_bytes()).expect("hex");
    mac.verify_slice(&expected).expect("authentic");
    serde_json::from_str(&answer).expect("JSON")
}

fn ipn(c: &mut Criterion) {
    let keys = Keys::new(PASSWORD, HMAC_KEY);
    let answer = compact_answer();
    let body = notification::sign(&answer, SignedWith::Password, &keys);
    // Both sides must accept the body, or the comparison means nothing.
    let verified = notification::verify(&body, &keys).expect("pasarela accepts its own signature");
    assert!(verified.is_paid());
    assert_eq!(baseline(&body, PASSWORD.as_bytes())["orderStatus"], "PAID");

    let mut group = c.benchmark_group("ipn");
    group
        .measurement_time(Duration::from_secs(3))
        .sample_size(30)
        .throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("pasarela_verify", |b| {
        b.iter(|| notification::verify(black_box(&body), &keys).expect("valid"))
    });
    group.bench_function("baseline_form_hmac_value", |b| {
        b.iter(|| baseline(black_box(&body), PASSWORD.as_bytes()))
    });
    group.finish();
    common::paired(
        "ipn (verify vs form+hmac+Value)",
        40,
        200,
        || {
            drop(black_box(
                notification::verify(black_box(&body), &keys).expect("valid"),
            ))
        },
        || drop(black_box(baseline(black_box(&body), PASSWORD.as_bytes()))),
    );
}

fn decode_payment(c: &mut Criterion) {
    let answer = compact_answer();
    let typed: Payment = serde_json::from_str(&answer).expect("the seed decodes into Payment");
    assert!(typed.is_paid());

    let mut group = c.benchmark_group("decode_payment");
    group
        .measurement_time(Duration::from_secs(3))
        .sample_size(30)
        .throughput(Throughput::Bytes(answer.len() as u64));
    group.bench_function("typed_payment", |b| {
        b.iter(|| serde_json::from_str::<Payment>(black_box(&answer)).expect("decodes"))
    });
    group.bench_function("typed_payment_path_to_error", |b| {
        b.iter(|| {
            let de = &mut serde_json::Deserializer::from_str(black_box(&answer));
            serde_path_to_error::deserialize::<_, Payment>(de).expect("decodes")
        })
    });
    group.bench_function("baseline_value", |b| {
        b.iter(|| serde_json::from_str::<serde_json::Value>(black_box(&answer)).expect("decodes"))
    });
    group.finish();
}

criterion_group!(benches, ipn, decode_payment);
criterion_main!(benches);
