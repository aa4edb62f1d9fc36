//! Bulk loads' settings (`[bulk]`): how large an upload may be and how the worker batches.

use dms_config::Layers;

/// Bulk loads' settings (`[bulk]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkSettings {
    pub max_bytes: u64,
    pub max_lines: u64,
    pub batch_lines: u64,
    pub poll_secs: u64,
    pub worker: bool,
}

impl BulkSettings {
    pub(super) fn read(l: &mut Layers) -> BulkSettings {
        BulkSettings {
            max_bytes: l.get("bulk.max_bytes").unwrap_or_default(),
            max_lines: l.get("bulk.max_lines").unwrap_or_default(),
            batch_lines: l.get("bulk.batch_lines").unwrap_or_default(),
            poll_secs: l.get("bulk.poll_secs").unwrap_or_default(),
            worker: l.get("bulk.worker").unwrap_or(true),
        }
    }

    /// The upload's limits as the service layer takes them.
    pub fn limits(&self) -> dms_service::bulk::Limits {
        dms_service::bulk::Limits {
            max_bytes: self.max_bytes,
            max_lines: u32::try_from(self.max_lines).unwrap_or(u32::MAX),
            max_line_bytes: dms_service::bulk::LINE_LIMIT,
        }
    }

    pub fn batch(&self) -> i64 {
        i64::try_from(self.batch_lines).unwrap_or(i64::MAX)
    }
}
