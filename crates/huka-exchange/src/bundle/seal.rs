//! The bundle sealed for the county bureau (format 2): the zip encrypted with age (X25519) to
//! the county's recipient, so that a lost USB stick shows nothing — `age -d -i identity`
//! (the standard tool) opens it, and so does the county installation. The signature covers
//! the sealed file: it is checked before anything is decrypted.

use std::io::{Read, Write};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Rejection;
use super::SealError;

/// How every age file begins.
const AGE_MAGIC: &[u8] = b"age-encryption.org/v1\n";

/// A county's public recipient, as a school registers it and the cover sheet prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CountyRecipient {
    /// `age1…`
    pub recipient: String,
    /// SHA-256 of the recipient, first 160 bits, in groups of four hex digits: read aloud or
    /// compared with the printed sheet.
    pub fingerprint: String,
    /// The county's name, as its file says (or as the school typed it).
    #[serde(default)]
    pub county: String,
}

impl CountyRecipient {
    pub fn new(recipient: &age::x25519::Recipient, county: &str) -> CountyRecipient {
        let text = recipient.to_string();
        CountyRecipient { fingerprint: fingerprint(&text), recipient: text, county: county.to_string() }
    }

    /// Reads a recipient file: its `age1…` line (comments and blank lines around it), and the
    /// county's name from a `# county: NAME` line when there is one.
    pub fn parse_file(text: &str) -> Option<CountyRecipient> {
        let mut found = None;
        let mut county = String::new();
        for line in text.lines().map(str::trim) {
            if let Some(name) = line.strip_prefix("# county:") {
                county = name.trim().to_string();
            } else if !line.is_empty() && !line.starts_with('#') {
                let r: age::x25519::Recipient = line.parse().ok()?;
                if found.replace(r).is_some() {
                    return None; // one recipient per file
                }
            }
        }
        found.map(|r| CountyRecipient::new(&r, &county))
    }

    /// The file a county gives its schools.
    pub fn file_text(&self) -> String {
        format!(
            "# Huka county recipient (age X25519): schools encrypt their county bundles to it.\n# county: {}\n# fingerprint: {}\n{}\n",
            self.county, self.fingerprint, self.recipient
        )
    }

    fn parsed(&self) -> age::x25519::Recipient {
        self.recipient.parse().expect("checked when registered")
    }
}

fn fingerprint(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let hex: String = digest.iter().take(10).map(|b| format!("{b:02X}")).collect();
    hex.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).to_string()).collect::<Vec<_>>().join(" ")
}

/// Whether `bytes` are an age file (a sealed bundle) rather than a plain zip.
pub fn is_sealed(bytes: &[u8]) -> bool {
    bytes.starts_with(AGE_MAGIC)
}

/// Encrypts the bundle's zip to the county.
pub(crate) fn seal(zip: &[u8], to: &CountyRecipient) -> std::io::Result<Vec<u8>> {
    let recipient = to.parsed();
    let encryptor = age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient)).map_err(std::io::Error::other)?;
    let mut out = Vec::with_capacity(zip.len() + 512);
    let mut writer = encryptor.wrap_output(&mut out)?;
    writer.write_all(zip)?;
    writer.finish()?;
    Ok(out)
}

/// Decrypts a sealed bundle with the county's identities, reading at most `limit` bytes of
/// plaintext (the zip is then read within the usual limits).
pub(crate) fn open(sealed: &[u8], identities: &[age::x25519::Identity], limit: u64) -> Result<Vec<u8>, Rejection> {
    if identities.is_empty() {
        return Err(Rejection::NoCountyKey);
    }
    let decryptor = age::Decryptor::new_buffered(sealed).map_err(|e| Rejection::Undecryptable { detail: e.to_string() })?;
    let mut reader = decryptor.decrypt(identities.iter().map(|i| i as &dyn age::Identity)).map_err(|e| match e {
        age::DecryptError::NoMatchingKeys => Rejection::NotForThisCounty,
        other => Rejection::Undecryptable { detail: other.to_string() },
    })?;
    let mut zip = Vec::new();
    (&mut reader).take(limit + 1).read_to_end(&mut zip).map_err(|e| Rejection::Undecryptable { detail: e.to_string() })?;
    if zip.len() as u64 > limit {
        return Err(Rejection::TooLarge { what: "decrypted bundle".into(), limit });
    }
    Ok(zip)
}

/// Reads an identity file (`AGE-SECRET-KEY-1…` lines, comments allowed), as `age -i` does.
pub fn read_identity_file(path: &std::path::Path) -> crate::error::Result<Vec<age::x25519::Identity>> {
    let text = zeroize::Zeroizing::new(std::fs::read_to_string(path)?);
    let ids: Vec<age::x25519::Identity> =
        text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).filter_map(|l| l.parse().ok()).collect();
    if ids.is_empty() {
        return Err(SealError::NoCountyKey.into());
    }
    Ok(ids)
}
