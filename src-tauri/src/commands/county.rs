use std::path::PathBuf;

use huka_core::bundle::seal::CountyRecipient;
use huka_core::county::{self, recipient, CountyAggregate, CountySchool, IngestReport, RegisterInput, Registered};
use huka_core::term::Term;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// Registers a school's public key from a `.pub` file the open dialog gave.
#[tauri::command]
pub fn county_register(state: State<'_, AppState>, path: PathBuf, input: RegisterInput) -> CommandResult<Registered> {
    state.with(|store| {
        let public_key = std::fs::read_to_string(&path).map_err(|_| huka_core::signing::SigningError::BadPublicKey)?;
        county::register(store, &RegisterInput { public_key, ..input })
    })
}

#[tauri::command]
pub fn county_schools(state: State<'_, AppState>) -> CommandResult<Vec<CountySchool>> {
    state.with(|store| county::schools(store))
}

/// Verifies and ingests bundles (files and folders from the open dialog): one verdict each.
#[tauri::command(async)]
pub fn county_ingest(state: State<'_, AppState>, paths: Vec<PathBuf>) -> CommandResult<IngestReport> {
    state.with(|store| county::ingest(store, &paths))
}

#[tauri::command]
pub fn county_terms(state: State<'_, AppState>) -> CommandResult<Vec<Term>> {
    state.with(|store| county::terms(store))
}

#[tauri::command(async)]
pub fn county_aggregate(state: State<'_, AppState>, term: Term) -> CommandResult<CountyAggregate> {
    state.with(|store| county::aggregate(store, term))
}

/// Writes the county summary workbook to a path the save dialog gave.
#[tauri::command(async)]
pub fn county_report(state: State<'_, AppState>, term: Term, path: PathBuf) -> CommandResult<()> {
    state.with(|store| county::write_report(store, term, &path).map(|_| ()))
}

/// Writes the county's notice (县级公示) of `term` — a workbook and a PDF — into `folder`
/// (from the folder dialog).
#[tauri::command(async)]
pub fn county_notice(state: State<'_, AppState>, term: Term, folder: PathBuf, today: chrono::NaiveDate) -> CommandResult<county::notice::Written> {
    let fonts = huka_core::archive::Fonts::find().map_err(crate::error::CommandError::from)?;
    let notice = state.with(|store| county::notice::notice(store, term))?;
    county::notice::write_notice(&notice, term, &fonts, &folder, today).map_err(crate::error::CommandError::from)
}

/// The county's encryption key (its public recipient and fingerprint), once made.
#[tauri::command]
pub fn county_key(state: State<'_, AppState>) -> CommandResult<Option<CountyRecipient>> {
    state.with(|store| recipient::current(store))
}

/// Makes the county's encryption key pair (a new one keeps the old, so bundles sealed to it
/// still open). Returns the public recipient for the schools.
#[tauri::command]
pub fn county_key_create(state: State<'_, AppState>) -> CommandResult<CountyRecipient> {
    state.with(recipient::create)
}

/// Writes the recipient file for the schools to a path the save dialog gave.
#[tauri::command]
pub fn county_key_export(state: State<'_, AppState>, path: PathBuf) -> CommandResult<CountyRecipient> {
    state.with(|store| recipient::write_recipient_file(store, &path))
}

/// Writes the county's SECRET identity, for the standard `age` tool, to a path the save
/// dialog gave (after the window's warning). Readable by its owner only.
#[tauri::command]
pub fn county_key_export_identity(state: State<'_, AppState>, path: PathBuf) -> CommandResult<CountyRecipient> {
    state.with(|store| recipient::write_identity_file(store, &path))
}
