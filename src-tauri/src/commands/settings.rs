use huka_core::{settings, Lang};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

#[tauri::command]
pub fn settings_set_language(state: State<'_, AppState>, language: Lang) -> CommandResult<()> {
    state.with(|store| settings::set_language(store, language))
}
