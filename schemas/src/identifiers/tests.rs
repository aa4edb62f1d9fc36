#![allow(clippy::unwrap_used)]
use super::*;

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[test]
fn a_cyrillic_numeral_in_a_birth_certificate_series_is_the_latin_one() {
    let latin = DocumentNumber::parse(DocumentType::BirthCertificate, "IX-БК 123456").unwrap();
    // «І» (U+0406) and «Х» (U+0425), as registers type them.
    let cyrillic = DocumentNumber::parse(DocumentType::BirthCertificate, "ІХ-БК 123456").unwrap();
    assert_eq!(cyrillic, latin);
    assert_eq!(cyrillic.as_str(), "IX-БК 123456");
    assert!(DocumentNumber::parse(DocumentType::BirthCertificate, "ІІІІ-БК 123456").is_err());
    assert!(DocumentNumber::parse(DocumentType::BirthCertificate, "Б-БК 123456").is_err());
}

#[test]
fn unzr_vectors() {
    let u = Unzr::parse("19550212-01110").unwrap();
    assert_eq!(u.birth_date(), Some(date("1955-02-12")));
    assert_eq!(
        Unzr::parse("19900315-12346").unwrap().birth_date(),
        Some(date("1990-03-15"))
    );
    assert_eq!(Unzr::parse("19550212-01111"), Err(IdError::CheckDigit));
    assert_eq!(Unzr::parse("19550212-01119"), Err(IdError::CheckDigit));
    // 1955-02-30 does not exist; the check digit is right (sum 108 → 8).
    assert_eq!(Unzr::parse("19550230-01118"), Err(IdError::ImpossibleDate));
    assert!(matches!(
        Unzr::parse("1955021201110"),
        Err(IdError::Format(_))
    ));
    assert!(matches!(
        Unzr::parse("19550212-0111"),
        Err(IdError::Format(_))
    ));
    assert!(matches!(
        Unzr::parse("1955021a-01110"),
        Err(IdError::Format(_))
    ));
}

#[test]
fn rnokpp_vectors() {
    let r = Rnokpp::parse("1759013776").unwrap();
    // 17590 days after 1899-12-31.
    assert_eq!(r.birth_date(), Some(date("1948-02-28")));
    assert_eq!(
        Rnokpp::parse("3294631448").unwrap().birth_date(),
        Some(date("1990-03-15"))
    );
    assert_eq!(Rnokpp::parse("1759013777"), Err(IdError::CheckDigit));
    assert!(matches!(
        Rnokpp::parse("175901377"),
        Err(IdError::Format(_))
    ));
    assert!(matches!(
        Rnokpp::parse("17590137760"),
        Err(IdError::Format(_))
    ));
    // Day 1 is 1900-01-01.
    let first = (0..10)
        .map(|c| format!("000010000{c}"))
        .find_map(|s| Rnokpp::parse(&s).ok());
    assert_eq!(first.and_then(|r| r.birth_date()), Some(date("1900-01-01")));
}

#[test]
fn edrpou_vectors() {
    assert!(Edrpou::parse("32855961").is_ok());
    assert!(Edrpou::parse("04060772").is_ok());
    assert!(Edrpou::parse("00032684").is_ok());
    assert_eq!(Edrpou::parse("32855962"), Err(IdError::CheckDigit));
    assert_eq!(Edrpou::parse("04060773"), Err(IdError::CheckDigit));
    assert!(matches!(Edrpou::parse("0406077"), Err(IdError::Format(_))));
    assert!(matches!(Edrpou::parse("0406077x"), Err(IdError::Format(_))));
}

#[test]
fn edrpou_second_pass_when_remainder_is_ten() {
    // The smallest seven-digit prefix whose first-pass remainder is 10.
    let code = (0..10_000_000u32)
        .map(|n| format!("{n:07}"))
        .find(|p| {
            let d: Vec<u32> = p.chars().filter_map(|c| c.to_digit(10)).collect();
            let w: [u32; 7] = if (3..=5).contains(&d[0]) {
                [7, 1, 2, 3, 4, 5, 6]
            } else {
                [1, 2, 3, 4, 5, 6, 7]
            };
            d.iter().zip(w).map(|(x, w)| x * w).sum::<u32>() % 11 == 10
        })
        .unwrap();
    let valid: Vec<String> = (0..10)
        .map(|c| format!("{code}{c}"))
        .filter(|s| Edrpou::parse(s).is_ok())
        .collect();
    assert_eq!(valid.len(), 1, "exactly one check digit fits {code}");
    let d: Vec<u32> = code.chars().filter_map(|c| c.to_digit(10)).collect();
    let second: u32 = d
        .iter()
        .zip([3u32, 4, 5, 6, 7, 8, 9])
        .map(|(x, w)| x * w)
        .sum::<u32>()
        % 11
        % 10;
    assert_eq!(valid[0], format!("{code}{second}"));
}

#[test]
fn katottg_format() {
    let k = Katottg::parse("UA68040470010096613").unwrap();
    assert_eq!(k.hromada_prefix(), "6804047");
    assert!(Katottg::parse("UA6804047001009661").is_err());
    assert!(Katottg::parse("ua68040470010096613").is_err());
    assert!(Katottg::parse("UA6804047001009661X").is_err());
}

#[test]
fn document_numbers() {
    use DocumentType::*;
    assert!(DocumentNumber::parse(PassportBooklet, "НВ123456").is_ok());
    assert!(DocumentNumber::parse(PassportBooklet, "ЇҐ000001").is_ok());
    assert!(
        DocumentNumber::parse(PassportBooklet, "HB123456").is_err(),
        "Latin letters"
    );
    assert!(
        DocumentNumber::parse(PassportBooklet, "ЫЭ123456").is_err(),
        "not Ukrainian"
    );
    assert!(DocumentNumber::parse(PassportBooklet, "НВ12345").is_err());
    assert!(DocumentNumber::parse(IdCard, "004512876").is_ok());
    assert!(DocumentNumber::parse(IdCard, "00451287").is_err());
    assert!(DocumentNumber::parse(TemporaryResidencePermit, "900123456").is_ok());
    assert!(DocumentNumber::parse(PermanentResidencePermit, "90012345a").is_err());
    assert!(DocumentNumber::parse(BirthCertificate, "I-АБ 123456").is_ok());
    assert!(DocumentNumber::parse(BirthCertificate, "XIV-БВ 654321").is_ok());
    assert!(DocumentNumber::parse(BirthCertificate, "IIII-АБ 123456").is_err());
    assert!(DocumentNumber::parse(BirthCertificate, "I-АБ123456").is_err());
    assert!(DocumentNumber::parse(BirthCertificate, "I-AB 123456").is_err());
    assert!(DocumentNumber::parse(BirthCertificate, "АБ 123456").is_err());
}
