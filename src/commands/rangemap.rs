//! `rangemap`: names the numeric ranges a field's value falls in, in a new
//! field `range`.
//!
//! Docs: <https://help.splunk.com/splunk-cloud-platform/spl-search-reference/10.0.2503/search-commands/rangemap>:
//! `rangemap field=<string> [<attribute_name>=<numeric_range>]...
//! [default=<string>]`; a range is `<num>-<num>` (negative values allowed,
//! e.g. `Dislike=-5--1`, the first lower than the second), overlapping
//! ranges give a multivalue `range` with every name that applies (the
//! page's `low=1-10 elevated=5-15` with 10 gives both, so bounds are
//! inclusive), and an unmatched value gets `default` (`None` unless set).
//! Choice where the page is silent: a missing or non-numeric value matches
//! no range, so it gets the default too.

use crate::commands::common::{at_option, bad, option};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::{parse_number, Value};

/// One named range, bounds inclusive.
#[derive(Debug, Clone, PartialEq)]
pub struct Range {
    /// The name written to `range`.
    pub name: String,
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

/// `rangemap field=count low=0-10 high=11-100 default=none`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rangemap {
    /// The input field.
    pub field: String,
    /// The ranges, in the order written.
    pub ranges: Vec<Range>,
    /// The value for results no range matches.
    pub default: String,
}

/// Splits `<num>-<num>` at the dash after the first number (either number
/// may be negative): `-5--1` is (-5, -1).
fn parse_range(text: &str) -> Option<(f64, f64)> {
    let bytes = text.as_bytes();
    (1..bytes.len())
        .filter(|&i| bytes[i] == b'-' && bytes[i - 1] != b'-' && bytes[i - 1] != b'e')
        .find_map(|i| Some((parse_number(&text[..i])?, parse_number(&text[i + 1..])?)))
}

/// Parses `rangemap`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let c = "rangemap";
    let mut field = None;
    let mut default = "None".to_string();
    let mut ranges = Vec::new();
    while !p.at_command_end() {
        if !at_option(p) {
            return Err(bad(
                c,
                "expected `field=<field>`, `<name>=<low>-<high>` or `default=<string>`",
                p.here(),
            ));
        }
        let (key, value, span) = option(p)?;
        match key.as_str() {
            "field" => field = Some(value),
            "default" => default = value,
            _ => {
                let Some((low, high)) = parse_range(&value) else {
                    return Err(bad(
                        c,
                        format!("range `{key}={value}` must be `<num>-<num>`"),
                        span,
                    ));
                };
                if low > high {
                    return Err(bad(
                        c,
                        format!(
                            "range `{key}={value}`: the first value must be lower than the second"
                        ),
                        span,
                    ));
                }
                // `option` lower-cases the key; the name is output, so keep it as written.
                let name = p
                    .text_of(span)
                    .split('=')
                    .next()
                    .unwrap_or(&key)
                    .to_string();
                ranges.push(Range { name, low, high });
            }
        }
    }
    let Some(field) = field else {
        return Err(bad(c, "the `field=` argument is required", name_span));
    };
    Ok(CommandArgs::Rangemap(Rangemap {
        field,
        ranges,
        default,
    }))
}

impl Rangemap {
    /// The names of the ranges `value` falls in, or the default.
    fn classify(&self, value: Option<&Value>) -> Value {
        let n = value.and_then(|v| match v {
            Value::Multi(_) => None,
            other => other.as_number(),
        });
        let names: Vec<String> = match n {
            Some(n) => self
                .ranges
                .iter()
                .filter(|r| r.low <= n && n <= r.high)
                .map(|r| r.name.clone())
                .collect(),
            None => Vec::new(),
        };
        Value::from_list(names).unwrap_or_else(|| Value::Str(self.default.clone()))
    }
}

impl super::Command for Rangemap {
    /// Sets `range` on every result.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        Ok(Box::new(input.map(move |row| {
            let mut event = row?;
            let range = self.classify(event.get(&self.field));
            event.set("range", range);
            Ok(event)
        })))
    }
}

/// The registry entries of `rangemap`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "rangemap",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_with_negative_bounds() {
        assert_eq!(parse_range("-5--1"), Some((-5.0, -1.0)));
        assert_eq!(parse_range("0-0"), Some((0.0, 0.0)));
        assert_eq!(parse_range("1.5-10"), Some((1.5, 10.0)));
        assert_eq!(parse_range("10"), None);
        assert_eq!(parse_range("a-b"), None);
    }

    #[test]
    fn overlapping_ranges_are_multivalue() {
        let r = Rangemap {
            field: "x".into(),
            ranges: vec![
                Range {
                    name: "low".into(),
                    low: 1.0,
                    high: 10.0,
                },
                Range {
                    name: "elevated".into(),
                    low: 5.0,
                    high: 15.0,
                },
            ],
            default: "None".into(),
        };
        assert_eq!(
            r.classify(Some(&Value::Num(10.0))),
            Value::Multi(vec!["low".into(), "elevated".into()])
        );
        assert_eq!(
            r.classify(Some(&Value::Num(20.0))),
            Value::Str("None".into())
        );
        assert_eq!(r.classify(None), Value::Str("None".into()));
    }
}
