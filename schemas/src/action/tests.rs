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
