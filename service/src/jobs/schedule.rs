//! When a job runs: cron expressions in UTC (seconds first, the scheduler's own syntax), and
//! daily Kyiv wall-clock times. A Kyiv time is registered at both UTC times it can fall on
//! (UTC+2 in winter, UTC+3 in summer) and runs only at the one that is that time in Kyiv that
//! day, so it neither skips nor doubles across daylight-saving changes.

use chrono::{DateTime, Timelike, Utc};
use std::fmt;

/// A daily Kyiv wall-clock time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KyivDaily {
    pub hour: u32,
    pub minute: u32,
}

impl KyivDaily {
    /// `HH:MM`.
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

impl fmt::Display for KyivDaily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}

/// Why a cron expression was refused.
#[derive(Debug, thiserror::Error)]
#[error("not a cron expression with seconds first (sec min hour day month weekday): {0}")]
pub struct CronError(String);

/// Check `expr` with the parser and options the scheduler (tokio-cron-scheduler) uses, so that
/// a bad expression is refused at start-up rather than when the job is registered.
pub fn check_cron(expr: &str) -> Result<(), CronError> {
    croner::parser::CronParser::builder()
        .seconds(croner::parser::Seconds::Required)
        .dom_and_dow(true)
        .build()
        .parse(expr)
        .map(|_| ())
        .map_err(|e| CronError(e.to_string()))
}

/// One registration with the scheduler: a UTC cron, and for a Kyiv time the check that the
/// firing is that time in Kyiv today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trigger {
    pub cron: String,
    pub kyiv: Option<KyivDaily>,
}

impl Trigger {
    /// Whether a firing at `now` should run the job.
    pub fn is_due(&self, now: DateTime<Utc>) -> bool {
        self.kyiv.is_none_or(|daily| daily.is_due(now))
    }
}

/// A job's schedule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Schedule {
    pub utc_crons: Vec<String>,
    pub kyiv_daily: Vec<KyivDaily>,
}

impl Schedule {
    pub fn utc(crons: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Schedule {
            utc_crons: crons.into_iter().map(Into::into).collect(),
            kyiv_daily: Vec::new(),
        }
    }

    pub fn and_kyiv_daily(mut self, at: KyivDaily) -> Self {
        self.kyiv_daily.push(at);
        self
    }

    /// Everything to register with the scheduler.
    pub fn triggers(&self) -> Vec<Trigger> {
        let utc = self.utc_crons.iter().map(|cron| Trigger {
            cron: cron.clone(),
            kyiv: None,
        });
        let kyiv = self.kyiv_daily.iter().flat_map(|daily| {
            daily.utc_crons().into_iter().map(|cron| Trigger {
                cron,
                kyiv: Some(*daily),
            })
        });
        utc.chain(kyiv).collect()
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .utc_crons
            .iter()
            .map(|c| format!("cron \"{c}\" UTC"))
            .chain(self.kyiv_daily.iter().map(|d| format!("daily {d} Kyiv")))
            .collect();
        if parts.is_empty() {
            f.write_str("never")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn firings(day: &str, daily: KyivDaily) -> usize {
        Schedule::default()
            .and_kyiv_daily(daily)
            .triggers()
            .iter()
            .filter(|t| {
                let parts: Vec<&str> = t.cron.split(' ').collect();
                let at: DateTime<Utc> = format!("{day}T{:0>2}:{:0>2}:00Z", parts[2], parts[1])
                    .parse()
                    .unwrap();
                t.is_due(at)
            })
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
        assert_eq!(daily.to_string(), "01:30");
    }

    #[test]
    fn crons_are_checked_with_the_schedulers_rules() {
        for ok in ["0 */10 * * * *", "30 */10 * * * *", "0 55 20 * * *"] {
            assert!(check_cron(ok).is_ok(), "{ok}");
        }
        // Five fields (no seconds), nonsense, an hour out of range.
        for bad in ["*/10 * * * *", "every ten minutes", "0 0 25 * * *", ""] {
            assert!(check_cron(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn utc_triggers_always_run_kyiv_ones_only_at_the_kyiv_time() {
        let s = Schedule::utc(["0 */10 * * * *"]).and_kyiv_daily(KyivDaily {
            hour: 23,
            minute: 55,
        });
        let t = s.triggers();
        assert_eq!(t.len(), 3);
        let noon: DateTime<Utc> = "2026-01-15T12:00:00Z".parse().unwrap();
        assert!(t[0].is_due(noon));
        assert!(!t[1].is_due(noon) && !t[2].is_due(noon));
        assert_eq!(
            s.to_string(),
            "cron \"0 */10 * * * *\" UTC, daily 23:55 Kyiv"
        );
    }
}
