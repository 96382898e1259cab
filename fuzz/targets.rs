//! The bodies of the fuzz targets, shared by `fuzz/fuzz_targets/*.rs`
//! (nightly, `cargo fuzz`) and `tests/fuzz_regressions.rs` (stable, `cargo
//! test`), so a saved input replays through exactly the code that found it.
//!
//! Each function takes the raw fuzzer input. Errors are expected for most
//! inputs and ignored; a panic (or abort, or runaway time or memory) is the
//! finding.

#![allow(dead_code)]

use std::sync::OnceLock;

use arbitrary::{Arbitrary, Unstructured};
use spelunk::events::{EventSource, ReadOptions};
use spelunk::expand::{ExpandLimits, MacroSet};
use spelunk::source::SourceMap;
use spelunk::{Diagnostic, Engine, Event, Value};

/// The engine with the bundled defaults (props, macros, lookups), built
/// once per process.
fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new().expect("the bundled defaults load"))
}

fn read_options() -> ReadOptions<'static> {
    ReadOptions {
        knowledge: engine().knowledge_view(),
        tz: chrono_tz::UTC,
        strict: false,
        // A gzip bomb stops here rather than at libFuzzer's RSS limit.
        max_bytes: 64 << 20,
    }
}

/// Renders an error as the CLI would, so the diagnostic code (source maps,
/// line and column arithmetic, labels) is exercised too.
fn render(diagnostic: Diagnostic) {
    let _ = diagnostic.render(false);
}

/// `parse`: SPL text through the parser (and the lenient parser `lint`
/// uses), the planner on what parses, and the whole compile step (macro
/// expansion with the bundled macros, parse, data model lowering).
pub fn parse(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match spelunk::syntax::parse(text) {
        Ok(pipeline) => {
            let _ = spelunk::fuzzing::plan(&pipeline);
        }
        Err(e) => render(Diagnostic::new(e, &SourceMap::identity("<search>", text))),
    }
    let _ = spelunk::syntax::parser::parse_lenient(text);
    match engine().compile(text, "<search>") {
        Ok(query) => {
            let _ = spelunk::fuzzing::plan(&query.pipeline);
        }
        Err(d) => render(d),
    }
}

/// `expand`: the input is a macros.conf, a NUL byte, then a search. The
/// conf reader loads the macros; the expander expands the search with them;
/// the expansion is parsed and any error rendered through the source map.
pub fn expand(data: &[u8]) {
    let (conf, search) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&data[..0], data),
    };
    let (Ok(conf), Ok(search)) = (std::str::from_utf8(conf), std::str::from_utf8(search)) else {
        return;
    };
    let mut macros = MacroSet::new();
    if let Err(e) = macros.load_conf_str(conf, "macros.conf") {
        let _ = e.to_string();
    }
    let limits = ExpandLimits::default();
    match spelunk::expand::expand(search, "<search>", &macros, &limits) {
        Ok(expanded) => {
            if let Err(e) = spelunk::syntax::parse(&expanded.text) {
                render(Diagnostic::new(e, &expanded.map));
            }
        }
        Err(e) => render(Diagnostic::new(e, &SourceMap::identity("<search>", search))),
    }
    let _ = spelunk::expand::find_calls(search);
}

/// `ndjson`: the first line is a search, the rest the bytes of an NDJSON
/// file. The bytes go through the whole-file reader (`read_source`'s path)
/// and, with the search's pre-filter and projection, through the streaming
/// chunk reader `run` uses for NDJSON files.
pub fn ndjson(data: &[u8]) {
    let (search, body) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &data[..0]),
    };
    let opts = read_options();
    let src = EventSource::file("fuzz.json");
    let _ = spelunk::fuzzing::read_event_bytes(body, "fuzz.json", &src, &opts, &mut |_| {});
    let Ok(search) = std::str::from_utf8(search) else {
        return;
    };
    if let Ok(pipeline) = spelunk::syntax::parse(search) {
        let _ = spelunk::fuzzing::stream_ndjson(&pipeline, body, &opts, &mut |_| {});
    }
}

/// `json_array`: the bytes of a file holding a JSON array of events (a `[`
/// is put in front when the input does not start with one), through the
/// whole-file reader, including its element-by-element recovery.
pub fn json_array(data: &[u8]) {
    let opts = read_options();
    let src = EventSource::file("fuzz.json");
    let starts_array = data
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'[');
    let owned;
    let bytes = if starts_array {
        data
    } else {
        owned = [b"[".as_slice(), data].concat();
        &owned
    };
    let _ = spelunk::fuzzing::read_event_bytes(bytes, "fuzz.json", &src, &opts, &mut |_| {});
}

/// `xml_events`: Windows XML event text, read with sourcetype
/// `XmlWinEventLog` (line breaking, timestamps, field extraction) and
/// recognised from the content, and the XML field flattener `spath` and
/// `xpath` share.
pub fn xml_events(data: &[u8]) {
    let opts = read_options();
    for sourcetype in ["XmlWinEventLog", ""] {
        let src = EventSource::file("fuzz.xml").with_sourcetype(sourcetype);
        let _ = spelunk::fuzzing::read_event_bytes(data, "fuzz.xml", &src, &opts, &mut |_| {});
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let mut event = Event::new();
        let _ = spelunk::xml_fields::flatten_xml(text, &mut event);
        let _ = spelunk::xml_fields::xml_values_at(text, "Event.System.EventID");
    }
}

/// `evtx`: the bytes of a binary `.evtx` file through the binary reader
/// (`events::evtx::read_evtx`: file header, chunks, templates, every
/// record rendered as the forwarder's XML), then the first record's XML
/// through the reader `-e` uses for XML events, with the bundled knowledge.
///
/// Only the first record goes through the knowledge layer: doing it for
/// every record of a 64 KB chunk made 85% of each execution the per-event
/// knowledge work the `xml_events` target already covers, and held this
/// target near 70 executions a second.
pub fn evtx(data: &[u8]) {
    let mut first = None;
    let _ = spelunk::events::evtx::read_evtx(
        data,
        spelunk::events::evtx::XmlStyle::default(),
        &mut |record| {
            first.get_or_insert(record.xml);
        },
        &mut |problem| {
            let _ = problem.to_string();
        },
    );
    if let Some(xml) = first {
        let opts = read_options();
        let src = EventSource::file("fuzz.evtx").with_sourcetype("XmlWinEventLog");
        let _ = spelunk::fuzzing::read_event_bytes(
            xml.as_bytes(),
            "fuzz.evtx",
            &src,
            &opts,
            &mut |_| {},
        );
    }
}

/// `conf`: the same text as props.conf, transforms.conf, eventtypes.conf,
/// tags.conf and macros.conf (and the plain stanza reader), then the event
/// types and tags compiled, and a JSON event read through that knowledge.
pub fn conf(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = spelunk::conf::parse(text, "fuzz.conf");
    let mut knowledge = spelunk::knowledge::Knowledge::new();
    for name in [
        "props.conf",
        "transforms.conf",
        "eventtypes.conf",
        "tags.conf",
    ] {
        let _ = knowledge.load_conf(name, text, name);
    }
    let _ = knowledge.warnings();
    let mut lookups = spelunk::lookup::LookupRegistry::new();
    let _ = lookups.load_transforms_str(text, "transforms.conf");
    let mut macros = MacroSet::new();
    let _ = macros.load_conf_str(text, "macros.conf");
    let view = spelunk::knowledge::KnowledgeView::new(&knowledge, &lookups);
    let _ = knowledge.compile_tags();
    let opts = ReadOptions {
        knowledge: view,
        tz: chrono_tz::UTC,
        strict: false,
        // A gzip bomb stops here rather than at libFuzzer's RSS limit.
        max_bytes: 64 << 20,
    };
    let event = br#"{"_time":"2024-01-01T00:00:00Z","user":"alice","action":"login"}"#;
    for sourcetype in ["", "fuzz", "XmlWinEventLog"] {
        let src = EventSource::file("fuzz.json").with_sourcetype(sourcetype);
        let _ = spelunk::fuzzing::read_event_bytes(event, "fuzz.json", &src, &opts, &mut |_| {});
    }
}

/// `yaml_detection`: a security_content YAML file as a detection (its
/// `search:`), as a macro definition and as a lookup definition.
pub fn yaml_detection(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(file) = spelunk::detection::search_from_detection_yaml(text, "fuzz.yml") {
        let _ = spelunk::syntax::parse(&file.search);
    }
    let mut macros = MacroSet::new();
    let _ = macros.load_yaml_str(text, "fuzz.yml");
    let mut lookups = spelunk::lookup::LookupRegistry::new();
    let _ = lookups.load_yaml_str(text, "fuzz.yml");
}

/// `csv_lookup`: a lookup table's CSV text.
pub fn csv_lookup(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(table) = spelunk::lookup::parse_csv(text) {
        let _ = table.rows.len();
    }
}

/// Field names the eval target's event has.
const FIELDS: &[&str] = &["n", "s", "mv", "_time", "ip", "missing"];

/// A literal or field reference for an eval function's argument.
#[derive(Arbitrary, Debug)]
pub enum Arg {
    /// A number literal.
    Num(f64),
    /// A small integer literal (widths, counts, indexes).
    Int(i16),
    /// A string literal.
    Str(String),
    /// A field of the event, by index in [`FIELDS`].
    Field(u8),
    /// `null()`.
    Null,
    /// `true()` or `false()`.
    Bool(bool),
    /// A nested call.
    Call(Box<Call>),
}

/// An eval function call: the function by index in the registry, and its
/// arguments (the count is brought within the function's arity).
#[derive(Arbitrary, Debug)]
pub struct Call {
    /// Index into `spelunk::functions::eval::all()`.
    pub function: u16,
    /// The arguments.
    pub args: Vec<Arg>,
}

/// The eval target's input: a call, and the event's field values.
#[derive(Arbitrary, Debug)]
pub struct EvalInput {
    /// The expression.
    pub call: Call,
    /// `n`.
    pub n: f64,
    /// `s`.
    pub s: String,
    /// `mv` (a multivalue field when it has two or more values).
    pub mv: Vec<String>,
}

fn push_string_literal(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

fn render_arg(arg: &Arg, depth: usize, out: &mut String) {
    match arg {
        Arg::Num(n) if n.is_finite() => out.push_str(&format!("{n:?}")),
        Arg::Num(_) => out.push('0'),
        Arg::Int(i) => out.push_str(&i.to_string()),
        Arg::Str(s) => push_string_literal(out, s),
        Arg::Field(i) => out.push_str(FIELDS[*i as usize % FIELDS.len()]),
        Arg::Null => out.push_str("null()"),
        Arg::Bool(b) => out.push_str(if *b { "true()" } else { "false()" }),
        Arg::Call(call) if depth < 4 => render_call(call, depth + 1, out),
        Arg::Call(_) => out.push_str("null()"),
    }
}

fn render_call(call: &Call, depth: usize, out: &mut String) {
    let specs: Vec<_> = spelunk::functions::eval::all().collect();
    let spec = specs[call.function as usize % specs.len()];
    out.push_str(spec.name);
    out.push('(');
    let want = call.args.len().clamp(spec.min, spec.max.min(spec.min + 6));
    for i in 0..want {
        if i > 0 {
            out.push_str(", ");
        }
        match call.args.get(i) {
            Some(arg) => render_arg(arg, depth, out),
            None => out.push('1'),
        }
    }
    out.push(')');
}

/// The expression text an [`EvalInput`] stands for.
pub fn eval_text(input: &EvalInput) -> String {
    let mut out = String::new();
    render_call(&input.call, 0, &mut out);
    out
}

/// `eval`: a call of a registry function (chosen by index) with literal,
/// field and nested-call arguments, parsed and evaluated over an event.
pub fn eval(data: &[u8]) {
    let Ok(input) = EvalInput::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let text = eval_text(&input);
    let Ok(expr) = spelunk::eval::parse_expr(&text, 0) else {
        return;
    };
    let mut event = Event::new();
    event.set("n", Value::Num(input.n));
    event.set("s", Value::from(input.s.as_str()));
    if let Some(mv) = Value::from_list(input.mv.clone()) {
        event.set("mv", mv);
    }
    event.set("_time", Value::Num(1_700_000_000.0));
    event.set("ip", Value::from("10.1.2.3"));
    let ctx = spelunk::eval::EvalContext::at(1_700_000_000.0, chrono_tz::UTC);
    if let Ok(value) = expr.eval(&event, &ctx) {
        let _ = format!("{value:?}");
    }
}
