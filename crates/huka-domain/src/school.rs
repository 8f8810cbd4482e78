//! The school this installation belongs to, set up on first start.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Problem, Result, Rule};
use crate::record::Meta;
use crate::store::Store;

/// The rules of this module a field can break (their codes and sentences are the window's and
/// the scripts').
pub static BAD_SCHOOL_CODE: Rule = Rule { code: "bad_school_code", zh: "学校代码只能由字母和数字组成（如 10 位学校标识码）", en: "the school code may contain only letters and digits" };

/// The school asked for before it is set up, or set up twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchoolError {
    NotSetUp,
    AlreadySetUp,
}

impl crate::error::DomainError for SchoolError {
    fn code(&self) -> &'static str {
        match self {
            SchoolError::NotSetUp => "school_not_set_up",
            SchoolError::AlreadySetUp => "school_already_set_up",
        }
    }
    fn message(&self, lang: crate::Lang) -> String {
        let (zh, en) = match self {
            SchoolError::NotSetUp => ("尚未设置学校，请先完成学校设置。", "The school has not been set up yet."),
            SchoolError::AlreadySetUp => ("学校已设置，不能重复设置。", "The school has already been set up."),
        };
        lang.pick(zh.into(), en.into())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SchoolInput {
    /// The school's identification code (学校标识码), letters and digits.
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub town: String,
    /// Supervision district (督学责任区).
    #[serde(default)]
    pub district: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct School {
    #[serde(flatten)]
    pub meta: Meta,
    pub code: String,
    pub name: String,
    pub town: String,
    pub district: String,
    /// Whom a family calls about aid (printed on the policy card, 明白卡): the school's aid
    /// officer and phone, and the county aid centre's (资助中心) hotline.
    pub aid_officer: String,
    pub aid_phone: String,
    pub county_hotline: String,
}

/// Whom families call about aid: the school's settings printed on every policy card.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactsInput {
    #[serde(default)]
    pub aid_officer: String,
    #[serde(default)]
    pub aid_phone: String,
    #[serde(default)]
    pub county_hotline: String,
}

impl SchoolInput {
    fn cleaned(&self) -> SchoolInput {
        SchoolInput {
            code: self.code.trim().to_uppercase(),
            name: self.name.trim().to_string(),
            town: self.town.trim().to_string(),
            district: self.district.trim().to_string(),
        }
    }

    fn check(&self) -> Result<()> {
        let mut c = crate::labels::checks();
        c.required("code", &self.code);
        if !c.has("code") && !self.code.chars().all(|ch| ch.is_ascii_alphanumeric()) {
            c.add("code", Problem::Rule(&BAD_SCHOOL_CODE));
        }
        c.max_len("code", &self.code, 20);
        c.required("name", &self.name);
        c.max_len("name", &self.name, 60);
        c.max_len("town", &self.town, 30);
        c.max_len("district", &self.district, 30);
        c.finish()
    }
}

/// The school, or `None` before first-start setup.
pub fn get(store: &Store) -> Result<Option<School>> {
    Ok(store
        .conn()
        .query_row(
            &format!(
                "SELECT {}, s.code, s.name, s.town, s.district, s.aid_officer, s.aid_phone, s.county_hotline FROM school s WHERE s.deleted_at IS NULL",
                Meta::columns("s")
            ),
            [],
            |r| {
                Ok(School {
                    meta: Meta::from_row(r, 0)?,
                    code: r.get(4)?,
                    name: r.get(5)?,
                    town: r.get(6)?,
                    district: r.get(7)?,
                    aid_officer: r.get(8)?,
                    aid_phone: r.get(9)?,
                    county_hotline: r.get(10)?,
                })
            },
        )
        .optional()?)
}

/// Checks a school's details as typed (before any file is made at first start).
pub(crate) fn checked(input: &SchoolInput) -> Result<()> {
    input.cleaned().check()
}

/// First-start setup. Refused when a school is already set up.
pub fn setup(store: &mut Store, input: &SchoolInput) -> Result<School> {
    let pass = crate::access::ask(store, crate::access::Action::ManageSchool)?;
    let input = input.cleaned();
    input.check()?;
    if get(store)?.is_some() {
        return Err(SchoolError::AlreadySetUp.into());
    }
    // A county installation holds no school of its own.
    crate::installation::require_mode(store, crate::installation::Mode::School)?;
    pass.write(store, |w| {
        let m = w.new_meta();
        w.tx().execute(
            "INSERT INTO school (id, code, name, town, district, created_at, updated_at, device_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)",
            params![m.id, input.code, input.name, input.town, input.district, w.now(), w.device_id()],
        )?;
        Ok(())
    })?;
    get(store)?.ok_or_else(|| Error::from(SchoolError::NotSetUp))
}

pub fn update(store: &mut Store, input: &SchoolInput) -> Result<School> {
    let pass = crate::access::ask(store, crate::access::Action::ManageSchool)?;
    let input = input.cleaned();
    input.check()?;
    let school = get(store)?.ok_or_else(|| Error::from(SchoolError::NotSetUp))?;
    pass.write(store, |w| {
        w.tx().execute(
            "UPDATE school SET code = ?1, name = ?2, town = ?3, district = ?4, updated_at = ?5, device_id = ?6 WHERE id = ?7",
            params![input.code, input.name, input.town, input.district, w.now(), w.device_id(), school.meta.id],
        )?;
        Ok(())
    })?;
    get(store)?.ok_or_else(|| Error::from(SchoolError::NotSetUp))
}

/// Sets whom families call about aid. A setting of the school's: the principal's. The phones
/// are checked (a mobile or a landline; the hotline may also be a short service number).
pub fn set_contacts(store: &mut Store, input: &ContactsInput) -> Result<School> {
    let pass = crate::access::ask(store, crate::access::Action::ManageSchool)?;
    let school = get(store)?.ok_or_else(|| Error::from(SchoolError::NotSetUp))?;
    let mut c = crate::labels::checks();
    let officer = crate::text::clean(&input.aid_officer);
    c.max_len("aidOfficer", &officer, 30);
    let phone = crate::text::normalize_phone(&input.aid_phone);
    if phone.is_none() {
        c.add("aidPhone", Problem::BadPhone);
    }
    let hotline: String = crate::text::clean(&input.county_hotline).chars().filter(|ch| *ch != ' ').collect();
    let service = (5..=8).contains(&hotline.len()) && hotline.bytes().all(|b| b.is_ascii_digit());
    let hotline = match crate::text::normalize_phone(&hotline) {
        Some(p) => p,
        None if service => hotline,
        None => {
            c.add("countyHotline", Problem::BadPhone);
            String::new()
        }
    };
    c.finish()?;
    pass.write(store, |w| {
        w.tx().execute(
            "UPDATE school SET aid_officer = ?1, aid_phone = ?2, county_hotline = ?3, updated_at = ?4, device_id = ?5 WHERE id = ?6",
            params![officer, phone.unwrap_or_default(), hotline, w.now(), w.device_id(), school.meta.id],
        )?;
        Ok(())
    })?;
    get(store)?.ok_or_else(|| Error::from(SchoolError::NotSetUp))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts_are_checked_and_kept() {
        let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
        setup(&mut store, &input()).unwrap();
        let bad = ContactsInput { aid_officer: "李 老师".into(), aid_phone: "12345".into(), county_hotline: "热线".into() };
        match set_contacts(&mut store, &bad) {
            Err(Error::Invalid(fields)) => assert_eq!(fields.iter().map(|f| f.field).collect::<Vec<_>>(), ["aidPhone", "countyHotline"]),
            other => panic!("{other:?}"),
        }
        let good = ContactsInput { aid_officer: "李 老师".into(), aid_phone: "139 1234 5678".into(), county_hotline: "12345".into() };
        let s = set_contacts(&mut store, &good).unwrap();
        assert_eq!((s.aid_officer.as_str(), s.aid_phone.as_str(), s.county_hotline.as_str()), ("李老师", "13912345678", "12345"));
        let s = set_contacts(&mut store, &ContactsInput { county_hotline: "0916-3212345".into(), ..good }).unwrap();
        assert_eq!(s.county_hotline, "09163212345");
    }

    fn input() -> SchoolInput {
        SchoolInput { code: " 3161092101 ".into(), name: "涧池镇中心小学".into(), town: "涧池镇".into(), district: "第二督学责任区".into() }
    }

    #[test]
    fn set_up_once_then_update() {
        let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
        assert!(get(&store).unwrap().is_none());
        let s = setup(&mut store, &input()).unwrap();
        assert_eq!(s.code, "3161092101");
        assert_eq!(s.meta.device_id, store.device_id());
        assert!(matches!(setup(&mut store, &input()), Err(e) if e.domain() == Some(&SchoolError::AlreadySetUp)));
        let u = update(&mut store, &SchoolInput { name: "涧池镇九年制学校".into(), ..input() }).unwrap();
        assert_eq!(u.name, "涧池镇九年制学校");
        assert_eq!(u.meta.id, s.meta.id);
        assert!(u.meta.updated_at >= s.meta.updated_at);
    }

    #[test]
    fn every_bad_field_is_reported() {
        let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
        let bad = SchoolInput { code: "31 6/1".into(), name: " ".into(), ..Default::default() };
        match setup(&mut store, &bad) {
            Err(Error::Invalid(fields)) => {
                let names: Vec<_> = fields.iter().map(|f| f.field).collect();
                assert_eq!(names, ["code", "name"]);
            }
            other => panic!("{other:?}"),
        }
        assert!(get(&store).unwrap().is_none());
    }
}
