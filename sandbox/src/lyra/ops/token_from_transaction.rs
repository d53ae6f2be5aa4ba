//! `Charge/CreateTokenFromTransaction`: registers the card of an accepted transaction as a new
//! token (the gateway keeps this deprecated web service; it is not PSD2-compliant).

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::lyra::error::{Code, WsResult, TRANSACTION_NOT_FOUND};
use crate::lyra::model::{Token, Tx};
use crate::lyra::render::token_json;
use crate::util::{new_id, now_iso};

/// PSP_035: the transaction was refused, or is a VERIFICATION (or a refund).
const TOKEN_CREATION_REFUSED: Code = ("PSP_035", "token creation refused");

/// The only buyer fields the new token gets: `email` (the request's, else the transaction's),
/// `billingDetails.language` and `shippingDetails.identityCode` (Systempay's playground page
/// of the web service).
fn token_customer(tx: &Tx, request_customer: &Value) -> Value {
    let from_tx = &tx.customer;
    let email = request_customer["email"]
        .as_str()
        .or_else(|| from_tx["email"].as_str());
    let mut customer = Map::new();
    if let Some(email) = email {
        customer.insert("email".into(), json!(email));
    }
    if let Some(language) = from_tx["billingDetails"]["language"].as_str() {
        customer.insert("billingDetails".into(), json!({"language": language}));
    }
    if let Some(code) = from_tx["shippingDetails"]["identityCode"].as_str() {
        customer.insert("shippingDetails".into(), json!({"identityCode": code}));
    }
    Value::Object(customer)
}

/// `Charge/CreateTokenFromTransaction`.
pub(super) fn create(app: &App, r: &Value) -> WsResult {
    let request_customer = super::customer_wallet::checked_customer(&r["customer"])?;
    let uuid = r["uuid"].as_str().unwrap_or_default().to_owned();
    let mut state = app.lyra();
    let tx = state.transactions.get(&uuid).ok_or(TRANSACTION_NOT_FOUND)?;
    if tx.status == "UNPAID" || tx.operation_type != "DEBIT" {
        return Err(TOKEN_CREATION_REFUSED.into());
    }
    let token = Token {
        token: new_id(),
        card: tx.card,
        initial_issuer_transaction_identifier: tx.initial_issuer_transaction_identifier.clone(),
        customer: token_customer(tx, &request_customer),
        creation_date: now_iso(),
        cancellation_date: None,
    };
    let answer = token_json(&token);
    state.tokens.insert(token.token.clone(), token);
    Ok(answer)
}
