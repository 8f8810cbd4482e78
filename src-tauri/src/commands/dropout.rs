use chrono::NaiveDate;
use huka_core::dropout::{
    self, ActionInput, CaseFilter, CaseInput, CaseSummary, DropoutCase, IsoWeek, OutcomeInput, SevenHeads, StudentRef, WeekReport,
    WeekStatus,
};
use huka_core::term::Term;
use huka_core::RecordId;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// The cases, open ones first; `householdId` narrows them to one card.
#[tauri::command]
pub fn dropout_list(state: State<'_, AppState>, open_only: bool, household_id: Option<RecordId>, today: NaiveDate) -> CommandResult<Vec<CaseSummary>> {
    state.with(|store| dropout::list(store.conn(), &CaseFilter { open_only, household: household_id, member: None }, today))
}

#[tauri::command]
pub fn dropout_get(state: State<'_, AppState>, id: RecordId) -> CommandResult<DropoutCase> {
    state.with(|store| dropout::get(store.conn(), id))
}

#[tauri::command]
pub fn dropout_create(state: State<'_, AppState>, input: CaseInput, today: NaiveDate) -> CommandResult<DropoutCase> {
    state.with(|store| dropout::create(store, &input, today))
}

#[tauri::command]
pub fn dropout_update(state: State<'_, AppState>, id: RecordId, input: CaseInput, today: NaiveDate) -> CommandResult<DropoutCase> {
    state.with(|store| dropout::update(store, id, &input, today))
}

#[tauri::command]
pub fn dropout_delete(state: State<'_, AppState>, id: RecordId) -> CommandResult<()> {
    state.with(|store| dropout::delete(store, id))
}

#[tauri::command]
pub fn dropout_set_outcome(state: State<'_, AppState>, id: RecordId, outcome: OutcomeInput, today: NaiveDate) -> CommandResult<DropoutCase> {
    state.with(|store| dropout::set_outcome(store, id, &outcome, today))
}

#[tauri::command]
pub fn dropout_add_action(state: State<'_, AppState>, case_id: RecordId, action: ActionInput, today: NaiveDate) -> CommandResult<DropoutCase> {
    state.with(|store| dropout::add_action(store, case_id, &action, today))
}

#[tauri::command]
pub fn dropout_delete_action(state: State<'_, AppState>, id: RecordId) -> CommandResult<DropoutCase> {
    state.with(|store| dropout::delete_action(store, id))
}

/// The seven heads a new case for this student starts with.
#[tauri::command]
pub fn dropout_defaults(state: State<'_, AppState>, member_id: Option<RecordId>) -> CommandResult<SevenHeads> {
    state.with(|store| dropout::defaults(store.conn(), member_id))
}

/// Students who may get a new case, for the case form's picker.
#[tauri::command]
pub fn dropout_candidates(state: State<'_, AppState>, search: String) -> CommandResult<Vec<StudentRef>> {
    state.with(|store| dropout::candidates(store.conn(), &search, 50))
}

/// One week's report; `week` null: the week of `today`.
#[tauri::command]
pub fn dropout_week(state: State<'_, AppState>, week: Option<IsoWeek>, today: NaiveDate) -> CommandResult<WeekReport> {
    state.with(|store| dropout::week_report(store, week.unwrap_or_else(|| IsoWeek::of(today)), today))
}

#[tauri::command]
pub fn dropout_confirm_week(state: State<'_, AppState>, week: IsoWeek, by: String, today: NaiveDate) -> CommandResult<WeekReport> {
    state.with(|store| dropout::confirm_week(store, week, &by, today))
}

/// Every week of the term up to today's, newest first.
#[tauri::command]
pub fn dropout_weeks(state: State<'_, AppState>, term: Term, today: NaiveDate) -> CommandResult<Vec<WeekStatus>> {
    state.with(|store| dropout::weeks(store, term, today))
}
