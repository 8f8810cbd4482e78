use chrono::NaiveDate;
use huka_core::reconcile::{self, Decision, MismatchKind, Reconciliation};
use huka_core::term::Term;
use huka_core::RecordId;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

#[tauri::command(async)]
pub fn reconcile_get(state: State<'_, AppState>, term: Term, today: NaiveDate) -> CommandResult<Reconciliation> {
    state.with(|store| reconcile::reconcile(store, term, today))
}

#[tauri::command]
pub fn reconcile_decide(state: State<'_, AppState>, kind: MismatchKind, subject_id: RecordId, decision: Decision, note: String) -> CommandResult<()> {
    state.with(|store| reconcile::decide(store, kind, subject_id, decision, &note))
}

#[tauri::command]
pub fn reconcile_reopen(state: State<'_, AppState>, kind: MismatchKind, subject_id: RecordId) -> CommandResult<()> {
    state.with(|store| reconcile::reopen(store, kind, subject_id))
}
