//! The window's commands through `tauri::test` (mock runtime, no display): arguments arrive
//! as the UI sends them (camelCase JSON), results and errors leave as the UI reads them.

use std::path::PathBuf;

use huka_app::{with_commands, AppState};
use serde_json::{json, Value};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{Manager, WebviewWindow};

struct Window {
    webview: WebviewWindow<tauri::test::MockRuntime>,
    app: tauri::App<tauri::test::MockRuntime>,
    dir: tempfile::TempDir,
}

/// The test installations' first account (as in tests/support).
const PRINCIPAL: &str = "wang";
const PASSWORD: &str = "principal-pass";

/// A window on a fresh path: nothing there yet (first start), nobody logged in.
fn window() -> Window {
    let dir = tempfile::tempdir().unwrap();
    window_on(dir.path().join("huka.db"), dir)
}

fn window_on(path: PathBuf, dir: tempfile::TempDir) -> Window {
    let app = with_commands(mock_builder(), AppState::new(path)).build(mock_context(noop_assets())).unwrap();
    let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
    Window { webview, app, dir }
}

/// A window on a new encrypted school, the principal (`wang`) logged in.
fn school_window() -> Window {
    let w = window();
    w.create_school();
    w
}

impl Window {
    fn call(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        get_ipc_response(
            &self.webview,
            InvokeRequest {
                cmd: cmd.into(),
                callback: tauri::ipc::CallbackFn(0),
                error: tauri::ipc::CallbackFn(1),
                url: "tauri://localhost".parse().unwrap(),
                body: tauri::ipc::InvokeBody::Json(args),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|b| b.deserialize::<Value>().unwrap())
    }

    fn ok(&self, cmd: &str, args: Value) -> Value {
        self.call(cmd, args).unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
    }

    fn code(&self, cmd: &str, args: Value) -> String {
        let err = self.call(cmd, args).expect_err(cmd);
        err["code"].as_str().unwrap().to_string()
    }

    /// First start of a school: its details and the principal; returns the recovery code.
    fn create_school(&self) -> String {
        let created = self.ok("session_create", json!({ "setup": { "mode": "school", "school": school()["input"] }, "account": principal() }));
        created["recoveryCode"].as_str().unwrap().to_string()
    }

    fn login(&self, login: &str, password: &str) -> Value {
        self.ok("session_login", json!({ "login": login, "password": password }))
    }

    fn state(&self) -> tauri::State<'_, AppState> {
        self.app.state::<AppState>()
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("huka.db")
    }
}

fn principal() -> Value {
    json!({ "name": "王校长", "login": PRINCIPAL, "password": PASSWORD })
}

fn school() -> Value {
    json!({ "input": { "code": "2161092101", "name": "涧池镇九年制学校", "town": "涧池镇", "district": "第三督学责任区" } })
}

fn household(number: &str, head: &str) -> Value {
    json!({
        "householdNumber": number, "headName": head, "town": "涧池镇", "village": "仁河村", "group": "3组",
        "phone": "13891501234", "status": "registered_poor", "povertyCauses": ["illness"], "notes": ""
    })
}

/// A member who is an enrolled student, as the member form sends it.
fn student(name: &str, stage: &str, grade: i64, class: &str, boarding: bool) -> Value {
    json!({ "name": name, "relation": "之子", "residentId": "", "gender": null, "birthDate": null, "health": "", "migrantWork": false,
            "student": { "nationalStudentNumber": "", "stage": stage, "grade": grade, "className": class, "enrolmentStatus": "enrolled",
                         "boarding": boarding, "leftBehind": false, "disabled": false, "orphan": false, "singleParent": false } })
}

#[test]
fn first_start_creates_the_principal_and_shows_the_recovery_code_once() {
    let w = window();
    let status = w.ok("session_status", json!({}));
    assert_eq!(status["phase"], "first_start");
    assert_eq!(status["actor"], Value::Null);
    assert_eq!(w.code("app_info", json!({})), "locked", "nothing before an account");
    assert_eq!(w.ok("password_strength", json!({ "password": "short" })), "tooShort");
    assert_eq!(w.ok("password_strength", json!({ "password": "Huka-2026-school" })), "strong");

    let short = w.call("session_create", json!({ "setup": { "mode": "school", "school": school()["input"] },
        "account": { "name": "王校长", "login": "wang", "password": "short" } })).unwrap_err();
    assert_eq!(short["fields"][0]["field"], "password");
    assert!(!w.db().exists(), "nothing is written before every field is right");

    let code = w.create_school();
    assert_eq!(code.len(), 29, "six groups of four: {code}");
    assert_eq!(code.matches('-').count(), 5);
    let status = w.ok("session_status", json!({}));
    assert_eq!(status["phase"], "unlocked");
    assert_eq!((status["actor"]["login"].as_str(), status["actor"]["role"].as_str()), (Some("wang"), Some("principal")));
    assert_eq!((status["mode"].as_str(), status["name"].as_str()), (Some("school"), Some("涧池镇九年制学校")));
    let info = w.ok("app_info", json!({}));
    assert_eq!(info["school"]["code"], "2161092101");
    assert_eq!(info["actor"]["name"], "王校长");
    assert_eq!(info["language"], "zh");

    w.ok("settings_set_language", json!({ "language": "en" }));
    assert_eq!(w.ok("app_info", json!({}))["language"], "en");
    assert_eq!(w.code("session_create", json!({ "setup": { "mode": "school", "school": school()["input"] }, "account": principal() })), "database_exists");
    let bytes = std::fs::read(w.db()).unwrap();
    assert!(!bytes.starts_with(b"SQLite format 3"), "encrypted at rest");
}

#[test]
fn a_wrong_password_is_refused_and_locking_refuses_every_command() {
    let w = school_window();
    w.ok("household_create", json!({ "input": household("0001", "王建国") }));
    w.ok("session_lock", json!({}));
    assert_eq!(w.ok("session_status", json!({}))["phase"], "login");
    for (cmd, args) in [("app_info", json!({})), ("household_list", json!({ "search": "" })), ("account_list", json!({})), ("session_touch", json!({}))] {
        if cmd == "session_touch" {
            w.ok(cmd, args); // harmless when locked
        } else {
            let err = w.call(cmd, args).unwrap_err();
            assert_eq!(err["code"], "locked", "{cmd}");
            assert!(err["message"].as_str().unwrap().contains("登录"), "{err}");
        }
    }
    let wrong = w.call("session_login", json!({ "login": PRINCIPAL, "password": "not-the-password" })).unwrap_err();
    assert_eq!(wrong["code"], "wrong_password");
    assert_eq!(w.code("session_login", json!({ "login": "nobody", "password": PASSWORD })), "wrong_password");
    assert_eq!(w.ok("session_status", json!({}))["phase"], "login");
    let status = w.login("WANG", PASSWORD);
    assert_eq!(status["phase"], "unlocked");
    assert_eq!(w.ok("household_list", json!({ "search": "" })).as_array().unwrap().len(), 1);

    // Idle: nothing for longer than the idle time locks the session (the watcher thread asks
    // the same question every few seconds).
    let state = w.state();
    assert!(!state.lock_if_idle(std::time::Instant::now()), "just used");
    assert_eq!(w.ok("settings_set_idle_minutes", json!({ "minutes": 0 })), 1, "at least a minute");
    assert_eq!(w.ok("settings_idle_minutes", json!({})), 1);
    assert!(!state.lock_if_idle(std::time::Instant::now() + std::time::Duration::from_secs(50)));
    assert!(state.lock_if_idle(std::time::Instant::now() + std::time::Duration::from_secs(61)));
    assert_eq!(w.code("household_list", json!({ "search": "" })), "locked");
}

#[test]
fn the_recovery_code_resets_the_principal_and_nobody_else() {
    let w = window();
    let code = w.create_school();
    w.ok("account_add", json!({ "input": { "login": "li", "name": "李老师", "role": "teacher" }, "password": "teacher-pass" }));
    w.ok("session_lock", json!({}));
    assert_eq!(w.code("session_recover", json!({ "code": "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF", "login": PRINCIPAL, "password": "new-password-1" })), "wrong_password");
    let err = w.call("session_recover", json!({ "code": code, "login": "li", "password": "new-password-1" })).unwrap_err();
    assert_eq!(err["code"], "forbidden");
    let status = w.ok("session_recover", json!({ "code": code.to_lowercase(), "login": PRINCIPAL, "password": "new-password-1" }));
    assert_eq!(status["actor"]["role"], "principal");
    w.ok("session_lock", json!({}));
    assert_eq!(w.code("session_login", json!({ "login": PRINCIPAL, "password": PASSWORD })), "wrong_password");
    w.login(PRINCIPAL, "new-password-1");
}

#[test]
fn accounts_and_what_a_teacher_may_do() {
    let w = school_window();
    let h = w.ok("household_create", json!({ "input": household("0001", "王建国") }));
    let mut kid = student("王小明", "primary", 3, "2班", false);
    kid["residentId"] = json!("61092120130305001X");
    kid["health"] = json!("哮喘");
    w.ok("member_create", json!({ "householdId": h["id"], "input": kid }));
    let zhang = w.ok("teacher_create", json!({ "input": { "name": "张老师", "phone": "", "subject": "数学", "role": "class_teacher" } }));

    // A teacher account linked to an existing teacher record, and one that makes its own.
    let short = w.call("account_add", json!({ "input": { "login": "zhang", "name": "张老师", "role": "teacher", "teacherId": zhang["id"] }, "password": "short" })).unwrap_err();
    assert_eq!(short["fields"][0]["field"], "password");
    let a = w.ok("account_add", json!({ "input": { "login": "zhang", "name": "张老师", "role": "teacher", "teacherId": zhang["id"] }, "password": "teacher-pass" }));
    assert_eq!(a["teacherId"], zhang["id"]);
    let li = w.ok("account_add", json!({ "input": { "login": "li", "name": "李老师", "role": "teacher" }, "password": "teacher-pass" }));
    assert!(li["teacherId"].is_string(), "a teacher record is made");
    w.ok("account_add", json!({ "input": { "login": "liu", "name": "刘专干", "role": "aid_officer" }, "password": "aid-officer-pass" }));
    let list = w.ok("account_list", json!({}));
    assert_eq!(list.as_array().unwrap().len(), 4);
    assert!(!list.to_string().contains("teacher-pass"), "no password material");
    assert_eq!(w.code("account_disable", json!({ "login": PRINCIPAL })), "invalid_input", "not oneself");

    // The classes 张老师 heads: 3年级2班.
    let classes = w.ok("pairing_classes", json!({}));
    assert_eq!(classes[0]["className"], "2班");
    let set = w.ok("teacher_set_classes", json!({ "id": zhang["id"], "classes": [{ "stage": "primary", "grade": 3, "className": "2班" }] }));
    assert_eq!(set[0]["grade"], 3);
    assert_eq!(w.ok("teacher_classes", json!({ "id": zhang["id"] }))[0]["className"], "2班");

    let card = w.ok("household_card", json!({ "id": h["id"] }));
    assert_eq!((card["mayEdit"].as_bool(), card["mayDelete"].as_bool(), card["restricted"].as_bool()), (Some(true), Some(true), Some(false)));
    assert_eq!(card["lastChange"]["by"], "王校长");

    // 李老师 heads no class and helps nobody: the card is masked and read-only.
    w.ok("session_lock", json!({}));
    let status = w.login("li", "teacher-pass");
    assert_eq!((status["actor"]["role"].as_str(), status["actor"]["teacherId"].as_str()), (Some("teacher"), li["teacherId"].as_str()));
    let card = w.ok("household_card", json!({ "id": h["id"] }));
    assert_eq!((card["mayEdit"].as_bool(), card["mayDelete"].as_bool(), card["restricted"].as_bool()), (Some(false), Some(false), Some(true)));
    let m = &card["members"][0];
    assert_ne!(m["residentId"], "61092120130305001X");
    assert!(m["residentId"].as_str().unwrap().contains('*'), "{m}");
    assert_eq!(m["health"], "");
    for (cmd, args) in [
        ("key_create", json!({ "passphrase": "jianchi-2026" })),
        ("account_list", json!({})),
        ("account_add", json!({ "input": { "login": "x", "name": "X", "role": "teacher" }, "password": "password-1" })),
        ("household_update", json!({ "id": h["id"], "input": household("0001", "王建华") })),
        ("settings_set_idle_minutes", json!({ "minutes": 30 })),
    ] {
        let err = w.call(cmd, args).unwrap_err();
        assert_eq!(err["code"], "forbidden", "{cmd}: {err}");
        assert!(err["message"].as_str().unwrap().starts_with("权限不足"), "{err}");
    }
    // Their own password, yes.
    w.ok("account_set_password", json!({ "login": "li", "password": "teacher-pass-2" }));

    // 张老师 heads the class: editable, and told that a health or disability note is kept; the
    // note itself and the ID number are the holders' (only the principal and the aid officer
    // hold the second key they are sealed under, issue 22).
    w.ok("session_lock", json!({}));
    w.login("zhang", "teacher-pass");
    let card = w.ok("household_card", json!({ "id": h["id"] }));
    assert_eq!((card["mayEdit"].as_bool(), card["restricted"].as_bool()), (Some(true), Some(false)));
    assert_eq!(card["members"][0]["residentId"], "610921********001X");
    assert_eq!(card["members"][0]["health"], "");
    assert_eq!(card["members"][0]["hasHealthNote"], true);
    w.ok("household_update", json!({ "id": h["id"], "input": household("0001", "王建华") }));
    assert_eq!(w.ok("household_card", json!({ "id": h["id"] }))["lastChange"]["by"], "张老师");

    // The principal disables 李老师, who can no longer log in.
    w.ok("session_lock", json!({}));
    w.login(PRINCIPAL, PASSWORD);
    let disabled = w.ok("account_disable", json!({ "login": "li" }));
    assert!(disabled["disabledAt"].is_string());
    w.ok("session_lock", json!({}));
    assert_eq!(w.code("session_login", json!({ "login": "li", "password": "teacher-pass-2" })), "wrong_password");
}

#[test]
fn a_plain_database_from_before_accounts_converts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huka.db");
    {
        let mut plain = huka_core::Store::open_unencrypted(&path, &huka_core::SCHEMA).unwrap();
        let input: huka_core::school::SchoolInput = serde_json::from_value(school()["input"].clone()).unwrap();
        huka_core::school::setup(&mut plain, &input).unwrap();
        huka_core::demo::generate(&mut plain, &huka_core::demo::DemoOptions { students: 20, seed: 1 }).unwrap();
    }
    let w = window_on(path.clone(), dir);
    assert_eq!(w.ok("session_status", json!({}))["phase"], "convert");
    assert_eq!(w.code("session_login", json!({ "login": PRINCIPAL, "password": PASSWORD })), "not_encrypted");
    let done = w.ok("session_convert", json!({ "account": principal() }));
    assert_eq!(done["counts"]["students"], 20);
    assert_eq!(done["recoveryCode"].as_str().unwrap().len(), 29);
    let status = w.ok("session_status", json!({}));
    assert_eq!((status["phase"].as_str(), status["actor"]["role"].as_str()), (Some("unlocked"), Some("principal")));
    assert_eq!(w.ok("app_info", json!({}))["stats"]["students"], 20);
    w.ok("session_lock", json!({}));
    assert_eq!(w.ok("session_status", json!({}))["phase"], "login");
}

#[test]
fn a_county_starts_with_its_reviewer() {
    let w = window();
    w.ok("session_create", json!({ "setup": { "mode": "county", "countyName": "汉阴县" }, "account": { "name": "刘审核", "login": "liu", "password": PASSWORD } }));
    let status = w.ok("session_status", json!({}));
    assert_eq!((status["mode"].as_str(), status["name"].as_str(), status["actor"]["role"].as_str()), (Some("county"), Some("汉阴县"), Some("reviewer")));
    assert_eq!(w.ok("account_list", json!({})).as_array().unwrap().len(), 1);
    let err = w.call("account_add", json!({ "input": { "login": "x", "name": "X", "role": "teacher" }, "password": "password-1" })).unwrap_err();
    assert_eq!(err["fields"][0]["field"], "role", "a county has reviewers only");
}

#[test]
fn household_card_round_trip_through_the_commands() {
    let w = school_window();
    let h = w.ok("household_create", json!({ "input": household("0001", "王建国") }));
    let id = h["id"].as_str().unwrap().to_string();
    assert_eq!(h["headName"], "王建国");
    assert!(h["createdAt"].as_str().unwrap().ends_with('Z'));

    let m = w.ok(
        "member_create",
        json!({ "householdId": id, "input": {
            "name": "王小明", "relation": "之子", "residentId": "６１０９２１２０１３０３０５００１x",
            "gender": "female", "birthDate": null, "health": "", "migrantWork": false,
            "student": { "nationalStudentNumber": "", "stage": "primary", "grade": 6, "className": "2班",
                         "enrolmentStatus": "enrolled", "boarding": true, "leftBehind": false, "disabled": false,
                         "orphan": false, "singleParent": false } } }),
    );
    assert_eq!(m["residentId"], "61092120130305001X");
    assert_eq!(m["birthDate"], "2013-03-05");
    assert_eq!(m["idMismatch"], json!(["gender"]), "typed gender kept and flagged");
    assert_eq!(m["student"]["grade"], 6);

    let t = w.ok("teacher_create", json!({ "input": { "name": "张老师", "phone": "", "subject": "数学", "role": "class_teacher" } }));
    let linked = w.ok("household_set_teachers", json!({ "id": id, "teacherIds": [t["id"]] }));
    assert_eq!(linked[0]["name"], "张老师");

    let card = w.ok("household_card", json!({ "id": id }));
    assert_eq!(card["household"]["householdNumber"], "0001");
    assert_eq!(card["members"][0]["name"], "王小明");
    assert_eq!(card["teachers"][0]["householdCount"], 1);

    let list = w.ok("household_list", json!({ "search": "小明" }));
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["studentCount"], 1);

    let edited = w.ok("household_update", json!({ "id": id, "input": household("0001", "王建华") }));
    assert_eq!(edited["headName"], "王建华");

    w.ok("household_delete", json!({ "id": id }));
    assert_eq!(w.ok("household_list", json!({ "search": "" })), json!([]));
    let gone = w.call("household_card", json!({ "id": id })).unwrap_err();
    assert_eq!(gone["code"], "not_found");
}

#[test]
fn errors_reach_the_window_as_a_code_messages_and_fields() {
    let w = school_window();
    let err = w.call("household_create", json!({ "input": household("", "") })).unwrap_err();
    assert_eq!(err["code"], "invalid_input");
    assert!(err["message"].as_str().unwrap().contains("户编号"));
    assert!(err["messageEn"].as_str().unwrap().contains("household number"));
    let fields: Vec<&str> = err["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["householdNumber", "headName"]);

    let check = w.ok("resident_id_check", json!({ "raw": "610921201303050011" }));
    assert_eq!(check["valid"], false);
    assert_eq!(check["problem"]["code"], "resident_id_check");
    let check = w.ok("resident_id_check", json!({ "raw": "61092120130305001x" }));
    assert_eq!((check["valid"].as_bool(), check["gender"].as_str()), (Some(true), Some("male")));
}

#[test]
fn demo_data_a_backup_its_contents_and_a_restore_that_locks_the_window() {
    let w = school_window();
    let stats = w.ok("demo_load", json!({ "students": 40, "seed": 3 }));
    assert_eq!(stats["students"], 40);
    let again = w.call("demo_load", json!({})).unwrap_err();
    assert_eq!(again["code"], "not_empty");

    // 备份: the proposed name, then the file the save dialog gave (the extension added).
    let name = w.ok("backup_file_name", json!({})).as_str().unwrap().to_string();
    assert!(name.starts_with("huka-2161092101-") && name.ends_with(".hukabackup"), "{name}");
    let usb = tempfile::tempdir().unwrap();
    let written = w.ok("backup_write", json!({ "path": usb.path().join("周五备份") }));
    let backup = PathBuf::from(written["path"].as_str().unwrap());
    assert_eq!(backup, usb.path().join("周五备份.hukabackup"));
    assert_eq!((written["schoolCode"].as_str(), written["counts"]["students"].as_i64()), (Some("2161092101"), Some(40)));
    let head = w.ok("household_list", json!({ "search": "" }))[0]["headName"].as_str().unwrap().to_string();
    let bytes = std::fs::read(&backup).unwrap();
    assert!(!bytes.windows(head.len()).any(|b| b == head.as_bytes()), "the backup is encrypted");

    // 恢复: what the backup holds, opened with the login and password.
    assert_eq!(w.code("backup_inspect", json!({ "path": backup, "login": PRINCIPAL, "password": "not-the-password" })), "wrong_password");
    let info = w.ok("backup_inspect", json!({ "path": backup, "login": PRINCIPAL, "password": PASSWORD }));
    assert_eq!((info["schoolName"].as_str(), info["counts"]["households"].as_i64()), (Some("涧池镇九年制学校"), stats["households"].as_i64()));
    assert!(info["createdAt"].as_str().unwrap().ends_with('Z'));
    let not_a_backup = usb.path().join("x.hukabackup");
    std::fs::write(&not_a_backup, "no").unwrap();
    assert_eq!(w.code("backup_inspect", json!({ "path": not_a_backup, "login": PRINCIPAL, "password": PASSWORD })), "not_a_backup");

    // A card added after the backup; the restore brings the backup back and locks the window.
    w.ok("household_create", json!({ "input": household("9999", "新来户") }));
    let refused = w.call("backup_restore", json!({ "path": backup, "login": PRINCIPAL, "password": "not-the-password", "force": false })).unwrap_err();
    assert_eq!(refused["code"], "wrong_password");
    assert_eq!(w.ok("session_status", json!({}))["phase"], "unlocked", "a refused restore leaves the window as it was");
    let restored = w.ok("backup_restore", json!({ "path": backup, "login": PRINCIPAL, "password": PASSWORD, "force": false }));
    let kept = PathBuf::from(restored["keptPrevious"].as_str().unwrap());
    assert!(kept.exists() && kept.file_name().unwrap().to_string_lossy().contains("before-restore"), "{}", kept.display());
    assert_eq!(restored["backup"]["counts"]["students"], 40);
    assert_eq!(w.ok("session_status", json!({}))["phase"], "login", "the database changed under the window");
    assert_eq!(w.code("household_list", json!({ "search": "" })), "locked");
    w.login(PRINCIPAL, PASSWORD);
    let after = w.ok("household_list", json!({ "search": "" }));
    assert!(!after.to_string().contains("新来户"), "the card added after the backup is gone");
    assert_eq!(after.as_array().unwrap().len() as i64, stats["households"].as_i64().unwrap());
    // The dated copy is the database as it was, with the card.
    let previous = huka_core::session::unlock(&kept, PRINCIPAL, PASSWORD).unwrap();
    assert_eq!(huka_core::stats::get(&previous).unwrap().households, stats["households"].as_i64().unwrap() + 1);
}

#[test]
fn a_backup_of_another_school_is_restored_only_when_forced() {
    let other = window();
    other.ok("session_create", json!({ "setup": { "mode": "school", "school": { "code": "2161099999", "name": "别的学校", "town": "", "district": "" } }, "account": principal() }));
    other.ok("household_create", json!({ "input": household("0007", "别校户") }));
    let usb = tempfile::tempdir().unwrap();
    let backup = PathBuf::from(other.ok("backup_write", json!({ "path": usb.path().join("other.hukabackup") }))["path"].as_str().unwrap());

    let w = school_window();
    w.ok("household_create", json!({ "input": household("0001", "王建国") }));
    assert_eq!(w.ok("backup_inspect", json!({ "path": backup, "login": PRINCIPAL, "password": PASSWORD }))["schoolCode"], "2161099999");
    let refused = w.call("backup_restore", json!({ "path": backup, "login": PRINCIPAL, "password": PASSWORD, "force": false })).unwrap_err();
    assert_eq!(refused["code"], "backup_of_another_school");
    assert!(refused["message"].as_str().unwrap().contains("2161099999"), "{refused}");
    assert_eq!(w.ok("session_status", json!({}))["phase"], "unlocked", "refused: still logged in");
    assert_eq!(w.ok("household_list", json!({ "search": "" }))[0]["headName"], "王建国", "nothing changed");

    // A teacher may not restore (nor back up).
    w.ok("account_add", json!({ "input": { "login": "li", "name": "李老师", "role": "teacher" }, "password": "teacher-pass" }));
    w.ok("session_lock", json!({}));
    w.login("li", "teacher-pass");
    assert_eq!(w.code("backup_write", json!({ "path": usb.path().join("t.hukabackup") })), "forbidden");
    w.ok("session_lock", json!({}));
    w.login(PRINCIPAL, PASSWORD);

    w.ok("backup_restore", json!({ "path": backup, "login": PRINCIPAL, "password": PASSWORD, "force": true }));
    w.login(PRINCIPAL, PASSWORD);
    assert_eq!(w.ok("app_info", json!({}))["school"]["code"], "2161099999");
    assert_eq!(w.ok("household_list", json!({ "search": "" }))[0]["headName"], "别校户");
}

#[test]
fn a_login_makes_the_days_automatic_backup_once() {
    let w = school_window();
    w.ok("household_create", json!({ "input": household("0001", "王建国") }));
    let made = w.ok("backup_auto", json!({ "today": "2026-11-29" }));
    let path = PathBuf::from(made.as_str().unwrap());
    assert_eq!(path, w.dir.path().join("backups").join("auto-20261129.hukabackup"));
    assert_eq!(w.ok("backup_auto", json!({ "today": "2026-11-29" })), Value::Null, "one a day");
    assert_eq!(huka_core::backup::inspect(&path, PRINCIPAL, PASSWORD).unwrap().counts.households, 1);
    // A teacher's login makes it too (the data's safety is nobody's right).
    w.ok("account_add", json!({ "input": { "login": "li", "name": "李老师", "role": "teacher" }, "password": "teacher-pass" }));
    w.ok("session_lock", json!({}));
    w.login("li", "teacher-pass");
    assert!(w.ok("backup_auto", json!({ "today": "2026-11-30" })).is_string());
}

#[test]
fn a_cards_history_names_who_changed_what() {
    let w = school_window();
    let h = w.ok("household_create", json!({ "input": household("0001", "王建国") }));
    let mut kid = student("王小明", "primary", 3, "2班", false);
    kid["residentId"] = json!("61092120130305001X");
    kid["health"] = json!("哮喘");
    let m = w.ok("member_create", json!({ "householdId": h["id"], "input": kid }));
    w.ok("household_update", json!({ "id": h["id"], "input": household("0001", "王建华") }));
    let history = w.ok("audit_household", json!({ "id": h["id"] }));
    let entries = history.as_array().unwrap();
    assert!(entries.len() >= 3, "{history}");
    let newest = &entries[0];
    assert_eq!((newest["account"].as_str(), newest["op"].as_str(), newest["kind"].as_str()), (Some("王校长"), Some("update"), Some("household")));
    assert_eq!(newest["changes"]["head_name"], json!(["王建国", "王建华"]));
    let member = entries.iter().find(|e| e["recordId"] == m["id"] && e["kind"] == "member").expect("the member's entry");
    assert_eq!(member["op"], "insert");
    assert_eq!(member["changes"]["name"][1], "王小明");
    assert_ne!(member["changes"]["resident_id"][1], "61092120130305001X", "ID numbers masked");
    assert_eq!(member["changes"]["health"][1], "哮喘");
    assert!(entries.iter().any(|e| e["kind"] == "student"), "the student record too");

    // A teacher who may not see the card in full: no health in its history either.
    w.ok("account_add", json!({ "input": { "login": "li", "name": "李老师", "role": "teacher" }, "password": "teacher-pass" }));
    w.ok("session_lock", json!({}));
    w.login("li", "teacher-pass");
    let history = w.ok("audit_household", json!({ "id": h["id"] }));
    assert!(!history.to_string().contains("哮喘"), "{history}");
}

#[test]
fn a_database_from_a_newer_huka_is_reported_at_login() {
    let w = school_window();
    w.ok("session_lock", json!({}));
    {
        let store = huka_core::session::unlock(&w.db(), PRINCIPAL, PASSWORD).unwrap();
        store.conn().execute_batch("PRAGMA user_version = 999;").unwrap();
    }
    let err = w.call("session_login", json!({ "login": PRINCIPAL, "password": PASSWORD })).unwrap_err();
    assert_eq!(err["code"], "schema_too_new");
    assert!(err["message"].as_str().unwrap().contains("升级"));
    assert_eq!(w.code("app_info", json!({})), "locked");
}

#[test]
fn a_database_without_its_key_file_says_why() {
    let w = school_window();
    w.ok("session_lock", json!({}));
    std::fs::remove_file(huka_core::keyfile::path_of(&w.db())).unwrap();
    let status = w.ok("session_status", json!({}));
    assert_eq!(status["phase"], "unavailable");
    assert_eq!(status["reason"]["code"], "key_file_missing");
}

#[test]
fn import_preview_apply_and_rejects_through_the_commands() {
    let w = school_window();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("roster.csv");
    std::fs::write(&file, "学生名册\n序号,姓名,身份证号,年级\n1,王小明,61092120130305001X,三年级\n2,李娜,610921201407190021,二年级\n").unwrap();

    let preview = w.ok("import_preview", json!({ "path": file, "kind": "roster", "choices": {} }));
    assert_eq!(preview["sheets"][0]["mapping"]["headerRow"], 2);
    assert_eq!(preview["report"]["rows"], 2);
    assert_eq!(preview["report"]["imported"], 1);
    assert_eq!(preview["report"]["errors"][0]["row"], 4);
    assert_eq!(preview["outcomes"]["3"], "new");

    let stale = w.call("import_apply", json!({ "path": file, "kind": "roster", "choices": {}, "fingerprint": "not the plan" })).unwrap_err();
    assert_eq!(stale["code"], "plan_changed");

    let done = w.ok("import_apply", json!({ "path": file, "kind": "roster", "choices": {}, "fingerprint": preview["fingerprint"] }));
    assert_eq!((done["imported"].as_i64(), done["rejected"].as_i64()), (Some(1), Some(1)));
    assert_eq!(w.ok("registration_unlinked", json!({})).as_array().unwrap().len(), 1);

    let out = dir.path().join("rejects.csv");
    let n = w.ok("import_save_rejects", json!({ "path": file, "kind": "roster", "choices": {}, "out": out }));
    assert_eq!(n, 1);
    assert!(std::fs::read_to_string(&out).unwrap().contains("李娜"));

    // A column mapped by hand is remembered.
    let odd = dir.path().join("odd.csv");
    std::fs::write(&odd, "名字,证件\n王小明,61092120130305001X\n").unwrap();
    assert_eq!(w.call("import_preview", json!({ "path": odd, "kind": "roster", "choices": {} })).unwrap_err()["code"], "no_header");
    let by_hand = json!({ "overrides": { "名字": "name", "证件": "resident_id" } });
    let mapped = w.ok("import_preview", json!({ "path": odd, "kind": "roster", "choices": by_hand }));
    w.ok("import_apply", json!({ "path": odd, "kind": "roster", "choices": by_hand, "fingerprint": mapped["fingerprint"] }));
    let again = w.ok("import_preview", json!({ "path": odd, "kind": "roster", "choices": {} }));
    assert_eq!(again["report"]["unchanged"], 1);
}

/// A workbook with an instructions sheet and a sheet per grade: every sheet is listed, and a
/// sheet the user unticks is neither planned nor imported.
#[test]
fn import_of_a_workbook_with_a_sheet_per_grade_and_one_left_out() {
    let w = school_window();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("名册.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    book.add_worksheet().set_name("填表说明").unwrap().write_string(0, 0, "身份证号请设为文本").unwrap();
    for (grade, rows) in [("一年级", [("王小明", "61092120130305001X")]), ("二年级", [("李娜", "610921201407190025")])] {
        let sheet = book.add_worksheet().set_name(grade).unwrap();
        sheet.write_string(0, 0, "姓名").unwrap();
        sheet.write_string(0, 1, "身份证号").unwrap();
        for (r, (name, rid)) in rows.iter().enumerate() {
            sheet.write_string(r as u32 + 1, 0, *name).unwrap();
            sheet.write_string(r as u32 + 1, 1, *rid).unwrap();
        }
    }
    book.save(&file).unwrap();

    let all = w.ok("import_preview", json!({ "path": file, "kind": "roster", "choices": {} }));
    let statuses: Vec<&str> = all["sheets"].as_array().unwrap().iter().map(|s| s["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["no_header", "imported", "imported"]);
    assert_eq!(all["report"]["sheets"][0]["message"], "跳过：填表说明 — 没有表头");
    assert_eq!(all["report"]["rows"], 2);
    assert_eq!(all["outcomes"]["二年级!2"], "new");

    let one = json!({ "sheets": ["一年级"] });
    let preview = w.ok("import_preview", json!({ "path": file, "kind": "roster", "choices": one }));
    assert_eq!(preview["report"]["rows"], 1);
    assert_eq!(preview["sheets"][2]["status"], "excluded");
    let done = w.ok("import_apply", json!({ "path": file, "kind": "roster", "choices": one, "fingerprint": preview["fingerprint"] }));
    assert_eq!(done["imported"], 1);
    let unknown = w.call("import_preview", json!({ "path": file, "kind": "roster", "choices": { "sheets": ["三年级"] } })).unwrap_err();
    assert_eq!(unknown["code"], "no_such_sheet");
}

#[test]
fn a_visit_a_plan_and_the_dashboard_through_the_commands() {
    let w = school_window();
    let h = w.ok("household_create", json!({ "input": household("0001", "王建国") }));
    let kid = w.ok(
        "member_create",
        json!({ "householdId": h["id"], "input": student("王小明", "primary", 3, "2班", false) }),
    );
    let t = w.ok("teacher_create", json!({ "input": { "name": "张老师", "phone": "", "subject": "数学", "role": "class_teacher" } }));
    let today = "2026-10-08";
    let before = w.ok("coverage_get", json!({ "term": "2026-autumn", "today": today }));
    assert_eq!(before["students"], 1);
    assert_eq!(before["noVisit"]["count"], 1);
    assert_eq!(before["noPairing"]["items"][0]["name"], "王小明");

    w.ok("pairing_assign", json!({ "teacherId": t["id"], "memberId": kid["id"], "startDate": "2026-09-01" }));
    let visit = w.ok(
        "visit_create",
        json!({ "input": { "householdId": h["id"], "visitDate": "2026-10-01", "teacherIds": [t["id"]], "studentIds": [kid["id"]],
                "mode": "in_home", "topics": ["资助政策"], "findings": "好", "requests": "", "parentName": "王建国", "parentAckDate": null,
                "followUps": [{ "action": "送学习用品", "ownerId": t["id"], "dueDate": "2026-10-05", "doneDate": null }] } }),
    );
    assert_eq!(visit["followUps"][0]["action"], "送学习用品");
    let plan = w.ok("plan_create", json!({ "input": { "memberId": kid["id"], "term": "2026-autumn", "goals": "及格" } }));
    w.ok("plan_set_status", json!({ "id": plan["id"], "status": "active", "today": today }));
    let bad = w.call("plan_set_status", json!({ "id": plan["id"], "status": "draft", "today": today })).unwrap_err();
    assert_eq!(bad["code"], "status_change");

    let after = w.ok("coverage_get", json!({ "term": "2026-autumn", "today": today }));
    assert_eq!((after["noVisit"]["count"].as_i64(), after["noPairing"]["count"].as_i64(), after["noActivePlan"]["count"].as_i64()), (Some(0), Some(0), Some(0)));
    assert_eq!(after["followUpsOverdue"]["count"], 1);
    let mine = w.ok("my_students", json!({ "teacherId": t["id"], "term": "2026-autumn", "today": today }));
    assert_eq!(mine[0]["overdueFollowUps"], 1);
    let card = w.ok("household_card", json!({ "id": h["id"] }));
    assert_eq!(card["visits"].as_array().unwrap().len(), 1);
    assert_eq!(card["plans"][0]["status"], "active");
    assert_eq!(card["pairings"][0]["teacherId"], t["id"]);
}

#[test]
fn a_grant_along_its_path_coverage_notice_and_the_three_lists_through_the_commands() {
    let w = school_window();
    let h = w.ok("household_create", json!({ "input": household("0001", "王建国") }));
    let kid = w.ok(
        "member_create",
        json!({ "householdId": h["id"], "input": student("王小明", "primary", 3, "2班", true) }),
    );
    let (term, today) = ("2026-autumn", "2026-10-20");
    let programmes = w.ok("aid_programmes", json!({}));
    let boarding = programmes.as_array().unwrap().iter().find(|p| p["code"] == "boarding_primary").unwrap()["id"].clone();
    let before = w.ok("aid_coverage", json!({ "term": term }));
    assert_eq!((before["due"].as_i64(), before["covered"].as_i64()), (Some(2), Some(0)), "boarding subsidy and nutrition meals");
    assert_eq!(before["missed"]["items"][0]["name"], "王小明");

    let g = w.ok(
        "aid_apply",
        json!({ "input": { "memberId": kid["id"], "programmeId": boarding, "term": term, "amount": "", "appliedDate": "2026-09-05",
                "parentName": "王建国", "classTeacherName": "张老师" }, "today": today }),
    );
    assert_eq!((g["status"].as_str(), g["amountFen"].as_i64()), (Some("applied"), Some(50_000)));
    let skip = w.call("aid_advance", json!({ "id": g["id"], "to": "paid", "step": { "date": "2026-09-06" }, "today": today })).unwrap_err();
    assert_eq!(skip["code"], "grant_step");
    assert!(skip["message"].as_str().unwrap().contains("已申请"));
    // The school's review is the principal's own: an aid officer cannot record it, and the
    // principal's account signs it under its name, whatever was typed.
    w.ok("account_add", json!({ "input": { "login": "liu", "name": "刘专干", "role": "aid_officer" }, "password": "aid-officer-pass" }));
    w.ok("session_lock", json!({}));
    w.login("liu", "aid-officer-pass");
    let review = json!({ "id": g["id"], "to": "school_reviewed", "step": { "date": "2026-09-06", "signoffs": [{ "role": "principal", "name": "赵校长" }] }, "today": today });
    assert_eq!(w.code("aid_advance", review.clone()), "forbidden");
    w.ok("session_lock", json!({}));
    w.login(PRINCIPAL, PASSWORD);
    let reviewed = w.ok("aid_advance", review);
    assert_eq!(reviewed["steps"][1]["signoffs"], json!([{ "role": "principal", "name": "王校长" }]));
    let n = w.ok("aid_start_notice", json!({ "programmeId": boarding, "term": term, "step": { "date": "2026-09-07", "noticeEnd": "2026-09-13" }, "today": today }));
    assert_eq!(n, 1);
    let notice = w.ok("aid_notice", json!({ "term": term, "programmeId": boarding }));
    assert_eq!(notice["rows"][0], json!({ "name": "王小明", "className": "2班", "grade": 3, "programme": "义务教育寄宿生生活补助（小学）", "amountFen": 50000 }));
    w.ok("aid_advance", json!({ "id": g["id"], "to": "county_reviewed", "step": { "date": "2026-09-20",
        "signoffs": [{ "role": "aid_centre", "name": "刘" }, { "role": "deputy_director", "name": "陈" }] }, "today": today }));
    w.ok("aid_advance", json!({ "id": g["id"], "to": "paid", "step": { "date": "2026-10-08" }, "today": today }));
    let locked = w.call("aid_set_amount", json!({ "id": g["id"], "amount": "1" })).unwrap_err();
    assert_eq!(locked["code"], "grant_locked");

    let after = w.ok("aid_coverage", json!({ "term": term }));
    assert_eq!((after["covered"].as_i64(), after["paidFen"].as_i64()), (Some(1), Some(50_000)));
    let signers = w.ok("aid_last_signers", json!({}));
    assert_eq!(signers["principal"], "王校长");
    let card = w.ok("household_card", json!({ "id": h["id"] }));
    assert_eq!(card["grants"][0]["steps"].as_array().unwrap().len(), 5);

    let r = w.ok("reconcile_get", json!({ "term": term, "today": today }));
    assert_eq!(r["noAid"]["open"], 0, "the student has a grant");
    assert_eq!(r["rosterRows"], 0);
    let bad = w.call("reconcile_decide", json!({ "kind": "no_aid", "subjectId": kid["id"], "decision": "dismissed", "note": "" })).unwrap_err();
    assert_eq!(bad["fields"][0]["field"], "note");
}

#[test]
fn a_dropout_case_its_actions_its_outcome_and_the_weekly_report_through_the_commands() {
    let w = school_window();
    let today = chrono::Local::now().date_naive().to_string();
    let term = {
        use chrono::Datelike;
        let d = chrono::Local::now().date_naive();
        match d.month() {
            9..=12 => format!("{}-autumn", d.year()),
            1 => format!("{}-autumn", d.year() - 1),
            _ => format!("{}-spring", d.year()),
        }
    };
    let h = w.ok("household_create", json!({ "input": household("0001", "王建国") }));
    let kid = w.ok("member_create", json!({ "householdId": h["id"], "input": student("王小明", "junior", 8, "1班", false) }));
    let sister = w.ok("member_create", json!({ "householdId": h["id"], "input": student("王小红", "junior", 8, "1班", false) }));

    let offered = w.ok("dropout_candidates", json!({ "search": "" }));
    assert_eq!(offered.as_array().unwrap().len(), 2);
    let heads = w.ok("dropout_defaults", json!({ "memberId": kid["id"] }));
    assert_eq!(heads["parent"], "王建国", "the head of household by default");

    let before = w.ok("dropout_week", json!({ "week": null, "today": today }));
    assert_eq!((before["enrolment"].as_i64(), before["newDropouts"].as_i64(), before["zero"].as_bool()), (Some(2), Some(0), Some(true)));

    let input = json!({ "memberId": kid["id"], "kind": "dropped_out", "reportedDate": today, "droppedOutDate": null, "reason": "left_to_work",
                        "reasonNote": "去广东打工", "riskLevel": "high", "countyHead": "刘县长", "bureauChief": "王局长", "townHead": "张镇长",
                        "villageHead": "李支书", "principal": "陈校长", "parent": "王建国", "teacher": "赵老师", "notes": "" });
    let future = w.call("dropout_create", json!({ "input": { "reportedDate": "2099-01-01" }, "today": today }));
    assert!(future.is_err(), "an incomplete input is refused");
    let mut late = input.clone();
    late["reportedDate"] = json!("2099-01-01");
    let err = w.call("dropout_create", json!({ "input": late, "today": today })).unwrap_err();
    assert_eq!((err["code"].as_str(), err["fields"][0]["field"].as_str()), (Some("invalid_input"), Some("reportedDate")));

    let case = w.ok("dropout_create", json!({ "input": input, "today": today }));
    assert_eq!((case["open"].as_bool(), case["name"].as_str(), case["countyHead"].as_str()), (Some(true), Some("王小明"), Some("刘县长")));
    let card = w.ok("household_card", json!({ "id": h["id"] }));
    assert_eq!(card["dropoutCases"][0]["name"], "王小明");
    let member = card["members"].as_array().unwrap().iter().find(|m| m["name"] == "王小明").unwrap().clone();
    assert_eq!(member["student"]["enrolmentStatus"], "dropped_out");

    let case = w.ok("dropout_add_action", json!({ "caseId": case["id"], "today": today,
        "action": { "actionDate": today, "who": "赵老师、李支书", "what": "入户劝返", "outcome": "家长同意" } }));
    assert_eq!(case["actions"][0]["who"], "赵老师、李支书");
    let week = w.ok("dropout_week", json!({ "week": null, "today": today }));
    assert_eq!((week["enrolment"].as_i64(), week["newDropouts"].as_i64(), week["openCases"].as_i64()), (Some(1), Some(1), Some(1)));
    assert_eq!(week["dropouts"][0]["name"], "王小明");

    let case = w.ok("dropout_set_outcome", json!({ "id": case["id"], "outcome": { "outcome": "returned", "outcomeDate": today }, "today": today }));
    assert_eq!(case["open"], false);
    let week = w.ok("dropout_week", json!({ "week": week["week"], "today": today }));
    assert_eq!((week["enrolment"].as_i64(), week["returns"].as_i64(), week["openCases"].as_i64()), (Some(2), Some(1), Some(0)));

    let confirmed = w.ok("dropout_confirm_week", json!({ "week": week["week"], "by": "陈校长", "today": today }));
    assert_eq!(confirmed["confirmed"]["by"], "陈校长");
    let weeks = w.ok("dropout_weeks", json!({ "term": term, "today": today }));
    assert_eq!(weeks[0]["week"], week["week"]);
    assert_eq!(weeks[0]["state"], "confirmed");
    let bad_week = w.call("dropout_week", json!({ "week": "2026-W99", "today": today }));
    assert!(bad_week.is_err());

    // The member form: dropped-out opens a case.
    let mut changed = student("王小红", "junior", 8, "1班", false);
    changed["student"]["enrolmentStatus"] = json!("dropped_out");
    changed["relation"] = json!("之女");
    w.ok("member_update", json!({ "id": sister["id"], "input": changed }));
    let open = w.ok("dropout_list", json!({ "openOnly": true, "householdId": null, "today": today }));
    assert_eq!(open.as_array().unwrap().len(), 1);
    assert_eq!((open[0]["name"].as_str(), open[0]["reason"].as_str()), (Some("王小红"), Some("other")));
    let opened = w.ok("dropout_get", json!({ "id": open[0]["id"] }));
    assert_eq!(opened["principal"], "陈校长", "names of the last case");
    w.ok("dropout_delete", json!({ "id": open[0]["id"] }));
    assert_eq!(w.ok("dropout_list", json!({ "openOnly": true, "householdId": h["id"], "today": today })), json!([]));
}

#[test]
fn seal_sign_export_and_verify_for_the_county_through_the_commands() {
    // The county bureau first: its encryption key, and the file for the schools.
    let county = window();
    county.ok("session_create", json!({ "setup": { "mode": "county", "countyName": "汉阴县" }, "account": principal() }));
    assert_eq!(county.ok("app_info", json!({}))["mode"], "county");
    assert_eq!(county.ok("county_key", json!({})), Value::Null);
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(county.code("county_key_export", json!({ "path": dir.path().join("county.txt") })), "no_county_key");
    let made = county.ok("county_key_create", json!({}));
    assert!(made["recipient"].as_str().unwrap().starts_with("age1"));
    assert_eq!(made["county"], "汉阴县");
    assert_eq!(made["fingerprint"].as_str().unwrap().split(' ').count(), 5, "{made}");
    assert_eq!(county.ok("county_key", json!({})), made);
    let recipient_file = dir.path().join("county.txt");
    county.ok("county_key_export", json!({ "path": recipient_file }));
    assert!(std::fs::read_to_string(&recipient_file).unwrap().contains(made["recipient"].as_str().unwrap()));
    let identity_file = dir.path().join("county-identity.txt");
    county.ok("county_key_export_identity", json!({ "path": identity_file }));
    assert!(std::fs::read_to_string(&identity_file).unwrap().contains("AGE-SECRET-KEY-1"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&identity_file).unwrap().permissions().mode() & 0o777, 0o600, "the secret is its owner's only");
    }

    let w = school_window();
    w.ok("demo_load", json!({ "students": 30, "seed": 8 }));
    let today = chrono::Local::now().date_naive().to_string();
    let term = w.ok("coverage_get", json!({ "term": "2026-autumn", "today": today }))["term"].clone();
    let stick = tempfile::tempdir().unwrap();
    let no_key = w.call("bundle_export", json!({ "term": term, "today": today, "passphrase": "x", "path": stick.path().join("x.huka.age") })).unwrap_err();
    assert_eq!(no_key["code"], "no_county_recipient", "nothing leaves the school unsealed: the county's key first");
    let short = w.call("key_create", json!({ "passphrase": "short" })).unwrap_err();
    assert_eq!(short["fields"][0]["field"], "passphrase");
    let key = w.ok("key_create", json!({ "passphrase": "jianchi-2026" }));
    assert_eq!(w.ok("key_list", json!({}))[0]["keyId"], key["keyId"]);
    let sheet = w.ok("key_cover_sheet", json!({}));
    assert_eq!(sheet["key"]["fingerprint"], key["fingerprint"]);
    let preview = w.ok("bundle_preview", json!({ "term": term, "today": today }));
    assert!(preview["fileName"].as_str().unwrap().starts_with("2161092101-"));
    assert!(preview["fileName"].as_str().unwrap().ends_with(".huka.age"));
    assert_eq!(preview["county"], Value::Null);
    assert_eq!(preview["files"].as_array().unwrap().iter().filter(|f| f["fullIds"] == true).count(), 1, "one list carries full ID numbers");
    let refused = w.call("bundle_export", json!({ "term": term, "today": today, "passphrase": "jianchi-2026", "path": stick.path().join("a.huka.age") })).unwrap_err();
    assert_eq!(refused["code"], "no_county_recipient");
    assert_eq!(std::fs::read_dir(stick.path()).unwrap().count(), 0, "nothing written");

    // The school registers the county's key from the file (a file of something else is refused).
    assert_eq!(w.ok("key_county_recipient", json!({})), Value::Null);
    let wrong = dir.path().join("not-a-key.txt");
    std::fs::write(&wrong, "hello\n").unwrap();
    assert_eq!(w.code("key_register_county", json!({ "path": wrong })), "bad_county_recipient");
    let registered = w.ok("key_register_county", json!({ "path": recipient_file }));
    assert_eq!((registered["fingerprint"].as_str(), registered["county"].as_str()), (made["fingerprint"].as_str(), Some("汉阴县")));
    assert_eq!(w.ok("key_county_recipient", json!({})), registered);
    let preview = w.ok("bundle_preview", json!({ "term": term, "today": today }));
    assert_eq!(preview["county"], registered);

    let wrong = w.call("bundle_export", json!({ "term": term, "today": today, "passphrase": "not-the-one", "path": stick.path().join("a.huka.age") })).unwrap_err();
    assert_eq!(wrong["code"], "wrong_passphrase");
    let done = w.ok("bundle_export", json!({ "term": term, "today": today, "passphrase": "jianchi-2026", "path": stick.path().join("a.huka.age") }));
    assert_eq!(done["verified"]["sealed"], true);
    assert_eq!(done["verified"]["fileSha256"], done["exported"]["sha256"]);
    assert_eq!(done["exported"]["sealedTo"]["fingerprint"], made["fingerprint"]);
    let bundle = PathBuf::from(done["exported"]["bundlePath"].as_str().unwrap());
    assert!(bundle.to_string_lossy().ends_with(".huka.age"));
    assert!(std::fs::read(&bundle).unwrap().starts_with(b"age-encryption.org/v1"), "sealed");
    let pubkey = dir.path().join("school.pub");
    w.ok("key_export", json!({ "path": pubkey }));

    // The county: register the school's key, ingest the stick, add up.
    let reg = county.ok("county_register", json!({ "path": pubkey, "input": { "publicKey": "" } }));
    assert_eq!(reg["fingerprint"], key["fingerprint"]);
    let report = county.ok("county_ingest", json!({ "paths": [stick.path()] }));
    assert_eq!((report["accepted"].as_i64(), report["rejected"].as_i64()), (Some(1), Some(0)), "{report}");
    let verdict = &report["verdicts"][0];
    assert_eq!((verdict["status"].as_str(), verdict["encrypted"].as_bool(), verdict["historyRewritten"].as_bool()), (Some("accepted"), Some(true), Some(false)));
    let agg = county.ok("county_aggregate", json!({ "term": term }));
    assert_eq!(agg["totals"]["students"]["registeredPoor"], preview["summary"]["students"]["registeredPoor"]);
    let xlsx = dir.path().join("county.xlsx");
    county.ok("county_report", json!({ "term": term, "path": xlsx }));
    assert!(xlsx.exists());
    // A school database cannot ingest nor make a county key, a county one cannot export.
    assert_eq!(w.call("county_ingest", json!({ "paths": [stick.path()] })).unwrap_err()["code"], "wrong_mode");
    assert_eq!(w.code("county_key_create", json!({})), "wrong_mode");
    assert_eq!(county.code("key_register_county", json!({ "path": recipient_file })), "wrong_mode");
}

/// 加入本校 and 同步 through the commands (how far each file is read told as events): a second
/// window joins from the first's complete file, a household made on the first reaches it, and
/// a teacher's join is refused with the reason.
#[test]
fn a_second_computer_joins_and_reads_changes_through_the_commands() {
    use std::sync::{Arc, Mutex};
    use tauri::Listener;
    let office = school_window();
    let stick = office.dir.path().join("stick");
    let name = office.ok("sync_export", json!({ "dir": stick, "full": true }));
    let full = stick.join(name.as_str().unwrap());
    assert!(full.exists());

    let laptop = window();
    // How far the file has been read reaches the window as `sync-progress` events.
    let told: Arc<Mutex<Vec<(u64, u64)>>> = Arc::default();
    let sink = told.clone();
    laptop.app.listen_any("sync-progress", move |e| {
        let p: Value = serde_json::from_str(e.payload()).unwrap();
        sink.lock().unwrap().push((p["done"].as_u64().unwrap(), p["total"].as_u64().unwrap()));
    });
    let whole = |told: &Arc<Mutex<Vec<(u64, u64)>>>| {
        let told = std::mem::take(&mut *told.lock().unwrap());
        assert!(told.last().is_some_and(|&(done, total)| total > 0 && done == total), "{told:?}");
    };
    assert_eq!(laptop.code("sync_join", json!({ "path": full, "login": PRINCIPAL, "password": "wrong-password" })), "wrong_password");
    assert!(told.lock().unwrap().is_empty(), "a refused join reads no record");
    let joined = laptop.ok("sync_join", json!({ "path": full, "login": PRINCIPAL, "password": PASSWORD }));
    assert_eq!(joined["status"]["phase"], "unlocked");
    assert!(joined["report"]["new"].as_u64().unwrap() > 0);
    whole(&told);

    office.ok("household_create", json!({ "input": household("6109210001", "王建国") }));
    let name = office.ok("sync_export", json!({ "dir": stick, "full": false }));
    let report = laptop.ok("sync_import", json!({ "path": stick.join(name.as_str().unwrap()) }));
    assert_eq!((report["new"].as_u64(), report["conflicts"].as_u64()), (Some(1), Some(0)), "{report}");
    whole(&told);
    let devices = laptop.ok("sync_devices", json!({}));
    assert_eq!(devices.as_array().unwrap().len(), 2);
    assert_eq!(laptop.ok("sync_conflicts", json!({ "all": false })), json!([]));
    assert_eq!(laptop.code("sync_resolve", json!({ "id": "nothing", "swap": true })), "not_found");
    // The principal's new computer joins from a backup of the office (its database copied),
    // how far it has copied told as the file's reading is.
    let backup = office.ok("backup_write", json!({ "path": stick.join("office.hukabackup") }));
    let second = window();
    let sink = told.clone();
    second.app.listen_any("sync-progress", move |e| {
        let p: Value = serde_json::from_str(e.payload()).unwrap();
        sink.lock().unwrap().push((p["done"].as_u64().unwrap(), p["total"].as_u64().unwrap()));
    });
    assert_eq!(second.code("sync_join", json!({ "path": backup["path"], "login": PRINCIPAL, "password": "wrong-password" })), "wrong_password");
    let joined = second.ok("sync_join", json!({ "path": backup["path"], "login": PRINCIPAL, "password": PASSWORD }));
    assert_eq!(joined["status"]["phase"], "unlocked");
    assert!(joined["report"]["new"].as_u64().unwrap() > 0);
    whole(&told);
    assert_eq!(second.ok("sync_devices", json!({})).as_array().unwrap().len(), 2, "itself and the office");
    // Another school's file is refused with the reason.
    let other = school_window_with_code("2161092199");
    let name = other.ok("sync_export", json!({ "dir": stick, "full": true }));
    assert_eq!(laptop.code("sync_import", json!({ "path": stick.join(name.as_str().unwrap()) })), "sync_other_school");
}

fn school_window_with_code(code: &str) -> Window {
    let w = window();
    let mut input = school()["input"].clone();
    input["code"] = json!(code);
    w.ok("session_create", json!({ "setup": { "mode": "school", "school": input }, "account": principal() }));
    w
}

#[test]
fn the_archive_through_the_commands_with_progress_events() {
    use std::sync::{Arc, Mutex};
    use tauri::Listener;
    let w = school_window();
    let stats = w.ok("demo_load", json!({ "students": 8, "seed": 2 }));
    let households = stats["households"].as_u64().unwrap() as usize;
    assert_eq!(w.ok("settings_set_archivist", json!({ "name": " 王 老师 " })), "王老师");
    assert_eq!(w.ok("settings_archivist", json!({})), "王老师");

    let seen: Arc<Mutex<Vec<(u64, u64)>>> = Arc::default();
    let sink = seen.clone();
    w.app.listen_any("archive-progress", move |e| {
        let p: Value = serde_json::from_str(e.payload()).unwrap();
        sink.lock().unwrap().push((p["done"].as_u64().unwrap(), p["total"].as_u64().unwrap()));
    });
    let folder = w.dir.path().join("档案");
    let today = chrono::Local::now().date_naive();
    let term = huka_core::term::Term::of(today).to_string();
    let written = w.ok("archive_export", json!({ "term": term, "folder": folder, "fullIds": false, "today": today }));
    assert_eq!(written["cards"].as_array().unwrap().len(), households);
    assert_eq!(written["fullIds"], false);
    let volume = written["volume"]["path"].as_str().unwrap();
    assert!(std::fs::read(volume).unwrap().starts_with(b"%PDF"));
    assert_eq!(std::fs::read_dir(&folder).unwrap().count(), households + 1);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.last(), Some(&((households + 1) as u64, (households + 1) as u64)), "{seen:?}");

    // Only a PDF that exists may be opened in the system's viewer.
    for path in [w.dir.path().join("huka.db"), w.dir.path().join("none.pdf"), "relative.pdf".into()] {
        let refused = w.call("archive_open", json!({ "path": path })).unwrap_err();
        assert_eq!(refused["code"], "not_found");
    }

    // Full ID numbers: a teacher is refused before anything is written; the principal's full
    // archive is in the audit trail.
    w.ok("account_add", json!({ "input": { "login": "li", "name": "李老师", "role": "teacher" }, "password": "teacher-pass" }));
    w.ok("session_lock", json!({}));
    w.login("li", "teacher-pass");
    assert_eq!(w.code("settings_set_archivist", json!({ "name": "李老师" })), "forbidden");
    let teachers = w.dir.path().join("teacher");
    let refused = w.call("archive_export", json!({ "term": term, "folder": teachers, "fullIds": true, "today": today })).unwrap_err();
    assert_eq!(refused["code"], "forbidden");
    assert!(refused["message"].as_str().unwrap().contains("完整身份证号"), "{refused}");
    assert!(!teachers.exists(), "nothing written");
    w.ok("session_lock", json!({}));
    w.login(PRINCIPAL, PASSWORD);
    let full = w.dir.path().join("full");
    assert_eq!(w.ok("archive_export", json!({ "term": term, "folder": full, "fullIds": true, "today": today }))["fullIds"], true);
    let trail = w.state().with(|store| huka_core::audit::list(store, &Default::default())).unwrap();
    let entry = trail.iter().find(|e| e.op == "archive_full_ids").expect("the full archive in the audit trail");
    assert_eq!((entry.account.as_str(), entry.record_id.as_str()), ("王校长", term.as_str()));
    let bad = w.call("archive_export", json!({ "term": "2026-autumn", "folder": folder, "fullIds": false, "today": "not a date" })).unwrap_err();
    assert!(bad.is_string() || bad.is_object(), "{bad}");
}

/// A stick too full for a backup or a change file: the window gets the core's one sentence
/// (`no_room`, with the room needed and left, in both languages) and the stick keeps what it
/// had. The stick is a small tmpfs mounted in a mount namespace of this test's own (`unshare
/// -m`), where this test binary runs the test again; mounting needs root, as CI runs.
#[test]
fn a_full_stick_reaches_the_window_as_one_sentence() {
    const STICK: &str = "HUKA_TEST_STICK";
    const NAME: &str = "a_full_stick_reaches_the_window_as_one_sentence";
    let Some(stick) = std::env::var_os(STICK).map(PathBuf::from) else {
        let uid = std::process::Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string()).unwrap_or_default();
        if uid != "0" {
            eprintln!("SKIPPED {NAME}: mounting a small stick needs root (CI runs as root)");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let out = std::process::Command::new("unshare")
            .args(["--mount", "--propagation", "private", "sh", "-c"])
            .arg(r#"mount -t tmpfs -o size=2m huka-test-stick "$1" && exec "$2" --exact "$3" --nocapture --test-threads=1"#)
            .arg("sh")
            .arg(dir.path())
            .arg(std::env::current_exe().unwrap())
            .arg(NAME)
            .env(STICK, dir.path())
            .output()
            .expect("unshare (util-linux) runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && stdout.contains("1 passed"), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
        return;
    };
    let w = school_window();
    w.ok("demo_load", json!({ "students": 40, "seed": 3 }));
    std::fs::write(stick.join("上周的备份.hukabackup"), b"kept whole").unwrap();
    let free = |p: &std::path::Path| {
        let out = std::process::Command::new("df").args(["--output=avail", "-B1"]).arg(p).output().unwrap();
        String::from_utf8_lossy(&out.stdout).lines().last().unwrap().trim().parse::<u64>().unwrap()
    };
    std::fs::write(stick.join("filler.bin"), vec![0u8; (free(&stick) - 8 * 1024) as usize]).unwrap();
    let listing = || {
        let mut names: Vec<String> = std::fs::read_dir(&stick).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    };
    let before = listing();
    for (cmd, args) in [("backup_write", json!({ "path": stick.join("周五备份") })), ("sync_export", json!({ "dir": stick, "full": true }))] {
        let err = w.call(cmd, args).unwrap_err();
        assert_eq!(err["code"], "no_room", "{cmd}: {err}");
        let zh = err["message"].as_str().unwrap();
        assert!(zh.starts_with("U盘或磁盘空间不足：需要约 ") && zh.ends_with("MB。请换一个U盘或先腾出空间。"), "{zh}");
        assert!(err["messageEn"].as_str().unwrap().starts_with("Not enough room on the USB stick or disk: about "), "{err}");
        assert_eq!(listing(), before, "{cmd} left nothing on the stick");
    }
    assert_eq!(std::fs::read(stick.join("上周的备份.hukabackup")).unwrap(), b"kept whole");
}

/// The policy cards (明白卡) through the commands: the contacts set by the principal, every
/// household's cards as one PDF; a teacher in nobody's care has nothing to print.
#[test]
fn policy_cards_through_the_commands() {
    let w = school_window();
    w.ok("demo_load", json!({ "students": 10, "seed": 3 }));
    let s = w.ok("school_set_contacts", json!({ "input": { "aidOfficer": "赵专干", "aidPhone": "13912345678", "countyHotline": "12345" } }));
    assert_eq!(s["aidPhone"], "13912345678");
    assert_eq!(w.call("school_set_contacts", json!({ "input": { "aidPhone": "123" } })).unwrap_err()["code"], "invalid_input");
    let today = chrono::Local::now().date_naive();
    let term = huka_core::term::Term::of(today).to_string();
    let folder = w.dir.path().join("明白卡");
    let written = w.ok("policy_card_print", json!({ "term": term, "scope": { "kind": "all" }, "paper": "a5", "folder": folder, "today": today }));
    assert!(written["cards"].as_u64().unwrap() > 1);
    assert!(std::fs::read(written["path"].as_str().unwrap()).unwrap().starts_with(b"%PDF"));
    let class = w.call("policy_card_print", json!({ "term": term, "scope": { "kind": "class", "grade": 99, "className": "1班" }, "paper": "a4", "folder": folder, "today": today }));
    assert_eq!(class.unwrap_err()["code"], "nothing_to_print");

    w.ok("account_add", json!({ "input": { "login": "li", "name": "李老师", "role": "teacher" }, "password": "teacher-pass" }));
    w.ok("session_lock", json!({}));
    w.login("li", "teacher-pass");
    let mine = w.call("policy_card_print", json!({ "term": term, "scope": { "kind": "mine" }, "paper": "a5", "folder": folder, "today": today }));
    assert_eq!(mine.unwrap_err()["code"], "nothing_to_print", "a new teacher has nobody in their care");
    assert_eq!(w.code("school_set_contacts", json!({ "input": {} })), "forbidden");
}
