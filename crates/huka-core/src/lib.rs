//! Huka's domain core: the records of one school (household cards, members, students,
//! teachers), their validation, and the SQLite store that keeps them.
//!
//! One module per domain concept. Each exposes plain functions over a [`Store`]:
//! `household::create(&mut store, input)`, `card::get(&store, id)` … The Tauri shell
//! (`src-tauri`) and the `huka` CLI are both thin callers of these functions.
//!
//! This crate never depends on Tauri, never prints, and never logs personal data.

// The layers below, under the names the domain's modules use (`crate::store`, `crate::text` …).
pub use huka_ground::{actor, crypto, error, file, lang, record, resident_id, term, text};
pub use huka_store::{journal, keyfile, store};

pub mod access;
pub mod account;
pub mod aid;
pub mod archive;
pub mod audit;
pub mod backup;
pub mod bundle;
pub mod card;
pub mod care;
pub mod clock;
pub mod county;
pub mod coverage;
pub mod demo;
pub mod dropout;
pub mod household;
pub mod import;
pub mod installation;
pub mod member;
pub mod pairing;
pub mod plan;
pub mod paths;
pub mod reconcile;
pub mod registration;
pub mod school;
pub mod search;
pub mod session;
pub mod settings;
pub mod signing;
pub mod stats;
pub mod student;
pub mod summary;
pub mod sync;
pub mod teacher;
pub mod visit;
mod xlsx;

pub use error::{Error, ErrorReport, FieldError, Lang, Problem, Result};
pub use record::{Meta, RecordId};
pub use resident_id::ResidentId;
pub use store::Store;

/// What reads every write's changes in its transaction: the audit trail (an entry per changed
/// record, chained), then sync (a clock per changed field). Every store the domain opens is
/// handed this journal.
pub const JOURNAL: journal::Journal = &[&audit::TRAIL, &clock::CLOCKS];

/// The version of this software, written into exports and shown in the window.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
