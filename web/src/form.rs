//! The forms of the web interface and the documents they become. A registration action's form
//! becomes exactly the `registration-action.v1` document a register's software would send (blank
//! fields left out, keys in a fixed order), so the same form always gives the same bytes: a
//! resubmission under the form's one-time token is a retry the service answers with the stored
//! receipt.

use serde::Deserialize;
use serde_json::{Map, Value};

/// The form of a registration action on a person.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ActionForm {
    pub csrf: String,
    /// The one-time token of this form, used as the action's `external_id`.
    pub form_token: String,
    /// `review`, `edit` or `submit`.
    pub step: String,
    pub unzr: String,
    pub rnokpp: String,
    pub surname: String,
    pub given_name: String,
    pub patronymic: String,
    pub birth_date: String,
    pub sex: String,
    /// ISO 3166-1 alpha-3 codes separated by commas or spaces, or «без громадянства».
    pub citizenship: String,
    pub doc_type: String,
    pub doc_number: String,
    pub doc_issued_on: String,
    pub doc_expires_on: String,
    pub doc_issuer: String,
    pub katottg: String,
    pub street: String,
    pub building: String,
    pub block: String,
    pub apartment: String,
    pub postal_code: String,
    pub action_date: String,
    pub ground_code: String,
    pub ground_document: String,
}

/// Put `value` (trimmed) under `key` unless it is blank.
fn put(map: &mut Map<String, Value>, key: &str, value: &str) {
    let v = value.trim();
    if !v.is_empty() {
        map.insert(key.to_owned(), Value::String(v.to_owned()));
    }
}

/// The `address` member from a form's address fields (blank ones left out).
fn address(fields: [(&str, &str); 6]) -> Value {
    let mut address = Map::new();
    for (key, value) in fields {
        put(&mut address, key, value);
    }
    Value::Object(address)
}

/// What an official types for the person's citizenship, as the `citizenship` member: «без
/// громадянства» (any case) is `{"stateless": true}`, anything else the codes it lists (separated
/// by commas or spaces, Latin letters in capitals) in the order given; blank is nothing. Codes are
/// not corrected otherwise: the schema says what is wrong with them.
pub fn citizenship(text: &str) -> Option<Value> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if t.to_lowercase().split_whitespace().collect::<Vec<_>>() == ["без", "громадянства"]
    {
        return Some(serde_json::json!({"stateless": true}));
    }
    let countries: Vec<Value> = t
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|c| !c.is_empty())
        .map(|c| Value::String(c.to_ascii_uppercase()))
        .collect();
    Some(serde_json::json!({ "countries": countries }))
}

/// A one-time form token: `web-` and a new UUIDv7 (a valid `external_id`).
pub fn new_form_token() -> String {
    format!("web-{}", uuid::Uuid::now_v7().simple())
}

/// A form token as the form sent it, if it is one of ours.
pub fn form_token(given: &str) -> Option<&str> {
    let hex = given.strip_prefix("web-")?;
    (hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then_some(given)
}

impl ActionForm {
    /// The document this form makes for an action of type `action_type`.
    pub fn document(&self, action_type: &str) -> Value {
        let mut action = Map::new();
        action.insert("type".into(), action_type.into());
        put(&mut action, "date", &self.action_date);
        if crate::uk::is_deregistration(action_type) {
            let mut ground = Map::new();
            put(&mut ground, "code", &self.ground_code);
            put(&mut ground, "document", &self.ground_document);
            action.insert("ground".into(), Value::Object(ground));
        }
        let mut document = Map::new();
        put(&mut document, "type", &self.doc_type);
        put(&mut document, "number", &self.doc_number);
        put(&mut document, "issued_on", &self.doc_issued_on);
        put(&mut document, "expires_on", &self.doc_expires_on);
        put(&mut document, "issuer", &self.doc_issuer);
        let mut person = Map::new();
        put(&mut person, "unzr", &self.unzr);
        put(&mut person, "rnokpp", &self.rnokpp);
        put(&mut person, "surname", &self.surname);
        put(&mut person, "given_name", &self.given_name);
        put(&mut person, "patronymic", &self.patronymic);
        put(&mut person, "birth_date", &self.birth_date);
        put(&mut person, "sex", &self.sex);
        if let Some(c) = citizenship(&self.citizenship) {
            person.insert("citizenship".into(), c);
        }
        person.insert("document".into(), Value::Object(document));
        let mut doc = Map::new();
        doc.insert("external_id".into(), self.form_token.clone().into());
        doc.insert("action".into(), Value::Object(action));
        doc.insert("person".into(), Value::Object(person));
        doc.insert("address".into(), address(self.address_fields()));
        Value::Object(doc)
    }

    fn address_fields(&self) -> [(&str, &str); 6] {
        [
            ("katottg", &self.katottg),
            ("street", &self.street),
            ("building", &self.building),
            ("block", &self.block),
            ("apartment", &self.apartment),
            ("postal_code", &self.postal_code),
        ]
    }

    /// The document's bytes (serde_json's maps keep keys sorted: the same form, the same bytes).
    pub fn bytes(&self, action_type: &str) -> Vec<u8> {
        serde_json::to_vec(&self.document(action_type)).unwrap_or_default()
    }
}

/// The form cancelling an action.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CancelForm {
    pub csrf: String,
    pub form_token: String,
    pub reason: String,
}

impl CancelForm {
    pub fn bytes(&self, target: uuid::Uuid, today: chrono::NaiveDate) -> Vec<u8> {
        let mut cancels = Map::new();
        cancels.insert("action_id".into(), target.to_string().into());
        put(&mut cancels, "reason", &self.reason);
        let doc = serde_json::json!({
            "external_id": self.form_token,
            "action": {"type": "cancellation", "date": today.to_string()},
            "cancels": cancels,
        });
        serde_json::to_vec(&doc).unwrap_or_default()
    }
}

/// The form answering a verification request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AnswerForm {
    pub csrf: String,
    pub result: String,
    pub katottg: String,
    pub street: String,
    pub building: String,
    pub block: String,
    pub apartment: String,
    pub postal_code: String,
    pub registered_since: String,
    pub details: String,
}

impl AnswerForm {
    /// The `verification-answer.v1` document: the address only with `address_is`.
    pub fn bytes(&self) -> Vec<u8> {
        let mut doc = Map::new();
        put(&mut doc, "result", &self.result);
        if self.result == "address_is" {
            let fields = [
                ("katottg", self.katottg.as_str()),
                ("street", &self.street),
                ("building", &self.building),
                ("block", &self.block),
                ("apartment", &self.apartment),
                ("postal_code", &self.postal_code),
            ];
            doc.insert("address".into(), address(fields));
        }
        if self.result != "not_registered" {
            put(&mut doc, "registered_since", &self.registered_since);
        }
        put(&mut doc, "details", &self.details);
        serde_json::to_vec(&Value::Object(doc)).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn blank_fields_are_left_out_and_the_same_form_gives_the_same_bytes() {
        let form = ActionForm {
            form_token: new_form_token(),
            surname: "  Коваленко ".into(),
            given_name: "Андрій".into(),
            birth_date: "1985-07-01".into(),
            doc_type: "id_card".into(),
            doc_number: "004512876".into(),
            katottg: "UA68040470010096613".into(),
            building: "44".into(),
            action_date: "2026-11-20".into(),
            ..ActionForm::default()
        };
        let doc = form.document("registration_of_residence");
        assert_eq!(doc["person"]["surname"], "Коваленко");
        assert!(doc["person"].get("patronymic").is_none());
        assert!(doc["action"].get("ground").is_none());
        assert_eq!(
            form.bytes("registration_of_residence"),
            form.clone().bytes("registration_of_residence")
        );
        let d = form.document("deregistration_of_stay");
        assert!(d["action"].get("ground").is_some());
    }

    #[test]
    fn citizenship_and_expiry_become_their_members() {
        assert_eq!(citizenship("  "), None);
        assert_eq!(
            citizenship("ukr"),
            Some(serde_json::json!({"countries": ["UKR"]}))
        );
        assert_eq!(
            citizenship("POL, deu  UKR"),
            Some(serde_json::json!({"countries": ["POL", "DEU", "UKR"]}))
        );
        assert_eq!(
            citizenship(" Без  громадянства "),
            Some(serde_json::json!({"stateless": true}))
        );
        let form = ActionForm {
            form_token: new_form_token(),
            surname: "Ковальська".into(),
            given_name: "Зофія".into(),
            birth_date: "2016-06-14".into(),
            citizenship: "pol".into(),
            doc_type: "temporary_residence_permit".into(),
            doc_number: "900654321".into(),
            doc_issued_on: "2026-10-15".into(),
            doc_expires_on: "2029-10-14".into(),
            katottg: "UA68040470010096613".into(),
            building: "12".into(),
            action_date: "2026-11-20".into(),
            ..ActionForm::default()
        };
        let doc = form.document("registration_of_residence");
        assert_eq!(doc["person"]["citizenship"]["countries"][0], "POL");
        assert_eq!(doc["person"]["document"]["expires_on"], "2029-10-14");
        let contract = dms_schemas::Contract::registration_action_v1().unwrap();
        assert_eq!(contract.validate(&doc), []);
    }

    #[test]
    fn only_our_form_tokens_are_taken() {
        assert!(form_token(&new_form_token()).is_some());
        assert!(form_token("KHM-RTG-1").is_none());
        assert!(form_token("web-xyz").is_none());
    }
}
