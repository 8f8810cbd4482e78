use huka_core::{settings, Lang};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

#[tauri::command]
pub fn settings_set_language(state: State<'_, AppState>, language: Lang) -> CommandResult<()> {
    state.with(|store| settings::set_language(store, language))
}

/// Minutes without a click or a key before the window locks itself.
#[tauri::command]
pub fn settings_idle_minutes(state: State<'_, AppState>) -> CommandResult<u32> {
    state.with(|store| settings::idle_minutes(store))
}

#[tauri::command]
pub fn settings_set_idle_minutes(state: State<'_, AppState>, minutes: u32) -> CommandResult<u32> {
    let minutes = state.with(|store| settings::set_idle_minutes(store, minutes))?;
    state.set_idle_minutes(minutes);
    Ok(minutes)
}
