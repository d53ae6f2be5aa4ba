//! `Charge/CreatePaymentOrder`, `Charge/PaymentOrder/Get` and `Charge/PaymentOrder/Update`:
//! payment links, paid through the shopper pages.

use serde_json::Value;

use crate::app::App;
use crate::lyra::error::{fail, WsError, WsResult, INVALID_CURRENCY, PAYMENT_ORDER_NOT_FOUND};
use crate::lyra::model::{storable, PaymentOrder};
use crate::lyra::render::payment_order_json;
use crate::util::{declared_fields, merge_declared, new_id, now_iso, str_field};

/// `Charge/CreatePaymentOrder`.
pub(super) fn create(app: &App, r: &Value) -> WsResult {
    if pasarela::money::decimals(r["currency"].as_str().unwrap_or("")).is_none() {
        return fail(INVALID_CURRENCY);
    }
    if r["channelOptions"]["channelType"] == "MAIL"
        && r["channelOptions"]["mailOptions"]["recipient"]
            .as_str()
            .is_none()
    {
        return Err(WsError::invalid_input(
            "channelOptions.mailOptions.recipient is required for MAIL",
        ));
    }
    let order = PaymentOrder {
        id: new_id(),
        request: storable("(body)", &declared_fields(r, "CreatePaymentOrderRequest"))?,
        status: "RUNNING",
        creation_date: now_iso(),
        update_date: None,
    };
    let answer = payment_order_json(&order, &app.payment_order_url(&order.id));
    app.lyra().payment_orders.insert(order.id.clone(), order);
    Ok(answer)
}

/// `Charge/PaymentOrder/Get`.
pub(super) fn get(app: &App, r: &Value) -> WsResult {
    let id = str_field(r, "paymentOrderId").unwrap_or_default();
    let state = app.lyra();
    let order = state
        .payment_orders
        .get(&id)
        .ok_or(PAYMENT_ORDER_NOT_FOUND)?;
    Ok(payment_order_json(order, &app.payment_order_url(&id)))
}

/// `Charge/PaymentOrder/Update`: only a running order, on the same channel; only the fields the
/// update request declares are merged (unknown keys never accumulate).
pub(super) fn update(app: &App, r: &Value) -> WsResult {
    let id = str_field(r, "paymentOrderId").unwrap_or_default();
    let mut state = app.lyra();
    let order = state
        .payment_orders
        .get_mut(&id)
        .ok_or(PAYMENT_ORDER_NOT_FOUND)?;
    match order.status {
        "RUNNING" => {}
        "PAID" => return fail(("PSP_1005", "payment order already finalized")),
        "EXPIRED" => return fail(("PSP_1006", "payment order expired")),
        _ => return fail(("PSP_1101", "payment order cancelled")),
    }
    if order.request["channelOptions"]["channelType"] != r["channelOptions"]["channelType"] {
        return Err(WsError::invalid_input(
            "channelOptions.channelType cannot change",
        ));
    }
    let mut request = order.request.clone();
    merge_declared(&mut request, r, "PaymentOrderUpdateRequest");
    order.request = storable("(body)", &request)?;
    order.update_date = Some(now_iso());
    Ok(payment_order_json(order, &app.payment_order_url(&id)))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::config::SandboxConfig;

    #[test]
    fn updates_with_new_unknown_keys_do_not_grow_the_stored_order() {
        let app = App::new(SandboxConfig::default());
        let created = create(
            &app,
            &json!({"amount": 1000, "currency": "PEN", "channelOptions": {"channelType": "URL"}, "junk": "j"}),
        )
        .unwrap();
        let id = created["paymentOrderId"].as_str().unwrap().to_owned();
        for n in 0..50 {
            let mut change = json!({"paymentOrderId": id, "channelOptions": {"channelType": "URL"}, "amount": 900});
            change[format!("unknown-{n}")] = json!("u".repeat(10_000));
            update(&app, &change).unwrap();
        }
        let state = app.lyra();
        let request = &state.payment_orders.get(&id).unwrap().request;
        let keys: Vec<&String> = request.as_object().unwrap().keys().collect();
        assert!(
            keys.iter()
                .all(|k| !k.starts_with("unknown") && *k != "junk"),
            "{keys:?}"
        );
        assert_eq!(request["amount"], 900);
    }
}
