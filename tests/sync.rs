//! Several computers, one school, through the real `huka` binary: a laptop joins from the
//! office's complete change file, each side's changes reach the other, a field changed on both
//! is listed as the same conflict on both and can be swapped, and files of another school,
//! damaged ones or ones read twice do what they should.

use std::path::Path;
use std::process::Output;

use huka_tests::{huka_command, PASSWORD, PRINCIPAL};
use serde_json::Value;

fn huka(db: &Path, args: &[&str]) -> Output {
    huka_command(db, args).output().expect("huka runs")
}

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

/// Adds the class teacher `li` (password `teacher-pass`) to the school at `db`.
fn add_teacher_li(db: &Path) {
    let added = huka_command(db, &["users", "add", "--name", "li", "--role", "teacher"]).env("HUKA_NEW_PASSWORD", "teacher-pass").output().unwrap();
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
}

/// Writes a change file of `db` into `dir` and returns its path.
fn export(db: &Path, dir: &Path, full: bool) -> String {
    let mut args = vec!["sync", "export", "--out", dir.to_str().unwrap(), "--json"];
    if full {
        args.push("--full");
    }
    json(&huka(db, &args))["path"].as_str().unwrap().to_string()
}

fn phone_of(db: &Path, number: &str) -> String {
    let store = huka_core::session::unlock(db, PRINCIPAL, PASSWORD).unwrap();
    store.conn().query_row("SELECT phone FROM household WHERE household_number = ?1 AND deleted_at IS NULL", [number], |r| r.get(0)).unwrap()
}

fn set_phone(db: &Path, number: &str, phone: &str) {
    let mut store = huka_core::session::unlock(db, PRINCIPAL, PASSWORD).unwrap();
    let id: huka_core::record::RecordId =
        store.conn().query_row("SELECT id FROM household WHERE household_number = ?1 AND deleted_at IS NULL", [number], |r| r.get(0)).unwrap();
    let h = huka_core::household::get(store.conn(), id).unwrap();
    let input = huka_core::household::HouseholdInput {
        household_number: h.fields.household_number.clone(),
        head_name: h.fields.head_name.clone(),
        town: h.fields.town.clone(),
        village: h.fields.village.clone(),
        group: h.fields.group.clone(),
        phone: phone.into(),
        status: h.fields.status,
        poverty_causes: h.fields.poverty_causes.clone(),
        notes: h.fields.notes.clone(),
        family_size: h.fields.family_size,
    };
    huka_core::household::update(&mut store, id, &input).unwrap();
}

#[test]
fn a_laptop_joins_the_office_and_both_end_with_the_same_records() {
    let dir = tempfile::tempdir().unwrap();
    let office = dir.path().join("office.db");
    let laptop = dir.path().join("laptop.db");
    let usb = dir.path().join("usb");
    assert!(huka(&office, &["demo", "--students", "40"]).status.success());

    // Join: reading a complete file into a path with no database makes the school's copy.
    let full = export(&office, &usb, true);
    let joined = json(&huka(&laptop, &["sync", "import", &full, "--json"]));
    assert!(joined["new"].as_u64().unwrap() > 40, "{joined}");
    assert_eq!(json(&huka(&laptop, &["stats", "--json"])), json(&huka(&office, &["stats", "--json"])));
    let bytes = std::fs::read(&full).unwrap();
    let number = json(&huka(&office, &["households", "list", "--json"]))[0]["householdNumber"].as_str().unwrap().to_string();
    assert!(!bytes.windows(number.len()).any(|w| w == number.as_bytes()), "the change file is encrypted");

    // A household entered on the laptop reaches the office; its change file is small.
    let list = dir.path().join("名单.csv");
    std::fs::write(&list, "户编号,户主姓名,与户主关系,姓名,证件号码\n619999001,新户主,户主,新户主,610921198001010114\n").unwrap();
    assert!(huka(&laptop, &["import", "households", list.to_str().unwrap()]).status.success());
    let changes = export(&laptop, &usb, false);
    assert!(std::fs::metadata(&changes).unwrap().len() < std::fs::metadata(&full).unwrap().len() / 4, "only what changed travels");
    let r = json(&huka(&office, &["sync", "import", &changes, "--json"]));
    assert_eq!((r["new"].as_u64(), r["conflicts"].as_u64()), (Some(2), Some(0)), "{r}");
    assert_eq!(json(&huka(&laptop, &["stats", "--json"])), json(&huka(&office, &["stats", "--json"])));
    // Reading it again changes nothing.
    let again = json(&huka(&office, &["sync", "import", &changes, "--json"]));
    assert_eq!((again["new"].as_u64(), again["updated"].as_u64()), (Some(0), Some(0)), "{again}");

    // The same field changed on both: one conflict, the same on both computers.
    set_phone(&office, &number, "13800000001");
    set_phone(&laptop, &number, "13900000002");
    let to_laptop = export(&office, &usb, false);
    let to_office = export(&laptop, &usb, false);
    let r1 = json(&huka(&laptop, &["sync", "import", &to_laptop, "--json"]));
    let r2 = json(&huka(&office, &["sync", "import", &to_office, "--json"]));
    assert_eq!(r1["conflicts"].as_u64().unwrap() + r2["conflicts"].as_u64().unwrap(), 2, "each side notes it: {r1} {r2}");
    assert_eq!(phone_of(&office, &number), phone_of(&laptop, &number), "both agree on the winner");
    let c_office = json(&huka(&office, &["sync", "conflicts", "--json"]));
    let c_laptop = json(&huka(&laptop, &["sync", "conflicts", "--json"]));
    assert_eq!(c_office.as_array().unwrap().len(), 1);
    assert_eq!(c_office, c_laptop);
    let c = &c_office[0];
    assert_eq!((c["table"].as_str(), c["field"].as_str()), (Some("household"), Some("phone")));
    let lost = c["lostValue"].as_str().unwrap().to_string();
    // The principal swaps on the office PC; the laptop takes it at the next exchange.
    assert!(huka(&office, &["sync", "resolve", c["id"].as_str().unwrap(), "--swap"]).status.success());
    let after = export(&office, &usb, false);
    let r3 = json(&huka(&laptop, &["sync", "import", &after, "--json"]));
    assert_eq!(r3["conflicts"].as_u64(), Some(0), "a decision is no new conflict: {r3}");
    assert_eq!(phone_of(&laptop, &number), lost);
    assert!(json(&huka(&laptop, &["sync", "conflicts", "--json"])).as_array().unwrap().is_empty());

    let devices = json(&huka(&office, &["sync", "devices", "--json"]));
    assert_eq!(devices.as_array().unwrap().len(), 2, "{devices}");
    assert!(devices[1]["lastExchange"].is_string());
    // Both chains of the audit trail are on each computer and hold.
    for db in [&office, &laptop] {
        let v = json(&huka(db, &["audit", "verify", "--json"]));
        assert_eq!(v["heads"].as_array().unwrap().len(), 2, "{v}");
    }
}

/// The principal's new computer joins from a backup of the office (`huka backup`, then
/// `huka sync import` of it on an empty path): the whole school, a device of its own, files
/// both ways after. A teacher is told, in a sentence and with exit status 1, to join from a
/// complete change file, and nothing is left at the path.
#[test]
fn a_new_computer_joins_from_the_offices_backup_and_a_teacher_is_sent_to_a_change_file() {
    let dir = tempfile::tempdir().unwrap();
    let office = dir.path().join("office.db");
    let computer = dir.path().join("principal.db");
    let usb = dir.path().join("usb");
    assert!(huka(&office, &["demo", "--students", "40"]).status.success());
    add_teacher_li(&office);
    std::fs::create_dir_all(&usb).unwrap();
    let backup = json(&huka(&office, &["backup", "--out", usb.to_str().unwrap(), "--json"]))["path"].as_str().unwrap().to_string();

    let out = huka_command(&computer, &["sync", "import", &backup]).env("HUKA_USER", "li").env("HUKA_PASSWORD", "teacher-pass").env("HUKA_LANG", "zh").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("教师的电脑不能用它加入"), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!computer.exists() && !dir.path().join("principal.db.keys").exists(), "nothing left");

    let joined = json(&huka(&computer, &["sync", "import", &backup, "--json"]));
    assert!(joined["new"].as_u64().unwrap() > 40, "{joined}");
    assert_eq!(json(&huka(&computer, &["stats", "--json"])), json(&huka(&office, &["stats", "--json"])));
    let list = dir.path().join("名单.csv");
    std::fs::write(&list, "户编号,户主姓名,与户主关系,姓名,证件号码\n619999001,新户主,户主,新户主,610921198001010114\n").unwrap();
    assert!(huka(&computer, &["import", "households", list.to_str().unwrap()]).status.success());
    let r = json(&huka(&office, &["sync", "import", &export(&computer, &usb, false), "--json"]));
    assert_eq!((r["new"].as_u64(), r["conflicts"].as_u64()), (Some(2), Some(0)), "{r}");
    assert_eq!(json(&huka(&computer, &["stats", "--json"])), json(&huka(&office, &["stats", "--json"])));
    let devices = json(&huka(&office, &["sync", "devices", "--json"]));
    assert_eq!(devices.as_array().unwrap().len(), 2, "{devices}");
    for db in [&office, &computer] {
        let v = json(&huka(db, &["audit", "verify", "--json"]));
        assert_eq!(v["heads"].as_array().unwrap().len(), 2, "{v}");
    }
}

#[test]
fn files_of_another_school_or_damaged_are_refused_and_a_teachers_laptop_holds_no_id_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let office = dir.path().join("office.db");
    let other = dir.path().join("other.db");
    let usb = dir.path().join("usb");
    assert!(huka(&office, &["demo", "--students", "10"]).status.success());
    assert!(huka(&other, &["init", "--school-code", "2161092199", "--school-name", "另一所学校"]).status.success());
    let theirs = export(&other, &usb, true);
    let out = huka(&office, &["sync", "import", &theirs]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("2161092199"), "{}", String::from_utf8_lossy(&out.stderr));

    let ours = export(&office, &usb, true);
    let mut bytes = std::fs::read(&ours).unwrap();
    let n = bytes.len();
    bytes[n - 10] ^= 0x40;
    let damaged = dir.path().join("damaged.hukasync");
    std::fs::write(&damaged, &bytes).unwrap();
    let out = huka(&office, &["sync", "import", damaged.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!String::from_utf8_lossy(&out.stderr).is_empty());

    // A teacher's laptop holds only what the teacher may see: a teacher with no students in
    // their care gets every card without its ID numbers.
    add_teacher_li(&office);
    let full = export(&office, &usb, true);
    let laptop = dir.path().join("laptop.db");
    let out = huka_command(&laptop, &["sync", "import", &full, "--json"]).env("HUKA_USER", "li").env("HUKA_PASSWORD", "teacher-pass").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    {
        let store = huka_core::session::unlock(&laptop, "li", "teacher-pass").unwrap();
        let with_ids: i64 = store.conn().query_row("SELECT count(*) FROM member WHERE resident_id <> ''", [], |r| r.get(0)).unwrap();
        let members: i64 = store.conn().query_row("SELECT count(*) FROM member", [], |r| r.get(0)).unwrap();
        assert!(members > 10 && with_ids == 0, "{with_ids} of {members} members keep their ID number");
    }
    // A wrong password joins nothing.
    let other_laptop = dir.path().join("other-laptop.db");
    let out = huka_command(&other_laptop, &["sync", "import", &full]).env("HUKA_PASSWORD", "wrong-password").output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let laptop = other_laptop;
    assert!(!laptop.exists(), "a refused join leaves no database");
}

#[test]
fn a_change_file_from_a_teachers_laptop_is_applied_only_as_far_as_the_teacher_may_and_import_lists_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let office = dir.path().join("office.db");
    let laptop = dir.path().join("laptop.db");
    let usb = dir.path().join("usb");
    assert!(huka(&office, &["demo", "--students", "10"]).status.success());
    // A teacher with no household in their care joins with a laptop.
    add_teacher_li(&office);
    let full = export(&office, &usb, true);
    let as_li = |db: &Path, args: &[&str]| huka_command(db, args).env("HUKA_USER", "li").env("HUKA_PASSWORD", "teacher-pass").output().unwrap();
    assert!(as_li(&laptop, &["sync", "import", &full, "--json"]).status.success());
    // A script changes a card on the laptop as the teacher, around the window.
    let number = {
        let mut store = huka_core::session::unlock(&laptop, "li", "teacher-pass").unwrap();
        let (id, number): (String, String) =
            store.conn().query_row("SELECT id, household_number FROM household WHERE deleted_at IS NULL ORDER BY household_number LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        store.write(|w| Ok(w.tx().execute("UPDATE household SET phone = '13900000000' WHERE id = ?1", [&id])?)).unwrap();
        number
    };
    let before = phone_of(&office, &number);
    let out = as_li(&laptop, &["sync", "export", "--out", usb.to_str().unwrap(), "--json"]);
    let file = json(&out)["path"].as_str().unwrap().to_string();
    let report = json(&huka(&office, &["sync", "import", &file, "--json"]));
    let refused = report["refused"].as_array().unwrap();
    assert_eq!(refused.len(), 1, "{report:#}");
    assert_eq!(refused[0]["table"], "household");
    assert_eq!(refused[0]["author"], "li");
    assert_eq!(refused[0]["authorRole"], "teacher");
    assert!(refused[0]["reason"].as_str().unwrap().contains("只能为自己结对帮扶"), "{report:#}");
    assert!(refused[0]["reasonEn"].as_str().unwrap().contains("may only change this household card"), "{report:#}");
    assert_eq!(phone_of(&office, &number), before, "nothing of it in the office's database");
    // Printed too (in the language of the test: English).
    let out = huka(&office, &["sync", "import", &file]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("refused 1") && text.contains(&number) && text.contains("may only change this household card"), "{text}");
}

/// A change file on a stick that went through a Mac and Windows: the `._` file beside it is
/// refused with the name of the real one (exit 2, nothing read); a copy Windows named `… (1)`
/// is read as what it is — a copy of the file beside it, or of one read here before — and
/// changes nothing the first did not.
#[test]
fn a_change_files_mac_shadow_is_refused_and_a_renamed_copy_is_told_as_a_copy() {
    let dir = tempfile::tempdir().unwrap();
    let office = dir.path().join("office.db");
    let laptop = dir.path().join("laptop.db");
    let usb = dir.path().join("usb");
    assert!(huka(&office, &["demo", "--students", "20"]).status.success());
    let full = export(&office, &usb, true);
    json(&huka(&laptop, &["sync", "import", &full, "--json"]));
    let list = dir.path().join("名单.csv");
    std::fs::write(&list, "户编号,户主姓名,与户主关系,姓名,证件号码\n619999001,新户主,户主,新户主,610921198001010114\n").unwrap();
    assert!(huka(&office, &["import", "households", list.to_str().unwrap()]).status.success());
    let changes = std::path::PathBuf::from(export(&office, &usb, false));
    let name = changes.file_name().unwrap().to_str().unwrap().to_string();
    let shadow = usb.join(format!("._{name}"));
    std::fs::write(&shadow, b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        ").unwrap();
    let out = huka_command(&laptop, &["sync", "import", shadow.to_str().unwrap()]).env("LANG", "zh_CN.UTF-8").output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("附属文件") && said.contains(&format!("请选择旁边的“{name}”")), "{said}");

    let copy = usb.join(format!("{} (1).hukasync", name.strip_suffix(".hukasync").unwrap()));
    std::fs::copy(&changes, &copy).unwrap();
    let r = json(&huka(&laptop, &["sync", "import", copy.to_str().unwrap(), "--json"]));
    assert_eq!((r["copyOf"].as_str(), r["new"].as_u64()), (Some(name.as_str()), Some(2)), "{r}");
    let r = json(&huka(&laptop, &["sync", "import", changes.to_str().unwrap(), "--json"]));
    assert!(r["copyOf"].is_null() && r["new"] == 0 && r["updated"] == 0, "{r}");
    // Alone on another stick, the copy is still told by its content: read here before.
    let other = dir.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    let alone = other.join(format!("{} - 副本.hukasync", name.strip_suffix(".hukasync").unwrap()));
    std::fs::rename(&copy, &alone).unwrap();
    let r = json(&huka(&laptop, &["sync", "import", alone.to_str().unwrap(), "--json"]));
    assert_eq!((r["copyOf"].as_str(), r["new"].as_u64(), r["updated"].as_u64()), (Some(name.as_str()), Some(0), Some(0)), "{r}");
    let out = huka_command(&laptop, &["sync", "import", alone.to_str().unwrap()]).env("LANG", "zh_CN.UTF-8").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("这是 {name} 的副本")));
}
