//! Secrets: the random data key that encrypts the database, and its wrapped copies — one per
//! user password and one for the recovery code. Argon2id stretches the secret into a key that
//! seals with XChaCha20-Poly1305; in format 2 (`keyfile`) what it seals is the slot's own
//! X25519 secret key ([`SecretKey`]), and the data key is [`Sealed`] to that pair's public
//! half — so whoever holds the data key can seal a new one to every slot without any
//! password (rotation). Adding a user or changing a password wraps again; only a rotation
//! re-encrypts the database.
//!
//! No type here has a `Debug` that shows key bytes, and every secret is zeroed when dropped.

use std::fmt::Write as _;

use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

/// The 256-bit key SQLCipher encrypts the database with. Lives only in memory while the
/// database is unlocked.
pub struct DataKey(Zeroizing<[u8; 32]>);

impl DataKey {
    pub fn generate() -> DataKey {
        let mut k = Zeroizing::new([0u8; 32]);
        rand::rng().fill_bytes(&mut *k);
        DataKey(k)
    }

    /// The value of SQLCipher's `PRAGMA key` for a raw key (no key derivation at open).
    pub fn sqlcipher_key(&self) -> Zeroizing<String> {
        let mut s = Zeroizing::new(String::with_capacity(67));
        s.push_str("x'");
        // Straight into the zeroized string: no temporary holds a byte of the key.
        for b in self.0.iter() {
            write!(s, "{b:02x}").expect("writing to a String");
        }
        s.push('\'');
        s
    }

    fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The fixed second key of a store that is not encrypted (`Store::open_in_memory`,
    /// `Store::open_unencrypted`: tests, benchmarks, reading a plain database to convert it):
    /// fields sealed there open again after a reopen. An unencrypted store protects nothing,
    /// so a key everyone can read costs nothing there; an encrypted database never uses it.
    pub fn unprotected() -> DataKey {
        let mut k = Zeroizing::new([0u8; 32]);
        k.copy_from_slice(b"huka: an unencrypted store (0x0)");
        DataKey(k)
    }

    /// Tests open many copies of one school without a key derivation each.
    #[doc(hidden)]
    pub fn copy_for_tests(&self) -> DataKey {
        DataKey(self.0.clone())
    }

    /// A key for another purpose, derived from this one (SHA-256 of a label and the key): the
    /// same on every computer of a school, known to no one else.
    pub fn derive(&self, label: &str) -> Zeroizing<[u8; 32]> {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(label.as_bytes());
        h.update([0]);
        h.update(&self.0[..]);
        let mut out = Zeroizing::new([0u8; 32]);
        out.copy_from_slice(&h.finalize());
        out
    }
}

/// What a sealed field value starts with (its format's version).
const FIELD_PREFIX: &str = "f1.";

impl DataKey {
    /// A field's value sealed under this key (the second key): XChaCha20-Poly1305 under a key
    /// derived for the purpose, a random nonce, and `place` — the table, record and column the
    /// value belongs to (`member/<id>/resident_id`) — as associated data, so a sealed value
    /// copied to another record or column does not open there. `f1.` and base64.
    pub fn seal_field(&self, place: &str, value: &str) -> String {
        let key = self.derive("huka-field-seal-v1");
        let cipher = XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&key[..]));
        let mut nonce = [0u8; 24];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: value.as_bytes(), aad: place.as_bytes() })
            .expect("sealing a field cannot fail");
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        format!("{FIELD_PREFIX}{}", B64.encode(bytes))
    }

    /// A sealed field's value, or `None`: not sealed under this key, for another place, or
    /// altered.
    pub fn open_field(&self, place: &str, sealed: &str) -> Option<Zeroizing<String>> {
        let bytes = B64.decode(sealed.strip_prefix(FIELD_PREFIX)?).ok()?;
        if bytes.len() < 24 + 16 {
            return None;
        }
        let key = self.derive("huka-field-seal-v1");
        let cipher = XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&key[..]));
        let plain = cipher.decrypt(XNonce::from_slice(&bytes[..24]), Payload { msg: &bytes[24..], aad: place.as_bytes() }).ok()?;
        String::from_utf8(plain).ok().map(Zeroizing::new)
    }

    /// A keyed digest of a field's value (HMAC-SHA-256 under a key derived for `label`, hex):
    /// equal values give equal digests — for uniqueness and matching — and without the key
    /// nobody can test a guess against one.
    pub fn digest_field(&self, label: &str, value: &str) -> String {
        let key = self.derive(&format!("huka-field-digest-v1:{label}"));
        crate::text::hex(&hmac_sha256(&key[..], value.as_bytes()))
    }
}

/// HMAC-SHA-256 (RFC 2104) over `sha2`: a key longer than the block is hashed first.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut block = Zeroizing::new([0u8; 64]);
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| -> Zeroizing<[u8; 64]> {
        let mut p = Zeroizing::new([0u8; 64]);
        for (o, k) in p.iter_mut().zip(block.iter()) {
            *o = k ^ byte;
        }
        p
    };
    let inner = Sha256::new().chain_update(&pad(0x36)[..]).chain_update(message).finalize();
    let outer = Sha256::new().chain_update(&pad(0x5c)[..]).chain_update(inner).finalize();
    let mut out = [0u8; 32];
    out.copy_from_slice(&outer);
    out
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(…)")
    }
}

/// Argon2id's costs. Kept with each wrapped key, so they can be raised later without locking
/// anyone out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kdf {
    /// Memory in KiB.
    pub m: u32,
    /// Passes.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl Kdf {
    /// For a two-core laptop of 2015: 64 MiB and three passes (about half a second there;
    /// the closing note of issue 10 has the figures measured here).
    pub const DEFAULT: Kdf = Kdf { m: 64 * 1024, t: 3, p: 1 };

    fn stretch(self, secret: &[u8], salt: &[u8]) -> Zeroizing<[u8; 32]> {
        let params = Params::new(self.m, self.t, self.p, Some(32)).expect("valid Argon2 costs");
        let mut out = Zeroizing::new([0u8; 32]);
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(secret, salt, &mut *out)
            .expect("salt and output lengths are valid");
        out
    }
}

/// The data key sealed under a secret: what the key file keeps per user and for the recovery
/// code. `aad` binds it to one database and one slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wrapped {
    pub kdf: Kdf,
    pub salt: String,
    pub nonce: String,
    pub sealed: String,
}

impl Wrapped {
    pub fn seal(key: &DataKey, secret: &str, kdf: Kdf, aad: &str) -> Wrapped {
        Wrapped::seal_bytes(key.bytes(), secret, kdf, aad)
    }

    /// The data key, or `None` when `secret` is not the one it was sealed with (or the file
    /// was altered).
    pub fn open(&self, secret: &str, aad: &str) -> Option<DataKey> {
        self.open_bytes(secret, aad).map(DataKey)
    }

    /// A slot's X25519 secret key wrapped under a password (format 2).
    pub fn seal_secret(key: &SecretKey, secret: &str, kdf: Kdf, aad: &str) -> Wrapped {
        Wrapped::seal_bytes(&key.0, secret, kdf, aad)
    }

    pub fn open_secret(&self, secret: &str, aad: &str) -> Option<SecretKey> {
        self.open_bytes(secret, aad).map(SecretKey)
    }

    fn seal_bytes(bytes: &[u8; 32], secret: &str, kdf: Kdf, aad: &str) -> Wrapped {
        let mut salt = [0u8; 16];
        let mut nonce = [0u8; 24];
        rand::rng().fill_bytes(&mut salt);
        rand::rng().fill_bytes(&mut nonce);
        let kek = kdf.stretch(secret.as_bytes(), &salt);
        let cipher = XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&kek[..]));
        let sealed = cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: bytes, aad: aad.as_bytes() })
            .expect("sealing 32 bytes cannot fail");
        Wrapped { kdf, salt: B64.encode(salt), nonce: B64.encode(nonce), sealed: B64.encode(sealed) }
    }

    fn open_bytes(&self, secret: &str, aad: &str) -> Option<Zeroizing<[u8; 32]>> {
        let salt = B64.decode(&self.salt).ok()?;
        let nonce = B64.decode(&self.nonce).ok()?;
        let sealed = B64.decode(&self.sealed).ok()?;
        if nonce.len() != 24 || salt.len() < 8 {
            return None;
        }
        let kek = self.kdf.stretch(secret.as_bytes(), &salt);
        let cipher = XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&kek[..]));
        let plain = cipher.decrypt(XNonce::from_slice(&nonce), Payload { msg: &sealed, aad: aad.as_bytes() }).ok()?;
        thirty_two(plain)
    }
}

fn thirty_two(mut plain: Vec<u8>) -> Option<Zeroizing<[u8; 32]>> {
    let out = (plain.len() == 32).then(|| {
        let mut k = Zeroizing::new([0u8; 32]);
        k.copy_from_slice(&plain);
        k
    });
    plain.zeroize();
    out
}

/// A key slot's X25519 secret key: on disk only wrapped under its password (or the recovery
/// code), in memory while its account is logged in.
pub struct SecretKey(Zeroizing<[u8; 32]>);

impl SecretKey {
    pub fn generate() -> SecretKey {
        let mut k = Zeroizing::new([0u8; 32]);
        rand::rng().fill_bytes(&mut *k);
        SecretKey(k)
    }

    pub fn public(&self) -> PublicKey {
        let secret = x25519_dalek::StaticSecret::from(*self.0);
        PublicKey(B64.encode(x25519_dalek::PublicKey::from(&secret).as_bytes()))
    }

    #[doc(hidden)]
    pub fn copy_for_tests(&self) -> SecretKey {
        SecretKey(self.0.clone())
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(…)")
    }
}

/// A slot's X25519 public key, base64: in the clear in the key file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PublicKey(String);

impl PublicKey {
    fn point(&self) -> Option<x25519_dalek::PublicKey> {
        let bytes: [u8; 32] = B64.decode(&self.0).ok()?.try_into().ok()?;
        Some(x25519_dalek::PublicKey::from(bytes))
    }
}

/// A key sealed to a public key (ephemeral X25519, SHA-256 of both halves and the shared
/// secret, XChaCha20-Poly1305; `aad` binds it to one database and one slot): whoever holds
/// the key can seal it to a slot, only the slot's secret key opens it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    pub ephemeral: String,
    pub nonce: String,
    pub sealed: String,
}

fn seal_key(shared: &x25519_dalek::SharedSecret, ephemeral: &[u8; 32], to: &[u8; 32]) -> Option<XChaCha20Poly1305> {
    use sha2::{Digest, Sha256};
    if !shared.was_contributory() {
        return None; // a low-order public key: no secret agreed
    }
    let mut h = Sha256::new();
    h.update(b"huka-sealed-v1\0");
    h.update(ephemeral);
    h.update(to);
    h.update(shared.as_bytes());
    let mut k = Zeroizing::new([0u8; 32]);
    k.copy_from_slice(&h.finalize());
    Some(XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&k[..])))
}

impl Sealed {
    /// `None` when `to` is no public key.
    pub fn seal(key: &DataKey, to: &PublicKey, aad: &str) -> Option<Sealed> {
        let point = to.point()?;
        let ephemeral = SecretKey::generate();
        let secret = x25519_dalek::StaticSecret::from(*ephemeral.0);
        let eph_public = x25519_dalek::PublicKey::from(&secret);
        let cipher = seal_key(&secret.diffie_hellman(&point), eph_public.as_bytes(), point.as_bytes())?;
        let mut nonce = [0u8; 24];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = cipher.encrypt(XNonce::from_slice(&nonce), Payload { msg: key.bytes(), aad: aad.as_bytes() }).ok()?;
        Some(Sealed { ephemeral: B64.encode(eph_public.as_bytes()), nonce: B64.encode(nonce), sealed: B64.encode(sealed) })
    }

    pub fn open(&self, secret: &SecretKey, aad: &str) -> Option<DataKey> {
        let ephemeral: [u8; 32] = B64.decode(&self.ephemeral).ok()?.try_into().ok()?;
        let nonce = B64.decode(&self.nonce).ok()?;
        let sealed = B64.decode(&self.sealed).ok()?;
        if nonce.len() != 24 {
            return None;
        }
        let mine = x25519_dalek::StaticSecret::from(*secret.0);
        let to = x25519_dalek::PublicKey::from(&mine);
        let cipher = seal_key(&mine.diffie_hellman(&x25519_dalek::PublicKey::from(ephemeral)), &ephemeral, to.as_bytes())?;
        let plain = cipher.decrypt(XNonce::from_slice(&nonce), Payload { msg: &sealed, aad: aad.as_bytes() }).ok()?;
        thirty_two(plain).map(DataKey)
    }
}

/// The recovery code shown once at setup, printed and kept in the school's safe: 24 letters
/// and digits (120 bits) in six groups, from an alphabet without 0/O or 1/I/L confusion.
pub struct RecoveryCode(Zeroizing<String>);

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

impl RecoveryCode {
    pub fn generate() -> RecoveryCode {
        let mut bytes = Zeroizing::new([0u8; 24]);
        rand::rng().fill_bytes(&mut *bytes);
        let mut s = Zeroizing::new(String::with_capacity(29));
        for (i, b) in bytes.iter().enumerate() {
            if i > 0 && i % 4 == 0 {
                s.push('-');
            }
            s.push(ALPHABET[(*b as usize) % 32] as char);
        }
        RecoveryCode(s)
    }

    /// A code as a person types it back: any case, spaces or dashes, O for 0, I or L for 1.
    pub fn parse(typed: &str) -> Option<RecoveryCode> {
        let mut chars = Zeroizing::new(String::new());
        for c in typed.chars().filter(|c| !c.is_whitespace() && *c != '-') {
            let c = match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            };
            if !ALPHABET.contains(&(c as u8)) || !c.is_ascii() {
                return None;
            }
            chars.push(c);
        }
        if chars.len() != 24 {
            return None;
        }
        let mut s = Zeroizing::new(String::with_capacity(29));
        for (i, c) in chars.chars().enumerate() {
            if i > 0 && i % 4 == 0 {
                s.push('-');
            }
            s.push(c);
        }
        Some(RecoveryCode(s))
    }

    /// `ABCD-EFGH-…`: what is printed, and what the key is sealed under.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecoveryCode(…)")
    }
}

/// Random bytes as base64, for salts and ids.
pub fn random_b64(n: usize) -> String {
    let mut b = vec![0u8; n];
    rand::rng().fill_bytes(&mut b);
    B64.encode(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIGHT: Kdf = Kdf { m: 1024, t: 1, p: 1 };

    #[test]
    fn a_wrapped_key_opens_with_its_secret_only() {
        let key = DataKey::generate();
        let w = Wrapped::seal(&key, "correct horse", LIGHT, "db1:user");
        let back = w.open("correct horse", "db1:user").expect("opens");
        assert_eq!(back.bytes(), key.bytes());
        assert!(w.open("wrong horse", "db1:user").is_none());
        assert!(w.open("correct horse", "db2:user").is_none(), "bound to its database and slot");
        let mut tampered = w.clone();
        tampered.sealed.replace_range(0..1, if tampered.sealed.starts_with('A') { "B" } else { "A" });
        assert!(tampered.open("correct horse", "db1:user").is_none());
        assert_eq!(format!("{key:?}"), "DataKey(…)");
    }

    #[test]
    fn a_sealed_key_opens_with_its_secret_key_only() {
        let key = DataKey::generate();
        let pair = SecretKey::generate();
        let sealed = Sealed::seal(&key, &pair.public(), "db1:slot").unwrap();
        assert_eq!(sealed.open(&pair, "db1:slot").unwrap().bytes(), key.bytes());
        assert!(sealed.open(&SecretKey::generate(), "db1:slot").is_none());
        assert!(sealed.open(&pair, "db2:slot").is_none(), "bound to its database and slot");
        let wrapped = Wrapped::seal_secret(&pair, "correct horse", LIGHT, "db1:slot");
        let back = wrapped.open_secret("correct horse", "db1:slot").unwrap();
        assert_eq!(back.public(), pair.public());
        assert!(Sealed::seal(&key, &PublicKey(B64.encode([0u8; 32])), "x").is_none(), "a low-order point is refused");
        assert_eq!(format!("{pair:?}"), "SecretKey(…)");
    }

    #[test]
    fn recovery_codes_read_back_as_typed() {
        let code = RecoveryCode::generate();
        assert_eq!(code.as_str().len(), 29);
        let typed = code.as_str().to_lowercase().replace('-', " ").replace('0', "o").replace('1', "l");
        assert_eq!(RecoveryCode::parse(&typed).unwrap().as_str(), code.as_str());
        assert!(RecoveryCode::parse("too short").is_none());
        assert!(RecoveryCode::parse(&format!("{}U", &code.as_str()[..28])).is_none(), "U is not in the alphabet");
    }

    #[test]
    fn a_sealed_field_opens_with_its_key_and_in_its_place_only() {
        let second = DataKey::generate();
        let place = "member/0190/resident_id";
        let sealed = second.seal_field(place, "610921199310094790");
        assert!(sealed.starts_with("f1.") && !sealed.contains("4790"));
        assert_ne!(second.seal_field(place, "610921199310094790"), sealed, "a fresh nonce each time");
        assert_eq!(second.open_field(place, &sealed).unwrap().as_str(), "610921199310094790");
        assert!(second.open_field("member/0191/resident_id", &sealed).is_none(), "another record");
        assert!(second.open_field("member/0190/health", &sealed).is_none(), "another column");
        assert!(DataKey::generate().open_field(place, &sealed).is_none(), "another key");
        let mut tampered = sealed.clone().into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert!(second.open_field(place, &String::from_utf8(tampered).unwrap()).is_none());
        assert!(second.open_field(place, "610921199310094790").is_none(), "a clear value is no sealed one");
        assert_eq!(second.open_field(place, &second.seal_field(place, "")).unwrap().as_str(), "");
    }

    #[test]
    fn field_digests_are_keyed_and_hmac_is_rfc_4231() {
        // RFC 4231, test case 2.
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(crate::text::hex(&mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        // Test case 6: a key longer than the block is hashed first.
        let mac = hmac_sha256(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First");
        assert_eq!(crate::text::hex(&mac), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
        let second = DataKey::generate();
        let a = second.digest_field("resident_id", "610921199310094790");
        assert_eq!(a, second.digest_field("resident_id", "610921199310094790"), "equal values, equal digests");
        assert_ne!(a, second.digest_field("resident_id", "610921199310094801"));
        assert_ne!(a, second.digest_field("national_student_number", "610921199310094790"), "one key per label");
        assert_ne!(a, DataKey::generate().digest_field("resident_id", "610921199310094790"), "keyed");
        assert_eq!(a.len(), 64);
    }

    #[test]
    fn the_raw_key_pragma_is_hex() {
        let key = DataKey::generate();
        let k = key.sqlcipher_key();
        assert!(k.starts_with("x'") && k.ends_with('\'') && k.len() == 67);
    }
}
