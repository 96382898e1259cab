//! Reading events: JSON files (optionally gzip-compressed) or stdin into
//! [`Event`]s with `_raw`, `_time`, metadata and search-time fields.
//!
//! Formats are detected from the content, not the file name:
//!
//! | content                                  | events                       |
//! |------------------------------------------|------------------------------|
//! | one JSON value per line (NDJSON)         | one per non-blank line       |
//! | a JSON array                             | one per element              |
//! | a single JSON object (may span lines)    | one                          |
//! | `{"Records": [...]}` (CloudTrail files)  | one per record               |
//!
//! gzip input is recognised by its magic bytes (`1f 8b`).

mod archive;
pub mod defaults;
pub mod evtx;
mod flatten;
pub mod linebreak;
pub mod prefilter;
pub mod project;
pub mod rawtime;
pub mod scan;
pub mod stream;
pub mod text;
mod timestamp;

pub use flatten::{flatten_json, flatten_json_prefix};
pub use timestamp::{detect as detect_time, FoundTime};

use std::io::Read;
use std::path::PathBuf;

use serde_json::Value as Json;

use crate::error::{Error, Result};
use crate::event::{Event, FieldName, Key};
use crate::knowledge::extracted::INDEXED_NAMES;
use crate::knowledge::{KnowledgeView, SourceMeta, SourcetypeProps};
use crate::value::Value;
use defaults::DefaultFields;

/// Fields to extract from each event (the plan decides them,
/// [`crate::plan::Plan::projection`]; the streaming readers honour them).
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    /// Flattened field names (`a.b.c`, `a{}.b`), always with `_time`.
    pub fields: std::collections::BTreeSet<String>,
    /// Whether `_raw` is read.
    pub raw: bool,
}

/// Where events come from and the metadata they get.
///
/// `EventSource::default()` reads standard input with every setting left to
/// the content; [`EventSource::file`] and the `with_*` builders name the rest:
///
/// ```
/// use spelunk::EventSource;
/// let src = EventSource::file("events.json").with_sourcetype("aws:cloudtrail");
/// assert_eq!(src.sourcetype, "aws:cloudtrail");
/// ```
#[derive(Debug, Clone, Default)]
pub struct EventSource {
    /// The file to read; `None` reads stdin.
    pub path: Option<PathBuf>,
    /// The `sourcetype` of every event; selects the props.conf stanza.
    /// Empty: recognised from the content (JSON is `_json`; Windows XML
    /// events `XmlWinEventLog`, classic Windows event log text
    /// `WinEventLog`, Linux audit records `linux:audit`, `.evtx` files
    /// `XmlWinEventLog`; other text is named after the file).
    pub sourcetype: String,
    /// The `source` field; default: the path, or `stdin`.
    pub source: Option<String>,
    /// The `host` field; default: `spelunk`.
    pub host: Option<String>,
    /// The `index` field; default: `main`.
    pub index: Option<String>,
}

impl EventSource {
    /// Events from a file (or a folder, or an archive), everything else
    /// recognised from the content.
    pub fn file(path: impl Into<PathBuf>) -> EventSource {
        EventSource {
            path: Some(path.into()),
            ..EventSource::default()
        }
    }

    /// Sets the sourcetype of every event (selects the props.conf stanza).
    pub fn with_sourcetype(mut self, sourcetype: impl Into<String>) -> EventSource {
        self.sourcetype = sourcetype.into();
        self
    }

    /// Sets the `source` field of every event.
    pub fn with_source(mut self, source: impl Into<String>) -> EventSource {
        self.source = Some(source.into());
        self
    }

    /// Sets the `host` field of every event.
    pub fn with_host(mut self, host: impl Into<String>) -> EventSource {
        self.host = Some(host.into());
        self
    }

    /// Sets the `index` field of every event.
    pub fn with_index(mut self, index: impl Into<String>) -> EventSource {
        self.index = Some(index.into());
        self
    }
}

/// An input item that could not be read as an event: a line that is not
/// valid JSON, or a damaged part of a binary `.evtx` file.
#[derive(Debug, Clone, PartialEq)]
pub struct Malformed {
    /// The file (`-` for stdin, or the name given to [`read_str`]).
    pub file: String,
    /// 1-based line where the problem is; 0 for a binary file, whose
    /// reason names the place (an `.evtx` chunk and its byte offset).
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {}",
            crate::error::file_location(&self.file, self.line),
            self.reason
        )
    }
}

/// What reading one source produced, besides the events.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadReport {
    /// Events passed to the sink.
    pub events: usize,
    /// Items skipped as malformed (only when not strict).
    pub malformed: Vec<Malformed>,
    /// Events with no timestamp of their own: they got Splunk's fallback
    /// time (the previous event's, the file's modification time, or now).
    pub untimed: usize,
    /// Knowledge that applies but cannot run (a `REPORT-` naming no
    /// transform, a `LOOKUP-` whose table is missing), to show once.
    pub notices: Vec<String>,
}

/// How to read.
#[derive(Debug, Clone)]
pub struct ReadOptions<'a> {
    /// The knowledge layer: sourcetype settings, transforms, lookups, event
    /// types, tags.
    pub knowledge: KnowledgeView<'a>,
    /// Zone for timestamps without an offset, unless the sourcetype sets `TZ`.
    pub tz: chrono_tz::Tz,
    /// Fail on the first malformed item instead of reporting and skipping it.
    pub strict: bool,
    /// Most bytes a file read whole may hold, decompressed (the search's
    /// memory budget): `-e /dev/zero` or a gzip bomb is an error, not an
    /// abort.
    pub max_bytes: u64,
}

/// Parquet files (local, or at an `s3://` URL) are columns, not event
/// text: the DataFusion backend reads them. Said up front, rather than
/// each row group reported malformed or the URL as a missing file.
pub(crate) fn refuse_parquet(path: &std::path::Path) -> Result<()> {
    let object_store = path.to_str().is_some_and(|p| p.starts_with("s3://"));
    if object_store
        || path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
    {
        return Err(Error::Io {
            path: path.display().to_string(),
            message: "Parquet event files are read by the DataFusion backend: run with `--engine datafusion` (a spelunk built with `--features datafusion`)".into(),
        });
    }
    Ok(())
}

/// Reads a file (or stdin) and passes each event to `sink`.
///
/// Errors: the file cannot be read or decompressed ([`Error::Io`] naming
/// it); a malformed item under `strict` ([`Error::MalformedEvent`]); the
/// sourcetype needs something unsupported ([`Error::Config`]).
pub fn read_source(
    src: &EventSource,
    opts: &ReadOptions,
    sink: &mut dyn FnMut(Event),
) -> Result<ReadReport> {
    let (name, bytes, modified) = match &src.path {
        Some(path) => {
            refuse_parquet(path)?;
            let name = path.display().to_string();
            let file = std::fs::File::open(path).map_err(|e| Error::io(&name, e))?;
            let bytes = read_bounded(file, opts.max_bytes, &name)?;
            (name, bytes, modified_time(path))
        }
        None => {
            let bytes = read_bounded(std::io::stdin(), opts.max_bytes, "-")?;
            ("-".to_string(), bytes, None)
        }
    };
    read_file_bytes(bytes, &name, src, opts, modified, sink)
}

/// Reads a whole file's `bytes` as [`read_source`] does once it has them:
/// un-gzipped (to the memory budget), a tar archive member by member,
/// anything else by its content.
pub(crate) fn read_file_bytes(
    bytes: Vec<u8>,
    name: &str,
    src: &EventSource,
    opts: &ReadOptions,
    modified: Option<f64>,
    sink: &mut dyn FnMut(Event),
) -> Result<ReadReport> {
    let bytes = gunzip_if_compressed(bytes, name, opts.max_bytes)?;
    if archive::is_tar(&bytes) {
        return archive::read_tar(&bytes, name, src, opts, modified, sink);
    }
    read_bytes(&bytes, name, src, opts, modified, sink)
}

/// A text file (not JSON, `.evtx` or an archive) opened for the streaming
/// path, with its sourcetype decided; its bytes are read in chunks.
pub(crate) struct TextFile {
    /// The source with its sourcetype (given or recognised).
    pub source: EventSource,
    /// The name reports use.
    pub name: String,
    /// The first bytes (decompressed, without a byte order mark), read to
    /// recognise the content; `reader` gives the rest.
    pub head: Vec<u8>,
    /// The rest of the (decompressed) bytes.
    pub reader: Box<dyn Read + Send>,
    /// Its modification time (the time of events without one).
    pub modified: Option<f64>,
}

/// How much of a file is read to recognise its content.
const HEAD_BYTES: usize = 64 * 1024;

impl TextFile {
    /// Opens `src`'s file; `Ok(None)` when it is not such a text file (or
    /// the whole-file reader has an error to report about it).
    pub(crate) fn open(src: &EventSource) -> Result<Option<TextFile>> {
        let Some(path) = &src.path else {
            return Ok(None);
        };
        let name = path.display().to_string();
        let file = std::fs::File::open(path).map_err(|e| Error::io(&name, e))?;
        let mut reader: Box<dyn Read + Send> = Box::new(file);
        let mut head = read_up_to(&mut reader, HEAD_BYTES).map_err(|e| Error::io(&name, e))?;
        if head.starts_with(&[0x1f, 0x8b]) {
            let compressed = std::io::Cursor::new(head).chain(reader);
            reader = Box::new(flate2::read::MultiGzDecoder::new(compressed));
            // A damaged stream: the whole-file reader reports it.
            let Ok(decompressed) = read_up_to(&mut reader, HEAD_BYTES) else {
                return Ok(None);
            };
            head = decompressed;
        }
        if archive::is_tar(&head) {
            return Ok(None);
        }
        let content = content_of(&head);
        if !matches!(content, Content::Text(_)) {
            return Ok(None);
        }
        let source = with_sourcetype(src, &content);
        if source.sourcetype == "_json" {
            return Ok(None);
        }
        let bom = head.len() - strip_bom(&head).len();
        head.drain(..bom);
        Ok(Some(TextFile {
            source,
            name,
            head,
            reader,
            modified: modified_time(path),
        }))
    }
}

/// Reads until `limit` bytes or the end.
fn read_up_to(reader: &mut dyn Read, limit: usize) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    reader.take(limit as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

/// A file's modification time in epoch seconds (Splunk's time for events
/// of a file that has no timestamp at all).
fn modified_time(path: &std::path::Path) -> Option<f64> {
    let modified = std::fs::metadata(path).ok()?.modified().ok()?;
    let since = modified.duration_since(std::time::UNIX_EPOCH).ok()?;
    Some(since.as_secs_f64())
}

/// Like [`read_source`], from text in memory; `name` stands for the file
/// name in reports and errors.
pub fn read_str(
    text: &str,
    name: &str,
    src: &EventSource,
    opts: &ReadOptions,
    sink: &mut dyn FnMut(Event),
) -> Result<ReadReport> {
    read_bytes(text.as_bytes(), name, src, opts, None, sink)
}

/// Reads all of `reader`, or fails once it gives more than `max` bytes
/// (the memory budget a file read whole is held to).
fn read_bounded(reader: impl Read, max: u64, name: &str) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader
        .take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(name, e))?;
    if bytes.len() as u64 > max {
        return Err(too_large(name, max));
    }
    Ok(bytes)
}

/// The error for a file whose (decompressed) bytes go over the budget.
fn too_large(name: &str, max: u64) -> Error {
    Error::MemoryBudget {
        command: format!("reading `{name}` whole"),
        limit: max,
        span: None,
    }
}

/// Decompresses gzip data (all members), to at most `max` bytes; other
/// data is returned as is.
fn gunzip_if_compressed(bytes: Vec<u8>, name: &str, max: u64) -> Result<Vec<u8>> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(bytes);
    }
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes.as_slice())
        .take(max.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| Error::io(name, format!("gzip: {e}")))?;
    if out.len() as u64 > max {
        return Err(too_large(name, max));
    }
    Ok(out)
}

/// Everything needed to turn one JSON item into an event.
struct Reader<'a, 'b> {
    name: &'a str,
    st: SourcetypeProps,
    metadata: [(&'static str, String); 4],
    opts: &'a ReadOptions<'b>,
    report: ReadReport,
    sink: &'a mut dyn FnMut(Event),
    /// Finds times in the raw text (unless `TIMESTAMP_FIELDS` are set).
    recognizer: Option<rawtime::TimestampRecognizer>,
    cache: timestamp::TimeCache,
    /// The time of events that have none.
    fallback: rawtime::TimeFallback,
    /// `TRUNCATE`, when a long line that is not JSON is the event Splunk
    /// cut there ([`cut_limit`]).
    cut_limit: Option<usize>,
}

/// The `TRUNCATE` (in bytes) at which a line of `st`'s JSON events that is
/// not valid JSON is still an event: the one Splunk indexes from it.
///
/// Splunk reads every file as text: a line longer than `TRUNCATE` (default
/// 10000 bytes) is cut there, and the cut line stays an event, marked with
/// the indexed field `meta::truncated` ("Anatomy of an event", Splunk 4.0
/// Admin manual); search-time JSON extraction (`KV_MODE = json`, or
/// `AUTO_KV_JSON`) then gives the fields complete before the cut
/// ([`flatten_json_prefix`]). So a line at least `TRUNCATE` bytes long
/// that does not parse is such an event: its `_raw` is its first
/// `TRUNCATE` bytes, it has `meta=truncated`, and its fields are the JSON
/// before the cut. A shorter line that does not parse is no cut event but
/// broken data, reported as malformed with its file and line. `_json`
/// (`INDEXED_EXTRACTIONS = json`: structured data, not text) has no such
/// events (`None`), nor has `TRUNCATE = 0` (no limit).
pub(crate) fn cut_limit(st: &SourcetypeProps) -> Result<Option<usize>> {
    if st.indexed_json {
        return Ok(None);
    }
    let get = |key: &str| st.index_setting(key);
    linebreak::truncate_setting(&get).map_err(|e| st.index_setting_error(&e.key, &e.message))
}

/// The event Splunk indexed from `line`, a line that is not valid JSON,
/// when it is at least `limit` bytes long (see [`cut_limit`]): its `_raw`
/// (the first `limit` bytes, at a character boundary) and the JSON fields
/// complete before the cut (but a JSON key `meta`: the event's `meta` is
/// the indexed `meta=truncated`).
pub(crate) fn cut_line(line: &str, limit: usize) -> Option<(&str, Event)> {
    if line.len() < limit {
        return None;
    }
    let raw = &line[..linebreak::floor_char_boundary(line, limit)];
    let mut fields = Event::new();
    flatten_json_prefix(raw, &mut fields);
    // The indexed `meta=truncated` is the event's `meta`.
    fields.remove(TRUNCATED_META.0);
    Some((raw, fields))
}

/// The indexed field Splunk gives an event cut at `TRUNCATE`.
pub(crate) const TRUNCATED_META: (&str, &str) = ("meta", "truncated");

/// The notice, once per file, that lines were read as cut events.
pub(crate) fn cut_notice(file: &str, limit: usize) -> String {
    format!(
        "{file}: lines that are not valid JSON and at least TRUNCATE ({limit}) bytes long were read as the events Splunk cuts at TRUNCATE: the JSON fields before the cut, meta=truncated"
    )
}

/// The metadata fields every event of `src` gets: `sourcetype`, `source`
/// (default: the file's path), `host` (default `spelunk`), `index` (default
/// `main`). The sourcetype is the one given; [`metadata_for`] gives the one
/// searches see.
pub(crate) fn metadata_fields(src: &EventSource) -> [(&'static str, String); 4] {
    let default_source = match &src.path {
        Some(path) => path.display().to_string(),
        None => "stdin".to_string(),
    };
    [
        ("sourcetype", src.sourcetype.clone()),
        ("source", src.source.clone().unwrap_or(default_source)),
        ("host", src.host.clone().unwrap_or_else(|| "spelunk".into())),
        ("index", src.index.clone().unwrap_or_else(|| "main".into())),
    ]
}

/// The metadata of `src`'s events as searches see them: the sourcetype
/// after `rename`.
pub(crate) fn metadata_for(src: &EventSource, st: &SourcetypeProps) -> [(&'static str, String); 4] {
    let mut metadata = metadata_fields(src);
    metadata[0].1 = st.name.clone();
    metadata
}

/// The knowledge that applies to `src`'s events.
pub(crate) fn knowledge_for(src: &EventSource, knowledge: &KnowledgeView<'_>) -> SourcetypeProps {
    let metadata = metadata_fields(src);
    knowledge.resolve(SourceMeta {
        sourcetype: &src.sourcetype,
        source: &metadata[1].1,
        host: &metadata[2].1,
    })
}

/// What a file holds, by its first bytes.
pub(crate) enum Content {
    Evtx,
    Json,
    Text(text::TextShape),
}

pub(crate) fn content_of(bytes: &[u8]) -> Content {
    if evtx::is_evtx(bytes) {
        return Content::Evtx;
    }
    let body = strip_bom(bytes);
    let head = &body[..body.len().min(8192)];
    let start = head.iter().position(|b| !b.is_ascii_whitespace());
    match start.map(|i| head[i]) {
        Some(b'{') | None => Content::Json,
        Some(b'[') if starts_json_array(&head[start.unwrap_or(0)..]) => Content::Json,
        Some(_) => Content::Text(text::TextShape::sniff(&String::from_utf8_lossy(head))),
    }
}

/// Whether text starting with `[` is a JSON array rather than a log line
/// that opens with a bracketed field (`[17/Jan/2024:10:00:00] ...`): the
/// first line is a whole JSON value, or the array opens with an object,
/// array, string or its end (a pretty-printed array of events).
fn starts_json_array(text: &[u8]) -> bool {
    let first_line = text.split(|&b| b == b'\n').next().unwrap_or_default();
    if serde_json::from_slice::<serde::de::IgnoredAny>(first_line).is_ok() {
        return true;
    }
    matches!(
        text.get(1..)
            .unwrap_or_default()
            .iter()
            .find(|b| !b.is_ascii_whitespace()),
        Some(b'{' | b'[' | b'"' | b']') | None
    )
}

/// `src` with its sourcetype decided: the one given, or the one the
/// content shows (see [`EventSource::sourcetype`]).
pub(crate) fn with_sourcetype(src: &EventSource, content: &Content) -> EventSource {
    let mut src = src.clone();
    if src.sourcetype.is_empty() {
        src.sourcetype = match content {
            Content::Evtx => "XmlWinEventLog".to_string(),
            Content::Json => "_json".to_string(),
            Content::Text(shape) => match shape.sourcetype() {
                Some(st) => st.to_string(),
                None => src
                    .path
                    .as_ref()
                    .and_then(|p| p.file_stem())
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "stdin".to_string()),
            },
        };
    }
    src
}

fn read_bytes(
    bytes: &[u8],
    name: &str,
    src: &EventSource,
    opts: &ReadOptions,
    modified: Option<f64>,
    sink: &mut dyn FnMut(Event),
) -> Result<ReadReport> {
    let content = content_of(bytes);
    let src = &with_sourcetype(src, &content);
    match content {
        Content::Evtx => return text::read_evtx_events(bytes, name, src, opts, modified, sink),
        Content::Text(shape) => {
            if src.sourcetype == "_json" {
                return Err(Error::io(
                    name,
                    format!(
                        "is not JSON{}, but its sourcetype is _json: give its sourcetype, or leave it out to have it recognised",
                        match shape.sourcetype() {
                            Some(st) => format!(" (it looks like {st} events)"),
                            None => String::new(),
                        }
                    ),
                ));
            }
            let text = String::from_utf8_lossy(strip_bom(bytes));
            return text::read_text_events(&text, name, src, opts, modified, sink);
        }
        Content::Json => {}
    }
    let st = knowledge_for(src, &opts.knowledge);
    st.check_supported()?;
    let metadata = metadata_for(src, &st);
    let report = ReadReport {
        notices: st.problems.clone(),
        ..ReadReport::default()
    };
    let recognizer = timestamp::recognizer_for(&st, opts.tz)?;
    let cut_limit = cut_limit(&st)?;
    let mut reader = Reader {
        name,
        st,
        metadata,
        opts,
        report,
        sink,
        recognizer,
        cache: timestamp::TimeCache::default(),
        fallback: rawtime::TimeFallback::new(modified, crate::eval::search_start_time()),
        cut_limit,
    };
    let bytes = strip_bom(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => reader.read_text(text)?,
        // Not UTF-8 as a whole: only line by line can the good lines be kept.
        Err(_) => reader.read_lines(bytes)?,
    }
    Ok(reader.report)
}

/// One element of a JSON array's text, found without parsing it.
#[derive(Debug, PartialEq)]
struct Element<'t> {
    /// 0-based position in the array.
    index: usize,
    /// Byte offset of its first character in the whole text.
    start: usize,
    /// Its text, trimmed.
    text: &'t str,
}

/// Splits the text of a JSON array (starting with `[`, after whitespace)
/// into its elements: each ends at a `,` or `]` outside any string,
/// object or array opened inside it. Brackets are counted, not matched,
/// so a broken element ends at the first separator that balances it (or
/// at the end of the text); the elements around it are found all the
/// same. Text after the closing `]` is an element too, so it is reported
/// rather than ignored.
fn array_elements<'t>(text: &'t str) -> Vec<Element<'t>> {
    let bytes = text.as_bytes();
    let Some(open) = text.find('[') else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut start = open + 1;
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let push = |from: usize, to: usize, out: &mut Vec<Element<'t>>| {
        let piece = &text[from..to];
        let trimmed = piece.trim_start();
        let lead = piece.len() - trimmed.len();
        let trimmed = trimmed.trim_end();
        if !trimmed.is_empty() {
            let index = out.len();
            out.push(Element {
                index,
                start: from + lead,
                text: trimmed,
            });
        }
    };
    for (i, &b) in bytes.iter().enumerate().skip(open + 1) {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' if depth > 0 => depth -= 1,
            b']' => {
                push(start, i, &mut out);
                start = i + 1;
                break;
            }
            b',' if depth == 0 => {
                push(start, i, &mut out);
                start = i + 1;
            }
            _ => {}
        }
    }
    // An unclosed array's last element, or text after the closing `]`.
    push(start, text.len(), &mut out);
    out
}

pub(crate) fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes)
}

impl Reader<'_, '_> {
    /// Detects the format (see the module table) and reads it.
    fn read_text(&mut self, text: &str) -> Result<()> {
        match text.trim_start().chars().next() {
            None => Ok(()),
            Some('[') => match serde_json::from_str::<Json>(text) {
                Ok(Json::Array(items)) => self.read_items(items),
                Ok(other) => self.emit_value(text.trim().to_string(), &other),
                // One bad element must not cost the good ones: read the
                // array element by element.
                Err(_) => self.read_elements(text),
            },
            Some('{') => match serde_json::from_str::<Json>(text) {
                Ok(Json::Object(mut map)) if matches!(map.get("Records"), Some(Json::Array(_))) => {
                    match map.remove("Records") {
                        Some(Json::Array(records)) => self.read_items(records),
                        _ => Ok(()),
                    }
                }
                Ok(value) => self.emit_value(text.trim().to_string(), &value),
                // More than one value (or a broken one): read line by line.
                Err(_) => self.read_lines(text.as_bytes()),
            },
            Some(_) => self.read_lines(text.as_bytes()),
        }
    }

    /// Elements of an array or of `Records`: `_raw` is the element
    /// re-serialised, keys in their original order.
    fn read_items(&mut self, items: Vec<Json>) -> Result<()> {
        for item in items {
            let raw = serde_json::to_string(&item).unwrap_or_default();
            self.emit_value(raw, &item)?;
        }
        Ok(())
    }

    /// A JSON array that does not parse as a whole: each element that
    /// parses is an event, each one that does not is malformed, named by
    /// its line and its position in the array.
    fn read_elements(&mut self, text: &str) -> Result<()> {
        for element in array_elements(text) {
            match serde_json::from_str::<Json>(element.text) {
                Ok(item) => {
                    let raw = serde_json::to_string(&item).unwrap_or_default();
                    self.emit_value(raw, &item)?;
                }
                Err(e) => {
                    // The element's own line; serde's position is relative
                    // to the element, so it is left out.
                    let line = 1 + text[..element.start].matches('\n').count();
                    let message = e.to_string();
                    let reason = message
                        .rfind(" at line ")
                        .map_or(message.as_str(), |at| &message[..at]);
                    self.malformed(
                        line,
                        format!("array element {}: {reason}", element.index + 1),
                    )?;
                }
            }
        }
        Ok(())
    }

    /// NDJSON: one value per line; blank lines are skipped, a BOM and a
    /// trailing `\r` are removed; `_raw` is the line as written.
    fn read_lines(&mut self, bytes: &[u8]) -> Result<()> {
        for (idx, line) in bytes.split(|&b| b == b'\n').enumerate() {
            let line_no = idx + 1;
            let line = strip_bom(line);
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let Ok(line) = std::str::from_utf8(line) else {
                self.malformed(line_no, "line is not valid UTF-8".into())?;
                continue;
            };
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Json>(line) {
                Ok(value) => self.emit_value(line.to_string(), &value)?,
                Err(e) => match self.cut_limit.and_then(|limit| cut_line(line, limit)) {
                    Some((raw, fields)) => self.emit_cut(raw.to_string(), fields),
                    None => self.malformed(line_no, e.to_string())?,
                },
            }
        }
        Ok(())
    }

    /// Records a malformed item, or fails under `strict`.
    fn malformed(&mut self, line: usize, reason: String) -> Result<()> {
        if self.opts.strict {
            return Err(Error::MalformedEvent {
                file: self.name.to_string(),
                line,
                message: reason,
            });
        }
        self.report.malformed.push(Malformed {
            file: self.name.to_string(),
            line,
            reason,
        });
        Ok(())
    }

    /// Builds one event and hands it to the sink.
    fn emit_value(&mut self, raw: String, value: &Json) -> Result<()> {
        let mut fields = Event::new();
        flatten_json(value, &mut fields);
        let event = self.build_event(raw, fields, false);
        self.report.events += 1;
        (self.sink)(event);
        Ok(())
    }

    /// Hands the sink the event Splunk cut at `TRUNCATE` ([`cut_line`]).
    fn emit_cut(&mut self, raw: String, fields: Event) {
        if let Some(limit) = self.cut_limit {
            let notice = cut_notice(self.name, limit);
            if !self.report.notices.contains(&notice) {
                self.report.notices.push(notice);
            }
        }
        let event = self.build_event(raw, fields, true);
        self.report.events += 1;
        (self.sink)(event);
    }

    /// Field order: `_raw`, `_time`, metadata, default fields, then the
    /// JSON fields. An event without a timestamp gets Splunk's fallback
    /// time (the previous event's, the file's modification time, now).
    /// A `truncated` event (cut at `TRUNCATE`) has `meta=truncated` after
    /// the metadata.
    fn build_event(&mut self, raw: String, fields: Event, truncated: bool) -> Event {
        let first_text = |name: &str| fields.get(name).and_then(Value::first_text);
        let found = timestamp::event_time_from(
            &self.st,
            &first_text,
            &raw,
            self.opts.tz,
            &mut self.cache,
            self.recognizer.as_ref(),
            self.fallback.anchor(),
        );
        let raw_found = match &found {
            Some(FoundTime::Raw(ts)) => Some(ts),
            _ => None,
        };
        let time = match &found {
            Some(t) => {
                let _ = self.fallback.assign(raw_found);
                t.epoch()
            }
            None => {
                self.report.untimed += 1;
                self.fallback.assign(None).0
            }
        };
        if let Some(FoundTime::Field(t)) = &found {
            // A field's time also anchors the events after it.
            self.fallback.remember(*t);
        }
        let stamp = found.as_ref().and_then(FoundTime::default_fields);
        let with_meta;
        let metadata: &[(&'static str, String)] = if truncated {
            let mut all = self.metadata.to_vec();
            all.push((TRUNCATED_META.0, TRUNCATED_META.1.to_string()));
            with_meta = all;
            &with_meta
        } else {
            &self.metadata
        };
        assemble_event(
            &self.st,
            metadata,
            Some(raw),
            Some(time),
            fields,
            DefaultFields::ALL,
            stamp.as_ref().map(|s| &s[..]),
        )
    }
}

/// Builds a JSON event in Splunk's field order — `_raw` (when kept),
/// `_time`, the metadata fields, the default fields, then the JSON fields —
/// and runs the search-time knowledge over it (see
/// [`crate::knowledge::resolved`]). A JSON key named like a field Splunk
/// sets when indexing (`host`, `source`, ...) becomes `extracted_<name>`
/// (see [`crate::knowledge::extracted`]); a JSON `_raw` key never becomes
/// `_raw`, nor `_time` when the event has a time. Shared by the whole-file
/// and the streaming readers (which pass a flattened [`Event`], or the fast
/// scanner's names and values: either way, `fields` holds each name once).
pub(crate) fn assemble_event<N: AsRef<str> + Into<Key>>(
    st: &SourcetypeProps,
    metadata: &[(&'static str, String)],
    raw: Option<String>,
    time: Option<f64>,
    fields: impl IntoIterator<Item = (N, Value)>,
    defaults: DefaultFields,
    timestamp: Option<&[(&'static str, String)]>,
) -> Event {
    let fields = fields.into_iter();
    // Room for every field up front: growing the map mid-event costs more
    // than the slots.
    let aliases: usize = st.aliases.iter().map(|(_, a)| a.len()).sum();
    let mut event = Event::with_capacity(
        2 + metadata.len() + defaults.count() + fields.size_hint().0 + aliases,
    );
    if let Some(raw) = raw {
        event.set(FieldName::from_static("_raw"), Value::Str(raw));
    }
    if let Some(t) = time {
        event.set(FieldName::from_static("_time"), Value::Num(t));
    }
    for (name, value) in metadata {
        event.set(FieldName::from_static(name), Value::Str(value.clone()));
    }
    defaults.add_to(&mut event, timestamp);
    let explicit = st.has_explicit_extractions();
    if explicit {
        st.apply_extractions(&mut event);
    }
    if st.extracts_json() {
        let has_time = time.is_some();
        for (name, value) in fields {
            let text = name.as_ref();
            if text == "_raw" || (has_time && text == "_time") {
                continue;
            }
            if INDEXED_NAMES.contains(&text) {
                event.set(format!("extracted_{text}"), value);
            } else if explicit || defaults::NAMES.contains(&text) {
                // Automatic extraction replaces what explicit ones found.
                event.set(name, value);
            } else {
                // The JSON fields' names are distinct, so each needs no
                // search of the fields set above (none has a JSON name).
                event.push_absent(name, value);
            }
        }
    }
    st.apply_after_kv(&mut event);
    event
}

#[cfg(test)]
mod tests;
