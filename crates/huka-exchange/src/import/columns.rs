//! Recognizing columns: which row is the header, and which field each column holds.
//! Headers come with many spellings (全国学籍号 / 学籍号 / 学籍辅号 …); a user can correct the
//! mapping of any column, and the correction is remembered by header text.

use std::collections::BTreeMap;

use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};

use super::read::Table;
use super::ImportKind;
use crate::error::Result;
use crate::record::text_enum;
use crate::store::Store;

text_enum! {
    /// A field a spreadsheet column can hold.
    pub enum Field {
        Serial = "serial",                                  // 序号 (ignored)
        Name = "name",
        ResidentId = "resident_id",
        NationalStudentNumber = "national_student_number",
        Gender = "gender",
        BirthDate = "birth_date",
        Grade = "grade",
        ClassName = "class_name",
        Ethnicity = "ethnicity",
        Boarding = "boarding",                              // 就读方式 走读/住校
        LeftBehind = "left_behind",
        RegisteredPoor = "registered_poor",                 // 是否建档立卡贫困户
        Address = "address",
        GuardianName = "guardian_name",
        Phone = "phone",
        HouseholdNumber = "household_number",
        HeadName = "head_name",
        Relation = "relation",
        Town = "town",
        Village = "village",
        Group = "group",
        PovertyAttribute = "poverty_attribute",             // 贫困户属性
        LiftStatus = "lift_status",                         // 脱贫状态
        PovertyCause = "poverty_cause",                     // 主要致贫原因
        HeadResidentId = "head_resident_id",                // 户主身份证号 (花名册: the household's key)
        FamilySize = "family_size",                         // 家庭人口 (the registered number; may exceed the members listed)
    }
}

impl Field {
    /// Header spellings, compared after removing spaces, asterisks and brackets.
    fn synonyms(self) -> &'static [&'static str] {
        match self {
            Field::Serial => &["序号", "编号", "NO", "No."],
            Field::Name => &["姓名", "学生姓名", "成员姓名", "家庭成员姓名"],
            Field::ResidentId => &[
                "身份证号", "身份证件号", "证件号码", "身份证号码", "公民身份号码", "身份证件号码", "证件号", "学生身份证号", "学生身份证号码",
                "学生身份证件号", "学生身份证件号码", "学生证件号码", "成员身份证号", "成员身份证号码",
            ],
            Field::NationalStudentNumber => &["全国学籍号", "学籍号", "学籍辅号", "全国学籍号/学籍辅号", "学籍号码"],
            Field::Gender => &["性别"],
            Field::BirthDate => &["出生日期", "出生年月", "出生年月日", "生日"],
            Field::Grade => &["年级", "就读年级", "所在年级"],
            Field::ClassName => &["班级", "班级名称", "所在班级", "班别"],
            Field::Ethnicity => &["民族"],
            Field::Boarding => &["就读方式", "是否住校", "是否寄宿", "寄宿情况"],
            Field::LeftBehind => &["是否留守儿童", "留守儿童", "是否留守"],
            Field::RegisteredPoor => &["是否建档立卡贫困户", "是否建档立卡", "建档立卡", "是否贫困户"],
            Field::Address => &["家庭住址", "现住址", "住址", "家庭地址"],
            Field::GuardianName => &["监护人姓名", "监护人", "家长姓名"],
            Field::Phone => &["联系电话", "电话", "手机号码", "联系方式", "监护人电话", "手机号"],
            Field::HouseholdNumber => &["户编号", "户号", "贫困户编号", "家庭编号"],
            Field::HeadName => &["户主姓名", "户主"],
            Field::Relation => &["与户主关系", "家庭关系", "与户主的关系"],
            Field::Town => &["镇", "乡镇", "乡（镇）", "镇（乡）", "所在乡镇"],
            Field::Village => &["村", "行政村", "所在村", "村（社区）"],
            Field::Group => &["组", "村民小组", "组别", "社"],
            Field::PovertyAttribute => &["贫困户属性", "户属性", "贫困户类型", "贫困户类别", "贫困类别", "户类别", "家庭困难类别", "困难类别"],
            Field::LiftStatus => &["脱贫状态", "是否脱贫", "脱贫情况"],
            Field::PovertyCause => &["主要致贫原因", "致贫原因"],
            // 监护人身份证号 names neither: a guardian's number is not imported.
            Field::HeadResidentId => &["户主身份证号", "户主身份证号码", "户主身份证件号", "户主身份证件号码", "户主证件号码", "户主证件号"],
            Field::FamilySize => &["家庭人口", "家庭人口数", "家庭人数", "家庭成员数", "户人口数", "人口数"],
        }
    }

    /// The fields each kind of file can hold (others are not offered for it).
    pub fn for_kind(kind: ImportKind) -> &'static [Field] {
        use Field::*;
        match kind {
            ImportKind::Roster => &[
                Serial, Name, ResidentId, NationalStudentNumber, Gender, BirthDate, Grade, ClassName, Ethnicity, Boarding,
                LeftBehind, RegisteredPoor, Address, GuardianName, Phone,
            ],
            ImportKind::Households => &[
                Serial, HouseholdNumber, HeadName, HeadResidentId, Relation, Name, ResidentId, Gender, BirthDate, Grade, ClassName,
                Town, Village, Group, Address, PovertyAttribute, LiftStatus, PovertyCause, FamilySize, Phone,
            ],
        }
    }

    /// The Chinese column name shown to users and in error reports.
    pub fn label_zh(self) -> &'static str {
        self.synonyms()[0]
    }
}

fn key(header: &str) -> String {
    key_chars(header).collect()
}

fn key_chars(header: &str) -> impl Iterator<Item = char> + '_ {
    crate::text::fold_chars(header).filter(|c| !c.is_whitespace() && !matches!(c, '*' | '＊' | ':' | '：' | '(' | ')' | '（' | '）' | '[' | ']'))
}

/// Two header texts that name the same column (spaces, asterisks and brackets aside). Asked
/// of every cell of every row (is it the header repeated?), so it allocates nothing.
pub fn same_header(a: &str, b: &str) -> bool {
    key_chars(a).next().is_some() && key_chars(a).eq(key_chars(b))
}

fn recognize(kind: ImportKind, header: &str) -> Option<Field> {
    let k = key(header);
    if k.is_empty() {
        return None;
    }
    Field::for_kind(kind).iter().copied().find(|f| f.synonyms().iter().any(|s| key(s) == k))
}

/// One column of the file and the field it maps to (`None`: ignored).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Column {
    pub index: usize,
    /// Excel's column letter: A, B, … AA.
    pub letter: String,
    pub header: String,
    pub field: Option<Field>,
    /// True when the field came from a remembered correction rather than recognition.
    pub remembered: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Mapping {
    /// Index into `Table::rows` of the header row.
    #[serde(skip)]
    pub header_index: usize,
    /// The header's row number as Excel shows it.
    pub header_row: usize,
    pub columns: Vec<Column>,
}

impl Mapping {
    pub fn column_of(&self, field: Field) -> Option<usize> {
        self.columns.iter().find(|c| c.field == Some(field)).map(|c| c.index)
    }

    /// The header text of a column, for error reports.
    pub fn header_of(&self, field: Field) -> String {
        self.columns
            .iter()
            .find(|c| c.field == Some(field))
            .map(|c| c.header.clone())
            .unwrap_or_else(|| field.label_zh().to_string())
    }
}

/// Corrections by header text: `Some(field)` maps the column, `None` ignores it.
pub type Overrides = BTreeMap<String, Option<Field>>;

pub fn column_letter(mut index: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).expect("ascii")
}

/// How far down a sheet the header may be (below a title, a blank line and instructions).
pub const HEADER_SEARCH_ROWS: usize = 50;

/// Finds the header row among the first rows (the one where most cells are known column
/// names) and maps its columns, applying `overrides` (the remembered ones and this session's).
/// `None` when no row has at least two known column names.
pub fn detect(table: &Table, kind: ImportKind, overrides: &Overrides) -> Option<Mapping> {
    let (header_index, hits) = table
        .rows
        .iter()
        .take(HEADER_SEARCH_ROWS)
        .enumerate()
        .map(|(i, row)| {
            let hits = row
                .cells
                .iter()
                .filter(|c| {
                    let h = c.text();
                    overrides.get(&h).map(|f| f.is_some()).unwrap_or_else(|| recognize(kind, &h).is_some())
                })
                .count();
            (i, hits)
        })
        .max_by_key(|&(i, hits)| (hits, std::cmp::Reverse(i)))?;
    if hits < 2 {
        return None;
    }
    let header = &table.rows[header_index];
    let mut taken = Vec::new();
    let columns = header
        .cells
        .iter()
        .enumerate()
        .map(|(index, cell)| {
            let text = cell.text();
            let (mut field, remembered) = match overrides.get(&text) {
                Some(f) => (*f, true),
                None => (recognize(kind, &text), false),
            };
            // A field maps to one column: the first that claims it. (A header merged over two
            // columns names the first; the second is ignored.)
            if field.is_some_and(|f| taken.contains(&f)) {
                field = None;
            }
            if let Some(f) = field {
                taken.push(f);
            }
            Column { index, letter: column_letter(index), header: text, field, remembered }
        })
        .collect();
    Some(Mapping { header_index, header_row: header.number, columns })
}

fn memory_key(kind: ImportKind) -> String {
    format!("import.mapping.{}", kind.as_str())
}

/// The corrections remembered for this kind of file.
pub fn remembered(store: &Store, kind: ImportKind) -> Result<Overrides> {
    let json: Option<String> = store
        .conn()
        .query_row("SELECT value FROM meta WHERE key = ?1", [memory_key(kind)], |r| r.get(0))
        .optional()?;
    Ok(json.and_then(|j| serde_json::from_str(&j).ok()).unwrap_or_default())
}

/// Remembers corrections (merged over earlier ones) for the next file of this kind, as part of
/// the import `pass` was granted for.
pub fn remember(store: &mut Store, pass: &crate::access::Pass, kind: ImportKind, overrides: &Overrides) -> Result<()> {
    if overrides.is_empty() {
        return Ok(());
    }
    let mut all = remembered(store, kind)?;
    all.extend(overrides.iter().map(|(k, v)| (k.clone(), *v)));
    let json = serde_json::to_string(&all).expect("plain map");
    pass.write(store, |w| {
        w.tx().execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [memory_key(kind), json],
        )?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::read::read;

    #[test]
    fn finds_the_header_below_a_title_and_maps_variants() {
        let t = read("XX小学 2026年秋季学期 学生名册,,,\n序号,学生姓名,身份证件号,学籍辅号,出生年月\n1,王小明,61092120130305001X,,2013-03\n".as_bytes()).unwrap().sheets.remove(0);
        let m = detect(&t, ImportKind::Roster, &Overrides::new()).unwrap();
        assert_eq!(m.header_row, 2);
        let fields: Vec<_> = m.columns.iter().map(|c| c.field).collect();
        assert_eq!(
            fields,
            [Some(Field::Serial), Some(Field::Name), Some(Field::ResidentId), Some(Field::NationalStudentNumber), Some(Field::BirthDate)]
        );
        assert_eq!(m.columns[3].letter, "D");
    }

    #[test]
    fn overrides_map_unknown_headers_and_ignore_known_ones() {
        let t = read("名字,证件,备注\n王小明,61092120130305001X,x\n".as_bytes()).unwrap().sheets.remove(0);
        assert!(detect(&t, ImportKind::Roster, &Overrides::new()).is_none(), "no known header");
        let o: Overrides = [("名字".to_string(), Some(Field::Name)), ("证件".to_string(), Some(Field::ResidentId))].into();
        let m = detect(&t, ImportKind::Roster, &o).unwrap();
        assert_eq!(m.column_of(Field::ResidentId), Some(1));
        assert!(m.columns[0].remembered);
    }

    #[test]
    fn corrections_are_remembered() {
        let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
        let o: Overrides = [("名字".to_string(), Some(Field::Name))].into();
        let pass = crate::access::ask(&store, crate::access::Action::Import).unwrap();
        remember(&mut store, &pass, ImportKind::Roster, &o).unwrap();
        remember(&mut store, &pass, ImportKind::Roster, &[("证件".to_string(), Some(Field::ResidentId))].into()).unwrap();
        let all = remembered(&store, ImportKind::Roster).unwrap();
        assert_eq!(all.len(), 2);
        assert!(remembered(&store, ImportKind::Households).unwrap().is_empty());
    }

    #[test]
    fn letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
    }
}
