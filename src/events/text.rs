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

use std::collections::HashMap;

use serde_json::Value as Json;

use super::defaults::DefaultFields;
use super::evtx::{self, XmlStyle};
use super::linebreak::LineBreaking;
use super::rawtime::{TimeFallback, TimeOrigin, TimestampRecognizer};
use super::{flatten_json, EventSource, Malformed, ReadOptions, ReadReport};
use crate::error::{Error, Result};
use crate::event::{Event, FieldName};
use crate::knowledge::extracted::{add_field, OnExisting};
use crate::knowledge::{SourceMeta, SourcetypeProps};
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

/// Builds the events of one source, resolving knowledge per event source.
struct TextReader<'a, 'b> {
    name: &'a str,
    src: &'a EventSource,
    opts: &'a ReadOptions<'b>,
    /// Knowledge per event `source` (Windows events name theirs).
    by_source: HashMap<String, SourcetypeProps>,
    naming: EventSourceName,
    default_source: String,
    host: String,
    index: String,
    report: ReadReport,
    sink: &'a mut dyn FnMut(Event),
}

impl TextReader<'_, '_> {
    /// The knowledge for events whose `source` is `source`.
    fn knowledge(&mut self, source: &str) -> Result<&SourcetypeProps> {
        if !self.by_source.contains_key(source) {
            let st = self.opts.knowledge.resolve(SourceMeta {
                sourcetype: &self.src.sourcetype,
                source,
                host: &self.host,
            });
            st.check_supported()?;
            for problem in &st.problems {
                if !self.report.notices.contains(problem) {
                    self.report.notices.push(problem.clone());
                }
            }
            self.by_source.insert(source.to_string(), st);
        }
        self.by_source
            .get(source)
            .ok_or_else(|| Error::io(self.name, "internal: knowledge not resolved"))
    }

    /// Builds one event from its text, time and timestamp fields, and hands
    /// it to the sink.
    fn emit(
        &mut self,
        raw: String,
        time: f64,
        timestamp_fields: Option<&[(&'static str, String)]>,
    ) -> Result<()> {
        let source = self
            .naming
            .of(&raw)
            .unwrap_or_else(|| self.default_source.clone());
        let (host, index) = (self.host.clone(), self.index.clone());
        let st = self.knowledge(&source)?;
        let event = build_text_event(st, raw, time, [source, host, index], timestamp_fields);
        self.report.events += 1;
        (self.sink)(event);
        Ok(())
    }
}

/// Splunk's field order for a text event — `_raw`, `_time`, metadata,
/// default fields — then the search-time knowledge: explicit extractions,
/// automatic key/value extraction (a JSON event's keys, or `key=value`
/// pairs), and the rest of the sequence.
fn build_text_event(
    st: &SourcetypeProps,
    raw: String,
    time: f64,
    [source, host, index]: [String; 3],
    timestamp_fields: Option<&[(&'static str, String)]>,
) -> Event {
    let mut event = Event::with_capacity(24);
    let json = (raw.starts_with('{') && st.extracts_json())
        .then(|| serde_json::from_str::<Json>(&raw).ok())
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
    DefaultFields::ALL.add_to(&mut event, timestamp_fields);
    st.apply_extractions(&mut event);
    match json {
        Some(value) => {
            let mut fields = Event::new();
            flatten_json(&value, &mut fields);
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

/// Reads a text file's events.
pub(super) fn read_text_events(
    text: &str,
    name: &str,
    src: &EventSource,
    opts: &ReadOptions,
    file_modified: Option<f64>,
    sink: &mut dyn FnMut(Event),
) -> Result<ReadReport> {
    let metadata = super::metadata_fields(src);
    let [_, (_, default_source), (_, host), (_, index)] = metadata;
    let mut reader = TextReader {
        name,
        src,
        opts,
        by_source: HashMap::new(),
        naming: EventSourceName::for_sourcetype(&src.sourcetype, src.source.is_some()),
        default_source: default_source.clone(),
        host,
        index,
        report: ReadReport::default(),
        sink,
    };
    // Line breaking and timestamps are index-time: they come from the
    // stanzas of the file's own source.
    let st = reader.knowledge(&default_source)?.clone();
    let get = |key: &str| st.index_setting(key);
    let breaking = LineBreaking::from_settings(&get)
        .map_err(|e| st.index_setting_error(&e.key, &e.message))?;
    let recognizer = TimestampRecognizer::from_settings(&get, opts.tz)
        .map_err(|e| st.index_setting_error(&e.key, &e.message))?;
    let mut fallback = TimeFallback::new(file_modified, crate::eval::search_start_time());
    let windows_xml = reader.naming == EventSourceName::WindowsXmlChannel
        || st.name.eq_ignore_ascii_case("xmlwineventlog");
    for event in breaking.events(text, &recognizer) {
        let found = recognizer.find(&event.text, fallback.anchor());
        let (time, origin) = fallback.assign(found.as_ref());
        if origin != TimeOrigin::Event {
            reader.report.untimed += 1;
        }
        if windows_xml && event.text.contains("<Event") && !event.text.contains("</Event>") {
            reader.report.notices.push(format!(
                "{name}:{}: truncated Windows XML event (no </Event>); read as it is",
                event.line
            ));
        }
        if event.truncated {
            reader.report.notices.push(format!(
                "{name}:{}: a line of this event is longer than TRUNCATE and was cut",
                event.line
            ));
        }
        let fields = found.as_ref().map(|ts| ts.default_fields());
        reader.emit(
            event.text.into_owned(),
            time,
            fields.as_ref().map(|f| &f[..]),
        )?;
    }
    Ok(reader.report)
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
        &mut |r| records.push(r),
        &mut |p| problems.push(p),
    )
    .map_err(|e| Error::io(name, format!("not a readable .evtx file: {e}")))?;
    let metadata = super::metadata_fields(src);
    let [_, (_, default_source), (_, host), (_, index)] = metadata;
    let mut reader = TextReader {
        name,
        src,
        opts,
        by_source: HashMap::new(),
        naming: EventSourceName::for_sourcetype(&src.sourcetype, src.source.is_some()),
        default_source: default_source.clone(),
        host,
        index,
        report: ReadReport::default(),
        sink,
    };
    let st = reader.knowledge(&default_source)?.clone();
    let get = |key: &str| st.index_setting(key);
    let recognizer = TimestampRecognizer::from_settings(&get, opts.tz)
        .map_err(|e| st.index_setting_error(&e.key, &e.message))?;
    let mut fallback = TimeFallback::new(file_modified, crate::eval::search_start_time());
    for record in records {
        let found = recognizer.find(&record.xml, fallback.anchor());
        let (time, origin) = fallback.assign(found.as_ref());
        if origin != TimeOrigin::Event {
            reader.report.untimed += 1;
        }
        let fields = found.as_ref().map(|ts| ts.default_fields());
        reader.emit(record.xml, time, fields.as_ref().map(|f| &f[..]))?;
    }
    for p in problems {
        if opts.strict {
            return Err(Error::MalformedEvent {
                file: name.to_string(),
                line: 0,
                message: p.to_string(),
            });
        }
        reader.report.malformed.push(Malformed {
            file: name.to_string(),
            line: 0,
            reason: p.to_string(),
        });
    }
    Ok(reader.report)
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
