//! Typesetting with Typst, used as a library: a [`World`] of three files held in memory (the
//! shared template, a main file, and the data as JSON), the fonts found on this computer, and
//! the export date. Nothing is read from disk or the network here.
//!
//! The volume is not laid out a second time: it is the front matter (title page and contents,
//! laid out knowing each card's page count) followed by the cards' own pages, each stamped in
//! its header with its page number in the volume ("总册第 N 页").

use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::ecow::EcoVec;
use typst::foundations::{Bytes, Datetime, Duration};
use typst::layout::Point;
use typst::model::Document;
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World, WorldExt};
use typst_layout::{Page, PagedDocument};

use super::fonts::Fonts;
use crate::error::{Error, Result};

const TEMPLATE: &str = include_str!("archive.typ");
const POLICY_TEMPLATE: &str = include_str!("policy_card.typ");
const PRELUDE: &str = "#import \"archive.typ\": *\n#let data = json(\"/data.json\")\n";
const POLICY_PRELUDE: &str = "#import \"policy_card.typ\": *\n#let data = json(\"/data.json\")\n";
const NOTICE_TEMPLATE: &str = include_str!("county_notice.typ");
const NOTICE_PRELUDE: &str = "#import \"county_notice.typ\": *\n#let data = json(\"/data.json\")\n";

fn id(path: &str) -> FileId {
    RootedPath::new(VirtualRoot::Project, VirtualPath::new(path).expect("a plain path")).intern()
}

/// What every compilation shares: the standard library and the fonts.
pub(crate) struct Typesetter<'f> {
    library: LazyHash<Library>,
    fonts: &'f Fonts,
    template: Source,
    policy_template: Source,
    notice_template: Source,
    date: Option<Datetime>,
}

/// Which pages to lay out from the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// The cards in the data, one after the other (one card: a household's file).
    Cards,
    /// The volume's title page and table of contents.
    Front,
    /// Blank pages with only the volume's page number in the header, to lay over the cards.
    Stamps,
    /// Families' policy cards (明白卡): the data of `super::policy_card`.
    PolicyCards,
    /// The county's notice (县级公示): the data of `county::notice`.
    CountyNotice,
}

impl Kind {
    fn main(self) -> (&'static str, &'static str) {
        match self {
            Kind::Cards => ("/card.typ", "#show: archive.with(data)\n#for c in data.cards { card(c, data) }\n"),
            Kind::Front => ("/front.typ", "#show: archive.with(data)\n#front(data)\n"),
            Kind::Stamps => ("/stamps.typ", "#show: archive.with(data)\n#stamps(data)\n"),
            Kind::PolicyCards => ("/policy.typ", "#policy-cards(data)\n"),
            Kind::CountyNotice => ("/notice.typ", "#county-notice(data)\n"),
        }
    }
}

struct Job<'a, 'f> {
    shared: &'a Typesetter<'f>,
    main: Source,
    data: Bytes,
}

impl World for Job<'_, '_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.shared.library
    }
    fn book(&self) -> &LazyHash<FontBook> {
        &self.shared.fonts.book
    }
    fn main(&self) -> FileId {
        self.main.id()
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else if id == self.shared.template.id() {
            Ok(self.shared.template.clone())
        } else if id == self.shared.policy_template.id() {
            Ok(self.shared.policy_template.clone())
        } else if id == self.shared.notice_template.id() {
            Ok(self.shared.notice_template.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }
    fn file(&self, file: FileId) -> FileResult<Bytes> {
        if file == id("/data.json") {
            Ok(self.data.clone())
        } else {
            self.source(file).map(|s| Bytes::from_string(s.text().to_string()))
        }
    }
    fn font(&self, index: usize) -> Option<Font> {
        self.shared.fonts.fonts.get(index).cloned()
    }
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        self.shared.date
    }
}

impl<'f> Typesetter<'f> {
    pub(crate) fn new(fonts: &'f Fonts, date: chrono::NaiveDate) -> Typesetter<'f> {
        use chrono::Datelike;
        Typesetter {
            library: LazyHash::new(Library::default()),
            fonts,
            template: Source::new(id("/archive.typ"), TEMPLATE.to_string()),
            policy_template: Source::new(id("/policy_card.typ"), POLICY_TEMPLATE.to_string()),
            notice_template: Source::new(id("/county_notice.typ"), NOTICE_TEMPLATE.to_string()),
            date: Datetime::from_ymd(date.year(), date.month() as u8, date.day() as u8),
        }
    }

    /// Lays out `data` (the JSON of a [`super::view::Document`]).
    pub(crate) fn layout(&self, kind: Kind, data: Vec<u8>) -> Result<PagedDocument> {
        let (path, main) = kind.main();
        let prelude = match kind {
            Kind::PolicyCards => POLICY_PRELUDE,
            Kind::CountyNotice => NOTICE_PRELUDE,
            Kind::Cards | Kind::Front | Kind::Stamps => PRELUDE,
        };
        let job = Job { shared: self, main: Source::new(id(path), format!("{prelude}{main}")), data: Bytes::new(data) };
        typst::compile(&job).output.map_err(|e| diagnostics(Some(&job), e))
    }

    /// The PDF of laid-out pages.
    pub(crate) fn pdf(&self, document: &PagedDocument) -> Result<Vec<u8>> {
        let options = typst_pdf::PdfOptions {
            creator: typst::foundations::Smart::Custom(Some(format!("户卡 Huka {}", crate::VERSION))),
            // A tagged PDF roughly doubles the size of a file of tables; these are for printing.
            tagged: false,
            ..Default::default()
        };
        typst_pdf::pdf(document, &options).map_err(|e| diagnostics(None, e))
    }
}

/// The volume: the front matter, then every card's pages with a stamp laid over each.
pub(crate) fn volume(front: &PagedDocument, cards: &[PagedDocument], stamps: &PagedDocument) -> PagedDocument {
    let mut pages: EcoVec<Page> = front.pages().iter().cloned().collect();
    for (page, stamp) in cards.iter().flat_map(|c| c.pages()).zip(stamps.pages()) {
        let mut page = page.clone();
        page.frame.push_frame(Point::zero(), stamp.frame.clone());
        pages.push(page);
    }
    PagedDocument::new(pages, front.info().clone())
}

/// A template that fails to lay out is a bug in Huka, never in the records: the message names
/// the template's problem and line only (the data is read as JSON, never as markup).
fn diagnostics(job: Option<&Job<'_, '_>>, errors: EcoVec<SourceDiagnostic>) -> Error {
    let place = |e: &SourceDiagnostic| {
        let job = job?;
        let id = e.span.id()?;
        let source = job.source(id).ok()?;
        let line = source.lines().byte_to_line(job.range(e.span)?.start)?;
        Some(format!("{}:{}: ", id.vpath().get_without_slash(), line + 1))
    };
    Error::from(super::ArchiveError::Typeset(errors.iter().map(|e| format!("{}{}", place(e).unwrap_or_default(), e.message)).collect::<Vec<_>>().join("; ")))
}
