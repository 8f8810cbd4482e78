//! The paper archive (档案): the term's PDFs into the folder the user chose in the dialog,
//! with `archive-progress` events, and a written PDF opened in the system's viewer.

use std::path::PathBuf;

use chrono::NaiveDate;
use huka_core::archive::{self, Fonts, Request, Written};
use huka_core::term::Term;
use serde::Serialize;
use tauri::{AppHandle, Emitter, Runtime, State};

use crate::error::{CommandError, CommandResult};
use crate::state::AppState;

/// Sent as `archive-progress` after each file: `done` of `total` (the cards and the volume).
#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
}

/// Writes the whole school's archive for `term` into `folder` (from the folder dialog).
/// The cards are read under the store lock; the pages are typeset without it, so the rest
/// of the window stays usable meanwhile.
#[tauri::command(async)]
pub fn archive_export<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    term: Term,
    folder: PathBuf,
    full_ids: bool,
    today: NaiveDate,
) -> CommandResult<Written> {
    let fonts = Fonts::find().map_err(CommandError::from)?;
    let prepared = state.with(|store| archive::prepare(store, &Request { term, household: None, full_ids, today }))?;
    prepared
        .write(&fonts, &folder, &mut |done, total| {
            let _ = app.emit("archive-progress", Progress { done, total });
        })
        .map_err(CommandError::from)
}

/// Opens a PDF the archive wrote in the system's viewer. Only an existing `.pdf` file is
/// opened, and only while someone is logged in: nothing else can be started through this
/// command.
#[tauri::command]
pub fn archive_open(state: State<'_, AppState>, path: PathBuf) -> CommandResult<()> {
    state.with(|_| Ok(()))?;
    let is_pdf = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("pdf"));
    if !is_pdf || !path.is_absolute() || !path.is_file() {
        return Err(huka_core::labels::not_found("file").into());
    }
    open::that_detached(&path).map_err(|e| huka_core::Error::Io(e).into())
}
