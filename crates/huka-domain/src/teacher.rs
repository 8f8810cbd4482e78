//! Teachers, and which of them are responsible for which households.

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::error::{Problem, Result, Rule};
use crate::household;
use crate::record::{text_enum, Meta, RecordId};
use crate::store::{Store, Writer};
use crate::text::{clean, normalize_phone};

/// The rules of this module a field can break (their codes and sentences are the window's and
/// the scripts').
pub static UNKNOWN_TEACHER: Rule = Rule { code: "unknown_teacher", zh: "找不到所选教师", en: "unknown teacher" };

text_enum! {
    pub enum TeacherRole {
        ClassTeacher = "class_teacher",     // 班主任
        SubjectTeacher = "subject_teacher", // 任课教师
        Principal = "principal",            // 校长
        AidOfficer = "aid_officer",         // 资助专干
        Other = "other",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeacherInput {
    pub name: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub subject: String,
    pub role: TeacherRole,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Teacher {
    #[serde(flatten)]
    pub meta: Meta,
    #[serde(flatten)]
    pub fields: TeacherInput,
    /// How many live households this teacher is responsible for.
    pub household_count: i64,
}

impl TeacherInput {
    fn cleaned(&self) -> Result<TeacherInput> {
        let mut c = crate::labels::checks();
        let mut t = TeacherInput { name: clean(&self.name), phone: String::new(), subject: clean(&self.subject), role: self.role };
        c.required("name", &t.name);
        c.max_len("name", &t.name, 30);
        c.max_len("subject", &t.subject, 20);
        match normalize_phone(&self.phone) {
            Some(p) => t.phone = p,
            None => c.add("phone", Problem::BadPhone),
        }
        c.finish()?;
        Ok(t)
    }
}

const SELECT: &str = "SELECT t.id, t.created_at, t.updated_at, t.device_id, t.name, t.phone, t.subject, t.role,
        (SELECT count(*) FROM household_teacher ht JOIN household h ON h.id = ht.household_id
          WHERE ht.teacher_id = t.id AND ht.deleted_at IS NULL AND h.deleted_at IS NULL)
     FROM teacher t";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Teacher> {
    Ok(Teacher {
        meta: Meta::from_row(r, 0)?,
        fields: TeacherInput { name: r.get(4)?, phone: r.get(5)?, subject: r.get(6)?, role: r.get(7)? },
        household_count: r.get(8)?,
    })
}

pub fn get(conn: &Connection, id: RecordId) -> Result<Teacher> {
    conn.query_row(&format!("{SELECT} WHERE t.id = ?1 AND t.deleted_at IS NULL"), [id], from_row)
        .optional()?
        .ok_or(crate::labels::not_found("teacher"))
}

/// All live teachers, by name.
pub fn list(store: &Store) -> Result<Vec<Teacher>> {
    let mut stmt = store.conn().prepare_cached(&format!("{SELECT} WHERE t.deleted_at IS NULL ORDER BY t.name, t.id"))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The live teachers responsible for a household, by name.
pub fn of_household(conn: &Connection, household: RecordId) -> Result<Vec<Teacher>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} JOIN household_teacher l ON l.teacher_id = t.id AND l.deleted_at IS NULL
         WHERE l.household_id = ?1 AND t.deleted_at IS NULL ORDER BY t.name, t.id"
    ))?;
    let rows = stmt.query_map([household], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn create(store: &mut Store, input: &TeacherInput) -> Result<Teacher> {
    let pass = crate::access::ask(store, crate::access::Action::ManageSchool)?;
    let t = input.cleaned()?;
    let id = pass.write(store, |w| insert(w, &t))?;
    get(store.conn(), id)
}

pub(crate) fn insert(w: &Writer<'_>, t: &TeacherInput) -> Result<RecordId> {
    let m = w.new_meta();
    w.tx().execute(
        "INSERT INTO teacher (id, name, phone, subject, role, created_at, updated_at, device_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)",
        params![m.id, t.name, t.phone, t.subject, t.role, w.now(), w.device_id()],
    )?;
    Ok(m.id)
}

pub fn update(store: &mut Store, id: RecordId, input: &TeacherInput) -> Result<Teacher> {
    let pass = crate::access::ask(store, crate::access::Action::ManageSchool)?;
    let t = input.cleaned()?;
    pass.write(store, |w| {
        get(w.tx(), id)?;
        w.tx().execute(
            "UPDATE teacher SET name = ?1, phone = ?2, subject = ?3, role = ?4, updated_at = ?5, device_id = ?6 WHERE id = ?7",
            params![t.name, t.phone, t.subject, t.role, w.now(), w.device_id(), id],
        )?;
        Ok(())
    })?;
    get(store.conn(), id)
}

/// The classes a teacher heads (班主任): their students' households are in the teacher's care.
pub fn classes(conn: &Connection, teacher: RecordId) -> Result<Vec<crate::student::ClassRef>> {
    let rows = conn
        .prepare_cached(
            "SELECT grade, class_name FROM teacher_class WHERE teacher_id = ?1 AND deleted_at IS NULL ORDER BY grade IS NULL, grade, class_name",
        )?
        .query_map([teacher], |r| {
            let grade: Option<i64> = r.get(0)?;
            Ok(crate::student::ClassRef { stage: crate::student::Stage::of_grade(grade), grade, class_name: r.get(1)? })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Sets the classes a teacher heads, replacing the ones before (removed ones are tombstoned).
pub fn set_classes(store: &mut Store, teacher: RecordId, classes: &[crate::student::ClassRef]) -> Result<Vec<crate::student::ClassRef>> {
    let pass = crate::access::ask(store, crate::access::Action::ManageSchool)?;
    get(store.conn(), teacher)?;
    let wanted: Vec<(Option<i64>, String)> = classes.iter().map(|c| (c.grade, clean(&c.class_name))).filter(|(_, n)| !n.is_empty()).collect();
    pass.write(store, |w| {
        let current: Vec<(RecordId, Option<i64>, String)> = w
            .tx()
            .prepare("SELECT id, grade, class_name FROM teacher_class WHERE teacher_id = ?1 AND deleted_at IS NULL")?
            .query_map([teacher], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (id, grade, name) in &current {
            if !wanted.iter().any(|(g, n)| g == grade && n == name) {
                w.tombstone("teacher_class", crate::labels::not_found("class"), *id)?;
            }
        }
        for (grade, name) in &wanted {
            if !current.iter().any(|(_, g, n)| g == grade && n == name) {
                let m = w.new_meta();
                w.tx().execute(
                    "INSERT INTO teacher_class (id, teacher_id, grade, class_name, created_at, updated_at, device_id) VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)",
                    params![m.id, teacher, grade, name, w.now(), w.device_id()],
                )?;
            }
        }
        Ok(())
    })?;
    self::classes(store.conn(), teacher)
}

/// Deletes a teacher (tombstone) and their responsibility links.
pub fn delete(store: &mut Store, id: RecordId) -> Result<()> {
    crate::access::write(store, crate::access::Action::ManageSchool, |w| {
        w.tombstone("teacher", crate::labels::not_found("teacher"), id)?;
        w.tx().execute(
            "UPDATE household_teacher SET deleted_at = ?1, updated_at = ?1, device_id = ?2 WHERE teacher_id = ?3 AND deleted_at IS NULL",
            params![w.now(), w.device_id(), id],
        )?;
        Ok(())
    })
}

/// Makes `teachers` the set of teachers responsible for the household: new links are added,
/// dropped ones become tombstones, kept ones are untouched.
pub fn set_for_household(store: &mut Store, household_id: RecordId, teachers: &[RecordId]) -> Result<Vec<Teacher>> {
    crate::access::write(store, crate::access::Action::ManagePairings, |w| link(w, household_id, teachers))?;
    of_household(store.conn(), household_id)
}

pub(crate) fn link(w: &Writer<'_>, household_id: RecordId, teachers: &[RecordId]) -> Result<()> {
    household::get(w.tx(), household_id)?;
    for t in teachers {
        if get(w.tx(), *t).is_err() {
            return Err(crate::labels::invalid("teacherIds", Problem::Rule(&UNKNOWN_TEACHER)));
        }
    }
    let current = of_household(w.tx(), household_id)?;
    for t in current.iter().filter(|t| !teachers.contains(&t.meta.id)) {
        w.tx().execute(
            "UPDATE household_teacher SET deleted_at = ?1, updated_at = ?1, device_id = ?2
             WHERE household_id = ?3 AND teacher_id = ?4 AND deleted_at IS NULL",
            params![w.now(), w.device_id(), household_id, t.meta.id],
        )?;
    }
    for t in teachers.iter().filter(|t| !current.iter().any(|c| c.meta.id == **t)) {
        let m = w.new_meta();
        w.tx().execute(
            "INSERT OR IGNORE INTO household_teacher (id, household_id, teacher_id, created_at, updated_at, device_id) VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
            params![m.id, household_id, t, w.now(), w.device_id()],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::household::tests::input;

    fn teacher(name: &str) -> TeacherInput {
        TeacherInput { name: name.into(), phone: "13991500000".into(), subject: "语文".into(), role: TeacherRole::ClassTeacher }
    }

    #[test]
    fn teachers_are_linked_to_households_and_unlinked_on_delete() {
        let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
        let h = household::create(&mut store, &input("0001", "王建国")).unwrap().meta.id;
        let a = create(&mut store, &teacher("张老师")).unwrap().meta.id;
        let b = create(&mut store, &teacher("李老师")).unwrap().meta.id;

        let linked = set_for_household(&mut store, h, &[a, b]).unwrap();
        assert_eq!(linked.len(), 2);
        assert_eq!(linked[0].household_count, 1);
        let linked = set_for_household(&mut store, h, &[b]).unwrap();
        assert_eq!(linked.iter().map(|t| t.fields.name.as_str()).collect::<Vec<_>>(), ["李老师"]);

        delete(&mut store, b).unwrap();
        assert!(of_household(store.conn(), h).unwrap().is_empty());
        assert_eq!(list(&store).unwrap().len(), 1);

        let unknown = set_for_household(&mut store, h, &[b]).unwrap_err();
        assert_eq!(unknown.report().fields[0].code, "unknown_teacher");
    }

    #[test]
    fn update_and_validation() {
        let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
        let t = create(&mut store, &teacher("张老师")).unwrap();
        let u = update(&mut store, t.meta.id, &TeacherInput { subject: "数学".into(), ..teacher("张 老师") }).unwrap();
        assert_eq!((u.fields.name.as_str(), u.fields.subject.as_str()), ("张老师", "数学"));
        let err = create(&mut store, &TeacherInput { phone: "123".into(), ..teacher("") }).unwrap_err();
        let fields: Vec<_> = err.report().fields.into_iter().map(|f| f.field).collect();
        assert_eq!(fields, ["name", "phone"]);
    }
}
