//! `huka import` on real files made here: .xlsx (rust_xlsxwriter), .xls (Python's xlwt, as
//! old Excel wrote them), and CSV in UTF-8 with a BOM and in GBK — with the defects real files
//! have. Also: a kill in the middle of an import leaves the database as it was.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use huka_core::ResidentId;

use serde_json::Value;

fn id(y: i32, m: u32, d: u32, seq: u16) -> String {
    ResidentId::compose("610921", NaiveDate::from_ymd_opt(y, m, d).unwrap(), seq).as_str().to_string()
}

fn huka(db: &Path, args: &[&str]) -> Output {
    huka_tests::huka_command(db, args).output().expect("huka runs")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("JSON on stdout; stderr: {}", String::from_utf8_lossy(&out.stderr)))
}

fn counts(v: &Value) -> (i64, i64, i64, i64, i64) {
    let n = |k: &str| v[k].as_i64().unwrap();
    let c = (n("rows"), n("imported"), n("updated"), n("unchanged"), n("rejected"));
    assert_eq!(c.1 + c.2 + c.3 + c.4, c.0, "the outcomes add up: {v}");
    c
}

fn error_rows(v: &Value) -> Vec<(i64, String)> {
    v["errors"].as_array().unwrap().iter().map(|e| (e["row"].as_i64().unwrap(), e["column"].as_str().unwrap().to_string())).collect()
}

/// The roster every format carries: a title, a blank row, a 序号 column, variant headers, a
/// full-width ID number, a lower-case x, a name with stray spaces, a repeated person, a bad
/// check character and an impossible birth date — then a note under the table.
/// Rows are (Excel row, cells); row 2 is left blank.
fn roster_rows() -> Vec<(u32, Vec<String>)> {
    let a = id(2013, 3, 5, 1);
    let b = id(2014, 7, 19, 2);
    let c = id(2012, 11, 30, 3);
    let x = id(2015, 1, 2, 5);
    assert!(x.ends_with('X') || x.chars().last().unwrap().is_ascii_digit());
    let wide: String = b.chars().map(|ch| if ch.is_ascii_digit() { char::from_u32(ch as u32 + 0xfee0).unwrap() } else { ch }).collect();
    let bad_check = format!("{}{}", &c[..17], if c.ends_with('0') { '1' } else { '0' });
    let bad_date = a.replacen("20130305", "20130231", 1);
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    vec![
        (1, s(&["涧池镇中心小学 2026年秋季学期 学生名册"])),
        (3, s(&["序号", "学生姓名", "身份证件号", "全国学籍号", "出生年月", "性别", "年级", "班级", "就读方式", "是否留守儿童"])),
        (4, s(&["1", "王 小明", &a, &format!("G{a}"), "2013/3/5", "男", "三年级", "2班", "住校", "是"])),
        (5, s(&["2", "李娜", &wide, "", "20140719", "女", "二年级", "1班", "走读", "否"])),
        (6, s(&["3", "张伟", &bad_check, "", "2012年11月30日", "男", "四年级", "1班", "走读", "否"])),
        (7, s(&["4", "赵丽", &bad_date, "", "2013-02-28", "女", "三年级", "1班", "走读", "否"])),
        (8, s(&["5", "王小明", &a, &format!("G{a}"), "2013/3/5", "男", "三年级", "2班", "住校", "是"])),
        (9, s(&["6", "陈晨", &x.to_lowercase(), "", "2015-01", "男", "一年级", "3班", "走读", "否"])),
        (11, s(&["注：本表由学籍系统导出。"])),
    ]
}

/// What every format of the roster must give.
fn check_roster_report(v: &Value) {
    assert_eq!(counts(v), (6, 3, 0, 1, 2), "{v:#}");
    assert_eq!(error_rows(v), [(6, "身份证件号".to_string()), (7, "身份证件号".to_string())]);
}

fn write_csv(rows: &[(u32, Vec<String>)], path: &Path, gbk: bool) {
    let mut text = String::new();
    let mut line = 1;
    for (n, cells) in rows {
        while line < *n {
            text.push('\n');
            line += 1;
        }
        text.push_str(&cells.join(","));
        text.push('\n');
        line += 1;
    }
    let bytes = if gbk { encoding_rs::GBK.encode(&text).0.into_owned() } else { [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat() };
    std::fs::write(path, bytes).unwrap();
}

fn write_xlsx(rows: &[(u32, Vec<String>)], path: &Path) {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (n, cells) in rows {
        let r = n - 1;
        if cells.len() == 1 && *n == 1 {
            sheet.merge_range(r, 0, r, 9, &cells[0], &Format::new()).unwrap();
            continue;
        }
        for (c, v) in cells.iter().enumerate() {
            let c = c as u16;
            if let (true, 0, Ok(x)) = (*n > 3, c, v.parse::<f64>()) {
                sheet.write_number(r, c, x).unwrap(); // 序号 as numbers
            } else if *n > 3 && c == 4 && v == "2013/3/5" {
                sheet.write_datetime_with_format(r, c, ExcelDateTime::from_ymd(2013, 3, 5).unwrap(), &date).unwrap();
            } else {
                sheet.write_string(r, c, v).unwrap();
            }
        }
    }
    book.save(path).unwrap();
}

fn write_xls(rows: &[(u32, Vec<String>)], path: &Path) -> bool {
    let data = serde_json::to_string(rows).unwrap();
    let script = r#"
import json, sys, datetime, xlwt
rows = json.loads(sys.argv[1])
book = xlwt.Workbook(encoding="utf-8")
sheet = book.add_sheet("学生名册")
date = xlwt.easyxf(num_format_str="YYYY-MM-DD")
for n, cells in rows:
    for c, v in enumerate(cells):
        if n > 3 and c == 0 and v.isdigit():
            sheet.write(n - 1, c, float(v))
        elif n > 3 and c == 4 and v == "2013/3/5":
            sheet.write(n - 1, c, datetime.date(2013, 3, 5), date)
        else:
            sheet.write(n - 1, c, v)
book.save(sys.argv[2])
"#;
    Command::new("python3").args(["-c", script, &data]).arg(path).status().map(|s| s.success()).unwrap_or(false)
}

struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new() -> Case {
        Case { dir: tempfile::tempdir().unwrap() }
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn db(&self) -> PathBuf {
        self.path("school.db")
    }
}

#[test]
fn the_roster_as_xlsx_xls_utf8_and_gbk_csv() {
    let rows = roster_rows();
    let case = Case::new();
    let files = [("roster.xlsx", 0), ("roster-bom.csv", 1), ("roster-gbk.csv", 2), ("roster.xls", 3)];
    for (name, how) in files {
        let f = case.path(name);
        match how {
            0 => write_xlsx(&rows, &f),
            1 => write_csv(&rows, &f, false),
            2 => write_csv(&rows, &f, true),
            _ => assert!(write_xls(&rows, &f), "python3 with xlwt writes .xls (scripts/install-deps.sh installs it)"),
        }
        let db = case.path(&format!("{name}.db"));
        let out = huka(&db, &["import", "roster", f.to_str().unwrap(), "--json"]);
        assert_eq!(out.status.code(), Some(1), "{name}: some rows rejected");
        check_roster_report(&json(&out));
        // The same file again: nothing new, nothing duplicated.
        let again = json(&huka(&db, &["import", "roster", f.to_str().unwrap(), "--json"]));
        assert_eq!(counts(&again), (6, 0, 0, 4, 2), "{name} again: {again:#}");
    }
}

#[test]
fn dry_run_writes_nothing_and_rejects_are_saved_for_fixing() {
    let case = Case::new();
    let f = case.path("roster.csv");
    write_csv(&roster_rows(), &f, true);
    let db = case.db();
    let dry = huka(&db, &["import", "roster", f.to_str().unwrap(), "--dry-run", "--json", "--rejects", case.path("rej.xlsx").to_str().unwrap()]);
    check_roster_report(&json(&dry));
    let stats = json(&huka(&db, &["stats", "--json"]));
    assert_eq!(stats["members"], 0);
    let again = json(&huka(&db, &["import", "roster", f.to_str().unwrap(), "--dry-run", "--json"]));
    assert_eq!(counts(&again).1, 3, "still new: the dry run wrote nothing");

    for out in ["rej.xlsx", "rej.csv"] {
        let path = case.path(out);
        let r = huka(&db, &["import", "roster", f.to_str().unwrap(), "--rejects", path.to_str().unwrap()]);
        assert_eq!(r.status.code(), Some(1));
        let table = huka_core::import::read::read(&std::fs::read(&path).unwrap()).unwrap().sheets.remove(0);
        assert_eq!(table.rows.len(), 3, "{out}: header and two rejected rows");
        let last = table.rows[1].cells.len() - 1;
        assert!(table.rows[1].cells[last].text().contains("校验位"), "{out}: the reason is given");
        assert_eq!(table.rows[1].cells[last - 1].text(), "6", "{out}: the original row number");
    }
}

#[test]
fn the_poverty_list_in_gbk_then_the_roster_links_students() {
    let case = Case::new();
    let db = case.db();
    let list = case.path("poverty.csv");
    let text = format!(
        "户编号,户主姓名,与户主关系,姓名,证件号码,镇,村,组,贫困户属性,脱贫状态,主要致贫原因\n\
         610921001,王建国,户主,王建国,{},涧池镇,仁河村,3组,一般贫困户,未脱贫,因病\n\
         610921001,王建国,之子,王小明,{},涧池镇,仁河村,3组,一般贫困户,未脱贫,因病\n",
        id(1980, 1, 1, 11),
        id(2013, 3, 5, 1)
    );
    std::fs::write(&list, encoding_rs::GBK.encode(&text).0).unwrap();
    let out = huka(&db, &["import", "households", list.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(0), "nothing rejected: {}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(counts(&json(&out)), (2, 2, 0, 0, 0));
    let households = json(&huka(&db, &["households", "list", "--search", "小明", "--json"]));
    assert_eq!(households[0]["headName"], "王建国");

    let roster = case.path("roster.csv");
    write_csv(&roster_rows(), &roster, false);
    let v = json(&huka(&db, &["import", "roster", roster.to_str().unwrap(), "--json"]));
    assert_eq!(v["notOnPovertyList"], 2, "王小明 is on the list; 李娜 and 陈晨 are not");
    let stats = json(&huka(&db, &["stats", "--json"]));
    assert_eq!(stats["students"], 1, "王小明's card now has him as a student");
}

#[test]
fn files_that_cannot_be_read_exit_2_with_one_sentence() {
    let case = Case::new();
    let db = case.db();
    let cases: [(&str, &[u8], &str); 3] = [
        ("photo.xlsx", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "not a spreadsheet"),
        ("broken.xlsx", b"PK\x03\x04this is no zip", "damaged"),
        ("noheader.csv", "甲,乙,丙\n1,2,3\n".as_bytes(), "header"),
    ];
    for (name, bytes, says) in cases {
        let f = case.path(name);
        std::fs::write(&f, bytes).unwrap();
        let out = huka(&db, &["import", "roster", f.to_str().unwrap(), "--json"]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{name}: {err}");
        assert!(err.contains(says), "{name}: {err}");
    }
    let missing = huka(&db, &["import", "roster", case.path("nope.csv").to_str().unwrap()]);
    assert_eq!(missing.status.code(), Some(2), "a path with no file is a file that cannot be read");
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no such file"));
}

/// Kills `huka import` at increasing moments: whenever the kill lands, the database holds
/// either none of the rows or all of them, and is intact.
#[test]
fn a_kill_in_the_middle_of_an_import_leaves_the_database_as_before() {
    let case = Case::new();
    let n = 20_000;
    let mut text = String::from("姓名,身份证号,年级,班级\n");
    for i in 0..n {
        let birth = NaiveDate::from_ymd_opt(2010, 1, 1).unwrap() + chrono::Days::new((i / 900) as u64);
        // (The few numbers ending in 000 are taken for numbers that lost digits: born in the next county.)
        let mut rid = ResidentId::compose("610921", birth, (i % 900) as u16).as_str().to_string();
        if rid.ends_with("000") {
            rid = ResidentId::compose("610922", birth, (i % 900) as u16).as_str().to_string();
        }
        text.push_str(&format!("学生{i},{rid},三年级,{}班\n", i % 5 + 1));
    }
    let file = case.path("big.csv");
    std::fs::write(&file, text).unwrap();
    let pristine = case.path("pristine.db");
    assert!(huka(&pristine, &["init", "--school-code", "1", "--school-name", "A"]).status.success());

    let mut killed_while_running = 0;
    let mut delay = Duration::from_millis(100);
    for attempt in 0..12 {
        let db = case.path(&format!("try{attempt}.db"));
        std::fs::copy(&pristine, &db).unwrap();
        std::fs::copy(huka_core::keyfile::path_of(&pristine), huka_core::keyfile::path_of(&db)).unwrap();
        let mut child = huka_tests::huka_command(&db, &["import", "roster", file.to_str().unwrap()]).spawn().unwrap();
        let started = Instant::now();
        std::thread::sleep(delay);
        let finished = child.try_wait().unwrap().is_some();
        let _ = child.kill();
        let _ = child.wait();
        if !finished {
            killed_while_running += 1;
        }
        let count: i64 = {
            let store = huka_core::session::unlock(&db, huka_tests::PRINCIPAL, huka_tests::PASSWORD).expect("the database opens after a kill");
            let ok: String = store.conn().query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
            assert_eq!(ok, "ok");
            huka_core::registration::count(&store).unwrap()
        };
        assert!(count == 0 || count == n as i64, "attempt {attempt}: {count} rows after a kill at {:?}", started.elapsed());
        if finished {
            assert_eq!(count, n as i64);
            break;
        }
        delay = delay * 3 / 2;
    }
    assert!(killed_while_running >= 2, "the import was interrupted at least twice");
}

#[test]
fn the_three_lists_compared_from_real_files_and_aid_coverage() {
    let case = Case::new();
    let db = case.db();
    let (xiaoming, xiaohong, xiaohua) = (id(2013, 3, 5, 1), id(2016, 5, 1, 2), id(2012, 6, 1, 3));
    let list = case.path("建档立卡户名单.csv");
    std::fs::write(
        &list,
        format!(
            "户编号,户主姓名,与户主关系,姓名,证件号码,镇,村,组,贫困户属性,脱贫状态,主要致贫原因\n\
             610921001,王建国,户主,王建国,{},涧池镇,仁河村,3组,一般贫困户,未脱贫,因病\n\
             610921001,王建国,之子,王小明,{xiaoming},涧池镇,仁河村,3组,一般贫困户,未脱贫,因病\n\
             610921001,王建国,之女,王小红,{xiaohong},涧池镇,仁河村,3组,一般贫困户,未脱贫,因病\n\
             610921002,李四,户主,李四,{},涧池镇,五爱村,1组,低保贫困户,未脱贫,因学\n\
             610921002,李四,之女,李小花,{xiaohua},涧池镇,五爱村,1组,低保贫困户,未脱贫,因学\n",
            id(1980, 1, 1, 11),
            id(1979, 2, 2, 13),
        ),
    )
    .unwrap();
    assert!(huka(&db, &["import", "households", list.to_str().unwrap()]).status.success());
    let (ghost, zhou1, zhou2) = (id(2014, 4, 4, 21), id(2015, 9, 9, 23), id(2015, 9, 9, 25));
    let roster = case.path("学籍名册.csv");
    std::fs::write(
        &roster,
        format!(
            "学生姓名,身份证件号,全国学籍号,出生年月,性别,年级,班级,就读方式,是否建档立卡\n\
             王小明,{xiaoming},G{xiaoming},2013-03-05,男,三年级,2班,住校,是\n\
             赵空,{ghost},G{ghost},2014-04-04,男,二年级,1班,走读,是\n\
             周同,{zhou1},G{zhou1},2015-09-09,男,一年级,1班,走读,否\n\
             周同,{zhou2},G{zhou2},2015-09-09,男,一年级,3班,走读,否\n"
        ),
    )
    .unwrap();
    let out = huka(&db, &["import", "roster", roster.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let r = json(&huka(&db, &["reconcile", "--json"]));
    let of = |kind: &str| -> Vec<(String, String)> {
        r["mismatches"].as_array().unwrap().iter().filter(|m| m["kind"] == kind).map(|m| (m["name"].as_str().unwrap().to_string(), m["reason"]["code"].as_str().unwrap().to_string())).collect()
    };
    let mut unregistered = of("unregistered");
    unregistered.sort();
    assert_eq!(unregistered, [("李小花".into(), "schoolAgeNotOnRoster".into()), ("王小红".into(), "schoolAgeNotOnRoster".into())]);
    assert_eq!(of("phantom"), [("赵空".to_string(), "poorButNoCard".to_string())]);
    assert_eq!(of("duplicate").len(), 2);
    assert_eq!(of("no_aid"), [("王小明".to_string(), "noGrantThisTerm".to_string())]);
    let text = serde_json::to_string(&r).unwrap();
    for full in [&xiaoming, &xiaohong, &xiaohua, &ghost] {
        assert!(!text.contains(full.as_str()), "the reconciliation lists masked ID numbers only");
    }
    // The plain listing says why, in a sentence.
    let plain = String::from_utf8(huka(&db, &["reconcile"]).stdout).unwrap();
    assert!(plain.contains("not on the roster") && plain.contains("registered-poor on the roster, but on no household card"), "{plain}");

    // Aid: 王小明 boards at a primary school — due the boarding subsidy and the nutrition
    // meals, and has neither.
    let term = chrono::Local::now().date_naive();
    let term = huka_core::term::Term::of(term).to_string();
    let c = json(&huka(&db, &["aid", "coverage", "--term", &term, "--json"]));
    assert_eq!((c["due"].as_i64(), c["covered"].as_i64()), (Some(2), Some(0)), "{c:#}");
    assert_eq!(c["missed"]["count"], 2);
    assert!(c["missed"]["items"].as_array().unwrap().iter().all(|m| m["name"] == "王小明"));
    let grants = json(&huka(&db, &["aid", "grants", "--json"]));
    assert_eq!(grants, serde_json::json!([]));
}

// ---- Workbooks shaped as county offices make them -------------------------------------------

use huka_tests::workbooks::{self, Ids};

fn error_references(v: &Value) -> Vec<String> {
    v["errors"].as_array().unwrap().iter().map(|e| e["reference"].as_str().unwrap().to_string()).collect()
}

/// A roster with a sheet per grade behind an instructions sheet, as .xlsx and as .xls: every
/// grade is imported, the totals equal the one-sheet file's, every sheet is in the report.
#[test]
fn a_roster_with_a_sheet_per_grade_imports_every_grade() {
    let school = workbooks::school([95, 80, 77, 81, 70, 78]);
    let case = Case::new();
    let single = case.path("全校.xlsx");
    workbooks::single_sheet_roster(&school, &single);
    let one = json(&huka(&case.path("one.db"), &["import", "roster", single.to_str().unwrap(), "--json"]));
    assert_eq!(counts(&one), (481, 481, 0, 0, 0));

    let xlsx = case.path("分年级.xlsx");
    workbooks::per_grade_roster(&school, Ids::Text, &xlsx);
    let xls = case.path("分年级.xls");
    assert!(workbooks::per_grade_roster_xls(&school, &xls), "python3 with xlwt writes .xls");
    for file in [&xlsx, &xls] {
        let db = case.path(&format!("{}.db", file.extension().unwrap().to_str().unwrap()));
        let out = huka(&db, &["import", "roster", file.to_str().unwrap(), "--json"]);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let v = json(&out);
        assert_eq!(counts(&v), (481, 481, 0, 0, 0), "{file:?}: {v:#}");
        let sheets: Vec<(&str, &str, i64)> = v["sheets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s["name"].as_str().unwrap(), s["status"].as_str().unwrap(), s["rows"].as_i64().unwrap()))
            .collect();
        assert_eq!(&sheets[..3], [("填表说明", "no_header", 0), ("一年级", "imported", 95), ("二年级", "imported", 80)], "{file:?}");
        assert_eq!(sheets.iter().map(|s| s.2).sum::<i64>(), 481);
        let stats = json(&huka(&db, &["stats", "--json"]));
        let single_stats = json(&huka(&case.path("one.db"), &["stats", "--json"]));
        assert_eq!(stats["registrations"], single_stats["registrations"], "{file:?}");
    }

    // The text report names the sheets and the skipped one, in Chinese.
    let out = huka_tests::huka_command(&case.path("zh.db"), &["import", "roster", "--dry-run", xlsx.to_str().unwrap()]).env("LANG", "zh_CN.UTF-8").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("跳过：填表说明 — 没有表头"), "{text}");
    assert!(text.contains("二年级：第 3 行是表头，80 行数据"), "{text}");
    assert!(text.contains("共 481 行：新增 481"), "{text}");

    // --sheet restricts; an unknown sheet is refused with the names there are.
    let only = json(&huka(&case.path("only.db"), &["import", "roster", xlsx.to_str().unwrap(), "--sheet", "二年级", "--sheet", "六年级", "--json"]));
    assert_eq!(counts(&only).0, 158);
    let unknown = huka(&case.path("only.db"), &["import", "roster", xlsx.to_str().unwrap(), "--sheet", "七年级"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("一年级"), "the sheets there are");
}

/// The poverty list with each household's cells merged over its members' rows (.xlsx and
/// .xls) makes the same cards as the unmerged list.
#[test]
fn a_poverty_list_with_merged_household_cells_equals_the_unmerged_one() {
    let households = workbooks::households(150);
    let people: usize = households.iter().map(|h| h.members.len()).sum();
    let case = Case::new();
    let plain = case.path("plain.xlsx");
    workbooks::poverty_list(&households, false, &plain);
    let merged = case.path("merged.xlsx");
    workbooks::poverty_list(&households, true, &merged);
    let xls = case.path("merged.xls");
    assert!(workbooks::poverty_list_xls(&households, &xls));
    let mut listings = Vec::new();
    for file in [&plain, &merged, &xls] {
        let db = case.path(&format!("{}.db", file.file_name().unwrap().to_str().unwrap()));
        let v = json(&huka(&db, &["import", "households", file.to_str().unwrap(), "--json"]));
        assert_eq!(counts(&v), (people as i64, people as i64, 0, 0, 0), "{file:?}: {:#}", v["errors"]);
        listings.push(json(&huka(&db, &["households", "list", "--json"])));
    }
    let strip = |v: &Value| -> Vec<(String, String, i64)> {
        let mut out: Vec<_> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (h["householdNumber"].as_str().unwrap().to_string(), h["headName"].as_str().unwrap().to_string(), h["memberCount"].as_i64().unwrap_or(-1)))
            .collect();
        out.sort();
        out
    };
    assert_eq!(strip(&listings[0]).len(), 150);
    assert_eq!(strip(&listings[0]), strip(&listings[1]), "merged .xlsx");
    assert_eq!(strip(&listings[0]), strip(&listings[2]), "merged .xls");
}

/// ID numbers typed into General cells: no row is imported with a number-derived ID, the
/// report leads with one sentence about the column, and the CSV Excel saves of it likewise.
#[test]
fn id_numbers_stored_as_numbers_are_refused_for_the_real_cause() {
    let school = workbooks::school([40, 40, 40, 40, 40, 40]);
    let with_x = school.iter().filter(|s| s.resident_id.ends_with('X')).count() as i64;
    let case = Case::new();
    let xlsx = case.path("数字.xlsx");
    workbooks::per_grade_roster(&school, Ids::Numbers, &xlsx);
    let csv = case.path("数字.csv");
    workbooks::roster_csv_saved_by_excel(&school, &csv);
    for file in [&xlsx, &csv] {
        let db = case.path("n.db");
        let _ = std::fs::remove_file(&db);
        let out = huka(&db, &["import", "roster", file.to_str().unwrap(), "--json"]);
        assert_eq!(out.status.code(), Some(1), "{file:?}");
        let v = json(&out);
        assert_eq!(counts(&v), (240, with_x, 0, 0, 240 - with_x), "{file:?}");
        assert!(v["errors"].as_array().unwrap().iter().all(|e| e["code"] == "digits_lost"), "{file:?}");
        assert_eq!(v["columns"].as_array().unwrap().len(), 1, "{file:?}");
        // What is on the roster is exactly the ID numbers that stayed text.
        let registered = json(&huka(&db, &["stats", "--json"]))["registrations"].as_i64().unwrap();
        assert_eq!(registered, with_x);

        let out = huka_tests::huka_command(&case.path("t.db"), &["import", "roster", "--dry-run", file.to_str().unwrap()]).env("LANG", "zh_CN.UTF-8").output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let first = text.lines().find(|l| !l.starts_with("跳过") && !l.contains("行是表头")).unwrap();
        assert!(first.contains("身份证号被存成了数字，后几位已丢失：请把该列设为文本，从学籍系统重新导出"), "{text}");
        assert!(text.lines().count() < 20, "one sentence, not a line per row: {text}");
    }
    let refs = error_references(&json(&huka(&case.path("r.db"), &["import", "roster", xlsx.to_str().unwrap(), "--dry-run", "--json"])));
    assert_eq!(refs[0], "一年级!4", "row references name the sheet");
}

fn listing(db: &Path) -> Vec<(String, String, i64)> {
    let v = json(&huka(db, &["households", "list", "--json"]));
    let mut out: Vec<_> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["householdNumber"].as_str().unwrap().to_string(), h["headName"].as_str().unwrap().to_string(), h["memberCount"].as_i64().unwrap_or(-1)))
        .collect();
    out.sort();
    out
}

/// The aid office's 贫困学生花名册 (one row per student, no 户编号) as .xlsx with a title and
/// merged household cells, and as Excel's GBK CSV: households keyed by the head's ID number,
/// the head and each student members, never an ID number as the household number; the
/// preview says which key it used; re-importing changes nothing.
#[test]
fn the_student_list_without_household_numbers_is_keyed_by_the_heads_id_number() {
    let households = workbooks::households(60);
    let with_students: Vec<&workbooks::Household> = households.iter().filter(|h| h.members.len() > 1).collect();
    let students: usize = with_students.iter().map(|h| h.members.len() - 1).sum();
    let case = Case::new();
    let merged = case.path("花名册.xlsx");
    workbooks::student_list(&households, true, &merged);
    let csv = case.path("花名册.csv");
    workbooks::student_list_csv(&households, &csv);
    let mut listings = Vec::new();
    for file in [&merged, &csv] {
        let db = case.path(&format!("{}.db", file.extension().unwrap().to_str().unwrap()));
        let dry = json(&huka(&db, &["import", "households", "--dry-run", file.to_str().unwrap(), "--json"]));
        assert_eq!(dry["sheets"].as_array().unwrap().iter().find(|s| s["status"] == "imported").unwrap()["householdKey"], "head_resident_id", "{file:?}");
        let out = huka(&db, &["import", "households", file.to_str().unwrap(), "--json"]);
        assert_eq!(out.status.code(), Some(0), "{file:?}: {}", String::from_utf8_lossy(&out.stdout));
        assert_eq!(counts(&json(&out)), (students as i64, students as i64, 0, 0, 0), "{file:?}");
        let list = listing(&db);
        assert_eq!(list.len(), with_students.len(), "{file:?}");
        for (number, head, members) in &list {
            assert!(number.starts_with("自编") && number.chars().count() == 14, "{number}");
            assert!(!households.iter().flat_map(|h| &h.members).any(|m| number.contains(&m.2[..6])), "no ID number in {number}");
            assert!(head.starts_with("户主"));
            assert!(*members >= 2);
        }
        // 家庭人口 is the household's, one more than the card lists (the list's own number).
        let (number, head, members) = list.iter().find(|l| l.2 >= 3).unwrap();
        let card = json(&huka(&db, &["households", "show", number, "--json"]));
        let h = households.iter().find(|h| &h.members[0].1 == head).unwrap();
        assert_eq!(card["household"]["familySize"], workbooks::family_size(h), "{file:?}: {card}");
        assert_eq!(card["members"].as_array().unwrap().len() as i64, *members);
        assert_eq!(workbooks::family_size(h) as i64, members + 1);
        // The same file again changes nothing.
        let again = json(&huka(&db, &["import", "households", file.to_str().unwrap(), "--json"]));
        assert_eq!(counts(&again), (students as i64, 0, 0, students as i64, 0), "{file:?}");
        // The students are students of their grade and class.
        let stats = json(&huka(&db, &["stats", "--json"]));
        assert_eq!(stats["students"].as_i64(), Some(students as i64), "{stats}");
        let mut cards: Vec<(String, i64)> = list.into_iter().map(|(_, head, n)| (head, n)).collect();
        cards.sort();
        listings.push(cards);
    }
    assert_eq!(listings[0], listings[1], "the merged .xlsx and the CSV make the same cards");

    // The text preview says which key it used.
    let out = huka_tests::huka_command(&case.path("zh.db"), &["import", "households", "--dry-run", merged.to_str().unwrap()]).env("LANG", "zh_CN.UTF-8").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("没有户编号，按“户主身份证号”归户"), "{text}");
    let poverty = case.path("建档立卡.xlsx");
    workbooks::poverty_list(&households, true, &poverty);
    let out = huka_tests::huka_command(&case.path("zh.db"), &["import", "households", "--dry-run", poverty.to_str().unwrap()]).env("LANG", "zh_CN.UTF-8").output().unwrap();
    assert!(String::from_utf8(out.stdout).unwrap().contains("按“户编号”归户"));
}

/// The 建档立卡 list (with 户编号) and the 花名册 (without) of the same families make one
/// household each, in either order, matched by the head's ID number; the 户编号 replaces the
/// number Huka made; importing either again changes nothing.
#[test]
fn the_poverty_list_and_the_student_list_make_one_household_each_in_either_order() {
    let households = workbooks::households(40);
    let case = Case::new();
    let poverty = case.path("建档立卡.xlsx");
    workbooks::poverty_list(&households, true, &poverty);
    let students = case.path("花名册.xlsx");
    workbooks::student_list(&households, true, &students);
    let mut finals = Vec::new();
    for order in [[&poverty, &students], [&students, &poverty]] {
        let db = case.path(&format!("{}.db", finals.len()));
        for file in order {
            let out = huka(&db, &["import", "households", file.to_str().unwrap(), "--json"]);
            assert_eq!(out.status.code(), Some(0), "{file:?}: {}", String::from_utf8_lossy(&out.stdout));
        }
        let list = listing(&db);
        assert_eq!(list.len(), 40, "one household each: {list:?}");
        let numbers: Vec<&str> = list.iter().map(|l| l.0.as_str()).collect();
        let mut expected: Vec<&str> = households.iter().map(|h| h.number.as_str()).collect();
        expected.sort();
        assert_eq!(numbers, expected, "the 户编号 of the list, none made by Huka");
        let card = json(&huka(&db, &["households", "show", &households[3].number, "--json"]));
        assert_eq!(card["household"]["familySize"], workbooks::family_size(&households[3]), "both lists say it: {card}");
        for file in order {
            let v = json(&huka(&db, &["import", "households", file.to_str().unwrap(), "--json"]));
            let (rows, _, _, unchanged, _) = counts(&v);
            assert_eq!(unchanged, rows, "{file:?} again changes nothing: {v:#}");
        }
        finals.push(list);
    }
    assert_eq!(finals[0], finals[1], "the same cards in either order");
}

/// One workbook holding the 建档立卡 sheet (with 户编号) and the 花名册 sheet of the same
/// families, new to Huka, in either order: one household each, under its 户编号, the students
/// with their classes from the 花名册; the workbook again changes nothing.
#[test]
fn one_workbook_with_both_lists_makes_one_household_each() {
    let households = workbooks::households(40);
    let people: usize = households.iter().map(|h| h.members.len()).sum();
    let students: usize = households.iter().map(|h| h.members.len() - 1).sum();
    let case = Case::new();
    for student_list_first in [false, true] {
        let book = case.path(&format!("两表-{student_list_first}.xlsx"));
        workbooks::both_lists(&households, student_list_first, &book);
        let db = case.path(&format!("both-{student_list_first}.db"));
        let out = huka(&db, &["import", "households", book.to_str().unwrap(), "--json"]);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
        let v = json(&out);
        let (rows, _, _, _, rejected) = counts(&v);
        assert_eq!((rows, rejected), ((people + students) as i64, 0), "{v:#}");
        let list = listing(&db);
        assert_eq!(list.len(), 40, "one household each, not a 自编 card beside the numbered one: {list:?}");
        let mut expected: Vec<(String, String, i64)> = households.iter().map(|h| (h.number.clone(), h.members[0].1.clone(), h.members.len() as i64)).collect();
        expected.sort();
        assert_eq!(list, expected, "the 户编号, the head, every member once");
        let stats = json(&huka(&db, &["stats", "--json"]));
        assert_eq!(stats["students"].as_i64(), Some(students as i64), "the 花名册's classes are on the members: {stats}");
        let card = json(&huka(&db, &["households", "show", &households[3].number, "--json"]));
        assert_eq!(card["household"]["familySize"], workbooks::family_size(&households[3]));
        let again = json(&huka(&db, &["import", "households", book.to_str().unwrap(), "--json"]));
        let (rows, _, _, unchanged, _) = counts(&again);
        assert_eq!(unchanged, rows, "the workbook again changes nothing: {again:#}");
    }
}
