//! What the fault scenarios read from outside the service to judge it: the database's actions,
//! receipts, feed items and data sets, through connections of their own.

use diesel::sql_types::{BigInt, Integer, Nullable, Text};
use diesel::{Connection, PgConnection, QueryResult, QueryableByName, RunQueryDsl};
use std::collections::{BTreeMap, BTreeSet};

async fn query<T: Send + 'static>(
    database_url: &str,
    f: impl FnOnce(&mut PgConnection) -> QueryResult<T> + Send + 'static,
) -> Result<T, String> {
    let url = database_url.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut conn = PgConnection::establish(&url).map_err(|e| e.to_string())?;
        f(&mut conn).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// A query answering one `n`.
pub async fn count(database_url: &str, sql: &'static str) -> Result<i64, String> {
    query(database_url, move |c| {
        diesel::sql_query(sql).get_result::<Count>(c).map(|r| r.n)
    })
    .await
}

/// What the database holds under one `external_id`.
#[derive(Debug)]
pub struct StoredAction {
    pub id: String,
    /// The receipt JWS (of the first action, if there are several).
    pub receipt: String,
    /// Confirmations of that action.
    pub confirmations: i64,
    /// Actions under this `external_id`: more than one is a duplicate.
    pub actions: usize,
}

#[derive(QueryableByName)]
struct ReceiptRow {
    #[diesel(sql_type = Text)]
    external_id: String,
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    receipt: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Every action submitted one at a time, by `external_id` (a bulk load's actions are judged on
/// their own).
pub async fn stored_receipts(database_url: &str) -> Result<BTreeMap<String, StoredAction>, String> {
    let rows: Vec<ReceiptRow> = query(database_url, |c| {
        diesel::sql_query(
            "SELECT a.external_id, a.id::text AS id, coalesce(min(c.receipt), '') AS receipt, \
             count(c.*) AS n \
             FROM registration_actions a LEFT JOIN confirmations c ON c.action_id = a.id \
             WHERE a.bulk_load_id IS NULL \
             GROUP BY a.external_id, a.id ORDER BY a.id",
        )
        .load(c)
    })
    .await?;
    let mut out: BTreeMap<String, StoredAction> = BTreeMap::new();
    for r in rows {
        out.entry(r.external_id)
            .and_modify(|s| s.actions += 1)
            .or_insert(StoredAction {
                id: r.id,
                receipt: r.receipt,
                confirmations: r.n,
                actions: 1,
            });
    }
    Ok(out)
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = Text)]
    id: String,
}

/// Every action the database holds a confirmation (receipt) for.
pub async fn confirmed_actions(database_url: &str) -> Result<BTreeSet<String>, String> {
    query(database_url, |c| {
        diesel::sql_query(
            "SELECT a.id::text AS id FROM registration_actions a \
             JOIN confirmations c ON c.action_id = a.id",
        )
        .load::<Id>(c)
    })
    .await
    .map(|rows| rows.into_iter().map(|r| r.id).collect())
}

/// A feed item: its action, state and data set.
#[derive(QueryableByName)]
pub struct Placed {
    #[diesel(sql_type = Text)]
    pub id: String,
    #[diesel(sql_type = Text)]
    pub state: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub seq: Option<i64>,
}

/// Every feed item.
pub async fn placements(database_url: &str) -> Result<Vec<Placed>, String> {
    query(database_url, |c| {
        diesel::sql_query(
            "SELECT action_id::text AS id, state, dataset_seq AS seq FROM feed_places",
        )
        .load::<Placed>(c)
    })
    .await
}

#[derive(QueryableByName)]
pub struct DatasetRow {
    #[diesel(sql_type = BigInt)]
    pub seq: i64,
    #[diesel(sql_type = Text)]
    pub state: String,
    #[diesel(sql_type = Integer)]
    pub record_count: i32,
}

/// Every data set, by sequence.
pub async fn datasets(database_url: &str) -> Result<Vec<DatasetRow>, String> {
    query(database_url, |c| {
        diesel::sql_query("SELECT seq, state, record_count FROM datasets ORDER BY seq")
            .load::<DatasetRow>(c)
    })
    .await
}
