use huka_core::school::{self, ContactsInput, School, SchoolInput};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// The school's details (set up at first start, with the principal's account).
#[tauri::command]
pub fn school_update(state: State<'_, AppState>, input: SchoolInput) -> CommandResult<School> {
    state.with(|store| school::update(store, &input))
}

/// Whom families call about aid, printed on the policy cards (the principal's setting).
#[tauri::command]
pub fn school_set_contacts(state: State<'_, AppState>, input: ContactsInput) -> CommandResult<School> {
    state.with(|store| school::set_contacts(store, &input))
}
