//! Registration actions: the intake transaction that makes an action legally complete, the
//! idempotent replay of its receipt, and the action's state as its registration body sees it.
//!
//! Guarantees:
//! - one transaction writes the action, its person, its feed item, its audit row and its
//!   confirmation; nothing is visible unless all of it is;
//! - DMS numbers are unique per year and taken last, after every check, so that concurrent
//!   submissions never wait for one another;
//! - `(registration_body_id, external_id)` is the idempotency key: a retry, even a concurrent
//!   one, gets the stored receipt, never a second action.

mod intake;
pub mod reconcile;
mod residence;
mod statements;
mod view;

pub use intake::record;
pub use view::{
    feed_gauges, view_for_body, view_for_staff, ActionView, StaffActionView, StateCount,
};

use chrono::{DateTime, NaiveDate, Utc};
use diesel::sql_types::{Bool, Text, Timestamptz, Uuid as SqlUuid};
use diesel::QueryableByName;
use uuid::Uuid;

/// How the action reached us.
#[derive(Debug, Clone, Default)]
pub struct Transport {
    /// `token` or `trembita`.
    pub channel: String,
    /// Трембіта client id (`Uxp-Client` / `X-Road-Client`).
    pub client: Option<String>,
    /// `Uxp-QueryID` / `X-Road-Id`.
    pub query_id: Option<String>,
    /// `Uxp-Subject-Id` / `X-Road-UserId`: the official who performed the action.
    pub user_id: Option<String>,
}

/// Reference to the action a cancellation cancels.
#[derive(Debug, Clone)]
pub enum CancelRef {
    DmsNumber(String),
    ActionId(Uuid),
}

/// Everything the intake transaction writes, already validated.
#[derive(Debug, Clone)]
pub struct NewAction {
    pub id: Uuid,
    pub registration_body_id: Uuid,
    pub external_id: String,
    pub action_type: dms_schemas::ActionType,
    pub action_date: NaiveDate,
    /// `(person_key, unzr)` for actions about a person.
    pub person: Option<(String, Option<String>)>,
    pub katottg: Option<String>,
    /// The address's КАТОТТГ and every territory above it (for territorial bans).
    pub territory_path: Vec<String>,
    pub cancels: Option<CancelRef>,
    pub body: serde_json::Value,
    pub body_sha256: [u8; 32],
    pub schema_version: String,
    pub received_at: DateTime<Utc>,
    /// The year the DMS number is counted in (Kyiv year of receipt).
    pub number_year: i32,
    pub late: bool,
    /// The bulk load the action came in: it is historical.
    pub bulk_load: Option<Uuid>,
    pub transport: Transport,
    pub request_id: String,
}

/// What the signer is given to build the receipt: the facts known only inside the transaction.
#[derive(Debug, Clone)]
pub struct Assigned<'a> {
    pub action: &'a NewAction,
    pub dms_number: &'a str,
    /// The id of the cancelled action, resolved from the reference.
    pub cancels_action_id: Option<Uuid>,
}

/// A receipt produced by the signer: key id and compact JWS.
#[derive(Debug, Clone)]
pub struct SignedReceipt {
    pub kid: String,
    pub jws: String,
}

/// A stored action as its receipt describes it.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct Stored {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub dms_number: String,
    #[diesel(sql_type = Timestamptz)]
    pub received_at: DateTime<Utc>,
    #[diesel(sql_type = Bool)]
    pub late: bool,
    #[diesel(sql_type = Text)]
    pub receipt: String,
}

/// Why a cancellation was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelProblem {
    /// No such action of this registration body.
    NotFound,
    /// A cancellation cannot itself be cancelled.
    IsCancellation,
    AlreadyCancelled,
}

/// The outcome of submitting an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// Newly stored and confirmed.
    Created(Stored),
    /// The same body was already stored under this external id: here is its receipt.
    Replayed(Stored),
    /// The external id is taken by a different body.
    KeyReused,
    Cancel(CancelProblem),
    /// The address lies in a territory where registration actions are banned on that date.
    Restricted {
        legal_basis: String,
    },
}
