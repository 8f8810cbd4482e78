use huka_core::card::{self, HouseholdCard};
use huka_core::household::{self, Household, HouseholdInput, HouseholdSummary};
use huka_core::teacher::{self, Teacher};
use huka_core::RecordId;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// The window shows at most this many rows; a search narrows them.
const LIST_LIMIT: usize = 2000;

#[tauri::command]
pub fn household_list(state: State<'_, AppState>, search: String) -> CommandResult<Vec<HouseholdSummary>> {
    state.with(|store| household::list(store, &search, LIST_LIMIT))
}

#[tauri::command]
pub fn household_card(state: State<'_, AppState>, id: RecordId) -> CommandResult<HouseholdCard> {
    state.with(|store| card::get(store, id))
}

#[tauri::command]
pub fn household_create(state: State<'_, AppState>, input: HouseholdInput) -> CommandResult<Household> {
    state.with(|store| household::create(store, &input))
}

#[tauri::command]
pub fn household_update(state: State<'_, AppState>, id: RecordId, input: HouseholdInput) -> CommandResult<Household> {
    state.with(|store| household::update(store, id, &input))
}

#[tauri::command]
pub fn household_delete(state: State<'_, AppState>, id: RecordId) -> CommandResult<()> {
    state.with(|store| household::delete(store, id))
}

#[tauri::command]
pub fn household_set_teachers(state: State<'_, AppState>, id: RecordId, teacher_ids: Vec<RecordId>) -> CommandResult<Vec<Teacher>> {
    state.with(|store| teacher::set_for_household(store, id, &teacher_ids))
}
