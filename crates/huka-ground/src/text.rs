//! Small normalizations of what people type, shared by the record modules.

/// Trims, folds full-width ASCII to half-width, and collapses runs of spaces. Spaces between
/// two Chinese characters are dropped ("王 小 明" → "王小明"); spaces in Latin names stay.
pub fn clean(s: &str) -> String {
    let s = s.trim();
    // Most cells need nothing: no inner space, nothing full-width.
    if !s.chars().any(|c| c.is_whitespace() || matches!(c, '\u{3000}' | '\u{ff01}'..='\u{ff5e}')) {
        return s.to_string();
    }
    let folded = fold(s);
    let words: Vec<&str> = folded.split_whitespace().collect();
    let mut out = String::with_capacity(folded.len());
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            let prev = out.chars().last().unwrap_or(' ');
            let next = w.chars().next().unwrap_or(' ');
            if !(is_cjk(prev) && is_cjk(next)) {
                out.push(' ');
            }
        }
        out.push_str(w);
    }
    out
}

/// Folds full-width ASCII and the ideographic space to their half-width forms.
pub fn fold(s: &str) -> String {
    fold_chars(s).collect()
}

/// Bytes (a digest) as lowercase hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

/// Appends `s` as a JSON string, byte for byte as `serde_json` writes it: as it is between
/// quotes when nothing in it needs escaping (a column's name, a clock, most values), which
/// saves a string made per field where every field of every record is written.
pub fn push_json_str(out: &mut String, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        out.push_str(&serde_json::to_string(s).expect("plain data"));
    }
}

/// Appends a JSON value as `serde_json` writes it compactly, strings through [`push_json_str`].
pub fn push_json(out: &mut String, value: &serde_json::Value) {
    match value {
        serde_json::Value::String(s) => push_json_str(out, s),
        serde_json::Value::Null => out.push_str("null"),
        serde_json::Value::Number(n) if n.is_i64() || n.is_u64() => {
            use std::fmt::Write as _;
            let _ = write!(out, "{n}");
        }
        other => out.push_str(&serde_json::to_string(other).expect("plain data")),
    }
}

/// [`fold`] without the allocation, for comparing.
pub fn fold_chars(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars().map(fold_width)
}

fn fold_width(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
        c => c,
    }
}

pub fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{9fff}' | '\u{f900}'..='\u{faff}' | '\u{20000}'..='\u{2ffff}')
}

/// A phone number as digits with an optional hyphen after a landline's area code, or `None`
/// when it is not a Chinese mobile (11 digits, 1[3-9]…) or landline (0 + 9-11 digits) number.
/// An empty input is `Some("")`.
pub fn normalize_phone(s: &str) -> Option<String> {
    let digits: String = clean(s).chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')')).collect();
    if digits.is_empty() {
        return Some(String::new());
    }
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let b = digits.as_bytes();
    let mobile = b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]);
    let landline = b[0] == b'0' && (10..=12).contains(&b.len());
    (mobile || landline).then_some(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_names() {
        assert_eq!(clean("  王 小明 "), "王小明");
        assert_eq!(clean("王\u{3000}小明"), "王小明");
        assert_eq!(clean("Ａｙｉ  Ｍａ"), "Ayi Ma");
        assert_eq!(clean("3 组"), "3 组");
    }

    #[test]
    fn phones() {
        assert_eq!(normalize_phone("138 9150 1234").as_deref(), Some("13891501234"));
        assert_eq!(normalize_phone("０９１５-５２１２３４５").as_deref(), Some("09155212345"));
        assert_eq!(normalize_phone("").as_deref(), Some(""));
        assert_eq!(normalize_phone("12345"), None);
        assert_eq!(normalize_phone("1389150123x"), None);
    }
}
