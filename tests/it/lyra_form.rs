//! The embedded-form snippet (`pasarela::lyra::form`): snapshots of the rendered HTML, the
//! static host of every brand, and escaping.

use pasarela::lyra::form::{escape_attr, DisplayMode, EmbeddedForm, StaticHost, Theme};

const PUBLIC_KEY: &str = "89289758:testpublickey_TxzPjl9xKlhM0a6tfSVNilcLTOUZ0ndsTogGTByPUATcE";
const TOKEN: &str = "DEMO-TOKEN-TO-BE-REPLACED";

macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({snapshot_path => "../../snapshots", prepend_module_to_snapshot => false, sort_maps => true}, {
            insta::assert_snapshot!($name, $value);
        })
    };
}

fn seed_form() -> EmbeddedForm {
    EmbeddedForm::new(StaticHost::Micuentaweb, PUBLIC_KEY, TOKEN)
}

#[test]
fn list_mode_minimal() {
    let form = seed_form();
    snapshot!(
        "lyra_form_list_minimal",
        format!("{}\n{}", form.head(), form.body())
    );
}

#[test]
fn popin_with_neon_theme_and_every_return_url() {
    let form = seed_form()
        .post_url_success("https://shop.example/paid")
        .get_url_success("https://shop.example/thanks")
        .post_url_refused("https://shop.example/refused")
        .get_url_refused("https://shop.example/sorry")
        .display_mode(DisplayMode::PopIn)
        .theme(Theme::Neon);
    snapshot!(
        "lyra_form_popin_neon_all_urls",
        format!("{}\n{}", form.head(), form.body())
    );
}

#[test]
fn card_form_expanded_with_classic_theme_on_payzen() {
    let form = EmbeddedForm::new(StaticHost::PayzenEu, "69876357:testpublickey_DEMO", TOKEN)
        .post_url_success("https://shop.example/paid")
        .display_mode(DisplayMode::ListCardExpanded)
        .theme(Theme::Classic);
    snapshot!("lyra_form_card_expanded_classic_payzen", form.page());
}

#[test]
fn hostile_values_are_escaped() {
    let form = EmbeddedForm::new(
        StaticHost::Custom("http://127.0.0.1:8080/\"><script>".into()),
        "k\"><script>alert(1)</script>",
        "tok' onmouseover='x",
    )
    .post_url_success("https://shop.example/paid?a=1&b=\"2\"");
    let html = format!("{}\n{}", form.head(), form.body());
    assert!(!html.contains("<script>alert"));
    assert!(!html.contains("' onmouseover='"));
    assert!(
        html.contains("kr-post-url-success=\"https://shop.example/paid?a=1&amp;b=&quot;2&quot;\"")
    );
    snapshot!("lyra_form_hostile_values_escaped", html);
}

#[test]
fn seed_000_body_snippets_are_reproduced() {
    // The three display modes of seed 000, step II, with its placeholder token.
    let body = |mode| {
        EmbeddedForm::new(StaticHost::Micuentaweb, PUBLIC_KEY, "[GENERATED FORMTOKEN]")
            .display_mode(mode)
            .body()
    };
    assert_eq!(
        body(DisplayMode::List),
        r#"<div class="kr-smart-form" kr-form-token="[GENERATED FORMTOKEN]"></div>"#
    );
    assert_eq!(
        body(DisplayMode::PopIn),
        r#"<div class="kr-smart-form" kr-popin kr-form-token="[GENERATED FORMTOKEN]"></div>"#
    );
    assert_eq!(
        body(DisplayMode::ListCardExpanded),
        r#"<div class="kr-smart-form" kr-card-form-expanded kr-form-token="[GENERATED FORMTOKEN]"></div>"#
    );
}

#[test]
fn seed_000_theme_urls_are_reproduced() {
    let host = StaticHost::Micuentaweb;
    assert_eq!(
        Theme::Neon.stylesheet_url(&host),
        "https://static.micuentaweb.pe/static/js/krypton-client/V4.0/ext/neon-reset.min.css"
    );
    assert_eq!(
        Theme::Neon.script_url(&host),
        "https://static.micuentaweb.pe/static/js/krypton-client/V4.0/ext/neon.js"
    );
    assert_eq!(
        Theme::Classic.script_url(&host),
        "https://static.micuentaweb.pe/static/js/krypton-client/V4.0/ext/classic.js"
    );
}

#[test]
fn every_brand_has_its_static_host() {
    let cases = [
        (StaticHost::Micuentaweb, "https://static.micuentaweb.pe"),
        (StaticHost::PayzenEu, "https://static.payzen.eu"),
        (StaticHost::PayzenLatam, "https://static.payzen.lat"),
        (StaticHost::PayzenBrazil, "https://static.payzen.lat"),
        (StaticHost::Lyra, "https://api.lyra.com"),
        (StaticHost::Systempay, "https://api.systempay.fr"),
        (
            StaticHost::Sogecommerce,
            "https://api-sogecommerce.societegenerale.eu",
        ),
        (
            StaticHost::Custom("http://127.0.0.1:8080".into()),
            "http://127.0.0.1:8080",
        ),
    ];
    for (host, origin) in cases {
        assert_eq!(host.origin(), origin);
        assert_eq!(
            host.script_url(),
            format!("{origin}/static/js/krypton-client/V4.0/stable/kr-payment-form.min.js")
        );
    }
}

#[test]
fn escape_attr_covers_the_five_characters() {
    assert_eq!(
        escape_attr("<a href='x'>\"&\"</a>"),
        "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt;"
    );
    assert_eq!(escape_attr("plain-ASCII_ok:123"), "plain-ASCII_ok:123");
}
