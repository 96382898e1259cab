//! Reading text logs the way Splunk's indexer does: the file is broken into
//! events by the sourcetype's line breaking settings
//! ([`super::linebreak`]), each event's `_time` is found in its text by the
//! timestamp settings ([`super::rawtime`]; never left without one), and the
//! search-time knowledge runs over it. Raw `.evtx` files are read as the
//! Windows forwarder's one-line XML events ([`super::evtx`]).
//!
//! Which sourcetype a file is, when none is given, and which `source` its
//! events get when none is given, follow from its content
//! ([`TextShape`]): Windows XML events are `XmlWinEventLog` with source
//! `XmlWinEventLog:<Channel>` (as the Windows forwarder sends them),
//! classic Windows event log text is `WinEventLog` with source
//! `WinEventLog:<LogName>`, Linux audit records are `linux:audit`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Read;
use std::sync::{Arc, Mutex};

use serde_json::Value as Json;

use super::defaults::DefaultFields;
use super::evtx::{self, XmlStyle};
use super::linebreak::{LineBreaking, RawEvent};
use super::rawtime::{RawTimestamp, TimeFallback, TimeOrigin, TimestampRecognizer};
use super::{flatten_json, flatten_json_prefix, EventSource, Malformed, ReadOptions, ReadReport};
use crate::error::{Error, Result};
use crate::event::{Event, FieldName};
use crate::events::Projection;
use crate::knowledge::extracted::{add_field, OnExisting};
use crate::knowledge::{KnowledgeView, SourceMeta, SourcetypeProps};
use crate::value::Value;

/// What a text file's content looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextShape {
    /// `<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>`
    /// events, as the Windows forwarder writes them with `renderXml`.
    WindowsXml,
    /// Classic Windows event log text: a date line, then `LogName=...`,
    /// `EventCode=...` lines.
    WindowsClassic,
    /// Linux audit records (`type=SYSCALL msg=audit(1234.567:89): ...`).
    LinuxAudit,
    /// Anything else.
    Other,
}

impl TextShape {
    /// The shape of a file's first kilobytes.
    pub fn sniff(text: &str) -> TextShape {
        let head: String = text.chars().take(4096).collect();
        let lines: Vec<&str> = head
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .take(4)
            .collect();
        let is_xml_event = |l: &str| {
            l.trim_start_matches('"').starts_with("<Event xmlns=") || l.starts_with("<Event>")
        };
        if lines.iter().take(2).any(|l| is_xml_event(l)) {
            return TextShape::WindowsXml;
        }
        if lines.len() >= 2
            && lines[0].starts_with(|c: char| c.is_ascii_digit())
            && lines[1].starts_with("LogName=")
        {
            return TextShape::WindowsClassic;
        }
        if lines
            .first()
            .is_some_and(|l| l.starts_with("type=") && l.contains(" msg=audit("))
        {
            return TextShape::LinuxAudit;
        }
        TextShape::Other
    }

    /// The sourcetype Splunk gives such data.
    pub fn sourcetype(self) -> Option<&'static str> {
        match self {
            TextShape::WindowsXml => Some("XmlWinEventLog"),
            TextShape::WindowsClassic => Some("WinEventLog"),
            TextShape::LinuxAudit => Some("linux:audit"),
            TextShape::Other => None,
        }
    }
}

/// How an event's `source` is found when none is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EventSourceName {
    /// The file's path (or the name given).
    File,
    /// `XmlWinEventLog:<Channel>`.
    WindowsXmlChannel,
    /// `WinEventLog:<LogName>`.
    WindowsLogName,
}

impl EventSourceName {
    fn for_sourcetype(sourcetype: &str, given: bool) -> EventSourceName {
        if given {
            return EventSourceName::File;
        }
        if sourcetype.eq_ignore_ascii_case("XmlWinEventLog") {
            EventSourceName::WindowsXmlChannel
        } else if sourcetype.eq_ignore_ascii_case("WinEventLog") {
            EventSourceName::WindowsLogName
        } else {
            EventSourceName::File
        }
    }

    fn of(self, raw: &str) -> Option<String> {
        match self {
            EventSourceName::File => None,
            EventSourceName::WindowsXmlChannel => {
                xml_element(raw, "Channel").map(|c| format!("XmlWinEventLog:{c}"))
            }
            EventSourceName::WindowsLogName => {
                line_value(raw, "LogName=").map(|c| format!("WinEventLog:{c}"))
            }
        }
    }
}

/// The text of the first `<name>...</name>` element.
fn xml_element<'a>(raw: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let start = raw.find(&open)? + open.len();
    let end = raw[start..].find('<')? + start;
    Some(&raw[start..end]).filter(|s| !s.is_empty())
}

/// The rest of the first line starting with `prefix`.
fn line_value<'a>(raw: &'a str, prefix: &str) -> Option<&'a str> {
    raw.lines()
        .find_map(|l| l.trim_start().strip_prefix(prefix))
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The search-time knowledge for the events of one event `source`, as a
/// reader that extracts only what the search reads needs it.
#[derive(Debug)]
struct Prepared {
    st: SourcetypeProps,
    defaults: DefaultFields,
}

/// Turns a text file's events (as line breaking and timestamping found
/// them) into events, on any thread: the knowledge for each event `source`
/// (Windows events name their own) is resolved once and shared. With a
/// projection, only the knowledge that can give a field the search reads
/// runs.
pub(crate) struct TextEvents<'o> {
    name: String,
    sourcetype: String,
    knowledge: KnowledgeView<'o>,
    naming: EventSourceName,
    default_source: String,
    host: String,
    index: String,
    projection: Option<Projection>,
    prepared: Mutex<HashMap<String, Arc<Prepared>>>,
}

impl<'o> TextEvents<'o> {
    /// A builder for `src`'s events (its sourcetype decided), named `name`
    /// in reports; `projection` `None` extracts every field.
    pub(crate) fn new(
        name: &str,
        src: &EventSource,
        knowledge: KnowledgeView<'o>,
        projection: Option<&Projection>,
    ) -> TextEvents<'o> {
        let [_, (_, default_source), (_, host), (_, index)] = super::metadata_fields(src);
        TextEvents {
            name: name.to_string(),
            sourcetype: src.sourcetype.clone(),
            knowledge,
            naming: EventSourceName::for_sourcetype(&src.sourcetype, src.source.is_some()),
            default_source,
            host,
            index,
            projection: projection.cloned(),
            prepared: Mutex::new(HashMap::new()),
        }
    }

    /// The knowledge for events whose `source` is `source`.
    fn prepared(&self, source: &str) -> Result<Arc<Prepared>> {
        let mut cache = self
            .prepared
            .lock()
            .map_err(|_| Error::io(&self.name, "internal: knowledge cache poisoned"))?;
        if let Some(p) = cache.get(source) {
            return Ok(Arc::clone(p));
        }
        let mut st = self.knowledge.resolve(SourceMeta {
            sourcetype: &self.sourcetype,
            source,
            host: &self.host,
        });
        st.check_supported()?;
        let wanted = self
            .projection
            .as_ref()
            .and_then(|p| super::stream::wanted_fields(p, &st));
        let defaults = match wanted {
            Some(wanted) => {
                st.prune_to(&wanted);
                DefaultFields::among(&wanted)
            }
            None => DefaultFields::ALL,
        };
        let p = Arc::new(Prepared { st, defaults });
        cache.insert(source.to_string(), Arc::clone(&p));
        Ok(p)
    }

    /// The index-time settings: line breaking and timestamps come from the
    /// stanzas of the file's own source.
    pub(crate) fn breaker(&self, tz: chrono_tz::Tz) -> Result<Breaker> {
        let prepared = self.prepared(&self.default_source)?;
        let st = &prepared.st;
        let get = |key: &str| st.index_setting(key);
        let breaking = LineBreaking::from_settings(&get)
            .map_err(|e| st.index_setting_error(&e.key, &e.message))?;
        let recognizer = TimestampRecognizer::from_settings(&get, tz)
            .map_err(|e| st.index_setting_error(&e.key, &e.message))?;
        let windows_xml = self.naming == EventSourceName::WindowsXmlChannel
            || st.name.eq_ignore_ascii_case("xmlwineventlog");
        Ok(Breaker {
            name: self.name.clone(),
            breaking,
            recognizer,
            windows_xml,
        })
    }

    /// Builds one event from its text and time, adding the knowledge
    /// problems of its source (once) to `notices`.
    pub(crate) fn build(&self, record: TextRecord<'_>, notices: &mut Vec<String>) -> Result<Event> {
        let source = self
            .naming
            .of(&record.raw)
            .unwrap_or_else(|| self.default_source.clone());
        let prepared = self.prepared(&source)?;
        for problem in &prepared.st.problems {
            if !notices.contains(problem) {
                notices.push(problem.clone());
            }
        }
        let stamp = match (&record.found, prepared.defaults.timestamp) {
            (Some(ts), true) => Some(ts.default_fields()),
            _ => None,
        };
        Ok(build_text_event(
            &prepared.st,
            prepared.defaults,
            record.raw.into_owned(),
            record.time,
            [source, self.host.clone(), self.index.clone()],
            record.truncated,
            stamp.as_ref().map(|f| &f[..]),
        ))
    }
}

/// One event's text with its time, before the search-time knowledge.
#[derive(Debug)]
pub(crate) struct TextRecord<'a> {
    pub raw: Cow<'a, str>,
    /// `_time`: the event's own timestamp, or Splunk's fallback.
    pub time: f64,
    /// The timestamp found in the text, if one was.
    pub found: Option<RawTimestamp>,
    /// Notices about this event (cut short, truncated).
    pub notices: Vec<String>,
    /// Whether `TRUNCATE` cut a line of it (it gets `meta=truncated`).
    pub truncated: bool,
}

/// Line breaking and timestamps: the index-time part of reading a text
/// file, which runs in file order (an event without a timestamp takes the
/// previous event's time).
pub(crate) struct Breaker {
    name: String,
    breaking: LineBreaking,
    recognizer: TimestampRecognizer,
    windows_xml: bool,
}

impl Breaker {
    /// The records of `text`, in order; `fallback` gives the time of events
    /// without one, and `untimed` counts them.
    pub(crate) fn records<'a>(
        &'a self,
        text: &'a str,
        mut fallback: TimeFallback,
        untimed: &'a std::cell::Cell<usize>,
    ) -> impl Iterator<Item = TextRecord<'a>> + 'a {
        self.breaking
            .events(text, &self.recognizer)
            .map(move |event| self.record(event, &mut fallback, untimed))
    }

    /// The `.evtx` records' XML as records, in order.
    pub(crate) fn xml_records<'a>(
        &'a self,
        xml: impl Iterator<Item = String> + 'a,
        mut fallback: TimeFallback,
        untimed: &'a std::cell::Cell<usize>,
    ) -> impl Iterator<Item = TextRecord<'a>> + 'a {
        xml.map(move |raw| {
            let found = self.recognizer.find(&raw, fallback.anchor());
            let (time, origin) = fallback.assign(found.as_ref());
            if origin != TimeOrigin::Event {
                untimed.set(untimed.get() + 1);
            }
            TextRecord {
                raw: Cow::Owned(raw),
                time,
                found,
                notices: Vec::new(),
                truncated: false,
            }
        })
    }

    fn record<'a>(
        &self,
        event: RawEvent<'a>,
        fallback: &mut TimeFallback,
        untimed: &std::cell::Cell<usize>,
    ) -> TextRecord<'a> {
        let found = self.recognizer.find(&event.text, fallback.anchor());
        let (time, origin) = fallback.assign(found.as_ref());
        if origin != TimeOrigin::Event {
            untimed.set(untimed.get() + 1);
        }
        let mut notices = Vec::new();
        if self.windows_xml && event.text.contains("<Event") && !event.text.contains("</Event>") {
            notices.push(format!(
                "{}:{}: truncated Windows XML event (no </Event>); read as it is",
                self.name, event.line
            ));
        }
        if event.truncated {
            notices.push(format!(
                "{}:{}: a line of this event is longer than TRUNCATE and was cut",
                self.name, event.line
            ));
        }
        TextRecord {
            raw: event.text,
            time,
            found,
            notices,
            truncated: event.truncated,
        }
    }
}

/// A text file's records read in chunks, so that memory holds a chunk, not
/// the file: each chunk is broken into events, and the last one (which may
/// go on in the next chunk) is carried over and broken again with it.
/// Starting again at an event's first byte breaks the rest exactly as a
/// reading of the whole text does.
pub(crate) struct ChunkedRecords<'a> {
    breaker: &'a Breaker,
    reader: Box<dyn Read + Send + 'a>,
    /// Bytes read, from the first event not yet handed out.
    pending: Vec<u8>,
    eof: bool,
    chunk_bytes: usize,
    fallback: TimeFallback,
    untimed: &'a std::cell::Cell<usize>,
    /// Line breaks before `pending`.
    line_base: usize,
    ready: std::collections::VecDeque<TextRecord<'static>>,
}

impl<'a> ChunkedRecords<'a> {
    /// Records of `head` followed by what `reader` gives, read
    /// `chunk_bytes` at a time.
    pub(crate) fn new(
        breaker: &'a Breaker,
        head: Vec<u8>,
        reader: Box<dyn Read + Send + 'a>,
        chunk_bytes: usize,
        fallback: TimeFallback,
        untimed: &'a std::cell::Cell<usize>,
    ) -> ChunkedRecords<'a> {
        ChunkedRecords {
            breaker,
            reader,
            pending: head,
            eof: false,
            chunk_bytes: chunk_bytes.max(1),
            fallback,
            untimed,
            line_base: 0,
            ready: std::collections::VecDeque::new(),
        }
    }

    /// The next record, in file order.
    pub(crate) fn next_record(&mut self) -> std::io::Result<Option<TextRecord<'static>>> {
        while self.ready.is_empty() && !(self.eof && self.pending.is_empty()) {
            self.refill()?;
        }
        Ok(self.ready.pop_front())
    }

    /// Reads until the pending text holds an event known to be complete
    /// (another one starts after it) or the file ends, and hands out the
    /// complete events.
    fn refill(&mut self) -> std::io::Result<()> {
        let mut want = self.chunk_bytes;
        loop {
            let before = self.pending.len();
            (&mut self.reader)
                .take(want as u64)
                .read_to_end(&mut self.pending)?;
            self.eof = self.pending.len() - before < want;
            let valid = make_utf8(&mut self.pending, self.eof);
            let text = std::str::from_utf8(&self.pending[..valid]).unwrap_or_default();
            let mut events: Vec<RawEvent<'_>> = self
                .breaker
                .breaking
                .events(text, &self.breaker.recognizer)
                .collect();
            let keep_from = if self.eof {
                valid
            } else if events.len() >= 2 {
                events.pop().map_or(valid, |last| last.offset)
            } else if self.pending.len() >= super::stream::MAX_LINE_BYTES {
                // No event ends in a quarter of a gigabyte (`-e /dev/zero`,
                // a gzip bomb): stop rather than hold the file.
                return Err(super::stream::EventTooLong::io());
            } else {
                // Not one whole event yet: read more.
                want = want.saturating_mul(2).min(super::stream::MAX_LINE_BYTES);
                continue;
            };
            let consumed_lines = super::linebreak::line_breaks(&text[..keep_from]);
            for event in events {
                let event = RawEvent {
                    text: Cow::Owned(event.text.into_owned()),
                    line: self.line_base + event.line,
                    offset: event.offset,
                    truncated: event.truncated,
                };
                let record = self.breaker.record(event, &mut self.fallback, self.untimed);
                self.ready.push_back(record);
            }
            self.line_base += consumed_lines;
            let keep_from = if self.eof {
                self.pending.len()
            } else {
                keep_from
            };
            self.pending.drain(..keep_from);
            return Ok(());
        }
    }
}

/// Makes `bytes` valid UTF-8 as the whole-file reader does (invalid
/// sequences become U+FFFD), except an incomplete character at the end
/// while more may follow; returns the length of the valid part.
fn make_utf8(bytes: &mut Vec<u8>, eof: bool) -> usize {
    match std::str::from_utf8(bytes) {
        Ok(_) => bytes.len(),
        Err(e) if e.error_len().is_none() && !eof => e.valid_up_to(),
        Err(_) => {
            // The tail that may be a character cut by the chunk's end.
            let tail = if eof {
                0
            } else {
                (1..=3.min(bytes.len()))
                    .find(|&k| {
                        let start = bytes.len() - k;
                        matches!(std::str::from_utf8(&bytes[start..]),
                            Err(e) if e.valid_up_to() == 0 && e.error_len().is_none())
                    })
                    .unwrap_or(0)
            };
            let cut = bytes.len() - tail;
            let mut fixed = String::from_utf8_lossy(&bytes[..cut])
                .into_owned()
                .into_bytes();
            let valid = fixed.len();
            fixed.extend_from_slice(&bytes[cut..]);
            *bytes = fixed;
            valid
        }
    }
}

/// Splunk's field order for a text event — `_raw`, `_time`, metadata
/// (with `meta=truncated` when `TRUNCATE` cut it: the indexed field
/// `meta::truncated`) and default fields — then the search-time knowledge:
/// explicit extractions, automatic key/value extraction (a JSON event's
/// keys, or `key=value` pairs), and the rest of the sequence.
///
/// An event starting with `{` that is not valid JSON (cut at `TRUNCATE`,
/// or broken) gets the JSON values complete before the break, as Splunk's
/// automatic JSON extraction gives them ([`super::flatten_json_prefix`]);
/// when there are none, `key=value` pairs.
fn build_text_event(
    st: &SourcetypeProps,
    defaults: DefaultFields,
    raw: String,
    time: f64,
    [source, host, index]: [String; 3],
    truncated: bool,
    timestamp_fields: Option<&[(&'static str, String)]>,
) -> Event {
    let mut event = Event::with_capacity(24);
    let json = (raw.starts_with('{') && st.extracts_json())
        .then(|| {
            let mut fields = Event::new();
            match serde_json::from_str::<Json>(&raw) {
                Ok(value) => flatten_json(&value, &mut fields),
                Err(_) => flatten_json_prefix(&raw, &mut fields),
            }
            (!fields.is_empty()).then_some(fields)
        })
        .flatten();
    event.set(FieldName::from_static("_raw"), Value::Str(raw));
    event.set(FieldName::from_static("_time"), Value::Num(time));
    event.set(
        FieldName::from_static("sourcetype"),
        Value::Str(st.name.clone()),
    );
    event.set(FieldName::from_static("source"), Value::Str(source));
    event.set(FieldName::from_static("host"), Value::Str(host));
    event.set(FieldName::from_static("index"), Value::Str(index));
    if truncated {
        let (meta, value) = super::TRUNCATED_META;
        event.set(FieldName::from_static(meta), Value::from(value));
    }
    defaults.add_to(&mut event, timestamp_fields);
    st.apply_extractions(&mut event);
    match json {
        Some(fields) => {
            for (name, value) in fields {
                match value {
                    Value::Str(text) => add_field(&mut event, &name, text, OnExisting::Replace),
                    other => {
                        let name = crate::knowledge::extracted::extracted_name(&name).into_owned();
                        event.set(name, other);
                    }
                }
            }
        }
        None => st.apply_auto_kv(&mut event),
    }
    st.apply_after_kv(&mut event);
    event
}

/// A text file's events read in order on this thread, passed to `sink`.
fn read_records<'a>(
    events: &TextEvents<'_>,
    records: impl Iterator<Item = TextRecord<'a>>,
    report: &mut ReadReport,
    sink: &mut dyn FnMut(Event),
) -> Result<()> {
    for mut record in records {
        for notice in std::mem::take(&mut record.notices) {
            report.notices.push(notice);
        }
        let event = events.build(record, &mut report.notices)?;
        report.events += 1;
        sink(event);
    }
    Ok(())
}

/// Reads a text file's events.
pub(super) fn read_text_events(
    text: &str,
    name: &str,
    src: &EventSource,
    opts: &ReadOptions,
    file_modified: Option<f64>,
    sink: &mut dyn FnMut(Event),
) -> Result<ReadReport> {
    let order = InFileOrder::new(name, src, opts, file_modified)?;
    let records = order
        .breaker
        .records(text, order.fallback(), &order.untimed);
    order.read(records, sink)
}

/// A file's events read on this thread, in order.
struct InFileOrder<'o> {
    events: TextEvents<'o>,
    breaker: Breaker,
    file_modified: Option<f64>,
    untimed: std::cell::Cell<usize>,
}

impl<'o> InFileOrder<'o> {
    fn new(
        name: &str,
        src: &EventSource,
        opts: &ReadOptions<'o>,
        file_modified: Option<f64>,
    ) -> Result<Self> {
        let events = TextEvents::new(name, src, opts.knowledge.clone(), None);
        let breaker = events.breaker(opts.tz)?;
        Ok(InFileOrder {
            events,
            breaker,
            file_modified,
            untimed: std::cell::Cell::new(0),
        })
    }

    /// The time of events without one: the previous event's, else the
    /// file's modification time, else now.
    fn fallback(&self) -> TimeFallback {
        TimeFallback::new(self.file_modified, crate::eval::search_start_time())
    }

    fn read<'a>(
        &self,
        records: impl Iterator<Item = TextRecord<'a>>,
        sink: &mut dyn FnMut(Event),
    ) -> Result<ReadReport> {
        let mut report = ReadReport::default();
        read_records(&self.events, records, &mut report, sink)?;
        report.untimed = self.untimed.get();
        Ok(report)
    }
}

/// Reads a raw `.evtx` file: each record becomes the forwarder's one-line
/// XML event (sourcetype `XmlWinEventLog` unless another is given, source
/// `XmlWinEventLog:<Channel>` unless one is given). A damaged chunk or
/// record is reported as a malformed item naming it; the rest is read.
pub(super) fn read_evtx_events(
    bytes: &[u8],
    name: &str,
    src: &EventSource,
    opts: &ReadOptions,
    file_modified: Option<f64>,
    sink: &mut dyn FnMut(Event),
) -> Result<ReadReport> {
    let mut records = Vec::new();
    let mut problems = Vec::new();
    evtx::read_evtx(
        bytes,
        XmlStyle::default(),
        &mut |r| records.push(r.xml),
        &mut |p| problems.push(p),
    )
    .map_err(|e| Error::io(name, format!("not a readable .evtx file: {e}")))?;
    let order = InFileOrder::new(name, src, opts, file_modified)?;
    let records = order
        .breaker
        .xml_records(records.into_iter(), order.fallback(), &order.untimed);
    let mut report = order.read(records, sink)?;
    for p in problems {
        if opts.strict {
            return Err(Error::MalformedEvent {
                file: name.to_string(),
                line: 0,
                message: p.to_string(),
            });
        }
        report.malformed.push(Malformed {
            file: name.to_string(),
            line: 0,
            reason: p.to_string(),
        });
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_are_recognised() {
        assert_eq!(
            TextShape::sniff(
                "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
            ),
            TextShape::WindowsXml
        );
        assert_eq!(
            TextShape::sniff("#Bulk AD CS Events\r\n<Event xmlns='x'>"),
            TextShape::WindowsXml
        );
        assert_eq!(
            TextShape::sniff("12/04/2020 09:24:11 AM\r\nLogName=System\r\nEventCode=32\r\n"),
            TextShape::WindowsClassic
        );
        assert_eq!(
            TextShape::sniff("type=PATH msg=audit(1781194335.799:10901): item=1"),
            TextShape::LinuxAudit
        );
        assert_eq!(
            TextShape::sniff("May 27 09:28:36 host sshd[1]: x"),
            TextShape::Other
        );
    }

    #[test]
    fn windows_events_name_their_source() {
        let xml = "<Event><System><Channel>Microsoft-Windows-Sysmon/Operational</Channel></System></Event>";
        assert_eq!(
            EventSourceName::WindowsXmlChannel.of(xml).as_deref(),
            Some("XmlWinEventLog:Microsoft-Windows-Sysmon/Operational")
        );
        assert_eq!(
            EventSourceName::WindowsLogName
                .of("12/04/2020 09:24:11 AM\r\nLogName=Security\r\nEventCode=4624")
                .as_deref(),
            Some("WinEventLog:Security")
        );
        assert_eq!(
            EventSourceName::for_sourcetype("xmlwineventlog", false),
            EventSourceName::WindowsXmlChannel
        );
        assert_eq!(
            EventSourceName::for_sourcetype("xmlwineventlog", true),
            EventSourceName::File
        );
    }
}
