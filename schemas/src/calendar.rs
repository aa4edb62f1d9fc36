//! The working-day calendar for answer deadlines (rule 5: three working days from receipt).
//!
//! Weekends are days off. Public holidays follow the Labour Code, art. 73 — the list in force on
//! each date (it changed in 2017 and in 2023) — with Orthodox Easter and Trinity computed, and a
//! holiday on a weekend giving its day off to the next working day. Under martial law (from
//! 2022-02-24, Law 2136-IX) holidays are ordinary working days and nothing is moved; the periods
//! are data and can change. Explicit overrides (a supervisor's decision) win over every rule.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use std::collections::BTreeMap;

/// An inclusive date range; `to: None` is open-ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

impl Period {
    pub fn contains(&self, d: NaiveDate) -> bool {
        d >= self.from && self.to.is_none_or(|t| d <= t)
    }
}

fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

/// Orthodox Easter Sunday (Gregorian date), by the Julian computus; valid 1900–2099.
pub fn orthodox_easter(year: i32) -> Option<NaiveDate> {
    let (a, b, c) = (year % 4, year % 7, year % 19);
    let d = (19 * c + 15) % 30;
    let e = (2 * a + 4 * b - d + 34) % 7;
    let month = (d + e + 114) / 31;
    let day = (d + e + 114) % 31 + 1;
    ymd(year, month as u32, day as u32).map(|julian| julian + Duration::days(13))
}

/// The public holidays of art. 73 in force in `year`.
pub fn public_holidays(year: i32) -> Vec<NaiveDate> {
    let mut fixed: Vec<(u32, u32)> = vec![(1, 1), (3, 8), (5, 1), (6, 28), (8, 24)];
    if year >= 2023 {
        // Law 3144-IX: 8 May, 15 July, 1 October, 25 December; no 7 January, 9 May, 14 October.
        fixed.extend([(5, 8), (7, 15), (10, 1), (12, 25)]);
    } else {
        fixed.extend([(1, 7), (5, 9), (10, 14)]);
        if year >= 2017 {
            fixed.push((12, 25));
        }
        if year < 2018 {
            fixed.push((5, 2));
        }
    }
    let mut days: Vec<NaiveDate> = fixed
        .into_iter()
        .filter_map(|(m, d)| ymd(year, m, d))
        .collect();
    if let Some(easter) = orthodox_easter(year) {
        days.push(easter);
        days.push(easter + Duration::days(49));
    }
    days.sort();
    days.dedup();
    days
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// A day as the calendar sees it: working or not, and what made it so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayInfo {
    pub day: NaiveDate,
    pub working: bool,
    pub weekend: bool,
    /// A public holiday (under martial law it is a working day and nothing is moved).
    pub holiday: bool,
    pub martial_law: bool,
    /// A supervisor's decision: working (`true`) or a day off.
    pub overridden: Option<bool>,
}

/// Rules and data for deciding whether a day is a working day.
#[derive(Debug, Clone)]
pub struct Calendar {
    /// Periods when holidays are working days and nothing is moved.
    pub martial_law: Vec<Period>,
    /// Explicit decisions: `true` = working day, `false` = day off.
    pub overrides: BTreeMap<NaiveDate, bool>,
}

impl Default for Calendar {
    /// Martial law from 2022-02-24, open-ended; no overrides.
    fn default() -> Self {
        Calendar {
            martial_law: vec![Period {
                from: NaiveDate::from_ymd_opt(2022, 2, 24).unwrap_or(NaiveDate::MIN),
                to: None,
            }],
            overrides: BTreeMap::new(),
        }
    }
}

impl Calendar {
    fn under_martial_law(&self, d: NaiveDate) -> bool {
        self.martial_law.iter().any(|p| p.contains(d))
    }

    /// Days off of `year` from holidays: the holidays themselves and the weekdays that replace
    /// holidays falling on a weekend (outside martial law).
    fn holiday_days_off(&self, year: i32) -> Vec<NaiveDate> {
        let mut off: Vec<NaiveDate> = Vec::new();
        // Consider last year's late holidays too: 25 December on a Saturday moves into January.
        for y in [year - 1, year] {
            for h in public_holidays(y) {
                if self.under_martial_law(h) {
                    continue;
                }
                off.push(h);
                if is_weekend(h) {
                    let mut moved = h + Duration::days(1);
                    while is_weekend(moved)
                        || off.contains(&moved)
                        || public_holidays(moved.year()).contains(&moved)
                    {
                        moved += Duration::days(1);
                    }
                    off.push(moved);
                }
            }
        }
        off.retain(|d| d.year() == year);
        off
    }

    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        if let Some(explicit) = self.overrides.get(&d) {
            return *explicit;
        }
        !is_weekend(d) && !self.holiday_days_off(d.year()).contains(&d)
    }

    /// What the calendar says of a day and why (the staff console's month view).
    pub fn day_info(&self, d: NaiveDate) -> DayInfo {
        DayInfo {
            day: d,
            working: self.is_working_day(d),
            weekend: is_weekend(d),
            holiday: public_holidays(d.year()).contains(&d),
            martial_law: self.under_martial_law(d),
            overridden: self.overrides.get(&d).copied(),
        }
    }

    /// The `n`-th working day after `received` (counting starts the day after receipt).
    pub fn nth_working_day_after(&self, received: NaiveDate, n: u32) -> NaiveDate {
        let mut d = received;
        let mut counted = 0;
        while counted < n {
            d += Duration::days(1);
            if self.is_working_day(d) {
                counted += 1;
            }
        }
        d
    }

    /// Rule 5: the answer is due by the end of the third working day after the day of receipt.
    pub fn answer_due(&self, received: NaiveDate) -> NaiveDate {
        self.nth_working_day_after(received, 3)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn orthodox_easter_known_dates() {
        for (y, e) in [
            (2016, "2016-05-01"),
            (2021, "2021-05-02"),
            (2022, "2022-04-24"),
            (2023, "2023-04-16"),
            (2024, "2024-05-05"),
            (2025, "2025-04-20"),
            (2026, "2026-04-12"),
        ] {
            assert_eq!(orthodox_easter(y), Some(d(e)), "{y}");
        }
    }

    #[test]
    fn known_deadlines() {
        let cal = Calendar::default();
        let cases = [
            // Plain weekend: Friday → Wednesday.
            ("2026-11-20", "2026-11-25"),
            // Friday before Easter 2021 (before martial law): 1 May (Sat) and Easter (Sun) move
            // to Monday 3 and Tuesday 4 May; the third working day is Friday 7 May.
            ("2021-04-30", "2021-05-07"),
            // Friday before Easter 2025 (martial law): Easter Monday is a working day.
            ("2025-04-18", "2025-04-23"),
            // Christmas 2020 on Friday: Thursday 24th → Wednesday 30th.
            ("2020-12-24", "2020-12-30"),
            // Independence Day 2021 (Tuesday), before martial law: Friday 20th → Thursday 26th.
            ("2021-08-20", "2021-08-26"),
            // Independence Day 2025 (Sunday) under martial law: not moved.
            ("2025-08-22", "2025-08-27"),
        ];
        for (received, due) in cases {
            assert_eq!(cal.answer_due(d(received)), d(due), "received {received}");
        }
    }

    #[test]
    fn supervisor_overrides_win() {
        let mut cal = Calendar::default();
        assert_eq!(cal.answer_due(d("2026-11-20")), d("2026-11-25"));
        cal.overrides.insert(d("2026-11-23"), false); // a Monday declared a day off
        assert_eq!(cal.answer_due(d("2026-11-20")), d("2026-11-26"));
        cal.overrides.insert(d("2026-11-21"), true); // a Saturday declared a working day
        assert_eq!(cal.answer_due(d("2026-11-20")), d("2026-11-25"));
    }

    #[test]
    fn martial_law_is_a_changeable_period() {
        let mut cal = Calendar::default();
        // Received Friday 2026-04-10; Easter 2026-04-12 (Sun).
        assert_eq!(cal.answer_due(d("2026-04-10")), d("2026-04-15"));
        cal.martial_law[0].to = Some(d("2026-01-31"));
        // Without martial law Easter's day off moves to Monday 13th.
        assert_eq!(cal.answer_due(d("2026-04-10")), d("2026-04-16"));
    }

    #[test]
    fn property_due_date_is_three_working_days_later() {
        let cal = Calendar::default();
        let mut day = d("2019-01-01");
        while day < d("2027-12-31") {
            let due = cal.answer_due(day);
            assert!(due > day);
            assert!(cal.is_working_day(due), "{day} → {due}");
            let mut between = 0;
            let mut x = day + Duration::days(1);
            while x <= due {
                if cal.is_working_day(x) {
                    between += 1;
                }
                x += Duration::days(1);
            }
            assert_eq!(between, 3, "{day} → {due}");
            // At most 3 working days plus two weekends and the longest run of moved holidays.
            assert!((due - day).num_days() <= 10, "{day} → {due}");
            day += Duration::days(1);
        }
    }
}
