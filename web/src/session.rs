//! The session cookie and the CSRF tokens. Under TLS the cookies are `__Host-` prefixed and
//! `Secure` (so no other host or path can set or read them); always `HttpOnly` and
//! `SameSite=Strict`. Every form carries a CSRF token: the session's for signed-in pages, a
//! double-submit cookie's for the sign-in and set-up forms (no session exists yet).

use crate::error::WebError;
use crate::WebState;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::{HttpMessage, HttpRequest};
use dms_service::actor::RequestId;
use dms_service::web_auth::{self, NoSession, Realm, Session};
use dms_service::Actor;

fn cookie_name(state: &WebState, base: &'static str) -> String {
    // Cookies do not tell ports apart: the console's have names of their own, so that an
    // official's and a staff member's sessions on one host never meet.
    let realm = match state.settings.realm {
        Realm::Officials => "",
        Realm::Staff => "console_",
    };
    if state.settings.tls {
        format!("__Host-{realm}{base}")
    } else {
        format!("{realm}{base}")
    }
}

const SESSION: &str = "dms_session";
const PRE_SESSION: &str = "dms_csrf";

fn cookie(state: &WebState, base: &'static str, value: String) -> Cookie<'static> {
    Cookie::build(cookie_name(state, base), value)
        .path("/")
        .secure(state.settings.tls)
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish()
}

/// The session cookie for a new session (a browser-session cookie; the server enforces the
/// limits).
pub fn session_cookie(state: &WebState, secret: String) -> Cookie<'static> {
    cookie(state, SESSION, secret)
}

/// A cookie that removes the session cookie.
pub fn session_removal(state: &WebState) -> Cookie<'static> {
    let mut c = cookie(state, SESSION, String::new());
    c.make_removal();
    c
}

/// The pre-session CSRF cookie's value, or a new one to set.
pub fn pre_session_token(state: &WebState, req: &HttpRequest) -> (String, Option<Cookie<'static>>) {
    match req.cookie(&cookie_name(state, PRE_SESSION)) {
        Some(c) if c.value().len() >= 32 => (c.value().to_owned(), None),
        _ => {
            let token = dms_service::officials::random_secret(32);
            let c = cookie(state, PRE_SESSION, token.clone());
            (token, Some(c))
        }
    }
}

/// The pre-session form's token matches its cookie.
pub fn check_pre_session(state: &WebState, req: &HttpRequest, given: &str) -> Result<(), WebError> {
    match req.cookie(&cookie_name(state, PRE_SESSION)) {
        Some(c) if c.value().len() >= 32 && equal(c.value(), given) => Ok(()),
        _ => Err(WebError::Csrf),
    }
}

fn equal(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

pub fn request_id(req: &HttpRequest) -> String {
    req.extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default()
}

/// A signed-in request: the session and the actor it acts as.
#[derive(Debug, Clone)]
pub struct Signed {
    pub session: Session,
    pub actor: Actor,
}

impl Signed {
    /// A form's CSRF token must be this session's.
    pub fn check_csrf(&self, given: &str) -> Result<(), WebError> {
        if equal(&self.session.csrf_token, given) {
            Ok(())
        } else {
            Err(WebError::Csrf)
        }
    }

    pub fn csrf(&self) -> &str {
        &self.session.csrf_token
    }

    /// The registration body of an official's session (the officials' web opens no other).
    pub fn body(&self) -> Result<&dms_db::bodies::RegistrationBody, WebError> {
        self.session.body().ok_or(WebError::Forbidden)
    }

    /// The staff member of a console session (the console opens no other).
    pub fn staff(&self) -> Result<&dms_db::staff::Staff, WebError> {
        self.session.staff().ok_or(WebError::Forbidden)
    }
}

/// The request's live session; without one, to sign-in (with a note when it has just expired),
/// coming back here afterwards for a page one reads.
pub async fn signed(state: &WebState, req: &HttpRequest) -> Result<Signed, WebError> {
    let back = if req.method() == actix_web::http::Method::GET {
        let mut next = req.path().to_owned();
        if !req.query_string().is_empty() {
            next.push('?');
            next.push_str(req.query_string());
        }
        format!("&next={}", crate::pages::url_encode(&next))
    } else {
        String::new()
    };
    let Some(cookie) = req.cookie(&cookie_name(state, SESSION)) else {
        return Err(WebError::Redirect(format!(
            "/sign-in?{}",
            &back.trim_start_matches('&')
        )));
    };
    let outcome = web_auth::session(
        &state.services,
        state.settings.realm,
        cookie.value(),
        &state.settings.policy,
    )
    .await?;
    match outcome {
        Ok(session) => {
            let actor = session.actor(request_id(req));
            // A refusal of this request (403, 404, …) is audited as this actor's.
            req.extensions_mut()
                .insert(dms_service::actor::Authenticated(actor.clone()));
            Ok(Signed { session, actor })
        }
        Err(NoSession::Expired) => Err(WebError::Redirect(format!("/sign-in?expired=1{back}"))),
        Err(NoSession::Unknown) => Err(WebError::Redirect(format!(
            "/sign-in?{}",
            back.trim_start_matches('&')
        ))),
    }
}
