//! Backups (备份) and restoring one (恢复), over `huka_core::backup`. Paths come from the
//! native dialogs; a restore replaces the database under the window, which is then locked
//! (the user logs in to what was restored).

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use huka_core::backup::{self, BackupInfo, Restored};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// The name the save dialog proposes: `huka-<school code>-<date>-<time>.hukabackup`.
#[tauri::command]
pub fn backup_file_name(state: State<'_, AppState>) -> CommandResult<String> {
    state.with(|store| backup::file_name(store, chrono::Utc::now()))
}

/// Writes an encrypted backup (the same passwords open it) to the path the save dialog gave,
/// with the `.hukabackup` extension added when the name has none. The principal's.
#[tauri::command(async)]
pub fn backup_write(state: State<'_, AppState>, path: PathBuf) -> CommandResult<Written> {
    let path = with_extension(path);
    state.with(|store| Ok(Written { info: backup::write(store, &path)?, path: path.clone() }))
}

#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Written {
    pub path: PathBuf,
    #[serde(flatten)]
    pub info: BackupInfo,
}

fn with_extension(path: PathBuf) -> PathBuf {
    if path.extension().is_some_and(|e| e == backup::EXTENSION) {
        path
    } else {
        let mut s = path.into_os_string();
        s.push(".");
        s.push(backup::EXTENSION);
        PathBuf::from(s)
    }
}

/// Today's automatic backup in the data folder (the window's date), made after a login if
/// there is none yet; older ones are thinned to 7 days and 4 weeks. Returns the new file.
#[tauri::command(async)]
pub fn backup_auto(state: State<'_, AppState>, today: NaiveDate) -> CommandResult<Option<PathBuf>> {
    state.with(|store| backup::auto(store, today))
}

/// Opens a backup (from the open dialog) with a login and password, to show its school, date
/// and counts before restoring it. Writes nothing.
#[tauri::command(async)]
pub fn backup_inspect(state: State<'_, AppState>, path: PathBuf, login: String, password: String) -> CommandResult<BackupInfo> {
    state.with(|_| backup::inspect(&path, &login, &password))
}

/// Restores a backup over this window's database: the database there is kept as a dated
/// copy, a backup of another school is refused unless `force`. The database is closed
/// first; after a restore the window is locked (log in again). A refused restore leaves the
/// window logged in, as it was.
#[tauri::command(async)]
pub fn backup_restore(state: State<'_, AppState>, path: PathBuf, login: String, password: String, force: bool) -> CommandResult<Restored> {
    // A wrong password or a file that is no backup: said before anything is closed.
    state.with(|_| backup::inspect(&path, &login, &password))?;
    let db: &Path = &state.db_path;
    state.with_database_closed(
        || backup::restore(db, &path, &login, &password, force),
        || huka_core::session::unlock(db, &login, &password),
    )
}
