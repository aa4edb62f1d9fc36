//! Every Rust enum of a CHECK-guarded column lists exactly the values the live constraint
//! admits: a state added on one side only fails here, not as a runtime 500.

use dms_tests::fresh_database;
use std::collections::BTreeSet;

#[derive(diesel::QueryableByName)]
struct Definition {
    #[diesel(sql_type = diesel::sql_types::Text)]
    def: String,
}

/// The quoted values of `column IN ('a', 'b')` (PostgreSQL shows it as `= ANY (ARRAY[...])`).
fn admitted(definitions: &[String], column: &str) -> Option<BTreeSet<String>> {
    // The column's own domain check is the constraint that begins with it (another CHECK may
    // mention the column inside a larger condition, e.g. `(state IN (…)) = (dataset_seq IS NULL)`).
    definitions.iter().find_map(|d| {
        let body = d.strip_prefix("CHECK (")?;
        if !(body.starts_with(&format!("({column} = ANY"))
            || body.starts_with(&format!("(({column})::text = ANY")))
        {
            return None;
        }
        let rest = body;
        let list = &rest[rest.find("ARRAY[")? + 6..rest.find(']')?];
        Some(
            list.split(',')
                .filter_map(|v| v.trim().strip_prefix('\'')?.split('\'').next())
                .map(str::to_owned)
                .collect(),
        )
    })
}

#[tokio::test]
async fn every_enum_matches_its_check_constraint() {
    use diesel_async::RunQueryDsl;
    let url = fresh_database().await;
    let pool = dms_db::connect(&url, 1).unwrap();
    let mut conn = dms_db::pool::get(&pool).await.unwrap();
    for (table, column, values) in dms_db::enums::checked_columns() {
        let defs: Vec<Definition> = diesel::sql_query(
            "SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint \
             WHERE conrelid = $1::regclass AND contype = 'c'",
        )
        .bind::<diesel::sql_types::Text, _>(table)
        .load(&mut conn)
        .await
        .unwrap();
        let defs: Vec<String> = defs.into_iter().map(|d| d.def).collect();
        let live = admitted(&defs, column)
            .unwrap_or_else(|| panic!("no CHECK on {table}.{column} in {defs:?}"));
        let ours: BTreeSet<String> = values.iter().map(|v| v.to_string()).collect();
        assert_eq!(ours, live, "{table}.{column}");
    }
}
