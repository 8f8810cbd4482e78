use huka_core::demo::{self, DemoOptions};
use huka_core::stats::Stats;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// Fills an empty database with the demo school. Runs off the UI thread (`async`).
#[tauri::command(async)]
pub fn demo_load(state: State<'_, AppState>, students: Option<usize>, seed: Option<u64>) -> CommandResult<Stats> {
    let defaults = DemoOptions::default();
    let opts = DemoOptions { students: students.unwrap_or(defaults.students), seed: seed.unwrap_or(defaults.seed) };
    state.with(|store| demo::generate(store, &opts))
}
