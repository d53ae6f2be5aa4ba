//! `CustomerWallet/*`: the tokens registered for one buyer reference (`customer.reference`).

use serde_json::{json, Value};

use pasarela::lyra::types;

use crate::app::App;
use crate::lyra::error::WsError;
use crate::lyra::model::Token;
use crate::lyra::render::token_json;
use crate::util::str_field;

/// True when `token` belongs to the wallet of `reference`.
fn in_wallet(token: &Token, reference: &str) -> bool {
    token.customer["reference"].as_str() == Some(reference)
}

/// True when `token` has the status CustomerWallet/Get asks for (`ACTIVE` by default).
fn has_status(token: &Token, wanted: &str) -> bool {
    let cancelled = token.cancellation_date.is_some();
    match wanted {
        "ALL" => true,
        "CANCELLED" => cancelled,
        // The sandbox's test cards never expire.
        "EXPIRED" => false,
        _ => !cancelled,
    }
}

/// `V4/CustomerWallet` of `reference`: its tokens as `V4/Token`s, oldest first.
fn wallet_json(app: &App, reference: &str, status: &str) -> Value {
    let state = app.lyra();
    let tokens: Vec<Value> = state
        .tokens
        .values()
        .filter(|t| in_wallet(t, reference) && has_status(t, status))
        .map(token_json)
        .collect();
    json!({"customerReference": reference, "tokens": tokens, "_type": "V4/CustomerWallet"})
}

/// `CustomerWallet/Get`. An unknown reference is an empty wallet.
pub(super) fn get(app: &App, r: &Value) -> crate::lyra::error::WsResult {
    let reference = str_field(r, "customerReference").unwrap_or_default();
    let status = str_field(r, "tokenStatus").unwrap_or_else(|| "ACTIVE".to_owned());
    Ok(wallet_json(app, &reference, &status))
}

/// A request's `customer` as the answers may echo it: decoded into the spec's type (which the
/// request schema alone does not fully enforce: an amount beyond 64 bits passes it), then
/// encoded again. An absent customer is `null`.
///
/// # Errors
/// INT_902 when it does not decode.
pub(super) fn checked_customer(value: &Value) -> Result<Value, WsError> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    serde_json::from_value::<types::Customer>(value.clone())
        .and_then(serde_json::to_value)
        .map_err(|e| WsError::invalid_input(format!("Invalid input value [name=customer]: {e}")))
}

/// Copies the buyer fields of `update` into `customer`, one level deep (a new
/// `billingDetails.city` keeps the other billing fields), and never changes the reference.
pub(super) fn merge_customer(customer: &mut Value, update: &Value) {
    if !customer.is_object() {
        *customer = json!({});
    }
    let Some(fields) = update.as_object() else {
        return;
    };
    for (name, value) in fields {
        if name == "reference" {
            continue;
        }
        match (customer.get_mut(name), value) {
            (Some(current @ Value::Object(_)), Value::Object(inner)) => {
                for (k, v) in inner {
                    current[k] = v.clone();
                }
            }
            _ => customer[name] = value.clone(),
        }
    }
}

/// `CustomerWallet/Update`: the buyer details of every token of the wallet; answers the
/// updated wallet (all statuses).
pub(super) fn update(app: &App, r: &Value) -> crate::lyra::error::WsResult {
    let reference = str_field(r, "customerReference").unwrap_or_default();
    // Bounded like every stored `customer`: merged into each token of the wallet, an oversized
    // one would crowd other entries out of the token store.
    let update = crate::lyra::model::storable("customer", &checked_customer(&r["customer"])?)?;
    {
        let mut state = app.lyra();
        let ids: Vec<String> = state
            .tokens
            .values()
            .filter(|t| in_wallet(t, &reference))
            .map(|t| t.token.clone())
            .collect();
        for id in ids {
            if let Some(token) = state.tokens.get_mut(&id) {
                merge_customer(&mut token.customer, &update);
            }
        }
    }
    Ok(wallet_json(app, &reference, "ALL"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_keeps_the_reference_and_the_other_nested_fields() {
        let mut customer = json!({"email": "a@x.pe", "reference": "r1", "billingDetails": {"firstName": "Ana", "city": "Cusco"}});
        merge_customer(
            &mut customer,
            &json!({"reference": "r2", "email": "b@x.pe", "billingDetails": {"city": "Lima"}}),
        );
        assert_eq!(
            customer,
            json!({"email": "b@x.pe", "reference": "r1", "billingDetails": {"firstName": "Ana", "city": "Lima"}})
        );
    }
}
