//! The paper archive (档案): for a term, one A4 PDF per household card (一户一档) and the
//! school's volume (总册) with a table of contents and every card, for the half-yearly audit.
//!
//! Two steps, so that a window need not hold the database while pages are typeset:
//! [`prepare`] reads the cards (through [`card::get`], the same code the window shows)
//! and turns them into text to print; [`Prepared::write`] typesets them with Typst (used as a
//! library, see `render.rs`) in the system's Chinese font (`fonts.rs`) and writes the files.
//! [`export`] does both. Resident ID numbers are masked unless `full_ids` is asked for —
//! which only the principal may ask ([`Action::ArchiveFullIds`]), and the asking is an entry
//! in the audit trail. Whoever reads cards makes the masked archive; each card is the one
//! [`card::get`] gives the reader (a teacher's archive: every card, ID numbers masked, health
//! and disability only for the households in their care).

pub mod fonts;
pub mod policy_card;
pub(crate) mod render;
mod view;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use fonts::Fonts;
pub use view::CardView;

use crate::access::{self, Action};
use crate::error::{DomainError, Lang, Result};
use crate::settings::{self, Mode};
use crate::store::Store;
use crate::term::Term;
use crate::{card, household, school, teacher};
use render::{Kind, Typesetter};
use typst_layout::PagedDocument;
use crate::school::SchoolError;

/// The archive's own refusals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArchiveError {
    /// No Chinese font on this computer to set the pages in.
    NoCjkFont,
    /// Typst refused the template or the data (a fault in Huka).
    Typeset(String),
    /// The school has no household card yet.
    NothingToArchive,
}

impl DomainError for ArchiveError {
    fn code(&self) -> &'static str {
        match self {
            ArchiveError::NoCjkFont => "no_cjk_font",
            ArchiveError::Typeset(_) => "typeset",
            ArchiveError::NothingToArchive => "nothing_to_archive",
        }
    }

    fn message(&self, lang: Lang) -> String {
        let (zh, en) = match self {
            // Windows always has its own (Microsoft YaHei, SimSun) unless someone removed them.
            ArchiveError::NoCjkFont if cfg!(windows) => (
                "本机找不到中文字体（微软雅黑或宋体），无法生成 PDF。请在 Windows 的“字体”设置里装回中文字体，或用 HUKA_FONT_DIR 指定存放字体的文件夹后重试。".to_string(),
                "No Chinese font (Microsoft YaHei or SimSun) was found on this computer, so no PDF can be made. Restore a Chinese font in Windows' Fonts settings, or name a folder of fonts in HUKA_FONT_DIR, and try again.".to_string(),
            ),
            ArchiveError::NoCjkFont => (
                "本机找不到中文字体（思源黑体 Noto Sans CJK SC 或文泉驿微米黑），无法生成 PDF。请安装 fonts-noto-cjk 或 fonts-wqy-microhei 后重试。".to_string(),
                "No Chinese font (Noto Sans CJK SC or WenQuanYi Micro Hei) was found on this computer, so no PDF can be made. Install fonts-noto-cjk or fonts-wqy-microhei and try again.".to_string(),
            ),
            ArchiveError::Typeset(e) => (format!("生成 PDF 时出错（户卡程序的问题，请反馈）：{e}"), format!("The PDF could not be typeset (a fault in Huka; please report it): {e}")),
            ArchiveError::NothingToArchive => ("还没有户卡，没有可归档的内容。".into(), "There are no household cards to archive yet.".into()),
        };
        lang.pick(zh, en)
    }
}

/// What to archive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    pub term: Term,
    /// Only this household (its household number); `None`: every card and the volume.
    #[serde(default)]
    pub household: Option<String>,
    /// Print resident ID numbers and national student numbers in full.
    #[serde(default)]
    pub full_ids: bool,
    /// The export date printed on every page (the caller's local date).
    pub today: NaiveDate,
}

/// One file written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WrittenFile {
    pub path: PathBuf,
    pub bytes: u64,
    /// The household's number and head, for a card's file; empty for the volume.
    pub household_number: String,
    pub head_name: String,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Written {
    pub folder: PathBuf,
    pub term: Term,
    pub full_ids: bool,
    /// One per household card, in the volume's order.
    pub cards: Vec<WrittenFile>,
    /// The school's volume; `None` when a single household was asked for.
    pub volume: Option<WrittenFile>,
}

impl Written {
    /// The largest file's size in bytes.
    pub fn largest(&self) -> u64 {
        self.cards.iter().chain(self.volume.iter()).map(|f| f.bytes).max().unwrap_or(0)
    }
}

/// The cards of a term, read and turned into text: ready to typeset without the store.
#[derive(Debug, Clone)]
pub struct Prepared {
    school: String,
    school_code: String,
    archivist: String,
    term: Term,
    full_ids: bool,
    today: NaiveDate,
    cards: Vec<CardView>,
    volume: bool,
}

/// Reads every household card (or the one asked for) for the archive of `request.term`, as
/// the store's account may see them. Full ID numbers are the principal's to ask for; asking
/// leaves an audit entry (`archive_full_ids`) before anything is read.
pub fn prepare(store: &mut Store, request: &Request) -> Result<Prepared> {
    settings::require_mode(store, Mode::School)?;
    let full_ids = if request.full_ids { Some(access::ask(store, Action::ArchiveFullIds)?) } else { None };
    let school = school::get(store)?.ok_or(SchoolError::NotSetUp)?;
    let wanted = request.household.as_deref().map(|n| crate::text::clean(n).replace(' ', ""));
    let households: Vec<_> = household::list(store, "", i64::MAX as usize)?
        .into_iter()
        .filter(|h| wanted.as_deref().is_none_or(|n| h.household_number == n))
        .collect();
    if households.is_empty() {
        return Err(if wanted.is_some() { crate::labels::not_found("household") } else { ArchiveError::NothingToArchive.into() });
    }
    if let Some(pass) = &full_ids {
        pass.write(store, |w| {
            let text = |s: String| serde_json::Value::String(s);
            let mut details = std::collections::BTreeMap::new();
            details.insert("term".to_string(), [serde_json::Value::Null, text(request.term.to_string())]);
            details.insert("households".to_string(), [serde_json::Value::Null, serde_json::Value::from(households.len())]);
            if let Some(n) = &wanted {
                details.insert("household".to_string(), [serde_json::Value::Null, text(n.clone())]);
            }
            crate::audit::event(w, "archive_full_ids", "archive", &request.term.to_string(), details)
        })?;
    }
    let teachers = teacher::list(store)?.into_iter().map(|t| (t.meta.id, t.fields.name)).collect();
    let mut cards = Vec::with_capacity(households.len());
    for h in &households {
        let card = card::get(store, h.id)?;
        let names = view::Names::new(&teachers, &card);
        cards.push(view::card_view(store.conn(), &card, &names, request.term, request.full_ids)?);
    }
    Ok(Prepared {
        school: school.name,
        school_code: school.code,
        archivist: settings::archivist(store)?,
        term: request.term,
        full_ids: request.full_ids,
        today: request.today,
        cards,
        volume: wanted.is_none(),
    })
}

/// Reads, typesets and writes the archive into `folder`; see [`Prepared::write`].
pub fn export(store: &mut Store, request: &Request, fonts: &Fonts, folder: &Path, progress: &mut dyn FnMut(usize, usize)) -> Result<Written> {
    prepare(store, request)?.write(fonts, folder, progress)
}

/// `<household number>-<head name>.pdf`, valid on FAT32, exFAT and NTFS sticks.
pub fn card_file_name(number: &str, head: &str) -> String {
    safe_file_name(&format!("{number}-{head}"), "pdf")
}

/// The volume's file name: `档案总册-2026年秋季学期.pdf`.
pub fn volume_file_name(term: Term) -> String {
    safe_file_name(&format!("档案总册-{}", crate::xlsx::term_zh(term)), "pdf")
}

/// A file name without the characters FAT32, exFAT and NTFS refuse (`\ / : * ? " < > |`,
/// control characters), without Windows' reserved names or trailing dots and spaces, and
/// short enough for any of them (names are limited to 255 UTF-16 units).
fn safe_file_name(stem: &str, extension: &str) -> String {
    let options = sanitize_filename::Options { windows: true, truncate: true, replacement: "_" };
    let stem: String = stem.chars().take(120).collect();
    let stem = stem.trim().trim_end_matches(['.', ' ']);
    let mut clean = sanitize_filename::sanitize_with_options(stem, options);
    if clean.is_empty() {
        clean = "_".into();
    }
    format!("{clean}.{extension}")
}

impl Prepared {
    /// How many files [`write`](Self::write) makes: a card per household, and the volume.
    pub fn files(&self) -> usize {
        self.cards.len() + usize::from(self.volume)
    }

    pub fn cards(&self) -> &[CardView] {
        &self.cards
    }

    fn document<'a>(&'a self, fonts: &'a Fonts, cards: Vec<&'a CardView>) -> view::Document<'a> {
        view::Document {
            school: &self.school,
            school_code: &self.school_code,
            term: crate::xlsx::term_zh(self.term),
            archivist: &self.archivist,
            date_long: self.today.format("%Y年%-m月%-d日").to_string(),
            date: self.today.format("%Y-%m-%d").to_string(),
            full_ids: self.full_ids,
            font: fonts.family(),
            cards,
            pages: Vec::new(),
            total: 0,
            stamp_from: 0,
            stamp_count: 0,
        }
    }

    fn json(document: &view::Document<'_>) -> Vec<u8> {
        serde_json::to_vec(document).expect("plain data")
    }

    /// Typesets every card on every core the computer has, then the volume from the same
    /// pages, and writes them all into `folder` — all of them or, when one cannot be written,
    /// none (see [`crate::file`]): the room they take is checked before the first is written,
    /// so a full stick is [`Error::NoRoom`] and holds no half of an archive. `progress(done,
    /// total)` is called from this thread after each file is typeset; `total` only once all
    /// are written.
    pub fn write(&self, fonts: &Fonts, folder: &Path, progress: &mut dyn FnMut(usize, usize)) -> Result<Written> {
        // The folder is made first (a folder that cannot be made fails before minutes of
        // typesetting), and taken away again when nothing could be written into it.
        crate::file::in_folder(folder, || self.write_into(fonts, folder, progress))
    }

    fn write_into(&self, fonts: &Fonts, folder: &Path, progress: &mut dyn FnMut(usize, usize)) -> Result<Written> {
        let typesetter = Typesetter::new(fonts, self.today);
        let total = self.files();
        progress(0, total);
        let next = AtomicUsize::new(0);
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8).min(self.cards.len());
        type Done = (usize, Vec<u8>, Option<PagedDocument>);
        let (sender, receiver) = mpsc::channel::<Result<Done>>();
        let mut pdfs: Vec<Vec<u8>> = vec![Vec::new(); self.cards.len()];
        let mut pages: Vec<Option<PagedDocument>> = vec![None; self.cards.len()];
        let mut done = 0;
        std::thread::scope(|scope| -> Result<()> {
            for _ in 0..workers {
                let sender = sender.clone();
                let (next, typesetter) = (&next, &typesetter);
                scope.spawn(move || loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= self.cards.len() {
                        break;
                    }
                    let result = self.typeset_card(typesetter, fonts, i);
                    let failed = result.is_err();
                    if sender.send(result).is_err() || failed {
                        // Nothing more is wanted after a failure: stop the others early.
                        next.store(self.cards.len(), Ordering::Relaxed);
                        break;
                    }
                });
            }
            drop(sender);
            for result in receiver {
                let (i, pdf, document) = result?;
                pdfs[i] = pdf;
                pages[i] = document;
                done += 1;
                if done < total {
                    progress(done, total);
                }
            }
            Ok(())
        })?;
        let volume = if self.volume {
            let documents: Vec<PagedDocument> = pages.into_iter().map(|d| d.expect("kept for the volume")).collect();
            Some(self.typeset_volume(&typesetter, fonts, &documents)?)
        } else {
            None
        };
        // Typst memoizes layouts across compilations; a window that stays open should not keep them.
        typst::comemo::evict(0);

        let cards: Vec<WrittenFile> = self
            .cards
            .iter()
            .zip(&pdfs)
            .map(|(c, pdf)| WrittenFile {
                path: folder.join(card_file_name(&c.number, &c.head)),
                bytes: pdf.len() as u64,
                household_number: c.number.clone(),
                head_name: c.head.clone(),
            })
            .collect();
        let volume = volume.map(|pdf| {
            let file = WrittenFile { path: folder.join(volume_file_name(self.term)), bytes: pdf.len() as u64, household_number: String::new(), head_name: String::new() };
            (file, pdf)
        });
        let mut files: Vec<(&Path, &[u8])> = cards.iter().zip(&pdfs).map(|(f, pdf)| (f.path.as_path(), pdf.as_slice())).collect();
        if let Some((file, pdf)) = &volume {
            files.push((file.path.as_path(), pdf.as_slice()));
        }
        crate::file::write_all(&files)?;
        progress(total, total);
        Ok(Written { folder: folder.to_path_buf(), term: self.term, full_ids: self.full_ids, cards, volume: volume.map(|(file, _)| file) })
    }

    /// One household's PDF; its pages are kept when the volume is wanted.
    fn typeset_card(&self, typesetter: &Typesetter<'_>, fonts: &Fonts, i: usize) -> Result<(usize, Vec<u8>, Option<PagedDocument>)> {
        let c = &self.cards[i];
        let document = typesetter.layout(Kind::Cards, Self::json(&self.document(fonts, vec![c])))?;
        let pdf = typesetter.pdf(&document)?;
        Ok((i, pdf, self.volume.then_some(document)))
    }

    /// The volume: the title page and contents (laid out again if the first guess of their
    /// length was wrong, since the page numbers depend on it), the cards' pages with their
    /// numbers in the volume laid over them.
    fn typeset_volume(&self, typesetter: &Typesetter<'_>, fonts: &Fonts, cards: &[PagedDocument]) -> Result<Vec<u8>> {
        let counts: Vec<usize> = cards.iter().map(|d| d.pages().len()).collect();
        let card_pages: usize = counts.iter().sum();
        let mut data = self.document(fonts, self.cards.iter().collect());
        let mut front_pages = 2;
        let mut tries = 0;
        let front = loop {
            tries += 1;
            data.total = front_pages + card_pages;
            let mut first = front_pages + 1;
            data.pages = counts
                .iter()
                .map(|&n| {
                    first += n;
                    [first - n, n]
                })
                .collect();
            let front = typesetter.layout(Kind::Front, Self::json(&data))?;
            if front.pages().len() == front_pages || tries == 4 {
                break front;
            }
            front_pages = front.pages().len();
        };
        data.stamp_from = front_pages + 1;
        data.stamp_count = card_pages;
        let stamps = typesetter.layout(Kind::Stamps, Self::json(&view::Document { cards: Vec::new(), pages: Vec::new(), ..data }))?;
        typesetter.pdf(&render::volume(&front, cards, &stamps))
    }
}

#[cfg(test)]
mod tests;
