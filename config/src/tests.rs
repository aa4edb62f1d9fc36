//! Layering, problem collection, redaction and the example file.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::result_large_err)]

use super::*;
use std::collections::HashMap;

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| map.get(name).cloned()
}

#[test]
fn the_registry_is_consistent_and_every_default_is_valid() {
    let builtin = Layers::builtin();
    assert!(builtin.problems().is_empty(), "{:?}", builtin.problems());
    for (i, k) in KEYS.iter().enumerate() {
        assert!(
            SECTIONS.iter().any(|(s, _)| *s == k.section()),
            "{}: unknown section",
            k.path
        );
        assert!(
            k.env == "DATABASE_URL" || k.env.starts_with("DMS_"),
            "{}",
            k.env
        );
        assert!(k.default.is_some() || !k.example.is_empty(), "{}", k.path);
        for other in &KEYS[i + 1..] {
            assert_ne!(k.path, other.path);
            assert_ne!(k.env, other.env);
        }
    }
}

#[test]
fn a_flag_beats_the_environment_which_beats_the_file_which_beats_the_default() {
    figment::Jail::expect_with(|jail| {
        let file = jail.directory().join("dms.toml");
        jail.create_file(
            &file,
            "keys_dir = \"/from/file\"\n[api]\nlisten = \"127.0.0.1:1\"\nbody_timeout_secs = 7\n\
             [db]\npool_size = 3\n",
        )?;
        // Only the variables set here: an operator's environment must not change the outcome.
        jail.clear_env();
        jail.set_env("DMS_API_LISTEN", "127.0.0.1:2");
        jail.set_env("DMS_DB_POOL_SIZE", "4");
        let flags = Flags::new().set("api.listen", "--listen", Some("127.0.0.1:3"));
        let mut l = Layers::load(Some(&file), flags);
        // default only
        assert_eq!(l.get::<u64>("db.wait_timeout_secs"), Some(5));
        assert_eq!(l.source("db.wait_timeout_secs"), "default");
        // file over default
        assert_eq!(l.get::<u64>("api.body_timeout_secs"), Some(7));
        assert_eq!(l.get::<String>("keys_dir").as_deref(), Some("/from/file"));
        assert!(l.source("keys_dir").starts_with("file "));
        // environment over file, read as a number
        assert_eq!(l.get::<usize>("db.pool_size"), Some(4));
        assert_eq!(l.source("db.pool_size"), "env DMS_DB_POOL_SIZE");
        // flag over environment
        assert_eq!(
            l.get::<String>("api.listen").as_deref(),
            Some("127.0.0.1:3")
        );
        assert_eq!(l.source("api.listen"), "flag --listen");
        // unset optional key
        assert_eq!(l.get::<String>("api.admin_listen"), None);
        assert!(l.problems().is_empty(), "{:?}", l.problems());
        Ok(())
    });
}

#[test]
fn every_bad_value_is_reported_not_just_the_first() {
    figment::Jail::expect_with(|jail| {
        let file = jail.directory().join("dms.toml");
        jail.create_file(
            &file,
            "[api]\nbody_timeout_secs = \"soon\"\nlistn = \"x\"\n[db]\npool_size = -1\n[nonsense]\na = 1\n",
        )?;
        let mut l = Layers::load_with(
            Some(&file),
            Flags::new(),
            env(&[("DMS_FEEDER_MAX_ATTEMPTS", "many")]),
        );
        assert_eq!(l.get::<u64>("api.body_timeout_secs"), None);
        assert_eq!(l.get::<usize>("db.pool_size"), None);
        assert_eq!(l.get::<i32>("feeder.max_attempts"), None);
        l.require("database_url");
        let problems = l.finish(()).unwrap_err().problems;
        let text = problems.join("\n");
        assert_eq!(problems.len(), 6, "{text}");
        for needle in [
            "unknown key api.listn",
            "unknown key nonsense",
            "api.body_timeout_secs = \"soon\" (file ",
            "db.pool_size = -1 (file ",
            "feeder.max_attempts = \"many\" (env DMS_FEEDER_MAX_ATTEMPTS)",
            "database_url is not set (set DATABASE_URL",
        ] {
            assert!(text.contains(needle), "{needle} missing from\n{text}");
        }
        Ok(())
    });
}

#[test]
fn a_missing_or_broken_file_is_a_problem_beside_the_others() {
    let mut l = Layers::load_with(
        Some(Path::new("/nonexistent/dms.toml")),
        Flags::new(),
        env(&[("DMS_DB_POOL_SIZE", "x")]),
    );
    let _ = l.get::<usize>("db.pool_size");
    assert_eq!(l.problems().len(), 2, "{:?}", l.problems());
    figment::Jail::expect_with(|jail| {
        let file = jail.directory().join("dms.toml");
        jail.create_file(&file, "[api\nlisten = ")?;
        let mut l = Layers::load_with(Some(&file), Flags::new(), env(&[]));
        // The defaults are still readable.
        assert_eq!(l.get::<u64>("api.body_timeout_secs"), Some(20));
        assert_eq!(l.problems().len(), 1, "{:?}", l.problems());
        Ok(())
    });
}

#[test]
fn lists_come_from_arrays_or_semicolon_separated_text() {
    let mut l = Layers::load_with(
        None,
        Flags::new(),
        env(&[("DMS_FEEDER_CRON", "0 */5 * * * *; 0 0 3 * * *")]),
    );
    assert_eq!(
        l.get_list("feeder.cron").unwrap(),
        ["0 */5 * * * *", "0 0 3 * * *"]
    );
    let mut d = Layers::builtin();
    assert_eq!(d.get_list("feeder.cron").unwrap(), ["0 */10 * * * *"]);
}

#[test]
fn environment_values_are_taken_as_written() {
    let mut l = Layers::load_with(
        None,
        Flags::new(),
        env(&[
            ("DMS_SIGNING_KID", "20260101"),
            ("DMS_METRICS_TOKEN", "[not-an-array]"),
        ]),
    );
    assert_eq!(l.get::<String>("signing_kid").as_deref(), Some("20260101"));
    assert_eq!(
        l.get::<String>("api.metrics_token").as_deref(),
        Some("[not-an-array]")
    );
}

#[test]
fn secrets_are_redacted_when_shown_or_reported() {
    let mut l = Layers::load_with(
        None,
        Flags::new(),
        env(&[
            ("DATABASE_URL", "postgres://dms:hunter22@db/dms"),
            ("DMS_METRICS_TOKEN", "0123456789abcdef-secret"),
        ]),
    );
    let _ = l.get::<String>("database_url");
    let _ = l.get::<String>("api.metrics_token");
    let _ = l.get::<String>("api.admin_listen");
    l.invalid("api.metrics_token", "too short");
    let shown = l.show("test");
    let problems = l.problems().join("\n");
    for text in [&shown, &problems] {
        assert!(
            !text.contains("hunter22") && !text.contains("secret"),
            "{text}"
        );
    }
    assert!(
        shown.contains("database_url = \"postgres://dms:***@db/dms\""),
        "{shown}"
    );
    assert!(shown.contains("# env DATABASE_URL"), "{shown}");
    assert!(shown.contains("# admin_listen ="), "{shown}");
    // What `show` prints is TOML (comments aside).
    let parsed: toml::Table = toml::from_str(&shown).unwrap();
    assert_eq!(parsed["api"]["metrics_token"].as_str(), Some("<hidden>"));
}

#[test]
fn the_committed_example_file_is_the_generated_one() {
    let committed = include_str!("../../ops/dms.example.toml");
    assert_eq!(
        committed,
        example(),
        "regenerate it: dms-api config example > ops/dms.example.toml"
    );
    // Uncommented, the example is a valid file holding every key.
    let uncommented: String = committed
        .lines()
        .map(|l| match l.strip_prefix('#') {
            Some(rest) if rest.contains(" = ") && !rest.starts_with(' ') => rest,
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let table: toml::Table = toml::from_str(&uncommented).unwrap();
    for key in KEYS {
        let found = match key.path.split_once('.') {
            Some((s, n)) => table.get(s).and_then(|t| t.get(n)),
            None => table.get(key.path),
        };
        assert!(found.is_some(), "{} missing from the example", key.path);
    }
}

#[cfg(unix)]
#[test]
fn a_flag_that_cannot_be_a_configuration_value_is_a_problem_not_ignored() {
    use std::os::unix::ffi::OsStrExt;
    let path = PathBuf::from(std::ffi::OsStr::from_bytes(&[b'/', 0xff]));
    let l = Layers::load_with(
        None,
        Flags::new().set("keys_dir", "--keys-dir", Some(&path)),
        env(&[]),
    );
    assert_eq!(l.problems().len(), 1, "{:?}", l.problems());
    assert!(l.problems()[0].starts_with("--keys-dir: "));
}
