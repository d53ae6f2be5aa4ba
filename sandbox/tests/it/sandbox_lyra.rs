//! The Lyra half of the sandbox: every web service answers an envelope that validates against
//! `openapi/lyra-v4.yaml`, state changes follow the reference, errors are the documented
//! codes, and the IPN / browser return are signed and delivered with retries.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::support::{Reply, TestServer};
use pasarela::lyra::notification::{verify, SignedWith};
use pasarela::spec::SpecValidator;
use pasarela_sandbox::{defaults, DeliveryPolicy, Sandbox, SandboxConfig};
use serde_json::{json, Value};

use crate::common::basic_auth as auth;

struct Api {
    base: String,
    http: reqwest::Client,
}

impl Api {
    fn new(sandbox: &Sandbox) -> Api {
        pasarela::install_default_tls_provider();
        Api {
            base: sandbox.base_url().to_owned(),
            http: reqwest::Client::new(),
        }
    }

    /// Posts a web service with the test shop's credentials; checks the envelope against the spec.
    async fn call(&self, ws: &str, body: Value) -> Value {
        self.raw(
            ws,
            body.to_string(),
            &auth(defaults::SHOP_ID, defaults::PASSWORD),
        )
        .await
    }

    async fn raw(&self, ws: &str, body: String, authorization: &str) -> Value {
        let response = self
            .http
            .post(format!("{}/api-payment/V4/{ws}", self.base))
            .header("authorization", authorization)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{ws}");
        let envelope: Value = response.json().await.unwrap();
        if let Err(violations) = SpecValidator::lyra().validate("WebServiceResponse", &envelope) {
            panic!("{ws}: the sandbox's answer does not validate against the spec: {violations:?}\n{envelope:#}");
        }
        assert_eq!(envelope["webService"], ws);
        envelope
    }

    /// GETs a sandbox path and returns the body as text.
    async fn get_text(&self, path: &str) -> String {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        response.text().await.unwrap()
    }

    async fn ok(&self, ws: &str, body: Value) -> Value {
        let envelope = self.call(ws, body).await;
        assert_eq!(envelope["status"], "SUCCESS", "{ws}: {envelope:#}");
        envelope["answer"].clone()
    }

    async fn error(&self, ws: &str, body: Value) -> Value {
        let envelope = self.call(ws, body).await;
        assert_eq!(envelope["status"], "ERROR", "{ws}: {envelope:#}");
        envelope["answer"].clone()
    }

    /// Pays a formToken through the control endpoint.
    async fn pay(&self, form_token: &str, outcome: &str) -> Value {
        let response = self
            .http
            .post(format!("{}/sandbox/lyra/pay", self.base))
            .json(&json!({"formToken": form_token, "outcome": outcome}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    async fn pay_new(&self, order_id: &str, outcome: &str) -> (Value, String) {
        let form = self
            .ok(
                "Charge/CreatePayment",
                json!({"amount": 10000, "currency": "PEN", "orderId": order_id}),
            )
            .await;
        let paid = self.pay(form["formToken"].as_str().unwrap(), outcome).await;
        let answer: Value = serde_json::from_str(paid["krAnswer"].as_str().unwrap()).unwrap();
        let uuid = answer["transactions"][0]["uuid"]
            .as_str()
            .unwrap()
            .to_owned();
        (paid, uuid)
    }
}

async fn sandbox_with(config: SandboxConfig) -> (Sandbox, Api) {
    let sandbox = Sandbox::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let api = Api::new(&sandbox);
    (sandbox, api)
}

#[tokio::test]
async fn every_web_service_answers_a_spec_valid_envelope() {
    let (sandbox, api) = sandbox_with(SandboxConfig::default()).await;
    assert_eq!(
        api.ok("Charge/SDKTest", json!({"value": "hola"})).await["value"],
        "hola"
    );

    // A registered card, a subscription on it, and its lifecycle.
    let form = api
        .ok(
            "Charge/CreateToken",
            json!({"currency": "PEN", "customer": {"email": "a@example.com"}}),
        )
        .await;
    let paid = api.pay(form["formToken"].as_str().unwrap(), "paid").await;
    let answer: Value = serde_json::from_str(paid["krAnswer"].as_str().unwrap()).unwrap();
    assert_eq!(answer["transactions"][0]["operationType"], "VERIFICATION");
    assert_eq!(answer["transactions"][0]["detailedStatus"], "ACCEPTED");
    let token = answer["transactions"][0]["paymentMethodToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        api.ok("Token/Get", json!({"paymentMethodToken": token}))
            .await["status"],
        "ACTIVE"
    );
    let subscription = api
        .ok("Charge/CreateSubscription", json!({"amount": 2990, "currency": "PEN", "effectDate": "2030-01-01T00:00:00+00:00", "paymentMethodToken": token, "rrule": "RRULE:FREQ=MONTHLY"}))
        .await;
    let sub =
        json!({"subscriptionId": subscription["subscriptionId"], "paymentMethodToken": token});
    assert_eq!(
        api.ok("Subscription/Get", sub.clone()).await["amount"],
        2990
    );
    let mut update = sub.clone();
    update["amount"] = json!(3490);
    assert_eq!(
        api.ok("Subscription/Update", update).await["responseCode"],
        0
    );
    assert_eq!(
        api.ok("Subscription/Get", sub.clone()).await["amount"],
        3490
    );
    assert_eq!(
        api.ok("Subscription/Cancel", sub.clone()).await["responseCode"],
        0
    );
    assert!(api.ok("Subscription/Get", sub).await["cancelDate"].is_string());
    let form = api
        .ok(
            "Token/Update",
            json!({"paymentMethodToken": token, "currency": "PEN"}),
        )
        .await;
    assert!(form["formToken"].is_string());

    // SILENT pays the token server to server.
    let silent = api.ok("Charge/CreatePayment", json!({"amount": 500, "currency": "PEN", "orderId": "silent-1", "formAction": "SILENT", "paymentMethodToken": token})).await;
    assert_eq!(silent["_type"], "V4/Payment");
    assert_eq!(silent["orderStatus"], "PAID");

    assert_eq!(
        api.ok("Token/Cancel", json!({"paymentMethodToken": token}))
            .await["responseCode"],
        0
    );
    assert_eq!(
        api.ok("Token/Get", json!({"paymentMethodToken": token}))
            .await["status"],
        "CANCELLED"
    );
    assert_eq!(
        api.ok("Token/Reactivate", json!({"paymentMethodToken": token}))
            .await["responseCode"],
        0
    );
    assert_eq!(
        api.ok("Token/Get", json!({"paymentMethodToken": token}))
            .await["status"],
        "ACTIVE"
    );

    // Payment, amount update, transactions.
    let form = api
        .ok(
            "Charge/CreatePayment",
            json!({"amount": 10000, "currency": "PEN", "orderId": "tx-1"}),
        )
        .await;
    let lower = api
        .ok(
            "Charge/UpdatePaymentAmount",
            json!({"formToken": form["formToken"], "updatedAmount": "4500", "cardBin": "59701003"}),
        )
        .await;
    let paid = api.pay(lower["formToken"].as_str().unwrap(), "paid").await;
    let answer: Value = serde_json::from_str(paid["krAnswer"].as_str().unwrap()).unwrap();
    assert_eq!(answer["orderDetails"]["orderTotalAmount"], 4500);
    let uuid = answer["transactions"][0]["uuid"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        api.ok("Transaction/Get", json!({"uuid": uuid})).await["detailedStatus"],
        "AUTHORISED"
    );
    let updated = api
        .ok(
            "Transaction/Update",
            json!({"uuid": uuid, "cardUpdate": {"amount": 4000, "currency": "PEN"}}),
        )
        .await;
    assert_eq!(updated["amount"], 4000);
    assert_eq!(
        api.ok("Transaction/Capture", json!({"uuids": [uuid]}))
            .await["detailedStatus"],
        "CAPTURED"
    );
    let refund = api
        .ok(
            "Transaction/Refund",
            json!({"uuid": uuid, "amount": 1000, "currency": "PEN"}),
        )
        .await;
    assert_eq!(refund["operationType"], "CREDIT");
    let dup = api
        .ok(
            "Transaction/Duplicate",
            json!({"uuid": uuid, "amount": 100, "currency": "PEN", "orderId": "tx-2"}),
        )
        .await;
    assert_eq!(dup["amount"], 100);
    assert_ne!(dup["uuid"], uuid);
    assert_eq!(
        api.ok("Transaction/Cancel", json!({"uuid": dup["uuid"]}))
            .await["detailedStatus"],
        "CANCELLED"
    );
    let order = api.ok("Order/Get", json!({"orderId": "tx-1"})).await;
    assert_eq!(
        order["transactions"].as_array().unwrap().len(),
        2,
        "the debit and its refund"
    );
    let credits = api
        .ok(
            "Order/Get",
            json!({"orderId": "tx-1", "operationType": "CREDIT"}),
        )
        .await;
    assert_eq!(credits["transactions"].as_array().unwrap().len(), 1);

    // Manual validation.
    let (_, to_validate) = api.pay_new("validate-1", "to_validate").await;
    assert_eq!(
        api.ok("Transaction/Get", json!({"uuid": to_validate}))
            .await["status"],
        "RUNNING"
    );
    assert_eq!(
        api.ok("Transaction/Validate", json!({"uuid": to_validate}))
            .await["detailedStatus"],
        "AUTHORISED"
    );

    // Payment orders.
    let order = api.ok("Charge/CreatePaymentOrder", json!({"amount": 200050, "currency": "PEN", "orderId": "po-1", "channelOptions": {"channelType": "MAIL", "mailOptions": {"recipient": "a@example.com"}}})).await;
    let id = order["paymentOrderId"].clone();
    assert_eq!(
        api.ok("Charge/PaymentOrder/Get", json!({"paymentOrderId": id}))
            .await["paymentOrderStatus"],
        "RUNNING"
    );
    let updated = api.ok("Charge/PaymentOrder/Update", json!({"paymentOrderId": id, "amount": 1000, "currency": "PEN", "channelOptions": {"channelType": "MAIL", "mailOptions": {"recipient": "b@example.com"}}})).await;
    assert_eq!(updated["amount"], 1000);
    assert_eq!(
        updated["channelDetails"]["mailDetails"]["recipient"],
        "b@example.com"
    );
    sandbox.shutdown().await;
}

/// Strict mode: every property of `answer` must be declared in the spec.
fn assert_strictly_valid(component: &str, answer: &Value) {
    let strict = SpecValidator::strict_from_yaml("lyra-v4", pasarela::spec::LYRA_V4_YAML)
        .expect("the spec loads");
    if let Err(violations) = strict.validate(component, answer) {
        panic!("{component} is not strictly valid: {violations:?}\n{answer:#}");
    }
}

#[tokio::test]
async fn card_payments_carry_the_issuer_id_and_the_3ds2_extension_and_token_payments_chain_it() {
    let (sandbox, api) = sandbox_with(SandboxConfig::default()).await;

    // A customer-initiated payment that registers the card.
    let form = api
        .ok(
            "Charge/CreatePayment",
            json!({"amount": 2500, "currency": "PEN", "orderId": "mit-0", "formAction": "REGISTER_PAY", "customer": {"email": "a@example.com"}}),
        )
        .await;
    let paid = api.pay(form["formToken"].as_str().unwrap(), "paid").await;
    let first: Value = serde_json::from_str(paid["krAnswer"].as_str().unwrap()).unwrap();
    assert_strictly_valid("Payment", &first);
    let tx = &first["transactions"][0];
    let token = tx["paymentMethodToken"].as_str().unwrap().to_owned();
    let details = &tx["transactionDetails"];
    let card = &details["cardDetails"];
    let initial = card["initialIssuerTransactionIdentifier"]
        .as_str()
        .expect("a card payment carries initialIssuerTransactionIdentifier")
        .to_owned();
    assert!(
        initial.len() >= 15 && initial.bytes().all(|b| b.is_ascii_digit()),
        "{initial}"
    );
    assert_eq!(card["paymentMethodSource"], "NEW");
    assert_eq!(card["productCategory"], "CREDIT");
    assert_eq!(tx["effectiveStrongAuthentication"], "ENABLED");
    assert_eq!(details["liabilityShift"], "YES");

    // The 3-D Secure 2 authentication and its extension.
    let auth = &card["authenticationResponse"];
    assert_eq!(auth["protocol"]["name"], "THREEDS");
    assert_eq!(auth["protocol"]["network"], card["effectiveBrand"]);
    let value = &auth["value"];
    assert_eq!(value["status"], "SUCCESS");
    let extension = &value["extension"];
    assert_eq!(
        extension["_type"],
        "V4/Charge/Authenticate/AuthenticationResultExtensionThreedsV2"
    );
    assert_eq!(extension["authenticationType"], "THREEDS_V2");
    assert_eq!(extension["threeDSServerTransID"], auth["id"]);
    assert_eq!(extension["dsTransID"], value["authenticationId"]["value"]);
    assert!(extension["acsTransID"].is_string());
    for field in [
        "requestedExemption",
        "transStatusReason",
        "requestorName",
        "cbScore",
        "dataOnlyScore",
    ] {
        assert!(
            extension.get(field).is_some(),
            "extension.{field} is present"
        );
    }

    // paymentMethodDetails mirrors cardDetails (id = the masked number); acquirerDetails is there.
    let method = &details["paymentMethodDetails"];
    assert_eq!(method["id"], card["pan"]);
    assert_eq!(
        method["initialIssuerTransactionIdentifier"],
        initial.as_str()
    );
    assert_eq!(
        method["authenticationResponse"],
        card["authenticationResponse"]
    );
    assert!(details.get("acquirerDetails").is_some());

    // Transaction/Get shows the same fields.
    let got = api.ok("Transaction/Get", json!({"uuid": tx["uuid"]})).await;
    assert_strictly_valid("Transaction", &got);
    assert_eq!(
        got["transactionDetails"]["cardDetails"]["initialIssuerTransactionIdentifier"],
        initial.as_str()
    );

    // A merchant-initiated SILENT payment with the token chains the identifier, no 3DS.
    let silent = api.ok("Charge/CreatePayment", json!({"amount": 990, "currency": "PEN", "orderId": "mit-1", "formAction": "SILENT", "paymentMethodToken": token})).await;
    assert_strictly_valid("Payment", &silent);
    let silent_tx = &silent["transactions"][0];
    let silent_card = &silent_tx["transactionDetails"]["cardDetails"];
    assert_eq!(
        silent_card["initialIssuerTransactionIdentifier"],
        initial.as_str()
    );
    assert!(silent_card["authenticationResponse"].is_null());
    assert_eq!(silent_card["paymentMethodSource"], "TOKEN");
    assert_eq!(silent_tx["effectiveStrongAuthentication"], "DISABLED");
    assert_ne!(silent_tx["uuid"], tx["uuid"]);

    // What the merchant sends in transactionOptions.cardOptions wins (it kept the value).
    let kept = "123456789012345";
    let explicit = api.ok("Charge/CreatePayment", json!({"amount": 990, "currency": "PEN", "orderId": "mit-2", "formAction": "SILENT", "paymentMethodToken": token, "transactionOptions": {"cardOptions": {"initialIssuerTransactionIdentifier": kept}}})).await;
    assert_eq!(
        explicit["transactions"][0]["transactionDetails"]["cardDetails"]
            ["initialIssuerTransactionIdentifier"],
        kept
    );

    // A refused payment has no issuer identifier; each new card payment gets its own.
    let (refused, _) = api.pay_new("mit-3", "refused").await;
    let refused: Value = serde_json::from_str(refused["krAnswer"].as_str().unwrap()).unwrap();
    assert!(
        refused["transactions"][0]["transactionDetails"]["cardDetails"]
            ["initialIssuerTransactionIdentifier"]
            .is_null()
    );
    let (other, _) = api.pay_new("mit-4", "paid").await;
    let other: Value = serde_json::from_str(other["krAnswer"].as_str().unwrap()).unwrap();
    let other_id = &other["transactions"][0]["transactionDetails"]["cardDetails"]
        ["initialIssuerTransactionIdentifier"];
    assert!(other_id.is_string());
    assert_ne!(other_id, initial.as_str());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn errors_are_the_documented_codes() {
    let (sandbox, api) = sandbox_with(SandboxConfig::default()).await;
    let wrong = api
        .raw(
            "Charge/SDKTest",
            json!({"value": "x"}).to_string(),
            &auth(defaults::SHOP_ID, "testpassword_wrong"),
        )
        .await;
    assert_eq!(wrong["status"], "ERROR");
    assert_eq!(wrong["answer"]["errorCode"], "INT_905");
    let none = api.raw("Charge/SDKTest", "{}".into(), "Bearer x").await;
    assert_eq!(none["answer"]["errorCode"], "INT_905");

    let not_json = api
        .raw(
            "Charge/SDKTest",
            "{nope".into(),
            &auth(defaults::SHOP_ID, defaults::PASSWORD),
        )
        .await;
    assert_eq!(not_json["answer"]["errorCode"], "INT_902");
    assert!(not_json["answer"]["detailedErrorMessage"]
        .as_str()
        .unwrap()
        .starts_with("can't decode JSON data"));

    let bad = api
        .error(
            "Charge/CreatePayment",
            json!({"amount": 100, "currency": "soles"}),
        )
        .await;
    assert_eq!(bad["errorCode"], "INT_902");
    assert!(
        bad["detailedErrorMessage"]
            .as_str()
            .unwrap()
            .contains("name=currency"),
        "{bad}"
    );
    let missing = api.error("Charge/PaymentOrder/Get", json!({})).await;
    assert_eq!(missing["errorCode"], "INT_902");
    assert_eq!(
        api.error(
            "Charge/CreatePayment",
            json!({"amount": 100, "currency": "XYZ"})
        )
        .await["errorCode"],
        "INT_010"
    );

    assert_eq!(
        api.error("Transaction/Get", json!({"uuid": "0123"})).await["errorCode"],
        "PSP_010"
    );
    assert_eq!(
        api.error("Charge/PaymentOrder/Get", json!({"paymentOrderId": "nope"}))
            .await["errorCode"],
        "PSP_1000"
    );
    assert_eq!(
        api.error("Token/Get", json!({"paymentMethodToken": "nope"}))
            .await["errorCode"],
        "PSP_030"
    );

    let (_, authorised) = api.pay_new("err-1", "paid").await;
    assert_eq!(
        api.error("Transaction/Refund", json!({"uuid": authorised}))
            .await["errorCode"],
        "PSP_076"
    );
    assert_eq!(
        api.ok("Transaction/CancelOrRefund", json!({"uuid": authorised}))
            .await["detailedStatus"],
        "CANCELLED"
    );
    assert_eq!(
        api.error("Transaction/CancelOrRefund", json!({"uuid": authorised}))
            .await["errorCode"],
        "PSP_105"
    );

    let (_, captured) = api.pay_new("err-2", "captured").await;
    assert_eq!(
        api.error("Transaction/Cancel", json!({"uuid": captured}))
            .await["errorCode"],
        "PSP_075"
    );
    assert_eq!(
        api.error(
            "Transaction/CancelOrRefund",
            json!({"uuid": captured, "amount": 20000})
        )
        .await["errorCode"],
        "PSP_510"
    );
    assert_eq!(
        api.ok("Transaction/CancelOrRefund", json!({"uuid": captured}))
            .await["operationType"],
        "CREDIT"
    );
    assert_eq!(
        api.error("Transaction/CancelOrRefund", json!({"uuid": captured}))
            .await["errorCode"],
        "PSP_104"
    );

    let (paid, refused) = api.pay_new("err-3", "refused").await;
    assert_eq!(paid["orderStatus"], "UNPAID");
    let tx = api.ok("Transaction/Get", json!({"uuid": refused})).await;
    assert_eq!(
        (tx["detailedStatus"].as_str(), tx["errorCode"].as_str()),
        (Some("REFUSED"), Some("ACQ_001"))
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn form_tokens_expire_and_state_is_bounded() {
    let config = SandboxConfig {
        form_token_ttl: Duration::ZERO,
        capacity: 2,
        ..SandboxConfig::default()
    };
    let (sandbox, api) = sandbox_with(config).await;
    let form = api
        .ok(
            "Charge/CreatePayment",
            json!({"amount": 100, "currency": "PEN"}),
        )
        .await;
    let expired = api
        .error(
            "Charge/UpdatePaymentAmount",
            json!({"formToken": form["formToken"], "updatedAmount": "50", "cardBin": "497010"}),
        )
        .await;
    assert_eq!(expired["errorCode"], "INT_903");
    sandbox.shutdown().await;

    let config = SandboxConfig {
        capacity: 2,
        ..SandboxConfig::default()
    };
    let (sandbox, api) = sandbox_with(config).await;
    let (_, first) = api.pay_new("cap-1", "paid").await;
    let (_, second) = api.pay_new("cap-2", "paid").await;
    let (_, third) = api.pay_new("cap-3", "paid").await;
    assert_eq!(
        api.error("Transaction/Get", json!({"uuid": first})).await["errorCode"],
        "PSP_010",
        "the oldest is forgotten"
    );
    api.ok("Transaction/Get", json!({"uuid": second})).await;
    api.ok("Transaction/Get", json!({"uuid": third})).await;
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_ipn_and_the_browser_return_are_signed_with_the_right_keys() {
    let merchant = TestServer::start(|_| Reply::status(200, "text/plain", "ok")).await;
    let config = SandboxConfig {
        lyra_notification_url: Some(format!("{}/ipn", merchant.base_url)),
        ..SandboxConfig::default()
    };
    let keys = config.lyra_keys();
    let (sandbox, api) = sandbox_with(config).await;
    let (paid, _) = api.pay_new("sig-1", "paid").await;
    assert_eq!(paid["ipn"]["status"], 200);

    let ipn = &merchant.requests()[0];
    assert_eq!(ipn.path, "/ipn");
    assert_eq!(
        ipn.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let verified = verify(&ipn.body, &keys).expect("the IPN verifies");
    assert_eq!(verified.signed_with(), SignedWith::Password);
    assert!(verified.is_paid());
    assert_eq!(verified.raw_answer(), paid["krAnswer"].as_str().unwrap());

    let fields: Vec<(String, String)> = paid["browserReturn"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let browser = verify(body.as_bytes(), &keys).expect("the browser return verifies");
    assert_eq!(browser.signed_with(), SignedWith::HmacKey);

    // The IPN answer validates as V4/Payment.
    let answer: Value = serde_json::from_str(verified.raw_answer()).unwrap();
    SpecValidator::lyra()
        .validate("Payment", &answer)
        .expect("the kr-answer validates");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn ipn_delivery_retries_with_backoff_then_gives_up() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    // Fails twice, then accepts.
    let flaky = TestServer::start(move |_| {
        if counter.fetch_add(1, Ordering::SeqCst) < 2 {
            Reply::status(500, "text/plain", "boom")
        } else {
            Reply::status(200, "text/plain", "ok")
        }
    })
    .await;
    let policy = DeliveryPolicy {
        attempts: 3,
        first_backoff: Duration::from_millis(20),
        attempt_timeout: Duration::from_millis(500),
    };
    let config = SandboxConfig {
        lyra_notification_url: Some(flaky.base_url.clone()),
        delivery: policy.clone(),
        ..SandboxConfig::default()
    };
    let (sandbox, api) = sandbox_with(config).await;
    let (paid, _) = api.pay_new("retry-1", "paid").await;
    assert_eq!(paid["ipn"]["status"], 500, "the first attempt is reported");
    let list = wait_for_notifications(&api, |list| list[0]["delivered"] == true).await;
    assert_eq!(list[0]["attempts"].as_array().unwrap().len(), 3);
    assert_eq!(list[0]["gave_up"], false);
    sandbox.shutdown().await;

    // Always failing (connection reset): gives up after the configured attempts.
    let broken = TestServer::start(|_| Reply::Drop).await;
    let config = SandboxConfig {
        lyra_notification_url: Some(broken.base_url.clone()),
        delivery: policy,
        ..SandboxConfig::default()
    };
    let (sandbox, api) = sandbox_with(config).await;
    let (paid, _) = api.pay_new("retry-2", "paid").await;
    assert!(paid["ipn"]["status"].is_null());
    assert!(paid["ipn"]["error"].is_string());
    let list = wait_for_notifications(&api, |list| list[0]["gave_up"] == true).await;
    assert_eq!(list[0]["attempts"].as_array().unwrap().len(), 3);
    assert_eq!(list[0]["delivered"], false);
    assert_eq!(broken.requests().len(), 3);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_slow_merchant_does_not_block_the_api() {
    let slow = TestServer::start(|_| {
        Reply::Delay(
            Duration::from_secs(2),
            Box::new(Reply::status(200, "text/plain", "ok")),
        )
    })
    .await;
    let policy = DeliveryPolicy {
        attempts: 1,
        first_backoff: Duration::from_millis(10),
        attempt_timeout: Duration::from_secs(5),
    };
    let config = SandboxConfig {
        lyra_notification_url: Some(slow.base_url.clone()),
        delivery: policy,
        ..SandboxConfig::default()
    };
    let (sandbox, api) = sandbox_with(config).await;
    let form = api
        .ok(
            "Charge/CreatePayment",
            json!({"amount": 100, "currency": "PEN"}),
        )
        .await;
    let token = form["formToken"].as_str().unwrap().to_owned();
    let api = Arc::new(api);
    let payer = {
        let api = api.clone();
        tokio::spawn(async move { api.pay(&token, "paid").await })
    };
    // Wait until the IPN is in flight, then call the API: it answers while the IPN waits.
    while slow.requests().is_empty() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        api.ok("Charge/SDKTest", json!({"value": "still here"}))
            .await["value"],
        "still here"
    );
    assert!(
        !payer.is_finished(),
        "the payment is still waiting for the merchant's IPN answer"
    );
    assert_eq!(payer.await.unwrap()["ipn"]["status"], 200);
    sandbox.shutdown().await;
}

async fn wait_for_notifications(api: &Api, done: impl Fn(&Vec<Value>) -> bool) -> Vec<Value> {
    for _ in 0..200 {
        let list: Vec<Value> = api
            .http
            .get(format!("{}/sandbox/notifications", api.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if !list.is_empty() && done(&list) {
            return list;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the notifications never reached the expected state");
}

#[tokio::test]
async fn the_typed_client_works_against_the_sandbox_unchanged() {
    use pasarela::lyra::{types, LyraClient, LyraConfig};
    let (sandbox, api) = sandbox_with(SandboxConfig::default()).await;
    let client = LyraClient::new(&LyraConfig::new(
        defaults::SHOP_ID,
        defaults::PASSWORD,
        sandbox.base_url(),
    ))
    .unwrap();
    let request: types::CreatePaymentRequest =
        serde_json::from_value(json!({"amount": 990, "currency": "PEN", "orderId": "typed-1"}))
            .unwrap();
    let form = client.create_payment(request).await.unwrap();
    let paid = api.pay(&form.form_token, "paid").await;
    assert_eq!(paid["orderStatus"], "PAID");
    let order = client
        .get_order(serde_json::from_value(json!({"orderId": "typed-1"})).unwrap())
        .await
        .unwrap();
    assert_eq!(order.transactions.unwrap()[0].amount, Some(990));
    let wrong = LyraClient::new(&LyraConfig::new(
        defaults::SHOP_ID,
        "testpassword_wrong",
        sandbox.base_url(),
    ))
    .unwrap();
    let error = wrong
        .sdk_test(types::SdkTestRequest { value: "x".into() })
        .await
        .unwrap_err();
    assert!(error.api_error().unwrap().is_invalid_credentials());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_payment_page_and_the_form_script_are_served() {
    let (sandbox, api) = sandbox_with(SandboxConfig::default()).await;
    let index = api.get_text("/").await;
    assert!(
        index.contains("/api-payment/V4/")
            && index.contains("/etpay")
            && index.contains("/sandbox/test-cards"),
        "the dashboard keeps the old index's URLs and links the test cards"
    );
    // The dashboard links the test cards, listed whole on their own page.
    assert!(api
        .get_text("/sandbox/test-cards")
        .await
        .contains("4970100000000003"));
    let script = api
        .http
        .get(format!(
            "{}/static/js/krypton-client/V4.0/stable/kr-payment-form.min.js",
            api.base
        ))
        .send()
        .await
        .unwrap();
    assert!(script.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/javascript"));
    let script = script.text().await.unwrap();
    assert!(script.contains("kr-smart-form") && script.contains(&api.base));
    let form = api
        .ok(
            "Charge/CreatePayment",
            json!({"amount": 100, "currency": "PEN", "orderId": "page-1"}),
        )
        .await;
    let token = form["formToken"].as_str().unwrap();
    let page = api
        .get_text(&format!(
            "/sandbox/lyra/form/{token}?kr-post-url-success=https://shop.example/ok"
        ))
        .await;
    assert!(
        page.contains("1.00")
            && page.contains("page-1")
            && page.contains("https://shop.example/ok")
    );
    let result = api
        .http
        .post(format!("{}/sandbox/lyra/form/{token}", api.base))
        .form(&[
            ("card", "4970100000000003"),
            ("kr-post-url-success", "https://shop.example/ok"),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        result.contains("action=\"https://shop.example/ok\"") && result.contains("kr-hash"),
        "{result}"
    );
    let again = api
        .http
        .get(format!("{}/sandbox/lyra/form/{token}", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409, "a paid formToken cannot be paid twice");
    sandbox.shutdown().await;
}

/// The card form's endpoints without a browser: CORS for the merchant's origin, the
/// `onSubmit` payload verified by `verify_client_answer`, a refusal that leaves the formToken
/// usable, validation and Lyra-shaped errors.
#[tokio::test]
async fn embedded_form_endpoints_pay_with_cors_and_allow_a_retry() {
    use pasarela::lyra::notification::verify_client_answer;
    let (sandbox, api) = sandbox_with(SandboxConfig::default()).await;
    let form = api
        .ok(
            "Charge/CreatePayment",
            json!({"amount": 2500, "currency": "PEN", "orderId": "js-1"}),
        )
        .await;
    let token = form["formToken"].as_str().unwrap();
    let origin = "http://shop.test";
    let preflight = api
        .http
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/sandbox/lyra/js-pay", api.base),
        )
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 204);
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        origin,
        "CORS for the merchant's origin"
    );
    let info: Value = api
        .http
        .get(format!("{}/sandbox/lyra/js-form/{token}", api.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["amount"], 2500);
    assert_eq!(info["attemptsLeft"], 3);

    let pay = |card: &str, expiry: &str| {
        let body = json!({"formToken": token, "publicKey": defaults::PUBLIC_KEY, "card": card,
                          "expiry": expiry, "securityCode": "123"});
        let request = api
            .http
            .post(format!("{}/sandbox/lyra/js-pay", api.base))
            .header("origin", origin)
            .json(&body);
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.headers()["access-control-allow-origin"], origin);
            let status = response.status();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    let (status, bad) = pay("4111111111111111", "12/99").await;
    assert_eq!(status, 400);
    assert_eq!(bad["error"]["errorCode"], "CLIENT_301");
    let (_, bad) = pay("4970100000000003", "01/20").await;
    assert_eq!(bad["error"]["errorCode"], "CLIENT_302");

    let (status, refused) = pay("4970100000000014", "12/99").await;
    assert_eq!(status, 200);
    assert_eq!(refused["refused"], true);
    assert_eq!(refused["attemptsLeft"], 2);
    assert_eq!(refused["error"]["errorCode"], "ACQ_001");
    assert_eq!(refused["error"]["detailedErrorCode"], "51");

    let (_, paid) = pay("4970100000000003", "12/99").await;
    assert_eq!(paid["refused"], false);
    let response = &paid["response"];
    assert_eq!(response["_type"], "V4/Charge/ProcessPaymentAnswer");
    assert_eq!(response["hashKey"], "sha256_hmac");
    let keys = pasarela::lyra::notification::Keys::new(defaults::PASSWORD, defaults::HMAC_KEY);
    let verified = verify_client_answer(response.to_string().as_bytes(), &keys).unwrap();
    assert_eq!(verified.signed_with(), SignedWith::HmacKey);
    assert!(verified.is_paid());
    // The browser-return fields of the same answer verify too.
    let fields: Vec<(String, String)> = paid["fields"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    assert!(verify(body.as_bytes(), &keys).unwrap().is_paid());

    // Paid: the formToken is used now.
    let (status, again) = pay("4970100000000003", "12/99").await;
    assert_eq!(status, 409);
    assert_eq!(again["error"]["errorCode"], "PSP_108");
    sandbox.shutdown().await;
}

/// A card number or security code of the wrong JSON type never comes back in the error (axum's
/// own `Json` rejection would quote it).
#[tokio::test]
async fn js_pay_decoding_errors_never_quote_card_data() {
    let (sandbox, api) = sandbox_with(SandboxConfig::default()).await;
    for body in [
        r#"{"formToken": "x", "card": 4970100000000055, "expiry": "12/99", "securityCode": "123"}"#,
        r#"{"formToken": "x", "card": "4970100000000055", "expiry": "12/99", "securityCode": 9731}"#,
    ] {
        let response = api
            .http
            .post(format!("{}/sandbox/lyra/js-pay", api.base))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        let text = response.text().await.unwrap();
        assert!(text.contains("CLIENT_300"), "{text}");
        assert!(
            !text.contains("4970100000000055") && !text.contains("9731"),
            "{text}"
        );
    }
    sandbox.shutdown().await;
}
