//! Where Huka keeps its database by default. The window and the CLI both use this, so that
//! `huka` without `--db` works on the same records as the app.

use std::path::PathBuf;

/// The application identifier (also Tauri's `identifier`).
pub const APP_ID: &str = "cn.huka.app";

/// Overrides the default database path (tests, portable installs).
pub const DB_ENV: &str = "HUKA_DB";

/// `$HUKA_DB`, else `<platform data dir>/cn.huka.app/huka.db`
/// (`~/.local/share/cn.huka.app/huka.db` on Linux).
pub fn default_db_path() -> PathBuf {
    if let Some(p) = std::env::var_os(DB_ENV).filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    dirs::data_dir().unwrap_or_else(|| PathBuf::from(".")).join(APP_ID).join("huka.db")
}
