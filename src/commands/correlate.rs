//! `correlate`: how often fields occur together in the same results.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/correlate>:
//! `correlate` (no arguments); "the results are presented in a matrix
//! format, where the cross tabulation of two fields is a cell value. The
//! cell value represents the percentage of times that the two fields exist
//! in the same events"; "the field the result is specific to is named in
//! the value of the RowField field, while the fields it is compared against
//! are the names of the other fields"; `[correlate] maxfields` (1000): past
//! it, the first fields encountered are kept and the search notes
//! "correlate: input fields limit (N) reached. Some fields may have been
//! ignored." The Search Manual's "Look for associations" page writes
//! `correlate type=cocur`: "it uses the cocur operation", the only one.
//!
//! Choices where the page is silent: the result is row-specific, so a cell
//! is the share of the results holding the row's field that also hold the
//! column's field (`count(row and column) / count(row)`, a fraction from 0
//! to 1, the diagonal 1); rows and columns list the fields by name;
//! internal fields (`_time`, `_raw`, ...) are left out, as the other
//! field-wide commands here do; no results give no rows.

use std::collections::{BTreeMap, HashMap};

use crate::commands::common::{at_option, bad, collect, option, unknown_option};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

/// `[correlate] maxfields`.
const MAX_FIELDS: usize = 1000;

/// `correlate`.
#[derive(Debug, Clone, PartialEq)]
pub struct Correlate;

/// Parses `correlate`: no arguments, or the Search Manual's `type=cocur`
/// (its only operation).
pub fn parse(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    let c = "correlate";
    while at_option(p) {
        let (key, value, span) = option(p)?;
        match key.as_str() {
            "type" if value.eq_ignore_ascii_case("cocur") => {}
            "type" => {
                return Err(bad(
                    c,
                    format!("`type` must be cocur (the only correlation), found `{value}`"),
                    span,
                ))
            }
            _ => return Err(unknown_option(c, &key, span)),
        }
    }
    if !p.at_command_end() {
        return Err(p.expected("the end of `correlate` (it takes only `type=cocur`)"));
    }
    Ok(CommandArgs::Correlate(Correlate))
}

/// The co-occurrence counts: per field, how many results hold it, and per
/// pair of field indexes, how many hold both.
struct Counts {
    /// Field names in the order first seen (at most `MAX_FIELDS`).
    fields: Vec<String>,
    /// Results holding each field.
    alone: Vec<u64>,
    /// Results holding both fields of a pair `(i, j)`.
    both: HashMap<(usize, usize), u64>,
    /// Whether fields past the limit were ignored.
    truncated: bool,
}

/// Counts the fields of `rows`.
fn count(rows: &[Event], max_fields: usize) -> Counts {
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut counts = Counts {
        fields: Vec::new(),
        alone: Vec::new(),
        both: HashMap::new(),
        truncated: false,
    };
    for event in rows {
        let mut present = Vec::new();
        for name in event.names().filter(|n| !n.starts_with('_')) {
            let i = match index.get(name) {
                Some(&i) => i,
                None if counts.fields.len() < max_fields => {
                    let i = counts.fields.len();
                    index.insert(name.to_string(), i);
                    counts.fields.push(name.to_string());
                    counts.alone.push(0);
                    i
                }
                None => {
                    counts.truncated = true;
                    continue;
                }
            };
            present.push(i);
        }
        for &i in &present {
            counts.alone[i] += 1;
            for &j in &present {
                *counts.both.entry((i, j)).or_default() += 1;
            }
        }
    }
    counts
}

impl super::Command for Correlate {
    /// Builds the matrix.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let rows = collect(input)?;
        let counts = count(&rows, MAX_FIELDS);
        if counts.truncated {
            ctx.notice(format!(
                "correlate: input fields limit ({MAX_FIELDS}) reached. Some fields may have been ignored."
            ));
        }
        let by_name: BTreeMap<&str, usize> = counts
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| (f.as_str(), i))
            .collect();
        let mut out = Vec::with_capacity(by_name.len());
        for (&row_name, &i) in &by_name {
            let mut e = Event::new();
            e.set("RowField", Value::Str(row_name.to_string()));
            let total = counts.alone[i] as f64;
            for (&col_name, &j) in &by_name {
                let n = counts.both.get(&(i, j)).copied().unwrap_or(0) as f64;
                e.set(col_name.to_string(), Value::Num(n / total));
            }
            out.push(e);
        }
        Ok(Box::new(out.into_iter().map(Ok)))
    }
}

/// The registry entries of `correlate`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "correlate",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn event(fields: &[&str]) -> Event {
        let mut e = Event::new();
        for f in fields {
            e.set(*f, Value::from("x"));
        }
        e
    }

    #[test]
    fn counts_pairs_and_stops_at_the_field_limit() {
        let rows = [event(&["a", "b", "_raw"]), event(&["a"]), event(&["c"])];
        let c = count(&rows, 1000);
        assert_eq!(c.fields, ["a", "b", "c"]);
        assert_eq!(c.alone, [2, 1, 1]);
        assert_eq!(c.both.get(&(0, 1)), Some(&1));
        assert_eq!(c.both.get(&(0, 2)), None);
        let c = count(&rows, 2);
        assert_eq!(c.fields, ["a", "b"]);
        assert!(c.truncated);
    }
}
