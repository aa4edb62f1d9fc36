//! What the handlers check that the derived schemas do not say: formats, bounds, enumerations.

use serde_json::{json, Value};

const DATE: &str = r#"{"type": "string", "format": "date"}"#;
const UNZR: &str = r#"{"type": "string", "pattern": "^[0-9]{8}-[0-9]{5}$"}"#;
const EDRPOU: &str = r#"{"type": "string", "pattern": "^[0-9]{8}$"}"#;
const KATOTTG: &str = r#"{"type": "string", "pattern": "^UA[0-9]{17}$"}"#;
const TEXT: &str = r#"{"type": "string", "minLength": 1, "pattern": "\\S"}"#;
const UUID: &str = r#"{"type": "string", "format": "uuid"}"#;
/// A filter's free text: 1–200 characters, none of them a control character.
const FILTER: &str = r#"{"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]+$"}"#;

/// What the handlers check that the derived schemas do not say: formats, bounds, enumerations.
/// `(path, method, parameter, schema)`; `method` `*` means every operation of the path.
const PARAMETERS: &[(&str, &str, &str, &str)] = &[
    ("/v1/registration-actions/{id}", "get", "id", UUID),
    ("/v1/verification-requests/{id}/answer", "post", "id", UUID),
    (
        "/v1/verification-requests",
        "get",
        "state",
        r#"{"type": "string", "enum": ["open", "overdue", "answered", "all"]}"#,
    ),
    (
        "/admin/v1/verification-requests",
        "get",
        "state",
        r#"{"type": "string", "enum": ["open", "overdue", "answered", "all"]}"#,
    ),
    (
        "/admin/v1/verification-requests",
        "get",
        "registration_body",
        EDRPOU,
    ),
    ("/v1/verification-requests", "get", "after", UUID),
    ("/admin/v1/verification-requests", "get", "after", UUID),
    (
        "/v1/verification-requests",
        "get",
        "limit",
        r#"{"type": "integer", "format": "int64", "minimum": 1, "maximum": 500}"#,
    ),
    (
        "/admin/v1/verification-requests",
        "get",
        "limit",
        r#"{"type": "integer", "format": "int64", "minimum": 1, "maximum": 500}"#,
    ),
    (
        "/v1/notifications",
        "get",
        "after",
        r#"{"type": "integer", "format": "int64", "minimum": 0}"#,
    ),
    (
        "/v1/notifications",
        "get",
        "limit",
        r#"{"type": "integer", "format": "int64", "minimum": 1, "maximum": 500}"#,
    ),
    ("/admin/v1/registration-actions", "get", "unzr", UNZR),
    (
        "/admin/v1/registration-actions",
        "get",
        "rnokpp",
        r#"{"type": "string", "pattern": "^[0-9]{10}$"}"#,
    ),
    (
        "/admin/v1/registration-actions",
        "get",
        "document_type",
        r#"{"type": "string", "enum": ["passport_booklet", "id_card", "birth_certificate", "permanent_residence_permit", "temporary_residence_permit", "passport_for_travel_abroad", "foreign_passport", "refugee_certificate", "additional_protection_certificate"]}"#,
    ),
    (
        "/admin/v1/registration-actions",
        "get",
        "document_number",
        r#"{"type": "string", "minLength": 1, "maxLength": 20}"#,
    ),
    (
        "/admin/v1/registration-actions",
        "get",
        "surname",
        r#"{"type": "string", "minLength": 1, "maxLength": 100}"#,
    ),
    ("/admin/v1/registration-actions", "get", "birth_date", DATE),
    (
        "/admin/v1/reports/{kind}",
        "get",
        "kind",
        r#"{"type": "string", "enum": ["late", "volumes", "overdue"]}"#,
    ),
    ("/admin/v1/reports/{kind}", "get", "from", DATE),
    ("/admin/v1/reports/{kind}", "get", "to", DATE),
    (
        "/admin/v1/reports/{kind}",
        "get",
        "format",
        r#"{"type": "string", "enum": ["json", "csv"]}"#,
    ),
    (
        "/admin/v1/registration-bodies/{edrpou}/suspend",
        "post",
        "edrpou",
        EDRPOU,
    ),
    (
        "/admin/v1/registration-bodies/{edrpou}/reactivate",
        "post",
        "edrpou",
        EDRPOU,
    ),
    (
        "/admin/v1/registration-bodies/{edrpou}/tokens",
        "post",
        "edrpou",
        EDRPOU,
    ),
    (
        "/admin/v1/registration-bodies/{edrpou}/tokens-revoke",
        "post",
        "edrpou",
        EDRPOU,
    ),
    (
        "/admin/v1/registration-bodies/{edrpou}/trembita-clients",
        "post",
        "edrpou",
        EDRPOU,
    ),
    (
        "/admin/v1/registration-bodies/{edrpou}/trembita-clients-revoke",
        "post",
        "edrpou",
        EDRPOU,
    ),
    (
        "/admin/v1/registration-bodies/{edrpou}",
        "get",
        "edrpou",
        EDRPOU,
    ),
    ("/admin/v1/registration-bodies", "get", "q", FILTER),
    (
        "/admin/v1/registration-bodies",
        "get",
        "status",
        r#"{"type": "string", "enum": ["active", "suspended"]}"#,
    ),
    (
        "/admin/v1/datasets",
        "get",
        "state",
        r#"{"type": "string", "enum": ["building", "sealed", "delivered", "acknowledged", "failed"]}"#,
    ),
    ("/admin/v1/audit", "get", "actor", FILTER),
    ("/admin/v1/audit", "get", "event", FILTER),
    ("/admin/v1/audit", "get", "target", FILTER),
    (
        "/admin/v1/audit",
        "get",
        "from",
        r#"{"type": "string", "format": "date-time"}"#,
    ),
    (
        "/admin/v1/audit",
        "get",
        "to",
        r#"{"type": "string", "format": "date-time"}"#,
    ),
    ("/admin/v1/calendar-overrides", "get", "from", DATE),
    ("/admin/v1/calendar-overrides", "get", "to", DATE),
];

/// `(component, property, schema)` merged into the derived property schema.
const PROPERTIES: &[(&str, &str, &str)] = &[
    ("CalendarOverride", "reason", TEXT),
    ("EndRestriction", "reason", TEXT),
    ("NewRegisterEntry", "unzr", UNZR),
    (
        "EntryDocument",
        "type",
        r#"{"enum": ["passport_booklet", "id_card", "birth_certificate", "permanent_residence_permit", "temporary_residence_permit", "passport_for_travel_abroad", "foreign_passport", "refugee_certificate", "additional_protection_certificate"]}"#,
    ),
    (
        "EntryDocument",
        "number",
        r#"{"minLength": 1, "maxLength": 20}"#,
    ),
    ("NewRestriction", "katottg", KATOTTG),
    ("NewRestriction", "legal_basis", TEXT),
    ("NewBody", "edrpou", EDRPOU),
    ("NewBody", "name", TEXT),
    ("NewBody", "hromada", KATOTTG),
    (
        "Credential",
        "value",
        r#"{"type": "string", "minLength": 1}"#,
    ),
];

/// Apply [`PARAMETERS`] and [`PROPERTIES`], and document `400` (a query string that cannot be
/// read: a value of the wrong type, a repeated parameter) on every operation with a query, and
/// `408` and `415` on every operation with a request body (the body extractor's answers).
/// Returns the targets that were not found, so a renamed field cannot silently drop a rule.
pub(super) fn refine(doc: &mut Value) -> Vec<String> {
    let mut missing = Vec::new();
    match doc["paths"]["/admin/v1/reports/{kind}"]["get"]["responses"].get_mut("200") {
        Some(ok) => {
            ok["content"] = json!({
                "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
                "text/csv": {"schema": {"type": "string"}}
            });
        }
        None => missing.push("reports 200".to_owned()),
    }
    for (path, method, name, schema) in PARAMETERS {
        let schema: Value = serde_json::from_str(schema).unwrap_or(Value::Null);
        let found = doc["paths"][path][method]["parameters"]
            .as_array_mut()
            .and_then(|ps| ps.iter_mut().find(|p| p["name"] == *name));
        match found {
            Some(p) => {
                p["schema"] = schema;
            }
            None => missing.push(format!("{method} {path} ?{name}")),
        }
    }
    for (component, property, schema) in PROPERTIES {
        let extra: Value = serde_json::from_str(schema).unwrap_or(Value::Null);
        match doc["components"]["schemas"][component]["properties"]
            .get_mut(property)
            .and_then(Value::as_object_mut)
        {
            Some(p) => {
                if let Value::Object(extra) = extra {
                    p.extend(extra);
                }
            }
            None => missing.push(format!("{component}.{property}")),
        }
    }
    if let Some(paths) = doc["paths"].as_object_mut() {
        for item in paths.values_mut() {
            for op in item
                .as_object_mut()
                .into_iter()
                .flat_map(|m| m.values_mut())
            {
                let has_query = op["parameters"]
                    .as_array()
                    .is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"));
                let has_body = op.get("requestBody").is_some();
                if has_body && op["responses"].get("415").is_none() {
                    op["responses"]["415"] = json!({
                        "description": "The request body is not application/json",
                        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
                    });
                }
                if has_body && op["responses"].get("408").is_none() {
                    op["responses"]["408"] = json!({
                        "description": "The request body did not arrive in time; nothing was stored",
                        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
                    });
                }
                if (has_query || has_body) && op["responses"].get("400").is_none() {
                    let why = if has_body {
                        "The request body is not well-formed JSON"
                    } else {
                        "The query string cannot be read (a value of the wrong type, a repeated parameter)"
                    };
                    op["responses"]["400"] = json!({
                        "description": why,
                        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
                    });
                }
            }
        }
    }
    missing
}
