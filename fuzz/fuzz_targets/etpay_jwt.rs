//! ETpay webhook / redirect: body → `jwt_from_body` (and `jwt_from_input`, `jwt_from_redirect`)
//! → `peek_session_token_unverified` → `Verifier::verify_notification`.
//!
//! Each input is used twice:
//! 1. as the received body or pasted input: never panics, never authentic (the fuzzer cannot
//!    produce a valid HS256 MAC under the test key);
//! 2. as the claims of a JWT correctly signed (HS256, the test key): never a signature or
//!    algorithm error, and the verified claims JSON is byte for byte the input. A JWT whose
//!    payload is then changed never verifies.
#![no_main]

use base64::Engine as _;
use hmac::{Hmac, Mac};
use libfuzzer_sys::fuzz_target;
use pasarela::etpay::{notification, Notification, Verifier, VerifyError};
use pasarela::Secret;
use sha2::Sha256;

const KEY: &str = "fuzz-signature-token";
const SESSION: &str = "fuzz-session-token";

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn sign(payload: &[u8], key: &str) -> String {
    let signing_input = format!(
        "{}.{}",
        b64(br#"{"alg":"HS256","typ":"JWT"}"#),
        b64(payload)
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(signing_input.as_bytes());
    format!("{signing_input}.{}", b64(&mac.finalize().into_bytes()))
}

fn forged(result: &Result<Notification, VerifyError>) -> bool {
    result.is_ok()
}

fuzz_target!(|data: &[u8]| {
    let key = Secret::new(KEY);
    let verifier = Verifier::new();

    // 1. Hostile input.
    for jwt in [
        notification::jwt_from_body(data),
        notification::jwt_from_input(data),
    ]
    .into_iter()
    .flatten()
    {
        let _ = notification::peek_session_token_unverified(&jwt);
        let result = verifier.verify_notification(&jwt, &key, SESSION);
        assert!(
            !forged(&result),
            "an unsigned fuzz input verified: {result:?}"
        );
        let _ = verifier.verify_payment(&jwt, &key);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(jwt) = notification::jwt_from_redirect(text) {
            assert!(verifier.verify_notification(&jwt, &key, SESSION).is_err());
        }
        // The whole input as a JWT.
        assert!(verifier.verify_notification(text, &key, SESSION).is_err());
    }

    // 2. Hostile claims inside an authentic JWT.
    let jwt = sign(data, KEY);
    let body = format!(r#"{{"payment":"{jwt}"}}"#);
    assert_eq!(
        notification::jwt_from_body(body.as_bytes()).as_deref(),
        Ok(jwt.as_str())
    );
    match verifier.verify_notification(&jwt, &key, SESSION) {
        Ok(notification) => assert_eq!(notification.claims_json().as_bytes(), data),
        Err(e) => assert!(
            !matches!(
                e,
                VerifyError::BadSignature | VerifyError::WrongAlgorithm { .. }
            ),
            "a correctly signed JWT was refused as forged: {e:?}"
        ),
    }
    // The same claims signed with the session token: at most a system error, never a payment.
    let by_session = sign(data, SESSION);
    if let Ok(Notification::Payment(p)) = verifier.verify_notification(&by_session, &key, SESSION) {
        panic!("a session-token-signed JWT was accepted as a payment: {p:?}");
    }
    // Change one payload byte after signing: never verifies.
    if !data.is_empty() {
        let mut changed = data.to_vec();
        changed[0] ^= 0x01;
        let parts: Vec<&str> = jwt.split('.').collect();
        let tampered = format!("{}.{}.{}", parts[0], b64(&changed), parts[2]);
        assert!(verifier
            .verify_notification(&tampered, &key, SESSION)
            .is_err());
    }
});
