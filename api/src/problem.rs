//! Errors at the HTTP edge as problem+json (RFC 9457) with a stable `code` a client can switch on,
//! and for validation every fault with its JSON Pointer. Bodies never echo personal data.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use dms_schemas::FieldError;
use serde::Serialize;

tokio::task_local! {
    /// Set for the duration of a request whose `Accept-Language` prefers Ukrainian.
    pub static UKRAINIAN: bool;
}

/// Whether the client's `Accept-Language` puts Ukrainian first.
pub fn prefers_ukrainian(accept_language: Option<&str>) -> bool {
    accept_language
        .and_then(|v| v.split(',').next())
        .map(|tag| tag.trim().to_ascii_lowercase())
        .is_some_and(|tag| tag == "uk" || tag.starts_with("uk-") || tag.starts_with("uk;"))
}

/// Seconds a client should wait before retrying when we are unavailable.
pub const RETRY_AFTER_SECS: u32 = 5;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the request body is not well-formed JSON")]
    MalformedJson(String),
    #[error("the query string cannot be read: a value of the wrong type or a repeated parameter")]
    MalformedQuery,
    #[error("the request body did not arrive in time")]
    RequestTimeout,
    /// Carries the media type the endpoint takes.
    #[error("the request body's media type is not the one this endpoint takes")]
    UnsupportedMediaType(&'static str),
    /// A request header with a value the endpoint cannot take (carries the header's name).
    #[error("a request header has a value this endpoint cannot take")]
    InvalidHeader(&'static str),
    /// A bulk load over the configured size or line count (carries which).
    #[error("the upload exceeds the size a bulk load may have")]
    UploadTooLarge(String),
    #[error("the upload holds no lines")]
    EmptyUpload,
    #[error("this Idempotency-Key was already used for another file")]
    LoadKeyReused,
    /// The upload broke off or its gzip could not be undone.
    #[error("the upload could not be read")]
    MalformedUpload(String),
    #[error("the request body exceeds {0} bytes")]
    PayloadTooLarge(usize),
    #[error("the document does not conform to the schema")]
    SchemaViolation(Vec<FieldError>),
    #[error("the document is well-formed but some values are not acceptable")]
    ValidationFailed(Vec<FieldError>),
    #[error("this external_id was already used for a different document")]
    IdempotencyKeyReused,
    #[error("no credentials were presented, or they are not known")]
    Unauthenticated,
    #[error("the registration body is suspended")]
    BodySuspended,
    #[error("this role may not do this")]
    Forbidden,
    #[error("registration actions are banned in this territory on this date")]
    TerritoryRestricted(String),
    #[error("the request has already been answered and the time to correct the answer has passed")]
    AlreadyAnswered,
    #[error("this credential was revoked; a revoked credential is not added again")]
    CredentialRevoked,
    #[error("the data set is not failed; only a failed data set is delivered again")]
    DatasetNotFailed,
    #[error("the territorial ban has already been ended")]
    RestrictionAlreadyEnded,
    #[error("no such resource")]
    NotFound,
    /// Carries the value of the `Allow` header: the methods the resource has.
    #[error("this resource does not support this method")]
    MethodNotAllowed(&'static str),
    #[error("the service cannot confirm actions right now; nothing was stored")]
    Unavailable(&'static str),
    /// Carries the seconds to wait (`Retry-After`).
    #[error("too many requests from this client or address; nothing was done")]
    RateLimited(u64),
    #[error("internal error")]
    Internal,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// URI reference naming the problem type.
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: String,
    pub status: u16,
    /// Stable machine-readable code.
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Every field at fault (validation problems only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl ApiError {
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::MalformedJson(_) => "malformed_json",
            ApiError::MalformedQuery => "malformed_query",
            ApiError::RequestTimeout => "request_timeout",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::InvalidHeader(_) => "invalid_header",
            ApiError::UploadTooLarge(_) => "upload_too_large",
            ApiError::EmptyUpload => "empty_upload",
            ApiError::LoadKeyReused => "load_key_reused",
            ApiError::MalformedUpload(_) => "malformed_upload",
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::SchemaViolation(_) => "schema_violation",
            ApiError::ValidationFailed(_) => "validation_failed",
            ApiError::IdempotencyKeyReused => "idempotency_key_reused",
            ApiError::Unauthenticated => "unauthenticated",
            ApiError::BodySuspended => "registration_body_suspended",
            ApiError::Forbidden => "forbidden",
            ApiError::TerritoryRestricted(_) => "territory_restricted",
            ApiError::AlreadyAnswered => "already_answered",
            ApiError::CredentialRevoked => "credential_revoked",
            ApiError::DatasetNotFailed => "dataset_not_failed",
            ApiError::RestrictionAlreadyEnded => "restriction_already_ended",
            ApiError::NotFound => "not_found",
            ApiError::MethodNotAllowed(_) => "method_not_allowed",
            ApiError::Unavailable(_) => "service_unavailable",
            ApiError::RateLimited(_) => "rate_limited",
            ApiError::Internal => "internal_error",
        }
    }

    /// The title in Ukrainian (`title` follows `Accept-Language`; `code` never changes).
    pub fn title_uk(&self) -> &'static str {
        match self {
            ApiError::MalformedJson(_) => "тіло запиту не є коректним JSON",
            ApiError::MalformedQuery => {
                "рядок запиту не вдалося прочитати: значення хибного типу або повторений параметр"
            }
            ApiError::RequestTimeout => "тіло запиту не надійшло вчасно",
            ApiError::UnsupportedMediaType(_) => "тип тіла запиту не той, що приймає цей ресурс",
            ApiError::InvalidHeader(_) => {
                "заголовок запиту має значення, якого цей ресурс не приймає"
            }
            ApiError::UploadTooLarge(_) => "завантаження перевищує дозволений розмір",
            ApiError::EmptyUpload => "завантаження не містить жодного рядка",
            ApiError::LoadKeyReused => "цей Idempotency-Key уже використано для іншого файлу",
            ApiError::MalformedUpload(_) => "завантаження не вдалося прочитати",
            ApiError::PayloadTooLarge(_) => "тіло запиту перевищує 256 КіБ",
            ApiError::SchemaViolation(_) => "документ не відповідає схемі",
            ApiError::ValidationFailed(_) => {
                "документ коректний за формою, але деякі значення неприйнятні"
            }
            ApiError::IdempotencyKeyReused => {
                "цей external_id уже використано для іншого документа"
            }
            ApiError::Unauthenticated => "облікові дані не надано або вони невідомі",
            ApiError::BodySuspended => "діяльність органу реєстрації зупинено",
            ApiError::Forbidden => "ця роль не має права на цю дію",
            ApiError::TerritoryRestricted(_) => {
                "реєстраційні дії на цій території в цю дату заборонено"
            }
            ApiError::AlreadyAnswered => {
                "на запит уже надано відповідь, і час на її виправлення минув"
            }
            ApiError::CredentialRevoked => {
                "ці облікові дані відкликано; відкликані дані не додаються знову"
            }
            ApiError::DatasetNotFailed => {
                "набір даних не в стані failed; повторно передається лише такий набір"
            }
            ApiError::RestrictionAlreadyEnded => "заборону вже достроково припинено",
            ApiError::NotFound => "ресурс не знайдено",
            ApiError::MethodNotAllowed(_) => "цей ресурс не підтримує цей метод",
            ApiError::Unavailable(_) => {
                "сервіс тимчасово не може підтверджувати дії; нічого не збережено"
            }
            ApiError::RateLimited(_) => {
                "забагато запитів від цього клієнта або адреси; нічого не виконано"
            }
            ApiError::Internal => "внутрішня помилка",
        }
    }

    pub fn problem(&self) -> Problem {
        let uk = UKRAINIAN.try_with(|v| *v).unwrap_or(false);
        let (detail, errors) = match self {
            ApiError::MalformedJson(d) if uk => (
                Some(format!("Тіло запиту не є коректним JSON ({d}).")),
                vec![],
            ),
            ApiError::MalformedJson(d) => (Some(d.clone()), vec![]),
            ApiError::UnsupportedMediaType(t) if uk => (Some(format!("Надсилайте Content-Type: {t}.")), vec![]),
            ApiError::UnsupportedMediaType(t) => (Some(format!("Send Content-Type: {t}.")), vec![]),
            ApiError::InvalidHeader(h) if uk => (Some(format!("Заголовок {h} має хибне значення.")), vec![]),
            ApiError::InvalidHeader(h) => (Some(format!("The {h} header has a value this endpoint cannot take.")), vec![]),
            ApiError::UploadTooLarge(what) if uk => (Some(format!("Найбільше дозволено: {what}. Нічого не збережено; розділіть файл.")), vec![]),
            ApiError::UploadTooLarge(what) => (Some(format!("At most {what}. Nothing was stored; split the file.")), vec![]),
            ApiError::MalformedUpload(why) => (Some(why.clone()), vec![]),
            ApiError::SchemaViolation(e) | ApiError::ValidationFailed(e) if uk => (
                None,
                e.iter()
                    .map(|f| {
                        let mut f = f.clone();
                        if let Some(c) = dms_schemas::FieldCode::parse(&f.code) {
                            c.message_uk().clone_into(&mut f.message);
                        }
                        f
                    })
                    .collect(),
            ),
            ApiError::SchemaViolation(e) | ApiError::ValidationFailed(e) => (None, e.clone()),
            ApiError::IdempotencyKeyReused if uk => (
                Some("Для нової дії надішліть новий external_id; повторний запит має містити той самий документ.".into()),
                vec![],
            ),
            ApiError::IdempotencyKeyReused => (
                Some("Send a new external_id for a new action; a retry must repeat the original document.".into()),
                vec![],
            ),
            ApiError::TerritoryRestricted(basis) if uk => (Some(format!("Правова підстава: {basis}")), vec![]),
            ApiError::TerritoryRestricted(basis) => (Some(format!("Legal basis: {basis}")), vec![]),
            ApiError::Unavailable(_) if uk => (
                Some("Повторіть запит з тим самим external_id після паузи з Retry-After.".into()),
                vec![],
            ),
            ApiError::Unavailable(why) => (Some(format!("{why}; retry with the same external_id")), vec![]),
            ApiError::RateLimited(secs) if uk => (
                Some(format!("Повторіть запит через {secs} с (Retry-After)."))
                , vec![],
            ),
            ApiError::RateLimited(secs) => (
                Some(format!("Retry after {secs} s (Retry-After); a retried submission keeps its external_id.")),
                vec![],
            ),
            _ => (None, vec![]),
        };
        Problem {
            type_uri: format!("urn:dms:problem:{}", self.code()),
            title: if uk {
                self.title_uk().to_owned()
            } else {
                self.to_string()
            },
            status: self.status_code().as_u16(),
            code: self.code().to_owned(),
            detail,
            errors,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::MalformedJson(_) | ApiError::MalformedQuery => StatusCode::BAD_REQUEST,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::InvalidHeader(_) | ApiError::MalformedUpload(_) => StatusCode::BAD_REQUEST,
            ApiError::UploadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::EmptyUpload | ApiError::LoadKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::SchemaViolation(_)
            | ApiError::ValidationFailed(_)
            | ApiError::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthenticated => StatusCode::UNAUTHORIZED,
            ApiError::BodySuspended | ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::TerritoryRestricted(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::AlreadyAnswered
            | ApiError::CredentialRevoked
            | ApiError::DatasetNotFailed
            | ApiError::RestrictionAlreadyEnded => StatusCode::CONFLICT,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        match self {
            ApiError::Unavailable(_) => {
                res.insert_header((header::RETRY_AFTER, RETRY_AFTER_SECS.to_string()));
            }
            ApiError::RateLimited(secs) => {
                res.insert_header((header::RETRY_AFTER, secs.to_string()));
            }
            ApiError::Unauthenticated => {
                res.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            ApiError::MethodNotAllowed(allow) => {
                res.insert_header((header::ALLOW, *allow));
            }
            _ => {}
        }
        res.body(serde_json::to_vec(&self.problem()).unwrap_or_default())
    }
}

impl From<dms_db::DbError> for ApiError {
    fn from(e: dms_db::DbError) -> Self {
        if e.is_unavailable() {
            tracing::warn!(error.kind = "database_unavailable", "database unavailable");
            ApiError::Unavailable("the database is unavailable")
        } else {
            tracing::error!(error.message = %e, "unexpected database error");
            ApiError::Internal
        }
    }
}

impl From<dms_service::ServiceError> for ApiError {
    fn from(e: dms_service::ServiceError) -> Self {
        use dms_service::ServiceError as S;
        match e {
            S::MalformedJson(d) => ApiError::MalformedJson(d),
            S::SchemaViolation(f) => ApiError::SchemaViolation(f),
            S::ValidationFailed(f) => ApiError::ValidationFailed(f),
            S::IdempotencyKeyReused => ApiError::IdempotencyKeyReused,
            S::TooLarge(n) => ApiError::PayloadTooLarge(n),
            S::Forbidden => ApiError::Forbidden,
            S::TerritoryRestricted(basis) => ApiError::TerritoryRestricted(basis),
            S::AlreadyAnswered => ApiError::AlreadyAnswered,
            S::CredentialRevoked => ApiError::CredentialRevoked,
            S::DatasetNotFailed => ApiError::DatasetNotFailed,
            S::RestrictionAlreadyEnded => ApiError::RestrictionAlreadyEnded,
            S::NotFound => ApiError::NotFound,
            S::Unavailable(why) => ApiError::Unavailable(why),
            S::Internal => ApiError::Internal,
        }
    }
}

impl From<dms_service::auth::Refusal> for ApiError {
    fn from(e: dms_service::auth::Refusal) -> Self {
        use dms_service::auth::Refusal as R;
        match e {
            R::Unknown => ApiError::Unauthenticated,
            R::Suspended => ApiError::BodySuspended,
            R::Forbidden => ApiError::Forbidden,
            R::RateLimited(secs) => ApiError::RateLimited(secs),
            R::Service(e) => e.into(),
        }
    }
}
