//! Every route, one file per resource: the community side (`community/`), the staff side
//! (`admin/`) and operations (`ops/`). Each file holds its resource's DTOs, handlers, the
//! function that registers its routes, and its part of the OpenAPI document (`Doc`).

pub mod admin;
pub mod community;
pub mod ops;
pub mod paging;
pub mod resource;
pub mod views;

use actix_web::web;

/// What the community listeners (direct channel and Трембіта) serve.
pub fn community(cfg: &mut web::ServiceConfig) {
    community::registration_actions::configure(cfg);
    community::verification_requests::configure(cfg);
    community::notifications::configure(cfg);
    community::reconciliation::configure(cfg);
    community::codifier::configure(cfg);
    community::bulk_loads::configure(cfg);
    community::sandbox::configure(cfg);
    ops::jwks::configure(cfg);
    common(cfg);
}

/// What the staff listener serves.
pub fn admin(cfg: &mut web::ServiceConfig) {
    admin::verification_requests::configure(cfg);
    admin::calendar::configure(cfg);
    admin::territory_restrictions::configure(cfg);
    admin::audit::configure(cfg);
    admin::search::configure(cfg);
    admin::reports::configure(cfg);
    admin::registration_bodies::configure(cfg);
    admin::registration_bodies_read::configure(cfg);
    admin::datasets::configure(cfg);
    admin::register_entries::configure(cfg);
    admin::persons::configure(cfg);
    admin::officials::configure(cfg);
    admin::bulk_loads::configure(cfg);
    common(cfg);
}

/// What the operations listener serves: metrics beside health, never on a listener that
/// registration bodies reach.
pub fn operations(cfg: &mut web::ServiceConfig) {
    ops::metrics::configure(cfg);
    ops::jwks::configure(cfg);
    common(cfg);
}

/// Health and the API description, on every listener.
fn common(cfg: &mut web::ServiceConfig) {
    ops::health::configure(cfg);
    ops::openapi::configure(cfg);
}
