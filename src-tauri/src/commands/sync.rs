//! 同步: the school's computers exchange change files on a USB stick; 加入本校 makes this
//! computer one of them. The core does the merging (`huka_core::sync`); paths come from the
//! window's dialogs.

use std::path::PathBuf;

use huka_core::sync::{self, Conflict, Device, Refused, Report};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Runtime, State};

use crate::commands::session::SessionStatus;
use crate::error::CommandResult;
use crate::state::AppState;

/// Writes a change file into `dir` (a folder the window got from the folder dialog) and
/// returns its name.
#[tauri::command(async)]
pub fn sync_export(state: State<'_, AppState>, dir: PathBuf, full: bool) -> CommandResult<String> {
    state.with(|store| {
        let path = sync::export(store, &dir, full)?;
        Ok(path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default())
    })
}

/// Sent as `sync-progress` while a change file is read or joined from: `done` of `total` bytes
/// of its compressed records.
#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
}

/// Tells the window how far the file has been read.
fn told<R: Runtime>(app: &AppHandle<R>) -> impl FnMut(u64, u64) + '_ {
    move |done, total| {
        let _ = app.emit("sync-progress", Progress { done, total });
    }
}

/// Reads a change file the window got from the open dialog.
#[tauri::command(async)]
pub fn sync_import<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>, path: PathBuf) -> CommandResult<Report> {
    state.with(|store| sync::import_reporting(store, &path, &mut told(&app)))
}

#[tauri::command]
pub fn sync_devices(state: State<'_, AppState>) -> CommandResult<Vec<Device>> {
    state.with(|store| sync::devices(store))
}

/// What the last change file read here held that its authors' roles did not allow.
#[tauri::command]
pub fn sync_refused(state: State<'_, AppState>) -> CommandResult<Vec<Refused>> {
    state.with(|store| sync::refused(store))
}

#[tauri::command]
pub fn sync_conflicts(state: State<'_, AppState>, all: bool) -> CommandResult<Vec<Conflict>> {
    state.with(|store| sync::conflicts(store, !all))
}

#[tauri::command]
pub fn sync_resolve(state: State<'_, AppState>, id: String, swap: bool) -> CommandResult<()> {
    state.with(|store| sync::resolve(store, &id, swap))
}

/// What joining the school gave: the session (logged in) and what the file held.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Joined {
    pub status: SessionStatus,
    pub report: Report,
}

/// 加入本校: first start on a new laptop, from a complete change file of the school's office
/// PC, logging in with one's own account of the school.
#[tauri::command(async)]
pub fn sync_join<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>, path: PathBuf, login: String, password: String) -> CommandResult<Joined> {
    let (store, report) = sync::join_reporting(&state.db_path, &path, &login, &password, &mut told(&app))?;
    state.unlock(store);
    Ok(Joined { status: crate::commands::session::status(&state)?, report })
}
