//! `Charge/CreateSubscription` and `Subscription/*`: recurring payments on a registered token
//! (stored, never charged by the sandbox).

use pasarela::lyra::types;
use serde_json::Value;

use crate::app::App;
use crate::lyra::error::{fail, WsResult, ALIAS_NOT_FOUND};
use crate::lyra::model::{storable, LyraState, Subscription};
use crate::lyra::render::{
    response_code, subscription_json, typed, ResponseCode, ACTION_COMPLETED,
    SUBSCRIPTION_NOT_FOUND, TOKEN_NOT_FOUND,
};
use crate::util::{declared_fields, merge_declared, new_id, now_iso, str_field};

/// `Charge/CreateSubscription`, on an active token.
pub(super) fn create(app: &App, r: &Value) -> WsResult {
    let token = str_field(r, "paymentMethodToken").unwrap_or_default();
    let mut state = app.lyra();
    if state.active_token(&token).is_none() {
        return fail(ALIAS_NOT_FOUND);
    }
    let id = new_id();
    let subscription = Subscription {
        id: id.clone(),
        request: storable("(body)", &declared_fields(r, "CreateSubscriptionRequest"))?,
        cancel_date: None,
    };
    state.subscriptions.insert(id.clone(), subscription);
    Ok(typed(types::SubscriptionCreated {
        subscription_id: Some(id),
        payment_method_token: Some(token),
        type_: types::SubscriptionCreatedType::V4SubscriptionCreated,
    }))
}

/// The subscription a request names, if it belongs to the request's token.
fn find<'a>(state: &'a mut LyraState, r: &Value) -> Result<&'a mut Subscription, ResponseCode> {
    let token = str_field(r, "paymentMethodToken").unwrap_or_default();
    let id = str_field(r, "subscriptionId").unwrap_or_default();
    match state.subscriptions.get_mut(&id) {
        None => Err(SUBSCRIPTION_NOT_FOUND),
        Some(s) if s.request["paymentMethodToken"] != token.as_str() => Err(TOKEN_NOT_FOUND),
        Some(s) => Ok(s),
    }
}

/// `Subscription/Get`.
pub(super) fn get(app: &App, r: &Value) -> WsResult {
    match find(&mut app.lyra(), r) {
        Ok(subscription) => Ok(subscription_json(subscription)),
        // No documented error code: the sandbox reuses PSP_030/PSP_032-like texts.
        Err((code, detail)) => fail((if code == 30 { "PSP_030" } else { "PSP_032" }, detail)),
    }
}

/// `Subscription/Update`: merges the fields the update request declares into the stored
/// request (unknown keys never accumulate).
pub(super) fn update(app: &App, r: &Value) -> WsResult {
    let mut state = app.lyra();
    let subscription = match find(&mut state, r) {
        Ok(subscription) => subscription,
        Err(code) => return Ok(response_code(code)),
    };
    let mut request = subscription.request.clone();
    merge_declared(&mut request, r, "SubscriptionUpdateRequest");
    subscription.request = storable("(body)", &request)?;
    Ok(response_code(ACTION_COMPLETED))
}

/// `Subscription/Cancel`, at `terminationDate` or now.
pub(super) fn cancel(app: &App, r: &Value) -> WsResult {
    let code = find(&mut app.lyra(), r).map(|s| {
        s.cancel_date = Some(str_field(r, "terminationDate").unwrap_or_else(now_iso));
    });
    Ok(response_code(code.err().unwrap_or(ACTION_COMPLETED)))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::config::SandboxConfig;
    use crate::lyra::cards::TEST_CARDS;
    use crate::lyra::model::Token;

    #[test]
    fn updates_with_new_unknown_keys_do_not_grow_the_stored_subscription() {
        let app = App::new(SandboxConfig::default());
        let token = "t".repeat(32);
        app.lyra().tokens.insert(
            token.clone(),
            Token {
                token: token.clone(),
                card: &TEST_CARDS[0],
                initial_issuer_transaction_identifier: None,
                customer: Value::Null,
                creation_date: now_iso(),
                cancellation_date: None,
            },
        );
        let created = create(
            &app,
            &json!({"amount": 1000, "currency": "PEN", "effectDate": "2030-01-01T00:00:00+00:00",
                    "paymentMethodToken": token, "rrule": "RRULE:FREQ=MONTHLY", "junk": "j"}),
        )
        .unwrap();
        let id = created["subscriptionId"].as_str().unwrap().to_owned();
        for n in 0..50 {
            let mut change =
                json!({"subscriptionId": id, "paymentMethodToken": token, "amount": 900});
            change[format!("unknown-{n}")] = json!("u".repeat(10_000));
            update(&app, &change).unwrap();
        }
        let state = app.lyra();
        let request = &state.subscriptions.get(&id).unwrap().request;
        let keys: Vec<&String> = request.as_object().unwrap().keys().collect();
        assert!(
            keys.iter()
                .all(|k| !k.starts_with("unknown") && *k != "junk"),
            "{keys:?}"
        );
        assert_eq!(request["amount"], 900);
    }
}
