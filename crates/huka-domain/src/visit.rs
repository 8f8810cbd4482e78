//! Home visits (家访): who visited which household when, how, which students were discussed,
//! the topics covered, what was found and asked for, the follow-up actions (each with an owner
//! and a due date), and the parent's acknowledgement — optionally a photo of the signed paper.

use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::error::{Checks, Problem, Result, Rule};
use crate::record::{text_enum, Meta, RecordId};
use crate::store::{Store, Writer};

/// The rules of this module a field can break (their codes and sentences are the window's and
/// the scripts').
pub static NEED_TEACHER: Rule = Rule { code: "need_teacher", zh: "至少选择一位教师", en: "choose at least one teacher" };
pub static NOT_IN_HOUSEHOLD: Rule = Rule { code: "not_in_household", zh: "所选学生不属于这一户", en: "the student is not in this household" };

text_enum! {
    pub enum VisitMode {
        InHome = "in_home",     // 入户
        Phone = "phone",        // 电话
        Video = "video",        // 视频
        AtSchool = "at_school", // 在校约谈
    }
}

/// The topics offered on a new visit until the school edits the list.
pub const DEFAULT_TOPICS: &[&str] = &[
    "义务教育法", "未成年人保护法", "资助政策", "防溺水安全", "交通安全", "学习习惯", "身体健康", "家庭情况",
];

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FollowUpInput {
    /// Present when editing an existing follow-up.
    #[serde(default)]
    pub id: Option<RecordId>,
    pub action: String,
    #[serde(default)]
    pub owner_id: Option<RecordId>,
    /// YYYY-MM-DD
    pub due_date: String,
    #[serde(default)]
    pub done_date: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VisitInput {
    pub household_id: RecordId,
    /// YYYY-MM-DD
    pub visit_date: String,
    pub teacher_ids: Vec<RecordId>,
    #[serde(default)]
    pub student_ids: Vec<RecordId>,
    pub mode: VisitMode,
    #[serde(default)]
    pub topics: Vec<String>,
    #[serde(default)]
    pub findings: String,
    #[serde(default)]
    pub requests: String,
    #[serde(default)]
    pub follow_ups: Vec<FollowUpInput>,
    #[serde(default)]
    pub parent_name: String,
    #[serde(default)]
    pub parent_ack_date: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FollowUp {
    #[serde(flatten)]
    pub meta: Meta,
    pub visit_id: RecordId,
    pub action: String,
    pub owner_id: Option<RecordId>,
    pub due_date: NaiveDate,
    pub done_date: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Visit {
    #[serde(flatten)]
    pub meta: Meta,
    pub household_id: RecordId,
    pub visit_date: NaiveDate,
    pub teacher_ids: Vec<RecordId>,
    pub student_ids: Vec<RecordId>,
    pub mode: VisitMode,
    pub topics: Vec<String>,
    pub findings: String,
    pub requests: String,
    pub parent_name: String,
    pub parent_ack_date: Option<NaiveDate>,
    pub has_photo: bool,
    pub follow_ups: Vec<FollowUp>,
}

/// One line of a list of visits (the CLI, "my students").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VisitSummary {
    pub id: RecordId,
    pub visit_date: NaiveDate,
    pub household_id: RecordId,
    pub head_name: String,
    pub village: String,
    pub mode: VisitMode,
    pub teachers: Vec<String>,
    pub open_follow_ups: i64,
}

/// A visit's dates: required, and not in the future unless `allow_future` (a due date).
fn parse_date(c: &mut Checks, field: &'static str, s: &str, allow_future: bool) -> Option<NaiveDate> {
    c.date(field, Some(s), true, (!allow_future).then(|| chrono::Utc::now().date_naive()))
}

struct Clean {
    visit_date: NaiveDate,
    parent_ack_date: Option<NaiveDate>,
    follow_ups: Vec<(Option<RecordId>, String, Option<RecordId>, NaiveDate, Option<NaiveDate>)>,
}

fn check(conn: &Connection, v: &VisitInput) -> Result<Clean> {
    let mut c = crate::labels::checks();
    let visit_date = parse_date(&mut c, "visitDate", &v.visit_date, false);
    let parent_ack_date = match v.parent_ack_date.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => parse_date(&mut c, "parentAckDate", s, false),
    };
    if v.teacher_ids.is_empty() {
        c.add("teacherIds", Problem::Rule(&NEED_TEACHER));
    }
    for t in &v.teacher_ids {
        if crate::teacher::get(conn, *t).is_err() {
            c.add("teacherIds", Problem::Rule(&crate::teacher::UNKNOWN_TEACHER));
        }
    }
    crate::household::get(conn, v.household_id)?;
    let mut in_household = conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM member WHERE id = ?1 AND household_id = ?2 AND deleted_at IS NULL)")?;
    for s in &v.student_ids {
        if !in_household.query_row(params![s, v.household_id], |r| r.get::<_, bool>(0))? {
            c.add("studentIds", Problem::Rule(&NOT_IN_HOUSEHOLD));
        }
    }
    c.max_len("findings", &v.findings, 5000);
    c.max_len("requests", &v.requests, 5000);
    let mut follow_ups = Vec::new();
    for f in &v.follow_ups {
        let action = f.action.trim().to_string();
        c.required("action", &action);
        c.max_len("action", &action, 500);
        let due = parse_date(&mut c, "dueDate", &f.due_date, true);
        let done = match f.done_date.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => parse_date(&mut c, "dueDate", s, false),
        };
        if let Some(owner) = f.owner_id {
            if crate::teacher::get(conn, owner).is_err() {
                c.add("followUps", Problem::Rule(&crate::teacher::UNKNOWN_TEACHER));
            }
        }
        if let Some(due) = due {
            follow_ups.push((f.id, action, f.owner_id, due, done));
        }
    }
    c.finish()?;
    Ok(Clean { visit_date: visit_date.expect("checked"), parent_ack_date, follow_ups })
}

fn clean_topics(topics: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in topics.iter().map(|t| crate::text::clean(t)).filter(|t| !t.is_empty()) {
        if !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

fn write_parts(w: &Writer<'_>, id: RecordId, v: &VisitInput, clean: &Clean) -> Result<()> {
    w.tx().prepare_cached("DELETE FROM visit_teacher WHERE visit_id = ?1")?.execute([id])?;
    w.tx().prepare_cached("DELETE FROM visit_student WHERE visit_id = ?1")?.execute([id])?;
    for t in &v.teacher_ids {
        w.tx().prepare_cached("INSERT OR IGNORE INTO visit_teacher (visit_id, teacher_id) VALUES (?1, ?2)")?.execute(params![id, t])?;
    }
    for s in &v.student_ids {
        w.tx().prepare_cached("INSERT OR IGNORE INTO visit_student (visit_id, member_id) VALUES (?1, ?2)")?.execute(params![id, s])?;
    }
    // Follow-ups: kept ones are updated, new ones inserted, dropped ones become tombstones.
    let kept: Vec<RecordId> = clean.follow_ups.iter().filter_map(|f| f.0).collect();
    let existing: Vec<RecordId> = w
        .tx()
        .prepare_cached("SELECT id FROM follow_up WHERE visit_id = ?1 AND deleted_at IS NULL")?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for old in existing.iter().filter(|e| !kept.contains(e)) {
        w.tombstone("follow_up", crate::labels::not_found("follow-up"), *old)?;
    }
    for (fid, action, owner, due, done) in &clean.follow_ups {
        match fid.filter(|f| existing.contains(f)) {
            Some(fid) => {
                w.tx()
                    .prepare_cached(
                        "UPDATE follow_up SET action = ?2, owner_id = ?3, due_date = ?4, done_date = ?5, updated_at = ?6, device_id = ?7 WHERE id = ?1",
                    )?
                    .execute(params![fid, action, owner, due, done, w.now(), w.device_id()])?;
            }
            None => {
                let m = w.new_meta();
                w.tx()
                    .prepare_cached(
                        "INSERT INTO follow_up (id, visit_id, action, owner_id, due_date, done_date, created_at, updated_at, device_id)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)",
                    )?
                    .execute(params![m.id, id, action, owner, due, done, w.now(), w.device_id()])?;
            }
        }
    }
    Ok(())
}

pub(crate) fn insert(w: &Writer<'_>, v: &VisitInput) -> Result<RecordId> {
    let clean = check(w.tx(), v)?;
    let m = w.new_meta();
    w.tx()
        .prepare_cached(
            "INSERT INTO visit (id, household_id, visit_date, mode, topics, findings, requests, parent_name, parent_ack_date,
                 created_at, updated_at, device_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11)",
        )?
        .execute(params![
            m.id, v.household_id, clean.visit_date, v.mode, serde_json::to_string(&clean_topics(&v.topics)).expect("strings"),
            v.findings.trim(), v.requests.trim(), crate::text::clean(&v.parent_name), clean.parent_ack_date, w.now(), w.device_id()
        ])?;
    write_parts(w, m.id, v, &clean)?;
    Ok(m.id)
}

pub fn create(store: &mut Store, v: &VisitInput) -> Result<Visit> {
    let id = crate::access::write(store, crate::access::Action::CareFor(v.household_id), |w| insert(w, v))?;
    get(store.conn(), id)
}

pub fn update(store: &mut Store, id: RecordId, v: &VisitInput) -> Result<Visit> {
    crate::access::require_care(store, crate::access::Of::Visit(id))?;
    crate::access::write(store, crate::access::Action::CareFor(v.household_id), |w| {
        get(w.tx(), id)?;
        let clean = check(w.tx(), v)?;
        w.tx().execute(
            "UPDATE visit SET household_id = ?2, visit_date = ?3, mode = ?4, topics = ?5, findings = ?6, requests = ?7,
                 parent_name = ?8, parent_ack_date = ?9, updated_at = ?10, device_id = ?11 WHERE id = ?1",
            params![
                id, v.household_id, clean.visit_date, v.mode, serde_json::to_string(&clean_topics(&v.topics)).expect("strings"),
                v.findings.trim(), v.requests.trim(), crate::text::clean(&v.parent_name), clean.parent_ack_date, w.now(), w.device_id()
            ],
        )?;
        write_parts(w, id, v, &clean)
    })?;
    get(store.conn(), id)
}

/// Deletes a visit (tombstone) with its follow-ups.
pub fn delete(store: &mut Store, id: RecordId) -> Result<()> {
    crate::access::ask_care(store, crate::access::Of::Visit(id))?.write(store, |w| {
        w.tombstone("visit", crate::labels::not_found("visit"), id)?;
        w.tx().execute(
            "UPDATE follow_up SET deleted_at = ?2, updated_at = ?2, device_id = ?3 WHERE visit_id = ?1 AND deleted_at IS NULL",
            params![id, w.now(), w.device_id()],
        )?;
        Ok(())
    })
}

/// Marks a follow-up done (or not done, with `None`).
pub fn follow_up_done(store: &mut Store, id: RecordId, done: Option<NaiveDate>) -> Result<()> {
    crate::access::ask_care(store, crate::access::Of::FollowUp(id))?.write(store, |w| {
        let n = w.tx().execute(
            "UPDATE follow_up SET done_date = ?2, updated_at = ?3, device_id = ?4 WHERE id = ?1 AND deleted_at IS NULL",
            params![id, done, w.now(), w.device_id()],
        )?;
        if n == 0 {
            return Err(crate::labels::not_found("follow-up"));
        }
        Ok(())
    })
}

const MAX_PHOTO_MB: usize = 8;

/// Stores the photo of the signed paper form (JPEG or PNG) with the visit.
pub fn set_photo(store: &mut Store, id: RecordId, bytes: &[u8]) -> Result<()> {
    let pass = crate::access::ask_care(store, crate::access::Of::Visit(id))?;
    let kind = if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else {
        return Err(crate::labels::invalid("photo", Problem::NotAPhoto));
    };
    if bytes.len() > MAX_PHOTO_MB * 1024 * 1024 {
        return Err(crate::labels::invalid("photo", Problem::PhotoTooLarge { max_mb: MAX_PHOTO_MB }));
    }
    pass.write(store, |w| {
        let n = w.tx().execute(
            "UPDATE visit SET ack_photo = ?2, ack_photo_type = ?3, updated_at = ?4, device_id = ?5 WHERE id = ?1 AND deleted_at IS NULL",
            params![id, bytes, kind, w.now(), w.device_id()],
        )?;
        if n == 0 {
            return Err(crate::labels::not_found("visit"));
        }
        Ok(())
    })
}

/// The photo and its MIME type, if the visit has one.
pub fn photo(store: &Store, id: RecordId) -> Result<Option<(Vec<u8>, String)>> {
    Ok(store
        .conn()
        .query_row("SELECT ack_photo, ack_photo_type FROM visit WHERE id = ?1 AND deleted_at IS NULL AND ack_photo IS NOT NULL", [id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?)
}

fn ids(conn: &Connection, sql: &str, id: RecordId) -> Result<Vec<RecordId>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([id], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn get(conn: &Connection, id: RecordId) -> Result<Visit> {
    let mut visit = conn
        .prepare_cached(
            "SELECT id, created_at, updated_at, device_id, household_id, visit_date, mode, topics, findings, requests, parent_name,
                    parent_ack_date, ack_photo IS NOT NULL
             FROM visit WHERE id = ?1 AND deleted_at IS NULL",
        )?
        .query_row([id], |r| {
            let topics: String = r.get(7)?;
            Ok(Visit {
                meta: Meta::from_row(r, 0)?,
                household_id: r.get(4)?,
                visit_date: r.get(5)?,
                mode: r.get(6)?,
                topics: serde_json::from_str(&topics).unwrap_or_default(),
                findings: r.get(8)?,
                requests: r.get(9)?,
                parent_name: r.get(10)?,
                parent_ack_date: r.get(11)?,
                has_photo: r.get(12)?,
                teacher_ids: Vec::new(),
                student_ids: Vec::new(),
                follow_ups: Vec::new(),
            })
        })
        .optional()?
        .ok_or(crate::labels::not_found("visit"))?;
    visit.teacher_ids = ids(conn, "SELECT teacher_id FROM visit_teacher WHERE visit_id = ?1 ORDER BY teacher_id", id)?;
    visit.student_ids = ids(conn, "SELECT member_id FROM visit_student WHERE visit_id = ?1 ORDER BY member_id", id)?;
    let mut stmt = conn.prepare_cached(
        "SELECT id, created_at, updated_at, device_id, visit_id, action, owner_id, due_date, done_date FROM follow_up
         WHERE visit_id = ?1 AND deleted_at IS NULL ORDER BY due_date, id",
    )?;
    visit.follow_ups = stmt
        .query_map([id], |r| {
            Ok(FollowUp {
                meta: Meta::from_row(r, 0)?,
                visit_id: r.get(4)?,
                action: r.get(5)?,
                owner_id: r.get(6)?,
                due_date: r.get(7)?,
                done_date: r.get(8)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(visit)
}

/// The visits to a household, newest first.
pub fn of_household(conn: &Connection, household: RecordId) -> Result<Vec<Visit>> {
    ids(conn, "SELECT id FROM visit WHERE household_id = ?1 AND deleted_at IS NULL ORDER BY visit_date DESC, id DESC", household)?
        .into_iter()
        .map(|id| get(conn, id))
        .collect()
}

#[derive(Debug, Clone, Default)]
pub struct VisitFilter {
    pub teacher: Option<RecordId>,
    pub since: Option<NaiveDate>,
    pub household: Option<RecordId>,
}

/// Visits, newest first, filtered by teacher, start date and household.
pub fn list(store: &Store, filter: &VisitFilter, limit: usize) -> Result<Vec<VisitSummary>> {
    let mut stmt = store.conn().prepare_cached(
        "SELECT v.id, v.visit_date, v.household_id, h.head_name, h.village, v.mode,
                (SELECT group_concat(t.name, '、') FROM visit_teacher vt JOIN teacher t ON t.id = vt.teacher_id WHERE vt.visit_id = v.id),
                (SELECT count(*) FROM follow_up f WHERE f.visit_id = v.id AND f.deleted_at IS NULL AND f.done_date IS NULL)
         FROM visit v JOIN household h ON h.id = v.household_id
         WHERE v.deleted_at IS NULL
           AND (?1 IS NULL OR v.id IN (SELECT visit_id FROM visit_teacher WHERE teacher_id = ?1))
           AND (?2 IS NULL OR v.visit_date >= ?2)
           AND (?3 IS NULL OR v.household_id = ?3)
         ORDER BY v.visit_date DESC, v.id DESC
         LIMIT ?4",
    )?;
    let rows = stmt.query_map(params![filter.teacher, filter.since, filter.household, limit], |r| {
        let teachers: Option<String> = r.get(6)?;
        Ok(VisitSummary {
            id: r.get(0)?,
            visit_date: r.get(1)?,
            household_id: r.get(2)?,
            head_name: r.get(3)?,
            village: r.get(4)?,
            mode: r.get(5)?,
            teachers: teachers.map(|t| t.split('、').map(str::to_string).collect()).unwrap_or_default(),
            open_follow_ups: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The topic checklist: the school's list (settings), or the default one.
pub fn topics(store: &Store) -> Result<Vec<String>> {
    let v: Option<String> = store.conn().query_row("SELECT value FROM meta WHERE key = 'visit.topics'", [], |r| r.get(0)).optional()?;
    Ok(v.and_then(|j| serde_json::from_str(&j).ok()).unwrap_or_else(|| DEFAULT_TOPICS.iter().map(|s| s.to_string()).collect()))
}

pub fn set_topics(store: &mut Store, topics: &[String]) -> Result<Vec<String>> {
    let pass = crate::access::ask(store, crate::access::Action::ManageSchool)?;
    let topics = clean_topics(topics);
    let json = serde_json::to_string(&topics).expect("strings");
    pass.write(store, |w| {
        w.tx().execute(
            "INSERT INTO meta (key, value) VALUES ('visit.topics', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [json],
        )?;
        Ok(())
    })?;
    Ok(topics)
}

/// The topics of the teacher's last visit, to pre-fill the next one.
pub fn last_topics(store: &Store, teacher: RecordId) -> Result<Vec<String>> {
    let json: Option<String> = store
        .conn()
        .query_row(
            "SELECT v.topics FROM visit v JOIN visit_teacher vt ON vt.visit_id = v.id
             WHERE vt.teacher_id = ?1 AND v.deleted_at IS NULL ORDER BY v.visit_date DESC, v.created_at DESC LIMIT 1",
            [teacher],
            |r| r.get(0),
        )
        .optional()?;
    Ok(json.and_then(|j| serde_json::from_str(&j).ok()).unwrap_or_default())
}
