//! What a register vendor reads in the kit agrees with the service: regressions of the defects
//! a vendor found building a client from the kit alone. No database needed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;

fn document() -> Value {
    serde_json::from_str(&dms_api::openapi::document_text()).unwrap()
}

fn guide(name: &str) -> String {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::read_to_string(root.join("docs").join(name)).unwrap()
}

#[test]
fn the_document_names_where_to_call() {
    let doc = document();
    let servers = doc["servers"].as_array().expect("servers");
    assert!(!servers.is_empty());
    assert!(servers
        .iter()
        .all(|s| s["url"].as_str().unwrap().starts_with("http")));
}

#[test]
fn no_staff_only_parameter_shows_on_a_community_operation() {
    let doc = document();
    for (path, item) in doc["paths"].as_object().unwrap() {
        if !path.starts_with("/v1/") {
            continue;
        }
        for (method, op) in item.as_object().unwrap() {
            for p in op["parameters"].as_array().into_iter().flatten() {
                let name = p["name"].as_str().unwrap();
                assert_ne!(
                    name, "registration_body",
                    "{method} {path} shows the staff-only parameter"
                );
            }
        }
    }
}

#[test]
fn dms_numbers_are_nowhere_said_to_be_gap_free() {
    // Descriptions keep the doc comments' line breaks.
    let text = dms_api::openapi::document_text().replace("\\n", " ");
    assert!(!text.to_lowercase().contains("gap-free"));
    assert!(
        text.contains("may have gaps"),
        "the DMS number's description says so"
    );
    assert!(guide("integration-guide.en.md").contains("may have gaps"));
}

#[test]
fn the_guides_say_what_a_request_id_identifies_and_that_a_bad_one_is_replaced() {
    let en = guide("integration-guide.en.md");
    assert!(en.contains("is replaced by a UUIDv7"));
    assert!(en.contains("not the action"));
    let uk = guide("integration-guide.uk.md");
    assert!(uk.contains("замінюється на UUIDv7"));
}

#[test]
fn the_new_community_reads_are_in_the_document() {
    let doc = document();
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths["/v1/registration-actions"].get("get").is_some());
    assert!(paths["/v1/registration-actions/validate"]
        .get("post")
        .is_some());
    assert!(paths["/v1/reconciliation/{date}"].get("get").is_some());
}
