//! Data sets for ЄДДР as DMS staff follow them (supervisors and auditors read them), and the
//! supervisors' re-delivery of a data set the feeder gave up on: it goes back to `sealed`, its
//! attempts counted afresh and due at once, and the feeder's next run delivers it (ЄДДР takes
//! a data set idempotently by its sequence number).

use crate::{Actor, ServiceError, Services};
use diesel_async::AsyncConnection;
use dms_db::datasets::{self, DatasetRow};
use dms_db::enums::{DatasetState, StaffRole};

/// Who may read the data sets.
pub const READERS: &[StaffRole] = &[StaffRole::Supervisor, StaffRole::Auditor];

/// A page of data sets, newest first: those before sequence `before` (none: from the newest),
/// in `state` when given, at most `limit`. The reading is audited.
pub async fn list(
    services: &Services,
    actor: &Actor,
    state: Option<DatasetState>,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<DatasetRow>, ServiceError> {
    actor.require_staff(READERS)?;
    let mut conn = services.conn().await?;
    let rows = datasets::list(&mut conn, state, before, limit).await?;
    let event = actor.audit(
        "dataset.list",
        None,
        serde_json::json!({
            "state": state.map(|s| s.as_str()),
            "returned": rows.iter().map(|r| r.seq).collect::<Vec<_>>(),
        }),
    );
    dms_db::audit::record(&mut conn, &event).await?;
    Ok(rows)
}

/// One data set with its hashes and verdict counts; the reading is audited.
pub async fn detail(
    services: &Services,
    actor: &Actor,
    seq: i64,
) -> Result<DatasetRow, ServiceError> {
    actor.require_staff(READERS)?;
    let mut conn = services.conn().await?;
    let row = datasets::get(&mut conn, seq)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let event = actor.audit("dataset.view", Some(seq.to_string()), serde_json::json!({}));
    dms_db::audit::record(&mut conn, &event).await?;
    Ok(row)
}

/// Deliver a failed data set again (supervisors): back to `sealed` with its attempts reset and
/// due now, audited in the same transaction. `NotFound` for an unknown sequence,
/// `DatasetNotFailed` (and nothing changed) for one that is not failed.
pub async fn redeliver(
    services: &Services,
    actor: &Actor,
    seq: i64,
) -> Result<DatasetRow, ServiceError> {
    actor.require_staff(&[StaffRole::Supervisor])?;
    let mut conn = services.conn().await?;
    conn.transaction(async |tx| -> Result<_, ServiceError> {
        if !datasets::redeliver(tx, seq).await? {
            return Err(match datasets::get(tx, seq).await? {
                None => ServiceError::NotFound,
                Some(_) => ServiceError::DatasetNotFailed,
            });
        }
        let row = datasets::get(tx, seq)
            .await?
            .ok_or(ServiceError::Internal)?;
        let event = actor.audit(
            "dataset.redeliver",
            Some(seq.to_string()),
            serde_json::json!({"record_count": row.record_count}),
        );
        dms_db::audit::record(tx, &event).await?;
        Ok(row)
    })
    .await
}
