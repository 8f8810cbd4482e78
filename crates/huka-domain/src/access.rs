//! Who may see and change what, and the one gate every write passes: validate → write →
//! journal. A domain function asks the gate first — [`write`] (the right and the write in one
//! call), or [`ask`] / [`ask_care`] / [`ask_care_edit`] / [`ask_account`] for a [`Pass`] when
//! it checks its input between the two — and writes only through [`Pass::write`]: one store
//! transaction, in which the closure validates against what is stored and writes, and the
//! store journals (audit trail, sync clocks) before it commits. What the installation writes
//! for itself, before any account acts on the database or as anyone's own preference, goes
//! through the one named exception, [`write_unguarded`] with its [`Why`]. Nothing else in the
//! domain or exchange calls `Store::write` (`tests/layers.rs` checks it). Every read of a
//! card's full ID numbers, health and disability asks [`sees_in_full`]. A refusal is
//! `Error::Forbidden` (权限不足) with the reason. The window hides what a role cannot do, but
//! this module is what enforces it.
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
//! - The paper archive (档案): whoever reads cards (principal, aid officer, teacher) makes it
//!   with ID numbers masked — a teacher gets every card masked, health and disability only
//!   for the households in their care; with full ID numbers, only the principal
//!   ([`Action::ArchiveFullIds`]), and the choice is an audit entry.
//! - 审核员 reviewer: the county installation — accounts, schools' keys, bundles, reports.
//! - Every account changes its own password; another's is [`Action::ManageAccounts`].

use crate::error::{Error, Result};
use crate::store::{Store, Writer};
use crate::record::RecordId;
pub use crate::actor::{Actor, Role};
use crate::installation::Mode;

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
    /// Exchange change files with the school's other computers.
    Sync,
    /// Make the paper archive (档案) with resident ID and national student numbers in full:
    /// the principal's choice, kept in the audit trail. The masked archive needs no right
    /// beyond reading cards.
    ArchiveFullIds,
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
            Action::Sync => ("与本校其他电脑同步", "exchange changes with the school's other computers"),
            Action::ArchiveFullIds => ("生成含完整身份证号的档案（须校长本人）", "make the archive with full ID numbers (the principal only)"),
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
        Action::County => crate::installation::require_mode(store, Mode::County)?,
        Action::ManageAccounts => {}
        _ => crate::installation::require_mode(store, Mode::School)?,
    }
    if allows(store, actor, action)? {
        return Ok(());
    }
    let (reason, reason_en) = refusal(actor, action);
    Err(Error::Forbidden { reason, reason_en })
}

/// The rule: whether `author` may do `action` on the school's records as `care` holds them
/// (a teacher's households are those in their care there). The one rule of every write: the
/// store's own account's ([`require`]), and the author of a change read from another computer
/// (sync's merge judges each incoming record for the account that wrote it, so a change file
/// is applied only as far as its author's role allows). The installation's mode is
/// [`require`]'s to check.
pub fn allows(care: &impl Care, author: &Actor, action: Action) -> Result<bool> {
    Ok(match (author.role, action) {
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
        (Role::AidOfficer | Role::Teacher, Action::Sync) => true,
        (Role::AidOfficer, _) => false,
        (Role::Teacher, Action::EditHousehold(h) | Action::CareFor(h)) => match author.teacher_id {
            Some(teacher) => care.in_care_of(teacher, h)?,
            None => false,
        },
        (Role::Teacher, _) => false,
    })
}

/// Why `author` may not do `action`, in Chinese and English: the reason `Error::Forbidden`
/// (权限不足) carries, and a refused record of a change file.
pub fn refusal(author: &Actor, action: Action) -> (String, String) {
    let (zh, en) = action.what();
    let scoped = matches!(action, Action::EditHousehold(_) | Action::CareFor(_)) && author.role == Role::Teacher;
    (
        if scoped {
            format!("{}（{}）只能为自己结对帮扶或担任班主任的学生的家庭{zh}", author.name, author.role.label_zh())
        } else {
            format!("{}（{}）不能{zh}", author.name, author.role.label_zh())
        },
        if scoped {
            format!("{} ({}) may only {en} when a student of the household is theirs (paired, or in a class they head)", author.name, author.role.label_en())
        } else {
            format!("{} ({}) may not {en}", author.name, author.role.label_en())
        },
    )
}

/// Whether a role holds the second key (`keyfile`: the key of the full ID and national
/// student numbers, health and disability): the principal and the aid officer — never a
/// teacher, whose password (and laptop) never reaches it, nor the county's reviewer.
pub fn holds_second_key(role: Role) -> bool {
    matches!(role, Role::Principal | Role::AidOfficer)
}

/// Whether the store's account sees full ID and national student numbers at all: only the
/// roles that hold the second key (and the installation itself). A teacher sees them masked
/// on every card, those in their care too (issue 22).
pub fn sees_numbers(store: &Store) -> bool {
    actor_sees_numbers(store.actor())
}

/// [`sees_numbers`] for an account acting (a write's).
pub fn actor_sees_numbers(actor: &Actor) -> bool {
    actor.id == Actor::system().id || holds_second_key(actor.role)
}

/// Whether the store's account sees this household's health and disability (and, if
/// [`sees_numbers`], its full numbers): a teacher only in their care.
pub fn sees_in_full(store: &Store, household: RecordId) -> Result<bool> {
    Ok(match store.actor().role {
        Role::Principal | Role::AidOfficer => true,
        Role::Teacher => in_care(store, household)?,
        Role::Reviewer => false,
    })
}

/// Whether a household is in the care of the store's teacher account (the domain's answer:
/// [`Care`]).
fn in_care(store: &Store, household: RecordId) -> Result<bool> {
    let Some(teacher) = store.actor().teacher_id else { return Ok(false) };
    store.in_care_of(teacher, household)
}

/// Who is in whose care, and whose a record is: questions about the school's records that
/// only the domain can answer (`care` implements them for [`Store`]), so that the rules here
/// name no domain module.
pub trait Care {
    /// Whether `household` is in the care of `teacher`.
    fn in_care_of(&self, teacher: RecordId, household: RecordId) -> Result<bool>;
    /// The household a record belongs to.
    fn household_of(&self, record: Of) -> Result<RecordId>;
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

/// Refuses unless the store's account may change the card a member belongs to.
pub fn require_care_edit(store: &Store, member: RecordId) -> Result<()> {
    require(store, Action::EditHousehold(store.household_of(Of::Member(member))?))
}

/// Refuses unless the store's account may do this for the household `of` belongs to.
pub fn require_care(store: &Store, of: Of) -> Result<()> {
    require(store, Action::CareFor(store.household_of(of)?))
}

/// The gate's word that a right was asked and granted: the only way to write (see
/// [`Pass::write`]). Made only here — by [`ask`] and its siblings, after the rule said yes,
/// or by [`write_unguarded`]'s reason.
#[must_use = "a right is asked for in order to write"]
pub struct Pass {
    _granted: (),
}

impl Pass {
    /// Runs `f` in one transaction of `store` (see `Store::write`): `f` validates against what
    /// is stored and writes; the store journals what changed (audit trail, sync clocks) and
    /// commits — all of it, or none of it. One operation may write more than once on one pass.
    pub fn write<T>(&self, store: &mut Store, f: impl FnOnce(&Writer<'_>) -> Result<T>) -> Result<T> {
        store.write(f)
    }
}

/// Asks the gate for `action`: refuses as [`require`] does, or grants a [`Pass`].
pub fn ask(store: &Store, action: Action) -> Result<Pass> {
    require(store, action)?;
    Ok(Pass { _granted: () })
}

/// Asks the gate for care work on the household `of` belongs to (as [`require_care`]).
pub fn ask_care(store: &Store, of: Of) -> Result<Pass> {
    require_care(store, of)?;
    Ok(Pass { _granted: () })
}

/// Asks the gate to change the card `member` belongs to (as [`require_care_edit`]).
pub fn ask_care_edit(store: &Store, member: RecordId) -> Result<Pass> {
    require_care_edit(store, member)?;
    Ok(Pass { _granted: () })
}

/// Asks the gate to change an account (its password): the store's own account may; another
/// needs [`Action::ManageAccounts`].
pub fn ask_account(store: &Store, account: RecordId) -> Result<Pass> {
    if account != store.actor().id {
        require(store, Action::ManageAccounts)?;
    }
    Ok(Pass { _granted: () })
}

/// The gate in one call: refuses unless the store's account may do `action`, then runs `f` in
/// one transaction ([`Pass::write`]).
pub fn write<T>(store: &mut Store, action: Action, f: impl FnOnce(&Writer<'_>) -> Result<T>) -> Result<T> {
    ask(store, action)?.write(store, f)
}

/// Why the installation writes without asking an account's right: the one exception to the
/// gate, each use named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// A database the installation makes or puts in place — set up (`session::create`),
    /// converted, joined from a change file, restored from a backup: its id, its first account,
    /// its scope, what it was filled with and the audit entry that says so. There is no right to
    /// ask of it yet: its store is the system's until the account logs in (joining checks the
    /// account in the file; a restore over a database asks that one for `ManageAccounts`).
    NewDatabase,
    /// The window's language: a preference of whoever sits at it, any role, any installation.
    Preference,
    /// The sealed fields' local passes (`sealing`): a database's clear values sealed (or, on a
    /// teacher's laptop, masked) at its first open since schema 17, whoever logs in there, and
    /// sealed again under a rotated second key. Nothing is added or taken away, nothing
    /// travels; one audit entry with counts.
    FieldSealing,
}

/// Writes for the installation itself, for the reason `why` (see [`Why`]), as [`Pass::write`].
pub fn write_unguarded<T>(store: &mut Store, why: Why, f: impl FnOnce(&Writer<'_>) -> Result<T>) -> Result<T> {
    exempt(why).write(store, f)
}

/// A [`Pass`] for the installation's own writes (see [`Why`]), for an operation that writes
/// more than once or hands the pass to a helper.
pub fn exempt(why: Why) -> Pass {
    let _ = why;
    Pass { _granted: () }
}

#[cfg(test)]
mod tests;
