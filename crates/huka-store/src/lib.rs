//! The store: an encrypted SQLite file opened with its data key, the key slots beside it
//! (`keyfile`), migrations run in order, transactions, the `meta` table, the author stamped on
//! every row, and the change journal every write leaves for its readers. It names no domain
//! noun and calls nothing above it: the schema (the migrations) and the journal's readers (the
//! audit trail and sync's clocks) are the domain's, handed over whenever a store opens.

// The ground modules, under the names the store's own modules use.
pub(crate) use huka_ground::{actor, crypto, error, file, record, text};
#[cfg(test)]
pub(crate) use huka_ground::Lang;

pub mod keyfile;
pub mod store;

pub use store::journal::{self, Change, Journal, Reader};
pub use store::{ContentMark, DbFile, Schema, Store, Writer};
