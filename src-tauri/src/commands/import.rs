//! Importing spreadsheets: preview (the plan, nothing written), apply (the previewed plan, with
//! progress events), and saving the rejected rows. File paths come from the native dialogs.

use std::path::PathBuf;

use huka_core::import::{self, Choices, ImportKind, ImportReport, Preview};
use huka_core::registration::{self, UnlinkedRegistration};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Runtime, State};

use crate::error::CommandResult;
use crate::state::AppState;

/// Sent as `import-progress` while rows are written.
#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
}

#[tauri::command(async)]
pub fn import_preview(state: State<'_, AppState>, path: PathBuf, kind: ImportKind, choices: Choices) -> CommandResult<Preview> {
    state.with(|store| import::preview(store, kind, &import::read::read_file(&path)?, &choices))
}

#[tauri::command(async)]
pub fn import_apply<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    path: PathBuf,
    kind: ImportKind,
    choices: Choices,
    fingerprint: String,
) -> CommandResult<ImportReport> {
    state.with(|store| {
        let bytes = import::read::read_file(&path)?;
        import::apply(store, kind, &bytes, &choices, Some(&fingerprint), &mut |done, total| {
            let _ = app.emit("import-progress", Progress { done, total });
        })
    })
}

/// Writes the rejected rows of the file to `out` (.xlsx or .csv), chosen in the save dialog.
#[tauri::command(async)]
pub fn import_save_rejects(
    state: State<'_, AppState>,
    path: PathBuf,
    kind: ImportKind,
    choices: Choices,
    out: PathBuf,
) -> CommandResult<usize> {
    state.with(|store| import::save_rejects(store, kind, &import::read::read_file(&path)?, &choices, &out))
}

/// Registered students on no household card.
#[tauri::command]
pub fn registration_unlinked(state: State<'_, AppState>) -> CommandResult<Vec<UnlinkedRegistration>> {
    state.with(|store| registration::unlinked(store))
}
