//! The window's commands through `tauri::test` (mock runtime, no display): arguments arrive
//! as the UI sends them (camelCase JSON), results and errors leave as the UI reads them.

use huka_app::{with_commands, AppState};
use serde_json::{json, Value};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindow;

struct Window {
    webview: WebviewWindow<tauri::test::MockRuntime>,
    _app: tauri::App<tauri::test::MockRuntime>,
    _dir: tempfile::TempDir,
}

fn window() -> Window {
    let dir = tempfile::tempdir().unwrap();
    let state = AppState::open(dir.path().join("huka.db"));
    let app = with_commands(mock_builder(), state).build(mock_context(noop_assets())).unwrap();
    let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
    Window { webview, _app: app, _dir: dir }
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
fn first_start_setup_then_language_is_remembered() {
    let w = window();
    let info = w.ok("app_info", json!({}));
    assert_eq!(info["school"], Value::Null);
    assert_eq!(info["language"], "zh");
    assert_eq!(info["stats"]["households"], 0);

    let s = w.ok("school_setup", school());
    assert_eq!(s["name"], "涧池镇九年制学校");
    assert_eq!(s["deviceId"], info["deviceId"]);

    w.ok("settings_set_language", json!({ "language": "en" }));
    let info = w.ok("app_info", json!({}));
    assert_eq!(info["language"], "en");
    assert_eq!(info["school"]["code"], "2161092101");

    let again = w.call("school_setup", school()).unwrap_err();
    assert_eq!(again["code"], "school_already_set_up");
}

#[test]
fn household_card_round_trip_through_the_commands() {
    let w = window();
    w.ok("school_setup", school());
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
    let w = window();
    w.ok("school_setup", school());
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
fn demo_data_and_backup() {
    let w = window();
    w.ok("school_setup", school());
    let stats = w.ok("demo_load", json!({ "students": 40, "seed": 3 }));
    assert_eq!(stats["students"], 40);
    let again = w.call("demo_load", json!({})).unwrap_err();
    assert_eq!(again["code"], "not_empty");

    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("backup.db");
    w.ok("backup_to", json!({ "path": copy }));
    let restored = huka_core::Store::open(&copy).unwrap();
    assert_eq!(huka_core::stats::get(&restored).unwrap().students, 40);
}

#[test]
fn a_database_from_a_newer_huka_is_reported_on_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("newer.db");
    rusqlite_free_newer_db(&path);
    let app = with_commands(mock_builder(), AppState::open(path)).build(mock_context(noop_assets())).unwrap();
    let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
    let w = Window { webview, _app: app, _dir: dir };
    let err = w.call("app_info", json!({})).unwrap_err();
    assert_eq!(err["code"], "schema_too_new");
    assert!(err["message"].as_str().unwrap().contains("升级"));
}

/// Writes a database whose schema version is far ahead of this build's.
fn rusqlite_free_newer_db(path: &std::path::Path) {
    let store = huka_core::Store::open(path).unwrap();
    store.conn().execute_batch("PRAGMA user_version = 999;").unwrap();
}

#[test]
fn import_preview_apply_and_rejects_through_the_commands() {
    let w = window();
    w.ok("school_setup", school());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("roster.csv");
    std::fs::write(&file, "学生名册\n序号,姓名,身份证号,年级\n1,王小明,61092120130305001X,三年级\n2,李娜,610921201407190021,二年级\n").unwrap();

    let preview = w.ok("import_preview", json!({ "path": file, "kind": "roster", "overrides": {} }));
    assert_eq!(preview["mapping"]["headerRow"], 2);
    assert_eq!(preview["report"]["rows"], 2);
    assert_eq!(preview["report"]["imported"], 1);
    assert_eq!(preview["report"]["errors"][0]["row"], 4);
    assert_eq!(preview["outcomes"]["3"], "new");

    let stale = w.call("import_apply", json!({ "path": file, "kind": "roster", "overrides": {}, "fingerprint": "not the plan" })).unwrap_err();
    assert_eq!(stale["code"], "plan_changed");

    let done = w.ok("import_apply", json!({ "path": file, "kind": "roster", "overrides": {}, "fingerprint": preview["fingerprint"] }));
    assert_eq!((done["imported"].as_i64(), done["rejected"].as_i64()), (Some(1), Some(1)));
    assert_eq!(w.ok("registration_unlinked", json!({})).as_array().unwrap().len(), 1);

    let out = dir.path().join("rejects.csv");
    let n = w.ok("import_save_rejects", json!({ "path": file, "kind": "roster", "overrides": {}, "out": out }));
    assert_eq!(n, 1);
    assert!(std::fs::read_to_string(&out).unwrap().contains("李娜"));

    // A column mapped by hand is remembered.
    let odd = dir.path().join("odd.csv");
    std::fs::write(&odd, "名字,证件\n王小明,61092120130305001X\n").unwrap();
    assert_eq!(w.call("import_preview", json!({ "path": odd, "kind": "roster", "overrides": {} })).unwrap_err()["code"], "no_header");
    let mapped = w.ok("import_preview", json!({ "path": odd, "kind": "roster", "overrides": { "名字": "name", "证件": "resident_id" } }));
    w.ok("import_apply", json!({ "path": odd, "kind": "roster", "overrides": { "名字": "name", "证件": "resident_id" }, "fingerprint": mapped["fingerprint"] }));
    let again = w.ok("import_preview", json!({ "path": odd, "kind": "roster", "overrides": {} }));
    assert_eq!(again["report"]["unchanged"], 1);
}

#[test]
fn a_visit_a_plan_and_the_dashboard_through_the_commands() {
    let w = window();
    w.ok("school_setup", school());
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
    let w = window();
    w.ok("school_setup", school());
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
    let unsigned = w.call("aid_advance", json!({ "id": g["id"], "to": "school_reviewed", "step": { "date": "2026-09-06" }, "today": today })).unwrap_err();
    assert_eq!(unsigned["fields"][0]["field"], "principalName");
    w.ok("aid_advance", json!({ "id": g["id"], "to": "school_reviewed", "step": { "date": "2026-09-06", "signoffs": [{ "role": "principal", "name": "赵校长" }] }, "today": today }));
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
    assert_eq!(signers["principal"], "赵校长");
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
    let w = window();
    w.ok("school_setup", school());
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
fn sign_export_and_verify_for_the_county_through_the_commands() {
    let w = window();
    w.ok("school_setup", school());
    w.ok("demo_load", json!({ "students": 30, "seed": 8 }));
    let today = chrono::Local::now().date_naive().to_string();
    let term = w.ok("coverage_get", json!({ "term": "2026-autumn", "today": today }))["term"].clone();
    let no_key = w.call("bundle_export", json!({ "term": term, "today": today, "passphrase": "x", "path": "/tmp/x.huka.zip" })).unwrap_err();
    assert_eq!(no_key["code"], "no_signing_key");
    let short = w.call("key_create", json!({ "passphrase": "short" })).unwrap_err();
    assert_eq!(short["fields"][0]["field"], "passphrase");
    let key = w.ok("key_create", json!({ "passphrase": "jianchi-2026" }));
    assert_eq!(w.ok("key_list", json!({}))[0]["keyId"], key["keyId"]);
    let sheet = w.ok("key_cover_sheet", json!({}));
    assert_eq!(sheet["key"]["fingerprint"], key["fingerprint"]);
    let preview = w.ok("bundle_preview", json!({ "term": term, "today": today }));
    assert!(preview["fileName"].as_str().unwrap().starts_with("2161092101-"));
    assert_eq!(preview["files"].as_array().unwrap().iter().filter(|f| f["fullIds"] == true).count(), 1, "one list carries full ID numbers");

    let dir = tempfile::tempdir().unwrap();
    let wrong = w.call("bundle_export", json!({ "term": term, "today": today, "passphrase": "not-the-one", "path": dir.path().join("a.zip") })).unwrap_err();
    assert_eq!(wrong["code"], "wrong_passphrase");
    let done = w.ok("bundle_export", json!({ "term": term, "today": today, "passphrase": "jianchi-2026", "path": dir.path().join("a.zip") }));
    assert_eq!(done["verified"]["valid"], true);
    assert_eq!(done["verified"]["sha256"], done["exported"]["sha256"]);
    let pubkey = dir.path().join("school.pub");
    w.ok("key_export", json!({ "path": pubkey }));

    // A county installation: register, ingest (the folder), add up.
    let county = window();
    assert_eq!(county.ok("app_info", json!({}))["mode"], "school");
    county.ok("county_setup", json!({}));
    assert_eq!(county.ok("app_info", json!({}))["mode"], "county");
    let reg = county.ok("county_register", json!({ "path": pubkey, "input": { "publicKey": "" } }));
    assert_eq!(reg["fingerprint"], key["fingerprint"]);
    let report = county.ok("county_ingest", json!({ "paths": [dir.path()] }));
    assert_eq!((report["accepted"].as_i64(), report["rejected"].as_i64()), (Some(1), Some(0)), "{report}");
    let agg = county.ok("county_aggregate", json!({ "term": term }));
    assert_eq!(agg["totals"]["students"]["registeredPoor"], preview["summary"]["students"]["registeredPoor"]);
    let xlsx = dir.path().join("county.xlsx");
    county.ok("county_report", json!({ "term": term, "path": xlsx }));
    assert!(xlsx.exists());
    // A school database cannot ingest, a county one cannot export.
    assert_eq!(w.call("county_ingest", json!({ "paths": [dir.path()] })).unwrap_err()["code"], "wrong_mode");
}

#[test]
fn the_archive_through_the_commands_with_progress_events() {
    use std::sync::{Arc, Mutex};
    use tauri::Listener;
    let w = window();
    w.ok("school_setup", school());
    let stats = w.ok("demo_load", json!({ "students": 8, "seed": 2 }));
    let households = stats["households"].as_u64().unwrap() as usize;
    assert_eq!(w.ok("settings_set_archivist", json!({ "name": " 王 老师 " })), "王老师");
    assert_eq!(w.ok("settings_archivist", json!({})), "王老师");

    let seen: Arc<Mutex<Vec<(u64, u64)>>> = Arc::default();
    let sink = seen.clone();
    w._app.listen_any("archive-progress", move |e| {
        let p: Value = serde_json::from_str(e.payload()).unwrap();
        sink.lock().unwrap().push((p["done"].as_u64().unwrap(), p["total"].as_u64().unwrap()));
    });
    let folder = w._dir.path().join("档案");
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
    for path in [w._dir.path().join("huka.db"), w._dir.path().join("none.pdf"), "relative.pdf".into()] {
        let refused = w.call("archive_open", json!({ "path": path })).unwrap_err();
        assert_eq!(refused["code"], "not_found");
    }
    let bad = w.call("archive_export", json!({ "term": "2026-autumn", "folder": folder, "fullIds": false, "today": "not a date" })).unwrap_err();
    assert!(bad.is_string() || bad.is_object(), "{bad}");
}
