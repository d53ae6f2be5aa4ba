//! `Risk/AddToGreyList`: grey-lists a card (from a transaction or a token), a BIN or an IP
//! address. Cards are kept and shown masked, as the Back Office lists them.

use std::net::IpAddr;

use serde_json::{json, Value};

use crate::app::App;
use crate::lyra::cards::TestCard;
use crate::lyra::error::{fail, Code, WsResult, ALIAS_NOT_FOUND, TRANSACTION_NOT_FOUND};
use crate::lyra::grey_list::{key, GreyListEntry};
use crate::util::str_field;

/// INT_205: the grey-list parameters do not go together (Lyra's error reference lists it for
/// this web service).
const INVALID_GREY_LIST: Code = ("INT_205", "invalid grey list parameters");

/// The card of the request's transaction or token, if it names one.
fn card_of(app: &App, r: &Value) -> Result<Option<&'static TestCard>, crate::lyra::error::WsError> {
    let state = app.lyra();
    if let Some(uuid) = str_field(r, "uuid") {
        let tx = state.transactions.get(&uuid).ok_or(TRANSACTION_NOT_FOUND)?;
        return Ok(Some(tx.card));
    }
    if let Some(token) = str_field(r, "paymentMethodToken") {
        let token = state.active_token(&token).ok_or(ALIAS_NOT_FOUND)?;
        return Ok(Some(token.card));
    }
    Ok(None)
}

/// The grey-listed value the request names, checked against its type.
fn value_of(app: &App, kind: &str, r: &Value) -> Result<String, crate::lyra::error::WsError> {
    let given = str_field(r, "value");
    let names_card = r.get("uuid").is_some() || r.get("paymentMethodToken").is_some();
    match (kind, given) {
        ("PAYMENT_METHOD", Some(_)) => fail(INVALID_GREY_LIST),
        ("PAYMENT_METHOD", None) => Ok(card_of(app, r)?.ok_or(INVALID_GREY_LIST)?.masked_pan()),
        ("BIN", Some(_)) if names_card => fail(INVALID_GREY_LIST),
        ("BIN", Some(bin))
            if (6..=8).contains(&bin.len()) && bin.bytes().all(|b| b.is_ascii_digit()) =>
        {
            Ok(bin)
        }
        ("BIN", None) => Ok(card_of(app, r)?.ok_or(INVALID_GREY_LIST)?.bin().to_owned()),
        ("IP_ADDRESS", Some(ip)) if !names_card && ip.parse::<IpAddr>().is_ok() => Ok(ip),
        _ => fail(INVALID_GREY_LIST),
    }
}

/// `Risk/AddToGreyList`.
pub(super) fn add_to_grey_list(app: &App, r: &Value) -> WsResult {
    let kind = str_field(r, "greyListType").unwrap_or_default();
    let entry = GreyListEntry {
        value: value_of(app, &kind, r)?,
        kind,
        reason: str_field(r, "reason"),
    };
    app.lyra().grey_list.insert(key(&entry), entry.clone());
    Ok(json!({
        "greyListType": entry.kind, "value": entry.value, "reason": entry.reason,
        "_type": "V4/GreyList"
    }))
}
