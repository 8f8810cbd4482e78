//! Per-installation preferences kept in the database's `meta` table: the window's language,
//! whether the installation is a school's or the county bureau's (`mode`), and the school's
//! archivist (档案管理员, named on the archive's cover pages).

use crate::error::{Lang, Result};
use crate::store::{Store, Writer};

pub use crate::installation::{mode, require_mode, Mode, WrongMode};

/// A value kept in the database's `meta` table (for modules that keep one setting each).
pub fn value(store: &Store, key: &str) -> Result<Option<String>> {
    get(store, key)
}

pub fn set_value(w: &Writer<'_>, key: &str, value: &str) -> Result<()> {
    put(w, key, value)
}

fn get(store: &Store, key: &str) -> Result<Option<String>> {
    store.meta(key)
}

fn put(w: &Writer<'_>, key: &str, value: &str) -> Result<()> {
    w.set_meta(key, value)
}

pub fn language(store: &Store) -> Result<Lang> {
    Ok(get(store, "language")?.as_deref().and_then(Lang::parse).unwrap_or_default())
}

pub fn set_language(store: &mut Store, lang: Lang) -> Result<()> {
    crate::access::write_unguarded(store, crate::access::Why::Preference, |w| put(w, "language", lang.as_str()))
}

/// Chooses the installation's mode. A database whose school is set up stays a school's: its
/// records would make no sense in a county installation.
pub fn set_mode(store: &mut Store, mode: Mode) -> Result<()> {
    let pass = crate::access::ask(store, crate::access::Action::ManageSchool)?;
    if mode == Mode::County && crate::school::get(store)?.is_some() {
        return Err(WrongMode { actual: Mode::School, needed: Mode::County }.into());
    }
    pass.write(store, |w| put(w, "mode", mode.as_str()))
}

/// The person who keeps the school's paper archive (档案管理员); empty until someone is named.
pub fn archivist(store: &Store) -> Result<String> {
    Ok(get(store, "archivist")?.unwrap_or_default())
}

/// Names the archivist (cleaned; at most 30 characters; empty clears it). Returns the name
/// kept. A setting of the school's: the principal's.
pub fn set_archivist(store: &mut Store, name: &str) -> Result<String> {
    let pass = crate::access::ask(store, crate::access::Action::ManageSchool)?;
    let name = crate::text::clean(name);
    let mut c = crate::labels::checks();
    c.max_len("archivist", &name, 30);
    c.finish()?;
    pass.write(store, |w| put(w, "archivist", &name))?;
    Ok(name)
}

/// The county's name, in a county installation (shown in its window and reports).
pub fn county_name(store: &Store) -> Result<String> {
    Ok(get(store, "county_name")?.unwrap_or_default())
}

pub(crate) fn set_county_name(store: &mut Store, name: &str) -> Result<()> {
    let name = crate::text::clean(name);
    crate::access::write(store, crate::access::Action::County, |w| put(w, "county_name", &name))
}

/// Minutes without a click or a key before the window locks itself (default 10).
pub const DEFAULT_IDLE_MINUTES: u32 = 10;

pub fn idle_minutes(store: &Store) -> Result<u32> {
    Ok(get(store, "idle_minutes")?.and_then(|v| v.parse().ok()).unwrap_or(DEFAULT_IDLE_MINUTES))
}

/// Sets the idle time before the window locks: 1 to 120 minutes. The principal's setting
/// (the reviewer's in a county).
pub fn set_idle_minutes(store: &mut Store, minutes: u32) -> Result<u32> {
    let pass = crate::access::ask(store, crate::access::Action::ManageAccounts)?;
    let minutes = minutes.clamp(1, 120);
    pass.write(store, |w| put(w, "idle_minutes", &minutes.to_string()))?;
    Ok(minutes)
}

/// The database's own id, made when it is set up: its key file and backups name it.
pub fn database_id(store: &Store) -> Result<Option<String>> {
    get(store, "database_id")
}

pub fn set_database_id(w: &Writer<'_>, id: &str) -> Result<()> {
    put(w, "database_id", id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_by_default_and_the_choice_is_kept() {
        let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
        assert_eq!(language(&store).unwrap(), Lang::Zh);
        set_language(&mut store, Lang::En).unwrap();
        assert_eq!(language(&store).unwrap(), Lang::En);
    }

    #[test]
    fn the_archivist_is_kept_cleaned_and_checked() {
        let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
        assert_eq!(archivist(&store).unwrap(), "");
        assert_eq!(set_archivist(&mut store, "  张 老师 ").unwrap(), "张老师");
        assert_eq!(archivist(&store).unwrap(), "张老师");
        assert!(matches!(set_archivist(&mut store, &"长".repeat(31)), Err(crate::error::Error::Invalid(_))));
        assert_eq!(archivist(&store).unwrap(), "张老师");
    }

    #[test]
    fn a_school_by_default_and_a_set_up_school_cannot_become_the_county() {
        let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
        assert_eq!(mode(&store).unwrap(), Mode::School);
        set_mode(&mut store, Mode::County).unwrap();
        assert_eq!(mode(&store).unwrap(), Mode::County);
        assert!(require_mode(&store, Mode::School).unwrap_err().domain::<WrongMode>().is_some());

        let mut school = Store::open_in_memory(&crate::SCHEMA).unwrap();
        crate::school::setup(&mut school, &crate::school::SchoolInput { code: "1".into(), name: "A".into(), ..Default::default() }).unwrap();
        assert!(set_mode(&mut school, Mode::County).unwrap_err().domain::<WrongMode>().is_some());
        assert_eq!(mode(&school).unwrap(), Mode::School);
    }
}
