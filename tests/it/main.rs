//! The client crate's tests, in one binary: the contract suite, HTTP contract tests against an
//! in-process server, signature matrices, money, secrets and reliability. None of them needs
//! the sandbox (the client must pass its tests with only its own features).

// The validation module compiled from the same source with the test's own jsonschema, so the
// contract suite runs whether or not the `validation` feature is on (it is opt-in).
#[allow(dead_code, unreachable_pub)]
#[path = "../../src/spec/mod.rs"]
mod spec;

mod leak;
mod support;

mod api_surface;
mod contract;
mod etpay_client;
mod etpay_jws;
mod etpay_jwt;
mod etpay_jwt_edges;
mod lyra_card_data;
mod lyra_client;
mod lyra_form;
mod lyra_notification;
mod readme_catalogue;
mod reliability_faults;
mod reliability_proptest;
mod reliability_secrets;
mod reliability_tolerance;
mod spec_hygiene;
