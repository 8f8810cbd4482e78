//! Reading the values people put in spreadsheet cells: dates in every usual spelling, yes/no,
//! gender, grades (三年级, 初一, 7), boarding (住校/走读).

use chrono::{Datelike, NaiveDate};

use super::read::Cell;
use crate::member::Gender;
use crate::student::Stage;

/// A date from an Excel date cell, an Excel serial number, or text such as `2013-03-05`,
/// `2013/3/5`, `20130305`, `2013年3月5日`, `2013.3.5`. A year and month alone
/// (`2013-03`, `2013年3月`: 出生年月) give `Month`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateValue {
    Day(NaiveDate),
    Month(i32, u32),
}

pub fn date(cell: &Cell) -> Option<DateValue> {
    match cell {
        Cell::Date(d) => Some(DateValue::Day(*d)),
        Cell::Number(n) if (3_000.0..80_000.0).contains(n) && n.fract() == 0.0 => {
            // An Excel serial date that lost its format (days since 1899-12-30).
            NaiveDate::from_ymd_opt(1899, 12, 30).map(|base| DateValue::Day(base + chrono::Days::new(*n as u64)))
        }
        Cell::Number(n) if n.fract() == 0.0 => text_date(&format!("{}", *n as i64)),
        Cell::Text(s) => text_date(s),
        _ => None,
    }
}

fn text_date(s: &str) -> Option<DateValue> {
    let s = crate::text::fold(s);
    let s = s.trim().trim_end_matches('日').trim_end_matches('号');
    let parts: Vec<&str> = s.split(['-', '/', '.', '年', '月']).filter(|p| !p.is_empty()).collect();
    let num = |p: &str| p.trim().parse::<u32>().ok();
    match parts.as_slice() {
        [compact] if compact.len() == 8 => {
            let (y, rest) = compact.split_at(4);
            let (m, d) = rest.split_at(2);
            day(num(y)? as i32, num(m)?, num(d)?)
        }
        [compact] if compact.len() == 6 => {
            let (y, m) = compact.split_at(4);
            month(num(y)? as i32, num(m)?)
        }
        [y, m, d] => day(num(y)? as i32, num(m)?, num(d.split_whitespace().next()?)?),
        [y, m] => month(num(y)? as i32, num(m)?),
        _ => None,
    }
}

fn day(y: i32, m: u32, d: u32) -> Option<DateValue> {
    (1900..=2100).contains(&y).then_some(())?;
    NaiveDate::from_ymd_opt(y, m, d).map(DateValue::Day)
}

fn month(y: i32, m: u32) -> Option<DateValue> {
    ((1900..=2100).contains(&y) && (1..=12).contains(&m)).then_some(DateValue::Month(y, m))
}

impl DateValue {
    /// Does this (possibly partial) date agree with a full date?
    pub fn agrees_with(self, d: NaiveDate) -> bool {
        match self {
            DateValue::Day(x) => x == d,
            DateValue::Month(y, m) => d.year() == y && d.month() == m,
        }
    }
}

/// 是/否 in its many forms. `None` for an empty cell or something else.
pub fn yes_no(cell: &Cell) -> Option<bool> {
    if let Cell::Bool(b) = cell {
        return Some(*b);
    }
    let t = crate::text::fold(&cell.text()).to_lowercase();
    match t.trim() {
        "是" | "有" | "y" | "yes" | "1" | "√" | "true" | "对" => Some(true),
        "否" | "无" | "n" | "no" | "0" | "×" | "x" | "false" | "不是" => Some(false),
        _ => None,
    }
}

/// 就读方式: 住校/寄宿 → boarding; 走读 → not. Also accepts yes/no.
pub fn boarding(cell: &Cell) -> Option<bool> {
    let t = cell.text();
    if t.contains("住校") || t.contains("寄宿") || t.contains("住读") {
        Some(true)
    } else if t.contains("走读") {
        Some(false)
    } else {
        yes_no(cell)
    }
}

pub fn gender(cell: &Cell) -> Option<Gender> {
    match crate::text::fold(&cell.text()).to_lowercase().trim() {
        "男" | "男性" | "m" | "male" | "1" => Some(Gender::Male),
        "女" | "女性" | "f" | "female" | "2" => Some(Gender::Female),
        _ => None,
    }
}

/// A grade as a year number counted from the first year of primary school: 三年级 → 3,
/// 初一 → 7, 七年级 → 7, 高二 → 11, "9" → 9, with the stage it implies. Preschool classes
/// (幼儿园, 大班 …) have no grade number.
pub fn grade(cell: &Cell) -> Option<(Option<i64>, Stage)> {
    let t = crate::text::fold(&cell.text()).replace(' ', "");
    if t.is_empty() {
        return None;
    }
    if t.contains('幼') || t.contains("学前") || t.contains("大班") || t.contains("中班") || t.contains("小班") {
        return Some((None, Stage::Preschool));
    }
    let n = if let Some(rest) = t.strip_prefix('初') {
        chinese_number(rest.trim_end_matches("年级"))? + 6
    } else if let Some(rest) = t.strip_prefix('高') {
        chinese_number(rest.trim_end_matches("年级"))? + 9
    } else {
        chinese_number(t.trim_end_matches("年级").trim_end_matches('级'))?
    };
    let stage = match n {
        1..=6 => Stage::Primary,
        7..=9 => Stage::Junior,
        10..=12 => Stage::Senior,
        _ => return None,
    };
    Some((Some(n), stage))
}

fn chinese_number(s: &str) -> Option<i64> {
    if let Ok(n) = s.parse::<i64>() {
        return Some(n);
    }
    if let Ok(f) = s.parse::<f64>() {
        return (f.fract() == 0.0).then_some(f as i64);
    }
    let digit = |c: char| "零一二三四五六七八九".chars().position(|d| d == c).map(|p| p as i64);
    match s.chars().collect::<Vec<_>>().as_slice() {
        ['十'] => Some(10),
        [c] => digit(*c),
        ['十', c] => Some(10 + digit(*c)?),
        _ => None,
    }
}

/// A long number typed into a "General" cell: Excel and WPS keep 15 significant digits, so an
/// 18-digit resident ID number becomes 610921201704176000 (or `6.10921E+17` once saved as CSV)
/// — its last digits are gone and about one in eleven still passes the check character.
/// `Certain` for a number cell of 16 or more digits or text in scientific notation: never
/// taken as a resident ID number or national student number. `Likely` for 18 digits ending
/// in the three zeros of a 15-digit number (a number turned back into text — or one of the
/// real ID numbers that end so, about one in 1,100): judged with its column
/// ([`column_lost_digits`]) and its check character by the reader of the row.
pub fn digits_lost(cell: &Cell) -> Option<DigitsLost> {
    match cell {
        Cell::Number(n) if n.abs() >= 1e15 => Some(DigitsLost::Certain),
        Cell::Text(s) => {
            let s = crate::text::fold(s);
            let s = s.trim();
            let digits = s.strip_prefix(['G', 'g']).unwrap_or(s);
            if scientific(digits) {
                Some(DigitsLost::Certain)
            } else if digits.len() == 18 && digits.bytes().all(|b| b.is_ascii_digit()) && digits.ends_with("000") {
                Some(DigitsLost::Likely)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// The columns holding ID numbers, judged as a whole for lost digits.
pub const ID_FIELDS: [super::Field; 3] = [super::Field::ResidentId, super::Field::NationalStudentNumber, super::Field::HeadResidentId];

/// The 18 characters of an ID-like value (a `G` before it aside), if it has them.
fn id_text(cell: &Cell) -> Option<String> {
    let Cell::Text(s) = cell else { return None };
    let s = crate::text::fold(s);
    let s = s.trim();
    let digits = s.strip_prefix(['G', 'g']).unwrap_or(s);
    (digits.len() == 18 && digits.is_ascii()).then(|| digits.to_ascii_uppercase())
}

/// The value's check character is the right one for its first 17 digits.
pub fn check_character_holds(cell: &Cell) -> bool {
    id_text(cell).is_some_and(|d| {
        let (first, last) = d.as_bytes().split_at(17);
        first.iter().all(u8::is_ascii_digit) && crate::resident_id::check_character(first) as u8 == last[0]
    })
}

/// A column of ID numbers that, taken as a whole, lost its digits: most of its long numbers
/// (number cells of 16 digits or more, 18-character texts) end in 000, or most of its
/// 18-character texts fail their check character. One number ending in 000 among text does
/// not make the column so.
pub fn column_lost_digits<'c>(cells: impl Iterator<Item = &'c Cell>) -> bool {
    let (mut numbers, mut zeros, mut texts, mut failing) = (0usize, 0usize, 0usize, 0usize);
    for cell in cells {
        match cell {
            Cell::Number(n) if n.abs() >= 1e15 => {
                numbers += 1;
                zeros += 1;
            }
            Cell::Text(_) => {
                let Some(d) = id_text(cell) else { continue };
                numbers += 1;
                texts += 1;
                if d.ends_with("000") {
                    zeros += 1;
                }
                if !check_character_holds(cell) {
                    failing += 1;
                }
            }
            _ => {}
        }
    }
    zeros * 2 > numbers || failing * 2 > texts
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigitsLost {
    Certain,
    Likely,
}

/// A phone number that was a number in the sheet: in scientific notation (`1.38915E+10`), or a
/// landline whose leading 0 was dropped (0915 5212345 → 9155212345).
pub fn phone_mangled(cell: &Cell) -> Option<PhoneMangled> {
    match cell {
        Cell::Text(s) if scientific(crate::text::fold(s).trim()) => Some(PhoneMangled::DigitsLost),
        Cell::Number(n) if n.fract() == 0.0 => {
            let digits = format!("{}", *n as i64);
            (digits.len() >= 9 && digits.len() <= 11 && !digits.starts_with('1')).then_some(PhoneMangled::LeadingZeroLost)
        }
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneMangled {
    DigitsLost,
    LeadingZeroLost,
}

/// `6.10921E+17`, `6.10921201704176e17`, `1E+10`: how a spreadsheet writes a long number.
fn scientific(s: &str) -> bool {
    let Some((mantissa, exponent)) = s.split_once(['e', 'E']) else { return false };
    let exponent = exponent.strip_prefix('+').unwrap_or(exponent);
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, "0"));
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && !fraction.is_empty()
        && fraction.bytes().all(|b| b.is_ascii_digit())
        && !exponent.is_empty()
        && exponent.len() <= 3
        && exponent.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Option<DateValue> {
        Some(DateValue::Day(NaiveDate::from_ymd_opt(y, m, day).unwrap()))
    }
    fn text(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    #[test]
    fn dates_in_every_usual_spelling() {
        for s in ["2013-03-05", "2013/3/5", "20130305", "2013年3月5日", "2013.3.5", "２０１３-０３-０５", "2013-03-05 00:00:00"] {
            assert_eq!(date(&text(s)), d(2013, 3, 5), "{s}");
        }
        assert_eq!(date(&Cell::Date(NaiveDate::from_ymd_opt(2013, 3, 5).unwrap())), d(2013, 3, 5));
        assert_eq!(date(&Cell::Number(41338.0)), d(2013, 3, 5), "Excel serial");
        assert_eq!(date(&Cell::Number(20130305.0)), d(2013, 3, 5));
        assert_eq!(date(&text("2013-03")), Some(DateValue::Month(2013, 3)));
        assert_eq!(date(&text("2013年3月")), Some(DateValue::Month(2013, 3)));
        assert_eq!(date(&text("2013-02-30")), None);
        assert_eq!(date(&text("明年")), None);
    }

    #[test]
    fn grades() {
        assert_eq!(grade(&text("三年级")), Some((Some(3), Stage::Primary)));
        assert_eq!(grade(&text("初一")), Some((Some(7), Stage::Junior)));
        assert_eq!(grade(&text("七年级")), Some((Some(7), Stage::Junior)));
        assert_eq!(grade(&text("高二")), Some((Some(11), Stage::Senior)));
        assert_eq!(grade(&Cell::Number(9.0)), Some((Some(9), Stage::Junior)));
        assert_eq!(grade(&text("十年级")), Some((Some(10), Stage::Senior)));
        assert_eq!(grade(&text("大班")), Some((None, Stage::Preschool)));
        assert_eq!(grade(&text("十三年级")), None);
        assert_eq!(grade(&text("")), None);
    }

    #[test]
    fn yes_no_gender_boarding() {
        assert_eq!(yes_no(&text("是")), Some(true));
        assert_eq!(yes_no(&text("否")), Some(false));
        assert_eq!(yes_no(&text("也许")), None);
        assert_eq!(gender(&text(" 女 ")), Some(Gender::Female));
        assert_eq!(boarding(&text("住校")), Some(true));
        assert_eq!(boarding(&text("走读")), Some(false));
    }

    #[test]
    fn long_numbers_that_lost_their_digits() {
        use DigitsLost::*;
        assert_eq!(digits_lost(&Cell::Number(610921201704176000.0)), Some(Certain));
        assert_eq!(digits_lost(&text("6.10921E+17")), Some(Certain));
        assert_eq!(digits_lost(&text("6.10921201704176e17")), Some(Certain));
        assert_eq!(digits_lost(&text("610921201704176000")), Some(Likely));
        assert_eq!(digits_lost(&text("G610921201704176000")), Some(Likely));
        assert_eq!(digits_lost(&text("61092120170417601X")), None);
        assert_eq!(digits_lost(&text("610921201704176013")), None);
        assert_eq!(digits_lost(&Cell::Number(3.0)), None);
        assert_eq!(digits_lost(&text("2013-03-05")), None);
        assert_eq!(phone_mangled(&text("1.38915E+10")), Some(PhoneMangled::DigitsLost));
        assert_eq!(phone_mangled(&Cell::Number(9155212345.0)), Some(PhoneMangled::LeadingZeroLost));
        assert_eq!(phone_mangled(&Cell::Number(13891501234.0)), None);
        assert_eq!(phone_mangled(&text("13891501234")), None);
    }
}
