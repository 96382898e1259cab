//! `contingency`: a co-occurrence table of two fields' values.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/contingency>:
//! `contingency [maxrows=<int>] [maxcols=<int>] [mincolcover=<num>]
//! [minrowcover=<num>] [usetotal=<bool>] [totalstr=<field>] <field1> <field2>`;
//! "each cell ... contains ... the count of events that contain the two
//! values of the field in that row and column combination"; the first
//! column holds field1's values and is named after it, the other columns
//! are field2's values; without a later `sort` "the results are sorted by
//! the row totals" (the page's example lists the columns by their totals
//! too: Shallow 8788, Mid 994, Deep 48); `maxrows`/`maxcols` (default 1000,
//! 0 meaning the `[ctable] maxvalues` limit, 1000) keep the most common
//! values; `minrowcover`/`mincolcover` (default 1.0) include values until
//! that share of the counts is shown; `usetotal=true` (default) adds a
//! total column, a total row and the grand total, named `totalstr`
//! (default `TOTAL`) and counting the events represented in the table; an
//! empty value is shown as `EMPTY_STR`.
//!
//! Choices where the page is silent: rows and columns with equal totals
//! are ordered by value as text; an event lacking either field is not
//! counted; each value of a multivalue field counts, once per pair.

use std::collections::HashMap;

use crate::commands::common::{
    at_option, bad, bool_opt, collect, count_opt, number_opt, option, unknown_option,
};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

/// `[ctable] maxvalues`: the most values on either side.
const MAX_VALUES: usize = 1000;

/// `contingency maxcols=5 log_level component`.
#[derive(Debug, Clone, PartialEq)]
pub struct Contingency {
    /// The row field.
    pub row_field: String,
    /// The column field.
    pub col_field: String,
    /// Most rows.
    pub maxrows: usize,
    /// Most columns.
    pub maxcols: usize,
    /// Share of the counts the rows must cover.
    pub minrowcover: f64,
    /// Share of the counts the columns must cover.
    pub mincolcover: f64,
    /// Whether totals are added.
    pub usetotal: bool,
    /// The totals' name.
    pub totalstr: String,
}

/// Parses `contingency`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let c = "contingency";
    let mut maxrows = MAX_VALUES;
    let mut maxcols = MAX_VALUES;
    let mut minrowcover = 1.0;
    let mut mincolcover = 1.0;
    let mut usetotal = true;
    let mut totalstr = "TOTAL".to_string();
    let mut fields = Vec::new();
    while !p.at_command_end() {
        if at_option(p) {
            let (key, value, span) = option(p)?;
            let cover = |v: f64| {
                if (0.0..=1.0).contains(&v) {
                    Ok(v)
                } else {
                    Err(bad(c, format!("`{key}` must be between 0 and 1"), span))
                }
            };
            let max = |n: usize| {
                if n == 0 || n > MAX_VALUES {
                    MAX_VALUES
                } else {
                    n
                }
            };
            match key.as_str() {
                "maxrows" => maxrows = max(count_opt(c, &key, &value, span)?),
                "maxcols" => maxcols = max(count_opt(c, &key, &value, span)?),
                "minrowcover" => minrowcover = cover(number_opt(c, &key, &value, span)?)?,
                "mincolcover" => mincolcover = cover(number_opt(c, &key, &value, span)?)?,
                "usetotal" => usetotal = bool_opt(c, &key, &value, span)?,
                "totalstr" => totalstr = value,
                _ => return Err(unknown_option(c, &key, span)),
            }
            continue;
        }
        let (field, span) = crate::commands::common::field_without_wildcard(p, c)?;
        fields.push((field, span));
    }
    if fields.len() != 2 {
        let span = fields.get(2).map_or(name_span, |f| f.1);
        return Err(bad(c, "exactly two fields are required", span));
    }
    let col_field = fields.pop().map(|f| f.0).unwrap_or_default();
    let row_field = fields.pop().map(|f| f.0).unwrap_or_default();
    Ok(CommandArgs::Contingency(Contingency {
        row_field,
        col_field,
        maxrows,
        maxcols,
        minrowcover,
        mincolcover,
        usetotal,
        totalstr,
    }))
}

/// A field's values as shown in the table (`EMPTY_STR` for "").
fn shown(event: &Event, field: &str) -> Vec<String> {
    event
        .get(field)
        .map(|v| {
            v.texts()
                .into_iter()
                .map(|t| {
                    if t.is_empty() {
                        "EMPTY_STR".to_string()
                    } else {
                        t.into_owned()
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The values to show: most common first (ties by value), up to `max`,
/// stopping once `cover` of the total count is shown.
fn pick(totals: &HashMap<String, u64>, max: usize, cover: f64) -> Vec<String> {
    let mut values: Vec<(&String, u64)> = totals.iter().map(|(k, v)| (k, *v)).collect();
    values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let all: u64 = values.iter().map(|v| v.1).sum();
    let mut shown = 0u64;
    let mut out = Vec::new();
    for (value, count) in values {
        if out.len() >= max || (all > 0 && shown as f64 / all as f64 >= cover && !out.is_empty()) {
            break;
        }
        shown += count;
        out.push(value.clone());
    }
    out
}

impl super::Command for Contingency {
    /// Builds the table.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        let rows = collect(input)?;
        let mut cells: HashMap<(String, String), u64> = HashMap::new();
        let mut row_totals: HashMap<String, u64> = HashMap::new();
        let mut col_totals: HashMap<String, u64> = HashMap::new();
        for event in &rows {
            let (rs, cs) = (shown(event, &self.row_field), shown(event, &self.col_field));
            for r in &rs {
                for c in &cs {
                    *cells.entry((r.clone(), c.clone())).or_default() += 1;
                    *row_totals.entry(r.clone()).or_default() += 1;
                    *col_totals.entry(c.clone()).or_default() += 1;
                }
            }
        }
        let row_values = pick(&row_totals, self.maxrows, self.minrowcover);
        let col_values = pick(&col_totals, self.maxcols, self.mincolcover);
        let mut out = Vec::with_capacity(row_values.len() + 1);
        let mut col_sums = vec![0u64; col_values.len()];
        for r in &row_values {
            let mut e = Event::new();
            e.set(self.row_field.clone(), Value::Str(r.clone()));
            let mut total = 0;
            for (i, c) in col_values.iter().enumerate() {
                let n = cells.get(&(r.clone(), c.clone())).copied().unwrap_or(0);
                total += n;
                col_sums[i] += n;
                e.set(c.clone(), Value::Num(n as f64));
            }
            if self.usetotal {
                e.set(self.totalstr.clone(), Value::Num(total as f64));
            }
            out.push(e);
        }
        if self.usetotal {
            let mut e = Event::new();
            e.set(self.row_field.clone(), Value::Str(self.totalstr.clone()));
            for (c, n) in col_values.iter().zip(&col_sums) {
                e.set(c.clone(), Value::Num(*n as f64));
            }
            e.set(
                self.totalstr.clone(),
                Value::Num(col_sums.iter().sum::<u64>() as f64),
            );
            out.push(e);
        }
        Ok(Box::new(out.into_iter().map(Ok)))
    }
}

/// The registry entries of `contingency`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "contingency",
        aliases: &["ctable", "counttable"],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_most_common_values_within_max_and_cover() {
        let totals: HashMap<String, u64> = [("a", 5), ("b", 3), ("c", 2)]
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect();
        assert_eq!(pick(&totals, 1000, 1.0), ["a", "b", "c"]);
        assert_eq!(pick(&totals, 2, 1.0), ["a", "b"]);
        // 5/10 shown after a, 8/10 after b: 0.8 is reached.
        assert_eq!(pick(&totals, 1000, 0.8), ["a", "b"]);
    }
}
