//! The operations of the emulated Lyra web services, applied to the in-memory state.

use serde_json::{json, Value};

use super::lyra_api::{fail, WsError};

/// A web-service error without detail.
fn err(code: &'static str, message: &str) -> WsError {
    (code, message.to_owned(), None)
}
use super::lyra_model::{
    payment_order_json, subscription_json, token_json, transaction_json, FormEntry, FormPurpose,
    PaymentOrder, Subscription, Token,
};
use super::util::{new_form_token, new_id, now_iso};
use super::App;

fn str_field(request: &Value, name: &str) -> Option<String> {
    request.get(name).and_then(Value::as_str).map(str::to_owned)
}

pub(crate) fn dispatch(app: &App, ws: &str, r: &Value) -> Result<Value, WsError> {
    let mut state = app.lyra.lock().unwrap_or_else(|e| e.into_inner());
    let shop = app.config.shop_id.as_str();
    match ws {
        "Charge/SDKTest" => Ok(json!({"value": r["value"], "_type": "V4/Type/String"})),
        "Charge/CreatePayment" | "Charge/CreateToken" => {
            let token_flow = ws == "Charge/CreateToken";
            let currency = str_field(r, "currency").unwrap_or_default();
            if pasarela::money::decimals(&currency).is_none() {
                return Err((
                    "INT_010",
                    "invalid currency".into(),
                    Some(format!(
                        "Invalid input value [name=currency, value={currency}]"
                    )),
                ));
            }
            let amount = if token_flow {
                0
            } else {
                r["amount"].as_i64().unwrap_or(0)
            };
            let form_action = str_field(r, "formAction")
                .unwrap_or_else(|| if token_flow { "REGISTER" } else { "PAYMENT" }.into());
            if !token_flow && amount == 0 && !form_action.starts_with("REGISTER") {
                return fail("INT_009", "invalid amount");
            }
            if (form_action.starts_with("REGISTER") || form_action == "ASK_REGISTER_PAY")
                && r["customer"]["email"].as_str().is_none()
            {
                {
                    return fail(
                        "INT_811",
                        "customer.email is required to register a payment method",
                    );
                }
            }
            let entry = FormEntry {
                purpose: if token_flow {
                    FormPurpose::Token
                } else {
                    FormPurpose::Payment
                },
                amount,
                currency,
                order_id: str_field(r, "orderId"),
                form_action: form_action.clone(),
                customer: r.get("customer").cloned().unwrap_or(Value::Null),
                metadata: r.get("metadata").cloned().unwrap_or(Value::Null),
                ipn_target_url: str_field(r, "ipnTargetUrl"),
                payment_method_token: str_field(r, "paymentMethodToken"),
                manual_validation: r["transactionOptions"]["cardOptions"]["manualValidation"]
                    == "YES",
                created: std::time::Instant::now(),
                used: false,
            };
            if form_action == "SILENT" {
                let token = entry
                    .payment_method_token
                    .clone()
                    .ok_or_else(|| err("INT_830", "paymentMethodToken is required with SILENT"))?;
                let card = state
                    .tokens
                    .get(&token)
                    .filter(|t| t.cancellation_date.is_none())
                    .map(|t| t.card)
                    .ok_or_else(|| err("PSP_030", "alias not found"))?;
                drop(state);
                let outcome = app.pay(entry, card, None);
                return Ok(outcome.payment);
            }
            let form_token = new_form_token();
            state.form_tokens.insert(form_token.clone(), entry);
            Ok(json!({"formToken": form_token, "_type": "V4/Charge/PaymentForm"}))
        }
        "Charge/UpdatePaymentAmount" => {
            let form_token = str_field(r, "formToken").unwrap_or_default();
            let entry = state
                .live_form(&form_token)
                .cloned()
                .ok_or_else(|| err("INT_903", "formToken not found or expired"))?;
            let updated: i64 = str_field(r, "updatedAmount")
                .and_then(|a| a.parse().ok())
                .unwrap_or(-1);
            if updated < 0 || updated > entry.amount {
                return Err((
                    "INT_009",
                    "invalid amount".into(),
                    Some(format!("updatedAmount must not exceed {}", entry.amount)),
                ));
            }
            let new_form_token = new_form_token();
            state.form_tokens.insert(
                new_form_token.clone(),
                FormEntry {
                    amount: updated,
                    created: std::time::Instant::now(),
                    ..entry
                },
            );
            Ok(json!({"formToken": new_form_token, "_type": "V4/Charge/PaymentForm"}))
        }
        "Charge/CreateSubscription" => {
            let token = str_field(r, "paymentMethodToken").unwrap_or_default();
            if state
                .tokens
                .get(&token)
                .filter(|t| t.cancellation_date.is_none())
                .is_none()
            {
                return fail("PSP_030", "alias not found");
            }
            let id = new_id();
            state.subscriptions.insert(
                id.clone(),
                Subscription {
                    id: id.clone(),
                    request: r.clone(),
                    cancel_date: None,
                },
            );
            Ok(
                json!({"subscriptionId": id, "paymentMethodToken": token, "_type": "V4/SubscriptionCreated"}),
            )
        }
        "Charge/CreatePaymentOrder" => {
            if pasarela::money::decimals(r["currency"].as_str().unwrap_or("")).is_none() {
                return fail("INT_010", "invalid currency");
            }
            if r["channelOptions"]["channelType"] == "MAIL"
                && r["channelOptions"]["mailOptions"]["recipient"]
                    .as_str()
                    .is_none()
            {
                return Err((
                    "INT_902",
                    "web-service input data validation error".into(),
                    Some("channelOptions.mailOptions.recipient is required for MAIL".into()),
                ));
            }
            let order = PaymentOrder {
                id: new_id(),
                request: r.clone(),
                status: "RUNNING",
                creation_date: now_iso(),
                update_date: None,
            };
            let answer = payment_order_json(&order, &app.payment_order_url(&order.id));
            state.payment_orders.insert(order.id.clone(), order);
            Ok(answer)
        }
        "Charge/PaymentOrder/Get" => {
            let id = str_field(r, "paymentOrderId").unwrap_or_default();
            let order = state
                .payment_orders
                .get(&id)
                .ok_or_else(|| err("PSP_1000", "payment order not found"))?;
            Ok(payment_order_json(order, &app.payment_order_url(&id)))
        }
        "Charge/PaymentOrder/Update" => {
            let id = str_field(r, "paymentOrderId").unwrap_or_default();
            let order = state
                .payment_orders
                .get_mut(&id)
                .ok_or_else(|| err("PSP_1000", "payment order not found"))?;
            match order.status {
                "RUNNING" => {}
                "PAID" => return fail("PSP_1005", "payment order already finalized"),
                "EXPIRED" => return fail("PSP_1006", "payment order expired"),
                _ => return fail("PSP_1101", "payment order cancelled"),
            }
            if order.request["channelOptions"]["channelType"] != r["channelOptions"]["channelType"]
            {
                return Err((
                    "INT_902",
                    "web-service input data validation error".into(),
                    Some("channelOptions.channelType cannot change".into()),
                ));
            }
            if let (Some(target), Some(source)) = (order.request.as_object_mut(), r.as_object()) {
                for (key, value) in source {
                    target.insert(key.clone(), value.clone());
                }
            }
            order.update_date = Some(now_iso());
            Ok(payment_order_json(order, &app.payment_order_url(&id)))
        }
        "Transaction/Get" => {
            let tx = state
                .transactions
                .get(&str_field(r, "uuid").unwrap_or_default())
                .ok_or_else(|| err("PSP_010", "transaction not found"))?;
            Ok(transaction_json(tx, shop, true))
        }
        "Transaction/CancelOrRefund" | "Transaction/Cancel" | "Transaction/Refund" => {
            let uuid = str_field(r, "uuid").unwrap_or_default();
            let tx = state
                .transactions
                .get(&uuid)
                .cloned()
                .ok_or_else(|| err("PSP_010", "transaction not found"))?;
            let mode = match ws {
                "Transaction/Cancel" => "CANCELLATION_ONLY",
                "Transaction/Refund" => "REFUND_ONLY",
                _ => r["resolutionMode"].as_str().unwrap_or("AUTO"),
            };
            if tx.operation_type != "DEBIT" {
                return fail("PSP_011", "wrong transaction status");
            }
            match tx.detailed_status {
                "CANCELLED" => fail("PSP_105", "transaction already cancelled"),
                "REFUSED" | "EXPIRED" | "ERROR" => {
                    fail("PSP_083", "refund of an unpaid transaction")
                }
                _ if tx.is_cancellable() => {
                    if mode == "REFUND_ONLY" {
                        return fail(
                            "PSP_076",
                            "refund not possible yet, cancel the transaction instead",
                        );
                    }
                    let t = state.transactions.get_mut(&uuid).expect("present");
                    t.set_status("UNPAID", "CANCELLED");
                    let answer = transaction_json(t, shop, true);
                    let changed = t.clone();
                    drop(state);
                    app.notify_change(&changed);
                    Ok(answer)
                }
                "CAPTURED" => {
                    if mode == "CANCELLATION_ONLY" {
                        return fail(
                            "PSP_075",
                            "cancellation impossible, refund the transaction instead",
                        );
                    }
                    let remaining = tx.amount - tx.refunded;
                    if remaining == 0 {
                        return fail("PSP_104", "transaction already refunded");
                    }
                    let amount = r["amount"].as_i64().unwrap_or(remaining);
                    if amount <= 0 || amount > remaining {
                        return Err((
                            "PSP_510",
                            "refund amount exceeds the amount of the transaction".into(),
                            Some(format!("at most {remaining} can be refunded")),
                        ));
                    }
                    state.transactions.get_mut(&uuid).expect("present").refunded += amount;
                    let mut credit = tx.clone();
                    credit.uuid = new_id();
                    credit.amount = amount;
                    credit.refunded = 0;
                    credit.operation_type = "CREDIT";
                    credit.set_status("PAID", "CAPTURED");
                    credit.parent_uuid = Some(uuid.clone());
                    credit.creation_date = now_iso();
                    let answer = transaction_json(&credit, shop, true);
                    state
                        .transactions
                        .insert(credit.uuid.clone(), credit.clone());
                    drop(state);
                    app.notify_change(&credit);
                    Ok(answer)
                }
                _ => fail("PSP_011", "wrong transaction status"),
            }
        }
        "Transaction/Validate" => {
            let uuid = str_field(r, "uuid").unwrap_or_default();
            let t = state
                .transactions
                .get_mut(&uuid)
                .ok_or_else(|| err("PSP_010", "transaction not found"))?;
            match t.detailed_status {
                "AUTHORISED_TO_VALIDATE" => t.set_status("PAID", "AUTHORISED"),
                "WAITING_AUTHORISATION_TO_VALIDATE" => {
                    t.set_status("RUNNING", "WAITING_AUTHORISATION")
                }
                _ => return fail("PSP_011", "wrong transaction status"),
            }
            t.manual_validation = false;
            let answer = transaction_json(t, shop, true);
            let changed = t.clone();
            drop(state);
            app.notify_change(&changed);
            Ok(answer)
        }
        "Transaction/Update" => {
            let uuid = str_field(r, "uuid").unwrap_or_default();
            let t = state
                .transactions
                .get_mut(&uuid)
                .ok_or_else(|| err("PSP_010", "transaction not found"))?;
            if !t.is_cancellable() {
                return fail("PSP_011", "wrong transaction status");
            }
            let update = &r["cardUpdate"];
            if let Some(amount) = update["amount"].as_i64() {
                if amount > t.amount {
                    return fail("PSP_511", "the amount can only be lowered");
                }
                t.amount = amount;
            }
            if update["manualValidation"] == "NO" && t.detailed_status == "AUTHORISED_TO_VALIDATE" {
                t.set_status("PAID", "AUTHORISED");
                t.manual_validation = false;
            }
            if let Some(order_id) = str_field(r, "orderId") {
                t.order_id = Some(order_id);
            }
            Ok(transaction_json(t, shop, true))
        }
        "Transaction/Capture" => {
            let uuids: Vec<String> = r["uuids"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|u| u.as_str().map(str::to_owned))
                .collect();
            let mut last = None;
            for uuid in &uuids {
                let t = state.transactions.get_mut(uuid).ok_or((
                    "PSP_010",
                    "transaction not found".to_owned(),
                    Some(format!("uuid {uuid}")),
                ))?;
                if t.detailed_status != "AUTHORISED" {
                    return Err((
                        "PSP_011",
                        "wrong transaction status".into(),
                        Some(format!("uuid {uuid} is {}", t.detailed_status)),
                    ));
                }
                t.set_status("PAID", "CAPTURED");
                last = Some(transaction_json(t, shop, true));
            }
            last.ok_or((
                "INT_902",
                "web-service input data validation error".to_owned(),
                Some("uuids is empty".into()),
            ))
        }
        "Transaction/Duplicate" => {
            let uuid = str_field(r, "uuid").unwrap_or_default();
            let source = state
                .transactions
                .get(&uuid)
                .cloned()
                .ok_or_else(|| err("PSP_010", "transaction not found"))?;
            let mut copy = source.clone();
            copy.uuid = new_id();
            copy.amount = r["amount"].as_i64().unwrap_or(source.amount);
            copy.refunded = 0;
            copy.order_id = str_field(r, "orderId").or(source.order_id);
            copy.creation_date = now_iso();
            copy.set_status("PAID", "AUTHORISED");
            copy.error = None;
            let answer = transaction_json(&copy, shop, true);
            state.transactions.insert(copy.uuid.clone(), copy);
            Ok(answer)
        }
        "Order/Get" => {
            let order_id = str_field(r, "orderId").unwrap_or_default();
            let filter = r["operationType"].as_str();
            let txs: Vec<Value> = state
                .order_transactions(&order_id)
                .into_iter()
                .filter(|t| filter.is_none_or(|f| f == t.operation_type))
                .map(|t| transaction_json(t, shop, true))
                .collect();
            if txs.is_empty() {
                return fail("PSP_010", "transaction not found");
            }
            if txs.len() > 30 {
                return fail("PSP_015", "too many results");
            }
            Ok(json!({"transactions": txs, "_type": "V4/OrderTransactions"}))
        }
        "Token/Get" => {
            let token = state
                .tokens
                .get(&str_field(r, "paymentMethodToken").unwrap_or_default())
                .ok_or_else(|| err("PSP_030", "alias not found"))?;
            Ok(token_json(token))
        }
        "Token/Cancel" | "Token/Reactivate" => {
            let Some(token) = state
                .tokens
                .get_mut(&str_field(r, "paymentMethodToken").unwrap_or_default())
            else {
                return Ok(
                    json!({"responseCode": 30, "responseCodeDetail": "token not found", "_type": "V4/Common/ResponseCodeAnswer"}),
                );
            };
            token.cancellation_date = if ws == "Token/Cancel" {
                Some(now_iso())
            } else {
                None
            };
            Ok(
                json!({"responseCode": 0, "responseCodeDetail": "Action successfully completed", "_type": "V4/Common/ResponseCodeAnswer"}),
            )
        }
        "Token/Update" => {
            let token = str_field(r, "paymentMethodToken").unwrap_or_default();
            if state.tokens.get(&token).is_none() {
                return fail("PSP_030", "alias not found");
            }
            let entry = FormEntry {
                purpose: FormPurpose::TokenUpdate(token.clone()),
                amount: 0,
                currency: str_field(r, "currency").unwrap_or_else(|| "PEN".into()),
                order_id: str_field(r, "orderId"),
                form_action: "REGISTER_UPDATE".into(),
                customer: r.get("customer").cloned().unwrap_or(Value::Null),
                metadata: Value::Null,
                ipn_target_url: None,
                payment_method_token: Some(token),
                manual_validation: false,
                created: std::time::Instant::now(),
                used: false,
            };
            let form_token = new_form_token();
            state.form_tokens.insert(form_token.clone(), entry);
            Ok(json!({"formToken": form_token, "_type": "V4/Charge/PaymentForm"}))
        }
        "Subscription/Get" | "Subscription/Update" | "Subscription/Cancel" => {
            let token = str_field(r, "paymentMethodToken").unwrap_or_default();
            let id = str_field(r, "subscriptionId").unwrap_or_default();
            let (code, detail) = match state.subscriptions.get_mut(&id) {
                None => (32, "subscription not found"),
                Some(s) if s.request["paymentMethodToken"] != token.as_str() => {
                    (30, "token not found")
                }
                Some(s) => {
                    match ws {
                        "Subscription/Get" => return Ok(subscription_json(s)),
                        "Subscription/Cancel" => {
                            s.cancel_date =
                                Some(str_field(r, "terminationDate").unwrap_or_else(now_iso))
                        }
                        _ => {
                            if let (Some(target), Some(source)) =
                                (s.request.as_object_mut(), r.as_object())
                            {
                                for (key, value) in source {
                                    target.insert(key.clone(), value.clone());
                                }
                            }
                        }
                    }
                    (0, "Action successfully completed")
                }
            };
            if ws == "Subscription/Get" {
                // Subscription/Get has no documented error code: the sandbox reuses PSP_030/PSP_032-like texts.
                return Err((
                    if code == 30 { "PSP_030" } else { "PSP_032" },
                    detail.to_owned(),
                    None,
                ));
            }
            Ok(
                json!({"responseCode": code, "responseCodeDetail": detail, "_type": "V4/Common/ResponseCodeAnswer"}),
            )
        }
        _ => fail("INT_901", "web service not found"),
    }
}

/// Registers a token for a paid REGISTER* form and returns it.
pub(crate) fn register_token(
    state: &mut super::lyra_model::LyraState,
    entry: &FormEntry,
    card: &'static super::lyra_model::TestCard,
) -> String {
    let token = match &entry.purpose {
        FormPurpose::TokenUpdate(existing) => existing.clone(),
        _ => new_id(),
    };
    state.tokens.insert(
        token.clone(),
        Token {
            token: token.clone(),
            card,
            customer: entry.customer.clone(),
            creation_date: now_iso(),
            cancellation_date: None,
        },
    );
    if let Some(t) = state.tokens.get_mut(&token) {
        t.card = card;
        t.cancellation_date = None;
    }
    token
}
