use huka_core::school::{self, School, SchoolInput};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

#[tauri::command]
pub fn school_setup(state: State<'_, AppState>, input: SchoolInput) -> CommandResult<School> {
    state.with(|store| school::setup(store, &input))
}

#[tauri::command]
pub fn school_update(state: State<'_, AppState>, input: SchoolInput) -> CommandResult<School> {
    state.with(|store| school::update(store, &input))
}
