//! What a page answers when it cannot show what was asked: a redirect to sign-in (no session,
//! or an expired one), a refused form (no or a wrong CSRF token), a record that is not this
//! body's (404, never revealing that it exists elsewhere), or a service problem — each as a page
//! in Ukrainian.

use crate::pages::Chrome;
use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;
use dms_service::ServiceError;

#[derive(Debug)]
pub enum WebError {
    /// Go to this address (303: after a form, or to sign in).
    Redirect(String),
    /// The form carried no valid CSRF token: nothing was done.
    Csrf,
    NotFound,
    Forbidden,
    /// The service cannot answer now; nothing was stored.
    Unavailable,
    Internal,
}

impl std::fmt::Display for WebError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

impl From<ServiceError> for WebError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::NotFound => WebError::NotFound,
            ServiceError::Forbidden => WebError::Forbidden,
            ServiceError::Unavailable(_) => WebError::Unavailable,
            _ => WebError::Internal,
        }
    }
}

impl From<askama::Error> for WebError {
    fn from(e: askama::Error) -> Self {
        tracing::error!(error.message = %e, "a page could not be rendered");
        WebError::Internal
    }
}

#[derive(Template)]
#[template(path = "problem.html")]
struct ProblemPage<'a> {
    chrome: Chrome,
    heading: &'a str,
    text: &'a str,
}

impl ResponseError for WebError {
    fn status_code(&self) -> StatusCode {
        match self {
            WebError::Redirect(_) => StatusCode::SEE_OTHER,
            WebError::Csrf | WebError::Forbidden => StatusCode::FORBIDDEN,
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        self.page(dms_service::web_auth::Realm::Officials)
    }
}

impl WebError {
    /// The answer of this error at one door: the page in that door's own layout.
    pub fn page(&self, realm: dms_service::web_auth::Realm) -> HttpResponse {
        if let WebError::Redirect(to) = self {
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, to.as_str()))
                .finish();
        }
        let (heading, text) = match self {
            WebError::Csrf => (
                "Форму не прийнято",
                "Форма застаріла або надійшла не з цієї сторінки. Нічого не змінено. Поверніться, оновіть сторінку і спробуйте ще раз.",
            ),
            WebError::Forbidden => (
                "Недостатньо прав",
                "Ця дія вам недоступна.",
            ),
            WebError::NotFound => (
                "Сторінку не знайдено",
                "Такого запису немає або він вам недоступний. Перевірте адресу або скористайтеся пошуком.",
            ),
            WebError::Unavailable => (
                "Сервіс тимчасово недоступний",
                "Нічого не збережено. Спробуйте ще раз за кілька хвилин.",
            ),
            _ => (
                "Сталася помилка",
                "Нічого не збережено. Спробуйте ще раз; якщо помилка повториться, зверніться до служби підтримки ДМС.",
            ),
        };
        let page = ProblemPage {
            chrome: Chrome::anonymous_in(realm, heading),
            heading,
            text,
        };
        let body = page.render().unwrap_or_else(|_| heading.to_owned());
        HttpResponse::build(self.status_code())
            .content_type("text/html; charset=utf-8")
            .body(body)
    }
}

pub type PageResult = Result<HttpResponse, WebError>;

/// A rendered page.
pub fn html(page: &impl Template) -> PageResult {
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(page.render()?))
}

/// A rendered page with another status (a form with errors answers 422).
pub fn html_status(status: StatusCode, page: &impl Template) -> PageResult {
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(page.render()?))
}

/// 303 to `to`.
pub fn see_other(to: impl Into<String>) -> PageResult {
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.into()))
        .finish())
}

/// Error pages in the door's own layout: at the staff console, an answer made from a
/// [`WebError`] is made again with the console's header (the error itself cannot know the door).
pub async fn in_realm(
    realm: dms_service::web_auth::Realm,
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<
    actix_web::dev::ServiceResponse<
        actix_web::body::EitherBody<impl actix_web::body::MessageBody, actix_web::body::BoxBody>,
    >,
    actix_web::Error,
> {
    let res = next.call(req).await?;
    if realm == dms_service::web_auth::Realm::Staff {
        let page = res
            .response()
            .error()
            .and_then(|e| e.as_error::<WebError>())
            .map(|e| e.page(realm));
        if let Some(page) = page {
            return Ok(res.into_response(page).map_into_right_body());
        }
    }
    Ok(res.map_into_left_body())
}
