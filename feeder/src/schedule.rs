//! Scheduling in UTC with Kyiv wall-clock jobs: a job at HH:MM Kyiv time is registered at both
//! UTC times it can fall on (UTC+2 in winter, UTC+3 in summer) and runs only at the one that is
//! HH:MM in Kyiv that day, so it neither skips nor doubles across daylight-saving changes.

use chrono::{DateTime, Timelike, Utc};

/// A daily Kyiv wall-clock time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KyivDaily {
    pub hour: u32,
    pub minute: u32,
}

impl KyivDaily {
    pub fn parse(s: &str) -> Option<Self> {
        let (h, m) = s.split_once(':')?;
        let (hour, minute) = (h.parse().ok()?, m.parse().ok()?);
        (hour < 24 && minute < 60).then_some(KyivDaily { hour, minute })
    }

    /// Cron expressions (seconds first, UTC) for both candidate UTC times.
    pub fn utc_crons(self) -> Vec<String> {
        [2, 3]
            .iter()
            .map(|offset| format!("0 {} {} * * *", self.minute, (self.hour + 24 - offset) % 24))
            .collect()
    }

    /// Whether `now` (a firing of one of the crons) is this time in Kyiv.
    pub fn is_due(self, now: DateTime<Utc>) -> bool {
        let kyiv = now.with_timezone(&chrono_tz::Europe::Kyiv);
        kyiv.hour() == self.hour && kyiv.minute() == self.minute
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn firings(day: &str, daily: KyivDaily) -> usize {
        daily
            .utc_crons()
            .iter()
            .map(|c| {
                let parts: Vec<&str> = c.split(' ').collect();
                let at: DateTime<Utc> = format!("{day}T{:0>2}:{:0>2}:00Z", parts[2], parts[1])
                    .parse()
                    .unwrap();
                at
            })
            .filter(|at| daily.is_due(*at))
            .count()
    }

    #[test]
    fn the_daily_job_runs_exactly_once_a_day_across_daylight_saving_changes() {
        let daily = KyivDaily::parse("23:55").unwrap();
        assert_eq!(daily.utc_crons(), ["0 55 21 * * *", "0 55 20 * * *"]);
        // Winter, summer, and the days around both changes (2026-03-29 and 2026-10-25).
        for day in [
            "2026-01-15",
            "2026-07-01",
            "2026-03-28",
            "2026-03-29",
            "2026-03-30",
            "2026-10-24",
            "2026-10-25",
            "2026-10-26",
        ] {
            assert_eq!(firings(day, daily), 1, "{day}");
        }
        let winter: DateTime<Utc> = "2026-01-15T21:55:00Z".parse().unwrap();
        let summer: DateTime<Utc> = "2026-07-01T20:55:00Z".parse().unwrap();
        assert!(daily.is_due(winter) && daily.is_due(summer));
    }

    #[test]
    fn early_morning_times_wrap_around_midnight_utc() {
        let daily = KyivDaily::parse("01:30").unwrap();
        assert_eq!(daily.utc_crons(), ["0 30 23 * * *", "0 30 22 * * *"]);
        assert!(KyivDaily::parse("24:00").is_none());
    }
}
