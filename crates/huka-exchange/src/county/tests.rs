//! The county's side over bundles of generated schools.

use std::path::{Path, PathBuf};

use chrono::{Duration, Utc};

use super::*;
use crate::bundle::tests::{demo_school, term, today};
use crate::bundle::write::export_at;
use crate::bundle::Exported;
use crate::household;
use crate::member::{self, MemberInput};
use crate::settings::{self, Mode};
use crate::signing::{self, tests::PASSPHRASE};
use crate::store::Store;
use crate::student::StudentInput;
use crate::summary;
use super::CountyError;
use crate::signing::SigningError;

/// The county the test schools seal their bundles to.
fn county() -> Store {
    let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    setup(&mut store).unwrap();
    recipient::keep_for_tests(&mut store, crate::bundle::tests::county_identity());
    store
}

fn register_school(county: &mut Store, school: &Store) -> Registered {
    register(county, &RegisterInput { public_key: signing::public_key_file(school).unwrap(), ..Default::default() }).unwrap()
}

fn export_to(school: &mut Store, dir: &Path, seconds_ago: i64) -> Exported {
    export_at(school, term(), today(), PASSPHRASE, dir, Utc::now() - Duration::seconds(seconds_ago)).unwrap()
}

fn statuses(r: &IngestReport) -> Vec<&'static str> {
    r.verdicts
        .iter()
        .map(|v| match &v.outcome {
            Outcome::Accepted { .. } => "accepted",
            Outcome::Unchanged { .. } => "unchanged",
            Outcome::Rejected { .. } => "rejected",
            Outcome::Copy { .. } => "copy",
        })
        .collect()
}

fn reason(r: &IngestReport, i: usize) -> String {
    match &r.verdicts[i].outcome {
        Outcome::Rejected { reason } => reason.code.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn keys_are_registered_once_per_school() {
    let mut c = county();
    let school = demo_school("2161092101", 10, 1);
    let r = register_school(&mut c, &school);
    assert!(r.new_school && r.new_key);
    assert_eq!(r.school.code, "2161092101");
    assert_eq!(r.fingerprint, signing::current(&school).unwrap().unwrap().fingerprint);
    let again = register_school(&mut c, &school);
    assert!(!again.new_school && !again.new_key);
    assert_eq!(schools(&c).unwrap()[0].keys.len(), 1);

    // The same key for another school is refused.
    let pub_text = signing::public_key_file(&school).unwrap();
    let other = register(&mut c, &RegisterInput { public_key: pub_text.clone(), code: "2161092102".into(), ..Default::default() });
    assert!(matches!(other, Err(e) if matches!(e.domain(), Some(CountyError::KeyOfAnotherSchool { .. }))));
    // A bare key line needs the school code given.
    let bare = pub_text.lines().nth(1).unwrap().to_string();
    let no_code = register(&mut c, &RegisterInput { public_key: bare, ..Default::default() }).unwrap_err();
    assert_eq!(no_code.report().fields[0].field, "code");
    assert!(matches!(register(&mut c, &RegisterInput { public_key: "junk".into(), ..Default::default() }), Err(e) if e.domain() == Some(&SigningError::BadPublicKey)));
    // What the reviewer types is kept.
    let named = register(&mut c, &RegisterInput { public_key: pub_text, town: "涧池镇".into(), name: "涧池九年制".into(), ..Default::default() }).unwrap();
    assert_eq!((named.school.name.as_str(), named.school.town.as_str()), ("涧池九年制", "涧池镇"));

    // A school's database is not the county's.
    let mut school = school;
    assert!(register(&mut school, &RegisterInput::default()).unwrap_err().domain::<settings::WrongMode>().is_some());
    assert!(settings::set_mode(&mut school, Mode::County).unwrap_err().domain::<settings::WrongMode>().is_some());
}

#[test]
fn the_county_total_is_the_sum_of_the_schools_summaries() {
    let mut c = county();
    let dir = tempfile::tempdir().unwrap();
    let mut schools_ = Vec::new();
    for (i, (town, district)) in [("涧池镇", "第一督学责任区"), ("涧池镇", "第二督学责任区"), ("城关镇", "第二督学责任区"), ("蒲溪镇", "第一督学责任区")].iter().enumerate() {
        let mut s = demo_school(&format!("21610921{i:02}"), 40 + 15 * i, 10 + i as u64);
        crate::school::update(&mut s, &crate::school::SchoolInput { code: format!("21610921{i:02}"), name: format!("学校{i}"), town: town.to_string(), district: district.to_string() }).unwrap();
        register_school(&mut c, &s);
        export_to(&mut s, &dir.path().join(format!("usb{i}")), 10);
        schools_.push(s);
    }
    // A fifth school is registered but has not reported.
    let silent = demo_school("2161092199", 5, 99);
    register_school(&mut c, &silent);

    let report = ingest(&mut c, &[dir.path().to_path_buf()]).unwrap();
    assert_eq!(statuses(&report), ["accepted"; 4]);
    assert_eq!((report.accepted, report.rejected), (4, 0));

    let a = aggregate(&c, term()).unwrap();
    assert_eq!((a.schools_registered, a.schools_reporting), (5, 4));
    assert_eq!(a.missing.iter().map(|s| s.code.as_str()).collect::<Vec<_>>(), ["2161092199"]);
    let mut expected = summary::Figures::default();
    for s in &schools_ {
        expected.add(&summary::compute(s, term(), today()).unwrap().figures);
    }
    assert_eq!(a.totals, expected);
    // Field by field, not only through `add`.
    let sums = |f: fn(&summary::Figures) -> i64| schools_.iter().map(|s| f(&summary::compute(s, term(), today()).unwrap().figures)).sum::<i64>();
    assert_eq!(a.totals.students.enrolled, sums(|f| f.students.enrolled));
    assert_eq!(a.totals.students.registered_poor, sums(|f| f.students.registered_poor));
    assert_eq!(a.totals.coverage.paired, sums(|f| f.coverage.paired));
    assert_eq!(a.totals.coverage.visits, sums(|f| f.coverage.visits));
    assert_eq!(a.totals.students.enrolled_by_stage.values().sum::<i64>(), a.totals.students.enrolled);
    // Towns and districts partition the schools.
    assert_eq!(a.by_town.iter().map(|u| (u.name.as_str(), u.schools)).collect::<Vec<_>>(), [("城关镇", 1), ("涧池镇", 2), ("蒲溪镇", 1)]);
    for units in [&a.by_town, &a.by_district] {
        let mut sum = summary::Figures::default();
        units.iter().for_each(|u| sum.add(&u.figures));
        assert_eq!(sum, a.totals);
    }
    assert_eq!(a.by_school.len(), 4);
    assert!(a.duplicates.is_empty(), "{:?}", a.duplicates);

    // The workbook has a sheet per view.
    let path = dir.path().join("county.xlsx");
    write_report(&c, term(), &path).unwrap();
    use calamine::Reader;
    let book = calamine::open_workbook_auto(&path).unwrap();
    for sheet in ["全县概况", "全县学生", "全县帮扶覆盖", "全县资助", "全县控辍保学", "按镇", "按督学责任区", "按学校", "各校覆盖率排序", "跨校重复", "未报送学校"] {
        assert!(book.sheet_names().iter().any(|n| n == sheet), "{sheet}");
    }
    // Native charts: the towns and districts side by side (columns), the schools by coverage (bars).
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    let charts: Vec<String> = (0..zip.len())
        .filter_map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let is_chart = f.name().unwrap().starts_with("xl/charts/chart");
            is_chart.then(|| {
                let mut xml = String::new();
                std::io::Read::read_to_string(&mut f, &mut xml).unwrap();
                xml
            })
        })
        .collect();
    assert_eq!(charts.len(), 3);
    assert_eq!(charts.iter().filter(|x| x.contains(r#"<c:barDir val="col"/>"#)).count(), 2);
    assert_eq!(charts.iter().filter(|x| x.contains(r#"<c:barDir val="bar"/>"#)).count(), 1);
    assert!(charts.iter().any(|x| x.contains("各校帮扶覆盖率") && x.contains("各校覆盖率排序")));
    assert_eq!(terms(&c).unwrap(), [term()]);
}

#[test]
fn the_same_child_in_two_schools_is_found_without_showing_the_number() {
    let mut c = county();
    let dir = tempfile::tempdir().unwrap();
    let mut a = demo_school("1001", 30, 1);
    let mut b = demo_school("1002", 30, 2);
    let twin = summary::report(&a, term(), today()).unwrap().students.into_iter().find(|s| !s.resident_id.is_empty()).unwrap();
    let h = household::create(&mut b, &household::tests::input("9001", "重复户")).unwrap();
    member::create(&mut b, h.meta.id, &MemberInput { name: "同一人".into(), resident_id: twin.resident_id.clone(), student: Some(StudentInput::default()), ..Default::default() }).unwrap();
    for (i, s) in [&mut a, &mut b].into_iter().enumerate() {
        register_school(&mut c, s);
        export_to(s, &dir.path().join(i.to_string()), 5);
    }
    assert_eq!(ingest(&mut c, &[dir.path().to_path_buf()]).unwrap().accepted, 2);
    let agg = aggregate(&c, term()).unwrap();
    assert_eq!(agg.duplicates.len(), 1);
    let d = &agg.duplicates[0];
    assert_eq!(d.entries.iter().map(|e| e.school_code.as_str()).collect::<Vec<_>>(), ["1001", "1002"]);
    assert_eq!(d.entries[1].name, "同一人");
    assert_eq!(d.masked_id, crate::ResidentId::parse(&twin.resident_id).unwrap().masked());
    let shown = serde_json::to_string(&agg).unwrap();
    assert!(!shown.contains(&twin.resident_id));
    let stored: i64 = c.conn().query_row("SELECT count(*) FROM county_student WHERE masked_id = ?1 OR id_digest = ?1", [&twin.resident_id], |r| r.get(0)).unwrap();
    assert_eq!(stored, 0, "the county database keeps no full number");
}

#[test]
fn each_rejected_bundle_says_why_and_the_others_go_in() {
    let mut c = county();
    let dir = tempfile::tempdir().unwrap();
    let mut a = demo_school("1001", 20, 1);
    let mut b = demo_school("1002", 20, 2);
    let mut unknown = demo_school("1003", 10, 3);
    register_school(&mut c, &a);
    register_school(&mut c, &b);

    let old = export_to(&mut a, &dir.path().join("old"), 120);
    let new = export_to(&mut a, &dir.path().join("new"), 60);
    let from_b = export_to(&mut b, &dir.path().join("b"), 60);
    let stranger = export_to(&mut unknown, &dir.path().join("unknown"), 60);

    // The newer bundle first; then the older one is a replay.
    let first = ingest(&mut c, std::slice::from_ref(&new.bundle_path)).unwrap();
    assert_eq!(statuses(&first), ["accepted"]);
    let replay = ingest(&mut c, std::slice::from_ref(&old.bundle_path)).unwrap();
    assert_eq!(reason(&replay, 0), "bundle_older");
    let again = ingest(&mut c, std::slice::from_ref(&new.bundle_path)).unwrap();
    assert_eq!(statuses(&again), ["unchanged"]);

    // School B signs a bundle that claims to be school A's.
    let forged_dir = dir.path().join("forged");
    std::fs::create_dir_all(&forged_dir).unwrap();
    let forged = forged_dir.join(&new.file_name);
    let zip = std::fs::read(&new.bundle_path).unwrap();
    std::fs::write(&forged, &zip).unwrap();
    let sig = signing::unlock(&b, PASSPHRASE).unwrap().sign(&zip[..], &new.trusted_comment, "x").unwrap();
    std::fs::write(crate::bundle::signature_path(&forged), sig).unwrap();

    // A changed byte.
    let tampered_dir = dir.path().join("tampered");
    std::fs::create_dir_all(&tampered_dir).unwrap();
    let tampered = tampered_dir.join(&from_b.file_name);
    let mut bytes = std::fs::read(&from_b.bundle_path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&tampered, &bytes).unwrap();
    std::fs::copy(&from_b.signature_path, crate::bundle::signature_path(&tampered)).unwrap();

    // No signature beside it. (A bundle of this run's bytes would be a copy of it: another.)
    let bare_dir = dir.path().join("bare");
    std::fs::create_dir_all(&bare_dir).unwrap();
    std::fs::copy(&old.bundle_path, bare_dir.join(&old.file_name)).unwrap();

    let inputs: Vec<PathBuf> = [&forged, &tampered, &stranger.bundle_path, &from_b.bundle_path].iter().map(|p| p.to_path_buf()).chain([bare_dir.clone(), dir.path().join("nothing-here.huka.zip")]).collect();
    let r = ingest(&mut c, &inputs).unwrap();
    let by_file = |p: &Path| r.verdicts.iter().position(|v| v.file == p.display().to_string()).unwrap();
    assert_eq!(reason(&r, by_file(&forged)), "bundle_wrong_school");
    assert_eq!(reason(&r, by_file(&tampered)), "bundle_bad_signature");
    assert_eq!(reason(&r, by_file(&stranger.bundle_path)), "bundle_unknown_school");
    assert_eq!(reason(&r, by_file(&bare_dir.join(&old.file_name))), "bundle_signature_missing");
    assert_eq!(reason(&r, by_file(&dir.path().join("nothing-here.huka.zip"))), "io");
    assert!(matches!(r.verdicts[by_file(&from_b.bundle_path)].outcome, Outcome::Accepted { .. }));
    assert_eq!((r.accepted, r.rejected), (1, 5));
    let Outcome::Rejected { reason: why } = &r.verdicts[by_file(&forged)].outcome else { unreachable!() };
    assert!(why.message.contains("1002") && why.message.contains("1001"), "{}", why.message);

    // A later bundle replaces the earlier one.
    let newest = export_to(&mut a, &dir.path().join("newest"), 0);
    let r = ingest(&mut c, std::slice::from_ref(&newest.bundle_path)).unwrap();
    match &r.verdicts[0].outcome {
        Outcome::Accepted { replaced, .. } => assert_eq!(replaced.as_deref(), Some(crate::bundle::format::time_text(new.created_at).as_str())),
        other => panic!("{other:?}"),
    }
    let live: i64 = c.conn().query_row("SELECT count(*) FROM county_bundle WHERE deleted_at IS NULL", [], |r| r.get(0)).unwrap();
    assert_eq!(live, 2);
    let students: i64 = c.conn().query_row("SELECT count(DISTINCT bundle_id) FROM county_student", [], |r| r.get(0)).unwrap();
    assert_eq!(students, 2, "the replaced bundle's rows went with it");
    assert_eq!(aggregate(&c, term()).unwrap().by_school.iter().find(|s| s.school.code == "1001").unwrap().exported_at, crate::bundle::format::time_text(newest.created_at));
}

#[test]
fn a_retired_key_still_verifies_once_registered() {
    let mut c = county();
    let dir = tempfile::tempdir().unwrap();
    let mut a = demo_school("1001", 10, 1);
    register_school(&mut c, &a);
    let before = export_to(&mut a, &dir.path().join("1"), 60);
    signing::rotate(&mut a, "another passphrase").unwrap();
    let after = export_at(&mut a, term(), today(), "another passphrase", &dir.path().join("2"), Utc::now()).unwrap();
    // The new key is unknown until registered.
    assert_eq!(reason(&ingest(&mut c, std::slice::from_ref(&after.bundle_path)).unwrap(), 0), "bundle_unknown_school");
    let r = register_school(&mut c, &a);
    assert!(r.new_key && !r.new_school);
    assert_eq!(r.school.keys.len(), 2);
    assert_eq!(statuses(&ingest(&mut c, &[before.bundle_path.clone(), after.bundle_path.clone()]).unwrap()), ["accepted", "accepted"]);
}

#[test]
fn sealed_bundles_are_marked_and_a_rewritten_history_is_flagged() {
    let mut c = county();
    let dir = tempfile::tempdir().unwrap();
    let mut a = demo_school("1001", 20, 1);
    register_school(&mut c, &a);
    export_to(&mut a, &dir.path().join("1"), 120);
    let first = ingest(&mut c, &[dir.path().join("1")]).unwrap();
    assert!(matches!(first.verdicts[0].outcome, Outcome::Accepted { encrypted: true, history_rewritten: false, .. }), "{first:?}");

    // The school's chain grows: the next bundle extends it.
    household::create(&mut a, &household::tests::input("7001", "新户")).unwrap();
    export_to(&mut a, &dir.path().join("2"), 60);
    let second = ingest(&mut c, &[dir.path().join("2")]).unwrap();
    assert!(matches!(second.verdicts[0].outcome, Outcome::Accepted { history_rewritten: false, .. }), "{second:?}");

    // Someone with the key rewrites an old entry and recomputes the whole chain.
    let n = a.conn().execute("UPDATE audit SET changes = replace(changes, '新户', '别户') WHERE changes LIKE '%新户%'", []).unwrap();
    assert_eq!(n, 1);
    recompute_chain_for_tests(&a);
    assert!(crate::audit::verify_chains(a.conn()).unwrap().broken.is_none(), "the forged chain holds on its own");
    export_to(&mut a, &dir.path().join("3"), 0);
    let third = ingest(&mut c, &[dir.path().join("3")]).unwrap();
    assert!(matches!(third.verdicts[0].outcome, Outcome::Accepted { history_rewritten: true, .. }), "{third:?}");
}

/// Recomputes every hash of a chain, as a forger with the database key would.
fn recompute_chain_for_tests(store: &Store) {
    use sha2::Digest;
    let rows: Vec<(String, i64, String, String, String, String, String, String, String)> = store
        .conn()
        .prepare("SELECT device_id, seq, at, account_id, account, op, kind, record_id, changes FROM audit ORDER BY device_id, seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let mut prev = String::new();
    for (device, seq, at, account_id, account, op, kind, record, changes) in rows {
        let text = format!("huka-audit-v1\n{device}\n{seq}\n{at}\n{account_id}\n{account}\n{op}\n{kind}\n{record}\n{changes}\n{prev}");
        let hash = crate::text::hex(&sha2::Sha256::digest(text.as_bytes()));
        store.conn().execute("UPDATE audit SET prev = ?1, hash = ?2 WHERE device_id = ?3 AND seq = ?4", rusqlite::params![prev, hash, device, seq]).unwrap();
        prev = hash;
    }
}

#[test]
fn a_plain_format_1_bundle_is_still_read_and_marked_unencrypted() {
    let mut c = county();
    let a = demo_school("1001", 20, 1);
    register_school(&mut c, &a);
    let dir = tempfile::tempdir().unwrap();
    // What a school on the previous version wrote: the signed zip, unsealed.
    let path = crate::bundle::write::export_format_1(&a, term(), today(), PASSPHRASE, dir.path(), Utc::now()).unwrap();
    assert!(path.to_string_lossy().ends_with(".huka.zip"));
    let r = ingest(&mut c, &[path]).unwrap();
    assert!(matches!(r.verdicts[0].outcome, Outcome::Accepted { encrypted: false, .. }), "{r:?}");
}

/// The county's notice (县级公示): the grants of the live bundles, per programme and school —
/// name, school, class, programme, amount — and nothing else; as a workbook and a PDF.
#[test]
fn the_county_notice_lists_the_schools_grants_without_ids() {
    let mut c = county();
    crate::access::write(&mut c, crate::access::Action::County, |w| settings::set_value(w, "county_name", "汉阴县")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut schools_ = Vec::new();
    for i in 0..2 {
        let mut s = demo_school(&format!("21610921{i:02}"), 30 + 10 * i, 20 + i as u64);
        crate::school::update(&mut s, &crate::school::SchoolInput { code: format!("21610921{i:02}"), name: format!("学校{i}"), town: "涧池镇".into(), district: String::new() }).unwrap();
        register_school(&mut c, &s);
        export_to(&mut s, &dir.path().join(format!("usb{i}")), 10);
        schools_.push(s);
    }
    let report = ingest(&mut c, &[dir.path().to_path_buf()]).unwrap();
    assert_eq!(statuses(&report), ["accepted"; 2]);

    let n = notice::notice(&c, term()).unwrap();
    assert_eq!(n.county, "汉阴县");
    assert_eq!(n.schools, 2);
    // Every granted row of each school's bundle past the school's review and notice, with its
    // class; nothing missed, reversed, only applied for or only reviewed by the school.
    let mut expected = Vec::new();
    let mut before_notice = 0;
    for (i, s) in schools_.iter().enumerate() {
        let rows = summary::report(s, term(), today()).unwrap().aid;
        before_notice += rows.iter().filter(|g| g.status == "granted" && ["applied", "school_reviewed"].contains(&g.step.as_str())).count();
        for g in rows.into_iter().filter(|g| g.past_the_schools_notice()) {
            expected.push((format!("学校{i}"), g.name, g.class_name, g.amount_fen));
        }
    }
    assert!(before_notice > 0, "the demo schools have grants not yet on notice, which the notice leaves out");
    let mut got: Vec<(String, String, String, i64)> =
        n.programmes.iter().flat_map(|p| &p.lines).map(|l| (l.school.clone(), l.row.name.clone(), l.row.class_name.clone(), l.row.amount_fen)).collect();
    expected.sort();
    got.sort();
    assert!(!got.is_empty());
    assert_eq!(got, expected);
    assert!(got.iter().all(|(_, _, class, _)| !class.is_empty()), "each line has its class");
    assert_eq!(n.total_fen, expected.iter().map(|e| e.3).sum::<i64>());
    assert!(n.programmes.windows(2).all(|w| w[0].code < w[1].code), "one block per programme");
    let json = serde_json::to_string(&n).unwrap();
    assert!(!json.contains("****") && !json.to_lowercase().contains("id\""), "no ID number, masked or not");

    // Workbook and PDF, both written.
    let fonts = crate::archive::Fonts::find().expect("a Chinese font: scripts/install-deps.sh installs fonts-noto-cjk");
    let out = dir.path().join("公示");
    let w = notice::write(&c, term(), &fonts, &out, today()).unwrap();
    assert!(w.pages >= 1);
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto(&w.workbook).unwrap();
    let sheet = book.worksheet_range("县级公示").unwrap();
    assert_eq!(sheet.rows().nth(1).unwrap().iter().map(|c| c.to_string()).collect::<Vec<_>>(), ["序号", "资助项目", "学校", "姓名", "班级", "金额（元）"]);
    assert_eq!(sheet.rows().count(), 2 + expected.len() + 1);
    let text = String::from_utf8(std::process::Command::new("pdftotext").args(["-enc", "UTF-8"]).arg(&w.pdf).arg("-").output().expect("pdftotext").stdout).unwrap();
    let packed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(packed.contains("汉阴县") && packed.contains("学生资助县级公示") && packed.contains("学校0") && packed.contains("学校1"));
    for (_, name, _, _) in expected.iter().take(5) {
        assert!(packed.contains(name.as_str()), "{name}");
    }
    assert!(!text.contains("****"));
    let chars: Vec<char> = text.chars().collect();
    assert_eq!(chars.windows(18).filter(|w| crate::resident_id::ResidentId::parse(&w.iter().collect::<String>()).is_ok()).count(), 0);

    // Another term: nothing to put on notice; a school's database is not the county's.
    let other = notice::notice(&c, term().previous());
    assert!(matches!(other, Err(e) if e.domain::<notice::NothingToNotice>().is_some()));
    assert!(notice::notice(&schools_[0], term()).unwrap_err().domain::<settings::WrongMode>().is_some());
}
