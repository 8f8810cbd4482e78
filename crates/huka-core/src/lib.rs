//! Huka's domain core: the records of one school (household cards, members, students,
//! teachers), their validation, and the SQLite store that keeps them.
//!
//! One module per domain concept. Each exposes plain functions over a [`Store`]:
//! `household::create(&mut store, input)`, `card::get(&store, id)` … The Tauri shell
//! (`src-tauri`) and the `huka` CLI are both thin callers of these functions.
//!
//! This crate never depends on Tauri, never prints, and never logs personal data.

pub mod access;
pub mod account;
pub mod aid;
pub mod archive;
pub mod audit;
pub mod backup;
pub mod bundle;
pub mod card;
pub mod county;
pub mod coverage;
pub mod crypto;
pub mod demo;
pub mod dropout;
pub mod error;
pub mod file;
pub mod household;
pub mod import;
pub mod keyfile;
pub mod lang;
pub mod member;
pub mod pairing;
pub mod plan;
pub mod paths;
pub mod reconcile;
pub mod record;
pub mod registration;
pub mod resident_id;
pub mod school;
pub mod search;
pub mod session;
pub mod settings;
pub mod signing;
pub mod stats;
pub mod store;
pub mod student;
pub mod summary;
pub mod sync;
pub mod teacher;
pub mod visit;
pub mod term;
pub mod text;
mod xlsx;

pub use error::{Error, ErrorReport, FieldError, Lang, Problem, Result};
pub use record::{Meta, RecordId};
pub use resident_id::ResidentId;
pub use store::Store;

/// The version of this software, written into exports and shown in the window.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
