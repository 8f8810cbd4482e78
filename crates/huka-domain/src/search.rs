//! Household search: one FTS5 row per live household, with the trigram tokenizer, so that
//! any substring of a name, a village or an ID number finds the household — Chinese included.
//!
//! The indexed text holds ID numbers masked (`masking`): what every reader may see of them.
//! The full number (and so a birth date, or the hidden digits) is matched only for the
//! readers who see full numbers — the principal and the aid officer — in a TEMP table their
//! session fills from the members ([`open_full_ids`]), never in the file; a teacher's search
//! by a number matches masked numbers only, in their care too (issue 22), and the county's
//! reviewers none.
//!
//! Queries use `LIKE '%term%'`, which FTS5's trigram index answers directly for terms of three
//! or more characters; one- and two-character terms (many Chinese names) scan the compact
//! search table instead of the record tables. Several words must all match.

use rusqlite::{params, Connection};

use crate::actor::Role;
use crate::error::Result;
use crate::record::RecordId;
use crate::store::Store;
use crate::resident_id;
use crate::text::fold;


/// Rewrites the search row of one household from its live records: the text anyone may
/// search (`body`, ID numbers masked, with its trigram index), and — when this session holds
/// the full numbers' table ([`open_full_ids`]) — the household's row there. Called inside the
/// transaction of every write that touches the household or its members.
pub fn reindex_household(conn: &Connection, household: RecordId) -> Result<()> {
    conn.prepare_cached("INSERT OR IGNORE INTO search_key (household_id) VALUES (?1)")?.execute([household])?;
    let (key, old_body): (i64, String) =
        conn.prepare_cached("SELECT key, body FROM search_key WHERE household_id = ?1")?.query_row([household], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let masked_id = crate::masking::resident_id_sql("m.resident_id");
    let body: String = conn
        .prepare_cached(&format!(
            "SELECT coalesce(max(concat_ws(' ', h.household_number, h.head_name, h.town, h.village, h.grp, h.phone,
                        (SELECT group_concat(m.name || ' ' || {masked_id}, ' ') FROM member m
                          WHERE m.household_id = h.id AND m.deleted_at IS NULL))), '')
             FROM household h WHERE h.id = ?1 AND h.deleted_at IS NULL"
        ))?
        .query_row([household], |r| r.get(0))?;
    if full_ids_open(conn)? {
        // The numbers are sealed (`sealed`) and the key is not at hand here: the household's
        // row is taken out and marked, and the next search by a number refills it.
        conn.prepare_cached(&format!("DELETE FROM {FULL_IDS} WHERE rowid = ?1"))?.execute([key])?;
        conn.prepare_cached(&format!("INSERT OR IGNORE INTO {FULL_IDS_STALE} (key) VALUES (?1)"))?.execute([key])?;
    }
    if body == old_body {
        return Ok(());
    }
    if !old_body.is_empty() {
        conn.prepare_cached("INSERT INTO household_search (household_search, rowid, body) VALUES ('delete', ?1, ?2)")?.execute(params![key, old_body])?;
    }
    if !body.is_empty() {
        conn.prepare_cached("INSERT INTO household_search (rowid, body) VALUES (?1, ?2)")?.execute(params![key, body])?;
    }
    conn.prepare_cached("UPDATE search_key SET body = ?2 WHERE key = ?1")?.execute(params![key, body])?;
    Ok(())
}

/// The full numbers' search table: one row per household with full ID numbers (rowid: its
/// `search_key.key`), trigram-indexed. TEMP, so in memory only (SQLCipher's temp store) and
/// this connection's only: it is never in the file, a backup or a change file, and goes
/// when the store drops (issue 22).
const FULL_IDS: &str = "temp.household_full_ids";

/// The households whose row in [`FULL_IDS`] a write took out since it was filled.
const FULL_IDS_STALE: &str = "temp.household_full_ids_stale";

/// What [`FULL_IDS`]' rows are made of: each live household's live members' sealed numbers
/// (opened in [`fill_full_ids`]).
const FULL_IDS_OF: &str = "SELECT k.key, m.id, m.resident_id_sealed, m.resident_id FROM search_key k
     JOIN household h ON h.id = k.household_id AND h.deleted_at IS NULL
     JOIN member m ON m.household_id = h.id AND m.deleted_at IS NULL AND (m.resident_id_sealed <> '' OR m.resident_id <> '')
     WHERE 1";

fn full_ids_open(conn: &Connection) -> Result<bool> {
    Ok(conn.prepare_cached("SELECT count(*) FROM temp.sqlite_schema WHERE name = 'household_full_ids'")?.query_row([], |r| r.get::<_, i64>(0))? > 0)
}

/// Fills the full numbers' search table for this session, once: at the first search by a
/// number of an account that searches by full numbers (the principal, the aid officer) — not
/// at login, which stays as fast as before for everyone — from the numbers OPENED with the
/// second key; later, the rows of the households written since. Writes nothing to the file.
pub fn open_full_ids(conn: &Connection, second: &crate::crypto::DataKey) -> Result<()> {
    if full_ids_open(conn)? {
        let stale: i64 = conn.prepare_cached(&format!("SELECT count(*) FROM {FULL_IDS_STALE}"))?.query_row([], |r| r.get(0))?;
        if stale > 0 {
            fill_full_ids(conn, second, &format!(" AND k.key IN (SELECT key FROM {FULL_IDS_STALE})"))?;
            conn.execute(&format!("DELETE FROM {FULL_IDS_STALE}"), [])?;
        }
        return Ok(());
    }
    conn.execute_batch(&format!(
        "CREATE VIRTUAL TABLE {FULL_IDS} USING fts5 (ids, tokenize = 'trigram');
         CREATE TABLE IF NOT EXISTS {FULL_IDS_STALE} (key INTEGER PRIMARY KEY);"
    ))?;
    fill_full_ids(conn, second, "")
}

/// Writes [`FULL_IDS`]' rows of the households `filter` names (an SQL condition on `k`).
fn fill_full_ids(conn: &Connection, second: &crate::crypto::DataKey, filter: &str) -> Result<()> {
    let mut rows: Vec<(i64, String)> = Vec::new();
    {
        let mut stmt = conn.prepare(&format!("{FULL_IDS_OF}{filter} ORDER BY k.key"))?;
        let mut q = stmt.query([])?;
        while let Some(r) = q.next()? {
            let (key, member, sealed, clear): (i64, String, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            let number = match crate::sealed::open(second, "member", &member, "resident_id", &sealed) {
                Some(v) => v.to_string(),
                // A row from before sealing keeps its clear number until it is converted.
                None if sealed.is_empty() && !crate::masking::is_masked(&clear) => clear,
                None => continue,
            };
            match rows.last_mut() {
                Some((k, ids)) if *k == key => {
                    ids.push(' ');
                    ids.push_str(&number);
                }
                _ => rows.push((key, number)),
            }
        }
    }
    let mut insert = conn.prepare_cached(&format!("INSERT INTO {FULL_IDS} (rowid, ids) VALUES (?1, ?2)"))?;
    for (key, ids) in &rows {
        insert.execute(params![key, ids])?;
    }
    Ok(())
}

/// Merges the search index into one segment: after a bulk load (demo data, an import), so
/// that queries read one compact b-tree instead of thousands of small ones. Part of the bulk
/// load, under its right (`pass`).
pub fn optimize(store: &mut Store, pass: &crate::access::Pass) -> Result<()> {
    pass.write(store, |w| {
        w.tx().execute("INSERT INTO household_search (household_search) VALUES ('optimize')", [])?;
        Ok(())
    })
}

/// Splits a search text into words: full-width folded, ID-number characters normalized
/// (full-width digits, lower-case x), LIKE wildcards dropped.
pub fn terms(text: &str) -> Vec<String> {
    fold(text)
        .split_whitespace()
        .map(|t| {
            let t: String = t.chars().filter(|c| !matches!(c, '%' | '_' | '\\')).collect();
            if t.chars().all(|c| c.is_ascii_digit() || matches!(c, 'x' | 'X')) {
                resident_id::normalize(&t)
            } else {
                t
            }
        })
        .filter(|t| !t.is_empty())
        .collect()
}

/// Whose full ID numbers a search may match.
#[derive(Debug, Clone, PartialEq)]
enum Reach {
    Every,
    NoOne,
}

fn reach(store: &Store) -> Reach {
    let actor = store.actor();
    if crate::sealed::key(store).is_none() {
        // Without the second key no full number can be read.
        return Reach::NoOne;
    }
    match actor.role {
        _ if actor.id == crate::actor::Actor::system().id => Reach::Every,
        Role::Principal | Role::AidOfficer => Reach::Every,
        // A teacher sees no full number, in their care neither (issue 22).
        Role::Teacher => Reach::NoOne,
        Role::Reviewer => Reach::NoOne,
    }
}

/// An SQL condition on `id_column` for the households matching `text` as the store's account
/// may search them, with the parameters to bind from number `first_param` on. No terms:
/// always true. A reader who may search full numbers gets this session's table of them
/// ([`open_full_ids`]) filled first, if a term is a part of one.
pub fn household_filter(store: &Store, id_column: &str, text: &str, first_param: usize) -> Result<(String, Vec<String>)> {
    let terms = terms(text);
    if terms.is_empty() {
        return Ok(("1".into(), Vec::new()));
    }
    let reach = reach(store);
    let id_like = |t: &str| t.chars().all(|c| c.is_ascii_digit() || c == 'X');
    if reach == Reach::Every && terms.iter().any(|t| id_like(t)) {
        open_full_ids(store.conn(), crate::sealed::key(store).expect("a reader of full numbers holds the second key"))?;
    }
    let params: Vec<String> = terms.iter().map(|t| format!("%{t}%")).collect();
    // Terms of three or more characters go through the trigram index; shorter ones are
    // matched against the compact search_key table (the index cannot help them).
    let conditions: Vec<String> = terms
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let p = first_param + i;
            let public = if t.chars().count() >= 3 {
                format!("k.key IN (SELECT rowid FROM household_search WHERE body LIKE ?{p})")
            } else {
                format!("k.body LIKE ?{p}")
            };
            // A part of an ID number: the full numbers, for the readers who see them (the
            // trigram index answers three characters or more; fewer scan the table).
            let ids = format!("k.key IN (SELECT rowid FROM {FULL_IDS} WHERE ids LIKE ?{p})");
            let full = match (&reach, id_like(t)) {
                (Reach::Every, true) => format!(" OR {ids}"),
                _ => String::new(),
            };
            format!("({public}{full})")
        })
        .collect();
    let sql = format!("{id_column} IN (SELECT k.household_id FROM search_key k WHERE {})", conditions.join(" AND "));
    Ok((sql, params))
}

#[cfg(test)]
mod tests {
    use crate::household::{self, tests::input};
    use crate::member::{self, tests::member_input};
    use crate::store::Store;

    fn names(store: &Store, q: &str) -> Vec<String> {
        household::list(store, q, 100).unwrap().into_iter().map(|h| h.head_name).collect()
    }

    #[test]
    fn finds_by_name_fragment_id_fragment_and_village() {
        let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
        let a = household::create(&mut store, &input("0001", "王建国")).unwrap();
        member::create(&mut store, a.meta.id, &member_input("王小明", "61092120130305001X")).unwrap();
        let b = household::create(&mut store, &household::HouseholdInput { village: "太平村".into(), ..input("0002", "李红梅") }).unwrap();
        member::create(&mut store, b.meta.id, &member_input("李娜", "610921200811230020")).unwrap();

        assert_eq!(names(&store, "小明"), ["王建国"], "two-character Chinese name fragment");
        assert_eq!(names(&store, "王小明"), ["王建国"], "three characters use the trigram index");
        assert_eq!(names(&store, "太平"), ["李红梅"], "village");
        assert_eq!(names(&store, "1123002"), ["李红梅"], "ID number fragment");
        assert_eq!(names(&store, "３０５００１ｘ"), ["王建国"], "full-width digits and lower-case x");
        assert_eq!(names(&store, "李 太平"), ["李红梅"], "every word must match");
        assert!(names(&store, "张").is_empty());
        assert_eq!(names(&store, "").len(), 2);
        assert_eq!(names(&store, "%").len(), 2, "wildcards are not patterns");
    }

    /// Issue 22: the full numbers a holder searches are in this session's memory, never in the
    /// file, and follow every write made while the session is open.
    #[test]
    fn the_full_numbers_searched_are_in_memory_only_and_follow_edits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("search.db");
        let mut store = Store::open_unencrypted(&path, &crate::SCHEMA).unwrap();
        let a = household::create(&mut store, &input("0001", "王建国")).unwrap();
        assert!(names(&store, "20130305").is_empty(), "the session's table is filled, with nothing");
        let m = member::create(&mut store, a.meta.id, &member_input("王小明", "61092120130305001X")).unwrap();
        assert_eq!(names(&store, "20130305"), ["王建国"], "a member added after it was filled");
        member::update(&mut store, m.meta.id, &member_input("王小明", "610921200811230020")).unwrap();
        assert!(names(&store, "20130305").is_empty(), "a number changed");
        assert_eq!(names(&store, "1123002"), ["王建国"]);
        assert_eq!(names(&store, "23"), ["王建国"], "two characters scan the table");
        drop(store);

        let again = Store::open_unencrypted(&path, &crate::SCHEMA).unwrap();
        assert_eq!(names(&again, "1123002"), ["王建国"], "a new session fills it again");
        drop(again);
        let conn = rusqlite::Connection::open(&path).unwrap();
        // Any table, the search's, the member itself (sealed) and the audit trail of its
        // changes included.
        let tables: Vec<String> = conn.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").unwrap().query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
        for table in tables {
            let mut stmt = conn.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
            let n = stmt.column_count();
            let mut rows = stmt.query([]).unwrap();
            while let Some(row) = rows.next().unwrap() {
                for i in 0..n {
                    if let rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) = row.get_ref(i).unwrap() {
                        let text = String::from_utf8_lossy(t);
                        assert!(!text.contains("610921200811230020"), "the full number in {table}");
                    }
                }
            }
        }
    }

    #[test]
    fn search_follows_edits_and_deletes() {
        let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
        let a = household::create(&mut store, &input("0001", "王建国")).unwrap();
        let m = member::create(&mut store, a.meta.id, &member_input("王小明", "")).unwrap();
        member::update(&mut store, m.meta.id, &member_input("王晓明", "")).unwrap();
        assert!(names(&store, "小明").is_empty());
        assert_eq!(names(&store, "晓明"), ["王建国"]);
        member::delete(&mut store, m.meta.id).unwrap();
        assert!(names(&store, "晓明").is_empty());
        household::delete(&mut store, a.meta.id).unwrap();
        assert!(names(&store, "王建国").is_empty());
    }
}
