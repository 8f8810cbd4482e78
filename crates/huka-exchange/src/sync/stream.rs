//! A change set read and written as a stream: one record at a time between the database and
//! the deflated JSON, so that what a computer holds while it exchanges — or joins a school of
//! thirty thousand students — does not grow with the school.
//!
//! The JSON is the one change files have always held (files written before read the same way):
//! an object whose small fields (the head) come first, then `records`, `merges` and `audit`.
//! Reading hands the head, then each record, merge and audit entry to a [`Sink`]; writing asks
//! the database for each record as it goes.

use std::cell::RefCell;
use std::io::Read;

use serde::de;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::Serialize;
use serde_json::{Map, Value};

use super::merge::Applier;
use super::set::{Head, RecordChange};
use crate::audit::{Entry, Received};
use crate::error::{Error, Result};
use super::SyncError;

/// What reading a change set hands its parts to, in the file's order.
pub(crate) trait Sink {
    /// The head; `Ok(false)`: nothing more is wanted, the rest of the file is not read.
    fn head(&mut self, head: Head) -> Result<bool>;
    fn record(&mut self, record: RecordChange) -> Result<()>;
    fn merge_pair(&mut self, pair: (String, String, String)) -> Result<()>;
    fn audit(&mut self, entry: Received) -> Result<()>;
    /// Whether the audit entries are wanted at all (skipped unread when not).
    fn wants_audit(&self) -> bool {
        true
    }
}

impl Sink for Applier<'_, '_> {
    fn head(&mut self, head: Head) -> Result<bool> {
        Applier::head(self, head)?;
        Ok(true)
    }
    fn record(&mut self, record: RecordChange) -> Result<()> {
        Applier::record(self, record)
    }
    fn merge_pair(&mut self, pair: (String, String, String)) -> Result<()> {
        Applier::merge_pair(self, &pair)
    }
    fn audit(&mut self, entry: Received) -> Result<()> {
        Applier::audit(self, &entry)
    }
}

/// The longest change set read (deflated data can expand without bound).
const LIMIT: u64 = 1 << 34;

/// A part of the change set, in the file's order.
enum Part {
    /// The head's fields (every field met before the first list).
    Head(Map<String, Value>),
    Record(RecordChange),
    Merges(Vec<(String, String, String)>),
    Audit(Received),
}

/// Reads a deflated change set into `sink`, checking its head against the file's clear
/// header (the device that wrote it, the school).
///
/// Each record and audit entry is parsed from its own bytes in a window over the inflated
/// text (parsing a byte at a time through a reader cost as much as writing the records), and
/// handed over before the next is read: what is held stays the same at any school size.
pub(crate) fn read(deflated: &[u8], header: (&str, &str), sink: &mut impl Sink) -> Result<()> {
    read_reporting(deflated, header, sink, &mut |_, _| {})
}

/// [`read`], telling `progress` how far it has read (`super::Progress`).
pub(crate) fn read_reporting(deflated: &[u8], header: (&str, &str), sink: &mut impl Sink, progress: super::Progress<'_>) -> Result<()> {
    read_in(deflated, header, sink, 1 << 18, progress)
}

/// [`read`] through a window of `window` bytes to start with (grown for a longer part).
fn read_in(deflated: &[u8], header: (&str, &str), sink: &mut impl Sink, window: usize, progress: super::Progress<'_>) -> Result<()> {
    let wants_audit = sink.wants_audit();
    let counted = crate::progress::Counted::new(deflated, deflated.len() as u64, progress);
    let mut window = Window::new(flate2::read::DeflateDecoder::new(counted).take(LIMIT), window);
    let mut taker = Taker { header, sink, started: false, enough: false, failure: None };
    let parsed = parse(&mut window, wants_audit, &mut |part| taker.take(part));
    taker.end(parsed)
}

/// Hands the parts parsed to the sink.
struct Taker<'x, S> {
    header: (&'x str, &'x str),
    sink: &'x mut S,
    started: bool,
    /// The sink wanted no more than the head.
    enough: bool,
    failure: Option<Error>,
}

impl<S: Sink> Taker<'_, S> {
    fn take(&mut self, part: Part) -> std::result::Result<(), Stop> {
        let taken = match part {
            Part::Head(fields) => {
                self.started = true;
                match serde_json::from_value::<Head>(Value::Object(fields)) {
                    Ok(head) if head.from_device == self.header.0 && head.school == self.header.1 => match self.sink.head(head) {
                        Ok(true) => Ok(()),
                        Ok(false) => {
                            self.enough = true;
                            return Err(Stop::Gone);
                        }
                        Err(e) => Err(e),
                    },
                    _ => Err(SyncError::Damaged.into()),
                }
            }
            Part::Record(record) => self.sink.record(record),
            Part::Merges(pairs) => pairs.into_iter().try_for_each(|pair| self.sink.merge_pair(pair)),
            Part::Audit(entry) => self.sink.audit(entry),
        };
        taken.map_err(|e| {
            self.failure = Some(e);
            Stop::Gone
        })
    }

    fn end(self, parsed: std::result::Result<(), Stop>) -> Result<()> {
        match (self.failure, parsed) {
            (Some(e), _) => Err(e),
            (None, _) if self.enough => Ok(()),
            (None, Ok(())) if self.started => Ok(()),
            (None, _) => Err(SyncError::Damaged.into()),
        }
    }
}

/// Why parsing stopped early.
#[derive(Debug)]
enum Stop {
    Damaged,
    /// Nothing more is wanted (the sink's answer is in the [`Taker`]).
    Gone,
}

impl From<std::io::Error> for Stop {
    fn from(_: std::io::Error) -> Stop {
        Stop::Damaged
    }
}

impl From<serde_json::Error> for Stop {
    fn from(_: serde_json::Error) -> Stop {
        Stop::Damaged
    }
}

/// The change set's JSON: the head's fields (handed over before the first list, or at the end
/// of a set without any), then each record, the merges and each audit entry.
fn parse<R: Read>(w: &mut Window<R>, wants_audit: bool, out: &mut dyn FnMut(Part) -> std::result::Result<(), Stop>) -> std::result::Result<(), Stop> {
    let mut fields = Some(Map::new());
    let head = |fields: &mut Option<Map<String, Value>>, out: &mut dyn FnMut(Part) -> std::result::Result<(), Stop>| match fields.take() {
        Some(f) => out(Part::Head(f)),
        None => Ok(()),
    };
    w.expect(b'{')?;
    let mut first = true;
    loop {
        match w.token()? {
            b'}' => {
                w.pos += 1;
                break;
            }
            b',' if !first => w.pos += 1,
            _ if first => {}
            _ => return Err(Stop::Damaged),
        }
        first = false;
        let key: String = w.value()?;
        w.expect(b':')?;
        match key.as_str() {
            "records" => {
                head(&mut fields, out)?;
                w.each(&mut |w| {
                    let record = w.element()?;
                    out(Part::Record(record))
                })?;
            }
            "merges" => {
                head(&mut fields, out)?;
                let pairs = w.value()?;
                out(Part::Merges(pairs))?;
            }
            "audit" => {
                head(&mut fields, out)?;
                w.each(&mut |w| {
                    if wants_audit {
                        let entry = w.element()?;
                        out(Part::Audit(entry))
                    } else {
                        w.element::<de::IgnoredAny>().map(|_| ())
                    }
                })?;
            }
            _ => {
                let value: Value = w.value()?;
                if let Some(f) = fields.as_mut() {
                    f.insert(key, value);
                }
            }
        }
    }
    head(&mut fields, out)?;
    // Nothing but white space after the set.
    match w.token() {
        Err(Stop::Damaged) if w.eof => Ok(()),
        Ok(_) => Err(Stop::Damaged),
        Err(e) => Err(e),
    }
}

/// A window over the inflated JSON: the bytes from the value being read on.
struct Window<R> {
    source: R,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    eof: bool,
}

impl<R: Read> Window<R> {
    fn new(source: R, capacity: usize) -> Self {
        Window { source, buf: vec![0; capacity.max(1)], pos: 0, end: 0, eof: false }
    }

    /// Reads more after what is held (keeping the bytes from `pos`); false at the end.
    fn more(&mut self) -> std::result::Result<bool, Stop> {
        if self.eof {
            return Ok(false);
        }
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
        }
        if self.end == self.buf.len() {
            let grown = self.buf.len() * 2;
            self.buf.resize(grown, 0);
        }
        let n = loop {
            match self.source.read(&mut self.buf[self.end..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            }
        };
        if n == 0 {
            self.eof = true;
            return Ok(false);
        }
        self.end += n;
        Ok(true)
    }

    /// The next byte that is not white space (not taken).
    fn token(&mut self) -> std::result::Result<u8, Stop> {
        loop {
            while self.pos < self.end {
                match self.buf[self.pos] {
                    b' ' | b'\n' | b'\r' | b'\t' => self.pos += 1,
                    b => return Ok(b),
                }
            }
            if !self.more()? {
                return Err(Stop::Damaged);
            }
        }
    }

    fn expect(&mut self, byte: u8) -> std::result::Result<(), Stop> {
        if self.token()? != byte {
            return Err(Stop::Damaged);
        }
        self.pos += 1;
        Ok(())
    }

    /// The length of the JSON value at the next token, all of it held in the window.
    fn extent(&mut self) -> std::result::Result<usize, Stop> {
        self.token()?;
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escaped = false;
        let mut at = 0; // from pos: survives the window moving
        loop {
            let bytes = &self.buf[self.pos..self.end];
            while at < bytes.len() {
                let b = bytes[at];
                at += 1;
                if in_string {
                    if escaped {
                        escaped = false;
                    } else if b == b'\\' {
                        escaped = true;
                    } else if b == b'"' {
                        in_string = false;
                        if depth == 0 {
                            return Ok(at);
                        }
                    }
                    continue;
                }
                match b {
                    b'"' => in_string = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' if depth > 0 => {
                        depth -= 1;
                        if depth == 0 {
                            return Ok(at);
                        }
                    }
                    b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t' if depth == 0 => return Ok(at - 1), // a number, true, false, null
                    _ => {}
                }
            }
            if !self.more()? {
                return if depth == 0 && !in_string && at > 0 { Ok(at) } else { Err(Stop::Damaged) };
            }
        }
    }

    /// The JSON value at the next token, parsed from its bytes.
    fn value<T: de::DeserializeOwned>(&mut self) -> std::result::Result<T, Stop> {
        let n = self.extent()?;
        let value = serde_json::from_slice(&self.buf[self.pos..self.pos + n])?;
        self.pos += n;
        Ok(value)
    }

    /// The object or list at the next token, parsed from the window as far as it goes — read
    /// on when it goes further (an element is parsed again only where the window ends).
    fn element<T: de::DeserializeOwned>(&mut self) -> std::result::Result<T, Stop> {
        if !matches!(self.token()?, b'{' | b'[') {
            return Err(Stop::Damaged);
        }
        loop {
            let mut stream = serde_json::Deserializer::from_slice(&self.buf[self.pos..self.end]).into_iter::<T>();
            match stream.next() {
                Some(Ok(value)) => {
                    self.pos += stream.byte_offset();
                    return Ok(value);
                }
                Some(Err(e)) if e.is_eof() => {
                    if !self.more()? {
                        return Err(Stop::Damaged);
                    }
                }
                _ => return Err(Stop::Damaged),
            }
        }
    }

    /// Calls `each` for every element of the list at the next token (the window at it).
    fn each(&mut self, each: &mut dyn FnMut(&mut Self) -> std::result::Result<(), Stop>) -> std::result::Result<(), Stop> {
        self.expect(b'[')?;
        if self.token()? == b']' {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.token()?;
            each(self)?;
            match self.token()? {
                b',' => self.pos += 1,
                b']' => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(Stop::Damaged),
            }
        }
    }
}

/// Writes a change set as its JSON has always been — the head's fields, then each part
/// as `each` hands it over — without holding the parts: `records(&mut |record| …)` and
/// `audit(&mut |entry| …)` are called once, while the JSON is being written.
pub(crate) struct Streamed<'x> {
    pub head: &'x Head,
    pub records: Source<'x, RecordChange>,
    pub merges: &'x [(String, String, String)],
    pub audit: Source<'x, Entry>,
    /// The first error met while writing (the serializer only knows that it stopped).
    pub failure: RefCell<Option<Error>>,
}

impl Serialize for Streamed<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let head = match serde_json::to_value(self.head) {
            Ok(Value::Object(head)) => head,
            _ => return Err(serde::ser::Error::custom("head")),
        };
        let mut map = serializer.serialize_map(None)?;
        for (k, v) in &head {
            map.serialize_entry(k, v)?;
        }
        map.serialize_entry("records", &Parts { each: &self.records, failure: &self.failure })?;
        map.serialize_entry("merges", self.merges)?;
        map.serialize_entry("audit", &Parts { each: &self.audit, failure: &self.failure })?;
        map.end()
    }
}

/// Hands each part, one at a time, to the function it is given.
pub(crate) type Source<'x, T> = RefCell<Box<dyn FnMut(&mut dyn FnMut(&T) -> Result<()>) -> Result<()> + 'x>>;

struct Parts<'a, 'x, T> {
    each: &'a Source<'x, T>,
    failure: &'a RefCell<Option<Error>>,
}

impl<T: Serialize> Serialize for Parts<'_, '_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        let mut written: std::result::Result<(), S::Error> = Ok(());
        let fed = (self.each.borrow_mut())(&mut |item: &T| {
            if let Err(e) = seq.serialize_element(item) {
                written = Err(e);
                return Err(SyncError::Damaged.into());
            }
            Ok(())
        });
        written?;
        if let Err(e) = fed {
            *self.failure.borrow_mut() = Some(e);
            return Err(serde::ser::Error::custom("stopped"));
        }
        seq.end()
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use serde_json::json;

    use super::*;

    /// What a sink was handed: the head's device, each record's id, merges, audit entries.
    #[derive(Default, Debug, PartialEq)]
    struct Seen {
        head: Vec<String>,
        records: Vec<String>,
        merges: Vec<String>,
        audit: Vec<(i64, String)>,
        skip_audit: bool,
        only_head: bool,
    }

    impl Sink for Seen {
        fn head(&mut self, head: Head) -> Result<bool> {
            self.head.push(head.from_device);
            Ok(!self.only_head)
        }
        fn record(&mut self, record: RecordChange) -> Result<()> {
            self.records.push(format!("{}:{}:{}", record.table, record.id, record.row["name"]));
            Ok(())
        }
        fn merge_pair(&mut self, pair: (String, String, String)) -> Result<()> {
            self.merges.push(pair.0);
            Ok(())
        }
        fn audit(&mut self, entry: Received) -> Result<()> {
            self.audit.push((entry.seq, entry.changes));
            Ok(())
        }
        fn wants_audit(&self) -> bool {
            !self.skip_audit
        }
    }

    fn deflate(text: &str) -> Vec<u8> {
        let mut d = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        d.write_all(text.as_bytes()).unwrap();
        d.finish().unwrap()
    }

    /// A change set's text as Huka writes it — the head's fields first, then the lists — compact
    /// or spaced out.
    fn set(records: usize, pretty: bool) -> String {
        let head = json!({
            "school": "s", "databaseId": "db", "fromDevice": "dev", "fromAccount": "acc",
            "createdAt": "2026-11-29T10:00:00Z", "full": true, "schema": 1,
            "base": {}, "auditBase": {}, "seen": {"dev": "0001764460800000-00000"}, "auditHeads": {"dev": 2}
        });
        let records: Value = (0..records)
            .map(|i| json!({"table": "member", "id": format!("m{i}"), "row": {"name": format!("名字 \"{i}\" \\ [}}"), "n": i}, "clocks": {"name": "0001764460800000-00000 dev"}}))
            .collect();
        let audit = json!([
            {"deviceId": "dev", "seq": 1, "at": "2026-11-29T10:00:00Z", "accountId": "acc", "account": "王", "op": "insert", "kind": "member",
             "recordId": "m0", "changes": {"name": [null, "名 {\"]"], "n": [null, 1.5]}, "prev": "", "hash": "h1"},
            {"deviceId": "dev", "seq": 2, "at": "2026-11-29T10:00:00Z", "accountId": "acc", "account": "王", "op": "update", "kind": "member",
             "recordId": "m0", "changes": {}, "prev": "h1", "hash": "h2"}
        ]);
        let text = |v: &Value| if pretty { serde_json::to_string_pretty(v).unwrap() } else { v.to_string() };
        let mut parts: Vec<String> = head.as_object().unwrap().iter().map(|(k, v)| format!("{}:{}", Value::from(k.as_str()), text(v))).collect();
        parts.push(format!("\"records\":{}", text(&records)));
        parts.push(format!("\"merges\":{}", text(&json!([["l", "w", "member"]]))));
        parts.push(format!("\"audit\":{}", text(&audit)));
        let sep = if pretty { ",\n  " } else { "," };
        format!("{{{}}}", parts.join(sep))
    }

    fn expected(records: usize) -> Seen {
        Seen {
            head: vec!["dev".into()],
            records: (0..records).map(|i| format!("member:m{i}:{}", json!(format!("名字 \"{i}\" \\ [}}")))).collect(),
            merges: vec!["l".into()],
            audit: vec![(1, r#"{"n":[null,1.5],"name":[null,"名 {\"]"]}"#.into()), (2, "{}".into())],
            ..Seen::default()
        }
    }

    #[test]
    fn a_change_set_is_read_part_by_part_whatever_the_window_and_the_spacing() {
        for pretty in [false, true] {
            for window in [1, 7, 64, 1 << 18] {
                let mut seen = Seen::default();
                read_in(&deflate(&set(40, pretty)), ("dev", "s"), &mut seen, window, &mut |_, _| {}).unwrap();
                assert_eq!(seen, expected(40), "window {window}");
            }
        }
        // A sink that wants no audit entries, or no more than the head.
        let text = set(40, false);
        let mut seen = Seen { skip_audit: true, ..Seen::default() };
        read_in(&deflate(&text), ("dev", "s"), &mut seen, 7, &mut |_, _| {}).unwrap();
        assert_eq!(seen.records.len(), 40);
        assert!(seen.audit.is_empty());
        let mut seen = Seen { only_head: true, ..Seen::default() };
        read_in(&deflate(&text), ("dev", "s"), &mut seen, 7, &mut |_, _| {}).unwrap();
        assert_eq!((seen.head.len(), seen.records.len()), (1, 0));
        // A set with no lists at all hands over its head at the end.
        let head = &text[..text.find(",\"records\"").unwrap()];
        let mut seen = Seen::default();
        read(&deflate(&format!("{head}}}")), ("dev", "s"), &mut seen).unwrap();
        assert_eq!(seen.head, vec!["dev".to_string()]);
    }

    #[test]
    fn a_damaged_or_foreign_change_set_is_refused() {
        let text = set(5, false);
        let damaged = |deflated: &[u8], header: (&str, &str)| {
            let e = read_in(deflated, header, &mut Seen::default(), 16, &mut |_, _| {}).unwrap_err();
            assert_eq!(e.domain::<SyncError>(), Some(&SyncError::Damaged), "{e:?}");
        };
        damaged(&deflate(&text), ("other device", "s"));
        damaged(&deflate(&text), ("dev", "other school"));
        for cut in [1, text.len() / 3, text.len() / 2, text.len() - 1] {
            damaged(&deflate(&text[..text.floor_char_boundary(cut)]), ("dev", "s"));
        }
        damaged(&deflate(&format!("{text} x")), ("dev", "s"));
        damaged(&deflate(&text.replacen("\"records\":[", "\"records\":[1,", 1)), ("dev", "s"));
        damaged(&deflate("[]"), ("dev", "s"));
        damaged(&deflate(""), ("dev", "s"));
        damaged(&deflate(&text)[..20], ("dev", "s"));
    }
}
