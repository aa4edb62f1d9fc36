//! The upload read as lines: gzip undone when the client says so, hashed as read, split at line
//! feeds, blank lines skipped (but counted, so that line numbers are the file's own), over-long
//! and non-UTF-8 lines kept as defects. Memory holds one line at a time.

use chrono::NaiveDate;
use dms_db::bulk::{unreadable_date, Defect, FileFacts, LineIn, LineSource, UploadError};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::io::{BufRead, BufReader, Read};

/// How much one upload may hold.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Bytes after gzip is undone.
    pub max_bytes: u64,
    pub max_lines: u32,
    /// One line, as one request to the single endpoint may be.
    pub max_line_bytes: usize,
}

/// Counts the bytes that pass, and hashes them.
struct Hashing<R> {
    inner: R,
    hash: Sha256,
    bytes: u64,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

pub struct Lines<R: Read> {
    reader: BufReader<Hashing<R>>,
    limits: Limits,
    line_no: u32,
    kept: u32,
    buf: Vec<u8>,
    done: Option<FileFacts>,
}

impl<R: Read> Lines<R> {
    pub fn new(inner: R, limits: Limits) -> Self {
        Lines {
            reader: BufReader::with_capacity(
                64 * 1024,
                Hashing {
                    inner,
                    hash: Sha256::new(),
                    bytes: 0,
                },
            ),
            limits,
            line_no: 0,
            kept: 0,
            buf: Vec::new(),
            done: None,
        }
    }

    /// Read up to the next line feed, keeping at most `max_line_bytes` + 1 bytes; true when a
    /// line (possibly empty, possibly cut) was read, false at the end.
    fn read_line(&mut self) -> Result<Option<bool>, UploadError> {
        self.buf.clear();
        let cap = self.limits.max_line_bytes + 1;
        let mut any = false;
        let mut cut = false;
        loop {
            let chunk = self
                .reader
                .fill_buf()
                .map_err(|e| UploadError::Read(e.to_string()))?;
            if chunk.is_empty() {
                return Ok(any.then_some(cut));
            }
            any = true;
            let (part, found) = match chunk.iter().position(|&b| b == b'\n') {
                Some(i) => (&chunk[..i], Some(i)),
                None => (chunk, None),
            };
            let room = cap.saturating_sub(self.buf.len());
            if part.len() > room {
                cut = true;
            }
            self.buf.extend_from_slice(&part[..part.len().min(room)]);
            let used = found.map_or(chunk.len(), |i| i + 1);
            self.reader.consume(used);
            if self.reader.get_ref().bytes > self.limits.max_bytes {
                return Err(UploadError::TooLarge(format!(
                    "{} bytes",
                    self.limits.max_bytes
                )));
            }
            if found.is_some() {
                return Ok(Some(cut));
            }
        }
    }
}

#[derive(Deserialize)]
struct Peek<'a> {
    #[serde(borrow, default)]
    external_id: Option<Cow<'a, str>>,
    #[serde(default)]
    action: Option<PeekAction<'a>>,
}

#[derive(Deserialize)]
struct PeekAction<'a> {
    #[serde(borrow, default)]
    date: Option<Cow<'a, str>>,
}

/// The line's external id and action date, if they can be read; the full check comes later.
fn peek(text: &str) -> (Option<String>, NaiveDate) {
    match serde_json::from_str::<Peek<'_>>(text) {
        Ok(p) => (
            // PostgreSQL text cannot hold U+0000 (a "\u0000" escape): such an id is not kept.
            p.external_id
                .filter(|e| !e.contains('\0'))
                .map(Cow::into_owned),
            p.action
                .and_then(|a| a.date)
                .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
                .unwrap_or_else(unreadable_date),
        ),
        Err(_) => (None, unreadable_date()),
    }
}

impl<R: Read> LineSource for Lines<R> {
    fn next_line(&mut self) -> Result<Option<LineIn>, UploadError> {
        loop {
            let Some(cut) = self.read_line()? else {
                let hashing = self.reader.get_ref();
                self.done = Some(FileFacts {
                    sha256: hashing.hash.clone().finalize().into(),
                    bytes: i64::try_from(hashing.bytes).unwrap_or(i64::MAX),
                    lines: i32::try_from(self.kept).unwrap_or(i32::MAX),
                });
                return Ok(None);
            };
            self.line_no += 1;
            if self.buf.last() == Some(&b'\r') && !cut {
                self.buf.pop();
            }
            if !cut && self.buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            self.kept += 1;
            if self.kept > self.limits.max_lines {
                return Err(UploadError::TooLarge(format!(
                    "{} lines",
                    self.limits.max_lines
                )));
            }
            let line_no = i32::try_from(self.line_no).unwrap_or(i32::MAX);
            let defect = |d| LineIn {
                line_no,
                sort_date: unreadable_date(),
                external_id: None,
                defect: Some(d),
                raw: String::new(),
            };
            if cut {
                return Ok(Some(defect(Defect::TooLong)));
            }
            // Not text: not UTF-8, or a raw U+0000 (which PostgreSQL text cannot hold).
            let Some(text) = std::str::from_utf8(&self.buf)
                .ok()
                .filter(|t| !t.contains('\0'))
            else {
                return Ok(Some(defect(Defect::NotUtf8)));
            };
            let (external_id, sort_date) = peek(text);
            return Ok(Some(LineIn {
                line_no,
                sort_date,
                external_id,
                defect: None,
                raw: text.to_owned(),
            }));
        }
    }

    fn facts(&self) -> FileFacts {
        self.done.clone().unwrap_or(FileFacts {
            sha256: [0; 32],
            bytes: 0,
            lines: 0,
        })
    }
}

/// A `Read` over chunks sent from the async side (the request body as it arrives).
pub struct ChunkReader {
    rx: tokio::sync::mpsc::Receiver<Result<Vec<u8>, String>>,
    current: Vec<u8>,
    pos: usize,
}

impl ChunkReader {
    pub fn new(rx: tokio::sync::mpsc::Receiver<Result<Vec<u8>, String>>) -> Self {
        ChunkReader {
            rx,
            current: Vec::new(),
            pos: 0,
        }
    }
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pos >= self.current.len() {
            match self.rx.blocking_recv() {
                Some(Ok(chunk)) => {
                    self.current = chunk;
                    self.pos = 0;
                }
                Some(Err(e)) => return Err(std::io::Error::other(e)),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len() - self.pos);
        buf[..n].copy_from_slice(&self.current[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn all(input: &[u8], limits: Limits) -> (Vec<LineIn>, FileFacts) {
        let mut lines = Lines::new(input, limits);
        let mut out = Vec::new();
        while let Some(l) = lines.next_line().unwrap() {
            out.push(l);
        }
        (out, lines.facts())
    }

    const LIMITS: Limits = Limits {
        max_bytes: 1 << 20,
        max_lines: 100,
        max_line_bytes: 64,
    };

    #[test]
    fn line_numbers_are_the_files_own_and_defects_are_kept() {
        let input = b"{\"external_id\":\"A-1\",\"action\":{\"date\":\"2019-02-03\"}}\r\n\n   \n\xff\xfe\n{\"external_id\":\"A-2\",\"note\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}\n[1]\n{\"a\":\"\x00\"}\n{\"external_id\":\"\\u0000\"}";
        let (lines, facts) = all(input, LIMITS);
        let nos: Vec<i32> = lines.iter().map(|l| l.line_no).collect();
        assert_eq!(nos, vec![1, 4, 5, 6, 7, 8]);
        assert_eq!(lines[0].external_id.as_deref(), Some("A-1"));
        assert_eq!(
            lines[0].sort_date,
            NaiveDate::from_ymd_opt(2019, 2, 3).unwrap()
        );
        assert!(!lines[0].raw.ends_with('\r'));
        assert_eq!(lines[1].defect, Some(Defect::NotUtf8));
        assert_eq!(lines[2].defect, Some(Defect::TooLong));
        assert_eq!(lines[3].sort_date, unreadable_date());
        assert_eq!(
            lines[4].defect,
            Some(Defect::NotUtf8),
            "a raw U+0000 is no text"
        );
        assert_eq!(
            lines[5].external_id, None,
            "an id holding U+0000 is not kept"
        );
        assert_eq!(lines[5].defect, None);
        assert_eq!(facts.lines, 6);
        assert_eq!(facts.bytes, input.len() as i64);
        assert_eq!(facts.sha256, <[u8; 32]>::from(Sha256::digest(input)));
    }

    #[test]
    fn limits_stop_the_upload() {
        let many = "{}\n".repeat(101);
        let mut lines = Lines::new(many.as_bytes(), LIMITS);
        let err = loop {
            match lines.next_line() {
                Ok(Some(_)) => continue,
                Ok(None) => panic!("the line limit was not applied"),
                Err(e) => break e,
            }
        };
        assert!(matches!(err, UploadError::TooLarge(_)));
        let big = vec![b'x'; 2 << 20];
        let mut lines = Lines::new(&big[..], LIMITS);
        assert!(matches!(lines.next_line(), Err(UploadError::TooLarge(_))));
    }
}
