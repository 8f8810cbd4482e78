//! What every record carries so that copies on several devices can later be merged:
//! a UUIDv7 id, created/updated timestamps in UTC, the device that last changed it,
//! and a tombstone (`deleted_at`) instead of a hard delete.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A record id: UUIDv7, so ids sort by creation time and never collide across devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RecordId(pub Uuid);

impl RecordId {
    pub fn new() -> RecordId {
        RecordId(Uuid::now_v7())
    }
    pub fn parse(s: &str) -> Option<RecordId> {
        Uuid::parse_str(s).ok().map(RecordId)
    }
}

impl Default for RecordId {
    fn default() -> Self {
        RecordId::new()
    }
}

impl std::fmt::Display for RecordId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl ToSql for RecordId {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.0.to_string()))
    }
}

impl FromSql for RecordId {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let s = value.as_str()?;
        Uuid::parse_str(s).map(RecordId).map_err(|e| FromSqlError::Other(Box::new(e)))
    }
}

/// The bookkeeping columns shared by every table: `id, created_at, updated_at, device_id`
/// (and `deleted_at`, which readers filter on and never return).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    pub id: RecordId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub device_id: String,
}

impl Meta {
    /// The SQL column list that [`Meta::from_row`] reads, prefixed by a table alias.
    pub fn columns(alias: &str) -> String {
        format!("{alias}.id, {alias}.created_at, {alias}.updated_at, {alias}.device_id")
    }

    /// Reads the four meta columns starting at column `at`.
    pub fn from_row(row: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Meta> {
        Ok(Meta {
            id: row.get(at)?,
            created_at: parse_time(row.get_ref(at + 1)?)?,
            updated_at: parse_time(row.get_ref(at + 2)?)?,
            device_id: row.get(at + 3)?,
        })
    }
}

/// Timestamps are stored as RFC 3339 text with milliseconds and a `Z`: sortable as text.
pub fn format_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A stored timestamp, or `None` when the text is not one.
pub fn parse_time_text(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc))
}

fn parse_time(v: ValueRef<'_>) -> FromSqlResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(v.as_str()?)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| FromSqlError::Other(Box::new(e)))
}

/// Declares an enum stored as snake_case text: serde, SQL and a list of all values.
#[macro_export]
macro_rules! text_enum {
    ($(#[$m:meta])* $vis:vis enum $name:ident { $($(#[$vm:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        $vis enum $name {
            $($(#[$vm])* #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl rusqlite::types::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(rusqlite::types::ToSqlOutput::from(self.as_str()))
            }
        }

        impl rusqlite::types::FromSql for $name {
            fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
                let s = v.as_str()?;
                $name::parse(s).ok_or_else(|| rusqlite::types::FromSqlError::Other(
                    format!("unknown {} value {s:?}", stringify!($name)).into()))
            }
        }
    };
}
pub use crate::text_enum;
