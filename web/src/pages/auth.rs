//! Signing in (login, password, TOTP code), signing out, and the one-time set-up link on which
//! an official sets their password and enrols their authenticator app from a QR code.

use crate::error::{html, html_status, see_other, PageResult, WebError};
use crate::fields::Faults;
use crate::pages::{local_path, Chrome};
use crate::session::{self, check_pre_session, pre_session_token, signed};
use crate::WebState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use dms_service::auth::Attempt;
use dms_service::web_auth::{self, Proof, SignInRefused};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct SignInQuery {
    next: Option<String>,
    expired: Option<String>,
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    chrome: Chrome,
    csrf: String,
    next: String,
    login: String,
    expired: bool,
    problem: Option<String>,
}

fn with_cookie(
    mut res: HttpResponse,
    cookie: Option<actix_web::cookie::Cookie<'static>>,
) -> HttpResponse {
    if let Some(c) = cookie {
        // A cookie that cannot be set leaves the form without its token: the post is refused.
        let _ = res.add_cookie(&c);
    }
    res
}

pub async fn sign_in_page(
    state: web::Data<WebState>,
    req: HttpRequest,
    q: web::Query<SignInQuery>,
) -> PageResult {
    let (csrf, cookie) = pre_session_token(&state, &req);
    let page = SignInPage {
        chrome: Chrome::anonymous_in(state.settings.realm, "Вхід"),
        csrf,
        next: local_path(q.next.as_deref()),
        login: String::new(),
        expired: q.expired.is_some(),
        problem: None,
    };
    Ok(with_cookie(html(&page)?, cookie))
}

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
}

fn attempt<'a>(req: &'a HttpRequest) -> Attempt<'a> {
    Attempt {
        channel: "web",
        request_id: Some(session::request_id(req)),
        path: req.path(),
        source: req.peer_addr().map(|a| a.ip().to_string()),
    }
}

pub async fn sign_in(
    state: web::Data<WebState>,
    req: HttpRequest,
    form: web::Form<SignInForm>,
) -> PageResult {
    let form = form.into_inner();
    check_pre_session(&state, &req, &form.csrf)?;
    let proof = Proof::PasswordAndTotp {
        login: form.login.clone(),
        password: form.password,
        code: form.code,
    };
    let outcome = web_auth::sign_in(
        &state.services,
        state.settings.realm,
        proof,
        &state.settings.policy,
        &attempt(&req),
    )
    .await?;
    match outcome {
        Ok((secret, _session)) => {
            let mut res = see_other(local_path(Some(&form.next)))?;
            res.add_cookie(&session::session_cookie(&state, secret))
                .map_err(|_| WebError::Internal)?;
            Ok(res)
        }
        Err(refused) => {
            let problem = match refused {
                SignInRefused::Invalid => {
                    "Неправильний логін, пароль або код. Перевірте дані і спробуйте ще раз."
                        .to_owned()
                }
                SignInRefused::Locked(until) => format!(
                    "Вхід тимчасово заблоковано після кількох невдалих спроб. Спробуйте після {}.",
                    crate::uk::kyiv_time(until)
                ),
            };
            let page = SignInPage {
                chrome: Chrome::anonymous_in(state.settings.realm, "Вхід"),
                csrf: form.csrf,
                next: local_path(Some(&form.next)),
                login: form.login,
                expired: false,
                problem: Some(problem),
            };
            html_status(StatusCode::UNAUTHORIZED, &page)
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

pub async fn sign_out(
    state: web::Data<WebState>,
    req: HttpRequest,
    form: web::Form<CsrfOnly>,
) -> PageResult {
    let signed = signed(&state, &req).await?;
    signed.check_csrf(&form.csrf)?;
    web_auth::sign_out(&state.services, &signed.session, session::request_id(&req)).await?;
    let mut res = see_other("/sign-in")?;
    res.add_cookie(&session::session_removal(&state))
        .map_err(|_| WebError::Internal)?;
    Ok(res)
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    chrome: Chrome,
    csrf: String,
    login: String,
    name: String,
    secret: String,
    qr: String,
    faults: Faults,
}

#[derive(Template)]
#[template(path = "setup_done.html")]
struct SetupDone {
    chrome: Chrome,
}

/// The QR code of an `otpauth://` URL as an SVG data URL (the CSP allows `data:` images only).
fn qr_data_url(text: &str) -> String {
    use base64::Engine;
    let Ok(code) = qrcode::QrCode::new(text.as_bytes()) else {
        return String::new();
    };
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .build();
    format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(svg)
    )
}

fn setup_faults(list: &[(&str, &str)]) -> Faults {
    let mut faults = Faults::default();
    for (field, code) in list {
        let message = match *code {
            "password_short" => "Пароль має містити щонайменше 12 символів",
            "password_is_login" => "Пароль не може збігатися з логіном",
            "password_mismatch" => "Паролі не збігаються",
            _ => "Код не підходить: введіть 6 цифр, які зараз показує застосунок",
        };
        faults.add(field, message);
    }
    faults
}

async fn render_setup(
    state: &WebState,
    req: &HttpRequest,
    secret: &str,
    faults: Faults,
) -> PageResult {
    let Some(offer) =
        web_auth::setup::setup_offer(&state.services, state.settings.realm, secret).await?
    else {
        return Err(WebError::NotFound);
    };
    let (csrf, cookie) = pre_session_token(state, req);
    let status = faults.status();
    let page = SetupPage {
        chrome: Chrome::anonymous_in(state.settings.realm, "Налаштування входу"),
        csrf,
        login: offer.login,
        name: offer.name,
        qr: qr_data_url(&offer.otpauth_url),
        secret: offer.totp_secret,
        faults,
    };
    Ok(with_cookie(html_status(status, &page)?, cookie))
}

pub async fn setup_page(
    state: web::Data<WebState>,
    req: HttpRequest,
    secret: web::Path<String>,
) -> PageResult {
    render_setup(&state, &req, &secret, Faults::default()).await
}

#[derive(Debug, Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    repeat: String,
    #[serde(default)]
    code: String,
}

pub async fn setup(
    state: web::Data<WebState>,
    req: HttpRequest,
    secret: web::Path<String>,
    form: web::Form<SetupForm>,
) -> PageResult {
    check_pre_session(&state, &req, &form.csrf)?;
    let done = web_auth::setup::complete_setup(
        &state.services,
        state.settings.realm,
        &secret,
        &form.password,
        &form.repeat,
        &form.code,
        &attempt(&req),
    )
    .await?;
    match done {
        Ok(()) => html(&SetupDone {
            chrome: Chrome::anonymous_in(state.settings.realm, "Вхід налаштовано"),
        }),
        Err(faults) => render_setup(&state, &req, &secret, setup_faults(&faults)).await,
    }
}
