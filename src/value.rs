//! Field values as Splunk holds them: a string, a number, or a multivalue list.
//!
//! A search result field is either absent (null), a single value, or a
//! multivalue list of strings. Numbers come from computation (`_time`,
//! `count`, `min`); values extracted from events are text, exactly as Splunk
//! extracts them (`false`, `12`).

use std::borrow::Cow;
use std::cmp::Ordering;

/// One field's value. Absence (null) is represented by the field not being
/// present in the [`crate::Event`] at all.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Value {
    /// A single text value.
    Str(String),
    /// A single number (e.g. `_time`, a `count`).
    Num(f64),
    /// A multivalue field: two or more values, each text.
    Multi(Vec<String>),
}

impl Value {
    /// A multivalue value from a list; one element becomes a single value and
    /// none becomes `None` (null).
    pub fn from_list(mut values: Vec<String>) -> Option<Value> {
        match values.len() {
            0 => None,
            1 => values.pop().map(Value::Str),
            _ => Some(Value::Multi(values)),
        }
    }

    /// Every value as text: one for a single value, each element of a multivalue.
    pub fn texts(&self) -> Vec<Cow<'_, str>> {
        match self {
            Value::Str(s) => vec![Cow::Borrowed(s.as_str())],
            Value::Num(n) => vec![Cow::Owned(format_number(*n))],
            Value::Multi(vs) => vs.iter().map(|s| Cow::Borrowed(s.as_str())).collect(),
        }
    }

    /// The first value as text (a multivalue's first element), without
    /// building the list [`Value::texts`] gives.
    pub fn first_text(&self) -> Option<Cow<'_, str>> {
        match self {
            Value::Str(s) => Some(Cow::Borrowed(s.as_str())),
            Value::Num(n) => Some(Cow::Owned(format_number(*n))),
            Value::Multi(vs) => vs.first().map(|s| Cow::Borrowed(s.as_str())),
        }
    }

    /// Calls `f` on every value as text, stopping at the first `true`;
    /// returns whether any call returned `true` (a multivalue field matches
    /// when any of its values does).
    pub fn any_text(&self, mut f: impl FnMut(&str) -> bool) -> bool {
        match self {
            Value::Str(s) => f(s),
            Value::Num(n) => f(&format_number(*n)),
            Value::Multi(vs) => vs.iter().any(|s| f(s)),
        }
    }

    /// The value as one text; a multivalue is joined with newlines, the way
    /// Splunk shows it in a table cell.
    pub fn to_text(&self) -> Cow<'_, str> {
        match self {
            Value::Str(s) => Cow::Borrowed(s.as_str()),
            Value::Num(n) => Cow::Owned(format_number(*n)),
            Value::Multi(vs) => Cow::Owned(vs.join("\n")),
        }
    }

    /// The value as a number, if it is one or its (first) text parses as one.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Num(n) => Some(*n),
            Value::Str(s) => parse_number(s),
            Value::Multi(vs) => vs.first().and_then(|s| parse_number(s)),
        }
    }

    /// Number of values: 1, or the length of a multivalue.
    pub fn len(&self) -> usize {
        match self {
            Value::Multi(vs) => vs.len(),
            _ => 1,
        }
    }

    /// Never true: an empty value is represented as an absent field.
    pub fn is_empty(&self) -> bool {
        false
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s)
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Self {
        Value::Num(n)
    }
}

/// Parses text as a number the way Splunk's numeric functions do: optional
/// sign, digits, optional fraction and exponent, surrounding spaces allowed.
pub fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    // Rust also accepts "inf", "NaN" and "infinity"; Splunk does not treat those
    // as numbers.
    let first = t.as_bytes()[0];
    if !(first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.') {
        return None;
    }
    if t.bytes()
        .any(|b| b.is_ascii_alphabetic() && b != b'e' && b != b'E')
    {
        return None;
    }
    t.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// Renders a number as Splunk does: integers without a decimal point, other
/// values in their shortest exact decimal form.
pub fn format_number(n: f64) -> String {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e17 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// Compares two values the way Splunk sorts mixed data: numbers numerically
/// and before text, text by byte order.
pub fn compare_text(a: &str, b: &str) -> Ordering {
    match (parse_number(a), parse_number(b)) {
        (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_render_like_splunk() {
        assert_eq!(format_number(3.0), "3");
        assert_eq!(format_number(1.5), "1.5");
        assert_eq!(format_number(-2.0), "-2");
    }

    #[test]
    fn only_decimal_text_is_a_number() {
        assert_eq!(parse_number(" 12 "), Some(12.0));
        assert_eq!(parse_number("1e3"), Some(1000.0));
        assert_eq!(parse_number("inf"), None);
        assert_eq!(parse_number("0x10"), None);
        assert_eq!(parse_number(""), None);
    }

    #[test]
    fn mixed_compare_puts_numbers_first() {
        assert_eq!(compare_text("9", "10"), Ordering::Less);
        assert_eq!(compare_text("10", "abc"), Ordering::Less);
        assert_eq!(compare_text("B", "a"), Ordering::Less);
    }
}
