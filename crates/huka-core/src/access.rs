//! Who may see and change what. Every write, and every read of a card's full ID numbers,
//! health and disability, asks [`require`] or [`sees_in_full`] with the store's acting account;
//! a refusal is `Error::Forbidden` (权限不足) with the reason. The window hides what a role
//! cannot do, but this module is what enforces it.
//!
//! The rules (least privilege; ARCHITECTURE.md lists them too):
//! - 校长 principal: everything in a school installation — accounts, the school and its
//!   teachers, the signing key and the county export, settings, and every record.
//! - 资助专干 aid officer: aid (programmes, grants, notices — but the school's review step is
//!   the principal's), the three lists, imports, pairings, and every card in full.
//! - 教师 teacher: reads every card with ID numbers masked and without health or disability;
//!   sees and edits in full the households in their care — a student paired with them, a
//!   student of a class they head, or a card that names them — and logs visits, plans and
//!   dropout work for those households only.
//! - 审核员 reviewer: the county installation — accounts, schools' keys, bundles, reports.

use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::record::{text_enum, RecordId};
use crate::store::Store;

text_enum! {
    /// An account's role.
    pub enum Role {
        Principal = "principal",   // 校长
        AidOfficer = "aid_officer", // 资助专干
        Teacher = "teacher",       // 教师（班主任 / 帮扶教师）
        Reviewer = "reviewer",     // 县级审核员
    }
}

impl Role {
    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Principal => "校长",
            Role::AidOfficer => "资助专干",
            Role::Teacher => "教师",
            Role::Reviewer => "审核员",
        }
    }
    pub fn label_en(self) -> &'static str {
        match self {
            Role::Principal => "principal",
            Role::AidOfficer => "aid officer",
            Role::Teacher => "teacher",
            Role::Reviewer => "reviewer",
        }
    }
}

/// The account a store acts for: stamped on every record it writes, asked about every write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    pub id: RecordId,
    pub login: String,
    pub name: String,
    pub role: Role,
    /// A teacher account's own teacher record (their pairings, classes, cards).
    pub teacher_id: Option<RecordId>,
}

impl Actor {
    /// The store itself, before any account exists: migrations, the first account's creation,
    /// and tests of other modules. A principal's rights, under the nil id.
    pub fn system() -> Actor {
        Actor { id: RecordId(uuid::Uuid::nil()), login: String::new(), name: "系统".into(), role: Role::Principal, teacher_id: None }
    }
}

/// What an account asks to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Accounts: add, disable, reset a password.
    ManageAccounts,
    /// The school's details, its teachers and the classes they head, the installation's settings.
    ManageSchool,
    /// The signing key and the signed export for the county.
    SignAndExport,
    /// Load the demo school.
    LoadDemo,
    /// Import the roster or the poverty list.
    Import,
    /// Create or delete a household card.
    CreateOrDeleteHousehold,
    /// Change a household card: its fields, members and students.
    EditHousehold(RecordId),
    /// Pair teachers and students (一教一帮).
    ManagePairings,
    /// A home visit, support plan or dropout case of this household's students.
    CareFor(RecordId),
    /// Aid programmes, grants and their steps, public notices.
    Aid,
    /// The school's review of a grant: the principal's signature.
    SchoolReview,
    /// Decisions on the three lists.
    Reconcile,
    /// Confirm a week's zero report.
    ConfirmWeek,
    /// Register schools' keys, ingest bundles (county installation).
    County,
}

impl Action {
    fn what(self) -> (&'static str, &'static str) {
        match self {
            Action::ManageAccounts => ("管理账号和设置", "manage accounts and settings"),
            Action::ManageSchool => ("修改学校信息、教师和设置", "change the school, its teachers and settings"),
            Action::SignAndExport => ("管理签名密钥和上报县局", "manage the signing key and export for the county"),
            Action::LoadDemo => ("载入演示数据", "load demo data"),
            Action::Import => ("导入表格", "import spreadsheets"),
            Action::CreateOrDeleteHousehold => ("新建或删除户卡", "create or delete household cards"),
            Action::EditHousehold(_) => ("修改这张户卡", "change this household card"),
            Action::ManagePairings => ("安排结对帮扶", "pair teachers and students"),
            Action::CareFor(_) => ("为这户的学生记录家访、帮扶计划或控辍保学", "record visits, plans or dropout work for this household"),
            Action::Aid => ("办理资助", "handle aid"),
            Action::SchoolReview => ("签署学校审核（须校长本人）", "sign the school's review (the principal only)"),
            Action::Reconcile => ("处理三表比对", "decide on the three lists"),
            Action::ConfirmWeek => ("确认周报", "confirm the weekly report"),
            Action::County => ("进行县级审核操作", "do county review work"),
        }
    }
}

/// Refuses unless the store's account may do `action`.
pub fn require(store: &Store, action: Action) -> Result<()> {
    let actor = store.actor();
    if actor.id == Actor::system().id {
        return Ok(()); // the store itself: setting up, migrating, tests of other modules
    }
    // What the installation is comes before who asks: county work needs a county database,
    // everything else but accounts a school's.
    match action {
        Action::County => crate::settings::require_mode(store, crate::settings::Mode::County)?,
        Action::ManageAccounts => {}
        _ => crate::settings::require_mode(store, crate::settings::Mode::School)?,
    }
    let allowed = match (actor.role, action) {
        (Role::Reviewer, Action::County | Action::ManageAccounts) => true,
        (Role::Reviewer, _) | (_, Action::County) => false,
        (Role::Principal, _) => true,
        (
            Role::AidOfficer,
            Action::Import
            | Action::CreateOrDeleteHousehold
            | Action::EditHousehold(_)
            | Action::ManagePairings
            | Action::CareFor(_)
            | Action::Aid
            | Action::Reconcile,
        ) => true,
        (Role::AidOfficer, _) => false,
        (Role::Teacher, Action::EditHousehold(h) | Action::CareFor(h)) => in_care(store, h)?,
        (Role::Teacher, _) => false,
    };
    if allowed {
        return Ok(());
    }
    let (zh, en) = action.what();
    let scoped = matches!(action, Action::EditHousehold(_) | Action::CareFor(_)) && actor.role == Role::Teacher;
    Err(Error::Forbidden {
        reason: if scoped {
            format!("{}（{}）只能为自己结对帮扶或担任班主任的学生的家庭{zh}", actor.name, actor.role.label_zh())
        } else {
            format!("{}（{}）不能{zh}", actor.name, actor.role.label_zh())
        },
        reason_en: if scoped {
            format!("{} ({}) may only {en} when a student of the household is theirs (paired, or in a class they head)", actor.name, actor.role.label_en())
        } else {
            format!("{} ({}) may not {en}", actor.name, actor.role.label_en())
        },
    })
}

/// Whether the store's account sees this household's full ID numbers, health and disability.
pub fn sees_in_full(store: &Store, household: RecordId) -> Result<bool> {
    Ok(match store.actor().role {
        Role::Principal | Role::AidOfficer => true,
        Role::Teacher => in_care(store, household)?,
        Role::Reviewer => false,
    })
}

/// Whether a household is in the care of the store's teacher account: a student paired with
/// them, a student in a class they head, or the card names them.
fn in_care(store: &Store, household: RecordId) -> Result<bool> {
    let Some(teacher) = store.actor().teacher_id else { return Ok(false) };
    let found: Option<i64> = store
        .conn()
        .query_row(
            "SELECT 1 FROM household_teacher WHERE household_id = ?1 AND teacher_id = ?2 AND deleted_at IS NULL
             UNION ALL
             SELECT 1 FROM member m JOIN pairing p ON p.member_id = m.id
              WHERE m.household_id = ?1 AND m.deleted_at IS NULL AND p.teacher_id = ?2
                AND p.end_date IS NULL AND p.deleted_at IS NULL
             UNION ALL
             SELECT 1 FROM member m JOIN student s ON s.member_id = m.id AND s.deleted_at IS NULL
                  JOIN teacher_class c ON c.grade IS s.grade AND c.class_name = s.class_name AND c.deleted_at IS NULL
              WHERE m.household_id = ?1 AND m.deleted_at IS NULL AND c.teacher_id = ?2
             LIMIT 1",
            rusqlite::params![household, teacher],
            |r| r.get(0),
        )
        .optional()?;
    Ok(found.is_some())
}

/// A record whose household a rule is asked about.
#[derive(Debug, Clone, Copy)]
pub enum Of {
    Member(RecordId),
    Visit(RecordId),
    FollowUp(RecordId),
    Plan(RecordId),
    DropoutCase(RecordId),
    DropoutAction(RecordId),
}

/// The household a record belongs to.
pub fn household_of(store: &Store, of: Of) -> Result<RecordId> {
    let (sql, id, kind) = match of {
        Of::Member(id) => ("SELECT household_id FROM member WHERE id = ?1", id, "member"),
        Of::Visit(id) => ("SELECT household_id FROM visit WHERE id = ?1", id, "visit"),
        Of::FollowUp(id) => ("SELECT v.household_id FROM follow_up f JOIN visit v ON v.id = f.visit_id WHERE f.id = ?1", id, "follow-up"),
        Of::Plan(id) => ("SELECT m.household_id FROM plan p JOIN member m ON m.id = p.member_id WHERE p.id = ?1", id, "plan"),
        Of::DropoutCase(id) => ("SELECT m.household_id FROM dropout_case c JOIN member m ON m.id = c.member_id WHERE c.id = ?1", id, "dropout case"),
        Of::DropoutAction(id) => (
            "SELECT m.household_id FROM dropout_action a JOIN dropout_case c ON c.id = a.case_id JOIN member m ON m.id = c.member_id WHERE a.id = ?1",
            id,
            "dropout action",
        ),
    };
    store.conn().query_row(sql, [id], |r| r.get(0)).optional()?.ok_or(Error::NotFound { kind })
}

/// Refuses unless the store's account may change the card a member belongs to.
pub fn require_care_edit(store: &Store, member: RecordId) -> Result<()> {
    require(store, Action::EditHousehold(household_of(store, Of::Member(member))?))
}

/// Refuses unless the store's account may do this for the household `of` belongs to.
pub fn require_care(store: &Store, of: Of) -> Result<()> {
    require(store, Action::CareFor(household_of(store, of)?))
}

#[cfg(test)]
mod tests;
