//! Register entries from the document-issuance side: a person is now in ЄДДР, so their held
//! feed items are released, to go out oldest first.

use crate::{DbError, PgConn};
use diesel::sql_types::{Nullable, Text, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

/// The person with this УНЗР (and the person known by the document it was issued on) is now in
/// ЄДДР. Their held items become pending. Run it inside
/// the caller's transaction. Returns the person's id and how many items were released.
pub async fn record(
    conn: &mut PgConn,
    unzr: &str,
    unzr_key: &str,
    document_key: Option<&str>,
) -> Result<(Uuid, usize), DbError> {
    #[derive(diesel::QueryableByName)]
    struct Person {
        #[diesel(sql_type = SqlUuid)]
        id: Uuid,
    }
    let person: Person = diesel::sql_query(
        "INSERT INTO persons (id, person_key, unzr, register_entry) VALUES ($1, $2, $3, true) \
         ON CONFLICT (person_key) DO UPDATE SET register_entry = true, updated_at = now() \
         RETURNING id",
    )
    .bind::<SqlUuid, _>(Uuid::now_v7())
    .bind::<Text, _>(unzr_key)
    .bind::<Text, _>(unzr)
    .get_result(conn)
    .await?;
    diesel::sql_query(
        "UPDATE persons SET register_entry = true, unzr = COALESCE(unzr, $1), updated_at = now() \
         WHERE person_key = $2",
    )
    .bind::<Text, _>(unzr)
    .bind::<Nullable<Text>, _>(document_key)
    .execute(conn)
    .await?;
    let released = diesel::sql_query(
        // A released item joins the feed now: its place is this transaction's (the trigger of
        // migration 000140 sets it).
        "UPDATE feed_items SET state = 'pending', updated_at = now() \
         WHERE state = 'held' AND person_id IN \
           (SELECT id FROM persons WHERE person_key = $1 OR person_key = $2)",
    )
    .bind::<Text, _>(unzr_key)
    .bind::<Nullable<Text>, _>(document_key)
    .execute(conn)
    .await?;
    Ok((person.id, released))
}
