//! The county bureau's encryption key pair (age X25519): schools seal their bundles to its
//! public recipient, which the county hands out as a small file and prints with its
//! fingerprint; the secret identity stays in the county's encrypted database (and, for the
//! standard `age` tool, in a file the reviewer exports knowingly). Earlier identities are
//! kept after a new key is made, so bundles sealed to them still open.

use std::path::Path;

use age::secrecy::ExposeSecret;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::access::{self, Action};
use crate::bundle::seal::CountyRecipient;
use crate::error::Result;
use crate::settings;
use crate::store::Store;
use crate::bundle::SealError;

/// One key pair as kept: the identity (secret) and when it was made. Never serialized to a
/// caller; `Debug` shows no secret.
#[derive(Clone, Serialize, Deserialize)]
struct Kept {
    identity: String,
    created_at: DateTime<Utc>,
}

impl std::fmt::Debug for Kept {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kept").field("created_at", &self.created_at).finish_non_exhaustive()
    }
}

const KEY: &str = "county.identities";

fn kept(store: &Store) -> Result<Vec<Kept>> {
    Ok(settings::value(store, KEY)?.and_then(|j| serde_json::from_str(&j).ok()).unwrap_or_default())
}

fn recipient_of(k: &Kept, county: &str) -> Option<CountyRecipient> {
    let identity: age::x25519::Identity = k.identity.parse().ok()?;
    Some(CountyRecipient::new(&identity.to_public(), county))
}

/// Makes the county's key pair (a new one when there is one: the old stays, to open the
/// bundles sealed to it). Returns the public recipient to give the schools.
pub fn create(store: &mut Store) -> Result<CountyRecipient> {
    let pass = access::ask(store, Action::County)?;
    let identity = age::x25519::Identity::generate();
    let secret = Zeroizing::new(identity.to_string().expose_secret().to_string());
    let mut all = kept(store)?;
    all.push(Kept { identity: secret.to_string(), created_at: Utc::now() });
    let json = Zeroizing::new(serde_json::to_string(&all).expect("plain data"));
    let county = settings::county_name(store)?;
    let recipient = CountyRecipient::new(&identity.to_public(), &county);
    pass.write(store, |w| {
        settings::set_value(w, KEY, &json)?;
        let details = [("recipient".to_string(), [serde_json::Value::Null, serde_json::Value::String(recipient.fingerprint.clone())])].into();
        crate::audit::event(w, "create_county_key", "county", &recipient.fingerprint, details)
    })?;
    Ok(recipient)
}

/// The current recipient (the newest key), if the county has made one.
pub fn current(store: &Store) -> Result<Option<CountyRecipient>> {
    super::require(store)?;
    let county = settings::county_name(store)?;
    Ok(kept(store)?.last().and_then(|k| recipient_of(k, &county)))
}

/// Every identity the county holds, newest first: what opens sealed bundles.
pub(crate) fn identities(store: &Store) -> Result<Vec<age::x25519::Identity>> {
    Ok(kept(store)?.iter().rev().filter_map(|k| k.identity.parse().ok()).collect())
}

/// Writes the recipient file for the schools.
pub fn write_recipient_file(store: &Store, path: &Path) -> Result<CountyRecipient> {
    access::require(store, Action::County)?;
    let r = current(store)?.ok_or(SealError::NoCountyKey)?;
    crate::file::write(path, r.file_text().as_bytes())?;
    Ok(r)
}

/// Writes the current identity in age's own format, for `age -d -i FILE`: a secret that opens
/// every bundle sealed to the county — the caller warns whoever asked. Readable by its owner
/// only (on Unix).
pub fn write_identity_file(store: &Store, path: &Path) -> Result<CountyRecipient> {
    access::require(store, Action::County)?;
    let all = kept(store)?;
    let last = all.last().ok_or(SealError::NoCountyKey)?;
    let county = settings::county_name(store)?;
    let r = recipient_of(last, &county).ok_or(SealError::NoCountyKey)?;
    let text = Zeroizing::new(format!(
        "# Huka county identity (age X25519) — SECRET: it opens every bundle sealed to this county.\n# created: {}\n# public key: {}\n{}\n",
        last.created_at.to_rfc3339(),
        r.recipient,
        last.identity
    ));
    // Made readable by its owner only (on Unix) from its first byte: see `crate::file`.
    crate::file::write(path, text.as_bytes())?;
    Ok(r)
}

/// Tests: the county holds `identity` (the one the test schools seal to).
#[cfg(test)]
pub(crate) fn keep_for_tests(store: &mut Store, identity: &age::x25519::Identity) {
    let all = vec![Kept { identity: identity.to_string().expose_secret().to_string(), created_at: Utc::now() }];
    let json = serde_json::to_string(&all).unwrap();
    access::write(store, Action::County, |w| settings::set_value(w, KEY, &json)).unwrap();
}
