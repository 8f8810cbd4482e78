//! Accounts (the principal's; the reviewer's in a county): list, add, disable, reset a
//! password, rotate the keys, and the strength hint under every new-password field.

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

/// What a rotation of the keys did, as the Users page shows it.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeysRotated {
    pub accounts: Vec<String>,
    pub need_password: Vec<String>,
    /// A new recovery code, shown once, when the old one's slot could not be sealed again.
    pub recovery_code: Option<String>,
}

/// Rotates the keys: a new data key, the database re-encrypted, every active account's slot
/// sealed to it.
#[tauri::command(async)]
pub fn account_rotate_keys(state: State<'_, AppState>) -> CommandResult<KeysRotated> {
    state.with(|store| {
        let r = huka_core::keys::rotate(store)?;
        Ok(KeysRotated { accounts: r.accounts, need_password: r.need_password, recovery_code: r.recovery_code.map(|c| c.as_str().to_string()) })
    })
}

/// How strong a new password looks (needs no login: the first-start form asks too).
#[tauri::command]
pub fn password_strength(password: String) -> Strength {
    account::strength(&password)
}
