//! The change file (`.hukasync`): what one computer of a school tells the others.
//!
//! ```text
//! HUKA-CHANGES-1\n
//! u32 length, header JSON   — in the clear: the school's code, database id, which device,
//!                             when, whether it is complete (names nobody)
//! u32 length, key file JSON — in the clear: the wrapped data keys (as `<db>.keys`)
//! 24-byte nonce, then the change set: JSON, deflated, sealed with XChaCha20-Poly1305 under a
//! key derived from the school's data key, everything before the nonce as associated data
//! ```
//!
//! Only the school's computers hold the data key: a file from another school is refused by
//! its header, and any change to a byte (header included) by the seal.

use std::collections::BTreeMap;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use chrono::{DateTime, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::clock::Clock;
use super::set::{self, Head, RecordChange};
use super::{seen, stream, tables, ZERO};
use crate::crypto::DataKey;
use crate::error::{Error, Result};
use crate::keyfile::KeyFile;
use crate::store::Store;
use super::SyncError;

const MAGIC: &[u8] = b"HUKA-CHANGES-1\n";
const KEY_LABEL: &str = "huka-sync-v1";

/// What the file says of itself, in the clear.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Header {
    pub school: String,
    pub database_id: String,
    pub from_device: String,
    pub created_at: DateTime<Utc>,
    pub full: bool,
}


// The sealed part of a change file is JSON: the fields of `merge::Head` first, then `records`
// (each a `RecordChange`), `merges` (records merged away: loser, winner, table) and `audit` (the
// audit entries the reader may lack). It is written and read as a stream (`stream`), never
// held whole.

/// The clock of a field never clocked since sync: written on this device, before.
fn zero(device: &str) -> Value {
    Value::String(Clock { hlc: ZERO.to_string(), device: device.to_string() }.text())
}

/// Writes the change file: every record with a field whose clock is newer than what every
/// device this one has met holds of that clock's device (all of them when `full`, or before
/// any exchange), read from the database one at a time as the deflated JSON is written, then
/// sealed with the store's data key, its key file in the clear beside it. Returns the file's
/// bytes and its header.
pub(crate) fn write(store: &Store, full: bool) -> Result<(Vec<u8>, Header)> {
    let conn = store.conn();
    let me = store.device_id().to_string();
    let peers: Vec<(String, String)> = conn.prepare("SELECT seen, audit FROM sync_peer")?.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
    let everything = full || peers.is_empty();
    let peer_seen: Vec<BTreeMap<String, String>> = peers.iter().map(|(s, _)| serde_json::from_str(s).unwrap_or_default()).collect();
    let peer_audit: Vec<BTreeMap<String, i64>> = peers.iter().map(|(_, a)| serde_json::from_str(a).unwrap_or_default()).collect();
    // What the least informed peer holds of a device: "" (nothing) when one never heard of it.
    let threshold = |device: &str| -> String {
        if everything {
            return String::new();
        }
        peer_seen.iter().map(|s| s.get(device).cloned().unwrap_or_default()).min().unwrap_or_default()
    };
    let local_seen = seen(conn)?;
    let base: BTreeMap<String, String> =
        if everything { BTreeMap::new() } else { local_seen.keys().map(|d| (d.clone(), threshold(d))).filter(|(_, t)| !t.is_empty()).collect() };
    let merges: Vec<(String, String, String)> =
        conn.prepare("SELECT loser_id, winner_id, tbl FROM sync_merge")?.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
    let heads: BTreeMap<String, i64> = crate::audit::heads(conn)?.into_iter().map(|h| (h.device_id, h.count)).collect();
    let partial = super::scope(conn)?.is_some();
    // Each device's audit entries after what every peer holds of them.
    let mut audit_from = Vec::new();
    let mut audit_base = BTreeMap::new();
    for (device, &count) in &heads {
        let known = if everything { 0 } else { peer_audit.iter().map(|a| a.get(device).copied().unwrap_or(0)).min().unwrap_or(0) };
        let known = known.min(count);
        if known > 0 {
            audit_base.insert(device.clone(), known);
        }
        audit_from.push((device.clone(), known));
    }
    let head = Head {
        school: crate::school::get(store)?.map(|s| s.code).unwrap_or_default(),
        database_id: crate::settings::database_id(store)?.unwrap_or_default(),
        from_device: me.clone(),
        from_account: store.actor().name.clone(),
        created_at: Utc::now(),
        full: everything && !partial,
        partial,
        schema: crate::SCHEMA_VERSION,
        base,
        audit_base,
        seen: local_seen,
        audit_heads: super::audit_counts(conn)?,
        accounts: conn
            .prepare("SELECT id, login, role, deleted_at IS NOT NULL FROM account")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?,
    };
    let mut thresholds: BTreeMap<String, String> = BTreeMap::new();
    let mut newer = move |clock: &Value| -> bool {
        let Some(c) = clock.as_str().and_then(Clock::parse) else { return false };
        let t = thresholds.entry(c.device.clone()).or_insert_with(|| threshold(&c.device));
        c.hlc > *t
    };
    let records = |each: &mut dyn FnMut(&RecordChange) -> Result<()>| -> Result<()> {
        for table in tables(conn)? {
            let mut stmt = conn.prepare(&format!("SELECT * FROM \"{table}\""))?;
            let names: Vec<String> = stmt.column_names().into_iter().map(String::from).collect();
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let mut row = set::row_map(r, &names)?;
                let id = row["id"].as_str().unwrap_or_default().to_string();
                let mut clocks = super::load_clocks(conn, &table, &id)?;
                for field in row.keys().filter(|f| *f != "id") {
                    clocks.entry(field.clone()).or_insert_with(|| zero(&me));
                }
                // Fields this computer holds no value of are not sent.
                let withheld: Vec<String> = clocks.iter().filter(|(_, c)| c.as_str() == Some(super::WITHHELD)).map(|(f, _)| f.clone()).collect();
                for f in &withheld {
                    clocks.remove(f);
                    row.remove(f);
                }
                let parts = if table == "visit" {
                    clocks.entry(crate::clock::PARTS.to_string()).or_insert_with(|| zero(&me));
                    Some(set::parts_of(conn, &id)?)
                } else {
                    None
                };
                if clocks.values().any(&mut newer) {
                    each(&RecordChange { table: table.clone(), id, row, clocks, parts })?;
                }
            }
        }
        Ok(())
    };
    let audit = |each: &mut dyn FnMut(&crate::audit::Entry) -> Result<()>| -> Result<()> {
        for (device, known) in &audit_from {
            crate::audit::each_after(conn, device, *known, each)?;
        }
        Ok(())
    };
    let streamed = stream::Streamed {
        head: &head,
        records: std::cell::RefCell::new(Box::new(records)),
        merges: &merges,
        audit: std::cell::RefCell::new(Box::new(audit)),
        failure: std::cell::RefCell::new(None),
    };
    let mut deflated = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    if serde_json::to_writer(&mut deflated, &streamed).is_err() {
        return Err(streamed.failure.take().unwrap_or_else(|| Error::from(SyncError::Damaged)));
    }
    let plain = deflated.finish()?;
    let header = Header { school: head.school.clone(), database_id: head.database_id.clone(), from_device: head.from_device.clone(), created_at: head.created_at, full: head.full };
    Ok((seal_plain(store, &header, &plain)?, header))
}

fn cipher(key: &DataKey) -> XChaCha20Poly1305 {
    let k = key.derive(KEY_LABEL);
    XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&k[..]))
}

fn put(out: &mut Vec<u8>, part: &[u8]) {
    out.extend((part.len() as u32).to_be_bytes());
    out.extend(part);
}

/// Seals a deflated change set with the store's data key, with its key file in the clear
/// beside it.
fn seal_plain(store: &Store, header: &Header, plain: &[u8]) -> Result<Vec<u8>> {
    let unlocked = store.unlocked().ok_or(Error::NoDatabase)?;
    let keys = KeyFile::load(&unlocked.path)?;
    let mut out = MAGIC.to_vec();
    put(&mut out, &serde_json::to_vec(header).expect("plain data"));
    put(&mut out, &serde_json::to_vec(&keys).expect("plain data"));
    let mut nonce = [0u8; 24];
    rand::rng().fill_bytes(&mut nonce);
    let sealed = cipher(&unlocked.key).encrypt(XNonce::from_slice(&nonce), Payload { msg: plain, aad: &out }).map_err(|_| SyncError::Damaged)?;
    out.extend(nonce);
    out.extend(sealed);
    Ok(out)
}

fn take<'a>(bytes: &mut &'a [u8]) -> Result<&'a [u8]> {
    if bytes.len() < 4 {
        return Err(SyncError::Damaged.into());
    }
    let n = u32::from_be_bytes(bytes[..4].try_into().expect("four bytes")) as usize;
    if bytes.len() < 4 + n || n > 64 * 1024 * 1024 {
        return Err(SyncError::Damaged.into());
    }
    let part = &bytes[4..4 + n];
    *bytes = &bytes[4 + n..];
    Ok(part)
}

/// The file's clear part: its header and the key file it carries.
pub(crate) fn clear_part(bytes: &[u8]) -> Result<(Header, KeyFile)> {
    let mut rest = bytes.strip_prefix(MAGIC).ok_or(SyncError::NotASyncFile)?;
    let header: Header = serde_json::from_slice(take(&mut rest)?).map_err(|_| SyncError::Damaged)?;
    let keys: KeyFile = serde_json::from_slice(take(&mut rest)?).map_err(|_| SyncError::Damaged)?;
    Ok((header, keys))
}

/// Opens a change file with this school's data key: its header and its change set, still
/// deflated (read it with `stream::read`).
pub(crate) fn open(store: &Store, bytes: &[u8]) -> Result<(Header, Vec<u8>)> {
    let unlocked = store.unlocked().ok_or(Error::NoDatabase)?;
    let school = crate::school::get(store)?.map(|s| s.code).unwrap_or_default();
    let (header, _) = clear_part(bytes)?;
    if crate::settings::database_id(store)?.is_some_and(|id| id != header.database_id) {
        // The same school code, another installation (not joined from this one's file).
        return Err(SyncError::OtherSchool { school: header.school }.into());
    }
    open_with(bytes, &unlocked.key, Some(&school))
}

/// Opens a change file with `key`; refuses another school's (by its header, when `school` is
/// given) and any changed byte. Returns its header and its change set, still deflated.
pub(crate) fn open_with(bytes: &[u8], key: &DataKey, school: Option<&str>) -> Result<(Header, Vec<u8>)> {
    let (header, _) = clear_part(bytes)?;
    if let Some(school) = school {
        if header.school != school {
            return Err(SyncError::OtherSchool { school: header.school }.into());
        }
    }
    let mut rest = bytes.strip_prefix(MAGIC).ok_or(SyncError::NotASyncFile)?;
    take(&mut rest)?;
    take(&mut rest)?;
    let aad = &bytes[..bytes.len() - rest.len()];
    if rest.len() < 24 + 16 {
        return Err(SyncError::Damaged.into());
    }
    let (nonce, sealed) = rest.split_at(24);
    let plain = cipher(key).decrypt(XNonce::from_slice(nonce), Payload { msg: sealed, aad }).map_err(|_| SyncError::Damaged)?;
    Ok((header, plain))
}


