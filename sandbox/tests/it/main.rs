//! The sandbox's tests, in one binary: both gateways emulated, driven through the client crate's
//! public API and raw HTTP; notification delivery; the opt-in browser test.

#[path = "../../../tests/it/leak.rs"]
mod leak;
#[path = "../../../tests/it/support.rs"]
mod support;

mod browser;
mod browser_dashboard;
mod browser_spa;
mod common;
mod cross_site;
mod dashboard;
mod dashboard_orders;
mod hardening_state;
mod hardening_urls;
mod look;
mod notification_rounds;
mod notifications_api;
mod operations;
mod raw_http;
mod reliability_delivery;
mod sandbox_etpay;
mod sandbox_etpay_direct_debit;
mod sandbox_lyra;
mod sandbox_lyra_catalogue;
mod secrets;
mod slow_clients;
mod wait_for_notification;
