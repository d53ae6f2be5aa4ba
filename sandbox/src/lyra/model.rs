//! What the Lyra emulation remembers: formTokens, transactions, payment orders, tokens and
//! subscriptions, in bounded maps. Rendering them as answers is `render.rs`'s job.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::lyra::cards::{CardOutcome, TestCard};
use crate::lyra::error::WsError;
use crate::store::{json_weight, str_weight, Bounded, Weigh};
use crate::url_check::check_url;
use crate::util::{new_form_token, new_id, now_iso};

/// The currency of a form whose request names none (Token/Update, payment orders).
pub(crate) const DEFAULT_CURRENCY: &str = "PEN";

/// What a formToken was created for.
#[derive(Clone, Debug)]
pub(crate) enum FormPurpose {
    /// Charge/CreatePayment (and UpdatePaymentAmount).
    Payment,
    /// Charge/CreateToken: registers the card with a zero-amount VERIFICATION.
    Token,
    /// Token/Update: replaces the card of a token.
    TokenUpdate(String),
    /// A payment order's link.
    PaymentOrder(String),
}

/// A formToken and the request it was minted from.
#[derive(Clone, Debug)]
pub(crate) struct FormEntry {
    pub purpose: FormPurpose,
    pub amount: i64,
    pub currency: String,
    pub order_id: Option<String>,
    pub form_action: String,
    pub customer: Value,
    pub metadata: Value,
    pub ipn_target_url: Option<String>,
    pub payment_method_token: Option<String>,
    /// The issuer's identifier of the initial transaction a merchant-initiated (`SILENT`)
    /// token payment chains to: the request's
    /// `transactionOptions.cardOptions.initialIssuerTransactionIdentifier`, else the token's.
    pub initial_issuer_transaction_identifier: Option<String>,
    pub manual_validation: bool,
    pub created: Instant,
    pub used: bool,
    /// Replaced by `Charge/UpdatePaymentAmount`'s new formToken: refused like an expired one.
    pub superseded: bool,
    /// Refused attempts through the embedded form (the shopper may retry up to
    /// `MAX_FORM_ATTEMPTS` times with the same formToken).
    pub refusals: u32,
}

impl FormEntry {
    /// A new entry with no order, customer, metadata, IPN target or token, and automatic
    /// validation; callers set what their request says.
    pub(crate) fn new(
        purpose: FormPurpose,
        amount: i64,
        currency: String,
        form_action: &str,
    ) -> FormEntry {
        FormEntry {
            purpose,
            amount,
            currency,
            order_id: None,
            form_action: form_action.to_owned(),
            customer: Value::Null,
            metadata: Value::Null,
            ipn_target_url: None,
            payment_method_token: None,
            initial_issuer_transaction_identifier: None,
            manual_validation: false,
            created: Instant::now(),
            used: false,
            superseded: false,
            refusals: 0,
        }
    }
}

impl Weigh for FormEntry {
    fn weight(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.currency.len()
            + self.form_action.len()
            + str_weight(&self.order_id)
            + json_weight(&self.customer)
            + json_weight(&self.metadata)
            + str_weight(&self.ipn_target_url)
            + str_weight(&self.payment_method_token)
            + str_weight(&self.initial_issuer_transaction_identifier)
    }
}

/// Why a formToken cannot be paid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FormRefusal {
    /// Unknown, expired or superseded.
    NotFound,
    /// Already paid (or out of attempts).
    Used,
}

/// The most a free-form object the sandbox keeps (`customer`, `metadata`, a payment order or
/// subscription request) may weigh; larger ones are refused when received, so one request
/// cannot crowd the other entries out of a store's byte budget.
pub(crate) const MAX_STORED_JSON: usize = 64 << 10;

/// `value` (the request's field `name`) if it weighs at most [`MAX_STORED_JSON`], else INT_902
/// naming the field.
pub(crate) fn storable(name: &str, value: &Value) -> Result<Value, WsError> {
    let weight = json_weight(value);
    if weight > MAX_STORED_JSON {
        return Err(WsError::invalid_input(format!(
            "Invalid input value [name={name}]: about {weight} bytes, the sandbox keeps at most {MAX_STORED_JSON}"
        )));
    }
    Ok(value.clone())
}

/// The request's URL field `name` if it passes [`check_url`], else INT_902 naming the field
/// (Lyra documents no code of its own for a bad URL).
pub(crate) fn url_field(r: &Value, name: &str) -> Result<Option<String>, WsError> {
    let Some(url) = r.get(name).and_then(Value::as_str) else {
        return Ok(None);
    };
    check_url(url).map_err(|problem| {
        WsError::invalid_input(format!("Invalid input value [name={name}]: {problem}"))
    })?;
    Ok(Some(url.to_owned()))
}

/// True when a request asks for manual validation
/// (`transactionOptions.cardOptions.manualValidation: YES`).
pub(crate) fn asks_manual_validation(request: &Value) -> bool {
    request["transactionOptions"]["cardOptions"]["manualValidation"] == "YES"
}

/// A transaction of the sandbox.
#[derive(Clone, Debug)]
pub(crate) struct Tx {
    pub uuid: String,
    pub order_id: Option<String>,
    pub amount: i64,
    pub currency: String,
    pub status: &'static str,
    pub detailed_status: &'static str,
    pub operation_type: &'static str,
    pub creation_date: String,
    pub payment_method_token: Option<String>,
    pub error: Option<(&'static str, &'static str, &'static str)>,
    pub card: &'static TestCard,
    pub parent_uuid: Option<String>,
    pub refunded: i64,
    pub metadata: Value,
    pub customer: Value,
    pub manual_validation: bool,
    pub payment_order_id: Option<String>,
    pub ipn_target: Option<String>,
    /// `cardDetails.initialIssuerTransactionIdentifier`: a new one for a customer-initiated
    /// card payment, the chained one for a merchant-initiated (`SILENT`) token payment, none
    /// when the payment was refused.
    pub initial_issuer_transaction_identifier: Option<String>,
    /// The 3-D Secure 2 authentication of a customer-initiated payment (none for `SILENT`).
    pub authentication: Option<Authentication>,
}

/// The ids of a (simulated, frictionless) 3-D Secure 2 authentication.
#[derive(Clone, Debug)]
pub(crate) struct Authentication {
    pub three_ds_server_trans_id: String,
    pub ds_trans_id: String,
    pub acs_trans_id: String,
    pub cavv: String,
}

impl Authentication {
    fn new() -> Authentication {
        Authentication {
            three_ds_server_trans_id: new_uuid(),
            ds_trans_id: new_uuid(),
            acs_trans_id: new_uuid(),
            cavv: new_cavv(),
        }
    }
}

/// A dashed lowercase uuid, the form of 3-D Secure 2 transaction ids.
fn new_uuid() -> String {
    let h = new_id();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// A 20-byte authentication value (CAVV), base64 as in the answers.
fn new_cavv() -> String {
    use base64::Engine as _;
    let bytes: [u8; 20] = rand::random();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A new issuer transaction identifier: 15 digits, as in real answers (e.g. `3686099445810050`
/// in openfun/joanie@8ed31b8's test answers).
pub(crate) fn new_issuer_transaction_identifier() -> String {
    format!(
        "{:015}",
        rand::random_range(100_000_000_000_000u64..1_000_000_000_000_000)
    )
}

impl Tx {
    pub(crate) fn new(
        entry: &FormEntry,
        card: &'static TestCard,
        operation_type: &'static str,
        amount: i64,
    ) -> Tx {
        let (status, detailed_status, error) = match (operation_type, card.outcome) {
            (_, CardOutcome::Refused) => (
                "UNPAID",
                "REFUSED",
                Some(("ACQ_001", "payment refused", "51")),
            ),
            ("VERIFICATION", _) => ("PAID", "ACCEPTED", None),
            (_, CardOutcome::Authorised) if entry.manual_validation => {
                ("RUNNING", "AUTHORISED_TO_VALIDATE", None)
            }
            (_, CardOutcome::Authorised) => ("PAID", "AUTHORISED", None),
            (_, CardOutcome::Captured) => ("PAID", "CAPTURED", None),
            (_, CardOutcome::ToValidate) => ("RUNNING", "AUTHORISED_TO_VALIDATE", None),
        };
        let refused = error.is_some();
        let merchant_initiated = entry.form_action == "SILENT";
        let initial_issuer_transaction_identifier =
            match &entry.initial_issuer_transaction_identifier {
                _ if refused => None,
                Some(chained) if merchant_initiated => Some(chained.clone()),
                _ => Some(new_issuer_transaction_identifier()),
            };
        Tx {
            initial_issuer_transaction_identifier,
            authentication: (!merchant_initiated).then(Authentication::new),
            uuid: new_id(),
            order_id: entry.order_id.clone(),
            amount,
            currency: entry.currency.clone(),
            status,
            detailed_status,
            operation_type,
            creation_date: now_iso(),
            payment_method_token: None,
            error,
            card,
            parent_uuid: None,
            refunded: 0,
            metadata: entry.metadata.clone(),
            customer: entry.customer.clone(),
            manual_validation: entry.manual_validation || card.outcome == CardOutcome::ToValidate,
            payment_order_id: None,
            ipn_target: entry.ipn_target_url.clone(),
        }
    }

    pub(crate) fn set_status(&mut self, status: &'static str, detailed_status: &'static str) {
        self.status = status;
        self.detailed_status = detailed_status;
    }

    /// True while the transaction can still be cancelled (not captured, not final).
    pub(crate) fn is_cancellable(&self) -> bool {
        matches!(
            self.detailed_status,
            "AUTHORISED"
                | "AUTHORISED_TO_VALIDATE"
                | "WAITING_AUTHORISATION"
                | "WAITING_AUTHORISATION_TO_VALIDATE"
        )
    }
}

impl Weigh for Tx {
    fn weight(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.uuid.len()
            + self.currency.len()
            + self.creation_date.len()
            + str_weight(&self.order_id)
            + str_weight(&self.payment_method_token)
            + str_weight(&self.parent_uuid)
            + str_weight(&self.payment_order_id)
            + str_weight(&self.ipn_target)
            + str_weight(&self.initial_issuer_transaction_identifier)
            + json_weight(&self.metadata)
            + json_weight(&self.customer)
            + self.authentication.as_ref().map_or(0, |_| 4 * 64)
    }
}

/// A payment order.
#[derive(Clone, Debug)]
pub(crate) struct PaymentOrder {
    pub id: String,
    pub request: Value,
    pub status: &'static str,
    pub creation_date: String,
    pub update_date: Option<String>,
}

impl Weigh for PaymentOrder {
    fn weight(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.id.len()
            + self.creation_date.len()
            + str_weight(&self.update_date)
            + json_weight(&self.request)
    }
}

/// A registered payment method.
#[derive(Clone, Debug)]
pub(crate) struct Token {
    pub token: String,
    pub card: &'static TestCard,
    /// The `initialIssuerTransactionIdentifier` of the payment that registered the card;
    /// merchant-initiated payments with the token chain to it.
    pub initial_issuer_transaction_identifier: Option<String>,
    pub customer: Value,
    pub creation_date: String,
    pub cancellation_date: Option<String>,
}

impl Weigh for Token {
    fn weight(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.token.len()
            + self.creation_date.len()
            + str_weight(&self.initial_issuer_transaction_identifier)
            + str_weight(&self.cancellation_date)
            + json_weight(&self.customer)
    }
}

/// A subscription.
#[derive(Clone, Debug)]
pub(crate) struct Subscription {
    pub id: String,
    pub request: Value,
    pub cancel_date: Option<String>,
}

impl Weigh for crate::lyra::grey_list::GreyListEntry {
    fn weight(&self) -> usize {
        std::mem::size_of::<Self>() + self.kind.len() + self.value.len() + str_weight(&self.reason)
    }
}

impl Weigh for Subscription {
    fn weight(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.id.len()
            + str_weight(&self.cancel_date)
            + json_weight(&self.request)
    }
}

/// Everything the Lyra emulation remembers.
#[derive(Debug)]
pub(crate) struct LyraState {
    pub form_tokens: Bounded<String, FormEntry>,
    /// Read and change in place here; insert only through [`LyraState::insert_transaction`],
    /// which keeps the order index.
    pub transactions: Bounded<String, Tx>,
    pub payment_orders: Bounded<String, PaymentOrder>,
    pub tokens: Bounded<String, Token>,
    pub subscriptions: Bounded<String, Subscription>,
    pub grey_list: Bounded<String, crate::lyra::grey_list::GreyListEntry>,
    pub form_token_ttl: Duration,
    /// Order id → the uuids of its transactions, oldest first, so that answering a payment or
    /// `Order/Get` does not scan every stored transaction (a full store made each payment cost
    /// a 10,000-entry scan under the Lyra lock). Uuids the store has evicted are dropped lazily.
    order_index: HashMap<String, Vec<String>>,
    /// How many uuids `order_index` holds.
    indexed: usize,
}

impl LyraState {
    pub(crate) fn new(capacity: usize, form_token_ttl: Duration) -> Self {
        LyraState {
            form_tokens: Bounded::new(capacity),
            transactions: Bounded::new(capacity),
            payment_orders: Bounded::new(capacity),
            tokens: Bounded::new(capacity),
            subscriptions: Bounded::new(capacity),
            grey_list: Bounded::new(capacity),
            form_token_ttl,
            order_index: HashMap::new(),
            indexed: 0,
        }
    }

    /// A formToken that exists, has not expired and was not superseded.
    pub(crate) fn live_form(&self, form_token: &str) -> Option<&FormEntry> {
        self.form_tokens
            .get(&form_token.to_owned())
            .filter(|e| !e.superseded && e.created.elapsed() < self.form_token_ttl)
    }

    /// Marks a live, unused formToken used and returns its entry: the check and the change
    /// happen under the one lock the caller holds, so a formToken is paid at most once.
    pub(crate) fn take_form(&mut self, form_token: &str) -> Result<FormEntry, FormRefusal> {
        let ttl = self.form_token_ttl;
        match self.form_tokens.get_mut(&form_token.to_owned()) {
            Some(e) if e.superseded || e.created.elapsed() >= ttl => Err(FormRefusal::NotFound),
            Some(e) if e.used => Err(FormRefusal::Used),
            Some(e) => {
                e.used = true;
                Ok(e.clone())
            }
            None => Err(FormRefusal::NotFound),
        }
    }

    /// Stores `entry` under a new formToken and returns the formToken.
    pub(crate) fn mint_form(&mut self, entry: FormEntry) -> String {
        let form_token = new_form_token();
        self.form_tokens.insert(form_token.clone(), entry);
        form_token
    }

    /// A token that exists and is not cancelled.
    pub(crate) fn active_token(&self, token: &str) -> Option<&Token> {
        self.tokens
            .get(&token.to_owned())
            .filter(|t| t.cancellation_date.is_none())
    }

    /// Registers the card of a paid REGISTER* form (a new token, or the updated one) and
    /// returns the token.
    pub(crate) fn register_token(&mut self, entry: &FormEntry, tx: &Tx) -> String {
        let token = match &entry.purpose {
            FormPurpose::TokenUpdate(existing) => existing.clone(),
            _ => new_id(),
        };
        self.tokens.insert(
            token.clone(),
            Token {
                token: token.clone(),
                card: tx.card,
                initial_issuer_transaction_identifier: tx
                    .initial_issuer_transaction_identifier
                    .clone(),
                customer: entry.customer.clone(),
                creation_date: now_iso(),
                cancellation_date: None,
            },
        );
        token
    }

    /// The transactions of `tx`'s order (just `tx` when it has no order id).
    pub(crate) fn order_of<'a>(&'a self, tx: &'a Tx) -> Vec<&'a Tx> {
        match &tx.order_id {
            Some(order_id) => self.order_transactions(order_id),
            None => vec![tx],
        }
    }

    /// Stores a transaction (new or replaced) and indexes it under its order id.
    pub(crate) fn insert_transaction(&mut self, tx: Tx) {
        if let Some(order_id) = &tx.order_id {
            let uuids = self.order_index.entry(order_id.clone()).or_default();
            if !uuids.contains(&tx.uuid) {
                uuids.push(tx.uuid.clone());
                self.indexed += 1;
            }
        }
        self.transactions.insert(tx.uuid.clone(), tx);
        self.prune_order_index();
    }

    /// The transactions of an order, oldest first.
    pub(crate) fn order_transactions(&self, order_id: &str) -> Vec<&Tx> {
        self.order_index
            .get(order_id)
            .into_iter()
            .flatten()
            .filter_map(|uuid| self.transactions.get(uuid))
            // A transaction moved to another order (Transaction/Update) stays indexed under the
            // old one until the next prune.
            .filter(|t| t.order_id.as_deref() == Some(order_id))
            .collect()
    }

    /// Forgets evicted uuids once the index holds twice as many as the store (amortised: each
    /// prune at least halves it), so the index stays bounded by the transaction store.
    fn prune_order_index(&mut self) {
        if self.indexed <= 2 * self.transactions.len() + 1024 {
            return;
        }
        let transactions = &self.transactions;
        self.order_index.retain(|_, uuids| {
            uuids.retain(|uuid| transactions.get(uuid).is_some());
            !uuids.is_empty()
        });
        self.indexed = self.order_index.values().map(Vec::len).sum();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lyra::cards::TEST_CARDS;

    fn tx_of(order_id: &str) -> Tx {
        let mut entry = FormEntry::new(FormPurpose::Payment, 100, "PEN".into(), "PAYMENT");
        entry.order_id = Some(order_id.into());
        Tx::new(&entry, &TEST_CARDS[0], "DEBIT", 100)
    }

    #[test]
    fn an_order_lists_its_live_transactions_oldest_first() {
        let mut state = LyraState::new(3, Duration::from_secs(60));
        let first = tx_of("A");
        let uuids: Vec<String> = (0..5)
            .map(|i| {
                let tx = if i == 0 {
                    first.clone()
                } else {
                    tx_of(if i % 2 == 0 { "A" } else { "B" })
                };
                let uuid = tx.uuid.clone();
                state.insert_transaction(tx);
                uuid
            })
            .collect();
        // Capacity 3: the first two are evicted; "A" keeps its third and fifth.
        let listed: Vec<&str> = state
            .order_transactions("A")
            .iter()
            .map(|t| t.uuid.as_str())
            .collect();
        assert_eq!(listed, vec![uuids[2].as_str(), uuids[4].as_str()]);
        state.insert_transaction(state.transactions.get(&uuids[4]).unwrap().clone());
        assert_eq!(
            state.order_transactions("A").len(),
            2,
            "a replaced transaction is listed once"
        );
        assert!(state.order_transactions("C").is_empty());
    }

    #[test]
    fn a_transaction_moved_to_another_order_is_listed_there_only() {
        let mut state = LyraState::new(10, Duration::from_secs(60));
        let mut tx = tx_of("old");
        state.insert_transaction(tx.clone());
        tx.order_id = Some("new".into());
        state.insert_transaction(tx.clone());
        assert!(state.order_transactions("old").is_empty());
        assert_eq!(state.order_transactions("new").len(), 1);
    }

    #[test]
    fn the_order_index_stays_bounded_by_the_store() {
        let mut state = LyraState::new(10, Duration::from_secs(60));
        for i in 0..5_000 {
            state.insert_transaction(tx_of(&format!("order-{}", i % 7)));
        }
        assert!(
            state.indexed <= 2 * state.transactions.len() + 1024 + 1,
            "{}",
            state.indexed
        );
        let live: usize = (0..7)
            .map(|i| state.order_transactions(&format!("order-{i}")).len())
            .sum();
        assert_eq!(live, 10);
    }
}
