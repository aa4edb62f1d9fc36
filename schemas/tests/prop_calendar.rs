//! Property tests of the working-day calendar (rule 5: the answer is due by the end of the third
//! working day after the day of receipt). The public holidays of the Labour Code art. 73 and the
//! rule that moves a weekend holiday to the next working day are modelled here independently.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use dms_schemas::calendar::{Calendar, Period};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 128,
        ..ProptestConfig::default()
    }
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

const FIRST_YEAR: i32 = 2015;
const LAST_YEAR: i32 = 2040;

// ---------------------------------------------------------------------------------------------
// Independent model.

/// Orthodox Easter by Gauss's formula for the Julian calendar, shifted by the 13 days between
/// the Julian and Gregorian calendars (1900–2099).
fn easter(year: i32) -> NaiveDate {
    let (a, b, c) = (year % 19, year % 4, year % 7);
    let d = (19 * a + 15) % 30;
    let e = (2 * b + 4 * c + 6 * d + 6) % 7;
    ymd(year, 3, 22) + Duration::days(i64::from(d + e) + 13)
}

/// Art. 73 public holidays in force in `year` (2015 onwards).
fn holidays(year: i32) -> BTreeSet<NaiveDate> {
    let mut md = vec![(1, 1), (3, 8), (5, 1), (6, 28), (8, 24)];
    if year <= 2022 {
        md.extend([(1, 7), (5, 9), (10, 14)]);
    }
    if year <= 2017 {
        md.push((5, 2));
    }
    if year >= 2017 {
        md.push((12, 25));
    }
    if year >= 2023 {
        md.extend([(5, 8), (7, 15), (10, 1)]);
    }
    let mut set: BTreeSet<NaiveDate> = md.into_iter().map(|(m, d)| ymd(year, m, d)).collect();
    set.insert(easter(year));
    set.insert(easter(year) + Duration::days(49));
    set
}

fn is_holiday(d: NaiveDate) -> bool {
    holidays(d.year()).contains(&d)
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Days off with no martial law: weekends, holidays, and for each holiday on a weekend the next
/// weekday that is neither a holiday nor already given for another holiday.
fn days_off_without_martial_law(from: NaiveDate, to: NaiveDate) -> BTreeSet<NaiveDate> {
    let mut off = BTreeSet::new();
    let mut moved = BTreeSet::new();
    let mut d = from - Duration::days(14);
    while d <= to {
        if is_weekend(d) || is_holiday(d) {
            off.insert(d);
        }
        if is_weekend(d) && is_holiday(d) {
            let mut m = d;
            while is_weekend(m) || is_holiday(m) || moved.contains(&m) {
                m += Duration::days(1);
            }
            moved.insert(m);
            off.insert(m);
        }
        d += Duration::days(1);
    }
    off
}

fn working_days_between(cal: &Calendar, after: NaiveDate, to: NaiveDate) -> u32 {
    let mut n = 0;
    let mut d = after + Duration::days(1);
    while d <= to {
        if cal.is_working_day(d) {
            n += 1;
        }
        d += Duration::days(1);
    }
    n
}

fn no_martial_law() -> Calendar {
    Calendar {
        martial_law: vec![],
        overrides: BTreeMap::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// Strategies.

fn day() -> impl Strategy<Value = NaiveDate> {
    let start = ymd(FIRST_YEAR, 1, 1);
    let days = (ymd(LAST_YEAR, 12, 31) - start).num_days();
    (0..=days).prop_map(move |n| start + Duration::days(n))
}

fn period() -> impl Strategy<Value = Period> {
    (day(), proptest::option::weighted(0.7, 0i64..900)).prop_map(|(from, len)| Period {
        from,
        to: len.map(|n| from + Duration::days(n)),
    })
}

/// Overrides near `around` (from a week before to three weeks after).
fn overrides_near(around: NaiveDate) -> impl Strategy<Value = BTreeMap<NaiveDate, bool>> {
    proptest::collection::btree_map(
        (-7i64..21).prop_map(move |n| around + Duration::days(n)),
        any::<bool>(),
        0..8,
    )
}

/// A received day and a calendar with random martial-law periods and overrides around it.
fn received_and_calendar() -> impl Strategy<Value = (NaiveDate, Calendar)> {
    day().prop_flat_map(|received| {
        (
            Just(received),
            proptest::collection::vec(period(), 0..3),
            overrides_near(received),
        )
            .prop_map(|(received, martial_law, overrides)| {
                (
                    received,
                    Calendar {
                        martial_law,
                        overrides,
                    },
                )
            })
    })
}

fn under(periods: &[Period], d: NaiveDate) -> bool {
    periods
        .iter()
        .any(|p| d >= p.from && p.to.is_none_or(|t| d <= t))
}

// ---------------------------------------------------------------------------------------------
// Deadlines.

proptest! {
    #![proptest_config(config())]

    #[test]
    fn answer_due_is_the_third_working_day_after_receipt((received, cal) in received_and_calendar()) {
        let due = cal.answer_due(received);
        prop_assert!(due > received);
        prop_assert!(cal.is_working_day(due), "{} → {} is not a working day", received, due);
        prop_assert_eq!(working_days_between(&cal, received, due), 3, "{} → {}", received, due);
    }

    #[test]
    fn nth_working_day_counts_exactly_n((received, cal) in received_and_calendar(), n in 0u32..8) {
        let d = cal.nth_working_day_after(received, n);
        prop_assert_eq!(working_days_between(&cal, received, d), n);
        if n == 0 {
            prop_assert_eq!(d, received);
        } else {
            prop_assert!(d > received);
            prop_assert!(cal.is_working_day(d));
        }
    }

    #[test]
    fn later_receipt_never_means_an_earlier_deadline(
        (received, cal) in received_and_calendar(),
        later_by in 0i64..10,
    ) {
        let later = received + Duration::days(later_by);
        prop_assert!(cal.answer_due(received) <= cal.answer_due(later));
    }

    #[test]
    fn without_overrides_the_deadline_is_at_most_ten_days_away(
        received in day(),
        martial_law in proptest::collection::vec(period(), 0..3),
    ) {
        let cal = Calendar { martial_law, overrides: BTreeMap::new() };
        let due = cal.answer_due(received);
        prop_assert!((due - received).num_days() <= 10, "{} → {}", received, due);
    }
}

// ---------------------------------------------------------------------------------------------
// Which days are working days.

proptest! {
    #![proptest_config(config())]

    #[test]
    fn weekends_are_never_working_days_without_an_override(
        d in day(),
        martial_law in proptest::collection::vec(period(), 0..3),
    ) {
        let cal = Calendar { martial_law, overrides: BTreeMap::new() };
        if is_weekend(d) {
            prop_assert!(!cal.is_working_day(d));
        }
    }

    #[test]
    fn holidays_are_days_off_outside_martial_law(year in FIRST_YEAR..=LAST_YEAR) {
        let cal = no_martial_law();
        for h in holidays(year) {
            prop_assert!(!cal.is_working_day(h), "holiday {} is a working day", h);
        }
    }

    /// Under martial law a day is a working day exactly when it is a weekday: holidays are
    /// ordinary days and no day off is moved. Away from the edges of the periods (a holiday
    /// before a period may still give its moved day off inside it), the rule holds exactly; far
    /// from any period, the peacetime rules hold exactly.
    #[test]
    fn martial_law_periods_switch_the_holiday_rules(
        d in day(),
        martial_law in proptest::collection::vec(period(), 1..3),
    ) {
        let window: Vec<NaiveDate> = (0..=10).map(|n| d - Duration::days(n)).collect();
        let cal = Calendar { martial_law: martial_law.clone(), overrides: BTreeMap::new() };
        if window.iter().all(|x| under(&martial_law, *x)) {
            prop_assert_eq!(cal.is_working_day(d), !is_weekend(d), "{} under martial law", d);
        } else if window.iter().all(|x| !under(&martial_law, *x)) {
            let off = days_off_without_martial_law(d, d);
            prop_assert_eq!(cal.is_working_day(d), !off.contains(&d), "{} in peacetime", d);
        }
    }

    #[test]
    fn overrides_win_and_touch_only_their_own_day(
        (received, cal) in received_and_calendar(),
        offset in -7i64..21,
        working in any::<bool>(),
    ) {
        let target = received + Duration::days(offset);
        let mut with = cal.clone();
        with.overrides.insert(target, working);
        prop_assert_eq!(with.is_working_day(target), working);
        for n in -10i64..30 {
            let other = received + Duration::days(n);
            if other != target {
                prop_assert_eq!(with.is_working_day(other), cal.is_working_day(other), "{}", other);
            }
        }
    }

    /// Declaring a day off inside (receipt, due] postpones the deadline; declaring a working day
    /// there never postpones it.
    #[test]
    fn overrides_move_the_deadline_the_right_way(
        (received, cal) in received_and_calendar(),
        offset in 1i64..8,
        working in any::<bool>(),
    ) {
        let due = cal.answer_due(received);
        let target = received + Duration::days(offset);
        let mut with = cal.clone();
        with.overrides.insert(target, working);
        let new_due = with.answer_due(received);
        if working {
            prop_assert!(new_due <= due);
        } else if target <= due && cal.is_working_day(target) {
            prop_assert!(new_due > due);
        } else {
            prop_assert_eq!(new_due, due);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Exhaustive checks against the model (cheap enough to cover every day of the range).

#[test]
fn peacetime_calendar_matches_the_art_73_model_every_day() {
    let cal = no_martial_law();
    let (from, to) = (ymd(FIRST_YEAR, 1, 1), ymd(LAST_YEAR, 12, 31));
    let off = days_off_without_martial_law(from, to);
    let mut d = from;
    while d <= to {
        assert_eq!(
            cal.is_working_day(d),
            !off.contains(&d),
            "{d} ({})",
            d.weekday()
        );
        d += Duration::days(1);
    }
}

#[test]
fn default_calendar_is_martial_law_from_24_february_2022() {
    let cal = Calendar::default();
    assert!(cal.overrides.is_empty());
    // Well inside martial law: exactly the weekdays are working days.
    let mut d = ymd(2022, 3, 10);
    while d <= ymd(LAST_YEAR, 12, 31) {
        assert_eq!(cal.is_working_day(d), !is_weekend(d), "{d}");
        d += Duration::days(1);
    }
    // Before it: the peacetime rules.
    let off = days_off_without_martial_law(ymd(FIRST_YEAR, 1, 1), ymd(2022, 2, 23));
    let mut d = ymd(FIRST_YEAR, 1, 1);
    while d <= ymd(2022, 2, 23) {
        assert_eq!(cal.is_working_day(d), !off.contains(&d), "{d}");
        d += Duration::days(1);
    }
}

#[test]
fn easter_model_matches_known_dates() {
    for (y, m, d) in [
        (2016, 5, 1),
        (2021, 5, 2),
        (2023, 4, 16),
        (2024, 5, 5),
        (2026, 4, 12),
    ] {
        assert_eq!(easter(y), ymd(y, m, d));
    }
}
