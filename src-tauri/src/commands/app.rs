use huka_core::access::Actor;
use huka_core::school::School;
use huka_core::stats::Stats;
use huka_core::{school, settings, stats, Lang};
use serde::Serialize;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// What the window needs once someone is logged in: who, the school, which language, what is
/// there. Refused (`locked`) before a login; the first screens ask `session_status`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: &'static str,
    pub db_path: String,
    pub device_id: String,
    pub actor: Actor,
    pub school: Option<School>,
    /// The county's name, in a county installation.
    pub county_name: String,
    pub language: Lang,
    /// A school's installation, or the county bureau's.
    pub mode: settings::Mode,
    pub stats: Stats,
}

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> CommandResult<AppInfo> {
    state.with(|store| {
        Ok(AppInfo {
            version: huka_core::VERSION,
            db_path: state.db_path.display().to_string(),
            device_id: store.device_id().to_string(),
            actor: store.actor().clone(),
            school: school::get(store)?,
            county_name: settings::county_name(store)?,
            language: settings::language(store)?,
            mode: settings::mode(store)?,
            stats: stats::get(store)?,
        })
    })
}
