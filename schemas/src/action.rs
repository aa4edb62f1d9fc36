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

/// An identity document's number and dates, at `at` (`/person/document`,
/// `/legal_representative/document`): the number for its type; issued between the birth date
/// (when known) and the action date; expiring not before its issue and not before the action date
/// (a document that had expired on the day of the action could not have been used for it; a
/// historical action is judged on its own day, not on today).
fn check_document(
    at: &str,
    d: &DocumentDoc,
    birth_date: Option<(NaiveDate, &str)>,
    action_date: NaiveDate,
    errors: &mut Vec<FieldError>,
) -> Option<DocumentNumber> {
    let document = DocumentNumber::parse(d.kind, &d.number)
        .map_err(|e| errors.push(id_error(&format!("{at}/number"), "the document number", &e)))
        .ok();
    if let Some(issued) = d.issued_on {
        if let Some((_, whose)) = birth_date.filter(|(b, _)| issued < *b) {
            errors.push(FieldError::new(
                format!("{at}/issued_on"),
                FieldCode::BeforeBirth,
                format!("is earlier than {whose}"),
            ));
        }
        if issued > action_date {
            errors.push(FieldError::new(
                format!("{at}/issued_on"),
                FieldCode::AfterActionDate,
                "is later than the action date",
            ));
        }
    }
    if let Some(expires) = d.expires_on {
        if d.issued_on.is_some_and(|issued| expires < issued) {
            errors.push(FieldError::new(
                format!("{at}/expires_on"),
                FieldCode::BeforeIssue,
                "is earlier than the document's issued_on",
            ));
        } else if expires < action_date {
            errors.push(FieldError::new(
                format!("{at}/expires_on"),
                FieldCode::DocumentExpired,
                "the document had expired before the action date",
            ));
        }
    }
    document
}

/// Citizenship against the kind of document: the documents of a citizen of Ukraine (passports)
/// are held by citizens of Ukraine; residence permits and the certificates of refugees and of
/// persons in need of additional protection are issued to foreigners and stateless persons only;
/// a foreign passport is no stateless person's document.
fn check_citizenship(p: &PersonDoc, errors: &mut Vec<FieldError>) {
    let Some(c) = &p.citizenship else {
        return;
    };
    let stateless = c.stateless == Some(true);
    let ukrainian = c
        .countries
        .as_ref()
        .is_some_and(|cs| cs.iter().any(|c| c == "UKR"));
    let fits = match p.document.kind {
        DocumentType::PassportBooklet
        | DocumentType::IdCard
        | DocumentType::PassportForTravelAbroad => ukrainian,
        DocumentType::PermanentResidencePermit
        | DocumentType::TemporaryResidencePermit
        | DocumentType::RefugeeCertificate
        | DocumentType::AdditionalProtectionCertificate => !ukrainian,
        DocumentType::ForeignPassport => !stateless,
        DocumentType::BirthCertificate => true,
    };
    if !fits {
        errors.push(FieldError::new(
            "/person/citizenship",
            FieldCode::CitizenshipMismatch,
            "does not fit the type of /person/document",
        ));
    }
}

/// Dates of the action's ground and basis against the action date and the birth date.
fn check_action_dates(a: &ActionDoc, birth_date: NaiveDate, errors: &mut Vec<FieldError>) {
    if let Some(death) = a.ground.as_ref().and_then(|g| g.date_of_death) {
        if death > a.date {
            errors.push(FieldError::new(
                "/action/ground/date_of_death",
                FieldCode::AfterActionDate,
                "is later than the action date",
            ));
        }
        if death < birth_date {
            errors.push(FieldError::new(
                "/action/ground/date_of_death",
                FieldCode::BeforeBirth,
                "is earlier than /person/birth_date",
            ));
        }
    }
    if a.basis
        .as_ref()
        .and_then(|b| b.date)
        .is_some_and(|d| d > a.date)
    {
        errors.push(FieldError::new(
            "/action/basis/date",
            FieldCode::AfterActionDate,
            "is later than the action date",
        ));
    }
}

/// The legal representative's identifiers and document. Whether a representative had to act
/// (a child under 14, a person under guardianship) is not checked: history may lack them.
fn check_representative(
    r: &RepresentativeDoc,
    action_date: NaiveDate,
    errors: &mut Vec<FieldError>,
) {
    let unzr = match r.unzr.as_deref().map(Unzr::parse) {
        Some(Ok(u)) => Some(u),
        Some(Err(e)) => {
            errors.push(id_error("/legal_representative/unzr", "УНЗР", &e));
            None
        }
        None => None,
    };
    let rnokpp = match r.rnokpp.as_deref().map(Rnokpp::parse) {
        Some(Ok(r)) => Some(r),
        Some(Err(e)) => {
            errors.push(id_error("/legal_representative/rnokpp", "РНОКПП", &e));
            None
        }
        None => None,
    };
    if let (Some(u), Some(r)) = (&unzr, &rnokpp) {
        if u.birth_date() != r.birth_date() {
            errors.push(FieldError::new(
                "/legal_representative/rnokpp",
                FieldCode::BirthDateMismatch,
                "РНОКПП and УНЗР of the representative encode different birth dates",
            ));
        }
    }
    if let Some(d) = &r.document {
        let birth_date = unzr
            .as_ref()
            .and_then(Unzr::birth_date)
            .or_else(|| rnokpp.as_ref().and_then(Rnokpp::birth_date))
            .map(|b| {
                (
                    b,
                    "the birth date the representative's УНЗР or РНОКПП encodes",
                )
            });
        check_document(
            "/legal_representative/document",
            d,
            birth_date,
            action_date,
            errors,
        );
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn person_doc(unzr: &str, rnokpp: &str, birth: &str) -> serde_json::Value {
        json!({"external_id": "e1",
            "action": {"type": "declaration_of_residence", "date": "2026-11-20"},
            "person": {"unzr": unzr, "rnokpp": rnokpp, "surname": "Шевченко", "given_name": "Олена",
                       "birth_date": birth, "document": {"type": "id_card", "number": "004512876"}},
            "address": {"katottg": "UA68040470010096613", "building": "12"}})
    }

    fn codes(r: Result<RegistrationAction, Vec<FieldError>>) -> Vec<(String, String)> {
        r.err()
            .unwrap()
            .into_iter()
            .map(|e| (e.pointer, e.code))
            .collect()
    }

    #[test]
    fn the_rnokpp_ninth_digit_agrees_with_the_sex_when_both_are_given() {
        // 3294631448: 9th digit 4, even — a woman.
        let with_sex = |sex: Option<&str>| {
            let mut d = person_doc("19900315-12346", "3294631448", "1990-03-15");
            if let Some(s) = sex {
                d["person"]["sex"] = s.into();
            }
            RegistrationAction::from_valid_document(&d, day("2026-11-20"))
        };
        assert!(with_sex(Some("female")).is_ok());
        assert!(with_sex(None).is_ok(), "no sex given: nothing to compare");
        assert_eq!(
            codes(with_sex(Some("male"))),
            [("/person/rnokpp".to_owned(), "sex_mismatch".to_owned())]
        );
    }

    #[test]
    fn valid_person_action_is_typed() {
        let a = RegistrationAction::from_valid_document(
            &person_doc("19900315-12346", "3294631448", "1990-03-15"),
            day("2026-11-20"),
        )
        .unwrap();
        assert_eq!(a.action_type, ActionType::DeclarationOfResidence);
        match a.subject {
            Subject::Person { person, katottg } => {
                assert_eq!(person.person_key(), "unzr:19900315-12346");
                assert_eq!(katottg.as_str(), "UA68040470010096613");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn identifiers_must_agree_with_the_birth_date() {
        let r = RegistrationAction::from_valid_document(
            &person_doc("19550212-01110", "1759013776", "1990-03-15"),
            day("2026-11-20"),
        );
        assert_eq!(
            codes(r),
            [
                ("/person/unzr".into(), "birth_date_mismatch".into()),
                ("/person/rnokpp".into(), "birth_date_mismatch".into())
            ]
        );
    }

    #[test]
    fn check_digits_and_future_dates_are_reported_together() {
        let r = RegistrationAction::from_valid_document(
            &person_doc("19900315-12345", "3294631455", "1990-03-15"),
            day("2026-11-19"),
        );
        assert_eq!(
            codes(r),
            [
                ("/action/date".into(), "in_future".into()),
                ("/person/unzr".into(), "check_digit".into()),
                ("/person/rnokpp".into(), "check_digit".into())
            ]
        );
    }

    #[test]
    fn person_key_falls_back_to_the_document() {
        let mut d = person_doc("19900315-12346", "3294631448", "1990-03-15");
        d["person"].as_object_mut().unwrap().remove("unzr");
        let a = RegistrationAction::from_valid_document(&d, day("2026-11-20")).unwrap();
        match a.subject {
            Subject::Person { person, .. } => {
                assert_eq!(person.person_key(), "doc:id_card:004512876")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn cancellation_names_its_target() {
        let d = json!({"external_id": "c1", "action": {"type": "cancellation", "date": "2026-11-20"},
                       "cancels": {"dms_number": "DMS-2026-0000001", "reason": "помилка"}});
        let a = RegistrationAction::from_valid_document(&d, day("2026-11-20")).unwrap();
        assert_eq!(
            a.subject,
            Subject::Cancellation(CancelTarget::DmsNumber("DMS-2026-0000001".into()))
        );
    }

    fn example(name: &str) -> serde_json::Value {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples")
            .join(format!("{name}.json"));
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    }

    fn child() -> serde_json::Value {
        example("registration-of-residence-foreign-child")
    }

    fn check(d: &serde_json::Value) -> Result<RegistrationAction, Vec<FieldError>> {
        RegistrationAction::from_valid_document(d, day("2026-11-22"))
    }

    fn one(pointer: &str, code: &str) -> Vec<(String, String)> {
        vec![(pointer.to_owned(), code.to_owned())]
    }

    #[test]
    fn every_example_passes_the_cross_checks() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let doc: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            assert!(
                check(&doc).is_ok(),
                "{}: {:?}",
                path.display(),
                check(&doc).err()
            );
        }
    }

    #[test]
    fn a_document_expired_on_the_action_date_is_refused() {
        let with = |issued: &str, expires: &str, action_date: &str| {
            let mut d = child();
            d["person"]["document"]["issued_on"] = issued.into();
            d["person"]["document"]["expires_on"] = expires.into();
            d["action"]["date"] = action_date.into();
            d["action"].as_object_mut().unwrap().remove("basis");
            check(&d)
        };
        assert!(
            with("2026-10-15", "2026-11-20", "2026-11-20").is_ok(),
            "valid through its last day"
        );
        assert_eq!(
            codes(with("2026-10-15", "2026-11-19", "2026-11-20")),
            one("/person/document/expires_on", "document_expired")
        );
        // A historical action is judged on its own day: expired since, valid then.
        assert!(with("2019-01-20", "2020-01-31", "2020-01-15").is_ok());
        assert_eq!(
            codes(with("2026-10-15", "2026-10-14", "2026-11-20")),
            one("/person/document/expires_on", "before_issue"),
            "expiring before it was issued is its own fault"
        );
    }

    #[test]
    fn the_date_of_death_lies_between_birth_and_the_action() {
        let with = |death: &str| {
            let mut d = example("deregistration-of-residence");
            d["action"]["ground"] = json!({"code": "death", "date_of_death": death});
            check(&d)
        };
        assert!(with("2026-11-17").is_ok());
        assert!(with("2026-11-20").is_ok(), "on the action date");
        assert!(with("1972-01-23").is_ok(), "on the birth date");
        assert_eq!(
            codes(with("2026-11-21")),
            one("/action/ground/date_of_death", "after_action_date")
        );
        assert_eq!(
            codes(with("1972-01-22")),
            one("/action/ground/date_of_death", "before_birth")
        );
    }

    #[test]
    fn the_basis_is_not_dated_after_the_action() {
        let mut d = child();
        d["action"]["basis"]["date"] = "2026-11-21".into();
        assert_eq!(
            codes(check(&d)),
            one("/action/basis/date", "after_action_date")
        );
        d["action"]["basis"]["date"] = "2026-11-20".into();
        assert!(check(&d).is_ok());
    }

    #[test]
    fn a_child_under_fourteen_without_a_representative_is_accepted() {
        let mut d = child();
        d.as_object_mut().unwrap().remove("legal_representative");
        assert!(check(&d).is_ok(), "history may lack the representative");
    }

    #[test]
    fn the_representative_identifiers_and_document_are_checked() {
        let with = |set: &dyn Fn(&mut serde_json::Value)| {
            let mut d = child();
            set(&mut d["legal_representative"]);
            check(&d)
        };
        assert!(with(&|r| {
            r["unzr"] = "19720123-00489".into();
            r["rnokpp"] = "2632010118".into();
        })
        .is_ok());
        assert_eq!(
            codes(with(&|r| r["unzr"] = "19720123-00488".into())),
            one("/legal_representative/unzr", "check_digit")
        );
        assert_eq!(
            codes(with(&|r| r["rnokpp"] = "2632010119".into())),
            one("/legal_representative/rnokpp", "check_digit")
        );
        assert_eq!(
            codes(with(&|r| {
                r["unzr"] = "19900315-12346".into();
                r["rnokpp"] = "2632010118".into();
            })),
            one("/legal_representative/rnokpp", "birth_date_mismatch")
        );
        // Past the schema (whose pattern says the same), the typed check still holds.
        assert_eq!(
            codes(with(&|r| r["document"]["number"] = "ea1234567".into())),
            one("/legal_representative/document/number", "format")
        );
        assert_eq!(
            codes(with(&|r| r["document"]["expires_on"] = "2026-11-01".into())),
            one(
                "/legal_representative/document/expires_on",
                "document_expired"
            )
        );
        assert_eq!(
            codes(with(&|r| r["document"]["issued_on"] = "2026-11-21".into())),
            one(
                "/legal_representative/document/issued_on",
                "after_action_date"
            )
        );
        assert_eq!(
            codes(with(&|r| {
                r["rnokpp"] = "2632010118".into(); // born 1972-01-23
                r["document"]["issued_on"] = "1970-01-01".into();
            })),
            one("/legal_representative/document/issued_on", "before_birth")
        );
    }

    #[test]
    fn the_citizenship_fits_the_document() {
        let with = |kind: &str, number: &str, citizenship: serde_json::Value| {
            let mut d = child();
            d["person"]["document"] = json!({"type": kind, "number": number});
            d["person"]["citizenship"] = citizenship;
            check(&d)
        };
        let ukr = json!({"countries": ["UKR"]});
        let pol = json!({"countries": ["POL"]});
        let stateless = json!({"stateless": true});
        let fits = [
            ("id_card", "004512876", &ukr),
            ("passport_booklet", "НВ123456", &ukr),
            ("passport_for_travel_abroad", "FA123456", &ukr),
            ("temporary_residence_permit", "900123456", &pol),
            ("permanent_residence_permit", "900123456", &stateless),
            ("refugee_certificate", "АБ123456", &stateless),
            ("additional_protection_certificate", "123456789", &pol),
            ("foreign_passport", "EA1234567", &pol),
            ("birth_certificate", "I-АБ 123456", &pol),
            ("birth_certificate", "I-АБ 123456", &ukr),
        ];
        for (kind, number, c) in fits {
            assert!(with(kind, number, c.clone()).is_ok(), "{kind} {c}");
        }
        let misfits = [
            ("id_card", "004512876", &pol),
            ("passport_booklet", "НВ123456", &stateless),
            ("temporary_residence_permit", "900123456", &ukr),
            (
                "refugee_certificate",
                "АБ123456",
                &json!({"countries": ["SYR", "UKR"]}),
            ),
            ("foreign_passport", "EA1234567", &stateless),
        ];
        for (kind, number, c) in misfits {
            assert_eq!(
                codes(with(kind, number, c.clone())),
                one("/person/citizenship", "citizenship_mismatch"),
                "{kind} {c}"
            );
        }
    }
}
