//! The OpenAPI 3.1 description, generated from the route modules (each one's `Doc`) and built
//! once at start-up; it depends on the routes, never the reverse. Generated from the handlers and DTOs, with the request body's
//! schema taken verbatim from the published `registration-action.v1` JSON Schema (its `$defs`
//! lifted into components) so there is one source of truth for the contract.

use crate::problem::Problem;
use crate::routes::{admin, community, ops};
use dms_schemas::FieldError;
use serde_json::{json, Value};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

mod refine;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ДМС — обмін відомостями про реєстрацію місця проживання (registration action exchange)",
        version = "1.0.0",
        description = "The State Migration Service side of the residence registration exchange: community registers submit registration actions and receive signed confirmations (receipts) that make them legally complete."
    ),
    servers(
        (url = "http://127.0.0.1:8080", description = "The direct channel of the sandbox that `ops/run` starts (bearer tokens); DMS gives each register its production address"),
        (url = "https://127.0.0.1:8081", description = "The Трембіта listener of the sandbox (mutual TLS with the security server's certificate); in production a register calls it through its own security server"),
        (url = "http://127.0.0.1:8082", description = "The staff listener of the sandbox (staff tokens)")
    ),
    components(schemas(Problem, FieldError)),
    modifiers(&Security)
)]
struct ApiDoc;

/// The generated part: the frame above and each route module's own `Doc`.
fn generated() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    for part in [
        community::registration_actions::Doc::openapi(),
        community::verification_requests::Doc::openapi(),
        community::notifications::Doc::openapi(),
        community::reconciliation::Doc::openapi(),
        community::codifier::Doc::openapi(),
        community::bulk_loads::Doc::openapi(),
        community::sandbox::Doc::openapi(),
        admin::verification_requests::Doc::openapi(),
        admin::registration_bodies::Doc::openapi(),
        admin::registration_bodies_read::Doc::openapi(),
        admin::datasets::Doc::openapi(),
        admin::register_entries::Doc::openapi(),
        admin::persons::Doc::openapi(),
        admin::officials::Doc::openapi(),
        admin::bulk_loads::Doc::openapi(),
        admin::calendar::Doc::openapi(),
        admin::territory_restrictions::Doc::openapi(),
        admin::search::Doc::openapi(),
        admin::reports::Doc::openapi(),
        admin::audit::Doc::openapi(),
        ops::health::Doc::openapi(),
        ops::metrics::Doc::openapi(),
        ops::jwks::Doc::openapi(),
        ops::openapi::Doc::openapi(),
    ] {
        doc.merge(part);
    }
    doc
}

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
                    .description(Some("Admin listener: a DMS staff member's token (role officer, supervisor, auditor, or issuance: the document-issuance system)"))
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

const EXAMPLES: [(&str, &str); 8] = [
    (
        "declaration_of_residence",
        include_str!("../../../schemas/examples/declaration-of-residence.json"),
    ),
    (
        "declaration_of_stay",
        include_str!("../../../schemas/examples/declaration-of-stay.json"),
    ),
    (
        "registration_of_residence",
        include_str!("../../../schemas/examples/registration-of-residence.json"),
    ),
    (
        "registration_of_stay",
        include_str!("../../../schemas/examples/registration-of-stay.json"),
    ),
    (
        "deregistration_of_residence",
        include_str!("../../../schemas/examples/deregistration-of-residence.json"),
    ),
    (
        "deregistration_of_stay",
        include_str!("../../../schemas/examples/deregistration-of-stay.json"),
    ),
    (
        "cancellation",
        include_str!("../../../schemas/examples/cancellation.json"),
    ),
    (
        "registration_of_residence_foreign_child",
        include_str!("../../../schemas/examples/registration-of-residence-foreign-child.json"),
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
    let mut doc = serde_json::to_value(generated()).unwrap_or_else(|_| json!({}));
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
    refine::refine(&mut doc);
    document_rate_limits(&mut doc);
    doc
}

/// Every operation may be answered `429` (a peer address or a client over its rate limit) with
/// `Retry-After`.
fn document_rate_limits(doc: &mut Value) {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            if !["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                continue;
            }
            op["responses"]["429"] = json!({
                "description": "Too many requests from this address or client; nothing was done. Retry after Retry-After seconds.",
                "headers": {"Retry-After": {"required": true, "schema": {"type": "integer", "minimum": 1}}},
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
            });
        }
    }
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
        let mut doc = serde_json::to_value(super::generated()).unwrap_or_default();
        assert_eq!(super::refine::refine(&mut doc), Vec::<String>::new());
    }
}
