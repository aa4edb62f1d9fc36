//! Property tests of the identifier parsers against the published rules (DOMAIN: УНЗР, РНОКПП,
//! ЄДРПОУ, КАТОТТГ, document numbers). Check digits are computed here by an independent
//! implementation written from the rules, never by the code under test.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Datelike, Duration, NaiveDate};
use dms_schemas::{DocumentNumber, DocumentType, Edrpou, IdError, Katottg, Rnokpp, Unzr};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Independent reference implementations of the rules.

fn to_digits(s: &str) -> Vec<u32> {
    s.bytes().map(|b| u32::from(b - b'0')).collect()
}

fn from_digits(d: &[u32]) -> String {
    d.iter()
        .map(|x| char::from_digit(*x, 10).unwrap())
        .collect()
}

fn is_leap(y: u32) -> bool {
    (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400)
}

/// Whether eight digits YYYYMMDD name a day of the proleptic Gregorian calendar.
fn is_real_date(yyyymmdd: &[u32]) -> bool {
    let n = |r: std::ops::Range<usize>| yyyymmdd[r].iter().fold(0u32, |acc, d| acc * 10 + d);
    let (y, m, d) = (n(0..4), n(4..6), n(6..8));
    let days_in_month = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days_in_month).contains(&d)
}

/// УНЗР: weights 7, 3, 1 repeated over the 12 digits, sum mod 10.
fn unzr_check(d12: &[u32]) -> u32 {
    let weights = [7, 3, 1, 7, 3, 1, 7, 3, 1, 7, 3, 1];
    d12.iter().zip(weights).map(|(d, w)| d * w).sum::<u32>() % 10
}

fn unzr_string(d13: &[u32]) -> String {
    let s = from_digits(d13);
    format!("{}-{}", &s[..8], &s[8..])
}

/// РНОКПП: w = −1,5,7,9,4,6,10,5,7; (Σ mod 11) mod 10. −1 ≡ 10 (mod 11), so the remainder can be
/// computed with non-negative weights.
fn rnokpp_remainder(d9: &[u32]) -> u32 {
    let weights = [10, 5, 7, 9, 4, 6, 10, 5, 7];
    d9.iter().zip(weights).map(|(d, w)| d * w).sum::<u32>() % 11
}

fn rnokpp_valid(d10: &[u32]) -> bool {
    rnokpp_remainder(&d10[..9]) % 10 == d10[9]
}

/// ЄДРПОУ: weights 1..7, or 7,1,2,3,4,5,6 when the first digit is 3, 4 or 5; a remainder of 10
/// means: add 2 to every weight and compute again; the check digit is the remainder mod 10.
fn edrpou_check(d7: &[u32]) -> u32 {
    let first: Vec<u32> = if (3..=5).contains(&d7[0]) {
        vec![7, 1, 2, 3, 4, 5, 6]
    } else {
        (1..=7).collect()
    };
    let rem = |ws: &[u32]| d7.iter().zip(ws).map(|(d, w)| d * w).sum::<u32>() % 11;
    let mut r = rem(&first);
    if r == 10 {
        let second: Vec<u32> = first.iter().map(|w| w + 2).collect();
        r = rem(&second);
    }
    r % 10
}

fn edrpou_valid(d8: &[u32]) -> bool {
    edrpou_check(&d8[..7]) == d8[7]
}

const UKRAINIAN_CAPITALS: &str = "АБВГҐДЕЄЖЗИІЇЙКЛМНОПРСТУФХЦЧШЩЬЮЯ";

fn is_ukrainian_capital(c: char) -> bool {
    UKRAINIAN_CAPITALS.contains(c)
}

/// Canonical Roman numeral of `n` (1..=3999).
fn roman(mut n: u32) -> String {
    let table = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut out = String::new();
    for (value, numeral) in table {
        while n >= value {
            out.push_str(numeral);
            n -= value;
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Strategies.

fn digit() -> impl Strategy<Value = u32> {
    0u32..10
}

/// A birth date from 1900 to 2099.
fn birth_date() -> impl Strategy<Value = NaiveDate> {
    let start = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap();
    (0i64..73_049).prop_map(move |n| start + Duration::days(n))
}

fn valid_unzr() -> impl Strategy<Value = (String, NaiveDate)> {
    (birth_date(), proptest::collection::vec(digit(), 4)).prop_map(|(date, seq)| {
        let mut d = to_digits(&date.format("%Y%m%d").to_string());
        d.extend(seq);
        d.push(unzr_check(&d));
        (unzr_string(&d), date)
    })
}

fn valid_rnokpp() -> impl Strategy<Value = String> {
    proptest::collection::vec(digit(), 9).prop_map(|mut d| {
        d.push(rnokpp_remainder(&d) % 10);
        from_digits(&d)
    })
}

fn valid_edrpou() -> impl Strategy<Value = String> {
    proptest::collection::vec(digit(), 7).prop_map(|mut d| {
        d.push(edrpou_check(&d));
        from_digits(&d)
    })
}

/// Arbitrary text biased towards what the parsers look at: digits, dashes, spaces, Cyrillic.
fn nasty_string() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9\\-]{0,20}",
        "UA[0-9]{15,19}",
        "[0-9]{8}-[0-9]{4,6}",
        "[IVXLC]{0,5}-[А-ЯҐЄІЇA-Za-z]{0,3} ?[0-9]{0,8}",
        "[А-ЯЁҐЄІЇЪЫЭа-яA-Z]{0,3}[0-9٠-٩０-９]{0,9}",
        proptest::collection::vec(any::<char>(), 0..20).prop_map(|v| v.into_iter().collect()),
    ]
}

fn document_type() -> impl Strategy<Value = DocumentType> {
    proptest::sample::select(DocumentType::ALL.to_vec())
}

/// Strings shaped like some document number or nearly so (Cyrillic look-alikes, Latin capitals,
/// wrong lengths), besides [`nasty_string`].
fn number_like() -> impl Strategy<Value = String> {
    prop_oneof![
        nasty_string(),
        "[IVXІХL]{0,6}-[А-ЯҐЄІЇA-Z]{2} [0-9]{6}",
        "[A-ZА-ЯҐЄІЇЫ]{0,4}[0-9]{5,10}",
        "[A-Za-z0-9<]{0,22}",
    ]
}

fn replace_digit(d: &[u32], at: usize, by: u32) -> Vec<u32> {
    let mut m = d.to_vec();
    m[at] = by;
    m
}

// ---------------------------------------------------------------------------------------------
// УНЗР

proptest! {
    #![proptest_config(config())]

    #[test]
    fn unzr_with_correct_check_digit_is_accepted((s, date) in valid_unzr()) {
        let u = Unzr::parse(&s).expect("valid by the rules");
        prop_assert_eq!(u.as_str(), s.as_str());
        prop_assert_eq!(u.birth_date(), Some(date));
        // Round trip.
        prop_assert_eq!(Unzr::parse(u.as_str()), Ok(u.clone()));
    }

    #[test]
    fn unzr_single_digit_change_is_refused(
        (s, _) in valid_unzr(),
        at in 0usize..13,
        by in digit(),
    ) {
        let d: Vec<u32> = to_digits(&s.replace('-', ""));
        prop_assume!(d[at] != by);
        // Every weight (7, 3, 1 and 1 for the check digit) is prime to 10: always caught.
        let changed = unzr_string(&replace_digit(&d, at, by));
        let r = Unzr::parse(&changed);
        prop_assert!(
            matches!(r, Err(IdError::CheckDigit | IdError::ImpossibleDate)),
            "{} accepted or misreported: {:?}", changed, r
        );
    }

    #[test]
    fn unzr_adjacent_transposition_is_refused_unless_digits_differ_by_five(
        (s, _) in valid_unzr(),
        at in 0usize..12,
    ) {
        let d: Vec<u32> = to_digits(&s.replace('-', ""));
        prop_assume!(d[at] != d[at + 1]);
        let mut t = d.clone();
        t.swap(at, at + 1);
        let r = Unzr::parse(&unzr_string(&t));
        // Adjacent weights differ by 4, 2 or 6 (and the check digit behaves likewise), so a swap
        // goes unnoticed exactly when the two digits differ by 5.
        if d[at].abs_diff(d[at + 1]) != 5 {
            prop_assert!(r.is_err(), "transposition at {} accepted", at);
        } else if is_real_date(&t[..8]) {
            prop_assert!(r.is_ok(), "the algorithm cannot catch this transposition: {:?}", r);
        }
    }

    #[test]
    fn unzr_date_part_must_be_a_real_date(d12 in proptest::collection::vec(digit(), 12)) {
        let mut d = d12;
        d.push(unzr_check(&d));
        let s = unzr_string(&d);
        let r = Unzr::parse(&s);
        if is_real_date(&d[..8]) {
            let u = r.expect("real date, right check digit");
            let date = u.birth_date().unwrap();
            prop_assert_eq!(date.format("%Y%m%d").to_string(), s[..8].to_owned());
        } else {
            prop_assert_eq!(r, Err(IdError::ImpossibleDate));
        }
    }

    #[test]
    fn unzr_wrong_shape_is_a_format_error(s in nasty_string()) {
        let b = s.as_bytes();
        let shaped = b.len() == 14
            && b[8] == b'-'
            && b.iter().enumerate().all(|(i, c)| i == 8 || c.is_ascii_digit());
        let r = Unzr::parse(&s);
        if !shaped {
            prop_assert!(matches!(r, Err(IdError::Format(_))), "{:?}: {:?}", s, r);
        } else {
            let d = to_digits(&s.replace('-', ""));
            prop_assert_eq!(r.is_ok(), unzr_check(&d[..12]) == d[12] && is_real_date(&d[..8]));
        }
    }

    #[test]
    fn unzr_dash_moved_or_missing_is_refused((s, _) in valid_unzr(), at in 0usize..14) {
        let plain = s.replace('-', "");
        prop_assert!(matches!(Unzr::parse(&plain), Err(IdError::Format(_))));
        if at != 8 {
            let mut moved = plain.clone();
            moved.insert(at.min(plain.len()), '-');
            prop_assert!(matches!(Unzr::parse(&moved), Err(IdError::Format(_))), "{}", moved);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// РНОКПП

proptest! {
    #![proptest_config(config())]

    #[test]
    fn rnokpp_with_correct_check_digit_is_accepted(s in valid_rnokpp()) {
        let r = Rnokpp::parse(&s).expect("valid by the rules");
        prop_assert_eq!(r.as_str(), s.as_str());
        prop_assert_eq!(Rnokpp::parse(r.as_str()), Ok(r.clone()));
    }

    #[test]
    fn rnokpp_birth_date_is_the_day_count(date in birth_date(), rest in proptest::collection::vec(digit(), 4)) {
        let epoch = NaiveDate::from_ymd_opt(1899, 12, 31).unwrap();
        let days = (date - epoch).num_days();
        prop_assume!((1..100_000).contains(&days));
        let mut d = to_digits(&format!("{days:05}"));
        d.extend(rest);
        d.push(rnokpp_remainder(&d) % 10);
        let r = Rnokpp::parse(&from_digits(&d)).expect("valid by the rules");
        prop_assert_eq!(r.birth_date(), Some(date));
    }

    #[test]
    fn rnokpp_single_digit_change_is_refused_where_caught(
        s in valid_rnokpp(),
        at in 0usize..10,
        by in digit(),
    ) {
        let d = to_digits(&s);
        prop_assume!(d[at] != by);
        let m = replace_digit(&d, at, by);
        let r = Rnokpp::parse(&from_digits(&m));
        if at == 9 {
            // The check digit itself: always caught.
            prop_assert_eq!(r, Err(IdError::CheckDigit));
        } else {
            // 11 is prime and no weight is 0 mod 11, so the remainder always changes; only the
            // final "mod 10" can hide it (remainders 0 and 10 give the same check digit).
            let (before, after) = (rnokpp_remainder(&d[..9]), rnokpp_remainder(&m[..9]));
            prop_assert_ne!(before, after);
            if before % 10 != after % 10 {
                prop_assert_eq!(r, Err(IdError::CheckDigit));
            } else {
                prop_assert!(r.is_ok());
            }
        }
    }

    #[test]
    fn rnokpp_adjacent_transposition_is_refused_where_caught(s in valid_rnokpp(), at in 0usize..9) {
        let d = to_digits(&s);
        prop_assume!(d[at] != d[at + 1]);
        let mut t = d.clone();
        t.swap(at, at + 1);
        let r = Rnokpp::parse(&from_digits(&t));
        prop_assert_eq!(r.is_ok(), rnokpp_valid(&t));
        if at < 8 {
            // Adjacent data weights differ mod 11, so only the 0/10 ambiguity can hide a swap.
            let (before, after) = (rnokpp_remainder(&d[..9]), rnokpp_remainder(&t[..9]));
            prop_assert_ne!(before, after);
            if before % 10 != after % 10 {
                prop_assert!(r.is_err());
            }
        }
    }

    #[test]
    fn rnokpp_accepts_exactly_ten_digits_with_the_right_check(s in nasty_string()) {
        let r = Rnokpp::parse(&s);
        if s.len() == 10 && s.bytes().all(|b| b.is_ascii_digit()) {
            prop_assert_eq!(r.is_ok(), rnokpp_valid(&to_digits(&s)));
            if r.is_err() {
                prop_assert_eq!(r, Err(IdError::CheckDigit));
            }
        } else {
            prop_assert!(matches!(r, Err(IdError::Format(_))), "{:?}: {:?}", s, r);
        }
    }

    #[test]
    fn rnokpp_birth_date_never_panics(d in proptest::collection::vec(digit(), 9)) {
        let mut d = d;
        d.push(rnokpp_remainder(&d) % 10);
        let r = Rnokpp::parse(&from_digits(&d)).unwrap();
        let epoch = NaiveDate::from_ymd_opt(1899, 12, 31).unwrap();
        let days = i64::from(d[..5].iter().fold(0u32, |a, x| a * 10 + x));
        prop_assert_eq!(r.birth_date(), Some(epoch + Duration::days(days)));
    }
}

// ---------------------------------------------------------------------------------------------
// ЄДРПОУ

proptest! {
    #![proptest_config(config())]

    #[test]
    fn edrpou_with_correct_check_digit_is_accepted(s in valid_edrpou()) {
        let e = Edrpou::parse(&s).expect("valid by the rules");
        prop_assert_eq!(e.as_str(), s.as_str());
        prop_assert_eq!(Edrpou::parse(e.as_str()), Ok(e.clone()));
    }

    #[test]
    fn edrpou_exactly_one_check_digit_fits(d7 in proptest::collection::vec(digit(), 7)) {
        let accepted: Vec<u32> = (0..10)
            .filter(|c| {
                let mut d = d7.clone();
                d.push(*c);
                Edrpou::parse(&from_digits(&d)).is_ok()
            })
            .collect();
        prop_assert_eq!(accepted, vec![edrpou_check(&d7)]);
    }

    #[test]
    fn edrpou_single_digit_change_is_refused_where_caught(
        s in valid_edrpou(),
        at in 0usize..8,
        by in digit(),
    ) {
        let d = to_digits(&s);
        prop_assume!(d[at] != by);
        let m = replace_digit(&d, at, by);
        let r = Edrpou::parse(&from_digits(&m));
        prop_assert_eq!(r.is_ok(), edrpou_valid(&m));
        if at == 7 {
            prop_assert_eq!(r, Err(IdError::CheckDigit));
        }
    }

    #[test]
    fn edrpou_adjacent_transposition_matches_the_rule(s in valid_edrpou(), at in 0usize..7) {
        let d = to_digits(&s);
        prop_assume!(d[at] != d[at + 1]);
        let mut t = d.clone();
        t.swap(at, at + 1);
        prop_assert_eq!(Edrpou::parse(&from_digits(&t)).is_ok(), edrpou_valid(&t));
    }

    #[test]
    fn edrpou_accepts_exactly_eight_digits_with_the_right_check(s in nasty_string()) {
        let r = Edrpou::parse(&s);
        if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
            prop_assert_eq!(r.is_ok(), edrpou_valid(&to_digits(&s)));
        } else {
            prop_assert!(matches!(r, Err(IdError::Format(_))), "{:?}: {:?}", s, r);
        }
    }
}

#[test]
fn edrpou_reference_matches_published_vectors() {
    for code in ["32855961", "04060772", "00032684"] {
        assert!(edrpou_valid(&to_digits(code)), "reference: {code}");
        assert!(Edrpou::parse(code).is_ok(), "parser: {code}");
    }
}

#[test]
fn unzr_and_rnokpp_references_match_published_vectors() {
    for code in ["19550212-01110", "19900315-12346"] {
        let d = to_digits(&code.replace('-', ""));
        assert_eq!(unzr_check(&d[..12]), d[12], "{code}");
    }
    for code in ["1759013776", "3294631448"] {
        assert!(rnokpp_valid(&to_digits(code)), "{code}");
    }
}

// ---------------------------------------------------------------------------------------------
// КАТОТТГ

proptest! {
    #![proptest_config(config())]

    #[test]
    fn katottg_ua_and_seventeen_digits_is_accepted(digits in "[0-9]{17}") {
        let s = format!("UA{digits}");
        let k = Katottg::parse(&s).expect("right shape");
        prop_assert_eq!(k.as_str(), s.as_str());
        prop_assert_eq!(k.to_string(), s.clone());
        prop_assert_eq!(k.hromada_prefix(), &digits[..7]);
        prop_assert_eq!(Katottg::parse(k.as_str()), Ok(k.clone()));
    }

    #[test]
    fn katottg_anything_else_is_refused(s in nasty_string()) {
        let shaped = s.len() == 19
            && s.starts_with("UA")
            && s.bytes().skip(2).all(|b| b.is_ascii_digit());
        let r = Katottg::parse(&s);
        if shaped {
            prop_assert!(r.is_ok());
        } else {
            prop_assert!(matches!(r, Err(IdError::Format(_))), "{:?}: {:?}", s, r);
        }
    }

    #[test]
    fn katottg_wrong_prefix_or_length_is_refused(
        prefix in prop_oneof![Just("ua"), Just("Ua"), Just("uA"), Just("UK"), Just(""), Just("UAA")],
        digits in "[0-9]{17}",
        len in 0usize..25,
    ) {
        let wrong = format!("{prefix}{digits}");
        prop_assert!(Katottg::parse(&wrong).is_err());
        let n: String = "1".repeat(len);
        prop_assert_eq!(Katottg::parse(&format!("UA{n}")).is_ok(), len == 17);
    }
}

// ---------------------------------------------------------------------------------------------
// Document numbers

fn capital_pair() -> impl Strategy<Value = String> {
    let letters: Vec<char> = UKRAINIAN_CAPITALS.chars().collect();
    proptest::collection::vec(proptest::sample::select(letters), 2)
        .prop_map(|v| v.into_iter().collect())
}

/// Letters from the whole Cyrillic block and Latin, to mix Ukrainian, Russian-only and lookalikes.
fn any_letter() -> impl Strategy<Value = char> {
    prop_oneof![
        (0x400u32..0x500).prop_map(|c| char::from_u32(c).unwrap()),
        proptest::char::range('A', 'Z'),
        proptest::char::range('a', 'z'),
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn passport_booklet_two_ukrainian_capitals_and_six_digits(
        series in capital_pair(),
        number in "[0-9]{6}",
    ) {
        let s = format!("{series}{number}");
        let d = DocumentNumber::parse(DocumentType::PassportBooklet, &s).expect("valid");
        prop_assert_eq!(d.as_str(), s.as_str());
        prop_assert_eq!(d.kind(), DocumentType::PassportBooklet);
        // A booklet number is not an ID-card number, nor a birth certificate.
        prop_assert!(DocumentNumber::parse(DocumentType::IdCard, &s).is_err());
        prop_assert!(DocumentNumber::parse(DocumentType::BirthCertificate, &s).is_err());
    }

    #[test]
    fn passport_booklet_series_letters_must_be_ukrainian_capitals(
        a in any_letter(),
        b in any_letter(),
        number in "[0-9]{6}",
    ) {
        let s = format!("{a}{b}{number}");
        let ok = DocumentNumber::parse(DocumentType::PassportBooklet, &s).is_ok();
        prop_assert_eq!(ok, is_ukrainian_capital(a) && is_ukrainian_capital(b), "{}", s);
    }

    #[test]
    fn passport_booklet_wrong_digit_count_is_refused(series in capital_pair(), number in "[0-9]{0,12}") {
        let s = format!("{series}{number}");
        let r = DocumentNumber::parse(DocumentType::PassportBooklet, &s);
        prop_assert_eq!(r.is_ok(), number.len() == 6);
    }

    #[test]
    fn nine_digit_documents(
        kind in prop_oneof![
            Just(DocumentType::IdCard),
            Just(DocumentType::PermanentResidencePermit),
            Just(DocumentType::TemporaryResidencePermit),
        ],
        s in prop_oneof!["[0-9]{9}", nasty_string()],
    ) {
        let r = DocumentNumber::parse(kind, &s);
        let shaped = s.len() == 9 && s.bytes().all(|b| b.is_ascii_digit());
        prop_assert_eq!(r.is_ok(), shaped, "{:?}", s);
        if let Ok(d) = r {
            prop_assert_eq!(d.as_str(), s.as_str());
            prop_assert_eq!(d.kind(), kind);
        } else {
            prop_assert!(matches!(r, Err(IdError::Format(_))));
        }
    }

    #[test]
    fn birth_certificate_roman_dash_series_space_number(
        n in 1u32..40,
        series in capital_pair(),
        number in "[0-9]{6}",
    ) {
        let s = format!("{}-{series} {number}", roman(n));
        let d = DocumentNumber::parse(DocumentType::BirthCertificate, &s).expect("valid");
        prop_assert_eq!(d.as_str(), s.as_str());
        prop_assert_eq!(d.kind(), DocumentType::BirthCertificate);
        // Each separator is required.
        let no_space = s.replacen(' ', "", 1);
        prop_assert!(DocumentNumber::parse(DocumentType::BirthCertificate, &no_space).is_err());
        let no_dash = s.replacen('-', "", 1);
        prop_assert!(DocumentNumber::parse(DocumentType::BirthCertificate, &no_dash).is_err());
    }

    /// The series prefix is a canonical Roman numeral from 1 to 39 (as documented in the code).
    #[test]
    fn birth_certificate_prefix_must_be_a_canonical_roman_numeral(
        prefix in "[IVXLCM]{0,6}",
        series in capital_pair(),
        number in "[0-9]{6}",
    ) {
        let s = format!("{prefix}-{series} {number}");
        let canonical = (1..40).any(|n| roman(n) == prefix);
        let r = DocumentNumber::parse(DocumentType::BirthCertificate, &s);
        prop_assert_eq!(r.is_ok(), canonical, "{}", s);
    }

    #[test]
    fn birth_certificate_series_letters_must_be_ukrainian_capitals(
        a in any_letter(),
        b in any_letter(),
        number in "[0-9]{6}",
    ) {
        let s = format!("XII-{a}{b} {number}");
        let ok = DocumentNumber::parse(DocumentType::BirthCertificate, &s).is_ok();
        prop_assert_eq!(ok, is_ukrainian_capital(a) && is_ukrainian_capital(b), "{}", s);
    }

    #[test]
    fn document_numbers_never_panic_and_round_trip(kind in document_type(), s in nasty_string()) {
        if let Ok(d) = DocumentNumber::parse(kind, &s) {
            prop_assert_eq!(d.as_str(), s.as_str());
            prop_assert_eq!(d.kind(), kind);
            prop_assert_eq!(DocumentNumber::parse(kind, d.as_str()), Ok(d.clone()));
        }
    }

    /// Arbitrary input never panics any parser, and whatever is accepted round-trips.
    #[test]
    fn arbitrary_strings_never_panic(s in nasty_string()) {
        if let Ok(u) = Unzr::parse(&s) {
            prop_assert_eq!(u.as_str(), s.as_str());
            let date = u.birth_date().expect("an accepted УНЗР has a real date");
            prop_assert_eq!(date.year(), s[..4].parse::<i32>().unwrap());
        }
        if let Ok(r) = Rnokpp::parse(&s) {
            prop_assert_eq!(r.as_str(), s.as_str());
            prop_assert!(r.birth_date().is_some());
        }
        if let Ok(e) = Edrpou::parse(&s) {
            prop_assert_eq!(e.as_str(), s.as_str());
        }
        if let Ok(k) = Katottg::parse(&s) {
            prop_assert_eq!(k.as_str(), s.as_str());
        }
        for e in [Unzr::parse(&s).err(), Rnokpp::parse(&s).err(), Edrpou::parse(&s).err()]
            .into_iter()
            .flatten()
        {
            prop_assert!(!e.code().is_empty());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The schema's number pattern per type and the parser agree.

proptest! {
    #![proptest_config(config())]

    /// Whatever the number, the published schema refuses it at `/person/document/number`
    /// exactly when `DocumentNumber::parse` refuses it, for every document type.
    #[test]
    fn the_schema_pattern_and_the_parser_agree(kind in document_type(), number in number_like()) {
        static CONTRACT: std::sync::OnceLock<dms_schemas::Contract> = std::sync::OnceLock::new();
        let contract = CONTRACT.get_or_init(|| dms_schemas::Contract::registration_action_v1().unwrap());
        let doc = serde_json::json!({"external_id": "x",
            "action": {"type": "declaration_of_stay", "date": "2026-11-20"},
            "person": {"surname": "Гнатюк", "given_name": "Василь", "birth_date": "1972-01-23",
                       "document": {"type": kind.as_str(), "number": number}},
            "address": {"katottg": "UA68040470010096613", "building": "1"}});
        let faults = contract.validate(&doc);
        prop_assert!(faults.iter().all(|f| f.pointer == "/person/document/number"), "{:?}", faults);
        let parsed = DocumentNumber::parse(kind, &number).is_ok();
        prop_assert_eq!(faults.is_empty(), parsed, "{:?} {:?}: {:?}", kind, number, faults);
    }
}
