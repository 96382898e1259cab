//! `selfjoin`: joins results with other results of the same result set that
//! share the values of the join fields.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.2/search-commands/selfjoin>:
//! `selfjoin [overwrite=<bool>] [max=<int>] [keepsingle=<bool>] <field-list>`;
//! `max` is "the maximum number of 'other' results to join with each main
//! result. If max=0, there is no limit" (default 1; "the maximum number of
//! main results is 100,000"); `overwrite=true` (the default) "causes fields
//! from the 'other' results to overwrite fields of the main results";
//! `keepsingle=true` keeps "results that have a unique value in the join
//! fields and no matching values to join with" (default false). The
//! page's extended example fixes the pairing: over five results sharing
//! the join value, row 1 is joined with row 2 and returned as row 2, ...,
//! row 4 with row 5, and "Row 5 has no other row to join with", so the
//! 'other' results of a main result are the ones after it in the results,
//! and the later row's values take precedence.
//!
//! Choices where the page is silent: output follows the main results'
//! order; a result missing a join field joins with nothing and is dropped
//! (it has no value to be unique in); main results past the 100,000th are
//! dropped with a notice.

use std::collections::HashMap;

use crate::commands::common::{
    at_option, bad, bool_opt, count_opt, key_of, option, unknown_option,
};
use crate::commands::{field_list, CommandArgs};
use crate::error::Result;
use crate::event::Event;
use crate::exec::memory::{Held, Releasing};
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::parser::Parser;

/// The documented limit on main results.
const MAX_MAIN_RESULTS: usize = 100_000;

/// `selfjoin max=0 keepsingle=true id`.
#[derive(Debug, Clone, PartialEq)]
pub struct Selfjoin {
    /// The join fields.
    pub fields: Vec<String>,
    /// Whether the other result's fields replace the main result's.
    pub overwrite: bool,
    /// Most other results joined per main result (0: all).
    pub max: usize,
    /// Whether a result alone with its join values is kept.
    pub keepsingle: bool,
}

/// Parses `selfjoin`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let c = "selfjoin";
    let mut out = Selfjoin {
        fields: Vec::new(),
        overwrite: true,
        max: 1,
        keepsingle: false,
    };
    while at_option(p) {
        let (key, value, span) = option(p)?;
        match key.as_str() {
            "overwrite" => out.overwrite = bool_opt(c, &key, &value, span)?,
            "max" => out.max = count_opt(c, &key, &value, span)?,
            "keepsingle" => out.keepsingle = bool_opt(c, &key, &value, span)?,
            _ => return Err(unknown_option(c, &key, span)),
        }
    }
    for (field, span) in field_list(p, &[])? {
        if field.contains('=') || field.contains('*') {
            return Err(bad(c, format!("`{field}` is not a join field name"), span));
        }
        out.fields.push(field);
    }
    if out.fields.is_empty() {
        return Err(bad(c, "at least one join field is required", name_span));
    }
    Ok(CommandArgs::Selfjoin(out))
}

impl Selfjoin {
    /// Merges `other` into `main`.
    fn merge(&self, main: &Event, other: &Event) -> Event {
        let mut merged = main.clone();
        for (name, value) in other.iter() {
            if self.overwrite || !merged.contains(name) {
                merged.set(name.to_string(), value.clone());
            }
        }
        merged
    }

    /// The join over collected results; the rows it makes are charged to
    /// `held`.
    fn join(&self, rows: &[Event], held: &mut Held) -> Result<Vec<Event>> {
        // Positions of the results of each join key, in order.
        let mut groups: HashMap<Vec<String>, Vec<usize>> = HashMap::new();
        let keys: Vec<Option<Vec<String>>> = rows.iter().map(|r| key_of(r, &self.fields)).collect();
        for (i, key) in keys.iter().enumerate() {
            if let Some(k) = key {
                groups.entry(k.clone()).or_default().push(i);
            }
        }
        let mut out = Vec::new();
        for (i, key) in keys.iter().enumerate() {
            let Some(group) = key.as_ref().and_then(|k| groups.get(k)) else {
                continue;
            };
            if group.len() == 1 {
                if self.keepsingle {
                    held.charge_row(&rows[i])?;
                    out.push(rows[i].clone());
                }
                continue;
            }
            let later = group.iter().filter(|&&j| j > i);
            let take = if self.max == 0 { usize::MAX } else { self.max };
            for &j in later.take(take) {
                let merged = self.merge(&rows[i], &rows[j]);
                held.charge_row(&merged)?;
                out.push(merged);
            }
        }
        Ok(out)
    }
}

impl super::Command for Selfjoin {
    /// Joins each result with the later results that share its join values.
    ///
    /// The results joined and the joined rows are held, charged to the
    /// search's memory budget; results past the first 100,000 are counted,
    /// not kept.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let mut held = ctx.memory.hold("selfjoin");
        let mut rows = Vec::new();
        let mut total = 0usize;
        for row in input {
            let row = row?;
            total += 1;
            if rows.len() < MAX_MAIN_RESULTS {
                held.charge_row(&row)?;
                rows.push(row);
            }
        }
        if total > MAX_MAIN_RESULTS {
            ctx.notice(format!(
                "selfjoin: {total} results, only the first {MAX_MAIN_RESULTS} are joined"
            ));
        }
        let mut joined = ctx.memory.hold("selfjoin");
        let out = self.join(&rows, &mut joined)?;
        drop(held);
        Ok(Box::new(Releasing::new(out.into_iter(), joined)))
    }
}

/// The registry entries of `selfjoin`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "selfjoin",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    fn row(pairs: &[(&str, &str)]) -> Event {
        let mut e = Event::new();
        for (k, v) in pairs {
            e.set(*k, Value::from(*v));
        }
        e
    }

    fn get(rows: &[Event], field: &str) -> Vec<String> {
        rows.iter()
            .map(|r| {
                r.get(field)
                    .map(|v| v.to_text().into_owned())
                    .unwrap_or_default()
            })
            .collect()
    }

    fn cmd(max: usize, overwrite: bool, keepsingle: bool) -> Selfjoin {
        Selfjoin {
            fields: vec!["k".into()],
            overwrite,
            max,
            keepsingle,
        }
    }

    #[test]
    fn each_result_joins_the_next_ones_with_its_key() {
        let rows = vec![
            row(&[("k", "x"), ("a", "1"), ("c", "c1")]),
            row(&[("k", "x"), ("a", "2")]),
            row(&[("k", "y"), ("a", "3")]),
            row(&[("k", "x"), ("a", "4")]),
        ];
        let budget = crate::exec::memory::MemoryBudget::default();
        let join = |c: Selfjoin| c.join(&rows, &mut budget.hold("selfjoin")).expect("fits");
        let out = join(cmd(1, true, false));
        assert_eq!(get(&out, "a"), ["2", "4"]);
        assert_eq!(get(&out, "c"), ["c1", ""]);
        let all = join(cmd(0, true, true));
        assert_eq!(get(&all, "a"), ["2", "4", "4", "3"]);
        let kept = join(cmd(1, false, false));
        assert_eq!(get(&kept, "a"), ["1", "2"]);
    }
}
