//! `spelunk lint`: checks detections without running them — macros expand,
//! the search parses, every command, option and function is supported,
//! every lookup it names is defined with its file present — and says why a
//! detection would return nothing ([`why_nothing`]): event types and tags
//! no loaded knowledge defines, fields nothing produces for its data source.

pub mod why_nothing;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::detection::search_from_detection_yaml;
use crate::diagnostic::Diagnostic;
use crate::engine::Engine;
use crate::error::{Error, MacroError};
use crate::expand::{Expanded, MacroDef, MacroSet};
use crate::lookup::LookupProblem;
use crate::source::{Location, SourceMap, Span};
use crate::syntax::ast::{Pipeline, SearchExpr, SearchKind};
use crate::syntax::parser::parse_lenient;

/// Commands that read CIM data models or metrics (`tstats`, `datamodel`,
/// `pivot` and `from datamodel:` run over loaded data models, `mstats` over
/// metric events): an unsupported form of one is reported as needing data
/// models.
const DATA_MODEL_COMMANDS: &[&str] = &["tstats", "mstats", "from", "datamodel", "pivot"];

/// What kind of problem a line reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemKind {
    /// A macro no file defines with that many arguments.
    UndefinedMacro,
    /// Another macro expansion failure (cycle, bad call, validation).
    Macro,
    /// The search does not parse.
    Syntax,
    /// A command spelunk does not implement.
    UnsupportedCommand,
    /// An option, function or argument a command does not accept.
    BadArgument,
    /// An option, mode or form spelunk does not implement: one Splunk has
    /// and spelunk lacks, or an option name neither knows (a typo). A
    /// command spelunk lacks entirely is [`Self::UnsupportedCommand`].
    Unsupported,
    /// A lookup no transforms.conf, YAML or CSV file defines.
    UndefinedLookup,
    /// A lookup whose file is not in the lookup folders.
    MissingLookupFile,
    /// A lookup the corpus cannot ship: a KV-store collection, or an
    /// Enterprise Security / CIM lookup.
    LookupNotShipped,
    /// `apply` of the Machine Learning Toolkit: it needs that app and a
    /// model trained with `fit`, neither of which spelunk can ship.
    MltkModel,
    /// Another command only a Splunk app spelunk does not ship provides
    /// (`fit`, `cyberchef`, ...).
    CommandNotShipped,
    /// A data model command spelunk does not implement.
    NeedsDataModels,
    /// A data model the search names is not loaded, or one of its
    /// datasets cannot run (unknown dataset or field owner, GeoIP, ...).
    DataModel,
    /// An `eventtype=` or `tag=` term no loaded knowledge defines.
    UndefinedKnowledge,
    /// The detection file itself cannot be read.
    File,
}

impl ProblemKind {
    /// Whether the kind is something spelunk or the corpus cannot ship
    /// rather than something wrong: a lookup, a Splunk app's command or
    /// model.
    pub fn is_not_shipped(self) -> bool {
        matches!(
            self,
            ProblemKind::LookupNotShipped | ProblemKind::MltkModel | ProblemKind::CommandNotShipped
        )
    }

    /// The kind's name as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::UndefinedMacro => "undefined-macro",
            ProblemKind::Macro => "macro",
            ProblemKind::Syntax => "syntax",
            ProblemKind::UnsupportedCommand => "unsupported-command",
            ProblemKind::BadArgument => "bad-argument",
            ProblemKind::Unsupported => "unsupported",
            ProblemKind::UndefinedLookup => "undefined-lookup",
            ProblemKind::MissingLookupFile => "missing-lookup-file",
            ProblemKind::LookupNotShipped => "lookup-not-shipped",
            ProblemKind::MltkModel => "mltk-model",
            ProblemKind::CommandNotShipped => "command-not-shipped",
            ProblemKind::NeedsDataModels => "needs-data-models",
            ProblemKind::DataModel => "data-model",
            ProblemKind::UndefinedKnowledge => "undefined-knowledge",
            ProblemKind::File => "file",
        }
    }
}

/// One problem, placed in the detection file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    /// The kind.
    pub kind: ProblemKind,
    /// 1-based line in the file (0 when unknown).
    pub line: usize,
    /// 1-based column (0 when unknown).
    pub column: usize,
    /// The command concerned, if any.
    pub command: Option<String>,
    /// What is wrong.
    pub message: String,
}

/// What kind of notice a line gives. A notice is not a problem: the
/// detection still lints clean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoticeKind {
    /// A field the detection needs from its events that its data source's
    /// example event does not carry and no loaded knowledge writes for that
    /// source: events like the example cannot match (others of the source,
    /// or an add-on's knowledge, may still carry it).
    FieldNotInExample,
    /// A field a `tstats` over a data model reads that its dataset does not
    /// have: null on every event, so a BY over it gives no rows.
    FieldNotInDataset,
    /// None of the example events of a `tstats` detection's data sources is
    /// in the data model dataset it reads: the model's constraints (tags,
    /// event types) do not select such events with the knowledge loaded.
    ExampleNotInDataset,
}

impl NoticeKind {
    /// The kind's name as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::FieldNotInExample => "field-not-in-example",
            NoticeKind::FieldNotInDataset => "field-not-in-dataset",
            NoticeKind::ExampleNotInDataset => "example-not-in-dataset",
        }
    }
}

/// One notice, placed in the detection file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notice {
    /// The kind.
    pub kind: NoticeKind,
    /// 1-based line in the file (0 when unknown).
    pub line: usize,
    /// 1-based column (0 when unknown).
    pub column: usize,
    /// What was noticed.
    pub message: String,
}

/// The verdict on one detection.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The file.
    pub file: String,
    /// The detection's name, from YAML.
    pub name: Option<String>,
    /// Whether macros expanded and the search parsed (unsupported commands
    /// are skipped over, so they do not stop a parse).
    pub parses: bool,
    /// Whether the search starts with a data-model command.
    pub data_model: bool,
    /// The problems, in order.
    pub problems: Vec<Problem>,
    /// The notices, in order (they do not make the detection unclean).
    pub notices: Vec<Notice>,
}

impl Report {
    /// No problems at all.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }

    /// Every problem is a lookup the corpus does not ship.
    pub fn only_unshipped_lookups(&self) -> bool {
        !self.problems.is_empty()
            && self
                .problems
                .iter()
                .all(|p| p.kind == ProblemKind::LookupNotShipped)
    }

    /// Every problem is something the corpus or spelunk cannot ship: a
    /// lookup (as [`Self::only_unshipped_lookups`]) or a Splunk app's
    /// command or model.
    pub fn only_not_shipped(&self) -> bool {
        !self.problems.is_empty() && self.problems.iter().all(|p| p.kind.is_not_shipped())
    }
}

/// Lookups that Enterprise Security or the CIM app provide, which no
/// detection repository ships.
const ES_LOOKUPS: &[&str] = &[
    "identity_lookup_expanded",
    "asset_lookup_by_str",
    "asset_lookup_by_cidr",
    "cim_corporate_web_domain_lookup",
    "cim_cloud_domain_lookup",
    "ut_shannon_lookup",
    "ut_parse_extended_lookup",
    "ut_levenshtein_lookup",
    "ut_parse_lookup",
    "update_is_up_to_date_lookup",
    "cim_http_tag_lookup",
];

/// Lints every detection under `paths` (files, or folders searched for
/// `.spl`, `.yml` and `.yaml` files). YAML files without `search:` are not
/// detections and are skipped.
pub fn lint_paths(paths: &[PathBuf], engine: &Engine) -> Vec<Report> {
    let mut files = Vec::new();
    for path in paths {
        collect(path, &mut files);
    }
    files.sort();
    files.iter().filter_map(|f| lint_file(f, engine)).collect()
}

/// A file, or every file below a folder (a link loop ends; an unreadable
/// folder lists nothing, as before).
fn collect(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        out.extend(
            crate::walk::files_under(path, crate::walk::Links::Follow, |_| true)
                .unwrap_or_default(),
        );
    } else {
        out.push(path.to_path_buf());
    }
}

/// Lints one file; None when it is not a detection (a YAML without `search:`
/// or a file of another type found in a folder).
pub fn lint_file(path: &Path, engine: &Engine) -> Option<Report> {
    let display = path.display().to_string();
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => return Some(file_problem(&display, e.to_string())),
    };
    match ext.as_str() {
        "yml" | "yaml" => {
            if !text.lines().any(|l| l.starts_with("search:")) {
                return None;
            }
            match search_from_detection_yaml(&text, &display) {
                Ok(file) => {
                    // Positions are reported from the line of `search:`.
                    let first_line = text
                        .lines()
                        .position(|l| l.starts_with("search:"))
                        .map_or(1, |i| i + 1);
                    let sources = serde_norway::from_str::<serde_norway::Value>(&text)
                        .map(|doc| why_nothing::data_sources_of(path, &doc))
                        .unwrap_or_default();
                    let mut report = lint_search(&file.search, &display, engine, &sources);
                    // Positions in the search become the file's own (YAML
                    // folds the search's lines); a scalar style not mapped
                    // keeps the search's column on the line counted from
                    // `search:`.
                    let place = |line: &mut usize, column: &mut usize| {
                        if *line == 0 {
                            return;
                        }
                        match &file.placement {
                            Some(placement) => {
                                (*line, *column) =
                                    placement.file_line_col(&file.search, *line, *column)
                            }
                            None => *line += first_line - 1,
                        }
                    };
                    for p in &mut report.problems {
                        place(&mut p.line, &mut p.column);
                    }
                    for n in &mut report.notices {
                        place(&mut n.line, &mut n.column);
                    }
                    report.name = file.name;
                    Some(report)
                }
                Err(e) => Some(file_problem(&display, e.to_string())),
            }
        }
        "spl" | "txt" => Some(lint_text(&text, &display, engine)),
        _ => None,
    }
}

fn file_problem(file: &str, message: String) -> Report {
    Report {
        file: file.to_string(),
        name: None,
        parses: false,
        data_model: false,
        problems: vec![Problem {
            kind: ProblemKind::File,
            line: 0,
            column: 0,
            command: None,
            message,
        }],
        notices: Vec::new(),
    }
}

/// Lints one search text; `name` is used as the report's file.
pub fn lint_text(text: &str, name: &str, engine: &Engine) -> Report {
    lint_search(text, name, engine, &[])
}

/// Lints one search text whose detection reads `sources`.
fn lint_search(
    text: &str,
    name: &str,
    engine: &Engine,
    sources: &[why_nothing::DataSource],
) -> Report {
    let mut report = Report {
        file: name.to_string(),
        name: None,
        parses: false,
        // Known from the text as written even when expansion fails.
        data_model: starts_with_data_model(text),
        problems: Vec::new(),
        notices: Vec::new(),
    };
    let Some(expanded) = expand_with_stand_ins(text, name, engine, &mut report.problems) else {
        return report;
    };
    let (pipeline, errors) = parse_lenient(&expanded.text);
    report.data_model |= starts_with_data_model(&expanded.text);
    for error in errors {
        let d = Diagnostic::new(error, &expanded.map);
        let mut p = problem_from(&d);
        let is_dm = matches!(&d.error, Error::UnsupportedCommand { name, .. }
            if DATA_MODEL_COMMANDS.contains(&name.to_ascii_lowercase().as_str()));
        if report.data_model && is_dm {
            p.kind = ProblemKind::NeedsDataModels;
            p.message = format!(
                "needs data models (not supported yet): `{}`",
                p.command.as_deref().unwrap_or("tstats")
            );
        }
        report.problems.push(p);
    }
    report.parses = pipeline.is_some()
        && !report
            .problems
            .iter()
            .any(|p| matches!(p.kind, ProblemKind::Syntax | ProblemKind::Macro));
    if let Some(pipeline) = &pipeline {
        check_tstats_fields(
            pipeline,
            &expanded.text,
            &expanded.map,
            engine,
            &mut report.notices,
        );
        why_nothing::check_dataset(
            pipeline,
            &expanded.map,
            engine,
            sources,
            &mut report.notices,
        );
    }
    // tstats, datamodel and from datamodel: the pipeline they stand for
    // over the loaded data models (its calculated fields' lookups and its
    // constraints' tags are checked below like the search's own).
    let pipeline = pipeline.and_then(|mut p| match engine.lower(&mut p) {
        Ok(()) => Some(p),
        Err(e) => {
            let mut problem = problem_from(&Diagnostic::new(e, &expanded.map));
            problem.command = p.commands.first().map(|c| c.name.clone());
            report.problems.push(problem);
            None
        }
    });
    if let Some(pipeline) = &pipeline {
        check_lookups(pipeline, &expanded.map, engine, &mut report.problems);
        why_nothing::check_eventtypes_and_tags(
            pipeline,
            &expanded.map,
            engine,
            &mut report.problems,
        );
        if !report.data_model {
            why_nothing::check_fields(
                pipeline,
                &expanded.map,
                engine,
                sources,
                &mut report.notices,
            );
        }
    }
    report
}

/// A notice for each field a leading `tstats` over a data model names that
/// its dataset lacks (a misspelt `Processes.proces_name`, or a field of
/// another dataset). Errors resolving the model are left to the lowering,
/// which reports them as problems.
fn check_tstats_fields(
    pipeline: &Pipeline,
    text: &str,
    map: &SourceMap,
    engine: &Engine,
    notices: &mut Vec<Notice>,
) {
    let Some(command) = pipeline.commands.first() else {
        return;
    };
    let crate::commands::CommandArgs::Tstats(tstats) = &command.args else {
        return;
    };
    let Ok(unknown) = engine.tstats_unknown_fields(tstats) else {
        return;
    };
    let dataset = tstats
        .datamodel
        .as_ref()
        .map_or("", |(spec, _)| spec.as_str());
    for field in unknown {
        let loc = map.locate(field_span(text, command.span, &field));
        notices.push(Notice {
            kind: NoticeKind::FieldNotInDataset,
            line: loc.line,
            column: loc.column,
            message: format!(
                "field `{field}` is not a field of data model dataset `{dataset}` (or of a dataset below it): it is null on every event, so a BY over it gives no rows and a WHERE on it matches nothing"
            ),
        });
    }
}

/// Where `field` is first written as a whole name inside `within` (the
/// command), so a notice points at the field rather than at the command;
/// the command's span when it is not found as written (quoted, say).
fn field_span(text: &str, within: Span, field: &str) -> Span {
    let Some(command) = text.get(within.start..within.end) else {
        return within;
    };
    let is_name_byte = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.');
    let bytes = command.as_bytes();
    let mut from = 0;
    while let Some(found) = command.get(from..).and_then(|rest| rest.find(field)) {
        let start = from + found;
        let end = start + field.len();
        let bounded_before = start == 0 || !is_name_byte(bytes[start - 1]);
        let bounded_after = end == bytes.len() || !is_name_byte(bytes[end]);
        if bounded_before && bounded_after {
            return Span {
                start: within.start + start,
                end: within.start + end,
            };
        }
        from = end;
    }
    within
}

/// How many undefined macros one search may stand in for before lint gives up.
const MAX_STAND_INS: usize = 32;

/// Expands `text`, reporting each undefined macro and then standing in for it
/// with `search *`, so that the rest of the search still has its syntax and
/// commands checked (an Enterprise Security macro such as `get_asset` must not
/// hide a problem after it). `None` when expansion fails otherwise.
fn expand_with_stand_ins(
    text: &str,
    name: &str,
    engine: &Engine,
    problems: &mut Vec<Problem>,
) -> Option<Expanded> {
    let mut stand_ins: Option<MacroSet> = None;
    for _ in 0..=MAX_STAND_INS {
        let result = match &stand_ins {
            None => engine.expand(text, name),
            Some(set) => engine.expand_with(set, text, name),
        };
        let d = match result {
            Ok(expanded) => return Some(expanded),
            Err(d) => d,
        };
        problems.push(problem_from(&d));
        let Error::Macro {
            kind:
                MacroError::Undefined {
                    name: macro_name,
                    arity,
                    ..
                },
            ..
        } = &d.error
        else {
            return None;
        };
        let args: Vec<String> = (1..=*arity).map(|i| format!("arg{i}")).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        stand_ins
            .get_or_insert_with(|| engine.macros().clone())
            .insert(MacroDef::new(
                macro_name,
                &args,
                "search *",
                "<lint stand-in>",
            ));
    }
    None
}

fn starts_with_data_model(text: &str) -> bool {
    let t = text.trim_start().trim_start_matches('|').trim_start();
    let first = t
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(first.as_str(), "tstats" | "mstats" | "datamodel" | "pivot")
        || (first == "from"
            && t.split_whitespace()
                .nth(1)
                .is_some_and(|w| w.to_ascii_lowercase().starts_with("datamodel")))
}

fn problem_from(d: &Diagnostic) -> Problem {
    let (kind, command) = match &d.error {
        Error::Macro {
            kind: MacroError::Undefined { .. },
            ..
        } => (ProblemKind::UndefinedMacro, None),
        Error::Macro { .. } => (ProblemKind::Macro, None),
        Error::Syntax { .. } => (ProblemKind::Syntax, None),
        Error::UnsupportedCommand { name, .. } => (
            ProblemKind::UnsupportedCommand,
            Some(name.to_ascii_lowercase()),
        ),
        Error::NeedsApp { command, .. } => {
            let command = command.to_ascii_lowercase();
            let kind = if command == "apply" {
                ProblemKind::MltkModel
            } else {
                ProblemKind::CommandNotShipped
            };
            (kind, Some(command))
        }
        Error::BadArgument { command, .. } => (ProblemKind::BadArgument, Some(command.clone())),
        Error::Unsupported { command, .. } => (ProblemKind::Unsupported, command.clone()),
        Error::Lookup { .. } => (ProblemKind::UndefinedLookup, None),
        Error::DataModel { .. } => (ProblemKind::DataModel, None),
        _ => (ProblemKind::File, None),
    };
    let (line, column) = d
        .location
        .as_deref()
        .map_or((0, 0), |l: &Location| (l.line, l.column));
    Problem {
        kind,
        line,
        column,
        command,
        message: d.error.to_string(),
    }
}

fn check_lookups(pipeline: &Pipeline, map: &SourceMap, engine: &Engine, out: &mut Vec<Problem>) {
    let mut refs: Vec<(String, Span, String)> = Vec::new();
    collect_lookup_refs(pipeline, &mut refs);
    for (name, span, command) in refs {
        let Err(problem) = engine.lookups().check(&name) else {
            continue;
        };
        let (kind, message) = match problem {
            LookupProblem::Collection(c) => (
                ProblemKind::LookupNotShipped,
                format!("lookup `{name}` is the KV-store collection `{c}`, not shipped"),
            ),
            LookupProblem::Undefined if ES_LOOKUPS.contains(&name.as_str()) => (
                ProblemKind::LookupNotShipped,
                format!("lookup `{name}` comes from Enterprise Security / CIM, not shipped"),
            ),
            LookupProblem::Undefined => (
                ProblemKind::UndefinedLookup,
                format!("lookup `{name}` is not defined"),
            ),
            LookupProblem::FileMissing(f) => (
                ProblemKind::MissingLookupFile,
                format!("lookup `{name}`: its file `{f}` is missing"),
            ),
            LookupProblem::NoFile => (
                ProblemKind::MissingLookupFile,
                format!("lookup `{name}` defines no file"),
            ),
        };
        let loc = map.locate(span);
        out.push(Problem {
            kind,
            line: loc.line,
            column: loc.column,
            command: Some(command),
            message,
        });
    }
}

fn collect_lookup_refs(pipeline: &Pipeline, out: &mut Vec<(String, Span, String)>) {
    for command in &pipeline.commands {
        for (name, span) in command.args.lookup_refs() {
            out.push((name, span, command.name.clone()));
        }
        for sub in command.args.subpipelines() {
            collect_lookup_refs(sub, out);
        }
        if let crate::commands::CommandArgs::Search(s) = &command.args {
            collect_expr_refs(&s.expr, out);
        }
    }
}

fn collect_expr_refs(expr: &SearchExpr, out: &mut Vec<(String, Span, String)>) {
    match &expr.kind {
        SearchKind::And(items) | SearchKind::Or(items) => {
            for e in items {
                collect_expr_refs(e, out);
            }
        }
        SearchKind::Not(inner) => collect_expr_refs(inner, out),
        SearchKind::Subsearch(p) => collect_lookup_refs(p, out),
        _ => {}
    }
}

/// Totals over many reports.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    /// Detections linted.
    pub detections: usize,
    /// Detections with no problem.
    pub clean: usize,
    /// Detections with at least one problem.
    pub with_problems: usize,
    /// Detections whose only problems are lookups the corpus cannot ship.
    pub only_unshipped_lookups: usize,
    /// Detections whose only problems are what cannot be shipped: lookups,
    /// and Splunk apps' commands and models.
    pub only_not_shipped: usize,
    /// Detections that start with a data-model command.
    pub data_model: usize,
    /// Detections whose search expands and parses.
    pub parse: usize,
    /// Problems by kind.
    pub by_kind: BTreeMap<String, usize>,
    /// Problems by command.
    pub by_command: BTreeMap<String, usize>,
    /// Notices, all detections together.
    pub notices: usize,
    /// Notices by kind.
    pub notices_by_kind: BTreeMap<String, usize>,
}

/// Adds up reports.
pub fn summarize(reports: &[Report]) -> Summary {
    let mut s = Summary {
        detections: reports.len(),
        ..Summary::default()
    };
    for r in reports {
        if r.is_clean() {
            s.clean += 1;
        } else {
            s.with_problems += 1;
        }
        if r.only_unshipped_lookups() {
            s.only_unshipped_lookups += 1;
        }
        if r.only_not_shipped() {
            s.only_not_shipped += 1;
        }
        if r.data_model {
            s.data_model += 1;
        }
        if r.parses {
            s.parse += 1;
        }
        for p in &r.problems {
            *s.by_kind.entry(p.kind.as_str().to_string()).or_default() += 1;
            if let Some(c) = &p.command {
                *s.by_command.entry(c.clone()).or_default() += 1;
            }
        }
        s.notices += r.notices.len();
        for n in &r.notices {
            *s.notices_by_kind
                .entry(n.kind.as_str().to_string())
                .or_default() += 1;
        }
    }
    s
}

/// The human-readable report: one line per problem, then the summary.
pub fn render_text(reports: &[Report]) -> String {
    let mut out = String::new();
    for r in reports {
        for p in &r.problems {
            out.push_str(&format!(
                "{}:{}:{}: {}: {}\n",
                r.file,
                p.line,
                p.column,
                p.kind.as_str(),
                p.message
            ));
        }
        for n in &r.notices {
            out.push_str(&format!(
                "{}:{}:{}: notice: {}: {}\n",
                r.file,
                n.line,
                n.column,
                n.kind.as_str(),
                n.message
            ));
        }
    }
    let s = summarize(reports);
    out.push_str(&format!(
        "\n{} detection(s): {} ok, {} with problems ({} only lookups not shipped), {} need data models; {} parse\n",
        s.detections, s.clean, s.with_problems, s.only_unshipped_lookups, s.data_model, s.parse
    ));
    if s.only_not_shipped > s.only_unshipped_lookups {
        out.push_str(&format!(
            "{} with only what cannot be shipped (lookups, Splunk apps' commands and models)\n",
            s.only_not_shipped
        ));
    }
    if !s.by_kind.is_empty() {
        out.push_str("\nproblems by kind:\n");
        for (k, n) in &s.by_kind {
            out.push_str(&format!("  {k:<24} {n}\n"));
        }
    }
    if !s.by_command.is_empty() {
        out.push_str("\nproblems by command:\n");
        let mut rows: Vec<(&String, &usize)> = s.by_command.iter().collect();
        rows.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (c, n) in rows {
            out.push_str(&format!("  {c:<24} {n}\n"));
        }
    }
    if !s.notices_by_kind.is_empty() {
        out.push_str("\nnotices by kind (not problems):\n");
        for (k, n) in &s.notices_by_kind {
            out.push_str(&format!("  {k:<24} {n}\n"));
        }
    }
    out
}

/// The JSON report for tools.
pub fn render_json(reports: &[Report]) -> String {
    let value = serde_json::json!({
        "summary": summarize(reports),
        "detections": reports,
    });
    serde_json::to_string_pretty(&value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span_text(text: &str, span: Span) -> &str {
        &text[span.start..span.end]
    }

    /// The notice points at the field as a whole name: not inside a longer
    /// name that contains it, and the command itself when it is absent.
    #[test]
    fn field_span_finds_the_whole_name() {
        let text = "| tstats count by Processes.dest_ip Processes.dest";
        let all = Span {
            start: 0,
            end: text.len(),
        };
        let span = field_span(text, all, "Processes.dest");
        assert_eq!(span.start, text.rfind("Processes.dest").unwrap());
        assert_eq!(span_text(text, span), "Processes.dest");
        assert_eq!(field_span(text, all, "Processes.user"), all);
        let inner = Span { start: 2, end: 8 };
        assert_eq!(field_span(text, inner, "Processes.dest"), inner);
    }
}
