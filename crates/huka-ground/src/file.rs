//! Files written for a user — on a USB stick or any other place the user chose — are whole or
//! absent. Every such file goes through here: its bytes (made in memory first, so their size is
//! known) go to a temporary name in the same folder (`.huka-XXXXXX.tmp`, valid on FAT32,
//! exFAT and NTFS), are flushed to the device, and take their name by a rename in that folder;
//! on Unix the folder is flushed too. A failure removes the temporary, and a file of that name
//! that was there before stays as it was.
//!
//! A set of files (the archive's PDFs and volume, a bundle and its signature) is all or none:
//! the room for all of them is checked before the first byte is written, every one is written
//! under its temporary name, and only when all are complete are they renamed. A failure while
//! writing leaves the folder as it was; a rename failing midway (it needs no new room and
//! should not happen) removes the new files already renamed, and a file that replaced one of
//! the same name stays, whole.
//!
//! A full drive is [`Error::NoRoom`], one sentence saying how much room is needed and how much
//! is left. The files are created readable by their owner only (on Unix): what Huka writes is
//! mostly about people.

use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Room kept for each file's folder entries (a FAT long name takes a few 32-byte entries, the
/// temporary name as many again) on top of the clusters its bytes fill.
const ENTRY_ROOM: u64 = 512;

/// Writes `bytes` to `path`, whole or not at all (replacing a file of that name only once the
/// new one is complete). The folder must exist.
pub fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    write_all(&[(path, bytes)])
}

/// Writes every file of a set, or none of them: see the module's documentation.
pub fn write_all(files: &[(&Path, &[u8])]) -> Result<()> {
    for dir in folders(files) {
        let needed = needed(&dir, files);
        if let Some(available) = available(&dir) {
            if available < needed {
                return Err(Error::NoRoom { needed, available });
            }
        }
    }
    write_checked(files)
}

/// Whether the drive that holds `dir` has room for a file of `size` bytes (with its folder
/// entries): [`Error::NoRoom`], one sentence with both sizes, when it has not — checked before
/// a file that is not written through here is (SQLite's: a database copied from a backup).
pub fn check_room(dir: &Path, size: u64) -> Result<()> {
    let needed = room_for(dir, size);
    match available(dir) {
        Some(available) if available < needed => Err(Error::NoRoom { needed, available }),
        _ => Ok(()),
    }
}

/// Writes to `path`, whole or not at all as [`write`] does, the file `fill` writes — for one
/// too large to be made in memory first (a county-size school's backup). `size` is about what
/// it will take: the room for it is checked before the first byte.
pub fn write_streamed(path: &Path, size: u64, fill: impl FnOnce(&mut std::fs::File) -> Result<()>) -> Result<()> {
    let dir = folder_of(path);
    check_room(&dir, size)?;
    let needed = room_for(&dir, size);
    let full = |e: Error| match e {
        Error::Io(e) if is_full(&e) => Error::NoRoom { needed, available: available(&dir).unwrap_or(0) },
        other => other,
    };
    // Removed on drop, whatever fails.
    let mut temp = tempfile::Builder::new().prefix(".huka-").suffix(".tmp").tempfile_in(&dir)?;
    fill(temp.as_file_mut()).map_err(full)?;
    temp.as_file().sync_all().map_err(|e| full(e.into()))?;
    temp.persist(path).map_err(|e| full(e.error.into()))?;
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Makes the folder `dir` (with its parents) when it is missing and runs `write`; when that
/// fails, the folders made here are taken away again (if they are still empty): a run that
/// wrote nothing leaves no empty folder on the stick either.
pub fn in_folder<T>(dir: &Path, write: impl FnOnce() -> Result<T>) -> Result<T> {
    let made: Vec<&Path> = dir.ancestors().take_while(|d| !d.as_os_str().is_empty() && !d.exists()).collect();
    std::fs::create_dir_all(dir)?;
    let result = write();
    if result.is_err() {
        for d in made {
            if std::fs::remove_dir(d).is_err() {
                break;
            }
        }
    }
    result
}

/// Writes the set once its room was found (tests call it directly to meet a real full drive).
fn write_checked(files: &[(&Path, &[u8])]) -> Result<()> {
    let mut staged = Vec::with_capacity(files.len());
    for (path, bytes) in files {
        match stage(path, bytes) {
            Ok(temp) => staged.push(temp),
            Err(e) => {
                // Dropping a temporary removes it.
                drop(staged);
                return Err(full_or(e, folder_of(path), files));
            }
        }
    }
    let mut renamed: Vec<(&Path, bool)> = Vec::with_capacity(files.len());
    let mut rest = staged.into_iter().zip(files);
    while let Some((temp, (path, _))) = rest.next() {
        let existed = path.symlink_metadata().is_ok();
        if let Err(e) = temp.persist(path) {
            // This temporary and those not renamed yet are removed as they drop.
            drop(e.path);
            drop(rest);
            for (done, existed) in renamed {
                if !existed {
                    let _ = std::fs::remove_file(done);
                }
            }
            return Err(full_or(e.error, folder_of(path), files));
        }
        renamed.push((path, existed));
    }
    #[cfg(unix)]
    for dir in folders(files) {
        // The renames reach the device too (best effort: not every file system can).
        if let Ok(d) = std::fs::File::open(&dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// One file under its temporary name beside `path`, complete and on the device.
fn stage(path: &Path, bytes: &[u8]) -> std::io::Result<tempfile::TempPath> {
    let mut temp = tempfile::Builder::new().prefix(".huka-").suffix(".tmp").tempfile_in(folder_of(path))?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    // Closed, so that a set of hundreds of files holds no handles; still removed on drop.
    Ok(temp.into_temp_path())
}

/// The folder a file goes into (`.` for a bare name).
pub fn folder_of(path: &Path) -> PathBuf {
    path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf()
}

fn folders(files: &[(&Path, &[u8])]) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    for (path, _) in files {
        let dir = folder_of(path);
        if !dirs.contains(&dir) {
            dirs.push(dir);
        }
    }
    dirs
}

/// The room the files going into `dir` take there: each rounded up to whole clusters, with
/// its folder entries.
fn needed(dir: &Path, files: &[(&Path, &[u8])]) -> u64 {
    files.iter().filter(|(path, _)| folder_of(path) == dir).map(|(_, bytes)| room_for(dir, bytes.len() as u64)).sum()
}

/// The room one file of `size` bytes takes in `dir`: whole clusters, with its folder entries.
fn room_for(dir: &Path, size: u64) -> u64 {
    let cluster = fs4::allocation_granularity(dir).unwrap_or(4096).max(1);
    size.div_ceil(cluster) * cluster + ENTRY_ROOM
}

/// The room left on the drive that holds `dir`, when the system says.
fn available(dir: &Path) -> Option<u64> {
    fs4::available_space(dir).ok()
}

fn is_full(e: &std::io::Error) -> bool {
    matches!(e.kind(), ErrorKind::StorageFull | ErrorKind::QuotaExceeded)
}

/// A full drive met while writing becomes [`Error::NoRoom`] (with the room left once the
/// temporaries are gone); any other failure stays what it was.
fn full_or(e: std::io::Error, dir: PathBuf, files: &[(&Path, &[u8])]) -> Error {
    if is_full(&e) {
        Error::NoRoom { needed: needed(&dir, files), available: available(&dir).unwrap_or(0) }
    } else {
        Error::Io(e)
    }
}

#[cfg(any(test, feature = "testing"))]
pub mod testing;
#[cfg(test)]
mod tests;
