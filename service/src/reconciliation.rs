//! Reconciliation for register vendors: a body lists its own actions (received in a period, or
//! one by `external_id`), cursor-paged, and reads a Kyiv day's digest — the count and a SHA-256
//! over the sorted `(external_id, body_sha256)` pairs of the actions received that day — so that
//! it compares a day with one call and drills down only when it differs. Both reads are audited.

use crate::{Actor, ServiceError, Services};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use dms_db::actions::reconcile::{self, OwnAction, OwnFilter};
use dms_schemas::{FieldCode, FieldError};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The most a listing page holds, and its default.
pub const MAX_LIMIT: i64 = 1000;
pub const DEFAULT_LIMIT: i64 = 100;

/// A listing's query as the caller sent it.
#[derive(Debug, Clone, Default)]
pub struct ListQuery<'a> {
    pub received_from: Option<&'a str>,
    pub received_to: Option<&'a str>,
    pub external_id: Option<&'a str>,
    pub after: Option<&'a str>,
    pub limit: Option<i64>,
}

fn instant(
    text: Option<&str>,
    pointer: &str,
    errors: &mut Vec<FieldError>,
) -> Option<DateTime<Utc>> {
    let t = text?;
    match DateTime::parse_from_rfc3339(t) {
        Ok(d) => Some(d.with_timezone(&Utc)),
        Err(_) => {
            errors.push(FieldError::new(
                pointer,
                FieldCode::Format,
                "must be an RFC 3339 date-time, e.g. 2026-11-20T00:00:00+02:00",
            ));
            None
        }
    }
}

impl ListQuery<'_> {
    /// The filter and page size, or every fault with its pointer.
    pub fn check(&self) -> Result<(OwnFilter, i64), ServiceError> {
        let mut errors = Vec::new();
        let received_from = instant(self.received_from, "/received_from", &mut errors);
        let received_to = instant(self.received_to, "/received_to", &mut errors);
        if let (Some(a), Some(b)) = (received_from, received_to) {
            if b < a {
                errors.push(FieldError::new(
                    "/received_to",
                    FieldCode::BeforeFrom,
                    "is before received_from",
                ));
            }
        }
        let after = match self.after.map(Uuid::parse_str) {
            Some(Err(_)) => {
                errors.push(FieldError::new(
                    "/after",
                    FieldCode::Format,
                    "must be the action_id of the last action of the previous page",
                ));
                None
            }
            Some(Ok(id)) => Some(id),
            None => None,
        };
        if let Some(e) = self.external_id {
            if e.is_empty() || e.len() > 128 {
                errors.push(FieldError::new(
                    "/external_id",
                    FieldCode::Range,
                    "must be 1–128 characters",
                ));
            }
        }
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            errors.push(FieldError::new(
                "/limit",
                FieldCode::Range,
                "must be between 1 and 1000",
            ));
        }
        if !errors.is_empty() {
            return Err(ServiceError::SchemaViolation(errors));
        }
        let filter = OwnFilter {
            received_from,
            received_to,
            external_id: self.external_id.map(str::to_owned),
            after,
        };
        Ok((filter, limit))
    }
}

/// The body's own actions in order of receipt, at most `limit`.
pub async fn list(
    services: &Services,
    actor: &Actor,
    filter: &OwnFilter,
    limit: i64,
) -> Result<Vec<OwnAction>, ServiceError> {
    let body = actor.registration_body().ok_or(ServiceError::Forbidden)?;
    let mut conn = services.conn().await?;
    let rows = reconcile::own_actions(&mut conn, body.id, filter, limit).await?;
    let event = actor.audit(
        "registration_action.list",
        None,
        serde_json::json!({"count": rows.len(), "by_external_id": filter.external_id.is_some()}),
    );
    dms_db::audit::record(&mut conn, &event).await?;
    Ok(rows)
}

/// A Kyiv day's digest of the body's actions received that day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayDigest {
    pub date: NaiveDate,
    pub count: usize,
    /// Hex SHA-256 of the lines `external_id TAB body_sha256 LF`, sorted by `external_id` byte
    /// for byte.
    pub sha256: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// The digest of `pairs` as [`DayDigest::sha256`] defines it (`pairs` sorted already).
pub fn digest<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> (usize, String) {
    let mut h = Sha256::new();
    let mut n = 0;
    for (external_id, body_sha256) in pairs {
        h.update(external_id.as_bytes());
        h.update(b"\t");
        h.update(hex::encode(body_sha256).as_bytes());
        h.update(b"\n");
        n += 1;
    }
    (n, hex::encode(h.finalize()))
}

/// The UTC bounds of a Kyiv calendar day (23, 24 or 25 hours long).
pub fn kyiv_day(date: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let start = |d: NaiveDate| {
        chrono_tz::Europe::Kyiv
            .from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    };
    Some((start(date)?, start(date.succ_opt()?)?))
}

/// The digest of the Kyiv day `date` (`YYYY-MM-DD`) for the calling body.
pub async fn day(
    services: &Services,
    actor: &Actor,
    date: &str,
) -> Result<DayDigest, ServiceError> {
    let body = actor.registration_body().ok_or(ServiceError::Forbidden)?;
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| {
        ServiceError::SchemaViolation(vec![FieldError::new(
            "/date",
            FieldCode::Format,
            "must be a Kyiv calendar day, YYYY-MM-DD",
        )])
    })?;
    let (from, to) = kyiv_day(date).ok_or_else(|| {
        ServiceError::SchemaViolation(vec![FieldError::new(
            "/date",
            FieldCode::Range,
            "is out of range",
        )])
    })?;
    let mut conn = services.conn().await?;
    let pairs = reconcile::pairs(&mut conn, body.id, from, to).await?;
    let (count, sha256) = digest(
        pairs
            .iter()
            .map(|p| (p.external_id.as_str(), p.body_sha256.as_slice())),
    );
    let event = actor.audit(
        "reconciliation.read",
        None,
        serde_json::json!({"date": date, "count": count}),
    );
    dms_db::audit::record(&mut conn, &event).await?;
    Ok(DayDigest {
        date,
        count,
        sha256,
        from,
        to,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_digest_is_the_guides_worked_example() {
        // docs/integration-guide.*.md, "Reconciliation": two actions of a day.
        let a = hex::decode("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
            .unwrap();
        let b = hex::decode("60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752")
            .unwrap();
        let (n, sha) = digest([("KHM-1", a.as_slice()), ("KHM-2", b.as_slice())]);
        assert_eq!(n, 2);
        let text = "KHM-1\t9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\nKHM-2\t60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752\n";
        assert_eq!(sha, hex::encode(Sha256::digest(text.as_bytes())));
        let (_, changed) = digest([("KHM-1", b.as_slice()), ("KHM-2", b.as_slice())]);
        assert_ne!(sha, changed, "one body's hash changes the day's digest");
    }

    #[test]
    fn kyiv_days_are_23_24_or_25_hours() {
        let hours = |d: &str| {
            let (a, b) = kyiv_day(NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap()).unwrap();
            (b - a).num_hours()
        };
        assert_eq!(hours("2026-11-20"), 24);
        assert_eq!(hours("2026-03-29"), 23);
        assert_eq!(hours("2026-10-25"), 25);
    }
}
