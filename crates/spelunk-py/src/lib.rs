//! Python bindings for spelunk (`spelunk._native`; the package `spelunk`
//! in `python/spelunk/` wraps it). Only the library's public API is used,
//! assembled as the CLI's `run` and `test` subcommands assemble it, so a
//! search gives the same rows, warnings and errors from Python as from
//! `spelunk run -o json`.
//!
//! The GIL is released while knowledge loads, events are read and the
//! search runs: everything Python-facing is converted before and after.

use std::path::{Path, PathBuf};

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};
use serde_json::Value as Json;
use spelunk::engine::{sort_newest_first, MAX_THREADS};
use spelunk::events::Malformed;
use spelunk::{testing, Diagnostic, Engine, EngineOptions, Error, ErrorCategory, EventSource};

create_exception!(
    spelunk,
    SpelunkError,
    PyException,
    "Any spelunk error; str(e) is the diagnostic the CLI prints."
);
create_exception!(
    spelunk,
    SearchError,
    SpelunkError,
    "The search is wrong: macro, syntax, unsupported command, function or option, data model (CLI exit 3)."
);
create_exception!(
    spelunk,
    ExecutionError,
    SpelunkError,
    "The search failed while running, or a lookup it uses did (CLI exit 4)."
);
create_exception!(
    spelunk,
    InputError,
    SpelunkError,
    "Events or configuration could not be read (CLI exit 5)."
);
create_exception!(
    spelunk,
    ResourceError,
    SpelunkError,
    "The search would hold more than its memory budget (CLI exit 6)."
);
create_exception!(
    spelunk,
    UsageError,
    SpelunkError,
    "The call itself is wrong, e.g. no search given (CLI exit 2)."
);

/// The CLI shows this many malformed lines, then a count of the rest.
const MALFORMED_SHOWN: usize = 20;

/// Name of the events given as dicts, in malformed-line reports and as
/// their default `source` (the CLI's stdin would say `stdin`).
const DICT_EVENTS: &str = "<events>";

/// One item of `events=`: a path (file, folder, archive) read as the CLI's
/// `-e` reads it, or NDJSON text the Python side made from dicts.
enum EventInput {
    Path(PathBuf),
    Json(String),
}

/// Knowledge and settings shared by `run` (as the CLI's flags).
struct Knowledge {
    macros: Vec<PathBuf>,
    lookups: Vec<PathBuf>,
    props: Vec<PathBuf>,
    apps: Vec<PathBuf>,
    geoip: Option<PathBuf>,
    output_lookups: Option<PathBuf>,
}

/// Where each event's metadata comes from (`--sourcetype`, `--source`, ...).
struct Metadata {
    sourcetype: Option<String>,
    source: Option<String>,
    host: Option<String>,
    index: Option<String>,
}

/// Everything `run` needs, owned, so it can run without the GIL.
struct RunRequest {
    search: Option<String>,
    file: Option<PathBuf>,
    events: Vec<EventInput>,
    metadata: Metadata,
    knowledge: Knowledge,
    tz: String,
    strict: bool,
    threads: usize,
    prefilter: bool,
    /// The memory budget as `--max-memory` takes it (`2G`, bytes).
    max_memory: String,
}

/// What a search gave, ready to become Python objects.
struct RunOutcome {
    columns: Vec<String>,
    rows: Vec<Json>,
    notices: Vec<String>,
    warnings: Vec<String>,
    events: usize,
}

/// The error's kind and the CLI exit code it maps to (the same mapping as
/// the CLI's, through [`Error::category`]).
fn classify(error: &Error) -> (&'static str, u8) {
    let exit_code = match error.category() {
        ErrorCategory::Search => 3,
        ErrorCategory::Execution => 4,
        ErrorCategory::Input => 5,
        ErrorCategory::Usage => 2,
        ErrorCategory::Resource => 6,
    };
    (error.kind(), exit_code)
}

/// A diagnostic as a Python exception: `str(e)` is the rendered text (the
/// message, `file:line:col`, the line and a caret), with the parts as
/// attributes: `message`, `kind`, `exit_code`, `file`, `line`, `column`,
/// `source_line`, `macro_chain` (None when unknown).
fn to_py_err(py: Python<'_>, diagnostic: &Diagnostic) -> PyErr {
    let (kind, exit_code) = classify(&diagnostic.error);
    let text = diagnostic.to_string();
    let err = match exit_code {
        3 => SearchError::new_err(text),
        4 => ExecutionError::new_err(text),
        5 => InputError::new_err(text),
        6 => ResourceError::new_err(text),
        _ => UsageError::new_err(text),
    };
    // The place: the search position when there is one, else the file and
    // line a configuration or event error names.
    let (file, line, column, chain) = match (&diagnostic.location, &diagnostic.error) {
        (Some(loc), _) => (
            Some(loc.name.clone()),
            Some(loc.line),
            Some(loc.column),
            loc.macro_chain.clone(),
        ),
        (None, Error::Config { file, line, .. } | Error::MalformedEvent { file, line, .. }) => (
            Some(file.clone()),
            (*line > 0).then_some(*line),
            None,
            Vec::new(),
        ),
        (None, Error::Io { path, .. }) => (Some(path.clone()), None, None, Vec::new()),
        (None, _) => (None, None, None, Vec::new()),
    };
    let value = err.value(py);
    let attrs = (|| -> PyResult<()> {
        value.setattr("message", diagnostic.error.to_string())?;
        value.setattr("kind", kind)?;
        value.setattr("exit_code", exit_code)?;
        value.setattr("file", file)?;
        value.setattr("line", line)?;
        value.setattr("column", column)?;
        value.setattr("source_line", diagnostic.source_line.clone())?;
        value.setattr("macro_chain", chain)?;
        Ok(())
    })();
    match attrs {
        Ok(()) => err,
        // Setting an attribute on a fresh exception cannot fail short of
        // memory exhaustion; raise that rather than lose it.
        Err(e) => e,
    }
}

/// The engine options for this knowledge, as the CLI's `run` fills them
/// from its flags (the caller sets the run settings).
fn engine_options(k: &Knowledge) -> EngineOptions {
    EngineOptions {
        apps: k.apps.clone(),
        macros: k.macros.clone(),
        lookups: k.lookups.clone(),
        props: k.props.clone(),
        output_lookups: k.output_lookups.clone(),
        geoip: k.geoip.clone(),
        ..EngineOptions::default()
    }
}

fn time_zone(name: &str) -> Result<chrono_tz::Tz, Diagnostic> {
    name.parse()
        .map_err(|_| Diagnostic::plain(Error::Usage(format!("unknown time zone `{name}`"))))
}

/// The search text and the name errors call it by, as `spelunk run`'s
/// SEARCH or `-f FILE` (a `.spl` file or a detection YAML's `search:`).
fn search_text(req: &RunRequest) -> Result<(String, String), Diagnostic> {
    match (&req.search, &req.file) {
        (Some(text), None) => Ok((text.clone(), "<search>".to_string())),
        (None, Some(path)) => {
            let file = spelunk::detection::read_search_file(path)?;
            Ok((file.search, path.display().to_string()))
        }
        (Some(_), Some(_)) => Err(usage("give the search as text or with file=, not both")),
        (None, None) => Err(usage("no search given: pass it as text or with file=")),
    }
}

fn usage(message: &str) -> Diagnostic {
    Diagnostic::plain(Error::Usage(message.into()))
}

/// The event sources of one path, as the CLI's `-e` makes them: a folder
/// reads every file below it (links followed, loops ended).
fn path_sources(path: &Path, meta: &Metadata) -> Result<Vec<EventSource>, Diagnostic> {
    let files = if path.is_dir() {
        spelunk::walk::files_under(path, spelunk::walk::Links::Follow, |_| true)?
    } else {
        vec![path.to_path_buf()]
    };
    Ok(files
        .into_iter()
        .map(|file| EventSource {
            path: Some(file),
            ..event_source(meta)
        })
        .collect())
}

fn event_source(meta: &Metadata) -> EventSource {
    EventSource {
        path: None,
        sourcetype: meta.sourcetype.clone().unwrap_or_default(),
        source: meta.source.clone(),
        host: meta.host.clone(),
        index: meta.index.clone(),
    }
}

/// Runs a search as `spelunk run` does. When every event input is a path
/// it goes through [`Engine::run_sources`] (the CLI's path, streaming
/// NDJSON); dicts are read from memory by the same reader, merged with the
/// files' events and ordered newest first before the search runs.
fn run_search(req: &RunRequest) -> Result<RunOutcome, Diagnostic> {
    if req.threads > MAX_THREADS {
        return Err(usage(&format!(
            "threads: expected a thread count from 0 (one per core) to {MAX_THREADS}"
        )));
    }
    let (text, name) = search_text(req)?;
    let max_memory = spelunk::memory::parse_size(&req.max_memory)
        .map_err(|e| usage(&format!("max_memory: {e}")))?;
    let engine = Engine::from_options(&EngineOptions {
        time_zone: time_zone(&req.tz)?,
        strict: req.strict,
        threads: req.threads,
        prefilter: req.prefilter,
        max_memory,
        ..engine_options(&req.knowledge)
    })?;
    let mut warnings: Vec<String> = engine
        .knowledge_warnings()
        .iter()
        .map(ToString::to_string)
        .collect();
    let query = engine.compile(&text, &name)?;
    if req.events.is_empty() && query.reads_events() {
        warnings.push(
            "no events given (events=...): the search reads events and sees none".to_string(),
        );
    }
    let only_paths = req.events.iter().all(|e| matches!(e, EventInput::Path(_)));
    let out = if only_paths {
        let mut sources = Vec::new();
        for input in &req.events {
            if let EventInput::Path(path) = input {
                sources.extend(path_sources(path, &req.metadata)?);
            }
        }
        engine.run_sources(&query, &sources)?
    } else {
        run_mixed(&engine, &query, req)?
    };
    warnings.extend(malformed_warnings(&out.malformed, out.events));
    if !req.events.is_empty() && out.events == 0 && !out.malformed.is_empty() {
        return Err(Diagnostic::plain(Error::Io {
            path: input_names(&req.events),
            message: format!(
                "no readable event in the events given ({} malformed); is the format or sourcetype right?",
                out.malformed.len()
            ),
        }));
    }
    if out.untimed > 0 {
        warnings.push(format!(
            "{} event(s) have no recognisable timestamp: each takes the previous event's time, else the file's modification time, else the current time (as Splunk does)",
            out.untimed
        ));
    }
    let results = out.results;
    Ok(RunOutcome {
        rows: results
            .rows
            .iter()
            .map(spelunk::output::row_to_json)
            .collect(),
        columns: results.columns,
        notices: results.notices,
        warnings,
        events: out.events,
    })
}

/// Events from paths and dicts together: each input read in turn, then
/// ordered newest first (as [`Engine::load_events`] orders one list).
fn run_mixed(
    engine: &Engine,
    query: &spelunk::engine::Query,
    req: &RunRequest,
) -> Result<spelunk::RunOutput, Diagnostic> {
    let mut events = Vec::new();
    let mut malformed = Vec::new();
    let mut untimed = 0;
    let mut notices: Vec<String> = Vec::new();
    for input in &req.events {
        let loaded = match input {
            EventInput::Path(path) => engine.load_events(&path_sources(path, &req.metadata)?)?,
            EventInput::Json(text) => {
                let source = EventSource {
                    source: Some(
                        req.metadata
                            .source
                            .clone()
                            .unwrap_or_else(|| DICT_EVENTS.to_string()),
                    ),
                    ..event_source(&req.metadata)
                };
                engine.read_events_str(text, DICT_EVENTS, &source)?
            }
        };
        events.extend(loaded.events);
        malformed.extend(loaded.malformed);
        untimed += loaded.untimed;
        for notice in loaded.notices {
            if !notices.contains(&notice) {
                notices.push(notice);
            }
        }
    }
    sort_newest_first(&mut events);
    let mut results = engine.run_query(query, &events)?;
    results.notices.splice(0..0, notices);
    Ok(spelunk::RunOutput {
        results,
        events: events.len(),
        malformed,
        untimed,
    })
}

/// The CLI's stderr report of malformed events: the first few, a count of
/// the rest, a summary.
fn malformed_warnings(malformed: &[Malformed], read: usize) -> Vec<String> {
    let mut out: Vec<String> = malformed
        .iter()
        .take(MALFORMED_SHOWN)
        .map(ToString::to_string)
        .collect();
    if malformed.len() > MALFORMED_SHOWN {
        out.push(format!(
            "... and {} more malformed event(s) not shown",
            malformed.len() - MALFORMED_SHOWN
        ));
    }
    if !malformed.is_empty() {
        out.push(format!(
            "{} malformed event(s) skipped, {read} event(s) read (use strict=True to fail instead)",
            malformed.len()
        ));
    }
    out
}

fn input_names(inputs: &[EventInput]) -> String {
    inputs
        .iter()
        .map(|i| match i {
            EventInput::Path(p) => p.display().to_string(),
            EventInput::Json(_) => DICT_EVENTS.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A JSON row (strings and arrays of strings, as `-o json` prints) as a
/// Python object.
fn json_to_py<'py>(py: Python<'py>, value: &Json) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Json::Null => py.None().into_bound(py),
        Json::Bool(b) => PyString::new(py, if *b { "true" } else { "false" }).into_any(),
        Json::Number(n) => PyString::new(py, &n.to_string()).into_any(),
        Json::String(s) => PyString::new(py, s).into_any(),
        Json::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Json::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, json_to_py(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

/// Reads `events=` items: bytes are NDJSON made from dicts, anything else
/// a path (str or os.PathLike).
fn event_inputs(items: &[Bound<'_, PyAny>]) -> PyResult<Vec<EventInput>> {
    items
        .iter()
        .map(|item| {
            if let Ok(bytes) = item.cast::<PyBytes>() {
                let text = String::from_utf8(bytes.as_bytes().to_vec()).map_err(|e| {
                    pyo3::exceptions::PyValueError::new_err(format!("events: not UTF-8: {e}"))
                })?;
                Ok(EventInput::Json(text))
            } else {
                Ok(EventInput::Path(item.extract::<PathBuf>()?))
            }
        })
        .collect()
}

/// Runs a search; the `spelunk.run` wrapper documents the arguments.
/// Returns a dict: `columns`, `rows`, `notices`, `warnings`, `events`.
#[pyfunction]
#[pyo3(signature = (
    search, *, file, events, sourcetype, source, host, index, macros,
    lookups, props, apps, geoip, output_lookups, tz, strict, threads, prefilter,
    max_memory
))]
#[allow(clippy::too_many_arguments)] // one per CLI flag, all keyword-only
fn run<'py>(
    py: Python<'py>,
    search: Option<String>,
    file: Option<PathBuf>,
    events: Vec<Bound<'py, PyAny>>,
    sourcetype: Option<String>,
    source: Option<String>,
    host: Option<String>,
    index: Option<String>,
    macros: Vec<PathBuf>,
    lookups: Vec<PathBuf>,
    props: Vec<PathBuf>,
    apps: Vec<PathBuf>,
    geoip: Option<PathBuf>,
    output_lookups: Option<PathBuf>,
    tz: String,
    strict: bool,
    threads: usize,
    prefilter: bool,
    max_memory: String,
) -> PyResult<Bound<'py, PyDict>> {
    let req = RunRequest {
        search,
        file,
        events: event_inputs(&events)?,
        metadata: Metadata {
            sourcetype,
            source,
            host,
            index,
        },
        knowledge: Knowledge {
            macros,
            lookups,
            props,
            apps,
            geoip,
            output_lookups,
        },
        tz,
        strict,
        threads,
        prefilter,
        max_memory,
    };
    let outcome = py
        .detach(|| run_search(&req))
        .map_err(|d| to_py_err(py, &d))?;
    let rows = PyList::empty(py);
    for row in &outcome.rows {
        rows.append(json_to_py(py, row)?)?;
    }
    let out = PyDict::new(py);
    out.set_item("columns", outcome.columns)?;
    out.set_item("rows", rows)?;
    out.set_item("notices", outcome.notices)?;
    out.set_item("warnings", outcome.warnings)?;
    out.set_item("events", outcome.events)?;
    Ok(out)
}

/// Runs spelunk's test runner as `spelunk test` does; the `spelunk.test`
/// wrapper documents the arguments. Returns the JSON report (`spelunk test
/// -o json`), the text report and the JUnit XML.
#[pyfunction]
#[pyo3(signature = (
    paths, *, attack_data, macros, lookups, props, apps, geoip, filter, jobs,
    explain, bless
))]
#[allow(clippy::too_many_arguments)] // one per CLI flag, all keyword-only
fn test(
    py: Python<'_>,
    paths: Vec<PathBuf>,
    attack_data: Option<PathBuf>,
    macros: Vec<PathBuf>,
    lookups: Vec<PathBuf>,
    props: Vec<PathBuf>,
    apps: Vec<PathBuf>,
    geoip: Option<PathBuf>,
    filter: Option<String>,
    jobs: usize,
    explain: bool,
    bless: bool,
) -> PyResult<(String, String, String)> {
    let options = testing::Options {
        attack_data,
        macros,
        lookups,
        props,
        apps,
        geoip,
        filter,
        jobs,
        explain,
        max_memory: None,
    };
    let paths = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths
    };
    let run = || -> Result<(String, String, String), Diagnostic> {
        if jobs > MAX_THREADS {
            return Err(usage(&format!(
                "jobs: expected a thread count from 0 (one per core) to {MAX_THREADS}"
            )));
        }
        let cases = testing::discover(&paths, &options)?;
        let mut report = testing::run_cases(&cases, &options);
        if bless {
            testing::spec::bless(&report.results)?;
            // The blessed files now hold what ran; judge them again.
            let cases = testing::discover(&paths, &options)?;
            report = testing::run_cases(&cases, &options);
        }
        let json =
            serde_json::to_string(&testing::report::json(&report)).map_err(|e| Error::Runtime {
                message: format!("cannot render the test report: {e}"),
                span: None,
            })?;
        Ok((
            json,
            testing::report::text(&report, false),
            testing::report::junit(&report),
        ))
    };
    py.detach(run).map_err(|d| to_py_err(py, &d))
}

/// The native part of the `spelunk` package.
#[pymodule]
mod _native {
    #[pymodule_export]
    use super::{
        run, test, ExecutionError, InputError, ResourceError, SearchError, SpelunkError, UsageError,
    };
}
