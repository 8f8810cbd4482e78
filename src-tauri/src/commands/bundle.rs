use std::path::PathBuf;

use chrono::NaiveDate;
use huka_core::bundle::verify::Signed;
use huka_core::bundle::{self, Exported, Preview};
use huka_core::term::Term;
use serde::Serialize;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// What an export for `term` will write, before the passphrase is asked for.
#[tauri::command(async)]
pub fn bundle_preview(state: State<'_, AppState>, term: Term, today: NaiveDate) -> CommandResult<Preview> {
    state.with(|store| bundle::preview(store, term, today))
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportDone {
    pub exported: Exported,
    /// The files as read back from where they were written (the USB stick): the signature
    /// over the sealed file holds, and the file is the one made.
    pub verified: Signed,
}

/// Writes the signed bundle and its signature into the folder of `path` (from the save
/// dialog; the file name is the format's own), then reads both back and verifies them.
#[tauri::command(async)]
pub fn bundle_export(state: State<'_, AppState>, term: Term, today: NaiveDate, passphrase: String, path: PathBuf) -> CommandResult<ExportDone> {
    state.with(|store| {
        let dir = path.parent().map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
        let exported = bundle::export(store, term, today, &passphrase, &dir)?;
        let verified = bundle::verify_written(store, &exported)?;
        Ok(ExportDone { exported, verified })
    })
}
