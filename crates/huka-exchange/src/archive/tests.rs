use super::*;
use crate::demo::{self, DemoOptions};
use crate::resident_id::ResidentId;
use crate::error::Error;
use crate::school::SchoolError;

fn demo_school(students: usize) -> Store {
    let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    crate::school::setup(&mut store, &crate::school::SchoolInput { code: "2161092101".into(), name: "涧池镇九年制学校".into(), ..Default::default() })
        .unwrap();
    demo::generate(&mut store, &DemoOptions { students, seed: 7 }).unwrap();
    store
}

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

fn request(household: Option<&str>, full_ids: bool) -> Request {
    Request { term: Term::of(today()), household: household.map(str::to_string), full_ids, today: today() }
}

/// Every resident ID number printed anywhere on the cards (what `pdftotext` would find).
fn full_ids_in(cards: &[CardView]) -> usize {
    let json = serde_json::to_string(cards).unwrap();
    let chars: Vec<char> = json.chars().collect();
    chars.windows(18).filter(|w| ResidentId::parse(&w.iter().collect::<String>()).is_ok()).count()
}

#[test]
fn the_cards_hold_the_households_records_with_masked_ids_unless_asked() {
    let mut store = demo_school(40);
    let masked = prepare(&mut store, &request(None, false)).unwrap();
    let households = household::list(&store, "", i64::MAX as usize).unwrap();
    assert_eq!(masked.cards().len(), households.len());
    assert_eq!(masked.files(), households.len() + 1);
    assert_eq!(full_ids_in(masked.cards()), 0, "no full ID number in the default archive");
    assert!(masked.cards().iter().flat_map(|c| &c.members).any(|m| m.id.contains("********")));
    // Beside a masked number, the year of birth only (`masking`): no member line of the
    // default archive gives the hidden digits back.
    for m in masked.cards().iter().flat_map(|c| &c.members) {
        assert!(m.birth.is_empty() || (m.birth.ends_with('年') && m.birth.chars().count() == 5), "{:?} {:?}", m.birth, m.id);
    }
    for s in masked.cards().iter().flat_map(|c| &c.students) {
        assert!(s.number.is_empty() || s.number.contains("****"), "student numbers masked: {:?}", s.number);
    }

    let full = prepare(&mut store, &request(None, true)).unwrap();
    assert!(full_ids_in(full.cards()) > 0);
    assert!(full.cards().iter().flat_map(|c| &c.members).any(|m| m.birth.len() == 10), "the full archive prints the birth date");

    // The term's records are there: the demo school visits, plans and grants this term.
    assert!(masked.cards().iter().any(|c| !c.visits.is_empty()));
    assert!(masked.cards().iter().any(|c| !c.plans.is_empty()));
    assert!(masked.cards().iter().any(|c| !c.grants.is_empty() && !c.grants[0].steps.is_empty()));
    assert!(masked.cards().iter().any(|c| !c.pairings.is_empty()));
    // A visit of another term is not in this term's archive.
    let last_term = prepare(&mut store, &Request { term: Term::of(today()).previous().previous().previous(), ..request(None, false) }).unwrap();
    assert!(last_term.cards().iter().all(|c| c.visits.is_empty() && c.plans.is_empty()));
}

#[test]
fn one_household_by_its_number_or_a_clear_refusal() {
    let mut store = demo_school(10);
    let first = &household::list(&store, "", 1).unwrap()[0];
    let one = prepare(&mut store, &request(Some(&format!(" {} ", first.household_number)), false)).unwrap();
    assert_eq!(one.cards().len(), 1);
    assert_eq!(one.files(), 1, "no volume for one household");
    assert_eq!(one.cards()[0].head, first.head_name);
    assert!(matches!(prepare(&mut store, &request(Some("no-such-number"), false)), Err(Error::NotFound { kind: "household", .. })));

    let mut empty = Store::open_in_memory(&crate::SCHEMA).unwrap();
    assert!(matches!(prepare(&mut empty, &request(None, false)), Err(e) if e.domain() == Some(&SchoolError::NotSetUp)));
    crate::school::setup(&mut empty, &crate::school::SchoolInput { code: "1".into(), name: "空学校".into(), ..Default::default() }).unwrap();
    assert!(matches!(prepare(&mut empty, &request(None, false)), Err(e) if e.domain::<ArchiveError>() == Some(&ArchiveError::NothingToArchive)));
}

/// 家庭人口 as registered is on the card's page, with the members listed when they differ.
#[test]
fn the_card_prints_the_registered_family_size_beside_the_members_listed() {
    let mut store = demo_school(10);
    let first = household::list(&store, "", 1).unwrap().remove(0);
    let h = household::get(store.conn(), first.id).unwrap();
    let registered = first.member_count + 2;
    household::update(&mut store, h.meta.id, &household::HouseholdInput { family_size: Some(registered as f64), ..h.fields }).unwrap();
    let one = prepare(&mut store, &request(Some(&first.household_number), false)).unwrap();
    let expected = format!("{registered} 人（卡上列出 {} 人）", first.member_count);
    assert_eq!(one.cards()[0].family_size, expected);
    let fonts = Fonts::find().expect("a Chinese font: scripts/install-deps.sh installs fonts-noto-cjk");
    let dir = tempfile::tempdir().unwrap();
    let written = export(&mut store, &request(Some(&first.household_number), false), &fonts, dir.path(), &mut |_, _| {}).unwrap();
    let packed: String = pdf_text(&written.cards[0].path).chars().filter(|c| !c.is_whitespace()).collect();
    assert!(packed.contains(&format!("家庭人口{}", expected.replace(' ', ""))), "{packed}");
}

/// The step on a policy card: the notice's last day and the day paid, when the grant has them.
#[test]
fn a_policy_cards_step_says_until_when_and_when_paid() {
    use crate::aid::GrantStatus;
    let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day);
    let line = |status, notice_end, paid_date| policy_card::step(&crate::policy_card::CardLine {
        programme: "营养改善计划".into(),
        amount_fen: 100,
        status,
        todo: String::new(),
        by: None,
        notice_end,
        paid_date,
    });
    assert_eq!(line(Some(GrantStatus::Notice), d(10, 9), None), "公示至 10月9日");
    assert_eq!(line(Some(GrantStatus::Paid), d(9, 20), d(11, 3)), "已于 11月3日 发放");
    assert_eq!(line(Some(GrantStatus::Paid), None, None), GrantStatus::Paid.label(crate::Lang::Zh));
    assert_eq!(line(None, None, None), "待申请");
}

#[test]
fn file_names_are_valid_on_fat32_exfat_and_ntfs() {
    assert_eq!(card_file_name("610921001", "王建国"), "610921001-王建国.pdf");
    assert_eq!(card_file_name("61/09:21", "王*建?国\"<>|"), "61_09_21-王_建_国____.pdf");
    assert_eq!(card_file_name("0001", "李红. "), "0001-李红.pdf");
    assert_eq!(card_file_name("", ""), "-.pdf");
    assert_eq!(safe_file_name("CON", "pdf"), "_.pdf");
    assert_eq!(safe_file_name("a\u{1}b", "pdf"), "a_b.pdf");
    let long = card_file_name("1", &"很长的名字".repeat(60));
    assert!(long.encode_utf16().count() <= 255 && long.ends_with(".pdf"));
    assert_eq!(volume_file_name(Term::parse("2026-autumn").unwrap()), "档案总册-2026年秋季学期.pdf");
}

#[test]
fn the_archive_is_written_as_pdfs_with_progress() {
    let Ok(fonts) = Fonts::find() else {
        panic!("no Chinese font: scripts/install-deps.sh installs fonts-noto-cjk");
    };
    let mut store = demo_school(8);
    let dir = tempfile::tempdir().unwrap();
    let mut seen = Vec::new();
    let written = export(&mut store, &request(None, false), &fonts, dir.path(), &mut |done, total| seen.push((done, total))).unwrap();
    let total = written.cards.len() + 1;
    assert_eq!(seen.first(), Some(&(0, total)));
    assert_eq!(seen.last(), Some(&(total, total)));
    assert!(seen.windows(2).all(|w| w[1].0 == w[0].0 + 1));
    for f in written.cards.iter().chain(written.volume.iter()) {
        let bytes = std::fs::read(&f.path).unwrap();
        assert!(bytes.starts_with(b"%PDF-"), "{}", f.path.display());
        assert_eq!(bytes.len() as u64, f.bytes);
    }
    let volume = written.volume.as_ref().unwrap();
    assert!(volume.bytes > written.cards[0].bytes);
    let card = &written.cards[0];
    assert_eq!(card.path.file_name().unwrap().to_string_lossy(), card_file_name(&card.household_number, &card.head_name));
}

/// Only the principal may ask for full ID numbers, and asking is in the audit trail; whoever
/// reads cards makes the masked archive (a teacher: every card, masked).
#[test]
fn full_ids_are_the_principals_and_in_the_audit_trail() {
    use crate::access::{Actor, Role};
    use crate::account::{self, AccountInput};
    let mut store = demo_school(30);
    let add = |store: &mut Store, login: &str, name: &str, role: Role| {
        account::add(store, &AccountInput { login: login.into(), name: name.into(), role, teacher_id: None }, "password-1").unwrap().actor()
    };
    let principal = add(&mut store, "wang", "王校长", Role::Principal);
    let officer = add(&mut store, "zhao", "赵专干", Role::AidOfficer);
    let teacher = add(&mut store, "li", "李老师", Role::Teacher);
    let full_archive_entries = |store: &mut Store| {
        store.act_as_for_tests(principal.clone());
        let entries = crate::audit::list(store, &crate::audit::Filter::default()).unwrap();
        entries.into_iter().filter(|e| e.op == "archive_full_ids").collect::<Vec<_>>()
    };

    let mut printed = Vec::new();
    for (who, name) in [(&teacher, "李老师"), (&officer, "赵专干")] {
        store.act_as_for_tests(who.clone());
        match prepare(&mut store, &request(None, true)) {
            Err(Error::Forbidden { reason, reason_en }) => {
                assert!(reason.contains(name) && reason.contains("完整身份证号"), "{reason}");
                assert!(reason_en.contains("full ID numbers"), "{reason_en}");
            }
            other => panic!("{name}: expected 权限不足, got {:?}", other.map(|p| p.cards().len())),
        }
        // The masked archive: every card, no full ID number.
        let masked = prepare(&mut store, &request(None, false)).unwrap();
        assert_eq!(masked.cards().len(), household::list(&store, "", i64::MAX as usize).unwrap().len());
        assert_eq!(full_ids_in(masked.cards()), 0, "{name}");
        // A teacher with no students of their own sees no family in full: no health on paper,
        // and each card says so; the aid officer sees every card in full.
        let restricted = masked.cards().iter().filter(|c| c.restricted).count();
        assert_eq!(restricted, if who.role == Role::Teacher { masked.cards().len() } else { 0 }, "{name}");
        if who.role == Role::Teacher {
            assert!(masked.cards().iter().flat_map(|c| &c.members).all(|m| m.health.is_empty()));
        }
        let ids: Vec<String> = masked.cards().iter().flat_map(|c| c.members.iter().map(|m| m.id.clone())).collect();
        let numbers: Vec<String> = masked.cards().iter().flat_map(|c| c.students.iter().map(|s| s.number.clone())).collect();
        printed.push((ids, numbers));
    }
    // Masked is masked alike, whoever prints: a card outside the teacher's care is not blank.
    assert!(printed[0].0.iter().any(|id| id.contains("********")), "{:?}", printed[0].0);
    assert_eq!(printed[0], printed[1]);
    assert!(full_archive_entries(&mut store).is_empty(), "a refusal or a masked archive is no full archive");

    store.act_as_for_tests(principal.clone());
    let full = prepare(&mut store, &request(None, true)).unwrap();
    assert!(full_ids_in(full.cards()) > 0);
    let entries = full_archive_entries(&mut store);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].account, "王校长");
    assert_eq!(entries[0].kind, "archive");
    assert_eq!(entries[0].record_id, Term::of(today()).to_string());
    assert_eq!(entries[0].changes["term"][1], serde_json::json!(Term::of(today()).to_string()));
    assert!(crate::audit::verify(&store).unwrap().broken.is_none(), "the event is chained like any entry");

    // A county's database has no archive to make.
    let mut county = Store::open_in_memory(&crate::SCHEMA).unwrap();
    crate::county::setup(&mut county).unwrap();
    county.act_as_for_tests(Actor { role: Role::Reviewer, ..principal.clone() });
    assert!(prepare(&mut county, &request(None, false)).unwrap_err().domain::<crate::settings::WrongMode>().is_some());
}

/// An archive to a stick too full for it (a real one: a small tmpfs, see
/// `file::testing::small_drive`) is refused with the room it needs before any file is written:
/// the stick holds what it held, without a half PDF, an empty one, a temporary or the folder
/// the run made. With the room made, the same archive is written whole.
#[test]
fn an_archive_that_does_not_fit_leaves_the_stick_as_it_was() {
    use huka_ground::file::testing::{fill, names, small_drive};
    let Some(stick) = small_drive("archive::tests::an_archive_that_does_not_fit_leaves_the_stick_as_it_was", "8m") else { return };
    let fonts = Fonts::find().expect("a Chinese font: scripts/install-deps.sh installs fonts-noto-cjk");
    let mut store = demo_school(8);
    std::fs::write(stick.join("去年的档案.pdf"), b"%PDF- an earlier archive").unwrap();
    fill(&stick, 64 * 1024);
    let before = names(&stick);
    for folder in [stick.join("档案"), stick.clone()] {
        let mut seen = Vec::new();
        let e = export(&mut store, &request(None, false), &fonts, &folder, &mut |done, total| seen.push((done, total))).unwrap_err();
        let Error::NoRoom { needed, available } = e else { panic!("{e:?}") };
        assert!(needed > 4 * available && available <= 64 * 1024 + 4096, "{needed} {available}");
        assert_eq!(names(&stick), before, "nothing written into {}", folder.display());
        assert!(seen.last().is_some_and(|(done, total)| done < total), "never reported as all written: {seen:?}");
    }
    assert_eq!(std::fs::read(stick.join("去年的档案.pdf")).unwrap(), b"%PDF- an earlier archive");

    std::fs::remove_file(stick.join("filler.bin")).unwrap();
    let written = export(&mut store, &request(None, false), &fonts, &stick.join("档案"), &mut |_, _| {}).unwrap();
    let mut expected: Vec<String> = written.cards.iter().chain(written.volume.iter()).map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned()).collect();
    expected.sort();
    assert_eq!(names(&stick.join("档案")), expected, "every file, and nothing else");
}

fn pdf_text(pdf: &std::path::Path) -> String {
    let out = std::process::Command::new("pdftotext").args(["-enc", "UTF-8", "-layout"]).arg(pdf).arg("-").output().expect("pdftotext (poppler-utils)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn pdf_info(pdf: &std::path::Path) -> String {
    let out = std::process::Command::new("pdfinfo").arg(pdf).output().expect("pdfinfo (poppler-utils)");
    String::from_utf8(out.stdout).unwrap()
}

/// The policy cards (明白卡) as one PDF: a page per household (A5 unless A4 is asked for), with
/// the family's students, their programmes, amounts and steps, and whom to call — and read back
/// with `pdftotext`, no ID number, health, disability or poverty cause.
#[test]
fn policy_cards_are_one_pdf_with_a_page_per_household_and_nothing_private() {
    use policy_card::{Paper, Request as CardRequest};
    use crate::policy_card::Scope;
    let fonts = Fonts::find().expect("a Chinese font: scripts/install-deps.sh installs fonts-noto-cjk");
    let mut store = demo_school(30);
    crate::school::set_contacts(
        &mut store,
        &crate::school::ContactsInput { aid_officer: "赵专干".into(), aid_phone: "13912345678".into(), county_hotline: "12345".into() },
    )
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    // HUKA_PAGES=dir keeps the PDFs to look at.
    let dir = std::env::var_os("HUKA_PAGES").map(std::path::PathBuf::from).unwrap_or_else(|| tmp.path().to_path_buf());
    let dir = dir.as_path();
    let request = CardRequest { term: Term::of(today()), scope: Scope::All, paper: Paper::A5, today: today() };
    let prepared = policy_card::prepare(&store, &request).unwrap();
    let written = prepared.write(&fonts, dir).unwrap();
    assert_eq!(written.path.file_name().unwrap().to_string_lossy(), format!("明白卡-{}.pdf", crate::xlsx::term_zh(Term::of(today()))));
    assert_eq!(std::fs::read(&written.path).unwrap().len() as u64, written.bytes);
    let cards = &prepared.cards().cards;
    assert_eq!(written.cards, cards.len());
    assert!(written.pages >= cards.len());
    let info = pdf_info(&written.path);
    assert!(info.contains(&format!("Pages:           {}", written.pages)), "{info}");
    assert!(info.contains("Page size:       419.528 x 595.276 pts"), "A5: {info}");

    let text = pdf_text(&written.path);
    let packed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    for needle in ["教育惠民政策明白卡", "涧池镇九年制学校", "赵专干", "13912345678", "12345", "资助项目", "办理进度", "截止日期"] {
        assert!(packed.contains(needle), "{needle}");
    }
    for c in cards {
        assert!(packed.contains(&c.head_name) && packed.contains(&c.household_number), "{}", c.head_name);
        for s in &c.students {
            assert!(packed.contains(&s.name), "{}", s.name);
            for l in &s.lines {
                assert!(packed.contains(&crate::aid::yuan(l.amount_fen)) || l.amount_fen == 0);
            }
        }
    }
    assert!(packed.contains("待申请"), "steps are printed");
    // A grant on notice says until when, a paid one on which day (the dates the card holds).
    let mut dated = 0;
    for l in cards.iter().flat_map(|c| &c.students).flat_map(|s| &s.lines) {
        let step = policy_card::step(l).replace(' ', "");
        match l.status {
            Some(crate::aid::GrantStatus::Notice) if l.notice_end.is_some() => assert!(step.starts_with("公示至"), "{step}"),
            Some(crate::aid::GrantStatus::Paid) if l.paid_date.is_some() => assert!(step.starts_with("已于") && step.ends_with("发放"), "{step}"),
            _ => continue,
        }
        assert!(packed.contains(&step), "{step} printed");
        dated += 1;
    }
    assert!(dated > 0, "the demo school has grants on notice or paid this term");
    // Nothing private on the page.
    let chars: Vec<char> = text.chars().collect();
    assert_eq!(chars.windows(18).filter(|w| crate::resident_id::ResidentId::parse(&w.iter().collect::<String>()).is_ok()).count(), 0);
    assert!(!text.contains("****"), "not even a masked number");
    let health: Vec<String> = store
        .conn()
        .prepare("SELECT id, health_sealed FROM member WHERE health_sealed <> ''")
        .unwrap()
        .query_map([], |r| Ok(crate::sealed::opened(store.second(), "member", &r.get::<_, String>(0)?, "health", &r.get::<_, String>(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert!(!health.is_empty());
    for h in &health {
        assert!(!packed.contains(&h.replace(' ', "")), "health {h:?} printed");
    }
    for word in ["身份证", "残疾", "健康", "致贫", "因病", "因学", "缺劳力"] {
        assert!(!packed.contains(word), "{word} printed");
    }

    // A4, one household.
    let one = &cards[0];
    let a4 = policy_card::export(
        &store,
        &CardRequest { scope: Scope::HouseholdNumber { number: one.household_number.clone() }, paper: Paper::A4, ..request },
        &fonts,
        dir,
    )
    .unwrap();
    assert_eq!((a4.cards, a4.pages), (1, 1));
    assert!(a4.path.file_name().unwrap().to_string_lossy().contains(&one.head_name));
    assert!(pdf_info(&a4.path).contains("Page size:       595.276 x 841.89 pts"), "A4");
}
