//! Cursor-paged listings: the cursor and page size checked alike everywhere, and the `Link`
//! (RFC 8288) to the next page, the request's own query kept with `after` replaced.

use crate::problem::ApiError;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponseBuilder};
use dms_schemas::{FieldCode, FieldError};

/// `after` (default 0, not negative) and `limit` (default `default`, 1..=`max`).
pub fn checked(
    after: Option<i64>,
    limit: Option<i64>,
    default: i64,
    max: i64,
) -> Result<(i64, i64), ApiError> {
    let (after, limit) = (after.unwrap_or(0), limit.unwrap_or(default));
    let mut errors = Vec::new();
    if after < 0 {
        errors.push(FieldError::new(
            "/after",
            FieldCode::Range,
            "must not be negative",
        ));
    }
    if !(1..=max).contains(&limit) {
        errors.push(FieldError::new(
            "/limit",
            FieldCode::Range,
            format!("must be between 1 and {max}"),
        ));
    }
    if errors.is_empty() {
        Ok((after, limit))
    } else {
        Err(ApiError::SchemaViolation(errors))
    }
}

/// When the page is full (`shown` items of `limit`), a `Link` to the page after `last`.
pub fn link_next(
    res: &mut HttpResponseBuilder,
    req: &HttpRequest,
    shown: usize,
    limit: i64,
    last: Option<String>,
) {
    let full = usize::try_from(limit).is_ok_and(|l| shown >= l);
    let (true, Some(last)) = (full, last) else {
        return;
    };
    let kept: Vec<(String, String)> = url::form_urlencoded::parse(req.query_string().as_bytes())
        .filter(|(k, _)| k != "after")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(kept)
        .append_pair("after", &last)
        .finish();
    res.insert_header((
        header::LINK,
        format!("<{}?{query}>; rel=\"next\"", req.path()),
    ));
}
