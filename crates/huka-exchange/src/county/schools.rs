//! The schools the county accepts bundles from, each with every public key registered for it.
//! A key is registered once, for one school; registering a school's new key after a rotation
//! adds it beside the old ones, so the school's older bundles still verify.

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::bundle::TrustedKey;
use crate::error::{Problem, Result};
use crate::record::{Meta, RecordId};
use crate::signing::PublicKeyFile;
use crate::store::Store;
use super::CountyError;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterInput {
    /// The `.pub` file's text.
    pub public_key: String,
    /// The school code; empty: the one the `.pub` file's comment names.
    #[serde(default)]
    pub code: String,
    /// Empty: keep what is known, or learn it from the school's first verified bundle.
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub town: String,
    #[serde(default)]
    pub district: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CountyKey {
    #[serde(flatten)]
    pub meta: Meta,
    pub key_id: String,
    pub fingerprint: String,
    pub public_key: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CountySchool {
    #[serde(flatten)]
    pub meta: Meta,
    pub code: String,
    pub name: String,
    pub town: String,
    pub district: String,
    pub keys: Vec<CountyKey>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Registered {
    pub school: CountySchool,
    pub key_id: String,
    /// To compare with the cover sheet.
    pub fingerprint: String,
    pub new_school: bool,
    /// False when this key was already registered for this school (nothing changed).
    pub new_key: bool,
}

/// Registers a school's public key (creating the school on its first key).
pub fn register(store: &mut Store, input: &RegisterInput) -> Result<Registered> {
    let pass = crate::access::ask(store, crate::access::Action::County)?;
    super::require(store)?;
    let key = PublicKeyFile::parse(&input.public_key)?;
    let code = match input.code.trim() {
        "" => key.school_code.clone().unwrap_or_default(),
        c => c.to_uppercase(),
    };
    let mut c = crate::labels::checks();
    c.required("code", &code);
    if !c.has("code") && !code.chars().all(|ch| ch.is_ascii_alphanumeric()) {
        c.add("code", Problem::Rule(&crate::school::BAD_SCHOOL_CODE));
    }
    c.max_len("code", &code, 20);
    for (field, value, max) in [("name", &input.name, 60), ("town", &input.town, 30), ("district", &input.district, 30)] {
        c.max_len(field, value.trim(), max);
    }
    c.finish()?;

    let existing: Option<(String, String)> = store
        .conn()
        .query_row(
            "SELECT s.code, k.fingerprint FROM county_key k JOIN county_school s ON s.id = k.school_id
             WHERE k.key_id = ?1 AND k.deleted_at IS NULL AND s.deleted_at IS NULL",
            [&key.key_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some((school, fingerprint)) = &existing {
        // The same key id with another fingerprint is another key made to look like this one.
        if *school != code || *fingerprint != key.fingerprint {
            return Err(CountyError::KeyOfAnotherSchool { key_id: key.key_id, school: school.clone() }.into());
        }
    }
    let known = school_id(store.conn(), &code)?;
    let (name, town, district) = (input.name.trim().to_string(), input.town.trim().to_string(), input.district.trim().to_string());
    let new_key = existing.is_none();
    pass.write(store, |w| {
        let id = match known {
            Some(id) => {
                // What the reviewer types wins over what a bundle said.
                w.tx().execute(
                    "UPDATE county_school SET name = CASE WHEN ?1 = '' THEN name ELSE ?1 END, town = CASE WHEN ?2 = '' THEN town ELSE ?2 END,
                            district = CASE WHEN ?3 = '' THEN district ELSE ?3 END, updated_at = ?4, device_id = ?5
                     WHERE id = ?6 AND (?1 <> '' OR ?2 <> '' OR ?3 <> '')",
                    params![name, town, district, w.now(), w.device_id(), id],
                )?;
                id
            }
            None => {
                let m = w.new_meta();
                w.tx().execute(
                    "INSERT INTO county_school (id, code, name, town, district, created_at, updated_at, device_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)",
                    params![m.id, code, name, town, district, w.now(), w.device_id()],
                )?;
                m.id
            }
        };
        if new_key {
            let m = w.new_meta();
            w.tx().execute(
                "INSERT INTO county_key (id, school_id, key_id, public_key, fingerprint, created_at, updated_at, device_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)",
                params![m.id, id, key.key_id, key.public_key, key.fingerprint, w.now(), w.device_id()],
            )?;
        }
        Ok(())
    })?;
    let school = schools(store)?.into_iter().find(|s| s.code == code).ok_or(crate::labels::not_found("school"))?;
    Ok(Registered { school, key_id: key.key_id, fingerprint: key.fingerprint, new_school: known.is_none(), new_key })
}

fn school_id(conn: &Connection, code: &str) -> Result<Option<RecordId>> {
    Ok(conn.query_row("SELECT id FROM county_school WHERE code = ?1 AND deleted_at IS NULL", [code], |r| r.get(0)).optional()?)
}

/// Every registered school with its keys, by code.
pub fn schools(store: &Store) -> Result<Vec<CountySchool>> {
    let conn = store.conn();
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {}, s.code, s.name, s.town, s.district FROM county_school s WHERE s.deleted_at IS NULL ORDER BY s.code",
        Meta::columns("s")
    ))?;
    let mut list: Vec<CountySchool> = stmt
        .query_map([], |r| Ok(CountySchool { meta: Meta::from_row(r, 0)?, code: r.get(4)?, name: r.get(5)?, town: r.get(6)?, district: r.get(7)?, keys: Vec::new() }))?
        .collect::<rusqlite::Result<_>>()?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {}, k.key_id, k.fingerprint, k.public_key, k.school_id FROM county_key k WHERE k.deleted_at IS NULL ORDER BY k.created_at",
        Meta::columns("k")
    ))?;
    let keys = stmt.query_map([], |r| {
        Ok((r.get::<_, RecordId>(7)?, CountyKey { meta: Meta::from_row(r, 0)?, key_id: r.get(4)?, fingerprint: r.get(5)?, public_key: r.get(6)? }))
    })?;
    for k in keys {
        let (school, key) = k?;
        if let Some(s) = list.iter_mut().find(|s| s.meta.id == school) {
            s.keys.push(key);
        }
    }
    Ok(list)
}

/// The registered key with this id, as a key to verify with, and its school's row id.
pub(crate) fn trusted_key(conn: &Connection, key_id: &str) -> Result<Option<(TrustedKey, RecordId)>> {
    let row: Option<(String, String, RecordId)> = conn
        .prepare_cached(
            "SELECT k.public_key, s.code, s.id FROM county_key k JOIN county_school s ON s.id = k.school_id
             WHERE k.key_id = ?1 AND k.deleted_at IS NULL AND s.deleted_at IS NULL",
        )?
        .query_row([key_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let Some((line, code, school)) = row else { return Ok(None) };
    Ok(Some((TrustedKey { key: PublicKeyFile::parse(&line)?, school_code: Some(code) }, school)))
}
