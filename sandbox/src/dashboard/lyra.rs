//! The dashboard's Lyra sections: orders with their transactions (and the cancel, capture,
//! validate and refund buttons their state allows), open formTokens (pay / refuse), payment
//! orders, tokens and subscriptions. Rendered from copies (`lyra/snapshot.rs`), never under the
//! state's lock.

use crate::app::App;
use crate::dashboard::markup::{
    action_form, badge, badge_as, code_or_dash, maybe_money, money, muted, section, segment,
    short_id, table,
};
use crate::lyra::snapshot::{
    OpenForm, OrderView, PaymentOrderView, SubscriptionView, TokenView, TxView,
};
use crate::store::Newest;
use crate::util::html;

/// How many entries each Lyra section lists (the newest).
pub(super) const LISTED: usize = 50;
/// How many transactions of one order are listed (the newest).
const PER_ORDER: usize = 10;

/// Everything the Lyra sections show, copied out of the state.
pub(super) struct LyraView {
    orders: Newest<OrderView>,
    forms: Newest<OpenForm>,
    payment_orders: Newest<PaymentOrderView>,
    tokens: Newest<TokenView>,
    subscriptions: Newest<SubscriptionView>,
}

impl LyraView {
    /// Copies what the sections show; the lock is held only while copying.
    pub(super) fn copy(app: &App) -> LyraView {
        let state = app.lyra();
        LyraView {
            orders: state.newest_orders(LISTED, PER_ORDER),
            forms: state.open_forms(LISTED),
            payment_orders: state.newest_payment_orders(LISTED),
            tokens: state.newest_tokens(LISTED),
            subscriptions: state.newest_subscriptions(LISTED),
        }
    }

    /// The five sections, as HTML; `hidden` is added to every action form (the live toggle).
    pub(super) fn render(&self, hidden: &[(&str, &str)]) -> String {
        [
            orders(&self.orders, hidden),
            open_forms(&self.forms, hidden),
            payment_orders(&self.payment_orders),
            tokens(&self.tokens),
            subscriptions(&self.subscriptions),
        ]
        .concat()
    }
}

/// An order's state as `V4/Payment` gives it (`lyra/render.rs`): PAID when a debit is paid,
/// RUNNING while one runs, else UNPAID.
fn order_status(transactions: &[TxView]) -> &'static str {
    let debits = || transactions.iter().filter(|t| t.operation_type != "CREDIT");
    if debits().any(|t| t.status == "PAID") {
        "PAID"
    } else if debits().any(|t| t.status == "RUNNING") {
        "RUNNING"
    } else {
        "UNPAID"
    }
}

fn orders(orders: &Newest<OrderView>, hidden: &[(&str, &str)]) -> String {
    let rows: String = orders
        .items
        .iter()
        .map(|order| {
            let label = match &order.order_id {
                Some(id) => format!("Order <code>{}</code>", html(id)),
                None => muted("(no order id)"),
            };
            let earlier = if order.hidden > 0 {
                format!(" {}", muted(&format!("({} earlier not shown)", order.hidden)))
            } else {
                String::new()
            };
            let head = format!(
                "<tr class=\"order\" data-order-id=\"{}\"><th colspan=\"8\">{label} {}{earlier}</th></tr>",
                html(order.order_id.as_deref().unwrap_or("")),
                badge(order_status(&order.transactions)),
            );
            let txs: String = order
                .transactions
                .iter()
                .map(|tx| transaction_row(tx, hidden))
                .collect();
            head + &txs
        })
        .collect();
    section(
        "orders",
        "Lyra orders",
        "Transactions grouped by order id, newest order first.",
        &table(
            &[
                "Transaction",
                "Type",
                "Amount",
                "State",
                "Card",
                "Created",
                "Metadata",
                "Actions",
            ],
            &rows,
        ),
        orders.items.is_empty(),
        orders.hidden,
    )
}

fn transaction_row(tx: &TxView, hidden: &[(&str, &str)]) -> String {
    let refunded = if tx.refunded > 0 {
        format!(" {}", muted("refunded ")) + &money(tx.refunded, &tx.currency)
    } else {
        String::new()
    };
    let error = tx
        .error_code
        .map(|code| format!(" <code>{}</code>", html(code)))
        .unwrap_or_default();
    format!(
        "<tr class=\"transaction\" data-uuid=\"{}\" data-status=\"{}\" data-detailed-status=\"{}\">\
         <td>{}</td><td>{}</td><td>{}{refunded}</td><td>{} {}{error}</td><td>{} <code>{}</code></td>\
         <td>{}</td><td>{}</td><td>{}</td></tr>",
        html(&tx.uuid),
        html(tx.status),
        html(tx.detailed_status),
        short_id(&tx.uuid),
        html(tx.operation_type),
        money(tx.amount, &tx.currency),
        badge(tx.status),
        badge(tx.detailed_status),
        html(tx.brand),
        html(&tx.masked_pan),
        html(&tx.creation_date),
        code_or_dash(tx.metadata.as_deref()),
        transaction_actions(tx, hidden),
    )
}

/// The buttons a transaction's state allows (a stale page may still post another: the web
/// service refuses it and the page shows why).
fn transaction_actions(tx: &TxView, hidden: &[(&str, &str)]) -> String {
    if tx.operation_type != "DEBIT" {
        return String::new();
    }
    let mut allowed = Vec::new();
    if tx.detailed_status == "AUTHORISED" {
        allowed.push(("capture", "Capture"));
    }
    if matches!(
        tx.detailed_status,
        "AUTHORISED_TO_VALIDATE" | "WAITING_AUTHORISATION_TO_VALIDATE"
    ) {
        allowed.push(("validate", "Validate"));
    }
    if tx.cancellable {
        allowed.push(("cancel", "Cancel"));
    }
    if tx.detailed_status == "CAPTURED" && tx.refunded < tx.amount {
        allowed.push(("refund", "Refund"));
    }
    allowed
        .into_iter()
        .map(|(operation, label)| {
            let action = format!(
                "/sandbox/dashboard/actions/lyra/transactions/{}/{operation}",
                segment(&tx.uuid)
            );
            action_form(&action, operation, label, hidden, "")
        })
        .collect()
}

fn open_forms(forms: &Newest<OpenForm>, hidden: &[(&str, &str)]) -> String {
    let rows: String = forms
        .items
        .iter()
        .map(|form| {
            let action = format!(
                "/sandbox/dashboard/actions/lyra/forms/{}/pay",
                segment(&form.form_token)
            );
            let outcomes = "<select name=\"outcome\" aria-label=\"card outcome\">\
                 <option value=\"paid\">authorised</option><option value=\"captured\">captured</option>\
                 <option value=\"to_validate\">to validate</option></select>";
            let buttons = action_form(&action, "pay", "Pay", hidden, outcomes)
                + &action_form(&action, "refuse", "Refuse", hidden, "");
            format!(
                "<tr class=\"open-form\" data-form-token=\"{}\"><td><a href=\"/sandbox/lyra/form/{}\">{}</a></td>\
                 <td>{} {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{buttons}</td></tr>",
                html(&form.form_token),
                segment(&form.form_token),
                short_id(&form.form_token),
                html(form.purpose),
                muted(&form.form_action),
                money(form.amount, &form.currency),
                code_or_dash(form.order_id.as_deref()),
                code_or_dash(form.metadata.as_deref()),
                html(&format!("{} s ago", form.age_secs)),
            )
        })
        .collect();
    section(
        "open-forms",
        "Open formTokens",
        "formTokens that can still be paid: pay or refuse one as a shopper would (the IPN follows).",
        &table(
            &["formToken", "For", "Amount", "Order", "Metadata", "Created", "Actions"],
            &rows,
        ),
        forms.items.is_empty(),
        forms.hidden,
    )
}

fn payment_orders(orders: &Newest<PaymentOrderView>) -> String {
    let rows: String = orders
        .items
        .iter()
        .map(|o| {
            let link = if o.status == "RUNNING" {
                format!(
                    "<a href=\"/sandbox/lyra/order/{}\">payment page</a>",
                    segment(&o.id)
                )
            } else {
                String::new()
            };
            format!(
                "<tr class=\"payment-order\" data-id=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{link}</td></tr>",
                html(&o.id),
                short_id(&o.id),
                code_or_dash(o.order_id.as_deref()),
                maybe_money(o.amount, o.currency.as_deref()),
                badge(o.status),
                html(&o.creation_date),
            )
        })
        .collect();
    section(
        "payment-orders",
        "Payment orders",
        "Payment links (Charge/CreatePaymentOrder).",
        &table(
            &["Id", "Order", "Amount", "State", "Created", "Link"],
            &rows,
        ),
        orders.items.is_empty(),
        orders.hidden,
    )
}

fn tokens(tokens: &Newest<TokenView>) -> String {
    let rows: String = tokens
        .items
        .iter()
        .map(|t| {
            let state = if t.cancelled {
                badge("CANCELLED")
            } else {
                badge_as("paid", "ACTIVE")
            };
            format!(
                "<tr class=\"token\" data-token=\"{}\"><td>{}</td><td>{} <code>{}</code></td><td>{}</td><td>{}</td><td>{state}</td></tr>",
                html(&t.token),
                short_id(&t.token),
                html(t.brand),
                html(&t.masked_pan),
                code_or_dash(t.email.as_deref()),
                html(&t.creation_date),
            )
        })
        .collect();
    section(
        "tokens",
        "Tokens",
        "Registered cards (paymentMethodToken).",
        &table(&["Token", "Card", "Customer", "Created", "State"], &rows),
        tokens.items.is_empty(),
        tokens.hidden,
    )
}

fn subscriptions(subscriptions: &Newest<SubscriptionView>) -> String {
    let rows: String = subscriptions
        .items
        .iter()
        .map(|s| {
            let state = if s.cancelled {
                badge("CANCELLED")
            } else {
                badge_as("paid", "ACTIVE")
            };
            format!(
                "<tr class=\"subscription\" data-id=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{state}</td></tr>",
                html(&s.id),
                short_id(&s.id),
                s.token.as_deref().map_or_else(|| muted("–"), short_id),
                maybe_money(s.amount, s.currency.as_deref()),
                code_or_dash(s.rrule.as_deref()),
                code_or_dash(s.effect_date.as_deref()),
            )
        })
        .collect();
    section(
        "subscriptions",
        "Subscriptions",
        "Recurring payments on a token (stored; the sandbox never charges them).",
        &table(&["Id", "Token", "Amount", "Rule", "Starts", "State"], &rows),
        subscriptions.items.is_empty(),
        subscriptions.hidden,
    )
}
