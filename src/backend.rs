//! The core's contract with another executor (issue 20): what a backend
//! such as `spelunk-datafusion` needs to run a search's leading commands
//! itself and hand the rest back, without a second implementation of any
//! SPL rule.
//!
//! A backend:
//! 1. [prepares](Engine::prepare) the search: subsearches run here, in the
//!    interpreter, and the [`Plan`] says which leading commands stream;
//! 2. reads each source's events through [`Engine::read_source_events`] (the
//!    readers and the knowledge layer), or its own columnar input;
//! 3. runs the leading `search`/`where`/`eval` commands row by row through
//!    [`RowStep`], and an order-insensitive `stats` through its
//!    [`Aggregation`]s' running states ([`AggState`], serialisable so
//!    partial states can travel between partitions or machines);
//! 4. hands the rows it produced to [`Engine::run_rest`], which runs the
//!    remaining commands and builds the results exactly as a plain run does.

use crate::commands::eval::Eval;
use crate::commands::stats::{Aggregation, Stats};
use crate::commands::CommandArgs;
use crate::diagnostic::Diagnostic;
use crate::engine::{Engine, Query, SearchResults};
use crate::error::{Error, Result};
use crate::eval::{EvalContext, Expr, Scope};
use crate::event::Event;
use crate::events::{EventSource, ReadReport};
use crate::exec::matcher::Matcher;
use crate::exec::{Context, Rows};
use crate::syntax::ast::{Pipeline, SearchExpr};
use crate::value::Value;

pub use crate::events::Projection;
pub use crate::functions::stats::AggState;
pub use crate::plan::{ChunkMerge, Plan, StreamClass};

/// A search made ready for another executor: its subsearches resolved
/// (by the interpreter, over the same sources) and its plan.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The pipeline with every subsearch replaced by its results.
    pub pipeline: Pipeline,
    /// What the plan decided about `pipeline`.
    pub plan: Plan,
    /// The search's start time, fixed once for every row (`now()`,
    /// relative time modifiers).
    pub now: f64,
    /// Notices the subsearches left (truncations, fallbacks).
    pub notices: Vec<String>,
}

impl Prepared {
    /// The name of command `index`, as written (`search`, `eval`, ...).
    pub fn command_name(&self, index: usize) -> &str {
        self.pipeline
            .commands
            .get(index)
            .map_or("", |c| c.name.as_str())
    }

    /// The `stats` at `index`, when it is one whose running states merge
    /// in any order (no `list`, `first`, sparkline, ... and no wildcard).
    pub fn mergeable_stats(&self, index: usize) -> Option<&Stats> {
        match self.pipeline.commands.get(index).map(|c| &c.args) {
            Some(CommandArgs::Stats(s)) if s.order_insensitive() && !s.has_wildcards() => Some(s),
            _ => None,
        }
    }
}

impl Engine {
    /// Worker threads for a search: the configured number, or one per
    /// core when 0 (at most 1024), so a backend uses what the interpreter
    /// would.
    pub fn threads(&self) -> usize {
        self.thread_count()
    }

    /// Resolves `query`'s subsearches (running each through the
    /// interpreter over `sources`) and plans the result.
    pub fn prepare(
        &self,
        query: &Query,
        sources: &[EventSource],
    ) -> std::result::Result<Prepared, Diagnostic> {
        self.prepare_with(query, &|sub: &Query| {
            Ok(self.run_sources(sub, sources)?.results.rows)
        })
    }

    /// [`Engine::prepare`] with the subsearches that read events run by
    /// `read` (a backend runs them itself, over input the interpreter may
    /// not read, such as Parquet); the others run in the interpreter.
    pub fn prepare_with(
        &self,
        query: &Query,
        read: &dyn Fn(&Query) -> std::result::Result<Vec<Event>, Diagnostic>,
    ) -> std::result::Result<Prepared, Diagnostic> {
        let now = crate::eval::search_start_time();
        let ctx = self.context(&[], now);
        let read_subsearch = |pipeline: &Pipeline| -> Result<Vec<Event>> {
            let sub = Query {
                expanded: query.expanded.clone(),
                pipeline: pipeline.clone(),
            };
            read(&sub).map_err(|d| d.error)
        };
        let pipeline =
            crate::exec::resolve_subsearches_reading(&query.pipeline, &ctx, &read_subsearch)
                .map_err(|e| Diagnostic::new(e, &query.expanded.map))?;
        let plan = Plan::of(&pipeline);
        Ok(Prepared {
            pipeline,
            plan,
            now,
            notices: ctx.notices.into_inner(),
        })
    }

    /// A context for running single commands of a prepared search (no
    /// events of its own: the backend brings the rows).
    pub fn stage_context(&self, now: f64) -> Context<'_> {
        self.context(&[], now)
    }

    /// Reads one source as a plain run does (format by content, the
    /// knowledge layer applied), handing each event to `each`. Events come
    /// in file order; a backend orders them newest first (ties in input
    /// order), as a search returns them.
    pub fn read_source_events(
        &self,
        source: &EventSource,
        each: &mut dyn FnMut(Event),
    ) -> Result<ReadReport> {
        crate::events::read_source(source, &self.read_options(), each)
    }

    /// [`Engine::read_source_events`] extracting only the fields of
    /// `projection` (all when `None`) where the reader can: an NDJSON file
    /// is read in chunks by the streaming path's line reader, never whole,
    /// and, given the search's leading `search` expression (and unless the
    /// engine's pre-filter is off), lines lacking a literal it needs are
    /// skipped unparsed (counted as events, as on the streaming path).
    /// Other formats are read as `read_source_events` reads them.
    pub fn read_source_projected(
        &self,
        source: &EventSource,
        projection: Option<&Projection>,
        search: Option<&SearchExpr>,
        each: &mut dyn FnMut(Event),
    ) -> Result<ReadReport> {
        let Some(path) = &source.path else {
            return self.read_source_events(source, each);
        };
        crate::events::refuse_parquet(path)?;
        let Some(mut chunks) = crate::events::stream::NdjsonChunks::open(path, self.chunk_bytes)?
        else {
            return self.read_source_events(source, each);
        };
        // NDJSON: an unnamed sourcetype is `_json`, as on the streaming path.
        let source = crate::events::with_sourcetype(source, &crate::events::Content::Json);
        let opts = self.read_options();
        let st = crate::events::knowledge_for(&source, &opts.knowledge);
        let prefilter = search
            .filter(|_| self.prefilter)
            .and_then(|expr| crate::events::prefilter::Prefilter::from_search(expr, &st));
        let reader = crate::events::stream::LineReader::new(&source, &opts, projection, prefilter)?;
        let mut report = ReadReport {
            notices: reader.notices().to_vec(),
            ..ReadReport::default()
        };
        let (mut lines_before, mut last) = (0usize, None);
        while let Some(chunk) = chunks
            .next_chunk()
            .map_err(|e| Error::io(reader.name(), e))?
        {
            // The last time before each chunk, in file order: the fallback
            // time of its first events without one.
            let start = last;
            if let Some(t) = reader.last_time(&chunk) {
                last = Some(t);
            }
            let read = reader.read_chunk(&chunk, start, each);
            if opts.strict {
                if let Some(m) = read.malformed.first() {
                    return Err(Error::MalformedEvent {
                        file: m.file.clone(),
                        line: m.line + lines_before,
                        message: m.reason.clone(),
                    });
                }
            }
            report
                .malformed
                .extend(read.malformed.into_iter().map(|mut m| {
                    m.line += lines_before;
                    m
                }));
            lines_before += read.lines;
            report.events += read.events;
            report.untimed += read.untimed;
            for notice in read.notices {
                if !report.notices.contains(&notice) {
                    report.notices.push(notice);
                }
            }
            chunks.recycle(chunk);
        }
        Ok(report)
    }

    /// Runs the commands of `prepared` from `from` on over `rows` (the
    /// backend's output, in the order the interpreter would have them:
    /// newest first, or a `stats`'s groups in key order) and builds the
    /// results as a plain run does.
    pub fn run_rest(
        &self,
        query: &Query,
        prepared: &Prepared,
        from: usize,
        rows: Vec<Event>,
    ) -> std::result::Result<SearchResults, Diagnostic> {
        let ctx = self.context(&[], prepared.now);
        for notice in &prepared.notices {
            ctx.notice(notice.clone());
        }
        let resolved = &prepared.pipeline;
        let diag = |e: Error| {
            Diagnostic::new(
                crate::exec::locate_memory_error(e, resolved),
                &query.expanded.map,
            )
        };
        let mut rest: Rows<'_> = Box::new(rows.into_iter().map(Ok));
        for command in resolved.commands.get(from..).unwrap_or_default() {
            rest = command.args.apply(rest, &ctx).map_err(diag)?;
        }
        let rows = crate::exec::collect_results(rest, &ctx, resolved).map_err(diag)?;
        let mut results = self.results(query, rows, ctx);
        // The subsearches' notices may repeat the search's own (a macro
        // fallback seen while expanding both): each once.
        let mut seen = std::collections::HashSet::new();
        results.notices.retain(|n| seen.insert(n.clone()));
        Ok(results)
    }
}

/// One streaming command compiled to run row by row.
pub enum RowStep<'c> {
    /// `search`: keeps the rows its expression matches.
    Search(Matcher),
    /// `where`: keeps the rows its condition is true for.
    Where(&'c Expr, EvalContext),
    /// `eval`: sets its fields on every row.
    Eval(&'c Eval, EvalContext),
}

impl<'c> RowStep<'c> {
    /// The step for `args`, or `None` when the command is not one a
    /// backend may run row by row.
    pub fn compile(args: &'c CommandArgs, ctx: &Context<'_>) -> Option<Result<RowStep<'c>>> {
        Some(match args {
            CommandArgs::Search(s) => Matcher::compile(&s.expr, ctx).map(RowStep::Search),
            CommandArgs::Where(w) => Ok(RowStep::Where(
                &w.expr,
                EvalContext::for_search(ctx, [&w.expr]),
            )),
            CommandArgs::Eval(e) if e.assignments.iter().all(|a| !a.field.contains('{')) => {
                Ok(RowStep::Eval(
                    e,
                    EvalContext::for_search(ctx, e.assignments.iter().map(|a| &a.expr)),
                ))
            }
            _ => return None,
        })
    }

    /// Whether the step only keeps or drops rows (it sets no field).
    pub fn is_filter(&self) -> bool {
        !matches!(self, RowStep::Eval(..))
    }

    /// The fields the step sets, in order (none for a filter).
    pub fn writes(&self) -> Vec<String> {
        match self {
            RowStep::Eval(e, _) => {
                let mut out: Vec<String> = Vec::new();
                for a in &e.assignments {
                    if !out.contains(&a.field) {
                        out.push(a.field.clone());
                    }
                }
                out
            }
            _ => Vec::new(),
        }
    }

    /// Runs the step on one row: false when a filter drops it.
    pub fn apply(&self, event: &mut Event) -> Result<bool> {
        match self {
            RowStep::Search(m) => Ok(m.matches(event)),
            RowStep::Where(expr, ectx) => Ok(matches!(
                expr.eval_condition(&Scope::new(event, ectx), "where")?,
                Some(true)
            )),
            RowStep::Eval(e, ectx) => e.apply_one(event, ectx).map(|()| true),
        }
    }
}

/// Adds one row to one aggregation's running state, as `stats` does
/// (evaluating an `eval(...)` argument first).
pub fn update_aggregation(
    agg: &Aggregation,
    state: &mut AggState,
    event: &Event,
    ectx: &EvalContext,
) -> Result<()> {
    let evaluated = crate::commands::stats::evaluate(std::slice::from_ref(agg), event, ectx)?;
    crate::commands::stats::update_states(
        std::slice::from_mut(state),
        std::slice::from_ref(agg),
        event,
        &evaluated,
    );
    Ok(())
}

/// Whether a search may leave the interpreter for another executor, as
/// it may stream over chunks: no later command runs other searches over
/// the events (`append`, `join`, `map`, ...), and every subsearch either
/// generates its rows or reads events itself ([`Engine::prepare`] runs it
/// first).
pub fn can_stream(pipeline: &Pipeline) -> bool {
    crate::plan::can_stream(pipeline)
}

/// Whether a pipeline starts by reading events (with `search`, written or
/// implied) rather than a generating command.
pub fn reads_events(pipeline: &Pipeline) -> bool {
    crate::exec::reads_events(pipeline)
}

/// The rows of a `stats` from its groups' finished values (each state's
/// [`AggState::finish_in`] with the command's `allnum`): by-fields as
/// text, then each aggregation's value, sorted by group key as `stats`
/// sorts them.
pub fn stats_rows(stats: &Stats, groups: Vec<(Vec<String>, Vec<Option<Value>>)>) -> Vec<Event> {
    let mut groups = groups;
    groups.sort_by(|a, b| crate::commands::stats::compare_keys(&a.0, &b.0));
    groups
        .into_iter()
        .map(|(key, values)| {
            let mut event = Event::new();
            for (name, value) in stats.by.iter().zip(key) {
                event.set(name.clone(), Value::Str(value));
            }
            for (agg, value) in stats.aggs.iter().zip(values) {
                event.set_opt(agg.output.clone(), value);
            }
            event
        })
        .collect()
}
