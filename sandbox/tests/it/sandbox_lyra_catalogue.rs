//! The web services of issue #14 in the sandbox: tokens from past transactions, buyer
//! wallets, the grey list and the PCI-DSS set, with their documented errors; and card data
//! (a distinctive PAN and security code) never coming back whole in answers, errors or the
//! notification listing.

use std::time::Duration;

use crate::support::{Reply, TestServer};
use pasarela::spec::SpecValidator;
use pasarela_sandbox::{defaults, Sandbox, SandboxConfig};
use serde_json::{json, Value};

/// The accepted test card (PAID / AUTHORISED) and its mask.
const ACCEPTED: &str = "4970100000000003";
const CAPTURED: &str = "4970100000000009";
const REFUSED: &str = "4970100000000014";
const TO_VALIDATE_MC: &str = "5970100300000018";

struct Api {
    base: String,
    http: reqwest::Client,
}

impl Api {
    async fn start(config: SandboxConfig) -> (Sandbox, Api) {
        let sandbox = crate::common::start(config).await;
        let api = Api {
            base: sandbox.base_url().to_owned(),
            http: reqwest::Client::new(),
        };
        (sandbox, api)
    }

    /// Posts a web service; checks the envelope against the spec; returns it.
    async fn call(&self, ws: &str, body: Value) -> Value {
        let envelope: Value = self
            .http
            .post(format!("{}/api-payment/V4/{ws}", self.base))
            .basic_auth(defaults::SHOP_ID, Some(defaults::PASSWORD))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if let Err(violations) = SpecValidator::lyra().validate("WebServiceResponse", &envelope) {
            panic!("{ws}: the answer breaks the spec: {violations:?}\n{envelope:#}");
        }
        envelope
    }

    async fn ok(&self, ws: &str, body: Value) -> Value {
        let envelope = self.call(ws, body).await;
        assert_eq!(envelope["status"], "SUCCESS", "{ws}: {envelope:#}");
        envelope["answer"].clone()
    }

    /// The `errorCode` of an ERROR answer.
    async fn error(&self, ws: &str, body: Value) -> Value {
        let envelope = self.call(ws, body).await;
        assert_eq!(envelope["status"], "ERROR", "{ws}: {envelope:#}");
        envelope["answer"].clone()
    }

    /// A card payment through the form and the control endpoint; the transaction's uuid.
    async fn paid_transaction(&self, order_id: &str, outcome: &str, customer: Value) -> String {
        let form = self
            .ok(
                "Charge/CreatePayment",
                json!({"amount": 1500, "currency": "PEN", "orderId": order_id, "customer": customer}),
            )
            .await;
        let paid: Value = self
            .http
            .post(format!("{}/sandbox/lyra/pay", self.base))
            .json(&json!({"formToken": form["formToken"], "outcome": outcome}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let answer: Value = serde_json::from_str(paid["krAnswer"].as_str().unwrap()).unwrap();
        answer["transactions"][0]["uuid"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// A token through PCI/Charge/CreateToken for a buyer reference.
    async fn pci_token(&self, pan: &str, reference: &str) -> String {
        let payment = self
            .ok(
                "PCI/Charge/CreateToken",
                json!({"currency": "PEN", "paymentForms": [card(pan, "123")],
                       "customer": {"email": "ana@example.com", "reference": reference}}),
            )
            .await;
        payment["transactions"][0]["paymentMethodToken"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

fn card(pan: &str, code: &str) -> Value {
    json!({"paymentMethodType": "CARD", "pan": pan, "expiryMonth": "12", "expiryYear": "30", "securityCode": code})
}

#[tokio::test]
async fn a_token_from_a_past_transaction_pays_server_to_server() {
    let (sandbox, api) = Api::start(SandboxConfig::default()).await;
    let customer = json!({"email": "old@example.com", "billingDetails": {"language": "ES", "firstName": "Ana"}});
    let uuid = api
        .paid_transaction("order-ctft-1", "captured", customer)
        .await;
    let token = api
        .ok(
            "Charge/CreateTokenFromTransaction",
            json!({"uuid": uuid, "customer": {"email": "ana@example.com"}}),
        )
        .await;
    assert_eq!(token["_type"], "V4/Token");
    assert_eq!(token["status"], "ACTIVE");
    assert_eq!(token["tokenDetails"]["pan"], "497010XXXXXX0009");
    // Only the documented buyer fields are copied.
    assert_eq!(token["customer"]["email"], "ana@example.com", "{token:#}");
    assert_eq!(token["customer"]["billingDetails"]["language"], "ES");
    assert!(token["customer"]["billingDetails"]["firstName"].is_null());

    let silent = api
        .ok(
            "Charge/CreatePayment",
            json!({"amount": 990, "currency": "PEN", "formAction": "SILENT",
                   "paymentMethodToken": token["paymentMethodToken"]}),
        )
        .await;
    assert_eq!(silent["orderStatus"], "PAID");

    // PSP_010 unknown transaction, PSP_035 refused or VERIFICATION.
    let unknown = api
        .error(
            "Charge/CreateTokenFromTransaction",
            json!({"uuid": "0".repeat(32)}),
        )
        .await;
    assert_eq!(unknown["errorCode"], "PSP_010");
    let refused = api
        .paid_transaction("order-ctft-2", "refused", json!({}))
        .await;
    let answer = api
        .error(
            "Charge/CreateTokenFromTransaction",
            json!({"uuid": refused}),
        )
        .await;
    assert_eq!(answer["errorCode"], "PSP_035");
    let verification = api
        .ok(
            "PCI/Charge/VerifyPaymentMethod",
            json!({"paymentForms": [card(ACCEPTED, "123")]}),
        )
        .await;
    let answer = api
        .error(
            "Charge/CreateTokenFromTransaction",
            json!({"uuid": verification["transactions"][0]["uuid"]}),
        )
        .await;
    assert_eq!(answer["errorCode"], "PSP_035");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn wallets_list_and_update_the_tokens_of_a_buyer_reference() {
    let (sandbox, api) = Api::start(SandboxConfig::default()).await;
    let first = api.pci_token(ACCEPTED, "buyer-7").await;
    let second = api.pci_token(TO_VALIDATE_MC, "buyer-7").await;
    api.pci_token(CAPTURED, "someone-else").await;

    let wallet = api
        .ok(
            "CustomerWallet/Get",
            json!({"customerReference": "buyer-7"}),
        )
        .await;
    assert_eq!(wallet["_type"], "V4/CustomerWallet");
    let tokens: Vec<&Value> = wallet["tokens"].as_array().unwrap().iter().collect();
    assert_eq!(tokens.len(), 2, "{wallet:#}");
    assert_eq!(tokens[0]["paymentMethodToken"], first.as_str());
    assert_eq!(tokens[1]["tokenDetails"]["effectiveBrand"], "MASTERCARD");

    // Token/UpdateCustomerDetails changes one token, CustomerWallet/Update all of them.
    let updated = api
        .ok(
            "Token/UpdateCustomerDetails",
            json!({"paymentMethodToken": first, "customer": {"billingDetails": {"firstName": "Ana"}}}),
        )
        .await;
    assert_eq!(updated["customer"]["billingDetails"]["firstName"], "Ana");
    assert_eq!(updated["customer"]["email"], "ana@example.com");
    let wallet = api
        .ok(
            "CustomerWallet/Update",
            json!({"customerReference": "buyer-7", "customer": {"email": "new@example.com", "billingDetails": {"city": "Lima"}}}),
        )
        .await;
    for token in wallet["tokens"].as_array().unwrap() {
        assert_eq!(token["customer"]["email"], "new@example.com");
        assert_eq!(token["customer"]["billingDetails"]["city"], "Lima");
        assert_eq!(token["customer"]["reference"], "buyer-7");
    }
    assert_eq!(
        wallet["tokens"][0]["customer"]["billingDetails"]["firstName"], "Ana",
        "the other billing fields stay"
    );

    // Cancelled tokens leave the ACTIVE view.
    api.ok("Token/Cancel", json!({"paymentMethodToken": second}))
        .await;
    let count = |wallet: Value| wallet["tokens"].as_array().unwrap().len();
    for (status, expected) in [("ACTIVE", 1), ("CANCELLED", 1), ("ALL", 2), ("EXPIRED", 0)] {
        let wallet = api
            .ok(
                "CustomerWallet/Get",
                json!({"customerReference": "buyer-7", "tokenStatus": status}),
            )
            .await;
        assert_eq!(count(wallet), expected, "{status}");
    }
    let empty = api
        .ok("CustomerWallet/Get", json!({"customerReference": "nobody"}))
        .await;
    assert_eq!(count(empty), 0);
    let unknown = api
        .error(
            "Token/UpdateCustomerDetails",
            json!({"paymentMethodToken": second, "customer": {"email": "x@example.com"}}),
        )
        .await;
    assert_eq!(unknown["errorCode"], "PSP_030", "a cancelled token");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_grey_list_takes_cards_bins_and_ip_addresses() {
    let (sandbox, api) = Api::start(SandboxConfig::default()).await;
    let uuid = api
        .paid_transaction("order-grey-1", "paid", json!({}))
        .await;
    let token = api.pci_token(TO_VALIDATE_MC, "buyer-grey").await;
    let add = |body: Value| api.call("Risk/AddToGreyList", body);

    let card =
        add(json!({"greyListType": "PAYMENT_METHOD", "uuid": uuid, "reason": "chargeback"})).await;
    assert_eq!(
        card["answer"],
        json!({"greyListType": "PAYMENT_METHOD", "value": "497010XXXXXX0003", "reason": "chargeback", "_type": "V4/GreyList"})
    );
    let bin = add(json!({"greyListType": "BIN", "paymentMethodToken": token})).await;
    assert_eq!(bin["answer"]["value"], "597010");
    let bin = add(json!({"greyListType": "BIN", "value": "45717360"})).await;
    assert_eq!(bin["answer"]["value"], "45717360");
    let ip = add(json!({"greyListType": "IP_ADDRESS", "value": "203.0.113.7"})).await;
    assert_eq!(ip["answer"]["value"], "203.0.113.7");

    for (body, code) in [
        (
            json!({"greyListType": "PAYMENT_METHOD", "value": "497010"}),
            "INT_205",
        ),
        (json!({"greyListType": "PAYMENT_METHOD"}), "INT_205"),
        (
            json!({"greyListType": "IP_ADDRESS", "value": "not an address"}),
            "INT_205",
        ),
        (
            json!({"greyListType": "IP_ADDRESS", "uuid": uuid}),
            "INT_205",
        ),
        (json!({"greyListType": "BIN", "value": "49"}), "INT_205"),
        (
            json!({"greyListType": "PAYMENT_METHOD", "uuid": "0".repeat(32)}),
            "PSP_010",
        ),
        (
            json!({"greyListType": "BIN", "paymentMethodToken": "nope"}),
            "PSP_030",
        ),
        (
            json!({"greyListType": "EMAIL", "value": "a@example.com"}),
            "INT_902",
        ),
    ] {
        let envelope = add(body.clone()).await;
        assert_eq!(envelope["status"], "ERROR", "{body}");
        assert_eq!(envelope["answer"]["errorCode"], code, "{body}");
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn pci_web_services_pay_register_verify_and_authenticate_with_test_cards() {
    let (sandbox, api) = Api::start(SandboxConfig::default()).await;
    let pay = |pan: &str, action: &str| {
        api.call(
            "PCI/Charge/CreatePayment",
            json!({"amount": 2500, "currency": "PEN", "orderId": format!("pci-{pan}-{action}"),
                   "formAction": action, "paymentForms": [card(pan, "123")],
                   "customer": {"email": "ana@example.com"}}),
        )
    };
    let captured = pay(CAPTURED, "PAYMENT").await["answer"].clone();
    assert_eq!(captured["_type"], "V4/Payment");
    assert_eq!(captured["orderStatus"], "PAID");
    let tx = &captured["transactions"][0];
    assert_eq!(tx["detailedStatus"], "CAPTURED");
    assert_eq!(
        tx["transactionDetails"]["cardDetails"]["pan"],
        "497010XXXXXX0009"
    );
    // The transaction is kept: Transaction/Get and refunds work as for form payments.
    let got = api.ok("Transaction/Get", json!({"uuid": tx["uuid"]})).await;
    assert_eq!(got["amount"], 2500);
    let refused = pay(REFUSED, "PAYMENT").await["answer"].clone();
    assert_eq!(refused["orderStatus"], "UNPAID");
    assert_eq!(refused["transactions"][0]["errorCode"], "ACQ_001");
    let registered = pay(ACCEPTED, "REGISTER_PAY").await["answer"].clone();
    let token = registered["transactions"][0]["paymentMethodToken"].clone();
    assert!(token.is_string(), "{registered:#}");
    assert_eq!(
        api.ok("Token/Get", json!({"paymentMethodToken": token}))
            .await["tokenDetails"]["pan"],
        "497010XXXXXX0003"
    );

    // PCI/Charge/CreateToken: a VERIFICATION with a token; VerifyPaymentMethod: no token.
    let created = api
        .ok(
            "PCI/Charge/CreateToken",
            json!({"paymentForms": [card(ACCEPTED, "123")], "customer": {"email": "ana@example.com"}}),
        )
        .await;
    assert_eq!(created["transactions"][0]["operationType"], "VERIFICATION");
    assert!(created["transactions"][0]["paymentMethodToken"].is_string());
    let verified = api
        .ok(
            "PCI/Charge/VerifyPaymentMethod",
            json!({"currency": "PEN", "paymentForms": [card(ACCEPTED, "123")]}),
        )
        .await;
    assert_eq!(verified["transactions"][0]["operationType"], "VERIFICATION");
    assert_eq!(verified["transactions"][0]["detailedStatus"], "ACCEPTED");
    assert!(verified["transactions"][0]["paymentMethodToken"].is_null());

    // Token/Update with card data replaces the card, keeping the token.
    let updated = api
        .ok(
            "Token/Update",
            json!({"paymentMethodToken": token, "paymentForms": [card(TO_VALIDATE_MC, "123")]}),
        )
        .await;
    assert_eq!(updated["_type"], "V4/Payment");
    let got = api
        .ok("Token/Get", json!({"paymentMethodToken": token}))
        .await;
    assert_eq!(got["tokenDetails"]["effectiveBrand"], "MASTERCARD");
    assert_eq!(got["customer"]["email"], "ana@example.com");

    let auth = api
        .ok(
            "PCI/Charge/Authenticate",
            json!({"amount": 2500, "currency": "PEN", "paymentForm": card(ACCEPTED, "123")}),
        )
        .await;
    assert_eq!(auth["_type"], "V4/AuthenticationResponseData");
    assert_eq!(auth["value"]["status"], "SUCCESS");
    assert_eq!(auth["protocol"]["network"], "VISA");

    sandbox.shutdown().await;
}

#[tokio::test]
async fn pci_web_services_answer_their_documented_errors() {
    let (sandbox, api) = Api::start(SandboxConfig::default()).await;
    // Two payments of one order whose amounts add up beyond 64 bits: the order's effective
    // amount saturates instead of bringing the server down (schemathesis found it).
    for _ in 0..2 {
        let big = api
            .ok(
                "PCI/Charge/CreatePayment",
                json!({"amount": i64::MAX - 1, "currency": "PEN", "orderId": "pci-huge",
                       "paymentForms": [card(CAPTURED, "123")]}),
            )
            .await;
        assert_eq!(big["orderStatus"], "PAID");
    }

    // The documented errors.
    for (ws, body, code) in [
        (
            "PCI/Charge/CreatePayment",
            json!({"amount": 0, "currency": "PEN", "paymentForms": [card(ACCEPTED, "123")]}),
            "INT_009",
        ),
        (
            "PCI/Charge/CreatePayment",
            json!({"amount": 10, "currency": "XXX", "paymentForms": [card(ACCEPTED, "123")]}),
            "INT_010",
        ),
        (
            "PCI/Charge/CreatePayment",
            json!({"amount": 10, "currency": "PEN", "formAction": "REGISTER_PAY", "paymentForms": [card(ACCEPTED, "123")]}),
            "INT_811",
        ),
        (
            "PCI/Charge/CreatePayment",
            json!({"amount": 10, "currency": "PEN", "formAction": "SILENT", "paymentForms": [card(ACCEPTED, "123")]}),
            "INT_875",
        ),
        (
            "PCI/Charge/CreateToken",
            json!({"paymentForms": [card(ACCEPTED, "123")], "customer": {}}),
            "INT_811",
        ),
        (
            "Token/Update",
            json!({"paymentMethodToken": "nope", "paymentForms": [card(ACCEPTED, "123")]}),
            "PSP_030",
        ),
        (
            "PCI/Charge/CreatePayment",
            json!({"amount": 10, "currency": "PEN", "paymentForms": []}),
            "INT_902",
        ),
        // An amount beyond 64 bits passes the request schema but is no amount: never echoed.
        (
            "PCI/Charge/CreatePayment",
            json!({"amount": 10, "currency": "PEN", "paymentForms": [card(ACCEPTED, "123")],
            "customer": {"shoppingCart": {"taxAmount": -9.223372036854776e18}}}),
            "INT_902",
        ),
        (
            "CustomerWallet/Update",
            json!({"customerReference": "r", "customer": {"shoppingCart": {"taxAmount": -9.223372036854776e18}}}),
            "INT_902",
        ),
    ] {
        assert_eq!(
            api.error(ws, body.clone()).await["errorCode"],
            code,
            "{ws} {body}"
        );
    }
    sandbox.shutdown().await;
}

/// Every string of a JSON value (object keys included), at any depth.
fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => map.iter().for_each(|(k, v)| {
            out.push(k.clone());
            strings(v, out);
        }),
        _ => {}
    }
}

/// The sandbox's notification listing and the bodies the merchant received, once the IPN of
/// the test's payment has arrived.
async fn notifications(api: &Api, merchant: &TestServer) -> Vec<Value> {
    let mut listing = Value::Null;
    for _ in 0..50 {
        listing = api
            .http
            .get(format!("{}/sandbox/notifications", api.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if !listing.as_array().unwrap().is_empty() && !merchant.requests().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!merchant.requests().is_empty(), "the IPN was sent");
    let mut seen = vec![listing];
    seen.extend(
        merchant
            .requests()
            .iter()
            .map(|r| json!(String::from_utf8_lossy(&r.body))),
    );
    seen
}

#[tokio::test]
async fn card_data_never_comes_back_whole() {
    // A distinctive test card and security code, an IPN receiver, and every place the
    // sandbox may echo a request: answers, input errors, the notification listing.
    const PAN: &str = CAPTURED;
    const CODE: &str = "9731";
    let merchant = TestServer::start(|_| Reply::status(200, "text/plain", "ok")).await;
    let config = SandboxConfig {
        lyra_notification_url: Some(format!("{}/ipn", merchant.base_url)),
        ..SandboxConfig::default()
    };
    let (sandbox, api) = Api::start(config).await;
    let mut seen = Vec::new();
    let paid = api
        .call(
            "PCI/Charge/CreatePayment",
            json!({"amount": 700, "currency": "PEN", "orderId": "leak-1", "formAction": "REGISTER_PAY",
                   "paymentForms": [card(PAN, CODE)], "customer": {"email": "ana@example.com", "reference": "leak"}}),
        )
        .await;
    let uuid = paid["answer"]["transactions"][0]["uuid"].clone();
    let token = paid["answer"]["transactions"][0]["paymentMethodToken"].clone();
    seen.push(paid);
    seen.push(api.call("Transaction/Get", json!({"uuid": uuid})).await);
    seen.push(api.call("Order/Get", json!({"orderId": "leak-1"})).await);
    seen.push(
        api.call("Token/Get", json!({"paymentMethodToken": token}))
            .await,
    );
    seen.push(
        api.call("CustomerWallet/Get", json!({"customerReference": "leak"}))
            .await,
    );
    seen.push(
        api.call(
            "Risk/AddToGreyList",
            json!({"greyListType": "PAYMENT_METHOD", "uuid": uuid}),
        )
        .await,
    );
    seen.push(
        api.call(
            "PCI/Charge/Authenticate",
            json!({"amount": 1, "currency": "PEN", "paymentForm": card(PAN, CODE)}),
        )
        .await,
    );
    // The IPN was delivered; the listing shows its body.
    seen.extend(notifications(&api, &merchant).await);

    let mut texts = Vec::new();
    for value in &seen {
        strings(value, &mut texts);
        texts.push(value.to_string());
    }
    for text in &texts {
        assert!(
            !text.contains(PAN),
            "the whole card number came back: {text}"
        );
        assert_ne!(text, CODE, "the security code came back");
        assert_ne!(text, "securityCode", "a security code field came back");
    }
    assert!(
        texts.iter().any(|t| t.contains("497010XXXXXX0009")),
        "masked numbers are shown"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn input_errors_never_quote_card_data() {
    const PAN: &str = CAPTURED;
    const CODE: &str = "9731";
    let (sandbox, api) = Api::start(SandboxConfig::default()).await;
    // Input errors quote the offending value: never a whole number or a code.
    let bad_format = api
        .call("PCI/Charge/CreatePayment", json!({"amount": 1, "currency": "PEN", "paymentForms": [card("4970-1000-0000-0055", CODE)]}))
        .await;
    let bad_code = api
        .call(
            "PCI/Charge/CreatePayment",
            json!({"amount": 1, "currency": "PEN", "paymentForms": [card(PAN, "97310")]}),
        )
        .await;
    let unknown_card = api
        .call("PCI/Charge/CreatePayment", json!({"amount": 1, "currency": "PEN", "paymentForms": [card("4970100000000055", CODE)]}))
        .await;
    // Numbers where the schema wants strings are card data too.
    let numeric_pan = api
        .call("PCI/Charge/CreatePayment", json!({"amount": 1, "currency": "PEN", "paymentForms": [{"paymentMethodType": "CARD", "pan": 4970100000000055_u64, "expiryMonth": "12", "expiryYear": "30", "securityCode": CODE}]}))
        .await;
    let numeric_code = api
        .call("PCI/Charge/CreatePayment", json!({"amount": 1, "currency": "PEN", "paymentForms": [{"paymentMethodType": "CARD", "pan": PAN, "expiryMonth": "12", "expiryYear": "30", "securityCode": 9731}]}))
        .await;
    for (envelope, quoted) in [
        (&bad_format, "4970-1000-0000-0055"),
        (&bad_code, "97310"),
        (&unknown_card, "4970100000000055"),
        (&numeric_pan, "4970100000000055"),
        (&numeric_code, "9731"),
    ] {
        assert_eq!(envelope["answer"]["errorCode"], "INT_902", "{envelope:#}");
        let text = envelope.to_string();
        assert!(!text.contains(quoted), "{text}");
    }
    assert!(unknown_card.to_string().contains("497010XXXXXX0055"));

    sandbox.shutdown().await;
}
