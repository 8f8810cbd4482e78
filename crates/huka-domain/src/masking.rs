//! The one masking rule. Wherever a reader may not see a person in full — a teacher's view of
//! a card outside their care, the default (masked) archive, lists, the public notice, the card
//! history, change-file conflicts, `--json` output — what is shown of them comes from here:
//!
//! - a resident ID number keeps its region (6 digits) and its last four characters
//!   (`610921********4790`); the eight hidden digits are the birth date;
//! - a national student number that is `G` + an ID number is masked the same way
//!   (`G610921********4790`); any other keeps its first and last four characters;
//! - a birth date shows as its **year** only, never the day: the year fills four of the eight
//!   hidden digits, and at least 334 dates of that year stay possible (the check character
//!   narrows them to about 30: `candidates` counts them, and a property test holds that
//!   count above a floor for every valid number).
//!
//! Searches follow the same rule (`search`): outside the reader's care an ID number, a part of
//! the hidden digits, or a birth date finds nothing.

use chrono::{Datelike, NaiveDate};

use crate::resident_id::{self, ResidentId};

/// Stars standing for what is hidden.
const HIDDEN: &str = "********";

/// A stored (normalized) resident ID number as a masked view shows it: `610921********4790`;
/// empty when there is none. Text that is not a valid number shows as stars only.
pub fn resident_id(stored: &str) -> String {
    if stored.is_empty() {
        return String::new();
    }
    if is_masked(stored) {
        return stored.to_string();
    }
    match ResidentId::parse(stored) {
        Ok(id) => id.masked(),
        Err(_) => HIDDEN.into(),
    }
}

/// [`resident_id`] as an SQL expression over the column `column` (normalized numbers: valid or
/// empty), for the search text SQLite builds itself.
pub fn resident_id_sql(column: &str) -> String {
    format!("CASE WHEN length({column}) = 18 THEN substr({column}, 1, 6) || '********' || substr({column}, 15) ELSE '' END")
}

/// A national student number (全国学籍号) as a masked view shows it: `G` + a masked ID number
/// when it is one (the common case), else its first and last four characters.
pub fn national_student_number(number: &str) -> String {
    let number = number.trim();
    if number.is_empty() || is_masked(number) {
        return number.to_string();
    }
    let digits_from = number.find(|c: char| c.is_ascii_digit()).unwrap_or(number.len());
    let (prefix, rest) = number.split_at(digits_from);
    if ResidentId::parse(rest).is_ok() {
        return format!("{prefix}{}", resident_id(rest));
    }
    let chars: Vec<char> = number.chars().collect();
    if chars.len() > 8 {
        format!("{}****{}", chars[..4].iter().collect::<String>(), chars[chars.len() - 4..].iter().collect::<String>())
    } else {
        HIDDEN.into()
    }
}

/// A birth date as a masked view shows it: the year only.
pub fn birth_year(date: Option<NaiveDate>) -> Option<i32> {
    date.map(|d| d.year())
}

/// A value of a field named `field` (a record's column: `resident_id`, `birth_date` …) as a
/// masked view shows it — the audit trail's and the change file's old → new values.
pub fn field_value(field: &str, value: &str) -> Option<String> {
    match field {
        "resident_id" => Some(resident_id(value)),
        "national_student_number" => Some(national_student_number(value)),
        "birth_date" => Some(value.get(..4).filter(|y| y.chars().all(|c| c.is_ascii_digit())).map(str::to_string).unwrap_or_default()),
        _ => None,
    }
}

/// Whether text is masked already (it carries the stars).
pub fn is_masked(text: &str) -> bool {
    text.contains('*')
}

/// How many valid ID numbers agree with what a masked view shows of one: its masked form and
/// the birth year beside it. The same reader sees no more of the person than this, so a
/// number is "not rebuilt" while this is well above one.
pub fn candidates(masked: &str, birth_year: i32) -> usize {
    let chars: Vec<char> = masked.chars().collect();
    if chars.len() != 18 {
        return 0;
    }
    let region: String = chars[..6].iter().collect();
    let tail: String = chars[14..].iter().collect();
    let Some(mut day) = NaiveDate::from_ymd_opt(birth_year, 1, 1) else { return 0 };
    let mut found = 0;
    while day.year() == birth_year {
        let candidate = format!("{region}{}{tail}", day.format("%Y%m%d"));
        if resident_id::ResidentId::parse(&candidate).is_ok() {
            found += 1;
        }
        day = day.succ_opt().expect("a next day");
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn masks_ids_student_numbers_and_birth_dates() {
        assert_eq!(resident_id("61092120130305001X"), "610921********001X");
        assert_eq!(resident_id(""), "");
        assert_eq!(resident_id("610921********001X"), "610921********001X");
        assert_eq!(resident_id("not a number"), "********");
        assert_eq!(national_student_number("G61092120130305001X"), "G610921********001X");
        assert_eq!(national_student_number("L1234567890123"), "L123****0123");
        assert_eq!(national_student_number("12345"), "********");
        assert_eq!(national_student_number(""), "");
        assert_eq!(birth_year(NaiveDate::from_ymd_opt(2013, 3, 5)), Some(2013));
        assert_eq!(field_value("birth_date", "2013-03-05").as_deref(), Some("2013"));
        assert_eq!(field_value("name", "王小明"), None);
    }

    #[test]
    fn the_sql_form_masks_as_the_rust_one() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        for stored in ["61092120130305001X", ""] {
            let sql: String = conn.query_row(&format!("SELECT {}", resident_id_sql("?1")), [stored], |r| r.get(0)).unwrap();
            assert_eq!(sql, resident_id(stored));
        }
    }

    fn valid_id() -> impl Strategy<Value = String> {
        let regions = prop::sample::select(vec!["610921", "610922", "110101", "440305", "522601"]);
        (regions, 1940i32..2022, 1u32..=366, 0u16..1000).prop_filter_map("a real day", |(region, year, ordinal, seq)| {
            let day = NaiveDate::from_yo_opt(year, ordinal)?;
            Some(ResidentId::compose(region, day, seq).as_str().to_string())
        })
    }

    proptest! {
        /// What a masked view shows of a valid number (masked form + birth year) is agreed by
        /// many valid numbers, never by one: the number cannot be rebuilt from it.
        #[test]
        fn a_masked_number_and_its_birth_year_fit_many_numbers(id in valid_id()) {
            let parsed = ResidentId::parse(&id).unwrap();
            let masked = resident_id(&id);
            prop_assert!(!masked.contains(&id[6..14]), "the hidden digits are hidden");
            let n = candidates(&masked, parsed.birth_date().year());
            prop_assert!(n >= 10, "{masked} with its year fits only {n} numbers");
            let nsn = national_student_number(&format!("G{id}"));
            prop_assert_eq!(nsn, format!("G{masked}"));
        }
    }
}
