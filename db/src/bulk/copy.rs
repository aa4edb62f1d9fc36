//! COPY in PostgreSQL's text format: the upload's lines, and the rows a batch writes.

use super::{LineSource, UploadError};
use crate::schema::bulk_load_lines as l;
use diesel::prelude::*;
use std::cell::RefCell;
use std::io::Write;
use uuid::Uuid;

/// Flush to the server every this many bytes (memory stays flat whatever the file's size).
const FLUSH_AT: usize = 256 * 1024;

/// One row in COPY text format: fields separated by tabs, `\N` for NULL, backslash, tab, newline
/// and carriage return escaped.
#[derive(Debug, Default)]
pub struct CopyRow {
    buf: Vec<u8>,
    fields: usize,
}

impl CopyRow {
    fn sep(&mut self) {
        if self.fields > 0 {
            self.buf.push(b'\t');
        }
        self.fields += 1;
    }
    pub fn text(&mut self, value: &str) -> &mut Self {
        self.sep();
        for &c in value.as_bytes() {
            match c {
                b'\\' => self.buf.extend_from_slice(b"\\\\"),
                b'\t' => self.buf.extend_from_slice(b"\\t"),
                b'\n' => self.buf.extend_from_slice(b"\\n"),
                b'\r' => self.buf.extend_from_slice(b"\\r"),
                c => self.buf.push(c),
            }
        }
        self
    }
    pub fn opt(&mut self, value: Option<&str>) -> &mut Self {
        match value {
            Some(v) => self.text(v),
            None => {
                self.sep();
                self.buf.extend_from_slice(b"\\N");
                self
            }
        }
    }
    pub fn display(&mut self, value: impl std::fmt::Display) -> &mut Self {
        self.sep();
        let _ = write!(self.buf, "{value}");
        self
    }
    pub fn bytea(&mut self, value: &[u8]) -> &mut Self {
        self.sep();
        self.buf.extend_from_slice(b"\\\\x");
        self.buf.extend_from_slice(hex::encode(value).as_bytes());
        self
    }
    /// Ends the row; the buffer holds every row so far.
    pub fn end(&mut self) {
        self.buf.push(b'\n');
        self.fields = 0;
    }
    pub fn bytes(&self) -> &[u8] {
        &self.buf
    }
    pub fn len(&self) -> usize {
        self.buf.len()
    }
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }
    pub fn clear(&mut self) {
        self.buf.clear();
        self.fields = 0;
    }
}

/// COPY the upload's lines; returns how many were kept (blank lines are not).
pub(super) fn copy_lines(
    conn: &mut PgConnection,
    load: Uuid,
    source: &mut dyn LineSource,
) -> Result<i32, UploadError> {
    let source = RefCell::new(source);
    let count = RefCell::new(0i32);
    // The source's own failure, kept: the COPY then fails too, with a less telling error.
    let failed: RefCell<Option<UploadError>> = RefCell::new(None);
    let load_text = load.to_string();
    let copied = diesel::copy_from(l::table)
        .from_raw_data(
            (
                l::load_id,
                l::line_no,
                l::sort_date,
                l::external_id,
                l::defect,
                l::raw,
            ),
            |out: &mut dyn Write| -> Result<(), UploadError> {
                let mut source = source.borrow_mut();
                let mut row = CopyRow::default();
                let mut n = 0;
                loop {
                    let line = match source.next_line() {
                        Ok(Some(line)) => line,
                        Ok(None) => break,
                        Err(e) => {
                            let text = e.to_string();
                            *failed.borrow_mut() = Some(e);
                            return Err(UploadError::Read(text));
                        }
                    };
                    row.text(&load_text)
                        .display(line.line_no)
                        .display(line.sort_date)
                        .opt(line.external_id.as_deref())
                        .opt(line.defect.map(|d| d.as_str()))
                        .text(&line.raw)
                        .end();
                    n += 1;
                    if row.len() >= FLUSH_AT {
                        out.write_all(row.bytes())
                            .map_err(|e| UploadError::Read(e.to_string()))?;
                        row.clear();
                    }
                }
                out.write_all(row.bytes())
                    .map_err(|e| UploadError::Read(e.to_string()))?;
                *count.borrow_mut() = n;
                Ok(())
            },
        )
        .execute(conn);
    if let Some(e) = failed.into_inner() {
        return Err(e);
    }
    copied?;
    Ok(count.into_inner())
}
