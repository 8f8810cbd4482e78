//! Household cards (一户一卡): the household itself, its listing and search, and the card that
//! gathers its members, students and responsible teachers.

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::error::{Problem, Result, Rule};
use crate::record::{text_enum, Meta, RecordId};
use crate::search;
use crate::store::{Store, Writer};
use crate::text::{clean, normalize_phone};

/// The rules of this module a field can break (their codes and sentences are the window's and
/// the scripts').
pub static DUPLICATE_HOUSEHOLD_NUMBER: Rule = Rule { code: "duplicate_household_number", zh: "该户编号已被另一户使用", en: "this household number is already used by another household" };
pub static BAD_FAMILY_SIZE: Rule = Rule { code: "bad_family_size", zh: "家庭人口应为 1 到 30 之间的整数", en: "the family size must be a whole number from 1 to 30" };

/// The largest registered family size (家庭人口) taken: more is a typing error.
pub const MAX_FAMILY_SIZE: i64 = 30;

text_enum! {
    /// Where the household stands on the poverty lists.
    pub enum HouseholdStatus {
        /// 建档立卡贫困户
        RegisteredPoor = "registered_poor",
        /// 已脱贫（纳入监测）
        LiftedMonitored = "lifted_monitored",
        /// 低保户
        MinimumAllowance = "minimum_allowance",
        /// 特困供养
        ExtremePoverty = "extreme_poverty",
        /// 边缘易致贫户（监测）
        EdgeMonitored = "edge_monitored",
        /// 无
        None = "none",
    }
}

text_enum! {
    /// The official poverty causes (主要致贫原因).
    pub enum PovertyCause {
        Illness = "illness",                       // 因病
        Disability = "disability",                 // 因残
        Schooling = "schooling",                   // 因学
        Disaster = "disaster",                     // 因灾
        LackOfLand = "lack_of_land",               // 缺土地
        LackOfWater = "lack_of_water",             // 缺水
        LackOfSkills = "lack_of_skills",           // 缺技术
        LackOfLabour = "lack_of_labour",           // 缺劳力
        LackOfFunds = "lack_of_funds",             // 缺资金
        PoorTransport = "poor_transport",          // 交通条件落后
        LackOfMotivation = "lack_of_motivation",   // 自身发展动力不足
    }
}

/// What a household number Huka made itself starts with: a household that came from a list
/// with no household number (a 贫困学生花名册, keyed by the head's resident ID number).
pub const GENERATED_NUMBER_PREFIX: &str = "自编";

/// A household number for a household whose list gave none: 自编 and twelve characters (48
/// random bits) of a fresh UUIDv7 — never derived from an ID number, and unique among a
/// school's computers (sync matches households by number, so two computers making the same
/// one would merge two families). A list with the real 户编号 replaces it later.
pub fn generated_number() -> String {
    let hex = RecordId::new().0.simple().to_string();
    format!("{GENERATED_NUMBER_PREFIX}{}", hex[hex.len() - 12..].to_uppercase())
}

/// Whether Huka made this household number itself ([`generated_number`]).
pub fn is_generated_number(number: &str) -> bool {
    number.starts_with(GENERATED_NUMBER_PREFIX)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HouseholdInput {
    /// The household number on the poverty list (户编号).
    pub household_number: String,
    pub head_name: String,
    #[serde(default)]
    pub town: String,
    #[serde(default)]
    pub village: String,
    /// Village group (组).
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub phone: String,
    pub status: HouseholdStatus,
    #[serde(default)]
    pub poverty_causes: Vec<PovertyCause>,
    #[serde(default)]
    pub notes: String,
    /// 家庭人口: how many people the 建档立卡 system registers in the household — it may
    /// exceed the members the card lists. `None`: not given. A number as typed (the form sends
    /// 3.5 as 3.5, a field problem, not a malformed request); stored and shown whole.
    #[serde(default, serialize_with = "whole_number")]
    pub family_size: Option<f64>,
}

fn whole_number<S: serde::Serializer>(n: &Option<f64>, s: S) -> std::result::Result<S::Ok, S::Error> {
    match n {
        Some(n) if n.fract() == 0.0 => s.serialize_some(&(*n as i64)),
        other => other.serialize(s),
    }
}

/// 家庭人口 as a card says it: the registered number, and the members listed when they differ
/// ("5 人（卡上列出 3 人）"); empty when not given.
pub fn family_size_text(registered: Option<f64>, listed: usize) -> String {
    match registered {
        None => String::new(),
        Some(n) if n as usize == listed => format!("{n} 人"),
        Some(n) => format!("{n} 人（卡上列出 {listed} 人）"),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Household {
    #[serde(flatten)]
    pub meta: Meta,
    #[serde(flatten)]
    pub fields: HouseholdInput,
}

/// One row of the household list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HouseholdSummary {
    pub id: RecordId,
    pub household_number: String,
    pub head_name: String,
    pub town: String,
    pub village: String,
    pub group: String,
    pub phone: String,
    pub status: HouseholdStatus,
    pub member_count: i64,
    pub student_count: i64,
}

impl HouseholdInput {
    /// Cleans what was typed and checks every field, reporting all problems at once.
    fn cleaned(&self) -> Result<HouseholdInput> {
        let mut c = crate::labels::checks();
        let mut h = HouseholdInput {
            household_number: clean(&self.household_number).replace(' ', ""),
            head_name: clean(&self.head_name),
            town: clean(&self.town),
            village: clean(&self.village),
            group: clean(&self.group),
            phone: String::new(),
            status: self.status,
            poverty_causes: Vec::new(),
            notes: self.notes.trim().to_string(),
            family_size: self.family_size,
        };
        c.required("householdNumber", &h.household_number);
        c.max_len("householdNumber", &h.household_number, 40);
        c.required("headName", &h.head_name);
        c.max_len("headName", &h.head_name, 30);
        c.max_len("town", &h.town, 30);
        c.max_len("village", &h.village, 30);
        c.max_len("group", &h.group, 20);
        c.max_len("notes", &h.notes, 2000);
        match normalize_phone(&self.phone) {
            Some(p) => h.phone = p,
            None => c.add("phone", Problem::BadPhone),
        }
        if let Some(n) = self.family_size {
            if n.fract() != 0.0 || !(1.0..=MAX_FAMILY_SIZE as f64).contains(&n) {
                c.add("familySize", Problem::Rule(&BAD_FAMILY_SIZE));
            }
        }
        for cause in &self.poverty_causes {
            if !h.poverty_causes.contains(cause) {
                h.poverty_causes.push(*cause);
            }
        }
        c.finish()?;
        Ok(h)
    }
}

const COLUMNS: &str = "h.id, h.created_at, h.updated_at, h.device_id, \
     h.household_number, h.head_name, h.town, h.village, h.grp, h.phone, h.status, h.poverty_causes, h.notes, h.family_size";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Household> {
    let causes: String = r.get(11)?;
    Ok(Household {
        meta: Meta::from_row(r, 0)?,
        fields: HouseholdInput {
            household_number: r.get(4)?,
            head_name: r.get(5)?,
            town: r.get(6)?,
            village: r.get(7)?,
            group: r.get(8)?,
            phone: r.get(9)?,
            status: r.get(10)?,
            poverty_causes: serde_json::from_str(&causes).unwrap_or_default(),
            notes: r.get(12)?,
            family_size: r.get::<_, Option<i64>>(13)?.map(|n| n as f64),
        },
    })
}

pub fn get(conn: &Connection, id: RecordId) -> Result<Household> {
    conn.query_row(&format!("SELECT {COLUMNS} FROM household h WHERE h.id = ?1 AND h.deleted_at IS NULL"), [id], from_row)
        .optional()?
        .ok_or(crate::labels::not_found("household"))
}

/// The live household with this number (spaces aside).
pub fn by_number(conn: &Connection, number: &str) -> Result<Household> {
    let number = clean(number).replace(' ', "");
    conn.query_row(&format!("SELECT {COLUMNS} FROM household h WHERE h.household_number = ?1 AND h.deleted_at IS NULL"), [number], from_row)
        .optional()?
        .ok_or(crate::labels::not_found("household"))
}

/// Every live household, in one query (for planning an import).
pub fn all(conn: &Connection) -> Result<Vec<Household>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM household h WHERE h.deleted_at IS NULL"))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn number_taken(conn: &Connection, number: &str, except: Option<RecordId>) -> Result<bool> {
    let other: Option<RecordId> = conn
        .prepare_cached("SELECT id FROM household WHERE household_number = ?1 AND deleted_at IS NULL")?
        .query_row([number], |r| r.get(0))
        .optional()?;
    Ok(other.is_some_and(|o| Some(o) != except))
}

pub fn create(store: &mut Store, input: &HouseholdInput) -> Result<Household> {
    let pass = crate::access::ask(store, crate::access::Action::CreateOrDeleteHousehold)?;
    let h = input.cleaned()?;
    let id = pass.write(store, |w| insert(w, &h))?;
    get(store.conn(), id)
}

/// Inserts a cleaned household inside a transaction (also used by the demo generator).
pub(crate) fn insert(w: &Writer<'_>, h: &HouseholdInput) -> Result<RecordId> {
    let id = insert_unindexed(w, h)?;
    search::reindex_household(w.tx(), id)?;
    Ok(id)
}

/// Validates and inserts a household inside a transaction, without reindexing.
pub fn insert_input(w: &Writer<'_>, input: &HouseholdInput) -> Result<RecordId> {
    insert_unindexed(w, &input.cleaned()?)
}

fn insert_unindexed(w: &Writer<'_>, h: &HouseholdInput) -> Result<RecordId> {
    if number_taken(w.tx(), &h.household_number, None)? {
        return Err(crate::labels::invalid("householdNumber", Problem::Rule(&DUPLICATE_HOUSEHOLD_NUMBER)));
    }
    let m = w.new_meta();
    w.tx().prepare_cached(
        "INSERT INTO household (id, household_number, head_name, town, village, grp, phone, status, poverty_causes, notes, created_at, updated_at, device_id, updated_by, family_size)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
            m.id, h.household_number, h.head_name, h.town, h.village, h.group, h.phone, h.status,
            serde_json::to_string(&h.poverty_causes).expect("plain enum list"), h.notes, w.now(), w.device_id(), w.actor().id,
            h.family_size.map(|n| n as i64)
        ])?;
    Ok(m.id)
}

pub fn update(store: &mut Store, id: RecordId, input: &HouseholdInput) -> Result<Household> {
    let pass = crate::access::ask(store, crate::access::Action::EditHousehold(id))?;
    let h = input.cleaned()?;
    pass.write(store, |w| {
        get(w.tx(), id)?;
        write_update(w, id, &h)?;
        search::reindex_household(w.tx(), id)
    })?;
    get(store.conn(), id)
}

/// Validates and rewrites a household inside a transaction, without reindexing.
pub fn update_input(w: &Writer<'_>, id: RecordId, input: &HouseholdInput) -> Result<()> {
    write_update(w, id, &input.cleaned()?)
}

fn write_update(w: &Writer<'_>, id: RecordId, h: &HouseholdInput) -> Result<()> {
    if number_taken(w.tx(), &h.household_number, Some(id))? {
        return Err(crate::labels::invalid("householdNumber", Problem::Rule(&DUPLICATE_HOUSEHOLD_NUMBER)));
    }
    w.tx().prepare_cached(
        "UPDATE household SET household_number = ?1, head_name = ?2, town = ?3, village = ?4, grp = ?5, phone = ?6,
             status = ?7, poverty_causes = ?8, notes = ?9, updated_at = ?10, device_id = ?11, family_size = ?13
         WHERE id = ?12",
    )?
    .execute(params![
        h.household_number, h.head_name, h.town, h.village, h.group, h.phone, h.status,
        serde_json::to_string(&h.poverty_causes).expect("plain enum list"), h.notes, w.now(), w.device_id(), id,
        h.family_size.map(|n| n as i64)
    ])?;
    Ok(())
}

/// Deletes a household card: the household, its members, their student records, pairings,
/// plans and dropout cases, its visits and their follow-ups, and its teacher links all become tombstones, in one
/// transaction.
pub fn delete(store: &mut Store, id: RecordId) -> Result<()> {
    crate::access::write(store, crate::access::Action::CreateOrDeleteHousehold, |w| {
        w.tombstone("household", crate::labels::not_found("household"), id)?;
        let stamp = params![w.now(), w.device_id(), id];
        w.tx().execute(
            "UPDATE student SET deleted_at = ?1, updated_at = ?1, device_id = ?2
             WHERE deleted_at IS NULL AND member_id IN (SELECT id FROM member WHERE household_id = ?3)",
            stamp,
        )?;
        w.tx().execute(
            "UPDATE member SET deleted_at = ?1, updated_at = ?1, device_id = ?2 WHERE deleted_at IS NULL AND household_id = ?3",
            stamp,
        )?;
        w.tx().execute(
            "UPDATE household_teacher SET deleted_at = ?1, updated_at = ?1, device_id = ?2 WHERE deleted_at IS NULL AND household_id = ?3",
            stamp,
        )?;
        // The card's visits (with their follow-ups), and its students' pairings and plans.
        w.tx().execute(
            "UPDATE follow_up SET deleted_at = ?1, updated_at = ?1, device_id = ?2
             WHERE deleted_at IS NULL AND visit_id IN (SELECT id FROM visit WHERE household_id = ?3)",
            stamp,
        )?;
        w.tx().execute("UPDATE visit SET deleted_at = ?1, updated_at = ?1, device_id = ?2 WHERE deleted_at IS NULL AND household_id = ?3", stamp)?;
        for table in ["pairing", "plan", "aid_grant"] {
            w.tx().execute(
                &format!(
                    "UPDATE {table} SET deleted_at = ?1, updated_at = ?1, device_id = ?2
                     WHERE deleted_at IS NULL AND member_id IN (SELECT id FROM member WHERE household_id = ?3)"
                ),
                stamp,
            )?;
        }
        crate::dropout::tombstone_cases_of(w, "SELECT id FROM member WHERE household_id = ?1", id)?;
        search::reindex_household(w.tx(), id)
    })
}

/// The household list, filtered by a search text (name, ID-number fragment, village, household
/// number, phone; several words must all match). At most `limit` rows, ordered by address.
pub fn list(store: &Store, search_text: &str, limit: usize) -> Result<Vec<HouseholdSummary>> {
    let (filter, patterns) = search::household_filter(store, "h.id", search_text, 2)?;
    // Pick the page of households first, then count members of those rows only.
    let sql = format!(
        "SELECT h.id, h.household_number, h.head_name, h.town, h.village, h.grp, h.phone, h.status,
                (SELECT count(*) FROM member m WHERE m.household_id = h.id AND m.deleted_at IS NULL),
                (SELECT count(*) FROM member m JOIN student s ON s.member_id = m.id
                   WHERE m.household_id = h.id AND m.deleted_at IS NULL AND s.deleted_at IS NULL)
         FROM (SELECT * FROM household h
               WHERE h.deleted_at IS NULL AND {filter}
               ORDER BY h.town, h.village, h.grp, h.household_number
               LIMIT ?1) h
         ORDER BY h.town, h.village, h.grp, h.household_number"
    );
    let mut stmt = store.conn().prepare_cached(&sql)?;
    let mut args: Vec<&dyn rusqlite::ToSql> = vec![&limit];
    args.extend(patterns.iter().map(|p| p as &dyn rusqlite::ToSql));
    let rows = stmt.query_map(args.as_slice(), |r| {
        Ok(HouseholdSummary {
            id: r.get(0)?,
            household_number: r.get(1)?,
            head_name: r.get(2)?,
            town: r.get(3)?,
            village: r.get(4)?,
            group: r.get(5)?,
            phone: r.get(6)?,
            status: r.get(7)?,
            member_count: r.get(8)?,
            student_count: r.get(9)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Helpers for tests, here and in the crates above (feature `testing`).
#[cfg(any(test, feature = "testing"))]
pub mod tests {
    // Built for the crates above too, where the tests themselves are not.
    #![allow(dead_code, unused_imports)]
    use super::*;
    use crate::error::Error;

    pub fn input(number: &str, head: &str) -> HouseholdInput {
        HouseholdInput {
            household_number: number.into(),
            head_name: head.into(),
            town: "涧池镇".into(),
            village: "五一村".into(),
            group: "3组".into(),
            phone: "13891501234".into(),
            status: HouseholdStatus::RegisteredPoor,
            poverty_causes: vec![PovertyCause::Illness],
            notes: String::new(),
            family_size: None,
        }
    }

    /// 家庭人口 is kept as given (it may exceed the members listed), cleared when left blank,
    /// and refused when not a whole number from 1 to 30; the card's text says both numbers
    /// when they differ. The JSON is a whole number, and the form's input reads it.
    #[test]
    fn family_size_is_kept_checked_and_told_beside_the_members_listed() {
        let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
        let h = create(&mut store, &HouseholdInput { family_size: Some(5.0), ..input("0001", "王建国") }).unwrap();
        assert_eq!(h.fields.family_size, Some(5.0));
        let json = serde_json::to_value(&h).unwrap();
        assert_eq!(json["familySize"], serde_json::json!(5));
        let back: HouseholdInput = serde_json::from_value(json).unwrap();
        assert_eq!(back.family_size, Some(5.0));
        let stored: Option<i64> = store.conn().query_row("SELECT family_size FROM household WHERE id = ?1", [h.meta.id], |r| r.get(0)).unwrap();
        assert_eq!(stored, Some(5));

        for bad in [0.0, 31.0, 3.5, -2.0] {
            match update(&mut store, h.meta.id, &HouseholdInput { family_size: Some(bad), ..h.fields.clone() }) {
                Err(Error::Invalid(f)) => {
                    assert_eq!(f.len(), 1, "{bad}");
                    assert_eq!((f[0].field, &f[0].problem), ("familySize", &Problem::Rule(&BAD_FAMILY_SIZE)), "{bad}");
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
        assert_eq!(get(store.conn(), h.meta.id).unwrap().fields.family_size, Some(5.0), "nothing written");
        let cleared = update(&mut store, h.meta.id, &HouseholdInput { family_size: None, ..h.fields.clone() }).unwrap();
        assert_eq!(cleared.fields.family_size, None);
        // A form from before the field sends none.
        let old: HouseholdInput = serde_json::from_str(r#"{"householdNumber":"1","headName":"李红","status":"none"}"#).unwrap();
        assert_eq!(old.family_size, None);

        assert_eq!(family_size_text(Some(5.0), 3), "5 人（卡上列出 3 人）");
        assert_eq!(family_size_text(Some(3.0), 3), "3 人");
        assert_eq!(family_size_text(None, 3), "");
    }

    #[test]
    fn create_read_update_delete() {
        let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
        let h = create(&mut store, &HouseholdInput { head_name: " 王 建国 ".into(), ..input("6109210001", "") }).unwrap();
        assert_eq!(h.fields.head_name, "王建国");
        assert_eq!(h.meta.device_id, store.device_id());
        assert_eq!(h.meta.id.0.get_version_num(), 7);

        let changed = update(
            &mut store,
            h.meta.id,
            &HouseholdInput { village: "太平村".into(), poverty_causes: vec![PovertyCause::Schooling, PovertyCause::Schooling], ..h.fields.clone() },
        )
        .unwrap();
        assert_eq!(changed.fields.village, "太平村");
        assert_eq!(changed.fields.poverty_causes, vec![PovertyCause::Schooling]);
        assert_eq!(changed.meta.created_at, h.meta.created_at);

        delete(&mut store, h.meta.id).unwrap();
        assert!(matches!(get(store.conn(), h.meta.id), Err(Error::NotFound { .. })));
        assert!(list(&store, "", 100).unwrap().is_empty());
        // The row stays as a tombstone for merging.
        let deleted: Option<String> =
            store.conn().query_row("SELECT deleted_at FROM household WHERE id = ?1", [h.meta.id], |r| r.get(0)).unwrap();
        assert!(deleted.is_some());
        assert!(matches!(delete(&mut store, h.meta.id), Err(Error::NotFound { .. })));
    }

    #[test]
    fn household_numbers_are_unique_among_live_households() {
        let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
        let a = create(&mut store, &input("0001", "王建国")).unwrap();
        let dup = create(&mut store, &input("0001", "李红"));
        assert!(matches!(&dup, Err(Error::Invalid(f)) if f[0].problem == Problem::Rule(&DUPLICATE_HOUSEHOLD_NUMBER)));
        delete(&mut store, a.meta.id).unwrap();
        create(&mut store, &input("0001", "李红")).expect("a deleted household frees its number");
    }

    #[test]
    fn all_bad_fields_are_reported_and_nothing_is_written() {
        let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
        let bad = HouseholdInput { phone: "12345".into(), ..input("", " ") };
        match create(&mut store, &bad) {
            Err(Error::Invalid(f)) => {
                let fields: Vec<_> = f.iter().map(|f| f.field).collect();
                assert_eq!(fields, ["householdNumber", "headName", "phone"]);
            }
            other => panic!("{other:?}"),
        }
        assert!(list(&store, "", 10).unwrap().is_empty());
    }
}
