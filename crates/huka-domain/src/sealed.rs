//! The sealed fields (issue 22): what only the holders of the second key read in full — the
//! full ID and national student numbers, birth dates, the health and disability note — is
//! stored sealed under that key (`crypto::DataKey::seal_field`: XChaCha20-Poly1305, the
//! record's place as associated data), each number with a keyed digest beside it (equal
//! numbers, equal digests: uniqueness, matching, sync's natural keys). The clear column keeps
//! only what a teacher is shown: the masked number (`masking`), no birth date (its year in
//! `birth_year`), no health text (`has_health_note`).
//!
//! Every write of one of these fields goes through [`stored`]; every read of a sealed value
//! through [`open`]. Without the key (a teacher's laptop) [`stored`] writes the clear view
//! only, and its sealed and digest columns stay ''.

use chrono::{Datelike, NaiveDate};
use rusqlite::types::Value;
use zeroize::Zeroizing;

use crate::crypto::DataKey;
use crate::masking;
use crate::error::Result;
use crate::store::{Store, Writer};
use rusqlite::{Connection, OptionalExtension};

/// What a sealed field holds: which clear view and which companion columns it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An ID or national student number: the clear column holds its masked form;
    /// `<column>_sealed` and `<column>_digest` beside it.
    Number,
    /// A birth date (`YYYY-MM-DD`): the clear column is NULL; `birth_year` and
    /// `birth_date_sealed` beside it.
    BirthDate,
    /// The health and disability note: the clear column is ''; `has_health_note` and
    /// `health_sealed` beside it.
    Health,
}

/// One sealed field: a table's clear column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub table: &'static str,
    pub column: &'static str,
    pub kind: Kind,
}

/// Every sealed field.
pub const FIELDS: &[Field] = &[
    Field { table: "member", column: "resident_id", kind: Kind::Number },
    Field { table: "member", column: "birth_date", kind: Kind::BirthDate },
    Field { table: "member", column: "health", kind: Kind::Health },
    Field { table: "student", column: "national_student_number", kind: Kind::Number },
    Field { table: "registration", column: "resident_id", kind: Kind::Number },
    Field { table: "registration", column: "national_student_number", kind: Kind::Number },
    Field { table: "registration", column: "birth_date", kind: Kind::BirthDate },
];

impl Field {
    /// The sealed field of `table`'s `column`, if it is one.
    pub fn of(table: &str, column: &str) -> Option<&'static Field> {
        FIELDS.iter().find(|f| f.table == table && f.column == column)
    }

    /// The column holding the sealed value: `<column>_sealed`.
    pub fn sealed_column(&self) -> &'static str {
        match self.column {
            "resident_id" => "resident_id_sealed",
            "national_student_number" => "national_student_number_sealed",
            "birth_date" => "birth_date_sealed",
            "health" => "health_sealed",
            other => unreachable!("no sealed field {other}"),
        }
    }

    /// The column holding a number's digest (`<column>_digest`); none for the others.
    pub fn digest_column(&self) -> Option<&'static str> {
        match self.column {
            "resident_id" => Some("resident_id_digest"),
            "national_student_number" => Some("national_student_number_digest"),
            _ => None,
        }
    }

    /// The digest's label: one per kind of number, shared across tables (a member's and a
    /// registration's resident ID match).
    pub fn digest_label(&self) -> Option<&'static str> {
        self.digest_column().map(|_| self.column)
    }

    /// Every column this field writes: the clear one and its companions.
    pub fn columns(&self) -> Vec<&'static str> {
        let mut out = vec![self.column, self.sealed_column()];
        match self.kind {
            Kind::Number => out.extend(self.digest_column()),
            Kind::BirthDate => out.push("birth_year"),
            Kind::Health => out.push("has_health_note"),
        }
        out
    }
}

/// The associated data of a sealed value: `{table}:{record}:{column}` — a sealed value moved
/// to another record or column does not open.
pub fn place(table: &str, record: &str, column: &str) -> String {
    format!("{table}:{record}:{column}")
}

/// The keyed digest of a number (`kind_label`: `resident_id` or `national_student_number`,
/// the same in every table), over its normalized (stored) form.
pub fn digest(second: &DataKey, kind_label: &str, normalized: &str) -> String {
    second.digest_field(kind_label, normalized)
}

/// The second key when the store's account reads and writes the sealed fields: it holds it
/// and its role sees full numbers (`access::sees_numbers`). `None`: a teacher, a reviewer, a
/// holder whose slot lacks the key.
pub fn key(store: &Store) -> Option<&DataKey> {
    store.second().filter(|_| crate::access::sees_numbers(store))
}

/// [`key`] inside a write: the writer's second key when its account reads and writes the
/// sealed fields.
pub fn writer_key<'a>(w: &'a Writer<'_>) -> Option<&'a DataKey> {
    w.second().filter(|_| crate::access::actor_sees_numbers(w.actor()))
}

/// [`stored`]'s pairs for a row that exists, or none when its sealed value already opens to
/// `clear` (kept: a fresh nonce would make an unchanged value look changed to the audit trail
/// and to sync's clocks).
pub fn changed(conn: &Connection, second: &DataKey, table: &str, record: &str, column: &str, clear: Option<&str>) -> Result<Vec<(&'static str, Value)>> {
    let Some(field) = Field::of(table, column) else { return Ok(Vec::new()) };
    let wanted = clear.map(str::trim).unwrap_or("");
    let now: Option<(String, Option<String>)> = conn
        .prepare_cached(&format!("SELECT {}, CAST({} AS TEXT) FROM {table} WHERE id = ?1", field.sealed_column(), field.column))?
        .query_row([record], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((sealed, clear_now)) = now {
        let unchanged = match open(second, table, record, column, &sealed) {
            Some(v) => v.as_str() == wanted,
            // Nothing sealed: unchanged only when nothing is wanted and nothing is in clear.
            None => sealed.is_empty() && wanted.is_empty() && clear_now.unwrap_or_default().is_empty(),
        };
        if unchanged {
            return Ok(Vec::new());
        }
    }
    Ok(stored(Some(second), table, record, column, clear))
}

/// The column → value pairs to write for one clear value of a sealed field (`clear`: the
/// normalized number, the `YYYY-MM-DD` date, the note; `None` or '' when there is none).
/// Without the key, only the clear view: the sealed and digest columns ''. A value that is
/// already a masked view (a teacher's laptop's) is kept as it is, with nothing sealed.
/// Nothing for a column that is not a sealed field.
pub fn stored(second: Option<&DataKey>, table: &str, record: &str, column: &str, clear: Option<&str>) -> Vec<(&'static str, Value)> {
    let Some(field) = Field::of(table, column) else { return Vec::new() };
    let clear = clear.map(str::trim).unwrap_or("");
    let seal = |value: &str| match second {
        Some(k) if !value.is_empty() => Value::Text(k.seal_field(&place(table, record, field.column), value)),
        _ => Value::Text(String::new()),
    };
    let text = |s: String| Value::Text(s);
    match field.kind {
        Kind::Number => {
            let masked_already = masking::is_masked(clear);
            let view = match field.column {
                "resident_id" => masking::resident_id(clear),
                _ => masking::national_student_number(clear),
            };
            let (sealed, digested) = if masked_already || clear.is_empty() {
                (text(String::new()), String::new())
            } else {
                (seal(clear), second.map(|k| digest(k, field.column, clear)).unwrap_or_default())
            };
            vec![(field.column, text(view)), (field.sealed_column(), sealed), (field.digest_column().expect("a number's digest"), text(digested))]
        }
        Kind::BirthDate => {
            let year = year_of(clear);
            let date = NaiveDate::parse_from_str(clear, "%Y-%m-%d").ok();
            vec![
                (field.column, Value::Null),
                ("birth_year", year.map(|y| Value::Integer(y.into())).unwrap_or(Value::Null)),
                (field.sealed_column(), if date.is_some() { seal(clear) } else { text(String::new()) }),
            ]
        }
        Kind::Health => vec![(field.column, text(String::new())), (field.sealed_column(), seal(clear)), ("has_health_note", Value::Integer((!clear.is_empty()).into()))],
    }
}

/// The year of a stored birth date (`YYYY-MM-DD`, or a year alone).
fn year_of(clear: &str) -> Option<i32> {
    if let Ok(d) = NaiveDate::parse_from_str(clear, "%Y-%m-%d") {
        return Some(d.year());
    }
    clear.get(..4).filter(|y| y.chars().all(|c| c.is_ascii_digit())).and_then(|y| y.parse().ok())
}

/// A sealed value opened (`None`: none stored, or it does not open with this key here).
pub fn open(second: &DataKey, table: &str, record: &str, column: &str, sealed: &str) -> Option<Zeroizing<String>> {
    if sealed.is_empty() {
        return None;
    }
    second.open_field(&place(table, record, column), sealed)
}

/// [`open`] with an optional key and what it gives, or '' (a reader without the key, or
/// nothing sealed).
pub fn opened(second: Option<&DataKey>, table: &str, record: &str, column: &str, sealed: &str) -> String {
    second.and_then(|k| open(k, table, record, column, sealed)).map(|v| v.to_string()).unwrap_or_default()
}

/// What a reader with `second` (or none) reads of a sealed field from its two columns: the
/// sealed value opened, else what the clear column holds (masked once sealed; a row from
/// before sealing, its clear value).
pub fn read(second: Option<&DataKey>, table: &str, record: &str, column: &str, sealed: &str, clear: &str) -> String {
    match second.and_then(|k| open(k, table, record, column, sealed)) {
        Some(v) => v.to_string(),
        None => clear.to_string(),
    }
}

/// The value written to `column` among `pairs` ([`stored`]'s).
pub fn value<'a>(pairs: &'a [(&'static str, Value)], column: &str) -> &'a Value {
    pairs.iter().find(|(c, _)| *c == column).map(|(_, v)| v).unwrap_or(&Value::Null)
}

/// For tests of databases from before schema 17 (the session's and the conversion's here,
/// tests/accounts.rs): takes it away — every sealed field's clear value back in its clear
/// column (opened with `key`: the school's second key, or the fixed key of a store that is not
/// encrypted), the sealed columns, the digests' indexes and the marker gone, the clear
/// numbers' unique indexes back. Returns the clear values it put back. Public only for those
/// tests: nothing in the application calls it.
#[doc(hidden)]
pub fn take_schema_17_away(conn: &rusqlite::Connection, key: &DataKey) -> Vec<String> {
    // Schema 18 first: a database from before 17 had none of it either.
    crate::clock::take_schema_18_away(conn);
    let mut clear_values = Vec::new();
    for f in FIELDS {
        let rows: Vec<(String, String)> = conn
            .prepare(&format!("SELECT id, {} FROM {} WHERE {0} <> ''", f.sealed_column(), f.table))
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        for (id, sealed) in rows {
            let clear = open(key, f.table, &id, f.column, &sealed).expect("opens with the key given");
            conn.execute(&format!("UPDATE {} SET {} = ?2 WHERE id = ?1", f.table, f.column), rusqlite::params![id, clear.as_str()]).unwrap();
            clear_values.push(clear.to_string());
        }
    }
    conn.execute_batch(
        "DROP INDEX member_resident_id_digest_alive; DROP INDEX registration_resident_id_digest_alive; DROP TABLE field_sealing;
         CREATE UNIQUE INDEX member_resident_id_alive ON member (resident_id) WHERE deleted_at IS NULL AND resident_id <> '';
         CREATE UNIQUE INDEX registration_resident_id_alive ON registration (resident_id) WHERE deleted_at IS NULL;",
    )
    .unwrap();
    for f in FIELDS {
        for c in f.columns().into_iter().skip(1) {
            if conn.query_row(&format!("SELECT count(*) FROM pragma_table_info('{}') WHERE name = ?1", f.table), [c], |r| r.get::<_, i64>(0)).unwrap() > 0 {
                conn.execute_batch(&format!("ALTER TABLE {} DROP COLUMN {c};", f.table)).unwrap();
            }
        }
    }
    clear_values
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "610921199310094790";

    fn text(v: &Value) -> &str {
        match v {
            Value::Text(s) => s,
            other => panic!("not text: {other:?}"),
        }
    }

    #[test]
    fn every_field_names_its_columns() {
        assert_eq!(FIELDS.len(), 7);
        let m = Field::of("member", "resident_id").unwrap();
        assert_eq!(m.columns(), ["resident_id", "resident_id_sealed", "resident_id_digest"]);
        assert_eq!(Field::of("member", "birth_date").unwrap().columns(), ["birth_date", "birth_date_sealed", "birth_year"]);
        assert_eq!(Field::of("member", "health").unwrap().columns(), ["health", "health_sealed", "has_health_note"]);
        assert!(Field::of("student", "resident_id").is_none());
        assert!(Field::of("member", "name").is_none());
        // Every column a field names exists in the schema.
        let store = Store::open_in_memory(&crate::SCHEMA).unwrap();
        for f in FIELDS {
            for c in f.columns() {
                let n: i64 = store.conn().query_row(&format!("SELECT count(*) FROM pragma_table_info('{}') WHERE name = ?1", f.table), [c], |r| r.get(0)).unwrap();
                assert_eq!(n, 1, "{}.{c}", f.table);
            }
        }
    }

    #[test]
    fn a_number_is_stored_masked_sealed_and_digested() {
        let key = DataKey::generate();
        let pairs = stored(Some(&key), "member", "m1", "resident_id", Some(ID));
        assert_eq!(text(value(&pairs, "resident_id")), "610921********4790");
        let sealed = text(value(&pairs, "resident_id_sealed"));
        assert!(!sealed.contains("4790"));
        assert_eq!(open(&key, "member", "m1", "resident_id", sealed).unwrap().as_str(), ID);
        assert!(open(&key, "member", "m2", "resident_id", sealed).is_none(), "another record");
        assert!(open(&key, "registration", "m1", "resident_id", sealed).is_none(), "another table");
        assert!(open(&DataKey::generate(), "member", "m1", "resident_id", sealed).is_none(), "another key");
        assert_eq!(text(value(&pairs, "resident_id_digest")), digest(&key, "resident_id", ID));
        // One label per kind of number: a registration's digest matches the member's.
        let reg = stored(Some(&key), "registration", "r1", "resident_id", Some(ID));
        assert_eq!(value(&reg, "resident_id_digest"), value(&pairs, "resident_id_digest"));
        let nsn = stored(Some(&key), "student", "s1", "national_student_number", Some(&format!("G{ID}")));
        assert_eq!(text(value(&nsn, "national_student_number")), "G610921********4790");
        assert_eq!(text(value(&nsn, "national_student_number_digest")), digest(&key, "national_student_number", &format!("G{ID}")));
        assert_ne!(value(&nsn, "national_student_number_digest"), value(&pairs, "resident_id_digest"));
    }

    #[test]
    fn without_the_key_only_the_clear_view_is_stored() {
        let pairs = stored(None, "member", "m1", "resident_id", Some(ID));
        assert_eq!(text(value(&pairs, "resident_id")), "610921********4790");
        assert_eq!(text(value(&pairs, "resident_id_sealed")), "");
        assert_eq!(text(value(&pairs, "resident_id_digest")), "");
        let pairs = stored(None, "member", "m1", "birth_date", Some("1993-10-09"));
        assert_eq!(value(&pairs, "birth_date"), &Value::Null);
        assert_eq!(value(&pairs, "birth_year"), &Value::Integer(1993));
        assert_eq!(text(value(&pairs, "birth_date_sealed")), "");
        let pairs = stored(None, "member", "m1", "health", Some("听力残疾"));
        assert_eq!(text(value(&pairs, "health")), "");
        assert_eq!(value(&pairs, "has_health_note"), &Value::Integer(1));
        assert_eq!(text(value(&pairs, "health_sealed")), "");
    }

    #[test]
    fn dates_and_notes_are_sealed_with_their_clear_views() {
        let key = DataKey::generate();
        let pairs = stored(Some(&key), "registration", "r1", "birth_date", Some("1993-10-09"));
        assert_eq!(value(&pairs, "birth_date"), &Value::Null);
        assert_eq!(value(&pairs, "birth_year"), &Value::Integer(1993));
        assert_eq!(opened(Some(&key), "registration", "r1", "birth_date", text(value(&pairs, "birth_date_sealed"))), "1993-10-09");
        let pairs = stored(Some(&key), "member", "m1", "health", Some(" 听力残疾 "));
        assert_eq!(text(value(&pairs, "health")), "");
        assert_eq!(value(&pairs, "has_health_note"), &Value::Integer(1));
        assert_eq!(opened(Some(&key), "member", "m1", "health", text(value(&pairs, "health_sealed"))), "听力残疾");
        assert_eq!(opened(None, "member", "m1", "health", text(value(&pairs, "health_sealed"))), "");
    }

    #[test]
    fn nothing_stays_nothing_and_a_masked_view_is_not_sealed() {
        let key = DataKey::generate();
        for clear in [None, Some(""), Some("  ")] {
            let pairs = stored(Some(&key), "member", "m1", "resident_id", clear);
            assert!(pairs.iter().all(|(_, v)| v == &Value::Text(String::new())), "{clear:?}");
            let pairs = stored(Some(&key), "member", "m1", "health", clear);
            assert_eq!(value(&pairs, "has_health_note"), &Value::Integer(0));
            assert_eq!(text(value(&pairs, "health_sealed")), "");
            let pairs = stored(Some(&key), "member", "m1", "birth_date", clear);
            assert_eq!(value(&pairs, "birth_year"), &Value::Null);
            assert_eq!(text(value(&pairs, "birth_date_sealed")), "");
        }
        let pairs = stored(Some(&key), "member", "m1", "resident_id", Some("610921********4790"));
        assert_eq!(text(value(&pairs, "resident_id")), "610921********4790");
        assert_eq!(text(value(&pairs, "resident_id_sealed")), "");
        assert_eq!(text(value(&pairs, "resident_id_digest")), "");
        assert!(stored(Some(&key), "member", "m1", "name", Some("x")).is_empty());
        assert_eq!(place("member", "m1", "resident_id"), "member:m1:resident_id");
    }

    #[test]
    fn a_store_that_is_not_encrypted_has_the_fixed_key_and_only_holders_get_it() {
        let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
        let sealed = store.second().unwrap().seal_field("p", "x");
        assert_eq!(DataKey::unprotected().open_field("p", &sealed).unwrap().as_str(), "x");
        assert!(key(&store).is_some(), "the system acts as a holder");
        store.set_second(None);
        assert!(key(&store).is_none());
    }
}
