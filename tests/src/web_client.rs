//! A browser without JavaScript for the web interface's and the staff console's tests over real
//! HTTP: cookies carried by hand, redirects not followed, forms posted as a browser posts them;
//! and the TOTP codes a person's authenticator app would show.

use reqwest::header::{HeaderMap, SET_COOKIE};
use reqwest::redirect::Policy;

/// The credentials of an account set up at once.
pub struct Official {
    pub login: String,
    pub password: String,
    pub secret: String,
}

/// The RFC 6238 code of `secret` (base32) for the 30-second step `step`.
pub fn code(secret: &str, step: u64) -> String {
    let bytes = totp_rs::Secret::Encoded(secret.to_owned())
        .to_bytes()
        .unwrap();
    let t = totp_rs::TOTP::new_unchecked(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        bytes,
        None,
        String::new(),
    );
    t.generate(step * 30)
}

pub fn current_step() -> u64 {
    (chrono::Utc::now().timestamp() / 30) as u64
}

/// A browser without a cookie jar: cookies are carried by hand, redirects not followed.
pub struct Browser {
    http: reqwest::Client,
    base: String,
    pub cookies: Vec<(String, String)>,
}

pub fn attr<'a>(html: &'a str, marker: &str) -> &'a str {
    let at = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} not in page"));
    let rest = &html[at + marker.len()..];
    &rest[..rest.find('"').unwrap()]
}

impl Browser {
    pub fn new(base: &str) -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .redirect(Policy::none())
                .build()
                .unwrap(),
            base: base.to_owned(),
            cookies: Vec::new(),
        }
    }

    pub fn keep(&mut self, headers: &HeaderMap) {
        for v in headers.get_all(SET_COOKIE) {
            let v = v.to_str().unwrap();
            let pair = v.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies.retain(|(n, _)| n != name);
            if !value.is_empty() {
                self.cookies.push((name.to_owned(), value.to_owned()));
            }
        }
    }

    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn get(&mut self, path: &str) -> (u16, HeaderMap, String) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        let (status, headers) = (r.status().as_u16(), r.headers().clone());
        self.keep(&headers);
        (status, headers, r.text().await.unwrap())
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> (u16, HeaderMap, String) {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        let (status, headers) = (r.status().as_u16(), r.headers().clone());
        self.keep(&headers);
        (status, headers, r.text().await.unwrap())
    }

    /// Sign in with `code`; the answer's status.
    pub async fn sign_in(&mut self, o: &Official, code: &str) -> u16 {
        let (_, _, page) = self.get("/sign-in").await;
        let csrf = attr(&page, "name=\"csrf\" value=\"").to_owned();
        let form = [
            ("csrf", csrf.as_str()),
            ("login", o.login.as_str()),
            ("password", o.password.as_str()),
            ("code", code),
            ("next", "/"),
        ];
        self.post("/sign-in", &form).await.0
    }

    pub fn has_session(&self) -> bool {
        self.cookies
            .iter()
            .any(|(n, _)| n == "dms_session" || n == "console_dms_session")
    }
}
