//! Per-installation preferences kept in the database's `meta` table: the window's language,
//! and whether the installation is a school's or the county bureau's (`mode`).

use rusqlite::OptionalExtension;

use crate::error::{Lang, Result};
use crate::record::text_enum;
use crate::store::{Store, Writer};

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

/// A value kept in the database's `meta` table (for modules that keep one setting each).
pub(crate) fn value(store: &Store, key: &str) -> Result<Option<String>> {
    get(store, key)
}

pub(crate) fn set_value(w: &Writer<'_>, key: &str, value: &str) -> Result<()> {
    put(w, key, value)
}

fn get(store: &Store, key: &str) -> Result<Option<String>> {
    Ok(store.conn().query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
}

fn put(w: &Writer<'_>, key: &str, value: &str) -> Result<()> {
    w.tx().execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )?;
    Ok(())
}

pub fn language(store: &Store) -> Result<Lang> {
    Ok(get(store, "language")?.as_deref().and_then(Lang::parse).unwrap_or_default())
}

pub fn set_language(store: &mut Store, lang: Lang) -> Result<()> {
    store.write(|w| put(w, "language", lang.as_str()))
}

pub fn mode(store: &Store) -> Result<Mode> {
    Ok(get(store, "mode")?.as_deref().and_then(Mode::parse).unwrap_or(Mode::School))
}

/// Chooses the installation's mode. A database whose school is set up stays a school's: its
/// records would make no sense in a county installation.
pub fn set_mode(store: &mut Store, mode: Mode) -> Result<()> {
    crate::access::require(store, crate::access::Action::ManageSchool)?;
    if mode == Mode::County && crate::school::get(store)?.is_some() {
        return Err(WrongMode { actual: Mode::School, needed: Mode::County }.into());
    }
    store.write(|w| put(w, "mode", mode.as_str()))
}

/// The county's name, in a county installation (shown in its window and reports).
pub fn county_name(store: &Store) -> Result<String> {
    Ok(get(store, "county_name")?.unwrap_or_default())
}

pub(crate) fn set_county_name(store: &mut Store, name: &str) -> Result<()> {
    let name = crate::text::clean(name);
    store.write(|w| put(w, "county_name", &name))
}

/// Minutes without a click or a key before the window locks itself (default 10).
pub const DEFAULT_IDLE_MINUTES: u32 = 10;

pub fn idle_minutes(store: &Store) -> Result<u32> {
    Ok(get(store, "idle_minutes")?.and_then(|v| v.parse().ok()).unwrap_or(DEFAULT_IDLE_MINUTES))
}

/// Sets the idle time before the window locks: 1 to 120 minutes. The principal's setting
/// (the reviewer's in a county).
pub fn set_idle_minutes(store: &mut Store, minutes: u32) -> Result<u32> {
    crate::access::require(store, crate::access::Action::ManageAccounts)?;
    let minutes = minutes.clamp(1, 120);
    store.write(|w| put(w, "idle_minutes", &minutes.to_string()))?;
    Ok(minutes)
}

/// The database's own id, made when it is set up: its key file and backups name it.
pub fn database_id(store: &Store) -> Result<Option<String>> {
    get(store, "database_id")
}

pub(crate) fn set_database_id(w: &Writer<'_>, id: &str) -> Result<()> {
    put(w, "database_id", id)
}

/// Refuses unless the installation is in `needed` mode.
pub fn require_mode(store: &Store, needed: Mode) -> Result<()> {
    let actual = mode(store)?;
    if actual != needed {
        return Err(WrongMode { actual, needed }.into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_by_default_and_the_choice_is_kept() {
        let mut store = Store::open_in_memory().unwrap();
        assert_eq!(language(&store).unwrap(), Lang::Zh);
        set_language(&mut store, Lang::En).unwrap();
        assert_eq!(language(&store).unwrap(), Lang::En);
    }

    #[test]
    fn a_school_by_default_and_a_set_up_school_cannot_become_the_county() {
        let mut store = Store::open_in_memory().unwrap();
        assert_eq!(mode(&store).unwrap(), Mode::School);
        set_mode(&mut store, Mode::County).unwrap();
        assert_eq!(mode(&store).unwrap(), Mode::County);
        assert!(require_mode(&store, Mode::School).unwrap_err().domain::<WrongMode>().is_some());

        let mut school = Store::open_in_memory().unwrap();
        crate::school::setup(&mut school, &crate::school::SchoolInput { code: "1".into(), name: "A".into(), ..Default::default() }).unwrap();
        assert!(set_mode(&mut school, Mode::County).unwrap_err().domain::<WrongMode>().is_some());
        assert_eq!(mode(&school).unwrap(), Mode::School);
    }
}
