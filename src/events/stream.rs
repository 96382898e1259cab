//! Streaming NDJSON reading: a file is read in line-aligned chunks, and each
//! chunk's lines become events independently (so chunks can be read on
//! several threads), extracting only the projected fields.
//!
//! Only plain NDJSON files stream; a JSON array, a CloudTrail
//! `{"Records":[...]}` file, a single multi-line object, gzip and stdin go
//! through [`super::read_source`] (see [`NdjsonChunks::open`]).
//!
//! Every line is read exactly as [`super::read_source`] reads NDJSON: a BOM
//! and a trailing `\r` are removed, blank lines skipped, `_raw` is the line,
//! and a line that is not UTF-8 or not JSON is reported as
//! `file:line: reason`. A line the [`Prefilter`] rejects is not flattened,
//! only checked to be valid JSON, so malformed lines are still reported.

use std::borrow::Cow;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use serde::de::IgnoredAny;
use serde_json::Value as Json;

use super::assemble_event;
use super::defaults::DefaultFields;
use super::prefilter::{may_spell_needles_otherwise, Prefilter};
use super::project::{flatten_projected, FieldSet, ProjectError};
use super::rawtime::TimestampRecognizer;
use super::scan::{self, Extracted, Projector, Scan};
use super::timestamp::{self, FoundTime, TimeCache};
use super::{flatten_json, strip_bom, Malformed, ReadOptions};
use crate::error::{Error, Result};
use crate::event::Event;
use crate::events::Projection;
use crate::knowledge::SourcetypeProps;
use crate::value::Value;

use super::EventSource;

/// Default chunk size: small enough that a chunk the reader has just
/// copied is still in cache when a worker scans it (1 MiB measured faster
/// than 4 MiB and than 128 KiB on the seed over 1M records).
pub const DEFAULT_CHUNK_BYTES: usize = 1 << 20;

/// A file's content in chunks that end at a line end (the last one at the
/// end of the file).
#[derive(Debug)]
pub struct NdjsonChunks {
    file: File,
    carry: Vec<u8>,
    /// Buffers of chunks already processed, read into again (a fresh
    /// chunk-sized buffer costs page faults and the kernel's zeroing).
    spare: Vec<Vec<u8>>,
    first: Option<Vec<u8>>,
    chunk_bytes: usize,
    eof: bool,
}

impl NdjsonChunks {
    /// Opens `path` for chunked reading; `Ok(None)` when the file is not
    /// plain NDJSON (its first non-blank line is not a whole JSON object
    /// written without surrounding spaces, is a CloudTrail `Records`
    /// file, or is gzip) and must be read whole.
    pub fn open(path: &Path, chunk_bytes: usize) -> Result<Option<NdjsonChunks>> {
        let name = path.display().to_string();
        let file = File::open(path).map_err(|e| Error::io(&name, e))?;
        let mut chunks = NdjsonChunks {
            file,
            carry: Vec::new(),
            spare: Vec::new(),
            first: None,
            chunk_bytes: chunk_bytes.max(1),
            eof: false,
        };
        let Some(first) = chunks.read_chunk().map_err(|e| Error::io(&name, e))? else {
            return Ok(None);
        };
        if !looks_like_ndjson(&first, chunks.eof) {
            return Ok(None);
        }
        chunks.first = Some(first);
        Ok(Some(chunks))
    }

    /// The next chunk.
    pub fn next_chunk(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        if let Some(first) = self.first.take() {
            return Ok(Some(first));
        }
        self.read_chunk()
    }

    /// Hands back a chunk's buffer for a later chunk.
    pub fn recycle(&mut self, mut buf: Vec<u8>) {
        if self.spare.len() < 8 {
            buf.clear();
            self.spare.push(buf);
        }
    }

    fn read_chunk(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        let mut buf = match self.spare.pop() {
            Some(mut spare) => {
                spare.extend_from_slice(&self.carry);
                self.carry.clear();
                spare
            }
            None => std::mem::take(&mut self.carry),
        };
        let mut target = self.chunk_bytes;
        loop {
            while !self.eof && buf.len() < target {
                // Reads into spare capacity, which (unlike `resize`) is not
                // zeroed first.
                let want = target - buf.len();
                buf.reserve_exact(want);
                let n = (&mut self.file).take(want as u64).read_to_end(&mut buf)?;
                if n < want {
                    self.eof = true;
                }
            }
            if self.eof {
                return Ok((!buf.is_empty()).then_some(buf));
            }
            match memchr::memrchr(b'\n', &buf) {
                Some(pos) => {
                    self.carry.clear();
                    self.carry.extend_from_slice(&buf[pos + 1..]);
                    buf.truncate(pos + 1);
                    return Ok(Some(buf));
                }
                // A line longer than the chunk: read more, to a bound.
                None if buf.len() >= MAX_LINE_BYTES => return Err(EventTooLong::io()),
                None => target = (buf.len() * 2).min(MAX_LINE_BYTES),
            }
        }
    }
}

/// The longest NDJSON line, or text event, the streaming readers take as
/// one event.
pub const MAX_LINE_BYTES: usize = 64 << 20;

/// The read error for input in which no event ends within
/// [`MAX_LINE_BYTES`] (`-e /dev/zero`, a gzip bomb): reported as is, not
/// retried by reading the file whole.
#[derive(Debug)]
pub struct EventTooLong;

impl std::fmt::Display for EventTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "no event ends within {} MiB: not an event file spelunk reads",
            MAX_LINE_BYTES >> 20
        )
    }
}

impl std::error::Error for EventTooLong {}

impl EventTooLong {
    /// The io error carrying it.
    pub fn io() -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::InvalidData, EventTooLong)
    }

    /// Whether `error` is this one.
    pub fn is(error: &std::io::Error) -> bool {
        error
            .get_ref()
            .is_some_and(|inner| inner.is::<EventTooLong>())
    }
}

/// Whether the text starts like NDJSON that the whole-file reader would
/// also read line by line (see [`NdjsonChunks::open`]).
fn looks_like_ndjson(chunk: &[u8], eof: bool) -> bool {
    let bytes = strip_bom(chunk);
    let Some(first) = bytes.iter().position(|b| !b.is_ascii_whitespace()) else {
        return false;
    };
    if bytes[first] != b'{' {
        return false;
    }
    let line_start = bytes[..first]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let rest = &bytes[line_start..];
    let line = match memchr::memchr(b'\n', rest) {
        Some(end) => &rest[..end],
        None if eof => rest,
        None => return false,
    };
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let Ok(text) = std::str::from_utf8(line) else {
        return false;
    };
    if text.trim() != text {
        return false;
    }
    match serde_json::from_str::<Json>(text) {
        Ok(Json::Object(map)) => !matches!(map.get("Records"), Some(Json::Array(_))),
        _ => false,
    }
}

/// What reading one chunk produced besides its events.
#[derive(Debug, Clone, Default)]
pub struct ChunkReport {
    /// Line ends in the chunk (to number the next chunk's lines).
    pub lines: usize,
    /// Malformed lines, numbered from 1 within the chunk.
    pub malformed: Vec<Malformed>,
    /// Events without `_time` (among the lines that were flattened).
    pub untimed: usize,
    /// Valid events, including those the pre-filter skipped.
    pub events: usize,
    /// Notices about the chunk's events (a text event cut short, knowledge
    /// that cannot run), in order.
    pub notices: Vec<String>,
}

/// Turns NDJSON lines of one source into events, extracting only the
/// projected fields.
#[derive(Debug, Clone)]
pub struct LineReader {
    name: String,
    st: SourcetypeProps,
    metadata: Vec<(&'static str, String)>,
    tz: chrono_tz::Tz,
    /// `None`: every field.
    fields: Option<FieldSet>,
    /// The same fields for the fast scanner.
    projector: Option<Projector>,
    raw: bool,
    defaults: DefaultFields,
    prefilter: Option<Prefilter>,
    /// Finds times in the raw line (unless `TIMESTAMP_FIELDS` are set).
    recognizer: Option<TimestampRecognizer>,
    /// Completes timestamps without year or date, and is the time of an
    /// event with none when no event before it in the file has one: the
    /// file's modification time, else now.
    anchor: f64,
    /// `TRUNCATE`, when a long line that is not JSON is the event Splunk
    /// cut there ([`super::cut_limit`]).
    cut_limit: Option<usize>,
}

impl LineReader {
    /// A reader for `src`'s lines; `projection` `None` flattens every field.
    pub fn new(
        src: &EventSource,
        opts: &ReadOptions,
        projection: Option<&Projection>,
        prefilter: Option<Prefilter>,
    ) -> Result<LineReader> {
        let mut st = super::knowledge_for(src, &opts.knowledge);
        st.check_supported()?;
        let recognizer = timestamp::recognizer_for(&st, opts.tz)?;
        let cut_limit = super::cut_limit(&st)?;
        let anchor = src
            .path
            .as_deref()
            .and_then(super::modified_time)
            .unwrap_or_else(crate::eval::search_start_time);
        let mut metadata = super::metadata_for(src, &st).to_vec();
        // The fields to extract, when the knowledge lets us know them.
        let wanted = projection.and_then(|p| wanted_fields(p, &st).map(|w| (p, w)));
        let (fields, raw, defaults) = match wanted {
            Some((p, wanted)) => {
                st.prune_to(&wanted);
                metadata.retain(|(name, _)| wanted.iter().any(|w| w == name));
                let defaults = DefaultFields::among(&wanted);
                let raw = p.raw || defaults.need_raw() || wanted.iter().any(|w| w == "_raw");
                (Some(wanted), raw, defaults)
            }
            None => (None, true, DefaultFields::ALL),
        };
        let projector = fields
            .as_ref()
            .map(|names| Projector::new(names.iter().map(String::as_str)));
        let fields = fields.map(FieldSet::new);
        Ok(LineReader {
            name: match &src.path {
                Some(path) => path.display().to_string(),
                None => "-".to_string(),
            },
            st,
            metadata,
            tz: opts.tz,
            fields,
            projector,
            raw,
            defaults,
            prefilter,
            recognizer,
            anchor,
            cut_limit,
        })
    }

    /// Knowledge that applies but cannot run, to show once.
    pub fn notices(&self) -> &[String] {
        &self.st.problems
    }

    /// The time of the last event in `chunk` that has a timestamp: what an
    /// event without one at the start of the next chunk takes. Reads lines
    /// from the end, so usually one.
    pub fn last_time(&self, chunk: &[u8]) -> Option<f64> {
        let mut end = chunk.len();
        loop {
            let start = memchr::memrchr(b'\n', &chunk[..end]).map_or(0, |i| i + 1);
            if let Some(t) = self.line_time(&chunk[start..end]) {
                return Some(t);
            }
            if start == 0 {
                return None;
            }
            end = start - 1;
        }
    }

    /// The timestamp `line` gives its event, as [`Self::read_chunk`] would
    /// find it; `None` when it has none or is not an event.
    fn line_time(&self, line: &[u8]) -> Option<f64> {
        let line = strip_bom(line);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let line = simdutf8::basic::from_utf8(line).ok()?;
        if line.trim().is_empty() {
            return None;
        }
        let mut times = TimeCache::default();
        if self.st.timestamp_fields.is_empty() {
            // The time is in the text: most lines without one are settled
            // before the JSON is checked.
            let no_fields = |_: &str| None;
            let time = self.time_of(&no_fields, line, &mut times)?.epoch();
            if serde_json::from_str::<IgnoredAny>(line).is_ok() {
                return Some(time);
            }
            let (raw, _) = self.cut(line)?;
            return self.time_of(&no_fields, raw, &mut times).map(|t| t.epoch());
        }
        let (raw, fields) = match serde_json::from_str::<Json>(line) {
            Ok(value) => {
                let mut fields = Event::new();
                flatten_json(&value, &mut fields);
                (line, fields)
            }
            Err(_) => self.cut(line)?,
        };
        let first_text = |name: &str| fields.get(name).and_then(Value::first_text);
        self.time_of(&first_text, raw, &mut times)
            .map(|t| t.epoch())
    }

    /// The name malformed lines are reported under.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Reads the lines of one chunk, passing each event to `sink`. An
    /// event without a timestamp takes Splunk's fallback: the previous
    /// event's time, `start` (the last time before the chunk, see
    /// [`LineReader::last_time`]) at the chunk's start, else the file's
    /// modification time, else now.
    pub fn read_chunk(
        &self,
        chunk: &[u8],
        start: Option<f64>,
        sink: &mut dyn FnMut(Event),
    ) -> ChunkReport {
        let mut report = ChunkReport::default();
        let mut previous = PreviousTime {
            last: start,
            unread: Vec::new(),
        };
        let mut times = TimeCache::default();
        let mut extracted = Extracted::default();
        // The pieces `chunk.split(|&b| b == b'\n')` gives, found with memchr.
        let mut start = 0;
        let mut search = self.prefilter.as_ref().map(|p| p.chunk_search(chunk));
        let ends = memchr::memchr_iter(b'\n', chunk).chain(std::iter::once(chunk.len()));
        for (idx, end) in ends.enumerate() {
            let piece = &chunk[start..end];
            report.lines = idx;
            let line_no = idx + 1;
            let unmarked = strip_bom(piece);
            // Where the line starts in the chunk, for the chunk-wide search.
            let line_start = start + (piece.len() - unmarked.len());
            let line = unmarked.strip_suffix(b"\r").unwrap_or(unmarked);
            let needles = search
                .as_mut()
                .map(|s| s.needles_found(line_start, line_start + line.len()));
            start = end + 1;
            // Most lines the pre-filter rejects are settled here: one scan
            // of the bytes validates the line and shows it ASCII (so UTF-8)
            // without `\u`, so the rejection stands. The rest, including
            // invalid lines, go the way every line went before.
            let span = line_start..line_start + line.len();
            if needles == Some(false) {
                if let Some(facts) = scan::validate_bytes(line) {
                    if facts.ascii && !facts.backslash_u {
                        report.events += 1;
                        previous.unread.push(span);
                        continue;
                    }
                }
            }
            let Ok(line) = simdutf8::basic::from_utf8(line) else {
                self.malformed(&mut report, line_no, "line is not valid UTF-8".into());
                continue;
            };
            if line.trim().is_empty() {
                continue;
            }
            // Rejected, but not settled by the scan: serde_json decides.
            if needles == Some(false) && !may_spell_needles_otherwise(line.as_bytes()) {
                match serde_json::from_str::<IgnoredAny>(line) {
                    Ok(_) => {
                        report.events += 1;
                        previous.unread.push(span);
                    }
                    // A cut event: the pre-filter's needles are in none of
                    // the line, so in none of what is kept of it.
                    Err(_) if self.cut(line).is_some() => {
                        self.note_cut(&mut report);
                        report.events += 1;
                        previous.unread.push(span);
                    }
                    Err(e) => self.malformed(&mut report, line_no, full_parse_error(line, e)),
                }
                continue;
            }
            let mut untimed = false;
            let mut fallback = || {
                untimed = true;
                previous.resolve(self, chunk).unwrap_or(self.anchor)
            };
            let built = match self.build_event(line, &mut times, &mut extracted, &mut fallback) {
                Ok(event) => Some(event),
                Err(reason) => match self.cut(line) {
                    Some((raw, fields)) => {
                        self.note_cut(&mut report);
                        Some(self.build_cut_event(raw, fields, &mut times, &mut fallback))
                    }
                    None => {
                        self.malformed(&mut report, line_no, reason);
                        None
                    }
                },
            };
            if let Some(event) = built {
                if untimed {
                    report.untimed += 1;
                }
                previous.last = event.time().or(previous.last);
                previous.unread.clear();
                report.events += 1;
                sink(event);
            }
        }
        report
    }

    /// The event Splunk cut at `TRUNCATE` from `line`, which is not JSON
    /// ([`super::cut_line`]).
    fn cut<'l>(&self, line: &'l str) -> Option<(&'l str, Event)> {
        self.cut_limit
            .and_then(|limit| super::cut_line(line, limit))
    }

    /// The notice that the file has cut events (once per chunk; the
    /// engine keeps each notice once).
    fn note_cut(&self, report: &mut ChunkReport) {
        if let Some(limit) = self.cut_limit {
            let notice = super::cut_notice(&self.name, limit);
            if !report.notices.contains(&notice) {
                report.notices.push(notice);
            }
        }
    }

    /// [`Self::build_event`] for a cut line: its kept text and the JSON
    /// fields before the cut (those projected), with `meta=truncated`
    /// after the metadata.
    fn build_cut_event(
        &self,
        raw: &str,
        mut fields: Event,
        times: &mut TimeCache,
        fallback: &mut dyn FnMut() -> f64,
    ) -> Event {
        if let Some(set) = &self.fields {
            fields.retain(|name, _| set.contains(name));
        }
        let first_text = |name: &str| fields.get(name).and_then(Value::first_text);
        let found = self.time_of(&first_text, raw, times);
        let stamp = found.as_ref().and_then(FoundTime::default_fields);
        let mut metadata = self.metadata.clone();
        let (meta, truncated) = super::TRUNCATED_META;
        if self.fields.as_ref().is_none_or(|set| set.contains(meta)) {
            metadata.push((meta, truncated.to_string()));
        }
        let time = found.as_ref().map_or_else(fallback, FoundTime::epoch);
        assemble_event(
            &self.st,
            &metadata,
            self.raw.then(|| raw.to_string()),
            Some(time),
            fields,
            self.defaults,
            stamp.as_ref().map(|s| &s[..]),
        )
    }

    fn malformed(&self, report: &mut ChunkReport, line: usize, reason: String) {
        report.malformed.push(Malformed {
            file: self.name.clone(),
            line,
            reason,
        });
    }

    /// Field order: `_raw`, `_time`, metadata, then the JSON fields (as in
    /// the whole-file reader).
    fn build_event(
        &self,
        line: &str,
        times: &mut TimeCache,
        extracted: &mut Extracted,
        fallback: &mut dyn FnMut() -> f64,
    ) -> std::result::Result<Event, String> {
        if let Some(p) = &self.projector {
            if p.scan(line, extracted) == Scan::Done {
                return Ok(self.assemble_extracted(p, line, times, extracted, fallback));
            }
        }
        let mut fields = Event::new();
        match &self.fields {
            None => {
                let value: Json = serde_json::from_str(line).map_err(|e| e.to_string())?;
                flatten_json(&value, &mut fields);
            }
            Some(set) => match flatten_projected(line, set, &mut fields) {
                Ok(()) => {}
                Err(ProjectError::Json(e)) => return Err(full_parse_error(line, e)),
                Err(ProjectError::DuplicateKey) => {
                    fields = Event::new();
                    let value: Json = serde_json::from_str(line).map_err(|e| e.to_string())?;
                    flatten_json(&value, &mut fields);
                    fields.retain(|name, _| set.contains(name));
                }
            },
        }
        let first_text = |name: &str| fields.get(name).and_then(Value::first_text);
        let found = self.time_of(&first_text, line, times);
        let stamp = found.as_ref().and_then(FoundTime::default_fields);
        let raw = self.raw.then(|| line.to_string());
        let time = found.as_ref().map_or_else(fallback, FoundTime::epoch);
        Ok(assemble_event(
            &self.st,
            &self.metadata,
            raw,
            Some(time),
            fields,
            self.defaults,
            stamp.as_ref().map(|s| &s[..]),
        ))
    }

    /// [`assemble_event`] straight from the scanner's values, without an
    /// intermediate field map.
    fn assemble_extracted(
        &self,
        p: &Projector,
        line: &str,
        times: &mut TimeCache,
        extracted: &mut Extracted,
        fallback: &mut dyn FnMut() -> f64,
    ) -> Event {
        let raw = self.raw.then(|| line.to_string());
        // A field's first value in document order is its (multi)value's
        // first text, so the time is read before the fields are taken.
        let first_text = |name: &str| extracted.first_text(p, name).map(Cow::Borrowed);
        let found = self.time_of(&first_text, line, times);
        let stamp = found.as_ref().and_then(FoundTime::default_fields);
        let stamp = stamp.as_ref().map(|s| &s[..]);
        let time = Some(found.as_ref().map_or_else(fallback, FoundTime::epoch));
        if !extracted.has_multivalues() {
            // The common case: one value per field, moved straight from
            // the scanner into the event.
            let named = extracted
                .drain_single()
                .map(|(node, text)| (p.name(node), Value::Str(text)));
            return assemble_event(
                &self.st,
                &self.metadata,
                raw,
                time,
                named,
                self.defaults,
                stamp,
            );
        }
        let named = extracted
            .take_fields()
            .into_iter()
            .map(|(node, value)| (p.name(node), value));
        assemble_event(
            &self.st,
            &self.metadata,
            raw,
            time,
            named,
            self.defaults,
            stamp,
        )
    }

    /// The event's time (see [`timestamp::event_time_from`]).
    fn time_of<'f>(
        &self,
        first_text: &dyn Fn(&str) -> Option<Cow<'f, str>>,
        line: &str,
        times: &mut TimeCache,
    ) -> Option<FoundTime> {
        timestamp::event_time_from(
            &self.st,
            first_text,
            line,
            self.tz,
            times,
            self.recognizer.as_ref(),
            self.anchor,
        )
    }
}

/// The time an event without a timestamp takes within a chunk: the last
/// time read, unless events the pre-filter skipped (whose time was not
/// read) came after it.
struct PreviousTime {
    last: Option<f64>,
    /// Byte ranges of the events skipped since `last`, in order.
    unread: Vec<std::ops::Range<usize>>,
}

impl PreviousTime {
    /// The previous event's time: the latest skipped event with one, else
    /// `last`. Each skipped event is read at most once.
    fn resolve(&mut self, reader: &LineReader, chunk: &[u8]) -> Option<f64> {
        let found = self
            .unread
            .iter()
            .rev()
            .find_map(|span| chunk.get(span.clone()).and_then(|l| reader.line_time(l)));
        self.unread.clear();
        if found.is_some() {
            self.last = found;
        }
        self.last
    }
}

/// The message a full parse gives for an invalid line (a skipping parse may
/// word the same problem differently); `fallback` if it somehow parses.
fn full_parse_error(line: &str, fallback: serde_json::Error) -> String {
    match serde_json::from_str::<Json>(line) {
        Err(e) => e.to_string(),
        Ok(_) => fallback.to_string(),
    }
}

/// The projection plus what reading itself needs: the fields the event's
/// time is read from (the TIMESTAMP_FIELDS when set; otherwise the time is
/// read from the line itself), the
/// JSON keys of wanted `extracted_<name>` fields, and what the sourcetype's
/// search-time knowledge reads to produce wanted fields (see
/// [`SourcetypeProps::fields_needed_for`]); `None` when every field must be
/// read.
pub(crate) fn wanted_fields(p: &Projection, st: &SourcetypeProps) -> Option<Vec<String>> {
    let mut names: Vec<String> = p.fields.iter().cloned().collect();
    names.extend(st.timestamp_fields.iter().cloned());
    let extracted: Vec<String> = names
        .iter()
        .filter_map(|n| n.strip_prefix("extracted_"))
        .filter(|n| crate::knowledge::extracted::INDEXED_NAMES.contains(n))
        .map(str::to_string)
        .collect();
    names.extend(extracted);
    st.fields_needed_for(&names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::Props;

    fn wanted(conf: &str, fields: &[&str]) -> Vec<String> {
        let mut props = Props::new();
        props.load_str(conf, "props.conf").expect("valid props");
        let projection = Projection {
            fields: fields.iter().map(|f| f.to_string()).collect(),
            raw: false,
        };
        let mut names = wanted_fields(&projection, &props.sourcetype("st")).expect("a projection");
        names.sort();
        names
    }

    #[test]
    fn an_alias_source_is_wanted_only_for_a_wanted_target() {
        let conf = "[st]\nTIMESTAMP_FIELDS = eventTime\n\
                    FIELDALIAS-a = userIdentity.userName AS user\n\
                    FIELDALIAS-b = userIdentity.type AS user_type\n\
                    FIELDALIAS-c = x AS y\nFIELDALIAS-d = y AS z\n";
        assert_eq!(
            wanted(conf, &["_time", "user", "userIdentity.type"]),
            [
                "_time",
                "eventTime",
                "user",
                "userIdentity.type",
                "userIdentity.userName"
            ]
        );
        // Chains are followed back to their first source.
        assert_eq!(
            wanted(conf, &["_time", "z"]),
            ["_time", "eventTime", "x", "y", "z"]
        );
    }

    #[test]
    fn only_timestamp_fields_are_wanted_for_the_time() {
        assert_eq!(wanted("[st]\n", &["_time"]), ["_time"]);
        assert_eq!(
            wanted("[st]\nTIMESTAMP_FIELDS = at\n", &["_time"]),
            ["_time", "at"]
        );
    }
}
