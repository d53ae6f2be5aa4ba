//! The PCI-DSS web services (`PCI/Charge/*`) and the card-data form of `Token/Update`: the
//! merchant's server sends the card itself. The card number only picks a sandbox test card
//! (its outcome as on the payment page); the transaction, token and answers show it masked,
//! and the security code is checked by the schema and dropped. No cardholder authentication
//! is ever requested: the sandbox's cards are frictionless, so every call answers its result
//! at once (`V4/Payment`, or the frictionless `V4/AuthenticationResponseData`).

use serde_json::{json, Value};

use crate::app::App;
use crate::lyra::card_data::{payment_forms_card, test_card_of};
use crate::lyra::cards::TestCard;
use crate::lyra::error::{
    fail, Code, WsError, WsResult, ALIAS_NOT_FOUND, INVALID_AMOUNT, INVALID_CURRENCY,
};
use crate::lyra::model::{
    asks_manual_validation, storable, url_field, FormEntry, FormPurpose, Tx, DEFAULT_CURRENCY,
};
use crate::lyra::payment::{pay, send_ipn, Paid};
use crate::lyra::render::payment_json;
use crate::util::{new_id, str_field};

use super::customer_wallet::checked_customer;

/// INT_811: registering a card needs the buyer's e-mail.
const EMAIL_REQUIRED: Code = (
    "INT_811",
    "customer.email is required to register a payment method",
);
/// INT_875: a `formAction` the PCI payment does not take (token-only or `SILENT`).
const INVALID_FORM_ACTION: Code = ("INT_875", "invalid formAction");

/// The request's currency (the sandbox's default when absent), checked.
fn currency_of(r: &Value) -> Result<String, WsError> {
    let currency = str_field(r, "currency").unwrap_or_else(|| DEFAULT_CURRENCY.into());
    match pasarela::money::decimals(&currency) {
        Some(_) => Ok(currency),
        None => Err(WsError::detailed(
            INVALID_CURRENCY,
            format!("Invalid input value [name=currency, value={currency}]"),
        )),
    }
}

fn require_email(r: &Value) -> Result<(), WsError> {
    match r["customer"]["email"].as_str() {
        Some(_) => Ok(()),
        None => fail(EMAIL_REQUIRED),
    }
}

/// The payment a PCI request describes (no formToken is minted: nothing of the request, and
/// no card data, is kept but the transaction).
fn entry(
    r: &Value,
    purpose: FormPurpose,
    amount: i64,
    currency: String,
    action: &str,
) -> Result<FormEntry, WsError> {
    Ok(FormEntry {
        order_id: str_field(r, "orderId"),
        customer: storable("customer", &checked_customer(&r["customer"])?)?,
        metadata: storable("metadata", &r["metadata"])?,
        ipn_target_url: url_field(r, "ipnTargetUrl")?,
        manual_validation: asks_manual_validation(r),
        ..FormEntry::new(purpose, amount, currency, action)
    })
}

/// Pays (or verifies) with the test card, sends the IPN, answers the `V4/Payment`.
fn settle(app: &App, entry: FormEntry, card: &'static TestCard) -> Value {
    let paid = pay(app, entry, card);
    let _ = send_ipn(app, &paid);
    paid.payment
}

/// `PCI/Charge/CreatePayment`.
pub(super) fn create_payment(app: &App, r: &Value) -> WsResult {
    let card = payment_forms_card(r)?;
    let currency = currency_of(r)?;
    let amount = r["amount"].as_i64().unwrap_or(0);
    if amount == 0 {
        return fail(INVALID_AMOUNT);
    }
    let action = str_field(r, "formAction").unwrap_or_else(|| "PAYMENT".into());
    match action.as_str() {
        "PAYMENT" => {}
        "ASK_REGISTER_PAY" | "REGISTER_PAY" => require_email(r)?,
        other => {
            return Err(WsError::detailed(
                INVALID_FORM_ACTION,
                format!("formAction {other} is not a PCI payment"),
            ))
        }
    }
    let entry = entry(r, FormPurpose::Payment, amount, currency, &action)?;
    Ok(settle(app, entry, card))
}

/// `PCI/Charge/CreateToken`: a zero-amount VERIFICATION that registers the card.
pub(super) fn create_token(app: &App, r: &Value) -> WsResult {
    let card = payment_forms_card(r)?;
    let currency = currency_of(r)?;
    require_email(r)?;
    let entry = entry(r, FormPurpose::Token, 0, currency, "REGISTER")?;
    Ok(settle(app, entry, card))
}

/// `PCI/Charge/VerifyPaymentMethod`: a zero-amount VERIFICATION that registers nothing.
pub(super) fn verify_payment_method(app: &App, r: &Value) -> WsResult {
    let card = payment_forms_card(r)?;
    let currency = currency_of(r)?;
    let entry = entry(r, FormPurpose::Payment, 0, currency, "PAYMENT")?;
    let tx = Tx::new(&entry, card, "VERIFICATION", 0);
    let paid = {
        let mut state = app.lyra();
        state.insert_transaction(tx.clone());
        let payment = payment_json(&tx, &state.order_of(&tx), &app.config.shop_id);
        Paid {
            raw_answer: serde_json::to_string(&payment).unwrap_or_default(),
            payment,
            refused: tx.status == "UNPAID",
            ipn_target: tx
                .ipn_target
                .clone()
                .or_else(|| app.config.lyra_notification_url.clone()),
        }
    };
    let _ = send_ipn(app, &paid);
    Ok(paid.payment)
}

/// A dashed lowercase uuid (the form of 3-D Secure 2 ids).
fn dashed_uuid() -> String {
    let h = new_id();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// `PCI/Charge/Authenticate`: a frictionless 3-D Secure 2 authentication in TEST mode
/// (`simulation: true`), answered at once as `V4/AuthenticationResponseData`.
pub(super) fn authenticate(_app: &App, r: &Value) -> WsResult {
    let card = test_card_of(&r["paymentForm"], "paymentForm")?;
    currency_of(r)?;
    let challenge = r["protocolRequest"]["challengePreference"]
        .as_str()
        .unwrap_or("NO_PREFERENCE");
    let cavv: [u8; 20] = rand::random();
    let cavv = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, cavv);
    Ok(json!({
        "id": dashed_uuid(), "operationSessionId": new_id(),
        "protocol": {
            "name": "THREEDS", "version": "2.2.0", "network": card.brand,
            "challengePreference": challenge, "simulation": true,
            "_type": "V4/Charge/Authenticate/Protocol"
        },
        "value": {
            "authenticationType": "FRICTIONLESS",
            "authenticationId": {
                "authenticationIdType": "dsTransId", "value": dashed_uuid(),
                "_type": "V4/Charge/Authenticate/AuthenticationId"
            },
            "authenticationValue": {
                "authenticationValueType": "CAVV", "value": cavv,
                "_type": "V4/Charge/Authenticate/AuthenticationValue"
            },
            "status": "SUCCESS", "commerceIndicator": "05", "extension": null, "reason": null,
            "_type": "V4/Charge/Authenticate/AuthenticationResult"
        },
        "_type": "V4/AuthenticationResponseData"
    }))
}

/// `Token/Update` with `paymentForms`: replaces the token's card with a zero-amount
/// VERIFICATION and answers its `V4/Payment` (the token keeps its id).
pub(super) fn update_token(app: &App, r: &Value) -> WsResult {
    let card = payment_forms_card(r)?;
    let token = super::token::token_of(r);
    let update = checked_customer(&r["customer"])?;
    let customer = match app.lyra().active_token(&token) {
        Some(existing) if update.is_object() => {
            let mut customer = existing.customer.clone();
            super::customer_wallet::merge_customer(&mut customer, &update);
            customer
        }
        Some(existing) => existing.customer.clone(),
        None => return fail(ALIAS_NOT_FOUND),
    };
    let currency = currency_of(r)?;
    let entry = FormEntry {
        customer,
        ..entry(
            r,
            FormPurpose::TokenUpdate(token),
            0,
            currency,
            "REGISTER_UPDATE",
        )?
    };
    Ok(settle(app, entry, card))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SandboxConfig;

    #[test]
    fn the_store_keeps_no_card_number_and_no_security_code() {
        let app = App::new(SandboxConfig::default());
        let card = json!({"paymentMethodType": "CARD", "pan": "4970100000000009",
                          "expiryMonth": "12", "expiryYear": "30", "securityCode": "9731"});
        let paid = create_payment(
            &app,
            &json!({"amount": 700, "currency": "PEN", "formAction": "REGISTER_PAY",
                    "paymentForms": [card], "customer": {"email": "ana@example.com"}}),
        )
        .unwrap();
        assert_eq!(paid["orderStatus"], "PAID");
        let store = format!("{:?}", *app.lyra());
        assert!(
            store.contains("497010XXXXXX0009"),
            "the card is kept masked"
        );
        assert!(!store.contains("4970100000000009"), "{store}");
        // Not the code itself: random ids may contain any 4 digits; the field is never kept.
        assert!(!store.contains("securityCode"), "{store}");
    }
}
