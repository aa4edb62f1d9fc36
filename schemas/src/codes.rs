//! The registry of field codes: every value the `code` of a [`FieldError`] (`errors[].code` in a
//! problem+json answer) can take. [`FieldError::new`] accepts only a [`FieldCode`], so a new code
//! cannot reach a client without being added here, and [`FieldCode::ALL`] lists them all for the
//! integration guide's check (`api/tests/guide.rs`).
//!
//! [`FieldError`]: crate::FieldError
//! [`FieldError::new`]: crate::FieldError::new

use std::fmt;

macro_rules! field_codes {
    ($($(#[doc = $doc:literal])+ $variant:ident = $code:literal,)+) => {
        /// A stable machine-readable reason for one fault in a submitted document.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum FieldCode {
            $($(#[doc = $doc])+ $variant,)+
        }

        impl FieldCode {
            /// Every field code, in the order of this registry.
            pub const ALL: &'static [FieldCode] = &[$(FieldCode::$variant,)+];

            /// The code as it appears on the wire.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(FieldCode::$variant => $code,)+
                }
            }
        }
    };
}

field_codes! {
    // JSON Schema keywords (`Contract::validate`).
    /// A required member is missing.
    Required = "required",
    /// A member the schema does not define.
    UnknownMember = "unknown_member",
    /// Wrong JSON type.
    Type = "type",
    /// Not one of the allowed values.
    Enum = "enum",
    /// Not the one allowed value.
    Const = "const",
    /// Does not match the required pattern.
    Pattern = "pattern",
    /// Not a valid value of its format (date, uuid, …).
    Format = "format",
    /// Too short.
    MinLength = "min_length",
    /// Too long.
    MaxLength = "max_length",
    /// Too few members.
    MinProperties = "min_properties",
    /// Too many members.
    MaxProperties = "max_properties",
    /// A member that belongs to another kind of document (a `false` subschema).
    NotAllowed = "not_allowed",
    /// A number below its minimum.
    Minimum = "minimum",
    /// A number above its maximum.
    Maximum = "maximum",
    /// Any other schema rule, or a document that does not fit the typed model.
    Schema = "schema",
    /// A string holds a control character (U+0000–U+001F other than tab, line feed and
    /// carriage return, or U+007F); U+0000 in particular cannot be stored.
    ControlCharacter = "control_character",
    /// A member name appears twice in one object (parsers disagree on which one counts).
    DuplicateMember = "duplicate_member",
    // Identifiers (`IdError`).
    /// An identifier's check digit is wrong.
    CheckDigit = "check_digit",
    /// An identifier encodes a date that does not exist.
    ImpossibleDate = "impossible_date",
    // Cross-checks of a registration action (`RegistrationAction::from_valid_document`).
    /// The action date is later than the Kyiv day of receipt.
    InFuture = "in_future",
    /// A cancellation names its target by both (or neither) of `dms_number` and `action_id`.
    AmbiguousTarget = "ambiguous_target",
    /// A date is later than the action date.
    AfterActionDate = "after_action_date",
    /// УНЗР or РНОКПП does not encode the birth date.
    BirthDateMismatch = "birth_date_mismatch",
    /// The РНОКПП's 9th digit (odd for men, even for women) disagrees with `/person/sex`.
    SexMismatch = "sex_mismatch",
    /// A date (a document's issue, a death) is earlier than the birth date.
    BeforeBirth = "before_birth",
    /// A document's expiry date is earlier than its issue date.
    BeforeIssue = "before_issue",
    /// The document had expired before the action date.
    DocumentExpired = "document_expired",
    /// The citizenship does not fit the document (a citizen's passport without UKR, a residence
    /// permit or a refugee's certificate with UKR, a foreign passport of a stateless person).
    CitizenshipMismatch = "citizenship_mismatch",
    // The address against the codifier (intake).
    /// Not in the territorial codifier.
    KatottgUnknown = "katottg_unknown",
    /// Not a settlement or city district.
    KatottgNotSettlement = "katottg_not_settlement",
    /// Outside the registration body's hromada.
    AddressOutsideHromada = "address_outside_hromada",
    // The target of a cancellation (intake).
    /// No such action of this registration body.
    TargetNotFound = "target_not_found",
    /// The target is itself a cancellation.
    TargetIsCancellation = "target_is_cancellation",
    /// The target is already cancelled.
    TargetAlreadyCancelled = "target_already_cancelled",
    // Query parameters and the staff API.
    /// A number outside its allowed range.
    Range = "range",
    /// A search key that cannot be used.
    Invalid = "invalid",
    /// No registration body has this ЄДРПОУ.
    UnknownRegistrationBody = "unknown_registration_body",
    /// The end of a date range is before its start.
    BeforeFrom = "before_from",
    /// Not the КАТОТТГ of a hromada or a special-status city.
    NotAHromada = "not_a_hromada",
    /// Not a Трембіта client id of this registration body.
    ClientId = "client_id",
    /// A notifications cursor beyond the registration body's last notice.
    BeyondLastNotice = "beyond_last_notice",
    /// The value (e.g. an official's login) is already taken.
    Taken = "taken",
}

impl FieldCode {
    /// The code named by `text`, if it is one.
    pub fn parse(text: &str) -> Option<FieldCode> {
        FieldCode::ALL.iter().copied().find(|c| c.as_str() == text)
    }

    /// What the fault means, in Ukrainian (for `Accept-Language: uk`); the pointer says where.
    pub const fn message_uk(self) -> &'static str {
        match self {
            FieldCode::Required => "обов'язкове поле відсутнє",
            FieldCode::UnknownMember => "такого поля контракт не має",
            FieldCode::Type => "значення має не той тип",
            FieldCode::Enum => "значення не з переліку дозволених",
            FieldCode::Const => "значення має бути іншим (сталим)",
            FieldCode::Pattern => "значення не відповідає формату",
            FieldCode::Format => "значення не відповідає формату (дата, час або ідентифікатор)",
            FieldCode::MinLength => "значення закоротке або порожнє",
            FieldCode::MaxLength => "значення задовге",
            FieldCode::MinProperties => "об'єкт має замало полів",
            FieldCode::MaxProperties => "об'єкт має забагато полів",
            FieldCode::NotAllowed => "це поле не допускається для цієї дії",
            FieldCode::Minimum => "значення замале",
            FieldCode::Maximum => "значення завелике",
            FieldCode::Schema => "документ не відповідає схемі",
            FieldCode::ControlCharacter => "значення містить керівний символ",
            FieldCode::DuplicateMember => "поле повторюється в одному об'єкті",
            FieldCode::CheckDigit => "неправильна контрольна цифра",
            FieldCode::ImpossibleDate => "такої дати не існує",
            FieldCode::InFuture => "дата пізніша за сьогодні (за київським часом)",
            FieldCode::AmbiguousTarget => "ціль скасування названо двічі; назвіть одну",
            FieldCode::AfterActionDate => "дата пізніша за дату реєстраційної дії",
            FieldCode::BirthDateMismatch => "дата народження не збігається з датою в УНЗР",
            FieldCode::SexMismatch => {
                "9-та цифра РНОКПП (непарна для чоловіків, парна для жінок) суперечить статі"
            }
            FieldCode::BeforeBirth => "дата раніша за дату народження",
            FieldCode::BeforeIssue => "строк дії документа спливає раніше, ніж його видано",
            FieldCode::DocumentExpired => "строк дії документа сплив до дати реєстраційної дії",
            FieldCode::CitizenshipMismatch => "громадянство не відповідає типу документа",
            FieldCode::KatottgUnknown => "такого коду немає в кодифікаторі КАТОТТГ",
            FieldCode::KatottgNotSettlement => {
                "код має називати населений пункт або район у місті, а не більшу одиницю"
            }
            FieldCode::AddressOutsideHromada => {
                "адреса поза територіальною громадою органу реєстрації"
            }
            FieldCode::TargetNotFound => "такої дії цього органу реєстрації немає",
            FieldCode::TargetIsCancellation => "скасування не можна скасувати",
            FieldCode::TargetAlreadyCancelled => "цю дію вже скасовано",
            FieldCode::Range => "значення поза допустимими межами",
            FieldCode::Invalid => "неприпустиме значення",
            FieldCode::UnknownRegistrationBody => "такого органу реєстрації немає",
            FieldCode::BeforeFrom => "кінець періоду раніший за його початок",
            FieldCode::NotAHromada => "код має називати територіальну громаду",
            FieldCode::ClientId => {
                "ідентифікатор клієнта Трембіти має вигляд ІНСТАНС/КЛАС/ЧЛЕН/ПІДСИСТЕМА"
            }
            FieldCode::BeyondLastNotice => "курсор понад ваше останнє сповіщення",
            FieldCode::Taken => "значення вже зайняте",
        }
    }
}

impl fmt::Display for FieldCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<FieldCode> for String {
    fn from(code: FieldCode) -> Self {
        code.as_str().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case() {
        let mut seen = std::collections::BTreeSet::new();
        for code in FieldCode::ALL {
            let s = code.as_str();
            assert!(
                !s.is_empty()
                    && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                    && !s.starts_with('_')
                    && !s.ends_with('_'),
                "{s}"
            );
            assert!(seen.insert(s), "{s} is registered twice");
        }
    }
}
