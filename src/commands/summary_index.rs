//! `sistats`, `sichart`, `sitimechart`, `sitop`, `sirare`: the summary
//! indexing forms of `stats`, `chart`, `timechart`, `top` and `rare`.
//!
//! Docs: the sistats page
//! (<https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/sistats>)
//! and its siblings: each takes its reporting command's syntax and writes
//! partial statistics that the reporting command, run later over them,
//! finishes ("use the corresponding reporting command ... to search the
//! summary"). Splunk's partial rows (`psrsvd_*` fields) are not documented,
//! so spelunk hands on what those partial statistics are computed from,
//! as `tstats prestats=true` does: each result keeps `_time`, the split
//! fields and the fields the functions read. The reporting command over
//! them gives what it gives over the events. Stated in the reference list.

use crate::commands::{chart, stats, timechart, top, CommandArgs};
use crate::error::Result;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::parser::Parser;

/// A summary indexing command: the fields its partial statistics need.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryIndex {
    /// `sistats`, `sichart`, ...
    pub command: &'static str,
    /// The fields each result keeps (`_time` first).
    pub keep: Vec<String>,
}

fn unsupported_form(command: &str, what: &str, span: Span) -> crate::error::Error {
    crate::commands::common::unsupported(
        command,
        format!("`{command}` with {what} is not supported yet"),
        span,
    )
}

/// The reporting command's parser gave another command (cannot happen).
fn not_parsed(command: &str, span: Span) -> crate::error::Error {
    crate::commands::common::bad(
        command,
        "the arguments did not parse as this command's",
        span,
    )
}

/// The fields the aggregations read; wildcards and `eval()` are refused.
fn agg_fields(command: &str, aggs: &[stats::Aggregation]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for agg in aggs {
        if agg.expr.is_some() {
            return Err(unsupported_form(
                command,
                "an `eval(...)` function",
                agg.span,
            ));
        }
        if agg.is_wildcard() {
            return Err(unsupported_form(command, "a wildcard field", agg.span));
        }
        out.extend(agg.field.clone());
    }
    Ok(out)
}

fn summary(command: &'static str, fields: Vec<String>) -> CommandArgs {
    let mut keep = vec!["_time".to_string()];
    for f in fields {
        if !keep.contains(&f) {
            keep.push(f);
        }
    }
    CommandArgs::SummaryIndex(SummaryIndex { command, keep })
}

/// Parses `sistats` (stats' syntax).
pub fn parse_sistats(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let CommandArgs::Stats(s) = stats::parse(p, name_span)? else {
        return Err(not_parsed("stats", name_span));
    };
    let mut fields = s.by.clone();
    fields.extend(agg_fields("sistats", &s.aggs)?);
    Ok(summary("sistats", fields))
}

/// Parses `sichart` (chart's syntax).
pub fn parse_sichart(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let CommandArgs::Chart(c) = chart::parse(p, name_span)? else {
        return Err(not_parsed("chart", name_span));
    };
    let mut fields: Vec<String> = c.row.iter().map(|s| s.field.clone()).collect();
    fields.extend(c.col.iter().map(|s| s.field.clone()));
    fields.extend(agg_fields("sichart", &c.aggs)?);
    Ok(summary("sichart", fields))
}

/// Parses `sitimechart` (timechart's syntax).
pub fn parse_sitimechart(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let CommandArgs::Timechart(t) = timechart::parse(p, name_span)? else {
        return Err(not_parsed("timechart", name_span));
    };
    let mut fields: Vec<String> = t.by.iter().cloned().collect();
    fields.extend(agg_fields("sitimechart", &t.aggs)?);
    Ok(summary("sitimechart", fields))
}

/// Parses `sitop` (top's syntax).
pub fn parse_sitop(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let CommandArgs::Top(t) = top::parse_top(p, name_span)? else {
        return Err(not_parsed("top", name_span));
    };
    Ok(summary(
        "sitop",
        t.fields.iter().chain(&t.by).cloned().collect(),
    ))
}

/// Parses `sirare` (rare's syntax).
pub fn parse_sirare(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let CommandArgs::Top(t) = top::parse_rare(p, name_span)? else {
        return Err(not_parsed("top", name_span));
    };
    Ok(summary(
        "sirare",
        t.fields.iter().chain(&t.by).cloned().collect(),
    ))
}

impl super::Command for SummaryIndex {
    /// Keeps, on each result, only the fields the partial statistics need.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        Ok(Box::new(input.map(move |row| {
            row.map(|event| {
                let mut out = crate::event::Event::with_capacity(self.keep.len());
                for name in &self.keep {
                    if let Some(value) = event.get(name) {
                        out.set(name.as_str(), value.clone());
                    }
                }
                out
            })
        })))
    }
}

/// The registry entries of `sistats`, `sichart`, `sitimechart`, `sitop`, `sirare`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "sistats",
        aliases: &[],
        parse: parse_sistats,
    },
    super::CommandSpec {
        name: "sichart",
        aliases: &[],
        parse: parse_sichart,
    },
    super::CommandSpec {
        name: "sitimechart",
        aliases: &[],
        parse: parse_sitimechart,
    },
    super::CommandSpec {
        name: "sitop",
        aliases: &[],
        parse: parse_sitop,
    },
    super::CommandSpec {
        name: "sirare",
        aliases: &[],
        parse: parse_sirare,
    },
];
