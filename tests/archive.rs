//! `huka archive` on a demo school: real PDFs read back with poppler's tools — `pdftotext`
//! finds the names, `pdffonts` an embedded subset of the Chinese font, and the default
//! archive holds no full resident ID number. `pdftoppm` renders a page (to look at by hand:
//! `HUKA_PAGES=dir cargo test -p huka-tests --test archive -- --nocapture` keeps the PNGs).
//! Full ID numbers are the principal's: a teacher is refused, the principal's full archive is
//! in the audit trail.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use huka_core::{card, household, ResidentId, Store};
use huka_tests::{huka_command, PASSWORD, PRINCIPAL};
use serde_json::Value;

/// `huka --db DB ARGS`, logged in as the principal.
fn huka(db: &Path, args: &[&str]) -> Output {
    huka_command(db, args).output().expect("huka runs")
}

/// The school's database, opened as the principal.
fn open(db: &Path) -> Store {
    huka_core::session::unlock(db, PRINCIPAL, PASSWORD).unwrap()
}

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn term() -> String {
    let today = chrono::Local::now().date_naive();
    huka_core::term::Term::of(today).to_string()
}

fn demo_school(dir: &Path, students: &str) -> PathBuf {
    let db = dir.join("school.db");
    ok(&huka(&db, &["init", "--school-code", "2161092101", "--school-name", "涧池镇九年制学校", "--town", "涧池镇"]));
    ok(&huka(&db, &["demo", "--students", students, "--seed", "11"]));
    db
}

fn tool(name: &str, args: &[&str], file: &Path) -> String {
    let out = Command::new(name).args(args).arg(file).output().unwrap_or_else(|e| panic!("{name} (poppler-utils, scripts/install-deps.sh): {e}"));
    assert!(out.status.success(), "{name} {}: {}", file.display(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).to_string()
}

fn text_of(pdf: &Path) -> String {
    let out = Command::new("pdftotext").args(["-enc", "UTF-8", "-layout"]).arg(pdf).arg("-").output().expect("pdftotext (poppler-utils)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Every valid resident ID number in a text.
fn full_ids(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars.windows(18).map(|w| w.iter().collect::<String>()).filter(|s| ResidentId::parse(s).is_ok()).collect()
}

#[test]
fn the_archive_of_a_demo_school_reads_back_with_names_a_subset_font_and_masked_ids() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_school(dir.path(), "24");
    let out_dir = dir.path().join("档案");
    let out = huka(&db, &["archive", "--term", &term(), "--out", out_dir.to_str().unwrap(), "--archivist", "张档案", "--json"]);
    let written: Value = serde_json::from_str(&ok(&out)).unwrap();
    let cards = written["cards"].as_array().unwrap();
    let store = open(&db);
    let households = household::list(&store, "", i64::MAX as usize).unwrap();
    assert_eq!(cards.len(), households.len());
    let files: Vec<String> = std::fs::read_dir(&out_dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().to_string()).collect();
    assert_eq!(files.len(), households.len() + 1, "a card per household and the volume: {files:?}");

    // Each card is `<household number>-<head name>.pdf` and holds the family's names.
    for h in households.iter().take(3) {
        let name = format!("{}-{}.pdf", h.household_number, h.head_name);
        assert!(files.contains(&name), "{name} in {files:?}");
        let text = text_of(&out_dir.join(&name));
        let card = card::get(&store, h.id).unwrap();
        for m in &card.members {
            assert!(text.contains(&m.name), "{} on the card of {}", m.name, h.head_name);
        }
        // Typst sets the gap between a Chinese character and a digit itself, which pdftotext
        // may or may not read as a space: compare without spaces.
        let packed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        for needle in ["建档立卡户档案", "涧池镇九年制学校", "张档案", "第1页", "家庭成员", "控辍保学", &h.household_number] {
            assert!(packed.contains(needle), "{needle} in the card of {}", h.head_name);
        }
        let pages: usize = tool("pdfinfo", &[], &out_dir.join(&name)).lines().find_map(|l| l.strip_prefix("Pages:")).unwrap().trim().parse().unwrap();
        assert!(packed.contains(&format!("第{pages}页共{pages}页")), "第 N 页 共 {pages} 页");
        assert!(full_ids(&text).is_empty(), "no full ID number in the default archive");
    }

    // The volume: a table of contents naming every household, and every card after it.
    let volume = PathBuf::from(written["volume"]["path"].as_str().unwrap());
    assert_eq!(volume.file_name().unwrap().to_string_lossy(), format!("档案总册-{}.pdf", term_zh(&term())));
    let text = text_of(&volume);
    assert!(text.contains("目"), "a table of contents");
    for h in &households {
        assert!(text.matches(h.head_name.as_str()).count() >= 2, "{} in the contents and on the card", h.head_name);
    }
    assert!(full_ids(&text).is_empty(), "no full ID number in the default volume");

    // The font: a subset of the Chinese font, embedded.
    let fonts = tool("pdffonts", &[], &volume);
    let cjk: Vec<&str> = fonts.lines().filter(|l| l.contains("+NotoSansCJK") || l.contains("+WenQuanYi")).collect();
    assert!(!cjk.is_empty(), "{fonts}");
    for line in &cjk {
        let cols: Vec<&str> = line.split_whitespace().collect();
        // name type encoding emb sub uni object ID: emb and sub are "yes".
        assert_eq!(&cols[cols.len() - 5..cols.len() - 3], ["yes", "yes"], "embedded subset: {line}");
    }

    // A page renders (kept for a person to look at with HUKA_PAGES=dir).
    let keep = std::env::var_os("HUKA_PAGES").map(PathBuf::from);
    let png_dir = keep.clone().unwrap_or_else(|| dir.path().join("png"));
    std::fs::create_dir_all(&png_dir).unwrap();
    let card = out_dir.join(format!("{}-{}.pdf", households[0].household_number, households[0].head_name));
    for (pdf, prefix, pages) in [(&card, "card", "3"), (&volume, "volume", "3")] {
        let out = Command::new("pdftoppm").args(["-png", "-r", "70", "-f", "1", "-l", pages]).arg(pdf).arg(png_dir.join(prefix)).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    assert!(std::fs::read_dir(&png_dir).unwrap().count() >= 4);
}

fn term_zh(term: &str) -> String {
    let (year, season) = term.split_once('-').unwrap();
    format!("{year}年{}学期", if season == "autumn" { "秋季" } else { "春季" })
}

#[test]
fn one_household_by_number_and_full_ids_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_school(dir.path(), "10");
    let store = open(&db);
    let h = household::list(&store, "", 1).unwrap().remove(0);
    let out_dir = dir.path().join("one");
    let out = huka(&db, &["archive", "--term", &term(), "--out", out_dir.to_str().unwrap(), "--household", &h.household_number, "--full-ids"]);
    let printed = ok(&out);
    let expected = out_dir.join(format!("{}-{}.pdf", h.household_number, h.head_name));
    assert_eq!(printed.trim(), expected.to_str().unwrap(), "one file, no volume");
    assert_eq!(std::fs::read_dir(&out_dir).unwrap().count(), 1);
    let card = card::get(&store, h.id).unwrap();
    let text = text_of(&expected);
    let ids: Vec<&str> = card.members.iter().map(|m| m.resident_id.as_str()).filter(|id| !id.is_empty()).collect();
    assert!(!ids.is_empty());
    for id in ids {
        assert!(text.contains(id), "the full number, as asked");
    }

    let missing = huka(&db, &["archive", "--term", &term(), "--out", out_dir.to_str().unwrap(), "--household", "no-such"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("not found"));
}

#[test]
fn no_chinese_font_is_one_clear_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_school(dir.path(), "4");
    let empty = dir.path().join("no-fonts");
    std::fs::create_dir_all(&empty).unwrap();
    let out = huka_command(&db, &["archive", "--term", &term(), "--out"])
        .arg(dir.path().join("out"))
        .env("LANG", "zh_CN.UTF-8")
        .env("HUKA_FONT_DIR", &empty)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("中文字体") && err.contains("fonts-noto-cjk"), "{err}");
    assert!(!dir.path().join("out").exists(), "nothing written");
}

#[test]
fn a_teacher_is_refused_full_ids_and_the_principals_full_archive_is_in_the_audit_trail() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_school(dir.path(), "6");
    let add = huka_command(&db, &["users", "add", "--name", "li", "--role", "teacher"]).env("HUKA_NEW_PASSWORD", "teacher-pass").output().unwrap();
    ok(&add);
    let as_teacher = |args: &[&str]| huka_command(&db, args).env("HUKA_USER", "li").env("HUKA_PASSWORD", "teacher-pass").output().unwrap();
    let full_archives = || -> Vec<Value> {
        let trail: Value = serde_json::from_str(&ok(&huka(&db, &["audit", "list", "--json"]))).unwrap();
        trail.as_array().unwrap().iter().filter(|e| e["op"] == "archive_full_ids").cloned().collect()
    };

    let refused_dir = dir.path().join("refused");
    let out = as_teacher(&["archive", "--term", &term(), "--out", refused_dir.to_str().unwrap(), "--full-ids"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("Not allowed") && err.contains("li (teacher)") && err.contains("full ID numbers"), "{err}");
    assert!(!refused_dir.exists(), "nothing written");
    // … nor name the archivist (the school's setting).
    let out = as_teacher(&["archive", "--term", &term(), "--out", refused_dir.to_str().unwrap(), "--archivist", "李老师"]);
    assert_eq!(out.status.code(), Some(1));

    // The teacher's masked archive: every card, no full ID number.
    let masked = dir.path().join("masked");
    let out = as_teacher(&["archive", "--term", &term(), "--out", masked.to_str().unwrap(), "--json"]);
    let written: Value = serde_json::from_str(&ok(&out)).unwrap();
    let households = household::list(&open(&db), "", i64::MAX as usize).unwrap().len();
    assert_eq!(written["cards"].as_array().unwrap().len(), households);
    assert!(full_ids(&text_of(Path::new(written["volume"]["path"].as_str().unwrap()))).is_empty());
    assert!(full_archives().is_empty(), "a refusal and a masked archive leave no full-archive entry");

    // The principal's full archive: one entry, by the principal, naming the term.
    let full = dir.path().join("full");
    ok(&huka(&db, &["archive", "--term", &term(), "--out", full.to_str().unwrap(), "--full-ids"]));
    let entries = full_archives();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["account"], PRINCIPAL, "{entries:?}");
    assert_eq!(entries[0]["recordId"], term());
    let verdict: Value = serde_json::from_str(&ok(&huka(&db, &["audit", "verify", "--json"]))).unwrap();
    assert!(verdict["broken"].is_null(), "{verdict}");
}

/// `huka aid cards`: the families' policy cards (明白卡) as one PDF — every household with a
/// student, one household, or a class — with whom to call (`huka aid contacts`), read back with
/// `pdftotext`: the names and amounts are there, no ID number, health or cause of poverty.
#[test]
fn policy_cards_through_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_school(dir.path(), "40");
    ok(&huka(&db, &["aid", "contacts", "--officer", "赵专干", "--phone", "139-1234-5678", "--hotline", "12345"]));
    let out_dir = dir.path().join("明白卡");
    let w: Value = serde_json::from_str(&ok(&huka(&db, &["aid", "cards", "--term", &term(), "--out", out_dir.to_str().unwrap(), "--json"]))).unwrap();
    let pdf = PathBuf::from(w["path"].as_str().unwrap());
    assert_eq!(pdf.file_name().unwrap().to_string_lossy(), format!("明白卡-{}.pdf", term_zh(&term())));
    assert_eq!(std::fs::read_dir(&out_dir).unwrap().count(), 1, "one PDF");
    let cards = w["cards"].as_u64().unwrap() as usize;
    let pages: usize = tool("pdfinfo", &[], &pdf).lines().find_map(|l| l.strip_prefix("Pages:")).unwrap().trim().parse().unwrap();
    assert_eq!(pages, w["pages"].as_u64().unwrap() as usize);
    assert!(pages >= cards && cards > 5);
    assert!(tool("pdfinfo", &[], &pdf).contains("419.528 x 595.276"), "A5 by default");

    let text = text_of(&pdf);
    let packed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let store = open(&db);
    let grants: Vec<_> = huka_core::aid::grants(store.conn(), &huka_core::aid::GrantFilter { term: Some(huka_core::term::Term::parse(&term()).unwrap()), ..Default::default() }, usize::MAX).unwrap();
    assert!(!grants.is_empty());
    for g in grants.iter().filter(|g| g.status != huka_core::aid::GrantStatus::Reversed) {
        assert!(packed.contains(&g.student_name), "{}", g.student_name);
        assert!(packed.contains(&huka_core::aid::yuan(g.amount_fen)));
    }
    for needle in ["教育惠民政策明白卡", "赵专干", "13912345678", "县学生资助中心热线", "12345"] {
        assert!(packed.contains(needle), "{needle}");
    }
    assert!(full_ids(&text).is_empty() && !text.contains("****"), "no ID number, masked or not");
    let private: Vec<(String, String)> = store
        .conn()
        .prepare("SELECT m.health, h.phone FROM member m JOIN household h ON h.id = m.household_id WHERE m.deleted_at IS NULL")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for (health, phone) in &private {
        assert!(health.is_empty() || !packed.contains(&health.replace(' ', "")), "health {health}");
        assert!(phone.is_empty() || !packed.contains(phone.as_str()), "the family's phone");
    }
    for word in ["身份证", "残疾", "致贫", "因病", "健康"] {
        assert!(!packed.contains(word), "{word}");
    }

    // One household, on A4; a class; refusals.
    let h = household::list(&store, "", 1).unwrap().remove(0);
    let one_dir = dir.path().join("一户");
    let one: Value = serde_json::from_str(&ok(&huka(&db, &["aid", "cards", "--term", &term(), "--out", one_dir.to_str().unwrap(), "--household", &h.household_number, "--paper", "a4", "--json"]))).unwrap();
    assert_eq!(one["cards"], 1);
    let one_pdf = PathBuf::from(one["path"].as_str().unwrap());
    assert!(one_pdf.file_name().unwrap().to_string_lossy().contains(&h.head_name));
    assert!(tool("pdfinfo", &[], &one_pdf).contains("595.276 x 841.89"), "A4");
    let g = grants.iter().find(|g| g.grade.is_some() && !g.class_name.is_empty()).unwrap();
    let class = format!("{}-{}", g.grade.unwrap(), g.class_name);
    let class_dir = dir.path().join("一班");
    let by_class: Value = serde_json::from_str(&ok(&huka(&db, &["aid", "cards", "--term", &term(), "--out", class_dir.to_str().unwrap(), "--class", &class, "--json"]))).unwrap();
    assert!(by_class["cards"].as_u64().unwrap() >= 1 && by_class["cards"].as_u64().unwrap() < cards as u64);
    assert!(text_of(Path::new(by_class["path"].as_str().unwrap())).contains(&g.student_name));
    let plain = ok(&huka(&db, &["aid", "cards", "--term", &term(), "--out", class_dir.to_str().unwrap(), "--class", &class]));
    assert!(plain.contains("户") || plain.contains("households"), "{plain}");
    let t = term();
    for bad in [vec!["--teacher", "无此人"], vec!["--household", "no-such"], vec!["--class", "三-2"]] {
        let mut args = vec!["aid", "cards", "--term", t.as_str(), "--out", class_dir.to_str().unwrap()];
        args.extend(bad.iter().copied());
        let out = huka(&db, &args);
        assert!(!out.status.success(), "{bad:?}");
        assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    }
}
