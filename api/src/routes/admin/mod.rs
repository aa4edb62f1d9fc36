//! The staff (admin) side: DMS officers, supervisors and auditors, and the document-issuance
//! system (a machine client that may only record register entries).

pub mod audit;
pub mod bulk_loads;
pub mod calendar;
pub mod datasets;
pub mod officials;
pub mod persons;
pub mod register_entries;
pub mod registration_bodies;
pub mod registration_bodies_read;
pub mod reports;
pub mod search;
pub mod territory_restrictions;
pub mod verification_requests;
