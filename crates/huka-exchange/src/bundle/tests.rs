//! Export → verify round trips, and every kind of tampering caught with its own reason.

use std::path::Path;

use chrono::NaiveDate;
use proptest::prelude::*;

use super::format::{self, TrustedComment};
use super::read::tests::zip_of;
use super::read::{read_zip, Limits};
use super::*;
use crate::demo::{self, DemoOptions};
use crate::school::{self, SchoolInput};
use crate::signing::{self, tests::PASSPHRASE};
use crate::store::Store;
use crate::term::Term;
use super::SealError;
use crate::school::SchoolError;
use crate::signing::SigningError;

pub(crate) fn demo_school(code: &str, students: usize, seed: u64) -> Store {
    let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    school::setup(&mut store, &SchoolInput { code: code.into(), name: format!("{code}学校"), town: "涧池镇".into(), district: "第三督学责任区".into() }).unwrap();
    demo::generate(&mut store, &DemoOptions { students, seed }).unwrap();
    signing::create(&mut store, PASSPHRASE).unwrap();
    super::register_county_recipient(&mut store, &county_recipient().file_text()).unwrap();
    store
}

/// The county the tests' schools seal their bundles to.
pub(crate) fn county_identity() -> &'static age::x25519::Identity {
    static IDENTITY: std::sync::OnceLock<age::x25519::Identity> = std::sync::OnceLock::new();
    IDENTITY.get_or_init(age::x25519::Identity::generate)
}

pub(crate) fn county_recipient() -> seal::CountyRecipient {
    seal::CountyRecipient::new(&county_identity().to_public(), "汉阴县")
}

fn ids() -> &'static [age::x25519::Identity] {
    std::slice::from_ref(county_identity())
}

/// The zip inside a sealed bundle.
fn unseal(sealed: &[u8]) -> Vec<u8> {
    seal::open(sealed, ids(), u64::MAX / 2).unwrap()
}

/// A zip sealed to the tests' county.
fn reseal(zip: &[u8]) -> Vec<u8> {
    seal::seal(zip, &county_recipient()).unwrap()
}

pub(crate) fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

pub(crate) fn term() -> Term {
    Term::of(today())
}

fn own_keys(store: &Store) -> Vec<TrustedKey> {
    let code = school::get(store).unwrap().unwrap().code;
    signing::public_keys(store).unwrap().into_iter().map(|key| TrustedKey { key, school_code: Some(code.clone()) }).collect()
}

fn read(path: &Path) -> (Vec<u8>, String) {
    (std::fs::read(path).unwrap(), std::fs::read_to_string(signature_path(path)).unwrap())
}

fn rejection(r: std::result::Result<Verified, Rejection>) -> Rejection {
    match r {
        Err(r) => r,
        Ok(v) => panic!("accepted: {}", v.file_name),
    }
}

/// Signs `zip` with the school's own key and the trusted comment of `exported`: what a
/// school whose software misbehaved (or whose key was stolen) could produce.
fn resign(store: &Store, exported: &Exported, zip: &[u8]) -> String {
    signing::unlock(store, PASSPHRASE).unwrap().sign(zip, &exported.trusted_comment, "resigned").unwrap()
}

/// The entries of `zip`, changed by `f`, zipped again.
fn rezip(zip: &[u8], f: impl FnOnce(&mut std::collections::BTreeMap<String, Vec<u8>>)) -> Vec<u8> {
    let mut files = read_zip(zip, &Limits::default()).unwrap().files;
    f(&mut files);
    let entries: Vec<(&str, &[u8])> = files.iter().map(|(k, v)| (k.as_str(), v.as_slice())).collect();
    zip_of(&entries)
}

#[test]
fn export_then_verify_round_trips() {
    let mut store = demo_school("2161092101", 120, 3);
    let dir = tempfile::tempdir().unwrap();
    let preview = preview(&store, term(), today()).unwrap();
    assert!(preview.key_id.is_some());
    assert_eq!(preview.files.iter().filter(|f| f.full_ids).map(|f| f.path.as_str()).collect::<Vec<_>>(), [format::STUDENTS]);

    let out = export(&mut store, term(), today(), PASSPHRASE, dir.path()).unwrap();
    assert_eq!(out.file_name, format!("2161092101-{}-{}.huka.age", term(), today().format("%Y%m%d")));
    assert_eq!(out.sealed_to, county_recipient());
    assert!(out.bundle_path.exists() && out.signature_path.exists());
    assert_eq!(out.signature_path.file_name().unwrap().to_string_lossy(), format!("{}.minisig", out.file_name));
    assert_eq!(dir.path().read_dir().unwrap().count(), 2, "the bundle and its signature, no temporary");
    assert_eq!(out.summary, preview.summary);

    let signed = verify_written(&store, &out).unwrap();
    assert!(signed.sealed);
    let v = verify::verify_file(&out.bundle_path, &own_keys(&store), ids(), &Limits::default()).unwrap();
    assert!(v.encrypted);
    assert_eq!(v.summary, out.summary);
    assert!(!v.manifest.audit.is_empty(), "the audit chains' heads are in the manifest");
    assert_eq!(v.manifest.format_version, FORMAT_VERSION);
    assert_eq!(v.manifest.school.code, "2161092101");
    assert_eq!(v.manifest.files.iter().map(|f| f.path.as_str()).collect::<Vec<_>>(), format::files_of(2));
    assert_eq!(v.students.len() as i64, v.summary.figures.students.registered_poor);
    assert!(v.students.iter().any(|s| s.resident_id.len() == 18), "the county list has full numbers");
    let comment = TrustedComment::parse(&v.trusted_comment).unwrap();
    assert_eq!((comment.school.as_str(), comment.term.clone()), ("2161092101", term().to_string()));
    assert_eq!(comment.file, out.file_name);

    // Only the students list may hold a full ID number — and nothing is readable on the stick.
    let sealed = std::fs::read(&out.bundle_path).unwrap();
    let files = read_zip(&unseal(&sealed), &Limits::default()).unwrap().files;
    let id = v.students.iter().find(|s| !s.resident_id.is_empty()).unwrap().resident_id.clone();
    let name = v.students[0].name.clone();
    let signature = std::fs::read(&out.signature_path).unwrap();
    for bytes in [&sealed, &signature] {
        for needle in [id.as_bytes(), name.as_bytes(), b"summary.json".as_slice(), "学校".as_bytes()] {
            assert!(!bytes.windows(needle.len()).any(|w| w == needle), "readable on the stick: {}", String::from_utf8_lossy(needle));
        }
    }
    for (name, bytes) in &files {
        let has = bytes.windows(id.len()).any(|w| w == id.as_bytes());
        assert_eq!(has, name == format::STUDENTS, "{name}");
    }
    // The report that may be shown carries no rows.
    let shown = serde_json::to_string(&v.report()).unwrap();
    assert!(!shown.contains(&id));
}

#[test]
fn a_wrong_passphrase_writes_nothing() {
    let mut store = demo_school("1", 20, 1);
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(export(&mut store, term(), today(), "wrong passphrase", dir.path()), Err(e) if e.domain() == Some(&SigningError::WrongPassphrase)));
    assert_eq!(dir.path().read_dir().unwrap().count(), 0);
}

#[test]
fn any_changed_byte_breaks_the_signature() {
    let mut store = demo_school("1", 30, 2);
    let dir = tempfile::tempdir().unwrap();
    let out = export(&mut store, term(), today(), PASSPHRASE, dir.path()).unwrap();
    let (zip, sig) = read(&out.bundle_path);
    assert!(seal::is_sealed(&zip));
    for at in [0, 30, zip.len() / 2, zip.len() - 1] {
        let mut bad = zip.clone();
        bad[at] ^= 0x01;
        assert_eq!(rejection(verify_bytes("b", &bad, &sig, &own_keys(&store), ids(), &Limits::default())), Rejection::BadSignature, "byte {at}");
    }
    // A file added or removed inside, without the key to sign again.
    let added = reseal(&rezip(&unseal(&zip), |f| {
        f.insert("lists/extra.json".into(), b"[]".to_vec());
    }));
    assert_eq!(rejection(verify_bytes("b", &added, &sig, &own_keys(&store), ids(), &Limits::default())), Rejection::BadSignature);
    let removed = reseal(&rezip(&unseal(&zip), |f| {
        f.remove(format::AID);
    }));
    assert_eq!(rejection(verify_bytes("b", &removed, &sig, &own_keys(&store), ids(), &Limits::default())), Rejection::BadSignature);
    // And a changed trusted comment.
    let other_term = sig.replace(&format!("term:{}", term()), &format!("term:{}", term().previous()));
    assert_eq!(rejection(verify_bytes("b", &zip, &other_term, &own_keys(&store), ids(), &Limits::default())), Rejection::BadSignature);

    // On disk, through verify_written too.
    std::fs::write(&out.bundle_path, &added).unwrap();
    assert_eq!(verify_written(&store, &out).unwrap_err().domain::<Rejection>(), Some(&Rejection::BadSignature));
    std::fs::remove_file(&out.signature_path).unwrap();
    assert!(matches!(verify_written(&store, &out).unwrap_err().domain::<Rejection>(), Some(Rejection::SignatureMissing { .. })));
}

#[test]
fn a_signed_bundle_with_wrong_contents_is_caught_by_the_manifest() {
    let mut store = demo_school("1", 30, 2);
    let dir = tempfile::tempdir().unwrap();
    let out = export(&mut store, term(), today(), PASSPHRASE, dir.path()).unwrap();
    let (sealed, _) = read(&out.bundle_path);
    let zip = unseal(&sealed);
    let keys = own_keys(&store);
    let check = |zip: Vec<u8>| {
        let bytes = reseal(&zip);
        rejection(verify_bytes("b", &bytes, &resign(&store, &out, &bytes), &keys, ids(), &Limits::default()))
    };

    assert_eq!(check(rezip(&zip, |f| {
        f.insert("lists/extra.json".into(), b"[]".to_vec());
    })), Rejection::ExtraFile { file: "lists/extra.json".into() });
    assert_eq!(check(rezip(&zip, |f| {
        f.remove(format::DROPOUTS);
    })), Rejection::MissingFile { file: format::DROPOUTS.into() });
    assert_eq!(check(rezip(&zip, |f| {
        f.remove(format::MANIFEST);
    })), Rejection::MissingFile { file: format::MANIFEST.into() });
    assert_eq!(check(rezip(&zip, |f| {
        let s = f.get_mut(format::SUMMARY_JSON).unwrap();
        let text = String::from_utf8(s.clone()).unwrap().replacen("\"enrolled\": ", "\"enrolled\": 1", 1);
        *s = text.into_bytes();
    })), Rejection::HashMismatch { file: format::SUMMARY_JSON.into() });
    let newer = check(rezip(&zip, |f| {
        let m = f.get_mut(format::MANIFEST).unwrap();
        *m = String::from_utf8(m.clone()).unwrap().replace("\"formatVersion\": 2", "\"formatVersion\": 3").into_bytes();
    }));
    assert_eq!(newer, Rejection::UnsupportedFormat { version: 3, supported: FORMAT_VERSION });
    assert!(newer.message(crate::Lang::Zh).contains("升级"));

    // A trusted comment that names another school, term or time than the manifest.
    let other = TrustedComment { term: term().previous().to_string(), ..TrustedComment::parse(&out.trusted_comment).unwrap() };
    let sig = signing::unlock(&store, PASSPHRASE).unwrap().sign(&sealed[..], &other.text(), "x").unwrap();
    assert_eq!(rejection(verify_bytes("b", &sealed, &sig, &keys, ids(), &Limits::default())), Rejection::CommentMismatch);
    let plain = signing::unlock(&store, PASSPHRASE).unwrap().sign(&sealed[..], "timestamp:1 file:x", "x").unwrap();
    assert_eq!(rejection(verify_bytes("b", &sealed, &plain, &keys, ids(), &Limits::default())), Rejection::CommentMismatch);

    // Unsealed, a format 2 bundle is refused; sealed to another county, it does not open.
    let unsealed = zip.clone();
    let sig = resign(&store, &out, &unsealed);
    assert!(matches!(rejection(verify_bytes("b", &unsealed, &sig, &keys, ids(), &Limits::default())), Rejection::BadContent { .. }));
    let elsewhere = seal::seal(&zip, &seal::CountyRecipient::new(&age::x25519::Identity::generate().to_public(), "别县")).unwrap();
    let sig = resign(&store, &out, &elsewhere);
    assert_eq!(rejection(verify_bytes("b", &elsewhere, &sig, &keys, ids(), &Limits::default())), Rejection::NotForThisCounty);
    assert_eq!(rejection(verify_bytes("b", &sealed, &resign(&store, &out, &sealed), &keys, &[], &Limits::default())), Rejection::NoCountyKey);
}

#[test]
fn a_signature_from_another_school_is_refused() {
    let mut a = demo_school("1001", 20, 1);
    let b = demo_school("1002", 20, 2);
    let dir = tempfile::tempdir().unwrap();
    let out = export(&mut a, term(), today(), PASSPHRASE, dir.path()).unwrap();
    let (zip, _) = read(&out.bundle_path);
    // School B signs school A's bundle (its comment still naming school A).
    let forged = signing::unlock(&b, PASSPHRASE).unwrap().sign(&zip[..], &out.trusted_comment, "x").unwrap();
    match rejection(verify_bytes("b", &zip, &forged, &own_keys(&a), ids(), &Limits::default())) {
        Rejection::WrongKey { signed_with, expected } => {
            assert_eq!(signed_with, signing::current(&b).unwrap().unwrap().key_id);
            assert_eq!(expected, [signing::current(&a).unwrap().unwrap().key_id]);
        }
        other => panic!("{other:?}"),
    }
    // Where both keys are known, B's key cannot speak for school A.
    let both: Vec<TrustedKey> = own_keys(&a).into_iter().chain(own_keys(&b)).collect();
    assert_eq!(
        rejection(verify_bytes("b", &zip, &forged, &both, ids(), &Limits::default())),
        Rejection::WrongSchool { key_school: "1002".into(), bundle_school: "1001".into() }
    );
}

#[test]
fn bundles_signed_before_a_rotation_still_verify() {
    let mut store = demo_school("1", 20, 1);
    let dir = tempfile::tempdir().unwrap();
    let old = export(&mut store, term(), today(), PASSPHRASE, dir.path()).unwrap();
    signing::rotate(&mut store, "the new passphrase").unwrap();
    verify_written(&store, &old).unwrap();
    assert!(matches!(export(&mut store, term(), today(), PASSPHRASE, dir.path()), Err(e) if e.domain() == Some(&SigningError::WrongPassphrase)));
    let new = export(&mut store, term(), today(), "the new passphrase", dir.path()).unwrap();
    assert_ne!(new.key_id, old.key_id);
    verify_written(&store, &new).unwrap();
}

#[test]
fn preview_and_export_need_a_school_installation_and_a_key() {
    let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    assert!(matches!(preview(&store, term(), today()), Err(e) if e.domain() == Some(&SchoolError::NotSetUp)));
    school::setup(&mut store, &SchoolInput { code: "1".into(), name: "A".into(), ..Default::default() }).unwrap();
    assert_eq!(preview(&store, term(), today()).unwrap().key_id, None);
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(export(&mut store, term(), today(), PASSPHRASE, dir.path()), Err(e) if e.domain() == Some(&SealError::NoCountyRecipient)));
    super::register_county_recipient(&mut store, &county_recipient().file_text()).unwrap();
    assert!(matches!(export(&mut store, term(), today(), PASSPHRASE, dir.path()), Err(e) if e.domain() == Some(&SigningError::NoKey)));
    assert_eq!(dir.path().read_dir().unwrap().count(), 0, "nothing leaves the school unsealed");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A validly signed zip with damaged insides: the verifier gets past the signature and
    /// must refuse the contents without panicking.
    #[test]
    fn damaged_but_signed_bundles_are_refused_without_panic(flips in proptest::collection::vec((any::<prop::sample::Index>(), 1u8..), 1..6), cut in any::<prop::sample::Index>()) {
        let (zip, key, comment, signer) = fixture();
        let mut bytes = zip.clone();
        for (at, x) in flips {
            let i = at.index(bytes.len());
            bytes[i] ^= x;
        }
        bytes.truncate(cut.index(bytes.len() + 1).max(1));
        let sig = signer.sign(&bytes[..], comment, "x").unwrap();
        let keys = [TrustedKey { key: key.clone(), school_code: Some("1".into()) }];
        let result = verify_bytes("b", &bytes, &sig, &keys, ids(), &Limits::default());
        prop_assert!(result.is_err() || bytes == *zip);
    }

    #[test]
    fn any_signature_text_is_refused_without_panic(text in "\\PC{0,400}", lines in proptest::collection::vec("[A-Za-z0-9+/=: ]{0,120}", 0..6)) {
        let (zip, key, _, _) = fixture();
        let keys = [TrustedKey { key: key.clone(), school_code: None }];
        prop_assert!(verify_bytes("b", zip, &text, &keys, ids(), &Limits::default()).is_err());
        prop_assert!(verify_bytes("b", zip, &lines.join("\n"), &keys, ids(), &Limits::default()).is_err());
    }
}

/// One exported bundle and its school's opened key, shared by the property tests: key
/// derivation is too slow to repeat per case.
fn fixture() -> &'static (Vec<u8>, signing::PublicKeyFile, String, signing::SigningKey) {
    static FIXTURE: std::sync::OnceLock<(Vec<u8>, signing::PublicKeyFile, String, signing::SigningKey)> = std::sync::OnceLock::new();
    FIXTURE.get_or_init(|| {
        let mut store = demo_school("1", 10, 1);
        let dir = tempfile::tempdir().unwrap();
        let out = export(&mut store, term(), today(), PASSPHRASE, dir.path()).unwrap();
        let key = signing::PublicKeyFile::parse(&signing::public_key_file(&store).unwrap()).unwrap();
        (std::fs::read(&out.bundle_path).unwrap(), key, out.trusted_comment, signing::unlock(&store, PASSPHRASE).unwrap())
    })
}
