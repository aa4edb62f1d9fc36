//! Staff reports (supervisors and auditors): late submissions per registration body and Kyiv
//! day, daily volumes by action type, overdue answers per registration body.

use crate::{Actor, ServiceError, Services};
use chrono::NaiveDate;
use dms_db::enums::{ReportKind, StaffRole};
use dms_db::reports::ReportRow;
use dms_schemas::time::kyiv_date;
use dms_schemas::{FieldCode, FieldError};

/// The longest period one report covers, in days (so its rows stay bounded).
pub const MAX_DAYS: i64 = 366;

pub async fn report(
    services: &Services,
    actor: &Actor,
    kind: ReportKind,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<ReportRow>, ServiceError> {
    actor.require_staff(&[StaffRole::Supervisor, StaffRole::Auditor])?;
    let mut errors = Vec::new();
    if to < from {
        errors.push(FieldError::new(
            "/to",
            FieldCode::BeforeFrom,
            "is earlier than /from",
        ));
    } else if (to - from).num_days() >= MAX_DAYS {
        errors.push(FieldError::new(
            "/to",
            FieldCode::Range,
            "a report covers at most 366 days",
        ));
    }
    ServiceError::check(errors)?;
    let mut conn = services.conn().await?;
    let today = kyiv_date(chrono::Utc::now());
    let rows = dms_db::reports::report(&mut conn, kind, from, to, today).await?;
    let event = actor.audit(
        "report.read",
        Some(kind.as_str().to_owned()),
        serde_json::json!({"rows": rows.len()}),
    );
    dms_db::audit::record(&mut conn, &event).await?;
    Ok(rows)
}

/// The rows as CSV with a header line.
pub fn csv(rows: &[ReportRow]) -> String {
    let mut out = String::from("registration_body_edrpou,day,action_type,count\n");
    for r in rows {
        out.push_str(&format!(
            "{},{},{},{}\n",
            r.registration_body_edrpou,
            r.day.map(|d| d.to_string()).unwrap_or_default(),
            r.action_type.map(|t| t.as_str()).unwrap_or_default(),
            r.count
        ));
    }
    out
}
