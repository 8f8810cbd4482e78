//! The household card (一户一卡) as a person reads it: the household, its members and
//! students, the teachers responsible, pairings, visits, plans, grants and dropout cases —
//! assembled from the entity modules, which know nothing of it. A teacher gets ID and national
//! student numbers masked and birth dates as years on every card (`access::sees_numbers`);
//! outside their care also no health or disability, and the card says so (`restricted`).

use chrono::{DateTime, Utc};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::household::{self, Household};
use crate::member::{self, Member};
use crate::record::{parse_time_text, RecordId};
use crate::store::Store;
use crate::teacher::{self, Teacher};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HouseholdCard {
    pub household: Household,
    /// Head first, then by birth date.
    pub members: Vec<Member>,
    pub teachers: Vec<Teacher>,
    /// The current helper-teacher pairings of the household's students.
    pub pairings: Vec<crate::pairing::Pairing>,
    /// Home visits, newest first.
    pub visits: Vec<crate::visit::Visit>,
    /// Support plans of the household's students, newest term first.
    pub plans: Vec<crate::plan::Plan>,
    /// Aid grants of the household's students, newest term first, each with its path.
    pub grants: Vec<crate::aid::Grant>,
    /// Dropout cases of the household's students, open ones first.
    pub dropout_cases: Vec<crate::dropout::CaseSummary>,
    /// The reader may not see this household in full: ID numbers are masked, health and
    /// disability left out.
    pub restricted: bool,
    /// Who last changed the household, a member or a student, and when.
    pub last_change: Option<LastChange>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LastChange {
    /// The account's name (李老师); empty for changes from before accounts.
    pub by: String,
    pub at: DateTime<Utc>,
}

/// The card of a household, as the store's account may see it.
pub fn get(store: &Store, id: RecordId) -> Result<HouseholdCard> {
    let conn = store.conn();
    let household = household::get(conn, id)?;
    let mut members = member::of_household(conn, id)?;
    let mut pairings = Vec::new();
    for m in members.iter().filter(|m| m.student.is_some()) {
        pairings.extend(crate::pairing::current(conn, m.meta.id)?);
    }
    let restricted = !crate::access::sees_in_full(store, id)?;
    let key = crate::sealed::key(store);
    for m in &mut members {
        match key {
            Some(k) => crate::member::open(k, m),
            None => crate::member::mask_numbers(m),
        }
        if restricted {
            withhold(m);
        }
    }
    Ok(HouseholdCard {
        household,
        members,
        teachers: teacher::of_household(conn, id)?,
        pairings,
        visits: crate::visit::of_household(conn, id)?,
        plans: crate::plan::of_household(conn, id)?,
        grants: crate::aid::of_household(conn, id)?,
        dropout_cases: crate::dropout::list(
            conn,
            &crate::dropout::CaseFilter { household: Some(id), ..Default::default() },
            crate::dropout::local_today(),
        )?,
        restricted,
        last_change: last_change(store, id)?,
    })
}

/// What a reader who may not see the household in full does not get besides: the masked view,
/// and no health or disability.
fn withhold(m: &mut Member) {
    crate::member::mask_numbers(m);
    m.has_health_note = false;
    if let Some(s) = &mut m.student {
        s.fields.disabled = false;
    }
}

/// The newest change to the household, its members (deleted ones too) and their students.
fn last_change(store: &Store, id: RecordId) -> Result<Option<LastChange>> {
    let found: Option<(String, String)> = store
        .conn()
        .query_row(
            "SELECT updated_at, updated_by FROM (
                 SELECT updated_at, updated_by FROM household WHERE id = ?1
                 UNION ALL SELECT updated_at, updated_by FROM member WHERE household_id = ?1
                 UNION ALL SELECT s.updated_at, s.updated_by FROM student s JOIN member m ON m.id = s.member_id WHERE m.household_id = ?1
             ) ORDER BY updated_at DESC LIMIT 1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((at, by)) = found else { return Ok(None) };
    let names = crate::account::names(store.conn())?;
    Ok(parse_time_text(&at).map(|at| LastChange { by: names.get(&by).cloned().unwrap_or_default(), at }))
}
