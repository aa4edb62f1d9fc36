//! The service layer: every operation the system performs is one function here, taking typed
//! input and the actor, running its write and its audit row in one transaction. The HTTP
//! handlers, the command line, the scheduled jobs and the web pages call these functions;
//! nothing else writes records of registration bodies, people, actions, requests or staff. Two
//! batch paths keep their own storage: the feeder's bookkeeping of data sets (claim, seal,
//! deliver, acknowledge) and the import of the territorial codifier.
//!
//! It is a crate of its own, between `db` and the binaries, so that the feeder's jobs and the
//! command line use it without linking the web server.

pub mod actions;
pub mod actor;
pub mod audit_log;
pub mod auth;
pub mod bodies;
pub mod bulk;
pub mod calendar;
pub mod codifier;
pub mod context;
pub mod datasets;
pub mod error;
pub mod intake;
pub mod jobs;
pub mod notices;
pub mod officials;
pub mod persons;
pub mod receipt;
pub mod reconciliation;
pub mod refusals;
pub mod register;
pub mod register_entries;
pub mod reports;
pub mod restrictions;
pub mod sandbox;
pub mod search;
pub mod staff;
pub mod verification_requests;
pub mod web_auth;

pub use actor::{Actor, OfficialRef, Who};
pub use context::Services;
pub use error::ServiceError;
