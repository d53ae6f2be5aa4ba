//! Unit tests of the drift check.

use super::divergence::{escape_pointer, unexpected_names};
use super::*;
use serde_json::json;

#[test]
fn kinds_are_detected_from_their_shape() {
    let cases: [(&str, Kind); 9] = [
        (
            r#"{"answer":{},"_type":"V4/WebService/Response"}"#,
            Kind::LyraResponse,
        ),
        (
            r#"{"orderStatus":"PAID","_type":"V4/Payment"}"#,
            Kind::LyraPayment,
        ),
        ("kr-hash=ab&kr-answer=%7B%7D", Kind::LyraNotification),
        (
            r#"{"rawClientAnswer":"{}","_type":"V4/Charge/ProcessPaymentAnswer"}"#,
            Kind::LyraClientAnswer,
        ),
        ("eyJh.eyJi.c2ln", Kind::EtpayClaims),
        (r#"{"payment":"a.b.c"}"#, Kind::EtpayClaims),
        (r#"{"session_token":"x","iat":1}"#, Kind::EtpayClaims),
        (r#"{"token":"t","signature_token":"s"}"#, Kind::EtpaySession),
        ("[]", Kind::EtpayPaymentStatus),
    ];
    for (input, kind) in cases {
        assert_eq!(Kind::detect(input.as_bytes()), Some(kind), "{input}");
    }
    assert_eq!(Kind::detect(b"hello world"), None);
    assert_eq!(Kind::detect(b"{\"x\":1}"), None);
    for kind in Kind::ALL {
        assert_eq!(kind.name().parse::<Kind>(), Ok(kind));
    }
}

#[test]
fn categories_and_paths_name_the_field_itself() {
    let doc = json!({
        "shopId": "1", "orderCycle": "CLOSED", "orderStatus": "PAID_SOMEHOW",
        "orderDetails": {"orderTotalAmount": "990"},
        "transactions": [{"uuid": "u", "newThing": 1, "_type": "V4/PaymentTransaction"}],
        "_type": "V4/Payment", "brandNew": {}
    });
    let found = divergences("lyra-v4", "Payment", &doc);
    let has = |path: &str, category| {
        found
            .iter()
            .any(|d| d.path == path && d.category == category)
    };
    assert!(has("/brandNew", Category::UndeclaredField), "{found:#?}");
    assert!(
        has("/transactions/0/newThing", Category::UndeclaredField),
        "{found:#?}"
    );
    assert!(
        has("/orderStatus", Category::UnknownEnumValue),
        "{found:#?}"
    );
    assert!(
        has("/orderDetails/orderTotalAmount", Category::TypeMismatch),
        "{found:#?}"
    );
}

#[test]
fn a_missing_required_field_is_named() {
    let found = divergences("etpay", "SessionInitializeResponse", &json!({"token": "t"}));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].path, "/signature_token");
    assert_eq!(found[0].category, Category::MissingField);
}

#[test]
fn several_undeclared_names_are_split() {
    assert_eq!(
        unexpected_names("Additional properties are not allowed ('a', 'b/c' were unexpected)"),
        Some(vec!["a".to_owned(), "b/c".to_owned()])
    );
    assert_eq!(escape_pointer("b/c~"), "b~1c~0");
}

#[test]
fn etpay_jwts_are_read_without_a_key_and_verified_with_one() {
    let key = Secret::new("sig");
    let claims = json!({"session_token": "s", "payment_status": "success", "iat": 1, "new": 2});
    let jwt = crate::etpay::notification::sign_for_tests(&claims, &key).unwrap();
    let report = check(jwt.as_bytes(), None).unwrap();
    assert_eq!(report.kind, Kind::EtpayClaims);
    assert_eq!(report.authenticity, Authenticity::NotChecked);
    assert_eq!(report.divergences.len(), 1);
    assert_eq!(report.divergences[0].path, "/new");
    let report = check_with(jwt.as_bytes(), None, &Keys::etpay("sig")).unwrap();
    assert!(
        report.authenticity.is_authentic(),
        "{}",
        report.authenticity
    );
    let report = check_with(jwt.as_bytes(), None, &Keys::etpay("other")).unwrap();
    assert!(matches!(report.authenticity, Authenticity::NotAuthentic(_)));
}

#[test]
fn unreadable_documents_are_errors_not_reports() {
    assert!(matches!(
        check(b"\xff\xfe", None),
        Err(DriftError::UnknownKind)
    ));
    assert!(matches!(
        check(b"not json", Some(Kind::LyraResponse)),
        Err(DriftError::Malformed { .. })
    ));
    assert!(matches!(
        check(b"kr-hash=x", Some(Kind::LyraNotification)),
        Err(DriftError::Malformed { .. })
    ));
    let big = vec![b' '; MAX_DOCUMENT_BYTES + 1];
    assert!(matches!(
        check(&big, None),
        Err(DriftError::TooLarge { .. })
    ));
}
