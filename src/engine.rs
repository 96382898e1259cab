//! The embedding API: an [`Engine`] holds macros, lookups, sourcetype props
//! and settings; it compiles search text and runs it over events.

use std::cell::RefCell;
use std::path::Path;

use crate::commands::CommandArgs;
use crate::diagnostic::Diagnostic;
use crate::error::Result;
use crate::event::Event;
use crate::events::{self, EventSource, Malformed, ReadOptions};
use crate::exec::{self, matcher::Glob, Context, Limits};
use crate::expand::{self, ExpandLimits, Expanded, MacroSet};
use crate::lookup::LookupRegistry;
use crate::props::Props;
use crate::syntax::{self, ast::Pipeline};

/// Bundled `macros/macros.conf`.
const BUNDLED_MACROS: &str = include_str!("../macros/macros.conf");
/// Bundled `props/props.conf`.
const BUNDLED_PROPS: &str = include_str!("../props/props.conf");

/// Runs SPL searches. Build one with [`Engine::new`] (bundled defaults) and
/// the `with_*` methods, then call [`Engine::run`].
#[derive(Debug, Clone)]
pub struct Engine {
    macros: MacroSet,
    lookups: LookupRegistry,
    props: Props,
    tz: chrono_tz::Tz,
    strict: bool,
    limits: Limits,
    expand_limits: ExpandLimits,
    output_lookups: Option<std::path::PathBuf>,
    geoip: Option<std::path::PathBuf>,
}

/// A search that has been expanded and parsed, ready to run.
#[derive(Debug, Clone)]
pub struct Query {
    /// The macro-expanded text and its map back to the user's text.
    pub expanded: Expanded,
    /// The parsed pipeline.
    pub pipeline: Pipeline,
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
    /// An engine with spelunk's bundled macros, lookups and props, in UTC.
    pub fn new() -> Result<Self> {
        let mut engine = Engine::empty();
        engine
            .macros
            .load_conf_str(BUNDLED_MACROS, "<bundled>/macros.conf")?;
        engine.lookups = LookupRegistry::bundled()?;
        engine
            .props
            .load_str(BUNDLED_PROPS, "<bundled>/props.conf")?;
        Ok(engine)
    }

    /// An engine with nothing bundled.
    pub fn empty() -> Self {
        Engine {
            macros: MacroSet::new(),
            lookups: LookupRegistry::new(),
            props: Props::new(),
            tz: chrono_tz::UTC,
            strict: false,
            limits: Limits::default(),
            expand_limits: ExpandLimits::default(),
            output_lookups: None,
            geoip: None,
        }
    }

    /// Adds macro definitions from a `macros.conf`, a security_content macro
    /// YAML, or a folder of them; they win over earlier ones on a name clash.
    pub fn with_macros_path(mut self, path: &Path) -> Result<Self> {
        self.macros.load_path(path)?;
        Ok(self)
    }

    /// Adds lookups from a folder (transforms.conf, lookup YAML, CSV files)
    /// or one such file.
    pub fn with_lookups_path(mut self, path: &Path) -> Result<Self> {
        self.lookups.load_path(path)?;
        Ok(self)
    }

    /// Adds sourcetype settings from a props.conf or a folder of them.
    pub fn with_props_path(mut self, path: &Path) -> Result<Self> {
        self.props.load_path(path)?;
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

    /// The lookups this engine reads.
    pub fn lookups(&self) -> &LookupRegistry {
        &self.lookups
    }

    /// The macro definitions, for adding more programmatically.
    pub fn macros_mut(&mut self) -> &mut MacroSet {
        &mut self.macros
    }

    /// The lookups, for adding more programmatically.
    pub fn lookups_mut(&mut self) -> &mut LookupRegistry {
        &mut self.lookups
    }

    /// The sourcetype settings, for adding more programmatically.
    pub fn props_mut(&mut self) -> &mut Props {
        &mut self.props
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

    /// The macro definitions.
    pub fn macros(&self) -> &MacroSet {
        &self.macros
    }

    /// Expands and parses a search. `name` names the text in error messages
    /// (a file path, or `<search>`).
    pub fn compile(&self, text: &str, name: &str) -> Result<Query, Diagnostic> {
        let expanded = self.expand(text, name)?;
        let pipeline =
            syntax::parse(&expanded.text).map_err(|e| Diagnostic::new(e, &expanded.map))?;
        Ok(Query { expanded, pipeline })
    }

    /// Reads events from sources and orders them newest first.
    pub fn load_events(&self, sources: &[EventSource]) -> Result<LoadedEvents> {
        let mut loaded = LoadedEvents::default();
        let opts = ReadOptions {
            props: &self.props,
            tz: self.tz,
            strict: self.strict,
        };
        for source in sources {
            self.props
                .sourcetype(&source.sourcetype)
                .check_supported()?;
            let report = events::read_source(source, &opts, &mut |e| loaded.events.push(e))?;
            loaded.malformed.extend(report.malformed);
            loaded.untimed += report.untimed;
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
        let opts = ReadOptions {
            props: &self.props,
            tz: self.tz,
            strict: self.strict,
        };
        self.props
            .sourcetype(&source.sourcetype)
            .check_supported()?;
        let mut loaded = LoadedEvents::default();
        let report = events::read_str(text, name, source, &opts, &mut |e| loaded.events.push(e))?;
        loaded.malformed = report.malformed;
        loaded.untimed = report.untimed;
        sort_newest_first(&mut loaded.events);
        Ok(loaded)
    }

    /// Runs a compiled query over events that are already newest first.
    pub fn run_query(&self, query: &Query, events: &[Event]) -> Result<SearchResults, Diagnostic> {
        let ctx = Context {
            events,
            lookups: &self.lookups,
            tz: self.tz,
            limits: &self.limits,
            notices: RefCell::new(Vec::new()),
            // One `now` for the whole search, as in Splunk.
            now: crate::eval::search_start_time(),
            output_lookups: self.output_lookups.as_deref(),
            geoip: self.geoip.as_deref(),
        };
        let rows = exec::run_pipeline(&query.pipeline, &ctx)
            .map_err(|e| Diagnostic::new(e, &query.expanded.map))?;
        let columns = result_columns(&query.pipeline, &rows);
        let mut notices: Vec<String> = query
            .expanded
            .notices
            .iter()
            .map(|n| n.message.clone())
            .collect();
        notices.extend(ctx.notices.into_inner());
        Ok(SearchResults {
            rows,
            columns,
            notices,
        })
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

    /// Compiles `text`, reads `sources` and runs the search.
    pub fn run(&self, text: &str, sources: &[EventSource]) -> Result<SearchResults, Diagnostic> {
        let query = self.compile(text, "<search>")?;
        let loaded = self.load_events(sources).map_err(Diagnostic::plain)?;
        self.run_query(&query, &loaded.events)
    }
}

/// Orders events by descending `_time`, as a Splunk search returns them;
/// events without a time go last; ties keep their input order.
pub fn sort_newest_first(events: &mut [Event]) {
    events.sort_by(|a, b| match (a.time(), b.time()) {
        (Some(x), Some(y)) => y.partial_cmp(&x).unwrap_or(std::cmp::Ordering::Equal),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
}

/// Display columns: a final `table` fixes them (even for fields no row has);
/// otherwise every field of every row in a consistent order.
fn result_columns(pipeline: &Pipeline, rows: &[Event]) -> Vec<String> {
    let union = exec::columns(rows);
    let Some(CommandArgs::Table(table)) = pipeline.commands.last().map(|c| &c.args) else {
        return union;
    };
    let mut out: Vec<String> = Vec::new();
    for name in &table.names {
        if name.contains('*') {
            let g = Glob::new(name, true);
            for c in union.iter().filter(|c| g.matches(c)) {
                if !out.contains(c) {
                    out.push(c.clone());
                }
            }
        } else if !out.contains(name) {
            out.push(name.clone());
        }
    }
    out
}
