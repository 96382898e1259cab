//! The embedding API: an [`Engine`] holds macros, lookups, the search-time
//! knowledge layer (props, transforms, event types, tags) and settings; it
//! compiles search text and runs it over events.

use std::cell::RefCell;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use crate::commands::CommandArgs;
use crate::datamodel::DataModels;
use crate::diagnostic::Diagnostic;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::events::stream::DEFAULT_CHUNK_BYTES;
use crate::events::{self, EventSource, Malformed, ReadOptions};
pub use crate::exec::sort_newest_first;
use crate::exec::{self, matcher::Glob, Context, Limits};
use crate::expand::{self, ExpandLimits, Expanded, MacroSet};
use crate::explain::{self, Explain, FileSummary};
use crate::knowledge::apps::{AppSummary, AppTargets};
use crate::knowledge::eventtypes::CompiledEventTypes;
use crate::knowledge::tags::CompiledTags;
use crate::knowledge::{ConfWarning, Knowledge, KnowledgeView, Props, SourceMeta, SourcetypeProps};
use crate::lookup::LookupRegistry;
use crate::syntax::{self, ast::Pipeline};

/// The most reader threads an engine starts (`--threads` above it is a
/// usage error; [`Engine::with_threads`] takes it as this).
pub const MAX_THREADS: usize = 1024;

/// Bundled `macros/macros.conf`.
const BUNDLED_MACROS: &str = include_str!("../macros/macros.conf");

/// Runs SPL searches. Build one with [`Engine::new`] (bundled defaults) and
/// the `with_*` methods, then call [`Engine::run`].
#[derive(Debug, Clone)]
pub struct Engine {
    macros: MacroSet,
    lookups: LookupRegistry,
    knowledge: Knowledge,
    /// Data models (apps' `data/models/*.json`).
    datamodels: DataModels,
    /// Saved searches (apps' savedsearches.conf), for `savedsearch`.
    saved_searches: crate::commands::savedsearch::SavedSearches,
    /// Event types and tags compiled from `knowledge` and `macros`, on
    /// first use (reset whenever either changes).
    compiled: OnceLock<Arc<CompiledKnowledge>>,
    pub(crate) tz: chrono_tz::Tz,
    pub(crate) strict: bool,
    pub(crate) limits: Limits,
    expand_limits: ExpandLimits,
    output_lookups: Option<std::path::PathBuf>,
    geoip: Option<std::path::PathBuf>,
    pub(crate) threads: usize,
    pub(crate) prefilter: bool,
    pub(crate) chunk_bytes: usize,
    /// Paths given to [`Engine::with_lookups_path`] that added nothing,
    /// each a warning naming it.
    path_warnings: Vec<ConfWarning>,
    /// Told how many bytes of event files have been read, as they are.
    pub(crate) progress: Option<Progress>,
}

/// A callback told how many bytes of the event files have been read so far
/// ([`Engine::with_progress`]): NDJSON files read in chunks after each
/// chunk, other files once each, when read. A search that starts streaming
/// and then must read the files whole (an event without a time, a
/// per-event error to report exactly) starts again from 0.
#[derive(Clone)]
pub struct Progress {
    report: Arc<dyn Fn(u64) + Send + Sync>,
    done: Arc<std::sync::atomic::AtomicU64>,
}

impl Progress {
    /// Wraps `report`, called with the bytes read so far.
    pub fn new(report: impl Fn(u64) + Send + Sync + 'static) -> Self {
        Progress {
            report: Arc::new(report),
            done: Arc::default(),
        }
    }

    /// A new pass over the files: the count starts again from 0.
    pub(crate) fn restart(&self) {
        self.done.store(0, std::sync::atomic::Ordering::Relaxed);
        (self.report)(0);
    }

    pub(crate) fn add(&self, bytes: u64) {
        let done = self
            .done
            .fetch_add(bytes, std::sync::atomic::Ordering::Relaxed)
            + bytes;
        (self.report)(done);
    }
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress(..)")
    }
}

/// A search that has been expanded and parsed, ready to run.
#[derive(Debug, Clone)]
pub struct Query {
    /// The macro-expanded text and its map back to the user's text.
    pub expanded: Expanded,
    /// The parsed pipeline.
    pub pipeline: Pipeline,
}

impl Query {
    /// Whether the search starts by reading events (not `| makeresults`,
    /// `| inputlookup` or another generating command): a run over no
    /// events is then worth a warning.
    pub fn reads_events(&self) -> bool {
        matches!(
            self.pipeline.commands.first().map(|c| &c.args),
            Some(
                CommandArgs::Search(_)
                    | CommandArgs::Mstats(_)
                    | CommandArgs::Metasearch(_)
                    | CommandArgs::Searchtxn(_)
            )
        ) || matches!(
            self.pipeline.commands.first().map(|c| &c.args),
            Some(CommandArgs::Savedsearch(s)) if s.pipeline.as_ref().is_some_and(|p| matches!(
                p.commands.first().map(|c| &c.args),
                Some(CommandArgs::Search(_) | CommandArgs::Mstats(_))
            ))
        )
    }
}

impl crate::commands::savedsearch::SavedSearchCompiler for Engine {
    fn saved_searches(&self) -> &crate::commands::savedsearch::SavedSearches {
        &self.saved_searches
    }

    fn compile_saved(
        &self,
        text: &str,
        name: &str,
        chain: &[String],
    ) -> std::result::Result<Pipeline, crate::commands::savedsearch::CompileFailure> {
        use crate::commands::savedsearch::CompileFailure;
        let text_failure = |d: &Diagnostic| CompileFailure::Text(brief(d));
        let expanded = self.expand(text, name).map_err(|d| text_failure(&d))?;
        let mut pipeline = syntax::parse(&expanded.text)
            .map_err(|e| text_failure(&Diagnostic::new(e, &expanded.map)))?;
        self.lower_at(&mut pipeline, chain).map_err(|e| match e {
            Error::BadArgument {
                ref command,
                ref message,
                ..
            } if command == "savedsearch" => CompileFailure::Nested(message.clone()),
            e => text_failure(&Diagnostic::new(e, &expanded.map)),
        })?;
        Ok(pipeline)
    }
}

/// An error in a saved search's text, on one line: the message and where.
fn brief(d: &Diagnostic) -> String {
    match &d.location {
        Some(at) => format!(
            "{} (line {}, column {} of its search{})",
            d.error,
            at.line,
            at.column,
            d.source_line
                .as_deref()
                .map(|l| format!(": `{}`", l.trim()))
                .unwrap_or_default()
        ),
        None => d.error.to_string(),
    }
}

/// Events read from sources, newest first, with what went wrong reading them.
#[derive(Debug, Clone, Default)]
pub struct LoadedEvents {
    /// The events, in descending `_time` order (ties keep input order).
    pub events: Vec<Event>,
    /// Lines that were not valid JSON.
    pub malformed: Vec<Malformed>,
    /// Events with no recognisable timestamp.
    pub untimed: usize,
    /// Knowledge that applies but cannot run, to show once.
    pub notices: Vec<String>,
}

/// Event types and tags, compiled once per engine.
#[derive(Debug)]
struct CompiledKnowledge {
    event_types: Arc<CompiledEventTypes>,
    tags: Arc<CompiledTags>,
    warnings: Vec<ConfWarning>,
    apps: Arc<crate::knowledge::app_files::SearchApps>,
}

/// What a search produced.
#[derive(Debug, Clone, Default)]
pub struct SearchResults {
    /// The result rows, in order.
    pub rows: Vec<Event>,
    /// Field names in display order.
    pub columns: Vec<String>,
    /// Warnings that did not stop the search (macro fallbacks, truncations,
    /// ignored time modifiers).
    pub notices: Vec<String>,
}

impl Engine {
    /// An engine with spelunk's bundled macros, lookups and knowledge
    /// (the apps under `props/`), in UTC.
    pub fn new() -> Result<Self> {
        let mut engine = Engine::empty();
        engine
            .macros
            .load_conf_str(BUNDLED_MACROS, "<bundled>/macros.conf")?;
        engine.lookups = LookupRegistry::bundled()?;
        engine.app_targets().load_bundled()?;
        Ok(engine)
    }

    fn app_targets(&mut self) -> AppTargets<'_> {
        self.compiled = OnceLock::new();
        AppTargets {
            knowledge: &mut self.knowledge,
            macros: &mut self.macros,
            lookups: &mut self.lookups,
            datamodels: &mut self.datamodels,
            saved_searches: &mut self.saved_searches,
        }
    }

    /// Adds a Splunk app folder as installed (`default/`, then `local/`
    /// props, transforms, event types, tags, macros and KV-store
    /// collections, and its `lookups/`); it wins over what was loaded
    /// before.
    pub fn with_app(mut self, dir: &Path) -> Result<Self> {
        self.app_targets().load_app_dir(dir)?;
        Ok(self)
    }

    /// Like [`Engine::with_app`], saying what was found.
    pub fn add_app(&mut self, dir: &Path) -> Result<AppSummary> {
        self.app_targets().load_app_dir(dir)
    }

    /// An engine with nothing bundled.
    pub fn empty() -> Self {
        Engine {
            macros: MacroSet::new(),
            lookups: LookupRegistry::new(),
            knowledge: Knowledge::new(),
            datamodels: DataModels::new(),
            saved_searches: crate::commands::savedsearch::SavedSearches::new(),
            compiled: OnceLock::new(),
            tz: chrono_tz::UTC,
            strict: false,
            limits: Limits::default(),
            expand_limits: ExpandLimits::default(),
            output_lookups: None,
            geoip: None,
            threads: 0,
            prefilter: true,
            chunk_bytes: DEFAULT_CHUNK_BYTES,
            path_warnings: Vec::new(),
            progress: None,
        }
    }

    /// Tells `progress` the bytes of event files read so far, as they are
    /// read (for a progress bar).
    pub fn with_progress(mut self, progress: Progress) -> Self {
        self.progress = Some(progress);
        self
    }

    pub(crate) fn report_file_read(&self, source: &EventSource) {
        if let (Some(p), Some(path)) = (&self.progress, &source.path) {
            if let Ok(meta) = std::fs::metadata(path) {
                p.add(meta.len());
            }
        }
    }

    /// Sets how many threads read and filter events in
    /// [`Engine::run_sources`] (0, the default: one per core; at most
    /// [`MAX_THREADS`], more is taken as that). Results do not depend on it.
    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = threads.min(MAX_THREADS);
        self
    }

    /// Turns the raw pre-filter (skipping NDJSON lines that lack a literal
    /// the leading search needs, before parsing them) on (default) or off.
    /// Results do not depend on it.
    pub fn with_prefilter(mut self, prefilter: bool) -> Self {
        self.prefilter = prefilter;
        self
    }

    /// Sets the size of the chunks NDJSON files are read in (default 1 MiB;
    /// tiny values are for tests). Results do not depend on it.
    pub fn with_chunk_bytes(mut self, bytes: usize) -> Self {
        self.chunk_bytes = bytes.max(1);
        self
    }

    /// Adds macro definitions from a `macros.conf`, a security_content macro
    /// YAML, or a folder of them; they win over earlier ones on a name clash.
    pub fn with_macros_path(mut self, path: &Path) -> Result<Self> {
        // A file that is not a macro file is an error already; a folder
        // (or a macros.conf) that defines nothing is a warning naming it.
        if self.macros.load_path(path)? == 0 {
            self.path_warnings.push(ConfWarning {
                file: path.display().to_string(),
                line: 0,
                message:
                    "defines no macro (expected macros.conf stanzas or security_content macro YAML)"
                        .to_string(),
            });
        }
        self.compiled = OnceLock::new();
        Ok(self)
    }

    /// Adds lookups from a folder (transforms.conf, lookup YAML, CSV files)
    /// or one such file.
    pub fn with_lookups_path(mut self, path: &Path) -> Result<Self> {
        // A path that adds nothing is most likely a mistake the user would
        // otherwise never see (the search then says the lookup is missing).
        if self.lookups.load_path(path)? == 0 {
            let message = if path.is_dir() {
                "no lookup found in this folder (expected transforms.conf, lookup YAML, or .csv, .csv.gz, .json tables)"
            } else {
                "not used as a lookup: expected a transforms.conf with `filename`/`collection` stanzas, a lookup YAML, or a .csv, .csv.gz or .json table"
            };
            self.path_warnings.push(ConfWarning {
                file: path.display().to_string(),
                line: 0,
                message: message.to_string(),
            });
        }
        Ok(self)
    }

    /// Adds sourcetype settings from a props.conf or a folder of them.
    pub fn with_props_path(mut self, path: &Path) -> Result<Self> {
        self.knowledge.props.load_path(path)?;
        Ok(self)
    }

    /// Sets the time zone used to read and format times (default UTC).
    pub fn with_time_zone(mut self, tz: chrono_tz::Tz) -> Self {
        self.tz = tz;
        self
    }

    /// Makes a malformed event line an error instead of a counted warning.
    pub fn with_strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Lets `outputlookup` write CSV files into `dir` (and only there).
    pub fn with_output_lookups(mut self, dir: &Path) -> Self {
        self.output_lookups = Some(dir.to_path_buf());
        self
    }

    /// Gives `iplocation` a MaxMind `.mmdb` database.
    pub fn with_geoip(mut self, path: &Path) -> Self {
        self.geoip = Some(path.to_path_buf());
        self
    }

    /// Sets the search limits.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Keeps about `bytes` (estimated) of rows in memory while they wait
    /// for newest-first order, and the rest in a temporary file
    /// ([`Limits::spill_bytes`]; 0 spills every row).
    pub fn with_spill_bytes(mut self, bytes: u64) -> Self {
        self.limits.spill_bytes = bytes;
        self
    }

    /// Sets each search's memory budget, in bytes (default 2 GiB): a
    /// command that would hold more fails with
    /// [`Error::MemoryBudget`](crate::Error::MemoryBudget) (see
    /// [`crate::exec::memory`]).
    pub fn with_max_memory(mut self, bytes: u64) -> Self {
        self.limits.max_memory = bytes;
        self
    }

    /// The lookups this engine reads.
    pub fn lookups(&self) -> &LookupRegistry {
        &self.lookups
    }

    /// The macro definitions, for adding more programmatically.
    pub fn macros_mut(&mut self) -> &mut MacroSet {
        self.compiled = OnceLock::new();
        &mut self.macros
    }

    /// The lookups, for adding more programmatically.
    pub fn lookups_mut(&mut self) -> &mut LookupRegistry {
        &mut self.lookups
    }

    /// The sourcetype settings, for adding more programmatically.
    pub fn props_mut(&mut self) -> &mut Props {
        &mut self.knowledge.props
    }

    /// The knowledge layer (props, transforms, event types, tags).
    pub fn knowledge(&self) -> &Knowledge {
        &self.knowledge
    }

    /// The knowledge layer, for adding more programmatically.
    pub fn knowledge_mut(&mut self) -> &mut Knowledge {
        self.compiled = OnceLock::new();
        &mut self.knowledge
    }

    fn compiled(&self) -> &Arc<CompiledKnowledge> {
        self.compiled.get_or_init(|| {
            let (event_types, warnings) = self
                .knowledge
                .event_types
                .compile(&self.macros, &self.expand_limits);
            Arc::new(CompiledKnowledge {
                event_types: Arc::new(event_types),
                tags: Arc::new(self.knowledge.compile_tags()),
                warnings,
                apps: Arc::new(crate::knowledge::app_files::SearchApps {
                    files: self.knowledge.app_files.clone(),
                    datamodels: self.datamodels.clone(),
                }),
            })
        })
    }

    /// The knowledge as the event readers use it.
    pub fn knowledge_view(&self) -> KnowledgeView<'_> {
        let compiled = self.compiled();
        KnowledgeView {
            knowledge: &self.knowledge,
            lookups: &self.lookups,
            event_types: Arc::clone(&compiled.event_types),
            tags: Arc::clone(&compiled.tags),
        }
    }

    /// The knowledge that applies to events of a sourcetype, source and
    /// host.
    pub fn source_knowledge(&self, meta: SourceMeta<'_>) -> SourcetypeProps {
        self.knowledge_view().resolve(meta)
    }

    /// Settings of the loaded knowledge that do not run as written, or are
    /// unknown, each with its file and line.
    pub fn knowledge_warnings(&self) -> Vec<ConfWarning> {
        let mut out = self.path_warnings.clone();
        out.extend(self.knowledge.warnings());
        out.extend(self.compiled().warnings.iter().cloned());
        out
    }

    /// Expands macros in a search without parsing it (`spelunk expand`).
    pub fn expand(&self, text: &str, name: &str) -> Result<Expanded, Diagnostic> {
        expand::expand(text, name, &self.macros, &self.expand_limits).map_err(|e| {
            let map = crate::source::SourceMap::identity(name, text);
            Diagnostic::new(e, &map)
        })
    }

    /// Expands macro calls in `text` with `macros` in place of the engine's
    /// own definitions (the linter adds stand-ins for undefined macros).
    pub fn expand_with(
        &self,
        macros: &MacroSet,
        text: &str,
        name: &str,
    ) -> Result<Expanded, Diagnostic> {
        expand::expand(text, name, macros, &self.expand_limits).map_err(|e| {
            let map = crate::source::SourceMap::identity(name, text);
            Diagnostic::new(e, &map)
        })
    }

    /// The loaded data models.
    pub fn datamodels(&self) -> &DataModels {
        &self.datamodels
    }

    /// Replaces a leading `tstats`, `datamodel` or `from datamodel:` (in the
    /// search and its subsearches) by the plain pipeline over raw events it
    /// stands for ([`crate::datamodel::lower`]).
    pub fn lower(&self, pipeline: &mut Pipeline) -> Result<()> {
        self.lower_at(pipeline, &[])
    }

    /// [`Engine::lower`], then each `savedsearch` compiled into the
    /// pipeline it runs (`chain`: the saved searches around it).
    fn lower_at(&self, pipeline: &mut Pipeline, chain: &[String]) -> Result<()> {
        crate::datamodel::lower::lower_pipeline(pipeline, &self.lower_context())?;
        crate::commands::savedsearch::resolve(pipeline, self, chain)
    }

    /// The fields a `tstats` over a data model reads that its dataset (and
    /// the datasets below it) lacks: null on every event, as in a summary.
    /// Empty for a `tstats` without `FROM datamodel=`.
    pub fn tstats_unknown_fields(
        &self,
        tstats: &crate::commands::tstats::Tstats,
    ) -> Result<Vec<String>> {
        crate::datamodel::lower::tstats_unknown_fields(tstats, &self.lower_context())
    }

    /// What lowering data model commands reads: the models, macros and
    /// expansion limits.
    fn lower_context(&self) -> crate::datamodel::lower::LowerContext<'_> {
        crate::datamodel::lower::LowerContext {
            models: &self.datamodels,
            macros: &self.macros,
            limits: &self.expand_limits,
        }
    }

    /// The saved searches of the loaded apps.
    pub fn saved_searches(&self) -> &crate::commands::savedsearch::SavedSearches {
        &self.saved_searches
    }

    /// The macro definitions.
    pub fn macros(&self) -> &MacroSet {
        &self.macros
    }

    /// Expands and parses a search. `name` names the text in error messages
    /// (a file path, or `<search>`).
    pub fn compile(&self, text: &str, name: &str) -> Result<Query, Diagnostic> {
        let expanded = self.expand(text, name)?;
        let mut pipeline =
            syntax::parse(&expanded.text).map_err(|e| Diagnostic::new(e, &expanded.map))?;
        self.lower(&mut pipeline)
            .map_err(|e| Diagnostic::new(e, &expanded.map))?;
        Ok(Query { expanded, pipeline })
    }

    /// Reads events from sources and orders them newest first.
    pub fn load_events(&self, sources: &[EventSource]) -> Result<LoadedEvents> {
        self.load_each(sources, &mut |_, _, _| {})
    }

    /// [`Engine::load_events`], also saying what each file gave (for
    /// `--explain`): events, their sourcetypes, malformed and untimed
    /// lines, and the timestamp settings when some events had no time.
    pub fn load_events_explained(
        &self,
        sources: &[EventSource],
    ) -> Result<(LoadedEvents, Vec<FileSummary>)> {
        let mut files = Vec::new();
        let loaded = self.load_each(sources, &mut |source, events, report| {
            files.push(self.file_summary(source, events, report));
        })?;
        Ok((loaded, files))
    }

    fn file_summary(
        &self,
        source: &EventSource,
        events: &[Event],
        report: &events::ReadReport,
    ) -> FileSummary {
        let text = |e: &Event, name: &str| e.get(name).map(|v| v.to_text().into_owned());
        let mut sourcetypes: std::collections::BTreeMap<String, usize> = Default::default();
        for e in events {
            *sourcetypes
                .entry(text(e, "sourcetype").unwrap_or_default())
                .or_insert(0) += 1;
        }
        let timestamp_note = (report.untimed > 0).then(|| {
            let main = sourcetypes
                .iter()
                .max_by_key(|(_, n)| **n)
                .map(|(s, _)| s.clone())
                .unwrap_or_else(|| source.sourcetype.clone());
            let first = events.first();
            let source_name = first.and_then(|e| text(e, "source")).unwrap_or_default();
            let host = first.and_then(|e| text(e, "host")).unwrap_or_default();
            self.timestamp_note(&main, &source_name, &host)
        });
        FileSummary {
            name: source
                .path
                .as_ref()
                .map_or_else(|| "<stdin>".to_string(), |p| p.display().to_string()),
            events: events.len(),
            sourcetypes,
            malformed: report.malformed.len(),
            untimed: report.untimed,
            timestamp_note,
        }
    }

    /// Which settings looked for the timestamp of events of `sourcetype`
    /// (for events that had none).
    fn timestamp_note(&self, sourcetype: &str, source: &str, host: &str) -> String {
        let k = self.source_knowledge(SourceMeta {
            sourcetype,
            source,
            host,
        });
        let mut parts = Vec::new();
        if !k.timestamp_fields.is_empty() {
            parts.push(format!(
                "TIMESTAMP_FIELDS = {}",
                k.timestamp_fields.join(",")
            ));
        }
        for s in &k.index_settings {
            if matches!(
                s.key.as_str(),
                "TIME_PREFIX" | "TIME_FORMAT" | "MAX_TIMESTAMP_LOOKAHEAD"
            ) {
                parts.push(format!(
                    "{} = {} ({})",
                    s.key,
                    s.value,
                    crate::error::file_location(&s.file, s.line)
                ));
            }
        }
        let fallback =
            "those events took the previous event's time, else the file's modification time";
        if parts.is_empty() {
            format!("sourcetype {sourcetype} sets no TIME_PREFIX, TIME_FORMAT or TIMESTAMP_FIELDS: no timestamp was recognised where one was looked for; {fallback}")
        } else {
            format!(
                "sourcetype {sourcetype} looks for the timestamp with {}: not found; {fallback}",
                parts.join(", ")
            )
        }
    }

    /// Reads each source in turn, telling `per_file` what it gave, and
    /// orders the events newest first.
    fn load_each(
        &self,
        sources: &[EventSource],
        per_file: &mut dyn FnMut(&EventSource, &[Event], &events::ReadReport),
    ) -> Result<LoadedEvents> {
        let mut loaded = LoadedEvents::default();
        let opts = self.read_options();
        if let Some(p) = &self.progress {
            p.restart();
        }
        for source in sources {
            let start = loaded.events.len();
            let report = events::read_source(source, &opts, &mut |e| loaded.events.push(e))?;
            self.report_file_read(source);
            per_file(source, &loaded.events[start..], &report);
            loaded.malformed.extend(report.malformed);
            loaded.untimed += report.untimed;
            for notice in report.notices {
                if !loaded.notices.contains(&notice) {
                    loaded.notices.push(notice);
                }
            }
        }
        sort_newest_first(&mut loaded.events);
        Ok(loaded)
    }

    /// Reads events from text in memory (any format `load_events` reads),
    /// ordered newest first; `name` names the text in malformed-line reports.
    pub fn read_events_str(
        &self,
        text: &str,
        name: &str,
        source: &EventSource,
    ) -> Result<LoadedEvents> {
        let opts = self.read_options();
        let mut loaded = LoadedEvents::default();
        let report = events::read_str(text, name, source, &opts, &mut |e| loaded.events.push(e))?;
        loaded.malformed = report.malformed;
        loaded.untimed = report.untimed;
        loaded.notices = report.notices;
        sort_newest_first(&mut loaded.events);
        Ok(loaded)
    }

    pub(crate) fn read_options(&self) -> ReadOptions<'_> {
        ReadOptions {
            knowledge: self.knowledge_view(),
            tz: self.tz,
            strict: self.strict,
            max_bytes: self.limits.max_memory,
        }
    }

    pub(crate) fn context<'a>(&'a self, events: &'a [Event], now: f64) -> Context<'a> {
        Context {
            events,
            lookups: &self.lookups,
            tz: self.tz,
            limits: &self.limits,
            notices: RefCell::new(Vec::new()),
            now,
            output_lookups: self.output_lookups.as_deref(),
            geoip: self.geoip.as_deref(),
            prepared: Default::default(),
            knowledge: crate::exec::SearchKnowledge {
                event_types: Arc::clone(&self.compiled().event_types),
                tags: Arc::clone(&self.compiled().tags),
                apps: Arc::clone(&self.compiled().apps),
            },
            memory: crate::exec::memory::MemoryBudget::new(self.limits.max_memory),
        }
    }

    /// Runs a compiled query over events that are already newest first.
    pub fn run_query(&self, query: &Query, events: &[Event]) -> Result<SearchResults, Diagnostic> {
        // Limit hits left by an earlier search that ended in an error.
        crate::regex_compat::take_limit_hits();
        self.run_loaded(query, events)
    }

    /// [`Engine::run_query`] after the events were loaded by this search
    /// (their regex limit hits are its own).
    fn run_loaded(&self, query: &Query, events: &[Event]) -> Result<SearchResults, Diagnostic> {
        // One `now` for the whole search, as in Splunk.
        let ctx = self.context(events, crate::eval::search_start_time());
        let rows = exec::run_pipeline(&query.pipeline, &ctx)
            .map_err(|e| Diagnostic::new(e, &query.expanded.map))?;
        Ok(self.results(query, rows, ctx))
    }

    pub(crate) fn results(
        &self,
        query: &Query,
        rows: Vec<Event>,
        ctx: Context<'_>,
    ) -> SearchResults {
        let columns = result_columns(&query.pipeline, &rows);
        let mut notices: Vec<String> = query
            .expanded
            .notices
            .iter()
            .map(|n| n.message.clone())
            .collect();
        notices.extend(ctx.notices.into_inner());
        // A regex that gave up counted as no match: say so, once per regex.
        notices.extend(
            crate::regex_compat::take_limit_hits()
                .iter()
                .map(|p| crate::regex_compat::limit_hit_notice(p)),
        );
        SearchResults {
            rows,
            columns,
            notices,
        }
    }

    /// Reads `sources` and runs a compiled query over them, streaming when it
    /// can: plain NDJSON files are read in chunks on [several
    /// threads](Engine::with_threads), only the fields the search can see
    /// are extracted, lines are [pre-filtered](Engine::with_prefilter), and
    /// a leading run of streaming commands (`search`, `where`, `eval`, ...)
    /// runs per chunk, followed by partial `stats` when its functions do not
    /// depend on event order. The results are those of
    /// [`Engine::load_events`] followed by [`Engine::run_query`], which is
    /// what runs otherwise (other formats, stdin, pipelines over the events
    /// inside other commands). A subsearch that reads events runs first,
    /// itself through this method, so it does not stop the outer search
    /// streaming.
    pub fn run_sources(
        &self,
        query: &Query,
        sources: &[EventSource],
    ) -> Result<RunOutput, Diagnostic> {
        crate::regex_compat::take_limit_hits();
        if let Some(out) = self.run_streaming(query, sources, None)? {
            return Ok(out);
        }
        self.run_plain(query, sources, None)
    }

    /// Reads every event of `sources`, then runs `query` over them,
    /// collecting the rows or, with a `sink`, handing them on as they come.
    fn run_plain(
        &self,
        query: &Query,
        sources: &[EventSource],
        sink: Option<&mut RowSink<'_>>,
    ) -> Result<RunOutput, Diagnostic> {
        let loaded = self.load_events(sources)?;
        let mut results = match sink {
            None => self.run_loaded(query, &loaded.events)?,
            Some(sink) => {
                let ctx = self.context(&loaded.events, crate::eval::search_start_time());
                exec::run_pipeline_to(&query.pipeline, &ctx, sink)
                    .map_err(|e| Diagnostic::new(e, &query.expanded.map))?;
                self.results(query, Vec::new(), ctx)
            }
        };
        results.notices.splice(0..0, loaded.notices);
        Ok(RunOutput {
            results,
            events: loaded.events.len(),
            malformed: loaded.malformed,
            untimed: loaded.untimed,
        })
    }

    /// [`Engine::run_sources`], handing each result row to `sink` as it is
    /// produced instead of collecting them: the returned
    /// [`RunOutput`]'s rows are empty (its columns are those a final
    /// `table` names). On the streaming path nothing but the rows held for
    /// newest-first order is kept, and those go to a temporary file past
    /// [`Limits::spill_bytes`], so `search *` over a file larger than
    /// memory runs in bounded memory. An error from `sink` stops the
    /// search and is returned.
    pub fn run_sources_to(
        &self,
        query: &Query,
        sources: &[EventSource],
        sink: &mut RowSink<'_>,
    ) -> Result<RunOutput, Diagnostic> {
        crate::regex_compat::take_limit_hits();
        if let Some(out) = self.run_streaming(query, sources, Some(&mut *sink))? {
            return Ok(out);
        }
        self.run_plain(query, sources, Some(sink))
    }

    /// [`Engine::run_sources`] with an [`Explain`]: the events read per
    /// file, the expanded search, the rows after each command and the
    /// fields no event carries. It reads every file, then runs the pipeline
    /// once with a counter after each command (the plain path, whose rows
    /// the streaming path is held equal to). A search error is returned
    /// inside, beside the explanation of how far it got; an error reading
    /// the events is the outer error.
    pub fn run_sources_explained(
        &self,
        query: &Query,
        sources: &[EventSource],
    ) -> Result<(Result<RunOutput, Diagnostic>, Explain), Diagnostic> {
        crate::regex_compat::take_limit_hits();
        let (loaded, files) = self.load_events_explained(sources)?;
        let (results, mut explain) = self.explain_loaded(query, &loaded.events);
        explain.files = files;
        let out = results.map(|mut results| {
            results.notices.splice(0..0, loaded.notices);
            RunOutput {
                results,
                events: loaded.events.len(),
                malformed: loaded.malformed,
                untimed: loaded.untimed,
            }
        });
        Ok((out, explain))
    }

    /// [`Engine::run_query`] with an [`Explain`] (its `files` left empty:
    /// the caller read the events, see [`Engine::load_events_explained`]).
    pub fn run_query_explained(
        &self,
        query: &Query,
        events: &[Event],
    ) -> (Result<SearchResults, Diagnostic>, Explain) {
        crate::regex_compat::take_limit_hits();
        self.explain_loaded(query, events)
    }

    fn explain_loaded(
        &self,
        query: &Query,
        events: &[Event],
    ) -> (Result<SearchResults, Diagnostic>, Explain) {
        let ctx = self.context(events, crate::eval::search_start_time());
        let text = &query.expanded.text;
        let mut explain = Explain {
            expanded: text.clone(),
            missing_fields: explain::missing_fields(&query.pipeline, text, events, &self.knowledge),
            ..Explain::default()
        };
        if exec::reads_events(&query.pipeline) {
            explain.events_in = Some(events.len());
        }
        // A counter after each command, in order.
        let mut tallies = Vec::new();
        let outcome = exec::run_pipeline_observed(&query.pipeline, &ctx, &mut |rows| {
            let (rows, tally) = explain::counted(rows);
            tallies.push(tally);
            rows
        });
        explain.stages = explain::stages(&query.pipeline, text, &tallies);
        match outcome {
            Ok(rows) => (Ok(self.results(query, rows, ctx)), explain),
            Err(e) => {
                let diagnostic = Diagnostic::new(e, &query.expanded.map);
                explain.error = Some(diagnostic.error.to_string());
                (Err(diagnostic), explain)
            }
        }
    }

    pub(crate) fn thread_count(&self) -> usize {
        match self.threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
        .min(MAX_THREADS)
    }

    /// Compiles `text` and runs it over `events` (sorted newest first here).
    pub fn run_events(
        &self,
        text: &str,
        mut events: Vec<Event>,
    ) -> Result<SearchResults, Diagnostic> {
        let query = self.compile(text, "<search>")?;
        sort_newest_first(&mut events);
        self.run_query(&query, &events)
    }

    /// The one-call runner for embedders: compiles `query` and runs it over
    /// events given as text in any format [`Engine::load_events`] reads
    /// (NDJSON, a JSON array, Windows XML, ...), sourcetype recognised from
    /// the content. A malformed event is an error naming its line, so nothing
    /// is lost silently.
    ///
    /// ```
    /// let engine = spelunk::Engine::new().expect("the bundled knowledge loads");
    /// let out = engine
    ///     .run_str("user=bob | stats count", "{\"user\":\"bob\"}\n{\"user\":\"eve\"}\n")
    ///     .expect("runs");
    /// assert_eq!(out.rows[0].get("count").map(|v| v.to_text().into_owned()), Some("1".into()));
    /// ```
    pub fn run_str(&self, query: &str, events: &str) -> Result<SearchResults, Diagnostic> {
        let query = self.compile(query, "<search>")?;
        let loaded = self.read_events_str(events, "<events>", &EventSource::default())?;
        if let Some(m) = loaded.malformed.first() {
            return Err(Diagnostic::plain(Error::MalformedEvent {
                file: m.file.clone(),
                line: m.line,
                message: m.reason.clone(),
            }));
        }
        self.run_query(&query, &loaded.events)
    }

    /// Compiles `text`, reads `sources` and runs the search.
    pub fn run(&self, text: &str, sources: &[EventSource]) -> Result<SearchResults, Diagnostic> {
        let query = self.compile(text, "<search>")?;
        Ok(self.run_sources(&query, sources)?.results)
    }
}

/// Where [`Engine::run_sources_to`] hands each result row.
pub type RowSink<'s> = dyn FnMut(Event) -> Result<()> + 's;

/// What [`Engine::run_sources`] produced.
#[derive(Debug, Clone, Default)]
pub struct RunOutput {
    /// The search results.
    pub results: SearchResults,
    /// Events read (valid lines, including those the pre-filter skipped).
    pub events: usize,
    /// Lines that were not valid JSON.
    pub malformed: Vec<Malformed>,
    /// Events with no recognisable timestamp (among those flattened: the
    /// pre-filter skips lines without looking for their time).
    pub untimed: usize,
}

/// Display columns: a final `table` fixes them (even for fields no row has);
/// otherwise every field of every row in a consistent order.
fn result_columns(pipeline: &Pipeline, rows: &[Event]) -> Vec<String> {
    let union = exec::columns(rows);
    let Some(CommandArgs::Table(table)) = pipeline.commands.last().map(|c| &c.args) else {
        return union;
    };
    let mut out: Vec<String> = Vec::new();
    // A set beside the list: `table *` may list 100,000 columns.
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    for name in &table.names {
        if name.contains('*') {
            let g = Glob::new(name, true);
            for c in union.iter().filter(|c| g.matches(c)) {
                if seen.insert(c.clone()) {
                    out.push(c.clone());
                }
            }
        } else if seen.insert(name.clone()) {
            out.push(name.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_str_runs_over_text_and_refuses_a_malformed_line() {
        let engine = Engine::new().expect("the bundled knowledge loads");
        let out = engine
            .run_str(
                "* | stats count by user",
                "{\"user\":\"bob\",\"_time\":2}\n{\"user\":\"bob\",\"_time\":1}\n",
            )
            .expect("runs");
        assert_eq!(out.rows.len(), 1);
        assert_eq!(
            out.rows[0].get("count").map(|v| v.to_text().into_owned()),
            Some("2".to_string())
        );
        let err = engine
            .run_str("* | stats count", "{\"user\":\"bob\"}\n{oops\n")
            .expect_err("a malformed line is an error");
        assert!(err.to_string().contains("<events>:2"), "{err}");
    }

    #[test]
    fn event_source_builders_set_each_field() {
        let src = EventSource::file("a.json")
            .with_sourcetype("st")
            .with_source("s")
            .with_host("h")
            .with_index("i");
        assert_eq!(src.path.as_deref(), Some(std::path::Path::new("a.json")));
        assert_eq!(
            (
                src.sourcetype.as_str(),
                src.source.as_deref(),
                src.host.as_deref(),
                src.index.as_deref()
            ),
            ("st", Some("s"), Some("h"), Some("i"))
        );
        assert!(EventSource::default().path.is_none());
    }
}
