//! Checking a bundle, in the order that opens the least untrusted data first:
//!
//! 1. the signature's shape, and which key made it (a key we were given, or none of them);
//! 2. the signature over the whole file — sealed (format 2) or a plain zip (format 1) — and its
//!    trusted comment (minisign, Ed25519);
//! 3. the trusted comment names a Huka bundle of the school the key belongs to;
//! 4. only then is a sealed file decrypted with the county's identities, and the zip read,
//!    within [`Limits`];
//! 5. the manifest: a Huka bundle, a format version this reader knows, the same school, term
//!    and time as the trusted comment, exactly the files of its version, each with its SHA-256;
//! 6. the summary and the lists parse.
//!
//! Whether the bundle is newer than one already ingested is the county's question
//! (`county::ingest`), not this module's.

use std::io::{Cursor, Read};
use std::path::Path;

use serde::{de::DeserializeOwned, Serialize};
use sha2::{Digest, Sha256};

use super::format::{self, AidGrantRow, DropoutRow, Manifest, StudentRow, Summary, TrustedComment, FORMAT_NAME, FORMAT_VERSION};
use super::read::{read_zip, safe_name, Limits};
use super::seal;
use crate::text::hex;
use super::{signature_path, Rejection};
use crate::error::Result;
use crate::signing::{PublicKeyFile, Signature, SignatureProblem};

/// A public key the verifier accepts, and the school it belongs to when that is known.
#[derive(Debug, Clone)]
pub struct TrustedKey {
    pub key: PublicKeyFile,
    pub school_code: Option<String>,
}

/// A bundle that passed every check, with its contents.
#[derive(Debug, Clone)]
pub struct Verified {
    pub file_name: String,
    pub file_sha256: String,
    pub size: u64,
    pub key_id: String,
    pub trusted_comment: String,
    pub manifest: Manifest,
    pub summary: Summary,
    /// Holds full resident ID numbers: never print it.
    pub students: Vec<StudentRow>,
    pub aid: Vec<AidGrantRow>,
    pub dropouts: Vec<DropoutRow>,
    /// Sealed to the county (format 2); `false` for a plain format 1 bundle (未加密).
    pub encrypted: bool,
}

/// A bundle whose signature holds: who signed it and what it says it is. Nothing of it is
/// opened yet.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Signed {
    pub file_name: String,
    pub file_sha256: String,
    pub size: u64,
    pub key_id: String,
    pub trusted_comment: String,
    /// Sealed to a county (format 2), or a plain zip (format 1).
    pub sealed: bool,
}

/// What may be shown of a verified bundle: everything but the lists' rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyReport {
    pub valid: bool,
    pub file_name: String,
    pub sha256: String,
    pub size: u64,
    pub key_id: String,
    pub trusted_comment: String,
    pub manifest: Manifest,
    pub summary: Summary,
    pub students: usize,
    pub aid_grants: usize,
    pub dropout_cases: usize,
    pub encrypted: bool,
}

impl Verified {
    pub fn report(&self) -> VerifyReport {
        VerifyReport {
            valid: true,
            file_name: self.file_name.clone(),
            sha256: self.file_sha256.clone(),
            size: self.size,
            key_id: self.key_id.clone(),
            trusted_comment: self.trusted_comment.clone(),
            manifest: self.manifest.clone(),
            summary: self.summary.clone(),
            students: self.students.len(),
            aid_grants: self.aid.len(),
            dropout_cases: self.dropouts.len(),
            encrypted: self.encrypted,
        }
    }
}

/// Largest `.minisig` file read: a real one is about 350 bytes.
const MAX_SIGNATURE_BYTES: u64 = 8 * 1024;

/// Reads at most `limit` bytes of `path`; more is `TooLarge`.
fn read_capped(path: &Path, limit: u64, what: &str) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(Rejection::TooLarge { what: what.to_string(), limit }.into());
    }
    Ok(bytes)
}

/// The signature file's text, as [`verify_bytes`] takes it.
pub fn read_signature(bundle: &Path) -> Result<String> {
    let path = signature_path(bundle);
    if !path.exists() {
        let file = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        return Err(Rejection::SignatureMissing { file }.into());
    }
    let bytes = read_capped(&path, MAX_SIGNATURE_BYTES, "signature")?;
    Ok(String::from_utf8(bytes).map_err(|_| Rejection::SignatureMalformed)?)
}

/// Checks the signature of the bundle at `path` (the `.minisig` beside it) and nothing more:
/// what a school can check of its own sealed bundle.
pub fn verify_signature(path: &Path, keys: &[TrustedKey]) -> Result<Signed> {
    let sig = read_signature(path)?;
    let bytes = read_capped(path, Limits::default().max_file, "file")?;
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    Ok(check_signature(&name, &bytes, &sig, keys)?.0)
}

/// Verifies the bundle at `path` and the `.minisig` beside it, opening a sealed one with
/// `identities` (the county's). An unreadable file is an `Error::Io`; everything else wrong
/// is a [`Rejection`] (an `Error::Domain`).
pub fn verify_file(path: &Path, keys: &[TrustedKey], identities: &[age::x25519::Identity], limits: &Limits) -> Result<Verified> {
    let sig = read_signature(path)?;
    let bytes = read_capped(path, limits.max_file, "file")?;
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    Ok(verify_bytes(&name, &bytes, &sig, keys, identities, limits)?)
}

/// Steps 1–3: the signature over the file as it is, and its trusted comment.
fn check_signature(file_name: &str, bytes: &[u8], signature: &str, keys: &[TrustedKey]) -> std::result::Result<(Signed, TrustedComment), Rejection> {
    let sig = Signature::parse(signature).map_err(|_| Rejection::SignatureMalformed)?;
    let Some(key) = keys.iter().find(|k| k.key.key_id == sig.key_id) else {
        return Err(Rejection::WrongKey { signed_with: sig.key_id.clone(), expected: keys.iter().map(|k| k.key.key_id.clone()).collect() });
    };
    sig.verify(&key.key, Cursor::new(bytes)).map_err(|e| match e {
        SignatureProblem::Malformed => Rejection::SignatureMalformed,
        SignatureProblem::OtherKey { .. } | SignatureProblem::Invalid => Rejection::BadSignature,
    })?;
    let trusted_comment = sig.trusted_comment();
    let comment = TrustedComment::parse(&trusted_comment).ok_or(Rejection::CommentMismatch)?;
    if let Some(code) = &key.school_code {
        if *code != comment.school {
            return Err(Rejection::WrongSchool { key_school: code.clone(), bundle_school: Rejection::shown(&comment.school) });
        }
    }
    let signed = Signed {
        file_name: file_name.to_string(),
        file_sha256: hex(&Sha256::digest(bytes)),
        size: bytes.len() as u64,
        key_id: sig.key_id.clone(),
        trusted_comment,
        sealed: seal::is_sealed(bytes),
    };
    Ok((signed, comment))
}

/// Verifies a bundle held in memory against `keys`, opening a sealed one with `identities`.
pub fn verify_bytes(
    file_name: &str,
    bytes: &[u8],
    signature: &str,
    keys: &[TrustedKey],
    identities: &[age::x25519::Identity],
    limits: &Limits,
) -> std::result::Result<Verified, Rejection> {
    let (signed, comment) = check_signature(file_name, bytes, signature, keys)?;
    let opened;
    let zip = if signed.sealed {
        opened = seal::open(bytes, identities, limits.max_file)?;
        &opened[..]
    } else {
        bytes
    };
    let sig_key_id = signed.key_id.clone();
    let mut entries = read_zip(zip, limits)?.files;
    let manifest = read_manifest(entries.remove(format::MANIFEST).ok_or(Rejection::MissingFile { file: format::MANIFEST.into() })?)?;
    if !comment.agrees_with(&manifest) {
        return Err(Rejection::CommentMismatch);
    }
    if manifest.key_id != sig_key_id {
        return Err(bad_content(format::MANIFEST, "names another signing key"));
    }
    if manifest.format_version >= 2 && !signed.sealed {
        return Err(bad_content(format::MANIFEST, "a format 2 bundle is sealed to the county, this one is not"));
    }

    // Exactly the files of its version, each as the manifest hashes it.
    let expected = format::files_of(manifest.format_version);
    let mut listed = std::collections::BTreeSet::new();
    for f in &manifest.files {
        if !safe_name(&f.path) || !listed.insert(f.path.as_str()) {
            return Err(bad_content(format::MANIFEST, "lists a file twice or an unsafe name"));
        }
    }
    if let Some(extra) = entries.keys().find(|n| !listed.contains(n.as_str()) || !expected.contains(&n.as_str())) {
        return Err(Rejection::ExtraFile { file: Rejection::shown(extra) });
    }
    if let Some(missing) = expected.iter().find(|p| !entries.contains_key(**p)) {
        return Err(Rejection::MissingFile { file: missing.to_string() });
    }
    if let Some(f) = manifest.files.iter().find(|f| !entries.contains_key(&f.path)) {
        return Err(Rejection::MissingFile { file: Rejection::shown(&f.path) });
    }
    for f in &manifest.files {
        let bytes = &entries[&f.path];
        if bytes.len() as u64 != f.size || hex(&Sha256::digest(bytes)) != f.sha256.to_ascii_lowercase() {
            return Err(Rejection::HashMismatch { file: f.path.clone() });
        }
    }

    let summary: Summary = parse(&entries, format::SUMMARY_JSON)?;
    if summary.school.code != manifest.school.code || summary.term != manifest.term {
        return Err(bad_content(format::SUMMARY_JSON, "names another school or term than the manifest"));
    }
    let students: Vec<StudentRow> = parse(&entries, format::STUDENTS)?;
    let aid: Vec<AidGrantRow> = parse(&entries, format::AID)?;
    let dropouts: Vec<DropoutRow> = parse(&entries, format::DROPOUTS)?;
    Ok(Verified {
        file_name: signed.file_name,
        file_sha256: signed.file_sha256,
        size: signed.size,
        key_id: signed.key_id,
        trusted_comment: signed.trusted_comment,
        manifest,
        summary,
        students,
        aid,
        dropouts,
        encrypted: signed.sealed,
    })
}

fn bad_content(file: &str, detail: &str) -> Rejection {
    Rejection::BadContent { file: file.to_string(), detail: detail.to_string() }
}

/// The manifest, its format and version checked before its shape: a newer version may be
/// shaped differently, and must be refused as newer rather than as damaged.
fn read_manifest(bytes: Vec<u8>) -> std::result::Result<Manifest, Rejection> {
    let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| bad_content(format::MANIFEST, "not JSON"))?;
    if value.get("format").and_then(|v| v.as_str()) != Some(FORMAT_NAME) {
        return Err(bad_content(format::MANIFEST, "not a Huka county bundle"));
    }
    let version = value.get("formatVersion").and_then(|v| v.as_u64()).ok_or(bad_content(format::MANIFEST, "no format version"))?;
    if version > u64::from(FORMAT_VERSION) {
        return Err(Rejection::UnsupportedFormat { version: version.min(u64::from(u32::MAX)) as u32, supported: FORMAT_VERSION });
    }
    if version == 0 {
        return Err(bad_content(format::MANIFEST, "format version 0"));
    }
    serde_json::from_value(value).map_err(|e| bad_content(format::MANIFEST, &short(&e)))
}

fn parse<T: DeserializeOwned>(entries: &std::collections::BTreeMap<String, Vec<u8>>, file: &str) -> std::result::Result<T, Rejection> {
    serde_json::from_slice(&entries[file]).map_err(|e| bad_content(file, &short(&e)))
}

/// serde's message, which names the field and position; never a value.
fn short(e: &serde_json::Error) -> String {
    format!("line {} column {}: {:?}", e.line(), e.column(), e.classify())
}
