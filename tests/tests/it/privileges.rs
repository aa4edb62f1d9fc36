//! Least privilege in PostgreSQL: the runtime role (what the service, the feeder and the everyday
//! commands connect as) has exactly the grants listed here, owns nothing, is no superuser, and
//! with its own password-authenticated connection cannot change what is append-only, drop the
//! guards, or create anything; the normal path still works.

use dms_tests::{example, fresh_database, spawn_app};
use std::collections::BTreeMap;

/// The runtime group role the migrations grant to.
const RUNTIME: &str = "dms_runtime";

/// Every table of the schema with the runtime role's table privileges and the columns it may
/// UPDATE. A new table, or a grant that is not here, fails `the_runtime_role_has_exactly_…`.
const EXPECTED: &[(&str, &str, &str)] = &[
    ("__diesel_schema_migrations", "SELECT", ""),
    ("audit_log", "INSERT,SELECT", ""),
    ("audit_seal_runs", "INSERT,SELECT", ""),
    ("audit_seals", "INSERT,SELECT", ""),
    ("bulk_load_conflicts", "INSERT,SELECT", ""),
    ("bulk_load_lines", "INSERT,SELECT", ""),
    ("bulk_load_refusals", "INSERT,SELECT", ""),
    (
        "bulk_loads",
        "INSERT,SELECT",
        "cursor_date,cursor_line,finished_at,lines_refused,lines_replayed,lines_stored,started_at,state",
    ),
    (
        "calendar_overrides",
        "INSERT,SELECT",
        "created_at,created_by,reason,working",
    ),
    ("confirmations", "INSERT,SELECT", ""),
    ("credentials", "INSERT,SELECT", "revoked_at"),
    ("dataset_ranges", "SELECT", ""),
    (
        "datasets",
        "INSERT,SELECT",
        "acknowledged_at,attempts,delivered_at,first_action_id,last_action_id,last_error,\
         manifest_sha256,next_attempt_at,record_count,records_sha256,sealed_at,state",
    ),
    (
        "feed_items",
        "INSERT,SELECT",
        "dataset_seq,position,queued_xid,reason,state,updated_at",
    ),
    ("feed_places", "SELECT", ""),
    ("katottg", "SELECT", ""),
    ("katottg_editions", "SELECT", ""),
    ("martial_law_periods", "SELECT", ""),
    ("notifications", "INSERT,SELECT", ""),
    (
        "persons",
        "INSERT,SELECT",
        "register_entry,residence_action_id,residence_body_id,unzr,updated_at",
    ),
    (
        "officials",
        "INSERT,SELECT",
        "disabled_at,failed_attempts,locked_until,name,password_hash,setup_expires_at,setup_lookup,totp_enrolled_at,totp_last_step,totp_secret",
    ),
    ("registration_actions", "INSERT,SELECT", ""),
    (
        "registration_bodies",
        "INSERT,SELECT",
        "notifications_acked,status",
    ),
    ("residence_changes", "INSERT,SELECT", ""),
    ("sandbox_mode", "SELECT", ""),
    ("staff", "INSERT,SELECT", "revoked_at"),
    ("staff_tokens", "INSERT,SELECT", "revoked_at"),
    ("territory_restriction_ends", "INSERT,SELECT", ""),
    ("territory_restrictions", "INSERT,SELECT", ""),
    ("verification_answer_corrections", "INSERT,SELECT", ""),
    (
        "verification_requests",
        "INSERT,SELECT",
        "answer,answered_at,delivered_at,due_date,overdue",
    ),
    ("web_sessions", "INSERT,SELECT", "end_reason,ended_at,last_seen_at"),
];

/// Sequences the runtime role may use (nextval); `dms_number_*` stands for every year's.
const SEQUENCES: &[&str] = &[
    "audit_log_id_seq",
    "audit_seal_runs_id_seq",
    "bulk_load_conflicts_id_seq",
    "dms_number_*",
    "notifications_id_seq",
    "verification_answer_corrections_id_seq",
];

/// Functions the runtime role may execute.
/// The trigger functions (`refuse_change`, `feed_items_requeue`) run only as triggers.
const FUNCTIONS: &[&str] = &[
    "feed_items_requeue",
    "next_dms_number",
    "purge_bulk_load_lines",
    "refuse_change",
    "sandbox_reset",
];

#[derive(diesel::QueryableByName, Debug)]
struct Relation {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    kind: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    privileges: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    columns: String,
}

#[derive(diesel::QueryableByName, Debug)]
struct Name {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

#[tokio::test]
async fn the_runtime_role_has_exactly_the_listed_privileges() {
    use diesel_async::RunQueryDsl;
    let url = fresh_database().await;
    let mut conn = dms_tests::db::connect(&url).await;
    let relations: Vec<Relation> = diesel::sql_query(
        "SELECT c.relname::text AS name, c.relkind::text AS kind, \
           coalesce((SELECT string_agg(a.privilege_type, ',' ORDER BY a.privilege_type) \
                     FROM aclexplode(c.relacl) a WHERE a.grantee = r.oid), '') AS privileges, \
           coalesce((SELECT string_agg(att.attname || ':' || x.privilege_type, ',' \
                                       ORDER BY att.attname, x.privilege_type) \
                     FROM pg_attribute att CROSS JOIN LATERAL aclexplode(att.attacl) x \
                     WHERE att.attrelid = c.oid AND x.grantee = r.oid), '') AS columns \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, pg_roles r \
         WHERE n.nspname = 'public' AND c.relkind IN ('r','p','v','m','f','S') \
           AND r.rolname = $1 ORDER BY 1",
    )
    .bind::<diesel::sql_types::Text, _>(RUNTIME)
    .load(&mut conn)
    .await
    .unwrap();

    let mut tables = BTreeMap::new();
    let mut sequences = BTreeMap::new();
    for r in &relations {
        if r.kind == "S" {
            let name = if r.name.starts_with("dms_number_") {
                "dms_number_*".to_owned()
            } else {
                r.name.clone()
            };
            let seen = sequences
                .entry(name)
                .or_insert_with(|| r.privileges.clone());
            // Every year's sequence has the same grant.
            assert_eq!(*seen, r.privileges, "sequence {}", r.name);
        } else {
            let columns: Vec<&str> = r
                .columns
                .split(',')
                .filter(|c| !c.is_empty())
                .map(|c| c.strip_suffix(":UPDATE").unwrap_or(c))
                .collect();
            // Column grants are UPDATE only (reading is granted on the table).
            assert!(
                r.columns
                    .split(',')
                    .all(|c| c.is_empty() || c.ends_with(":UPDATE")),
                "{}: {}",
                r.name,
                r.columns
            );
            tables.insert(r.name.clone(), (r.privileges.clone(), columns.join(",")));
        }
    }
    let expected: BTreeMap<String, (String, String)> = EXPECTED
        .iter()
        .map(|(t, p, c)| {
            let columns: String = c.split_whitespace().collect();
            (t.to_string(), (p.to_string(), columns))
        })
        .collect();
    assert_eq!(tables, expected, "table privileges of {RUNTIME}");
    let expected_sequences: BTreeMap<String, String> = SEQUENCES
        .iter()
        .map(|s| (s.to_string(), "USAGE".to_owned()))
        .chain(
            // Sequences the runtime never draws from: no grant at all.
            sequences
                .keys()
                .filter(|s| !SEQUENCES.contains(&s.as_str()))
                .map(|s| (s.clone(), String::new())),
        )
        .collect();
    assert_eq!(sequences, expected_sequences, "sequence privileges");
    assert_eq!(
        sequences
            .get("martial_law_periods_id_seq")
            .map(String::as_str),
        Some(""),
        "the runtime never adds martial-law periods"
    );

    let functions: Vec<Name> = diesel::sql_query(
        "SELECT p.proname::text AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
         WHERE n.nspname = 'public' AND has_function_privilege($1, p.oid, 'EXECUTE') ORDER BY 1",
    )
    .bind::<diesel::sql_types::Text, _>(RUNTIME)
    .load(&mut conn)
    .await
    .unwrap();
    let functions: Vec<String> = functions.into_iter().map(|f| f.name).collect();
    assert_eq!(functions, FUNCTIONS, "functions {RUNTIME} may execute");
    dms_tests::db::drop_database(&url).await;
}

/// Run `sql` as the runtime role; it must be refused by a privilege check (not by a trigger,
/// which would mean the privilege was there and only the trigger stood in the way).
async fn refused(conn: &mut dms_db::Conn, sql: &str) {
    use diesel_async::RunQueryDsl;
    let err = match diesel::sql_query(sql).execute(conn).await {
        Ok(n) => panic!("{sql}: allowed ({n} rows) to the runtime role"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("permission denied")
            || err.contains("must be owner")
            || err.contains("must be superuser"),
        "{sql}: refused, but not for lack of privilege: {err}"
    );
}

#[tokio::test]
async fn the_runtime_role_cannot_change_history_disable_guards_or_create_anything() {
    use diesel_async::RunQueryDsl;
    let runtime = std::env::var("DMS_TEST_RUNTIME_URL")
        .expect("DMS_TEST_RUNTIME_URL is not set: run the tests with ops/test");
    let app = spawn_app().await;
    // The normal path works as the runtime role: a submission over HTTP, stored and confirmed.
    let answer = app.submit_ok(&example("declaration-of-residence")).await;
    assert_eq!(answer["state"], "confirmed");
    assert_ne!(
        app.runtime_url, app.database_url,
        "the service is not the admin"
    );

    // Password authentication: the same URL without the password is refused.
    let (credentials, _) = runtime
        .trim_start_matches("postgres://")
        .rsplit_once('@')
        .unwrap();
    let (user, password) = credentials.split_once(':').expect("a password in the URL");
    assert!(!password.is_empty());
    let no_password =
        app.runtime_url
            .replacen(&format!("{user}:{password}@"), &format!("{user}@"), 1);
    let pool = dms_db::connect(&no_password, 1).unwrap();
    assert!(
        dms_db::pool::get(&pool).await.is_err(),
        "the runtime role connects without its password"
    );

    let mut conn = dms_tests::db::connect(&app.runtime_url).await;
    #[derive(diesel::QueryableByName)]
    struct Facts {
        #[diesel(sql_type = diesel::sql_types::Text)]
        who: String,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        superuser: bool,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        owned: i64,
    }
    let facts: Facts = diesel::sql_query(
        "SELECT current_user::text AS who, \
           (SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls FROM pg_roles \
            WHERE rolname = current_user) AS superuser, \
           (SELECT count(*) FROM pg_shdepend d JOIN pg_roles r ON r.oid = d.refobjid \
            WHERE d.deptype = 'o' AND (r.rolname = current_user OR r.rolname = $1)) AS owned",
    )
    .bind::<diesel::sql_types::Text, _>(RUNTIME)
    .get_result(&mut conn)
    .await
    .unwrap();
    assert_eq!(facts.who, user);
    assert!(!facts.superuser, "{user} has a superuser-like attribute");
    assert_eq!(facts.owned, 0, "{user} or {RUNTIME} owns objects");

    for sql in [
        "ALTER TABLE registration_actions DISABLE TRIGGER registration_actions_append_only",
        "ALTER TABLE audit_log DISABLE TRIGGER ALL",
        "DELETE FROM registration_actions",
        "UPDATE registration_actions SET late = NOT late",
        "DELETE FROM confirmations",
        "UPDATE confirmations SET receipt = 'forged'",
        "DELETE FROM audit_log",
        "UPDATE audit_log SET event = 'nothing'",
        "DELETE FROM audit_seals",
        "UPDATE credentials SET lookup = 'stolen'",
        "DELETE FROM credentials",
        "TRUNCATE registration_actions CASCADE",
        "TRUNCATE audit_log CASCADE",
        "TRUNCATE feed_items",
        "CREATE TABLE loot (x int)",
        "CREATE FUNCTION harmless() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "CREATE TEMP TABLE loot (x int)",
        "COPY registration_actions TO PROGRAM 'cat > /dev/null'",
        "DROP TABLE katottg",
        "INSERT INTO katottg (code, category, name) VALUES ('UA00000000000000000', 'O', 'x')",
    ] {
        refused(&mut conn, sql).await;
    }
    drop(conn);
    assert_eq!(app.count("registration_actions").await, 1);
    assert_eq!(app.count("confirmations").await, 1);
    // The submission's audit row (and the provisioning's) are all still there.
    assert!(app.count("audit_log WHERE event <> 'nothing'").await >= 1);
    assert_eq!(app.count("audit_log WHERE event = 'nothing'").await, 0);
}
