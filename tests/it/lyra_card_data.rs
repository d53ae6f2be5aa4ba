//! Card data is toxic: a distinctive card number and security code, sent through the PCI
//! types and the client, never show in `Debug`, builder errors or the client's errors, and
//! still reach the gateway whole.

use std::time::Duration;

use crate::support::{Reply, TestServer};
use pasarela::lyra::{types, LyraClient, LyraConfig};
use serde_json::json;

const PAN: &str = "4970100000000055";
const MASKED: &str = "497010XXXXXX0055";
const CODE: &str = "9731";

fn pci_request() -> serde_json::Value {
    json!({"amount": 250, "currency": "EUR", "orderId": "card-data-1",
           "paymentForms": [{"paymentMethodType": "CARD", "pan": PAN, "expiryMonth": "11",
                             "expiryYear": "30", "securityCode": CODE}]})
}

fn assert_clean(text: &str) {
    assert!(!text.contains(PAN), "the whole card number shows: {text}");
    assert!(!text.contains(CODE), "the security code shows: {text}");
}

#[test]
fn debug_of_requests_and_builders_masks_the_card() {
    let decoded: types::PciCreatePaymentRequest = serde_json::from_value(pci_request()).unwrap();
    let debug = format!("{decoded:?}");
    assert_clean(&debug);
    assert!(debug.contains(MASKED), "{debug}");
    assert_eq!(
        serde_json::to_value(&decoded).unwrap(),
        pci_request(),
        "the wire keeps the values"
    );

    let form = types::PciPaymentForm::builder()
        .payment_method_type("CARD")
        .pan(PAN)
        .security_code(Some(CODE.parse().unwrap()))
        .expiry_month(types::CardExpiryPart::Int32(11))
        .expiry_year(types::CardExpiryPart::Int32(2030));
    assert_clean(&format!("{form:?}"));
    let form: types::PciPaymentForm = form.try_into().unwrap();
    let token_update = types::TokenUpdateRequest::builder()
        .payment_method_token("d3d9cc0d24a4400e9d123e9e1b8f1793")
        .payment_forms(vec![form]);
    assert_clean(&format!("{token_update:?}"));

    // A malformed number or code is refused without being quoted.
    let bad: Result<types::PciPaymentForm, _> = types::PciPaymentForm::builder()
        .payment_method_type("CARD")
        .pan("4970-1000-0000-0055")
        .expiry_month(types::CardExpiryPart::Int32(11))
        .expiry_year(types::CardExpiryPart::Int32(2030))
        .try_into();
    let error = bad.unwrap_err().to_string();
    assert!(!error.contains("4970-1000-0000-0055"), "{error}");
    let code = "97310"
        .parse::<pasarela::lyra::card_data::SecurityCode>()
        .unwrap_err();
    assert!(!code.to_string().contains("97310"), "{code}");
}

#[tokio::test]
async fn the_client_sends_the_card_whole_and_its_errors_never_quote_it() {
    let error = json!({"status": "ERROR", "webService": "PCI/Charge/CreatePayment",
        "answer": {"errorCode": "ACQ_001", "errorMessage": "payment refused",
                   "_type": "V4/WebService/WebServiceError"}});
    let server = TestServer::start(move |_| Reply::json(&error)).await;
    let client = LyraClient::new(
        &LyraConfig::new("69876357", "testpassword_x", server.base_url.as_str())
            .with_timeout(Duration::from_secs(5)),
    )
    .unwrap();
    let request: types::PciCreatePaymentRequest = serde_json::from_value(pci_request()).unwrap();
    let failed = client.pci_create_payment(request).await.unwrap_err();
    assert_clean(&format!("{failed} {failed:?}"));
    let sent = server.requests()[0].json();
    assert_eq!(
        sent["paymentForms"][0]["pan"], PAN,
        "the gateway gets the number"
    );
    assert_eq!(sent["paymentForms"][0]["securityCode"], CODE);

    // `call` with a request that does not decode: an invalid request, not sent, and the
    // error (with its source) quotes neither value, even when they have the wrong type.
    for (pan, code) in [
        (json!("4970-1000-0000-0055"), json!("97310")),
        (json!(4970100000000055_u64), json!(9731)),
    ] {
        let mut request = pci_request();
        request["paymentForms"][0]["pan"] = pan;
        request["paymentForms"][0]["securityCode"] = code;
        let refused = client
            .call("PCI/Charge/CreatePayment", request)
            .await
            .unwrap_err();
        let source = std::error::Error::source(&refused).map(ToString::to_string);
        let text = format!("{refused} {refused:?} {source:?}");
        assert_clean(&text);
        assert!(
            !text.contains("4970-1000-0000-0055") && !text.contains("97310"),
            "{text}"
        );
    }
    assert_eq!(server.requests().len(), 1, "nothing else was sent");
}

#[tokio::test]
async fn token_update_with_card_data_posts_the_new_card() {
    // A PCI-DSS merchant replaces a token's card server to server: the answer is the
    // VERIFICATION payment (UNCONFIRMED type, so it comes as an `Answer`).
    let paid = json!({"status": "SUCCESS", "webService": "Token/Update",
        "answer": {"orderStatus": "PAID", "_type": "V4/Payment"}});
    let server = TestServer::start(move |_| Reply::json(&paid)).await;
    let client = LyraClient::new(&LyraConfig::new(
        "69876357",
        "testpassword_x",
        server.base_url.as_str(),
    ))
    .unwrap();
    let form: types::PciPaymentForm =
        serde_json::from_value(pci_request()["paymentForms"][0].clone()).unwrap();
    let request: types::TokenUpdateRequest = types::TokenUpdateRequest::builder()
        .payment_method_token("d3d9cc0d24a4400e9d123e9e1b8f1793")
        .payment_forms(vec![form])
        .try_into()
        .unwrap();
    assert_clean(&format!("{request:?}"));
    let answer = client.update_token(request).await.unwrap();
    assert!(
        matches!(answer, pasarela::lyra::Answer::Payment(_)),
        "{answer:?}"
    );
    let sent = server.requests()[0].json();
    assert_eq!(server.requests()[0].path, "/api-payment/V4/Token/Update");
    assert_eq!(
        sent,
        json!({"paymentMethodToken": "d3d9cc0d24a4400e9d123e9e1b8f1793",
               "paymentForms": [pci_request()["paymentForms"][0]]})
    );
}
