use std::path::PathBuf;

use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// Writes a consistent copy of the database to `path`, which the window got from the native
/// save dialog (it never makes up a path), encrypted like the database, with a copy of its
/// key file beside it (`….db.keys`: without it the copy opens for nobody). Runs off the UI
/// thread.
#[tauri::command(async)]
pub fn backup_to(state: State<'_, AppState>, path: PathBuf) -> CommandResult<()> {
    state.with(|store| {
        store.backup_to(&path)?;
        std::fs::copy(huka_core::keyfile::path_of(&state.db_path), huka_core::keyfile::path_of(&path))?;
        Ok(())
    })
}
