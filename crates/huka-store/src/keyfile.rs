//! The key file beside the database (`huka.db.keys`): the data key wrapped once per user and
//! once for the recovery code. It names nobody — a user's slot is found by a salted hash of
//! the login name — and it holds no record: a lost laptop's key file and database together
//! open for nobody without a password.
//!
//! Beside it, `huka.db.attempts` counts wrong passwords per slot, so that guessing slows down
//! (it is the one file a wrong password writes; the database and key file stay byte-identical).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::crypto::{DataKey, Kdf, RecoveryCode, Wrapped};
use crate::error::{Error, Result};

const FORMAT: u32 = 1;
const RECOVERY: &str = "recovery";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyFile {
    format: u32,
    /// The database these slots open (its `meta.database_id`), so that a key file is never
    /// used with another school's database.
    pub database: String,
    /// The salt of the login-name hashes.
    salt: String,
    /// Slot id → the wrapped data key.
    slots: BTreeMap<String, Wrapped>,
    /// Slot id → when it was last set or removed (a removed slot keeps its time here), so that
    /// the key files of a school's computers merge: the newer change of each slot wins.
    #[serde(default)]
    changed: BTreeMap<String, DateTime<Utc>>,
}

/// `huka.db` → `huka.db.keys`.
pub fn path_of(db: &Path) -> PathBuf {
    with_suffix(db, ".keys")
}

fn attempts_path(db: &Path) -> PathBuf {
    with_suffix(db, ".attempts")
}

fn with_suffix(db: &Path, suffix: &str) -> PathBuf {
    let mut s = db.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

/// Login names compare without case and surrounding spaces.
pub fn normalize_login(login: &str) -> String {
    login.trim().to_lowercase()
}

impl KeyFile {
    pub fn new(database: &str) -> KeyFile {
        KeyFile {
            format: FORMAT,
            database: database.to_string(),
            salt: crate::crypto::random_b64(16),
            slots: BTreeMap::new(),
            changed: BTreeMap::new(),
        }
    }

    /// The key file of the database at `db`.
    pub fn load(db: &Path) -> Result<KeyFile> {
        let bytes = match std::fs::read(path_of(db)) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Error::KeyFileMissing),
            other => other?,
        };
        let file: KeyFile = serde_json::from_slice(&bytes).map_err(|_| Error::KeyFileDamaged)?;
        if file.format != FORMAT {
            return Err(Error::KeyFileDamaged);
        }
        Ok(file)
    }

    /// Writes the key file beside `db` atomically: a temporary file, flushed to disk, renamed
    /// over the old one. A power cut leaves the old file or the new one, never half of one.
    pub fn save(&self, db: &Path) -> Result<()> {
        let path = path_of(db);
        let json = serde_json::to_vec_pretty(self).expect("plain data");
        crate::file::write(&path, &json)
    }

    fn slot_of(&self, login: &str) -> String {
        let mut h = Sha256::new();
        h.update(self.salt.as_bytes());
        h.update([0]);
        h.update(normalize_login(login).as_bytes());
        let digest = crate::text::hex(&h.finalize()[..16]);
        format!("user:{digest}")
    }

    fn aad(&self, slot: &str) -> String {
        format!("huka-key-v1:{}:{slot}", self.database)
    }

    pub fn has_user(&self, login: &str) -> bool {
        self.slots.contains_key(&self.slot_of(login))
    }

    /// Wraps the data key under a user's password (a new user, or a new password).
    pub fn seal_user(&mut self, login: &str, key: &DataKey, password: &str, kdf: Kdf) {
        let slot = self.slot_of(login);
        let w = Wrapped::seal(key, password, kdf, &self.aad(&slot));
        self.changed.insert(slot.clone(), Utc::now());
        self.slots.insert(slot, w);
    }

    /// A disabled user's password no longer opens the database.
    pub fn remove_user(&mut self, login: &str) {
        let slot = self.slot_of(login);
        self.slots.remove(&slot);
        self.changed.insert(slot, Utc::now());
    }

    /// Takes every slot another computer of the school changed later than this one did.
    pub fn merge(&mut self, other: &KeyFile) {
        if other.database != self.database || other.salt != self.salt {
            return; // another school's, or another database's: nothing in common
        }
        for (slot, at) in &other.changed {
            if self.changed.get(slot).is_some_and(|mine| mine >= at) {
                continue;
            }
            match other.slots.get(slot) {
                Some(w) => self.slots.insert(slot.clone(), w.clone()),
                None => self.slots.remove(slot),
            };
            self.changed.insert(slot.clone(), *at);
        }
    }

    pub fn seal_recovery(&mut self, key: &DataKey, code: &RecoveryCode, kdf: Kdf) {
        let w = Wrapped::seal(key, code.as_str(), kdf, &self.aad(RECOVERY));
        self.slots.insert(RECOVERY.to_string(), w);
        self.changed.insert(RECOVERY.to_string(), Utc::now());
    }

    /// The data key through a user's password, without the slow-down (a key file carried in
    /// a change file, before any database exists here).
    pub fn open_user_directly(&self, login: &str, password: &str) -> Option<DataKey> {
        self.open_user(login, password)
    }

    /// The data key, if `password` is this user's (`None`: no such user, or a wrong password —
    /// the caller cannot tell which, and neither can whoever is guessing).
    fn open_user(&self, login: &str, password: &str) -> Option<DataKey> {
        let slot = self.slot_of(login);
        self.slots.get(&slot)?.open(password, &self.aad(&slot))
    }

    fn open_recovery(&self, code: &RecoveryCode) -> Option<DataKey> {
        self.slots.get(RECOVERY)?.open(code.as_str(), &self.aad(RECOVERY))
    }

    /// Opens a user's slot, slowing down repeated wrong passwords: after three in a row each
    /// try must wait longer (kept in `huka.db.attempts`). Refuses at once while a wait runs —
    /// never sleeps, so a script never hangs.
    pub fn unlock_user(&self, db: &Path, login: &str, password: &str) -> Result<DataKey> {
        let slot = self.slot_of(login);
        self.throttled(db, &slot, || self.open_user(login, password))
    }

    pub fn unlock_recovery(&self, db: &Path, code: &RecoveryCode) -> Result<DataKey> {
        self.throttled(db, RECOVERY, || self.open_recovery(code))
    }

    fn throttled(&self, db: &Path, slot: &str, open: impl FnOnce() -> Option<DataKey>) -> Result<DataKey> {
        let mut attempts = Attempts::load(db);
        let now = Utc::now();
        if let Some(wait) = attempts.wait(slot, now) {
            return Err(Error::TooManyAttempts { seconds: wait });
        }
        match open() {
            Some(key) => {
                if attempts.clear(slot) {
                    attempts.save(db);
                }
                Ok(key)
            }
            None => {
                attempts.failed(slot, now);
                attempts.save(db);
                Err(Error::WrongPassword)
            }
        }
    }
}

/// Wrong passwords per slot: how many in a row, and when the last was.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Attempts(BTreeMap<String, (u32, DateTime<Utc>)>);

impl Attempts {
    fn load(db: &Path) -> Attempts {
        std::fs::read(attempts_path(db)).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
    }

    fn save(&self, db: &Path) {
        // Best effort: a read-only folder must not stop a user from logging in.
        let _ = crate::file::write(&attempts_path(db), &serde_json::to_vec(self).expect("plain data"));
    }

    /// Seconds still to wait before this slot may be tried: none for the first three wrong
    /// passwords, then 5 s, 10 s, 20 s … up to five minutes.
    fn wait(&self, slot: &str, now: DateTime<Utc>) -> Option<u64> {
        let (failures, last) = self.0.get(slot)?;
        if *failures < 3 {
            return None;
        }
        let delay = (5u64 << (failures - 3).min(6)).min(300);
        let elapsed = (now - *last).num_seconds().max(0) as u64;
        (elapsed < delay).then(|| delay - elapsed)
    }

    fn failed(&mut self, slot: &str, now: DateTime<Utc>) {
        let entry = self.0.entry(slot.to_string()).or_insert((0, now));
        entry.0 += 1;
        entry.1 = now;
    }

    fn clear(&mut self, slot: &str) -> bool {
        self.0.remove(slot).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIGHT: Kdf = Kdf { m: 1024, t: 1, p: 1 };

    #[test]
    fn slots_name_nobody_and_open_with_their_password() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("huka.db");
        let key = DataKey::generate();
        let mut file = KeyFile::new("db-1");
        file.seal_user("WangXiaozhang", &key, "principal-pass", LIGHT);
        file.seal_user("李老师", &key, "teacher-pass", LIGHT);
        file.save(&db).unwrap();
        let text = std::fs::read_to_string(path_of(&db)).unwrap();
        assert!(!text.to_lowercase().contains("wangxiaozhang") && !text.contains("李老师"), "{text}");

        let file = KeyFile::load(&db).unwrap();
        assert!(file.unlock_user(&db, " wangxiaozhang ", "principal-pass").is_ok(), "login names ignore case and spaces");
        assert!(matches!(file.unlock_user(&db, "李老师", "principal-pass"), Err(Error::WrongPassword)));
        assert!(matches!(file.unlock_user(&db, "nobody", "x"), Err(Error::WrongPassword)));
        let mut file = file;
        file.remove_user("李老师");
        assert!(matches!(file.unlock_user(&db, "李老师", "teacher-pass"), Err(Error::WrongPassword)));
    }

    #[test]
    fn repeated_wrong_passwords_slow_down_and_a_right_one_resets() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("huka.db");
        let key = DataKey::generate();
        let mut file = KeyFile::new("db-1");
        file.seal_user("a", &key, "right-password", LIGHT);
        for _ in 0..3 {
            assert!(matches!(file.unlock_user(&db, "a", "wrong"), Err(Error::WrongPassword)));
        }
        match file.unlock_user(&db, "a", "right-password") {
            Err(Error::TooManyAttempts { seconds }) => assert!((1..=5).contains(&seconds)),
            other => panic!("expected a wait, got {other:?}"),
        }
        // Once the wait is over, the right password opens and the count starts again.
        let mut attempts = Attempts::load(&db);
        let slot = file.slot_of("a");
        attempts.0.get_mut(&slot).unwrap().1 = Utc::now() - chrono::Duration::seconds(6);
        attempts.save(&db);
        assert!(file.unlock_user(&db, "a", "right-password").is_ok());
        assert!(Attempts::load(&db).0.is_empty());
    }

    #[test]
    fn the_recovery_code_opens_the_same_key() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("huka.db");
        let key = DataKey::generate();
        let code = RecoveryCode::generate();
        let mut file = KeyFile::new("db-1");
        file.seal_recovery(&key, &code, LIGHT);
        let typed = RecoveryCode::parse(&code.as_str().to_lowercase()).unwrap();
        assert!(file.unlock_recovery(&db, &typed).is_ok());
        assert!(matches!(file.unlock_recovery(&db, &RecoveryCode::generate()), Err(Error::WrongPassword)));
    }
}
