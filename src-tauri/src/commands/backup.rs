use std::path::PathBuf;

use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// Writes a consistent copy of the database to `path`, which the window got from the native
/// save dialog (it never makes up a path). Runs off the UI thread.
#[tauri::command(async)]
pub fn backup_to(state: State<'_, AppState>, path: PathBuf) -> CommandResult<()> {
    state.with(|store| store.backup_to(&path))
}
