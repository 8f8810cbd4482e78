//! The county's notice (县级公示): for a term, the grants the live verified bundles report,
//! per programme and school — name, school, class, programme, amount, and nothing else (the
//! school's notice's rule, `aid::NoticeRow`: no ID number, no address, no poverty cause, no
//! disability; the county keeps none of them for grants). Written as a workbook and a PDF (the
//! archive's Typst pipeline), both or neither.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::archive::render::{Kind, Typesetter};
use crate::archive::Fonts;
use crate::error::{DomainError, Lang, Result};
use crate::store::Store;
use crate::term::Term;
use crate::xlsx::{self, Cell, Sheet};

/// One line of the county's notice: the school's notice's line (`aid::NoticeRow`: name, class,
/// programme, amount — what cannot be in the type cannot be printed on a wall) and the school.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NoticeLine {
    pub school: String,
    #[serde(flatten)]
    pub row: crate::aid::NoticeRow,
}

/// The lines of one programme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgrammeNotice {
    pub code: String,
    pub name: String,
    pub total_fen: i64,
    pub lines: Vec<NoticeLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CountyNotice {
    pub county: String,
    pub term: Term,
    /// Schools with a grant in the notice.
    pub schools: usize,
    pub count: usize,
    pub total_fen: i64,
    /// By programme code; in each, by school, grade, class and name.
    pub programmes: Vec<ProgrammeNotice>,
}

/// No grant to put on the county's notice for the term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NothingToNotice {
    pub term: Term,
}

impl DomainError for NothingToNotice {
    fn code(&self) -> &'static str {
        "county_nothing_to_notice"
    }
    fn message(&self, lang: Lang) -> String {
        lang.pick(
            format!("{}没有已审核通过的学校汇总包报送已过学校初审和校级公示的资助名单，无可公示的内容。（本版本之前导入的汇总包不含资助名单，请学校重新导出后再导入。）", xlsx::term_zh(self.term)),
            format!("No verified bundle reports aid grants past the school's review and notice for {}: there is nothing to put on notice. (Bundles ingested before this version carry no grant list; ask the school to export again.)", self.term),
        )
    }
}

/// The notice of `term` from the live bundles.
pub fn notice(store: &Store, term: Term) -> Result<CountyNotice> {
    super::require(store)?;
    let mut stmt = store.conn().prepare_cached(
        "SELECT CASE WHEN s.name <> '' THEN s.name WHEN b.school_name <> '' THEN b.school_name ELSE s.code END,
                g.name, g.grade, g.class_name, g.programme_code, g.programme_name, g.amount_fen
         FROM county_grant g JOIN county_bundle b ON b.id = g.bundle_id AND b.deleted_at IS NULL
              JOIN county_school s ON s.id = b.school_id
         WHERE b.term = ?1
         ORDER BY g.programme_code, s.code, g.grade, g.class_name, g.name",
    )?;
    let mut programmes: Vec<ProgrammeNotice> = Vec::new();
    let mut schools = std::collections::BTreeSet::new();
    let mut rows = stmt.query([term.to_string()])?;
    while let Some(r) = rows.next()? {
        let row = crate::aid::NoticeRow { name: r.get(1)?, grade: r.get(2)?, class_name: r.get(3)?, programme: r.get(5)?, amount_fen: r.get(6)? };
        let line = NoticeLine { school: r.get(0)?, row };
        let code: String = r.get(4)?;
        schools.insert(line.school.clone());
        match programmes.last_mut() {
            Some(p) if p.code == code => {
                p.total_fen += line.row.amount_fen;
                p.lines.push(line);
            }
            _ => programmes.push(ProgrammeNotice { code, name: line.row.programme.clone(), total_fen: line.row.amount_fen, lines: vec![line] }),
        }
    }
    if programmes.is_empty() {
        return Err(NothingToNotice { term }.into());
    }
    Ok(CountyNotice {
        county: crate::settings::county_name(store)?,
        term,
        schools: schools.len(),
        count: programmes.iter().map(|p| p.lines.len()).sum(),
        total_fen: programmes.iter().map(|p| p.total_fen).sum(),
        programmes,
    })
}

/// What [`write`] wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Written {
    pub workbook: PathBuf,
    pub pdf: PathBuf,
    pub count: usize,
    pub schools: usize,
    pub total_fen: i64,
    pub pages: usize,
}

fn title(n: &CountyNotice) -> String {
    format!("{}{}学生资助县级公示", n.county, xlsx::term_zh(n.term))
}

/// The workbook: one sheet with every line, and one per programme's totals by school.
pub fn workbook(n: &CountyNotice) -> Result<Vec<u8>> {
    let mut all = Sheet::new("县级公示");
    all.heading(&[&title(n)]);
    all.heading(&["序号", "资助项目", "学校", "姓名", "班级", "金额（元）"]);
    let mut i = 0;
    for p in &n.programmes {
        for l in &p.lines {
            i += 1;
            all.row(vec![Cell::Int(i), p.name.clone().into(), l.school.clone().into(), l.row.name.clone().into(), crate::student::class_text(l.row.grade, &l.row.class_name).into(), Cell::Yuan(l.row.amount_fen)]);
        }
    }
    all.row(vec![Cell::Empty, "合计".into(), Cell::Empty, Cell::Int(n.count as i64), Cell::Empty, Cell::Yuan(n.total_fen)]);
    let mut totals = Sheet::new("按项目和学校");
    totals.heading(&["资助项目", "学校", "人次", "金额（元）"]);
    for p in &n.programmes {
        let mut by_school: std::collections::BTreeMap<&str, (i64, i64)> = std::collections::BTreeMap::new();
        for l in &p.lines {
            let e = by_school.entry(l.school.as_str()).or_default();
            e.0 += 1;
            e.1 += l.row.amount_fen;
        }
        for (school, (count, fen)) in by_school {
            totals.row(vec![p.name.clone().into(), school.to_string().into(), Cell::Int(count), Cell::Yuan(fen)]);
        }
    }
    xlsx::workbook(&[all, totals])
}

#[derive(Serialize)]
struct Document<'a> {
    title: String,
    county: &'a str,
    date: String,
    font: &'a str,
    schools: usize,
    count: usize,
    total: String,
    programmes: Vec<ProgrammeText>,
}

#[derive(Serialize)]
struct ProgrammeText {
    name: String,
    count: usize,
    total: String,
    rows: Vec<RowText>,
}

#[derive(Serialize)]
struct RowText {
    school: String,
    name: String,
    class: String,
    amount: String,
}

/// The notice's PDF and the number of its pages.
pub fn pdf(n: &CountyNotice, fonts: &Fonts, today: NaiveDate) -> Result<(Vec<u8>, usize)> {
    let data = Document {
        title: title(n),
        county: &n.county,
        date: today.format("%Y年%-m月%-d日").to_string(),
        font: fonts.family(),
        schools: n.schools,
        count: n.count,
        total: crate::aid::yuan(n.total_fen),
        programmes: n
            .programmes
            .iter()
            .map(|p| ProgrammeText {
                name: p.name.clone(),
                count: p.lines.len(),
                total: crate::aid::yuan(p.total_fen),
                rows: p.lines.iter().map(|l| RowText { school: l.school.clone(), name: l.row.name.clone(), class: crate::student::class_text(l.row.grade, &l.row.class_name), amount: crate::aid::yuan(l.row.amount_fen) }).collect(),
            })
            .collect(),
    };
    let typesetter = Typesetter::new(fonts, today);
    let document = typesetter.layout(Kind::CountyNotice, serde_json::to_vec(&data).expect("plain data"))?;
    let pdf = typesetter.pdf(&document)?;
    typst::comemo::evict(0);
    Ok((pdf, document.pages().len()))
}

/// `县级公示-2026年秋季学期` (.xlsx and .pdf).
pub fn file_stem(term: Term) -> String {
    format!("县级公示-{}", xlsx::term_zh(term))
}

/// Writes the notice of `term` into `folder` as a workbook and a PDF: both, or neither.
pub fn write(store: &Store, term: Term, fonts: &Fonts, folder: &Path, today: NaiveDate) -> Result<Written> {
    write_notice(&notice(store, term)?, term, fonts, folder, today)
}

/// Writes a notice read before (the window reads it under the store's lock and typesets it
/// outside).
pub fn write_notice(n: &CountyNotice, term: Term, fonts: &Fonts, folder: &Path, today: NaiveDate) -> Result<Written> {
    let book = workbook(n)?;
    let (pdf, pages) = pdf(n, fonts, today)?;
    crate::file::in_folder(folder, || {
        let stem = file_stem(term);
        let (workbook, pdf_path) = (folder.join(format!("{stem}.xlsx")), folder.join(format!("{stem}.pdf")));
        crate::file::write_all(&[(workbook.as_path(), book.as_slice()), (pdf_path.as_path(), pdf.as_slice())])?;
        Ok(Written { workbook, pdf: pdf_path, count: n.count, schools: n.schools, total_fen: n.total_fen, pages })
    })
}
