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
pub use huka_ground::{actor, crypto, error, file, folder, lang, record, resident_id, term, text};
pub use huka_store::{journal, keyfile, store};
pub use huka_store::Schema;

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
pub mod keys;
pub mod labels;
pub mod masking;
pub mod member;
pub mod pairing;
pub mod paths;
pub mod plan;
pub mod policy_card;
pub mod reconcile;
pub mod registration;
pub mod school;
pub mod search;
pub mod sealed;
pub mod sealing;
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

/// What every store of a school or county holds and who reads its writes: the migrations in
/// `migrations/` (landed ones are never edited; a change is a new `NNNN_*.sql`), and the
/// journal's readers — the audit trail (an entry per changed record, chained), then sync's
/// clocks (a clock per changed field), inside each write's transaction.
pub static SCHEMA: store::Schema = store::Schema { migrations: MIGRATIONS, journal: &[&audit::TRAIL, &clock::CLOCKS] };

/// Migrations in order; the schema version is the number applied.
pub const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_households.sql"),
    include_str!("migrations/0002_registration.sql"),
    include_str!("migrations/0003_visits_plans.sql"),
    include_str!("migrations/0004_coverage_indexes.sql"),
    include_str!("migrations/0005_aid.sql"),
    include_str!("migrations/0006_dropout.sql"),
    include_str!("migrations/0007_signing_county.sql"),
    include_str!("migrations/0008_accounts.sql"),
    include_str!("migrations/0009_audit.sql"),
    include_str!("migrations/0010_sealed_bundles.sql"),
    include_str!("migrations/0011_sync.sql"),
    include_str!("migrations/0012_masked_search.sql"),
    include_str!("migrations/0013_sync_refused.sql"),
    include_str!("migrations/0014_cards_notice.sql"),
    include_str!("migrations/0015_family_size.sql"),
    include_str!("migrations/0016_no_full_ids_in_search.sql"),
    include_str!("migrations/0017_sealed_fields.sql"),
    include_str!("migrations/0018_smaller_journal.sql"),
];


/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = SCHEMA.version();

#[cfg(test)]
mod tests;

/// The version of this software, written into exports and shown in the window.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
