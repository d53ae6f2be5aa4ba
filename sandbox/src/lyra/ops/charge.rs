//! `Charge/*` web services around formTokens: SDKTest, CreatePayment (with its server-to-server
//! `SILENT` payment), CreateToken and UpdatePaymentAmount.

use std::time::Instant;

use pasarela::lyra::types;
use serde_json::Value;

use crate::app::App;
use crate::lyra::error::{
    fail, WsError, WsResult, ALIAS_NOT_FOUND, FORM_TOKEN_NOT_FOUND, INVALID_AMOUNT,
    INVALID_CURRENCY,
};
use crate::lyra::model::{asks_manual_validation, storable, url_field, FormEntry, FormPurpose};
use crate::lyra::payment::pay;
use crate::lyra::render::{payment_form, typed};
use crate::util::str_field;

/// `Charge/SDKTest`: echoes the value.
pub(super) fn sdk_test(_app: &App, r: &Value) -> WsResult {
    Ok(typed(types::TypeString {
        type_: types::TypeStringType::V4TypeString,
        value: str_field(r, "value"),
    }))
}

/// `Charge/CreatePayment`.
pub(super) fn create_payment(app: &App, r: &Value) -> WsResult {
    create_form(app, r, false)
}

/// `Charge/CreateToken`: a zero-amount form that registers the card.
pub(super) fn create_token(app: &App, r: &Value) -> WsResult {
    create_form(app, r, true)
}

fn create_form(app: &App, r: &Value, token_flow: bool) -> WsResult {
    let currency = str_field(r, "currency").unwrap_or_default();
    if pasarela::money::decimals(&currency).is_none() {
        return Err(WsError::detailed(
            INVALID_CURRENCY,
            format!("Invalid input value [name=currency, value={currency}]"),
        ));
    }
    let (purpose, amount, default_action) = if token_flow {
        (FormPurpose::Token, 0, "REGISTER")
    } else {
        let amount = r["amount"].as_i64().unwrap_or(0);
        (FormPurpose::Payment, amount, "PAYMENT")
    };
    let form_action = str_field(r, "formAction").unwrap_or_else(|| default_action.into());
    let registers = form_action.starts_with("REGISTER");
    if !token_flow && amount == 0 && !registers {
        return fail(INVALID_AMOUNT);
    }
    if (registers || form_action == "ASK_REGISTER_PAY") && r["customer"]["email"].as_str().is_none()
    {
        return fail((
            "INT_811",
            "customer.email is required to register a payment method",
        ));
    }
    let entry = FormEntry {
        order_id: str_field(r, "orderId"),
        customer: storable("customer", &r["customer"])?,
        metadata: storable("metadata", &r["metadata"])?,
        ipn_target_url: url_field(r, "ipnTargetUrl")?,
        payment_method_token: str_field(r, "paymentMethodToken"),
        initial_issuer_transaction_identifier: r["transactionOptions"]["cardOptions"]
            ["initialIssuerTransactionIdentifier"]
            .as_str()
            .map(str::to_owned),
        manual_validation: asks_manual_validation(r),
        ..FormEntry::new(purpose, amount, currency, &form_action)
    };
    if form_action == "SILENT" {
        return pay_silently(app, entry);
    }
    Ok(payment_form(app.lyra().mint_form(entry)))
}

/// `formAction: SILENT`: pays at once with the registered token; the answer is the payment.
fn pay_silently(app: &App, entry: FormEntry) -> WsResult {
    let token = entry
        .payment_method_token
        .clone()
        .ok_or(("INT_830", "paymentMethodToken is required with SILENT"))?;
    let (card, registered) = app
        .lyra()
        .active_token(&token)
        .map(|t| (t.card, t.initial_issuer_transaction_identifier.clone()))
        .ok_or(ALIAS_NOT_FOUND)?;
    // The merchant sends the identifier it kept (as openfun/joanie@8ed31b8 does in
    // `src/backend/joanie/payment/backends/lyra/__init__.py`); otherwise the token's is chained.
    let entry = FormEntry {
        initial_issuer_transaction_identifier: entry
            .initial_issuer_transaction_identifier
            .clone()
            .or(registered),
        ..entry
    };
    Ok(pay(app, entry, card).payment)
}

/// `Charge/UpdatePaymentAmount`: a new formToken for a lower amount.
pub(super) fn update_payment_amount(app: &App, r: &Value) -> WsResult {
    let mut state = app.lyra();
    let form_token = str_field(r, "formToken").unwrap_or_default();
    let entry = state
        .live_form(&form_token)
        .cloned()
        .ok_or(FORM_TOKEN_NOT_FOUND)?;
    let updated: i64 = str_field(r, "updatedAmount")
        .and_then(|a| a.parse().ok())
        .unwrap_or(-1);
    if updated < 0 || updated > entry.amount {
        return Err(WsError::detailed(
            INVALID_AMOUNT,
            format!("updatedAmount must not exceed {}", entry.amount),
        ));
    }
    // The new formToken replaces the old one, which is refused from now on like an expired one
    // (INT_903; Lyra's documentation does not say, inferred: see the sandbox section of README).
    if let Some(old) = state.form_tokens.get_mut(&form_token) {
        old.superseded = true;
    }
    let form_token = state.mint_form(FormEntry {
        amount: updated,
        created: Instant::now(),
        ..entry
    });
    Ok(payment_form(form_token))
}
