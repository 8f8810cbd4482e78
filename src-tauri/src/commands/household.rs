use huka_core::access::{self, Action};
use huka_core::card::{self, HouseholdCard};
use huka_core::household::{self, Household, HouseholdInput, HouseholdSummary};
use huka_core::teacher::{self, Teacher};
use huka_core::RecordId;
use serde::Serialize;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// The window shows at most this many rows; a search narrows them.
const LIST_LIMIT: usize = 2000;

#[tauri::command]
pub fn household_list(state: State<'_, AppState>, search: String) -> CommandResult<Vec<HouseholdSummary>> {
    state.with(|store| household::list(store, &search, LIST_LIMIT))
}

/// The card as the logged-in account may see it, and what they may do with it (the window
/// hides the buttons; the core refuses anyway).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CardView {
    #[serde(flatten)]
    pub card: HouseholdCard,
    /// Change the card, its members and students; log visits, plans, dropout work.
    pub may_edit: bool,
    /// Delete the card.
    pub may_delete: bool,
}

#[tauri::command]
pub fn household_card(state: State<'_, AppState>, id: RecordId) -> CommandResult<CardView> {
    state.with(|store| {
        Ok(CardView {
            card: card::get(store, id)?,
            may_edit: allowed(store, Action::EditHousehold(id))?,
            may_delete: allowed(store, Action::CreateOrDeleteHousehold)?,
        })
    })
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

/// Whether the logged-in account may do `action`: the core's answer, a refusal being `false`.
fn allowed(store: &huka_core::Store, action: Action) -> huka_core::Result<bool> {
    match access::require(store, action) {
        Ok(()) => Ok(true),
        Err(huka_core::Error::Forbidden { .. }) => Ok(false),
        Err(e) if e.domain::<huka_core::settings::WrongMode>().is_some() => Ok(false),
        Err(e) => Err(e),
    }
}
