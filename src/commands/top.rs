//! `top` and `rare`: the most (least) common values of fields, with a count
//! and a percentage.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/top>,
//! <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/rare>:
//! `top [<N>] [<top-options>...] <field-list> [BY <field-list>]` with
//! `countfield`, `limit` (0 = all; default 10), `otherstr`, `percentfield`,
//! `showcount`, `showperc`, `useother`. Choices where the pages are silent:
//! results missing a listed field are not counted; a multivalue field counts
//! once per value; the percentage is of the counted values in the BY group,
//! written with six decimals (`33.333333`); ties in count are ordered by
//! the values ascending (as `stats` orders its groups); BY groups come out
//! in ascending order of their values.

use std::collections::HashMap;

use crate::commands::common::{
    at_option, bad, bool_opt, collect, count_opt, option, unknown_option,
};
use crate::commands::stats::{compare_keys, group_keys};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::Parser;
use crate::value::Value;

/// How often each combination of values occurs.
type Counts = HashMap<Vec<String>, usize>;

/// Default number of values returned.
const DEFAULT_LIMIT: usize = 10;

/// `top 3 user BY src`, `rare limit=5 showperc=f process`.
#[derive(Debug, Clone, PartialEq)]
pub struct Top {
    /// `rare`: least common first.
    pub rare: bool,
    /// Values per group (0 = all).
    pub limit: usize,
    /// The counted fields.
    pub fields: Vec<String>,
    /// The group-by fields.
    pub by: Vec<String>,
    /// Name of the count field (default `count`).
    pub countfield: String,
    /// Name of the percentage field (default `percent`).
    pub percentfield: String,
    /// Show the count (default true).
    pub showcount: bool,
    /// Show the percentage (default true).
    pub showperc: bool,
    /// Add a row for every other value (default false).
    pub useother: bool,
    /// That row's value (default `OTHER`).
    pub otherstr: String,
}

/// Parses `top`'s arguments.
pub fn parse_top(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    parse(p, name_span, false)
}

/// Parses `rare`'s arguments.
pub fn parse_rare(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    parse(p, name_span, true)
}

fn parse(p: &mut Parser, name_span: Span, rare: bool) -> Result<CommandArgs> {
    let c = if rare { "rare" } else { "top" };
    let mut out = Top {
        rare,
        limit: DEFAULT_LIMIT,
        fields: Vec::new(),
        by: Vec::new(),
        countfield: "count".into(),
        percentfield: "percent".into(),
        showcount: true,
        showperc: true,
        useother: false,
        otherstr: "OTHER".into(),
    };
    if let Some(Tok::Word(w)) = p.peek() {
        if w.bytes().all(|b| b.is_ascii_digit()) {
            let (w, span) = p.word("a count")?;
            out.limit = count_opt(c, "N", &w, span)?;
        }
    }
    while !p.at_command_end() {
        if p.eat(&Tok::Comma) {
            continue;
        }
        if at_option(p) {
            let (key, value, span) = option(p)?;
            match key.as_str() {
                "limit" => out.limit = count_opt(c, &key, &value, span)?,
                "countfield" => out.countfield = value,
                "percentfield" => out.percentfield = value,
                "showcount" => out.showcount = bool_opt(c, &key, &value, span)?,
                "showperc" => out.showperc = bool_opt(c, &key, &value, span)?,
                "useother" => out.useother = bool_opt(c, &key, &value, span)?,
                "otherstr" => out.otherstr = value,
                _ => return Err(unknown_option(c, &key, span)),
            }
            continue;
        }
        if p.eat_keyword("by") {
            while !p.at_command_end() {
                if p.eat(&Tok::Comma) {
                    continue;
                }
                if at_option(p) {
                    let (key, _, span) = option(p)?;
                    return Err(bad(
                        c,
                        format!("option `{key}` must come before `BY`"),
                        span,
                    ));
                }
                out.by.push(p.field_name("a field name after `BY`")?.0);
            }
            if out.by.is_empty() {
                return Err(p.expected("a field name after `BY`"));
            }
            break;
        }
        out.fields.push(p.field_name("a field name")?.0);
    }
    if out.fields.is_empty() {
        return Err(bad(
            c,
            format!("expected at least one field, e.g. `{c} user`"),
            name_span,
        ));
    }
    Ok(CommandArgs::Top(out))
}

/// Formats a percentage as Splunk shows it: six decimals.
fn percent(count: usize, total: usize) -> String {
    let pct = if total == 0 {
        0.0
    } else {
        count as f64 * 100.0 / total as f64
    };
    format!("{pct:.6}")
}

impl Top {
    fn row(&self, by: &[String], values: Vec<String>, count: usize, total: usize) -> Event {
        let mut e = Event::new();
        for (name, v) in self.by.iter().zip(by) {
            e.set(name.clone(), Value::Str(v.clone()));
        }
        for (name, v) in self.fields.iter().zip(values) {
            e.set(name.clone(), Value::Str(v));
        }
        if self.showcount {
            e.set(self.countfield.clone(), Value::Num(count as f64));
        }
        if self.showperc {
            e.set(self.percentfield.clone(), Value::Str(percent(count, total)));
        }
        e
    }
}

impl super::Command for Top {
    /// Counts the values and yields the top (or rare) ones per group.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        let rows = collect(input)?;
        // by-key -> (values-key -> count).
        let mut groups: HashMap<Vec<String>, Counts> = HashMap::new();
        for event in &rows {
            let values = group_keys(&self.fields, event);
            if values.is_empty() {
                continue;
            }
            for by in group_keys(&self.by, event) {
                let counts = groups.entry(by).or_default();
                for v in &values {
                    *counts.entry(v.clone()).or_insert(0) += 1;
                }
            }
        }
        let mut group_list: Vec<(Vec<String>, Counts)> = groups.into_iter().collect();
        group_list.sort_by(|a, b| compare_keys(&a.0, &b.0));
        let mut out = Vec::new();
        for (by, counts) in group_list {
            let total: usize = counts.values().sum();
            let mut list: Vec<(Vec<String>, usize)> = counts.into_iter().collect();
            list.sort_by(|a, b| {
                let by_count = if self.rare {
                    a.1.cmp(&b.1)
                } else {
                    b.1.cmp(&a.1)
                };
                by_count.then_with(|| compare_keys(&a.0, &b.0))
            });
            let keep = if self.limit == 0 {
                list.len()
            } else {
                self.limit.min(list.len())
            };
            let others: usize = list[keep..].iter().map(|(_, n)| n).sum();
            for (values, count) in list.into_iter().take(keep) {
                out.push(self.row(&by, values, count, total));
            }
            if self.useother && others > 0 {
                let values = vec![self.otherstr.clone(); self.fields.len()];
                out.push(self.row(&by, values, others, total));
            }
        }
        Ok(Box::new(out.into_iter().map(Ok)))
    }
}

/// The registry entries of `top`, `rare`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "top",
        aliases: &[],
        parse: parse_top,
    },
    super::CommandSpec {
        name: "rare",
        aliases: &[],
        parse: parse_rare,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_has_six_decimals() {
        assert_eq!(percent(1, 3), "33.333333");
        assert_eq!(percent(2, 3), "66.666667");
        assert_eq!(percent(1, 1), "100.000000");
    }
}
