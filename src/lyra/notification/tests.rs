//! Unit tests of the verification core.

use super::*;

fn keys() -> Keys {
    Keys::new("pw", "hk")
}

#[test]
fn hash_format_checks_are_ordered() {
    assert_eq!(
        parse_hash("zz"),
        Err(NotificationError::MalformedHash(MalformedHash::NotHex))
    );
    assert_eq!(
        parse_hash("AB"),
        Err(NotificationError::MalformedHash(MalformedHash::Uppercase))
    );
    assert_eq!(
        parse_hash("abc"),
        Err(NotificationError::MalformedHash(
            MalformedHash::WrongLength { len: 3 }
        ))
    );
    assert_eq!(parse_hash(&"0".repeat(64)).unwrap(), vec![0; 32]);
}

#[test]
fn empty_key_is_refused_not_used() {
    let body = sign("{}", SignedWith::HmacKey, &Keys::new("pw", ""));
    assert_eq!(
        verify(&body, &Keys::new("pw", "")).unwrap_err(),
        NotificationError::KeyNotConfigured(SignedWith::HmacKey)
    );
}

#[test]
fn long_attacker_strings_are_shortened_in_errors() {
    let body = format!(
        "kr-hash=00&kr-hash-algorithm={}&kr-hash-key=password&kr-answer-type=x&kr-answer=x",
        "a".repeat(500)
    );
    match verify(body.as_bytes(), &keys()).unwrap_err() {
        NotificationError::UnsupportedAlgorithm(value) => assert_eq!(value.chars().count(), 41),
        other => panic!("{other:?}"),
    }
}

#[test]
fn other_answer_types_are_kept_as_json() {
    let body = sign_with_type(
        "V3.1/IPNRequest",
        r#"{"a":1}"#,
        SignedWith::Password,
        &keys(),
    );
    let verified = verify(&body, &keys()).unwrap();
    assert_eq!(
        verified.answer(),
        &KrAnswer::Other(serde_json::json!({"a": 1}))
    );
    assert!(!verified.is_paid());
}

/// The onSubmit payload for `raw`, signed with the HMAC key of `keys()`.
fn client_payload(raw: &str) -> serde_json::Value {
    serde_json::json!({
        "clientAnswer": serde_json::from_str::<serde_json::Value>(raw).unwrap_or_default(),
        "rawClientAnswer": raw,
        "hash": compute_hash(raw, &keys().hmac_key),
        "hashAlgorithm": "sha256_hmac",
        "hashKey": "sha256_hmac",
        "_type": CLIENT_ANSWER_TYPE,
        "serverDate": "2026-01-01T00:00:00+00:00",
    })
}

const PAID: &str = r#"{"shopId":"1","orderCycle":"CLOSED","orderStatus":"PAID","transactions":[],"_type":"V4/Payment"}"#;

fn client(body: &serde_json::Value) -> Result<VerifiedAnswer, NotificationError> {
    verify_client_answer(body.to_string().as_bytes(), &keys())
}

#[test]
fn client_answer_verifies_and_decodes() {
    let verified = client(&client_payload(PAID)).unwrap();
    assert_eq!(verified.signed_with(), SignedWith::HmacKey);
    assert_eq!(verified.answer_type(), PAYMENT_ANSWER_TYPE);
    assert_eq!(verified.raw_answer(), PAID);
    assert!(verified.is_paid() && verified.is_final());
    assert_eq!(
        verified.extra_field("serverDate"),
        Some("2026-01-01T00:00:00+00:00")
    );
}

#[test]
fn client_answer_signed_with_the_password_is_accepted_as_such() {
    let mut body = client_payload(PAID);
    body["hashKey"] = "password".into();
    body["hash"] = compute_hash(PAID, &keys().password).into();
    assert_eq!(client(&body).unwrap().signed_with(), SignedWith::Password);
    body["hashKey"] = "sha256_hmac".into();
    assert_eq!(
        client(&body).unwrap_err(),
        NotificationError::SignatureMismatch(SignedWith::HmacKey)
    );
}

#[test]
fn client_answer_is_never_verified_from_client_answer() {
    let mut body = client_payload(PAID);
    body.as_object_mut().unwrap().remove("rawClientAnswer");
    assert_eq!(
        client(&body).unwrap_err(),
        NotificationError::MissingJsonField("rawClientAnswer")
    );
    // A forged clientAnswer next to an authentic raw answer is ignored, not trusted.
    let mut body = client_payload(PAID);
    body["clientAnswer"]["orderStatus"] = "UNPAID".into();
    let verified = client(&body).unwrap();
    assert!(verified.is_paid());
}

#[test]
fn client_answer_altered_or_forged_is_a_mismatch() {
    let mut body = client_payload(PAID);
    body["rawClientAnswer"] = PAID.replace("PAID", "PAYD").into();
    assert!(client(&body).unwrap_err().is_signature_mismatch());
    let mut body = client_payload(PAID);
    body["hash"] = "0".repeat(64).into();
    assert!(client(&body).unwrap_err().is_signature_mismatch());
    // Signed with another HMAC key.
    let mut body = client_payload(PAID);
    body["hash"] = compute_hash(PAID, &Secret::new("other")).into();
    assert!(client(&body).unwrap_err().is_signature_mismatch());
}

#[test]
fn client_answer_reads_escaped_slashes_like_verify() {
    let raw = r#"{"orderStatus":"PAID","url":"a\/b","_type":"V4/Payment"}"#;
    let mut body = client_payload(raw);
    body["hash"] = compute_hash(&raw.replace("\\/", "/"), &keys().hmac_key).into();
    assert_eq!(client(&body).unwrap().raw_answer(), raw);
}

#[test]
fn client_answer_hostile_shapes_are_rejected_with_typed_errors() {
    let k = keys();
    let check = |body: &[u8], code: &str| {
        let error = verify_client_answer(body, &k).unwrap_err();
        assert_eq!(error.code(), code, "{error}");
        // The message never echoes the body.
        assert!(!error.to_string().contains("SECRETISH"), "{error}");
    };
    check(b"", "empty_body");
    check(b"   ", "empty_body");
    check(b"\"SECRETISH\"", "not_json");
    check(b"[1,2]", "not_json");
    check(b"{\"hash\":", "not_json");
    check(b"kr-hash=SECRETISH", "not_json");
    check(&[0xff, 0xfe], "not_json");
    for field in [
        "hash",
        "hashAlgorithm",
        "hashKey",
        "_type",
        "rawClientAnswer",
    ] {
        let mut body = client_payload(PAID);
        body.as_object_mut().unwrap().remove(field);
        assert_eq!(
            client(&body).unwrap_err(),
            NotificationError::MissingJsonField(client_answer::json_name(
                Field::ALL
                    .into_iter()
                    .find(|f| client_answer::json_name(*f) == field)
                    .unwrap()
            ))
        );
        let mut body = client_payload(PAID);
        body[field] = serde_json::json!({"SECRETISH": 1});
        check(body.to_string().as_bytes(), "wrong_type");
    }
    // A duplicate member: which copy was signed would be ambiguous.
    let body = client_payload(PAID).to_string();
    let duplicated = body.replacen('{', r#"{"rawClientAnswer":"{}","#, 1);
    check(duplicated.as_bytes(), "duplicate_field");
    let mut body = client_payload(PAID);
    body["hashAlgorithm"] = "sha1".into();
    check(body.to_string().as_bytes(), "unsupported_algorithm");
    body = client_payload(PAID);
    body["hashKey"] = "k".repeat(500).into(); // shortened in the error, as in verify
    check(body.to_string().as_bytes(), "unknown_key_kind");
    body = client_payload(PAID);
    body["hash"] = "ABC".into();
    check(body.to_string().as_bytes(), "malformed_hash");
    assert_eq!(
        verify_client_answer(
            client_payload(PAID).to_string().as_bytes(),
            &Keys::new("pw", "")
        )
        .unwrap_err(),
        NotificationError::KeyNotConfigured(SignedWith::HmacKey)
    );
}

#[test]
fn client_answer_size_is_bounded_before_parsing() {
    let huge = vec![b' '; MAX_CLIENT_ANSWER_BYTES + 1];
    assert_eq!(
        verify_client_answer(&huge, &keys()).unwrap_err(),
        NotificationError::BodyTooLarge {
            len: MAX_CLIENT_ANSWER_BYTES + 1,
            max: MAX_CLIENT_ANSWER_BYTES
        }
    );
    // Deep nesting in an unsigned member is skipped without recursion (no stack overflow).
    let deep = format!(
        r#"{{"clientAnswer":{}1{}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert_eq!(
        verify_client_answer(deep.as_bytes(), &keys())
            .unwrap_err()
            .code(),
        "missing_field"
    );
}

#[test]
fn client_answer_authentic_but_undecodable_keeps_the_raw_text() {
    let raw = r#"{"orderStatus":7}"#;
    match client(&client_payload(raw)).unwrap_err() {
        NotificationError::UndecodableAnswer { raw_answer, .. } => assert_eq!(raw_answer, raw),
        other => panic!("{other:?}"),
    }
}
