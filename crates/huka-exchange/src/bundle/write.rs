//! Making the bundle: what it will hold ([`preview`]), writing it with its signature
//! ([`export`]), and reading the written files back ([`verify_written`]) — a USB stick can
//! fail silently, and the principal should only hear "done" once the files on it verify.

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, NaiveDate, SubsecRound, Timelike, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;

use super::format::{self, AuditHead, Checkpoint, FileEntry, Manifest, TrustedComment, FORMAT_NAME, FORMAT_VERSION};
use super::seal::{self, CountyRecipient};
use super::verify::{verify_signature, Signed, TrustedKey};
use super::{file_name, signature_path, Rejection};
use crate::access::Pass;
use crate::error::{Error, Result};
use crate::settings::{self, Mode};
use crate::signing;
use crate::store::Store;
use crate::summary::{self, SchoolRef, Summary, TermReport};
use crate::term::Term;
use crate::text::hex;
use crate::xlsx::{self, Cell, Sheet};
use super::SealError;
use crate::school::SchoolError;

/// One file the bundle will hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviewFile {
    pub path: String,
    pub title: String,
    pub title_en: String,
    /// Rows of a list; `None` for the summary files.
    pub rows: Option<usize>,
    /// True for the one list that carries full resident ID numbers.
    pub full_ids: bool,
}

/// What an export will write, for the window to show before it asks for the passphrase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Preview {
    pub file_name: String,
    pub school: SchoolRef,
    pub term: Term,
    /// The key that will sign, or `None` when the school has none yet.
    pub key_id: Option<String>,
    /// The county it will be sealed to, or `None` when none is registered yet.
    pub county: Option<CountyRecipient>,
    pub summary: Summary,
    pub files: Vec<PreviewFile>,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Exported {
    pub bundle_path: PathBuf,
    pub signature_path: PathBuf,
    pub file_name: String,
    /// SHA-256 of the file written (the sealed `.huka.age`), lower-case hex.
    pub sha256: String,
    pub size: u64,
    pub key_id: String,
    pub created_at: DateTime<Utc>,
    pub trusted_comment: String,
    pub summary: Summary,
    /// Who it is sealed to (the county's recipient and its fingerprint).
    pub sealed_to: CountyRecipient,
}

fn files(report: &TermReport) -> Vec<PreviewFile> {
    let f = |path: &str, title: &str, title_en: &str, rows: Option<usize>, full_ids: bool| PreviewFile {
        path: path.to_string(),
        title: title.to_string(),
        title_en: title_en.to_string(),
        rows,
        full_ids,
    };
    vec![
        f(format::MANIFEST, "清单（各文件的 SHA-256）", "manifest (SHA-256 of every file)", None, false),
        f(format::SUMMARY_JSON, "汇总数据", "summary (numbers)", None, false),
        f(format::SUMMARY_XLSX, "汇总表（中文，每个专题一页）", "summary workbook (Chinese, a sheet per topic)", None, false),
        f(format::STUDENTS, "建档立卡等在读学生名单（含完整身份证号，供县级跨校核对）", "registered-poor students (full ID numbers, for the county's cross-school check)", Some(report.students.len()), true),
        f(format::AID, "资助名单（身份证号脱敏）", "aid grants (ID numbers masked)", Some(report.aid.len()), false),
        f(format::DROPOUTS, "辍学学生名单（身份证号脱敏）", "dropout cases (ID numbers masked)", Some(report.dropouts.len()), false),
    ]
}

/// What exporting `term` would write today.
pub fn preview(store: &Store, term: Term, today: NaiveDate) -> Result<Preview> {
    crate::access::require(store, crate::access::Action::SignAndExport)?;
    settings::require_mode(store, Mode::School)?;
    let report = summary::report(store, term, today)?;
    let key_id = signing::current(store)?.map(|k| k.key_id);
    Ok(Preview {
        file_name: file_name(&report.summary.school.code, term, today),
        school: report.summary.school.clone(),
        term,
        key_id,
        county: super::county_recipient(store)?,
        files: files(&report),
        summary: report.summary,
    })
}

/// Writes the bundle of `term` and its signature into `dir`, signed with the current key
/// opened by `passphrase`. Returns where; call [`verify_written`] before saying it is done.
pub fn export(store: &mut Store, term: Term, today: NaiveDate, passphrase: &str, dir: &Path) -> Result<Exported> {
    export_at(store, term, today, passphrase, dir, Utc::now())
}

/// [`export`] as if made at `now` (tests make bundles seconds apart without waiting).
pub(crate) fn export_at(store: &mut Store, term: Term, today: NaiveDate, passphrase: &str, dir: &Path, now: DateTime<Utc>) -> Result<Exported> {
    let pass = crate::access::ask(store, crate::access::Action::SignAndExport)?;
    settings::require_mode(store, Mode::School)?;
    // Nothing leaves the school unsealed: the county's recipient first.
    let county = super::county_recipient(store)?.ok_or(SealError::NoCountyRecipient)?;
    // Then the passphrase: a wrong one costs nothing else.
    let signer = signing::unlock(store, passphrase)?;
    let created_at = now.trunc_subsecs(0);
    let report = summary::report(store, term, today)?;
    // The date people see on the stick is the school's own (the caller's `today`), not UTC's.
    let name = file_name(&report.summary.school.code, term, today);
    let (zip, manifest) = build(&report, &signer.key_id, created_at, audit_heads(store)?)?;
    let sealed = seal::seal(&zip, &county)?;
    let comment = TrustedComment::new(&report.summary.school.code, term, created_at, &name).text();
    let signature = signer.sign(&sealed[..], &comment, &format!("huka county bundle from school {}", report.summary.school.code))?;

    let bundle_path = dir.join(&name);
    let sig_path = signature_path(&bundle_path);
    // The bundle and its signature: both or neither (a bundle without its signature is refused).
    crate::file::in_folder(dir, || crate::file::write_all(&[(&bundle_path, &sealed), (&sig_path, signature.as_bytes())]))?;
    remember_audit_heads(store, &pass, &manifest.audit)?;
    pass.write(store, |w| {
        let details = [("term".to_string(), [serde_json::Value::Null, serde_json::Value::String(term.to_string())])].into();
        crate::audit::event(w, "export_county", "bundle", &name, details)
    })?;
    Ok(Exported {
        bundle_path,
        signature_path: sig_path,
        file_name: name,
        sha256: hex(&Sha256::digest(&sealed)),
        size: sealed.len() as u64,
        key_id: signer.key_id,
        created_at,
        trusted_comment: comment,
        summary: report.summary,
        sealed_to: county,
    })
}

/// A format 1 bundle — the signed zip, unsealed, as Huka wrote before bundles were sealed to
/// the county. Not for schools (they export [`export`]): for measuring what the seal costs and
/// for checking that a county still reads what older schools send.
#[doc(hidden)]
pub fn export_format_1(store: &Store, term: Term, today: NaiveDate, passphrase: &str, dir: &Path, now: DateTime<Utc>) -> Result<PathBuf> {
    let signer = signing::unlock(store, passphrase)?;
    let created_at = now.trunc_subsecs(0);
    let report = summary::report(store, term, today)?;
    let name = file_name(&report.summary.school.code, term, today).replace(".huka.age", ".huka.zip");
    let (zip, _) = build_version(&report, &signer.key_id, created_at, Vec::new(), 1)?;
    let comment = TrustedComment::new(&report.summary.school.code, term, created_at, &name).text();
    let signature = signer.sign(&zip[..], &comment, "huka county bundle (format 1)")?;
    let path = dir.join(&name);
    crate::file::in_folder(dir, || crate::file::write_all(&[(&path, &zip), (&signature_path(&path), signature.as_bytes())]))?;
    Ok(path)
}

/// The heads of the school's audit chains, each with its hash now at the counts of the
/// bundles exported before, and this export's counts kept for the next one.
fn audit_heads(store: &Store) -> Result<Vec<AuditHead>> {
    let conn = store.conn();
    let before: Vec<(String, i64)> = settings::value(store, "bundle.audit_exported")?.and_then(|j| serde_json::from_str(&j).ok()).unwrap_or_default();
    let mut heads = Vec::new();
    for h in crate::audit::heads(conn)? {
        let mut checkpoints = Vec::new();
        for (_, count) in before.iter().filter(|(d, c)| *d == h.device_id && *c <= h.count) {
            if let Some(hash) = crate::audit::hash_at(conn, &h.device_id, *count)? {
                checkpoints.push(Checkpoint { count: *count, hash });
            }
        }
        heads.push(AuditHead { device_id: h.device_id, count: h.count, hash: h.hash, checkpoints });
    }
    Ok(heads)
}

/// Remembers the chains' counts of a bundle written, for the checkpoints of the next one.
pub(crate) fn remember_audit_heads(store: &mut Store, pass: &Pass, heads: &[AuditHead]) -> Result<()> {
    let mut before: Vec<(String, i64)> = settings::value(store, "bundle.audit_exported")?.and_then(|j| serde_json::from_str(&j).ok()).unwrap_or_default();
    for h in heads {
        if !before.contains(&(h.device_id.clone(), h.count)) {
            before.push((h.device_id.clone(), h.count));
        }
    }
    let json = serde_json::to_string(&before).expect("plain data");
    pass.write(store, |w| settings::set_value(w, "bundle.audit_exported", &json))
}

/// Reads the written bundle and signature back from where they were written and checks them
/// with the school's own keys, as the county will: the signature over the sealed file, and
/// the file the same as the one made. (Only the county can open it.)
pub fn verify_written(store: &Store, exported: &Exported) -> Result<Signed> {
    let school = crate::school::get(store)?.ok_or(SchoolError::NotSetUp)?;
    let keys: Vec<TrustedKey> = signing::public_keys(store)?.into_iter().map(|key| TrustedKey { key, school_code: Some(school.code.clone()) }).collect();
    let signed = verify_signature(&exported.bundle_path, &keys)?;
    if signed.file_sha256 != exported.sha256 {
        return Err(Rejection::HashMismatch { file: exported.file_name.clone() }.into());
    }
    Ok(signed)
}

fn json_error(e: serde_json::Error) -> Error {
    Error::Io(std::io::Error::other(e.to_string()))
}

/// A JSON array with one object per line: compact, and readable with a text editor or `grep`.
fn json_lines<T: Serialize>(rows: &[T]) -> Result<Vec<u8>> {
    let mut out = b"[\n".to_vec();
    for (i, row) in rows.iter().enumerate() {
        serde_json::to_writer(&mut out, row).map_err(json_error)?;
        out.extend_from_slice(if i + 1 < rows.len() { b",\n" } else { b"\n" });
    }
    out.extend_from_slice(b"]\n");
    Ok(out)
}

/// The zip's bytes and its manifest.
pub(crate) fn build(report: &TermReport, key_id: &str, created_at: DateTime<Utc>, audit: Vec<AuditHead>) -> Result<(Vec<u8>, Manifest)> {
    build_version(report, key_id, created_at, audit, FORMAT_VERSION)
}

fn build_version(report: &TermReport, key_id: &str, created_at: DateTime<Utc>, audit: Vec<AuditHead>, version: u32) -> Result<(Vec<u8>, Manifest)> {
    let mut summary_json = serde_json::to_vec_pretty(&report.summary).map_err(json_error)?;
    summary_json.push(b'\n');
    let contents: Vec<(&str, Vec<u8>)> = vec![
        (format::SUMMARY_JSON, summary_json),
        (format::SUMMARY_XLSX, summary_workbook(&report.summary, created_at)?),
        (format::STUDENTS, json_lines(&report.students)?),
        (format::AID, json_lines(&report.aid)?),
        (format::DROPOUTS, json_lines(&report.dropouts)?),
    ];
    debug_assert_eq!(contents.iter().map(|(p, _)| *p).collect::<Vec<_>>(), format::files_of(version));
    let manifest = Manifest {
        format: FORMAT_NAME.to_string(),
        format_version: version,
        school: report.summary.school.clone(),
        term: report.summary.term,
        created_at,
        software: format!("huka {}", crate::VERSION),
        key_id: key_id.to_string(),
        files: contents
            .iter()
            .map(|(path, bytes)| FileEntry { path: path.to_string(), size: bytes.len() as u64, sha256: hex(&Sha256::digest(bytes)) })
            .collect(),
        audit,
    };
    let mut manifest_json = serde_json::to_vec_pretty(&manifest).map_err(json_error)?;
    manifest_json.push(b'\n');

    let zerr = |e: zip::result::ZipError| Error::Io(std::io::Error::other(e.to_string()));
    let time = zip::DateTime::from_date_and_time(
        created_at.year() as u16,
        created_at.month() as u8,
        created_at.day() as u8,
        created_at.hour() as u8,
        created_at.minute() as u8,
        created_at.second() as u8,
    )
    .unwrap_or_default();
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated).last_modified_time(time).unix_permissions(0o644);
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    // The manifest first: a person opening the zip sees what it is before anything else.
    for (path, bytes) in std::iter::once((format::MANIFEST, &manifest_json)).chain(contents.iter().map(|(p, b)| (*p, b))) {
        w.start_file(path, opts).map_err(zerr)?;
        w.write_all(bytes)?;
    }
    Ok((w.finish().map_err(zerr)?.into_inner(), manifest))
}

/// `summary.xlsx`: an overview sheet, then one sheet per topic.
fn summary_workbook(s: &Summary, created_at: DateTime<Utc>) -> Result<Vec<u8>> {
    let mut overview = Sheet::new("概况");
    overview.heading(&["项目", "内容"]);
    for (label, value) in [
        ("学校代码", s.school.code.clone()),
        ("学校名称", s.school.name.clone()),
        ("镇", s.school.town.clone()),
        ("督学责任区", s.school.district.clone()),
        ("学期", xlsx::term_zh(s.term)),
        ("统计日期", s.as_of.to_string()),
        ("导出时间（UTC）", format::time_text(created_at)),
        ("软件版本", format!("户卡 {}", crate::VERSION)),
        ("格式版本", FORMAT_VERSION.to_string()),
    ] {
        overview.row(vec![label.into(), Cell::Text(value)]);
    }
    let mut sheets = vec![overview];
    sheets.extend(xlsx::figure_sheets(&s.figures));
    xlsx::workbook(&sheets)
}
