use chrono::NaiveDate;
use huka_core::coverage::{self, Coverage, MyStudent};
use huka_core::term::Term;
use huka_core::RecordId;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// The window lists at most this many names per number (the numbers are always complete).
const LIST_LIMIT: usize = 500;

/// The term's dashboard as of `today` (the window's date, so that it matches what the user sees).
#[tauri::command(async)]
pub fn coverage_get(state: State<'_, AppState>, term: Term, today: NaiveDate) -> CommandResult<Coverage> {
    state.with(|store| coverage::compute(store, term, today, LIST_LIMIT))
}

#[tauri::command]
pub fn my_students(state: State<'_, AppState>, teacher_id: RecordId, term: Term, today: NaiveDate) -> CommandResult<Vec<MyStudent>> {
    state.with(|store| coverage::my_students(store, teacher_id, term, today))
}
