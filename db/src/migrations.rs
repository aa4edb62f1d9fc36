//! Embedded migrations, run only by the explicit `migrate` command, and the readiness check that
//! the database is at the newest of them.

use crate::{DbError, PgConn};
use diesel::migration::MigrationSource;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel_async::RunQueryDsl;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Apply every pending migration over a synchronous connection; returns how many ran.
pub fn run(database_url: &str) -> Result<usize, Box<dyn std::error::Error + Send + Sync>> {
    let mut conn = PgConnection::establish(database_url)?;
    let applied = conn.run_pending_migrations(MIGRATIONS)?;
    Ok(applied.len())
}

/// The version of the newest embedded migration.
pub fn newest_version() -> Option<String> {
    MigrationSource::<Pg>::migrations(&MIGRATIONS)
        .ok()?
        .iter()
        .map(|m| m.name().version().to_string())
        .max()
}

#[derive(QueryableByName)]
struct Version {
    #[diesel(sql_type = Text)]
    version: String,
}

/// True when the newest embedded migration has been applied to the database.
pub async fn is_current(conn: &mut PgConn) -> Result<bool, DbError> {
    let Some(newest) = newest_version() else {
        return Ok(false);
    };
    let rows: Vec<Version> =
        diesel::sql_query("SELECT version FROM __diesel_schema_migrations WHERE version = $1")
            .bind::<Text, _>(&newest)
            .load(conn)
            .await?;
    Ok(rows.iter().any(|v| v.version == newest))
}
