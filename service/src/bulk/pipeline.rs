//! The worker's two halves, overlapped: a reader thread with its own connection reads the next
//! batch after the cursor and runs each line's own checks (the CPU-heavy part: JSON, schema,
//! identifiers, codifier) while the applier stores the batch before it. The reader only reads;
//! what a batch stores, and the cursor, still move in the applier's one transaction, which checks
//! that the batch it got begins where the committed cursor stands.

use crate::actions::{prepare, Intake};
use crate::ServiceError;
use chrono::NaiveDate;
use dms_crypto::KeyRing;
use dms_db::actions::NewAction;
use dms_db::bodies::RegistrationBody;
use dms_db::bulk::apply::{self as q, LineRow};
use dms_db::bulk::{Defect, Load};
use dms_db::codifier::Codifier;
use dms_schemas::Contract;
use dms_schemas::FieldCode;
use std::sync::mpsc::SyncSender;
use std::sync::Arc;

/// What the worker needs, owned, to run on a blocking thread.
pub(super) struct Ctx {
    pub(super) contract: Arc<Contract>,
    pub(super) codifier: Arc<Codifier>,
    pub(super) keys: KeyRing,
    pub(super) batch_lines: i64,
}

/// A cursor position: (sort date, line number).
pub(super) type Cursor = (NaiveDate, i32);

/// A batch read and checked line by line, ready to be applied.
pub(super) struct Checked {
    /// The cursor the batch follows, and the one it leaves.
    pub from: Cursor,
    pub to: Cursor,
    /// No line after this batch.
    pub done: bool,
    pub lines: Vec<(i32, Result<NewAction, ServiceError>)>,
}

/// Each line's own checks: those of the single endpoint, as of the day the load was received,
/// and no cancellation in a load.
pub(super) fn check_lines(
    ctx: &Ctx,
    body: &RegistrationBody,
    load: &Load,
    lines: &[LineRow],
) -> Vec<(i32, Result<NewAction, ServiceError>)> {
    let transport = load.transport();
    let intake = Intake {
        contract: &ctx.contract,
        codifier: &ctx.codifier,
        body,
        transport: &transport,
        request_id: &load.request_id,
        received_at: load.received_at,
        bulk_load: Some(load.id),
    };
    lines
        .iter()
        .map(|line| {
            let checked = match line.defect.as_deref().and_then(Defect::parse) {
                Some(Defect::NotUtf8) => Err(ServiceError::MalformedJson(
                    "the line is not UTF-8 text".into(),
                )),
                Some(Defect::TooLong) => Err(ServiceError::TooLarge(super::LINE_LIMIT)),
                None => prepare(&intake, line.raw.as_bytes()).and_then(|(new, _)| {
                    if new.cancels.is_some() {
                        Err(ServiceError::field(
                            "/action/type",
                            FieldCode::NotAllowed,
                            "a cancellation is not part of a bulk load: send it to POST /v1/registration-actions once the load is done",
                        ))
                    } else {
                        Ok(new)
                    }
                }),
            };
            (line.line_no, checked)
        })
        .collect()
}

/// The reader: batches after `from`, checked, sent one ahead of the applier until the load's
/// last line or until the applier stops listening.
pub(super) fn read_ahead(
    url: &str,
    ctx: &Ctx,
    body: &RegistrationBody,
    load: &Load,
    mut from: Cursor,
    out: SyncSender<Result<Checked, ServiceError>>,
) {
    let mut conn = match crate::context::connect_sync(url) {
        Ok(c) => c,
        Err(e) => {
            let _ = out.send(Err(e));
            return;
        }
    };
    loop {
        let lines = match q::next_lines(&mut conn, load.id, from, ctx.batch_lines) {
            Ok(l) => l,
            Err(e) => {
                let _ = out.send(Err(e.into()));
                return;
            }
        };
        let done = i64::try_from(lines.len()).unwrap_or(i64::MAX) < ctx.batch_lines;
        let to = lines.last().map_or(from, |l| (l.sort_date, l.line_no));
        let checked = Checked {
            from,
            to,
            done,
            lines: check_lines(ctx, body, load, &lines),
        };
        if out.send(Ok(checked)).is_err() || done {
            return;
        }
        from = to;
    }
}
