//! Pairings (一教一帮 / 结对帮扶): a teacher paired with a student, with dates. A student has
//! one current helper teacher; a teacher may help many students. Pairing a student with a new
//! teacher ends the current pairing the day the new one starts.

use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::error::{Problem, Result};
use crate::record::{Meta, RecordId};
use crate::store::{Store, Writer};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pairing {
    #[serde(flatten)]
    pub meta: Meta,
    pub teacher_id: RecordId,
    pub member_id: RecordId,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
}

const SELECT: &str = "SELECT p.id, p.created_at, p.updated_at, p.device_id, p.teacher_id, p.member_id, p.start_date, p.end_date FROM pairing p";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Pairing> {
    Ok(Pairing { meta: Meta::from_row(r, 0)?, teacher_id: r.get(4)?, member_id: r.get(5)?, start_date: r.get(6)?, end_date: r.get(7)? })
}

/// The student's current pairing, if any.
pub fn current(conn: &Connection, member: RecordId) -> Result<Option<Pairing>> {
    Ok(conn
        .prepare_cached(&format!("{SELECT} WHERE p.member_id = ?1 AND p.deleted_at IS NULL AND p.end_date IS NULL"))?
        .query_row([member], from_row)
        .optional()?)
}

/// Every pairing of a student, newest first.
pub fn history(conn: &Connection, member: RecordId) -> Result<Vec<Pairing>> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT} WHERE p.member_id = ?1 AND p.deleted_at IS NULL ORDER BY p.start_date DESC, p.id DESC"))?;
    let rows = stmt.query_map([member], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn require_student(conn: &Connection, member: RecordId) -> Result<()> {
    let is_student: bool = conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM student s JOIN member m ON m.id = s.member_id
             WHERE s.member_id = ?1 AND s.deleted_at IS NULL AND m.deleted_at IS NULL)",
        )?
        .query_row([member], |r| r.get(0))?;
    if is_student {
        Ok(())
    } else {
        Err(crate::labels::invalid("memberId", Problem::Rule(&crate::student::NOT_A_STUDENT)))
    }
}

pub(crate) fn pair(w: &Writer<'_>, teacher: RecordId, member: RecordId, start: NaiveDate) -> Result<RecordId> {
    if let Some(cur) = current(w.tx(), member)? {
        if cur.teacher_id == teacher {
            return Ok(cur.meta.id);
        }
        w.tx()
            .prepare_cached("UPDATE pairing SET end_date = ?2, updated_at = ?3, device_id = ?4 WHERE id = ?1")?
            .execute(params![cur.meta.id, start.max(cur.start_date), w.now(), w.device_id()])?;
    }
    let m = w.new_meta();
    w.tx()
        .prepare_cached(
            "INSERT INTO pairing (id, teacher_id, member_id, start_date, created_at, updated_at, device_id) VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)",
        )?
        .execute(params![m.id, teacher, member, start, w.now(), w.device_id()])?;
    Ok(m.id)
}

/// Pairs a teacher with a student from `start`, ending the student's current pairing.
pub fn assign(store: &mut Store, teacher: RecordId, member: RecordId, start: NaiveDate) -> Result<Pairing> {
    let id = crate::access::write(store, crate::access::Action::ManagePairings, |w| {
        crate::teacher::get(w.tx(), teacher).map_err(|_| crate::labels::invalid("teacherIds", Problem::Rule(&crate::teacher::UNKNOWN_TEACHER)))?;
        require_student(w.tx(), member)?;
        pair(w, teacher, member, start)
    })?;
    Ok(store.conn().query_row(&format!("{SELECT} WHERE p.id = ?1"), [id], from_row)?)
}

/// Ends the student's current pairing on `end` (the student then has no helper teacher).
pub fn end(store: &mut Store, member: RecordId, end: NaiveDate) -> Result<()> {
    crate::access::write(store, crate::access::Action::ManagePairings, |w| {
        let cur = current(w.tx(), member)?.ok_or(crate::labels::not_found("pairing"))?;
        w.tx().execute(
            "UPDATE pairing SET end_date = ?2, updated_at = ?3, device_id = ?4 WHERE id = ?1",
            params![cur.meta.id, end.max(cur.start_date), w.now(), w.device_id()],
        )?;
        Ok(())
    })
}

pub use crate::student::ClassRef;

/// The classes that have enrolled students, with their sizes.
pub fn classes(store: &Store) -> Result<Vec<(ClassRef, i64)>> {
    let mut stmt = store.conn().prepare_cached(
        "SELECT s.stage, s.grade, s.class_name, count(*) FROM student s JOIN member m ON m.id = s.member_id
         WHERE s.deleted_at IS NULL AND m.deleted_at IS NULL AND s.enrolment_status = 'enrolled'
         GROUP BY s.stage, s.grade, s.class_name ORDER BY s.grade, s.class_name",
    )?;
    let rows = stmt.query_map([], |r| Ok((ClassRef { stage: r.get(0)?, grade: r.get(1)?, class_name: r.get(2)? }, r.get(3)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Pairs the teacher with every enrolled student of a class; returns how many pairings changed.
pub fn assign_class(store: &mut Store, teacher: RecordId, class: &ClassRef, start: NaiveDate) -> Result<usize> {
    crate::access::write(store, crate::access::Action::ManagePairings, |w| {
        crate::teacher::get(w.tx(), teacher).map_err(|_| crate::labels::invalid("teacherIds", Problem::Rule(&crate::teacher::UNKNOWN_TEACHER)))?;
        let members: Vec<RecordId> = w
            .tx()
            .prepare(
                "SELECT s.member_id FROM student s JOIN member m ON m.id = s.member_id
                 WHERE s.deleted_at IS NULL AND m.deleted_at IS NULL AND s.enrolment_status = 'enrolled'
                   AND s.stage = ?1 AND s.grade IS ?2 AND s.class_name = ?3",
            )?
            .query_map(params![class.stage, class.grade, class.class_name], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut changed = 0;
        for m in members {
            if current(w.tx(), m)?.is_none_or(|p| p.teacher_id != teacher) {
                pair(w, teacher, m, start)?;
                changed += 1;
            }
        }
        Ok(changed)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::member::{self, MemberInput};
    use crate::student::StudentInput;
    use crate::teacher::{self, TeacherInput, TeacherRole};

    pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn setup() -> (Store, RecordId, RecordId, RecordId) {
        let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
        let h = crate::household::create(&mut store, &crate::household::tests::input("0001", "王建国")).unwrap().meta.id;
        let kid = member::create(
            &mut store,
            h,
            &MemberInput { name: "王小明".into(), student: Some(StudentInput { grade: Some(3), class_name: "2班".into(), ..StudentInput::default() }), ..Default::default() },
        )
        .unwrap()
        .meta
        .id;
        let t = |name: &str| TeacherInput { name: name.into(), phone: String::new(), subject: String::new(), role: TeacherRole::ClassTeacher };
        let a = teacher::create(&mut store, &t("张老师")).unwrap().meta.id;
        let b = teacher::create(&mut store, &t("李老师")).unwrap().meta.id;
        (store, kid, a, b)
    }

    #[test]
    fn one_current_pairing_per_student() {
        let (mut store, kid, a, b) = setup();
        let p1 = assign(&mut store, a, kid, d(2026, 9, 1)).unwrap();
        let same = assign(&mut store, a, kid, d(2026, 9, 10)).unwrap();
        assert_eq!(same.meta.id, p1.meta.id, "pairing again with the same teacher changes nothing");
        let p2 = assign(&mut store, b, kid, d(2026, 11, 1)).unwrap();
        assert_eq!(current(store.conn(), kid).unwrap().unwrap().meta.id, p2.meta.id);
        let h = history(store.conn(), kid).unwrap();
        assert_eq!(h.len(), 2);
        assert_eq!(h[1].end_date, Some(d(2026, 11, 1)), "the old pairing ends when the new starts");
        end(&mut store, kid, d(2027, 1, 15)).unwrap();
        assert!(current(store.conn(), kid).unwrap().is_none());
    }

    #[test]
    fn only_students_can_be_paired_and_classes_in_bulk() {
        let (mut store, kid, a, b) = setup();
        let h = crate::household::list(&store, "", 1).unwrap()[0].id;
        let parent = member::create(&mut store, h, &MemberInput { name: "王建国".into(), ..Default::default() }).unwrap().meta.id;
        let err = assign(&mut store, a, parent, d(2026, 9, 1)).unwrap_err();
        assert_eq!(err.report().fields[0].code, "not_a_student");

        let classes = classes(&store).unwrap();
        assert_eq!(classes.len(), 1);
        assert_eq!(assign_class(&mut store, b, &classes[0].0, d(2026, 9, 1)).unwrap(), 1);
        assert_eq!(assign_class(&mut store, b, &classes[0].0, d(2026, 9, 2)).unwrap(), 0);
        assert_eq!(current(store.conn(), kid).unwrap().unwrap().teacher_id, b);
    }
}
