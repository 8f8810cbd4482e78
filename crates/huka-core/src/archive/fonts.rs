//! The Chinese font the archive is set in, found on this computer and never fetched: Noto Sans
//! CJK SC (Debian's fonts-noto-cjk) first, then Source Han Sans SC (the same design under
//! Adobe's name) and Noto Sans SC, then WenQuanYi Micro Hei or Zen Hei (fonts-wqy-microhei,
//! fonts-wqy-zenhei). `$HUKA_FONT_DIR` (folders separated like `PATH`) replaces the usual
//! system folders, for a font shipped beside the program or kept somewhere unusual.

use std::path::{Path, PathBuf};

use typst::foundations::Bytes;
use typst::text::{Font, FontBook, FontInfo};
use typst::utils::LazyHash;

use crate::error::{Error, Result};

/// Overrides the folders searched for fonts.
pub const FONT_DIR_ENV: &str = "HUKA_FONT_DIR";

/// Families in the order they are preferred.
const FAMILIES: [&str; 6] = [
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "WenQuanYi Zen Hei Sharp",
];

/// File names worth opening: every font file of these families has one of these in its name
/// (lower case). Opening only these keeps a search over a full font folder quick.
const FILE_HINTS: [&str; 5] = ["notosanscjk", "notosanssc", "sourcehansans", "wqy", "wenquanyi"];

/// The fonts the typesetter may use: the faces of one family (regular and, when present, bold).
pub struct Fonts {
    pub(crate) family: String,
    pub(crate) fonts: Vec<Font>,
    pub(crate) book: LazyHash<FontBook>,
    /// The files the faces came from.
    pub files: Vec<PathBuf>,
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fonts").field("family", &self.family).field("files", &self.files).finish()
    }
}

impl Fonts {
    /// The family the pages are set in.
    pub fn family(&self) -> &str {
        &self.family
    }

    /// Searches `$HUKA_FONT_DIR`, else the system's and the user's font folders.
    pub fn find() -> Result<Fonts> {
        let dirs = match std::env::var_os(FONT_DIR_ENV).filter(|v| !v.is_empty()) {
            Some(v) => std::env::split_paths(&v).collect(),
            None => system_dirs(),
        };
        Fonts::search(&dirs)
    }

    /// Searches these folders (and their subfolders) for the preferred family.
    pub fn search(dirs: &[PathBuf]) -> Result<Fonts> {
        let mut files = Vec::new();
        for dir in dirs {
            collect(dir, 0, &mut files);
        }
        files.sort();
        files.dedup();
        // Every face of the known families, with its file.
        let mut found: Vec<(usize, Font, PathBuf)> = Vec::new();
        for path in files {
            let Ok(data) = std::fs::read(&path) else { continue };
            let data = Bytes::new(data);
            let wanted: Vec<(usize, u32)> = FontInfo::iter(data.as_slice())
                .enumerate()
                .filter_map(|(index, info)| FAMILIES.iter().position(|f| info.family.eq_ignore_ascii_case(f)).map(|rank| (rank, index as u32)))
                .collect();
            for (rank, index) in wanted {
                if let Some(font) = Font::new(data.clone(), index) {
                    found.push((rank, font, path.clone()));
                }
            }
        }
        let best = found.iter().map(|(rank, ..)| *rank).min().ok_or(Error::from(super::ArchiveError::NoCjkFont))?;
        let mut fonts = Vec::new();
        let mut files = Vec::new();
        for (_, font, path) in found.into_iter().filter(|(rank, ..)| *rank == best) {
            if !files.contains(&path) {
                files.push(path);
            }
            fonts.push(font);
        }
        let book = LazyHash::new(FontBook::from_fonts(&fonts));
        Ok(Fonts { family: FAMILIES[best].to_string(), fonts, book, files })
    }
}

/// Where fonts live on Linux, Windows and macOS, the user's own folders included.
fn system_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = ["/usr/share/fonts", "/usr/local/share/fonts", "/usr/share/huka/fonts", "/Library/Fonts", "/System/Library/Fonts"]
        .iter()
        .map(PathBuf::from)
        .collect();
    if let Some(windir) = std::env::var_os("WINDIR") {
        dirs.push(PathBuf::from(windir).join("Fonts"));
    }
    if let Some(data) = dirs::data_dir() {
        dirs.push(data.join("fonts"));
        dirs.push(data.join("Microsoft").join("Windows").join("Fonts"));
    }
    if let Some(home) = dirs::home_dir() {
        dirs.push(home.join(".fonts"));
        dirs.push(home.join("Library").join("Fonts"));
    }
    // A font shipped beside the program (a portable copy).
    if let Some(dir) = std::env::current_exe().ok().and_then(|p| p.parent().map(Path::to_path_buf)) {
        dirs.push(dir.join("fonts"));
    }
    dirs
}

/// Font files under `dir` whose names suggest one of the families (a few levels deep).
fn collect(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else { continue };
        let kind_is_dir = kind.is_dir() || (kind.is_symlink() && path.is_dir());
        if kind_is_dir {
            if depth < 4 {
                collect(&path, depth + 1, out);
            }
            continue;
        }
        let name = entry.file_name().to_string_lossy().to_lowercase();
        let font_file = [".ttc", ".otf", ".ttf", ".otc"].iter().any(|ext| name.ends_with(ext));
        if font_file && FILE_HINTS.iter().any(|hint| name.contains(hint)) {
            out.push(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_chinese_font_is_a_typed_error() {
        let empty = tempfile::tempdir().unwrap();
        // A file that looks like a font by name but is not one is passed over.
        std::fs::write(empty.path().join("wqy-microhei.ttc"), b"not a font").unwrap();
        let e = Fonts::search(&[empty.path().to_path_buf()]).unwrap_err();
        assert_eq!(e.domain::<crate::archive::ArchiveError>(), Some(&crate::archive::ArchiveError::NoCjkFont));
        assert_eq!(e.code(), "no_cjk_font");
        assert!(e.message(crate::Lang::Zh).contains("fonts-noto-cjk"));
    }
}
