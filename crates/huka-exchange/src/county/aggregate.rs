//! Adding the schools' summaries up for a term: the county's totals, per town, per supervision
//! district and per school (each the plain sum of the schools' [`Figures`]), the registered
//! schools that have not reported, and the cross-school check.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::store::Store;
use crate::summary::{Figures, SchoolRef, Summary};
use crate::term::Term;

/// A town or a supervision district.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Unit {
    /// "" when the schools do not say.
    pub name: String,
    pub schools: i64,
    pub figures: Figures,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SchoolLine {
    pub school: SchoolRef,
    pub exported_at: String,
    pub file_name: String,
    pub key_id: String,
    pub figures: Figures,
}

/// One resident ID number listed by more than one school.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Duplicate {
    pub masked_id: String,
    pub entries: Vec<DuplicateEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DuplicateEntry {
    pub school_code: String,
    pub school_name: String,
    pub name: String,
    pub stage: String,
    pub grade: Option<i64>,
    pub class_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CountyAggregate {
    pub term: Term,
    pub schools_registered: i64,
    pub schools_reporting: i64,
    /// Registered schools with no bundle for the term.
    pub missing: Vec<SchoolRef>,
    pub totals: Figures,
    pub by_town: Vec<Unit>,
    pub by_district: Vec<Unit>,
    pub by_school: Vec<SchoolLine>,
    pub duplicates: Vec<Duplicate>,
}

/// Terms with at least one ingested bundle, newest first.
pub fn terms(store: &Store) -> Result<Vec<Term>> {
    super::require(store)?;
    let mut stmt = store.conn().prepare_cached("SELECT DISTINCT term FROM county_bundle WHERE deleted_at IS NULL")?;
    let mut terms: Vec<Term> = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    terms.sort_by(|a, b| b.cmp(a));
    Ok(terms)
}

fn unit<'a>(units: &'a mut BTreeMap<String, Unit>, name: &str) -> &'a mut Unit {
    units.entry(name.to_string()).or_insert_with(|| Unit { name: name.to_string(), schools: 0, figures: Figures::default() })
}

/// The county's figures for `term`.
pub fn aggregate(store: &Store, term: Term) -> Result<CountyAggregate> {
    super::require(store)?;
    let conn = store.conn();
    let pick = |registered: String, bundle: String| if registered.is_empty() { bundle } else { registered };
    let mut stmt = conn.prepare_cached(
        "SELECT s.code, s.name, s.town, s.district, b.school_name, b.town, b.district, b.exported_at, b.file_name, b.key_id, b.summary
         FROM county_bundle b JOIN county_school s ON s.id = b.school_id
         WHERE b.term = ?1 AND b.deleted_at IS NULL AND s.deleted_at IS NULL
         ORDER BY s.code",
    )?;
    let mut rows = stmt.query([term])?;
    let mut by_school = Vec::new();
    while let Some(r) = rows.next()? {
        let json: String = r.get(10)?;
        let summary: Summary = serde_json::from_str(&json).map_err(|e| Error::Io(std::io::Error::other(e.to_string())))?;
        let school = SchoolRef { code: r.get(0)?, name: pick(r.get(1)?, r.get(4)?), town: pick(r.get(2)?, r.get(5)?), district: pick(r.get(3)?, r.get(6)?) };
        by_school.push(SchoolLine { school, exported_at: r.get(7)?, file_name: r.get(8)?, key_id: r.get(9)?, figures: summary.figures });
    }

    let mut totals = Figures::default();
    let mut towns = BTreeMap::new();
    let mut districts = BTreeMap::new();
    for line in &by_school {
        totals.add(&line.figures);
        for (units, name) in [(&mut towns, &line.school.town), (&mut districts, &line.school.district)] {
            let u = unit(units, name);
            u.schools += 1;
            u.figures.add(&line.figures);
        }
    }

    let registered: Vec<SchoolRef> = super::schools(store)?
        .into_iter()
        .map(|s| SchoolRef { code: s.code, name: s.name, town: s.town, district: s.district })
        .collect();
    let missing = registered.iter().filter(|s| !by_school.iter().any(|l| l.school.code == s.code)).cloned().collect();

    Ok(CountyAggregate {
        term,
        schools_registered: registered.len() as i64,
        schools_reporting: by_school.len() as i64,
        missing,
        totals,
        by_town: towns.into_values().collect(),
        by_district: districts.into_values().collect(),
        duplicates: duplicates(store, term)?,
        by_school,
    })
}

/// Students whose ID number is listed by two or more schools in the term.
fn duplicates(store: &Store, term: Term) -> Result<Vec<Duplicate>> {
    let mut stmt = store.conn().prepare_cached(
        "WITH live AS (
             SELECT cs.*, b.school_id FROM county_student cs JOIN county_bundle b ON b.id = cs.bundle_id
             WHERE b.term = ?1 AND b.deleted_at IS NULL),
         twice AS (SELECT id_digest FROM live GROUP BY id_digest HAVING count(DISTINCT school_id) > 1)
         SELECT l.id_digest, l.masked_id, s.code, s.name, b.school_name, l.name, l.stage, l.grade, l.class_name
         FROM live l JOIN twice t ON t.id_digest = l.id_digest
         JOIN county_school s ON s.id = l.school_id JOIN county_bundle b ON b.id = l.bundle_id
         ORDER BY l.masked_id, l.id_digest, s.code",
    )?;
    let mut rows = stmt.query([term])?;
    let mut out: Vec<(String, Duplicate)> = Vec::new();
    while let Some(r) = rows.next()? {
        let digest: String = r.get(0)?;
        let name: String = r.get(3)?;
        let entry = DuplicateEntry {
            school_code: r.get(2)?,
            school_name: if name.is_empty() { r.get(4)? } else { name },
            name: r.get(5)?,
            stage: r.get(6)?,
            grade: r.get(7)?,
            class_name: r.get(8)?,
        };
        match out.last_mut() {
            Some((d, dup)) if *d == digest => dup.entries.push(entry),
            _ => out.push((digest, Duplicate { masked_id: r.get(1)?, entries: vec![entry] })),
        }
    }
    Ok(out.into_iter().map(|(_, d)| d).collect())
}
