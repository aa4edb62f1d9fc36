//! The calling staff member on the admin listener: a bearer token bound to one member and one
//! role. The endpoint names the roles it admits in its signature, e.g.
//! `StaffMember<Supervisors>`; every refusal is audited.

use crate::problem::ApiError;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use dms_db::enums::StaffRole;
use dms_service::auth::{self, Attempt};
use dms_service::Actor;
use futures_util::future::LocalBoxFuture;
use std::marker::PhantomData;

/// The roles an endpoint admits.
pub trait Roles: 'static {
    const ALLOWED: &'static [StaffRole];
}

macro_rules! roles {
    ($($(#[$meta:meta])* $name:ident => [$($role:ident),+];)+) => {$(
        $(#[$meta])*
        #[derive(Debug)]
        pub struct $name;
        impl Roles for $name {
            const ALLOWED: &'static [StaffRole] = &[$(StaffRole::$role),+];
        }
    )+};
}

roles! {
    /// Officers only.
    Officers => [Officer];
    /// Supervisors only.
    Supervisors => [Supervisor];
    /// Auditors only.
    Auditors => [Auditor];
    /// Officers and supervisors.
    OfficersAndSupervisors => [Officer, Supervisor];
    /// Supervisors and auditors.
    SupervisorsAndAuditors => [Supervisor, Auditor];
    /// Officers, supervisors and auditors: every human staff role (not the issuance system).
    AllStaff => [Officer, Supervisor, Auditor];
    /// Supervisors and the document-issuance system (register entries).
    SupervisorsAndIssuance => [Supervisor, Issuance];
}

/// An authenticated staff member whose role `R` admits, as the actor of the request.
#[derive(Debug)]
pub struct StaffMember<R: Roles> {
    pub actor: Actor,
    roles: PhantomData<R>,
}

impl<R: Roles> FromRequest for StaffMember<R> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = super::state(&req)?;
            let token = super::bearer(&req);
            let request_id = crate::request_id(&req);
            let attempt = Attempt {
                channel: "admin",
                request_id: Some(request_id.clone()),
                path: req.path(),
                source: req.peer_addr().map(|a| a.ip().to_string()),
            };
            let staff = auth::staff_member(&state.services, token, R::ALLOWED, &attempt).await?;
            if let Err(secs) = state.limits.check_client(&format!("staff:{}", staff.id)) {
                let who = Some(("staff", staff.id.to_string()));
                auth::rate_limited(&state.services, &attempt, who).await?;
                return Err(ApiError::RateLimited(secs));
            }
            let actor = Actor::staff(staff, request_id);
            crate::refusals::mark(&req, &actor);
            Ok(StaffMember {
                actor,
                roles: PhantomData,
            })
        })
    }
}
