//! Whose a change is, and whether it was theirs to make: each record of a change file is
//! judged before it is applied, for the account that wrote it (`updated_by`), with the rule
//! of a local write (`access::allows`). A record is met as a local write of it would be:
//! `needs` says which [`Action`]s that write asks for — the card's, the household's care, aid,
//! the school's review of a grant, accounts … — and the author's role (a teacher's care as
//! this computer's records stand when the record is met, the file's records before it
//! included) decides. What the author may not do is refused: not applied, its clocks not
//! taken, and listed with the reason ([`Refused`]).
//!
//! A record with no account author (written before accounts existed, or by the installation
//! itself: the nil account) is applied as it always was. An author this computer does not
//! know yet (an account made elsewhere whose record comes later in the same file) is judged
//! at the end of the file; still unknown then, refused. An account disabled here writes
//! nothing stamped after its disabling.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::access::{self, Action, Actor, Of};
use crate::error::Result;
use crate::record::RecordId;
use rusqlite::Connection;

/// A record of a change file kept out of this database: its author's role did not allow it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Refused {
    pub table: String,
    pub record_id: String,
    /// What a person recognizes the record by (a household's number and head, a name; never
    /// an ID number).
    pub label: String,
    /// The author's account, and its name and role as this computer knows them (empty when
    /// it does not).
    pub author_id: String,
    pub author: String,
    pub author_role: String,
    pub reason: String,
    pub reason_en: String,
}

/// What judging a record says.
pub(crate) enum Verdict {
    Apply,
    Refuse(Refused),
    /// Its author is not known here yet: judged again at the end of the file.
    Later,
}

fn id_of(row: &Map<String, Value>, column: &str) -> Option<RecordId> {
    row.get(column).and_then(Value::as_str).and_then(RecordId::parse)
}

fn text<'a>(row: &'a Map<String, Value>, column: &str) -> &'a str {
    row.get(column).and_then(Value::as_str).unwrap_or_default()
}

/// What a person recognizes a record by.
fn label(table: &str, row: &Map<String, Value>) -> String {
    match table {
        "household" => format!("{} {}", text(row, "household_number"), text(row, "head_name")).trim().to_string(),
        "member" | "teacher" | "account" => text(row, "name").to_string(),
        "visit" => text(row, "visit_date").to_string(),
        "aid_grant" | "plan" => text(row, "term").to_string(),
        _ => String::new(),
    }
}

/// No household: in nobody's care.
const NONE: RecordId = RecordId(uuid::Uuid::nil());

/// The household a record of the file belongs to, through the records here (a record whose
/// parent is not here belongs to none: no teacher's care covers it).
fn household(conn: &Connection, of: Option<Of>) -> RecordId {
    of.and_then(|of| access::Care::household_of(conn, of).ok()).unwrap_or(NONE)
}

/// The actions a local write of this record would ask for, all of them needed. `row` is the
/// record as the file has it, `existing` as it is here (none: new here), `changed` the fields
/// the file brings (a clock newer than this computer's; every field of a new record).
pub(crate) fn needs(conn: &Connection, table: &str, row: &Map<String, Value>, existing: Option<&Map<String, Value>>, changed: &[String]) -> Vec<Action> {
    let on_both = |column: &str| -> Vec<Option<RecordId>> {
        let mut v = vec![id_of(row, column)];
        if let Some(e) = existing {
            if id_of(e, column) != v[0] {
                v.push(id_of(e, column));
            }
        }
        v
    };
    let deletes = changed.iter().any(|f| f == "deleted_at") && !row.get("deleted_at").is_none_or(Value::is_null);
    // The households a record names directly (`household_id`), or through a parent record.
    let households = |column: &str| -> Vec<RecordId> { on_both(column).into_iter().map(|h| h.unwrap_or(NONE)).collect() };
    let card = |of: fn(RecordId) -> Of, column: &str| -> Vec<RecordId> { on_both(column).into_iter().map(|id| household(conn, id.map(of))).collect() };
    // A change of the card. A tombstone of what belongs to a card comes with the card's member
    // or the card itself (a tombstone takes its dependents with it): whoever may change the
    // card may delete it.
    let edit = |hs: Vec<RecordId>| -> Vec<Action> { hs.into_iter().map(Action::EditHousehold).collect() };
    let care = |hs: Vec<RecordId>| -> Vec<Action> {
        if deletes {
            edit(hs)
        } else {
            hs.into_iter().map(Action::CareFor).collect()
        }
    };
    match table {
        "school" | "teacher" | "teacher_class" => vec![Action::ManageSchool],
        "account" => {
            // One's own password (the key file) touches one's account record, nothing else of it.
            let own = id_of(row, "id") == id_of(row, "updated_by") && changed.iter().all(|f| ["created_at", "updated_at", "device_id", "updated_by"].contains(&f.as_str()));
            if own { vec![] } else { vec![Action::ManageAccounts] }
        }
        "household" => {
            if existing.is_none() || deletes {
                vec![Action::CreateOrDeleteHousehold]
            } else {
                vec![Action::EditHousehold(id_of(row, "id").unwrap_or(NONE))]
            }
        }
        "member" => edit(households("household_id")),
        "student" => edit(card(Of::Member, "member_id")),
        "household_teacher" if deletes => edit(households("household_id")),
        "household_teacher" => vec![Action::ManagePairings],
        "pairing" if deletes => edit(card(Of::Member, "member_id")),
        "pairing" => vec![Action::ManagePairings],
        "registration" => vec![Action::Import],
        "visit" => care(households("household_id")),
        "follow_up" => care(card(Of::Visit, "visit_id")),
        "plan" | "dropout_case" => care(card(Of::Member, "member_id")),
        "plan_review" => care(card(Of::Plan, "plan_id")),
        "dropout_action" => care(card(Of::DropoutCase, "case_id")),
        "dropout_week" => vec![Action::ConfirmWeek],
        "aid_programme" => vec![Action::Aid],
        "aid_grant" => {
            // The school's review is the principal's signature: a grant moved to it.
            let reviewed = changed.iter().any(|f| f == "status") && text(row, "status") == "school_reviewed";
            if reviewed { vec![Action::Aid, Action::SchoolReview] } else { vec![Action::Aid] }
        }
        "aid_step" => {
            if text(row, "step") == "school_reviewed" {
                vec![Action::Aid, Action::SchoolReview]
            } else {
                vec![Action::Aid]
            }
        }
        "reconcile_decision" => vec![Action::Reconcile],
        "sync_conflict" => vec![Action::Sync],
        // A table this list does not name yet: the principal's.
        _ => vec![Action::ManageSchool],
    }
}

/// Judges one record of the file for its author. `changed`: the fields the file brings (see
/// [`needs`]); `last`: the end of the file (an author still unknown is refused).
pub(crate) fn judge(conn: &Connection, table: &str, row: &Map<String, Value>, existing: Option<&Map<String, Value>>, changed: &[String], last: bool) -> Result<Verdict> {
    let Some(author) = id_of(row, "updated_by").filter(|id| *id != Actor::system().id) else {
        return Ok(Verdict::Apply); // no account wrote it: as before accounts
    };
    let refuse = |name: String, role: String, (reason, reason_en): (String, String)| {
        Verdict::Refuse(Refused {
            table: table.to_string(),
            record_id: text(row, "id").to_string(),
            label: label(table, row),
            author_id: author.to_string(),
            author: name,
            author_role: role,
            reason,
            reason_en,
        })
    };
    let Some(account) = crate::account::find(conn, author)? else {
        if !last {
            return Ok(Verdict::Later);
        }
        return Ok(refuse(String::new(), String::new(), ("作者不是本校的账号".into(), "its author is no account of this school".into())));
    };
    let actor = account.actor();
    let role = actor.role.as_str().to_string();
    if let Some(disabled) = account.disabled_at {
        let stamped = crate::record::parse_time_text(text(row, "updated_at"));
        if stamped.is_none_or(|t| t > disabled) {
            return Ok(refuse(
                actor.name.clone(),
                role,
                (
                    format!("{}（{}）的账号已于 {} 停用，停用后的改动不予接收", actor.name, actor.role.label_zh(), disabled.format("%Y-%m-%d %H:%M")),
                    format!("{} ({})'s account was disabled on {}: changes made after that are not taken", actor.name, actor.role.label_en(), disabled.format("%Y-%m-%d %H:%M")),
                ),
            ));
        }
    }
    for action in needs(conn, table, row, existing, changed) {
        if !access::allows(conn, &actor, action)? {
            return Ok(refuse(actor.name.clone(), role, access::refusal(&actor, action)));
        }
    }
    Ok(Verdict::Apply)
}
