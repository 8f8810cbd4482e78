use chrono::NaiveDate;
use huka_core::aid::{self, AidCoverage, Grant, GrantFilter, GrantInput, GrantStatus, Notice, Programme, ProgrammeInput, SignRole, StepInput};
use huka_core::term::Term;
use huka_core::RecordId;
use serde::Serialize;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// The window lists at most this many missed students and grants (the numbers are complete).
const LIST_LIMIT: usize = 2000;

#[tauri::command]
pub fn aid_programmes(state: State<'_, AppState>) -> CommandResult<Vec<Programme>> {
    state.with(|store| aid::programmes(store.conn()))
}

#[tauri::command]
pub fn aid_programme_create(state: State<'_, AppState>, input: ProgrammeInput) -> CommandResult<Programme> {
    state.with(|store| aid::create_programme(store, &input))
}

#[tauri::command]
pub fn aid_programme_update(state: State<'_, AppState>, id: RecordId, input: ProgrammeInput) -> CommandResult<Programme> {
    state.with(|store| aid::update_programme(store, id, &input))
}

#[tauri::command(async)]
pub fn aid_coverage(state: State<'_, AppState>, term: Term) -> CommandResult<AidCoverage> {
    state.with(|store| aid::coverage(store, term, LIST_LIMIT))
}

#[tauri::command]
pub fn aid_grants(state: State<'_, AppState>, filter: GrantFilter) -> CommandResult<Vec<Grant>> {
    state.with(|store| aid::grants(store.conn(), &filter, LIST_LIMIT))
}

#[tauri::command]
pub fn aid_grant(state: State<'_, AppState>, id: RecordId) -> CommandResult<Grant> {
    state.with(|store| aid::grant(store.conn(), id))
}

#[tauri::command]
pub fn aid_apply(state: State<'_, AppState>, input: GrantInput, today: NaiveDate) -> CommandResult<Grant> {
    state.with(|store| aid::apply(store, &input, today))
}

#[tauri::command]
pub fn aid_advance(state: State<'_, AppState>, id: RecordId, to: GrantStatus, step: StepInput, today: NaiveDate) -> CommandResult<Grant> {
    state.with(|store| aid::advance(store, id, to, &step, today))
}

#[tauri::command]
pub fn aid_start_notice(state: State<'_, AppState>, programme_id: RecordId, term: Term, step: StepInput, today: NaiveDate) -> CommandResult<usize> {
    state.with(|store| aid::start_notice(store, programme_id, term, &step, today))
}

#[tauri::command]
pub fn aid_record_objections(state: State<'_, AppState>, id: RecordId, text: String) -> CommandResult<Grant> {
    state.with(|store| aid::record_objections(store, id, &text))
}

#[tauri::command]
pub fn aid_set_amount(state: State<'_, AppState>, id: RecordId, amount: String) -> CommandResult<Grant> {
    state.with(|store| aid::set_amount(store, id, &amount))
}

#[tauri::command]
pub fn aid_reverse(state: State<'_, AppState>, id: RecordId, date: String, reason: String, today: NaiveDate) -> CommandResult<Grant> {
    state.with(|store| aid::reverse(store, id, &date, &reason, today))
}

#[tauri::command]
pub fn aid_withdraw(state: State<'_, AppState>, id: RecordId) -> CommandResult<()> {
    state.with(|store| aid::withdraw(store, id))
}

#[tauri::command]
pub fn aid_notice(state: State<'_, AppState>, term: Term, programme_id: Option<RecordId>) -> CommandResult<Notice> {
    state.with(|store| aid::notice(store, term, programme_id))
}

/// The names last signed for each role, to fill the forms.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LastSigners {
    pub principal: Option<String>,
    pub class_teacher: Option<String>,
    pub aid_centre: Option<String>,
    pub deputy_director: Option<String>,
}

#[tauri::command]
pub fn aid_last_signers(state: State<'_, AppState>) -> CommandResult<LastSigners> {
    state.with(|store| {
        let conn = store.conn();
        Ok(LastSigners {
            principal: aid::last_signer(conn, SignRole::Principal)?,
            class_teacher: aid::last_signer(conn, SignRole::ClassTeacher)?,
            aid_centre: aid::last_signer(conn, SignRole::AidCentre)?,
            deputy_director: aid::last_signer(conn, SignRole::DeputyDirector)?,
        })
    })
}
