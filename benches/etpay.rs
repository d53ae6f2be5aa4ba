//! ETpay JWT verification against HMAC-SHA256 of the same bytes alone, in one run.
//!
//! Run: `cargo bench --bench etpay` (numbers in BENCHMARKS.md).
//!
//! * `etpay_jwt/pasarela_verify_payment`: `Verifier::verify_payment` on an HS256 JWT signed
//!   with `sign_for_tests` (the claims of ETpay's documented example).
//! * `etpay_jwt/pasarela_webhook`: the whole webhook path of the docs: `jwt_from_body`,
//!   `peek_session_token_unverified`, `Verifier::verify_notification`.
//! * `etpay_jwt/baseline_hmac_sha256`: HMAC-SHA256 over the JWT's signing input
//!   (`header.payload`) and a constant-time compare with the decoded signature: the
//!   cryptographic floor of any HS256 verification.

use std::hint::black_box;
use std::time::Duration;

use base64::Engine as _;
use criterion::{criterion_group, criterion_main, Criterion};
use hmac::{Hmac, Mac};
use pasarela::etpay::{
    notification, peek_session_token_unverified, sign_for_tests, Notification, Verifier,
};
use pasarela::Secret;
use sha2::Sha256;

fn etpay_jwt(c: &mut Criterion) {
    let signature_token = Secret::new("sig-token-stored-with-the-order-0123456789");
    let claims = serde_json::json!({
        "session_token": "tok_6a1b2c3d4e5f", "merchant_order_id": "oc1", "merchant_amount": 1000,
        "payment_status": true, "iat": 1643663332
    });
    let jwt = sign_for_tests(&claims, &signature_token).expect("signs");
    let body = format!(r#"{{"payment":"{jwt}"}}"#);
    let (signing_input, signature_b64) = jwt.rsplit_once('.').expect("three parts");
    let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(signature_b64)
        .expect("base64url");
    let key = signature_token.expose().as_bytes().to_vec();

    let verifier = Verifier::new();
    let baseline = |input: &[u8]| {
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("any key length");
        mac.update(input);
        mac.verify_slice(&signature).is_ok()
    };
    // Both sides must accept the token, or the comparison means nothing.
    assert!(verifier
        .verify_payment(&jwt, &signature_token)
        .expect("valid")
        .claims()
        .is_paid());
    assert!(baseline(signing_input.as_bytes()));

    let mut group = c.benchmark_group("etpay_jwt");
    group
        .measurement_time(Duration::from_secs(3))
        .sample_size(30);
    group.bench_function("pasarela_verify_payment", |b| {
        b.iter(|| {
            verifier
                .verify_payment(black_box(&jwt), &signature_token)
                .expect("valid")
        })
    });
    group.bench_function("pasarela_webhook", |b| {
        b.iter(|| {
            let jwt = notification::jwt_from_body(black_box(body.as_bytes())).expect("body");
            let session = peek_session_token_unverified(&jwt).expect("session");
            match verifier
                .verify_notification(&jwt, &signature_token, &session)
                .expect("valid")
            {
                Notification::Payment(p) => p,
                _ => unreachable!("a payment JWT"),
            }
        })
    });
    group.bench_function("baseline_hmac_sha256", |b| {
        b.iter(|| baseline(black_box(signing_input.as_bytes())))
    });
    group.finish();
}

criterion_group!(benches, etpay_jwt);
criterion_main!(benches);
