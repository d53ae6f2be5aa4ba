//! The embedded payment form: the HTML snippet that shows Lyra's JavaScript form for a formToken.
//!
//! The browser leg of a Lyra payment (step II of <https://secure.micuentaweb.pe/doc/es-PE/rest/V4.0/javascript/quick_start_js.html>) needs two pieces of HTML on the
//! merchant's page:
//!
//! * in the `<head>`, the `kr-payment-form.min.js` script of the brand's **static host**, carrying
//!   the public key (`kr-public-key`) and the optional return URLs, followed by the theme
//!   (stylesheet + script);
//! * in the `<body>`, a `<div class="kr-smart-form">` holding the `kr-form-token` returned by
//!   `Charge/CreatePayment`, with the display mode as a bare attribute.
//!
//! [`EmbeddedForm`] renders both. Every attribute value is HTML-escaped, so a return URL or a
//! token can never break out of its attribute.
//!
//! ```
//! use pasarela::lyra::form::{DisplayMode, EmbeddedForm, StaticHost, Theme};
//!
//! let form = EmbeddedForm::new(
//!     StaticHost::Micuentaweb,
//!     "89289758:testpublickey_TxzPjl9xKlhM0a6tfSVNilcLTOUZ0ndsTogGTByPUATcE",
//!     "DEMO-TOKEN-TO-BE-REPLACED",
//! )
//! .post_url_success("https://shop.example/paid")
//! .display_mode(DisplayMode::PopIn)
//! .theme(Theme::Neon);
//!
//! let head = form.head();
//! assert!(head.contains(
//!     r#"src="https://static.micuentaweb.pe/static/js/krypton-client/V4.0/stable/kr-payment-form.min.js""#
//! ));
//! assert!(head.contains(r#"kr-post-url-success="https://shop.example/paid""#));
//! assert_eq!(
//!     form.body(),
//!     r#"<div class="kr-smart-form" kr-popin kr-form-token="DEMO-TOKEN-TO-BE-REPLACED"></div>"#
//! );
//! ```
//!
//! The browser return posted to `kr-post-url-success` is verified with
//! [`crate::lyra::notification::verify`] (it is signed with the HMAC-SHA-256 key); the
//! payment result itself must be taken from the IPN (see that module).

use std::fmt::Write as _;

/// Path of the form library below a static host (<https://secure.micuentaweb.pe/doc/es-PE/rest/V4.0/javascript/quick_start_js.html>, step II).
const SCRIPT_PATH: &str = "/static/js/krypton-client/V4.0/stable/kr-payment-form.min.js";
/// Directory of the themes below a static host (<https://secure.micuentaweb.pe/doc/es-PE/rest/V4.0/javascript/quick_start_js.html>, step II).
const THEME_DIR: &str = "/static/js/krypton-client/V4.0/ext/";

/// The host serving Lyra's JavaScript form library for a brand (`{host}/static/js/…`).
///
/// It is not always the REST host: micuentaweb and PayZen have a separate `static.` host,
/// while Lyra Collect, Systempay and Sogecommerce serve `/static/` from the API host
/// (micuentaweb: `static.micuentaweb.pe` in
/// <https://secure.micuentaweb.pe/doc/es-PE/rest/V4.0/javascript/quick_start_js.html>;
/// the other brands' hosts: UNCONFIRMED (no public source found for the whole list).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StaticHost {
    /// Izipay / Mi Cuenta Web (Peru): `https://static.micuentaweb.pe`.
    Micuentaweb,
    /// PayZen Europe: `https://static.payzen.eu`.
    PayzenEu,
    /// PayZen LATAM: `https://static.payzen.lat`.
    PayzenLatam,
    /// PayZen Brazil: `https://static.payzen.lat` (Brazil's REST host is `api.payzen.com.br`,
    /// but its form library is served from the LATAM static host).
    PayzenBrazil,
    /// Lyra Collect: `https://api.lyra.com`.
    Lyra,
    /// Systempay (BPCE): `https://api.systempay.fr`.
    Systempay,
    /// Sogecommerce (Société Générale): `https://api-sogecommerce.societegenerale.eu`.
    Sogecommerce,
    /// Any other origin, e.g. another white-label brand or the local sandbox
    /// (`http://127.0.0.1:8080`). Written without the `/static/…` suffix; a trailing `/` is
    /// ignored.
    Custom(String),
}

impl StaticHost {
    /// The origin, without a trailing slash (`https://static.micuentaweb.pe`).
    pub fn origin(&self) -> &str {
        match self {
            StaticHost::Micuentaweb => "https://static.micuentaweb.pe",
            StaticHost::PayzenEu => "https://static.payzen.eu",
            StaticHost::PayzenLatam | StaticHost::PayzenBrazil => "https://static.payzen.lat",
            StaticHost::Lyra => "https://api.lyra.com",
            StaticHost::Systempay => "https://api.systempay.fr",
            StaticHost::Sogecommerce => "https://api-sogecommerce.societegenerale.eu",
            StaticHost::Custom(origin) => origin.trim_end_matches('/'),
        }
    }

    /// URL of `kr-payment-form.min.js` on this host.
    pub fn script_url(&self) -> String {
        format!("{}{SCRIPT_PATH}", self.origin())
    }
}

/// How the smart form is shown ("Elija el modo de presentación" in <https://secure.micuentaweb.pe/doc/es-PE/rest/V4.0/javascript/quick_start_js.html>).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum DisplayMode {
    /// List of payment methods (the default; no extra attribute).
    #[default]
    List,
    /// A button opening the form in a pop-in (`kr-popin`).
    PopIn,
    /// List of payment methods with the card form already expanded
    /// (`kr-card-form-expanded`).
    ListCardExpanded,
}

impl DisplayMode {
    /// The bare attribute this mode adds to the `kr-smart-form` div, if any.
    pub fn attribute(self) -> Option<&'static str> {
        match self {
            DisplayMode::List => None,
            DisplayMode::PopIn => Some("kr-popin"),
            DisplayMode::ListCardExpanded => Some("kr-card-form-expanded"),
        }
    }
}

/// The look of the form: a reset stylesheet plus a script, both loaded in the `<head>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Theme {
    /// The "néon" theme (`neon-reset.min.css` + `neon.js`) of <https://secure.micuentaweb.pe/doc/es-PE/rest/V4.0/javascript/quick_start_js.html>.
    Neon,
    /// The "classic" theme (`classic-reset.min.css` + `classic.js`).
    Classic,
}

impl Theme {
    fn name(self) -> &'static str {
        match self {
            Theme::Neon => "neon",
            Theme::Classic => "classic",
        }
    }

    /// URL of the theme's reset stylesheet on `host`.
    pub fn stylesheet_url(self, host: &StaticHost) -> String {
        format!("{}{THEME_DIR}{}-reset.min.css", host.origin(), self.name())
    }

    /// URL of the theme's script on `host`.
    pub fn script_url(self, host: &StaticHost) -> String {
        format!("{}{THEME_DIR}{}.js", host.origin(), self.name())
    }
}

/// Builder for the embedded-form HTML of one formToken.
///
/// Render [`head`](Self::head) inside `<head>` and [`body`](Self::body) where the form should
/// appear. The public key is the third REST key (`shopId:testpublickey_…`): it is public by
/// design, so it is a plain string here, unlike the password and the HMAC key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmbeddedForm {
    host: StaticHost,
    public_key: String,
    form_token: String,
    post_url_success: Option<String>,
    get_url_success: Option<String>,
    post_url_refused: Option<String>,
    get_url_refused: Option<String>,
    display_mode: DisplayMode,
    theme: Option<Theme>,
}

impl EmbeddedForm {
    /// A form for `form_token` (from `Charge/CreatePayment`), in list mode, without theme and
    /// without return URLs.
    pub fn new(
        host: StaticHost,
        public_key: impl Into<String>,
        form_token: impl Into<String>,
    ) -> Self {
        EmbeddedForm {
            host,
            public_key: public_key.into(),
            form_token: form_token.into(),
            post_url_success: None,
            get_url_success: None,
            post_url_refused: None,
            get_url_refused: None,
            display_mode: DisplayMode::List,
            theme: None,
        }
    }

    /// `kr-post-url-success`: after an accepted payment the browser POSTs the signed result
    /// (signed with the HMAC-SHA-256 key) to this URL.
    pub fn post_url_success(mut self, url: impl Into<String>) -> Self {
        self.post_url_success = Some(url.into());
        self
    }

    /// `kr-get-url-success`: after an accepted payment the browser is sent here with a GET
    /// (the result is not posted).
    pub fn get_url_success(mut self, url: impl Into<String>) -> Self {
        self.get_url_success = Some(url.into());
        self
    }

    /// `kr-post-url-refused`: the browser POSTs the signed result here once the shopper can no
    /// longer retry.
    pub fn post_url_refused(mut self, url: impl Into<String>) -> Self {
        self.post_url_refused = Some(url.into());
        self
    }

    /// `kr-get-url-refused`: the browser is sent here with a GET once the shopper can no
    /// longer retry.
    pub fn get_url_refused(mut self, url: impl Into<String>) -> Self {
        self.get_url_refused = Some(url.into());
        self
    }

    /// The display mode (default [`DisplayMode::List`]).
    pub fn display_mode(mut self, mode: DisplayMode) -> Self {
        self.display_mode = mode;
        self
    }

    /// Loads a theme in the head (default: none).
    pub fn theme(mut self, theme: Theme) -> Self {
        self.theme = Some(theme);
        self
    }

    /// The `<head>` part: the library script with its `kr-*` attributes, then the theme.
    pub fn head(&self) -> String {
        let mut out = String::from("<script type=\"text/javascript\"\n");
        attr_line(&mut out, "src", &self.host.script_url());
        attr_line(&mut out, "kr-public-key", &self.public_key);
        let urls = [
            ("kr-post-url-success", &self.post_url_success),
            ("kr-get-url-success", &self.get_url_success),
            ("kr-post-url-refused", &self.post_url_refused),
            ("kr-get-url-refused", &self.get_url_refused),
        ];
        for (name, value) in urls {
            if let Some(value) = value {
                attr_line(&mut out, name, value);
            }
        }
        // Close the start tag on the last attribute line, as in the seed.
        out.pop();
        out.push_str(">\n</script>\n");
        if let Some(theme) = self.theme {
            let _ = writeln!(
                out,
                "<link rel=\"stylesheet\" href=\"{}\">",
                escape_attr(&theme.stylesheet_url(&self.host))
            );
            let _ = writeln!(
                out,
                "<script type=\"text/javascript\" src=\"{}\">\n</script>",
                escape_attr(&theme.script_url(&self.host))
            );
        }
        out
    }

    /// The `<body>` part: the `kr-smart-form` div with the display mode and the formToken.
    pub fn body(&self) -> String {
        let mode = match self.display_mode.attribute() {
            Some(attribute) => format!(" {attribute}"),
            None => String::new(),
        };
        format!(
            "<div class=\"kr-smart-form\"{mode} kr-form-token=\"{}\"></div>",
            escape_attr(&self.form_token)
        )
    }

    /// A minimal complete page (`<!DOCTYPE html>` … `</html>`) holding [`head`](Self::head)
    /// and [`body`](Self::body): handy for a quick test or the sandbox.
    pub fn page(&self) -> String {
        format!(
            "<!DOCTYPE html>\n<html>\n<head>\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1.0\" />\n\
             <meta http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\" />\n\
             {}</head>\n<body>\n{}\n</body>\n</html>\n",
            self.head(),
            self.body()
        )
    }
}

/// Appends `  name="value"\n` with the value escaped.
fn attr_line(out: &mut String, name: &str, value: &str) {
    let _ = writeln!(out, "  {name}=\"{}\"", escape_attr(value));
}

/// Escapes a value for a double-quoted HTML attribute (also safe in text content).
pub fn escape_attr(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_every_special_character() {
        assert_eq!(
            escape_attr(r#"a&b<c>d"e'f"#),
            "a&amp;b&lt;c&gt;d&quot;e&#39;f"
        );
    }

    #[test]
    fn custom_host_trailing_slash_is_ignored() {
        let host = StaticHost::Custom("http://127.0.0.1:8080/".into());
        assert_eq!(
            host.script_url(),
            "http://127.0.0.1:8080/static/js/krypton-client/V4.0/stable/kr-payment-form.min.js"
        );
    }
}
