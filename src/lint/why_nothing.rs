//! The "why nothing?" checks of `spelunk lint`: what makes a detection
//! return no rows whatever the data holds.
//!
//! - An `eventtype=` or `tag=` term naming an event type or tag that no
//!   loaded knowledge defines never matches.
//! - A field the detection needs from its events — a term AND-ed into its
//!   first search, or a `by` field of its first `stats` (which drops
//!   events lacking one) — that its data source's example event
//!   (security_content `data_sources/<name>.yml`, `example_log`, read with
//!   its sourcetype and source through the knowledge layer) does not carry
//!   and no search-time setting can write. One example is one event, not
//!   every event of the source, so this is a notice
//!   (`field-not-in-example`), not a problem; it is given only for sources
//!   whose example gets fields of its own from automatic extraction (JSON,
//!   XML, key=value), since a free-text example with no add-on loaded
//!   shows nothing about the fields.
//! - A `tstats` over a data model whose data sources' example events are
//!   none of them in its dataset: the model's constraints (its tags and
//!   event types, through the loaded knowledge) do not select such events,
//!   so the detection returns nothing over them
//!   (`example-not-in-dataset`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::{Notice, NoticeKind, Problem, ProblemKind};
use crate::commands::rex::RexAction;
use crate::commands::CommandArgs;
use crate::engine::Engine;
use crate::events::EventSource;
use crate::exec::matcher::Glob;
use crate::knowledge::SourceMeta;
use crate::source::{SourceMap, Span};
use crate::syntax::ast::{CompareOp, Pipeline, SearchExpr, SearchKind};

/// One data source of a detection (security_content `data_source:`).
#[derive(Debug, Clone)]
pub struct DataSource {
    /// Its name.
    pub name: String,
    /// Its sourcetype.
    pub sourcetype: String,
    /// Its source, if given.
    pub source: Option<String>,
    /// One example event.
    pub example: Option<String>,
}

impl DataSource {
    /// How its example event is read: its sourcetype, and its source (or
    /// `example` when it names none).
    fn event_source(&self) -> EventSource {
        EventSource {
            path: None,
            sourcetype: self.sourcetype.clone(),
            source: Some(self.source.clone().unwrap_or_else(|| "example".into())),
            host: None,
            index: None,
        }
    }
}

/// Fields every event has, or that the search language gives: never
/// "not in the example".
const ALWAYS_THERE: &[&str] = &[
    "_raw",
    "_time",
    "_indextime",
    "sourcetype",
    "source",
    "host",
    "index",
    "splunk_server",
    "linecount",
    "punct",
    "eventtype",
    "tag",
];

/// A field every event gets whatever its text: the always-there ones,
/// internal `_` fields, and those of the timestamp (`date_*`,
/// `timestartpos`, `timeendpos`).
fn is_default_field(name: &str) -> bool {
    ALWAYS_THERE.contains(&name)
        || name.starts_with('_')
        || name.starts_with("date_")
        || name == "timestartpos"
        || name == "timeendpos"
}

/// The data sources a detection YAML names, read from the
/// security_content checkout's `data_sources/` folder (the nearest ancestor
/// of the detection holding one). Empty when there is none.
pub fn data_sources_of(detection: &Path, yaml: &serde_norway::Value) -> Vec<DataSource> {
    let names: Vec<String> = yaml
        .get("data_source")
        .and_then(|d| d.as_sequence())
        .map(|s| {
            s.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if names.is_empty() {
        return Vec::new();
    }
    let Some(dir) = detection
        .ancestors()
        .map(|a| a.join("data_sources"))
        .find(|d| d.is_dir())
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for path in yaml_files(&dir) {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let Ok(doc) = serde_norway::from_str::<serde_norway::Value>(&text) else {
            continue;
        };
        let text_of = |k: &str| doc.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let Some(name) = text_of("name") else {
            continue;
        };
        if !names.contains(&name) {
            continue;
        }
        out.push(DataSource {
            name,
            sourcetype: text_of("sourcetype").unwrap_or_default(),
            source: text_of("source"),
            // An empty `example_log: ''` gives no example.
            example: text_of("example_log").filter(|e| !e.trim().is_empty()),
        });
    }
    out
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    files
}

/// Reports `eventtype=`/`tag=` terms that no loaded knowledge defines.
pub fn check_eventtypes_and_tags(
    pipeline: &Pipeline,
    map: &SourceMap,
    engine: &Engine,
    out: &mut Vec<Problem>,
) {
    let mut terms = Vec::new();
    collect_terms(pipeline, &mut terms);
    let knowledge = engine.knowledge();
    let defs = knowledge.event_types.defs();
    for (field, value, span) in terms {
        let glob = Glob::new(&value, false);
        let (defined, what) = if field == "eventtype" {
            (
                defs.iter().any(|d| !d.disabled && glob.matches(&d.name)),
                "event type",
            )
        } else {
            let by_eventtype = defs.iter().any(|d| d.tags.iter().any(|t| glob.matches(t)));
            (
                knowledge.tags.defines_matching(&glob) || by_eventtype,
                "tag",
            )
        };
        if defined {
            continue;
        }
        let loc = map.locate(span);
        out.push(Problem {
            kind: ProblemKind::UndefinedKnowledge,
            line: loc.line,
            column: loc.column,
            command: Some("search".into()),
            message: format!(
                "`{field}={value}`: no loaded eventtypes.conf or tags.conf defines this {what}, so the term matches nothing (give the app that defines it with --app)"
            ),
        });
    }
}

/// `eventtype=`, `tag=` and `tag::<field>=` terms of every search.
fn collect_terms(pipeline: &Pipeline, out: &mut Vec<(String, String, Span)>) {
    for command in &pipeline.commands {
        if let CommandArgs::Search(s) = &command.args {
            collect_expr_terms(&s.expr, out);
        }
        for sub in command.args.subpipelines() {
            collect_terms(sub, out);
        }
    }
}

fn collect_expr_terms(expr: &SearchExpr, out: &mut Vec<(String, String, Span)>) {
    let is_knowledge = |f: &str| {
        // Field names are case-sensitive: Okta's `eventType` is not `eventtype`.
        f == "eventtype" || f == "tag" || f.starts_with("tag::")
    };
    match &expr.kind {
        SearchKind::Compare { field, op, value } if *op == CompareOp::Eq && is_knowledge(field) => {
            out.push((field.clone(), value.text.clone(), expr.span))
        }
        SearchKind::In { field, values } if is_knowledge(field) => {
            for v in values {
                out.push((field.clone(), v.text.clone(), expr.span));
            }
        }
        SearchKind::And(items) | SearchKind::Or(items) => {
            items.iter().for_each(|i| collect_expr_terms(i, out))
        }
        SearchKind::Not(inner) => collect_expr_terms(inner, out),
        SearchKind::Subsearch(p) => collect_terms(p, out),
        _ => {}
    }
}

/// Notes fields the detection needs from its events that its data
/// sources' example events do not carry and no loaded knowledge writes for
/// them (only when every data source has an example event whose automatic
/// extraction gives it fields, so that what such events hold is known).
pub fn check_fields(
    pipeline: &Pipeline,
    map: &SourceMap,
    engine: &Engine,
    sources: &[DataSource],
    out: &mut Vec<Notice>,
) {
    if sources.is_empty() || sources.iter().any(|s| s.example.is_none()) {
        return;
    }
    let Some(produced) = produced_fields(engine, sources) else {
        return;
    };
    let describe: Vec<String> = sources
        .iter()
        .map(|s| format!("{} (sourcetype {})", s.name, s.sourcetype))
        .collect();
    for (field, span, why) in needed_fields(pipeline) {
        if ALWAYS_THERE.contains(&field.as_str())
            || field.starts_with("tag::")
            || field.contains('*')
            || produced.contains(&field)
        {
            continue;
        }
        let loc = map.locate(span);
        out.push(Notice {
            kind: NoticeKind::FieldNotInExample,
            line: loc.line,
            column: loc.column,
            message: format!(
                "field `{field}` ({why}) is not in the example event of {} and no loaded knowledge writes it there, so events like the example cannot match (other events of the source, or an add-on's knowledge, may carry it)",
                describe.join(", ")
            ),
        });
    }
}

/// Notes a leading `tstats` over a data model when every data source has
/// an example event and none of those events is in the dataset it reads
/// (its `datamodel=` and `nodename=`), counted by the same lowering a run
/// uses. Examples that do not read (cut short) or a model that does not
/// resolve (a problem reported elsewhere) give no notice.
pub fn check_dataset(
    pipeline: &Pipeline,
    map: &SourceMap,
    engine: &Engine,
    sources: &[DataSource],
    out: &mut Vec<Notice>,
) {
    let Some(CommandArgs::Tstats(tstats)) = pipeline.commands.first().map(|c| &c.args) else {
        return;
    };
    let Some((spec, spec_span)) = &tstats.datamodel else {
        return;
    };
    if sources.is_empty() || sources.iter().any(|s| s.example.is_none()) {
        return;
    }
    let Ok(node) = crate::datamodel::lower::tstats_nodename(tstats) else {
        return;
    };
    let count_text = match &node {
        Some(node) => format!("| tstats count from datamodel={spec} where nodename={node}"),
        None => format!("| tstats count from datamodel={spec}"),
    };
    let Ok(query) = engine.compile(&count_text, "<dataset>") else {
        return;
    };
    let mut events = Vec::new();
    for ds in sources {
        let src = ds.event_source();
        let Some(example) = &ds.example else {
            return;
        };
        match engine.read_events_str(example, &ds.name, &src) {
            Ok(loaded) if loaded.malformed.is_empty() && !loaded.events.is_empty() => {
                events.extend(loaded.events)
            }
            _ => return,
        }
    }
    let Ok(results) = engine.run_query(&query, &events) else {
        return;
    };
    let count = results
        .rows
        .first()
        .and_then(|row| row.get("count"))
        .map(|v| v.to_text().into_owned());
    if count.as_deref() != Some("0") {
        return;
    }
    let dataset = match &node {
        Some(node) => format!("{spec} (nodename={node})"),
        None => spec.clone(),
    };
    let describe: Vec<String> = sources
        .iter()
        .map(|s| format!("{} (sourcetype {})", s.name, s.sourcetype))
        .collect();
    let loc = map.locate(*spec_span);
    out.push(Notice {
        kind: NoticeKind::ExampleNotInDataset,
        line: loc.line,
        column: loc.column,
        message: format!(
            "{} not in data model dataset `{dataset}`: the dataset's constraints (tags, event types) do not select {} with the knowledge loaded, so the detection returns nothing over events like {} (other events of the source may be in it: an example is one event; `spelunk run --explain` shows the rows in the dataset)",
            match describe.as_slice() {
                [one] => format!("the example event of {one} is"),
                many => format!("the example events of {} are", many.join(", ")),
            },
            if describe.len() == 1 { "it" } else { "them" },
            if describe.len() == 1 { "it" } else { "them" }
        ),
    });
}

/// Every field the data sources' example events get, plus every field a
/// search-time setting for their sourcetype and source can write; `None`
/// when an extraction names its fields from the text (anything may come),
/// or when an example event gets no field of its own from automatic
/// extraction (free text: it says nothing about the fields).
fn produced_fields(engine: &Engine, sources: &[DataSource]) -> Option<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    for ds in sources {
        let src = ds.event_source();
        let source = src.source.clone().unwrap_or_default();
        if let Some(example) = &ds.example {
            // Read as it is, with no sourcetype of its own: a malformed
            // example (security_content's GitHub one is JSON cut at 10,000
            // bytes) says nothing about the fields after the cut.
            let plain = engine
                .read_events_str(example, &ds.name, &EventSource::default())
                .ok()?;
            let own = plain
                .events
                .iter()
                .flat_map(|e| e.names())
                .any(|n| !is_default_field(n));
            if !own {
                return None;
            }
            if let Ok(loaded) = engine.read_events_str(example, &ds.name, &src) {
                for event in &loaded.events {
                    out.extend(event.names().map(str::to_string));
                }
            }
        }
        let st = engine.source_knowledge(SourceMeta {
            sourcetype: &ds.sourcetype,
            source: &source,
            host: "spelunk",
        });
        for (_, x) in &st.extracts {
            out.extend(x.outputs.clone()?);
        }
        for (_, t) in &st.reports {
            out.extend(t.outputs()?);
        }
        for (_, pairs) in &st.aliases {
            out.extend(pairs.iter().map(|a| a.target.to_string()));
        }
        out.extend(st.calculated.iter().map(|(f, _)| f.clone()));
        for l in &st.lookups {
            out.extend(l.output_fields().map(str::to_string));
        }
    }
    Some(out)
}

/// The fields a detection needs from its events: the AND-ed field terms
/// of its first search (not under OR or NOT), and the `by` fields of its
/// first `stats` that no command before it writes.
fn needed_fields(pipeline: &Pipeline) -> Vec<(String, Span, &'static str)> {
    let mut out = Vec::new();
    let mut commands = pipeline.commands.iter();
    if let Some(first) = pipeline.commands.first() {
        if let CommandArgs::Search(s) = &first.args {
            required_terms(&s.expr, &mut out);
            commands.next();
        }
    }
    let mut written: BTreeSet<String> = BTreeSet::new();
    for command in commands {
        match &command.args {
            CommandArgs::Stats(s) => {
                for field in &s.by {
                    if !written.contains(field) {
                        out.push((field.clone(), command.span, "a `stats ... by` field"));
                    }
                }
                break;
            }
            CommandArgs::Eval(e) => written.extend(e.assignments.iter().map(|a| a.field.clone())),
            CommandArgs::Rex(r) => {
                if let RexAction::Extract { regex, .. } = &r.action {
                    written.extend(regex.capture_names().iter().flatten().cloned())
                }
            }
            CommandArgs::Rename(r) => written.extend(r.pairs.iter().map(|p| p.to.clone())),
            CommandArgs::Fillnull(f) => written.extend(f.fields.iter().cloned()),
            CommandArgs::Search(_) | CommandArgs::Where(_) | CommandArgs::Fields(_) => {}
            // Anything else may write fields this analysis cannot see.
            _ => break,
        }
    }
    out
}

/// Field comparisons that every matching event must satisfy.
fn required_terms(expr: &SearchExpr, out: &mut Vec<(String, Span, &'static str)>) {
    match &expr.kind {
        SearchKind::Compare { field, .. } | SearchKind::In { field, .. } => {
            out.push((field.clone(), expr.span, "a term of the search"))
        }
        SearchKind::And(items) => items.iter().for_each(|i| required_terms(i, out)),
        _ => {}
    }
}
