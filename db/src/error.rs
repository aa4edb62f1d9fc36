//! Storage errors, split by what the caller can do about them.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The database cannot be reached or the connection broke: the outcome of an open
    /// transaction is unknown to the caller, who must answer "try again", never success.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Any other database failure: a bug or a constraint the caller did not expect.
    #[error("database error: {0}")]
    Query(#[from] DieselError),
}

impl DbError {
    /// True when the failure says "the database is not there" (connection lost, shutdown, pool
    /// exhausted) rather than "this query is wrong": the caller should answer 503 and let the
    /// client retry, which idempotency makes safe.
    pub fn is_unavailable(&self) -> bool {
        use DatabaseErrorKind as K;
        match self {
            DbError::Unavailable(_) => true,
            DbError::Query(DieselError::DatabaseError(kind, info)) => match kind {
                K::UnableToSendCommand | K::ClosedConnection | K::SerializationFailure => true,
                K::Unknown => {
                    let msg = info.message();
                    msg.contains("terminating connection")
                        || msg.contains("the database system is")
                        || msg.contains("connection")
                        || msg.contains("canceling statement")
                }
                _ => false,
            },
            DbError::Query(
                DieselError::BrokenTransactionManager | DieselError::RollbackErrorOnCommit { .. },
            ) => true,
            DbError::Query(_) => false,
        }
    }

    /// True for a unique violation on the named constraint.
    pub fn is_unique_violation(&self, constraint: &str) -> bool {
        matches!(self, DbError::Query(e) if unique_violation_on(e, constraint))
    }
}

pub(crate) fn unique_violation_on(e: &DieselError, constraint: &str) -> bool {
    matches!(e, DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info)
        if info.constraint_name() == Some(constraint))
}
