//! How far a long read has gone — a large school's change file joined or read, a backup's
//! database copied — told to the window's progress bar and the CLI's line.

use std::io::Read;

/// How far a read has gone: `(bytes, of)`, told each time another hundredth of it is read,
/// then once it all is.
pub type Progress<'p> = &'p mut dyn FnMut(u64, u64);

/// The bytes of `inner` (`whole` of them) as they are read, telling `progress` how many have
/// been each time another hundredth has, and when all have.
pub(crate) struct Counted<'p, R> {
    inner: R,
    whole: u64,
    read: u64,
    /// Read this far, it tells `progress` again.
    next: u64,
    progress: Progress<'p>,
}

impl<'p, R: Read> Counted<'p, R> {
    pub(crate) fn new(inner: R, whole: u64, progress: Progress<'p>) -> Self {
        Counted { inner, whole, read: 0, next: Self::step(whole), progress }
    }

    fn step(whole: u64) -> u64 {
        (whole / 100).max(1)
    }
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        // Told once more when all is read, however little the last read was.
        if self.next != u64::MAX && (self.read >= self.next || self.read >= self.whole) {
            (self.progress)(self.read.min(self.whole), self.whole);
            self.next = if self.read >= self.whole { u64::MAX } else { self.read + Self::step(self.whole) };
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How far the bytes are read is told each hundredth, and once when all are — even when
    /// the last read is less than a hundredth (a large file's last buffer).
    #[test]
    fn the_bytes_read_are_told_each_hundredth_and_once_all_are() {
        let bytes = vec![7u8; 1000];
        let mut told = Vec::new();
        let mut tell = |done, whole| told.push((done, whole));
        let mut counted = Counted::new(&bytes[..], 1000, &mut tell);
        let mut buf = [0u8; 333];
        while counted.read(&mut buf).unwrap() > 0 {}
        assert_eq!(counted.read(&mut buf).unwrap(), 0);
        drop(counted);
        assert_eq!(told, [(333, 1000), (666, 1000), (999, 1000), (1000, 1000)]);
    }
}
