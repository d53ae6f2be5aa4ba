//! Paying a formToken: the transaction (and token, payment order) it records, the `V4/Payment`
//! answer, and the notifications that follow (the IPN signed with the password, the browser
//! return signed with the HMAC key). Used by the shopper pages and by `SILENT` payments.

use pasarela::lyra::notification::{self as lyra_notification, SignedWith};
use serde_json::Value;
use tokio::sync::oneshot;

use crate::app::App;
use crate::delivery::{Attempt, Context, LYRA_IPN};
use crate::lyra::cards::TestCard;
use crate::lyra::model::{FormEntry, FormPurpose, FormRefusal, LyraState, Tx};
use crate::lyra::render::payment_json;
use crate::util::{now_iso, str_field};

/// What paying a formToken produced.
pub(crate) struct Paid {
    pub payment: Value,
    pub raw_answer: String,
    pub refused: bool,
    pub ipn_target: Option<String>,
}

impl Paid {
    /// The `V4/Payment` of `tx`'s order, to send where `tx` (or the shop) wants IPNs.
    fn of(app: &App, tx: &Tx, order: &[&Tx], refused: bool) -> Paid {
        let payment = payment_json(tx, order, &app.config.shop_id);
        Paid {
            raw_answer: serde_json::to_string(&payment).unwrap_or_default(),
            payment,
            refused,
            ipn_target: tx
                .ipn_target
                .clone()
                .or_else(|| app.config.lyra_notification_url.clone()),
        }
    }
}

/// True when paying this entry registers the card as a token.
fn registers(entry: &FormEntry) -> bool {
    matches!(
        entry.purpose,
        FormPurpose::Token | FormPurpose::TokenUpdate(_)
    ) || matches!(
        entry.form_action.as_str(),
        "REGISTER_PAY" | "ASK_REGISTER_PAY" | "REGISTER_UPDATE_PAY" | "CUSTOMER_WALLET"
    )
}

/// Pays a formToken with a test card: takes it (refused when unknown, expired, superseded or
/// already used) and records the payment under one lock, so concurrent pays of one formToken
/// produce exactly one transaction. Notifications are the caller's job.
pub(crate) fn pay_form(
    app: &App,
    form_token: &str,
    card: &'static TestCard,
) -> Result<Paid, FormRefusal> {
    let mut state = app.lyra();
    let entry = state.take_form(form_token)?;
    Ok(record(app, &mut state, entry, card))
}

/// Pays a form entry that has no formToken (`SILENT`): records the transaction and returns
/// the V4/Payment answer.
pub(crate) fn pay(app: &App, entry: FormEntry, card: &'static TestCard) -> Paid {
    record(app, &mut app.lyra(), entry, card)
}

/// Records the transaction (and token, payment order) of a payment, under the caller's lock.
fn record(app: &App, state: &mut LyraState, entry: FormEntry, card: &'static TestCard) -> Paid {
    let (operation, amount) = match entry.purpose {
        FormPurpose::Token | FormPurpose::TokenUpdate(_) => ("VERIFICATION", 0),
        _ => ("DEBIT", entry.amount),
    };
    let mut tx = Tx::new(&entry, card, operation, amount);
    let refused = tx.status == "UNPAID";
    if !refused && registers(&entry) {
        tx.payment_method_token = Some(state.register_token(&entry, &tx));
    } else if !refused && entry.form_action == "SILENT" {
        tx.payment_method_token = entry.payment_method_token.clone();
    }
    if let FormPurpose::PaymentOrder(id) = &entry.purpose {
        tx.payment_order_id = Some(id.clone());
        if let Some(order) = state.payment_orders.get_mut(id).filter(|_| !refused) {
            order.status = "PAID";
            order.update_date = Some(now_iso());
        }
    }
    state.insert_transaction(tx.clone());
    Paid::of(app, &tx, &state.order_of(&tx), refused)
}

/// Sends the IPN of a paid form (signed with the password); returns the notification's id, its
/// target and a receiver of the first attempt. `None` when no notification URL is known.
pub(crate) fn send_ipn(
    app: &App,
    paid: &Paid,
) -> Option<(u64, String, oneshot::Receiver<Attempt>)> {
    let target = paid.ipn_target.clone()?;
    let body = lyra_notification::sign(
        &paid.raw_answer,
        SignedWith::Password,
        &app.config.lyra_keys(),
    );
    // The answer's transaction is the one the IPN is about (`payment_json` puts it first).
    let context = Context {
        order_id: str_field(&paid.payment["orderDetails"], "orderId"),
        subject: str_field(&paid.payment["transactions"][0], "uuid"),
    };
    let (id, first) = app.delivery.start(
        LYRA_IPN,
        target.clone(),
        "application/x-www-form-urlencoded",
        body,
        context,
    );
    Some((id, target, first))
}

/// The browser-return fields of a paid form (signed with the HMAC-SHA-256 key).
pub(crate) fn browser_return_fields(app: &App, paid: &Paid) -> Vec<(String, String)> {
    let body = lyra_notification::sign(
        &paid.raw_answer,
        SignedWith::HmacKey,
        &app.config.lyra_keys(),
    );
    form_urlencoded::parse(&body).into_owned().collect()
}

/// Sends the IPN of an order after a back-office style change (cancel, refund, validate).
/// Takes the state's lock: call it after releasing it.
pub(crate) fn notify_change(app: &App, tx: &Tx) {
    let paid = {
        let state = app.lyra();
        Paid::of(app, tx, &state.order_of(tx), false)
    };
    let _ = send_ipn(app, &paid);
}
