//! Execution: runs a parsed pipeline over events.
//!
//! Rows flow through the commands as a lazy iterator ([`Rows`]): streaming
//! commands (`search`, `rename`, `fields`, `convert`) map or filter it one
//! row at a time; transforming commands (`stats`) drain it and yield their
//! own rows. Subsearches run first, innermost first, and are replaced in the
//! outer search by their formatted results, as Splunk does.

pub(crate) mod chunked;
pub mod fold;
pub mod matcher;
pub mod memory;
pub mod spill;
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
    /// The memory budget of one search, in bytes (`--max-memory`; see
    /// [`memory`]).
    pub max_memory: u64,
    /// Estimated bytes of rows held in memory for newest-first order
    /// before they go to a temporary file ([`spill`]).
    pub spill_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            subsearch_maxout: 10_000,
            max_subsearch_depth: 20,
            max_memory: memory::DEFAULT_MAX_MEMORY,
            spill_bytes: spill::DEFAULT_SPILL_BYTES,
        }
    }
}

/// The loaded knowledge's compiled event types and tags, for the commands
/// that apply them to results rather than to events as read (`typer`,
/// `tags`).
#[derive(Debug, Clone, Default)]
pub struct SearchKnowledge {
    /// The enabled event types.
    pub event_types: std::sync::Arc<crate::knowledge::eventtypes::CompiledEventTypes>,
    /// The enabled tags.
    pub tags: std::sync::Arc<crate::knowledge::tags::CompiledTags>,
    /// The apps' data models, forms, transaction types and anonymizer
    /// files (`datamodelsimple`, `kvform`, `searchtxn`, `scrub`).
    pub apps: std::sync::Arc<crate::knowledge::app_files::SearchApps>,
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
    /// Lookup tables prepared so far in this search.
    pub prepared: crate::lookup::PreparedLookups,
    /// Event types and tags, for `typer` and `tags`.
    pub knowledge: SearchKnowledge,
    /// The search's memory budget, which commands holding rows charge.
    pub memory: memory::MemoryBudget,
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

/// [`run_pipeline`], handing each result row to `sink` as it is produced
/// instead of holding them all (`| makeresults count=100000000` written
/// to a file runs in bounded memory).
pub fn run_pipeline_to(
    pipeline: &Pipeline,
    ctx: &Context<'_>,
    sink: &mut dyn FnMut(Event) -> Result<()>,
) -> Result<()> {
    let resolved = subsearch::resolve(pipeline, ctx, 0, &run_at_depth)?;
    let located = |e: Error| locate_memory_error(e, &resolved);
    for row in pipeline_rows(&resolved, ctx).map_err(located)? {
        sink(row.map_err(located)?)?;
    }
    Ok(())
}

/// What a pipeline starts from: the search's events when it
/// [reads them](reads_events), else nothing (a generating command makes
/// its own rows).
pub fn input_rows<'a>(pipeline: &Pipeline, ctx: &'a Context<'_>) -> Rows<'a> {
    if reads_events(pipeline) {
        Box::new(ctx.events.iter().cloned().map(Ok))
    } else {
        Box::new(std::iter::empty())
    }
}

/// The rows of a pipeline whose subsearches are resolved, lazily.
fn pipeline_rows<'a>(resolved: &'a Pipeline, ctx: &'a Context<'_>) -> Result<Rows<'a>> {
    pipeline_rows_observed(resolved, ctx, &mut |rows| rows)
}

/// Watches each command's output rows as they pass (`--explain` counts
/// them): given the rows, returns rows that yield the same.
pub type Observer<'o> = dyn for<'r> FnMut(Rows<'r>) -> Rows<'r> + 'o;

/// [`pipeline_rows`], each command's output passed through `observe`.
fn pipeline_rows_observed<'a>(
    resolved: &'a Pipeline,
    ctx: &'a Context<'_>,
    observe: &mut Observer<'_>,
) -> Result<Rows<'a>> {
    let mut rows = input_rows(resolved, ctx);
    for command in &resolved.commands {
        rows = observe(command.args.apply(rows, ctx)?);
    }
    Ok(rows)
}

/// [`run_pipeline`], each command's output rows passed through `observe`
/// (the one pipeline driver; `--explain` counts rows with it).
pub fn run_pipeline_observed(
    pipeline: &Pipeline,
    ctx: &Context<'_>,
    observe: &mut Observer<'_>,
) -> Result<Vec<Event>> {
    run_observed_at_depth(pipeline, ctx, 0, observe)
}

/// Runs the subsearches of `pipeline` and replaces them by their formatted
/// results (as [`run_pipeline`] does first), except that a subsearch that
/// reads events (starts with `search`) runs through `read`: the streaming
/// path reads the files once for it, rather than holding every event.
pub fn resolve_subsearches_reading(
    pipeline: &Pipeline,
    ctx: &Context<'_>,
    read: &dyn Fn(&Pipeline) -> Result<Vec<Event>>,
) -> Result<Pipeline> {
    subsearch::resolve(pipeline, ctx, 0, &|p, ctx, depth| {
        if reads_events(p) {
            read(p)
        } else {
            run_at_depth(p, ctx, depth)
        }
    })
}

/// Whether a pipeline starts from the events (with `search`, written or
/// implied) rather than a generating command; an empty one reads nothing.
pub fn reads_events(pipeline: &Pipeline) -> bool {
    matches!(
        pipeline.commands.first().map(|c| &c.args),
        Some(CommandArgs::Search(_))
    )
}

fn run_at_depth(pipeline: &Pipeline, ctx: &Context<'_>, depth: usize) -> Result<Vec<Event>> {
    run_observed_at_depth(pipeline, ctx, depth, &mut |rows| rows)
}

/// Resolves the subsearches (run plainly, unobserved), then runs the
/// pipeline with `observe` on each command's output.
fn run_observed_at_depth(
    pipeline: &Pipeline,
    ctx: &Context<'_>,
    depth: usize,
    observe: &mut Observer<'_>,
) -> Result<Vec<Event>> {
    let resolved = subsearch::resolve(pipeline, ctx, depth, &run_at_depth)?;
    let located = |e: Error| locate_memory_error(e, &resolved);
    let rows = pipeline_rows_observed(&resolved, ctx, observe).map_err(located)?;
    collect_results(rows, ctx, &resolved).map_err(located)
}

/// Collects a pipeline's output rows, charging them to the memory budget
/// in the name of its last command (they are held until the search
/// ends): how `makeresults count=`, `mvexpand` and the like are bounded.
pub fn collect_results(
    rows: Rows<'_>,
    ctx: &Context<'_>,
    pipeline: &Pipeline,
) -> Result<Vec<Event>> {
    let name = pipeline
        .commands
        .last()
        .map_or("search", |c| c.name.as_str());
    let mut held = ctx.memory.hold(name);
    let mut out = Vec::new();
    for row in rows {
        let row = row?;
        held.charge_row(&row)?;
        out.push(row);
    }
    Ok(out)
}

/// A memory budget error with the span of the command it names, when the
/// pipeline has exactly one command of that name.
pub fn locate_memory_error(error: Error, pipeline: &Pipeline) -> Error {
    match error {
        Error::MemoryBudget {
            command,
            limit,
            span: None,
        } => {
            let mut named = pipeline.commands.iter().filter(|c| c.name == command);
            let span = match (named.next(), named.next()) {
                (Some(c), None) => Some(c.span),
                _ => None,
            };
            Error::MemoryBudget {
                command,
                limit,
                span,
            }
        }
        other => other,
    }
}

/// The result's columns: every field of every row, in an order consistent
/// with each row's own field order (a field new to the list goes right after
/// the field that precedes it in its row).
///
/// Each row's new fields are placed against the list as it stood before the
/// row (a known field at index `o` moves the insertion point to `o + 1`;
/// new fields go there, in row order) and merged in one pass, so a row
/// costs its own length plus, when it brings new fields, the list's:
/// searching the list per field was quadratic on wide rows (`table *` over
/// an event of 100,000 keys).
pub fn columns(rows: &[Event]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for row in rows {
        // (insertion point in `out` as it stood, name), points ascending.
        let mut new: Vec<(usize, &str)> = Vec::new();
        let mut insert_at = 0usize;
        for name in row.names() {
            match index.get(name) {
                Some(&at) => insert_at = insert_at.max(at + 1),
                None => new.push((insert_at, name)),
            }
        }
        if new.is_empty() {
            continue;
        }
        if new.iter().all(|(at, _)| *at == out.len()) {
            // The common case: new fields after every known one.
            for (_, name) in new {
                index.insert(name.to_string(), out.len());
                out.push(name.to_string());
            }
            continue;
        }
        let old = std::mem::take(&mut out);
        out.reserve(old.len() + new.len());
        let mut new = new.into_iter().peekable();
        for (i, name) in old.into_iter().enumerate() {
            while let Some((_, n)) = new.next_if(|(at, _)| *at == i) {
                out.push(n.to_string());
            }
            out.push(name);
        }
        out.extend(new.map(|(_, n)| n.to_string()));
        index.clear();
        index.extend(out.iter().enumerate().map(|(i, n)| (n.clone(), i)));
    }
    out
}

/// Calls `f` with a context over no events, no lookups and default
/// limits, for tests of commands that take one.
#[cfg(test)]
pub fn with_test_context<R>(memory: memory::MemoryBudget, f: impl FnOnce(&Context<'_>) -> R) -> R {
    let lookups = LookupRegistry::new();
    let limits = Limits::default();
    let ctx = Context {
        events: &[],
        lookups: &lookups,
        tz: chrono_tz::UTC,
        limits: &limits,
        notices: RefCell::new(Vec::new()),
        now: 0.0,
        output_lookups: None,
        geoip: None,
        prepared: Default::default(),
        knowledge: Default::default(),
        memory,
    };
    f(&ctx)
}

/// The order of [`sort_newest_first`] on event times.
pub fn newest_first(a: Option<f64>, b: Option<f64>) -> std::cmp::Ordering {
    match (a, b) {
        (Some(x), Some(y)) => y.partial_cmp(&x).unwrap_or(std::cmp::Ordering::Equal),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    }
}

/// Orders events by descending `_time`, as a Splunk search returns them;
/// events without a time go last; ties keep their input order.
pub fn sort_newest_first(events: &mut [Event]) {
    events.sort_by(|a, b| newest_first(a.time(), b.time()));
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

    /// The reference: the list searched per field, new fields inserted
    /// one at a time (the former implementation).
    fn columns_by_search(rows: &[Event]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for row in rows {
            let mut insert_at = 0usize;
            for name in row.names() {
                if let Some(pos) = out.iter().position(|c| c == name) {
                    insert_at = insert_at.max(pos + 1);
                    continue;
                }
                out.insert(insert_at.min(out.len()), name.to_string());
                insert_at += 1;
            }
        }
        out
    }

    #[test]
    fn columns_match_the_reference_on_mixed_orders() {
        let shapes: &[&[&str]] = &[
            &["c", "a"],
            &["b", "c", "x", "a", "y"],
            &["z", "a", "q"],
            &["y", "p", "b", "r"],
            &["s", "t"],
            &["t", "u", "s", "v"],
        ];
        for start in 0..shapes.len() {
            let rows: Vec<Event> = shapes[start..]
                .iter()
                .chain(&shapes[..start])
                .map(|s| row(s))
                .collect();
            assert_eq!(columns(&rows), columns_by_search(&rows), "rotation {start}");
        }
    }
}
