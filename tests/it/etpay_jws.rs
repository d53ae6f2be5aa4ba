//! The decisions `jsonwebtoken` made for us before pasarela verified HS256 itself (issue 18,
//! `src/etpay/jws.rs`): strict base64url in every part, a header that is an object with `alg`
//! exactly `HS256`, claims that are one JSON object. Every token is signed with the right key
//! over its exact text, so each outcome is the parsing rule's doing, and `jsonwebtoken` (a
//! dev-dependency only) is asked the same question: where both decide alike the test says so,
//! the two deliberate differences say why.

use base64::Engine as _;
use pasarela::etpay::{sign_for_tests, FixedClock, Notification, Verifier, VerifyError};
use pasarela::Secret;
use serde_json::{json, Value};

const KEY: &str = "synthetic-signature-token-4f9a2c7e1b3d5f60a8c2e4b6d8f0a1c3";
const SESSION_TOKEN: &str = "wWkobSyntheticSessionToken0123456789abcdefABCDEFghijklmnopqrwC0L5";
const IAT: u64 = 1_643_663_332;
const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// `header.payload.signature` with the HS256 MAC over exactly the given encoded parts.
fn sign_encoded(header: &str, payload: &str) -> String {
    use hmac::{Hmac, Mac};
    let input = format!("{header}.{payload}");
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(KEY.as_bytes()).unwrap();
    mac.update(input.as_bytes());
    format!("{input}.{}", b64(&mac.finalize().into_bytes()))
}

fn signed(header: &str, claims: &[u8]) -> String {
    sign_encoded(&b64(header.as_bytes()), &b64(claims))
}

fn paid_claims(extra: &str) -> String {
    format!(
        r#"{{"session_token":"{SESSION_TOKEN}","merchant_order_id":"oc1","merchant_amount":1000,"payment_status":true,"iat":{IAT}{extra}}}"#
    )
}

fn verify(jwt: &str) -> Result<Notification, VerifyError> {
    Verifier::new()
        .with_clock(FixedClock(IAT))
        .verify_notification(jwt, &Secret::new(KEY), SESSION_TOKEN)
}

/// What jsonwebtoken 11 (the verifier before issue 18) says, configured as pasarela was.
fn jsonwebtoken_accepts(jwt: &str) -> bool {
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    let key = jsonwebtoken::DecodingKey::from_secret(KEY.as_bytes());
    jsonwebtoken::decode::<Value>(jwt, &key, &validation).is_ok()
}

#[test]
fn base64url_without_padding_is_strict_in_every_part() {
    let claims = paid_claims("");
    let jwt = signed(HEADER, claims.as_bytes());
    assert!(
        verify(&jwt).is_ok() && jsonwebtoken_accepts(&jwt),
        "control"
    );
    let (header, rest) = jwt.split_once('.').unwrap();
    let (payload, signature) = rest.split_once('.').unwrap();
    let padded = base64::engine::general_purpose::URL_SAFE.encode(claims.as_bytes() as &[u8]);
    assert!(padded.ends_with('='), "the claims length needs padding");
    // The last signature symbol carries 2 unused bits: setting one gives the same 32 bytes to
    // a lenient decoder (a second spelling of one signature).
    let last = signature.chars().last().unwrap();
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let sibling = alphabet
        .chars()
        .nth(alphabet.find(last).unwrap() ^ 1)
        .unwrap();
    let mut cases = vec![
        ("padded signature", format!("{jwt}=")),
        ("padded payload", sign_encoded(header, &padded)),
        (
            "newline inside the payload",
            sign_encoded(header, &format!("{}\n{}", &payload[..8], &payload[8..])),
        ),
        (
            "space inside the signature",
            format!("{header}.{payload}.{} {}", &signature[..8], &signature[8..]),
        ),
        (
            "non-canonical last symbol",
            format!(
                "{header}.{payload}.{}{sibling}",
                &signature[..signature.len() - 1]
            ),
        ),
    ];
    // The standard alphabet: find claims whose encoding has `-` or `_`, sign their `+` / `/`
    // spelling.
    let url_safe = (0..3)
        .map(|shift| {
            b64(paid_claims(&format!(r#","pad":"{}>>>???"#, " ".repeat(shift))).as_bytes())
        })
        .find(|p| p.contains('-') && p.contains('_'))
        .expect("one alignment puts >>> and ??? on symbol boundaries");
    let standard = url_safe.replace('-', "+").replace('_', "/");
    cases.push(("standard alphabet", sign_encoded(header, &standard)));
    for (name, jwt) in cases {
        let err = verify(&jwt).unwrap_err();
        assert!(err.is_malformed(), "{name}: {err:?}");
        assert!(
            !jsonwebtoken_accepts(&jwt),
            "{name}: jsonwebtoken refused it too"
        );
    }
}

#[test]
fn the_header_is_an_object_whose_alg_is_exactly_hs256() {
    let claims = paid_claims("");
    let outcome = |header: &str| match verify(&signed(header, claims.as_bytes())) {
        Ok(_) => "ok".to_owned(),
        Err(VerifyError::WrongAlgorithm { alg }) => format!("wrong_algorithm {alg}"),
        Err(VerifyError::CriticalHeader { .. }) => "critical".to_owned(),
        Err(e) if e.is_malformed() => "malformed".to_owned(),
        Err(e) => format!("{e:?}"),
    };
    let agreed = [
        (r#"{"alg":"HS256"}"#, "ok"),
        (
            r#"{"typ":"JWT","alg":"HS256","kid":"k1","cty":"json"}"#,
            "ok",
        ),
        (r#"{"alg":"HS256","typ":null}"#, "ok"),
        (r#" {"alg":"HS256"} "#, "ok"),
        (r#"{"alg":"hs256"}"#, "wrong_algorithm hs256"),
        (r#"{"alg":"HS256 "}"#, "wrong_algorithm HS256 "),
        (r#"{"alg":"none"}"#, "wrong_algorithm none"),
        (r#"{"alg":"HS512"}"#, "wrong_algorithm HS512"),
        (r#"{"alg":"HS256","alg":"none"}"#, "wrong_algorithm none"),
        (r#"{"alg":"none","alg":"HS256"}"#, "malformed"),
        (r#"{"alg":256}"#, "malformed"),
        (r#"{"alg":null}"#, "malformed"),
        (r#"{"typ":"JWT"}"#, "malformed"),
        (r#"{"alg":"HS256","typ":5}"#, "malformed"),
        (r#"{"alg":"HS256","cty":["JWT"]}"#, "malformed"),
        (r#"{"alg":"HS256"}x"#, "malformed"),
        (r#"["HS256"]"#, "malformed"),
        (r#""HS256""#, "malformed"),
        ("null", "malformed"),
        ("", "malformed"),
    ];
    for (header, expect) in agreed {
        assert_eq!(outcome(header), expect, "{header}");
        let jwt = signed(header, claims.as_bytes());
        assert_eq!(
            jsonwebtoken_accepts(&jwt),
            expect == "ok",
            "{header}: jsonwebtoken agrees"
        );
    }
    // Deliberate differences. `crit` is refused whatever its value: jsonwebtoken read `null` as
    // absent. A header parameter pasarela never reads is not type-checked: jsonwebtoken refused
    // a numeric `kid`, but the key always comes from the caller, never from the token.
    let crit_null = r#"{"alg":"HS256","crit":null}"#;
    assert_eq!(outcome(crit_null), "critical");
    assert!(jsonwebtoken_accepts(&signed(crit_null, claims.as_bytes())));
    let numeric_kid = r#"{"alg":"HS256","kid":5,"jku":{"x":1}}"#;
    assert_eq!(outcome(numeric_kid), "ok");
    assert!(!jsonwebtoken_accepts(&signed(
        numeric_kid,
        claims.as_bytes()
    )));
}

#[test]
fn the_claims_are_one_json_object_in_utf8() {
    for claims in [
        "[]".to_owned(),
        "5".to_owned(),
        r#""claims""#.to_owned(),
        "null".to_owned(),
        String::new(),
        format!("{} x", paid_claims("")),
        format!("{}{{}}", paid_claims("")),
    ] {
        let jwt = signed(HEADER, claims.as_bytes());
        let err = verify(&jwt).unwrap_err();
        assert!(err.is_malformed(), "{claims:?}: {err:?}");
        assert!(
            !jsonwebtoken_accepts(&jwt),
            "{claims:?}: jsonwebtoken agrees"
        );
    }
    let mut not_utf8 = paid_claims(r#","note":"X""#).into_bytes();
    let x = not_utf8.iter().rposition(|&b| b == b'X').unwrap();
    not_utf8[x] = 0xff;
    let jwt = signed(HEADER, &not_utf8);
    assert!(verify(&jwt).unwrap_err().is_malformed());
    assert!(!jsonwebtoken_accepts(&jwt));
    // JSON whitespace around the object is JSON: accepted, and kept byte for byte.
    let spaced = format!("\n {}\t\r\n", paid_claims(""));
    let jwt = signed(HEADER, spaced.as_bytes());
    assert_eq!(verify(&jwt).unwrap().claims_json(), spaced);
    assert!(jsonwebtoken_accepts(&jwt));
}

#[test]
fn our_signer_and_jsonwebtoken_read_each_other() {
    let claims = json!({"session_token": SESSION_TOKEN, "merchant_amount": 1000,
        "payment_status": true, "iat": IAT, "note": "ñandú ✓ \"quoted\" \u{1F600}"});
    let ours = sign_for_tests(&claims, &Secret::new(KEY)).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.required_spec_claims.clear();
    let read = jsonwebtoken::decode::<Value>(
        &ours,
        &jsonwebtoken::DecodingKey::from_secret(KEY.as_bytes()),
        &validation,
    )
    .unwrap();
    assert_eq!(read.claims, claims);
    let theirs = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(KEY.as_bytes()),
    )
    .unwrap();
    assert_eq!(theirs, ours, "the same header bytes, claims bytes and MAC");
    let verified = verify(&theirs).unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(verified.claims_json()).unwrap(),
        claims
    );
}
