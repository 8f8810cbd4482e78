use huka_core::pairing::ClassRef;
use huka_core::teacher::{self, Teacher, TeacherInput};
use huka_core::RecordId;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

#[tauri::command]
pub fn teacher_list(state: State<'_, AppState>) -> CommandResult<Vec<Teacher>> {
    state.with(|store| teacher::list(store))
}

#[tauri::command]
pub fn teacher_create(state: State<'_, AppState>, input: TeacherInput) -> CommandResult<Teacher> {
    state.with(|store| teacher::create(store, &input))
}

#[tauri::command]
pub fn teacher_update(state: State<'_, AppState>, id: RecordId, input: TeacherInput) -> CommandResult<Teacher> {
    state.with(|store| teacher::update(store, id, &input))
}

#[tauri::command]
pub fn teacher_delete(state: State<'_, AppState>, id: RecordId) -> CommandResult<()> {
    state.with(|store| teacher::delete(store, id))
}

/// The classes a teacher heads (班主任).
#[tauri::command]
pub fn teacher_classes(state: State<'_, AppState>, id: RecordId) -> CommandResult<Vec<ClassRef>> {
    state.with(|store| teacher::classes(store.conn(), id))
}

#[tauri::command]
pub fn teacher_set_classes(state: State<'_, AppState>, id: RecordId, classes: Vec<ClassRef>) -> CommandResult<Vec<ClassRef>> {
    state.with(|store| teacher::set_classes(store, id, &classes))
}
