//! Who is at the window: first start (a new database and its first account), login, lock,
//! the recovery code, and converting a database from before accounts. The core does the
//! work (`huka_core::session`); these commands put the resulting store into the window's
//! state, or take it out. Passwords arrive here, go to the core, and are not kept.

use huka_core::access::Actor;
use huka_core::school::SchoolInput;
use huka_core::session::{self, FirstAccount, Setup};
use huka_core::settings::{self, Mode};
use huka_core::stats::Stats;
use huka_core::{ErrorReport, Lang};
use serde::{Deserialize, Serialize};
use tauri::State;

use crate::error::CommandResult;
use crate::state::{AppState, Phase};

/// What the window shows first, and who is logged in.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionStatus {
    pub phase: Phase,
    pub db_path: String,
    pub version: &'static str,
    /// Why the database cannot be opened (phase `unavailable`).
    pub reason: Option<ErrorReport>,
    /// The logged-in account (phase `unlocked`).
    pub actor: Option<Actor>,
    pub mode: Option<Mode>,
    /// The school's name (a school installation) or the county's, when unlocked.
    pub name: Option<String>,
    pub language: Option<Lang>,
}

#[tauri::command]
pub fn session_status(state: State<'_, AppState>) -> CommandResult<SessionStatus> {
    status(&state)
}

fn status(state: &AppState) -> CommandResult<SessionStatus> {
    let (phase, reason) = state.phase();
    let mut out = SessionStatus {
        phase,
        db_path: state.db_path.display().to_string(),
        version: huka_core::VERSION,
        reason,
        actor: None,
        mode: None,
        name: None,
        language: None,
    };
    if let Some(found) = state.peek(|store| {
        let mode = settings::mode(store)?;
        let name = match mode {
            Mode::School => huka_core::school::get(store)?.map(|s| s.name).unwrap_or_default(),
            Mode::County => settings::county_name(store)?,
        };
        Ok((store.actor().clone(), mode, name, settings::language(store)?))
    }) {
        let (actor, mode, name, language) = found?;
        out.phase = Phase::Unlocked;
        (out.actor, out.mode, out.name, out.language) = (Some(actor), Some(mode), Some(name), Some(language));
    }
    Ok(out)
}

/// The first account as the first-start (or convert) form sends it. No `Debug`: it holds a
/// password.
#[derive(Deserialize)]
pub struct FirstAccountInput {
    pub name: String,
    pub login: String,
    pub password: String,
}

impl From<FirstAccountInput> for FirstAccount {
    fn from(a: FirstAccountInput) -> FirstAccount {
        FirstAccount { login: a.login, name: a.name, password: a.password }
    }
}

/// What the new installation is for.
#[derive(Debug, Deserialize)]
#[serde(tag = "mode", rename_all = "lowercase", rename_all_fields = "camelCase")]
pub enum SetupInput {
    School { school: SchoolInput },
    County { county_name: String },
}

/// The recovery code, shown once.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Created {
    pub recovery_code: String,
}

/// First start: a new encrypted database with the school (or county) and its first account,
/// who is logged in. Returns the recovery code, to be shown once.
#[tauri::command(async)]
pub fn session_create(state: State<'_, AppState>, setup: SetupInput, account: FirstAccountInput) -> CommandResult<Created> {
    let first = FirstAccount::from(account);
    let setup = match &setup {
        SetupInput::School { school } => Setup::School(school),
        SetupInput::County { county_name } => Setup::County { name: county_name },
    };
    let (store, code) = session::create(&state.db_path, setup, &first)?;
    state.unlock(store);
    Ok(Created { recovery_code: code.as_str().to_string() })
}

#[tauri::command(async)]
pub fn session_login(state: State<'_, AppState>, login: String, password: String) -> CommandResult<SessionStatus> {
    let store = session::unlock(&state.db_path, &login, &password)?;
    state.unlock(store);
    status(&state)
}

/// Locks the window: the store and its data key are dropped.
#[tauri::command]
pub fn session_lock(state: State<'_, AppState>) {
    state.lock();
}

/// The user did something in the window (sent at most every few seconds).
#[tauri::command]
pub fn session_touch(state: State<'_, AppState>) {
    state.touch();
}

/// Every password forgotten: the recovery code, the principal's login and a new password.
#[tauri::command(async)]
pub fn session_recover(state: State<'_, AppState>, code: String, login: String, password: String) -> CommandResult<SessionStatus> {
    let store = session::recover(&state.db_path, &code, &login, &password)?;
    state.unlock(store);
    status(&state)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Converted {
    pub recovery_code: String,
    /// Every kind of record, the same before and after.
    pub counts: Stats,
}

/// A database from before accounts: encrypted in place with the principal's new account.
#[tauri::command(async)]
pub fn session_convert(state: State<'_, AppState>, account: FirstAccountInput) -> CommandResult<Converted> {
    let (store, code, conversion) = session::convert(&state.db_path, &FirstAccount::from(account))?;
    state.unlock(store);
    Ok(Converted { recovery_code: code.as_str().to_string(), counts: conversion.counts })
}
