use std::path::PathBuf;

use huka_core::signing::{self, CoverSheet, KeyInfo};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// The school's signing keys: the current one first, then retired ones.
#[tauri::command]
pub fn key_list(state: State<'_, AppState>) -> CommandResult<Vec<KeyInfo>> {
    state.with(|store| signing::keys(store))
}

#[tauri::command(async)]
pub fn key_create(state: State<'_, AppState>, passphrase: String) -> CommandResult<KeyInfo> {
    state.with(|store| signing::create(store, &passphrase))
}

#[tauri::command(async)]
pub fn key_rotate(state: State<'_, AppState>, passphrase: String) -> CommandResult<KeyInfo> {
    state.with(|store| signing::rotate(store, &passphrase))
}

#[tauri::command]
pub fn key_cover_sheet(state: State<'_, AppState>) -> CommandResult<CoverSheet> {
    state.with(|store| signing::cover_sheet(store))
}

/// Writes the public key as a `.pub` file; `path` comes from the save dialog.
#[tauri::command]
pub fn key_export(state: State<'_, AppState>, path: PathBuf) -> CommandResult<KeyInfo> {
    state.with(|store| signing::write_public_key(store, &path))
}
