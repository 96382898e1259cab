//! Values inside an eval expression: Splunk's eval has booleans and null,
//! which a field can never hold, besides numbers, strings and multivalues.

use std::cell::Cell;
use std::cmp::Ordering;

use crate::value::{format_number, parse_number, Value};

/// The result of evaluating an expression (or a sub-expression).
#[derive(Debug, Clone, PartialEq)]
pub enum EvalValue {
    /// No value: an absent field, `null()`, or a failed conversion.
    Null,
    /// A boolean, e.g. the result of `x > 1` or `isnull(x)`.
    Bool(bool),
    /// A number (eval numbers are double-precision floats).
    Num(f64),
    /// A string.
    Str(String),
    /// A multivalue: two or more values, each text.
    Multi(Vec<String>),
}

impl EvalValue {
    /// The eval view of a field value. Text that is a number in canonical
    /// form (`5`, `-2`, `1.5`) is a number, as Splunk types extracted
    /// values (`typeof(x)` is `Number` for a field holding `5`); other text,
    /// including non-canonical numbers such as `007` or `1.50`, stays a string
    /// so that it is written back unchanged (it still converts to a number
    /// wherever one is needed).
    pub fn from_field(value: Option<&Value>) -> EvalValue {
        match value {
            None => EvalValue::Null,
            Some(Value::Num(n)) => EvalValue::Num(*n),
            Some(Value::Str(s)) => match parse_number(s) {
                Some(n) if format_number(n) == s.as_str() => EvalValue::Num(n),
                _ => EvalValue::Str(s.clone()),
            },
            Some(Value::Multi(vs)) => EvalValue::Multi(vs.clone()),
        }
    }

    /// A multivalue from a list: none is null, one is a single string.
    pub fn from_list(mut values: Vec<String>) -> EvalValue {
        count_multivalue_work(values.len());
        match values.len() {
            0 => EvalValue::Null,
            1 => EvalValue::Str(values.pop().unwrap_or_default()),
            _ => EvalValue::Multi(values),
        }
    }

    /// A number, or null when it is not finite (Splunk's results of e.g.
    /// `ln(0)` or `1/0` are null).
    pub fn num(n: f64) -> EvalValue {
        if n.is_finite() {
            EvalValue::Num(n)
        } else {
            EvalValue::Null
        }
    }

    /// Whether the value is null.
    pub fn is_null(&self) -> bool {
        matches!(self, EvalValue::Null)
    }

    /// The field value to store, or `None` for null. A boolean becomes
    /// `true`/`false` text (commands that must refuse booleans, like `eval`,
    /// check for [`EvalValue::Bool`] before calling this).
    pub fn into_value(self) -> Option<Value> {
        match self {
            EvalValue::Null => None,
            EvalValue::Bool(b) => Some(Value::Str(b.to_string())),
            EvalValue::Num(n) => Some(Value::Num(n)),
            EvalValue::Str(s) => Some(Value::Str(s)),
            EvalValue::Multi(vs) => Value::from_list(vs),
        }
    }

    /// The value as one text, for string functions: a number in Splunk's
    /// rendering, the first value of a multivalue; `None` for null.
    pub fn as_text(&self) -> Option<String> {
        match self {
            EvalValue::Null => None,
            EvalValue::Bool(b) => Some(if *b { "true" } else { "false" }.to_string()),
            EvalValue::Num(n) => Some(format_number(*n)),
            EvalValue::Str(s) => Some(s.clone()),
            EvalValue::Multi(vs) => vs.first().cloned(),
        }
    }

    /// The value as a number: a number, or text that parses as one (the
    /// first value of a multivalue). `None` otherwise.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            EvalValue::Num(n) => Some(*n),
            EvalValue::Str(s) => parse_number(s),
            EvalValue::Multi(vs) => vs.first().and_then(|s| parse_number(s)),
            EvalValue::Null | EvalValue::Bool(_) => None,
        }
    }

    /// Every value as text: a multivalue's values, one text for a single
    /// value, none for null.
    pub fn texts(&self) -> Vec<String> {
        match self {
            EvalValue::Multi(vs) => {
                count_multivalue_work(vs.len());
                vs.clone()
            }
            other => other.as_text().into_iter().collect(),
        }
    }

    /// The value as a boolean, for `AND`/`OR`/`NOT`, `if` and `where`.
    /// Only booleans have one; `None` for anything else.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            EvalValue::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// Splunk's name of the type, as `typeof` returns it.
    pub fn type_name(&self) -> &'static str {
        match self {
            EvalValue::Null => "Invalid",
            EvalValue::Bool(_) => "Boolean",
            EvalValue::Num(_) => "Number",
            EvalValue::Str(_) => "String",
            EvalValue::Multi(_) => "Multivalue",
        }
    }
}

/// Compares two single values the way eval's comparison operators do:
/// numerically when both are numbers (or numeric text), otherwise as
/// case-sensitive strings. `None` when either is null.
pub fn compare(a: &EvalValue, b: &EvalValue) -> Option<Ordering> {
    if a.is_null() || b.is_null() {
        return None;
    }
    if let (Some(x), Some(y)) = (a.as_number(), b.as_number()) {
        return x.partial_cmp(&y);
    }
    Some(a.as_text()?.cmp(&b.as_text()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_numeric_text_is_a_number() {
        assert_eq!(
            EvalValue::from_field(Some(&Value::from("5"))),
            EvalValue::Num(5.0)
        );
        assert_eq!(
            EvalValue::from_field(Some(&Value::from("007"))),
            EvalValue::Str("007".into())
        );
        assert_eq!(EvalValue::from_field(None), EvalValue::Null);
    }

    #[test]
    fn comparisons_are_numeric_when_both_are_numbers() {
        let n = |x: f64| EvalValue::Num(x);
        let s = |x: &str| EvalValue::Str(x.into());
        assert_eq!(compare(&n(9.0), &s("10")), Some(Ordering::Less));
        assert_eq!(compare(&s("b"), &s("a")), Some(Ordering::Greater));
        assert_eq!(compare(&s("B"), &s("a")), Some(Ordering::Less));
        assert_eq!(compare(&EvalValue::Null, &n(1.0)), None);
    }

    #[test]
    fn infinite_results_are_null() {
        assert_eq!(EvalValue::num(f64::INFINITY), EvalValue::Null);
        assert_eq!(EvalValue::num(f64::NAN), EvalValue::Null);
    }
}

thread_local! {
    /// Multivalue values built or copied on this thread so far: the
    /// measure of work `mvmap` and `mvfilter` bound (see
    /// [`multivalue_work`]).
    static MULTIVALUE_WORK: Cell<u64> = const { Cell::new(0) };
}

fn count_multivalue_work(values: usize) {
    MULTIVALUE_WORK.with(|w| w.set(w.get().wrapping_add(values as u64)));
}

/// How many multivalue values this thread has built or copied so far. A
/// function that evaluates an expression once per value (`mvmap`,
/// `mvfilter`) compares it before and after, so an expression that
/// rebuilds a large multivalue for each value stops with an error instead
/// of taking time that grows with the square of the size.
pub fn multivalue_work() -> u64 {
    MULTIVALUE_WORK.with(Cell::get)
}
