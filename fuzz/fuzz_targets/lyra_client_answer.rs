//! Lyra single-page checkout: the `KR.onSubmit` payload as JSON → `verify_client_answer`.
//!
//! Each input is used twice:
//! 1. as the posted JSON, exactly as an attacker could send it (never panics; never authentic,
//!    since the fuzzer cannot produce a valid HMAC);
//! 2. as the `rawClientAnswer` of a payload correctly signed with the test HMAC key, which
//!    drives the decoding that only runs after the signature check: it must always be
//!    authentic (`Ok` or `UndecodableAnswer`), and agree with `verify` on the same answer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pasarela::lyra::notification::{self, Keys, SignedWith};

fuzz_target!(|data: &[u8]| {
    let keys = Keys::new("testpassword_FUZZ", "fuzz0hmac0key");

    // 1. Hostile payload.
    if let Ok(verified) = notification::verify_client_answer(data, &keys) {
        panic!("an unsigned fuzz input verified: {verified:?}");
    }

    // 2. Authentic payload around a hostile answer.
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    let payload = serde_json::json!({
        "clientAnswer": {"orderStatus": "PAID"},
        "rawClientAnswer": raw,
        "hash": notification::compute_hash(raw, &keys.hmac_key),
        "hashAlgorithm": "sha256_hmac",
        "hashKey": "sha256_hmac",
        "_type": notification::CLIENT_ANSWER_TYPE,
    })
    .to_string();
    let from_json = notification::verify_client_answer(payload.as_bytes(), &keys);
    let from_form = notification::verify(
        &notification::sign(raw, SignedWith::HmacKey, &keys),
        &keys,
    );
    match (&from_json, &from_form) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.raw_answer(), raw);
            assert_eq!(a.payment(), b.payment());
        }
        (Err(a), Err(b)) => {
            assert!(a.is_authentic(), "a correctly signed payload was refused: {a:?}");
            assert_eq!(a.code(), b.code());
        }
        _ => panic!("verify and verify_client_answer disagree: {from_json:?} / {from_form:?}"),
    }
});
