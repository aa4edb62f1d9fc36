//! Import of the official КАТОТТГ workbook (XLSX) into `katottg`, with each object's parent and
//! hromada taken from the codifier's own hierarchy columns. Synchronous: it uses COPY.

use crate::schema::katottg_import;
use calamine::{open_workbook, Data, Reader, Xlsx};
use diesel::prelude::*;
use dms_schemas::Katottg;
use std::collections::HashSet;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = katottg_import, treat_none_as_default_value = false)]
pub struct CodifierRow {
    pub code: String,
    pub category: String,
    pub name: String,
    pub parent: Option<String>,
    pub hromada: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read the codifier workbook: {0}")]
    Workbook(String),
    #[error("the workbook has no header row naming the levels and the category")]
    NoHeader,
    #[error("row {row}: {reason}")]
    Row { row: usize, reason: String },
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
    #[error(transparent)]
    Connect(#[from] diesel::ConnectionError),
}

fn cell(row: &[Data], i: usize) -> String {
    match row.get(i) {
        Some(Data::String(s)) => s.trim().to_owned(),
        Some(Data::Empty) | None => String::new(),
        Some(other) => other.to_string().trim().to_owned(),
    }
}

/// Read the official codifier workbook into rows with parent and hromada resolved.
pub fn read_workbook(path: &Path) -> Result<Vec<CodifierRow>, ImportError> {
    let mut book: Xlsx<_> = open_workbook(path)
        .map_err(|e: calamine::XlsxError| ImportError::Workbook(e.to_string()))?;
    let sheet = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| ImportError::Workbook("no sheets".into()))?;
    let range = book
        .worksheet_range(&sheet)
        .map_err(|e| ImportError::Workbook(e.to_string()))?;
    let rows: Vec<&[Data]> = range.rows().collect();
    // The header row is located, not assumed: the sheet has a title above it.
    let header = rows
        .iter()
        .position(|r| cell(r, 0).contains("Перший рівень"))
        .ok_or(ImportError::NoHeader)?;
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (i, row) in rows.iter().enumerate().skip(header + 1) {
        let levels: Vec<String> = (0..5).map(|c| cell(row, c)).collect();
        let category = cell(row, 5);
        let name = cell(row, 6);
        let filled: Vec<&String> = levels.iter().filter(|l| !l.is_empty()).collect();
        let Some(code) = filled.last().map(|s| (*s).clone()) else {
            continue; // trailing notes below the table
        };
        let bad = |reason: String| ImportError::Row { row: i + 1, reason };
        Katottg::parse(&code).map_err(|e| bad(format!("code {code}: {e}")))?;
        let cat = category
            .chars()
            .next()
            .filter(|c| "OKPHMTXCB".contains(*c) && category.chars().count() == 1)
            .ok_or_else(|| bad(format!("unknown category {category:?}")))?;
        let parent = filled.len().checked_sub(2).map(|p| filled[p].clone());
        let hromada = match cat {
            'H' | 'K' => Some(code.clone()),
            'M' | 'T' | 'X' | 'C' => Some(levels[2].clone()).filter(|s| !s.is_empty()),
            // A city district lies in its city's hromada, or is a district of Kyiv/Sevastopol.
            'B' => [&levels[2], &levels[0]]
                .into_iter()
                .find(|s| !s.is_empty())
                .cloned(),
            _ => None,
        };
        if seen.insert(code.clone()) {
            out.push(CodifierRow {
                code,
                category: cat.to_string(),
                name,
                parent,
                hromada,
            });
        }
    }
    Ok(out)
}

/// The file an import reads: its name (as the operator gave it) and SHA-256 (hex).
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    pub sha256: String,
}

impl Source {
    /// The source of the file at `path`.
    pub fn of_file(path: &Path) -> std::io::Result<Source> {
        use sha2::Digest;
        let bytes = std::fs::read(path)?;
        Ok(Source {
            name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            sha256: hex::encode(sha2::Sha256::digest(&bytes)),
        })
    }
}

/// Import (or refresh) the codifier: COPY into a staging table, then upsert in one transaction,
/// which also records the edition (`katottg_editions`). Objects that left the codifier are kept:
/// earlier actions refer to them.
pub fn import(
    database_url: &str,
    rows: &[CodifierRow],
    source: &Source,
) -> Result<usize, ImportError> {
    let mut conn = PgConnection::establish(database_url)?;
    conn.transaction(|conn| {
        diesel::sql_query("CREATE TEMP TABLE katottg_import (LIKE katottg) ON COMMIT DROP")
            .execute(conn)?;
        diesel::copy_from(katottg_import::table)
            .from_insertable(rows)
            .execute(conn)?;
        diesel::sql_query(
            "INSERT INTO katottg (code, category, name, parent, hromada) \
             SELECT code, category, name, parent, hromada FROM katottg_import \
             ON CONFLICT (code) DO UPDATE SET category = EXCLUDED.category, name = EXCLUDED.name, \
             parent = EXCLUDED.parent, hromada = EXCLUDED.hromada",
        )
        .execute(conn)?;
        diesel::sql_query(
            "INSERT INTO katottg_editions (source, sha256, entries) VALUES ($1, $2, $3)",
        )
        .bind::<diesel::sql_types::Text, _>(&source.name)
        .bind::<diesel::sql_types::Text, _>(&source.sha256)
        .bind::<diesel::sql_types::Integer, _>(i32::try_from(rows.len()).unwrap_or(i32::MAX))
        .execute(conn)?;
        Ok::<usize, diesel::result::Error>(rows.len())
    })
    .map_err(ImportError::from)
}
