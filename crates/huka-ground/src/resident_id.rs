//! Resident ID numbers (身份证号): 18 characters — a 6-digit region code, the birth date as
//! YYYYMMDD, a 3-digit sequence (odd for men, even for women) and an ISO 7064 MOD 11-2 check
//! character (0-9 or X).
//!
//! [`ResidentId::parse`] normalizes what people actually type or paste (full-width digits,
//! a lower-case or full-width x, spaces) and then validates length, birth date and check
//! character. `Debug` and `Display` print the masked form, so an ID number cannot reach a log
//! by accident; [`ResidentId::as_str`] gives the full number where it is needed.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::lang::Lang;
use crate::record::text_enum;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [u8; 11] = *b"10X98765432";

text_enum! {
    /// A person's gender, as the 17th digit of the ID number says (odd: male).
    pub enum Gender {
        Male = "male",
        Female = "female",
    }
}

/// A valid, normalized resident ID number.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResidentId(String);

/// Why a resident ID number was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum IdProblem {
    /// 15-digit numbers were replaced in 2004-2013; the 18-digit one is needed.
    OldFifteenDigit,
    WrongLength { len: usize },
    BadCharacter,
    BadRegion,
    BadBirthDate,
    /// The check character does not match the other 17 digits: a digit was mistyped.
    BadCheckCharacter,
}

impl IdProblem {
    pub fn code(&self) -> &'static str {
        match self {
            IdProblem::OldFifteenDigit => "resident_id_old_15",
            IdProblem::WrongLength { .. } => "resident_id_length",
            IdProblem::BadCharacter => "resident_id_character",
            IdProblem::BadRegion => "resident_id_region",
            IdProblem::BadBirthDate => "resident_id_birth_date",
            IdProblem::BadCheckCharacter => "resident_id_check",
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (IdProblem::OldFifteenDigit, Lang::Zh) => "这是 15 位旧身份证号，请填写 18 位号码".into(),
            (IdProblem::OldFifteenDigit, Lang::En) => "an old 15-digit number; enter the 18-digit one".into(),
            (IdProblem::WrongLength { len }, Lang::Zh) => format!("身份证号应为 18 位，现在是 {len} 位"),
            (IdProblem::WrongLength { len }, Lang::En) => format!("must be 18 characters, not {len}"),
            (IdProblem::BadCharacter, Lang::Zh) => "身份证号前 17 位只能是数字，最后一位是数字或 X".into(),
            (IdProblem::BadCharacter, Lang::En) => "17 digits followed by a digit or X".into(),
            (IdProblem::BadRegion, Lang::Zh) => "身份证号前 6 位不是有效的地区代码".into(),
            (IdProblem::BadRegion, Lang::En) => "the first 6 digits are not a region code".into(),
            (IdProblem::BadBirthDate, Lang::Zh) => "身份证号中的出生日期（第 7-14 位）不是真实日期".into(),
            (IdProblem::BadBirthDate, Lang::En) => "digits 7-14 are not a real birth date".into(),
            (IdProblem::BadCheckCharacter, Lang::Zh) => "校验位不对，可能有数字输错".into(),
            (IdProblem::BadCheckCharacter, Lang::En) => "the check character does not match; a digit may be mistyped".into(),
        }
    }
}

/// Folds what people type into plain ASCII: full-width digits and letters to ASCII, `x` to
/// `X`, and removes every kind of space and hyphen. Does not validate.
pub fn normalize(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '\u{2010}'..='\u{2015}' | '\u{200b}' | '\u{feff}'))
        .map(|c| match c {
            '\u{ff10}'..='\u{ff19}' => char::from(b'0' + (c as u32 - 0xff10) as u8),
            'x' | '\u{ff38}' | '\u{ff58}' | '×' => 'X',
            c => c,
        })
        .collect()
}

/// The ISO 7064 MOD 11-2 check character of the first 17 digits.
pub fn check_character(first17: &[u8]) -> char {
    let sum: u32 = first17.iter().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
    CHECK_CHARS[(sum % 11) as usize] as char
}

impl ResidentId {
    /// Normalizes and validates. An empty string is an error here; callers that allow
    /// "no ID number" check for emptiness first.
    pub fn parse(raw: &str) -> Result<ResidentId, IdProblem> {
        let s = normalize(raw);
        let len = s.chars().count();
        if len == 15 && s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdProblem::OldFifteenDigit);
        }
        if len != 18 {
            return Err(IdProblem::WrongLength { len });
        }
        let b = s.as_bytes();
        if !b[..17].iter().all(u8::is_ascii_digit) || !(b[17].is_ascii_digit() || b[17] == b'X') {
            return Err(IdProblem::BadCharacter);
        }
        // Province codes run from 11 (Beijing) to 82 (Macao).
        let province = (b[0] - b'0') * 10 + (b[1] - b'0');
        if !(11..=82).contains(&province) {
            return Err(IdProblem::BadRegion);
        }
        let birth = parse_birth(&s[6..14]).ok_or(IdProblem::BadBirthDate)?;
        if birth.year() < 1900 || birth > chrono::Utc::now().date_naive() {
            return Err(IdProblem::BadBirthDate);
        }
        if check_character(&b[..17]) != b[17] as char {
            return Err(IdProblem::BadCheckCharacter);
        }
        Ok(ResidentId(s))
    }

    /// Builds a valid number from its parts (used by the demo generator and tests).
    pub fn compose(region: &str, birth: NaiveDate, sequence: u16) -> ResidentId {
        assert!(region.len() == 6 && sequence < 1000);
        let first17 = format!("{region}{}{sequence:03}", birth.format("%Y%m%d"));
        let check = check_character(first17.as_bytes());
        ResidentId(format!("{first17}{check}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn birth_date(&self) -> NaiveDate {
        parse_birth(&self.0[6..14]).expect("validated at parse")
    }

    pub fn gender(&self) -> Gender {
        if (self.0.as_bytes()[16] - b'0') % 2 == 1 {
            Gender::Male
        } else {
            Gender::Female
        }
    }

    /// `610921********1234`: region and last four only, for lists that do not need the number.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..6], &self.0[14..])
    }
}

/// A stored (normalized) number as lists show it: masked, or empty when there is none.
pub fn masked(stored: &str) -> String {
    ResidentId::parse(stored).map(|i| i.masked()).unwrap_or_default()
}

fn parse_birth(digits: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(digits, "%Y%m%d").ok()
}

impl fmt::Display for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Debug for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ResidentId({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // Published sample numbers with correct check characters.
    const GOOD: &[&str] = &["11010519491231002X", "61092120130305001X", "610921200811230020"];

    #[test]
    fn accepts_known_good_numbers() {
        for n in GOOD {
            let id = ResidentId::parse(n).unwrap_or_else(|e| panic!("{n}: {e:?}"));
            assert_eq!(id.as_str(), *n);
        }
    }

    #[test]
    fn derives_birth_date_and_gender() {
        let id = ResidentId::parse("11010519491231002X").unwrap();
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1949, 12, 31).unwrap());
        assert_eq!(id.gender(), Gender::Female); // 17th digit 2
        let id = ResidentId::parse("61092120130305001X").unwrap();
        assert_eq!(id.gender(), Gender::Male); // 17th digit 1
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(2013, 3, 5).unwrap());
    }

    #[test]
    fn normalizes_what_people_type() {
        let typed = "１１０１０５ 1949 1231 002ｘ";
        assert_eq!(ResidentId::parse(typed).unwrap().as_str(), "11010519491231002X");
        assert_eq!(ResidentId::parse(" 11010519491231002x ").unwrap().as_str(), "11010519491231002X");
        assert_eq!(ResidentId::parse("110105-19491231-002X").unwrap().as_str(), "11010519491231002X");
    }

    #[test]
    fn refuses_each_kind_of_bad_number() {
        assert_eq!(ResidentId::parse("110105194912310021"), Err(IdProblem::BadCheckCharacter));
        assert_eq!(ResidentId::parse("11010519491231002"), Err(IdProblem::WrongLength { len: 17 }));
        assert_eq!(ResidentId::parse("110105491231002"), Err(IdProblem::OldFifteenDigit));
        assert_eq!(ResidentId::parse("1101051949123100AX"), Err(IdProblem::BadCharacter));
        assert_eq!(ResidentId::parse("110105X9491231002X"), Err(IdProblem::BadCharacter));
        // 30 February does not exist.
        let feb30 = ResidentId::compose("610921", NaiveDate::from_ymd_opt(2013, 3, 1).unwrap(), 1)
            .as_str()
            .replacen("20130301", "20130230", 1);
        assert_eq!(ResidentId::parse(&feb30), Err(IdProblem::BadBirthDate));
        // Born in the future.
        let next_year = chrono::Utc::now().year() + 1;
        let future = ResidentId::compose("610921", NaiveDate::from_ymd_opt(2013, 3, 1).unwrap(), 1)
            .as_str()
            .replacen("2013", &next_year.to_string(), 1);
        assert_eq!(ResidentId::parse(&future), Err(IdProblem::BadBirthDate));
        assert_eq!(ResidentId::parse("000000201303050017"), Err(IdProblem::BadRegion));
        assert_eq!(ResidentId::parse(""), Err(IdProblem::WrongLength { len: 0 }));
    }

    #[test]
    fn masks_in_debug_and_display() {
        let id = ResidentId::parse("61092120130305001X").unwrap();
        assert_eq!(id.masked(), "610921********001X");
        assert_eq!(format!("{id}"), "610921********001X");
        assert!(!format!("{id:?}").contains("20130305"));
    }

    #[test]
    fn messages_exist_in_both_languages() {
        let p = IdProblem::BadCheckCharacter;
        assert!(p.message(Lang::Zh).contains("校验位"));
        assert!(p.message(Lang::En).contains("check character"));
    }

    proptest! {
        #[test]
        fn composed_numbers_round_trip(days in 0i64..40_000, seq in 0u16..1000) {
            let birth = NaiveDate::from_ymd_opt(1910, 1, 1).unwrap() + chrono::Days::new(days as u64);
            prop_assume!(birth <= chrono::Utc::now().date_naive());
            let id = ResidentId::compose("610921", birth, seq);
            let parsed = ResidentId::parse(id.as_str()).unwrap();
            prop_assert_eq!(parsed.birth_date(), birth);
            prop_assert_eq!(parsed.gender() == Gender::Male, seq % 2 == 1);
        }

        #[test]
        fn any_single_digit_change_is_caught(days in 0i64..30_000, seq in 0u16..1000, pos in 0usize..17, delta in 1u8..10) {
            let birth = NaiveDate::from_ymd_opt(1930, 1, 1).unwrap() + chrono::Days::new(days as u64);
            let id = ResidentId::compose("610921", birth, seq);
            let mut bytes = id.as_str().as_bytes().to_vec();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(ResidentId::parse(&changed).is_err());
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,30}") {
            let _ = ResidentId::parse(&s);
        }
    }
}
