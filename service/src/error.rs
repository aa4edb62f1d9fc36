//! What an operation can answer besides success, in terms every door (HTTP, web, command line)
//! can render: validation faults carry their JSON Pointers, unavailability says "retry".

use dms_schemas::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("the document is not well-formed JSON: {0}")]
    MalformedJson(String),
    #[error("the document does not conform to the schema")]
    SchemaViolation(Vec<FieldError>),
    #[error("the document is well-formed but some values are not acceptable")]
    ValidationFailed(Vec<FieldError>),
    #[error("this external_id was already used for a different document")]
    IdempotencyKeyReused,
    /// A document (a bulk load's line) over the size one request may have.
    #[error("the document exceeds {0} bytes")]
    TooLarge(usize),
    #[error("this actor may not do this")]
    Forbidden,
    #[error("registration actions are banned in this territory on this date")]
    TerritoryRestricted(String),
    #[error("the request has already been answered; an answer is final")]
    AlreadyAnswered,
    /// The credential was revoked; a revoked value is never made live again.
    #[error("this credential was revoked and cannot be added again")]
    CredentialRevoked,
    /// Only a failed data set can be re-delivered.
    #[error("the data set is not failed; only a failed data set is delivered again")]
    DatasetNotFailed,
    /// A territorial ban is ended once.
    #[error("the territorial ban has already been ended")]
    RestrictionAlreadyEnded,
    #[error("no such resource")]
    NotFound,
    /// Nothing was stored; the caller may retry.
    #[error("unavailable: {0}")]
    Unavailable(&'static str),
    #[error("internal error")]
    Internal,
}

impl ServiceError {
    /// One validation fault.
    pub fn field(
        pointer: &str,
        code: dms_schemas::FieldCode,
        message: impl Into<String>,
    ) -> ServiceError {
        ServiceError::ValidationFailed(vec![FieldError::new(pointer, code, message)])
    }

    /// `faults` as a validation problem, or nothing.
    pub fn check(faults: Vec<FieldError>) -> Result<(), ServiceError> {
        if faults.is_empty() {
            Ok(())
        } else {
            Err(ServiceError::ValidationFailed(faults))
        }
    }
}

impl From<dms_db::DbError> for ServiceError {
    fn from(e: dms_db::DbError) -> Self {
        if e.is_unavailable() {
            tracing::warn!(error.kind = "database_unavailable", "database unavailable");
            ServiceError::Unavailable("the database is unavailable")
        } else {
            tracing::error!(error.message = %e, "unexpected database error");
            ServiceError::Internal
        }
    }
}

impl From<diesel::result::Error> for ServiceError {
    fn from(e: diesel::result::Error) -> Self {
        dms_db::DbError::Query(e).into()
    }
}
