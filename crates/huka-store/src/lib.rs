//! The store: an encrypted SQLite file opened with its data key, the key slots beside it
//! (`keyfile`), migrations, transactions, the `meta` table, and the change journal every
//! write leaves for its readers (the audit trail and sync, in the domain above). It names no
//! domain noun and calls nothing above it: the readers are handed to it when a store opens.

// The ground modules, under the names the store's own modules use.
pub(crate) use huka_ground::{actor, crypto, error, file, record, text};
#[cfg(test)]
pub(crate) use huka_ground::Lang;

pub mod keyfile;
pub mod store;

pub use store::journal::{self, Change, Journal, Reader};
pub use store::{DbFile, Store, Writer};
