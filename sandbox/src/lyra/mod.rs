//! The Lyra V4 side of the sandbox: the REST web services (`api`, `envelope`, `ops`), the
//! state they act on (`model`, `cards`), the answers they render (`render`), paying a form
//! (`payment`), the shopper's pages (`shopper`) and their HTML (`pages`); `snapshot` copies
//! the state for the dashboard.

pub(crate) mod api;
pub(crate) mod card_data;
pub(crate) mod cards;
mod envelope;
pub(crate) mod error;
pub(crate) mod grey_list;
pub(crate) mod model;
mod ops;
pub(crate) mod pages;
pub(crate) mod payment;
mod render;
pub(crate) mod shopper;
pub(crate) mod snapshot;

pub use cards::{test_card, CardOutcome, TestCard, TEST_CARDS};
