//! The change journal: what every write changed, handed to the journal's readers inside the
//! write's transaction. The store captures the changes (temporary triggers, see `store`) and
//! knows nothing of who reads them; the domain hands its readers over when it opens a store —
//! the audit trail (an entry per changed record, hash-chained) and sync (a clock per field).

use crate::error::Result;
use super::Writer;

/// One record changed by a transaction: its first old image (none when inserted in it) and
/// its last new one, as `column → value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The table.
    pub kind: String,
    pub record_id: String,
    pub old: Option<serde_json::Map<String, serde_json::Value>>,
    pub new: serde_json::Map<String, serde_json::Value>,
}

/// Something that reads each write's changes before it commits; an error undoes the write.
pub trait Reader: Sync {
    fn read(&self, w: &Writer<'_>, changes: &[Change]) -> Result<()>;
}

/// The readers of a store's journal, in order.
pub type Journal = &'static [&'static dyn Reader];
