//! The integration guides (`docs/integration-guide.uk.md`, `docs/integration-guide.en.md`) list
//! exactly the codes the service can return: every problem `code` of `ApiError` with its HTTP
//! status, and every field code of the `dms_schemas::codes` registry. A code added, renamed or
//! dropped in the service without the guides (or the reverse) fails here. Also checked: both guides
//! have the same structure, and each embeds every file of `schemas/examples/` verbatim.
//! No database needed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use actix_web::ResponseError;
use dms_api::codes::all_field_codes;
use dms_api::problem::ApiError;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A guide and the headings its two code tables sit under.
struct Guide {
    file: &'static str,
    problem_heading: &'static str,
    field_heading: &'static str,
}

const GUIDES: [Guide; 2] = [
    Guide {
        file: "integration-guide.uk.md",
        problem_heading: "### Коди проблем",
        field_heading: "### Коди помилок полів",
    },
    Guide {
        file: "integration-guide.en.md",
        problem_heading: "### Problem codes",
        field_heading: "### Field codes",
    },
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read_guide(file: &str) -> String {
    let path = workspace().join("docs").join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The lines of a Markdown text outside fenced code blocks, with their line numbers.
fn prose_lines(text: &str) -> Vec<(usize, &str)> {
    let mut fenced = false;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced {
            out.push((i + 1, line));
        }
    }
    out
}

/// The cells of a table row (`\|` is a literal bar inside a cell).
fn cells(row: &str) -> Vec<String> {
    let inner = row.trim().trim_start_matches('|').trim_end_matches('|');
    inner
        .replace("\\|", "\u{0}")
        .split('|')
        .map(|c| c.trim().replace('\u{0}', "|"))
        .collect()
}

/// The first table under `heading` (before the next heading): code (the first cell, a single
/// backticked code) → the other cells, in order. Every malformed or repeated row is an error.
fn code_table(text: &str, heading: &str) -> Result<Vec<(String, Vec<String>)>, Vec<String>> {
    let lines = prose_lines(text);
    let starts: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, (_, l))| l.trim_end() == heading)
        .map(|(i, _)| i)
        .collect();
    let start = match starts.as_slice() {
        [one] => *one,
        [] => return Err(vec![format!("no heading `{heading}`")]),
        _ => {
            return Err(vec![format!(
                "the heading `{heading}` appears more than once"
            )])
        }
    };
    let after = &lines[start + 1..];
    let Some(first) = after
        .iter()
        .position(|(_, l)| l.starts_with('|') || l.starts_with('#'))
        .filter(|&i| after[i].1.starts_with('|'))
    else {
        return Err(vec![format!("no table under `{heading}`")]);
    };
    let table: Vec<(usize, &str)> = after[first..]
        .iter()
        .take_while(|(_, l)| l.starts_with('|'))
        .copied()
        .collect();
    let mut errors = Vec::new();
    if table.len() < 2
        || !cells(table[1].1)
            .iter()
            .all(|c| c.trim_matches([':', '-']).is_empty())
    {
        errors.push(format!(
            "the table under `{heading}` has no header separator"
        ));
    }
    let mut rows = Vec::new();
    let mut seen = BTreeSet::new();
    for (n, row) in table.iter().skip(2) {
        let mut c = cells(row);
        let first = c.remove(0);
        let code = first
            .strip_prefix('`')
            .and_then(|s| s.strip_suffix('`'))
            .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
        match code {
            Some(code) if seen.insert(code.to_owned()) => rows.push((code.to_owned(), c)),
            Some(code) => errors.push(format!("line {n}: `{code}` is listed twice")),
            None => errors.push(format!(
                "line {n}: the first cell `{first}` is not a `code`"
            )),
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// What is missing from a listed set and what it lists that does not exist.
fn compare(what: &str, listed: &BTreeSet<&str>, real: &BTreeSet<&str>) -> Vec<String> {
    let mut errors = Vec::new();
    for missing in real.difference(listed) {
        errors.push(format!(
            "{what}: `{missing}` can be returned but is not listed"
        ));
    }
    for unknown in listed.difference(real) {
        errors.push(format!(
            "{what}: `{unknown}` is listed but the service has no such code"
        ));
    }
    errors
}

fn check_guide(guide: &Guide) -> Vec<String> {
    let text = read_guide(guide.file);
    let mut errors = Vec::new();

    let statuses: BTreeMap<&str, u16> = ApiError::every_variant()
        .iter()
        .map(|e| (e.code(), e.status_code().as_u16()))
        .collect();
    match code_table(&text, guide.problem_heading) {
        Ok(rows) => {
            let listed: BTreeSet<&str> = rows.iter().map(|(c, _)| c.as_str()).collect();
            let real: BTreeSet<&str> = statuses.keys().copied().collect();
            errors.extend(compare("problem codes", &listed, &real));
            for (code, rest) in &rows {
                let documented = rest.first().map(String::as_str).unwrap_or_default();
                if let Some(status) = statuses.get(code.as_str()) {
                    if documented != status.to_string() {
                        errors.push(format!(
                            "problem codes: `{code}` is documented with HTTP {documented:?}, the service answers {status}"
                        ));
                    }
                }
            }
        }
        Err(e) => errors.extend(e),
    }

    match code_table(&text, guide.field_heading) {
        Ok(rows) => {
            let listed: BTreeSet<&str> = rows.iter().map(|(c, _)| c.as_str()).collect();
            let real: BTreeSet<&str> = all_field_codes().into_iter().collect();
            errors.extend(compare("field codes", &listed, &real));
        }
        Err(e) => errors.extend(e),
    }

    let examples = workspace().join("schemas").join("examples");
    for entry in std::fs::read_dir(&examples).unwrap() {
        let path = entry.unwrap().path();
        let example = std::fs::read_to_string(&path).unwrap();
        if !text.contains(example.trim_end()) {
            errors.push(format!(
                "the example {} is not embedded verbatim",
                path.file_name().unwrap().to_string_lossy()
            ));
        }
    }

    errors
        .into_iter()
        .map(|e| format!("{}: {e}", guide.file))
        .collect()
}

#[test]
fn guides_list_exactly_the_codes_the_service_can_return() {
    let errors: Vec<String> = GUIDES.iter().flat_map(check_guide).collect();
    assert!(errors.is_empty(), "\n{}\n", errors.join("\n"));
}

/// Heading levels in order: the two languages must have the same structure.
fn outline(text: &str) -> Vec<usize> {
    prose_lines(text)
        .into_iter()
        .filter_map(|(_, l)| {
            let level = l.bytes().take_while(|&b| b == b'#').count();
            (level > 0 && l[level..].starts_with(' ')).then_some(level)
        })
        .collect()
}

#[test]
fn guides_have_the_same_structure() {
    let [uk, en] = GUIDES.map(|g| outline(&read_guide(g.file)));
    assert!(uk.len() > 10, "the guide has too few headings");
    assert_eq!(
        uk, en,
        "heading levels of the Ukrainian and English guides differ"
    );
}

#[test]
fn the_table_parser_catches_drift() {
    let text = "## E\n\n### Codes\n\nprose\n\n| `code` | HTTP |\n|---|---|\n| `a_b` | 400 |\n| `a_b` | 400 |\n| bad | 1 |\n\nafter\n";
    let errors = code_table(text, "### Codes").unwrap_err();
    assert_eq!(errors.len(), 2, "{errors:?}");
    let rows = code_table(
        "### C\n| `code` | x |\n|:--|--:|\n| `x` | a \\| b |\n",
        "### C",
    )
    .unwrap();
    assert_eq!(rows, [("x".to_owned(), vec!["a | b".to_owned()])]);
    assert!(code_table("### C\n\n### D\n| `x` |\n", "### C").is_err());
}
