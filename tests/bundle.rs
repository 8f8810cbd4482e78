//! The signed county bundle through the real `huka` binary on real files: a school exports,
//! the standard `minisign` tool and `huka verify` check it, the county registers, ingests and
//! reports — and every kind of tampering is caught with its reason.

use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use huka_tests::huka_bin;
use serde_json::Value;

const PASSPHRASE: &str = "涧池镇 秋季 2026";

fn huka(db: &Path, args: &[&str]) -> Output {
    huka_with(db, args, Some(PASSPHRASE))
}

fn huka_with(db: &Path, args: &[&str], passphrase: Option<&str>) -> Output {
    let mut c = huka_tests::huka_command(db, args);
    if let Some(p) = passphrase {
        c.env("HUKA_PASSPHRASE", p);
    }
    c.output().expect("huka runs")
}

/// `huka verify` with the school's `.pub` and the county's identity (so the contents are
/// opened and checked too).
fn verify(bundle: &Path, s: &School, json: bool) -> Output {
    let mut c = Command::new(huka_bin());
    c.arg("verify").arg(bundle).arg("--pubkey").arg(&s.pubkey).arg("--identity").arg(&s.identity).env("LANG", "C.UTF-8");
    if json {
        c.arg("--json");
    }
    c.output().expect("huka runs")
}

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "failed ({:?}): {}{}", out.status.code(), String::from_utf8_lossy(&out.stderr), String::from_utf8_lossy(&out.stdout));
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn json(out: &Output) -> Value {
    serde_json::from_str(&ok(out)).expect("JSON on stdout")
}

/// Exit status 1 with one sentence on stderr (returned).
fn refused(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "stdout: {} stderr: {err}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(err.trim_end().lines().count(), 1, "one line on stderr: {err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

/// True when the text holds 17 digits in a row (the body of an ID number).
/// Whether `text` holds something that could be an ID number: a word of 17 or more digits
/// (an `X` or a leading `G` aside). A word of letters and digits (a hash, a key id) is not one:
/// a SHA-256 in hex holds a run of 17 digits about once in sixty.
fn has_id_number(text: &str) -> bool {
    text.split(|c: char| !c.is_ascii_alphanumeric()).any(|word| {
        let word = word.strip_prefix('G').unwrap_or(word);
        let digits = word.strip_suffix(['X', 'x']).unwrap_or(word);
        digits.len() >= 17 && digits.chars().all(|c| c.is_ascii_digit())
    })
}

struct School {
    db: PathBuf,
    pubkey: PathBuf,
    code: String,
    /// The county's identity file (secret), to open the school's sealed bundles.
    identity: PathBuf,
}

/// The county of the test folder (`dir/county.db`), made with its key pair on first use: the
/// recipient file the schools register and the identity file the standard `age` tool takes.
fn county_keys(dir: &Path) -> (PathBuf, PathBuf) {
    let (recipient, identity) = (dir.join("county-recipient.txt"), dir.join("county-identity.txt"));
    if !recipient.exists() {
        let county = dir.join("county.db");
        ok(&huka(&county, &["county", "key", "create"]));
        ok(&huka(&county, &["county", "key", "export", "--out", recipient.to_str().unwrap()]));
        let out = huka(&county, &["county", "key", "export-identity", "--out", identity.to_str().unwrap()]);
        ok(&out);
        assert!(String::from_utf8_lossy(&out.stderr).contains("secret"), "the identity's export warns");
    }
    (recipient, identity)
}

/// A demo school with its signing key (created at `init`), its exported `.pub`, and the
/// county's recipient registered.
fn school(dir: &Path, code: &str, town: &str, students: usize, seed: u64) -> School {
    let (recipient, identity) = county_keys(dir);
    let db = dir.join(format!("{code}.db"));
    ok(&huka(&db, &["init", "--school-code", code, "--school-name", &format!("{code}学校"), "--town", town, "--district", "第三督学责任区"]));
    ok(&huka(&db, &["demo", "--students", &students.to_string(), "--seed", &seed.to_string()]));
    let pubkey = dir.join(format!("{code}.pub"));
    ok(&huka(&db, &["key", "export", "--out", pubkey.to_str().unwrap()]));
    ok(&huka(&db, &["key", "county", recipient.to_str().unwrap()]));
    School { db, pubkey, code: code.to_string(), identity }
}

/// Runs the real `age -d -i IDENTITY FILE` and returns the plaintext; `None` when the tool is
/// not installed.
fn age_decrypt(file: &Path, identity: &Path) -> Option<Vec<u8>> {
    match Command::new("age").arg("-d").arg("-i").arg(identity).arg(file).output() {
        Ok(out) => {
            assert!(out.status.success(), "age -d: {}", String::from_utf8_lossy(&out.stderr));
            Some(out.stdout)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("SKIPPED: the `age` command is not installed (apt-get install age); not checking with it");
            None
        }
        Err(e) => panic!("age: {e}"),
    }
}

fn export(s: &School, out: &Path) -> PathBuf {
    let printed = ok(&huka(&s.db, &["export", "county", "--term", "2026-autumn", "--out", out.to_str().unwrap()]));
    let path = PathBuf::from(printed.trim());
    assert!(path.exists(), "{printed}");
    path
}

fn sig_of(bundle: &Path) -> PathBuf {
    PathBuf::from(format!("{}.minisig", bundle.display()))
}

/// Runs the real `minisign -Vm FILE -p KEY.pub`; `None` when the tool is not installed.
fn minisign_verify(file: &Path, pubkey: &Path) -> Option<Output> {
    match Command::new("minisign").arg("-Vm").arg(file).arg("-p").arg(pubkey).output() {
        Ok(out) => Some(out),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("SKIPPED: the `minisign` command is not installed (apt-get install minisign); not checking with it");
            None
        }
        Err(e) => panic!("minisign: {e}"),
    }
}

#[test]
fn a_school_exports_a_bundle_that_huka_and_minisign_verify() {
    let dir = tempfile::tempdir().unwrap();
    let s = school(dir.path(), "2161092101", "涧池镇", 120, 7);
    let pub_text = std::fs::read_to_string(&s.pubkey).unwrap();
    assert!(pub_text.starts_with("untrusted comment: ") && pub_text.contains("2161092101"), "{pub_text}");

    let bundle = export(&s, &dir.path().join("usb"));
    let name = bundle.file_name().unwrap().to_string_lossy().to_string();
    let today = chrono::Utc::now().format("%Y%m%d").to_string();
    assert_eq!(name, format!("2161092101-2026-autumn-{today}.huka.age"));
    assert!(sig_of(&bundle).exists());

    // The standard tool agrees, and prints the trusted comment naming school, term and time.
    if let Some(out) = minisign_verify(&bundle, &s.pubkey) {
        assert!(out.status.success(), "minisign: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(said.contains("Trusted comment: huka-bundle school:2161092101 term:2026-autumn created:"), "{said}");
    }

    // So does huka.
    let text = ok(&verify(&bundle, &s, false));
    assert!(text.starts_with("valid\t"), "{text}");
    let v = json(&verify(&bundle, &s, true));
    assert_eq!(v["valid"], true);
    assert_eq!(v["manifest"]["school"]["code"], "2161092101");
    assert_eq!(v["manifest"]["formatVersion"], 2);
    assert_eq!(v["encrypted"], true);
    assert_eq!(v["summary"]["students"]["enrolled"], 120);
    assert_eq!(v["students"], v["summary"]["students"]["registeredPoor"]);
    assert!(!has_id_number(&v.to_string()), "verify's output shows no ID number");

    // Nothing readable on the stick: no name, ID number or figure in either file.
    let sealed = std::fs::read(&bundle).unwrap();
    let signature = std::fs::read_to_string(sig_of(&bundle)).unwrap();
    assert!(!has_id_number(&String::from_utf8_lossy(&sealed)) && !has_id_number(&signature));
    let name_of_a_student = {
        let school_db = &s.db;
        let listed = json(&huka(school_db, &["households", "list", "--json"]));
        listed[0]["headName"].as_str().unwrap().to_string()
    };
    assert!(!sealed.windows(name_of_a_student.len()).any(|w| w == name_of_a_student.as_bytes()));
    assert!(!signature.contains(&name_of_a_student));
    // Without the county's identity, huka checks the signature only, and says so.
    let plain = Command::new(huka_bin()).arg("verify").arg(&bundle).arg("--pubkey").arg(&s.pubkey).env("LANG", "C.UTF-8").output().unwrap();
    assert!(String::from_utf8_lossy(&ok(&plain).into_bytes()).contains("contents not opened"));

    // The standard `age` decrypts it to the zip the docs describe: every hash in the manifest is the file's.
    let Some(bytes) = age_decrypt(&bundle, &s.identity) else { return };
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let names: Vec<String> = zip.file_names().map(|n| n.unwrap().to_string()).collect();
    assert_eq!(names, ["manifest.json", "summary.json", "summary.xlsx", "lists/students.json", "lists/aid.json", "lists/dropouts.json"]);
    let mut manifest = String::new();
    zip.by_name("manifest.json").unwrap().read_to_string(&mut manifest).unwrap();
    let manifest: Value = serde_json::from_str(&manifest).unwrap();
    for f in manifest["files"].as_array().unwrap() {
        let mut data = Vec::new();
        zip.by_name(f["path"].as_str().unwrap()).unwrap().read_to_end(&mut data).unwrap();
        assert_eq!(data.len() as u64, f["size"].as_u64().unwrap());
        let out = Command::new("sha256sum").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().and_then(|mut c| {
            c.stdin.take().unwrap().write_all(&data)?;
            c.wait_with_output()
        });
        if let Ok(out) = out {
            assert!(String::from_utf8_lossy(&out.stdout).starts_with(f["sha256"].as_str().unwrap()), "{}", f["path"]);
        }
    }
    // Only the students list holds full ID numbers; the summary files hold none.
    for name in ["summary.json", "lists/aid.json", "lists/dropouts.json", "manifest.json"] {
        let mut t = String::new();
        zip.by_name(name).unwrap().read_to_string(&mut t).unwrap();
        assert!(!has_id_number(&t), "{name}");
    }
    let mut students = String::new();
    zip.by_name("lists/students.json").unwrap().read_to_string(&mut students).unwrap();
    assert!(has_id_number(&students));

    // --json on export says where and that it was read back and verified.
    let out = json(&huka(&s.db, &["export", "county", "--term", "2026-autumn", "--out", dir.path().join("usb2").to_str().unwrap(), "--json"]));
    assert_eq!(out["verified"]["sealed"], true, "read back: the signature holds over the sealed file");
    assert!(Path::new(out["exported"]["bundlePath"].as_str().unwrap()).exists());
    assert!(!has_id_number(&out.to_string()));
}

#[test]
fn every_tampering_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let a = school(dir.path(), "1001", "涧池镇", 40, 1);
    let b = school(dir.path(), "1002", "城关镇", 40, 2);
    let original = export(&a, &dir.path().join("original"));
    let copy = |label: &str| {
        let d = dir.path().join(label);
        std::fs::create_dir_all(&d).unwrap();
        let p = d.join(original.file_name().unwrap());
        std::fs::copy(&original, &p).unwrap();
        std::fs::copy(sig_of(&original), sig_of(&p)).unwrap();
        p
    };

    // A byte flipped in the sealed file; the file cut short.
    let changed = copy("changed");
    let mut bytes = std::fs::read(&changed).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x20;
    std::fs::write(&changed, &bytes).unwrap();
    let truncated = copy("truncated");
    let bytes = std::fs::read(&truncated).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() * 2 / 3]).unwrap();
    // School B's signature on school A's bundle.
    let other = copy("other");
    let b_bundle = export(&b, &dir.path().join("b"));
    std::fs::copy(sig_of(&b_bundle), sig_of(&other)).unwrap();

    for (case, path, why) in [("changed byte", &changed, "signature"), ("truncated", &truncated, "signature"), ("other school", &other, "signed with key")] {
        let err = refused(&verify(path, &a, false));
        assert!(err.contains(why), "{case}: {err}");
        let j = verify(path, &a, true);
        assert_eq!(j.status.code(), Some(1));
        let v: Value = serde_json::from_slice(&j.stdout).unwrap();
        assert_eq!(v["valid"], false, "{case}");
        assert!(v["reason"]["code"].as_str().unwrap().starts_with("bundle_"), "{case}: {v}");
        if let Some(out) = minisign_verify(path, &a.pubkey) {
            assert!(!out.status.success(), "minisign accepted the {case} bundle");
        }
    }
    // The untouched original still verifies.
    ok(&verify(&original, &a, false));
    let no_sig = copy("nosig");
    std::fs::remove_file(sig_of(&no_sig)).unwrap();
    assert!(refused(&verify(&no_sig, &a, false)).contains("signature file"));

    // At the county: the other school's signature, and a replayed older bundle.
    let county = dir.path().join("county.db");
    ok(&huka(&county, &["county", "register", "--pubkey", a.pubkey.to_str().unwrap()]));
    ok(&huka(&county, &["county", "register", "--pubkey", b.pubkey.to_str().unwrap()]));
    std::thread::sleep(std::time::Duration::from_millis(1100)); // export times are whole seconds
    let newer = export(&a, &dir.path().join("newer"));
    let r = json(&huka(&county, &["county", "ingest", newer.to_str().unwrap(), "--json"]));
    assert_eq!(r["accepted"], 1);
    // A school registered here whose bundle is sealed to another county.
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let (other_county, _) = county_keys(&elsewhere);
    let c = school(dir.path(), "1003", "蒲溪镇", 20, 3);
    ok(&huka(&c.db, &["key", "county", other_county.to_str().unwrap()]));
    ok(&huka(&county, &["county", "register", "--pubkey", c.pubkey.to_str().unwrap()]));
    let sealed_elsewhere = export(&c, &dir.path().join("c"));
    let out = huka(&county, &["county", "ingest", original.to_str().unwrap(), other.to_str().unwrap(), changed.to_str().unwrap(), truncated.to_str().unwrap(), sealed_elsewhere.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(1), "a rejected bundle makes the run exit 1");
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let code_of = |p: &Path| {
        let v = r["verdicts"].as_array().unwrap().iter().find(|v| v["file"] == p.display().to_string()).unwrap();
        assert_eq!(v["status"], "rejected");
        v["reason"]["code"].as_str().unwrap().to_string()
    };
    assert_eq!(code_of(&original), "bundle_older");
    // B's signature is of B's own bundle: it does not match A's file at all. (B signing A's
    // bundle with B's key is refused as `bundle_wrong_school`: see the core's county tests.)
    assert_eq!(code_of(&other), "bundle_bad_signature");
    assert_eq!(code_of(&changed), "bundle_bad_signature");
    assert_eq!(code_of(&truncated), "bundle_bad_signature", "caught before any decryption");
    assert_eq!(code_of(&sealed_elsewhere), "bundle_not_for_this_county");
    // The plain output names each file and its reason.
    let text = String::from_utf8(huka(&county, &["county", "ingest", original.to_str().unwrap()]).stdout).unwrap();
    assert!(text.contains("rejected") && text.contains("not newer"), "{text}");
}

#[test]
fn the_county_registers_ingests_and_reports_the_sum_of_the_schools() {
    let dir = tempfile::tempdir().unwrap();
    let usb = dir.path().join("usb");
    let schools: Vec<School> = [("2161092101", "涧池镇", 60), ("2161092102", "涧池镇", 45), ("2161092103", "城关镇", 30)]
        .iter()
        .enumerate()
        .map(|(i, (code, town, n))| school(dir.path(), code, town, *n, i as u64 + 1))
        .collect();
    let mut summaries = Vec::new();
    for s in &schools {
        let bundle = export(s, &usb.join(&s.code));
        summaries.push(json(&verify(&bundle, &s, true))["summary"].clone());
    }
    let county = dir.path().join("county.db");
    for s in &schools {
        let r = json(&huka(&county, &["county", "register", "--pubkey", s.pubkey.to_str().unwrap(), "--json"]));
        assert_eq!(r["newSchool"], true);
        assert_eq!(r["school"]["code"], s.code.as_str());
    }
    let listed = json(&huka(&county, &["county", "schools", "--json"]));
    assert_eq!(listed.as_array().unwrap().len(), 3);

    let r = json(&huka(&county, &["county", "ingest", usb.to_str().unwrap(), "--json"]));
    assert_eq!((r["accepted"].as_i64(), r["rejected"].as_i64()), (Some(3), Some(0)));
    let again = json(&huka(&county, &["county", "ingest", usb.to_str().unwrap(), "--json"]));
    assert_eq!(again["unchanged"], 3, "ingesting the same folder again changes nothing");

    // `stats` counts every kind of record, not only cards and visits: the county's schools,
    // keys and bundles; a school's roster rows, grants, dropout cases, weekly reports and keys.
    let c = json(&huka(&county, &["stats", "--json"]));
    assert_eq!((c["countySchools"].as_i64(), c["countyKeys"].as_i64(), c["countyBundles"].as_i64()), (Some(3), Some(3), Some(3)), "{c}");
    let s = json(&huka(&schools[0].db, &["stats", "--json"]));
    for kind in ["registrations", "grants", "dropoutCases", "dropoutActions", "weeklyReports", "signingKeys", "plans", "visits", "pairings"] {
        assert!(s[kind].as_i64().is_some_and(|n| n > 0), "{kind}: {s}");
    }
    assert_eq!(s["signingKeys"], 1, "{s}");
    assert_eq!((s["countyBundles"].as_i64(), s["countySchools"].as_i64()), (Some(0), Some(0)), "{s}");

    let xlsx = dir.path().join("county.xlsx");
    let a = json(&huka(&county, &["county", "report", "--out", xlsx.to_str().unwrap(), "--json"]));
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));
    assert_eq!((a["schoolsRegistered"].as_i64(), a["schoolsReporting"].as_i64()), (Some(3), Some(3)));
    let total = |path: &[&str], v: &Value| path.iter().fold(v, |v, k| &v[*k]).as_i64().unwrap();
    for path in [["students", "enrolled"], ["students", "registeredPoor"], ["coverage", "paired"], ["coverage", "withPlan"], ["coverage", "visited"], ["coverage", "visits"]] {
        let sum: i64 = summaries.iter().map(|s| total(&path, s)).sum();
        assert_eq!(total(&path, &a["totals"]), sum, "{path:?}");
    }
    assert_eq!(total(&["students", "enrolled"], &a["totals"]), 135);
    let towns: Vec<(String, i64)> = a["byTown"].as_array().unwrap().iter().map(|u| (u["name"].as_str().unwrap().to_string(), u["schools"].as_i64().unwrap())).collect();
    assert_eq!(towns, [("城关镇".to_string(), 1), ("涧池镇".to_string(), 2)]);
    assert!(!has_id_number(&a.to_string()));
    let plain = ok(&huka(&county, &["county", "report", "--out", xlsx.to_str().unwrap()]));
    assert!(plain.contains("3 of 3"), "{plain}");

    // A county database is not a school's.
    let e = refused(&huka(&county, &["export", "county", "--term", "2026-autumn", "--out", dir.path().to_str().unwrap()]));
    assert!(e.contains("county"), "{e}");
    let e = refused(&huka(&schools[0].db, &["county", "ingest", usb.to_str().unwrap()]));
    assert!(e.contains("school database"), "{e}");
}

#[test]
fn keys_passphrases_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    ok(&huka_with(&db, &["init", "--school-code", "3001", "--school-name", "A"], None));
    // No county key registered, no signing key: export refuses before asking anything.
    let e = refused(&huka(&db, &["export", "county", "--term", "2026-autumn", "--out", dir.path().to_str().unwrap()]));
    assert!(e.contains("No county key is registered"), "{e}");
    let (recipient, _) = county_keys(dir.path());
    ok(&huka(&db, &["key", "county", recipient.to_str().unwrap()]));
    let e = refused(&huka(&db, &["export", "county", "--term", "2026-autumn", "--out", dir.path().to_str().unwrap()]));
    assert!(e.contains("no signing key"), "{e}");
    assert!(refused(&huka_with(&db, &["key", "create"], Some("short"))).contains("at least 8"));
    // The passphrase as a line of standard input when there is no terminal.
    let mut child = huka_tests::huka_command(&db, &["key", "create", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(format!("{PASSPHRASE}\n").as_bytes()).unwrap();
    let key = json(&child.wait_with_output().unwrap());
    assert_eq!(key["current"], true);
    assert!(refused(&huka(&db, &["key", "create"])).contains("already has"));

    let usb = dir.path().join("usb");
    let e = refused(&huka_with(&db, &["export", "county", "--term", "2026-autumn", "--out", usb.to_str().unwrap()], Some("wrong passphrase")));
    assert!(e.contains("Wrong passphrase"), "{e}");
    assert!(!usb.exists() || usb.read_dir().unwrap().count() == 0, "nothing written");

    let shown = json(&huka(&db, &["key", "show", "--json"]));
    assert_eq!(shown["key"]["keyId"], key["keyId"]);
    assert!(!shown.to_string().contains("secret"), "no secret is shown");
    let rotated = json(&huka_with(&db, &["key", "rotate", "--json"], Some("the new passphrase")));
    assert_ne!(rotated["keyId"], key["keyId"]);
    let shown = json(&huka(&db, &["key", "show", "--json"]));
    assert_eq!(shown["retired"][0]["keyId"], key["keyId"]);

    // Usage errors exit 2.
    assert_eq!(huka(&db, &["verify", "x.huka.zip"]).status.code(), Some(2));
    assert_eq!(huka(&db, &["export", "county", "--term", "2026-winter", "--out", "x"]).status.code(), Some(2));
    assert_eq!(huka(&db, &["county", "ingest"]).status.code(), Some(2));
    // A missing bundle or a bad key file is refused with exit 1.
    let pubkey = dir.path().join("k.pub");
    ok(&huka(&db, &["key", "export", "--out", pubkey.to_str().unwrap()]));
    let verify_with = |pubkey: &Path| Command::new(huka_bin()).arg("verify").arg(dir.path().join("missing.huka.age")).arg("--pubkey").arg(pubkey).env("LANG", "C.UTF-8").output().unwrap();
    refused(&verify_with(&pubkey));
    std::fs::write(dir.path().join("junk.pub"), "not a key").unwrap();
    assert!(refused(&verify_with(&dir.path().join("junk.pub"))).contains("public key"));
}

/// Raw deflate of `mib` MiB of zeros from one compressed MiB repeated (full flushes make the
/// blocks independent): a gigabyte for a megabyte, made in no time.
fn deflated_zeros(mib: usize) -> Vec<u8> {
    let mut c = flate2::Compress::new(flate2::Compression::best(), false);
    let mut block = Vec::with_capacity(64 * 1024);
    c.compress_vec(&vec![0u8; 1 << 20], &mut block, flate2::FlushCompress::Full).unwrap();
    let mut end = Vec::with_capacity(64);
    c.compress_vec(&[], &mut end, flate2::FlushCompress::Finish).unwrap();
    let mut out = Vec::new();
    for _ in 0..mib {
        out.extend(&block);
    }
    out.extend(&end);
    out
}

/// A one-entry zip written by hand, declaring `declared` as the uncompressed size.
fn raw_zip(name: &str, deflated: &[u8], declared: u32) -> Vec<u8> {
    let mut local = Vec::new();
    local.extend(0x04034b50u32.to_le_bytes());
    local.extend(20u16.to_le_bytes());
    local.extend(0x0800u16.to_le_bytes());
    local.extend(8u16.to_le_bytes());
    local.extend([0u8; 8]); // time, date, crc (never reached)
    local.extend((deflated.len() as u32).to_le_bytes());
    local.extend(declared.to_le_bytes());
    local.extend((name.len() as u16).to_le_bytes());
    local.extend(0u16.to_le_bytes());
    let mut out = local.clone();
    out.extend(name.as_bytes());
    out.extend(deflated);
    let start = out.len() as u32;
    let mut central = 0x02014b50u32.to_le_bytes().to_vec();
    central.extend(20u16.to_le_bytes());
    central.extend(&local[4..]);
    central.extend([0u8; 10]); // comment length, disk, internal and external attributes
    central.extend(0u32.to_le_bytes());
    central.extend(name.as_bytes());
    out.extend(&central);
    out.extend(0x06054b50u32.to_le_bytes());
    out.extend([0u8; 4]);
    out.extend(1u16.to_le_bytes());
    out.extend(1u16.to_le_bytes());
    out.extend((central.len() as u32).to_le_bytes());
    out.extend(start.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

#[test]
fn a_zip_bomb_signed_with_a_trusted_key_is_refused_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    // A key made by the standard tool: huka verifies what minisign signs, too.
    let (pubkey, seckey) = (dir.path().join("k.pub"), dir.path().join("k.key"));
    let made = Command::new("minisign").args(["-G", "-W", "-p"]).arg(&pubkey).arg("-s").arg(&seckey).output();
    match made {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("SKIPPED: the `minisign` command is not installed; not testing a bomb signed with it");
            return;
        }
        other => assert!(other.unwrap().status.success()),
    }
    let zeros = deflated_zeros(1024); // 1 GiB, in about 1 MB
    for (label, declared) in [("honest", u32::MAX - 1), ("lying", 1000)] {
        let bomb = dir.path().join(format!("{label}.huka.zip"));
        std::fs::write(&bomb, raw_zip("summary.json", &zeros, declared)).unwrap();
        let comment = "huka-bundle school:1 term:2026-autumn created:2026-11-29T00:00:00Z file:bomb.huka.zip";
        let signed = Command::new("minisign").args(["-S", "-W", "-s"]).arg(&seckey).arg("-m").arg(&bomb).args(["-t", comment]).output().unwrap();
        assert!(signed.status.success(), "{}", String::from_utf8_lossy(&signed.stderr));
        // 300 MB of address space: decompressing the gigabyte would abort, not exit 1.
        let out = Command::new("prlimit")
            .arg(format!("--as={}", 300 * 1024 * 1024))
            .arg(huka_bin())
            .arg("verify")
            .arg(&bomb)
            .arg("--pubkey")
            .arg(&pubkey)
            .env("LANG", "C.UTF-8")
            .output()
            .unwrap();
        let err = refused(&out);
        assert!(err.contains("size limit") || err.contains("declared"), "{label}: {err}");
    }
}

/// A folder shaped like a real stick that went through a Mac and a Windows PC: macOS's
/// `._<bundle>` files and `.DS_Store`, Windows' `Thumbs.db`, `desktop.ini` and `System Volume
/// Information`, a copy Windows named `… (1)` (no signature beside it) and one named
/// `… - 副本` (with its signature copied too). County ingest ignores the metadata, tells
/// each copy by its content, reports it as a copy of the original and counts it once: exit 0.
#[test]
fn a_real_sticks_folder_with_metadata_and_renamed_copies() {
    let dir = tempfile::tempdir().unwrap();
    let usb = dir.path().join("usb");
    let schools: Vec<School> =
        [("2161092111", "涧池镇", 20), ("2161092112", "城关镇", 20)].iter().enumerate().map(|(i, (code, town, n))| school(dir.path(), code, town, *n, i as u64 + 7)).collect();
    let bundles: Vec<PathBuf> = schools.iter().map(|s| export(s, &usb)).collect();
    let county = dir.path().join("county.db");
    for s in &schools {
        ok(&huka(&county, &["county", "register", "--pubkey", s.pubkey.to_str().unwrap()]));
    }
    let name = |p: &Path| p.file_name().unwrap().to_str().unwrap().to_string();
    let stem = |p: &Path| name(p).strip_suffix(".huka.age").unwrap().to_string();
    // What a Mac leaves: an AppleDouble file beside each file it touched, and .DS_Store.
    let apple_double = b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        \x00\x02\x00\x00\x00\x09\x00\x00\x00\x32";
    for b in &bundles {
        std::fs::write(usb.join(format!("._{}", name(b))), apple_double).unwrap();
        std::fs::write(usb.join(format!("._{}.minisig", name(b))), apple_double).unwrap();
    }
    std::fs::write(usb.join(".DS_Store"), b"\x00\x00\x00\x01Bud1").unwrap();
    std::fs::write(usb.join("Thumbs.db"), b"\xd0\xcf\x11\xe0").unwrap();
    std::fs::write(usb.join("desktop.ini"), "[.ShellClassInfo]\r\n").unwrap();
    let svi = usb.join("System Volume Information");
    std::fs::create_dir_all(&svi).unwrap();
    std::fs::write(svi.join("IndexerVolumeGuid"), "{0}").unwrap();
    std::fs::write(svi.join("._tracking.huka.age"), apple_double).unwrap();
    // Windows' copies: one without its signature, one with.
    let copy1 = usb.join(format!("{} (1).huka.age", stem(&bundles[0])));
    std::fs::copy(&bundles[0], &copy1).unwrap();
    let copy2 = usb.join(format!("{} - 副本.huka.age", stem(&bundles[1])));
    std::fs::copy(&bundles[1], &copy2).unwrap();
    std::fs::copy(sig_of(&bundles[1]), sig_of(&copy2)).unwrap();

    let out = huka(&county, &["county", "ingest", usb.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let r = json(&out);
    assert_eq!((r["accepted"].as_i64(), r["rejected"].as_i64(), r["copies"].as_i64()), (Some(2), Some(0), Some(2)), "{r:#}");
    let verdicts = r["verdicts"].as_array().unwrap();
    assert_eq!(verdicts.len(), 4, "no metadata file has a verdict: {r:#}");
    assert!(!verdicts.iter().any(|v| v["file"].as_str().unwrap().contains("._") || v["file"].as_str().unwrap().contains("System Volume")));
    for (copy, original) in [(&copy1, &bundles[0]), (&copy2, &bundles[1])] {
        let v = verdicts.iter().find(|v| v["file"] == copy.to_str().unwrap()).unwrap();
        assert_eq!((v["status"].as_str(), v["of"].as_str()), (Some("copy"), original.to_str()), "{v}");
    }

    // The next time: the originals are in; the copies alone are copies of what was ingested,
    // the originals unchanged, and the text says so in Chinese.
    let again = huka_tests::huka_command(&county, &["county", "ingest", usb.to_str().unwrap()]).env("LANG", "zh_CN.UTF-8").output().unwrap();
    assert_eq!(again.status.code(), Some(0));
    let text = String::from_utf8(again.stdout).unwrap();
    assert!(text.contains(&format!("是 {} 的副本，只计一次", bundles[0].display())), "{text}");
    assert!(text.contains("共 2 个：接收 0，未变 2，拒收 0（另有副本 2 个）"), "{text}");
    let alone = dir.path().join("alone");
    std::fs::create_dir_all(&alone).unwrap();
    std::fs::rename(&copy1, alone.join(copy1.file_name().unwrap())).unwrap();
    let r = json(&huka(&county, &["county", "ingest", alone.to_str().unwrap(), "--json"]));
    assert_eq!((r["copies"].as_i64(), r["verdicts"][0]["of"].as_str()), (Some(1), Some(name(&bundles[0]).as_str())), "{r:#}");

    // A `._` file given by name is not a bundle either: nothing to ingest, exit 0.
    let r = huka(&county, &["county", "ingest", usb.join(format!("._{}", name(&bundles[0]))).to_str().unwrap(), "--json"]);
    assert_eq!(r.status.code(), Some(0));
    assert_eq!(json(&r)["verdicts"].as_array().unwrap().len(), 0);
}

/// `huka county notice`: the county's notice of the grants two schools' bundles report — a
/// workbook and a PDF, each line name, school, class, programme and amount, and no ID number.
#[test]
fn the_county_prints_its_notice_of_the_schools_grants() {
    let dir = tempfile::tempdir().unwrap();
    let usb = dir.path().join("usb");
    let schools: Vec<School> = [("2161092101", "涧池镇", 30), ("2161092102", "城关镇", 20)]
        .iter()
        .enumerate()
        .map(|(i, (code, town, n))| school(dir.path(), code, town, *n, i as u64 + 3))
        .collect();
    let county = dir.path().join("county.db");
    let mut granted = Vec::new();
    for s in &schools {
        let bundle = export(s, &usb.join(&s.code));
        ok(&huka(&county, &["county", "register", "--pubkey", s.pubkey.to_str().unwrap()]));
        // What the school's own notice and grant list say it granted this term.
        let grants = json(&huka(&s.db, &["aid", "grants", "--term", "2026-autumn", "--json"]));
        // What the county's notice lists: grants past the school's review and notice.
        for g in grants.as_array().unwrap().iter().filter(|g| ["notice", "county_reviewed", "paid"].contains(&g["status"].as_str().unwrap())) {
            granted.push((format!("{}学校", s.code), g["studentName"].as_str().unwrap().to_string(), g["amountFen"].as_i64().unwrap()));
        }
        assert!(bundle.exists());
    }
    ok(&huka(&county, &["county", "ingest", usb.to_str().unwrap()]));
    let out = dir.path().join("县级公示");
    let w = json(&huka(&county, &["county", "notice", "--term", "2026-autumn", "--out", out.to_str().unwrap(), "--json"]));
    assert_eq!(w["schools"], 2);
    assert_eq!(w["count"].as_u64().unwrap() as usize, granted.len());
    assert_eq!(w["totalFen"].as_i64().unwrap(), granted.iter().map(|g| g.2).sum::<i64>());
    let pdf = PathBuf::from(w["pdf"].as_str().unwrap());
    let xlsx = PathBuf::from(w["workbook"].as_str().unwrap());
    assert_eq!(pdf.file_name().unwrap().to_string_lossy(), "县级公示-2026年秋季学期.pdf");
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));
    let text = String::from_utf8(Command::new("pdftotext").args(["-enc", "UTF-8"]).arg(&pdf).arg("-").output().expect("pdftotext").stdout).unwrap();
    let packed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    for (school, name, _) in granted.iter().take(10) {
        assert!(packed.contains(school.as_str()) && packed.contains(name.as_str()), "{school} {name}");
    }
    assert!(packed.contains("学生资助县级公示") && packed.contains("年级"), "classes are printed");
    assert!(!has_id_number(&text) && !text.contains("****"), "no ID number, masked or not");

    // The plain output; a term without bundles; a school's database.
    let plain = ok(&huka(&county, &["county", "notice", "--term", "2026-autumn", "--out", out.to_str().unwrap()]));
    assert!(plain.contains("2 所学校") || plain.contains("2 schools"), "{plain}");
    let e = refused(&huka(&county, &["county", "notice", "--term", "2025-autumn", "--out", out.to_str().unwrap()]));
    assert!(e.contains("2025"), "{e}");
    refused(&huka(&schools[0].db, &["county", "notice", "--term", "2026-autumn", "--out", out.to_str().unwrap()]));
}
