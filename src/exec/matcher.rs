//! Search expressions compiled into predicates over events.
//!
//! The rules are Splunk's (see `docs/semantics.md#search-matching`): values match
//! case-insensitively with `*` wildcards; a multivalue field matches when any
//! value does; `f!=v` needs `f` to exist while `NOT f=v` keeps events without
//! `f`; bare terms match whole tokens of `_raw`; a value in CIDR notation
//! (`src=10.0.0.0/8`) matches the addresses in that subnet.

use std::cmp::Ordering;
use std::net::IpAddr;

use regex::Regex;

use crate::error::{Error, Result};
use crate::event::Event;
use crate::exec::Context;
use crate::syntax::ast::{CompareOp, SearchExpr, SearchKind, SearchValue};
use crate::value::parse_number;

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

/// A compiled value: a glob plus its numeric and subnet readings.
#[derive(Debug, Clone)]
pub struct ValuePattern {
    glob: Glob,
    text: String,
    number: Option<f64>,
    cidr: Option<Cidr>,
}

/// An IPv4 or IPv6 subnet in CIDR notation, e.g. `10.0.0.0/8`,
/// `2001:db8::/32`. The search command "supports IPv4 and IPv6 addresses
/// and subnets that use CIDR notation" (Search Reference, `search`), so
/// `field=<subnet>` matches a field holding an address inside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    bits: u8,
}

impl Cidr {
    /// Reads `address/prefix`; `None` unless the address parses and the
    /// prefix is a whole number of bits that fits it (so `10.0.0.0/99` or
    /// `10.0.*.0/8` is not a subnet and stays a plain value).
    pub fn parse(text: &str) -> Option<Cidr> {
        let (addr, bits) = text.split_once('/')?;
        if bits.is_empty() || bits.len() > 3 || !bits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let bits: u8 = bits.parse().ok()?;
        let net: IpAddr = addr.parse().ok()?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        (bits <= max).then_some(Cidr { net, bits })
    }

    /// The subnet a search value names, if any: not for `TERM(...)`, which
    /// asks for the text as one indexed term.
    pub fn of_value(value: &SearchValue) -> Option<Cidr> {
        if value.term {
            return None;
        }
        Cidr::parse(&value.text)
    }

    /// Whether `text` is an address of the same family inside the subnet.
    pub fn contains(&self, text: &str) -> bool {
        let Ok(ip) = text.trim().parse::<IpAddr>() else {
            return false;
        };
        let bits = u32::from(self.bits);
        match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// A compiled bare term (or several OR-ed terms, see [`merge_terms`]).
#[derive(Debug, Clone)]
pub struct TermPattern {
    regex: Option<Regex>,
}

/// Merges the bare terms among OR-ed alternatives into one term whose regex
/// is the alternation of theirs: `_raw` is then scanned once rather than
/// once per term. Any term matching is the alternation matching, on `_raw`
/// as on field values, so the result is the same. The CIM add-on's `err0r`
/// event type (`error OR failure OR fail OR failed OR fatal`), tried on
/// every event, spent a fifth of a Windows XML search in those scans.
fn merge_terms(items: Vec<Matcher>) -> Vec<Matcher> {
    let patterns: Vec<&str> = items
        .iter()
        .filter_map(|m| match m {
            Matcher::Term(TermPattern { regex: Some(r) }) => Some(r.as_str()),
            _ => None,
        })
        .collect();
    if patterns.len() < 2 {
        return items;
    }
    let joined = patterns
        .iter()
        .map(|p| format!("(?:{p})"))
        .collect::<Vec<_>>()
        .join("|");
    // A merged regex too large to compile leaves the terms as they were.
    let Ok(regex) = crate::regex_compat::plain(&joined) else {
        return items;
    };
    let mut merged = Some(Matcher::Term(TermPattern { regex: Some(regex) }));
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Matcher::Term(TermPattern { regex: Some(_) }) => out.extend(merged.take()),
            other => out.push(other),
        }
    }
    out
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
            SearchKind::Or(items) => Matcher::Or(merge_terms(
                items
                    .iter()
                    .map(|e| Matcher::compile_with(e, notice))
                    .collect::<Result<_>>()?,
            )),
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
            cidr: Cidr::of_value(v),
        }
    }

    /// `=`: glob match, numeric equality when both sides are numbers
    /// (`count=5` matches `5.0`), or for a subnet an address inside it.
    fn equals(&self, actual: &str) -> bool {
        if self.glob.matches(actual) {
            return true;
        }
        if let Some(cidr) = &self.cidr {
            return cidr.contains(actual);
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

    #[test]
    fn cidr_subnets() {
        let c = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(c.contains("10.255.0.1"));
        assert!(c.contains(" 10.0.0.0 "));
        assert!(!c.contains("11.0.0.1"));
        assert!(!c.contains("::ffff:10.0.0.1"));
        assert!(!c.contains("10.0.0"));
        assert!(!c.contains(""));
        let host = Cidr::parse("192.0.2.7/32").unwrap();
        assert!(host.contains("192.0.2.7"));
        assert!(!host.contains("192.0.2.8"));
        let all = Cidr::parse("0.0.0.0/0").unwrap();
        assert!(all.contains("203.0.113.9"));
        assert!(!all.contains("2001:db8::1"));
        let v6 = Cidr::parse("2001:DB8::/32").unwrap();
        assert!(v6.contains("2001:db8:ffff::1"));
        assert!(!v6.contains("2001:db9::1"));
        assert!(!v6.contains("10.0.0.1"));
        assert!(Cidr::parse("::/0").unwrap().contains("::1"));
        assert!(Cidr::parse("::1/128").unwrap().contains("::1"));
        for bad in [
            "10.0.0.0/99",
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "10.0.0.0/8/8",
            "10.0.*.0/8",
            "10.0.0/8",
            "/8",
            "10.0.0.0",
            "10.0.0.0/0008",
            "host/8",
        ] {
            assert_eq!(Cidr::parse(bad), None, "{bad}");
        }
    }
    fn compiled(search: &str) -> Matcher {
        let expr =
            crate::syntax::parser::parse_search_expr_at(search, crate::source::Span::default())
                .expect("parses");
        Matcher::compile_with(&expr, &mut |_| {}).expect("compiles")
    }

    fn event(raw: &str, user: &str) -> Event {
        let mut e = Event::new();
        e.set("_raw", crate::Value::from(raw));
        e.set("user", crate::Value::from(user));
        e
    }

    #[test]
    fn ored_terms_scan_raw_once_with_the_same_answers() {
        let m = compiled("error OR fatal* OR user=bob OR \"not found\" OR *");
        // The three terms became one beside the field comparison; a lone
        // `*` (always true) stays its own.
        let Matcher::Or(items) = &m else {
            panic!("{m:?}")
        };
        assert_eq!(items.len(), 3, "{items:?}");
        let m = compiled("error OR fatal* OR user=bob OR \"not found\"");
        let Matcher::Or(items) = &m else {
            panic!("{m:?}")
        };
        assert_eq!(items.len(), 2, "{items:?}");
        for (raw, user, want) in [
            ("an ERROR here", "al", true),
            ("errors only", "al", false),
            ("Fatalities", "al", true),
            ("xfatal", "al", false),
            ("page not found", "al", true),
            ("nothing", "bob", true),
            ("nothing", "al", false),
        ] {
            assert_eq!(m.matches(&event(raw, user)), want, "{raw:?} {user:?}");
        }
    }
}
