//! Identifier types: raw strings become typed values once, with their check digits verified.
//!
//! Each type can only be constructed through `parse`, so a value of the type is a valid identifier.

use chrono::NaiveDate;
use std::fmt;

/// Why an identifier was refused. `code()` is the stable machine-readable reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("wrong format ({0})")]
    Format(&'static str),
    #[error("wrong check digit")]
    CheckDigit,
    #[error("does not encode a real date")]
    ImpossibleDate,
}

impl IdError {
    pub fn code(&self) -> &'static str {
        self.field_code().as_str()
    }

    /// The code as registered in [`crate::codes`], for a [`crate::FieldError`].
    pub fn field_code(&self) -> crate::FieldCode {
        match self {
            IdError::Format(_) => crate::FieldCode::Format,
            IdError::CheckDigit => crate::FieldCode::CheckDigit,
            IdError::ImpossibleDate => crate::FieldCode::ImpossibleDate,
        }
    }
}

fn digits(s: &str) -> Option<Vec<u32>> {
    s.chars().map(|c| c.to_digit(10)).collect()
}

/// The day before day 1 of the РНОКПП day count.
fn rnokpp_epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1899, 12, 31).unwrap_or(NaiveDate::MIN)
}

/// УНЗР — унікальний номер запису в ЄДДР: `YYYYMMDD-NNNNC`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Unzr(String);

impl Unzr {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let b = s.as_bytes();
        if b.len() != 14 || b[8] != b'-' {
            return Err(IdError::Format("expected YYYYMMDD-NNNNC"));
        }
        let d = digits(&format!("{}{}", &s[..8], &s[9..]))
            .ok_or(IdError::Format("expected YYYYMMDD-NNNNC"))?;
        let sum: u32 = d[..12]
            .iter()
            .zip([7u32, 3, 1].iter().cycle())
            .map(|(x, w)| x * w)
            .sum();
        if sum % 10 != d[12] {
            return Err(IdError::CheckDigit);
        }
        let u = Unzr(s.to_owned());
        u.birth_date().ok_or(IdError::ImpossibleDate)?;
        Ok(u)
    }

    /// The birth date encoded in the first eight digits.
    pub fn birth_date(&self) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(&self.0[..8], "%Y%m%d").ok()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// РНОКПП — реєстраційний номер облікової картки платника податків: 10 digits,
/// the first five the day count of the birth date since 1899-12-31.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Rnokpp(String);

impl Rnokpp {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let d = digits(s)
            .filter(|d| d.len() == 10)
            .ok_or(IdError::Format("expected 10 digits"))?;
        let weights: [i64; 9] = [-1, 5, 7, 9, 4, 6, 10, 5, 7];
        let sum: i64 = d[..9]
            .iter()
            .zip(weights)
            .map(|(x, w)| i64::from(*x) * w)
            .sum();
        let check = sum.rem_euclid(11) % 10;
        if check != i64::from(d[9]) {
            return Err(IdError::CheckDigit);
        }
        Ok(Rnokpp(s.to_owned()))
    }

    /// The sex its 9th digit says: odd for men, even for women.
    pub fn is_male(&self) -> bool {
        self.0.as_bytes()[8] % 2 == 1
    }

    /// The birth date its first five digits encode.
    pub fn birth_date(&self) -> Option<NaiveDate> {
        let days: i64 = self.0[..5].parse().ok()?;
        rnokpp_epoch().checked_add_signed(chrono::Duration::days(days))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// ЄДРПОУ — код юридичної особи: 8 digits with a check digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Edrpou(String);

impl Edrpou {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let d = digits(s)
            .filter(|d| d.len() == 8)
            .ok_or(IdError::Format("expected 8 digits"))?;
        let base: [u32; 7] = if (3..=5).contains(&d[0]) {
            [7, 1, 2, 3, 4, 5, 6]
        } else {
            [1, 2, 3, 4, 5, 6, 7]
        };
        let weighted = |shift: u32| -> u32 {
            d[..7]
                .iter()
                .zip(base)
                .map(|(x, w)| x * (w + shift))
                .sum::<u32>()
                % 11
        };
        let mut rest = weighted(0);
        if rest == 10 {
            rest = weighted(2);
        }
        if rest % 10 != d[7] {
            return Err(IdError::CheckDigit);
        }
        Ok(Edrpou(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// КАТОТТГ — кодифікатор адміністративно-територіальних одиниць: `UA` + 17 digits.
/// Only the format can be checked here; existence and hierarchy come from the codifier table.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Katottg(String);

impl Katottg {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        match s.strip_prefix("UA") {
            Some(rest) if rest.len() == 17 && rest.bytes().all(|b| b.is_ascii_digit()) => {
                Ok(Katottg(s.to_owned()))
            }
            _ => Err(IdError::Format("expected UA and 17 digits")),
        }
    }

    /// The first seven digits (oblast, raion, hromada): the fallback containment rule.
    pub fn hromada_prefix(&self) -> &str {
        &self.0[2..9]
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Katottg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Kinds of identity documents a registration action may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentType {
    /// Паспорт громадянина України у формі книжечки.
    PassportBooklet,
    /// Паспорт громадянина України у формі ID-картки.
    IdCard,
    /// Свідоцтво про народження.
    BirthCertificate,
    /// Посвідка на постійне проживання.
    PermanentResidencePermit,
    /// Посвідка на тимчасове проживання.
    TemporaryResidencePermit,
    /// Паспорт громадянина України для виїзду за кордон.
    PassportForTravelAbroad,
    /// Паспортний документ іноземця (a foreign state's passport).
    ForeignPassport,
    /// Посвідчення біженця.
    RefugeeCertificate,
    /// Посвідчення особи, яка потребує додаткового захисту.
    AdditionalProtectionCertificate,
}

impl DocumentType {
    /// Every document type, in the order of the schema's enum.
    pub const ALL: [DocumentType; 9] = [
        DocumentType::PassportBooklet,
        DocumentType::IdCard,
        DocumentType::BirthCertificate,
        DocumentType::PermanentResidencePermit,
        DocumentType::TemporaryResidencePermit,
        DocumentType::PassportForTravelAbroad,
        DocumentType::ForeignPassport,
        DocumentType::RefugeeCertificate,
        DocumentType::AdditionalProtectionCertificate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DocumentType::PassportBooklet => "passport_booklet",
            DocumentType::IdCard => "id_card",
            DocumentType::BirthCertificate => "birth_certificate",
            DocumentType::PermanentResidencePermit => "permanent_residence_permit",
            DocumentType::TemporaryResidencePermit => "temporary_residence_permit",
            DocumentType::PassportForTravelAbroad => "passport_for_travel_abroad",
            DocumentType::ForeignPassport => "foreign_passport",
            DocumentType::RefugeeCertificate => "refugee_certificate",
            DocumentType::AdditionalProtectionCertificate => "additional_protection_certificate",
        }
    }

    /// The type named by `text`, if it is one.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == text)
    }

    /// The shape of this type's numbers in words (`expected …`), for messages.
    pub fn expected_number(self) -> &'static str {
        match self {
            DocumentType::PassportBooklet => "expected two Cyrillic capitals and six digits",
            DocumentType::BirthCertificate => {
                "expected a Roman numeral, a dash, two Cyrillic capitals, a space and six digits"
            }
            DocumentType::IdCard
            | DocumentType::PermanentResidencePermit
            | DocumentType::TemporaryResidencePermit => "expected nine digits",
            DocumentType::PassportForTravelAbroad => "expected two Latin capitals and six digits",
            DocumentType::ForeignPassport => "expected 1 to 20 Latin capitals and digits",
            DocumentType::RefugeeCertificate | DocumentType::AdditionalProtectionCertificate => {
                "expected up to three capitals (Cyrillic or Latin) and six to nine digits"
            }
        }
    }
}

/// Capital letters of the Ukrainian alphabet (series letters of passports and certificates).
fn is_ukrainian_capital(c: char) -> bool {
    matches!(c, 'А'..='Щ' | 'Ь' | 'Ю' | 'Я' | 'Ґ' | 'Є' | 'І' | 'Ї')
        && !matches!(c, 'Ы' | 'Ъ' | 'Э')
}

/// A Roman numeral from 1 to 39 in canonical form (birth certificate series prefix).
fn is_roman_numeral(s: &str) -> bool {
    const UNITS: [&str; 10] = ["", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX"];
    const TENS: [&str; 4] = ["", "X", "XX", "XXX"];
    (1..40).any(|n| format!("{}{}", TENS[n / 10], UNITS[n % 10]) == s)
}

/// A document number checked against the format of its document type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DocumentNumber {
    kind: DocumentType,
    number: String,
}

impl DocumentNumber {
    pub fn parse(kind: DocumentType, s: &str) -> Result<Self, IdError> {
        // A birth certificate's series numeral is Latin (I, V, X), but registers often type the
        // Cyrillic look-alikes «І» and «Х»: taken as the Latin letters, so that one certificate
        // is one number (and one person key) however it was typed.
        let canonical = match (kind, s.split_once('-')) {
            (DocumentType::BirthCertificate, Some((roman, rest))) => {
                let latin: String = roman
                    .chars()
                    .map(|c| match c {
                        'І' => 'I',
                        'Х' => 'X',
                        other => other,
                    })
                    .collect();
                format!("{latin}-{rest}")
            }
            _ => s.to_owned(),
        };
        let s = canonical.as_str();
        let chars: Vec<char> = s.chars().collect();
        let ok = match kind {
            DocumentType::PassportBooklet => {
                chars.len() == 8
                    && chars[..2].iter().all(|c| is_ukrainian_capital(*c))
                    && chars[2..].iter().all(char::is_ascii_digit)
            }
            DocumentType::IdCard
            | DocumentType::PermanentResidencePermit
            | DocumentType::TemporaryResidencePermit => {
                s.len() == 9 && s.bytes().all(|b| b.is_ascii_digit())
            }
            DocumentType::BirthCertificate => match s.split_once('-') {
                Some((roman, rest)) => {
                    let chars: Vec<char> = rest.chars().collect();
                    is_roman_numeral(roman)
                        && chars.len() == 9
                        && chars[..2].iter().all(|c| is_ukrainian_capital(*c))
                        && chars[2] == ' '
                        && chars[3..].iter().all(char::is_ascii_digit)
                }
                None => false,
            },
            DocumentType::PassportForTravelAbroad => {
                chars.len() == 8
                    && chars[..2].iter().all(char::is_ascii_uppercase)
                    && chars[2..].iter().all(char::is_ascii_digit)
            }
            DocumentType::ForeignPassport => {
                (1..=20).contains(&chars.len())
                    && chars
                        .iter()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            }
            DocumentType::RefugeeCertificate | DocumentType::AdditionalProtectionCertificate => {
                let letters = chars
                    .iter()
                    .take_while(|c| c.is_ascii_uppercase() || is_ukrainian_capital(**c))
                    .count();
                let digits = chars.len() - letters;
                letters <= 3
                    && (6..=9).contains(&digits)
                    && chars[letters..].iter().all(char::is_ascii_digit)
            }
        };
        if !ok {
            return Err(IdError::Format(kind.expected_number()));
        }
        Ok(DocumentNumber {
            kind,
            number: canonical,
        })
    }

    pub fn kind(&self) -> DocumentType {
        self.kind
    }

    pub fn as_str(&self) -> &str {
        &self.number
    }
}

#[cfg(test)]
mod tests;
