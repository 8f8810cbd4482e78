use super::*;
use crate::household::{self, HouseholdInput, HouseholdStatus, PovertyCause};
use crate::member::{self, MemberInput};
use crate::resident_id::ResidentId;
use crate::store::Store;
use chrono::NaiveDate;
use proptest::prelude::*;

/// A valid ID number. The few that end in 000 (which an import takes for a number that lost
/// its digits) are made in another county, so that no two arguments give the same number.
fn id(y: i32, m: u32, d: u32, seq: u16) -> String {
    let birth = NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let id = ResidentId::compose("610921", birth, seq).as_str().to_string();
    if id.ends_with("000") {
        ResidentId::compose("610922", birth, seq).as_str().to_string()
    } else {
        id
    }
}

fn none() -> Choices {
    Choices::default()
}

fn mapped(o: Overrides) -> Choices {
    Choices { overrides: o, sheets: None }
}

fn import(store: &mut Store, kind: ImportKind, bytes: &[u8]) -> ImportReport {
    apply(store, kind, bytes, &none(), None, &mut |_, _| {}).unwrap()
}

fn check_sum(r: &ImportReport) {
    assert_eq!(r.imported + r.updated + r.unchanged + r.rejected, r.rows, "{r:?}");
}

/// A roster as schools get it: a title, a blank line, a 序号 column, variant headers, every
/// date spelling, full-width and lower-case ID numbers, stray spaces, a repeat, a conflict,
/// a bad check character, an impossible date, and a note under the table.
fn messy_roster() -> String {
    let a = id(2013, 3, 5, 1);
    let b = id(2014, 7, 19, 2);
    let c = id(2012, 11, 30, 3);
    let d = id(2015, 1, 2, 5);
    let fullwidth: String = b.chars().map(|ch| if ch.is_ascii_digit() { char::from_u32(ch as u32 + 0xfee0).unwrap() } else { ch }).collect();
    let bad_check = format!("{}{}", &c[..17], if c.ends_with('0') { '1' } else { '0' });
    let bad_date = a.replacen("20130305", "20130231", 1);
    let lower = d.to_lowercase();
    format!(
        "涧池镇中心小学 2026年秋季学期 学生名册,,,,,,,\n\
         ,,,,,,,\n\
         序号,学生姓名,身份证件号,学籍辅号,出生年月,性别,年级,班级,就读方式,是否留守儿童\n\
         1,王 小明,{a},G{a},2013/3/5,男,三年级,2班,住校,是\n\
         2,李娜,{fullwidth},,20140719,女,二年级,1班,走读,否\n\
         ,,,,,,,\n\
         3,张伟,{bad_check},,2012年11月30日,男,四年级,1班,走读,否\n\
         4,赵丽,{bad_date},,2013-02-31,女,三年级,1班,走读,否\n\
         5,王小明,{a},G{a},2013/3/5,男,三年级,2班,住校,是\n\
         6,王小明,{a},G{a},2013/3/5,男,四年级,2班,住校,是\n\
         7,陈晨,{lower},,2015-01,男,一年级,3班,走读,不知道\n\
         8,周杰,,G{d2},,男,初一,1班,住校,否\n\
         注：本表由学籍系统导出，请勿修改格式。,,,,,,,\n",
        d2 = id(2013, 9, 9, 7)
    )
}

#[test]
fn a_messy_roster_is_read_row_by_row_and_every_rejection_explained() {
    let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    let p = preview(&store, ImportKind::Roster, messy_roster().as_bytes(), &none()).unwrap();
    let r = &p.report;
    check_sum(r);
    assert_eq!(p.sheets[0].mapping.as_ref().unwrap().header_row, 3);
    assert_eq!(r.rows, 8, "blank rows, the title and the note are not data");
    assert_eq!((r.imported, r.unchanged, r.rejected), (3, 1, 4), "{r:#?}");
    let rows: Vec<(usize, &str)> = r.errors.iter().map(|e| (e.row, e.column.as_str())).collect();
    assert_eq!(rows, [(7, "身份证件号"), (8, "身份证件号"), (8, "出生年月"), (10, "身份证件号"), (11, "是否留守儿童")]);
    assert!(r.errors[0].message.contains("校验位"));
    assert!(r.errors[1].message.contains("出生日期"));
    assert!(r.errors[3].message.contains("第 4 行"), "{}", r.errors[3].message);
    assert_eq!(r.not_on_poverty_list, Some(3));

    let done = import(&mut store, ImportKind::Roster, messy_roster().as_bytes());
    assert_eq!((done.imported, done.rejected), (3, 4));
    let names: Vec<String> = store.conn().prepare("SELECT name FROM registration ORDER BY name").unwrap()
        .query_map([], |r| r.get(0)).unwrap().collect::<rusqlite::Result<_>>().unwrap();
    assert_eq!(names, ["周杰", "李娜", "王小明"], "names cleaned; G + ID number used as the ID");

    let again = import(&mut store, ImportKind::Roster, messy_roster().as_bytes());
    assert_eq!((again.imported, again.updated, again.unchanged, again.rejected), (0, 0, 4, 4), "importing twice changes nothing");
    assert_eq!(crate::registration::count(&store).unwrap(), 3);
}

#[test]
fn roster_students_attach_to_household_members_by_resident_id() {
    let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    let h = household::create(&mut store, &household::tests::input("0001", "王建国")).unwrap();
    let kid = member::create(&mut store, h.meta.id, &MemberInput { name: "王小明".into(), resident_id: id(2013, 3, 5, 1), ..Default::default() }).unwrap();
    assert!(kid.student.is_none());

    let roster = format!("姓名,身份证号,全国学籍号,年级,班级,就读方式\n王小明,{},G{},三年级,2班,住校\n李娜,{},,二年级,1班,走读\n", id(2013, 3, 5, 1), id(2013, 3, 5, 1), id(2014, 7, 19, 2));
    let r = import(&mut store, ImportKind::Roster, roster.as_bytes());
    assert_eq!(r.not_on_poverty_list, Some(1));
    let kid = member::get(store.conn(), kid.meta.id).unwrap();
    let s = kid.student.expect("the roster made the member a student");
    assert_eq!((s.fields.grade, s.fields.class_name.as_str(), s.fields.boarding), (Some(3), "2班", true));
    let unlinked = crate::registration::unlinked(&store).unwrap();
    assert_eq!(unlinked.len(), 1);
    assert_eq!(unlinked[0].name, "李娜");
    assert!(unlinked[0].resident_id_masked.contains("********"));
}

fn poverty_list() -> String {
    format!(
        "汉阴县建档立卡贫困户花名册\n\
         户编号,户主姓名,与户主关系,姓名,证件号码,镇,村,组,贫困户属性,脱贫状态,主要致贫原因\n\
         610921001,王建国,户主,王建国,{a},涧池镇,仁河村,3组,一般贫困户,未脱贫,因病、缺技术\n\
         610921001,王建国,之子,王小明,{b},涧池镇,仁河村,3组,一般贫困户,未脱贫,因病、缺技术\n\
         610921002,李红梅,户主,李红梅,{c},涧池镇,五爱村,1组,低保贫困户,已脱贫,因学\n\
         610921002,李红梅,之女,李娜,{d},涧池镇,五爱村,1组,低保贫困户,已脱贫,因学\n\
         610921003,张三,户主,张三,{bad},涧池镇,五爱村,2组,一般贫困户,未脱贫,因懒\n",
        a = id(1980, 1, 1, 11),
        b = id(2013, 3, 5, 1),
        c = id(1982, 5, 6, 22),
        d = id(2014, 7, 19, 2),
        bad = "61092119800101001"
    )
}

#[test]
fn the_poverty_list_makes_household_cards_and_reimporting_changes_nothing() {
    let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    let r = import(&mut store, ImportKind::Households, poverty_list().as_bytes());
    check_sum(&r);
    assert_eq!((r.rows, r.imported, r.rejected), (5, 4, 1), "{r:#?}");
    assert_eq!(r.errors.iter().map(|e| e.column.as_str()).collect::<Vec<_>>(), ["证件号码", "主要致贫原因"]);

    let list = household::list(&store, "", 10).unwrap();
    assert_eq!(list.len(), 2);
    let wang = crate::card::get(&store, list.iter().find(|h| h.head_name == "王建国").unwrap().id).unwrap();
    assert_eq!(wang.members.len(), 2);
    assert_eq!(wang.household.fields.poverty_causes, [PovertyCause::Illness, PovertyCause::LackOfSkills]);
    let li = list.iter().find(|h| h.head_name == "李红梅").unwrap();
    assert_eq!(li.status, HouseholdStatus::LiftedMonitored);
    assert_eq!(household::list(&store, "小明", 10).unwrap().len(), 1, "imported members are searchable");

    let again = import(&mut store, ImportKind::Households, poverty_list().as_bytes());
    assert_eq!((again.imported, again.updated, again.unchanged, again.rejected), (0, 0, 4, 1));

    // One change in the file updates one row; a member moved to another household is an update.
    let moved = poverty_list().replace("610921001,王建国,之子", "610921002,李红梅,之子").replace("仁河村,3组,一般贫困户,未脱贫,因病、缺技术\n610921002", "仁河村,3组,一般贫困户,未脱贫,因病、缺技术\n610921002");
    let r = import(&mut store, ImportKind::Households, moved.as_bytes());
    assert_eq!((r.updated, r.unchanged), (1, 3), "{r:#?}");
    let li = crate::card::get(&store, li.id).unwrap();
    assert_eq!(li.members.len(), 3);
    assert_eq!(crate::card::get(&store, wang.household.meta.id).unwrap().members.len(), 1);
}

#[test]
fn a_member_entered_by_hand_is_updated_not_duplicated() {
    let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    let h = household::create(&mut store, &HouseholdInput { household_number: "610921001".into(), ..household::tests::input("x", "王建国") }).unwrap();
    member::create(&mut store, h.meta.id, &MemberInput { name: "王小明".into(), resident_id: id(2013, 3, 5, 1), health: "哮喘".into(), ..Default::default() }).unwrap();
    import(&mut store, ImportKind::Households, poverty_list().as_bytes());
    let card = crate::card::get(&store, h.meta.id).unwrap();
    assert_eq!(card.members.iter().filter(|m| m.name == "王小明").count(), 1);
    assert_eq!(card.members.iter().find(|m| m.name == "王小明").unwrap().health, "哮喘", "what the file does not say is kept");
}

#[test]
fn xlsx_with_date_cells_and_gbk_csv_read_like_utf8() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("roster.xlsx");
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.merge_range(0, 0, 0, 4, "XX小学 学生名册", &Format::new()).unwrap();
    for (c, h) in ["序号", "姓名", "身份证号", "出生日期", "年级"].iter().enumerate() {
        sheet.write_string(1, c as u16, *h).unwrap();
    }
    let date = Format::new().set_num_format("yyyy-mm-dd");
    sheet.write_number(3, 0, 1).unwrap(); // row 4 in Excel; row 3 is blank
    sheet.write_string(3, 1, "王小明").unwrap();
    sheet.write_string(3, 2, id(2013, 3, 5, 1)).unwrap();
    sheet.write_datetime_with_format(3, 3, ExcelDateTime::from_ymd(2013, 3, 5).unwrap(), &date).unwrap();
    sheet.write_number(3, 4, 3).unwrap();
    sheet.write_string(4, 1, "李娜").unwrap();
    sheet.write_string(4, 2, "61092120140719002").unwrap();
    book.save(&path).unwrap();

    let store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    let r = dry_run(&store, ImportKind::Roster, &std::fs::read(&path).unwrap(), &none()).unwrap();
    assert_eq!((r.rows, r.imported, r.rejected), (2, 1, 1), "{r:#?}");
    assert_eq!(r.errors[0].row, 5, "the row number Excel shows");

    let csv = "姓名,身份证号,年级\n王小明,".to_string() + &id(2013, 3, 5, 1) + ",三年级\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(&csv);
    let a = dry_run(&store, ImportKind::Roster, csv.as_bytes(), &none()).unwrap();
    let b = dry_run(&store, ImportKind::Roster, &gbk, &none()).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.imported, 1);
}

#[test]
fn files_that_cannot_be_read_say_why() {
    let store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    let e = preview(&store, ImportKind::Roster, b"\x00\x01\x02binary\xff\xfe", &none()).unwrap_err();
    assert!(e.is_unreadable_file(), "{e:?}");
    let e = preview(&store, ImportKind::Roster, "甲,乙,丙\n1,2,3\n".as_bytes(), &none()).unwrap_err();
    assert_eq!(e.domain(), Some(&ImportError::NoHeader));
    let no_number = "姓名,身份证号\n王,1\n".as_bytes();
    let e = dry_run(&store, ImportKind::Households, no_number, &none()).unwrap_err();
    assert!(matches!(e.domain(), Some(ImportError::MissingColumn { column: "户编号", .. })), "{e:?}");
    assert!(e.message(crate::Lang::Zh).contains("户编号"));
    // The window gets the mapping, to point at the missing column.
    let p = preview(&store, ImportKind::Households, no_number, &none()).unwrap();
    assert_eq!(p.missing, [Field::HouseholdNumber]);
    assert_eq!(p.report.rows, 0);
}

#[test]
fn an_unknown_header_can_be_mapped_and_the_choice_is_remembered() {
    let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    let file = format!("名字,证件,备注\n王小明,{},x\n", id(2013, 3, 5, 1));
    assert_eq!(preview(&store, ImportKind::Roster, file.as_bytes(), &none()).unwrap_err().domain(), Some(&ImportError::NoHeader));
    let o: Overrides = [("名字".to_string(), Some(Field::Name)), ("证件".to_string(), Some(Field::ResidentId))].into();
    let r = apply(&mut store, ImportKind::Roster, file.as_bytes(), &mapped(o), None, &mut |_, _| {}).unwrap();
    assert_eq!(r.imported, 1);
    let again = preview(&store, ImportKind::Roster, file.as_bytes(), &none()).unwrap();
    assert_eq!(again.report.unchanged, 1, "the mapping was remembered");
}

#[test]
fn apply_refuses_a_plan_that_changed_after_the_preview() {
    let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    let file = format!("姓名,身份证号,年级\n王小明,{},三年级\n", id(2013, 3, 5, 1));
    let seen = preview(&store, ImportKind::Roster, file.as_bytes(), &none()).unwrap();
    // Meanwhile the same file was imported from elsewhere (the CLI): the plan is now "unchanged".
    import(&mut store, ImportKind::Roster, file.as_bytes());
    let e = apply(&mut store, ImportKind::Roster, file.as_bytes(), &none(), Some(&seen.fingerprint), &mut |_, _| {}).unwrap_err();
    assert_eq!(e.domain(), Some(&ImportError::PlanChanged));
    let fresh = preview(&store, ImportKind::Roster, file.as_bytes(), &none()).unwrap();
    apply(&mut store, ImportKind::Roster, file.as_bytes(), &none(), Some(&fresh.fingerprint), &mut |_, _| {}).unwrap();
}

#[test]
fn a_plan_kept_from_the_preview_is_not_written_after_another_program_changed_the_records() {
    // The preview's plan is kept for the import that follows it; a write by another program
    // (the CLI beside the window) in between means planning again, which here finds the plan
    // changed.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("school.db");
    let mut store = Store::open_unencrypted(&path, &crate::SCHEMA).unwrap();
    let file = format!("姓名,身份证号,年级\n王小明,{},三年级\n", id(2013, 3, 5, 1));
    let seen = preview(&store, ImportKind::Roster, file.as_bytes(), &none()).unwrap();
    let mut other = Store::open_unencrypted(&path, &crate::SCHEMA).unwrap();
    import(&mut other, ImportKind::Roster, file.as_bytes());
    let e = apply(&mut store, ImportKind::Roster, file.as_bytes(), &none(), Some(&seen.fingerprint), &mut |_, _| {}).unwrap_err();
    assert_eq!(e.domain(), Some(&ImportError::PlanChanged));
    // Nothing written in between: the kept plan is the one written, once.
    let other_file = format!("姓名,身份证号,年级\n李四,{},四年级\n", id(2012, 4, 6, 2));
    let seen = preview(&store, ImportKind::Roster, other_file.as_bytes(), &none()).unwrap();
    let done = apply(&mut store, ImportKind::Roster, other_file.as_bytes(), &none(), Some(&seen.fingerprint), &mut |_, _| {}).unwrap();
    assert_eq!((done.imported, done.rows), (1, 1));
    assert_eq!(registrations(&store).len(), 2);
    let again = apply(&mut store, ImportKind::Roster, other_file.as_bytes(), &none(), Some(&seen.fingerprint), &mut |_, _| {}).unwrap_err();
    assert_eq!(again.domain(), Some(&ImportError::PlanChanged), "a kept plan is used once");
}

#[test]
fn a_roster_row_that_changed_only_its_class_leaves_its_sealed_numbers_as_they_were() {
    let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    let number = id(2013, 3, 5, 1);
    import(&mut store, ImportKind::Roster, format!("姓名,身份证号,全国学籍号,年级,班级\n王小明,{number},G{number},三年级,1班\n").as_bytes());
    let sealed = |store: &Store| -> (String, String, String) {
        store
            .conn()
            .query_row("SELECT resident_id_sealed, national_student_number_sealed, birth_date_sealed FROM registration", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap()
    };
    let before = sealed(&store);
    let report = import(&mut store, ImportKind::Roster, format!("姓名,身份证号,全国学籍号,年级,班级\n王小明,{number},G{number},三年级,2班\n").as_bytes());
    assert_eq!(report.updated, 1);
    assert_eq!(sealed(&store), before, "the same numbers and date keep their seals byte for byte");
    let changes: String = store
        .conn()
        .query_row("SELECT changes FROM audit WHERE kind = 'registration' AND op = 'update'", [], |r| r.get(0))
        .unwrap();
    let fields: Vec<String> = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&changes).unwrap().keys().cloned().collect();
    assert_eq!(fields, ["class_name"], "only the class is an audited change");
}

#[test]
fn rejected_rows_are_written_to_fix_and_reimport() {
    let store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bytes = messy_roster().into_bytes();
    let p = preview(&store, ImportKind::Roster, &bytes, &none()).unwrap();
    let width = p.sheets[0].mapping.as_ref().unwrap().columns.len();
    for name in ["rejects.xlsx", "rejects.csv"] {
        let out = dir.path().join(name);
        let n = save_rejects(&store, ImportKind::Roster, &bytes, &none(), &out).unwrap();
        assert_eq!(n, 4);
        let back = read::read(&std::fs::read(&out).unwrap()).unwrap().sheets.remove(0);
        assert_eq!(back.rows.len(), 5, "header and four rows");
        assert_eq!(back.rows[0].get(width + 1).text(), "错误原因");
        assert!(back.rows[1].get(width + 1).text().contains("校验位"));
        // Fixed and re-imported, the rejects file is recognized as a roster again.
        assert!(preview(&store, ImportKind::Roster, &std::fs::read(&out).unwrap(), &none()).is_ok());
    }
    assert_eq!(p.report.errors.len(), p.report.row_errors_not_in_columns().count());
}

fn roster_file(rows: &[(String, String, i64)]) -> Vec<u8> {
    let mut s = String::from("姓名,身份证号,年级\n");
    for (name, rid, grade) in rows {
        s.push_str(&format!("{name},{rid},{grade}\n"));
    }
    s.into_bytes()
}

/// The roster as a holder reads it (the numbers opened), by number.
fn registrations(store: &Store) -> Vec<(String, String, Option<i64>)> {
    let mut rows: Vec<_> = crate::registration::all_by_digest(store.conn(), store.second()).unwrap().into_values().map(|(_, r)| (r.resident_id, r.name, r.grade)).collect();
    rows.sort();
    rows
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Importing the same rows any number of times, in any order and in any split into
    /// files, ends in the same database as importing them once.
    #[test]
    fn imports_of_the_same_rows_converge(
        people in proptest::collection::btree_map(0u16..400, (0usize..4, 1i64..=9), 1..25),
        splits in proptest::collection::vec(proptest::collection::vec(any::<proptest::sample::Index>(), 0..25), 1..4),
    ) {
        let names = ["王小明", "李娜", "张伟", "赵丽"];
        let rows: Vec<(String, String, i64)> = people
            .iter()
            .map(|(seq, (n, grade))| (names[*n].to_string(), id(2013, 3, 5, *seq), *grade))
            .collect();

        let mut once = Store::open_in_memory(&crate::SCHEMA).unwrap();
        import(&mut once, ImportKind::Roster, &roster_file(&rows));

        let mut many = Store::open_in_memory(&crate::SCHEMA).unwrap();
        for split in &splits {
            let part: Vec<_> = split.iter().map(|i| rows[i.index(rows.len())].clone()).collect();
            if !part.is_empty() {
                import(&mut many, ImportKind::Roster, &roster_file(&part));
            }
        }
        import(&mut many, ImportKind::Roster, &roster_file(&rows));
        let mut reversed = rows.clone();
        reversed.reverse();
        let last = import(&mut many, ImportKind::Roster, &roster_file(&reversed));
        prop_assert_eq!(last.unchanged, rows.len());
        prop_assert_eq!(registrations(&once), registrations(&many));
    }
}
