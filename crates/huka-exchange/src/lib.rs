//! What crosses the school's edge as files: spreadsheets in (`import`), the signed and sealed
//! county bundle (`signing`, `summary`, `bundle`) and the county's side of it (`county`),
//! change files between the school's computers (`sync`), backups (`backup`), and the paper
//! archive (`archive`). Everything here stands on the domain's functions; nothing below
//! names a module of this crate.

// The domain and the layers under it, under the names this crate's modules use
// (`crate::household`, `crate::store`, `&crate::SCHEMA` …).
pub(crate) use huka_domain::*;

pub mod archive;
pub mod backup;
pub mod bundle;
pub mod county;
pub mod import;
pub mod progress;
pub mod signing;
pub mod summary;
pub mod sync;
mod xlsx;
