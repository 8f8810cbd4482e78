//! Huka's domain: the records of one school — household cards, members, students, teachers,
//! pairings, visits, plans, aid, dropout cases — their validation and their SQL, who may do
//! what (`access`), the audit trail and sync's clocks (the readers of the store's journal).
//!
//! One module per domain concept. Each exposes plain functions over a [`Store`]:
//! `household::create(&mut store, input)`, `card::get(&store, id)` … Files that cross the
//! school's edge (spreadsheets, bundles, change files, backups, the archive) are
//! `huka-exchange`'s, above; the front doors reach both through `huka-core`.
//!
//! No Tauri, no printing, and never a log of personal data.

// The layers below, under the names the domain's modules use (`crate::store`, `crate::text` …).
pub use huka_ground::{actor, crypto, error, file, lang, record, resident_id, term, text};
pub use huka_store::{journal, keyfile, store};

pub mod access;
pub mod account;
pub mod aid;
pub mod audit;
pub mod card;
pub mod care;
pub mod clock;
pub mod coverage;
pub mod demo;
pub mod dropout;
pub mod household;
pub mod installation;
pub mod member;
pub mod pairing;
pub mod paths;
pub mod plan;
pub mod reconcile;
pub mod registration;
pub mod school;
pub mod search;
pub mod session;
pub mod settings;
pub mod stats;
pub mod student;
pub mod teacher;
pub mod visit;

pub use error::{Error, ErrorReport, FieldError, Lang, Problem, Result};
pub use record::{Meta, RecordId};
pub use resident_id::ResidentId;
pub use store::Store;

/// What reads every write's changes in its transaction: the audit trail (an entry per changed
/// record, chained), then sync's clocks (a clock per changed field). Every store the domain
/// opens is handed this journal.
pub const JOURNAL: journal::Journal = &[&audit::TRAIL, &clock::CLOCKS];

/// The version of this software, written into exports and shown in the window.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
