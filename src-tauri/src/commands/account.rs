//! Accounts (the principal's; the reviewer's in a county): list, add, disable, reset a
//! password, and the strength hint under every new-password field.

use huka_core::account::{self, Account, AccountInput, Strength};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

#[tauri::command]
pub fn account_list(state: State<'_, AppState>) -> CommandResult<Vec<Account>> {
    state.with(|store| account::list(store))
}

/// Adds an account with its first password (a teacher account gets its teacher record).
#[tauri::command(async)]
pub fn account_add(state: State<'_, AppState>, input: AccountInput, password: String) -> CommandResult<Account> {
    state.with(|store| account::add(store, &input, &password))
}

#[tauri::command]
pub fn account_disable(state: State<'_, AppState>, login: String) -> CommandResult<Account> {
    state.with(|store| account::disable(store, &login))
}

/// One's own new password, or anyone's reset by the principal.
#[tauri::command(async)]
pub fn account_set_password(state: State<'_, AppState>, login: String, password: String) -> CommandResult<()> {
    state.with(|store| account::set_password(store, &login, &password))
}

/// How strong a new password looks (needs no login: the first-start form asks too).
#[tauri::command]
pub fn password_strength(password: String) -> Strength {
    account::strength(&password)
}
