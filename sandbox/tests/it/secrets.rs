//! A sandbox configured with the merchant's own secrets never prints them.

use pasarela::Secret;
use pasarela_sandbox::SandboxConfig;

use crate::leak::*;

fn custom_sandbox_config() -> SandboxConfig {
    SandboxConfig {
        password: Secret::new(PASSWORD),
        hmac_key: Secret::new(HMAC_KEY),
        etpay_api_token: Secret::new(API_TOKEN),
        ..SandboxConfig::default()
    }
}

#[test]
fn a_configured_sandbox_prints_no_secret() {
    assert_clean("SandboxConfig", &format!("{:?}", custom_sandbox_config()));
    assert_clean("SandboxConfig", &format!("{:#?}", custom_sandbox_config()));
}
