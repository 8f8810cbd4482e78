//! Hybrid logical clocks (Kulkarni et al., 2014): wall-clock milliseconds and a counter, never
//! going backwards on a device, and after a file is read never behind anything in it — so that
//! if one write happened before another, its clock is lower. A clock is written as text that
//! sorts as it compares: `0001764430000123-00000`; with the device that wrote, `"<hlc> <device>"`.

use chrono::{DateTime, Utc};

use crate::error::Result;
use crate::store::Writer;

/// A hybrid logical time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hlc {
    pub ms: i64,
    pub counter: u32,
}

impl Hlc {
    pub fn text(self) -> String {
        format!("{:016}-{:05}", self.ms, self.counter)
    }

    pub fn parse(s: &str) -> Option<Hlc> {
        let (ms, counter) = s.split_once('-')?;
        Some(Hlc { ms: ms.parse().ok()?, counter: counter.parse().ok()? })
    }

    /// The next time on this device: the wall clock, or one tick past the last when the wall
    /// clock is behind it.
    pub fn next(last: Hlc, wall: DateTime<Utc>) -> Hlc {
        let ms = wall.timestamp_millis();
        if ms > last.ms {
            Hlc { ms, counter: 0 }
        } else {
            Hlc { ms: last.ms, counter: last.counter + 1 }
        }
    }
}

const KEY: &str = "sync.hlc";

/// This device's last time.
pub(crate) fn last(w: &Writer<'_>) -> Result<Hlc> {
    let text: Option<String> = rusqlite::OptionalExtension::optional(w.tx().query_row("SELECT value FROM meta WHERE key = ?1", [KEY], |r| r.get(0)))?;
    Ok(text.as_deref().and_then(Hlc::parse).unwrap_or(Hlc { ms: 0, counter: 0 }))
}

pub(crate) fn save(w: &Writer<'_>, t: Hlc) -> Result<()> {
    w.tx().execute("INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [KEY, &t.text()])?;
    Ok(())
}

/// A clock: when, and which device. Compared by time, then by device id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Clock {
    pub hlc: String,
    pub device: String,
}

impl Clock {
    pub fn text(&self) -> String {
        format!("{} {}", self.hlc, self.device)
    }
    pub fn parse(s: &str) -> Option<Clock> {
        let (hlc, device) = s.split_once(' ')?;
        Some(Clock { hlc: hlc.to_string(), device: device.to_string() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_never_goes_back_and_sorts_as_text() {
        let t0 = DateTime::parse_from_rfc3339("2026-11-29T10:00:00Z").unwrap().with_timezone(&Utc);
        let a = Hlc::next(Hlc { ms: 0, counter: 0 }, t0);
        let b = Hlc::next(a, t0);
        let c = Hlc::next(b, t0 - chrono::Duration::seconds(30)); // the wall clock went back
        assert!(a < b && b < c);
        assert!(a.text() < b.text() && b.text() < c.text());
        assert_eq!(Hlc::parse(&c.text()), Some(c));
        let d = Hlc::next(c, t0 + chrono::Duration::seconds(1));
        assert_eq!(d.counter, 0);
        assert!(c.text() < d.text());
    }
}
