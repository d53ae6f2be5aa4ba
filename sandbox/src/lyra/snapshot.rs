//! Read-only copies of the Lyra state for the dashboard (`dashboard/lyra.rs`): the newest
//! entries of each store, reduced to what a page shows and copied out under the lock, so no
//! page is rendered (or awaited) while the lock is held. Free-form JSON (metadata, customer) is
//! cut short here: a copy never carries a 64 KiB object to the page.

use std::collections::HashSet;

use serde_json::Value;

use crate::lyra::model::{
    FormEntry, FormPurpose, LyraState, PaymentOrder, Subscription, Token, Tx,
};
use crate::store::Newest;
use crate::util::{cut, short_json, SHOWN_JSON_CHARS};

/// A transaction as the dashboard shows it.
#[derive(Clone, Debug)]
pub(crate) struct TxView {
    pub uuid: String,
    pub operation_type: &'static str,
    pub amount: i64,
    pub refunded: i64,
    pub currency: String,
    pub status: &'static str,
    pub detailed_status: &'static str,
    pub brand: &'static str,
    /// The card number masked as the gateway shows it (never whole).
    pub masked_pan: String,
    pub creation_date: String,
    pub error_code: Option<&'static str>,
    pub metadata: Option<String>,
    pub cancellable: bool,
}

impl TxView {
    fn of(tx: &Tx) -> TxView {
        TxView {
            uuid: tx.uuid.clone(),
            operation_type: tx.operation_type,
            amount: tx.amount,
            refunded: tx.refunded,
            currency: tx.currency.clone(),
            status: tx.status,
            detailed_status: tx.detailed_status,
            brand: tx.card.brand,
            masked_pan: tx.card.masked_pan(),
            creation_date: tx.creation_date.clone(),
            error_code: tx.error.map(|(code, _, _)| code),
            metadata: short_json(&tx.metadata),
            cancellable: tx.is_cancellable(),
        }
    }
}

/// An order (its transactions, oldest first) or, without an order id, one transaction.
#[derive(Clone, Debug)]
pub(crate) struct OrderView {
    pub order_id: Option<String>,
    pub transactions: Vec<TxView>,
    /// Older transactions of the order that were left out.
    pub hidden: usize,
}

/// A formToken that can still be paid.
#[derive(Clone, Debug)]
pub(crate) struct OpenForm {
    pub form_token: String,
    pub purpose: &'static str,
    pub amount: i64,
    pub currency: String,
    pub order_id: Option<String>,
    pub form_action: String,
    pub metadata: Option<String>,
    pub age_secs: u64,
}

impl OpenForm {
    fn of(form_token: &str, entry: &FormEntry) -> OpenForm {
        OpenForm {
            form_token: form_token.to_owned(),
            purpose: match entry.purpose {
                FormPurpose::Payment => "payment",
                FormPurpose::Token => "token",
                FormPurpose::TokenUpdate(_) => "token update",
                FormPurpose::PaymentOrder(_) => "payment order",
            },
            amount: entry.amount,
            currency: entry.currency.clone(),
            order_id: entry.order_id.clone(),
            form_action: entry.form_action.clone(),
            metadata: short_json(&entry.metadata),
            age_secs: entry.created.elapsed().as_secs(),
        }
    }
}

/// A payment order as the dashboard shows it.
#[derive(Clone, Debug)]
pub(crate) struct PaymentOrderView {
    pub id: String,
    pub status: &'static str,
    pub amount: Option<i64>,
    pub currency: Option<String>,
    pub order_id: Option<String>,
    pub creation_date: String,
}

/// A token as the dashboard shows it.
#[derive(Clone, Debug)]
pub(crate) struct TokenView {
    pub token: String,
    pub brand: &'static str,
    pub masked_pan: String,
    pub email: Option<String>,
    pub creation_date: String,
    pub cancelled: bool,
}

/// A subscription as the dashboard shows it.
#[derive(Clone, Debug)]
pub(crate) struct SubscriptionView {
    pub id: String,
    pub token: Option<String>,
    pub amount: Option<i64>,
    pub currency: Option<String>,
    pub rrule: Option<String>,
    pub effect_date: Option<String>,
    pub cancelled: bool,
}

fn str_of(value: &Value) -> Option<String> {
    value.as_str().map(|s| cut(s, SHOWN_JSON_CHARS))
}

impl LyraState {
    /// The newest `n` orders (by their newest transaction), each with at most `per_order` of
    /// its newest transactions; `hidden` counts the orders left out.
    pub(crate) fn newest_orders(&self, n: usize, per_order: usize) -> Newest<OrderView> {
        let mut seen: HashSet<&str> = HashSet::new();
        let mut newest = Newest {
            items: Vec::new(),
            hidden: 0,
        };
        for tx in self.transactions.values().rev() {
            let key = tx.order_id.as_deref().unwrap_or(&tx.uuid);
            if !seen.insert(key) {
                continue;
            }
            if newest.items.len() >= n {
                newest.hidden += 1;
                continue;
            }
            let all = match &tx.order_id {
                Some(order_id) => self.order_transactions(order_id),
                None => vec![tx],
            };
            let hidden = all.len().saturating_sub(per_order);
            newest.items.push(OrderView {
                order_id: tx.order_id.clone(),
                transactions: all[hidden..].iter().map(|t| TxView::of(t)).collect(),
                hidden,
            });
        }
        newest
    }

    /// The newest `n` formTokens that can still be paid (live, unused, not superseded).
    pub(crate) fn open_forms(&self, n: usize) -> Newest<OpenForm> {
        let ttl = self.form_token_ttl;
        self.form_tokens.newest(
            n,
            |_, e| !e.used && !e.superseded && e.created.elapsed() < ttl,
            |token, e| OpenForm::of(token, e),
        )
    }

    /// The newest `n` payment orders.
    pub(crate) fn newest_payment_orders(&self, n: usize) -> Newest<PaymentOrderView> {
        self.payment_orders.newest(
            n,
            |_, _| true,
            |_, o: &PaymentOrder| PaymentOrderView {
                id: o.id.clone(),
                status: o.status,
                amount: o.request["amount"].as_i64(),
                currency: str_of(&o.request["currency"]),
                order_id: str_of(&o.request["orderId"]),
                creation_date: o.creation_date.clone(),
            },
        )
    }

    /// The newest `n` tokens.
    pub(crate) fn newest_tokens(&self, n: usize) -> Newest<TokenView> {
        self.tokens.newest(
            n,
            |_, _| true,
            |_, t: &Token| TokenView {
                token: t.token.clone(),
                brand: t.card.brand,
                masked_pan: t.card.masked_pan(),
                email: str_of(&t.customer["email"]),
                creation_date: t.creation_date.clone(),
                cancelled: t.cancellation_date.is_some(),
            },
        )
    }

    /// The newest `n` subscriptions.
    pub(crate) fn newest_subscriptions(&self, n: usize) -> Newest<SubscriptionView> {
        self.subscriptions.newest(
            n,
            |_, _| true,
            |_, s: &Subscription| SubscriptionView {
                id: s.id.clone(),
                token: str_of(&s.request["paymentMethodToken"]),
                amount: s.request["amount"].as_i64(),
                currency: str_of(&s.request["currency"]),
                rrule: str_of(&s.request["rrule"]),
                effect_date: str_of(&s.request["effectDate"]),
                cancelled: s.cancel_date.is_some(),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::lyra::cards::TEST_CARDS;

    fn tx(order_id: Option<&str>) -> Tx {
        let mut entry = FormEntry::new(FormPurpose::Payment, 100, "PEN".into(), "PAYMENT");
        entry.order_id = order_id.map(str::to_owned);
        entry.metadata = serde_json::json!({"note": "x".repeat(1000)});
        Tx::new(&entry, &TEST_CARDS[0], "DEBIT", 100)
    }

    #[test]
    fn orders_are_grouped_newest_first_and_bounded() {
        let mut state = LyraState::new(100, Duration::from_secs(60));
        for order in ["a", "b", "a", "c", "a"] {
            state.insert_transaction(tx(Some(order)));
        }
        state.insert_transaction(tx(None));
        let newest = state.newest_orders(3, 2);
        let ids: Vec<Option<&str>> = newest.items.iter().map(|o| o.order_id.as_deref()).collect();
        assert_eq!(ids, [None, Some("a"), Some("c")]);
        assert_eq!(newest.hidden, 1, "order b is left out");
        assert_eq!(newest.items[1].transactions.len(), 2);
        assert_eq!(newest.items[1].hidden, 1);
        let shown = newest.items[1].transactions[0].metadata.as_deref().unwrap();
        assert!(shown.chars().count() <= SHOWN_JSON_CHARS + 1, "{shown}");
        assert!(!newest.items[1].transactions[0]
            .masked_pan
            .contains("0000000"));
    }

    #[test]
    fn only_payable_form_tokens_are_open() {
        let mut state = LyraState::new(100, Duration::from_secs(60));
        let entry = FormEntry::new(FormPurpose::Payment, 100, "PEN".into(), "PAYMENT");
        let open = state.mint_form(entry.clone());
        let used = state.mint_form(entry.clone());
        state.take_form(&used).unwrap();
        let superseded = state.mint_form(entry);
        state.form_tokens.get_mut(&superseded).unwrap().superseded = true;
        let forms = state.open_forms(10);
        let tokens: Vec<&str> = forms.items.iter().map(|f| f.form_token.as_str()).collect();
        assert_eq!(tokens, [open.as_str()]);
        assert_eq!(state.open_forms(0).hidden, 1);
    }
}
