//! Extractors: what a handler needs, said by its signature. The calling registration body
//! ([`Caller`]), the staff member with the roles an endpoint admits ([`StaffMember`]), and the
//! request body ([`JsonBytes`], [`Json`]): media type, size limit, arrival timeout, strict JSON.

mod body;
mod caller;
mod staff;

pub use body::{Json, JsonBytes, BODY_LIMIT};
pub use caller::{Caller, ChannelMode, PeerRequired};
pub use staff::{
    AllStaff, Auditors, Officers, OfficersAndSupervisors, Roles, StaffMember, Supervisors,
    SupervisorsAndAuditors, SupervisorsAndIssuance,
};

use crate::problem::ApiError;
use crate::state::AppState;
use actix_web::web::Data;
use actix_web::HttpRequest;

/// The bearer token of the `Authorization` header, if any. The scheme is case-insensitive
/// (RFC 9110 §11.1): `Bearer`, `bearer` and `BEARER` are the same.
fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get("authorization")?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty() && t.len() <= 256)
}

/// The shared state, which every app registers.
fn state(req: &HttpRequest) -> Result<Data<AppState>, ApiError> {
    req.app_data::<Data<AppState>>()
        .cloned()
        .ok_or(ApiError::Internal)
}
