//! `Transaction/*` web services: reading, cancelling, refunding, validating, updating,
//! capturing and duplicating the transactions that payments recorded. Changes a merchant's
//! back office could make are notified by IPN, as the gateway does.

use serde_json::Value;

use crate::app::App;
use crate::lyra::error::{fail, WsError, WsResult, TRANSACTION_NOT_FOUND, WRONG_STATUS};
use crate::lyra::model::{LyraState, Tx};
use crate::lyra::payment::notify_change;
use crate::lyra::render::transaction_json;
use crate::util::{new_id, now_iso, str_field};

fn uuid_of(r: &Value) -> String {
    str_field(r, "uuid").unwrap_or_default()
}

/// The answer of a changed transaction, after sending its IPN. Call it without the lock.
fn answer_and_notify(app: &App, changed: &Tx) -> WsResult {
    let answer = transaction_json(changed, &app.config.shop_id, true);
    notify_change(app, changed);
    Ok(answer)
}

/// `Transaction/Get`.
pub(super) fn get(app: &App, r: &Value) -> WsResult {
    let state = app.lyra();
    let tx = state
        .transactions
        .get(&uuid_of(r))
        .ok_or(TRANSACTION_NOT_FOUND)?;
    Ok(transaction_json(tx, &app.config.shop_id, true))
}

/// `Transaction/CancelOrRefund`: `resolutionMode` (AUTO by default) picks.
pub(super) fn cancel_or_refund(app: &App, r: &Value) -> WsResult {
    reverse(app, r, r["resolutionMode"].as_str().unwrap_or("AUTO"))
}

/// `Transaction/Cancel`.
pub(super) fn cancel(app: &App, r: &Value) -> WsResult {
    reverse(app, r, "CANCELLATION_ONLY")
}

/// `Transaction/Refund`.
pub(super) fn refund(app: &App, r: &Value) -> WsResult {
    reverse(app, r, "REFUND_ONLY")
}

/// Cancels a transaction not yet captured, or refunds a captured one (a CREDIT), as `mode`
/// allows.
fn reverse(app: &App, r: &Value, mode: &str) -> WsResult {
    let uuid = uuid_of(r);
    let mut state = app.lyra();
    let tx = state
        .transactions
        .get(&uuid)
        .cloned()
        .ok_or(TRANSACTION_NOT_FOUND)?;
    if tx.operation_type != "DEBIT" {
        return fail(WRONG_STATUS);
    }
    let changed = match tx.detailed_status {
        "CANCELLED" => return fail(("PSP_105", "transaction already cancelled")),
        "REFUSED" | "EXPIRED" | "ERROR" => {
            return fail(("PSP_083", "refund of an unpaid transaction"))
        }
        _ if tx.is_cancellable() => {
            if mode == "REFUND_ONLY" {
                return fail((
                    "PSP_076",
                    "refund not possible yet, cancel the transaction instead",
                ));
            }
            let t = state.transactions.get_mut(&uuid).expect("present");
            t.set_status("UNPAID", "CANCELLED");
            t.clone()
        }
        "CAPTURED" => {
            if mode == "CANCELLATION_ONLY" {
                return fail((
                    "PSP_075",
                    "cancellation impossible, refund the transaction instead",
                ));
            }
            credit(&mut state, &tx, r)?
        }
        _ => return fail(WRONG_STATUS),
    };
    drop(state);
    answer_and_notify(app, &changed)
}

/// Refunds (part of) a captured transaction: records and returns the CREDIT.
fn credit(state: &mut LyraState, tx: &Tx, r: &Value) -> Result<Tx, WsError> {
    let remaining = tx.amount - tx.refunded;
    if remaining == 0 {
        return fail(("PSP_104", "transaction already refunded"));
    }
    let amount = r["amount"].as_i64().unwrap_or(remaining);
    if amount <= 0 || amount > remaining {
        return Err(WsError::detailed(
            (
                "PSP_510",
                "refund amount exceeds the amount of the transaction",
            ),
            format!("at most {remaining} can be refunded"),
        ));
    }
    state
        .transactions
        .get_mut(&tx.uuid)
        .expect("present")
        .refunded += amount;
    let mut credit = tx.clone();
    credit.uuid = new_id();
    credit.amount = amount;
    credit.refunded = 0;
    credit.operation_type = "CREDIT";
    credit.set_status("PAID", "CAPTURED");
    credit.parent_uuid = Some(tx.uuid.clone());
    credit.creation_date = now_iso();
    state.insert_transaction(credit.clone());
    Ok(credit)
}

/// `Transaction/Validate`: releases a transaction held for manual validation.
pub(super) fn validate(app: &App, r: &Value) -> WsResult {
    let mut state = app.lyra();
    let t = state
        .transactions
        .get_mut(&uuid_of(r))
        .ok_or(TRANSACTION_NOT_FOUND)?;
    match t.detailed_status {
        "AUTHORISED_TO_VALIDATE" => t.set_status("PAID", "AUTHORISED"),
        "WAITING_AUTHORISATION_TO_VALIDATE" => t.set_status("RUNNING", "WAITING_AUTHORISATION"),
        _ => return fail(WRONG_STATUS),
    }
    t.manual_validation = false;
    let changed = t.clone();
    drop(state);
    answer_and_notify(app, &changed)
}

/// `Transaction/Update`: lowers the amount, validates, or changes the order id.
pub(super) fn update(app: &App, r: &Value) -> WsResult {
    let mut state = app.lyra();
    let t = state
        .transactions
        .get_mut(&uuid_of(r))
        .ok_or(TRANSACTION_NOT_FOUND)?;
    if !t.is_cancellable() {
        return fail(WRONG_STATUS);
    }
    let update = &r["cardUpdate"];
    if let Some(amount) = update["amount"].as_i64() {
        if amount > t.amount {
            return fail(("PSP_511", "the amount can only be lowered"));
        }
        t.amount = amount;
    }
    if update["manualValidation"] == "NO" && t.detailed_status == "AUTHORISED_TO_VALIDATE" {
        t.set_status("PAID", "AUTHORISED");
        t.manual_validation = false;
    }
    let new_order_id = str_field(r, "orderId");
    if new_order_id.is_none() {
        return Ok(transaction_json(t, &app.config.shop_id, true));
    }
    t.order_id = new_order_id;
    // Re-inserted so that the order index files it under its new order id.
    let changed = t.clone();
    state.insert_transaction(changed.clone());
    Ok(transaction_json(&changed, &app.config.shop_id, true))
}

/// `Transaction/Capture`: captures every listed transaction, or none: each uuid is checked
/// (known, AUTHORISED) before any is captured, so one unknown uuid (PSP_010) or one in another
/// status (PSP_011) leaves them all as they were. Answers the last one. Lyra's documentation
/// does not say how a partial failure is reported; all-or-nothing is the sandbox's choice.
pub(super) fn capture(app: &App, r: &Value) -> WsResult {
    let uuids: Vec<String> = r["uuids"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|u| u.as_str().map(str::to_owned))
        .collect();
    let mut state = app.lyra();
    for uuid in &uuids {
        let t = state
            .transactions
            .get(uuid)
            .ok_or_else(|| WsError::detailed(TRANSACTION_NOT_FOUND, format!("uuid {uuid}")))?;
        if t.detailed_status != "AUTHORISED" {
            return Err(WsError::detailed(
                WRONG_STATUS,
                format!("uuid {uuid} is {}", t.detailed_status),
            ));
        }
    }
    let mut last = None;
    for uuid in &uuids {
        if let Some(t) = state.transactions.get_mut(uuid) {
            t.set_status("PAID", "CAPTURED");
            last = Some(transaction_json(t, &app.config.shop_id, true));
        }
    }
    last.ok_or_else(|| WsError::invalid_input("uuids is empty"))
}

/// `Transaction/Duplicate`: a new authorised transaction copied from another.
pub(super) fn duplicate(app: &App, r: &Value) -> WsResult {
    let mut state = app.lyra();
    let source = state
        .transactions
        .get(&uuid_of(r))
        .cloned()
        .ok_or(TRANSACTION_NOT_FOUND)?;
    let mut copy = source.clone();
    copy.uuid = new_id();
    copy.amount = r["amount"].as_i64().unwrap_or(source.amount);
    copy.refunded = 0;
    copy.order_id = str_field(r, "orderId").or(source.order_id);
    copy.creation_date = now_iso();
    copy.set_status("PAID", "AUTHORISED");
    copy.error = None;
    let answer = transaction_json(&copy, &app.config.shop_id, true);
    state.insert_transaction(copy);
    Ok(answer)
}
