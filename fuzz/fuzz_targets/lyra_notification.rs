//! Lyra browser return / IPN: raw form body → `verify` → `kr-answer` decoding.
//!
//! Each input is used twice:
//! 1. as the POST body, exactly as an attacker could send it (never panics; never authentic,
//!    since the fuzzer cannot produce a valid HMAC);
//! 2. as the `kr-answer` of a body correctly signed with the test keys, which drives the
//!    decoding that only runs after the signature check. A correctly signed body must always
//!    be authentic (`Ok` or `UndecodableAnswer`), and a typed payment must survive
//!    re-encoding and re-signing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pasarela::lyra::notification::{self, Keys, KrAnswer, SignedWith};

fn keys() -> Keys {
    Keys::new("testpassword_FUZZ", "fuzz0hmac0key")
}

fuzz_target!(|data: &[u8]| {
    let keys = keys();

    // 1. Hostile body.
    if let Ok(verified) = notification::verify(data, &keys) {
        panic!("an unsigned fuzz input verified: {verified:?}");
    }

    // 2. Authentic body around a hostile answer.
    let Ok(answer) = std::str::from_utf8(data) else {
        return;
    };
    for (answer_type, kind) in [
        ("V4/Payment", SignedWith::Password),
        ("V4\\/Payment", SignedWith::HmacKey),
        ("V3.1/IPNRequest", SignedWith::Password),
    ] {
        let body = notification::sign_with_type(answer_type, answer, kind, &keys);
        match notification::verify(&body, &keys) {
            Ok(verified) => {
                assert_eq!(verified.signed_with(), kind);
                assert_eq!(verified.raw_answer(), answer);
                let _ = (
                    verified.is_paid(),
                    verified.is_final(),
                    verified.idempotency_keys(),
                );
                if let KrAnswer::Payment(payment) = verified.answer() {
                    // Re-encoding gives a payment that decodes to the same value, and whose
                    // signature (computed over the re-encoded text) verifies.
                    let resigned = notification::sign_payment(payment, kind, &keys);
                    let again = notification::verify(&resigned, &keys)
                        .expect("a re-signed payment verifies");
                    assert_eq!(again.payment(), Some(&**payment));
                }
            }
            Err(e) => assert!(
                e.is_authentic(),
                "a correctly signed body was refused: {e:?}"
            ),
        }
    }
});
