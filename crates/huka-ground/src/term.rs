//! School terms, named like `2026-autumn` and `2027-spring`. Every date belongs to one term:
//! autumn runs from 1 September to 31 January, spring from 1 February to 31 August (the
//! summer holiday counts with the spring term it follows).

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Term {
    pub year: i32,
    pub autumn: bool,
}

impl Term {
    pub fn parse(s: &str) -> Option<Term> {
        let (year, season) = s.trim().split_once('-')?;
        let year: i32 = year.parse().ok().filter(|y| (2000..=2100).contains(y))?;
        match season {
            "autumn" => Some(Term { year, autumn: true }),
            "spring" => Some(Term { year, autumn: false }),
            _ => None,
        }
    }

    /// The term a date falls in.
    pub fn of(date: NaiveDate) -> Term {
        match date.month() {
            9..=12 => Term { year: date.year(), autumn: true },
            1 => Term { year: date.year() - 1, autumn: true },
            _ => Term { year: date.year(), autumn: false },
        }
    }

    pub fn start(self) -> NaiveDate {
        if self.autumn {
            NaiveDate::from_ymd_opt(self.year, 9, 1)
        } else {
            NaiveDate::from_ymd_opt(self.year, 2, 1)
        }
        .expect("valid date")
    }

    /// The last day of the term.
    pub fn end(self) -> NaiveDate {
        if self.autumn {
            NaiveDate::from_ymd_opt(self.year + 1, 1, 31)
        } else {
            NaiveDate::from_ymd_opt(self.year, 8, 31)
        }
        .expect("valid date")
    }

    pub fn contains(self, date: NaiveDate) -> bool {
        self.start() <= date && date <= self.end()
    }

    pub fn previous(self) -> Term {
        if self.autumn {
            Term { year: self.year, autumn: false }
        } else {
            Term { year: self.year - 1, autumn: true }
        }
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.year, if self.autumn { "autumn" } else { "spring" })
    }
}

impl Serialize for Term {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Term {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Term, D::Error> {
        let s = String::deserialize(d)?;
        Term::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("not a term like 2026-autumn: {s}")))
    }
}

impl rusqlite::types::ToSql for Term {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(rusqlite::types::ToSqlOutput::from(self.to_string()))
    }
}

impl rusqlite::types::FromSql for Term {
    fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        Term::parse(v.as_str()?).ok_or_else(|| rusqlite::types::FromSqlError::Other("not a term".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn every_date_has_one_term_and_boundaries_are_exact() {
        let autumn = Term::parse("2026-autumn").unwrap();
        assert_eq!((autumn.start(), autumn.end()), (d(2026, 9, 1), d(2027, 1, 31)));
        assert_eq!(Term::of(d(2026, 9, 1)), autumn);
        assert_eq!(Term::of(d(2027, 1, 31)), autumn);
        assert_eq!(Term::of(d(2027, 2, 1)).to_string(), "2027-spring");
        assert_eq!(Term::of(d(2026, 8, 31)).to_string(), "2026-spring");
        assert_eq!(autumn.previous().to_string(), "2026-spring");
        assert_eq!(Term::parse("2027-spring").unwrap().previous(), autumn);
        assert!(Term::parse("2026-summer").is_none());
        assert!(Term::parse("autumn").is_none());
        for day in 0..800 {
            let date = d(2025, 1, 1) + chrono::Days::new(day);
            assert!(Term::of(date).contains(date));
            assert!(!Term::of(date).previous().contains(date));
        }
    }
}
