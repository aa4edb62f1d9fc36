//! The scheduled clearing of finished loads' line text (`bulk-lines-purge`): once a load has
//! been done for the retention period, its lines as uploaded are one more copy of persons' data
//! that nobody reads (the stored actions, their receipts and the load's results are the
//! record), so their text is cleared, a window of lines per transaction, each one audited.

use crate::{Actor, ServiceError, Services};

/// Lines cleared per transaction: bounded locks and WAL per commit, whatever the load's size.
pub const PURGE_WINDOW: i32 = 10_000;

/// What a run cleared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purge {
    /// Lines whose text was cleared.
    pub lines: i64,
    /// Loads every line of which is now cleared.
    pub loads: usize,
}

/// Clear the text of the lines of every load done more than `retention_days` days ago, `window`
/// lines per transaction, at most `max_windows` transactions (all there are when `None`). A run
/// cut off anywhere leaves whole windows behind it; the next run goes on from there.
pub async fn purge_lines(
    services: &Services,
    actor: &Actor,
    retention_days: u32,
    window: i32,
    max_windows: Option<usize>,
) -> Result<Purge, ServiceError> {
    let before = chrono::Utc::now() - chrono::Duration::days(i64::from(retention_days));
    let event = actor.audit("bulk_load.lines_purged", None, serde_json::json!({}));
    let mut conn = services.conn().await?;
    let mut done = Purge::default();
    let mut windows = 0;
    while max_windows.is_none_or(|m| windows < m) {
        let Some(p) = dms_db::bulk::purge::purge_window(&mut conn, before, window, &event).await?
        else {
            break;
        };
        windows += 1;
        done.lines += i64::from(p.cleared);
        done.loads += usize::from(p.complete);
    }
    Ok(done)
}
