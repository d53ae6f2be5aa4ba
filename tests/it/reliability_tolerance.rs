//! Tolerant decoding, proven on the fixtures: the gateways add fields and enum values without
//! notice, and neither may break the decoding of a real payment.
//!
//! * Unknown **fields** are added at every nesting level of the V4/Payment answers (seed 000 and
//!   002), of V4 envelopes and of the ETpay claims: decoding succeeds. The generated Lyra types
//!   drop unknown fields (documented: store [`VerifiedAnswer::raw_answer`], which keeps them);
//!   the ETpay claims keep them in `extra` and re-encode them.
//! * Every gateway-owned **value** (every string of the fixtures but the `_type` discriminators)
//!   is replaced, one at a time, with a value never seen: decoding succeeds, the value is kept
//!   as received and re-encoding gives it back. The enumerations named in the issue are also
//!   checked through the typed API (`Unknown(..)`, `is_paid() == false`).
//!
//! [`VerifiedAnswer::raw_answer`]: pasarela::lyra::notification::VerifiedAnswer::raw_answer

use pasarela::etpay::{
    self, notification as etpay_notification, Notification, PaymentClaims, PaymentStatus,
    SystemErrorClaims, Verifier,
};
use pasarela::lyra::enums::{
    CardBrand, DetailedStatus, Mode, OperationType, OrderCycle, OrderStatus, PaymentMethodType,
    TransactionStatus, TransactionTypeName,
};
use pasarela::lyra::notification::{self, Keys, SignedWith};
use pasarela::lyra::types::{Payment, WebServiceResponse};
use pasarela::lyra::Answer;
use pasarela::Secret;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

const UNSEEN: &str = "ZZ_NEVER_SEEN_VALUE_2031";
const UNKNOWN_FIELD: &str = "zzFieldAddedByTheGateway";

fn fixture(path: &str) -> Value {
    let text = std::fs::read_to_string(format!(
        "{}/tests/fixtures/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

const PAYMENTS: [&str; 2] = [
    "lyra/Payment/seed000_kr_answer_pen.json",
    "lyra/Payment/seed002_kr_answer_eur.json",
];
const ENVELOPES: [&str; 3] = [
    "lyra/WebServiceResponse/seed000_create_payment_response.json",
    "lyra/WebServiceResponse/seed003_payment_order_get_response_1_fr_FR_PEN.json",
    "lyra/WebServiceResponse/seed003_error_psp_1000_constructed.json",
];

/// JSON pointers of every object in `value` (the root included).
fn objects(value: &Value, pointer: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            out.push(pointer.to_owned());
            for (key, child) in map {
                objects(child, &format!("{pointer}/{}", escape(key)), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                objects(child, &format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// JSON pointers of every string value in `value`, with the key it is under.
fn strings(value: &Value, pointer: &str, key: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (k, child) in map {
                strings(child, &format!("{pointer}/{}", escape(k)), k, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                strings(child, &format!("{pointer}/{i}"), key, out);
            }
        }
        Value::String(_) => out.push((pointer.to_owned(), key.to_owned())),
        _ => {}
    }
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn with_unknown_field(value: &Value, object: &str) -> Value {
    let mut value = value.clone();
    let target = value
        .pointer_mut(object)
        .and_then(Value::as_object_mut)
        .expect("an object");
    target.insert(
        UNKNOWN_FIELD.to_owned(),
        json!({"nested": [1, {"deeper": true}], "text": "new"}),
    );
    value
}

fn with_string(value: &Value, pointer: &str, new: &str) -> Value {
    let mut value = value.clone();
    *value.pointer_mut(pointer).expect("the pointer exists") = Value::String(new.to_owned());
    value
}

fn decode<T: DeserializeOwned>(value: &Value, what: &str) -> T {
    serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("{what}: does not decode: {e}"))
}

fn encode<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("a decoded value encodes")
}

/// Adds an unknown field to every object in turn: the typed value decodes and is exactly the
/// one decoded from the original (the unknown field is dropped, nothing else changes).
fn unknown_fields_are_ignored<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(
    path: &str,
) -> usize {
    let original = fixture(path);
    let typed: T = decode(&original, path);
    let mut pointers = Vec::new();
    objects(&original, "", &mut pointers);
    for pointer in &pointers {
        let changed = with_unknown_field(&original, pointer);
        let decoded: T = decode(
            &changed,
            &format!("{path} with an unknown field at {pointer:?}"),
        );
        assert_eq!(
            decoded, typed,
            "{path}: an unknown field at {pointer:?} changed the decoded value"
        );
        assert!(
            !encode(&decoded).to_string().contains(UNKNOWN_FIELD),
            "generated types drop unknown fields (documented)"
        );
    }
    pointers.len()
}

/// Replaces every string but `_type` (and the listed protocol fields) with an unseen value, one
/// at a time: decoding succeeds and re-encoding gives the value back at the same place.
fn unseen_values_round_trip<T: DeserializeOwned + Serialize>(
    path: &str,
    fail_closed: &[&str],
) -> usize {
    let original = fixture(path);
    let mut leaves = Vec::new();
    strings(&original, "", "", &mut leaves);
    let mut checked = 0;
    for (pointer, key) in &leaves {
        if key == "_type" || fail_closed.contains(&pointer.as_str()) {
            continue;
        }
        let changed = with_string(&original, pointer, UNSEEN);
        let decoded: T = decode(&changed, &format!("{path} with {pointer} = {UNSEEN:?}"));
        let back = encode(&decoded);
        assert_eq!(
            back.pointer(pointer),
            Some(&Value::String(UNSEEN.to_owned())),
            "{path}: {pointer} was not given back as received"
        );
        checked += 1;
    }
    checked
}

#[test]
fn payments_ignore_unknown_fields_at_every_level() {
    for path in PAYMENTS {
        let objects = unknown_fields_are_ignored::<Payment>(path);
        assert!(objects >= 10, "{path}: only {objects} objects found");
    }
}

#[test]
fn payments_keep_every_unseen_value() {
    for path in PAYMENTS {
        let checked = unseen_values_round_trip::<Payment>(path, &[]);
        assert!(checked >= 20, "{path}: only {checked} strings replaced");
    }
}

#[test]
fn envelopes_ignore_unknown_fields_and_keep_unseen_values() {
    // `status` is the protocol's SUCCESS/ERROR switch, not a business value: an unseen status
    // is deliberately an undecodable response (fail closed) rather than a success.
    let fail_closed = ["/status"];
    for path in ENVELOPES {
        assert!(unknown_fields_are_ignored::<WebServiceResponse>(path) >= 2);
        assert!(unseen_values_round_trip::<WebServiceResponse>(path, &fail_closed) >= 3);
        let mut changed = fixture(path);
        changed["status"] = UNSEEN.into();
        assert!(
            serde_json::from_value::<WebServiceResponse>(changed).is_err(),
            "{path}: an unseen envelope status must not pass as a success"
        );
    }
}

#[test]
fn an_unseen_answer_type_is_kept_whole() {
    let mut envelope = fixture(ENVELOPES[0]);
    envelope["answer"] =
        json!({"_type": "V5/Charge/SomethingNew", "formToken": "t", UNKNOWN_FIELD: {"a": [1, 2]}});
    let decoded: WebServiceResponse = decode(&envelope, "an unseen answer type");
    assert_eq!(decoded.answer.type_name(), Some("V5/Charge/SomethingNew"));
    assert!(matches!(&decoded.answer, Answer::Unknown(raw) if raw == &envelope["answer"]));
    assert_eq!(
        encode(&decoded)["answer"],
        envelope["answer"],
        "an unknown answer re-encodes byte for byte"
    );
}

fn payment_with(pointer_values: &[(&str, &str)]) -> Payment {
    let mut value = fixture(PAYMENTS[0]);
    for (pointer, new) in pointer_values {
        value = with_string(&value, pointer, new);
    }
    decode(&value, "payment with unseen values")
}

#[test]
fn the_named_enumerations_become_unknown_and_are_not_paid() {
    let p = payment_with(&[
        ("/orderStatus", "PAID_LATER"),
        ("/orderCycle", "HALF_OPEN"),
        ("/orderDetails/mode", "STAGING"),
        ("/orderDetails/orderCurrency", "XBT"),
        ("/transactions/0/status", "DISPUTED"),
        ("/transactions/0/detailedStatus", "CHARGEBACK_PENDING"),
        ("/transactions/0/operationType", "CHARGEBACK"),
        ("/transactions/0/paymentMethodType", "CRYPTO"),
        ("/transactions/0/currency", "XBT"),
        ("/transactions/0/_type", "V5/PaymentTransaction"),
        (
            "/transactions/0/transactionDetails/cardDetails/effectiveBrand",
            "NEWBRAND",
        ),
    ]);
    assert_eq!(
        p.order_status,
        Some(OrderStatus::Unknown("PAID_LATER".into()))
    );
    assert!(!p.is_paid(), "an unseen order status is never paid");
    assert_eq!(p.order_cycle, Some(OrderCycle::Unknown("HALF_OPEN".into())));
    assert!(!p.is_final(), "an unseen order cycle is never final");
    let details = p.order_details.as_ref().unwrap();
    assert_eq!(details.mode, Some(Mode::Unknown("STAGING".into())));
    assert_eq!(details.order_currency.as_deref(), Some("XBT"));
    let t = &p.transactions.as_ref().unwrap()[0];
    assert_eq!(
        t.status,
        Some(TransactionStatus::Unknown("DISPUTED".into()))
    );
    assert_eq!(
        t.detailed_status,
        Some(DetailedStatus::Unknown("CHARGEBACK_PENDING".into()))
    );
    assert_eq!(
        t.operation_type,
        Some(OperationType::Unknown("CHARGEBACK".into()))
    );
    assert_eq!(
        t.payment_method_type,
        Some(PaymentMethodType::Unknown("CRYPTO".into()))
    );
    assert_eq!(t.currency.as_deref(), Some("XBT"));
    assert_eq!(
        t.type_,
        TransactionTypeName::Unknown("V5/PaymentTransaction".into())
    );
    let brand = t
        .transaction_details
        .as_ref()
        .and_then(|d| d.card_details.as_ref())
        .and_then(|c| c.effective_brand.clone());
    assert_eq!(brand, Some(CardBrand::Unknown("NEWBRAND".into())));
    // The idempotency key of the transaction carries the unseen status as received.
    assert!(p.transaction_keys()[0]
        .to_string()
        .ends_with("/CHARGEBACK_PENDING"));
    // Re-encoding gives every value back.
    let back = encode(&p);
    assert_eq!(back["orderStatus"], "PAID_LATER");
    assert_eq!(
        back["transactions"][0]["detailedStatus"],
        "CHARGEBACK_PENDING"
    );
    assert_eq!(
        back["transactions"][0]["transactionDetails"]["cardDetails"]["effectiveBrand"],
        "NEWBRAND"
    );
    assert_eq!(back["transactions"][0]["_type"], "V5/PaymentTransaction");
}

#[test]
fn a_verified_notification_keeps_unknown_fields_in_its_raw_answer() {
    let keys = Keys::new("testpassword_TOLERANCE", "tolerance0hmac0key");
    for path in PAYMENTS {
        let original = fixture(path);
        let typed: Payment = decode(&original, path);
        let mut pointers = Vec::new();
        objects(&original, "", &mut pointers);
        for pointer in pointers {
            let changed = with_string(
                &with_unknown_field(&original, &pointer),
                "/orderStatus",
                "PAID_LATER",
            );
            let raw = serde_json::to_string(&changed).unwrap();
            let body = notification::sign(&raw, SignedWith::Password, &keys);
            let verified = notification::verify(&body, &keys)
                .unwrap_or_else(|e| panic!("{path} {pointer}: {e}"));
            assert_eq!(
                verified.raw_answer(),
                raw,
                "the raw answer is kept exactly as signed"
            );
            assert!(verified.raw_answer().contains(UNKNOWN_FIELD));
            let payment = verified.payment().expect("a V4/Payment");
            assert_eq!(
                payment.order_status,
                Some(OrderStatus::Unknown("PAID_LATER".into()))
            );
            assert!(!verified.is_paid());
            assert_eq!(
                payment.transactions, typed.transactions,
                "{path} {pointer}: the transactions decode unchanged"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// ETpay claims.

const CLAIMS: [&str; 2] = [
    "etpay/PaymentClaims/sdk_readme.json",
    "etpay/PaymentClaims/string_status.json",
];

#[test]
fn etpay_claims_keep_unknown_claims_and_give_them_back() {
    for path in CLAIMS {
        let mut value = fixture(path);
        value[UNKNOWN_FIELD] = json!({"nested": [1, {"deeper": true}]});
        value["zzNull"] = Value::Null;
        let claims: PaymentClaims = decode(&value, path);
        assert_eq!(claims.extra[UNKNOWN_FIELD], value[UNKNOWN_FIELD]);
        assert_eq!(
            encode(&claims),
            value,
            "{path}: unknown claims re-encode as received"
        );
    }
    let mut value = fixture("etpay/SystemErrorClaims/sdk_readme.json");
    value[UNKNOWN_FIELD] = json!([{"a": 1}]);
    let claims: SystemErrorClaims = decode(&value, "system error");
    assert_eq!(encode(&claims), value);

    // Inside the check_payment_status answer (an array of claims): every element.
    let mut list = fixture("etpay/CheckPaymentStatusResponse/sdk_readme.json");
    for item in list.as_array_mut().unwrap() {
        item[UNKNOWN_FIELD] = json!({"x": null});
    }
    let decoded: etpay::types::CheckPaymentStatusResponse =
        decode(&list, "check_payment_status answer");
    assert_eq!(encode(&decoded), list);
}

#[test]
fn etpay_claims_keep_every_unseen_value() {
    for path in CLAIMS {
        let checked = unseen_values_round_trip::<PaymentClaims>(path, &[]);
        assert!(checked >= 3, "{path}: only {checked} strings replaced");
    }
    // The status itself: an unseen string (or one in another case) is kept and is not paid.
    for unseen in ["SUCCESS", "succeeded", "pending_review", ""] {
        let mut value = fixture(CLAIMS[1]);
        value["payment_status"] = unseen.into();
        let claims: PaymentClaims = decode(&value, unseen);
        assert_eq!(
            claims.payment_status,
            Some(PaymentStatus::Text(unseen.into()))
        );
        assert!(!claims.is_paid(), "{unseen:?} must not count as paid");
        assert_eq!(encode(&claims)["payment_status"], unseen);
    }
}

#[test]
fn a_verified_etpay_jwt_keeps_unknown_claims() {
    let key = Secret::new("tolerance-signature-token");
    let mut value = fixture(CLAIMS[0]);
    value[UNKNOWN_FIELD] = json!({"nested": [1, {"deeper": true}]});
    value["payment_process"] = UNSEEN.into();
    let jwt = etpay::sign_for_tests(&value, &key).unwrap();
    let body = format!(r#"{{"payment":"{jwt}","zzOuterField":1}}"#);
    let jwt = etpay_notification::jwt_from_body(body.as_bytes())
        .expect("an unknown body field is ignored");
    let Notification::Payment(payment) = Verifier::new()
        .verify_notification(&jwt, &key, "unused")
        .unwrap()
    else {
        panic!("a payment result");
    };
    assert!(payment.claims_json().contains(UNKNOWN_FIELD));
    assert_eq!(payment.claims().extra[UNKNOWN_FIELD], value[UNKNOWN_FIELD]);
    assert_eq!(payment.claims().payment_process.as_deref(), Some(UNSEEN));
    assert_eq!(encode(payment.claims()), value);
}
