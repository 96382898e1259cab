//! `overlap`: time overlaps and gaps between the runs of a scheduled search
//! in summary-index results.
//!
//! Docs: <https://help.splunk.com/splunk-cloud-platform/spl-search-reference/10.0.2503/search-commands/overlap>:
//! `overlap`, no arguments. It finds "any time overlaps and gaps between
//! events with the same 'info_search_name' but different 'info_search_id'";
//! the input is expected to have `info_min_time` and `info_max_time`
//! ("inclusive and exclusive, respectively"), `info_search_id` and
//! `info_search_name`, as summary-indexing searches write them. Example:
//! `index=summary | overlap`.
//!
//! The page does not describe the output (Splunk runs a script,
//! `sumindexoverlap.py`). spelunk's (docs/semantics.md#other-commands): the
//! runs of each search name are the distinct `info_search_id`s, each
//! covering `[min info_min_time, max info_max_time)` of its results; in
//! order of start, a run starting before an earlier run of the same name
//! has ended overlaps it, and a run starting after every earlier run has
//! ended leaves a gap. Each finding is one result: `_time` and `start` (its
//! start), `end`, `duration` (seconds), `reason` (`overlap` or `gap`),
//! `info_search_name` and `info_search_id` (the two runs' ids), ordered by
//! search name and then time. Results missing one of the four fields or
//! with non-numeric times are skipped.

use std::collections::BTreeMap;

use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

const C: &str = "overlap";

/// `overlap`.
#[derive(Debug, Clone, PartialEq)]
pub struct Overlap;

/// Parses `overlap` (which takes no arguments).
pub fn parse(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    if !p.at_command_end() {
        return Err(p.expected("the end of `overlap` (it takes no arguments)"));
    }
    Ok(CommandArgs::Overlap(Overlap))
}

/// One run of a search: its id and time range.
#[derive(Debug, Clone)]
struct Run {
    id: String,
    start: f64,
    end: f64,
}

impl super::Command for Overlap {
    /// One result per overlap or gap.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let mut held = ctx.memory.hold(C);
        // Search name -> run id -> (start, end).
        let mut runs: BTreeMap<String, BTreeMap<String, (f64, f64)>> = BTreeMap::new();
        for row in input {
            let row = row?;
            let text = |f: &str| row.get(f).map(|v| v.to_text().into_owned());
            let number = |f: &str| row.get(f).and_then(Value::as_number);
            let (Some(name), Some(id), Some(min), Some(max)) = (
                text("info_search_name"),
                text("info_search_id"),
                number("info_min_time"),
                number("info_max_time"),
            ) else {
                continue;
            };
            held.charge((name.len() + id.len()) as u64 + 48)?;
            let range = runs
                .entry(name)
                .or_default()
                .entry(id)
                .or_insert((min, max));
            range.0 = range.0.min(min);
            range.1 = range.1.max(max);
        }
        let mut out = Vec::new();
        for (name, by_id) in runs {
            let mut list: Vec<Run> = by_id
                .into_iter()
                .map(|(id, (start, end))| Run { id, start, end })
                .collect();
            list.sort_by(|a, b| a.start.total_cmp(&b.start).then(a.end.total_cmp(&b.end)));
            // The run reaching furthest so far.
            let mut reach: Option<&Run> = None;
            let mut found: Vec<Event> = Vec::new();
            for run in &list {
                if let Some(prev) = reach {
                    if run.start < prev.end {
                        let end = run.end.min(prev.end);
                        found.push(finding("overlap", &name, prev, run, run.start, end));
                    } else if run.start > prev.end {
                        found.push(finding("gap", &name, prev, run, prev.end, run.start));
                    }
                }
                if reach.is_none_or(|prev| run.end > prev.end) {
                    reach = Some(run);
                }
            }
            out.extend(found);
        }
        drop(held);
        Ok(Box::new(out.into_iter().map(Ok)))
    }
}

/// A finding between runs `a` and `b`, from `start` to `end`.
fn finding(reason: &str, name: &str, a: &Run, b: &Run, start: f64, end: f64) -> Event {
    let mut e = Event::new();
    e.set("_time", Value::Num(start));
    e.set("info_search_name", Value::Str(name.to_string()));
    e.set(
        "info_search_id",
        Value::Multi(vec![a.id.clone(), b.id.clone()]),
    );
    e.set("reason", Value::Str(reason.to_string()));
    e.set("start", Value::Num(start));
    e.set("end", Value::Num(end));
    e.set("duration", Value::Num(end - start));
    e
}

/// The registry entries of `overlap`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "overlap",
        aliases: &[],
        parse,
    },
];
