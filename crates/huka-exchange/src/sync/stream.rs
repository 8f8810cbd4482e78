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
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};
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

/// Reads a deflated change set into `sink`, checking its head against the file's clear
/// header (the device that wrote it, the school).
pub(crate) fn read(deflated: &[u8], header: (&str, &str), sink: &mut impl Sink) -> Result<()> {
    let reader = std::io::BufReader::with_capacity(1 << 16, flate2::read::DeflateDecoder::new(deflated).take(LIMIT));
    let mut de = serde_json::Deserializer::from_reader(reader);
    let mut failure = None;
    let mut enough = false;
    let visitor = SetVisitor { sink, header, failure: &mut failure, enough: &mut enough, fields: Map::new(), started: false };
    let read = de.deserialize_map(visitor).and_then(|()| de.end());
    match (read, failure) {
        (_, Some(e)) => Err(e),
        (Err(_), None) if enough => Ok(()),
        (Err(_), None) => Err(Error::from(SyncError::Damaged)),
        (Ok(()), None) => Ok(()),
    }
}

struct SetVisitor<'x, S> {
    sink: &'x mut S,
    /// The clear header's device and school.
    header: (&'x str, &'x str),
    failure: &'x mut Option<Error>,
    /// The sink wanted no more than the head.
    enough: &'x mut bool,
    /// The head's fields as they come.
    fields: Map<String, Value>,
    started: bool,
}

impl<S: Sink> SetVisitor<'_, S> {
    /// Hands the head over before the first record (or at the end of a set without any).
    fn start<E: de::Error>(&mut self) -> std::result::Result<(), E> {
        if self.started {
            return Ok(());
        }
        self.started = true;
        let head = match serde_json::from_value::<Head>(Value::Object(std::mem::take(&mut self.fields))) {
            Ok(head) if head.from_device == self.header.0 && head.school == self.header.1 => head,
            _ => return Err(self.fail(Error::from(SyncError::Damaged))),
        };
        match self.sink.head(head) {
            Ok(true) => Ok(()),
            Ok(false) => {
                *self.enough = true;
                Err(E::custom("enough"))
            }
            Err(e) => Err(self.fail(e)),
        }
    }

    fn fail<E: de::Error>(&mut self, e: Error) -> E {
        *self.failure = Some(e);
        E::custom("stopped")
    }
}

impl<'de, S: Sink> Visitor<'de> for SetVisitor<'_, S> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a change set")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> std::result::Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "records" => {
                    self.start()?;
                    map.next_value_seed(Each { sink: &mut *self.sink, failure: &mut *self.failure, call: S::record, item: PhantomData })?;
                }
                "merges" => {
                    self.start()?;
                    let pairs: Vec<(String, String, String)> = map.next_value()?;
                    for pair in pairs {
                        if let Err(e) = self.sink.merge_pair(pair) {
                            return Err(self.fail(e));
                        }
                    }
                }
                "audit" => {
                    self.start()?;
                    if self.sink.wants_audit() {
                        map.next_value_seed(Each { sink: &mut *self.sink, failure: &mut *self.failure, call: S::audit, item: PhantomData })?;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                _ => {
                    let value: Value = map.next_value()?;
                    self.fields.insert(key, value);
                }
            }
        }
        self.start()
    }
}

/// A sequence read one element at a time, each handed to the sink and dropped.
struct Each<'x, S, T> {
    sink: &'x mut S,
    failure: &'x mut Option<Error>,
    call: fn(&mut S, T) -> Result<()>,
    item: PhantomData<T>,
}

impl<'de, S, T: Deserialize<'de>> DeserializeSeed<'de> for Each<'_, S, T> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, S, T: Deserialize<'de>> Visitor<'de> for Each<'_, S, T> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a list")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        while let Some(item) = seq.next_element::<T>()? {
            if let Err(e) = (self.call)(self.sink, item) {
                *self.failure = Some(e);
                return Err(de::Error::custom("stopped"));
            }
        }
        Ok(())
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
