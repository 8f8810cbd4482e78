use std::path::PathBuf;

use huka_core::county::{self, CountyAggregate, CountySchool, IngestReport, RegisterInput, Registered};
use huka_core::term::Term;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// Registers a school's public key from a `.pub` file the open dialog gave.
#[tauri::command]
pub fn county_register(state: State<'_, AppState>, path: PathBuf, input: RegisterInput) -> CommandResult<Registered> {
    state.with(|store| {
        let public_key = std::fs::read_to_string(&path).map_err(|_| huka_core::Error::BadPublicKey)?;
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
