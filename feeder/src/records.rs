//! A data set's `records.jsonl`: read from PostgreSQL and written at the same time. A large data
//! set is cut into two spans read over two connections at once (the database works on both
//! cores); the first streams through a writer thread into the file, the second into a side file
//! appended after it. At most a few pages are in memory, whatever the data set's size.

use crate::record;
use anyhow::Context;
use diesel::PgConnection;
use dms_db::feed::{self, Dataset, Record, Span};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Read, Seek, Write};
use std::path::Path;
use uuid::Uuid;

/// Records fetched per round trip.
const PAGE: i64 = 2_000;
/// Data sets smaller than this are read over one connection.
const SPLIT_AT: i32 = 10_000;
const SIDE_FILE: &str = "records.part2";

/// Write the records of `ds` into `file` (in `dir`, the data set's building directory) and
/// fsync it; `reader` is the second connection. Returns the count and the SHA-256 of the file.
pub fn write(
    conn: &mut PgConnection,
    reader: &mut PgConnection,
    ds: &Dataset,
    dir: &Path,
    file: File,
) -> anyhow::Result<(i32, String)> {
    let bodies = feed::body_codes(conn)?;
    let spans = if ds.record_count >= SPLIT_AT {
        feed::spans(conn, ds, 2)?
    } else {
        Vec::new()
    };
    let side_path = dir.join(SIDE_FILE);
    let (count, hasher, mut out) = match spans.as_slice() {
        [first, second] => std::thread::scope(|scope| -> anyhow::Result<_> {
            let (path, codes) = (&side_path, &bodies);
            let side = scope.spawn(move || side_file(reader, ds, second, path, codes));
            let streamed = stream(conn, ds, Some(first), file, &bodies);
            let side = side
                .join()
                .map_err(|_| anyhow::anyhow!("the second records reader panicked"))?;
            let (mut count, mut hasher, mut out) = streamed?;
            let (side_count, mut side) = side?;
            // The second span goes after the first, hashed as it is appended.
            side.rewind()?;
            let mut buf = vec![0u8; 1 << 20];
            loop {
                let n = side.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                hasher.update(&buf[..n]);
                out.write_all(&buf[..n])?;
            }
            drop(side);
            std::fs::remove_file(&side_path)?;
            count += side_count;
            Ok((count, hasher, out))
        })?,
        _ => stream(conn, ds, None, file, &bodies)?,
    };
    out.flush()?;
    let file = out.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    Ok((count, hex::encode(hasher.finalize())))
}

fn edrpou<'a>(bodies: &'a HashMap<Uuid, String>, r: &Record) -> anyhow::Result<&'a str> {
    bodies
        .get(&r.registration_body_id)
        .map(String::as_str)
        .ok_or_else(|| anyhow::anyhow!("action {}: unknown registration body", r.action_id))
}

/// `span` (the whole data set when `None`) read on this thread, the lines built, hashed and
/// written on another: both at once, at most two pages between them.
fn stream(
    conn: &mut PgConnection,
    ds: &Dataset,
    span: Option<&Span>,
    file: File,
    bodies: &HashMap<Uuid, String>,
) -> anyhow::Result<(i32, Sha256, BufWriter<File>)> {
    let quarter = ds.record_count / 4;
    std::thread::scope(|scope| {
        let (pages, received) = std::sync::mpsc::sync_channel::<Vec<Record>>(2);
        let writer = scope.spawn(move || -> anyhow::Result<_> {
            let mut out = BufWriter::with_capacity(1 << 20, file);
            let mut hasher = Sha256::new();
            let mut count = 0i32;
            let mut line = Vec::with_capacity(4096);
            for page in received {
                for r in &page {
                    line.clear();
                    record::line(r, edrpou(bodies, r)?, &mut line)?;
                    line.push(b'\n');
                    out.write_all(&line)?;
                    hasher.update(&line);
                    count += 1;
                }
                if count >= quarter {
                    crate::crash_point("mid_write");
                }
            }
            Ok((count, hasher, out))
        });
        let read = feed::read_records(conn, ds, span, PAGE, |rows| {
            pages
                .send(rows)
                .map_err(|_| anyhow::anyhow!("the records writer stopped"))
        });
        drop(pages);
        let written = writer
            .join()
            .map_err(|_| anyhow::anyhow!("the records writer panicked"))?;
        // The writer's own error (a full disk, say) says more than the reader's "stopped".
        let written = written?;
        read?;
        Ok(written)
    })
}

/// `span` read over `conn` and written, line by line, to a side file (not hashed here).
fn side_file(
    conn: &mut PgConnection,
    ds: &Dataset,
    span: &Span,
    path: &Path,
    bodies: &HashMap<Uuid, String>,
) -> anyhow::Result<(i32, File)> {
    let file =
        crate::files::create_file(path).with_context(|| format!("create {}", path.display()))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let mut count = 0i32;
    let mut line = Vec::with_capacity(4096);
    feed::read_records(conn, ds, Some(span), PAGE, |rows| -> anyhow::Result<()> {
        for r in &rows {
            line.clear();
            record::line(r, edrpou(bodies, r)?, &mut line)?;
            line.push(b'\n');
            out.write_all(&line)?;
            count += 1;
        }
        Ok(())
    })?;
    out.flush()?;
    let file = out.into_inner().map_err(|e| e.into_error())?;
    Ok((count, file))
}
