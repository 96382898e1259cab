//! `table`: keeps the listed fields, in the listed order.

use crate::commands::{field_list, CommandArgs};
use crate::error::Result;
use std::collections::HashMap;

use crate::event::{Event, Key};
use crate::exec::matcher::Glob;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

/// `table <field> ...`, e.g. `table _time user src*`.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Field names, possibly with `*` wildcards.
    pub names: Vec<String>,
}

/// Parses `table`'s arguments.
pub fn parse(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    let names = field_list(p, &[])?.into_iter().map(|(n, _)| n).collect();
    Ok(CommandArgs::Table(Table { names }))
}

impl super::Command for Table {
    /// Rebuilds every row with only the listed fields, in order; a wildcard
    /// brings matching fields in the row's own order.
    ///
    /// Each field goes to the first name or pattern that claims it, and the
    /// row is rebuilt by one stable sort on that position: removing fields
    /// one by one from a row of many (`table *` on an event of 100,000
    /// keys) moved the rest each time, which was quadratic.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        let mut exact: HashMap<&str, usize> = HashMap::new();
        let mut globs: Vec<(usize, Glob)> = Vec::new();
        for (i, name) in self.names.iter().enumerate() {
            if name.contains('*') {
                globs.push((i, Glob::new(name, true)));
            } else {
                exact.entry(name.as_str()).or_insert(i);
            }
        }
        Ok(Box::new(input.map(move |row| {
            row.map(|event| {
                let mut kept: Vec<(usize, Key, Value)> = event
                    .into_keyed()
                    .into_iter()
                    .filter_map(|(name, value)| {
                        let at = claimed_by(&exact, &globs, name.as_str())?;
                        Some((at, name, value))
                    })
                    .collect();
                kept.sort_by_key(|(at, _, _)| *at);
                let mut out = Event::with_capacity(kept.len());
                for (_, name, value) in kept {
                    out.push_absent(name, value);
                }
                out
            })
        })))
    }
}

/// The position of the first listed name or pattern that claims `name`.
fn claimed_by(exact: &HashMap<&str, usize>, globs: &[(usize, Glob)], name: &str) -> Option<usize> {
    let by_name = exact.get(name).copied();
    globs
        .iter()
        .take_while(|(i, _)| by_name.is_none_or(|at| *i < at))
        .find(|(_, g)| g.matches(name))
        .map(|(i, _)| *i)
        .or(by_name)
}

/// The registry entries of `table`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "table",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn table(names: &[&str], event: Event) -> Vec<String> {
        let t = Table {
            names: names.iter().map(|n| n.to_string()).collect(),
        };
        let rows: Rows<'_> = Box::new(std::iter::once(Ok(event)));
        let out = crate::commands::apply_in_test(&t, rows)
            .and_then(|rows| rows.collect::<Result<Vec<_>>>())
            .expect("table runs");
        out[0].names().map(str::to_string).collect()
    }

    fn event(names: &[&str]) -> Event {
        names
            .iter()
            .map(|n| (n.to_string(), Value::from("x")))
            .collect()
    }

    /// Listed order; a pattern brings its fields in the row's order; a
    /// field claimed once is not repeated.
    #[test]
    fn first_claim_wins_in_listed_order() {
        let e = event(&["b2", "a", "b1", "c", "_time"]);
        assert_eq!(
            table(&["c", "b*", "a", "c"], e.clone()),
            ["c", "b2", "b1", "a"]
        );
        assert_eq!(
            table(&["*", "c"], e.clone()),
            ["b2", "a", "b1", "c", "_time"]
        );
        assert_eq!(table(&["b1", "*1", "b*"], e), ["b1", "b2"]);
    }

    /// A row of 100,000 fields keeps them all, in order.
    #[test]
    fn wide_rows_keep_every_field() {
        let names: Vec<String> = (0..100_000).map(|i| format!("k{i}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let got = table(&["*"], event(&refs));
        assert_eq!(got, names);
    }
}
