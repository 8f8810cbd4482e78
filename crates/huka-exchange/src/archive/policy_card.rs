//! The families' policy cards (明白卡) as one PDF: the cards `policy_card::collect` gives the
//! reader (whose cards, and what is on them — never an ID number, health, disability or cause
//! of poverty), typeset with the archive's Typst pipeline (`policy_card.typ`) in the system's
//! Chinese font, and written whole through `file`.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::render::{Kind, Typesetter};
use super::Fonts;
use crate::error::Result;
use crate::policy_card::{self, PolicyCards, Scope};
use crate::store::Store;
use crate::term::Term;

crate::record::text_enum! {
    /// The page: A5 (two to an A4 sheet with the printer's "2 pages per sheet"), or A4.
    pub enum Paper {
        A5 = "a5",
        A4 = "a4",
    }
}

/// What to print.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    pub term: Term,
    pub scope: Scope,
    #[serde(default = "a5")]
    pub paper: Paper,
    /// The date printed on every page (the caller's local date).
    pub today: NaiveDate,
}

fn a5() -> Paper {
    Paper::A5
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Written {
    pub path: PathBuf,
    pub bytes: u64,
    /// Households (one card each) and pages (a long card takes two).
    pub cards: usize,
    pub pages: usize,
    /// Households of the choice not in the teacher's care, so not printed.
    pub left_out: usize,
}

/// The cards read, ready to typeset without the store.
#[derive(Debug, Clone)]
pub struct Prepared {
    cards: PolicyCards,
    paper: Paper,
    today: NaiveDate,
    name: String,
}

/// Reads the cards of `request.scope` as the store's account may print them.
pub fn prepare(store: &Store, request: &Request) -> Result<Prepared> {
    let cards = policy_card::collect(store, request.term, &request.scope)?;
    let what = match &request.scope {
        Scope::All => String::new(),
        Scope::Household { .. } | Scope::HouseholdNumber { .. } => {
            let c = &cards.cards[0];
            format!("-{}-{}", c.household_number, c.head_name)
        }
        Scope::Class { grade, class_name } => format!("-{}", crate::student::class_text(Some(*grade), class_name)),
        Scope::Teacher { name } => format!("-{}", crate::text::clean(name)),
        Scope::Mine => format!("-{}", store.actor().name),
    };
    let name = super::safe_file_name(&format!("明白卡-{}{what}", crate::xlsx::term_zh(request.term)), "pdf");
    Ok(Prepared { cards, paper: request.paper, today: request.today, name })
}

/// Reads, typesets and writes the cards into `folder` as one PDF.
pub fn export(store: &Store, request: &Request, fonts: &Fonts, folder: &Path) -> Result<Written> {
    prepare(store, request)?.write(fonts, folder)
}

#[derive(Serialize)]
struct Document<'a> {
    school: &'a str,
    term: String,
    date: String,
    officer: &'a str,
    phone: &'a str,
    hotline: &'a str,
    paper: &'static str,
    font: &'a str,
    cards: Vec<CardText>,
}

#[derive(Serialize)]
struct CardText {
    number: String,
    head: String,
    total: String,
    /// Empty when nothing is due unapplied for.
    due: String,
    students: Vec<StudentText>,
}

#[derive(Serialize)]
struct StudentText {
    name: String,
    class: String,
    lines: Vec<LineText>,
}

#[derive(Serialize)]
struct LineText {
    programme: String,
    amount: String,
    step: String,
    todo: String,
    by: String,
}

/// The step a grant is at, as a family reads it: with the notice's last day (公示至 M月D日)
/// or the day it was paid (已于 M月D日发放) when the grant has them.
pub(crate) fn step(l: &policy_card::CardLine) -> String {
    use crate::aid::GrantStatus;
    use chrono::Datelike;
    let day = |d: NaiveDate| format!("{}月{}日", d.month(), d.day());
    match (l.status, l.notice_end, l.paid_date) {
        (None, ..) => "待申请".into(),
        (Some(GrantStatus::Notice), Some(end), _) => format!("公示至 {}", day(end)),
        (Some(GrantStatus::Paid), _, Some(paid)) => format!("已于 {} 发放", day(paid)),
        (Some(status), ..) => status.label(crate::Lang::Zh).to_string(),
    }
}

impl Prepared {
    pub fn cards(&self) -> &PolicyCards {
        &self.cards
    }

    fn document<'a>(&'a self, fonts: &'a Fonts) -> Document<'a> {
        let c = &self.cards;
        Document {
            school: &c.school_name,
            term: crate::xlsx::term_zh(c.term),
            date: self.today.format("%Y-%m-%d").to_string(),
            officer: &c.aid_officer,
            phone: &c.aid_phone,
            hotline: &c.county_hotline,
            paper: self.paper.as_str(),
            font: fonts.family(),
            cards: c
                .cards
                .iter()
                .map(|card| CardText {
                    number: card.household_number.clone(),
                    head: card.head_name.clone(),
                    total: crate::aid::yuan(card.total_fen),
                    due: if card.due_fen > 0 { crate::aid::yuan(card.due_fen) } else { String::new() },
                    students: card
                        .students
                        .iter()
                        .map(|s| StudentText {
                            name: s.name.clone(),
                            class: crate::student::class_text(s.grade, &s.class_name),
                            lines: s
                                .lines
                                .iter()
                                .map(|l| LineText {
                                    programme: l.programme.clone(),
                                    amount: if l.amount_fen == 0 { "按实际".into() } else { crate::aid::yuan(l.amount_fen) },
                                    step: step(l),
                                    todo: l.todo.clone(),
                                    by: l.by.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
                                })
                                .collect(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    /// Typesets every card into one PDF and writes it into `folder` (made when missing; the
    /// file whole or absent, see [`crate::file`]).
    pub fn write(&self, fonts: &Fonts, folder: &Path) -> Result<Written> {
        crate::file::in_folder(folder, || {
            let typesetter = Typesetter::new(fonts, self.today);
            let json = serde_json::to_vec(&self.document(fonts)).expect("plain data");
            let document = typesetter.layout(Kind::PolicyCards, json)?;
            let pdf = typesetter.pdf(&document)?;
            typst::comemo::evict(0);
            let path = folder.join(&self.name);
            crate::file::write(&path, &pdf)?;
            Ok(Written { path, bytes: pdf.len() as u64, cards: self.cards.cards.len(), pages: document.pages().len(), left_out: self.cards.left_out })
        })
    }
}
