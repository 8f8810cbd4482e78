use super::testing::*;
use super::*;
use crate::error::Lang;

#[test]
fn a_file_is_written_whole_and_replaces_the_old_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("报表 2026.xlsx");
    write(&path, b"first").unwrap();
    write(&path, b"second, longer").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"second, longer");
    assert_eq!(names(dir.path()), ["报表 2026.xlsx"], "no temporary left");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600, "readable by its owner only");
    }
}

#[test]
fn a_failed_replacement_leaves_the_old_file_and_no_temporary() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.pdf");
    std::fs::write(&old, b"the good one").unwrap();
    // The second file of the set cannot be written (its folder is missing): the first, staged
    // already, is not renamed over the old one, and its temporary is gone.
    let missing = dir.path().join("no-such-folder").join("b.pdf");
    let e = write_all(&[(&old, b"new"), (&missing, b"b")]).unwrap_err();
    assert!(matches!(e, Error::Io(ref io) if io.kind() == ErrorKind::NotFound), "{e:?}");
    assert_eq!(std::fs::read(&old).unwrap(), b"the good one");
    assert_eq!(names(dir.path()), ["old.pdf"]);

    // A rename that fails (a folder holds the name): the temporary is removed, the folder kept.
    let taken = dir.path().join("taken");
    std::fs::create_dir(&taken).unwrap();
    std::fs::write(taken.join("inside"), b"x").unwrap();
    assert!(write(&taken, b"bytes").is_err());
    assert_eq!(names(dir.path()), ["old.pdf", "taken"]);
    assert_eq!(names(&taken), ["inside"]);
}

#[test]
fn a_rename_failing_midway_takes_the_new_files_of_the_set_away() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.pdf"), dir.path().join("b.pdf"));
    std::fs::write(&b, b"b before").unwrap();
    let taken = dir.path().join("taken");
    std::fs::create_dir(&taken).unwrap();
    std::fs::write(taken.join("inside"), b"x").unwrap();
    assert!(write_all(&[(&a, b"a"), (&b, b"b after"), (&taken, b"c")]).is_err());
    // `a` was new and is gone again; `b` had been replaced already and stays, whole.
    assert_eq!(names(dir.path()), ["b.pdf", "taken"]);
    assert_eq!(std::fs::read(&b).unwrap(), b"b after");
}

#[test]
fn a_folder_made_for_a_write_that_failed_is_taken_away() {
    let dir = tempfile::tempdir().unwrap();
    let deep = dir.path().join("档案").join("2026");
    let failed: Result<()> = in_folder(&deep, || Err(Error::NoRoom { needed: 2, available: 1 }));
    assert!(failed.is_err());
    assert!(names(dir.path()).is_empty(), "both folders the run made are gone");
    in_folder(&deep, || write(&deep.join("a.pdf"), b"a")).unwrap();
    assert_eq!(names(&deep), ["a.pdf"]);
    // A folder that was there stays, even empty.
    std::fs::remove_file(deep.join("a.pdf")).unwrap();
    assert!(in_folder(&deep, || write(&deep.join("missing").join("b.pdf"), b"b")).is_err());
    assert!(deep.is_dir());
}

#[test]
fn no_room_is_one_sentence_with_both_sizes() {
    let e = Error::NoRoom { needed: 3 * 1024 * 1024 + 1, available: 1024 * 1024 - 1 };
    assert_eq!(e.code(), "no_room");
    assert!(e.is_rejection(), "a full stick is the user's to fix, not a fault (exit status 1)");
    assert_eq!(e.message(Lang::Zh), "U盘或磁盘空间不足：需要约 3.1 MB，只剩 0.9 MB。请换一个U盘或先腾出空间。");
    assert_eq!(
        e.message(Lang::En),
        "Not enough room on the USB stick or disk: about 3.1 MB is needed, only 0.9 MB is left. Use another stick or free some space first."
    );
    let big = Error::NoRoom { needed: 700 * 1024 * 1024 + 5, available: 0 };
    assert!(big.message(Lang::Zh).contains("需要约 701 MB，只剩 0 MB"), "{}", big.message(Lang::Zh));
    let small = Error::NoRoom { needed: 20_000, available: 2 * 1024 * 1024 };
    assert!(small.message(Lang::En).contains("about 0.1 MB is needed, only 2 MB is left"), "{}", small.message(Lang::En));
}

/// On a real full drive: the set is refused before anything is written, with the room it
/// needs; a file already there is untouched; and when the room check is passed by (the drive
/// filling up meanwhile) the full drive met while writing says the same, and leaves no
/// temporary.
#[test]
fn a_full_drive_gets_the_room_needed_and_keeps_what_it_had() {
    let Some(drive) = small_drive("file::tests::a_full_drive_gets_the_room_needed_and_keeps_what_it_had", "1m") else { return };
    let old = drive.join("huka-2161092101.hukabackup");
    std::fs::write(&old, vec![7u8; 100_000]).unwrap();
    fill(&drive, 200_000);
    let before = names(&drive);
    let big = vec![1u8; 400_000];

    let e = write(&old, &big).unwrap_err();
    let Error::NoRoom { needed, available } = e else { panic!("{e:?}") };
    assert!(needed >= 400_000 && available < 200_000 + 4096, "{needed} {available}");
    assert_eq!(names(&drive), before);
    assert_eq!(std::fs::read(&old).unwrap(), vec![7u8; 100_000], "the old file is untouched");

    let (a, b) = (drive.join("a.pdf"), drive.join("b.pdf"));
    let small = vec![2u8; 120_000];
    assert!(matches!(write_all(&[(&a, &small), (&b, &small)]), Err(Error::NoRoom { .. })), "two files that do not fit together");
    assert_eq!(names(&drive), before);

    // Past the check: the drive itself says it is full, midway.
    let e = write_checked(&[(&a, &small), (&old, &big)]).unwrap_err();
    assert!(matches!(e, Error::NoRoom { needed, .. } if needed >= 520_000), "{e:?}");
    assert_eq!(names(&drive), before, "no temporary, no new file");
    assert_eq!(std::fs::read(&old).unwrap(), vec![7u8; 100_000]);

    // What fits is written.
    write_all(&[(&a, &small)]).unwrap();
    assert_eq!(std::fs::read(&a).unwrap(), small);
}

/// A file written as it is made (a large backup) is whole or absent too: a fill that fails
/// leaves the file of that name as it was and no temporary; on a full drive it is refused
/// before the first byte (as `check_room` refuses a database copied from a backup), or — the
/// size told too small — stopped midway with the room it needs, nothing left.
#[test]
fn a_file_written_as_it_is_made_is_whole_or_absent() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huka-2161092101.hukabackup");
    write_streamed(&path, 5, |f| Ok(f.write_all(b"first")?)).unwrap();
    let e = write_streamed(&path, 6, |f| {
        f.write_all(b"half")?;
        Err(Error::Io(std::io::Error::other("the source failed")))
    })
    .unwrap_err();
    assert!(matches!(e, Error::Io(_)), "{e:?}");
    assert_eq!(std::fs::read(&path).unwrap(), b"first");
    assert_eq!(names(dir.path()), ["huka-2161092101.hukabackup"], "no temporary left");

    let Some(drive) = small_drive("file::tests::a_file_written_as_it_is_made_is_whole_or_absent", "1m") else { return };
    fill(&drive, 200_000);
    let before = names(&drive);
    let big = drive.join("big.hukabackup");
    assert!(matches!(check_room(&drive, 400_000), Err(Error::NoRoom { needed, .. }) if needed >= 400_000));
    check_room(&drive, 100_000).unwrap();
    assert!(matches!(write_streamed(&big, 400_000, |_| panic!("not started")), Err(Error::NoRoom { needed, .. }) if needed >= 400_000));
    let e = write_streamed(&big, 1_000, |f| Ok(f.write_all(&vec![1u8; 400_000])?)).unwrap_err();
    assert!(matches!(e, Error::NoRoom { .. }), "{e:?}");
    assert_eq!(names(&drive), before, "no temporary, no new file");
}
