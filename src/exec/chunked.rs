//! The fast path of [`Engine::run_sources`]: a search whose plan has a
//! streaming prefix runs over chunks of its files on worker threads, and the
//! chunks' results merge in input order as the plan says
//! ([`crate::plan::ChunkMerge`]). Whenever a chunk fails, or an NDJSON
//! event has no timestamp, it gives up (`Ok(None)`) and the plain path runs,
//! so errors and results are the plain path's (`tests/streaming.rs` holds
//! the two equal). ARCHITECTURE.md draws it.

use std::cell::Cell;
use std::rc::Rc;

use crate::commands::stats::{Groups, Stats};
use crate::commands::CommandArgs;
use crate::diagnostic::Diagnostic;
use crate::engine::{Engine, Progress, Query, RowSink, RunOutput};
use crate::error::{Error, Result};
use crate::eval::EvalContext;
use crate::event::Event;
use crate::events::prefilter::Prefilter;
use crate::events::stream::{ChunkReport, EventTooLong, LineReader, NdjsonChunks};
use crate::events::{self, EventSource, Malformed};
use crate::exec::fold::{always_true, decide_metadata_terms};
use crate::exec::memory::MemoryBudget;
use crate::exec::newest_first;
use crate::exec::spill::RowStore;
use crate::exec::{self, Rows};
use crate::lookup::PreparedLookups;
use crate::plan::{ChunkMerge, Plan};
use crate::syntax::ast::{Command, Pipeline};
use crate::value::Value;

/// An NDJSON chunk feed that tells [`Progress`] each chunk's size.
struct ReportingChunks<'a> {
    chunks: &'a mut NdjsonChunks,
    progress: Option<&'a Progress>,
    /// Finds each chunk's last time, for the next chunk's events without
    /// a timestamp.
    reader: &'a LineReader,
    /// The last time before the next chunk.
    last: Option<f64>,
}

/// An NDJSON chunk and the last event time before it (Splunk's fallback
/// for the chunk's first events without a timestamp).
type TimedChunk = (Vec<u8>, Option<f64>);

impl ChunkFeed<TimedChunk> for ReportingChunks<'_> {
    fn next_chunk(&mut self) -> std::io::Result<Option<TimedChunk>> {
        let Some(chunk) = self.chunks.next_chunk()? else {
            return Ok(None);
        };
        if let Some(p) = self.progress {
            p.add(chunk.len() as u64);
        }
        // Read here, in file order, so every worker knows its start.
        let start = self.last;
        if let Some(t) = self.reader.last_time(&chunk) {
            self.last = Some(t);
        }
        Ok(Some((chunk, start)))
    }

    fn recycle(&mut self, chunk: TimedChunk) {
        self.chunks.recycle(chunk.0);
    }
}

impl Engine {
    /// The streaming path of [`Engine::run_sources`]; `Ok(None)` when it does
    /// not apply (or a per-event error needs the plain path to report it
    /// exactly as it would).
    pub(crate) fn run_streaming(
        &self,
        query: &Query,
        sources: &[EventSource],
        sink: Option<&mut RowSink<'_>>,
    ) -> Result<Option<RunOutput>, Diagnostic> {
        let first_search = match query.pipeline.commands.first().map(|c| &c.args) {
            Some(CommandArgs::Search(s)) => s,
            _ => return Ok(None),
        };
        // Subsearches that read events run first, each over the files
        // (streamed in turn), so they do not force every event into memory.
        if sources.is_empty() || !crate::plan::can_stream(&query.pipeline) {
            return Ok(None);
        }
        let mut files = Vec::new();
        for source in sources {
            let Some(path) = &source.path else {
                return Ok(None);
            };
            events::refuse_parquet(path)?;
            if let Some(chunks) = NdjsonChunks::open(path, self.chunk_bytes)? {
                // NDJSON: an unnamed sourcetype is `_json`.
                let source = events::with_sourcetype(source, &events::Content::Json);
                events::knowledge_for(&source, &self.knowledge_view()).check_supported()?;
                files.push(Feed::Ndjson(source, chunks));
            } else if let Some(text) = events::TextFile::open(source)? {
                files.push(Feed::Text(text));
            } else {
                return Ok(None);
            }
        }
        let diag = |e: Error| Diagnostic::new(e, &query.expanded.map);
        if let Some(p) = &self.progress {
            p.restart();
        }
        let now = crate::eval::search_start_time();
        let ctx = self.context(&[], now);
        // Every chunk's lookups use the tables the dry run below prepares.
        let prepared = ctx.prepared.clone();
        let read_subsearch = |pipeline: &Pipeline| -> Result<Vec<Event>> {
            let sub = Query {
                expanded: query.expanded.clone(),
                pipeline: pipeline.clone(),
            };
            let out = self.run_sources(&sub, sources).map_err(|d| d.error)?;
            // Reading notices come again from the outer run; keep the rest.
            let seen = ctx.notices.borrow().clone();
            for notice in out.results.notices {
                if !seen.contains(&notice) {
                    ctx.notice(notice);
                }
            }
            Ok(out.results.rows)
        };
        let resolved = exec::resolve_subsearches_reading(&query.pipeline, &ctx, &read_subsearch)
            .map_err(diag)?;
        let plan = Plan::of(&resolved);
        if plan.streaming_prefix == 0 {
            return Ok(None);
        }
        let (prefix, suffix) = resolved.commands.split_at(plan.streaming_prefix);
        // Argument errors and notices of the prefix, once, in order.
        {
            let mut dry: Rows<'_> = Box::new(std::iter::empty());
            for command in prefix {
                dry = command.args.apply(dry, &ctx).map_err(diag)?;
            }
        }
        let stats = plan.partial_stats(&resolved);
        let search_expr = match resolved.commands.first().map(|c| &c.args) {
            Some(CommandArgs::Search(s)) => &s.expr,
            _ => &first_search.expr,
        };
        let opts = self.read_options();
        let threads = self.thread_count();
        let mut merged = Merged {
            groups: stats.map(Stats::new_groups),
            keep_newest: match plan.merge {
                ChunkMerge::NewestRows(n) => Some(n),
                _ => None,
            },
            ..Merged::new(self.limits.spill_bytes)
        };
        let mut notices: Vec<String> = Vec::new();
        // Text files: the time of events without one, known only in file
        // order, is settled while breaking them.
        let mut text_untimed = 0usize;
        for feed in files {
            let (source, mut chunks) = match feed {
                Feed::Ndjson(source, chunks) => (source, chunks),
                Feed::Text(file) => {
                    let text_source = file.source.clone();
                    let Some(untimed) = self.stream_text_file(
                        file,
                        &resolved,
                        plan.streaming_prefix,
                        stats,
                        now,
                        (&prepared, &ctx.memory),
                        threads,
                        &mut merged,
                    )?
                    else {
                        return over_budget(&ctx.memory, &resolved).map_err(diag);
                    };
                    text_untimed += untimed;
                    self.report_file_read(&text_source);
                    continue;
                }
            };
            let source = &source;
            let st = events::knowledge_for(source, &opts.knowledge);
            let prefilter = if self.prefilter {
                Prefilter::from_search(search_expr, &st)
            } else {
                None
            };
            // The leading search with its terms on this source's metadata
            // decided, and what the pipeline then reads from each event.
            let mut specialised = resolved.clone();
            if let Some(CommandArgs::Search(s)) =
                specialised.commands.first_mut().map(|c| &mut c.args)
            {
                let metadata: Event = crate::events::metadata_for(source, &st)
                    .into_iter()
                    .map(|(name, value)| (name.to_string(), Value::Str(value)))
                    .collect();
                s.expr = decide_metadata_terms(&s.expr, &metadata, &st, &ctx);
            }
            let projection = Plan::of(&specialised).projection;
            // A search that every event passes (`search NOT [...]` whose
            // subsearch found nothing, a leading search decided above) is
            // left out of the per-event work.
            let source_prefix: Vec<Command> = specialised.commands[..plan.streaming_prefix]
                .iter()
                .filter(|c| !matches!(&c.args, CommandArgs::Search(s) if always_true(&s.expr)))
                .cloned()
                .collect();
            let reader = LineReader::new(source, &opts, projection.as_ref(), prefilter)?;
            for notice in reader.notices() {
                if !notices.contains(notice) {
                    notices.push(notice.clone());
                }
            }
            let work = |(chunk, start): &mut TimedChunk, part: &mut Option<Groups>| {
                let mut events = Vec::new();
                let report = reader.read_chunk(chunk, *start, &mut |e| events.push(e));
                self.run_chunk_prefix(
                    events,
                    report,
                    &source_prefix,
                    stats,
                    now,
                    (&prepared, &ctx.memory),
                    part,
                )
            };
            let mut feed = ReportingChunks {
                chunks: &mut chunks,
                progress: self.progress.as_ref(),
                reader: &reader,
                last: None,
            };
            let (complete, parts) = run_chunks(&mut feed, threads, &work, &mut merged)
                .map_err(|e| Error::io(reader.name(), e))?;
            if !complete {
                return over_budget(&ctx.memory, &resolved).map_err(diag);
            }
            merge_parts(stats, &mut merged, parts, &ctx.memory);
        }
        if self.strict {
            if let Some(m) = merged.malformed.first() {
                return Err(Diagnostic::plain(Error::MalformedEvent {
                    file: m.file.clone(),
                    line: m.line,
                    message: m.reason.clone(),
                }));
            }
        }
        let (mut rows, rest): (Rows<'_>, &[Command]) = match (stats, merged.groups.take()) {
            (Some(s), Some(groups)) => {
                // The table becomes rows: its charge ends here.
                ctx.memory.release(std::mem::take(&mut merged.charged));
                (
                    Box::new(s.finish_groups(groups).into_iter().map(Ok)),
                    &suffix[1..],
                )
            }
            _ if merged.keep_newest.is_some() => {
                let mut tagged = std::mem::take(&mut merged.rows);
                tagged.sort_by(|a, b| newest_first(a.0, b.0));
                (Box::new(tagged.into_iter().map(|(_, r)| r)), suffix)
            }
            _ => {
                if let Some(e) = merged.store_error.take() {
                    return Err(diag(e));
                }
                let store = std::mem::replace(&mut merged.store, RowStore::new(0));
                (Box::new(store.into_rows(true).map_err(diag)?), suffix)
            }
        };
        let located = |e: Error| diag(exec::locate_memory_error(e, &resolved));
        for command in rest {
            rows = command.args.apply(rows, &ctx).map_err(located)?;
        }
        let rows = match sink {
            None => exec::collect_results(rows, &ctx, &resolved).map_err(located)?,
            // Written as they come: nothing is held past this point.
            Some(sink) => {
                for row in rows {
                    sink(row.map_err(located)?).map_err(diag)?;
                }
                Vec::new()
            }
        };
        for notice in std::mem::take(&mut merged.notices) {
            if !notices.contains(&notice) {
                notices.push(notice);
            }
        }
        let mut results = self.results(query, rows, ctx);
        results.notices.splice(0..0, notices);
        Ok(Some(RunOutput {
            results,
            events: merged.events,
            malformed: merged.malformed,
            untimed: merged.untimed + text_untimed,
        }))
    }

    /// Streams one text file (Windows XML or classic events, line-broken
    /// logs): line breaking and timestamps run in file order on this
    /// thread, and batches of events go to the workers, which apply the
    /// search-time knowledge the search can see and the streaming prefix.
    /// Returns the events that took a fallback time, or `None` when the
    /// plain path must run (to report an error exactly as it would).
    #[allow(clippy::too_many_arguments)]
    fn stream_text_file(
        &self,
        file: events::TextFile,
        resolved: &Pipeline,
        streaming_prefix: usize,
        stats: Option<&Stats>,
        now: f64,
        (prepared, memory): (&PreparedLookups, &MemoryBudget),
        threads: usize,
        merged: &mut Merged,
    ) -> Result<Option<usize>, Diagnostic> {
        let opts = self.read_options();
        let projection = Plan::of(resolved).projection;
        let builder = events::text::TextEvents::new(
            &file.name,
            &file.source,
            opts.knowledge.clone(),
            projection.as_ref(),
        );
        let Ok(breaker) = builder.breaker(opts.tz) else {
            return Ok(None);
        };
        let prefix: Vec<Command> = resolved.commands[..streaming_prefix]
            .iter()
            .filter(|c| !matches!(&c.args, CommandArgs::Search(s) if always_true(&s.expr)))
            .cloned()
            .collect();
        let fallback =
            events::rawtime::TimeFallback::new(file.modified, crate::eval::search_start_time());
        let untimed = Cell::new(0usize);
        let mut batches = TextBatches {
            records: events::text::ChunkedRecords::new(
                &breaker,
                file.head,
                file.reader,
                self.chunk_bytes.saturating_mul(TEXT_READ_CHUNKS),
                fallback,
                &untimed,
            ),
            max_bytes: self.chunk_bytes,
        };
        let work = |batch: &mut Vec<events::text::TextRecord<'_>>, part: &mut Option<Groups>| {
            let mut report = ChunkReport::default();
            let mut built = Vec::with_capacity(batch.len());
            for mut record in batch.drain(..) {
                report.notices.append(&mut record.notices);
                built.push(builder.build(record, &mut report.notices)?);
                report.events += 1;
            }
            self.run_chunk_prefix(built, report, &prefix, stats, now, (prepared, memory), part)
        };
        // A read error (a damaged gzip stream): the whole-file reader
        // reports it as it would; an event without end, here.
        let (complete, parts) = match run_chunks(&mut batches, threads, &work, merged) {
            Ok(done) => done,
            Err(e) if EventTooLong::is(&e) => {
                return Err(Diagnostic::plain(Error::io(&file.name, e)));
            }
            Err(_) => return Ok(None),
        };
        if !complete {
            return Ok(None);
        }
        merge_parts(stats, merged, parts, memory);
        drop(batches);
        Ok(Some(untimed.get()))
    }

    /// Runs the streaming prefix over one chunk's events (and then adds
    /// them to the worker's partial `stats` groups in `part`, or keeps each
    /// row with its event's `_time`).
    #[allow(clippy::too_many_arguments)]
    fn run_chunk_prefix(
        &self,
        events: Vec<Event>,
        report: ChunkReport,
        prefix: &[Command],
        stats: Option<&Stats>,
        now: f64,
        (prepared, memory): (&PreparedLookups, &MemoryBudget),
        part: &mut Option<Groups>,
    ) -> Result<ChunkOut> {
        let mut ctx = self.context(&[], now);
        ctx.prepared = prepared.clone();
        // The search's budget, shared by every worker.
        ctx.memory = memory.clone();
        // Rows kept for the rest of the pipeline are ordered by their
        // event's `_time`; `stats` needs no order.
        let times: Vec<Option<f64>> = match stats {
            Some(_) => Vec::new(),
            None => events.iter().map(Event::time).collect(),
        };
        // Prefix commands are one-row-in, at-most-one-row-out maps and
        // filters over a lazy iterator, so the row coming out is the one
        // last pulled in: its index tells which event's `_time` orders it.
        let current = Rc::new(Cell::new(0usize));
        let pulled = Rc::clone(&current);
        let input = events.into_iter().enumerate().map(move |(i, e)| {
            pulled.set(i);
            Ok(e)
        });
        let mut rows: Rows<'_> = Box::new(input);
        for command in prefix {
            rows = command.args.apply(rows, &ctx)?;
        }
        let mut out = ChunkOut {
            report,
            rows: Vec::new(),
            charged: 0,
        };
        match stats {
            Some(s) => {
                let ectx = EvalContext::at(now, self.tz);
                // One partial state per worker, not per chunk: merging
                // is exact only for order-insensitive aggregations, which
                // is all `stats` here has.
                let groups = part.get_or_insert_with(|| s.new_groups());
                for row in rows {
                    let added = s.accumulate(groups, &row?, &ectx)?;
                    memory.charge("stats", added)?;
                    out.charged = out.charged.saturating_add(added);
                }
            }
            None => {
                for row in rows {
                    let time = times.get(current.get()).copied().flatten();
                    out.rows.push((time, row));
                }
            }
        }
        Ok(out)
    }
}

/// One chunk's results.
struct ChunkOut {
    report: ChunkReport,
    rows: Vec<(Option<f64>, Result<Event>)>,
    /// Bytes of new `stats` groups charged to the memory budget.
    charged: u64,
}

/// Chunk results merged in input order.
struct Merged {
    /// Rows for `head` ([`Merged::keep_newest`]).
    rows: Vec<(Option<f64>, Result<Event>)>,
    /// Every other row, spilled to disk past a bound.
    store: RowStore,
    /// Why the store could not take a row (the spill file failed).
    store_error: Option<Error>,
    groups: Option<Groups>,
    /// Bytes of the workers' `stats` groups charged to the memory budget
    /// and not yet released.
    charged: u64,
    malformed: Vec<Malformed>,
    untimed: usize,
    events: usize,
    last_lines: usize,
    /// Reader notices, each once, in input order.
    notices: Vec<String>,
    /// `head N` right after the streaming prefix: only the N newest rows
    /// can reach the results, so the others are let go as rows arrive
    /// (`* | head 5` kept every event of the file).
    keep_newest: Option<usize>,
}

/// Rows held beyond `head`'s count before the older ones are dropped:
/// sorting once per this many rows keeps the work linear.
const HEAD_SLACK: usize = 4096;

impl Merged {
    /// Nothing merged yet; rows held past `spill_bytes` go to disk.
    fn new(spill_bytes: u64) -> Merged {
        Merged {
            rows: Vec::new(),
            store: RowStore::new(spill_bytes),
            store_error: None,
            groups: None,
            charged: 0,
            malformed: Vec::new(),
            untimed: 0,
            events: 0,
            last_lines: 0,
            notices: Vec::new(),
            keep_newest: None,
        }
    }

    fn add(&mut self, out: ChunkOut, line_base: usize) {
        for notice in out.report.notices {
            if !self.notices.contains(&notice) {
                self.notices.push(notice);
            }
        }
        self.malformed
            .extend(out.report.malformed.into_iter().map(|mut m| {
                m.line += line_base;
                m
            }));
        self.untimed += out.report.untimed;
        self.events += out.report.events;
        self.charged = self.charged.saturating_add(out.charged);
        self.last_lines = out.report.lines;
        if self.keep_newest.is_none() {
            for (time, row) in out.rows {
                if let Err(e) = self.store.push(time, row) {
                    self.store_error.get_or_insert(e);
                }
            }
            return;
        }
        self.rows.extend(out.rows);
        if let Some(n) = self.keep_newest {
            if self.rows.len() > n.saturating_add(HEAD_SLACK) {
                // The order the results take (newest first, ties in input
                // order: a stable sort), cut to the rows `head` can take.
                self.rows.sort_by(|a, b| newest_first(a.0, b.0));
                self.rows.truncate(n);
            }
        }
    }
}

/// Processes one chunk, adding to the worker's partial `stats` groups.
type ChunkWork<'a, T> = dyn Fn(&mut T, &mut Option<Groups>) -> Result<ChunkOut> + Sync + 'a;

/// Events per batch a text file's reader hands to a worker.
const TEXT_BATCH_EVENTS: usize = 256;

/// How much of a text file is read and broken into events at a time, in
/// chunks (4 MiB by default).
const TEXT_READ_CHUNKS: usize = 4;

/// A file the streaming path reads.
enum Feed {
    /// NDJSON, in byte chunks.
    Ndjson(EventSource, NdjsonChunks),
    /// A text file, in batches of events.
    Text(events::TextFile),
}

/// Where the streaming path's chunks come from.
trait ChunkFeed<T> {
    /// The next chunk, `None` at the end.
    fn next_chunk(&mut self) -> std::io::Result<Option<T>>;
    /// Hands back a processed chunk (its buffer may be reused).
    fn recycle(&mut self, _chunk: T) {}
}

impl ChunkFeed<Vec<u8>> for NdjsonChunks {
    fn next_chunk(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        NdjsonChunks::next_chunk(self)
    }

    fn recycle(&mut self, chunk: Vec<u8>) {
        NdjsonChunks::recycle(self, chunk)
    }
}

/// A text file's events in batches of [`TEXT_BATCH_EVENTS`] (or about
/// the engine's chunk size).
struct TextBatches<'a> {
    records: events::text::ChunkedRecords<'a>,
    max_bytes: usize,
}

impl ChunkFeed<Vec<events::text::TextRecord<'static>>> for TextBatches<'_> {
    fn next_chunk(&mut self) -> std::io::Result<Option<Vec<events::text::TextRecord<'static>>>> {
        let mut batch = Vec::with_capacity(TEXT_BATCH_EVENTS);
        let mut bytes = 0usize;
        while let Some(record) = self.records.next_record()? {
            bytes += record.raw.len();
            batch.push(record);
            if batch.len() >= TEXT_BATCH_EVENTS || bytes >= self.max_bytes {
                break;
            }
        }
        Ok((!batch.is_empty()).then_some(batch))
    }
}

/// Runs `work` over the chunks `feed` gives, on this thread or on
/// `threads` workers, merging the results in input order into `merged`.
/// Returns whether every chunk succeeded and the workers' partial groups.
fn run_chunks<T: Send>(
    feed: &mut dyn ChunkFeed<T>,
    threads: usize,
    work: &ChunkWork<'_, T>,
    merged: &mut Merged,
) -> std::io::Result<(bool, Vec<Groups>)> {
    if threads > 1 {
        return pipelined(feed, threads, work, &mut |out, line_base| {
            merged.add(out, line_base);
            merged.last_lines
        });
    }
    let mut line_base = 0usize;
    let mut part = None;
    let complete = loop {
        let Some(mut chunk) = feed.next_chunk()? else {
            break true;
        };
        let Ok(out) = work(&mut chunk, &mut part) else {
            break false;
        };
        feed.recycle(chunk);
        merged.add(out, line_base);
        line_base += merged.last_lines;
    };
    Ok((complete, part.into_iter().collect()))
}

/// Why the streaming path stopped before the end: a memory budget that a
/// worker's charge went over is the search's error; anything else sends
/// the search down the plain path (`Ok(None)`), which reports it as it
/// would.
fn over_budget<T>(memory: &MemoryBudget, resolved: &Pipeline) -> Result<Option<T>> {
    match memory.exceeded() {
        Some(e) => Err(exec::locate_memory_error(e, resolved)),
        None => Ok(None),
    }
}

/// Merges the workers' partial `stats` groups into `merged`'s, releasing
/// the groups merged away from the memory budget.
fn merge_parts(
    stats: Option<&Stats>,
    merged: &mut Merged,
    parts: Vec<Groups>,
    memory: &MemoryBudget,
) {
    if let (Some(s), Some(into)) = (stats, merged.groups.as_mut()) {
        for part in parts {
            let freed = s.merge_groups(into, part).min(merged.charged);
            memory.release(freed);
            merged.charged -= freed;
        }
    }
}

/// Reads chunks on this thread while `threads` workers process them, and
/// hands the results to `merge` in chunk order with the number of lines
/// before each chunk (`merge` returns the chunk's line count). Each worker
/// keeps its own partial `stats` groups across its chunks. At most
/// `2 * threads` chunks are in flight. Returns whether every chunk
/// succeeded (if not, the caller takes the plain path) and the workers'
/// groups, or the read error.
fn pipelined<T: Send>(
    feed: &mut dyn ChunkFeed<T>,
    threads: usize,
    work: &ChunkWork<'_, T>,
    merge: &mut dyn FnMut(ChunkOut, usize) -> usize,
) -> std::io::Result<(bool, Vec<Groups>)> {
    use std::collections::BTreeMap;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{mpsc, Mutex};

    let failed = AtomicBool::new(false);
    let (job_tx, job_rx) = mpsc::sync_channel::<(usize, T)>(threads);
    let job_rx = Mutex::new(job_rx);
    let (done_tx, done_rx) = mpsc::channel::<(usize, Result<ChunkOut>, T)>();
    std::thread::scope(|scope| {
        let mut workers = Vec::with_capacity(threads);
        let mut spawn_error = None;
        for _ in 0..threads {
            let done_tx = done_tx.clone();
            let (job_rx, failed) = (&job_rx, &failed);
            // The system may refuse a thread: run on those it gave.
            // The main thread's stack: each command of the pipeline adds
            // frames (see `syntax::parser::MAX_COMMANDS`).
            let spawned = std::thread::Builder::new()
                .stack_size(8 << 20)
                .spawn_scoped(scope, move || {
                    let mut part = None;
                    loop {
                        let job = match job_rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return part,
                        };
                        let Ok((index, mut chunk)) = job else {
                            return part;
                        };
                        let out = if failed.load(Ordering::Relaxed) {
                            Err(Error::Runtime {
                                message: "stopped".into(),
                                span: None,
                            })
                        } else {
                            work(&mut chunk, &mut part)
                        };
                        if done_tx.send((index, out, chunk)).is_err() {
                            return part;
                        }
                    }
                });
            match spawned {
                Ok(worker) => workers.push(worker),
                Err(e) => {
                    spawn_error = Some(e);
                    break;
                }
            }
        }
        drop(done_tx);
        if workers.is_empty() {
            return Err(std::io::Error::other(format!(
                "could not start a reader thread: {}",
                spawn_error.map_or_else(|| "none requested".to_string(), |e| e.to_string())
            )));
        }
        // Merges what has arrived, in order.
        let mut pending: BTreeMap<usize, Result<ChunkOut>> = BTreeMap::new();
        let mut next = 0usize;
        let mut line_base = 0usize;
        let mut drain = |pending: &mut BTreeMap<usize, Result<ChunkOut>>, next: &mut usize| {
            while let Some(out) = pending.remove(next) {
                match out {
                    Ok(out) if !failed.load(Ordering::Relaxed) => {
                        line_base += merge(out, line_base)
                    }
                    _ => failed.store(true, Ordering::Relaxed),
                }
                *next += 1;
            }
        };
        let mut sent = 0usize;
        let mut received = 0usize;
        let mut read_error = None;
        loop {
            if failed.load(Ordering::Relaxed) {
                break;
            }
            match feed.next_chunk() {
                Ok(Some(chunk)) => {
                    // Keep memory bounded: wait for results when too many
                    // chunks are in flight.
                    while sent - received >= 2 * threads {
                        match done_rx.recv() {
                            Ok((i, out, buf)) => {
                                feed.recycle(buf);
                                received += 1;
                                pending.insert(i, out);
                                drain(&mut pending, &mut next);
                            }
                            Err(_) => break,
                        }
                    }
                    if job_tx.send((sent, chunk)).is_err() {
                        failed.store(true, Ordering::Relaxed);
                        break;
                    }
                    sent += 1;
                }
                Ok(None) => break,
                Err(e) => {
                    read_error = Some(e);
                    failed.store(true, Ordering::Relaxed);
                    break;
                }
            }
        }
        drop(job_tx);
        for (i, out, _) in done_rx {
            pending.insert(i, out);
            drain(&mut pending, &mut next);
        }
        // A worker that panicked leaves no groups: the run is incomplete.
        let mut parts = Vec::with_capacity(threads);
        let mut joined = true;
        for worker in workers {
            match worker.join() {
                Ok(part) => parts.extend(part),
                Err(_) => joined = false,
            }
        }
        match read_error {
            Some(e) => Err(e),
            None => Ok((
                next == sent && joined && !failed.load(Ordering::Relaxed),
                parts,
            )),
        }
    })
}
