use std::path::PathBuf;

use chrono::NaiveDate;
use huka_core::visit::{self, Visit, VisitInput};
use huka_core::RecordId;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

#[tauri::command]
pub fn visit_create(state: State<'_, AppState>, input: VisitInput) -> CommandResult<Visit> {
    state.with(|store| visit::create(store, &input))
}

#[tauri::command]
pub fn visit_update(state: State<'_, AppState>, id: RecordId, input: VisitInput) -> CommandResult<Visit> {
    state.with(|store| visit::update(store, id, &input))
}

#[tauri::command]
pub fn visit_delete(state: State<'_, AppState>, id: RecordId) -> CommandResult<()> {
    state.with(|store| visit::delete(store, id))
}

#[tauri::command]
pub fn visit_topics(state: State<'_, AppState>) -> CommandResult<Vec<String>> {
    state.with(|store| visit::topics(store))
}

#[tauri::command]
pub fn visit_set_topics(state: State<'_, AppState>, topics: Vec<String>) -> CommandResult<Vec<String>> {
    state.with(|store| visit::set_topics(store, &topics))
}

/// The topics of the teacher's last visit, to pre-fill a new one.
#[tauri::command]
pub fn visit_last_topics(state: State<'_, AppState>, teacher_id: RecordId) -> CommandResult<Vec<String>> {
    state.with(|store| visit::last_topics(store, teacher_id))
}

/// Stores the photo of the signed form, read from a path the open dialog returned.
#[tauri::command(async)]
pub fn visit_set_photo(state: State<'_, AppState>, id: RecordId, path: PathBuf) -> CommandResult<()> {
    state.with(|store| visit::set_photo(store, id, &std::fs::read(&path)?))
}

/// The photo as a `data:` URL for an `<img>`, or null.
#[tauri::command]
pub fn visit_photo(state: State<'_, AppState>, id: RecordId) -> CommandResult<Option<String>> {
    use base64::Engine;
    state.with(|store| {
        Ok(visit::photo(store, id)?.map(|(bytes, kind)| format!("data:{kind};base64,{}", base64::engine::general_purpose::STANDARD.encode(bytes))))
    })
}

#[tauri::command]
pub fn follow_up_done(state: State<'_, AppState>, id: RecordId, done: Option<NaiveDate>) -> CommandResult<()> {
    state.with(|store| visit::follow_up_done(store, id, done))
}
