//! Accounts: who may log in, under which role. An account is never deleted — disabled, so
//! that the history it wrote keeps its name — and its password lives only as a wrapped copy
//! of the data key in the key file (`keyfile`), never in the database.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::access::{self, Action, Actor, Role};
use crate::crypto::Kdf;
use crate::error::{Checks, Error, Problem, Result, Rule};
use crate::keyfile::{normalize_login, KeyFile};
use crate::record::{parse_time_text, Meta, RecordId};
use crate::settings::{self, Mode};
use crate::store::{Store, Writer};
use crate::text::clean;

/// The rules of this module a field can break (their codes and sentences are the window's and
/// the scripts').
pub static DUPLICATE_LOGIN: Rule = Rule { code: "duplicate_login", zh: "已有账号使用这个登录名", en: "another account has this login name" };
pub static ROLE_NOT_IN_THIS_MODE: Rule = Rule { code: "role_not_in_this_mode", zh: "这种角色不属于本类安装（学校或县级）", en: "this role does not belong to this kind of installation" };
pub static OWN_ACCOUNT: Rule = Rule { code: "own_account", zh: "不能停用自己的账号", en: "you cannot disable your own account" };
pub static LAST_PRINCIPAL: Rule = Rule { code: "last_principal", zh: "这是最后一个可用的管理账号，不能停用", en: "this is the last account that can manage accounts" };

/// The shortest password accepted.
pub const MIN_PASSWORD: usize = 8;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountInput {
    /// What the user types to log in (compared without case).
    pub login: String,
    /// The name shown on records they change: 李老师.
    pub name: String,
    pub role: Role,
    /// A teacher account's teacher record; a new one of the same name is made when absent.
    #[serde(default)]
    pub teacher_id: Option<RecordId>,
}

/// An account as listed: never any password material.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    #[serde(flatten)]
    pub meta: Meta,
    pub login: String,
    pub name: String,
    pub role: Role,
    pub teacher_id: Option<RecordId>,
    pub disabled_at: Option<DateTime<Utc>>,
}

impl Account {
    pub fn actor(&self) -> Actor {
        Actor { id: self.meta.id, login: self.login.clone(), name: self.name.clone(), role: self.role, teacher_id: self.teacher_id }
    }
}

/// How strong a password looks, for the hint under the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Strength {
    TooShort,
    Weak,
    Fair,
    Strong,
}

/// Length and variety: 8 characters of one kind are weak, 12 of three kinds strong.
pub fn strength(password: &str) -> Strength {
    let n = password.chars().count();
    if n < MIN_PASSWORD {
        return Strength::TooShort;
    }
    let kinds = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|k| **k)
    .count();
    let distinct = password.chars().collect::<std::collections::HashSet<_>>().len();
    match (n, kinds, distinct) {
        (_, _, d) if d < 4 => Strength::Weak,
        (12.., 3.., _) | (16.., _, _) => Strength::Strong,
        (_, 2.., _) | (10.., _, _) => Strength::Fair,
        _ => Strength::Weak,
    }
}

pub(crate) fn check_password(c: &mut Checks, password: &str) {
    if password.chars().count() < MIN_PASSWORD {
        c.add("password", Problem::PasswordTooShort { min: MIN_PASSWORD });
    }
}

const SELECT: &str = "SELECT id, created_at, updated_at, device_id, login, name, role, teacher_id, disabled_at FROM account";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Account> {
    let disabled: Option<String> = r.get(8)?;
    Ok(Account {
        meta: Meta::from_row(r, 0)?,
        login: r.get(4)?,
        name: r.get(5)?,
        role: r.get(6)?,
        teacher_id: r.get(7)?,
        disabled_at: disabled.as_deref().and_then(parse_time_text),
    })
}

pub(crate) fn by_login(conn: &Connection, login: &str) -> Result<Option<Account>> {
    Ok(conn
        .query_row(&format!("{SELECT} WHERE login = ?1 AND deleted_at IS NULL"), [normalize_login(login)], from_row)
        .optional()?)
}

/// Every account, enabled first, by name. The principal's (the reviewer's in a county).
pub fn list(store: &Store) -> Result<Vec<Account>> {
    access::require(store, Action::ManageAccounts)?;
    Ok(store
        .conn()
        .prepare(&format!("{SELECT} WHERE deleted_at IS NULL ORDER BY disabled_at IS NOT NULL, name"))?
        .query_map([], from_row)?
        .collect::<rusqlite::Result<_>>()?)
}

/// Account id → name, for "最后修改：李老师" (disabled accounts too: history keeps the name).
pub fn names(conn: &Connection) -> Result<HashMap<String, String>> {
    let mut out: HashMap<String, String> = conn
        .prepare("SELECT id, name FROM account")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    out.insert(crate::access::Actor::system().id.to_string(), crate::access::Actor::system().name);
    Ok(out)
}

fn roles_of(mode: Mode) -> &'static [Role] {
    match mode {
        Mode::School => &[Role::Principal, Role::AidOfficer, Role::Teacher],
        Mode::County => &[Role::Reviewer],
    }
}

/// Inserts an account record (no password: see `add`).
pub(crate) fn insert(w: &Writer<'_>, input: &AccountInput) -> Result<RecordId> {
    let m = w.new_meta();
    w.tx().execute(
        "INSERT INTO account (id, login, name, role, teacher_id, created_at, updated_at, device_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)",
        params![m.id, normalize_login(&input.login), clean(&input.name), input.role, input.teacher_id, w.now(), w.device_id()],
    )?;
    Ok(m.id)
}

/// Checks an account's fields and password; the login must be free.
pub(crate) fn checked(conn: &Connection, mode: Mode, input: &AccountInput, password: &str) -> Result<AccountInput> {
    let mut c = crate::labels::checks();
    let login = normalize_login(&input.login);
    c.required("login", &login);
    c.max_len("login", &login, 30);
    let name = clean(&input.name);
    c.required("name", &name);
    c.max_len("name", &name, 30);
    check_password(&mut c, password);
    if !roles_of(mode).contains(&input.role) {
        c.add("role", Problem::Rule(&ROLE_NOT_IN_THIS_MODE));
    }
    if !login.is_empty() && by_login(conn, &login)?.is_some() {
        c.add("login", Problem::Rule(&DUPLICATE_LOGIN));
    }
    c.finish()?;
    Ok(AccountInput { login, name, ..input.clone() })
}

/// Adds an account with its first password. A teacher account is tied to a teacher record
/// (a new one of the same name when none is given).
pub fn add(store: &mut Store, input: &AccountInput, password: &str) -> Result<Account> {
    let pass = access::ask(store, Action::ManageAccounts)?;
    let mut input = checked(store.conn(), settings::mode(store)?, input, password)?;
    if input.role == Role::Teacher && input.teacher_id.is_none() {
        let teacher = crate::teacher::TeacherInput {
            name: input.name.clone(),
            phone: String::new(),
            subject: String::new(),
            role: crate::teacher::TeacherRole::ClassTeacher,
        };
        input.teacher_id = Some(crate::teacher::create(store, &teacher)?.meta.id);
    }
    // The key file first: a slot without an account opens nothing that can log in, while an
    // account without a slot could not.
    // The second key only in a holder's slot (and only if this account holds it to give).
    let holder = access::holds_second_key(input.role);
    with_key_file(store, |file, u| file.seal_user(&input.login, &u.key, u.second.as_ref().filter(|_| holder), password, Kdf::DEFAULT))?;
    let id = pass.write(store, |w| insert(w, &input))?;
    get(store.conn(), id)
}

/// The account of this id, if this computer knows of it (disabled or not).
pub fn find(conn: &Connection, id: RecordId) -> Result<Option<Account>> {
    Ok(conn.query_row(&format!("{SELECT} WHERE id = ?1"), [id], from_row).optional()?)
}

pub fn get(conn: &Connection, id: RecordId) -> Result<Account> {
    conn.query_row(&format!("{SELECT} WHERE id = ?1"), [id], from_row).optional()?.ok_or(crate::labels::not_found("account"))
}

/// Disables an account: its password no longer opens the database, its name stays on what
/// it wrote. Not one's own, nor the last enabled account that can manage accounts.
pub fn disable(store: &mut Store, login: &str) -> Result<Account> {
    let pass = access::ask(store, Action::ManageAccounts)?;
    let account = by_login(store.conn(), login)?.ok_or(crate::labels::not_found("account"))?;
    if account.meta.id == store.actor().id {
        return Err(crate::labels::invalid("account", Problem::Rule(&OWN_ACCOUNT)));
    }
    if matches!(account.role, Role::Principal | Role::Reviewer) {
        let managers: i64 = store.conn().query_row(
            "SELECT count(*) FROM account WHERE role = ?1 AND disabled_at IS NULL AND deleted_at IS NULL",
            [account.role],
            |r| r.get(0),
        )?;
        if managers <= 1 {
            return Err(crate::labels::invalid("account", Problem::Rule(&LAST_PRINCIPAL)));
        }
    }
    if account.disabled_at.is_some() {
        return Ok(account);
    }
    with_key_file(store, |file, _| file.remove_user(&account.login))?;
    pass.write(store, |w| {
        w.tx().execute(
            "UPDATE account SET disabled_at = ?1, updated_at = ?1, device_id = ?2 WHERE id = ?3",
            params![w.now(), w.device_id(), account.meta.id],
        )?;
        Ok(())
    })?;
    get(store.conn(), account.meta.id)
}

/// Sets an account's password: one's own, or anyone's by the principal (a reset). The data
/// key is wrapped again under it; the database is not re-encrypted.
pub fn set_password(store: &mut Store, login: &str, password: &str) -> Result<()> {
    let account = by_login(store.conn(), login)?.ok_or(crate::labels::not_found("account"))?;
    let pass = access::ask_account(store, account.meta.id)?;
    if account.disabled_at.is_some() {
        return Err(Error::AccountDisabled);
    }
    let mut c = crate::labels::checks();
    check_password(&mut c, password);
    c.finish()?;
    // One's own new password keeps one's key pair (the one other computers know); a reset
    // by the principal makes a new one.
    // A holder's new slot holds the second key if the acting account has it to give; if
    // not, a holder logged in later hands it over (`session::hand_second`).
    let own = account.meta.id == store.actor().id;
    let holder = access::holds_second_key(account.role);
    with_key_file(store, |file, u| {
        let keep = if own { u.secret.as_ref() } else { None };
        file.seal_user_keeping(&account.login, &u.key, u.second.as_ref().filter(|_| holder), password, Kdf::DEFAULT, keep)
    })?;
    // A change to the account, so that its history shows who reset it and when.
    pass.write(store, |w| {
        w.tx().execute("UPDATE account SET updated_at = ?1, device_id = ?2 WHERE id = ?3", params![w.now(), w.device_id(), account.meta.id])?;
        Ok(())
    })
}

/// Runs `f` on the key file of an unlocked encrypted store and saves it. An in-memory store
/// (tests) has no key file: nothing to do.
fn with_key_file(store: &Store, f: impl FnOnce(&mut KeyFile, &crate::store::Unlocked)) -> Result<()> {
    let Some(u) = store.unlocked() else { return Ok(()) };
    let mut file = KeyFile::load(&u.path)?;
    f(&mut file, u);
    file.save(&u.path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_strength_hints() {
        assert_eq!(strength("short"), Strength::TooShort);
        assert_eq!(strength("aaaaaaaa"), Strength::Weak);
        assert_eq!(strength("abcdefgh"), Strength::Weak);
        assert_eq!(strength("abcd1234"), Strength::Fair);
        assert_eq!(strength("Huka-2026-school"), Strength::Strong);
    }

    #[test]
    fn accounts_are_added_listed_and_disabled_never_deleted() {
        let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
        let input = AccountInput { login: " LiLaoshi ".into(), name: "李老师".into(), role: Role::Teacher, teacher_id: None };
        let a = add(&mut store, &input, "teacher-pass").unwrap();
        assert_eq!(a.login, "lilaoshi");
        assert!(a.teacher_id.is_some(), "a teacher record is made for a teacher account");
        let again = add(&mut store, &input, "teacher-pass").unwrap_err();
        assert!(matches!(&again, Error::Invalid(f) if f[0].problem == Problem::Rule(&DUPLICATE_LOGIN)), "{again:?}");
        let short = add(&mut store, &AccountInput { login: "b".into(), ..input.clone() }, "short").unwrap_err();
        assert!(matches!(&short, Error::Invalid(f) if f[0].problem == Problem::PasswordTooShort { min: 8 }));
        let reviewer = add(&mut store, &AccountInput { login: "c".into(), role: Role::Reviewer, ..input.clone() }, "password1").unwrap_err();
        assert!(matches!(&reviewer, Error::Invalid(f) if f[0].problem == Problem::Rule(&ROLE_NOT_IN_THIS_MODE)));

        let d = disable(&mut store, "LILAOSHI").unwrap();
        assert!(d.disabled_at.is_some());
        let all = list(&store).unwrap();
        assert_eq!(all.len(), 1, "disabled, still listed");
        assert_eq!(names(store.conn()).unwrap()[&d.meta.id.to_string()], "李老师");
    }
}
