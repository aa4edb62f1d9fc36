//! The members v1 gained, and the per-type number patterns in step with the identifiers.

use super::super::*;
use serde_json::json;

fn example(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(format!("{name}.json"));
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Set (or with `null`, remove) the member at a JSON Pointer, creating objects on the way.
fn set(doc: &mut Value, pointer: &str, value: Value) {
    let (parent, last) = pointer.rsplit_once('/').unwrap();
    let mut at = doc;
    for token in parent.split('/').skip(1) {
        if at.get(token).is_none() {
            at[token] = json!({});
        }
        at = &mut at[token];
    }
    let map = at.as_object_mut().unwrap();
    if value.is_null() {
        map.remove(last);
    } else {
        map.insert(last.to_owned(), value);
    }
}

fn faults(c: &Contract, doc: &Value) -> Vec<(String, String)> {
    c.validate(doc)
        .into_iter()
        .map(|e| (e.pointer, e.code))
        .collect()
}

/// Every member added in v1 is accepted in its good forms.

#[test]
fn the_v1_additions_are_accepted() {
    let c = Contract::registration_action_v1().unwrap();
    let base = example("registration-of-residence-foreign-child");
    assert_eq!(faults(&c, &base), []);
    let good: &[(&str, Value)] = &[
        ("/person/citizenship", json!({"stateless": true})),
        ("/person/citizenship", json!({"countries": ["UKR", "POL"]})),
        (
            "/person/latin_name",
            json!({"surname": "Müller-Łącka", "given_name": "Anne Marie"}),
        ),
        ("/person/latin_name", json!({"surname": "O'Brien"})),
        (
            "/person/place_of_birth",
            json!({"country": "UKR", "region": "Хмельницька область",
                   "settlement": "Бахматівці", "katottg": "UA68040470020031437"}),
        ),
        (
            "/person/place_of_birth",
            json!({"country": "JPN", "settlement": "東京"}),
        ),
        ("/person/document/issuer", json!("6801")),
        ("/address/room", json!("12а")),
        ("/address/street_type", json!("avenue")),
        ("/address/block", json!("2")),
        (
            "/previous_address",
            json!({"katottg": "UA46060250000025047", "street_type": "lane", "street": "Тиха",
                   "building": "3", "room": "7"}),
        ),
        (
            "/previous_address",
            json!({"country": "UKR", "katottg": "UA46060250000025047"}),
        ),
        ("/action/basis", json!({"type": "dormitory_assignment"})),
        (
            "/action/basis",
            json!({"type": "other", "document": "Рішення виконкому № 5"}),
        ),
        (
            "/legal_representative",
            json!({"role": "guardian", "surname": "Гнатюк", "given_name": "Василь",
                   "patronymic": "Степанович", "unzr": "19720123-00489",
                   "rnokpp": "2632010118",
                   "document": {"type": "id_card", "number": "100200300",
                                "issued_on": "2019-01-01", "expires_on": "2029-01-01",
                                "issuer_code": "6810"}}),
        ),
    ];
    for (pointer, value) in good {
        let mut doc = base.clone();
        set(&mut doc, pointer, value.clone());
        assert_eq!(faults(&c, &doc), [], "{pointer} = {value}");
    }
    // The date of death, on a deregistration by death.
    let mut dereg = example("deregistration-of-residence");
    dereg["action"]["ground"] = json!({"code": "death", "date_of_death": "2026-11-17",
                                       "document": "Витяг з Державного реєстру актів цивільного стану"});
    dereg["legal_representative"] = base["legal_representative"].clone();
    assert_eq!(faults(&c, &dereg), []);
}

/// Each malformed new member is refused by the schema, at its pointer, with its code.
#[test]
fn the_v1_additions_are_refused_when_malformed() {
    let c = Contract::registration_action_v1().unwrap();
    let base = example("registration-of-residence-foreign-child");
    type Case<'a> = (&'a str, Value, &'a [(&'a str, &'a str)]);
    let cases: &[Case] = &[
        (
            "/person/citizenship",
            json!({}),
            &[("/person/citizenship", "min_properties")],
        ),
        (
            "/person/citizenship",
            json!({"countries": ["POL"], "stateless": true}),
            &[("/person/citizenship", "max_properties")],
        ),
        (
            "/person/citizenship",
            json!({"countries": ["pol"]}),
            &[("/person/citizenship/countries/0", "pattern")],
        ),
        (
            "/person/citizenship",
            json!({"countries": ["POL", "POL"]}),
            &[("/person/citizenship/countries", "schema")],
        ),
        (
            "/person/citizenship",
            json!({"countries": []}),
            &[("/person/citizenship/countries", "schema")],
        ),
        (
            "/person/citizenship",
            json!({"stateless": false}),
            &[("/person/citizenship/stateless", "const")],
        ),
        (
            "/person/citizenship",
            json!({"country": "POL"}),
            &[("/person/citizenship/country", "unknown_member")],
        ),
        (
            "/person/place_of_birth",
            json!({"country": "POL"}),
            &[("/person/place_of_birth/settlement", "required")],
        ),
        (
            "/person/place_of_birth",
            json!({"country": "POL", "settlement": "Kraków", "katottg": "UA68040470010096613"}),
            &[("/person/place_of_birth/country", "const")],
        ),
        (
            "/person/place_of_birth",
            json!({"country": "UKR", "settlement": "Київ", "katottg": "UA8000"}),
            &[("/person/place_of_birth/katottg", "pattern")],
        ),
        (
            "/person/latin_name/surname",
            json!("Ковальська"),
            &[("/person/latin_name/surname", "pattern")],
        ),
        (
            "/person/latin_name",
            json!({"given_name": "Zofia"}),
            &[("/person/latin_name/surname", "required")],
        ),
        (
            "/person/document/expires_on",
            json!("2029-02-30"),
            &[("/person/document/expires_on", "format")],
        ),
        (
            "/person/document/issuer_code",
            json!("681"),
            &[("/person/document/issuer_code", "pattern")],
        ),
        (
            "/person/document/type",
            json!("passport"),
            &[("/person/document/type", "enum")],
        ),
        (
            "/address/street_type",
            json!("вулиця"),
            &[("/address/street_type", "enum")],
        ),
        (
            "/address/street",
            Value::Null,
            &[("/address/street", "required")],
        ),
        (
            "/address/room",
            json!(""),
            &[("/address/room", "min_length")],
        ),
        (
            "/previous_address/katottg",
            json!("UA46060250000025047"),
            &[("/previous_address/katottg", "not_allowed")],
        ),
        (
            "/previous_address",
            json!({"country": "POL"}),
            &[("/previous_address/foreign_address", "required")],
        ),
        (
            "/previous_address",
            json!({"building": "3"}),
            &[("/previous_address/katottg", "required")],
        ),
        (
            "/previous_address",
            json!({"katottg": "UA46060250000025047", "foreign_address": "Kraków"}),
            &[("/previous_address/foreign_address", "not_allowed")],
        ),
        (
            "/legal_representative/role",
            json!("mother"),
            &[("/legal_representative/role", "enum")],
        ),
        (
            "/legal_representative/given_name",
            Value::Null,
            &[("/legal_representative/given_name", "required")],
        ),
        (
            "/legal_representative/surname",
            json!("Kowalski"),
            &[("/legal_representative/surname", "pattern")],
        ),
        (
            "/legal_representative/rnokpp",
            json!("12345"),
            &[("/legal_representative/rnokpp", "pattern")],
        ),
        (
            "/legal_representative/document/number",
            json!("ea1234567"),
            &[("/legal_representative/document/number", "pattern")],
        ),
        (
            "/action/basis",
            json!({"type": "other"}),
            &[("/action/basis/document", "required")],
        ),
        (
            "/action/basis/type",
            json!("rent"),
            &[("/action/basis/type", "enum")],
        ),
        (
            "/action/basis/date",
            json!("02.11.2026"),
            &[("/action/basis/date", "format")],
        ),
    ];
    for (pointer, value, want) in cases {
        let mut doc = base.clone();
        set(&mut doc, pointer, value.clone());
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(p, c)| ((*p).to_owned(), (*c).to_owned()))
            .collect();
        assert_eq!(faults(&c, &doc), want, "{pointer} = {value}");
    }
}

/// Members that belong to other kinds of action are refused where they do not belong.
#[test]
fn the_v1_additions_belong_to_their_actions() {
    let c = Contract::registration_action_v1().unwrap();
    let child = example("registration-of-residence-foreign-child");
    let mut dereg = example("deregistration-of-residence");
    dereg["action"]["basis"] = json!({"type": "ownership"});
    dereg["previous_address"] = child["previous_address"].clone();
    dereg["action"]["ground"]["date_of_death"] = json!("2026-11-17");
    assert_eq!(
        faults(&c, &dereg),
        [
            ("/action/basis".to_owned(), "not_allowed".to_owned()),
            (
                "/action/ground/date_of_death".to_owned(),
                "not_allowed".to_owned()
            ),
            ("/previous_address".to_owned(), "not_allowed".to_owned()),
        ]
    );
    let mut cancel = example("cancellation");
    cancel["previous_address"] = child["previous_address"].clone();
    cancel["legal_representative"] = child["legal_representative"].clone();
    cancel["action"]["basis"] = json!({"type": "ownership"});
    assert_eq!(
        faults(&c, &cancel),
        [
            ("/action/basis".to_owned(), "not_allowed".to_owned()),
            ("/legal_representative".to_owned(), "not_allowed".to_owned()),
            ("/previous_address".to_owned(), "not_allowed".to_owned()),
        ]
    );
}

/// Good and bad numbers of every document type: the schema's pattern for the type and
/// `DocumentNumber::parse` agree on each (so a vendor's local check and the service agree).
#[test]
fn number_patterns_agree_with_the_identifier_checks() {
    use crate::identifiers::{DocumentNumber, DocumentType};
    let c = Contract::registration_action_v1().unwrap();
    let samples: &[(&str, &[&str], &[&str])] = &[
        (
            "passport_booklet",
            &["КВ123456", "ЇҐ000001", "НВ123456"],
            &[
                "HB123456",
                "ЫЭ123456",
                "НВ12345",
                "НВ1234567",
                "нв123456",
                "НВ 123456",
                "НВ12345٣",
            ],
        ),
        (
            "id_card",
            &["004512876", "000000000"],
            &[
                "00451287",
                "0045128760",
                "00451287a",
                "00451287٣",
                " 004512876",
            ],
        ),
        (
            "birth_certificate",
            &[
                "I-АБ 123456",
                "XIV-БВ 654321",
                "XXXIX-ЯЯ 000000",
                "ІХ-БК 123456",
                "XІ-БК 123456",
                "VIII-ЇЄ 123456",
                "IV-АА 123456",
                "XX-АА 123456",
            ],
            &[
                "IIII-АБ 123456",
                "I-АБ123456",
                "I-AB 123456",
                "АБ 123456",
                "XL-АБ 123456",
                "IIX-АБ 123456",
                "VX-АБ 123456",
                "ІІІІ-БК 123456",
                "Б-БК 123456",
                "-АБ 123456",
                "I-АБ 12345",
                "XXXX-АБ 123456",
                "i-АБ 123456",
            ],
        ),
        (
            "permanent_residence_permit",
            &["900123456"],
            &["90012345a", "9001234567", "ПП900123"],
        ),
        (
            "temporary_residence_permit",
            &["900123456"],
            &["90012345", "9001 23456"],
        ),
        (
            "passport_for_travel_abroad",
            &["FA123456", "EK000001"],
            &["FA12345", "fa123456", "ФА123456", "FA1234567", "F1234567"],
        ),
        (
            "foreign_passport",
            &["EA1234567", "C01X00T47", "1", "ABCDEFGHIJ0123456789"],
            &[
                "ea1234567",
                "EA 1234567",
                "EA-1234567",
                "ABCDEFGHIJ01234567890",
                "ЕА1234567",
                "EA<<1234",
            ],
        ),
        (
            "refugee_certificate",
            &[
                "123456",
                "123456789",
                "АБ123456",
                "ПБ0012345",
                "ABC123456",
                "ІЇЄ000001",
            ],
            &[
                "12345",
                "1234567890",
                "АБВГ123456",
                "АБ 123456",
                "аб123456",
                "123456А",
            ],
        ),
        (
            "additional_protection_certificate",
            &["000777", "ДЗ123456", "DZ123456789"],
            &["ДЗ12345", "ДЗ-123456", "ЫЫ123456"],
        ),
    ];
    let listed: Vec<&str> = samples.iter().map(|(t, _, _)| *t).collect();
    let all: Vec<&str> = DocumentType::ALL.iter().map(|t| t.as_str()).collect();
    assert_eq!(listed, all, "a sample row for every type");
    for (kind, good, bad) in samples {
        let typed = DocumentType::parse(kind).unwrap();
        for (number, want) in good
            .iter()
            .map(|n| (n, true))
            .chain(bad.iter().map(|n| (n, false)))
        {
            let doc = json!({"external_id": "x", "action": {"type": "declaration_of_stay", "date": "2026-11-20"},
                "person": {"surname": "Гнатюк", "given_name": "Василь", "birth_date": "1972-01-23",
                           "document": {"type": kind, "number": number}},
                "address": {"katottg": "UA68040470010096613", "building": "1"}});
            let schema_ok = c.validate(&doc).is_empty();
            let parsed_ok = DocumentNumber::parse(typed, number).is_ok();
            assert_eq!(schema_ok, want, "schema: {kind} {number:?}");
            assert_eq!(parsed_ok, want, "identifiers: {kind} {number:?}");
        }
    }
}

/// The schema's document types are `DocumentType::ALL`, in order.
#[test]
fn the_schema_lists_the_document_types_of_the_code() {
    let schema: Value = serde_json::from_str(REGISTRATION_ACTION_V1).unwrap();
    let listed = &schema["$defs"]["document"]["properties"]["type"]["enum"];
    let all: Vec<&str> = crate::DocumentType::ALL
        .iter()
        .map(|t| t.as_str())
        .collect();
    assert_eq!(listed, &json!(all));
    let patterns = schema["$defs"]["document"]["allOf"].as_array().unwrap();
    let with_pattern: Vec<&str> = patterns
        .iter()
        .map(|p| p["if"]["properties"]["type"]["const"].as_str().unwrap())
        .collect();
    assert_eq!(with_pattern, all, "a number pattern for every type");
}

/// A data-set record carries person, address, ground, basis, previous address and
/// representative exactly as the action had them: the two schemas define them alike.
#[test]
fn the_record_schema_defines_what_the_action_schema_defines() {
    let action: Value = serde_json::from_str(REGISTRATION_ACTION_V1).unwrap();
    let record: Value = serde_json::from_str(DATASET_RECORD_V1).unwrap();
    assert_eq!(action["$defs"], record["$defs"]);
    for member in [
        "person",
        "address",
        "previous_address",
        "legal_representative",
    ] {
        assert_eq!(
            action["properties"][member], record["properties"][member],
            "{member}"
        );
    }
    for member in ["ground", "basis"] {
        assert_eq!(
            action["properties"]["action"]["properties"][member], record["properties"][member],
            "{member}"
        );
    }
    // And a record built from the richest example is valid.
    let c = Contract::dataset_record_v1().unwrap();
    let child = example("registration-of-residence-foreign-child");
    let record = json!({
        "record_type": "registration_action",
        "action_id": "01a203eb-1d9a-7549-9443-01fb51a638d0",
        "dms_number": "DMS-2026-0000008",
        "registration_body_edrpou": "04060772",
        "action_type": "registration_of_residence",
        "action_date": "2026-11-20",
        "received_at": "2026-11-20T10:00:00.000000Z",
        "late": false,
        "basis": child["action"]["basis"],
        "person": child["person"],
        "address": child["address"],
        "previous_address": child["previous_address"],
        "legal_representative": child["legal_representative"],
    });
    assert_eq!(c.validate(&record), []);
}
