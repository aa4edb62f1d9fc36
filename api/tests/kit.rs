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

/// Every community path of the document belongs to a Трембіта service the guides name, so a
/// vendor can configure its security server for each operation.
#[test]
fn every_community_path_has_its_trembita_service_in_both_guides() {
    for name in ["integration-guide.en.md", "integration-guide.uk.md"] {
        let text = guide(name);
        // Rows `| \`<code>_v1\` | \`/v1/…\`, … |`: each service and the path prefixes it covers.
        let prefixes: Vec<String> = text
            .lines()
            .filter(|l| l.starts_with("| `") && l.contains("_v1` |"))
            .flat_map(|l| {
                l.split('|')
                    .nth(2)
                    .unwrap_or_default()
                    .split(',')
                    .map(|p| p.trim().trim_matches('`').trim_end_matches('…').to_owned())
                    .collect::<Vec<_>>()
            })
            .collect();
        assert!(prefixes.len() >= 3, "{name}: the services table");
        let doc = document();
        for path in doc["paths"].as_object().unwrap().keys() {
            if !path.starts_with("/v1/") {
                continue;
            }
            assert!(
                prefixes.iter().any(|p| path.starts_with(p.as_str())),
                "{name}: {path} belongs to no Трембіта service ({prefixes:?})"
            );
        }
    }
}
