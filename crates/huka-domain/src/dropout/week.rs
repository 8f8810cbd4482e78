//! ISO weeks, written like `2026-W48`: Monday to Sunday, week 1 being the week with the
//! year's first Thursday. So a week may start in December and belong to the next year
//! (2025-W01 starts on 30 December 2024), and some years have a week 53 (2026-W53 runs from
//! 28 December 2026 to 3 January 2027).

use std::fmt;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IsoWeek {
    year: i32,
    week: u32,
}

impl IsoWeek {
    /// The week `week` of ISO year `year`, if the year has it.
    pub fn new(year: i32, week: u32) -> Option<IsoWeek> {
        ((2000..=2100).contains(&year) && (1..=weeks_in(year)).contains(&week)).then_some(IsoWeek { year, week })
    }

    /// `2026-W48` (also `2026-w48`, `2026W48`, `2026-W8`).
    pub fn parse(s: &str) -> Option<IsoWeek> {
        let s = s.trim();
        let (year, week) = s.split_once(['W', 'w'])?;
        let year = year.strip_suffix('-').unwrap_or(year);
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if week.is_empty() || week.len() > 2 || !week.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        IsoWeek::new(year.parse().ok()?, week.parse().ok()?)
    }

    /// The week a date falls in.
    pub fn of(date: NaiveDate) -> IsoWeek {
        let w = date.iso_week();
        IsoWeek { year: w.year(), week: w.week() }
    }

    /// The ISO year (which differs from the calendar year of a few days around New Year).
    pub fn year(self) -> i32 {
        self.year
    }

    pub fn week(self) -> u32 {
        self.week
    }

    pub fn monday(self) -> NaiveDate {
        NaiveDate::from_isoywd_opt(self.year, self.week, Weekday::Mon).expect("a valid week")
    }

    pub fn sunday(self) -> NaiveDate {
        self.monday() + Days::new(6)
    }

    pub fn contains(self, date: NaiveDate) -> bool {
        self.monday() <= date && date <= self.sunday()
    }

    pub fn next(self) -> IsoWeek {
        IsoWeek::of(self.sunday() + Days::new(1))
    }

    pub fn previous(self) -> IsoWeek {
        IsoWeek::of(self.monday() - Days::new(1))
    }
}

/// 52 or 53: 28 December is always in the year's last week.
fn weeks_in(year: i32) -> u32 {
    NaiveDate::from_ymd_opt(year, 12, 28).map(|d| d.iso_week().week()).unwrap_or(52)
}

impl fmt::Display for IsoWeek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-W{:02}", self.year, self.week)
    }
}

impl Serialize for IsoWeek {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IsoWeek {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<IsoWeek, D::Error> {
        let s = String::deserialize(d)?;
        IsoWeek::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("not a week like 2026-W48: {s}")))
    }
}

impl rusqlite::types::ToSql for IsoWeek {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(rusqlite::types::ToSqlOutput::from(self.to_string()))
    }
}

impl rusqlite::types::FromSql for IsoWeek {
    fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        IsoWeek::parse(v.as_str()?).ok_or_else(|| rusqlite::types::FromSqlError::Other("not an ISO week".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn w(s: &str) -> IsoWeek {
        IsoWeek::parse(s).unwrap_or_else(|| panic!("{s} parses"))
    }

    #[test]
    fn weeks_across_the_new_year_and_week_53() {
        // 2026 starts on a Thursday: it has 53 weeks, the last one ending in 2027.
        assert_eq!((w("2026-W53").monday(), w("2026-W53").sunday()), (d(2026, 12, 28), d(2027, 1, 3)));
        assert_eq!(IsoWeek::of(d(2027, 1, 3)), w("2026-W53"));
        assert_eq!(IsoWeek::of(d(2027, 1, 4)), w("2027-W01"));
        assert_eq!(w("2026-W53").next(), w("2027-W01"));
        assert_eq!(w("2027-W01").previous(), w("2026-W53"));
        assert!(IsoWeek::parse("2027-W53").is_none(), "2027 has 52 weeks");
        // 2020 is a leap year starting on a Wednesday: 53 weeks too.
        assert_eq!(IsoWeek::of(d(2021, 1, 1)).to_string(), "2020-W53");
        // Week 1 may start in December.
        assert_eq!((w("2025-W01").monday(), w("2025-W01").sunday()), (d(2024, 12, 30), d(2025, 1, 5)));
        assert_eq!(IsoWeek::of(d(2024, 12, 31)).year(), 2025);
        assert_eq!(w("2026-W48").monday(), d(2026, 11, 23));
        assert_eq!(w("2026-W01").monday(), d(2025, 12, 29));
    }

    #[test]
    fn parsing_is_strict_about_what_matters() {
        assert_eq!(IsoWeek::parse(" 2026-w48 "), Some(w("2026-W48")));
        assert_eq!(IsoWeek::parse("2026W48"), Some(w("2026-W48")));
        assert_eq!(IsoWeek::parse("2026-W8").map(|x| x.to_string()).as_deref(), Some("2026-W08"));
        for bad in ["", "2026", "2026-48", "2026-W00", "2026-W54", "2026-W123", "26-W48", "1999-W10", "2026-Wx", "2026--W48"] {
            assert!(IsoWeek::parse(bad).is_none(), "{bad:?}");
        }
        let json = serde_json::to_string(&w("2026-W05")).unwrap();
        assert_eq!(json, "\"2026-W05\"");
        assert_eq!(serde_json::from_str::<IsoWeek>(&json).unwrap(), w("2026-W05"));
        assert!(serde_json::from_str::<IsoWeek>("\"2026-W60\"").is_err());
    }

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        // 2001-01-01 .. 2099-12-31
        (0u64..36_158).prop_map(|n| d(2001, 1, 1) + Days::new(n))
    }

    proptest! {
        #[test]
        fn every_date_is_in_its_week_and_weeks_round_trip(date in any_date()) {
            let week = IsoWeek::of(date);
            prop_assert!(week.contains(date));
            prop_assert_eq!(week.monday().weekday(), Weekday::Mon);
            prop_assert_eq!((week.sunday() - week.monday()).num_days(), 6);
            prop_assert_eq!(IsoWeek::parse(&week.to_string()), Some(week));
            prop_assert_eq!(IsoWeek::new(week.year(), week.week()), Some(week));
            prop_assert_eq!(IsoWeek::of(week.monday()), week);
            prop_assert_eq!(IsoWeek::of(week.sunday()), week);
            prop_assert_eq!(week.next().monday(), week.sunday() + Days::new(1));
            prop_assert_eq!(week.next().previous(), week);
            prop_assert!(week < week.next());
        }

        #[test]
        fn weeks_sort_like_their_dates(a in any_date(), b in any_date()) {
            if a <= b {
                prop_assert!(IsoWeek::of(a) <= IsoWeek::of(b));
            }
        }

        #[test]
        fn week_numbers_in_range_parse_and_others_do_not(year in 2000i32..=2100, week in 0u32..60) {
            let parsed = IsoWeek::parse(&format!("{year}-W{week:02}"));
            prop_assert_eq!(parsed.is_some(), week >= 1 && week <= weeks_in(year));
            if let Some(p) = parsed {
                prop_assert_eq!(p.monday().iso_week().week(), week);
                prop_assert_eq!(p.monday().iso_week().year(), year);
            }
        }
    }
}
