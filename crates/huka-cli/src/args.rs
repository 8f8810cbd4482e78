//! Values typed on the command line (clap value parsers), and what "today" is.

use chrono::NaiveDate;
use huka_core::dropout::IsoWeek;
use huka_core::term::Term;
use huka_core::RecordId;

/// The computer's own date: what "today" means to the people at the school (not UTC's).
pub fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

pub fn parse_term(s: &str) -> Result<Term, String> {
    Term::parse(s).ok_or_else(|| "a term looks like 2026-autumn or 2027-spring".to_string())
}

pub fn parse_id(s: &str) -> Result<RecordId, String> {
    RecordId::parse(s).ok_or_else(|| "not a record id".to_string())
}

pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| "a date looks like 2026-09-01".to_string())
}

pub fn parse_week(s: &str) -> Result<IsoWeek, String> {
    IsoWeek::parse(s).ok_or_else(|| "a week looks like 2026-W48".to_string())
}
