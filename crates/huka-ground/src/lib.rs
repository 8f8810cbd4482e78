//! The ground layer: what every other part of Huka stands on and that names no domain noun —
//! languages and text, resident ID numbers, record ids and times, school terms, the data key
//! and its wrapping, who acts, the typed errors both front doors show, and whole files.
//!
//! Modules here import only each other, lowest first: `lang`, `text`, `record`, `term`,
//! `crypto` → `resident_id`, `actor` → `error` → `file`.

pub mod actor;
pub mod crypto;
pub mod error;
pub mod file;
pub mod folder;
pub mod lang;
pub mod record;
pub mod resident_id;
pub mod term;
pub mod text;

pub use error::{Error, ErrorReport, FieldError, Label, Lang, Problem, Result, Rule};
pub use record::{Meta, RecordId};
pub use resident_id::ResidentId;
