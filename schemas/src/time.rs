//! Kyiv civil time: the procedure counts days in `Europe/Kyiv`, whatever the server's zone.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::Kyiv;

/// The Kyiv calendar day of an instant.
pub fn kyiv_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&Kyiv).date_naive()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn kyiv_day_changes_at_local_midnight_in_winter_and_summer() {
        let t = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        // Winter: UTC+2.
        assert_eq!(
            kyiv_date(t("2026-11-20T21:59:59Z")).to_string(),
            "2026-11-20"
        );
        assert_eq!(
            kyiv_date(t("2026-11-20T22:00:00Z")).to_string(),
            "2026-11-21"
        );
        // Summer: UTC+3.
        assert_eq!(
            kyiv_date(t("2026-07-01T20:59:59Z")).to_string(),
            "2026-07-01"
        );
        assert_eq!(
            kyiv_date(t("2026-07-01T21:00:00Z")).to_string(),
            "2026-07-02"
        );
    }
}
