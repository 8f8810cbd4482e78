//! The window's session: what the database at `db_path` asks for before anything else (a
//! first start, a conversion, a login, or the reason it cannot be opened), and — once someone
//! has logged in — the [`Store`] acting for them. Locking drops the store, and with it the
//! data key; every command then refuses with `Error::Locked` until the next login.
//!
//! Idle lock: every command (through [`AppState::with`]) and every `session_touch` from the
//! window counts as activity; [`watch_idle`] locks the session once `settings::idle_minutes`
//! pass without any, and tells the window (`session-locked`).

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use huka_core::keyfile::KeyFile;
use huka_core::store::DbFile;
use huka_core::{ErrorReport, Store};
use serde::Serialize;

use crate::error::{CommandError, CommandResult};

/// Which screen the window shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// No database at the path: set up a school (or county) and its first account.
    FirstStart,
    /// A database from before accounts (unencrypted): the principal converts it.
    Convert,
    /// An encrypted database, nobody logged in.
    Login,
    /// Someone is logged in.
    Unlocked,
    /// There is something at the path that cannot be opened (the reason says what).
    Unavailable,
}

/// The event the window hears when the session locked itself.
pub const LOCKED_EVENT: &str = "session-locked";

/// How often the idle watcher looks at the clock.
const IDLE_CHECK: Duration = Duration::from_secs(5);

struct Session {
    /// The unlocked database, acting for the logged-in account; `None` when locked.
    store: Option<Store>,
    last_activity: Instant,
    idle_after: Duration,
}

pub struct AppState {
    pub db_path: PathBuf,
    session: Mutex<Session>,
}

impl AppState {
    /// The window's state for the database at `db_path`; nothing is opened until a login.
    pub fn new(db_path: PathBuf) -> AppState {
        let idle_after = minutes(huka_core::settings::DEFAULT_IDLE_MINUTES);
        AppState { db_path, session: Mutex::new(Session { store: None, last_activity: Instant::now(), idle_after }) }
    }

    fn lock_session(&self) -> MutexGuard<'_, Session> {
        // A panic while the lock was held cannot have left a half-written transaction behind
        // (it rolls back), so a poisoned lock is safe to take over.
        self.session.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The phase, and the reason when the database cannot be opened.
    pub fn phase(&self) -> (Phase, Option<ErrorReport>) {
        if self.lock_session().store.is_some() {
            return (Phase::Unlocked, None);
        }
        match Store::inspect(&self.db_path) {
            Ok(DbFile::Missing) => (Phase::FirstStart, None),
            Ok(DbFile::Plain) => (Phase::Convert, None),
            Ok(DbFile::Encrypted) => match KeyFile::load(&self.db_path) {
                Ok(_) => (Phase::Login, None),
                Err(e) => (Phase::Unavailable, Some(e.report())),
            },
            Err(e) => (Phase::Unavailable, Some(e.report())),
        }
    }

    /// Runs `f` with the logged-in account's store; refuses with `locked` when nobody is
    /// logged in. Counts as activity. Core errors become command errors.
    pub fn with<T>(&self, f: impl FnOnce(&mut Store) -> huka_core::Result<T>) -> CommandResult<T> {
        let mut session = self.lock_session();
        session.last_activity = Instant::now();
        let store = session.store.as_mut().ok_or_else(|| CommandError::from(huka_core::Error::Locked))?;
        let result = f(store).map_err(CommandError::from);
        // A long command (an import, the demo) is activity until it ends.
        session.last_activity = Instant::now();
        result
    }

    /// Reads the logged-in store without counting as activity (the window asking what to
    /// show); `None` when locked.
    pub fn peek<T>(&self, f: impl FnOnce(&Store) -> huka_core::Result<T>) -> Option<CommandResult<T>> {
        let session = self.lock_session();
        session.store.as_ref().map(|store| f(store).map_err(CommandError::from))
    }

    /// Someone logged in (or set up, converted, recovered): from now on commands act for them.
    pub fn unlock(&self, store: Store) {
        let idle = huka_core::settings::idle_minutes(&store).unwrap_or(huka_core::settings::DEFAULT_IDLE_MINUTES);
        let mut session = self.lock_session();
        session.idle_after = minutes(idle);
        session.last_activity = Instant::now();
        // The store of a previous login (if any) is dropped here, and its key with it.
        session.store = Some(store);
    }

    /// Locks: the store is dropped, and with it the data key. True if someone was logged in.
    pub fn lock(&self) -> bool {
        let store = self.lock_session().store.take();
        store.is_some()
    }

    /// The window saw the user do something (a click, a key).
    pub fn touch(&self) {
        self.lock_session().last_activity = Instant::now();
    }

    /// The idle time before locking changed (the Users page).
    pub fn set_idle_minutes(&self, idle: u32) {
        self.lock_session().idle_after = minutes(idle);
    }

    /// Locks if nothing happened for the idle time before `now`. True if it locked.
    pub fn lock_if_idle(&self, now: Instant) -> bool {
        let mut session = self.lock_session();
        if session.store.is_some() && now.saturating_duration_since(session.last_activity) >= session.idle_after {
            session.store = None;
            return true;
        }
        false
    }
}

fn minutes(m: u32) -> Duration {
    Duration::from_secs(u64::from(m) * 60)
}

/// Starts the thread that locks an idle session and tells the window.
pub fn watch_idle<R: tauri::Runtime>(app: tauri::AppHandle<R>) {
    use tauri::{Emitter, Manager};
    std::thread::Builder::new()
        .name("idle-lock".into())
        .spawn(move || loop {
            std::thread::sleep(IDLE_CHECK);
            let locked = app.state::<AppState>().lock_if_idle(Instant::now());
            if locked {
                let _ = app.emit(LOCKED_EVENT, ());
            }
        })
        .expect("a thread starts");
}
