//! What an installation is — a school's or the county bureau's — chosen at setup and kept as
//! the `meta` key `mode`. Below `access`, which asks it before it asks who acts; choosing the
//! mode is `settings::set_mode`.

use crate::error::Result;
use crate::record::text_enum;
use crate::store::Store;

text_enum! {
    /// What an installation is for, chosen at setup. A school keeps its records and exports
    /// signed bundles; the county registers schools' keys and ingests their bundles. Stored as
    /// the meta key `mode`; a database without it is a school's (every database before schema 7).
    pub enum Mode {
        School = "school",
        County = "county",
    }
}

/// An operation that needs the other kind of installation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WrongMode {
    pub actual: Mode,
    pub needed: Mode,
}

impl crate::error::DomainError for WrongMode {
    fn code(&self) -> &'static str {
        "wrong_mode"
    }
    fn message(&self, lang: crate::Lang) -> String {
        lang.pick(
            format!("本数据库是{}数据库，此操作只能在{}数据库中进行。", self.actual.name_zh(), self.needed.name_zh()),
            format!("This is a {} database; the operation needs a {} database.", self.actual.as_str(), self.needed.as_str()),
        )
    }
}

impl Mode {
    pub fn name_zh(self) -> &'static str {
        match self {
            Mode::School => "学校",
            Mode::County => "县级（教育局审核）",
        }
    }
}

pub fn mode(store: &Store) -> Result<Mode> {
    Ok(store.meta("mode")?.as_deref().and_then(Mode::parse).unwrap_or(Mode::School))
}

/// Meta key: the teacher account a teacher's laptop joined the school with (set by sync's
/// join). Such a computer keeps what that teacher may see, and never the second key.
pub const TEACHERS_LAPTOP: &str = "sync.scope";

/// The teacher account this computer holds the school for, if it is a teacher's laptop.
pub fn teachers_laptop(store: &Store) -> Result<Option<String>> {
    store.meta(TEACHERS_LAPTOP)
}

/// Refuses unless the installation is in `needed` mode.
pub fn require_mode(store: &Store, needed: Mode) -> Result<()> {
    let actual = mode(store)?;
    if actual != needed {
        return Err(WrongMode { actual, needed }.into());
    }
    Ok(())
}
