//! Search expressions compiled into predicates over events.
//!
//! The rules are Splunk's (see `shared/spl/SEMANTICS.md` §1): values match
//! case-insensitively with `*` wildcards; a multivalue field matches when any
//! value does; `f!=v` needs `f` to exist while `NOT f=v` keeps events without
//! `f`; bare terms match whole tokens of `_raw`.

use std::cmp::Ordering;

use regex::Regex;

use crate::error::{Error, Result};
use crate::event::Event;
use crate::exec::Context;
use crate::syntax::ast::{CompareOp, SearchExpr, SearchKind, SearchValue};
use crate::value::{parse_number, Value};

/// A compiled search expression.
#[derive(Debug, Clone)]
pub enum Matcher {
    /// Matches every event.
    True,
    /// All must match.
    And(Vec<Matcher>),
    /// Any must match.
    Or(Vec<Matcher>),
    /// Must not match.
    Not(Box<Matcher>),
    /// `field op value`.
    Field {
        /// Which fields.
        field: FieldSelector,
        /// The operator.
        op: CompareOp,
        /// The value pattern.
        value: ValuePattern,
    },
    /// `field IN (...)`.
    In {
        /// Which fields.
        field: FieldSelector,
        /// The alternatives.
        values: Vec<ValuePattern>,
    },
    /// A bare term, matched against `_raw` tokens.
    Term(TermPattern),
}

/// The field(s) a comparison reads: one name, or a wildcard over names.
#[derive(Debug, Clone)]
pub enum FieldSelector {
    /// Exactly this field (names are case-sensitive).
    Name(String),
    /// Every field whose name matches.
    Wildcard(Glob),
}

/// A compiled value: a glob plus its numeric reading.
#[derive(Debug, Clone)]
pub struct ValuePattern {
    glob: Glob,
    text: String,
    number: Option<f64>,
}

/// A compiled bare term.
#[derive(Debug, Clone)]
pub struct TermPattern {
    regex: Option<Regex>,
}

impl Matcher {
    /// Compiles an expression whose subsearches have been resolved.
    pub fn compile(expr: &SearchExpr, ctx: &Context<'_>) -> Result<Matcher> {
        Matcher::compile_with(expr, &mut |message| ctx.notice(message))
    }

    /// Compiles an expression, passing notices (ignored time modifiers) to
    /// `notice`.
    pub fn compile_with(expr: &SearchExpr, notice: &mut dyn FnMut(String)) -> Result<Matcher> {
        Ok(match &expr.kind {
            SearchKind::Empty => Matcher::True,
            SearchKind::And(items) => Matcher::And(
                items
                    .iter()
                    .map(|e| Matcher::compile_with(e, notice))
                    .collect::<Result<_>>()?,
            ),
            SearchKind::Or(items) => Matcher::Or(
                items
                    .iter()
                    .map(|e| Matcher::compile_with(e, notice))
                    .collect::<Result<_>>()?,
            ),
            SearchKind::Not(inner) => Matcher::Not(Box::new(Matcher::compile_with(inner, notice)?)),
            SearchKind::Compare { field, op, value } => Matcher::Field {
                field: FieldSelector::new(field),
                op: *op,
                value: ValuePattern::new(value),
            },
            SearchKind::In { field, values } => Matcher::In {
                field: FieldSelector::new(field),
                values: values.iter().map(ValuePattern::new).collect(),
            },
            SearchKind::Term(v) => Matcher::Term(TermPattern::new(v, expr)?),
            SearchKind::TimeModifier { name, value } => {
                notice(format!(
                    "time modifier {name}={value} ignored: offline searches run over all time"
                ));
                Matcher::True
            }
            SearchKind::Subsearch(_) => {
                return Err(Error::Runtime {
                    message: "internal: subsearch was not resolved before matching".into(),
                    span: Some(expr.span),
                })
            }
        })
    }

    /// Whether the event matches.
    pub fn matches(&self, event: &Event) -> bool {
        match self {
            Matcher::True => true,
            Matcher::And(items) => items.iter().all(|m| m.matches(event)),
            Matcher::Or(items) => items.iter().any(|m| m.matches(event)),
            Matcher::Not(inner) => !inner.matches(event),
            Matcher::Field { field, op, value } => match_field(event, field, *op, value),
            Matcher::In { field, values } => {
                field.any_value(event, |v| values.iter().any(|p| p.equals(v)))
            }
            Matcher::Term(term) => term.matches(event),
        }
    }
}

fn match_field(event: &Event, field: &FieldSelector, op: CompareOp, value: &ValuePattern) -> bool {
    match op {
        // `field=*` is "the field exists"; otherwise any value may match.
        CompareOp::Eq if value.text == "*" => field.exists(event),
        CompareOp::Eq => field.any_value(event, |v| value.equals(v)),
        // `f!=v`: the field must exist, and no value may equal v.
        CompareOp::Neq => field.exists(event) && !field.any_value(event, |v| value.equals(v)),
        CompareOp::Lt => field.any_value(event, |v| value.compare(v) == Some(Ordering::Less)),
        CompareOp::Le => field.any_value(event, |v| {
            matches!(value.compare(v), Some(Ordering::Less | Ordering::Equal))
        }),
        CompareOp::Gt => field.any_value(event, |v| value.compare(v) == Some(Ordering::Greater)),
        CompareOp::Ge => field.any_value(event, |v| {
            matches!(value.compare(v), Some(Ordering::Greater | Ordering::Equal))
        }),
    }
}

impl FieldSelector {
    fn new(name: &str) -> Self {
        if name.contains('*') {
            FieldSelector::Wildcard(Glob::new(name, true))
        } else {
            FieldSelector::Name(name.to_string())
        }
    }

    fn exists(&self, event: &Event) -> bool {
        match self {
            FieldSelector::Name(n) => event.contains(n),
            FieldSelector::Wildcard(g) => event.names().any(|n| g.matches(n)),
        }
    }

    fn any_value(&self, event: &Event, mut f: impl FnMut(&str) -> bool) -> bool {
        match self {
            FieldSelector::Name(n) => event.get(n).is_some_and(|v| v.any_text(&mut f)),
            FieldSelector::Wildcard(g) => event
                .iter()
                .filter(|(n, _)| g.matches(n))
                .any(|(_, v)| v.any_text(&mut f)),
        }
    }
}

impl ValuePattern {
    fn new(v: &SearchValue) -> Self {
        ValuePattern {
            glob: Glob::new(&v.text, v.case_sensitive),
            text: v.text.clone(),
            number: if v.text.contains('*') {
                None
            } else {
                parse_number(&v.text)
            },
        }
    }

    /// `=`: glob match, or numeric equality when both sides are numbers
    /// (`count=5` matches `5.0`).
    fn equals(&self, actual: &str) -> bool {
        if self.glob.matches(actual) {
            return true;
        }
        match (self.number, parse_number(actual)) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        }
    }

    /// Orders `actual` against the pattern: numerically when both are numbers,
    /// otherwise as text.
    fn compare(&self, actual: &str) -> Option<Ordering> {
        match (parse_number(actual), self.number) {
            (Some(a), Some(b)) => a.partial_cmp(&b),
            _ => Some(actual.cmp(self.text.as_str())),
        }
    }
}

impl TermPattern {
    fn new(v: &SearchValue, expr: &SearchExpr) -> Result<Self> {
        if v.text.chars().all(|c| c == '*') {
            return Ok(TermPattern { regex: None });
        }
        let pieces: Vec<String> = v.text.split('*').map(regex::escape).collect();
        let mut pattern = String::new();
        if !v.case_sensitive {
            pattern.push_str("(?i)");
        }
        // Splunk matches indexed tokens: a term must start and end at a
        // breaker unless it is open there with a wildcard.
        if !v.text.starts_with('*') {
            pattern.push_str(r"(?:^|[^\p{L}\p{N}])");
        }
        pattern.push_str(&pieces.join(".*?"));
        if !v.text.ends_with('*') {
            pattern.push_str(r"(?:$|[^\p{L}\p{N}])");
        }
        let regex = crate::regex_compat::plain(&pattern).map_err(|e| Error::Runtime {
            message: format!("cannot compile search term `{}`: {e}", v.text),
            span: Some(expr.span),
        })?;
        Ok(TermPattern { regex: Some(regex) })
    }

    fn matches(&self, event: &Event) -> bool {
        let Some(regex) = &self.regex else {
            return true;
        };
        match event.raw() {
            Some(raw) => regex.is_match(raw),
            // Results without `_raw` (after `stats`): match any field value.
            None => event.iter().any(|(_, v)| v.any_text(|t| regex.is_match(t))),
        }
    }
}

/// A `*` wildcard pattern matched against a whole value.
#[derive(Debug, Clone)]
pub struct Glob {
    /// The pattern split at `*`; lower-cased when matching ignores case.
    parts: Vec<String>,
    case_sensitive: bool,
}

impl Glob {
    /// Compiles `pattern`; `case_sensitive` false folds case.
    pub fn new(pattern: &str, case_sensitive: bool) -> Self {
        let folded = if case_sensitive {
            pattern.to_string()
        } else {
            pattern.to_lowercase()
        };
        Glob {
            parts: folded.split('*').map(str::to_string).collect(),
            case_sensitive,
        }
    }

    /// Whether `text` matches the whole pattern.
    pub fn matches(&self, text: &str) -> bool {
        if self.case_sensitive || text.is_ascii() {
            glob_match(&self.parts, text, !self.case_sensitive)
        } else {
            glob_match(&self.parts, &text.to_lowercase(), false)
        }
    }
}

/// Matches pattern parts (split at `*`) against `text`; `ascii_fold` compares
/// ASCII letters case-insensitively (the parts are already lower-case).
fn glob_match(parts: &[String], text: &str, ascii_fold: bool) -> bool {
    let eq = |a: &[u8], b: &[u8]| {
        if ascii_fold {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    };
    let text = text.as_bytes();
    let Some((first, rest)) = parts.split_first() else {
        return text.is_empty();
    };
    let first = first.as_bytes();
    if rest.is_empty() {
        return text.len() == first.len() && eq(text, first);
    }
    if text.len() < first.len() || !eq(&text[..first.len()], first) {
        return false;
    }
    let mut pos = first.len();
    let (last, middle) = match rest.split_last() {
        Some(x) => x,
        None => return true,
    };
    for part in middle {
        let part = part.as_bytes();
        if part.is_empty() {
            continue;
        }
        match find(&text[pos..], part, &eq) {
            Some(i) => pos += i + part.len(),
            None => return false,
        }
    }
    let last = last.as_bytes();
    text.len() - pos >= last.len() && eq(&text[text.len() - last.len()..], last)
}

fn find(hay: &[u8], needle: &[u8], eq: &impl Fn(&[u8], &[u8]) -> bool) -> Option<usize> {
    if needle.len() > hay.len() {
        return None;
    }
    (0..=hay.len() - needle.len()).find(|&i| eq(&hay[i..i + needle.len()], needle))
}

/// Values that compare equal under search rules, for commands that reuse them.
pub fn value_equals(pattern: &str, actual: &Value) -> bool {
    let g = Glob::new(pattern, false);
    actual.any_text(|t| g.matches(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_fold_case_and_anchor() {
        let g = Glob::new("Adm*", false);
        assert!(g.matches("admin"));
        assert!(g.matches("ADM"));
        assert!(!g.matches("xadmin"));
        let g = Glob::new("*min*", false);
        assert!(g.matches("ADMINISTRATOR"));
        let g = Glob::new("a*b*c", false);
        assert!(g.matches("abc"));
        assert!(g.matches("aXbYc"));
        assert!(!g.matches("acb"));
        assert!(Glob::new("ÄB", false).matches("äb"));
        assert!(!Glob::new("AB", true).matches("ab"));
        assert!(Glob::new("", false).matches(""));
        assert!(!Glob::new("ab*ab", false).matches("ab"));
    }
}
