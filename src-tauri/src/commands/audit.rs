use huka_core::audit::{self, Entry};
use huka_core::RecordId;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// The history of a household card (修改记录): its entries and those of its members,
/// students, pairings, visits, plans, grants and dropout cases, newest first, masked as the
/// reader may see the card.
#[tauri::command]
pub fn audit_household(state: State<'_, AppState>, id: RecordId) -> CommandResult<Vec<Entry>> {
    state.with(|store| audit::of_household(store, id))
}
