use chrono::NaiveDate;
use huka_core::pairing::{self, ClassRef, Pairing};
use huka_core::RecordId;
use serde::Serialize;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

#[tauri::command]
pub fn pairing_assign(state: State<'_, AppState>, teacher_id: RecordId, member_id: RecordId, start_date: NaiveDate) -> CommandResult<Pairing> {
    state.with(|store| pairing::assign(store, teacher_id, member_id, start_date))
}

#[tauri::command]
pub fn pairing_end(state: State<'_, AppState>, member_id: RecordId, end_date: NaiveDate) -> CommandResult<()> {
    state.with(|store| pairing::end(store, member_id, end_date))
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClassSize {
    #[serde(flatten)]
    pub class: ClassRef,
    pub students: i64,
}

#[tauri::command]
pub fn pairing_classes(state: State<'_, AppState>) -> CommandResult<Vec<ClassSize>> {
    state.with(|store| Ok(pairing::classes(store)?.into_iter().map(|(class, students)| ClassSize { class, students }).collect()))
}

/// Pairs a teacher with every enrolled student of a class; returns how many pairings changed.
#[tauri::command]
pub fn pairing_assign_class(state: State<'_, AppState>, teacher_id: RecordId, class: ClassRef, start_date: NaiveDate) -> CommandResult<usize> {
    state.with(|store| pairing::assign_class(store, teacher_id, &class, start_date))
}
