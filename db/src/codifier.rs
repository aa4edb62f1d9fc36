//! The territorial codifier (КАТОТТГ) held in memory, and the address rule: an address must name
//! a settlement or city district inside the registration body's hromada.
//!
//! Containment comes from the codifier's own hierarchy (see `import`): Kyiv's city districts
//! share no code prefix with Kyiv, so the seven-digit prefix rule is only a fallback.

use crate::schema::katottg;
use crate::{DbError, PgConn};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use dms_schemas::Katottg;
use std::collections::HashMap;

/// Categories a person can live in: special-status cities, cities, urban-type settlements,
/// settlements, villages, and city districts.
pub const ADDRESS_CATEGORIES: [char; 6] = ['K', 'M', 'T', 'X', 'C', 'B'];

/// Why an address's КАТОТТГ is not acceptable for a registration body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressProblem {
    Unknown,
    NotASettlement,
    OutsideHromada,
}

#[derive(Debug, Clone)]
struct Entry {
    category: char,
    parent: Option<String>,
    hromada: Option<String>,
}

/// The codifier held in memory (about 32,000 objects, a few MB): address checks cost no query.
#[derive(Debug, Clone, Default)]
pub struct Codifier {
    entries: HashMap<String, Entry>,
}

impl Codifier {
    pub async fn load(conn: &mut PgConn) -> Result<Self, DbError> {
        let rows: Vec<(String, String, Option<String>, Option<String>)> = katottg::table
            .select((
                katottg::code,
                katottg::category,
                katottg::parent,
                katottg::hromada,
            ))
            .load(conn)
            .await?;
        let entries = rows
            .into_iter()
            .filter_map(|(code, cat, parent, hromada)| {
                let category = cat.chars().next()?;
                Some((
                    code,
                    Entry {
                        category,
                        parent,
                        hromada,
                    },
                ))
            })
            .collect();
        Ok(Codifier { entries })
    }

    /// The object and every object above it in the codifier, nearest first.
    pub fn ancestors(&self, code: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut next = Some(code.to_owned());
        while let Some(c) = next {
            if out.contains(&c) || out.len() > 8 {
                break;
            }
            next = self.entries.get(&c).and_then(|e| e.parent.clone());
            out.push(c);
        }
        out
    }

    /// Whether `code` lies within `territory` (any level), by the codifier's hierarchy.
    pub fn lies_within(&self, code: &str, territory: &str) -> bool {
        self.ancestors(code).iter().any(|a| a == territory)
    }

    /// Every hromada (category `H`, or a city of special status `K`) lying within `territory`, sorted.
    pub fn hromadas_within(&self, territory: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .entries
            .iter()
            .filter(|(code, e)| {
                matches!(e.category, 'H' | 'K') && self.lies_within(code, territory)
            })
            .map(|(code, _)| code.clone())
            .collect();
        out.sort();
        out
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn category(&self, code: &str) -> Option<char> {
        self.entries.get(code).map(|e| e.category)
    }

    /// An address must name a known settlement or city district inside the body's hromada.
    pub fn check_address(
        &self,
        address: &Katottg,
        body_hromada: &str,
    ) -> Result<(), AddressProblem> {
        let entry = self
            .entries
            .get(address.as_str())
            .ok_or(AddressProblem::Unknown)?;
        if !ADDRESS_CATEGORIES.contains(&entry.category) {
            return Err(AddressProblem::NotASettlement);
        }
        let inside = match &entry.hromada {
            Some(h) => h == body_hromada,
            None => Katottg::parse(body_hromada)
                .map(|b| b.hromada_prefix() == address.hromada_prefix())
                .unwrap_or(false),
        };
        if inside {
            Ok(())
        } else {
            Err(AddressProblem::OutsideHromada)
        }
    }
}

/// A codifier object as the lookup shows it.
#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct Object {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub code: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub category: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub name: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub parent: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub hromada: Option<String>,
}

/// Objects whose name starts with `q` (any case), optionally children of `parent`, by name;
/// at most `limit`.
pub async fn lookup(
    conn: &mut PgConn,
    q: Option<&str>,
    parent: Option<&str>,
    limit: i64,
) -> Result<Vec<Object>, DbError> {
    use diesel::sql_types::{Int8, Nullable, Text};
    Ok(diesel::sql_query(
        "SELECT code, category::text AS category, name, parent, hromada FROM katottg \
         WHERE ($1::text IS NULL OR lower(name) LIKE lower($1) || '%') \
           AND ($2::text IS NULL OR parent = $2) \
         ORDER BY name, code LIMIT $3",
    )
    .bind::<Nullable<Text>, _>(q)
    .bind::<Nullable<Text>, _>(parent)
    .bind::<Int8, _>(limit)
    .load(conn)
    .await?)
}

/// The codifier edition in use: the last import's file and size.
#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct Edition {
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub imported_at: chrono::DateTime<chrono::Utc>,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub source: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub sha256: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub entries: i32,
}

pub async fn edition(conn: &mut PgConn) -> Result<Option<Edition>, DbError> {
    let rows: Vec<Edition> = diesel::sql_query(
        "SELECT imported_at, source, sha256, entries FROM katottg_editions ORDER BY id DESC LIMIT 1",
    )
    .load(conn)
    .await?;
    Ok(rows.into_iter().next())
}
