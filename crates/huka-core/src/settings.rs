//! Per-installation preferences kept in the database's `meta` table.

use rusqlite::OptionalExtension;

use crate::error::{Lang, Result};
use crate::store::Store;

pub fn language(store: &Store) -> Result<Lang> {
    let v: Option<String> =
        store.conn().query_row("SELECT value FROM meta WHERE key = 'language'", [], |r| r.get(0)).optional()?;
    Ok(v.as_deref().and_then(Lang::parse).unwrap_or_default())
}

pub fn set_language(store: &mut Store, lang: Lang) -> Result<()> {
    store.write(|w| {
        w.tx().execute(
            "INSERT INTO meta (key, value) VALUES ('language', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [lang.as_str()],
        )?;
        Ok(())
    })
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
}
