//! The school's signing key: an Ed25519 key pair in minisign's format, so that the county can
//! check a bundle with Huka or with the standard `minisign` tool.
//!
//! * The secret key is kept in the database only as minisign's secret key box, encrypted with
//!   the passphrase the principal chooses (minisign's own scrypt KDF, 32 MiB). It is never
//!   logged, shown or exported; [`SigningKey`] has no `Debug`.
//! * A box must be reopened with the passphrase before it can sign: the key that
//!   `KeyPair::generate_encrypted_keypair` returns is still the encrypted one.
//! * Rotation retires the current key — its public key is kept, its secret box emptied — so
//!   bundles signed before still verify, and a retired key can no longer sign.
//! * The key id is minisign's (8 random bytes, 16 hex digits): it says which key signed, but
//!   anyone can make a key with the same id. What the bureau registers against the school's
//!   stamp is the [fingerprint](PublicKeyFile::fingerprint): a hash of the whole public key.

use std::io::{Read, Seek};
use std::path::Path;

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Problem, Result};
use crate::record::Meta;
use crate::school::{self, School, SchoolError};
use crate::settings::{self, Mode};
use crate::store::{Store, Writer};

/// The school's signing key missing, doubled or not opened, or a public key file that is none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigningError {
    /// The school has no signing key yet.
    NoKey,
    /// The school already has a signing key.
    KeyExists,
    /// Wrong passphrase for the signing key.
    WrongPassphrase,
    /// Not a minisign public key file.
    BadPublicKey,
}

impl crate::error::DomainError for SigningError {
    fn code(&self) -> &'static str {
        match self {
            SigningError::NoKey => "no_signing_key",
            SigningError::KeyExists => "signing_key_exists",
            SigningError::WrongPassphrase => "wrong_passphrase",
            SigningError::BadPublicKey => "bad_public_key",
        }
    }
    fn message(&self, lang: crate::Lang) -> String {
        let (zh, en) = match self {
            SigningError::NoKey => (
                "本校还没有签名密钥，请先创建（校长设定口令）。",
                "The school has no signing key yet; create one first (the principal chooses its passphrase).",
            ),
            SigningError::KeyExists => ("本校已有签名密钥；如需更换，请使用“更换密钥”。", "The school already has a signing key; rotate it to replace it."),
            SigningError::WrongPassphrase => ("签名密钥的口令不对。", "Wrong passphrase for the signing key."),
            SigningError::BadPublicKey => ("该文件不是有效的公钥文件（.pub，minisign 格式）。", "The file is not a valid public key (.pub, minisign format)."),
        };
        lang.pick(zh.into(), en.into())
    }
}

/// Shortest passphrase accepted for a new key.
pub const MIN_PASSPHRASE_CHARS: usize = 8;
/// minisign's own limit.
const MAX_PASSPHRASE_BYTES: usize = 1024;

const COMMENT_PREFIX: &str = "untrusted comment: ";

/// A key of this school, current or retired. Carries no secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyInfo {
    #[serde(flatten)]
    pub meta: Meta,
    /// minisign key id, 16 upper-case hex digits.
    pub key_id: String,
    /// SHA-256 of the public key, first 160 bits, in groups of four hex digits.
    pub fingerprint: String,
    /// The public key line (base64) of the `.pub` file.
    pub public_key: String,
    pub current: bool,
    pub retired_at: Option<DateTime<Utc>>,
}

/// What the cover sheet prints, for the bureau to register the key against the school's stamp.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CoverSheet {
    pub school: School,
    pub key: KeyInfo,
    /// The `.pub` file's full text, to print as it is.
    pub public_key_file: String,
    /// Earlier keys, newest first: bundles they signed still verify once registered.
    pub retired: Vec<KeyInfo>,
}

/// A public key read from a `.pub` file (or from the database).
#[derive(Clone)]
pub struct PublicKeyFile {
    pub key_id: String,
    pub fingerprint: String,
    /// The base64 line.
    pub public_key: String,
    /// The school code the file's (untrusted) comment names, when it is a Huka key file.
    pub school_code: Option<String>,
    pub(crate) key: minisign::PublicKey,
}

impl std::fmt::Debug for PublicKeyFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKeyFile({})", self.key_id)
    }
}

impl PublicKeyFile {
    /// Reads a minisign public key: the two-line `.pub` file (comment, base64 line), or the
    /// base64 line alone. Tolerates a byte-order mark and Windows line ends.
    pub fn parse(text: &str) -> Result<PublicKeyFile> {
        let text = text.trim_start_matches('\u{feff}');
        let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        let (comment, line) = match lines.as_slice() {
            [comment, line] if comment.starts_with(COMMENT_PREFIX) => (Some(*comment), *line),
            [line] => (None, *line),
            _ => return Err(Error::from(SigningError::BadPublicKey)),
        };
        let key = minisign::PublicKey::from_base64(line).map_err(|_| SigningError::BadPublicKey)?;
        if !key.to_bytes().starts_with(b"Ed") {
            return Err(SigningError::BadPublicKey.into());
        }
        let school_code = comment.and_then(|c| {
            let mut words = c[COMMENT_PREFIX.len()..].split_whitespace();
            words.find(|w| *w == "school").and_then(|_| words.next()).map(str::to_string)
        });
        Ok(PublicKeyFile {
            key_id: key_id(key.keynum()),
            fingerprint: fingerprint(&key),
            public_key: line.to_string(),
            school_code: school_code.filter(|c| !c.is_empty() && c.len() <= 20 && c.chars().all(|ch| ch.is_ascii_alphanumeric())),
            key,
        })
    }

    pub fn read(path: &Path) -> Result<PublicKeyFile> {
        let bytes = std::fs::read(path)?;
        if bytes.len() > 4096 {
            return Err(SigningError::BadPublicKey.into());
        }
        PublicKeyFile::parse(std::str::from_utf8(&bytes).map_err(|_| SigningError::BadPublicKey)?)
    }

    /// The `.pub` file text: minisign's two lines, the comment naming the school.
    pub fn file_text(&self, school_code: &str) -> String {
        pub_file_text(&self.key_id, school_code, &self.public_key)
    }
}

fn pub_file_text(key_id: &str, school_code: &str, line: &str) -> String {
    format!("{COMMENT_PREFIX}minisign public key {key_id} huka school {school_code}\n{line}\n")
}

/// 16 upper-case hex digits, as the `minisign` tool prints a key id.
pub(crate) fn key_id(keynum: &[u8]) -> String {
    let mut n = [0u8; 8];
    n.copy_from_slice(&keynum[..8]);
    format!("{:016X}", u64::from_le_bytes(n))
}

/// The first 160 bits of SHA-256 over the public key (algorithm, key id and key), in ten groups
/// of four hex digits: short enough to compare by eye on paper, long enough that nobody can
/// make another key with the same fingerprint.
fn fingerprint(key: &minisign::PublicKey) -> String {
    let digest = Sha256::digest(key.to_bytes());
    let hex: String = digest[..20].iter().map(|b| format!("{b:02X}")).collect();
    hex.as_bytes().chunks(4).map(|c| std::str::from_utf8(c).expect("hex")).collect::<Vec<_>>().join(" ")
}

fn check_passphrase(passphrase: &str) -> Result<()> {
    let mut c = crate::labels::checks();
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        c.add("passphrase", Problem::PassphraseTooShort { min: MIN_PASSPHRASE_CHARS });
    } else if passphrase.len() > MAX_PASSPHRASE_BYTES {
        c.add("passphrase", Problem::TooLong { max: MAX_PASSPHRASE_BYTES });
    }
    c.finish()
}

const COLUMNS: &str = "k.id, k.created_at, k.updated_at, k.device_id, k.key_id, k.public_key, k.retired_at";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<KeyInfo> {
    let line: String = r.get(5)?;
    let retired_at: Option<String> = r.get(6)?;
    let retired_at = retired_at.and_then(|t| DateTime::parse_from_rfc3339(&t).ok()).map(|t| t.with_timezone(&Utc));
    let fingerprint = minisign::PublicKey::from_base64(&line).map(|k| fingerprint(&k)).unwrap_or_default();
    Ok(KeyInfo { meta: Meta::from_row(r, 0)?, key_id: r.get(4)?, fingerprint, public_key: line, current: retired_at.is_none(), retired_at })
}

/// Every key of the school: the current one first, then the retired ones, newest first.
pub fn keys(store: &Store) -> Result<Vec<KeyInfo>> {
    let mut stmt = store.conn().prepare_cached(&format!(
        "SELECT {COLUMNS} FROM signing_key k WHERE k.deleted_at IS NULL ORDER BY k.retired_at IS NOT NULL, k.retired_at DESC, k.created_at DESC"
    ))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The key that signs, or `None` before one is created.
pub fn current(store: &Store) -> Result<Option<KeyInfo>> {
    Ok(store
        .conn()
        .query_row(&format!("SELECT {COLUMNS} FROM signing_key k WHERE k.deleted_at IS NULL AND k.retired_at IS NULL"), [], from_row)
        .optional()?)
}

/// A freshly generated key pair, its secret already sealed with the passphrase.
struct Generated {
    key_id: String,
    public_key: String,
    secret_box: String,
}

fn generate(passphrase: &str, school_code: &str) -> Result<Generated> {
    let minisign::KeyPair { pk, sk } =
        minisign::KeyPair::generate_encrypted_keypair(Some(passphrase.to_string())).map_err(crypto_error)?;
    let secret_box = sk.to_box(Some(&format!("huka school {school_code} secret key"))).map_err(crypto_error)?.into_string();
    Ok(Generated { key_id: key_id(pk.keynum()), public_key: pk.to_base64(), secret_box })
}

fn insert(w: &Writer<'_>, g: &Generated) -> Result<()> {
    let m = w.new_meta();
    w.tx().execute(
        "INSERT INTO signing_key (id, key_id, public_key, secret_box, created_at, updated_at, device_id) VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)",
        params![m.id, g.key_id, g.public_key, g.secret_box, w.now(), w.device_id()],
    )?;
    Ok(())
}

fn school_for_key(store: &Store) -> Result<School> {
    settings::require_mode(store, Mode::School)?;
    school::get(store)?.ok_or_else(|| Error::from(SchoolError::NotSetUp))
}

/// Creates the school's first key, sealed with `passphrase`. Refused when one exists.
pub fn create(store: &mut Store, passphrase: &str) -> Result<KeyInfo> {
    let pass = crate::access::ask(store, crate::access::Action::SignAndExport)?;
    let school = school_for_key(store)?;
    check_passphrase(passphrase)?;
    if current(store)?.is_some() {
        return Err(SigningError::KeyExists.into());
    }
    // The key derivation takes a moment: done before the transaction, not inside it.
    let g = generate(passphrase, &school.code)?;
    pass.write(store, |w| insert(w, &g))?;
    current(store)?.ok_or_else(|| Error::from(SigningError::NoKey))
}

/// Replaces the current key by a new one sealed with `passphrase`. The old passphrase is not
/// asked: a forgotten passphrase is the usual reason to rotate, and a new key signs nothing
/// the county accepts until it is registered there against the school's stamp.
pub fn rotate(store: &mut Store, passphrase: &str) -> Result<KeyInfo> {
    let pass = crate::access::ask(store, crate::access::Action::SignAndExport)?;
    let school = school_for_key(store)?;
    check_passphrase(passphrase)?;
    let old = current(store)?.ok_or(SigningError::NoKey)?;
    let g = generate(passphrase, &school.code)?;
    pass.write(store, |w| {
        // The retired key keeps its public half and loses its secret one.
        w.tx().execute(
            "UPDATE signing_key SET retired_at = ?1, secret_box = '', updated_at = ?1, device_id = ?2 WHERE id = ?3",
            params![w.now(), w.device_id(), old.meta.id],
        )?;
        insert(w, &g)
    })?;
    current(store)?.ok_or_else(|| Error::from(SigningError::NoKey))
}

/// The current key's `.pub` file text.
pub fn public_key_file(store: &Store) -> Result<String> {
    let school = school_for_key(store)?;
    let key = current(store)?.ok_or(SigningError::NoKey)?;
    Ok(pub_file_text(&key.key_id, &school.code, &key.public_key))
}

/// Writes the current key's `.pub` file to `path` (a place the user chose).
pub fn write_public_key(store: &Store, path: &Path) -> Result<KeyInfo> {
    let text = public_key_file(store)?;
    crate::file::write(path, text.as_bytes())?;
    current(store)?.ok_or_else(|| Error::from(SigningError::NoKey))
}

pub fn cover_sheet(store: &Store) -> Result<CoverSheet> {
    let school = school_for_key(store)?;
    let mut all = keys(store)?;
    if all.first().is_none_or(|k| !k.current) {
        return Err(SigningError::NoKey.into());
    }
    let key = all.remove(0);
    let public_key_file = pub_file_text(&key.key_id, &school.code, &key.public_key);
    Ok(CoverSheet { school, key, public_key_file, retired: all })
}

/// Every key of the school (retired ones too) as public keys to verify with.
pub fn public_keys(store: &Store) -> Result<Vec<PublicKeyFile>> {
    keys(store)?.iter().map(|k| PublicKeyFile::parse(&k.public_key)).collect()
}

/// The current key, opened with the passphrase: it can sign. Deliberately without `Debug`.
pub struct SigningKey {
    pub key_id: String,
    pk: minisign::PublicKey,
    sk: minisign::SecretKey,
}

/// Opens the current key with `passphrase`.
pub fn unlock(store: &Store, passphrase: &str) -> Result<SigningKey> {
    settings::require_mode(store, Mode::School)?;
    let (key_id, line, secret_box): (String, String, String) = store
        .conn()
        .query_row(
            "SELECT key_id, public_key, secret_box FROM signing_key WHERE deleted_at IS NULL AND retired_at IS NULL",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?
        .ok_or(SigningError::NoKey)?;
    let pk = minisign::PublicKey::from_base64(&line).map_err(crypto_error)?;
    let sk = minisign::SecretKey::from_box(minisign::SecretKeyBox::from_string(&secret_box).map_err(crypto_error)?, Some(passphrase.to_string()))
        .map_err(|e| match e.kind() {
            // minisign reports a passphrase that does not open the box as a failed check.
            minisign::ErrorKind::Verify => Error::from(SigningError::WrongPassphrase),
            _ => crypto_error(e),
        })?;
    Ok(SigningKey { key_id, pk, sk })
}

impl SigningKey {
    /// Signs `data` (read to its end) and returns the `.minisig` file text.
    pub fn sign(&self, data: impl Read, trusted_comment: &str, untrusted_comment: &str) -> Result<String> {
        debug_assert!(!trusted_comment.contains('\n') && !untrusted_comment.contains('\n'));
        let sig = minisign::sign(Some(&self.pk), &self.sk, data, Some(trusted_comment), Some(untrusted_comment)).map_err(crypto_error)?;
        Ok(sig.into_string())
    }
}

/// Why a signature was not accepted.
#[derive(Debug, Clone, PartialEq)]
pub enum SignatureProblem {
    /// Not a `.minisig` file, or damaged.
    Malformed,
    /// Signed by another key than any given.
    OtherKey { key_id: String },
    /// The file or the trusted comment was changed after signing.
    Invalid,
}

/// A `.minisig` file that has been checked for shape (not yet for validity).
pub struct Signature {
    sig: minisign::SignatureBox,
    pub key_id: String,
}

impl Signature {
    /// Parses a `.minisig` file. The shape is checked here, before minisign sees it, so that
    /// a damaged file is refused rather than trusted to the library's parser.
    pub fn parse(text: &str) -> std::result::Result<Signature, SignatureProblem> {
        let lines: Vec<&str> = text.lines().collect();
        let lines: &[&str] = match lines.as_slice() {
            [l @ .., ""] => l,
            l => l,
        };
        let [untrusted, sig, trusted, global] = lines else { return Err(SignatureProblem::Malformed) };
        let base64 = |s: &str, len: usize, pad: &str| {
            s.len() == len && s.ends_with(pad) && s.trim_end_matches('=').bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
        };
        // 74 bytes (algorithm, key id, signature) and 64 bytes (the global signature).
        if !untrusted.starts_with(COMMENT_PREFIX)
            || !trusted.starts_with("trusted comment: ")
            || !base64(sig.trim(), 100, "=")
            || !base64(global.trim(), 88, "==")
        {
            return Err(SignatureProblem::Malformed);
        }
        let sig = minisign::SignatureBox::from_string(text).map_err(|_| SignatureProblem::Malformed)?;
        if !sig.is_prehashed() {
            // Legacy (non-prehashed) signatures are refused, as `minisign -V` does by default.
            return Err(SignatureProblem::Malformed);
        }
        let key_id = key_id(sig.keynum());
        Ok(Signature { sig, key_id })
    }

    pub fn trusted_comment(&self) -> String {
        self.sig.trusted_comment().unwrap_or_default()
    }

    /// Checks the signature of `data` and of the trusted comment with `key`.
    pub fn verify(&self, key: &PublicKeyFile, data: impl Read + Seek) -> std::result::Result<(), SignatureProblem> {
        if key.key_id != self.key_id {
            return Err(SignatureProblem::OtherKey { key_id: self.key_id.clone() });
        }
        minisign::verify(&key.key, &self.sig, data, true, false, false).map_err(|_| SignatureProblem::Invalid)
    }
}

fn crypto_error(e: minisign::PError) -> Error {
    // minisign's messages name no secret; they are rare (a damaged box, no randomness).
    Error::Io(std::io::Error::other(format!("signing key: {e}")))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::school::SchoolInput;

    pub const PASSPHRASE: &str = "涧池镇 2026 秋";

    pub fn school_store(code: &str) -> Store {
        let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
        school::setup(&mut store, &SchoolInput { code: code.into(), name: format!("{code} 学校"), town: "涧池镇".into(), district: "第三督学责任区".into() })
            .unwrap();
        store
    }

    #[test]
    fn a_key_is_created_once_opened_with_its_passphrase_and_signs() {
        let mut store = school_store("2161092101");
        assert!(matches!(unlock(&store, PASSPHRASE), Err(e) if e.domain() == Some(&SigningError::NoKey)));
        let bad = create(&mut store, "short").unwrap_err();
        assert_eq!(bad.report().fields[0].code, "passphrase_too_short");
        let key = create(&mut store, PASSPHRASE).unwrap();
        assert_eq!(key.key_id.len(), 16);
        assert!(key.current);
        assert_eq!(key.fingerprint.split(' ').count(), 10);
        assert!(matches!(create(&mut store, PASSPHRASE), Err(e) if e.domain() == Some(&SigningError::KeyExists)));

        assert!(matches!(unlock(&store, "not the passphrase"), Err(e) if e.domain() == Some(&SigningError::WrongPassphrase)));
        let signer = unlock(&store, PASSPHRASE).unwrap();
        let text = signer.sign(&b"hello"[..], "school:2161092101", "huka").unwrap();
        let sig = Signature::parse(&text).unwrap();
        assert_eq!(sig.key_id, key.key_id);
        assert_eq!(sig.trusted_comment(), "school:2161092101");
        let pubkey = PublicKeyFile::parse(&public_key_file(&store).unwrap()).unwrap();
        assert_eq!(pubkey.school_code.as_deref(), Some("2161092101"));
        assert_eq!(pubkey.fingerprint, key.fingerprint);
        sig.verify(&pubkey, std::io::Cursor::new(b"hello")).unwrap();
        assert_eq!(sig.verify(&pubkey, std::io::Cursor::new(b"hellO")), Err(SignatureProblem::Invalid));

        // The trusted comment is signed too.
        let forged = text.replace("trusted comment: school:2161092101", "trusted comment: school:2161092102");
        assert_eq!(Signature::parse(&forged).unwrap().verify(&pubkey, std::io::Cursor::new(b"hello")), Err(SignatureProblem::Invalid));
    }

    #[test]
    fn the_secret_never_leaves_the_box() {
        let mut store = school_store("1");
        create(&mut store, PASSPHRASE).unwrap();
        let secret: String = store.conn().query_row("SELECT secret_box FROM signing_key", [], |r| r.get(0)).unwrap();
        assert!(secret.starts_with("untrusted comment: huka school 1 secret key\n"));
        let shown = serde_json::to_string(&cover_sheet(&store).unwrap()).unwrap();
        assert!(!shown.contains(secret.lines().nth(1).unwrap()));
        assert!(!public_key_file(&store).unwrap().contains(secret.lines().nth(1).unwrap()));
    }

    #[test]
    fn rotation_keeps_old_public_keys_and_retires_their_secrets() {
        let mut store = school_store("1");
        assert!(matches!(rotate(&mut store, PASSPHRASE), Err(e) if e.domain() == Some(&SigningError::NoKey)));
        let first = create(&mut store, PASSPHRASE).unwrap();
        let second = rotate(&mut store, "a new passphrase").unwrap();
        assert_ne!(first.key_id, second.key_id);
        let all = keys(&store).unwrap();
        assert_eq!(all.iter().map(|k| (k.key_id.as_str(), k.current)).collect::<Vec<_>>(), [(second.key_id.as_str(), true), (first.key_id.as_str(), false)]);
        assert!(all[1].retired_at.is_some());
        let boxes: i64 = store.conn().query_row("SELECT count(*) FROM signing_key WHERE secret_box <> ''", [], |r| r.get(0)).unwrap();
        assert_eq!(boxes, 1, "only the current key can sign");
        assert!(matches!(unlock(&store, PASSPHRASE), Err(e) if e.domain() == Some(&SigningError::WrongPassphrase)));
        unlock(&store, "a new passphrase").unwrap();
        let sheet = cover_sheet(&store).unwrap();
        assert_eq!(sheet.key.key_id, second.key_id);
        assert_eq!(sheet.retired.len(), 1);
        assert_eq!(public_keys(&store).unwrap().len(), 2);
    }

    #[test]
    fn public_key_files_are_read_as_minisign_writes_them() {
        let mut store = school_store("2161092101");
        create(&mut store, PASSPHRASE).unwrap();
        let text = public_key_file(&store).unwrap();
        let crlf = format!("\u{feff}{}", text.replace('\n', "\r\n"));
        assert_eq!(PublicKeyFile::parse(&crlf).unwrap().key_id, PublicKeyFile::parse(&text).unwrap().key_id);
        let bare = PublicKeyFile::parse(text.lines().nth(1).unwrap()).unwrap();
        assert_eq!(bare.school_code, None);
        for junk in ["", "untrusted comment: x\n", "untrusted comment: x\nRWQnotbase64\n", "hello\nworld\nagain"] {
            assert!(matches!(PublicKeyFile::parse(junk), Err(e) if e.domain() == Some(&SigningError::BadPublicKey)), "{junk:?}");
        }
    }

    #[test]
    fn damaged_signatures_are_refused_not_trusted() {
        let mut store = school_store("1");
        create(&mut store, PASSPHRASE).unwrap();
        let text = unlock(&store, PASSPHRASE).unwrap().sign(&b"x"[..], "t", "u").unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let short_global = format!("{}\n{}\n{}\n{}\n", lines[0], lines[1], lines[2], &lines[3][..40]);
        assert!(matches!(Signature::parse(&short_global), Err(SignatureProblem::Malformed)));
        assert!(matches!(Signature::parse(""), Err(SignatureProblem::Malformed)));
        assert!(matches!(Signature::parse(&text.replace("trusted comment", "trusted  comment")), Err(SignatureProblem::Malformed)));
    }

    #[test]
    fn a_county_installation_has_no_school_key() {
        let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
        settings::set_mode(&mut store, Mode::County).unwrap();
        assert!(create(&mut store, PASSPHRASE).unwrap_err().domain::<crate::settings::WrongMode>().is_some());
    }
}

