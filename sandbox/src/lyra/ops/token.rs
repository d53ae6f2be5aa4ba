//! `Token/*` web services: registered payment methods (created by paying a CreateToken or
//! REGISTER* form).

use serde_json::Value;

use crate::app::App;
use crate::lyra::error::{fail, WsResult, ALIAS_NOT_FOUND};
use crate::lyra::model::{storable, FormEntry, FormPurpose, DEFAULT_CURRENCY};
use crate::lyra::render::{
    payment_form, response_code, token_json, ACTION_COMPLETED, TOKEN_NOT_FOUND,
};
use crate::util::{now_iso, str_field};

pub(super) fn token_of(r: &Value) -> String {
    str_field(r, "paymentMethodToken").unwrap_or_default()
}

/// `Token/Get`.
pub(super) fn get(app: &App, r: &Value) -> WsResult {
    let state = app.lyra();
    let token = state.tokens.get(&token_of(r)).ok_or(ALIAS_NOT_FOUND)?;
    Ok(token_json(token))
}

/// `Token/Cancel`.
pub(super) fn cancel(app: &App, r: &Value) -> WsResult {
    Ok(set_cancellation(app, r, Some(now_iso())))
}

/// `Token/Reactivate`.
pub(super) fn reactivate(app: &App, r: &Value) -> WsResult {
    Ok(set_cancellation(app, r, None))
}

/// Both answer a response code, even for an unknown token.
fn set_cancellation(app: &App, r: &Value, cancellation_date: Option<String>) -> Value {
    match app.lyra().tokens.get_mut(&token_of(r)) {
        Some(token) => {
            token.cancellation_date = cancellation_date;
            response_code(ACTION_COMPLETED)
        }
        None => response_code(TOKEN_NOT_FOUND),
    }
}

/// `Token/Update`: a formToken whose payment replaces the token's card; with card data
/// (`paymentForms`, PCI-DSS merchants) the card is replaced at once (see `pci.rs`).
pub(super) fn update(app: &App, r: &Value) -> WsResult {
    if r.get("paymentForms").is_some() {
        return super::pci::update_token(app, r);
    }
    let token = token_of(r);
    let mut state = app.lyra();
    if state.tokens.get(&token).is_none() {
        return fail(ALIAS_NOT_FOUND);
    }
    let currency = str_field(r, "currency").unwrap_or_else(|| DEFAULT_CURRENCY.into());
    let purpose = FormPurpose::TokenUpdate(token.clone());
    let entry = FormEntry {
        order_id: str_field(r, "orderId"),
        customer: storable("customer", &r["customer"])?,
        payment_method_token: Some(token),
        ..FormEntry::new(purpose, 0, currency, "REGISTER_UPDATE")
    };
    Ok(payment_form(state.mint_form(entry)))
}

/// `Token/UpdateCustomerDetails`: the buyer details of an active token, merged as
/// CustomerWallet/Update merges them; answers the updated `V4/Token`.
pub(super) fn update_customer_details(app: &App, r: &Value) -> WsResult {
    let update = storable(
        "customer",
        &super::customer_wallet::checked_customer(&r["customer"])?,
    )?;
    let mut state = app.lyra();
    let token = state
        .tokens
        .get_mut(&token_of(r))
        .filter(|t| t.cancellation_date.is_none())
        .ok_or(ALIAS_NOT_FOUND)?;
    super::customer_wallet::merge_customer(&mut token.customer, &update);
    Ok(token_json(token))
}
