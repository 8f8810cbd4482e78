//! The window's state: the open store, or why it could not be opened (a database from a
//! newer Huka, a file that is not a database …), which every command then reports.

use std::path::PathBuf;
use std::sync::Mutex;

use huka_core::{ErrorReport, Store};

use crate::error::{CommandError, CommandResult};

pub struct AppState {
    pub db_path: PathBuf,
    store: Result<Mutex<Store>, ErrorReport>,
}

impl AppState {
    pub fn open(db_path: PathBuf) -> AppState {
        let store = Store::open(&db_path).map(Mutex::new).map_err(|e| e.report());
        AppState { db_path, store }
    }

    pub fn from_store(db_path: PathBuf, store: Store) -> AppState {
        AppState { db_path, store: Ok(Mutex::new(store)) }
    }

    /// Runs `f` with the store locked; core errors become command errors.
    pub fn with<T>(&self, f: impl FnOnce(&mut Store) -> huka_core::Result<T>) -> CommandResult<T> {
        let store = self.store.as_ref().map_err(|e| CommandError(e.clone()))?;
        // A panic while the lock was held cannot have left a half-written transaction behind
        // (it rolls back), so a poisoned lock is safe to take over.
        let mut guard = store.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard).map_err(CommandError::from)
    }
}
