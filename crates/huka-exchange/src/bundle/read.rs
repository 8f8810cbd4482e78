//! Reading a bundle's zip, which comes from outside (a USB stick). It is read into memory
//! only — nothing is ever written to disk, so no entry name can reach outside a folder — and
//! only within [`Limits`]: the file's size, the number of entries, each entry's size and their
//! sum. Sizes are checked against what the zip declares *before* anything is decompressed, and
//! again while decompressing (a zip may lie about sizes), never reading more than the limit
//! plus one byte. Names must be plain relative paths: no `..`, no leading `/`, no `\`, no
//! drive letter, no control character.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use super::Rejection;

/// Size limits for a bundle from outside. The defaults leave room for a county's largest
/// school (a 30,000-student school's bundle is about 2 MB, its largest file about 10 MB).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The `.huka.zip` file itself.
    pub max_file: u64,
    pub max_entries: usize,
    /// One entry, decompressed.
    pub max_entry: u64,
    /// All entries together, decompressed.
    pub max_total: u64,
}

const MIB: u64 = 1024 * 1024;

impl Default for Limits {
    fn default() -> Self {
        Limits { max_file: 64 * MIB, max_entries: 64, max_entry: 64 * MIB, max_total: 256 * MIB }
    }
}

/// The entries of a zip, by name, with their bytes.
#[derive(Debug, Default)]
pub struct Entries {
    pub files: BTreeMap<String, Vec<u8>>,
}

fn malformed(detail: impl Into<String>) -> Rejection {
    Rejection::Malformed { detail: detail.into() }
}

fn too_large(what: &str, limit: u64) -> Rejection {
    Rejection::TooLarge { what: what.to_string(), limit }
}

/// True for a plain relative path of safe segments.
pub fn safe_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 200
        && !name.starts_with('/')
        && !name.contains('\\')
        && !name.contains(':')
        && !name.chars().any(char::is_control)
        && name.split('/').all(|seg| !seg.is_empty() && seg != "." && seg != ".." && seg.trim() == seg)
}

/// Reads every entry of the zip in `bytes`, within `limits`.
pub fn read_zip(bytes: &[u8], limits: &Limits) -> Result<Entries, Rejection> {
    if bytes.len() as u64 > limits.max_file {
        return Err(too_large("file", limits.max_file));
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| malformed(e.to_string()))?;
    if zip.len() > limits.max_entries {
        return Err(too_large("entries", limits.max_entries as u64));
    }
    if zip.has_duplicate_names() {
        return Err(malformed("two entries with the same name"));
    }
    // Entries that share their compressed data are how the smallest zip bombs are made.
    if zip.has_overlapping_entries().map_err(|e| malformed(e.to_string()))? {
        return Err(malformed("overlapping entries"));
    }
    let mut entries = Entries::default();
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).map_err(|e| malformed(e.to_string()))?;
        let name = match std::str::from_utf8(file.name_raw()) {
            Ok(n) if safe_name(n) => n.to_string(),
            Ok(n) => return Err(Rejection::UnsafePath { name: Rejection::shown(n) }),
            Err(_) => return Err(Rejection::UnsafePath { name: Rejection::shown(&String::from_utf8_lossy(file.name_raw())) }),
        };
        if file.is_dir() || file.is_symlink() {
            return Err(Rejection::ExtraFile { file: Rejection::shown(&name) });
        }
        if file.encrypted() {
            return Err(malformed(format!("{name} is encrypted")));
        }
        if !matches!(file.compression(), zip::CompressionMethod::Stored | zip::CompressionMethod::Deflated) {
            return Err(malformed(format!("{name} uses an unsupported compression")));
        }
        // Refuse on the declared size before decompressing anything …
        let declared = file.size();
        let room = limits.max_entry.min(limits.max_total - total);
        if declared > room {
            return Err(too_large(if declared > limits.max_entry { "entry" } else { "total" }, if declared > limits.max_entry { limits.max_entry } else { limits.max_total }));
        }
        // … and never decompress past the limit, whatever the header says.
        let mut data = Vec::with_capacity(declared as usize);
        (&mut file).take(room + 1).read_to_end(&mut data).map_err(|e| malformed(format!("{name}: {e}")))?;
        if data.len() as u64 > room {
            return Err(too_large(if room == limits.max_entry { "entry" } else { "total" }, if room == limits.max_entry { limits.max_entry } else { limits.max_total }));
        }
        if data.len() as u64 != declared {
            return Err(malformed(format!("{name} is not the size its header declares")));
        }
        total += declared;
        entries.files.insert(name, data);
    }
    Ok(entries)
}

#[cfg(test)]
pub(crate) mod tests {
    use std::io::Write;

    use proptest::prelude::*;
    use zip::write::SimpleFileOptions;

    use super::*;

    /// A zip written with the zip crate, entries in order.
    pub fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in entries {
            w.start_file(*name, opts).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    /// A zip built by hand, byte by byte, so that headers can lie: `declared` is written as the
    /// uncompressed size whatever `data` holds. `deflated` data must already be raw deflate.
    pub fn raw_zip(entries: &[(&[u8], &[u8], bool, u32)]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for (name, data, deflated, declared) in entries {
            let offset = out.len() as u32;
            let method: u16 = if *deflated { 8 } else { 0 };
            let crc = if *deflated { crc32(&inflate_small(data)) } else { crc32(data) };
            let mut local = Vec::new();
            local.extend(0x04034b50u32.to_le_bytes());
            local.extend(20u16.to_le_bytes());
            local.extend(0x0800u16.to_le_bytes()); // UTF-8 names
            local.extend(method.to_le_bytes());
            local.extend([0u8; 4]); // time, date
            local.extend(crc.to_le_bytes());
            local.extend((data.len() as u32).to_le_bytes());
            local.extend(declared.to_le_bytes());
            local.extend((name.len() as u16).to_le_bytes());
            local.extend(0u16.to_le_bytes());
            out.extend(&local);
            out.extend(*name);
            out.extend(*data);
            central.extend(0x02014b50u32.to_le_bytes());
            central.extend(20u16.to_le_bytes());
            central.extend(&local[4..]);
            central.extend([0u8; 6]); // comment length, disk, internal attributes
            central.extend(0u32.to_le_bytes()); // external attributes
            central.extend(offset.to_le_bytes());
            central.extend(*name);
        }
        let start = out.len() as u32;
        out.extend(&central);
        out.extend(0x06054b50u32.to_le_bytes());
        out.extend([0u8; 4]);
        out.extend((entries.len() as u16).to_le_bytes());
        out.extend((entries.len() as u16).to_le_bytes());
        out.extend((central.len() as u32).to_le_bytes());
        out.extend(start.to_le_bytes());
        out.extend(0u16.to_le_bytes());
        out
    }

    /// Inflates raw deflate data of at most 16 MiB (bombs get a wrong checksum: never reached).
    fn inflate_small(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let _ = flate2::read::DeflateDecoder::new(data).take(16 * MIB + 1).read_to_end(&mut out);
        if out.len() as u64 > 16 * MIB { Vec::new() } else { out }
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    /// Raw deflate of `n` MiB of zeros, built from one compressed MiB repeated: a full flush
    /// makes each block independent, so gigabytes cost only kilobytes and no time to make.
    pub fn deflated_zeros(mib: usize) -> Vec<u8> {
        let mut c = flate2::Compress::new(flate2::Compression::best(), false);
        let mut block = Vec::with_capacity(64 * 1024);
        c.compress_vec(&vec![0u8; MIB as usize], &mut block, flate2::FlushCompress::Full).unwrap();
        let mut end = Vec::with_capacity(64);
        c.compress_vec(&[], &mut end, flate2::FlushCompress::Finish).unwrap();
        let mut out = Vec::with_capacity(block.len() * mib + end.len());
        for _ in 0..mib {
            out.extend(&block);
        }
        out.extend(&end);
        out
    }

    #[test]
    fn a_plain_zip_is_read() {
        let bytes = zip_of(&[("a.json", b"{}"), ("lists/b.json", b"[1]")]);
        let e = read_zip(&bytes, &Limits::default()).unwrap();
        assert_eq!(e.files.keys().collect::<Vec<_>>(), ["a.json", "lists/b.json"]);
        assert_eq!(e.files["lists/b.json"], b"[1]");
    }

    #[test]
    fn names_that_could_leave_the_folder_are_refused() {
        for bad in ["../evil.json", "lists/../../x", "/etc/passwd", "C:/x", "c:x", "lists\\x.json", "./a", "a//b", "a/", "", " a", "a\u{7}"] {
            assert!(!safe_name(bad), "{bad:?}");
        }
        for good in ["manifest.json", "lists/students.json", "学生.json"] {
            assert!(safe_name(good), "{good:?}");
        }
        let evil = raw_zip(&[(b"../../evil.sh", b"rm -rf /", false, 8)]);
        assert!(matches!(read_zip(&evil, &Limits::default()), Err(Rejection::UnsafePath { .. })));
        let abs = raw_zip(&[(b"/tmp/x", b"x", false, 1)]);
        assert!(matches!(read_zip(&abs, &Limits::default()), Err(Rejection::UnsafePath { .. })));
        let not_utf8 = raw_zip(&[(b"\xff\xfe.json", b"x", false, 1)]);
        assert!(matches!(read_zip(&not_utf8, &Limits::default()), Err(Rejection::UnsafePath { .. })));
    }

    #[test]
    fn duplicate_names_and_directories_are_refused() {
        let dup = raw_zip(&[(b"a.json", b"1", false, 1), (b"a.json", b"2", false, 1)]);
        assert!(matches!(read_zip(&dup, &Limits::default()), Err(Rejection::Malformed { .. })));
        let dir = raw_zip(&[(b"lists/", b"", false, 0)]);
        assert!(matches!(read_zip(&dir, &Limits::default()), Err(Rejection::UnsafePath { .. } | Rejection::ExtraFile { .. })));
    }

    #[test]
    fn a_zip_bomb_is_refused_before_it_is_decompressed() {
        // Declares its real size (4 GiB of zeros in 4 MB): refused on the header alone.
        let zeros = deflated_zeros(4096);
        // (0xFFFFFFFF would mean "see the zip64 field".)
        let honest = raw_zip(&[(b"summary.json", &zeros, true, u32::MAX - 1)]);
        let t = std::time::Instant::now();
        let r = read_zip(&honest, &Limits::default());
        assert!(matches!(r, Err(Rejection::TooLarge { .. })), "{r:?}");
        // Lies about its size (says 100 bytes): decompression stops at the limit.
        let liar = raw_zip(&[(b"summary.json", &zeros, true, 100)]);
        let small = Limits { max_entry: MIB, max_total: 2 * MIB, ..Limits::default() };
        match read_zip(&liar, &small) {
            Err(Rejection::TooLarge { limit, .. }) => assert_eq!(limit, MIB),
            // The zip crate may stop at the declared size itself and report the mismatch.
            Err(Rejection::Malformed { detail }) => assert!(detail.contains("larger than its declared"), "{detail}"),
            other => panic!("{other:?}"),
        }
        // Many entries within the per-entry limit but over the total.
        let mib = deflated_zeros(1);
        let many: Vec<(Vec<u8>, bool)> = (0..3).map(|i| (format!("f{i}").into_bytes(), true)).collect();
        let entries: Vec<(&[u8], &[u8], bool, u32)> = many.iter().map(|(n, d)| (n.as_slice(), mib.as_slice(), *d, MIB as u32)).collect();
        let r = read_zip(&raw_zip(&entries), &small);
        assert!(matches!(r, Err(Rejection::TooLarge { .. })), "{r:?}");
        assert!(t.elapsed() < std::time::Duration::from_secs(10), "refused quickly: {:?}", t.elapsed());
    }

    #[test]
    fn too_many_entries_or_too_big_a_file_are_refused() {
        let names: Vec<String> = (0..70).map(|i| format!("f{i}")).collect();
        let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"x"[..])).collect();
        assert!(matches!(read_zip(&zip_of(&entries), &Limits::default()), Err(Rejection::TooLarge { .. })));
        let bytes = zip_of(&[("a", b"x")]);
        assert!(matches!(read_zip(&bytes, &Limits { max_file: 10, ..Limits::default() }), Err(Rejection::TooLarge { .. })));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn random_bytes_are_refused_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let _ = read_zip(&bytes, &Limits::default());
        }

        #[test]
        fn truncated_and_mutated_zips_never_panic(cut in 0usize..400, flips in proptest::collection::vec((0usize..400, any::<u8>()), 0..8)) {
            let mut bytes = zip_of(&[("manifest.json", br#"{"format":"huka-county-bundle"}"#), ("lists/students.json", b"[]")]);
            for (at, b) in flips {
                let n = bytes.len();
                bytes[at % n] ^= b;
            }
            bytes.truncate(cut.min(bytes.len()));
            if let Ok(e) = read_zip(&bytes, &Limits::default()) {
                prop_assert!(e.files.keys().all(|n| safe_name(n)));
            }
        }

        #[test]
        fn any_entry_name_read_is_safe(name in "[a-z./\\\\:]{0,12}") {
            let bytes = raw_zip(&[(name.as_bytes(), b"x", false, 1)]);
            if let Ok(e) = read_zip(&bytes, &Limits::default()) {
                prop_assert!(e.files.keys().all(|n| safe_name(n) && !n.split('/').any(|s| s == "..")));
            }
        }
    }
}
