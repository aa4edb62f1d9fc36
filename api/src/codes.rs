//! Every `code` the API can answer with, enumerable from code: the problem codes of [`ApiError`]
//! and the field codes of `errors[]` ([`FieldCode`], registered in `dms_schemas::codes`). The
//! integration guides (`docs/integration-guide.*.md`) are checked against these lists by
//! `api/tests/guide.rs`, so a code cannot be added, renamed or dropped without the guides.

use crate::problem::ApiError;
pub use dms_schemas::FieldCode;

/// Generates [`ApiError::every_variant`] and, from the same list, an exhaustive `match`: a
/// variant added to `ApiError` but not listed here fails to compile.
macro_rules! every_variant {
    ($($variant:ident $(($($payload:expr),+))?,)+) => {
        impl ApiError {
            /// One value of every variant (payloads are placeholders), in declaration order.
            pub fn every_variant() -> Vec<ApiError> {
                vec![$(ApiError::$variant $(($($payload),+))?,)+]
            }
        }

        #[allow(dead_code)]
        fn listed(e: &ApiError) {
            match e {
                $(ApiError::$variant { .. } => {})+
            }
        }
    };
}

every_variant! {
    MalformedJson(String::new()),
    MalformedQuery,
    RequestTimeout,
    UnsupportedMediaType("application/json"),
    InvalidHeader("Idempotency-Key"),
    UploadTooLarge(String::new()),
    EmptyUpload,
    LoadKeyReused,
    MalformedUpload(String::new()),
    PayloadTooLarge(crate::extract::BODY_LIMIT),
    SchemaViolation(Vec::new()),
    ValidationFailed(Vec::new()),
    IdempotencyKeyReused,
    Unauthenticated,
    BodySuspended,
    Forbidden,
    TerritoryRestricted(String::new()),
    AlreadyAnswered,
    CredentialRevoked,
    DatasetNotFailed,
    RestrictionAlreadyEnded,
    NotFound,
    MethodNotAllowed("GET"),
    Unavailable("unavailable"),
    RateLimited(1),
    Internal,
}

impl ApiError {
    /// Every problem `code` (the `code` member of a problem+json answer).
    pub fn all_codes() -> Vec<&'static str> {
        Self::every_variant().iter().map(ApiError::code).collect()
    }
}

/// Every field code (`errors[].code`).
pub fn all_field_codes() -> Vec<&'static str> {
    FieldCode::ALL.iter().map(|c| c.as_str()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn each_variant_once_and_codes_unique() {
        let all = ApiError::every_variant();
        let kinds: BTreeSet<String> = all
            .iter()
            .map(|e| format!("{:?}", std::mem::discriminant(e)))
            .collect();
        assert_eq!(kinds.len(), all.len(), "a variant is listed twice");
        let codes: BTreeSet<&str> = ApiError::all_codes().into_iter().collect();
        assert_eq!(codes.len(), all.len(), "two variants share a code");
    }
}
