//! The OpenAPI 3.1 description, generated from the handlers and DTOs, with the request body's
//! schema taken verbatim from the published `registration-action.v1` JSON Schema (its `$defs`
//! lifted into components) so there is one source of truth for the contract.

use crate::problem::Problem;
use crate::routes::{self, ActionRef, ActionStateResponse, FeedState, Health, ReceiptResponse};
use crate::verification;
use dms_schemas::FieldError;
use serde_json::{json, Value};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ДМС — обмін відомостями про реєстрацію місця проживання (registration action exchange)",
        version = "1.0.0",
        description = "The State Migration Service side of the residence registration exchange: community registers submit registration actions and receive signed confirmations (receipts) that make them legally complete."
    ),
    paths(
        routes::submit,
        routes::get_action,
        routes::jwks,
        routes::healthz,
        routes::readyz,
        routes::metrics,
        routes::openapi,
        verification::list_for_body,
        verification::answer,
        verification::create,
        verification::list_for_staff,
        verification::set_calendar_override,
        verification::add_restriction,
        verification::list_restrictions,
        verification::verify_audit,
        verification::notifications,
        verification::search,
        verification::report,
        verification::create_body,
        verification::manage_body
    ),
    components(schemas(
        ReceiptResponse, ActionStateResponse, ActionRef, FeedState, Problem, FieldError, Health,
        verification::VerificationRequestView, verification::CalendarOverride,
        verification::NewRestriction, verification::RestrictionView,
        verification::NoticeView, verification::NoticePage, verification::FoundAction,
        verification::NewBody, verification::BodyView, verification::Credential, verification::IssuedToken
    )),
    modifiers(&Security)
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("Direct channel: the registration body's bearer token"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "staff",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("Admin listener: a DMS staff member's token (role officer, supervisor or auditor)"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "trembita",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Uxp-Client",
                "Трембіта listener: the client id INSTANCE/CLASS/MEMBER/SUBSYSTEM set by the security server (or X-Road-Client)",
            ))),
        );
    }
}

const EXAMPLES: [(&str, &str); 7] = [
    (
        "declaration_of_residence",
        include_str!("../../schemas/examples/declaration-of-residence.json"),
    ),
    (
        "declaration_of_stay",
        include_str!("../../schemas/examples/declaration-of-stay.json"),
    ),
    (
        "registration_of_residence",
        include_str!("../../schemas/examples/registration-of-residence.json"),
    ),
    (
        "registration_of_stay",
        include_str!("../../schemas/examples/registration-of-stay.json"),
    ),
    (
        "deregistration_of_residence",
        include_str!("../../schemas/examples/deregistration-of-residence.json"),
    ),
    (
        "deregistration_of_stay",
        include_str!("../../schemas/examples/deregistration-of-stay.json"),
    ),
    (
        "cancellation",
        include_str!("../../schemas/examples/cancellation.json"),
    ),
];

/// Rewrite `#/$defs/x` references to `#/components/schemas/RegistrationAction.x`.
fn rewrite_refs(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get_mut("$ref") {
                if let Some(name) = r.strip_prefix("#/$defs/") {
                    *r = format!("#/components/schemas/RegistrationAction.{name}");
                }
            }
            map.values_mut().for_each(rewrite_refs);
        }
        Value::Array(items) => items.iter_mut().for_each(rewrite_refs),
        _ => {}
    }
}

/// The complete document, as served at `/openapi.json` and committed as `api/openapi.json`.
pub fn document() -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_else(|_| json!({}));
    let mut schema: Value = serde_json::from_str(dms_schemas::contract::REGISTRATION_ACTION_V1)
        .unwrap_or_else(|_| json!({}));
    let mut defs = schema
        .as_object_mut()
        .and_then(|m| {
            m.remove("$schema");
            m.remove("$id");
            m.remove("$defs")
        })
        .unwrap_or_else(|| json!({}));
    rewrite_refs(&mut schema);
    rewrite_refs(&mut defs);
    let schemas = &mut doc["components"]["schemas"];
    if let Some(defs) = defs.as_object() {
        for (name, def) in defs {
            schemas[format!("RegistrationAction.{name}")] = def.clone();
        }
    }
    schemas["RegistrationAction"] = schema;
    let examples: serde_json::Map<String, Value> = EXAMPLES
        .iter()
        .map(|(name, text)| {
            let value: Value = serde_json::from_str(text).unwrap_or(Value::Null);
            (name.to_string(), json!({ "value": value }))
        })
        .collect();
    doc["paths"]["/v1/registration-actions"]["post"]["requestBody"]["content"]
        ["application/json"] = json!({
        "schema": { "$ref": "#/components/schemas/RegistrationAction" },
        "examples": examples,
    });
    inject_contract(
        &mut doc,
        "VerificationRequest",
        dms_schemas::contract::VERIFICATION_REQUEST_V1,
        "/admin/v1/verification-requests",
    );
    inject_contract(
        &mut doc,
        "VerificationAnswer",
        dms_schemas::contract::VERIFICATION_ANSWER_V1,
        "/v1/verification-requests/{id}/answer",
    );
    refine(&mut doc);
    doc
}

/// Put a published JSON Schema (with its `$defs` inlined) in the components as `name` and make
/// it the request body of `POST path`.
fn inject_contract(doc: &mut Value, name: &str, text: &str, path: &str) {
    let mut schema: Value = serde_json::from_str(text).unwrap_or_else(|_| json!({}));
    let defs = schema.as_object_mut().and_then(|m| {
        m.remove("$schema");
        m.remove("$id");
        m.remove("$defs")
    });
    if let Some(defs) = defs {
        inline_defs(&mut schema, &defs);
    }
    doc["components"]["schemas"][name] = schema;
    doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"] =
        json!({ "$ref": format!("#/components/schemas/{name}") });
}

fn inline_defs(v: &mut Value, defs: &Value) {
    match v {
        Value::Object(map) => {
            let target = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/$defs/"))
                .and_then(|n| defs.get(n))
                .cloned();
            if let Some(mut def) = target {
                inline_defs(&mut def, defs);
                map.remove("$ref");
                if let Value::Object(d) = def {
                    map.extend(d);
                }
            } else {
                map.values_mut().for_each(|x| inline_defs(x, defs));
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|x| inline_defs(x, defs)),
        _ => {}
    }
}

const DATE: &str = r#"{"type": "string", "format": "date"}"#;
const UNZR: &str = r#"{"type": "string", "pattern": "^[0-9]{8}-[0-9]{5}$"}"#;
const EDRPOU: &str = r#"{"type": "string", "pattern": "^[0-9]{8}$"}"#;
const KATOTTG: &str = r#"{"type": "string", "pattern": "^UA[0-9]{17}$"}"#;
const TEXT: &str = r#"{"type": "string", "minLength": 1, "pattern": "\\S"}"#;
const UUID: &str = r#"{"type": "string", "format": "uuid"}"#;

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
        r#"{"type": "string", "enum": ["passport_booklet", "id_card", "birth_certificate", "permanent_residence_permit", "temporary_residence_permit"]}"#,
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
        "/admin/v1/registration-bodies/{edrpou}/{action}",
        "post",
        "edrpou",
        EDRPOU,
    ),
    (
        "/admin/v1/registration-bodies/{edrpou}/{action}",
        "post",
        "action",
        r#"{"type": "string", "enum": ["suspend", "reactivate", "tokens", "tokens-revoke", "trembita-clients", "trembita-clients-revoke"]}"#,
    ),
];

/// `(component, property, schema)` merged into the derived property schema.
const PROPERTIES: &[(&str, &str, &str)] = &[
    ("CalendarOverride", "reason", TEXT),
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
/// read: a value of the wrong type, a repeated parameter) on every operation with a query.
/// Returns the targets that were not found, so a renamed field cannot silently drop a rule.
fn refine(doc: &mut Value) -> Vec<String> {
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

/// The document as committed: pretty-printed with a trailing newline.
pub fn document_text() -> String {
    let mut text = serde_json::to_string_pretty(&document()).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_refinement_names_something_that_exists() {
        let mut doc =
            serde_json::to_value(<super::ApiDoc as utoipa::OpenApi>::openapi()).unwrap_or_default();
        assert_eq!(super::refine(&mut doc), Vec::<String>::new());
    }
}
