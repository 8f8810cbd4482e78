//! `huka dropout`: the weekly zero report and the list of cases, on a real database file.

use std::path::Path;
use std::process::Output;

use chrono::{Datelike, NaiveDate};
use serde_json::Value;

fn huka(db: &Path, args: &[&str]) -> Output {
    huka_in(db, args, "C.UTF-8")
}

fn huka_in(db: &Path, args: &[&str], lang: &str) -> Output {
    huka_tests::huka_command(db, args).env("LANG", lang).output().expect("huka runs")
}

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

fn week_of(date: NaiveDate) -> String {
    let w = date.iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

fn demo_school() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("school.db");
    let out = huka(&db, &["demo", "--students", "80", "--seed", "11"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    (dir, db)
}

#[test]
fn the_demo_cases_are_listed_without_id_numbers() {
    let (_dir, db) = demo_school();
    let all = json(&huka(&db, &["dropout", "list", "--json"]));
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), 2);
    let returned = all.iter().find(|c| c["outcome"] == "returned").expect("a case with a return");
    assert_eq!(returned["kind"], "dropped_out");
    assert_eq!(returned["actionCount"], 3);
    let open = json(&huka(&db, &["dropout", "list", "--open", "--json"]));
    assert_eq!(open.as_array().unwrap().len(), 1);
    assert_eq!(open[0]["kind"], "at_risk");

    for args in [&["dropout", "list", "--json"][..], &["dropout", "list"], &["dropout", "week"]] {
        let text = String::from_utf8(huka(&db, args).stdout).unwrap();
        assert!(!text.contains("residentId") && !text.contains("nationalStudentNumber"), "{text}");
        assert!(!has_digit_run(&text, 17), "an ID number leaked: {text}");
    }
    let plain = String::from_utf8(huka_in(&db, &["dropout", "list"], "zh_CN.UTF-8").stdout).unwrap();
    let name = returned["name"].as_str().unwrap();
    let line = plain.lines().find(|l| l.starts_with(name)).expect("the returned student's line");
    assert!(line.contains("外出务工") && line.contains("已返校") && line.contains("年级"), "{line}");
}

fn has_digit_run(text: &str, n: usize) -> bool {
    let mut run = 0;
    text.chars().any(|c| {
        run = if c.is_ascii_digit() { run + 1 } else { 0 };
        run >= n
    })
}

#[test]
fn week_reports_count_the_return_and_are_confirmed_by_the_principal() {
    let (_dir, db) = demo_school();
    let cases = json(&huka(&db, &["dropout", "list", "--json"]));
    let returned = cases.as_array().unwrap().iter().find(|c| c["outcome"] == "returned").unwrap().clone();
    let back: NaiveDate = returned["outcomeDate"].as_str().unwrap().parse().unwrap();
    let left: NaiveDate = returned["droppedOutDate"].as_str().unwrap().parse().unwrap();

    let week = json(&huka(&db, &["dropout", "week", "--week", &week_of(back), "--json"]));
    assert_eq!(week["returns"], 1);
    assert_eq!(week["returned"][0]["name"], returned["name"]);
    let out = json(&huka(&db, &["dropout", "week", "--week", &week_of(left), "--json"]));
    assert_eq!((out["newDropouts"].as_i64(), out["zero"].as_bool()), (Some(1), Some(false)));
    assert!(out["enrolment"].as_i64().unwrap() < 80, "the student was out that week");

    // This week by default; confirming it keeps the numbers with the principal's name.
    let today = chrono::Local::now().date_naive();
    let this = json(&huka(&db, &["dropout", "week", "--json"]));
    assert_eq!(this["week"], week_of(today));
    assert_eq!(this["state"], "current");
    assert_eq!(this["enrolment"], 80, "everyone is back");
    let confirmed = json(&huka(&db, &["dropout", "week", "--confirm", "--by", "陈校长", "--json"]));
    assert_eq!(confirmed["state"], "confirmed");
    assert_eq!(confirmed["confirmed"]["by"], "陈校长");
    let again = json(&huka(&db, &["dropout", "week", "--json"]));
    assert_eq!(again["confirmed"]["by"], "陈校长", "kept");

    let text = String::from_utf8(huka_in(&db, &["dropout", "week", "--week", &week_of(back)], "zh_CN.UTF-8").stdout).unwrap();
    assert!(text.contains("返校 1") && text.contains("零报告"), "{text}");
}

#[test]
fn bad_weeks_and_future_weeks_are_refused() {
    let (_dir, db) = demo_school();
    let next = week_of(chrono::Local::now().date_naive() + chrono::Days::new(7));
    let out = huka(&db, &["dropout", "week", "--week", &next, "--confirm", "--by", "陈校长"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("not begun"), "{err}");
    let zh = huka_in(&db, &["dropout", "week", "--week", &next, "--confirm", "--by", "陈校长"], "zh_CN.UTF-8");
    assert!(String::from_utf8_lossy(&zh.stderr).contains("还没开始"));
    let blank = huka(&db, &["dropout", "week", "--confirm", "--by", " "]);
    assert_eq!(blank.status.code(), Some(1));

    assert_eq!(huka(&db, &["dropout", "week", "--week", "2026-W60"]).status.code(), Some(2));
    assert_eq!(huka(&db, &["dropout", "week", "--week", "48"]).status.code(), Some(2));
    assert_eq!(huka(&db, &["dropout", "week", "--confirm"]).status.code(), Some(2), "--confirm needs --by");
    assert_eq!(huka(&db, &["dropout", "week", "--by", "陈校长"]).status.code(), Some(2), "--by needs --confirm");
}
