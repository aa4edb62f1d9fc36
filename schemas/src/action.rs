//! The registration action as a typed value: what `registration-action.v1` describes, after the
//! schema has passed, with every identifier parsed and every cross-check applied.

use crate::codes::FieldCode;
use crate::contract::FieldError;
use crate::identifiers::{DocumentNumber, DocumentType, IdError, Katottg, Rnokpp, Unzr};
use chrono::NaiveDate;
use serde::Deserialize;
use uuid::Uuid;

/// Реєстраційна дія: what was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[cfg_attr(feature = "diesel", derive(diesel::AsExpression, diesel::FromSqlRow))]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
#[serde(rename_all = "snake_case")]
pub enum ActionType {
    DeclarationOfResidence,
    DeclarationOfStay,
    RegistrationOfResidence,
    RegistrationOfStay,
    DeregistrationOfResidence,
    DeregistrationOfStay,
    Cancellation,
}

impl ActionType {
    pub const ALL: [ActionType; 7] = [
        ActionType::DeclarationOfResidence,
        ActionType::DeclarationOfStay,
        ActionType::RegistrationOfResidence,
        ActionType::RegistrationOfStay,
        ActionType::DeregistrationOfResidence,
        ActionType::DeregistrationOfStay,
        ActionType::Cancellation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionType::DeclarationOfResidence => "declaration_of_residence",
            ActionType::DeclarationOfStay => "declaration_of_stay",
            ActionType::RegistrationOfResidence => "registration_of_residence",
            ActionType::RegistrationOfStay => "registration_of_stay",
            ActionType::DeregistrationOfResidence => "deregistration_of_residence",
            ActionType::DeregistrationOfStay => "deregistration_of_stay",
            ActionType::Cancellation => "cancellation",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

impl std::fmt::Display for ActionType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `registration_actions.action_type` (a CHECK-guarded text column) as this enum.
#[cfg(feature = "diesel")]
mod sql {
    use super::ActionType;
    use diesel::deserialize::{self, FromSql};
    use diesel::pg::{Pg, PgValue};
    use diesel::serialize::{self, Output, ToSql};
    use diesel::sql_types::Text;

    impl ToSql<Text, Pg> for ActionType {
        fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
            <str as ToSql<Text, Pg>>::to_sql(self.as_str(), out)
        }
    }

    impl FromSql<Text, Pg> for ActionType {
        fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
            let text = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
            ActionType::parse(&text).ok_or_else(|| format!("no action type {text:?}").into())
        }
    }
}

#[derive(Debug, Deserialize)]
struct Doc {
    external_id: String,
    action: ActionDoc,
    person: Option<PersonDoc>,
    address: Option<AddressDoc>,
    cancels: Option<CancelsDoc>,
    legal_representative: Option<RepresentativeDoc>,
}

#[derive(Debug, Deserialize)]
struct ActionDoc {
    #[serde(rename = "type")]
    kind: ActionType,
    date: NaiveDate,
    ground: Option<GroundDoc>,
    basis: Option<BasisDoc>,
}

#[derive(Debug, Deserialize)]
struct GroundDoc {
    date_of_death: Option<NaiveDate>,
}

#[derive(Debug, Deserialize)]
struct BasisDoc {
    date: Option<NaiveDate>,
}

#[derive(Debug, Deserialize)]
struct PersonDoc {
    unzr: Option<String>,
    rnokpp: Option<String>,
    sex: Option<String>,
    birth_date: NaiveDate,
    citizenship: Option<CitizenshipDoc>,
    document: DocumentDoc,
}

#[derive(Debug, Deserialize)]
struct CitizenshipDoc {
    countries: Option<Vec<String>>,
    stateless: Option<bool>,
}

#[derive(Debug, Deserialize)]
struct DocumentDoc {
    #[serde(rename = "type")]
    kind: DocumentType,
    number: String,
    issued_on: Option<NaiveDate>,
    expires_on: Option<NaiveDate>,
}

#[derive(Debug, Deserialize)]
struct RepresentativeDoc {
    unzr: Option<String>,
    rnokpp: Option<String>,
    document: Option<DocumentDoc>,
}

#[derive(Debug, Deserialize)]
struct AddressDoc {
    katottg: String,
}

#[derive(Debug, Deserialize)]
struct CancelsDoc {
    dms_number: Option<String>,
    action_id: Option<Uuid>,
}

/// The keys by which the person of an action is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonKeys {
    pub unzr: Option<Unzr>,
    pub rnokpp: Option<Rnokpp>,
    pub birth_date: NaiveDate,
    pub document: DocumentNumber,
}

impl PersonKeys {
    /// The stable key a person is stored under: the УНЗР when known, else the document.
    pub fn person_key(&self) -> String {
        match &self.unzr {
            Some(u) => unzr_key(u),
            None => document_key(&self.document),
        }
    }
}

/// The person key of someone known by their УНЗР.
pub fn unzr_key(unzr: &Unzr) -> String {
    format!("unzr:{}", unzr.as_str())
}

/// The person key of someone known only by a document.
pub fn document_key(document: &DocumentNumber) -> String {
    format!("doc:{}:{}", document.kind().as_str(), document.as_str())
}

/// The earlier action a cancellation refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CancelTarget {
    DmsNumber(String),
    ActionId(Uuid),
}

/// What the action is about: a person at an address, or an earlier action it cancels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    Person {
        person: PersonKeys,
        katottg: Katottg,
    },
    Cancellation(CancelTarget),
}

/// A registration action that passed the schema and every check that needs no storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationAction {
    pub external_id: String,
    pub action_type: ActionType,
    pub action_date: NaiveDate,
    pub subject: Subject,
}

fn id_error(pointer: &str, what: &str, e: &IdError) -> FieldError {
    FieldError::new(pointer, e.field_code(), format!("{what}: {e}"))
}

impl RegistrationAction {
    /// Turn a schema-valid document into a typed action. `today_kyiv` is the Kyiv calendar day
    /// of receipt: an action cannot be dated after it. Returns every problem found, not the first.
    pub fn from_valid_document(
        doc: &serde_json::Value,
        today_kyiv: NaiveDate,
    ) -> Result<Self, Vec<FieldError>> {
        let doc: Doc = serde_json::from_value(doc.clone()).map_err(|e| {
            vec![FieldError::new(
                "",
                FieldCode::Schema,
                format!("does not match the typed model: {e}"),
            )]
        })?;
        let mut errors = Vec::new();
        if doc.action.date > today_kyiv {
            errors.push(FieldError::new(
                "/action/date",
                FieldCode::InFuture,
                "is later than the Kyiv calendar day of receipt",
            ));
        }
        let subject = match (doc.action.kind, doc.person, doc.address, doc.cancels) {
            (ActionType::Cancellation, _, _, Some(c)) => {
                let target = match (c.dms_number, c.action_id) {
                    (Some(n), None) => Some(CancelTarget::DmsNumber(n)),
                    (None, Some(id)) => Some(CancelTarget::ActionId(id)),
                    _ => {
                        errors.push(FieldError::new(
                            "/cancels",
                            FieldCode::AmbiguousTarget,
                            "must name the cancelled action by exactly one of dms_number or action_id",
                        ));
                        None
                    }
                };
                target.map(Subject::Cancellation)
            }
            (_, Some(p), Some(a), None) => {
                let birth_date = p.birth_date;
                let person = check_person(p, doc.action.date, &mut errors);
                check_action_dates(&doc.action, birth_date, &mut errors);
                if let Some(r) = &doc.legal_representative {
                    check_representative(r, doc.action.date, &mut errors);
                }
                let katottg = Katottg::parse(&a.katottg)
                    .map_err(|e| errors.push(id_error("/address/katottg", "КАТОТТГ", &e)))
                    .ok();
                match (person, katottg) {
                    (Some(person), Some(katottg)) => Some(Subject::Person { person, katottg }),
                    _ => None,
                }
            }
            _ => {
                errors.push(FieldError::new(
                    "",
                    FieldCode::Schema,
                    "members do not fit the action type",
                ));
                None
            }
        };
        match subject {
            Some(subject) if errors.is_empty() => Ok(RegistrationAction {
                external_id: doc.external_id,
                action_type: doc.action.kind,
                action_date: doc.action.date,
                subject,
            }),
            _ => Err(errors),
        }
    }
}

fn check_person(
    p: PersonDoc,
    action_date: NaiveDate,
    errors: &mut Vec<FieldError>,
) -> Option<PersonKeys> {
    let before = errors.len();
    if p.birth_date > action_date {
        errors.push(FieldError::new(
            "/person/birth_date",
            FieldCode::AfterActionDate,
            "is later than the action date",
        ));
    }
    let unzr = match p.unzr.as_deref().map(Unzr::parse) {
        Some(Ok(u)) => {
            if u.birth_date() != Some(p.birth_date) {
                errors.push(FieldError::new(
                    "/person/unzr",
                    FieldCode::BirthDateMismatch,
                    "УНЗР does not encode /person/birth_date in its first eight digits",
                ));
            }
            Some(u)
        }
        Some(Err(e)) => {
            errors.push(id_error("/person/unzr", "УНЗР", &e));
            None
        }
        None => None,
    };
    let rnokpp = match p.rnokpp.as_deref().map(Rnokpp::parse) {
        Some(Ok(r)) => {
            if r.birth_date() != Some(p.birth_date) {
                errors.push(FieldError::new(
                    "/person/rnokpp",
                    FieldCode::BirthDateMismatch,
                    "РНОКПП does not encode /person/birth_date in its first five digits",
                ));
            }
            let male = match p.sex.as_deref() {
                Some("male") => Some(true),
                Some("female") => Some(false),
                _ => None,
            };
            if male.is_some_and(|m| m != r.is_male()) {
                errors.push(FieldError::new(
                    "/person/rnokpp",
                    FieldCode::SexMismatch,
                    "the 9th digit of РНОКПП is odd for men and even for women; /person/sex says otherwise",
                ));
            }
            Some(r)
        }
        Some(Err(e)) => {
            errors.push(id_error("/person/rnokpp", "РНОКПП", &e));
            None
        }
        None => None,
    };
    check_citizenship(&p, errors);
    let document = check_document(
        "/person/document",
        &p.document,
        Some((p.birth_date, "/person/birth_date")),
        action_date,
        errors,
    );
    match document {
        Some(document) if errors.len() == before => Some(PersonKeys {
            unzr,
            rnokpp,
            birth_date: p.birth_date,
            document,
        }),
        _ => None,
    }
}

mod checks;
use checks::{check_action_dates, check_citizenship, check_document, check_representative};

#[cfg(test)]
mod tests;
