//! Household search: one FTS5 row per live household, with the trigram tokenizer, so that
//! any substring of a name, a village or an ID number finds the household — Chinese included.
//!
//! The indexed text holds ID numbers masked (`masking`): what every reader may see of them.
//! The full number (and so a birth date, or the hidden digits) is matched on the members
//! themselves, and only for the readers who see full numbers: the principal and the aid
//! officer; a teacher's search by a number matches masked numbers only, in their care too
//! (issue 22), and the county's reviewers none.
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
/// search (`body`, ID numbers masked) and the full ID numbers (`ids`), each with its trigram
/// index. Called inside the transaction of every write that touches the household or its
/// members.
pub fn reindex_household(conn: &Connection, household: RecordId) -> Result<()> {
    conn.prepare_cached("INSERT OR IGNORE INTO search_key (household_id) VALUES (?1)")?.execute([household])?;
    let (key, old_body, old_ids): (i64, String, String) = conn
        .prepare_cached("SELECT key, body, ids FROM search_key WHERE household_id = ?1")?
        .query_row([household], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    let masked_id = crate::masking::resident_id_sql("m.resident_id");
    let (body, ids): (String, String) = conn
        .prepare_cached(&format!(
            "SELECT coalesce(max(concat_ws(' ', h.household_number, h.head_name, h.town, h.village, h.grp, h.phone,
                        (SELECT group_concat(m.name || ' ' || {masked_id}, ' ') FROM member m
                          WHERE m.household_id = h.id AND m.deleted_at IS NULL))), ''),
                    coalesce(max((SELECT group_concat(m.resident_id, ' ') FROM member m
                          WHERE m.household_id = h.id AND m.deleted_at IS NULL AND m.resident_id <> '')), '')
             FROM household h WHERE h.id = ?1 AND h.deleted_at IS NULL"
        ))?
        .query_row([household], |r| Ok((r.get(0)?, r.get(1)?)))?;
    if body == old_body && ids == old_ids {
        return Ok(());
    }
    for (index, column, old, new) in [("household_search", "body", &old_body, &body), ("household_id_search", "ids", &old_ids, &ids)] {
        if old == new {
            continue;
        }
        if !old.is_empty() {
            conn.prepare_cached(&format!("INSERT INTO {index} ({index}, rowid, {column}) VALUES ('delete', ?1, ?2)"))?.execute(params![key, old])?;
        }
        if !new.is_empty() {
            conn.prepare_cached(&format!("INSERT INTO {index} (rowid, {column}) VALUES (?1, ?2)"))?.execute(params![key, new])?;
        }
    }
    conn.prepare_cached("UPDATE search_key SET body = ?2, ids = ?3 WHERE key = ?1")?.execute(params![key, body, ids])?;
    Ok(())
}

/// Merges the search index into one segment: after a bulk load (demo data, an import), so
/// that queries read one compact b-tree instead of thousands of small ones. Part of the bulk
/// load, under its right (`pass`).
pub fn optimize(store: &mut Store, pass: &crate::access::Pass) -> Result<()> {
    pass.write(store, |w| {
        w.tx().execute("INSERT INTO household_search (household_search) VALUES ('optimize')", [])?;
        w.tx().execute("INSERT INTO household_id_search (household_id_search) VALUES ('optimize')", [])?;
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
/// always true.
pub fn household_filter(store: &Store, id_column: &str, text: &str, first_param: usize) -> (String, Vec<String>) {
    let terms = terms(text);
    if terms.is_empty() {
        return ("1".into(), Vec::new());
    }
    let reach = reach(store);
    let id_like = |t: &str| t.chars().all(|c| c.is_ascii_digit() || c == 'X');
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
            // A part of an ID number: the full numbers, for the households the reader may
            // see in full.
            let ids = if t.chars().count() >= 3 {
                format!("k.key IN (SELECT rowid FROM household_id_search WHERE ids LIKE ?{p})")
            } else {
                format!("k.ids LIKE ?{p}")
            };
            let full = match (&reach, id_like(t)) {
                (Reach::Every, true) => format!(" OR {ids}"),
                _ => String::new(),
            };
            format!("({public}{full})")
        })
        .collect();
    let sql = format!("{id_column} IN (SELECT k.household_id FROM search_key k WHERE {})", conditions.join(" AND "));
    (sql, params)
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
