use huka_core::member::{self, Member, MemberInput, ResidentIdCheck};
use huka_core::RecordId;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

#[tauri::command]
pub fn member_create(state: State<'_, AppState>, household_id: RecordId, input: MemberInput) -> CommandResult<Member> {
    state.with(|store| member::create(store, household_id, &input))
}

#[tauri::command]
pub fn member_update(state: State<'_, AppState>, id: RecordId, input: MemberInput) -> CommandResult<Member> {
    state.with(|store| member::update(store, id, &input))
}

#[tauri::command]
pub fn member_delete(state: State<'_, AppState>, id: RecordId) -> CommandResult<()> {
    state.with(|store| member::delete(store, id))
}

/// Live check while a resident ID number is typed: needs no database.
#[tauri::command]
pub fn resident_id_check(raw: String) -> ResidentIdCheck {
    member::check_resident_id(&raw)
}
