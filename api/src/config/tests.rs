#![allow(clippy::unwrap_used, clippy::expect_used, clippy::result_large_err)]
use super::*;
use std::collections::HashMap;

fn layers(file: Option<&std::path::Path>, env: &[(&str, &str)], flags: &ServeFlags) -> Layers {
    let env: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| ((*k).into(), (*v).into()))
        .collect();
    Layers::load_with(file, flags.to_layer(), move |k| env.get(k).cloned())
}

#[test]
fn the_defaults_are_the_documented_ones() {
    let s = Settings::new("postgres://localhost/dms");
    assert_eq!(s.listen, "127.0.0.1:8080");
    assert_eq!(s.keys_dir, PathBuf::from(".local/keys"));
    assert_eq!(s.db_pool_size, 16);
    assert_eq!(
        (
            s.db_wait_timeout_secs,
            s.db_create_timeout_secs,
            s.db_recycle_timeout_secs
        ),
        (5, 3, 2)
    );
    assert_eq!(s.body_timeout_secs, 20);
    assert_eq!(
        (s.trembita_listen, s.admin_listen, s.ops_listen),
        (None, None, None)
    );
    assert_eq!(
        (s.metrics_token, s.workers, s.signing_kid),
        (None, None, None)
    );
    assert_eq!(s.jobs, JobsSettings::default());
    let (_, l) = Settings::layered(Layers::builtin(), Needs::Nothing);
    assert!(l.problems().is_empty(), "{:?}", l.problems());
}

#[test]
fn default_then_file_then_environment_then_flag() {
    figment::Jail::expect_with(|jail| {
        let file = jail.directory().join("dms.toml");
        jail.create_file(
            &file,
            "database_url = \"postgres://file/dms\"\n\
             [api]\nlisten = \"127.0.0.1:1001\"\nadmin_listen = \"127.0.0.1:1002\"\n\
             trembita_listen = \"127.0.0.1:1003\"\n[db]\npool_size = 3\n\
             [jobs]\naudit_seal_grace_secs = 9\n",
        )?;
        let env = [
            ("DMS_ADMIN_LISTEN", "127.0.0.1:2002"),
            ("DMS_TREMBITA_LISTEN", "127.0.0.1:2003"),
            ("DMS_TREMBITA_INSECURE_HTTP", "true"),
            ("DMS_HTTP_WORKERS", "2"),
        ];
        let flags = ServeFlags {
            trembita_listen: Some("127.0.0.1:3003".into()),
            ..ServeFlags::default()
        };
        let (s, l) = Settings::layered(layers(Some(&file), &env, &flags), Needs::Database);
        assert!(l.problems().is_empty(), "{:?}", l.problems());
        assert_eq!(s.body_timeout_secs, 20, "default");
        assert_eq!(s.database_url, "postgres://file/dms", "file");
        assert_eq!(s.listen, "127.0.0.1:1001", "file");
        assert_eq!(s.db_pool_size, 3, "file");
        assert_eq!(s.jobs.audit_seal_grace_secs, 9, "file");
        assert_eq!(
            s.admin_listen.as_deref(),
            Some("127.0.0.1:2002"),
            "env over file"
        );
        assert_eq!(s.workers, Some(2), "env");
        assert_eq!(
            s.trembita_listen.as_deref(),
            Some("127.0.0.1:3003"),
            "flag over env"
        );
        let shown = l.show("dms-api");
        assert!(shown.contains("# flag --trembita-listen"), "{shown}");
        assert!(shown.contains("# env DMS_ADMIN_LISTEN"), "{shown}");
        Ok(())
    });
}

#[test]
fn every_problem_is_named_at_once() {
    let env = [
        ("DMS_API_LISTEN", "no-port"),
        ("DMS_ADMIN_LISTEN", "127.0.0.1:8080"),
        ("DMS_DB_POOL_SIZE", "0"),
        ("DMS_BODY_TIMEOUT_SECS", "twenty"),
        ("DMS_METRICS_TOKEN", "short"),
        ("DMS_MARK_OVERDUE_CRON", "*/15 * * * *"),
    ];
    let flags = ServeFlags {
        listen: Some("127.0.0.1:8080".into()),
        ..ServeFlags::default()
    };
    // The flag fixes the listener, so the admin listener now collides with it.
    let (_, l) = Settings::layered(layers(None, &env, &flags), Needs::Database);
    let err = l.finish(()).unwrap_err();
    let text = err.to_string();
    assert_eq!(err.problems.len(), 6, "{text}");
    for needle in [
        "database_url is not set",
        "api.admin_listen = \"127.0.0.1:8080\" (env DMS_ADMIN_LISTEN): the same address as api.listen",
        "db.pool_size = \"0\" (env DMS_DB_POOL_SIZE): must be at least 1",
        "api.body_timeout_secs = \"twenty\" (env DMS_BODY_TIMEOUT_SECS)",
        "api.metrics_token = \"<hidden>\" (env DMS_METRICS_TOKEN): at least 16 characters",
        "jobs.mark_overdue_cron = \"*/15 * * * *\" (env DMS_MARK_OVERDUE_CRON): not a cron",
    ] {
        assert!(text.contains(needle), "{needle} missing from\n{text}");
    }
    assert!(!text.contains("short"), "{text}");
}

#[test]
fn the_trembita_listener_serves_tls_or_plain_http_only_when_asked_on_loopback() {
    let problems = |env: &[(&str, &str)]| {
        let (_, l) = Settings::layered(layers(None, env, &ServeFlags::default()), Needs::Nothing);
        l.problems().join("\n")
    };
    let plain = problems(&[("DMS_TREMBITA_LISTEN", "127.0.0.1:8081")]);
    assert!(
        plain.contains("api.trembita_listen") && plain.contains("serves TLS"),
        "{plain}"
    );
    let dev = [
        ("DMS_TREMBITA_LISTEN", "127.0.0.1:8081"),
        ("DMS_TREMBITA_INSECURE_HTTP", "true"),
    ];
    assert_eq!(problems(&dev), "");
    let exposed = problems(&[
        ("DMS_TREMBITA_LISTEN", "0.0.0.0:8081"),
        ("DMS_TREMBITA_INSECURE_HTTP", "true"),
    ]);
    assert!(
        exposed.contains("DMS_TREMBITA_INSECURE_HTTP") && exposed.contains("loopback"),
        "{exposed}"
    );
    let no_client_auth = problems(&[
        ("DMS_TREMBITA_LISTEN", "0.0.0.0:8081"),
        ("DMS_TREMBITA_TLS_CERT", "server.crt"),
        ("DMS_TREMBITA_TLS_KEY", "server.key"),
    ]);
    assert!(
        no_client_auth.contains("client certificate"),
        "{no_client_auth}"
    );
    let tls = [
        ("DMS_TREMBITA_LISTEN", "0.0.0.0:8081"),
        ("DMS_TREMBITA_TLS_CERT", "server.crt"),
        ("DMS_TREMBITA_TLS_KEY", "server.key"),
        ("DMS_TREMBITA_TLS_CLIENT_FINGERPRINTS", &"ab".repeat(32)),
    ];
    assert_eq!(problems(&tls), "");
    let mtls = problems(&[("DMS_API_CHANNEL", "mtls")]);
    assert!(mtls.contains("api.tls_cert"), "{mtls}");
}

#[test]
fn commands_without_the_database_do_not_need_its_url() {
    let (_, l) = Settings::layered(layers(None, &[], &ServeFlags::default()), Needs::Nothing);
    assert!(l.problems().is_empty(), "{:?}", l.problems());
}

#[test]
fn the_password_never_reaches_debug_output() {
    let mut s = Settings::new("postgres://dms:hunter22@db/dms");
    s.metrics_token = Some("0123456789abcdefXYZ".into());
    let text = format!("{s:?}");
    assert!(
        !text.contains("hunter22") && !text.contains("XYZ"),
        "{text}"
    );
}

#[test]
fn listener_addresses_are_host_and_port() {
    for ok in [
        "127.0.0.1:8080",
        "localhost:80",
        "[::1]:8080",
        "0.0.0.0:0",
        "dms-api.internal:443",
    ] {
        assert!(is_host_port(ok), "{ok}");
    }
    for bad in [
        "8080",
        "127.0.0.1",
        "127.0.0.1:99999",
        ":8080",
        "[::1",
        "a b:80",
    ] {
        assert!(!is_host_port(bad), "{bad}");
    }
}
