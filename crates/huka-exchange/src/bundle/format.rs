//! The bundle's format: its version, the manifest, the files of each version and the
//! signature's trusted comment. `docs/bundle-format.md` is the human description of the same.
//!
//! Compatibility: a reader accepts every version from 1 to [`FORMAT_VERSION`], and refuses a
//! newer one (it cannot know what a newer writer meant). A later version may add files and
//! fields; what a version lacks is read as empty or zero (`#[serde(default)]`), so an older
//! bundle reads into the current types.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

pub use crate::summary::{AidGrantRow, DropoutRow, SchoolRef, StudentRow, Summary};
use crate::term::Term;

/// The version this build writes: 2, the zip sealed (age) to the county and the audit
/// chain's heads in the manifest. Version 1 bundles (plain zips) are still read.
pub const FORMAT_VERSION: u32 = 2;
/// The manifest's `format` field: says the zip is a Huka county bundle at all.
pub const FORMAT_NAME: &str = "huka-county-bundle";

pub const MANIFEST: &str = "manifest.json";
pub const SUMMARY_JSON: &str = "summary.json";
pub const SUMMARY_XLSX: &str = "summary.xlsx";
pub const STUDENTS: &str = "lists/students.json";
pub const AID: &str = "lists/aid.json";
pub const DROPOUTS: &str = "lists/dropouts.json";

/// The files (besides the manifest) a bundle of `version` must hold, and no others.
pub fn files_of(version: u32) -> &'static [&'static str] {
    match version {
        1 | 2 => &[SUMMARY_JSON, SUMMARY_XLSX, STUDENTS, AID, DROPOUTS],
        _ => &[],
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// Always [`FORMAT_NAME`].
    pub format: String,
    pub format_version: u32,
    pub school: SchoolRef,
    pub term: Term,
    /// When the bundle was made, UTC, whole seconds.
    pub created_at: DateTime<Utc>,
    /// `huka 0.1.0`.
    pub software: String,
    /// The minisign key id of the key that signed it.
    pub key_id: String,
    pub files: Vec<FileEntry>,
    /// The school's audit chains (format 2): each device's head, and the hash its chain has
    /// now at the counts earlier bundles reported — so the county can tell a chain that grew
    /// from one rewritten.
    #[serde(default)]
    pub audit: Vec<AuditHead>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditHead {
    pub device_id: String,
    pub count: i64,
    pub hash: String,
    #[serde(default)]
    pub checkpoints: Vec<Checkpoint>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Checkpoint {
    pub count: i64,
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileEntry {
    /// Path inside the zip, `/`-separated.
    pub path: String,
    pub size: u64,
    /// Lower-case hex SHA-256 of the file's bytes.
    pub sha256: String,
}

/// What the signature's trusted comment says: `huka-bundle school:CODE term:TERM
/// created:RFC3339 file:NAME`. It is signed with the file, so `minisign -V` prints it as
/// proof of which school, term and time the file is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedComment {
    pub school: String,
    pub term: String,
    pub created_at: String,
    pub file: String,
}

pub const COMMENT_TAG: &str = "huka-bundle";

impl TrustedComment {
    pub fn new(school: &str, term: Term, created_at: DateTime<Utc>, file: &str) -> TrustedComment {
        TrustedComment { school: school.to_string(), term: term.to_string(), created_at: time_text(created_at), file: file.to_string() }
    }

    pub fn text(&self) -> String {
        format!("{COMMENT_TAG} school:{} term:{} created:{} file:{}", self.school, self.term, self.created_at, self.file)
    }

    pub fn parse(s: &str) -> Option<TrustedComment> {
        let mut words = s.split_whitespace();
        if words.next()? != COMMENT_TAG {
            return None;
        }
        let mut c = TrustedComment { school: String::new(), term: String::new(), created_at: String::new(), file: String::new() };
        for w in words {
            let (k, v) = w.split_once(':')?;
            match k {
                "school" => c.school = v.to_string(),
                "term" => c.term = v.to_string(),
                "created" => c.created_at = v.to_string(),
                "file" => c.file = v.to_string(),
                // Later versions may add words; they do not make this one unreadable.
                _ => {}
            }
        }
        (!c.school.is_empty() && !c.term.is_empty() && !c.created_at.is_empty()).then_some(c)
    }

    /// True when it names the same school, term and time as the manifest.
    pub fn agrees_with(&self, m: &Manifest) -> bool {
        self.school == m.school.code && self.term == m.term.to_string() && self.created_at == time_text(m.created_at)
    }
}

/// `2026-11-29T02:41:22Z`
pub fn time_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trusted_comment_round_trips_and_tolerates_later_words() {
        let t = DateTime::parse_from_rfc3339("2026-11-29T02:41:22Z").unwrap().with_timezone(&Utc);
        let c = TrustedComment::new("2161092101", Term::parse("2026-autumn").unwrap(), t, "x.huka.zip");
        assert_eq!(c.text(), "huka-bundle school:2161092101 term:2026-autumn created:2026-11-29T02:41:22Z file:x.huka.zip");
        assert_eq!(TrustedComment::parse(&c.text()), Some(c.clone()));
        assert_eq!(TrustedComment::parse(&format!("{} sequence:7", c.text())), Some(c));
        assert_eq!(TrustedComment::parse("timestamp:1764384082 file:x"), None);
        assert_eq!(TrustedComment::parse("huka-bundle school:1"), None);
        assert_eq!(TrustedComment::parse(""), None);
    }
}
