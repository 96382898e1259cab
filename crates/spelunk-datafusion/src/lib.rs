//! spelunk's DataFusion backend (issue 20): a search's leading commands
//! compiled onto Apache DataFusion, the rest run by the interpreter.
//!
//! The plan ([`spelunk::backend::Plan`]) decides what may leave the
//! interpreter; this crate compiles it:
//!
//! ```text
//! sources ──► scan (spelunk's readers + knowledge layer, one partition per source)
//!         ──► Filter(spl_search_0(...))            search / where: the interpreter's matcher, per row
//!         ──► Projection(get_field(spl_eval_1(...)))  eval: the interpreter's functions, per row
//!         ──► Unnest(BY keys) ─► Aggregate(spl_stats_j(...))   an order-insensitive stats
//!             or Sort(_time DESC, source, sequence)            events newest first
//!         ──► rows ──► the interpreter runs the remaining commands
//! ```
//!
//! Every SPL rule stays in the core: the functions here rebuild events from
//! their argument columns and call it. What DataFusion adds is the
//! execution: partitions over sources on several threads, the hash
//! aggregation with partial states merged across partitions, the sort.

#[cfg(feature = "ballista")]
pub mod ballista;
mod columns;
mod parquet;
mod scan;
mod udaf;
mod udf;

use std::sync::{Arc, Mutex};

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::common::{Column, ScalarValue, UnnestOptions};
use datafusion::datasource::{provider_as_source, TableProvider};
use datafusion::error::DataFusionError;
use datafusion::execution::context::{SessionConfig, SessionContext};
use datafusion::functions::core::expr_fn::get_field;
use datafusion::logical_expr::{
    ident, lit, AggregateUDF, Expr, LogicalPlan, LogicalPlanBuilder, ScalarUDF,
};
use datafusion::physical_plan::{collect, displayable};
use spelunk::backend::{Prepared, RowStep};
use spelunk::commands::stats::Stats;
use spelunk::{Diagnostic, Engine, Error, Event, EventSource, Query, RunOutput, Value};

pub use parquet::{is_parquet, write_parquet};
pub use scan::{discover_fields, ScanReport};

use crate::scan::{EventsTable, ORDER_TIME_COLUMN, SEQUENCE_COLUMN, SOURCE_COLUMN};

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// DataFusion's partitions and threads (0: the engine's thread count,
    /// one per core unless configured).
    pub threads: usize,
}

/// Which commands ran where, and DataFusion's plan (for `--explain`).
#[derive(Debug, Clone, Default)]
pub struct Placement {
    /// Where the plan ran: `datafusion`, or `ballista` and its scheduler.
    pub engine: String,
    /// The commands DataFusion ran, as `N name` (1-based position).
    pub datafusion: Vec<String>,
    /// The commands the interpreter ran.
    pub interpreter: Vec<String>,
    /// Why the whole search ran in the interpreter, when it did.
    pub reason: Option<String>,
    /// DataFusion's physical plan, indented.
    pub plan: String,
}

impl Placement {
    /// The explanation `--explain` prints: which commands ran where, why,
    /// and DataFusion's physical plan.
    pub fn render(&self) -> String {
        let list = |v: &[String]| match v.is_empty() {
            true => "(none)".to_string(),
            false => v.join(", "),
        };
        let engine = match self.engine.is_empty() {
            true => "datafusion",
            false => self.engine.as_str(),
        };
        let mut out = format!("engine: {engine}\n");
        out.push_str(&format!(
            "  on DataFusion:      {}\n",
            list(&self.datafusion)
        ));
        out.push_str(&format!(
            "  in the interpreter: {}\n",
            list(&self.interpreter)
        ));
        if let Some(reason) = &self.reason {
            out.push_str(&format!("  all in the interpreter: {reason}\n"));
        }
        if !self.plan.is_empty() {
            out.push_str("  DataFusion's physical plan:\n");
            for line in self.plan.lines() {
                out.push_str(&format!("    {line}\n"));
            }
        }
        out
    }
}

/// A search's output and where its commands ran.
#[derive(Debug, Clone)]
pub struct DataFusionRun {
    /// The results, as [`Engine::run_sources`] gives them.
    pub output: RunOutput,
    /// Where each command ran.
    pub placement: Placement,
}

/// Runs `query` over `sources`: its leading `search`/`where`/`eval`
/// commands and an order-insensitive `stats` after them on DataFusion, the
/// rest in the interpreter. A search that reads no files (a generating
/// command, stdin) runs wholly in the interpreter, and says why.
pub fn run(
    engine: Arc<Engine>,
    query: &Query,
    sources: &[EventSource],
    options: &Options,
) -> Result<DataFusionRun, Diagnostic> {
    run_on(engine, query, sources, options, &Target::Local)
}

/// Where the compiled plan runs: everything but the session that executes
/// it is the same either way, so `--engine ballista` gives the rows
/// `--engine datafusion` gives.
#[derive(Clone)]
pub(crate) enum Target {
    /// DataFusion in this process.
    Local,
    /// A Ballista cluster: its scheduler splits the plan into stages, its
    /// executors rebuild spelunk's functions with the codec.
    #[cfg(feature = "ballista")]
    Ballista(ballista::Scheduler),
}

impl Target {
    /// The session the plan is built in and executed by.
    fn session(
        &self,
        threads: usize,
        runtime: &tokio::runtime::Runtime,
    ) -> Result<SessionContext, Diagnostic> {
        let config = session_config(threads);
        match self {
            Target::Local => {
                let _ = runtime;
                Ok(SessionContext::new_with_config(config))
            }
            #[cfg(feature = "ballista")]
            Target::Ballista(scheduler) => scheduler.session(config, runtime),
        }
    }

    /// Lets the cluster's codec find `prepared` while the plan runs (an
    /// in-process executor then rebuilds its functions from it rather than
    /// from the search's text); it is forgotten when the value returned is
    /// dropped.
    fn register(
        &self,
        engine: &Arc<Engine>,
        query: &Query,
        prepared: &Arc<Prepared>,
        report: &Arc<Mutex<ScanReport>>,
    ) -> Option<Box<dyn Send>> {
        match self {
            Target::Local => {
                let _ = (engine, query, prepared, report);
                None
            }
            #[cfg(feature = "ballista")]
            Target::Ballista(scheduler) => Some(Box::new(
                scheduler.register(engine, query, prepared, report),
            )),
        }
    }

    /// Whether what the scan reads (events, malformed ones) reaches this
    /// process's report: not from a remote cluster's executors.
    fn reports_reads(&self) -> bool {
        match self {
            Target::Local => true,
            #[cfg(feature = "ballista")]
            Target::Ballista(scheduler) => !scheduler.is_remote(),
        }
    }

    /// The engine's name for `--explain`.
    fn describe(&self) -> String {
        match self {
            Target::Local => "datafusion".to_string(),
            #[cfg(feature = "ballista")]
            Target::Ballista(scheduler) => format!("ballista (scheduler {})", scheduler.url()),
        }
    }
}

/// [`run`] with the plan executed by `target`.
pub(crate) fn run_on(
    engine: Arc<Engine>,
    query: &Query,
    sources: &[EventSource],
    options: &Options,
    target: &Target,
) -> Result<DataFusionRun, Diagnostic> {
    let names = |range: std::ops::Range<usize>| -> Vec<String> {
        range
            .filter_map(|i| {
                query
                    .pipeline
                    .commands
                    .get(i)
                    .map(|c| format!("{} {}", i + 1, c.name))
            })
            .collect()
    };
    let all = 0..query.pipeline.commands.len();
    let parquet_files = sources.iter().filter(|s| parquet::is_parquet(s)).count();
    if parquet_files > 0 && parquet_files < sources.len() {
        return Err(Diagnostic::plain(Error::Usage(
            "--engine datafusion: Parquet files and other event files cannot be searched together"
                .into(),
        )));
    }
    let threads = match options.threads {
        0 => engine.threads(),
        n => n,
    };
    let whole_in_interpreter = |reason: &str| -> Result<DataFusionRun, Diagnostic> {
        let output = match parquet_files {
            0 => engine.run_sources(query, sources)?,
            // The interpreter does not read Parquet: DataFusion reads the
            // rows, the interpreter runs the whole search over them.
            _ => {
                let (events, notices) = parquet_events(sources, threads)?;
                let mut results = engine.run_query(query, &events)?;
                results.notices.splice(0..0, notices);
                RunOutput {
                    results,
                    events: events.len(),
                    ..RunOutput::default()
                }
            }
        };
        Ok(DataFusionRun {
            output,
            placement: Placement {
                engine: target.describe(),
                interpreter: names(all.clone()),
                reason: Some(reason.to_string()),
                ..Placement::default()
            },
        })
    };
    if !spelunk::backend::reads_events(&query.pipeline) {
        return whole_in_interpreter("the search does not start by reading events");
    }
    if !spelunk::backend::can_stream(&query.pipeline) {
        return whole_in_interpreter(
            "a command runs other searches over the events (append, join, map, ...)",
        );
    }
    if sources.is_empty() {
        return whole_in_interpreter("no event files were given");
    }
    if sources.iter().any(|s| s.path.is_none()) {
        return whole_in_interpreter("events on standard input are read by the interpreter");
    }
    // A subsearch that reads events runs here too, over the same input.
    let prepared = Arc::new(engine.prepare_with(query, &|sub: &Query| {
        Ok(run_on(Arc::clone(&engine), sub, sources, options, target)?
            .output
            .results
            .rows)
    })?);
    let diag = |e: Error| Diagnostic::new(e, &query.expanded.map);
    let datafusion_error = |e: DataFusionError| from_datafusion(e, &query.expanded.map);
    let compiled = Compiled::of(&engine, &prepared).map_err(diag)?;
    let needed: Option<Vec<String>> = prepared.plan.projection.as_ref().map(|p| {
        let mut f: Vec<String> = p.fields.iter().cloned().collect();
        if p.raw {
            f.push("_raw".to_string());
        }
        f
    });
    let runtime = runtime(threads)?;
    let session = target.session(threads, &runtime)?;
    let report = Arc::new(Mutex::new(ScanReport::default()));
    let _registered = target.register(&engine, query, &prepared, &report);
    let mut notices = Vec::new();
    let (builder, columns) = if parquet_files > 0 {
        let time = ScalarUDF::from(udf::TimeUdf::new());
        let (builder, columns, foreign) = runtime
            .block_on(parquet::input(&session, sources, needed.as_deref(), &time))
            .map_err(datafusion_error)?;
        if foreign {
            notices.push(foreign_notice());
        }
        (builder, columns)
    } else {
        // The output shows whole events: every field any event has.
        let fields = match needed {
            Some(f) => f,
            None => discover_fields(&engine, sources, leading_search(&prepared).as_ref())
                .map_err(diag)?,
        };
        let table = EventsTable::new(
            Arc::clone(&engine),
            sources.to_vec(),
            &fields,
            prepared.plan.projection.clone(),
            leading_search(&prepared),
            Arc::clone(&report),
        )
        .owned_by(&prepared);
        let columns: Vec<String> = table
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        let builder = LogicalPlanBuilder::scan("events", provider_as_source(Arc::new(table)), None)
            .map_err(datafusion_error)?;
        (builder, columns)
    };
    let plan = compiled
        .logical_plan(&engine, &prepared, builder, columns)
        .map_err(datafusion_error)?;
    let (batches, physical) = runtime
        .block_on(execute(&session, plan))
        .map_err(datafusion_error)?;
    let rows = match compiled.stats_at {
        Some(index) => {
            let stats = prepared
                .mergeable_stats(index)
                .ok_or_else(|| diag(internal("the stats compiled is gone")))?;
            stats_rows(stats, &batches).map_err(|e| from_datafusion(e, &query.expanded.map))?
        }
        None => event_rows(&batches).map_err(|e| from_datafusion(e, &query.expanded.map))?,
    };
    let report = report.lock().map(|r| r.clone()).unwrap_or_default();
    if parquet_files == 0 && !target.reports_reads() {
        notices.push(
            "the events were read on the cluster's executors: malformed events are reported in their logs, not counted here".to_string(),
        );
    }
    let mut results = engine.run_rest(query, &prepared, compiled.rest_from(), rows)?;
    notices.extend(report.notices);
    results.notices.splice(0..0, notices);
    Ok(DataFusionRun {
        output: RunOutput {
            results,
            events: report.events,
            malformed: report.malformed,
            untimed: report.untimed,
        },
        placement: Placement {
            engine: target.describe(),
            datafusion: names(0..compiled.rest_from()),
            interpreter: names(compiled.rest_from()..prepared.pipeline.commands.len()),
            reason: None,
            plan: physical,
        },
    })
}

/// DataFusion's settings for spelunk's plans: `partitions` partitions, and
/// no leaf-expression pushdown. DataFusion 55's `push_down_leaf_projections`
/// pushes the `get_field` that takes an `eval`'s fields out of its struct
/// towards the scan, and over a Parquet scan finds its own copy of a
/// column (`"?table?".__spelunk_sequence` beside `__spelunk_sequence`)
/// ambiguous. The struct is a spelunk function's result, so there is
/// nothing for the scan to gain.
pub(crate) fn session_config(partitions: usize) -> SessionConfig {
    without_leaf_pushdown(SessionConfig::new().with_target_partitions(partitions))
}

/// `config` with DataFusion's leaf-expression pushdown off (see
/// [`session_config`]).
pub(crate) fn without_leaf_pushdown(mut config: SessionConfig) -> SessionConfig {
    config
        .options_mut()
        .optimizer
        .enable_leaf_expression_pushdown = false;
    config
}

/// Every row of Parquet `sources` as events, newest first, and the notice
/// that foreign rows had no props.
fn parquet_events(
    sources: &[EventSource],
    threads: usize,
) -> Result<(Vec<Event>, Vec<String>), Diagnostic> {
    let runtime = runtime(threads)?;
    let session = SessionContext::new_with_config(session_config(threads));
    let time = ScalarUDF::from(udf::TimeUdf::new());
    let loaded = runtime.block_on(async {
        let (builder, _, foreign) = parquet::input(&session, sources, None, &time).await?;
        let plan = newest_first(builder)?.build()?;
        let (batches, _) = execute(&session, plan).await?;
        Ok::<_, DataFusionError>((event_rows(&batches)?, foreign))
    });
    let (events, foreign) = loaded.map_err(|e| match spelunk_error(&e) {
        Some(err) => Diagnostic::plain(err),
        None => Diagnostic::plain(internal(&e.to_string())),
    })?;
    Ok((events, foreign.then(foreign_notice).into_iter().collect()))
}

/// Said when Parquet rows spelunk did not write were searched.
fn foreign_notice() -> String {
    "Parquet rows not written by spelunk are taken as extracted fields: no props (aliases, calculated fields, lookups, eventtypes, tags) were applied to them".to_string()
}

/// Events newest first, ties in input order.
fn newest_first(builder: LogicalPlanBuilder) -> datafusion::error::Result<LogicalPlanBuilder> {
    builder.sort(vec![
        ident(ORDER_TIME_COLUMN).sort(false, false),
        ident(SOURCE_COLUMN).sort(true, false),
        ident(SEQUENCE_COLUMN).sort(true, false),
    ])
}

/// The search's leading `search` expression, whose literals pre-filter
/// NDJSON lines.
pub(crate) fn leading_search(prepared: &Prepared) -> Option<spelunk::syntax::ast::SearchExpr> {
    match prepared.pipeline.commands.first().map(|c| &c.args) {
        Some(spelunk::commands::CommandArgs::Search(s)) => Some(s.expr.clone()),
        _ => None,
    }
}

/// What of a prepared search DataFusion runs.
struct Compiled {
    /// The leading commands that run row by row, by the fields each sets
    /// (none for a filter).
    writes: Vec<Vec<String>>,
    /// The `stats` run as an aggregation, right after them.
    stats_at: Option<usize>,
}

impl Compiled {
    fn of(engine: &Engine, prepared: &Prepared) -> spelunk::Result<Compiled> {
        let ctx = engine.stage_context(prepared.now);
        let mut writes = Vec::new();
        for command in prepared
            .pipeline
            .commands
            .iter()
            .take(prepared.plan.streaming_prefix)
        {
            match RowStep::compile(&command.args, &ctx) {
                // A step that does not compile fails as the interpreter
                // would fail on it.
                Some(step) => writes.push(step?.writes()),
                None => break,
            }
        }
        let steps = writes.len();
        let stats_at = (steps == prepared.plan.streaming_prefix
            && prepared.mergeable_stats(steps).is_some())
        .then_some(steps);
        Ok(Compiled { writes, stats_at })
    }

    /// The first command the interpreter runs.
    fn rest_from(&self) -> usize {
        self.stats_at.map_or(self.writes.len(), |s| s + 1)
    }

    /// The plan: `builder` (the scan, whose columns are `columns`)
    /// followed by the compiled commands.
    fn logical_plan(
        &self,
        engine: &Arc<Engine>,
        prepared: &Arc<Prepared>,
        mut builder: LogicalPlanBuilder,
        mut columns: Vec<String>,
    ) -> datafusion::error::Result<LogicalPlan> {
        for (index, writes) in self.writes.iter().enumerate() {
            let command = &prepared.pipeline.commands[index];
            // `_time` always: a search's time modifiers (`earliest=-24h`)
            // read it without naming it.
            let mut reads = command.args.reads().unwrap_or_default();
            reads.push("_time".to_string());
            let inputs = present(reads, &columns);
            let udf = ScalarUDF::from(udf::StepUdf::new(
                Arc::clone(engine),
                Arc::clone(prepared),
                index,
                inputs.clone(),
                writes.clone(),
            ));
            let call = udf.call(arguments(&inputs));
            if writes.is_empty() {
                builder = builder.filter(call)?;
                continue;
            }
            // eval: its struct of fields once, then each field out of it;
            // a field it sets replaces the column of that name.
            let temporary = format!("__spelunk_eval_{index}");
            let mut first: Vec<Expr> = columns
                .iter()
                .filter(|c| !writes.contains(c))
                .map(|c| ident(c.as_str()))
                .collect();
            first.push(call.alias(&temporary));
            builder = builder.project(first)?;
            columns.retain(|c| !writes.contains(c));
            let mut second: Vec<Expr> = columns.iter().map(|c| ident(c.as_str())).collect();
            for w in writes {
                second.push(get_field(ident(temporary.as_str()), w.as_str()).alias(w));
            }
            builder = builder.project(second)?;
            columns.extend(writes.iter().cloned());
        }
        let Some(index) = self.stats_at else {
            return newest_first(builder)?.build();
        };
        let Some(stats) = prepared.mergeable_stats(index) else {
            return Err(internal_df("the stats compiled is gone"));
        };
        let texts = ScalarUDF::from(udf::TextsUdf::new());
        // Each BY field's values as a list, unnested one field after the
        // other: a row joins one group per combination of values, and none
        // when a BY field is null, as `stats` has it.
        let keys: Vec<String> = (0..stats.by.len())
            .map(|j| format!("__spelunk_key_{j}"))
            .collect();
        let mut projected: Vec<Expr> = columns.iter().map(|c| ident(c.as_str())).collect();
        for (by, key) in stats.by.iter().zip(&keys) {
            let values = match columns.contains(by) {
                true => texts.call(vec![ident(by.as_str())]),
                false => lit(ScalarValue::try_from(&columns::texts_type())?),
            };
            projected.push(values.alias(key));
        }
        builder = builder.project(projected)?;
        for key in &keys {
            builder = builder.unnest_column_with_options(
                Column::from_name(key.as_str()),
                UnnestOptions::new().with_preserve_nulls(false),
            )?;
        }
        let aggregates: Vec<Expr> = stats
            .aggs
            .iter()
            .enumerate()
            .map(|(j, agg)| {
                // `_time` only for the functions that read it: a bare
                // `count` then reads no column at all.
                let mut reads = agg.reads();
                if agg.reads_time() {
                    reads.push("_time".to_string());
                }
                let inputs = present(reads, &columns);
                let udaf = AggregateUDF::from(udaf::StatsUdaf::new(
                    Arc::clone(engine),
                    agg.clone(),
                    j,
                    stats.allnum,
                    prepared.now,
                    inputs.clone(),
                ));
                udaf.call(arguments(&inputs))
                    .alias(format!("__spelunk_agg_{j}"))
            })
            .collect();
        let groups: Vec<Expr> = keys.iter().map(|k| ident(k.as_str())).collect();
        builder.aggregate(groups, aggregates)?.build()
    }
}

/// The fields of `reads` that are columns, each once.
fn present(reads: Vec<String>, columns: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in reads {
        if columns.contains(&r) && !out.contains(&r) {
            out.push(r);
        }
    }
    out
}

/// A function's arguments: the sequence column (for the row count), then
/// the input fields.
fn arguments(inputs: &[String]) -> Vec<Expr> {
    std::iter::once(ident(SEQUENCE_COLUMN))
        .chain(inputs.iter().map(|i| ident(i.as_str())))
        .collect()
}

async fn execute(
    ctx: &SessionContext,
    plan: LogicalPlan,
) -> datafusion::error::Result<(Vec<RecordBatch>, String)> {
    let frame = ctx.execute_logical_plan(plan).await?;
    let physical = frame.create_physical_plan().await?;
    let shown = displayable(physical.as_ref()).indent(true).to_string();
    let batches = collect(physical, ctx.task_ctx()).await?;
    Ok((batches, shown))
}

/// The sorted rows of the scan (or of the steps after it) as events, the
/// hidden columns left out.
fn event_rows(batches: &[RecordBatch]) -> datafusion::error::Result<Vec<Event>> {
    let mut out = Vec::new();
    for batch in batches {
        let schema = batch.schema();
        let visible: Vec<(usize, &str)> = schema
            .fields()
            .iter()
            .enumerate()
            .map(|(i, f)| (i, f.name().as_str()))
            .filter(|(_, n)| !scan::is_hidden(n))
            .collect();
        for row in 0..batch.num_rows() {
            let mut event = Event::with_capacity(visible.len());
            for (i, name) in &visible {
                if let Some(v) = columns::value_at(batch.column(*i).as_ref(), row, name)? {
                    event.set(name.to_string(), v);
                }
            }
            out.push(event);
        }
    }
    Ok(out)
}

/// The aggregation's groups as `stats` rows, in `stats`'s order.
fn stats_rows(stats: &Stats, batches: &[RecordBatch]) -> datafusion::error::Result<Vec<Event>> {
    let keys = stats.by.len();
    let mut groups: Vec<(Vec<String>, Vec<Option<Value>>)> = Vec::new();
    for batch in batches {
        for row in 0..batch.num_rows() {
            let mut key = Vec::with_capacity(keys);
            for j in 0..keys {
                let column = batch.column(j);
                let text = match column.data_type() {
                    datafusion::arrow::datatypes::DataType::Utf8 => {
                        column.as_string::<i32>().value(row).to_string()
                    }
                    _ => columns::value_at(column.as_ref(), row, "")?
                        .map(|v| v.to_text().into_owned())
                        .unwrap_or_default(),
                };
                key.push(text);
            }
            let mut values = Vec::with_capacity(stats.aggs.len());
            for j in 0..stats.aggs.len() {
                values.push(columns::value_at(batch.column(keys + j).as_ref(), row, "")?);
            }
            groups.push((key, values));
        }
    }
    Ok(spelunk::backend::stats_rows(stats, groups))
}

fn internal(message: &str) -> Error {
    Error::Runtime {
        message: format!("DataFusion backend: {message}"),
        span: None,
    }
}

fn internal_df(message: &str) -> DataFusionError {
    DataFusionError::Internal(format!("spelunk: {message}"))
}

/// A runtime for DataFusion's streams with `threads` workers.
fn runtime(threads: usize) -> Result<tokio::runtime::Runtime, Diagnostic> {
    // Timers and sockets: object storage's HTTP client needs both.
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.max(1))
        .enable_all()
        .build()
        .map_err(|e| Diagnostic::plain(Error::io("the DataFusion runtime", e)))
}

/// The spelunk error a DataFusion error carries, when one does.
fn spelunk_error(e: &DataFusionError) -> Option<Error> {
    match e.find_root() {
        DataFusionError::External(inner) => match inner.downcast_ref::<udf::Raised>() {
            Some(raised) => Some(raised.0.clone()),
            None => inner.downcast_ref::<Error>().cloned(),
        },
        // A Ballista task's failure comes back as text.
        _ => udf::Raised::read_back(&e.to_string()),
    }
}

/// DataFusion's error as spelunk's: a spelunk error raised inside a
/// function comes back as it was (with its place in the search); any other
/// is DataFusion's own message.
fn from_datafusion(e: DataFusionError, map: &spelunk::source::SourceMap) -> Diagnostic {
    match spelunk_error(&e) {
        Some(err) => Diagnostic::new(err, map),
        None => Diagnostic::plain(internal(&e.to_string())),
    }
}
