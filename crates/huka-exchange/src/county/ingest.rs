//! Ingesting bundles: each file gets a verdict — accepted (perhaps replacing the school's
//! earlier bundle of the term), unchanged (this very bundle is already in), or rejected with
//! the exact reason. Each accepted bundle is written in its own transaction, so one bad file
//! never undoes the others.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::bundle::format::{time_text, AuditHead};
use crate::bundle::verify::read_signature;
use crate::bundle::{verify_bytes, Limits, Rejection, Verified};
use crate::access::Pass;
use crate::error::{Error, ErrorReport, Result};
use crate::record::RecordId;
use crate::resident_id::ResidentId;
use crate::signing::Signature;
use crate::store::Store;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "camelCase")]
pub enum Outcome {
    #[serde(rename_all = "camelCase")]
    Accepted {
        school: String,
        term: String,
        exported_at: String,
        /// The export time of the bundle this one replaced.
        replaced: Option<String>,
        /// Sealed to the county (format 2); `false`: a plain bundle, 未加密.
        encrypted: bool,
        /// The school's audit chain does not extend what its earlier bundle reported: history
        /// was rewritten (or the school's database was replaced).
        history_rewritten: bool,
    },
    /// The same bundle (same SHA-256) was ingested before.
    #[serde(rename_all = "camelCase")]
    Unchanged { school: String, term: String, exported_at: String },
    Rejected { reason: ErrorReport },
    /// The same bytes as another file (a copy Windows or macOS named `… (1)`, `… - 副本`):
    /// given the other one's verdict, counted once.
    #[serde(rename_all = "camelCase")]
    Copy {
        /// The file it is a copy of: one of this run, or the one ingested before.
        of: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    pub file: String,
    #[serde(flatten)]
    pub outcome: Outcome,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IngestReport {
    pub verdicts: Vec<Verdict>,
    pub accepted: usize,
    pub unchanged: usize,
    pub rejected: usize,
    /// Files that were copies of another (counted once, in the other's verdict).
    pub copies: usize,
}

/// Sealed bundles (format 2), and plain ones (format 1) from schools not yet upgraded.
const BUNDLE_SUFFIXES: [&str; 2] = [".huka.age", ".huka.zip"];

/// The bundles to ingest: files as given, and every `*.huka.age` (or older `*.huka.zip`) in the given folders and
/// their subfolders (a reviewer copies each school's stick into a folder of its own).
/// Symbolic links are not followed. What the computers a stick went through left on it
/// (`._<bundle>`, `.DS_Store`, `Thumbs.db`, `System Volume Information` …) is not a bundle and
/// is left out, given by name too. Sorted, each once, files named as copies (`… (1)`,
/// `… - 副本`) after the others: a copy's verdict names the file it copies.
pub fn bundle_paths(inputs: &[PathBuf]) -> Vec<PathBuf> {
    fn walk(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
        for (path, kind) in crate::folder::entries(dir) {
            let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
            if kind.is_dir() && depth < 8 {
                walk(&path, depth + 1, out);
            } else if kind.is_file() && BUNDLE_SUFFIXES.iter().any(|s| name.ends_with(s)) {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    for input in inputs {
        if input.is_dir() {
            walk(input, 0, &mut out);
        } else if !crate::folder::is_metadata_path(input) {
            // A missing file is kept: its verdict says it is missing.
            out.push(input.clone());
        }
    }
    out.sort();
    out.dedup();
    out.sort_by_key(|p| named_as_copy(p));
    out
}

fn named_as_copy(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    BUNDLE_SUFFIXES.iter().any(|s| crate::folder::copy_of(&name, s).is_some())
}

/// The SHA-256 of a file's bytes (as far as a bundle may be long), if it can be read.
fn file_sha256(path: &Path) -> Option<String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path).ok()?.take(Limits::default().max_file + 1).read_to_end(&mut bytes).ok()?;
    Some(crate::text::hex(&Sha256::digest(&bytes)))
}

/// Ingests every bundle found in `inputs` (files and folders).
pub fn ingest(store: &mut Store, inputs: &[PathBuf]) -> Result<IngestReport> {
    crate::access::require(store, crate::access::Action::County)?;
    super::require(store)?;
    let mut report = IngestReport::default();
    let mut seen: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for path in bundle_paths(inputs) {
        let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        // A copy (the same bytes under another name) is told by its content: of a file of
        // this run that went in (or was in already), or of one ingested before under another
        // name. The same bytes as a rejected file are checked on their own (their signature
        // beside them may be another).
        let sha = file_sha256(&path);
        let copy_of = match &sha {
            Some(sha) => match seen.get(sha) {
                Some(first) => Some(first.clone()),
                None => {
                    let before: Option<String> = store
                        .conn()
                        .query_row("SELECT file_name FROM county_bundle WHERE file_sha256 = ?1 AND deleted_at IS NULL", [sha], |r| r.get(0))
                        .optional()?;
                    before.filter(|b| *b != name)
                }
            },
            None => None,
        };
        if let Some(of) = copy_of {
            report.copies += 1;
            report.verdicts.push(Verdict { file: path.display().to_string(), outcome: Outcome::Copy { of } });
            continue;
        }
        let outcome = match ingest_file(store, &path) {
            Ok(o) => o,
            // A database failure stops the run; anything about the file is its verdict.
            Err(e @ Error::Sqlite(_)) => return Err(e),
            Err(e) => Outcome::Rejected { reason: e.report() },
        };
        if let (Some(sha), Outcome::Accepted { .. } | Outcome::Unchanged { .. }) = (&sha, &outcome) {
            seen.insert(sha.clone(), path.display().to_string());
        }
        match outcome {
            Outcome::Accepted { .. } => report.accepted += 1,
            Outcome::Unchanged { .. } => report.unchanged += 1,
            Outcome::Rejected { .. } => report.rejected += 1,
            Outcome::Copy { .. } => report.copies += 1,
        }
        report.verdicts.push(Verdict { file: path.display().to_string(), outcome });
    }
    Ok(report)
}

/// Verifies one bundle against the registered keys and, if it is newer than what the county
/// holds for its school and term, stores it.
pub fn ingest_file(store: &mut Store, path: &Path) -> Result<Outcome> {
    let pass = crate::access::ask(store, crate::access::Action::County)?;
    super::require(store)?;
    let limits = Limits::default();
    if !path.is_file() {
        return Err(Error::Io(std::io::Error::new(std::io::ErrorKind::NotFound, "no such bundle file")));
    }
    let signature = read_signature(path)?;
    let key_id = Signature::parse(&signature).map_err(|_| Rejection::SignatureMalformed)?.key_id;
    let (key, school_id) = super::schools::trusted_key(store.conn(), &key_id)?.ok_or(Rejection::UnknownSchool { key_id })?;
    let mut zip = Vec::new();
    {
        use std::io::Read;
        std::fs::File::open(path)?.take(limits.max_file + 1).read_to_end(&mut zip)?;
    }
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let v = verify_bytes(&name, &zip, &signature, &[key], &super::recipient::identities(store)?, &limits)?;
    store_verified(store, &pass, school_id, &v)
}

/// The digest the county keeps instead of an ID number, to find one person in two schools.
/// It hides nothing from someone who tries every possible number (there are few); it keeps
/// the county's database from being a plain list of the children's ID numbers.
pub(crate) fn id_digest(resident_id: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"huka-county-student-v1\0");
    h.update(resident_id.as_bytes());
    crate::text::hex(&h.finalize())
}

fn store_verified(store: &mut Store, pass: &Pass, school_id: RecordId, v: &Verified) -> Result<Outcome> {
    let m = &v.manifest;
    let (school, term, exported_at) = (m.school.code.clone(), m.term.to_string(), time_text(m.created_at));
    let existing: Option<(RecordId, String, String)> = store
        .conn()
        .query_row(
            "SELECT id, exported_at, file_sha256 FROM county_bundle WHERE school_id = ?1 AND term = ?2 AND deleted_at IS NULL",
            params![school_id, term],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    if let Some((_, at, sha)) = &existing {
        if *sha == v.file_sha256 {
            return Ok(Outcome::Unchanged { school, term, exported_at });
        }
        let at_time = DateTime::parse_from_rfc3339(at).map(|t| t.with_timezone(&Utc)).ok();
        if at_time.is_none_or(|t| t >= m.created_at) {
            return Err(Rejection::Older { school, term, existing: at.clone() }.into());
        }
    }
    let summary = serde_json::to_string(&v.summary).map_err(|e| Error::Io(std::io::Error::other(e.to_string())))?;
    let rewritten = history_rewritten(store, school_id, &m.audit)?;
    let audit = serde_json::to_string(&m.audit).expect("plain data");
    pass.write(store, |w| {
        if let Some((old, _, _)) = &existing {
            // The replaced bundle is tombstoned; its student rows are parts of it and go.
            w.tombstone("county_bundle", crate::labels::not_found("bundle"), *old)?;
            w.tx().execute("DELETE FROM county_student WHERE bundle_id = ?1", [old])?;
            w.tx().execute("DELETE FROM county_grant WHERE bundle_id = ?1", [old])?;
        }
        let meta = w.new_meta();
        w.tx().execute(
            "INSERT INTO county_bundle (id, school_id, term, exported_at, file_name, file_sha256, key_id, format_version, software,
                                        school_name, town, district, summary, encrypted, audit, history_rewritten, created_at, updated_at, device_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?17, ?18)",
            params![
                meta.id, school_id, term, exported_at, v.file_name, v.file_sha256, v.key_id, m.format_version, m.software,
                m.school.name, m.school.town, m.school.district, summary, v.encrypted, audit, rewritten, w.now(), w.device_id()
            ],
        )?;
        let mut insert = w.tx().prepare_cached(
            "INSERT INTO county_student (bundle_id, id_digest, masked_id, name, stage, grade, class_name) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for s in v.students.iter().filter(|s| !s.resident_id.is_empty()) {
            // The school stored it validated; re-normalize rather than trust the file.
            let normalized = crate::resident_id::normalize(&s.resident_id);
            let masked = ResidentId::parse(&normalized).map(|id| id.masked()).unwrap_or_else(|_| mask_any(&normalized));
            insert.execute(params![meta.id, id_digest(&normalized), masked, s.name, s.stage, s.grade, s.class_name])?;
        }
        // The grants past the school's review and notice, for the county's notice: what a
        // notice prints, nothing more. A bundle
        // from before schema 14 names no class: it is taken from the students' list.
        let names: std::collections::HashMap<&str, &str> =
            v.summary.figures.aid.programmes.iter().map(|p| (p.code.as_str(), p.name.as_str())).collect();
        let classes: std::collections::HashMap<(String, &str), (Option<i64>, &str)> = v
            .students
            .iter()
            .map(|s| (crate::masking::resident_id(&crate::resident_id::normalize(&s.resident_id)), s.name.as_str(), s.grade, s.class_name.as_str()))
            .map(|(masked, name, grade, class)| ((masked, name), (grade, class)))
            .collect();
        let mut grant = w.tx().prepare_cached(
            "INSERT INTO county_grant (bundle_id, name, grade, class_name, programme_code, programme_name, amount_fen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for g in v.aid.iter().filter(|g| g.past_the_schools_notice()) {
            let (grade, class) = if g.class_name.is_empty() && g.grade.is_none() {
                classes.get(&(g.masked_id.clone(), g.name.as_str())).copied().unwrap_or((None, ""))
            } else {
                (g.grade, g.class_name.as_str())
            };
            let programme = names.get(g.programme_code.as_str()).copied().unwrap_or(g.programme_code.as_str());
            grant.execute(params![meta.id, g.name, grade, class, g.programme_code, programme, g.amount_fen])?;
        }
        // A school registered by key alone learns its name and place from its first bundle.
        w.tx().execute(
            "UPDATE county_school SET name = CASE WHEN name = '' THEN ?1 ELSE name END, town = CASE WHEN town = '' THEN ?2 ELSE town END,
                    district = CASE WHEN district = '' THEN ?3 ELSE district END, updated_at = ?4, device_id = ?5
             WHERE id = ?6 AND (name = '' OR town = '' OR district = '')",
            params![m.school.name, m.school.town, m.school.district, w.now(), w.device_id(), school_id],
        )?;
        Ok(())
    })?;
    Ok(Outcome::Accepted { school, term, exported_at, replaced: existing.map(|(_, at, _)| at), encrypted: v.encrypted, history_rewritten: rewritten })
}

/// Whether the chains a new bundle reports fail to extend those of the school's latest bundle
/// (of any term): a device's chain that is gone, shorter, or whose entry at the earlier count
/// now has another hash. A count the new bundle gives no checkpoint for cannot be judged.
fn history_rewritten(store: &Store, school_id: RecordId, new: &[AuditHead]) -> Result<bool> {
    let earlier: Option<String> = store
        .conn()
        .query_row(
            "SELECT audit FROM county_bundle WHERE school_id = ?1 AND deleted_at IS NULL ORDER BY exported_at DESC LIMIT 1",
            [school_id],
            |r| r.get(0),
        )
        .optional()?;
    let earlier: Vec<AuditHead> = earlier.and_then(|j| serde_json::from_str(&j).ok()).unwrap_or_default();
    Ok(earlier.iter().any(|old| match new.iter().find(|h| h.device_id == old.device_id) {
        None => true,
        Some(h) if h.count < old.count => true,
        Some(h) if h.count == old.count => h.hash != old.hash,
        Some(h) => h.checkpoints.iter().find(|c| c.count == old.count).is_some_and(|c| c.hash != old.hash),
    }))
}

/// Masks a number that does not validate: keeps at most its first six and last four characters.
fn mask_any(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= 10 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..6].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 10))
}
