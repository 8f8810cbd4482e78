//! The key file beside the database (`huka.db.keys`): a slot per user and one for the
//! recovery code. It names nobody — a user's slot is found by a salted hash of the login
//! name — and it holds no record: a lost laptop's key file and database together open for
//! nobody without a password.
//!
//! Format 2 (issue 22): a slot is an X25519 key pair — its secret key wrapped under the
//! password (Argon2id), its public key in the clear, and the data key sealed to the public
//! key. The password opens the secret key, which opens the data key; and whoever holds the
//! data key (the principal rotating it) can seal a new one to every slot without knowing any
//! password. A format-1 slot (the data key wrapped under the password itself) still opens,
//! and becomes a pair at its account's next login (`upgrade_user`). A rotation gives the file
//! a new `rotation`; slots of a newer rotation open a newer data key.
//!
//! The second key (format 3): the key of the fields only some roles read in full (the
//! domain's choice: the principal's and the aid officer's), sealed to a pair beside the data
//! key (`second`) in the slots of those accounts and the recovery code's only — never in
//! anybody else's slot, so no other password reaches it. Whoever holds it seals it to another
//! holder's pair without their password (`hand_second`); a rotation makes a new one with the
//! new data key.
//!
//! Beside it, `huka.db.attempts` counts wrong passwords per slot, so that guessing slows down
//! (it is the one file a wrong password writes; the database and key file stay byte-identical).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::crypto::{DataKey, Kdf, PublicKey, RecoveryCode, SecretKey, Sealed, Wrapped};
use crate::error::{Error, Result};

const RECOVERY: &str = "recovery";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyFile {
    /// 1 while every slot is a password-wrapped data key; 2 once one is a key pair; 3 once
    /// one holds the second key (an older version, which would drop it, refuses the file).
    format: u32,
    /// The database these slots open (its `meta.database_id`), so that a key file is never
    /// used with another school's database.
    pub database: String,
    /// Which data key the slots hold: none for the first, else the rotation that made it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rotation: Option<Rotation>,
    /// The salt of the login-name hashes.
    salt: String,
    /// Slot id → the slot.
    slots: BTreeMap<String, Slot>,
    /// Slot id → when it was last set or removed (a removed slot keeps its time here), so that
    /// the key files of a school's computers merge: the newer change of each slot wins.
    #[serde(default)]
    changed: BTreeMap<String, DateTime<Utc>>,
}

/// A new data key: when and which (a later rotation wins; two at once, the larger id).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Rotation {
    pub at: DateTime<Utc>,
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
enum Slot {
    /// Format 2.
    Pair(Pair),
    /// Format 1: the data key wrapped under the password itself.
    Password(Wrapped),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Pair {
    public: PublicKey,
    /// The secret key under the password (or the recovery code).
    secret: Wrapped,
    /// The data key, sealed to `public`.
    key: Sealed,
    /// The second key, sealed to `public`: only in the slots of the roles that hold it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    second: Option<Sealed>,
}

/// What a password (or the recovery code) opened: the data key, and the slot's secret key
/// (none for a format-1 slot), kept while the account is logged in so that a data key
/// rotated on another computer can be opened without the password.
#[derive(Debug)]
pub struct Opened {
    pub key: DataKey,
    pub secret: Option<SecretKey>,
    /// The second key, when the slot holds it.
    pub second: Option<DataKey>,
}

/// What a rotation did to the slots (login names of the active accounts given to it).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Resealed {
    /// Slots sealed to the new key.
    pub accounts: Vec<String>,
    /// Accounts whose slot is still format 1 (or missing): removed — they need a new password.
    pub need_password: Vec<String>,
    /// The recovery slot was format 1: a new recovery code must be made.
    pub recovery_needs_code: bool,
}

/// `huka.db` → `huka.db.keys`.
pub fn path_of(db: &Path) -> PathBuf {
    with_suffix(db, ".keys")
}

/// The next key file, written before a rotation re-encrypts the database and renamed over
/// `huka.db.keys` once the database opens under its key.
pub fn next_path_of(db: &Path) -> PathBuf {
    with_suffix(db, ".keys.next")
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
            format: 2,
            database: database.to_string(),
            rotation: None,
            salt: crate::crypto::random_b64(16),
            slots: BTreeMap::new(),
            changed: BTreeMap::new(),
        }
    }

    /// The key file of the database at `db`.
    pub fn load(db: &Path) -> Result<KeyFile> {
        KeyFile::load_from(&path_of(db))
    }

    /// A key file at `path` (the next one of a rotation).
    pub fn load_from(path: &Path) -> Result<KeyFile> {
        let bytes = match std::fs::read(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Error::KeyFileMissing),
            other => other?,
        };
        let file: KeyFile = serde_json::from_slice(&bytes).map_err(|_| Error::KeyFileDamaged)?;
        if !matches!(file.format, 1..=3) {
            return Err(Error::KeyFileDamaged);
        }
        Ok(file)
    }

    /// Writes the key file beside `db` atomically: a temporary file, flushed to disk, renamed
    /// over the old one. A power cut leaves the old file or the new one, never half of one.
    pub fn save(&self, db: &Path) -> Result<()> {
        self.save_to(&path_of(db))
    }

    pub fn save_to(&self, path: &Path) -> Result<()> {
        let mut file = self.clone();
        // Format 1 as long as it is one: a computer not yet updated still reads it.
        let pairs = file.rotation.is_some() || file.slots.values().any(|s| matches!(s, Slot::Pair(_)));
        file.format = if file.has_second() { 3 } else if pairs { 2 } else { 1 };
        let json = serde_json::to_vec_pretty(&file).expect("plain data");
        crate::file::write(path, &json)
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

    /// A pair's secret is bound to its slot and its public key; the sealed key to its slot.
    fn aad_secret(&self, slot: &str, public: &PublicKey) -> String {
        format!("huka-key-v2:{}:{slot}:{}", self.database, serde_json::to_string(public).expect("plain data"))
    }

    fn aad_key(&self, slot: &str) -> String {
        format!("huka-key-v2:{}:{slot}", self.database)
    }

    fn aad_second(&self, slot: &str) -> String {
        format!("huka-second-v1:{}:{slot}", self.database)
    }

    /// Whether any slot holds a second key (the school has one).
    pub fn has_second(&self) -> bool {
        self.slots.values().any(|s| matches!(s, Slot::Pair(Pair { second: Some(_), .. })))
    }

    /// Whether a user's slot holds the second key.
    pub fn user_has_second(&self, login: &str) -> bool {
        matches!(self.slots.get(&self.slot_of(login)), Some(Slot::Pair(Pair { second: Some(_), .. })))
    }

    /// Seals the second key to a user's key pair (a holder who has none yet: an account made
    /// or upgraded from format 1 where the key was not at hand). `false`: no pair, or it holds
    /// one already. The slot's time stays: this changes no password, and a slot set later
    /// elsewhere still wins.
    pub fn hand_second(&mut self, login: &str, second: &DataKey) -> bool {
        let slot = self.slot_of(login);
        let aad = self.aad_second(&slot);
        match self.slots.get_mut(&slot) {
            Some(Slot::Pair(p)) if p.second.is_none() => {
                p.second = Sealed::seal(second, &p.public, &aad);
                p.second.is_some()
            }
            _ => false,
        }
    }

    /// This key file without any second key: what a teacher's laptop keeps (not even sealed
    /// to another's pair). Times stay.
    pub fn without_second(&self) -> KeyFile {
        let mut file = self.clone();
        for slot in file.slots.values_mut() {
            if let Slot::Pair(p) = slot {
                p.second = None;
            }
        }
        file
    }

    /// Takes the second key out of a user's slot (an account whose role does not hold it —
    /// whatever a file brought). `true` when there was one.
    pub fn withhold_second(&mut self, login: &str) -> bool {
        match self.slots.get_mut(&self.slot_of(login)) {
            Some(Slot::Pair(p)) => p.second.take().is_some(),
            _ => false,
        }
    }

    pub fn has_user(&self, login: &str) -> bool {
        self.slots.contains_key(&self.slot_of(login))
    }

    /// Whether a user's slot is still format 1 (`None`: no slot).
    pub fn is_format_1(&self, login: &str) -> Option<bool> {
        self.slots.get(&self.slot_of(login)).map(|s| matches!(s, Slot::Password(_)))
    }

    pub fn rotation(&self) -> Option<&Rotation> {
        self.rotation.as_ref()
    }

    /// Whether `other` holds a newer data key of this same database.
    pub fn is_rotated_by(&self, other: &KeyFile) -> bool {
        other.database == self.database && other.salt == self.salt && other.rotation > self.rotation
    }

    fn pair(&self, slot: &str, key: &DataKey, second: Option<&DataKey>, secret: &SecretKey, password: &str, kdf: Kdf) -> Slot {
        let public = secret.public();
        Slot::Pair(Pair {
            secret: Wrapped::seal_secret(secret, password, kdf, &self.aad_secret(slot, &public)),
            key: Sealed::seal(key, &public, &self.aad_key(slot)).expect("a public key of our own"),
            second: second.map(|k| Sealed::seal(k, &public, &self.aad_second(slot)).expect("a public key of our own")),
            public,
        })
    }

    /// A user's slot under a password (a new user, or a new password): a new key pair, holding
    /// the second key when given (only for the roles that hold it).
    pub fn seal_user(&mut self, login: &str, key: &DataKey, second: Option<&DataKey>, password: &str, kdf: Kdf) {
        self.seal_user_keeping(login, key, second, password, kdf, None);
    }

    /// A user's slot under a password, keeping the key pair `secret` when given (one's own
    /// new password while logged in: the pair other computers know stays).
    pub fn seal_user_keeping(&mut self, login: &str, key: &DataKey, second: Option<&DataKey>, password: &str, kdf: Kdf, secret: Option<&SecretKey>) {
        let slot = self.slot_of(login);
        let fresh;
        let secret = match secret {
            Some(s) => s,
            None => {
                fresh = SecretKey::generate();
                &fresh
            }
        };
        let s = self.pair(&slot, key, second, secret, password, kdf);
        self.changed.insert(slot.clone(), Utc::now());
        self.slots.insert(slot, s);
    }

    /// A format-1 slot, just opened with its password, becomes a key pair; returns its
    /// secret key (`None`: the slot is a pair already, or gone). Its time moves by a
    /// millisecond only: a password set meanwhile on another computer still wins the merge,
    /// while the pair replaces the old slot everywhere.
    /// `second`: the second key, for a holder when it is at hand (else a holder logged in
    /// later hands it over, `hand_second`).
    pub fn upgrade_user(&mut self, login: &str, key: &DataKey, second: Option<&DataKey>, password: &str, kdf: Kdf) -> Option<SecretKey> {
        self.upgrade(&self.slot_of(login), key, second, password, kdf)
    }

    fn upgrade(&mut self, slot: &str, key: &DataKey, second: Option<&DataKey>, password: &str, kdf: Kdf) -> Option<SecretKey> {
        if !matches!(self.slots.get(slot)?, Slot::Password(_)) {
            return None;
        }
        let secret = SecretKey::generate();
        let s = self.pair(slot, key, second, &secret, password, kdf);
        self.slots.insert(slot.to_string(), s);
        let at = self.changed.get(slot).copied().unwrap_or_else(Utc::now);
        self.changed.insert(slot.to_string(), at + chrono::Duration::milliseconds(1));
        Some(secret)
    }

    /// A format-1 slot, as versions before format 2 wrote them (tests of the upgrade).
    #[doc(hidden)]
    pub fn seal_user_format_1(&mut self, login: &str, key: &DataKey, password: &str, kdf: Kdf) {
        let slot = self.slot_of(login);
        let w = Wrapped::seal(key, password, kdf, &self.aad(&slot));
        self.changed.insert(slot.clone(), Utc::now());
        self.slots.insert(slot, Slot::Password(w));
    }

    /// A disabled user's password no longer opens the database.
    pub fn remove_user(&mut self, login: &str) {
        let slot = self.slot_of(login);
        self.slots.remove(&slot);
        self.changed.insert(slot, Utc::now());
    }

    /// Takes every slot another computer of the school changed later than this one did. A
    /// file of an older rotation brings only its removals (its slots hold the old key); one of
    /// a newer rotation is taken by `adopt` first.
    pub fn merge(&mut self, other: &KeyFile) {
        if other.database != self.database || other.salt != self.salt || other.rotation > self.rotation {
            return; // another school's, another database's, or a newer key not adopted yet
        }
        let older = other.rotation < self.rotation;
        for (slot, at) in &other.changed {
            if self.changed.get(slot).is_some_and(|mine| mine >= at) {
                continue;
            }
            match other.slots.get(slot) {
                Some(_) if older => continue,
                Some(w) => {
                    // The same key pair under a new password set where the second key was not
                    // at hand (or by a version that drops it): the second key sealed to that
                    // pair here stays, valid as it was. (A role that may not hold it loses it
                    // at the hand-over pass that follows every import.)
                    let mut w = w.clone();
                    if let (Slot::Pair(theirs), Some(Slot::Pair(mine))) = (&mut w, self.slots.get(slot)) {
                        if theirs.public == mine.public && theirs.second.is_none() {
                            theirs.second = mine.second.clone();
                        }
                    }
                    self.slots.insert(slot.clone(), w)
                }
                None => self.slots.remove(slot),
            };
            self.changed.insert(slot.clone(), *at);
        }
    }

    /// Takes a key file of a newer rotation (`key`, `second`: its data key and second key,
    /// already opened — the second only by a holder): its slots,
    /// except where this one changed a slot later than theirs — removed here (an account
    /// disabled here stays so), or a key pair made here (a new account, a new password), which
    /// is sealed to the new key. (A rotation keeps each slot's time: it changes no one's
    /// password, so it outweighs no change made elsewhere.)
    pub fn adopt(&mut self, theirs: &KeyFile, key: &DataKey, second: Option<&DataKey>) {
        let mine = std::mem::replace(self, theirs.clone());
        for (slot, at) in &mine.changed {
            if self.changed.get(slot).is_some_and(|t| t >= at) {
                continue;
            }
            match mine.slots.get(slot) {
                None => {
                    self.slots.remove(slot);
                }
                Some(Slot::Pair(p)) => {
                    let Some(sealed) = Sealed::seal(key, &p.public, &self.aad_key(slot)) else { continue };
                    // It held the old second key: the new one if this computer holds it, else
                    // none (a holder hands it over later).
                    let second = p.second.as_ref().and(second).and_then(|k| Sealed::seal(k, &p.public, &self.aad_second(slot)));
                    self.slots.insert(slot.clone(), Slot::Pair(Pair { key: sealed, second, ..p.clone() }));
                }
                Some(Slot::Password(_)) => continue,
            }
            self.changed.insert(slot.clone(), *at);
        }
    }

    /// A key file for a new data key: the slot of each of the active accounts `logins` that
    /// is a key pair is sealed to `key` (their passwords and times stay); every other slot is removed
    /// (disabled accounts, format-1 slots — listed, they need a new password — and any slot
    /// of nobody's). The recovery slot is sealed again if it is a pair (else see
    /// `recovery_needs_code`: the caller seals a new code). The new second key `second` is
    /// sealed to the accounts marked `true` in `logins` (the holders) and the recovery slot;
    /// no other slot keeps any second key.
    pub fn rotated(&self, key: &DataKey, second: Option<&DataKey>, logins: &[(String, bool)], rotation: Rotation) -> (KeyFile, Resealed) {
        let now = rotation.at;
        let mut next = KeyFile { rotation: Some(rotation), slots: BTreeMap::new(), ..self.clone() };
        let mut done = Resealed::default();
        let mut kept = std::collections::BTreeSet::new();
        for (login, holder) in logins {
            let slot = self.slot_of(login);
            match self.slots.get(&slot) {
                Some(Slot::Pair(p)) => {
                    let Some(sealed) = Sealed::seal(key, &p.public, &self.aad_key(&slot)) else {
                        done.need_password.push(login.clone());
                        continue;
                    };
                    let second = second.filter(|_| *holder).and_then(|k| Sealed::seal(k, &p.public, &self.aad_second(&slot)));
                    next.slots.insert(slot.clone(), Slot::Pair(Pair { key: sealed, second, ..p.clone() }));
                    done.accounts.push(login.clone());
                    kept.insert(slot);
                }
                _ => done.need_password.push(login.clone()),
            }
        }
        match self.slots.get(RECOVERY) {
            Some(Slot::Pair(p)) if Sealed::seal(key, &p.public, &self.aad_key(RECOVERY)).is_some() => {
                let sealed = Sealed::seal(key, &p.public, &self.aad_key(RECOVERY)).expect("checked");
                let second = second.and_then(|k| Sealed::seal(k, &p.public, &self.aad_second(RECOVERY)));
                next.slots.insert(RECOVERY.to_string(), Slot::Pair(Pair { key: sealed, second, ..p.clone() }));
                kept.insert(RECOVERY.to_string());
            }
            _ => done.recovery_needs_code = true,
        }
        // Resealed slots keep their times; removed ones are removed now.
        for slot in self.slots.keys().filter(|s| !kept.contains(*s)) {
            next.changed.insert(slot.clone(), now);
        }
        (next, done)
    }

    /// The recovery code's slot: it holds the second key too, when there is one.
    pub fn seal_recovery(&mut self, key: &DataKey, second: Option<&DataKey>, code: &RecoveryCode, kdf: Kdf) {
        let secret = SecretKey::generate();
        let s = self.pair(RECOVERY, key, second, &secret, code.as_str(), kdf);
        self.slots.insert(RECOVERY.to_string(), s);
        self.changed.insert(RECOVERY.to_string(), Utc::now());
    }

    /// The recovery slot, just opened with its code, becomes a key pair (see `upgrade_user`).
    pub fn upgrade_recovery(&mut self, key: &DataKey, second: Option<&DataKey>, code: &RecoveryCode, kdf: Kdf) -> bool {
        self.upgrade(RECOVERY, key, second, code.as_str(), kdf).is_some()
    }

    /// The data key through a user's password, without the slow-down (a key file carried in
    /// a change file, before any database exists here).
    pub fn open_user_directly(&self, login: &str, password: &str) -> Option<DataKey> {
        self.open_user_slot(login, password).map(|o| o.key)
    }

    /// All a user's slot holds through their password, without the slow-down: what
    /// [`KeyFile::open_user_directly`] opens, with the slot's secret and second keys (a computer
    /// joining the school logs in with them, its password's key derived once).
    pub fn open_user_slot(&self, login: &str, password: &str) -> Option<Opened> {
        self.open_user(login, password)
    }

    /// The data key of this file through a user's secret key, already opened (the logged-in
    /// account's, when a newer rotation arrives from another computer).
    pub fn open_with_secret(&self, login: &str, secret: &SecretKey) -> Option<DataKey> {
        let slot = self.slot_of(login);
        match self.slots.get(&slot)? {
            Slot::Pair(p) if p.public == secret.public() => p.key.open(secret, &self.aad_key(&slot)),
            _ => None,
        }
    }

    /// The second key of this file through a user's secret key (`None`: the slot holds none).
    pub fn open_second_with_secret(&self, login: &str, secret: &SecretKey) -> Option<DataKey> {
        let slot = self.slot_of(login);
        match self.slots.get(&slot)? {
            Slot::Pair(p) if p.public == secret.public() => p.second.as_ref()?.open(secret, &self.aad_second(&slot)),
            _ => None,
        }
    }

    fn open_slot(&self, slot: &str, password: &str) -> Option<Opened> {
        match self.slots.get(slot)? {
            Slot::Password(w) => Some(Opened { key: w.open(password, &self.aad(slot))?, secret: None, second: None }),
            Slot::Pair(p) => {
                let secret = p.secret.open_secret(password, &self.aad_secret(slot, &p.public))?;
                if secret.public() != p.public {
                    return None;
                }
                let key = p.key.open(&secret, &self.aad_key(slot))?;
                // A second key that does not open (altered) is as good as none.
                let second = p.second.as_ref().and_then(|s| s.open(&secret, &self.aad_second(slot)));
                Some(Opened { key, secret: Some(secret), second })
            }
        }
    }

    /// The data key, if `password` is this user's (`None`: no such user, or a wrong password —
    /// the caller cannot tell which, and neither can whoever is guessing).
    fn open_user(&self, login: &str, password: &str) -> Option<Opened> {
        self.open_slot(&self.slot_of(login), password)
    }

    /// Opens a user's slot, slowing down repeated wrong passwords: after three in a row each
    /// try must wait longer (kept in `huka.db.attempts`). Refuses at once while a wait runs —
    /// never sleeps, so a script never hangs.
    pub fn unlock_user(&self, db: &Path, login: &str, password: &str) -> Result<Opened> {
        let slot = self.slot_of(login);
        self.throttled(db, &slot, || self.open_user(login, password))
    }

    pub fn unlock_recovery(&self, db: &Path, code: &RecoveryCode) -> Result<Opened> {
        self.throttled(db, RECOVERY, || self.open_slot(RECOVERY, code.as_str()))
    }

    fn throttled(&self, db: &Path, slot: &str, open: impl FnOnce() -> Option<Opened>) -> Result<Opened> {
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
        file.seal_user("WangXiaozhang", &key, None, "principal-pass", LIGHT);
        file.seal_user("李老师", &key, None, "teacher-pass", LIGHT);
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
        file.seal_user("a", &key, None, "right-password", LIGHT);
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

    /// A format-1 key file as the versions before issue 22 wrote it.
    fn format_1(db: &str, users: &[(&str, &str)], key: &DataKey) -> KeyFile {
        let mut file = KeyFile::new(db);
        for (login, password) in users {
            let slot = file.slot_of(login);
            let w = Wrapped::seal(key, password, LIGHT, &file.aad(&slot));
            file.slots.insert(slot.clone(), Slot::Password(w));
            file.changed.insert(slot, Utc::now());
        }
        file
    }

    #[test]
    fn format_2_slots_round_trip_and_format_1_ones_upgrade_at_login() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("huka.db");
        let key = DataKey::generate();
        let file = format_1("db-1", &[("a", "password-a"), ("b", "password-b")], &key);
        file.save(&db).unwrap();
        let text = std::fs::read_to_string(path_of(&db)).unwrap();
        assert!(text.contains("\"format\": 1") && !text.contains("public"), "{text}");
        let mut file = KeyFile::load(&db).unwrap();
        assert_eq!(file.is_format_1("a"), Some(true));
        let opened = file.unlock_user(&db, "a", "password-a").unwrap();
        assert!(opened.secret.is_none());
        let secret = file.upgrade_user("a", &opened.key, None, "password-a", LIGHT).expect("upgraded");
        assert!(file.upgrade_user("a", &opened.key, None, "password-a", LIGHT).is_none(), "once");
        file.save(&db).unwrap();
        let text = std::fs::read_to_string(path_of(&db)).unwrap();
        assert!(text.contains("\"format\": 2") && text.contains("\"public\""), "{text}");
        let file = KeyFile::load(&db).unwrap();
        assert_eq!(file.is_format_1("a"), Some(false));
        let again = file.unlock_user(&db, "a", "password-a").unwrap();
        assert_eq!(again.key.sqlcipher_key(), key.sqlcipher_key());
        assert_eq!(again.secret.unwrap().public(), secret.public());
        assert!(matches!(file.unlock_user(&db, "a", "password-b"), Err(Error::WrongPassword)));
        assert!(file.unlock_user(&db, "b", "password-b").is_ok(), "format 1 still opens");
        assert!(file.open_with_secret("a", &secret).is_some());
    }

    #[test]
    fn a_rotation_seals_a_new_key_to_every_pair_without_passwords() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("huka.db");
        let old = DataKey::generate();
        let mut file = format_1("db-1", &[("legacy", "password-l")], &old);
        let old_second = DataKey::generate();
        file.seal_user("principal", &old, Some(&old_second), "password-p", LIGHT);
        file.seal_user("teacher", &old, None, "password-t", LIGHT);
        file.seal_user("gone", &old, Some(&old_second), "password-g", LIGHT);
        let code = RecoveryCode::generate();
        file.seal_recovery(&old, Some(&old_second), &code, LIGHT);
        // A laptop disables the teacher before the rotation on the office, which does not know.
        let mut laptop = file.clone();
        laptop.remove_user("teacher");
        let new = DataKey::generate();
        let new_second = DataKey::generate();
        let rotation = Rotation { at: Utc::now(), id: "r1".into() };
        let active = [("principal".to_string(), true), ("teacher".to_string(), false), ("legacy".to_string(), true), ("other".to_string(), false)];
        let (next, done) = file.rotated(&new, Some(&new_second), &active, rotation.clone());
        assert_eq!(done.accounts, ["principal", "teacher"]);
        assert_eq!(done.need_password, ["legacy", "other"]);
        assert!(!done.recovery_needs_code);
        for (login, password) in [("principal", "password-p"), ("teacher", "password-t")] {
            assert_eq!(next.unlock_user(&db, login, password).unwrap().key.sqlcipher_key(), new.sqlcipher_key());
        }
        assert!(matches!(next.unlock_user(&db, "gone", "password-g"), Err(Error::WrongPassword)), "not among the active");
        assert!(matches!(next.unlock_user(&db, "legacy", "password-l"), Err(Error::WrongPassword)), "format 1: removed");
        assert_eq!(next.unlock_recovery(&db, &code).unwrap().key.sqlcipher_key(), new.sqlcipher_key());
        // The new second key: the principal's slot and the recovery code's, nobody else's.
        let second_of = |file: &KeyFile, login: &str, password: &str| file.unlock_user(&db, login, password).unwrap().second.map(|k| k.sqlcipher_key());
        assert_eq!(second_of(&next, "principal", "password-p"), Some(new_second.sqlcipher_key()));
        assert_eq!(second_of(&next, "teacher", "password-t"), None);
        assert_eq!(next.unlock_recovery(&db, &code).unwrap().second.unwrap().sqlcipher_key(), new_second.sqlcipher_key());
        assert_eq!(second_of(&file, "principal", "password-p"), Some(old_second.sqlcipher_key()), "the old file: the old one");
        assert!(file.is_rotated_by(&next) && !next.is_rotated_by(&file));

        // The laptop, still on the old key, adds an account; plain merging refuses the newer file …
        laptop.seal_user("newcomer", &old, Some(&old_second), "password-n", LIGHT);
        let before = laptop.clone();
        laptop.merge(&next);
        assert_eq!(laptop, before, "a newer key is adopted, never merged");
        // … the logged-in account's secret key opens the new key, and adopting keeps what the
        // laptop changed later than the office (its removal; its new slot, sealed to the new key).
        let secret = file.unlock_user(&db, "principal", "password-p").unwrap().secret.unwrap();
        let key = next.open_with_secret("principal", &secret).expect("opens the new key");
        let second = next.open_second_with_secret("principal", &secret).expect("a holder opens the new second key");
        laptop.adopt(&next, &key, Some(&second));
        assert_eq!(laptop.rotation(), Some(&rotation));
        assert!(matches!(laptop.unlock_user(&db, "teacher", "password-t"), Err(Error::WrongPassword)), "stays disabled");
        assert_eq!(laptop.unlock_user(&db, "newcomer", "password-n").unwrap().key.sqlcipher_key(), new.sqlcipher_key());
        assert_eq!(second_of(&laptop, "newcomer", "password-n"), Some(new_second.sqlcipher_key()), "a holder made here: the new second key");
        assert!(matches!(laptop.unlock_user(&db, "gone", "password-g"), Err(Error::WrongPassword)));
        // And the office, merging the laptop's older file, takes its removals only.
        let mut office = next.clone();
        office.merge(&before);
        assert!(matches!(office.unlock_user(&db, "teacher", "password-t"), Err(Error::WrongPassword)));
        assert!(!office.has_user("newcomer"), "a slot of the old key is not taken");
    }

    #[test]
    fn the_second_key_is_in_holders_slots_only_and_handed_without_passwords() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("huka.db");
        let key = DataKey::generate();
        let second = DataKey::generate();
        let mut file = format_1("db-1", &[("officer", "password-o")], &key);
        assert!(!file.has_second());
        file.seal_user("principal", &key, Some(&second), "password-p", LIGHT);
        file.seal_user("teacher", &key, None, "password-t", LIGHT);
        file.save(&db).unwrap();
        let text = std::fs::read_to_string(path_of(&db)).unwrap();
        assert!(text.contains("\"format\": 3") && text.matches("\"second\"").count() == 1, "{text}");
        let file = KeyFile::load(&db).unwrap();
        assert!(file.has_second() && file.user_has_second("principal") && !file.user_has_second("teacher"));
        let p = file.unlock_user(&db, "principal", "password-p").unwrap();
        assert_eq!(p.second.as_ref().unwrap().sqlcipher_key(), second.sqlcipher_key());
        assert!(file.unlock_user(&db, "teacher", "password-t").unwrap().second.is_none());
        // A format-1 holder becomes a pair without it; a holder hands it over, no password asked.
        let mut file = file;
        let opened = file.unlock_user(&db, "officer", "password-o").unwrap();
        assert!(opened.second.is_none());
        file.upgrade_user("officer", &opened.key, None, "password-o", LIGHT).unwrap();
        assert!(!file.user_has_second("officer"));
        let before = file.changed.clone();
        assert!(file.hand_second("officer", p.second.as_ref().unwrap()));
        assert!(!file.hand_second("officer", p.second.as_ref().unwrap()), "once");
        assert_eq!(file.changed, before, "no slot's time moves");
        let o = file.unlock_user(&db, "officer", "password-o").unwrap();
        assert_eq!(o.second.unwrap().sqlcipher_key(), second.sqlcipher_key());
        assert_eq!(file.open_second_with_secret("officer", o.secret.as_ref().unwrap()).unwrap().sqlcipher_key(), second.sqlcipher_key());
        // Sealed to one slot, it does not open in another (a crafted file moving it).
        let mut moved = file.clone();
        let stolen = moved.slots[&moved.slot_of("principal")].clone();
        if let (Slot::Pair(from), Some(Slot::Pair(to))) = (stolen, moved.slots.get_mut(&file.slot_of("teacher"))) {
            to.second = from.second;
        }
        assert!(moved.unlock_user(&db, "teacher", "password-t").unwrap().second.is_none());
        assert!(moved.withhold_second("teacher") && !moved.user_has_second("teacher"));
        let bare = file.without_second();
        assert!(!bare.has_second() && bare.unlock_user(&db, "principal", "password-p").is_ok());
        // The principal changes their password where the second key is not at hand (same key
        // pair, a newer slot without it): merged back, the slot keeps the second key here.
        let mut elsewhere = file.without_second();
        std::thread::sleep(std::time::Duration::from_millis(5));
        elsewhere.seal_user_keeping("principal", &key, None, "password-p2", LIGHT, p.secret.as_ref());
        let mut here = file.clone();
        here.merge(&elsewhere);
        let p2 = here.unlock_user(&db, "principal", "password-p2").unwrap();
        assert_eq!(p2.second.expect("kept").sqlcipher_key(), second.sqlcipher_key());
        // A new key pair (a password reset by someone else) brings no second key of the old pair.
        let mut reset = file.without_second();
        std::thread::sleep(std::time::Duration::from_millis(5));
        reset.seal_user("principal", &key, None, "password-p3", LIGHT);
        let mut here = file.clone();
        here.merge(&reset);
        assert!(here.unlock_user(&db, "principal", "password-p3").unwrap().second.is_none());
    }

    #[test]
    fn the_recovery_code_opens_the_same_key() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("huka.db");
        let key = DataKey::generate();
        let code = RecoveryCode::generate();
        let mut file = KeyFile::new("db-1");
        file.seal_recovery(&key, None, &code, LIGHT);
        let typed = RecoveryCode::parse(&code.as_str().to_lowercase()).unwrap();
        assert!(file.unlock_recovery(&db, &typed).is_ok());
        assert!(file.unlock_recovery(&db, &typed).unwrap().secret.is_some(), "a key pair");
        assert!(matches!(file.unlock_recovery(&db, &RecoveryCode::generate()), Err(Error::WrongPassword)));
    }
}
