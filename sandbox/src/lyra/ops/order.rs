//! `Order/Get`: the transactions of a merchant's order.

use serde_json::{json, Value};

use crate::app::App;
use crate::lyra::error::{fail, WsResult, TRANSACTION_NOT_FOUND};
use crate::lyra::render::transaction_json;
use crate::util::str_field;

/// At most this many transactions per answer (PSP_015 beyond).
const MAX_TRANSACTIONS: usize = 30;

/// `Order/Get`, optionally filtered by `operationType`.
pub(super) fn get(app: &App, r: &Value) -> WsResult {
    let order_id = str_field(r, "orderId").unwrap_or_default();
    let filter = r["operationType"].as_str();
    let state = app.lyra();
    let txs: Vec<Value> = state
        .order_transactions(&order_id)
        .into_iter()
        .filter(|t| filter.is_none_or(|f| f == t.operation_type))
        .map(|t| transaction_json(t, &app.config.shop_id, true))
        .collect();
    if txs.is_empty() {
        return fail(TRANSACTION_NOT_FOUND);
    }
    if txs.len() > MAX_TRANSACTIONS {
        return fail(("PSP_015", "too many results"));
    }
    Ok(json!({"transactions": txs, "_type": "V4/OrderTransactions"}))
}
