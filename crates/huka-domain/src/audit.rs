//! The audit trail (修改记录): every write leaves, in its own transaction, an entry per record it
//! changed — when, who, which device, insert/update/delete, and each field's old and new
//! value — and the entries of each device form a SHA-256 chain, so that editing or removing
//! any of them breaks it. The store captures the changes (temporary triggers, like the
//! author stamp); this module turns them into entries, lists them and verifies the chains.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::access::{self, Action};
use crate::error::Result;
use crate::record::{parse_time_text, RecordId};
use crate::journal::{Change, Reader};
use crate::store::{Store, Writer};

/// Bookkeeping columns every record has: not "what changed" (the entry itself says when,
/// who and on which device).
const BOOKKEEPING: [&str; 5] = ["id", "created_at", "updated_at", "device_id", "updated_by"];

/// Whether a column's changes are "what changed" in an entry: not the bookkeeping, nor a
/// sealed number's keyed digest (an index for equality, computed from the sealed value,
/// never shown, and stale after a rotation), nor the signing key's secret box (the key stays
/// on its computer, `LOCAL_ONLY`, but the trail travels to every holder's computer) —
/// entries written before this hold them, and verify as they are.
fn audited(kind: &str, field: &str) -> bool {
    !(BOOKKEEPING.contains(&field)
        || (kind == "signing_key" && field == "secret_box")
        || crate::sealed::FIELDS.iter().any(|f| f.table == kind && f.digest_column() == Some(field)))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub device_id: String,
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub account_id: String,
    /// The account's name when it wrote.
    pub account: String,
    /// `insert`, `update`, `delete`, or an event such as `archive_full_ids`.
    pub op: String,
    /// The table (`household`, `member` …) or the event's subject.
    pub kind: String,
    pub record_id: String,
    /// Field → [old, new].
    pub changes: BTreeMap<String, [Value; 2]>,
    pub prev: String,
    pub hash: String,
}

/// The text an entry's hash covers: every field but the hash, in a fixed order.
fn canonical(e: &Entry, changes: &str) -> String {
    format!(
        "huka-audit-v1\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}",
        e.device_id,
        e.seq,
        crate::record::format_time(e.at),
        e.account_id,
        e.account,
        e.op,
        e.kind,
        e.record_id,
        changes,
        e.prev
    )
}

fn hash_of(e: &Entry) -> String {
    hash_with(e, &changes_text(e))
}

fn hash_with(e: &Entry, changes: &str) -> String {
    crate::text::hex(&Sha256::digest(canonical(e, changes).as_bytes()))
}

fn changes_text(e: &Entry) -> String {
    serde_json::to_string(&e.changes).expect("plain data")
}

/// The last entry of a device's chain: its sequence number and hash.
fn head(conn: &Connection, device: &str) -> Result<(i64, String)> {
    Ok(conn
        .query_row("SELECT seq, hash FROM audit WHERE device_id = ?1 ORDER BY seq DESC LIMIT 1", [device], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .unwrap_or((0, String::new())))
}

fn append(w: &Writer<'_>, op: &str, kind: &str, record_id: &str, changes: BTreeMap<String, [Value; 2]>, last: &mut (i64, String)) -> Result<()> {
    let text = serde_json::to_string(&changes).expect("plain data");
    append_text(w, op, kind, record_id, &text, last)
}

/// [`append`] with the changes already written as [`changes_text`] would write them.
fn append_text(w: &Writer<'_>, op: &str, kind: &str, record_id: &str, changes: &str, last: &mut (i64, String)) -> Result<()> {
    let actor = w.actor();
    let mut e = Entry {
        device_id: w.device_id().to_string(),
        seq: last.0 + 1,
        at: w.now_utc(),
        account_id: actor.id.to_string(),
        account: actor.name.clone(),
        op: op.to_string(),
        kind: kind.to_string(),
        record_id: record_id.to_string(),
        changes: BTreeMap::new(),
        prev: std::mem::take(&mut last.1),
        hash: String::new(),
    };
    e.hash = hash_with(&e, changes);
    let inserted = insert(w.tx(), &e, changes)?;
    debug_assert!(inserted, "a new entry's sequence number is free (the head was read in this transaction)");
    *last = (e.seq, e.hash);
    Ok(())
}

/// The changes of a record inserted, as [`changes_text`] writes them — each audited field
/// that holds a value, `[null, value]`, in the order of their names — written straight from its image
/// (an import or the demo school inserts tens of thousands).
fn inserted_text(kind: &str, new: &crate::journal::Image) -> String {
    let mut out = String::with_capacity(32 * new.len());
    out.push('{');
    for (field, value) in new.iter().filter(|(f, v)| !v.is_null() && audited(kind, f)) {
        if out.len() > 1 {
            out.push(',');
        }
        crate::text::push_json_str(&mut out, field);
        out.push_str(":[null,");
        crate::text::push_json(&mut out, value);
        out.push(']');
    }
    out.push('}');
    out
}

/// The audit trail as a reader of the store's journal (see `&crate::SCHEMA`).
pub struct Trail;

/// The one audit trail every store of the domain is opened with.
pub static TRAIL: Trail = Trail;

impl Reader for Trail {
    fn read(&self, w: &Writer<'_>, changes: &[Change]) -> Result<()> {
        record(w, changes)
    }
}

/// Turns the changes the store captured in this transaction into entries (one per record,
/// its first old and last new values), chained on this device. Read from the journal of
/// every write, before it commits.
fn record(w: &Writer<'_>, captured: &[Change]) -> Result<()> {
    if captured.is_empty() {
        return Ok(());
    }
    let mut last = head(w.tx(), w.device_id())?;
    for c in captured {
        // A record inserted: its changes are written straight from its image.
        if c.old.is_none() {
            let text = inserted_text(&c.kind, &c.new);
            if text != "{}" {
                append_text(w, "insert", &c.kind, &c.record_id, &text, &mut last)?;
            }
            continue;
        }
        let Some(old) = c.old.as_ref() else { continue };
        let deleted = old.get("deleted_at").is_some_and(Value::is_null) && c.new.get("deleted_at").is_some_and(|d| !d.is_null());
        let changes: BTreeMap<String, [Value; 2]> = c
            .new
            .iter()
            .filter(|(field, _)| audited(&c.kind, field))
            .filter_map(|(field, value)| {
                let before = old.get(field).cloned().unwrap_or(Value::Null);
                (before != *value).then(|| (field.to_string(), [before, value.clone()]))
            })
            .collect();
        if changes.is_empty() {
            continue; // touched but not changed (a repeated save)
        }
        let op = if deleted { "delete" } else { "update" };
        append(w, op, &c.kind, &c.record_id, changes, &mut last)?;
    }
    Ok(())
}

/// Appends an entry for an event that is not a record change (a full archive, a restore …).
pub fn event(w: &Writer<'_>, op: &str, kind: &str, record_id: &str, details: BTreeMap<String, [Value; 2]>) -> Result<()> {
    let mut last = head(w.tx(), w.device_id())?;
    append(w, op, kind, record_id, details, &mut last)
}

/// Which entries to list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Filter {
    pub record: Option<String>,
    /// The account's login or name.
    pub user: Option<String>,
    pub since: Option<NaiveDate>,
    #[serde(default)]
    pub limit: Option<usize>,
}

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Entry> {
    let at: String = r.get(2)?;
    let changes: String = r.get(8)?;
    Ok(Entry {
        device_id: r.get(0)?,
        seq: r.get(1)?,
        at: parse_time_text(&at).unwrap_or_default(),
        account_id: r.get(3)?,
        account: r.get(4)?,
        op: r.get(5)?,
        kind: r.get(6)?,
        record_id: r.get(7)?,
        changes: serde_json::from_str(&changes).unwrap_or_default(),
        prev: r.get(9)?,
        hash: r.get(10)?,
    })
}

const SELECT: &str = "SELECT device_id, seq, at, account_id, account, op, kind, record_id, changes, prev, hash FROM audit";

/// [`list`]'s query: parameters the record (?1), the account (?2), the start (?3), the
/// limit (?4). A record's entries are found by `audit_record`; otherwise the trail is walked
/// newest first by `audit_at` (from `since`), keeping the user's (schema 18: no index by
/// account). With `since`, the walk stops at that day (a range of `audit_at`, not a filter on
/// it). Entries of one time (one write: an import, a demo school's whole trail) come in the
/// order this computer stored them, newest first: `audit_at` holds that order (its rowid), so
/// the newest are read without sorting every entry of their time.
pub(crate) fn list_sql(by_record: bool, since: bool) -> String {
    let by_record = if by_record { "record_id = ?1" } else { "?1 IS NULL" };
    let since_then = if since { "at >= ?3" } else { "?3 IS NULL" };
    format!(
        "{SELECT} WHERE {by_record} AND (?2 IS NULL OR account_id = ?2) AND {since_then}
         ORDER BY at DESC, rowid DESC LIMIT ?4"
    )
}

/// Entries, newest first, with ID numbers masked (the trail is read by people; a record's
/// full ID number is on its card for those who may see it). The principal's (the reviewer's).
pub fn list(store: &Store, filter: &Filter) -> Result<Vec<Entry>> {
    access::require(store, Action::ManageAccounts)?;
    let user_id: Option<String> = match &filter.user {
        Some(u) => Some(
            store
                .conn()
                .query_row(
                    "SELECT id FROM account WHERE login = ?1 OR name = ?2 ORDER BY disabled_at IS NOT NULL LIMIT 1",
                    params![crate::keyfile::normalize_login(u), u.trim()],
                    |r| r.get(0),
                )
                .optional()?
                .unwrap_or_else(|| "-".to_string()),
        ),
        None => None,
    };
    let since = filter.since.map(|d| format!("{d}T00:00:00"));
    let rows = store
        .conn()
        .prepare(&list_sql(filter.record.is_some(), since.is_some()))?
        .query_map(params![filter.record, user_id, since, filter.limit.unwrap_or(100_000) as i64], from_row)?
        .collect::<rusqlite::Result<Vec<Entry>>>()?;
    Ok(rows.into_iter().map(|e| masked(e, crate::sealed::key(store))).collect())
}

/// The history of a household card: its own entries and those of its members, students,
/// pairings, visits, plans, grants and dropout cases, newest first. Health and disability
/// are left out for a reader who may not see the household in full.
pub fn of_household(store: &Store, household: RecordId) -> Result<Vec<Entry>> {
    let full = access::sees_in_full(store, household)?;
    let rows = store
        .conn()
        .prepare_cached(&format!(
            "{SELECT} WHERE record_id IN (
                 SELECT ?1
                 UNION SELECT id FROM member WHERE household_id = ?1
                 UNION SELECT s.id FROM student s JOIN member m ON m.id = s.member_id WHERE m.household_id = ?1
                 UNION SELECT p.id FROM pairing p JOIN member m ON m.id = p.member_id WHERE m.household_id = ?1
                 UNION SELECT id FROM visit WHERE household_id = ?1
                 UNION SELECT p.id FROM plan p JOIN member m ON m.id = p.member_id WHERE m.household_id = ?1
                 UNION SELECT g.id FROM aid_grant g JOIN member m ON m.id = g.member_id WHERE m.household_id = ?1
                 UNION SELECT c.id FROM dropout_case c JOIN member m ON m.id = c.member_id WHERE m.household_id = ?1
             ) ORDER BY at DESC, seq DESC LIMIT 500"
        ))?
        .query_map([household], from_row)?
        .collect::<rusqlite::Result<Vec<Entry>>>()?;
    let key = crate::sealed::key(store);
    Ok(rows
        .into_iter()
        .map(|e| unsealed(key, e))
        .map(|e| masked(e, key))
        .map(|mut e| {
            if !full {
                e.changes.retain(|f, _| f != "health" && f != "disabled" && f != "has_health_note");
            }
            e
        })
        .collect())
}

/// An entry's sealed fields as the history shows them (`sealed`): no ciphertext and no digest;
/// for a holder of the second key, the health note's old and new text opened (the numbers
/// and birth dates are shown masked to every reader anyway, from their clear columns).
fn unsealed(key: Option<&crate::crypto::DataKey>, mut e: Entry) -> Entry {
    for f in crate::sealed::FIELDS.iter().filter(|f| f.table == e.kind) {
        let sealed = e.changes.remove(f.sealed_column());
        if let Some(d) = f.digest_column() {
            e.changes.remove(d);
        }
        if let (Some(k), Some(pair), crate::sealed::Kind::Health) = (key, sealed, f.kind) {
            // The record's ciphertext, or, since a rotation, its clear value sealed at the
            // entry's place (`reseal_entries`).
            let place = entry_place(&e.device_id, e.seq, f.column);
            let open = |v: &Value| {
                Value::String(match v {
                    Value::String(s) => crate::sealed::opened(Some(k), f.table, &e.record_id, f.column, s),
                    _ => v.get(OPENED).and_then(Value::as_str).and_then(|s| k.open_field(&place, s)).map(|c| c.to_string()).unwrap_or_default(),
                })
            };
            let opened = [open(&pair[0]), open(&pair[1])];
            e.changes.insert(f.column.to_string(), opened);
        }
    }
    e
}

/// An entry as a masked view shows it: ID and student numbers masked, birth dates as years
/// (`masking`); an old value sealed since (issue 22) opened with the second key, else shown as
/// its masked view or stars; the sealed columns' ciphertexts and digests left out.
fn masked(mut e: Entry, second: Option<&crate::crypto::DataKey>) -> Entry {
    e.changes.retain(|f, _| !f.ends_with("_sealed") && !f.ends_with("_digest"));
    open_entry(&mut e, second);
    for pair in e.changes.values_mut() {
        for v in pair.iter_mut() {
            if let Value::Object(o) = v {
                let shown = o.get(MASKED).and_then(Value::as_str).unwrap_or("********").to_string();
                *v = Value::String(shown);
            }
        }
    }
    for (field, pair) in e.changes.iter_mut() {
        for v in pair.iter_mut() {
            if let Value::String(s) = v {
                if let Some(shown) = crate::masking::field_value(field, s) {
                    *s = shown;
                }
            }
        }
    }
    e
}

/// A value of a sealed field in `audit.changes` once its clear value is gone (issue 22): the
/// clear value sealed under the second key at the entry's own place (`{"$sealed": …}`, a
/// holder's computer: `verify` opens it and rebuilds the exact text the hash covers), or its
/// masked view (`{"$masked": …}`, a teacher's laptop, which holds no second key: the entry's
/// own hash is then checked where the key is, its links here).
const SEALED: &str = "$sealed";
const MASKED: &str = "$masked";
/// Beside `$sealed`, in a sealed column's value after a rotation (`reseal_entries`): the
/// clear value of the ciphertext `$sealed` holds, sealed at the entry's place for the field.
const OPENED: &str = "$opened";

/// The place (the AEAD's associated data) of a sealed field's value in an entry: entry and
/// field, so that a value moved to another entry or field does not open.
fn entry_place(device: &str, seq: i64, field: &str) -> String {
    crate::sealed::place("audit", &format!("{device}/{seq}"), field)
}

/// Which kind of sealed field `table.column` is, if it is one.
fn sealed_kind(table: &str, column: &str) -> Option<crate::sealed::Kind> {
    crate::sealed::FIELDS.iter().find(|f| f.table == table && f.column == column).map(|f| f.kind)
}

/// Whether a stored value of a sealed field is a clear value (not what a teacher is shown: a
/// masked number, or nothing).
fn is_clear(kind: crate::sealed::Kind, value: &str) -> bool {
    !value.is_empty() && !(kind == crate::sealed::Kind::Number && crate::masking::is_masked(value))
}

/// A clear value of a sealed field as a masked view shows it.
fn masked_view(kind: crate::sealed::Kind, field: &str, value: &str) -> String {
    match kind {
        crate::sealed::Kind::Health => "********".to_string(),
        _ => crate::masking::field_value(field, value).unwrap_or_else(|| "********".to_string()),
    }
}

/// An entry's changes (as stored) with every clear value of a sealed field sealed under
/// `second` — or, without it, masked; `None` when the entry holds no clear value of one.
fn seal_changes(kind: &str, device: &str, seq: i64, changes: &str, second: Option<&crate::crypto::DataKey>) -> Option<String> {
    let mut values: BTreeMap<String, [Value; 2]> = serde_json::from_str(changes).ok()?;
    let mut changed = false;
    for (field, pair) in values.iter_mut() {
        let Some(sealed) = sealed_kind(kind, field) else { continue };
        for v in pair.iter_mut() {
            let Value::String(clear) = v else { continue };
            if !is_clear(sealed, clear) {
                continue;
            }
            let (marker, text) = match second {
                Some(key) => (SEALED, key.seal_field(&entry_place(device, seq, field), clear)),
                None => (MASKED, masked_view(sealed, field, clear)),
            };
            *v = serde_json::json!({ marker: text });
            changed = true;
        }
    }
    changed.then(|| serde_json::to_string(&values).expect("plain data"))
}

/// Whether an entry's changes (as stored, of a record of `kind`) hold a clear value of a
/// sealed field: what [`seal_entries`] would seal.
pub fn holds_clear(kind: &str, changes: &str) -> bool {
    seal_changes(kind, "", 0, changes, None).is_some()
}

/// Seals the clear values of sealed fields that old entries hold (those from before schema
/// 17, this device's and those received), with the second key; without it — a teacher's
/// laptop — replaces them with their masked view. Part of the conversion's local pass (the
/// audit table has no capture): the entries' hashes and links stay as they are. Returns how
/// many entries changed; an entry already converted is left.
pub fn seal_entries(conn: &Connection, second: Option<&crate::crypto::DataKey>) -> Result<usize> {
    let tables: Vec<&str> = crate::sealed::FIELDS.iter().map(|f| f.table).collect();
    let mut select = conn.prepare(&format!(
        "SELECT device_id, seq, kind, changes FROM audit WHERE kind IN ({})",
        tables.iter().map(|t| format!("'{t}'")).collect::<Vec<_>>().join(", ")
    ))?;
    let mut update = conn.prepare("UPDATE audit SET changes = ?3 WHERE device_id = ?1 AND seq = ?2")?;
    let mut rows = select.query([])?;
    let mut n = 0;
    while let Some(r) = rows.next()? {
        let (device, seq, kind, changes): (String, i64, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
        if let Some(sealed) = seal_changes(&kind, &device, seq, &changes, second) {
            update.execute(params![device, seq, sealed])?;
            n += 1;
        }
    }
    Ok(n)
}

/// An entry received from a file written before schema 17, its clear values of sealed fields
/// sealed under `second` (or masked without it) as this computer's old entries were
/// (`seal_entries`).
pub fn seal_received(e: &mut Received, second: Option<&crate::crypto::DataKey>) {
    if let Some(sealed) = seal_changes(&e.kind, &e.device_id, e.seq, &e.changes, second) {
        e.changes = sealed;
    }
}

/// Seals again under `new` what entries hold under `old` (a rotation: the second key
/// changes), so that whoever kept the old key opens nothing of a later copy:
/// - old entries' values sealed at the entry's place (`{"$sealed": …}`), opened and sealed
///   again;
/// - the ciphertexts of sealed columns (`*_sealed`) that entries since schema 17 hold as the
///   record's values and that opened under `old` at the record's place: each becomes
///   `{"$sealed": <the ciphertext>, "$opened": <its clear value>}`, both sealed under `new` at
///   the entry's place (the sealed column's name, the field's). `verify` opens `$sealed` back
///   to the very text the entry's hash covers; the history shows `$opened`.
///
/// A value that does not open under `old` is left. Returns how many entries changed.
pub fn reseal_entries(conn: &Connection, old: &crate::crypto::DataKey, new: &crate::crypto::DataKey) -> Result<usize> {
    let mut select = conn.prepare(
        "SELECT device_id, seq, kind, record_id, changes FROM audit WHERE instr(changes, '\"$sealed\"') > 0 OR instr(changes, '_sealed\":[') > 0",
    )?;
    let mut update = conn.prepare("UPDATE audit SET changes = ?3 WHERE device_id = ?1 AND seq = ?2")?;
    let mut rows = select.query([])?;
    let mut n = 0;
    while let Some(r) = rows.next()? {
        let (device, seq, kind, record, changes): (String, i64, String, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
        let Ok(mut values) = serde_json::from_str::<BTreeMap<String, [Value; 2]>>(&changes) else { continue };
        let mut changed = false;
        for (field, pair) in values.iter_mut() {
            let place = entry_place(&device, seq, field);
            // The field whose ciphertexts `field` holds, if it is a sealed column.
            let column = crate::sealed::FIELDS.iter().find(|f| f.table == kind && f.sealed_column() == field).map(|f| f.column);
            let opened_place = column.map(|c| entry_place(&device, seq, c)).unwrap_or_default();
            for v in pair.iter_mut() {
                let again = match v {
                    Value::String(ciphertext) => column.and_then(|column| crate::sealed::open(old, &kind, &record, column, ciphertext)).map(|clear| {
                        serde_json::json!({ SEALED: new.seal_field(&place, ciphertext), OPENED: new.seal_field(&opened_place, &clear) })
                    }),
                    Value::Object(o) => {
                        let mut again = o.clone();
                        for (marker, at) in [(SEALED, &place), (OPENED, &opened_place)] {
                            if let Some(clear) = o.get(marker).and_then(Value::as_str).and_then(|sealed| old.open_field(at, sealed)) {
                                again.insert(marker.to_string(), Value::String(new.seal_field(at, &clear)));
                            }
                        }
                        (again != *o).then_some(Value::Object(again))
                    }
                    _ => None,
                };
                if let Some(again) = again {
                    *v = again;
                    changed = true;
                }
            }
        }
        if changed {
            update.execute(params![device, seq, serde_json::to_string(&values).expect("plain data")])?;
            n += 1;
        }
    }
    Ok(n)
}

/// Puts back, in an entry read from the table, the clear values its sealed fields' values
/// were sealed from, as its hash covers them. False when some value stays sealed here (no
/// second key, one it does not open, or a masked view).
fn open_entry(e: &mut Entry, second: Option<&crate::crypto::DataKey>) -> bool {
    let mut all = true;
    for (field, pair) in e.changes.iter_mut() {
        for v in pair.iter_mut() {
            let Value::Object(o) = v else { continue };
            if o.contains_key(MASKED) {
                all = false;
                continue;
            }
            let Some(sealed) = o.get(SEALED).and_then(Value::as_str) else { continue };
            match second.and_then(|k| k.open_field(&entry_place(&e.device_id, e.seq, field), sealed)) {
                Some(clear) => *v = Value::String(clear.to_string()),
                None => all = false,
            }
        }
    }
    all
}

/// The head of one device's chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Head {
    pub device_id: String,
    pub count: i64,
    pub hash: String,
}

/// What checking the chains found.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    pub entries: i64,
    pub heads: Vec<Head>,
    /// The first entry that does not fit its chain, and why.
    pub broken: Option<Broken>,
    /// Entries whose own hash could not be checked here: an old value of a sealed field kept
    /// sealed under the second key this computer does not hold (or does not open), or only
    /// as its masked view (a teacher's laptop). Not tampering: they are checked where the
    /// second key is; their links to the entries before and after are checked here.
    pub sealed_elsewhere: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Broken {
    pub device_id: String,
    pub seq: i64,
    pub reason: String,
    pub reason_en: String,
}

/// Recomputes every device's chain from its first entry.
pub fn verify(store: &Store) -> Result<Verdict> {
    access::require(store, Action::ManageAccounts)?;
    verify_with(store.conn(), store.second())
}

/// [`verify`] without a second key: entries holding sealed values are `sealed_elsewhere`.
pub fn verify_chains(conn: &Connection) -> Result<Verdict> {
    verify_with(conn, None)
}

/// Recomputes every chain, opening the sealed values of old entries with `second`.
pub fn verify_with(conn: &Connection, second: Option<&crate::crypto::DataKey>) -> Result<Verdict> {
    let mut stmt = conn.prepare(&format!("{SELECT} ORDER BY device_id, seq"))?;
    let mut rows = stmt.query([])?;
    let mut verdict = Verdict { entries: 0, heads: Vec::new(), broken: None, sealed_elsewhere: 0 };
    let mut current: Option<Head> = None;
    while let Some(r) = rows.next()? {
        let mut e = from_row(r)?;
        let opened = open_entry(&mut e, second);
        verdict.entries += 1;
        if current.as_ref().is_none_or(|h| h.device_id != e.device_id) {
            verdict.heads.extend(current.take());
            current = Some(Head { device_id: e.device_id.clone(), count: 0, hash: String::new() });
        }
        let h = current.as_mut().expect("set above");
        let problem = if e.seq != h.count + 1 {
            Some((format!("序号应为 {}，实为 {}：有记录被删除或插入", h.count + 1, e.seq), format!("sequence {} expected, {} found: an entry was removed or inserted", h.count + 1, e.seq)))
        } else if e.prev != h.hash {
            Some(("与上一条记录接不上：上一条被改动过".to_string(), "does not follow the previous entry: that one was altered".to_string()))
        } else if !opened {
            verdict.sealed_elsewhere += 1;
            None
        } else if e.hash != hash_of(&e) {
            Some(("这条记录的内容被改动过".to_string(), "the entry itself was altered".to_string()))
        } else {
            None
        };
        if let Some((reason, reason_en)) = problem {
            if verdict.broken.is_none() {
                verdict.broken = Some(Broken { device_id: e.device_id.clone(), seq: e.seq, reason, reason_en });
            }
        }
        h.count = e.seq;
        h.hash = e.hash.clone();
    }
    verdict.heads.extend(current);
    Ok(verdict)
}

/// The current head of every device's chain (for the signed bundle's manifest).
pub fn heads(conn: &Connection) -> Result<Vec<Head>> {
    Ok(conn
        .prepare("SELECT device_id, max(seq), (SELECT hash FROM audit b WHERE b.device_id = a.device_id ORDER BY seq DESC LIMIT 1) FROM audit a GROUP BY device_id ORDER BY device_id")?
        .query_map([], |r| Ok(Head { device_id: r.get(0)?, count: r.get(1)?, hash: r.get(2)? }))?
        .collect::<rusqlite::Result<_>>()?)
}

/// A device's entries after the first `after` of its chain, in order (what a change file
/// carries to a computer that holds `after` of them).
/// Hands each entry of a device's chain after `after` to `each`, in order, one at a time.
pub fn each_after(conn: &Connection, device: &str, after: i64, each: &mut dyn FnMut(&Entry) -> Result<()>) -> Result<()> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT} WHERE device_id = ?1 AND seq > ?2 ORDER BY seq"))?;
    let mut rows = stmt.query(params![device, after])?;
    while let Some(row) = rows.next()? {
        each(&from_row(row)?)?;
    }
    Ok(())
}

pub fn entries_after(conn: &Connection, device: &str, after: i64) -> Result<Vec<Entry>> {
    Ok(conn
        .prepare_cached(&format!("{SELECT} WHERE device_id = ?1 AND seq > ?2 ORDER BY seq"))?
        .query_map(params![device, after], from_row)?
        .collect::<rusqlite::Result<_>>()?)
}

/// Keeps another device's entry as it was written (its chain is its own: `verify` checks
/// it like this device's). An entry already held is left as it is.
pub fn receive(conn: &Connection, e: &Entry) -> Result<bool> {
    insert(conn, e, &changes_text(e))
}

/// Another device's entry as a change file carries it, its changes kept as the JSON text they
/// arrive as — the text this module writes of them (`changes_text`), since the file was
/// written from it — rather than rebuilt as values and written again: a computer joining a
/// school receives every entry of every device. Its hash is not derived again here: `verify`
/// reads the stored text back as values and checks the chain, as for any entry.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Received {
    pub device_id: String,
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub account_id: String,
    pub account: String,
    pub op: String,
    pub kind: String,
    pub record_id: String,
    #[serde(deserialize_with = "json_text::object")]
    pub changes: String,
    pub prev: String,
    pub hash: String,
}

/// Keeps another device's entry as it came (see [`Received`]). An entry already held is left
/// as it is.
pub fn receive_text(conn: &Connection, e: &Received) -> Result<bool> {
    let at = crate::record::format_time(e.at);
    insert_row(conn, [&e.device_id, &e.seq, &at, &e.account_id, &e.account, &e.op, &e.kind, &e.record_id, &e.changes, &e.prev, &e.hash])
}

/// A JSON value read and written again as compact text, as serde_json writes a value it has
/// read (keys in the order they come, which for the entries Huka writes is sorted), without
/// building the value.
mod json_text {
    use std::fmt;

    use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

    /// An object's text (anything else is not an entry's changes).
    pub fn object<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<String, D::Error> {
        let mut out = Vec::with_capacity(256);
        d.deserialize_map(Text { out: &mut out, object_only: true })?;
        String::from_utf8(out).map_err(de::Error::custom)
    }

    struct Text<'a> {
        out: &'a mut Vec<u8>,
        object_only: bool,
    }

    impl<'de> DeserializeSeed<'de> for Text<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }

    fn json<E: de::Error, T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) -> std::result::Result<(), E> {
        serde_json::to_writer(out, v).map_err(E::custom)
    }

    impl<'de> Visitor<'de> for Text<'_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(if self.object_only { "an object" } else { "a JSON value" })
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> std::result::Result<(), E> {
            json(self.out, &v)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<(), E> {
            json(self.out, &v)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<(), E> {
            json(self.out, &v)
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<(), E> {
            // As a value read from JSON is written again (a non-finite number cannot be read).
            json(self.out, &serde_json::Number::from_f64(v))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<(), E> {
            json(self.out, v)
        }
        fn visit_unit<E: de::Error>(self) -> std::result::Result<(), E> {
            self.out.extend_from_slice(b"null");
            Ok(())
        }
        fn visit_none<E: de::Error>(self) -> std::result::Result<(), E> {
            self.visit_unit()
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
            self.out.push(b'[');
            let mut first = true;
            loop {
                if !first {
                    self.out.push(b',');
                }
                match seq.next_element_seed(Text { out: &mut *self.out, object_only: false })? {
                    Some(()) => first = false,
                    None => {
                        if !first {
                            self.out.pop();
                        }
                        break;
                    }
                }
            }
            self.out.push(b']');
            Ok(())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
            self.out.push(b'{');
            let mut first = true;
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                if !first {
                    self.out.push(b',');
                }
                first = false;
                json(self.out, &key)?;
                self.out.push(b':');
                map.next_value_seed(Text { out: &mut *self.out, object_only: false })?;
            }
            self.out.push(b'}');
            Ok(())
        }
    }
}

/// The one insert of an entry, this device's (`append`, which has its changes as text
/// already, for the hash) or another's (`receive`).
fn insert(conn: &Connection, e: &Entry, changes: &str) -> Result<bool> {
    let at = crate::record::format_time(e.at);
    insert_row(conn, [&e.device_id, &e.seq, &at, &e.account_id, &e.account, &e.op, &e.kind, &e.record_id, &changes, &e.prev, &e.hash])
}

/// The one `INSERT` of an entry's row, its columns in the table's order; an entry already held
/// is left as it is (false).
fn insert_row(conn: &Connection, columns: [&dyn rusqlite::ToSql; 11]) -> Result<bool> {
    let n = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO audit (device_id, seq, at, account_id, account, op, kind, record_id, changes, prev, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?
        .execute(&columns[..])?;
    Ok(n > 0)
}

/// The hash of entry `count` of a device's chain, as the chain is now.
pub fn hash_at(conn: &Connection, device: &str, count: i64) -> Result<Option<String>> {
    Ok(conn.query_row("SELECT hash FROM audit WHERE device_id = ?1 AND seq = ?2", params![device, count], |r| r.get(0)).optional()?)
}

/// Tests: every chain hashed and linked again over the entries' changes as they are stored
/// (a fixture that rewrites old entries, as an older version would have written them).
#[cfg(test)]
pub(crate) fn rechain_for_tests(conn: &Connection) {
    let entries: Vec<Entry> = conn.prepare(&format!("{SELECT} ORDER BY device_id, seq")).unwrap().query_map([], from_row).unwrap().map(Result::unwrap).collect();
    let mut prev = (String::new(), String::new());
    for mut e in entries {
        if e.device_id != prev.0 {
            prev = (e.device_id.clone(), String::new());
        }
        e.prev = prev.1.clone();
        e.hash = hash_of(&e);
        conn.execute("UPDATE audit SET prev = ?3, hash = ?4 WHERE device_id = ?1 AND seq = ?2", params![e.device_id, e.seq, e.prev, e.hash]).unwrap();
        prev.1 = e.hash;
    }
}

#[cfg(test)]
mod tests;
