#![allow(clippy::unwrap_used)]
use super::*;
use serde_json::json;

/// The answer's rules are in the schema, so a vendor's local check catches them.
#[test]
fn the_answer_schema_says_what_the_service_checks() {
    let c = Contract::verification_answer_v1().unwrap();
    let faults = |doc| {
        c.validate(&doc)
            .into_iter()
            .map(|e| (e.pointer, e.code))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        faults(json!({"result": "not_registered", "registered_since": "2020-01-01"})),
        [("/registered_since".to_owned(), "not_allowed".to_owned())]
    );
    assert_eq!(
        faults(json!({"result": "confirmed", "details": ""})),
        [("/details".to_owned(), "min_length".to_owned())]
    );
    assert!(faults(json!({"result": "confirmed", "registered_since": "2020-01-01"})).is_empty());
    assert!(faults(json!({"result": "not_registered", "details": "вибув"})).is_empty());
}

#[test]
fn reports_every_error_with_pointers_and_no_values() {
    let c = Contract::registration_action_v1().unwrap();
    let errors = c.validate(&json!({
        "external_id": "",
        "action": {"type": "registration_of_residence", "date": "2026-02-30"},
        "person": {"surname": "Smith", "given_name": "Олена", "birth_date": "1990-01-01",
                   "document": {"type": "id_card", "number": "1"}, "extra": 1},
        "address": {"katottg": "UA1", "building": "1"}
    }));
    let mut pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
    pointers.dedup();
    assert_eq!(
        pointers,
        [
            "/action/date",
            "/address/katottg",
            "/external_id",
            // An ID card's number is nine digits: the schema says so (a pattern per type).
            "/person/document/number",
            "/person/extra",
            "/person/surname"
        ]
    );
    let text = serde_json::to_string(&errors).unwrap();
    assert!(!text.contains("Smith") && !text.contains("2026-02-30") && !text.contains("UA1\""));
}

#[test]
fn cancellation_shape_is_enforced() {
    let c = Contract::registration_action_v1().unwrap();
    let errors = c.validate(&json!({
        "external_id": "x1",
        "action": {"type": "cancellation", "date": "2026-01-05"},
        "address": {"katottg": "UA68040470010096613", "building": "1"}
    }));
    let got: Vec<(&str, &str)> = errors
        .iter()
        .map(|e| (e.pointer.as_str(), e.code.as_str()))
        .collect();
    assert_eq!(got, [("/address", "not_allowed"), ("/cancels", "required")]);
}

#[test]
fn deregistration_needs_a_ground_and_others_refuse_one() {
    let c = Contract::registration_action_v1().unwrap();
    let base = |t: &str, ground: Option<Value>| {
        let mut action = json!({"type": t, "date": "2026-01-05"});
        if let Some(g) = ground {
            action["ground"] = g;
        }
        json!({"external_id": "x", "action": action,
            "person": {"surname": "Гнатюк", "given_name": "Василь", "birth_date": "1972-01-23",
                       "document": {"type": "id_card", "number": "100200300"}},
            "address": {"katottg": "UA68040470010096613", "building": "1"}})
    };
    let e = c.validate(&base("deregistration_of_residence", None));
    assert_eq!(
        e,
        [FieldError::new(
            "/action/ground",
            FieldCode::Required,
            "is required"
        )]
    );
    let e = c.validate(&base(
        "registration_of_residence",
        Some(json!({"code": "death"})),
    ));
    assert_eq!(e.len(), 1);
    assert_eq!(
        (e[0].pointer.as_str(), e[0].code.as_str()),
        ("/action/ground", "not_allowed")
    );
    assert!(c
        .validate(&base(
            "deregistration_of_stay",
            Some(json!({"code": "death"}))
        ))
        .is_empty());
}

#[test]
fn every_shipped_example_is_valid() {
    let c = Contract::registration_action_v1().unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let doc: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(c.validate(&doc), [], "{}", path.display());
        seen += 1;
    }
    assert!(
        seen >= 8,
        "one example per action type and one with the v1 additions"
    );
}

mod additions;
