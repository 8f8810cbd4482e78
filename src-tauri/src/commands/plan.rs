use chrono::NaiveDate;
use huka_core::plan::{self, Plan, PlanInput, PlanStatus, ReviewInput};
use huka_core::term::Term;
use huka_core::RecordId;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

#[tauri::command]
pub fn plan_get(state: State<'_, AppState>, member_id: RecordId, term: Term) -> CommandResult<Option<Plan>> {
    state.with(|store| plan::of_member_term(store.conn(), member_id, term))
}

#[tauri::command]
pub fn plan_create(state: State<'_, AppState>, input: PlanInput) -> CommandResult<Plan> {
    state.with(|store| plan::create(store, &input))
}

#[tauri::command]
pub fn plan_update(state: State<'_, AppState>, id: RecordId, input: PlanInput) -> CommandResult<Plan> {
    state.with(|store| plan::update(store, id, &input))
}

#[tauri::command]
pub fn plan_set_status(state: State<'_, AppState>, id: RecordId, status: PlanStatus, today: NaiveDate) -> CommandResult<Plan> {
    state.with(|store| plan::set_status(store, id, status, today))
}

#[tauri::command]
pub fn plan_add_review(state: State<'_, AppState>, id: RecordId, review: ReviewInput) -> CommandResult<Plan> {
    state.with(|store| plan::add_review(store, id, &review))
}

#[tauri::command]
pub fn plan_copy_previous(state: State<'_, AppState>, member_id: RecordId, term: Term) -> CommandResult<Plan> {
    state.with(|store| plan::copy_previous(store, member_id, term))
}
