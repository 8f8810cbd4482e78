//! Folders as a real USB stick has them: beside Huka's files, what the computers it went
//! through left there — macOS's `._<name>` (AppleDouble) and `.DS_Store`, Windows'
//! `Thumbs.db`, `desktop.ini`, `System Volume Information` and `$RECYCLE.BIN` — and copies
//! Windows and macOS named for the user (`名单 (1).huka.age`, `名单 - 副本.huka.age`,
//! `名单 copy.huka.age`). Every folder Huka reads is listed through here: the metadata is
//! left out without a word; a copy is told by its content by the caller, which knows what
//! the file is, and these names only say which of two equal files is the copy.

use std::path::{Path, PathBuf};

/// A file or folder an operating system left on the stick, never one of Huka's.
pub fn is_metadata(name: &str) -> bool {
    let lower = name.to_lowercase();
    name.starts_with("._")
        || [".ds_store", "thumbs.db", "ehthumbs.db", "desktop.ini", "system volume information", "$recycle.bin", ".trashes", ".spotlight-v100", ".fseventsd", ".temporaryitems"]
            .contains(&lower.as_str())
}

/// Whether the path's own name is such metadata.
pub fn is_metadata_path(path: &Path) -> bool {
    path.file_name().is_some_and(|n| is_metadata(&n.to_string_lossy()))
}

/// The entries of a folder (files and folders, not followed through links) that are not
/// metadata, sorted by name. An unreadable folder has none.
pub fn entries(dir: &Path) -> Vec<(PathBuf, std::fs::FileType)> {
    let Ok(read) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut out: Vec<(PathBuf, std::fs::FileType)> = read
        .flatten()
        .filter(|e| !is_metadata(&e.file_name().to_string_lossy()))
        .filter_map(|e| e.file_type().ok().map(|t| (e.path(), t)))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The name a copy was made from, when `name` (ending in `suffix`) is named as Windows or
/// macOS name copies: `X (1)`, `X(2)`, `X - 副本`, `X - 副本 (2)`, `X - Copy`, `X 副本`,
/// `X copy`, `X copy 2`, `复件 X`, `Copy of X`. `None` for any other name.
pub fn copy_of(name: &str, suffix: &str) -> Option<String> {
    let stem = name.strip_suffix(suffix)?;
    let mut s = stem.trim_end().to_string();
    // A trailing (N): Windows' second copy, or a download's.
    let strip_number = |s: &mut String| -> bool {
        let t = s.trim_end();
        if let Some(open) = t.strip_suffix(')').and_then(|t| t.rfind('(').map(|i| (i, t))) {
            let (i, t) = open;
            if t[i + 1..].chars().all(|c| c.is_ascii_digit()) && i + 1 < t.len() {
                *s = t[..i].trim_end().to_string();
                return true;
            }
        }
        false
    };
    let mut changed = strip_number(&mut s);
    for tail in [" - 副本", "- 副本", " - 复制", " - Copy", " - copy", " 副本", "副本", " copy", " Copy"] {
        if let Some(t) = s.strip_suffix(tail) {
            s = t.trim_end().to_string();
            changed = true;
            break;
        }
    }
    // macOS: "X copy 2".
    if !changed {
        if let Some((before, n)) = s.rsplit_once(" copy ") {
            if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) {
                s = before.to_string();
                changed = true;
            }
        }
    }
    for head in ["复件 ", "复件", "Copy of ", "副本 "] {
        if let Some(t) = s.strip_prefix(head) {
            s = t.to_string();
            changed = true;
            break;
        }
    }
    (changed && !s.is_empty()).then(|| format!("{s}{suffix}"))
}

/// A file the computers a stick went through left beside one of Huka's (`._名单.hukasync`),
/// chosen as if it were that one: refused with the name of the real file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataFile {
    pub name: String,
}

impl crate::error::DomainError for MetadataFile {
    fn code(&self) -> &'static str {
        "os_metadata_file"
    }
    fn unreadable_file(&self) -> bool {
        true
    }
    fn message(&self, lang: crate::error::Lang) -> String {
        let real = self.name.strip_prefix("._").filter(|r| !r.is_empty());
        match (lang, real) {
            (crate::error::Lang::Zh, Some(real)) => {
                format!("“{}”是苹果电脑在U盘上留下的附属文件，不是户卡写的文件，没有读取。请选择旁边的“{real}”。", self.name)
            }
            (crate::error::Lang::Zh, None) => format!("“{}”是操作系统在U盘上留下的文件，不是户卡写的文件，没有读取。", self.name),
            (_, Some(real)) => format!("“{}” is a file a Mac leaves on a stick, not one Huka wrote; nothing was read. Choose “{real}” beside it.", self.name),
            (_, None) => format!("“{}” is a file the operating system leaves on a stick, not one Huka wrote; nothing was read.", self.name),
        }
    }
}

/// Refuses a chosen file that is such metadata ([`MetadataFile`]).
pub fn refuse_metadata(path: &Path) -> crate::error::Result<()> {
    match path.file_name().map(|n| n.to_string_lossy().to_string()) {
        Some(name) if is_metadata(&name) => Err(MetadataFile { name }.into()),
        _ => Ok(()),
    }
}

/// When `path` is named as a copy ([`copy_of`]) of a file beside it with the same bytes, that
/// file's name.
pub fn copy_beside(path: &Path, suffix: &str) -> Option<String> {
    let name = path.file_name()?.to_string_lossy().to_string();
    let original = copy_of(&name, suffix)?;
    let beside = path.with_file_name(&original);
    let same = std::fs::metadata(&beside).ok()?.len() == std::fs::metadata(path).ok()?.len()
        && std::fs::read(&beside).ok()? == std::fs::read(path).ok()?;
    same.then_some(original)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_names() {
        for n in ["._名单.huka.age", ".DS_Store", "Thumbs.db", "desktop.ini", "Desktop.ini", "System Volume Information", "$RECYCLE.BIN"] {
            assert!(is_metadata(n), "{n}");
        }
        for n in ["名单.huka.age", "a.hukasync", "_x.huka.age", ".huka-abc.tmp"] {
            assert!(!is_metadata(n), "{n}");
        }
    }

    #[test]
    fn copies_are_named_so() {
        let s = ".huka.age";
        assert_eq!(copy_of("名单 (1).huka.age", s).as_deref(), Some("名单.huka.age"));
        assert_eq!(copy_of("名单(2).huka.age", s).as_deref(), Some("名单.huka.age"));
        assert_eq!(copy_of("名单 - 副本.huka.age", s).as_deref(), Some("名单.huka.age"));
        assert_eq!(copy_of("名单 - 副本 (2).huka.age", s).as_deref(), Some("名单.huka.age"));
        assert_eq!(copy_of("名单 - Copy.huka.age", s).as_deref(), Some("名单.huka.age"));
        assert_eq!(copy_of("名单 copy 2.huka.age", s).as_deref(), Some("名单.huka.age"));
        assert_eq!(copy_of("复件 名单.huka.age", s).as_deref(), Some("名单.huka.age"));
        assert_eq!(copy_of("名单.huka.age", s), None);
        assert_eq!(copy_of("2026-autumn.huka.age", s), None);
        assert_eq!(copy_of("名单 ().huka.age", s), None);
    }
}
