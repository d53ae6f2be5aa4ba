//! The ETpay JWT matrix, continued (issue 16): the RFC edges `jsonwebtoken` leaves to the
//! caller — `crit` in the header (RFC 7515 §4.1.11), `exp` / `nbf` when present (RFC 7519
//! §4.1.4–5, with the [`FUTURE_SKEW`] leeway and the injectable clock), repeated keys in the
//! header or claims — and the shared input cap of `jwt_from_body` / `jwt_from_input`.
//!
//! Every token here is signed with the right key, so each rejection is the rule's doing.

use base64::Engine as _;
use pasarela::etpay::notification::{jwt_from_body, jwt_from_input, FUTURE_SKEW};
use pasarela::etpay::{FixedClock, Notification, Verifier, VerifyError};
use pasarela::input::MAX_INPUT_BYTES;
use pasarela::Secret;

const SIGNATURE_TOKEN: &str = "synthetic-signature-token-4f9a2c7e1b3d5f60a8c2e4b6d8f0a1c3";
const SESSION_TOKEN: &str = "wWkobSyntheticSessionToken0123456789abcdefABCDEFghijklmnopqrwC0L5";
const IAT: u64 = 1_643_663_332;
const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

/// HS256 over the exact header and claims texts (so keys can repeat), with `key`.
fn signed_text(header: &str, claims: &str, key: &str) -> String {
    use hmac::{Hmac, Mac};
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let input = format!("{}.{}", b64.encode(header), b64.encode(claims));
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(input.as_bytes());
    format!("{input}.{}", b64.encode(mac.finalize().into_bytes()))
}

fn paid_claims(extra: &str) -> String {
    format!(
        r#"{{"session_token":"{SESSION_TOKEN}","merchant_order_id":"oc1","merchant_amount":1000,"payment_status":true,"iat":{IAT}{extra}}}"#
    )
}

fn at(now: u64) -> Verifier<FixedClock> {
    Verifier::new().with_clock(FixedClock(now))
}

fn verify_at(now: u64, jwt: &str) -> Result<Notification, VerifyError> {
    at(now).verify_notification(jwt, &Secret::new(SIGNATURE_TOKEN), SESSION_TOKEN)
}

#[test]
fn crit_in_the_header_is_refused() {
    for crit in [r#"["b64"]"#, r#"["exp"]"#, r#"[]"#] {
        let header = format!(r#"{{"alg":"HS256","typ":"JWT","crit":{crit},"b64":false}}"#);
        let jwt = signed_text(&header, &paid_claims(""), SIGNATURE_TOKEN);
        let err = verify_at(IAT, &jwt).unwrap_err();
        assert!(
            matches!(err, VerifyError::CriticalHeader { .. }),
            "{crit}: {err:?}"
        );
        assert!(err.is_not_authentic());
    }
    // Not even a list: refused too (jsonwebtoken cannot read such a header: malformed).
    let header = r#"{"alg":"HS256","typ":"JWT","crit":"b64"}"#;
    let jwt = signed_text(header, &paid_claims(""), SIGNATURE_TOKEN);
    assert!(verify_at(IAT, &jwt).is_err());
    // Control: the same token without `crit` is authentic.
    let jwt = signed_text(HEADER, &paid_claims(""), SIGNATURE_TOKEN);
    assert!(matches!(verify_at(IAT, &jwt), Ok(Notification::Payment(_))));
}

#[test]
fn exp_in_the_past_is_refused_beyond_the_leeway() {
    let exp = IAT + 600;
    let jwt = signed_text(
        HEADER,
        &paid_claims(&format!(r#","exp":{exp}"#)),
        SIGNATURE_TOKEN,
    );
    let leeway = FUTURE_SKEW.as_secs();
    assert!(verify_at(exp, &jwt).is_ok());
    assert!(verify_at(exp + leeway, &jwt).is_ok(), "within the leeway");
    assert_eq!(
        verify_at(exp + leeway + 1, &jwt),
        Err(VerifyError::Expired {
            exp,
            now: exp + leeway + 1
        })
    );
    // The payment-only entry point applies it too.
    assert!(matches!(
        at(exp + leeway + 1).verify_payment(&jwt, &Secret::new(SIGNATURE_TOKEN)),
        Err(VerifyError::Expired { .. })
    ));
}

#[test]
fn nbf_in_the_future_is_refused_beyond_the_leeway() {
    let nbf = IAT + 3600;
    let jwt = signed_text(
        HEADER,
        &paid_claims(&format!(r#","nbf":{nbf}"#)),
        SIGNATURE_TOKEN,
    );
    let leeway = FUTURE_SKEW.as_secs();
    assert!(verify_at(nbf - leeway, &jwt).is_ok(), "within the leeway");
    assert_eq!(
        verify_at(nbf - leeway - 1, &jwt),
        Err(VerifyError::NotYetValid {
            nbf,
            now: nbf - leeway - 1
        })
    );
    let bad = signed_text(HEADER, &paid_claims(r#","nbf":"soon""#), SIGNATURE_TOKEN);
    assert!(matches!(
        verify_at(IAT, &bad),
        Err(VerifyError::InvalidClaims { .. })
    ));
}

#[test]
fn a_system_error_claims_set_with_a_repeated_key_is_malformed_not_paid() {
    // Signed with the signature token: a last-key-wins reader sees system_error=false, i.e.
    // a payment result with payment_status true.
    let claims = paid_claims(r#","system_error":true,"system_error":false"#);
    let jwt = signed_text(HEADER, &claims, SIGNATURE_TOKEN);
    let err = verify_at(IAT, &jwt).unwrap_err();
    assert!(err.is_malformed(), "{err:?}");
    // The same rule everywhere: payment_status, nested objects, and the header.
    for claims in [
        paid_claims(r#","payment_status":false"#),
        paid_claims(r#","extra":{"a":1,"a":2}"#),
    ] {
        let jwt = signed_text(HEADER, &claims, SIGNATURE_TOKEN);
        assert!(verify_at(IAT, &jwt).unwrap_err().is_malformed(), "{claims}");
    }
    let header = r#"{"alg":"HS256","typ":"JWT","typ":"JWT"}"#;
    let jwt = signed_text(header, &paid_claims(""), SIGNATURE_TOKEN);
    assert!(verify_at(IAT, &jwt).unwrap_err().is_malformed());
}

#[test]
fn inputs_over_the_shared_cap_are_refused_before_parsing() {
    let jwt = signed_text(HEADER, &paid_claims(""), SIGNATURE_TOKEN);
    let body = format!(r#"{{"payment":"{jwt}"}}"#);
    let mut padded = body.clone().into_bytes();
    padded.resize(MAX_INPUT_BYTES, b' ');
    assert_eq!(jwt_from_body(&padded).unwrap(), jwt, "exactly the cap");
    padded.push(b' ');
    for result in [jwt_from_body(&padded), jwt_from_input(&padded)] {
        assert_eq!(
            result,
            Err(VerifyError::InputTooLarge {
                len: MAX_INPUT_BYTES + 1,
                max: MAX_INPUT_BYTES
            })
        );
    }
    assert_eq!(
        pasarela::lyra::notification::MAX_BODY_BYTES,
        MAX_INPUT_BYTES,
        "one cap for both gateways"
    );
}
