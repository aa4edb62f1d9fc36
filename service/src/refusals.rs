//! Refused callers are audited without letting an attacker choose how many rows, or how large:
//! the first refusal of a kind from a source in a minute is written in full (what it presented
//! and its path, truncated); the repeats of that minute are counted and written as one row when
//! the minute is over. The number of sources counted per minute is capped: beyond the cap,
//! refusals are counted together under one overflow source and written as one row.

use crate::{ServiceError, Services};
use dms_db::audit::AuditEvent;
use std::collections::HashMap;
use std::sync::Mutex;

/// The most characters of a caller-chosen text (a path, a presented client id) an audit row keeps.
pub const KEPT_CHARS: usize = 160;

/// Distinct (channel, source, kind) keys counted in one minute; beyond this, one overflow key.
pub const MAX_SOURCES_PER_MINUTE: usize = 1000;

/// The source under which refusals beyond [`MAX_SOURCES_PER_MINUTE`] are counted.
pub const OVERFLOW_SOURCE: &str = "(other sources)";

/// `text` cut to [`KEPT_CHARS`] characters, with a mark when it was cut.
pub fn truncated(text: &str) -> String {
    match text.char_indices().nth(KEPT_CHARS) {
        None => text.to_owned(),
        Some((at, _)) => format!("{}…", &text[..at]),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    channel: String,
    source: String,
    event: String,
}

#[derive(Debug, Default)]
struct Minute {
    /// Minutes since the epoch.
    at: i64,
    /// Refusals after the first, per key.
    repeats: HashMap<Key, u64>,
}

/// Counts of refusals per source and minute.
#[derive(Debug, Default)]
pub struct Refusals {
    current: Mutex<Minute>,
    /// Finished minutes' repeats, waiting to be written.
    finished: Mutex<Vec<(i64, Key, u64)>>,
}

fn minute_now() -> i64 {
    chrono::Utc::now().timestamp().div_euclid(60)
}

impl Refusals {
    /// Count one refusal; `true` when it is the first of its key this minute (write it in full).
    pub fn admit(&self, channel: &str, source: &str, event: &str) -> bool {
        self.admit_at(minute_now(), channel, source, event)
    }

    fn admit_at(&self, minute: i64, channel: &str, source: &str, event: &str) -> bool {
        let Ok(mut current) = self.current.lock() else {
            return false;
        };
        if current.at != minute {
            self.finish(&mut current, minute);
        }
        let mut key = Key {
            channel: channel.to_owned(),
            source: truncated(source),
            event: event.to_owned(),
        };
        if !current.repeats.contains_key(&key) && current.repeats.len() >= MAX_SOURCES_PER_MINUTE {
            key.source = OVERFLOW_SOURCE.to_owned();
        }
        match current.repeats.get_mut(&key) {
            Some(n) => {
                *n += 1;
                false
            }
            None => {
                let first = key.source != OVERFLOW_SOURCE;
                current.repeats.insert(key, u64::from(!first));
                first
            }
        }
    }

    fn finish(&self, current: &mut Minute, next: i64) {
        let done = std::mem::take(&mut current.repeats);
        let at = current.at;
        current.at = next;
        if let Ok(mut finished) = self.finished.lock() {
            finished.extend(
                done.into_iter()
                    .filter(|(_, n)| *n > 0)
                    .map(|(k, n)| (at, k, n)),
            );
        }
    }

    /// The repeats of minutes that are over, taken out for writing.
    fn take_finished(&self, now_minute: i64) -> Vec<(i64, Key, u64)> {
        if let Ok(mut current) = self.current.lock() {
            if current.at != now_minute {
                self.finish(&mut current, now_minute);
            }
        }
        self.finished
            .lock()
            .map(|mut f| std::mem::take(&mut *f))
            .unwrap_or_default()
    }
}

/// Write one audit row per source and kind for the repeats of every finished minute; returns
/// how many rows. Called periodically by the server and at shutdown.
pub async fn flush(services: &Services) -> Result<usize, ServiceError> {
    let rows = services.refusals.take_finished(minute_now());
    if rows.is_empty() {
        return Ok(0);
    }
    let mut conn = services.conn().await?;
    for (minute, key, repeats) in &rows {
        let start = chrono::DateTime::from_timestamp(minute * 60, 0).unwrap_or_default();
        let event = AuditEvent {
            actor_kind: "client".into(),
            actor_id: None,
            channel: key.channel.clone(),
            event: "auth.refusals_repeated".into(),
            target: None,
            request_id: None,
            details: serde_json::json!({
                "source": key.source,
                "refusal": key.event,
                "minute": start.to_rfc3339(),
                "repeats": repeats,
            }),
        };
        dms_db::audit::record(&mut conn, &event).await?;
    }
    Ok(rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_refusal_of_a_source_in_a_minute_is_written_and_repeats_are_counted() {
        let r = Refusals::default();
        assert!(r.admit_at(10, "token", "10.0.0.1", "auth.unknown_client"));
        for _ in 0..199 {
            assert!(!r.admit_at(10, "token", "10.0.0.1", "auth.unknown_client"));
        }
        // Another kind or source is written once of its own.
        assert!(r.admit_at(10, "token", "10.0.0.1", "rate_limited"));
        assert!(r.admit_at(10, "token", "10.0.0.2", "auth.unknown_client"));
        assert!(r.take_finished(10).is_empty(), "the minute is not over");
        // The next minute starts afresh; the last minute's repeats are handed over once.
        assert!(r.admit_at(11, "token", "10.0.0.1", "auth.unknown_client"));
        let done = r.take_finished(11);
        assert_eq!(done.len(), 1);
        assert_eq!(done[0].0, 10);
        assert_eq!(done[0].2, 199);
        assert!(r.take_finished(11).is_empty());
    }

    #[test]
    fn sources_beyond_the_cap_share_one_counter_and_no_rows_of_their_own() {
        let r = Refusals::default();
        let mut written = 0;
        for i in 0..(MAX_SOURCES_PER_MINUTE + 500) {
            if r.admit_at(
                5,
                "token",
                &format!("2001:db8::{i:x}"),
                "auth.unknown_client",
            ) {
                written += 1;
            }
        }
        assert_eq!(written, MAX_SOURCES_PER_MINUTE);
        let done = r.take_finished(6);
        let overflow: Vec<_> = done
            .iter()
            .filter(|(_, k, _)| k.source == OVERFLOW_SOURCE)
            .collect();
        assert_eq!(overflow.len(), 1);
        assert_eq!(overflow[0].2, 500);
    }

    #[test]
    fn caller_chosen_text_is_cut() {
        let long = "A".repeat(7000);
        let kept = truncated(&long);
        assert_eq!(kept.chars().count(), KEPT_CHARS + 1);
        assert_eq!(truncated("/v1/x"), "/v1/x");
        let cyrillic = "ї".repeat(500);
        assert!(truncated(&cyrillic).ends_with('…'));
    }
}
