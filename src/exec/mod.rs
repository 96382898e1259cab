//! Execution: runs a parsed pipeline over events.
//!
//! Rows flow through the commands as a lazy iterator ([`Rows`]): streaming
//! commands (`search`, `rename`, `fields`, `convert`) map or filter it one
//! row at a time; transforming commands (`stats`) drain it and yield their
//! own rows. Subsearches run first, innermost first, and are replaced in the
//! outer search by their formatted results, as Splunk does.

pub mod fold;
pub mod matcher;
pub mod subsearch;

use std::cell::RefCell;

use crate::commands::CommandArgs;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::lookup::LookupRegistry;
use crate::syntax::ast::Pipeline;

/// A stream of result rows.
pub type Rows<'a> = Box<dyn Iterator<Item = Result<Event>> + 'a>;

/// Limits that keep a search bounded, with Splunk's defaults.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Most rows a subsearch returns (limits.conf `[subsearch] maxout`).
    pub subsearch_maxout: usize,
    /// Deepest nesting of subsearches.
    pub max_subsearch_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            subsearch_maxout: 10_000,
            max_subsearch_depth: 20,
        }
    }
}

/// What a running search can see: its events, lookups, time zone, limits,
/// and where it reports notices (warnings that do not stop the search).
pub struct Context<'a> {
    /// Every input event, newest first.
    pub events: &'a [Event],
    /// Lookup definitions and tables.
    pub lookups: &'a LookupRegistry,
    /// Time zone for formatting and parsing times.
    pub tz: chrono_tz::Tz,
    /// Limits.
    pub limits: &'a Limits,
    /// Warnings collected while running.
    pub notices: RefCell<Vec<String>>,
    /// The search's start time (epoch seconds), fixed once per search.
    pub now: f64,
    /// The folder `outputlookup` may write to, if any.
    pub output_lookups: Option<&'a std::path::Path>,
    /// The MaxMind database `iplocation` reads, if any.
    pub geoip: Option<&'a std::path::Path>,
}

impl Context<'_> {
    /// Records a warning for the user.
    pub fn notice(&self, message: impl Into<String>) {
        self.notices.borrow_mut().push(message.into());
    }
}

/// Runs a pipeline to completion and returns its rows.
pub fn run_pipeline(pipeline: &Pipeline, ctx: &Context<'_>) -> Result<Vec<Event>> {
    run_at_depth(pipeline, ctx, 0)
}

/// A copy of the pipeline with its subsearches run and replaced by their
/// formatted results (as [`run_pipeline`] does first).
pub fn resolve_subsearches(pipeline: &Pipeline, ctx: &Context<'_>) -> Result<Pipeline> {
    subsearch::resolve(pipeline, ctx, 0, run_at_depth)
}

fn run_at_depth(pipeline: &Pipeline, ctx: &Context<'_>, depth: usize) -> Result<Vec<Event>> {
    let resolved = subsearch::resolve(pipeline, ctx, depth, run_at_depth)?;
    let reads_events = matches!(
        resolved.commands.first().map(|c| &c.args),
        Some(CommandArgs::Search(_))
    );
    let mut rows: Rows<'_> = if reads_events {
        Box::new(ctx.events.iter().cloned().map(Ok))
    } else {
        Box::new(std::iter::empty())
    };
    for command in &resolved.commands {
        rows = command.args.apply(rows, ctx)?;
    }
    rows.collect::<Result<Vec<Event>, Error>>()
}

/// The result's columns: every field of every row, in an order consistent
/// with each row's own field order (a field new to the list goes right after
/// the field that precedes it in its row).
pub fn columns(rows: &[Event]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut seen = std::collections::HashMap::<String, ()>::new();
    for row in rows {
        let mut insert_at = 0usize;
        for name in row.names() {
            if seen.contains_key(name) {
                if let Some(pos) = out.iter().position(|c| c == name) {
                    insert_at = insert_at.max(pos + 1);
                }
                continue;
            }
            seen.insert(name.to_string(), ());
            out.insert(insert_at.min(out.len()), name.to_string());
            insert_at += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    fn row(names: &[&str]) -> Event {
        names
            .iter()
            .map(|n| (n.to_string(), Value::from("x")))
            .collect()
    }

    #[test]
    fn columns_merge_row_orders() {
        let rows = vec![row(&["a", "c"]), row(&["a", "b", "c", "d"])];
        assert_eq!(columns(&rows), vec!["a", "b", "c", "d"]);
    }
}
