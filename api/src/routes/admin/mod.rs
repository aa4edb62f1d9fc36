//! The staff (admin) side: DMS officers, supervisors and auditors.

pub mod audit;
pub mod bulk_loads;
pub mod calendar;
pub mod officials;
pub mod registration_bodies;
pub mod reports;
pub mod search;
pub mod territory_restrictions;
pub mod verification_requests;
