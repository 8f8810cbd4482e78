//! The Chinese font the archive is set in, found on this computer and never fetched.
//!
//! On Linux: Noto Sans CJK SC (Debian's fonts-noto-cjk) first, then Source Han Sans SC (the same
//! design under Adobe's name) and Noto Sans SC, then WenQuanYi Micro Hei or Zen Hei
//! (fonts-wqy-microhei, fonts-wqy-zenhei). On Windows the fonts every Chinese Windows has come
//! first: Microsoft YaHei (`msyh.ttc`, 微软雅黑), then SimSun (`simsun.ttc`, 宋体), then the same
//! list as on Linux, found in `%WINDIR%\Fonts` and the user's own
//! `%LOCALAPPDATA%\Microsoft\Windows\Fonts`. `$HUKA_FONT_DIR` (folders separated like `PATH`)
//! replaces the usual folders everywhere, for a font shipped beside the program or kept
//! somewhere unusual.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use typst::foundations::Bytes;
use typst::text::{Font, FontBook, FontInfo};
use typst::utils::LazyHash;

use crate::error::{Error, Result};

/// Overrides the folders searched for fonts.
pub const FONT_DIR_ENV: &str = "HUKA_FONT_DIR";

/// Families in the order they are preferred on Linux and macOS (a copied Windows font last).
const FAMILIES_UNIX: [&str; 8] = [
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "WenQuanYi Zen Hei Sharp",
    "Microsoft YaHei",
    "SimSun",
];

/// Families in the order they are preferred on Windows: Microsoft YaHei and SimSun are on every
/// Windows 10 and 11 (any language edition), Noto only where someone installed it.
const FAMILIES_WINDOWS: [&str; 8] = [
    "Microsoft YaHei",
    "SimSun",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "WenQuanYi Zen Hei Sharp",
];

/// This platform's order.
fn families() -> &'static [&'static str] {
    if cfg!(windows) {
        &FAMILIES_WINDOWS
    } else {
        &FAMILIES_UNIX
    }
}

/// File names worth opening: every font file of these families has one of these in its name
/// (lower case: `msyh.ttc`, `msyhbd.ttc`, `simsun.ttc`, `NotoSansCJK-Regular.ttc`, …). Opening
/// only these keeps a search over a full font folder (C:\Windows\Fonts has hundreds) quick.
const FILE_HINTS: [&str; 7] = ["msyh", "simsun", "notosanscjk", "notosanssc", "sourcehansans", "wqy", "wenquanyi"];

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
        Fonts::search(&search_dirs(std::env::var_os(FONT_DIR_ENV)))
    }

    /// Searches these folders (and their subfolders) for the family this platform prefers.
    pub fn search(dirs: &[PathBuf]) -> Result<Fonts> {
        Fonts::search_ranked(dirs, families())
    }

    /// Searches these folders for the first family of `families` that has a face there.
    fn search_ranked(dirs: &[PathBuf], families: &[&str]) -> Result<Fonts> {
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
                .filter_map(|(index, info)| families.iter().position(|f| info.family.eq_ignore_ascii_case(f)).map(|rank| (rank, index as u32)))
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
        Ok(Fonts { family: families[best].to_string(), fonts, book, files })
    }
}

/// The folders searched: those in `font_dir_env` (the value of `$HUKA_FONT_DIR`) when it is set
/// and not empty, else the system's and the user's.
fn search_dirs(font_dir_env: Option<OsString>) -> Vec<PathBuf> {
    match font_dir_env.filter(|v| !v.is_empty()) {
        Some(v) => std::env::split_paths(&v).collect(),
        None => system_dirs(),
    }
}

/// Where fonts live on this platform, the user's own folders included, and a `fonts` folder
/// beside the program (a portable copy).
fn system_dirs() -> Vec<PathBuf> {
    let mut dirs = if cfg!(windows) {
        windows_dirs(std::env::var_os("WINDIR").or_else(|| std::env::var_os("SystemRoot")).as_deref(), std::env::var_os("LOCALAPPDATA").as_deref())
    } else {
        unix_dirs()
    };
    if let Some(dir) = std::env::current_exe().ok().and_then(|p| p.parent().map(Path::to_path_buf)) {
        dirs.push(dir.join("fonts"));
    }
    dirs
}

/// Windows: `%WINDIR%\Fonts` (C:\Windows\Fonts when the variable is missing), where fonts
/// installed "for all users" go, and `%LOCALAPPDATA%\Microsoft\Windows\Fonts`, where Windows 10
/// (1809 and later) puts a font installed by a user without administrator rights.
fn windows_dirs(windir: Option<&OsStr>, local_app_data: Option<&OsStr>) -> Vec<PathBuf> {
    let windir = windir.filter(|v| !v.is_empty()).map(PathBuf::from).unwrap_or_else(|| PathBuf::from(r"C:\Windows"));
    let mut dirs = vec![windir.join("Fonts")];
    if let Some(local) = local_app_data.filter(|v| !v.is_empty()) {
        dirs.push(PathBuf::from(local).join("Microsoft").join("Windows").join("Fonts"));
    }
    dirs
}

/// Linux and macOS: the system's folders and the user's.
fn unix_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = ["/usr/share/fonts", "/usr/local/share/fonts", "/usr/share/huka/fonts", "/Library/Fonts", "/System/Library/Fonts"]
        .iter()
        .map(PathBuf::from)
        .collect();
    if let Some(data) = dirs::data_dir() {
        dirs.push(data.join("fonts"));
    }
    if let Some(home) = dirs::home_dir() {
        dirs.push(home.join(".fonts"));
        dirs.push(home.join("Library").join("Fonts"));
    }
    dirs
}

/// Whether a file is worth opening: a font file whose name suggests one of the families.
fn worth_opening(file_name: &str) -> bool {
    let name = file_name.to_lowercase();
    let font_file = [".ttc", ".otf", ".ttf", ".otc"].iter().any(|ext| name.ends_with(ext));
    font_file && FILE_HINTS.iter().any(|hint| name.contains(hint))
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
        if worth_opening(&entry.file_name().to_string_lossy()) {
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

    #[test]
    fn windows_looks_in_the_system_and_the_users_font_folders() {
        let dirs = windows_dirs(Some(OsStr::new(r"D:\WINNT")), Some(OsStr::new(r"C:\Users\王老师\AppData\Local")));
        assert_eq!(
            dirs,
            vec![PathBuf::from(r"D:\WINNT").join("Fonts"), PathBuf::from(r"C:\Users\王老师\AppData\Local").join("Microsoft").join("Windows").join("Fonts")]
        );
        // Neither variable: C:\Windows\Fonts all the same; an empty one counts as missing.
        assert_eq!(windows_dirs(None, None), vec![PathBuf::from(r"C:\Windows").join("Fonts")]);
        assert_eq!(windows_dirs(Some(OsStr::new("")), Some(OsStr::new(""))), vec![PathBuf::from(r"C:\Windows").join("Fonts")]);
    }

    #[test]
    fn the_font_dir_variable_replaces_the_usual_folders() {
        let a = std::env::temp_dir().join("huka-fonts-a");
        let b = std::env::temp_dir().join("huka-fonts-b");
        let joined = std::env::join_paths([&a, &b]).unwrap();
        assert_eq!(search_dirs(Some(joined)), vec![a, b]);
        // Unset or empty: the platform's folders.
        assert_eq!(search_dirs(None), system_dirs());
        assert_eq!(search_dirs(Some(OsString::new())), system_dirs());
    }

    #[test]
    fn windows_prefers_yahei_then_simsun_then_noto() {
        let rank = |family: &str| FAMILIES_WINDOWS.iter().position(|f| *f == family).unwrap();
        assert!(rank("Microsoft YaHei") < rank("SimSun"));
        assert!(rank("SimSun") < rank("Noto Sans CJK SC"));
        assert!(rank("Noto Sans CJK SC") < rank("WenQuanYi Micro Hei"));
        // Linux keeps Noto first; a Windows font copied there is the last resort.
        assert_eq!(FAMILIES_UNIX[0], "Noto Sans CJK SC");
        let mut unix = FAMILIES_UNIX.to_vec();
        let mut windows = FAMILIES_WINDOWS.to_vec();
        unix.sort_unstable();
        windows.sort_unstable();
        assert_eq!(unix, windows, "the same families on both, in another order");
        assert_eq!(families()[0], if cfg!(windows) { "Microsoft YaHei" } else { "Noto Sans CJK SC" });
    }

    #[test]
    fn windows_font_files_are_opened_others_passed_over() {
        for name in ["msyh.ttc", "MSYH.TTC", "msyhbd.ttc", "msyhl.ttc", "msyh.ttf", "simsun.ttc", "SimSun.TTC", "NotoSansCJK-Regular.ttc", "wqy-microhei.ttc"] {
            assert!(worth_opening(name), "{name}");
        }
        for name in ["arial.ttf", "simhei.ttf", "msyh.ttc.bak", "segoeui.ttf", "msyh.txt"] {
            assert!(!worth_opening(name), "{name}");
        }
    }

    /// A copy of a real font whose family name (name IDs 1 and 16) is `family`: the name table
    /// rebuilt at the end of the file, the table directory pointed at it.
    fn renamed_font(original: &[u8], family: &str) -> Vec<u8> {
        let u16_at = |d: &[u8], o: usize| u16::from_be_bytes([d[o], d[o + 1]]) as usize;
        let u32_at = |d: &[u8], o: usize| u32::from_be_bytes([d[o], d[o + 1], d[o + 2], d[o + 3]]) as usize;
        let mut font = original.to_vec();
        let tables = u16_at(&font, 4);
        let record = (0..tables).map(|i| 12 + 16 * i).find(|r| &font[*r..*r + 4] == b"name").expect("a name table");
        let name = u32_at(&font, record + 8);
        let count = u16_at(&font, name + 2);
        let storage = name + u16_at(&font, name + 4);
        let mut records = Vec::new();
        let mut strings: Vec<u8> = Vec::new();
        for i in 0..count {
            let r = name + 6 + 12 * i;
            let (platform, name_id) = (u16_at(&font, r), u16_at(&font, r + 6));
            let (length, offset) = (u16_at(&font, r + 8), u16_at(&font, r + 10));
            let text = if name_id == 1 || name_id == 16 {
                if platform == 1 {
                    family.as_bytes().to_vec()
                } else {
                    family.encode_utf16().flat_map(u16::to_be_bytes).collect()
                }
            } else {
                font[storage + offset..storage + offset + length].to_vec()
            };
            let mut rec = font[r..r + 8].to_vec();
            rec.extend((text.len() as u16).to_be_bytes());
            rec.extend((strings.len() as u16).to_be_bytes());
            records.push(rec);
            strings.extend(text);
        }
        let mut table = vec![0, 0];
        table.extend((count as u16).to_be_bytes());
        table.extend(((6 + 12 * count) as u16).to_be_bytes());
        table.extend(records.concat());
        table.extend(strings);
        while font.len() % 4 != 0 {
            font.push(0);
        }
        let at = font.len() as u32;
        let len = table.len() as u32;
        font.extend(table);
        font[record + 8..record + 12].copy_from_slice(&at.to_be_bytes());
        font[record + 12..record + 16].copy_from_slice(&len.to_be_bytes());
        font
    }

    #[test]
    fn a_windows_font_folder_gives_yahei_then_simsun_then_noto() {
        // Any real TrueType file serves, renamed: the order is decided by family names.
        let Some(sample) = ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"]
            .iter()
            .find_map(|p| std::fs::read(p).ok())
        else {
            eprintln!("skipped: no TrueType font to rename on this machine");
            return;
        };
        let fonts = tempfile::tempdir().unwrap();
        let dir = fonts.path().to_path_buf();
        std::fs::write(dir.join("simsun.ttc"), renamed_font(&sample, "SimSun")).unwrap();
        std::fs::write(dir.join("msyh.ttc"), renamed_font(&sample, "Microsoft YaHei")).unwrap();
        std::fs::write(dir.join("NotoSansCJK-Regular.ttc"), renamed_font(&sample, "Noto Sans CJK SC")).unwrap();
        // The same name under a file name that is not looked at: not found.
        std::fs::write(dir.join("arial.ttf"), renamed_font(&sample, "Microsoft YaHei")).unwrap();

        let found = Fonts::search_ranked(&[dir.clone()], &FAMILIES_WINDOWS).unwrap();
        assert_eq!(found.family(), "Microsoft YaHei");
        assert_eq!(found.files, vec![dir.join("msyh.ttc")]);
        // On Linux, Noto first, even beside Windows fonts.
        assert_eq!(Fonts::search_ranked(&[dir.clone()], &FAMILIES_UNIX).unwrap().family(), "Noto Sans CJK SC");

        std::fs::remove_file(dir.join("msyh.ttc")).unwrap();
        let found = Fonts::search_ranked(&[dir.clone()], &FAMILIES_WINDOWS).unwrap();
        assert_eq!((found.family(), found.files.clone()), ("SimSun", vec![dir.join("simsun.ttc")]));

        std::fs::remove_file(dir.join("simsun.ttc")).unwrap();
        assert_eq!(Fonts::search_ranked(&[dir.clone()], &FAMILIES_WINDOWS).unwrap().family(), "Noto Sans CJK SC");

        // The user's own folder (%LOCALAPPDATA%\Microsoft\Windows\Fonts) is searched too.
        let local = tempfile::tempdir().unwrap();
        let user_fonts = local.path().join("Microsoft").join("Windows").join("Fonts");
        std::fs::create_dir_all(&user_fonts).unwrap();
        std::fs::write(user_fonts.join("msyh.ttf"), renamed_font(&sample, "Microsoft YaHei")).unwrap();
        let windir = tempfile::tempdir().unwrap();
        std::fs::create_dir(windir.path().join("Fonts")).unwrap();
        std::fs::rename(dir.join("NotoSansCJK-Regular.ttc"), windir.path().join("Fonts").join("NotoSansCJK-Regular.ttc")).unwrap();
        let dirs = windows_dirs(Some(windir.path().as_os_str()), Some(local.path().as_os_str()));
        let found = Fonts::search_ranked(&dirs, &FAMILIES_WINDOWS).unwrap();
        assert_eq!((found.family(), found.files.clone()), ("Microsoft YaHei", vec![user_fonts.join("msyh.ttf")]));
    }
}
