//! The county bureau's side (县教育局 / 资助中心): register each school's public key (checked
//! against the fingerprint on its stamped cover sheet), ingest the schools' signed bundles —
//! many at once, each verified and given a verdict — and add them up: county totals, per town,
//! per supervision district, per school, and the cross-school check (the same resident ID
//! number listed by two schools). The result is exported as a workbook.
//!
//! A county installation is chosen at setup ([`setup`]): it has no school of its own.

pub mod aggregate;
pub mod ingest;
pub mod notice;
pub mod recipient;
pub mod report;
pub mod schools;

pub use aggregate::{aggregate, terms, CountyAggregate, Duplicate, DuplicateEntry, SchoolLine, Unit};
pub use ingest::{bundle_paths, ingest, IngestReport, Outcome, Verdict};
pub use report::{report_workbook, write_report};
pub use schools::{register, schools, CountyKey, CountySchool, RegisterInput, Registered};

use crate::error::Result;
use crate::settings::{self, Mode};
use crate::store::Store;

/// A school's public key the county cannot take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CountyError {
    /// The key is registered to another school already.
    KeyOfAnotherSchool { key_id: String, school: String },
}

impl crate::error::DomainError for CountyError {
    fn code(&self) -> &'static str {
        match self {
            CountyError::KeyOfAnotherSchool { .. } => "key_of_another_school",
        }
    }
    fn message(&self, lang: crate::Lang) -> String {
        match self {
            CountyError::KeyOfAnotherSchool { key_id, school } => lang.pick(
                format!("公钥 {key_id} 已登记为学校 {school} 的公钥，不能再登记给另一所学校。"),
                format!("Public key {key_id} is already registered to school {school}; it cannot be registered to another school."),
            ),
        }
    }
}

/// Makes this installation the county's. Refused when a school is set up in it.
pub fn setup(store: &mut Store) -> Result<()> {
    settings::set_mode(store, Mode::County)
}

pub(crate) fn require(store: &Store) -> Result<()> {
    settings::require_mode(store, Mode::County)
}

#[cfg(test)]
mod tests;
