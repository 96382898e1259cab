//! The forwarder's one-line XML, re-rendered from the XML that the `evtx`
//! crate writes for a record.
//!
//! The crate already writes what Windows' own renderer does in most
//! respects: the elements and attributes of the record, `<X/>` for an element
//! the binary XML closed as empty and `<X></X>` for one whose value is empty,
//! `0x`-prefixed lower-case hex numbers, upper-case hex `<Binary>`, SIDs as
//! `S-1-...`. What is changed here:
//!
//! - the XML declaration is dropped and attributes are single-quoted;
//! - values are escaped as the forwarder's files show them: `&amp;`, `&lt;`
//!   and `&gt;` in text, where quotes, tabs and newlines stay as they are;
//!   attributes also escape both quotes;
//! - GUIDs and FILETIMEs follow an [`XmlStyle`], since Windows versions
//!   differ there (see [`XmlStyle`] for how values are recognised).

use std::borrow::Cow;

use quick_xml::events::{BytesRef, BytesStart, Event as XmlEvent};
use quick_xml::Reader;

/// How GUID values are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuidCase {
    /// `{54849625-5478-4994-A5BA-3E3B0328C30D}`
    Upper,
    /// `{54849625-5478-4994-a5ba-3e3b0328c30d}`
    Lower,
}

/// How many fractional digits a FILETIME (`SystemTime` and the like) gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeFraction {
    /// `2023-05-25T12:47:37.394191200Z`: nanoseconds, the last two digits
    /// always `00` (a FILETIME counts 100 ns).
    NineDigits,
    /// `2023-06-09T14:48:51.1880244Z`: the FILETIME's own 100 ns ticks.
    SevenDigits,
}

/// The way the Windows host that rendered the events wrote GUIDs and times.
///
/// Real forwarder output differs here by Windows version, and an `.evtx`
/// file does not say which one will read it: attack_data's Windows logs hold
/// upper-case GUIDs with nine-digit times (most, and Splunk's data source
/// examples), lower-case GUIDs with nine-digit times, and lower-case GUIDs
/// with seven-digit times.
///
/// The crate's XML no longer says which values were typed GUIDs or
/// FILETIMEs, and its API does not expose the types of values nested in
/// `EventData`. So a whole value shaped exactly like the crate's rendering of
/// one is taken to be one: `{8-4-4-4-12}` in lower-case hex for a GUID,
/// `YYYY-MM-DDTHH:MM:SS.fffffffZ` for a FILETIME. A string value of exactly
/// that shape is restyled too; values that only contain a GUID (registry
/// paths, `%{...}` object types) are left alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XmlStyle {
    /// How GUID values are written.
    pub guid_case: GuidCase,
    /// How FILETIME values are written.
    pub time_fraction: TimeFraction,
}

impl XmlStyle {
    /// Upper-case GUIDs, nine-digit times: the older Windows renderer, and
    /// the most common in real forwarder output.
    pub const CLASSIC: XmlStyle = XmlStyle {
        guid_case: GuidCase::Upper,
        time_fraction: TimeFraction::NineDigits,
    };
    /// Lower-case GUIDs, seven-digit times: newer Windows versions.
    pub const NEWER: XmlStyle = XmlStyle {
        guid_case: GuidCase::Lower,
        time_fraction: TimeFraction::SevenDigits,
    };
}

impl Default for XmlStyle {
    /// [`XmlStyle::CLASSIC`].
    fn default() -> Self {
        XmlStyle::CLASSIC
    }
}

/// The crate's XML for a record could not be re-rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot re-render the record's XML: {0}")]
pub struct RenderError(String);

impl From<quick_xml::Error> for RenderError {
    fn from(error: quick_xml::Error) -> Self {
        RenderError(error.to_string())
    }
}

impl From<quick_xml::escape::EscapeError> for RenderError {
    fn from(error: quick_xml::escape::EscapeError) -> Self {
        RenderError(error.to_string())
    }
}

/// One record re-rendered, with the System values that name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Rendered {
    /// The forwarder's one-line XML.
    pub xml: String,
    /// `Event/System/Channel`.
    pub channel: Option<String>,
    /// `Event/System/EventID` (without its `Qualifiers`).
    pub event_id: Option<u32>,
}

/// Re-renders the XML that the `evtx` crate writes for one record
/// (`EvtxRecord::into_xml`, with or without indentation) as the forwarder's
/// one-line XML in the given style.
///
/// ```
/// use spelunk::events::evtx::{render_forwarder_xml, XmlStyle};
///
/// let crate_xml = r#"<?xml version="1.0" encoding="utf-8"?>
/// <Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="P" Guid="{5770385f-c22a-43e0-bf4c-06f5698ffbd9}"/><TimeCreated SystemTime="2022-08-31T19:18:42.1649394Z"/></System></Event>"#;
/// assert_eq!(
///     render_forwarder_xml(crate_xml, XmlStyle::CLASSIC).unwrap(),
///     "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>\
///      <Provider Name='P' Guid='{5770385F-C22A-43E0-BF4C-06F5698FFBD9}'/>\
///      <TimeCreated SystemTime='2022-08-31T19:18:42.164939400Z'/></System></Event>"
/// );
/// ```
pub fn render_forwarder_xml(crate_xml: &str, style: XmlStyle) -> Result<String, RenderError> {
    render(crate_xml, style).map(|rendered| rendered.xml)
}

/// [`render_forwarder_xml`], also picking out the channel and event ID.
pub(super) fn render(crate_xml: &str, style: XmlStyle) -> Result<Rendered, RenderError> {
    let mut reader = Reader::from_str(crate_xml);
    let mut writer = ForwarderWriter::new(style, crate_xml.len());
    loop {
        match reader.read_event()? {
            XmlEvent::Start(start) => writer.start(&start, false)?,
            XmlEvent::Empty(start) => writer.start(&start, true)?,
            XmlEvent::End(end) => writer.end(end.name().as_ref()),
            XmlEvent::Text(text) => writer.text(&text.into_inner()),
            XmlEvent::GeneralRef(reference) => writer.reference(&reference)?,
            XmlEvent::CData(cdata) => writer.cdata(&cdata.into_inner()),
            XmlEvent::PI(pi) => writer.processing_instruction(&pi.into_inner()),
            // The declaration is not part of the forwarder's event; the
            // crate writes no comments or doctype, and neither would Windows.
            XmlEvent::Decl(_) | XmlEvent::Comment(_) | XmlEvent::DocType(_) => {}
            XmlEvent::Eof => break,
        }
    }
    writer.finish()
}

/// What an open element is, as far as picking out the channel and event ID
/// goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// The root, `Event`.
    Event,
    /// `Event/System`.
    System,
    /// `Event/System/Channel`.
    Channel,
    /// `Event/System/EventID`.
    EventId,
    /// Anything else.
    Other,
}

/// Writes the forwarder's XML while the crate's is read, one event at a time.
struct ForwarderWriter {
    style: XmlStyle,
    out: String,
    /// Text read since the last tag, unescaped: a value is restyled whole.
    pending_text: String,
    /// What each open element is, outermost first (the reader checks that
    /// end tags match, so their names need not be kept).
    open: Vec<Role>,
    /// Whether the root element has been closed.
    root_closed: bool,
    channel: Option<String>,
    event_id: Option<u32>,
}

impl ForwarderWriter {
    fn new(style: XmlStyle, capacity: usize) -> Self {
        ForwarderWriter {
            style,
            out: String::with_capacity(capacity),
            pending_text: String::new(),
            open: Vec::with_capacity(8),
            root_closed: false,
            channel: None,
            event_id: None,
        }
    }

    fn start(&mut self, start: &BytesStart<'_>, empty: bool) -> Result<(), RenderError> {
        if self.root_closed {
            return Err(RenderError("more than one root element".into()));
        }
        self.flush_text();
        let name = start.name();
        let name = name.as_ref();
        self.out.push('<');
        self.out.push_str(name);
        for attribute in start.attributes() {
            let attribute = attribute.map_err(|error| RenderError(error.to_string()))?;
            let key = attribute.key.as_ref();
            let value = quick_xml::escape::unescape(&attribute.value)?;
            self.out.push(' ');
            self.out.push_str(key);
            self.out.push_str("='");
            push_escaped_attribute(&mut self.out, &styled_value(&value, self.style));
            self.out.push('\'');
        }
        if empty {
            self.out.push_str("/>");
            self.root_closed = self.open.is_empty();
        } else {
            self.out.push('>');
            self.open.push(self.role_of(name));
        }
        Ok(())
    }

    /// The reader has already checked that `name` closes the innermost open
    /// element.
    fn end(&mut self, name: &str) {
        self.flush_text();
        self.open.pop();
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
        self.root_closed = self.open.is_empty();
    }

    fn text(&mut self, text: &str) {
        // Text outside the root (the newline after the declaration) is not
        // part of the event.
        if !self.open.is_empty() {
            self.pending_text.push_str(text);
        }
    }

    /// An entity or character reference in text: resolved into the text, or
    /// kept as written when it is not one XML predefines.
    fn reference(&mut self, reference: &BytesRef<'_>) -> Result<(), RenderError> {
        if self.open.is_empty() {
            return Ok(());
        }
        if let Some(ch) = reference.resolve_char_ref()? {
            self.pending_text.push(ch);
            return Ok(());
        }
        let name = reference.as_ref();
        match quick_xml::escape::resolve_predefined_entity(name) {
            Some(text) => self.pending_text.push_str(text),
            None => {
                self.flush_text();
                self.out.push('&');
                self.out.push_str(name);
                self.out.push(';');
            }
        }
        Ok(())
    }

    fn cdata(&mut self, text: &str) {
        if self.open.is_empty() {
            return;
        }
        self.flush_text();
        self.out.push_str("<![CDATA[");
        self.out.push_str(text);
        self.out.push_str("]]>");
    }

    fn processing_instruction(&mut self, content: &str) {
        if self.open.is_empty() {
            return;
        }
        self.flush_text();
        self.out.push_str("<?");
        self.out.push_str(content);
        self.out.push_str("?>");
    }

    /// Writes the text read since the last tag, restyled and escaped, and
    /// notes it when it is the channel or the event ID.
    fn flush_text(&mut self) {
        if self.pending_text.is_empty() {
            return;
        }
        let value = styled_value(&self.pending_text, self.style);
        match self.open.last() {
            Some(Role::Channel) => self.channel = Some(value.clone().into_owned()),
            Some(Role::EventId) => self.event_id = value.trim().parse().ok(),
            _ => {}
        }
        push_escaped_text(&mut self.out, &value);
        self.pending_text.clear();
    }

    /// The role of an element called `name` opened now.
    fn role_of(&self, name: &str) -> Role {
        match (self.open.as_slice(), name) {
            ([], "Event") => Role::Event,
            ([Role::Event], "System") => Role::System,
            ([Role::Event, Role::System], "Channel") => Role::Channel,
            ([Role::Event, Role::System], "EventID") => Role::EventId,
            _ => Role::Other,
        }
    }

    fn finish(mut self) -> Result<Rendered, RenderError> {
        self.flush_text();
        if !self.open.is_empty() {
            return Err(RenderError("an element is not closed".into()));
        }
        if self.out.is_empty() {
            return Err(RenderError("no element".into()));
        }
        Ok(Rendered {
            xml: self.out,
            channel: self.channel,
            event_id: self.event_id,
        })
    }
}

/// `value` in the style's form when it is, whole, a GUID or FILETIME as the
/// crate renders them (see [`XmlStyle`]).
fn styled_value(value: &str, style: XmlStyle) -> Cow<'_, str> {
    if style.guid_case == GuidCase::Upper && is_lower_case_braced_guid(value) {
        return Cow::Owned(value.to_ascii_uppercase());
    }
    if style.time_fraction == TimeFraction::NineDigits && is_seven_digit_utc_time(value) {
        let (before_zone, zone) = value.split_at(value.len() - 1);
        return Cow::Owned(format!("{before_zone}00{zone}"));
    }
    Cow::Borrowed(value)
}

/// `{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}` in lower-case hex: how the crate
/// writes a GUID value.
fn is_lower_case_braced_guid(value: &str) -> bool {
    const SHAPE: &[u8; 38] = b"{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}";
    value.len() == SHAPE.len()
        && value.bytes().zip(SHAPE).all(|(byte, &shape)| match shape {
            b'x' => byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte),
            literal => byte == literal,
        })
}

/// `YYYY-MM-DDTHH:MM:SS.fffffffZ`: how the crate writes a FILETIME value.
fn is_seven_digit_utc_time(value: &str) -> bool {
    const SHAPE: &[u8; 28] = b"dddd-dd-ddTdd:dd:dd.dddddddZ";
    value.len() == SHAPE.len()
        && value.bytes().zip(SHAPE).all(|(byte, &shape)| match shape {
            b'd' => byte.is_ascii_digit(),
            literal => byte == literal,
        })
}

/// Text content as the forwarder escapes it: `&`, `<`, `>`. Quotes, tabs,
/// CR and LF stay as they are (real files show `"` and raw newlines and tabs
/// inside values).
fn push_escaped_text(out: &mut String, text: &str) {
    push_escaped(
        out,
        text,
        memchr::memchr3_iter(b'&', b'<', b'>', text.as_bytes()),
    );
}

/// An attribute value, single-quoted: also both quotes.
fn push_escaped_attribute(out: &mut String, value: &str) {
    let special = value
        .bytes()
        .enumerate()
        .filter(|(_, byte)| matches!(byte, b'&' | b'<' | b'>' | b'\'' | b'"'))
        .map(|(at, _)| at);
    push_escaped(out, value, special);
}

/// Appends `text`, with the ASCII characters at `special` escaped. (ASCII
/// bytes are never part of a longer UTF-8 sequence, so the runs between them
/// are whole characters.)
fn push_escaped(out: &mut String, text: &str, special: impl Iterator<Item = usize>) {
    let mut run_start = 0;
    for at in special {
        let escaped = match text.as_bytes().get(at) {
            Some(b'&') => "&amp;",
            Some(b'<') => "&lt;",
            Some(b'>') => "&gt;",
            Some(b'\'') => "&apos;",
            Some(b'"') => "&quot;",
            _ => continue,
        };
        out.push_str(text.get(run_start..at).unwrap_or_default());
        out.push_str(escaped);
        run_start = at + 1;
    }
    out.push_str(text.get(run_start..).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;

    const NS: &str = "http://schemas.microsoft.com/win/2004/08/events/event";

    fn classic(crate_xml: &str) -> String {
        render_forwarder_xml(crate_xml, XmlStyle::CLASSIC).unwrap()
    }

    /// A record as the crate writes it: declaration, double quotes.
    fn crate_event(system: &str, body: &str) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Event xmlns=\"{NS}\">\
             <System>{system}</System>{body}</Event>"
        )
    }

    fn forwarder_event(system: &str, body: &str) -> String {
        format!("<Event xmlns='{NS}'><System>{system}</System>{body}</Event>")
    }

    #[test]
    fn drops_the_declaration_and_single_quotes_attributes() {
        let xml = crate_event(
            r#"<Provider Name="Microsoft-Windows-Security-Auditing"/><Execution ProcessID="4" ThreadID="2356"/>"#,
            "",
        );
        assert_eq!(
            classic(&xml),
            forwarder_event(
                "<Provider Name='Microsoft-Windows-Security-Auditing'/><Execution ProcessID='4' ThreadID='2356'/>",
                ""
            )
        );
    }

    #[test]
    fn guids_follow_the_style() {
        let xml = crate_event(
            r#"<Provider Name="P" Guid="{54849625-5478-4994-a5ba-3e3b0328c30d}"/><Correlation ActivityID="{28aad79f-81ab-0001-bed7-aa28ab81d901}"/>"#,
            "<EventData><Data Name=\"ProcessGuid\">{78198d03-3bcf-6483-8083-c60c00000000}</Data></EventData>",
        );
        let upper = classic(&xml);
        assert!(upper.contains("Guid='{54849625-5478-4994-A5BA-3E3B0328C30D}'"));
        assert!(
            upper.contains("<Correlation ActivityID='{28AAD79F-81AB-0001-BED7-AA28AB81D901}'/>")
        );
        assert!(upper.contains(">{78198D03-3BCF-6483-8083-C60C00000000}</Data>"));
        let lower = render_forwarder_xml(&xml, XmlStyle::NEWER).unwrap();
        assert!(lower.contains("Guid='{54849625-5478-4994-a5ba-3e3b0328c30d}'"));
        assert!(lower.contains(">{78198d03-3bcf-6483-8083-c60c00000000}</Data>"));
    }

    #[test]
    fn only_whole_guid_values_change_case() {
        let body = "<EventData>\
            <Data Name=\"ScriptBlockId\">35cc5131-c1e3-4308-81aa-517eb2fec231</Data>\
            <Data Name=\"ObjectType\">%{bf967aba-0de6-11d0-a285-00aa003049e2}</Data>\
            <Data Name=\"TargetObject\">HKLM\\{bf967aba-0de6-11d0-a285-00aa003049e2}</Data>\
            <Data Name=\"Mixed\">{Bf967aba-0de6-11d0-a285-00aa003049e2}</Data>\
            <Data Name=\"Short\">{bf967aba-0de6-11d0-a285-00aa003049e}</Data>\
            </EventData>";
        let xml = crate_event("", body);
        assert_eq!(classic(&xml), forwarder_event("", &body.replace('"', "'")));
    }

    #[test]
    fn filetimes_follow_the_style() {
        let xml = crate_event(
            r#"<TimeCreated SystemTime="2022-08-31T19:18:42.1649394Z"/>"#,
            "<EventData><Data Name=\"NewTime\">2019-09-06T21:52:24.4180000Z</Data>\
             <Data Name=\"UtcTime\">2022-08-31 19:18:42.164</Data>\
             <Data Name=\"Nine\">2023-05-25T12:47:37.394191200Z</Data></EventData>",
        );
        let nine = classic(&xml);
        assert!(nine.contains("<TimeCreated SystemTime='2022-08-31T19:18:42.164939400Z'/>"));
        assert!(nine.contains(">2019-09-06T21:52:24.418000000Z</Data>"));
        assert!(nine.contains(">2022-08-31 19:18:42.164</Data>"));
        assert!(nine.contains(">2023-05-25T12:47:37.394191200Z</Data>"));
        let seven = render_forwarder_xml(&xml, XmlStyle::NEWER).unwrap();
        assert!(seven.contains("<TimeCreated SystemTime='2022-08-31T19:18:42.1649394Z'/>"));
    }

    #[test]
    fn text_escapes_ampersand_and_angle_brackets_only() {
        // The crate's escapes, including ones it does not use in text, are
        // read and written the forwarder's way.
        let xml = crate_event(
            "",
            "<EventData><Data Name=\"CommandLine\">a &amp;&amp; b &lt;c&gt; \"d\" &apos;e&apos; &quot;f&quot; &#39;g&#x27;</Data></EventData>",
        );
        assert_eq!(
            classic(&xml),
            forwarder_event(
                "",
                "<EventData><Data Name='CommandLine'>a &amp;&amp; b &lt;c&gt; \"d\" 'e' \"f\" 'g'</Data></EventData>"
            )
        );
    }

    #[test]
    fn attributes_escape_quotes_too() {
        let xml = crate_event(
            r#"<Provider Name="it's &quot;x&quot; &amp; &lt;y&gt;"/>"#,
            "",
        );
        assert_eq!(
            classic(&xml),
            forwarder_event(
                "<Provider Name='it&apos;s &quot;x&quot; &amp; &lt;y&gt;'/>",
                ""
            )
        );
    }

    #[test]
    fn newlines_and_tabs_inside_values_stay_raw() {
        let value = "---\r\n\t\tDefault Property Set\r\n\t\t\tunixUserPassword\r\n\tgroup\r\n";
        let xml = crate_event(
            "",
            &format!("<EventData><Data Name=\"Properties\">{value}</Data></EventData>"),
        );
        let out = classic(&xml);
        assert!(out.contains(&format!("<Data Name='Properties'>{value}</Data>")));
    }

    #[test]
    fn empty_elements_are_written_as_the_crate_closed_them() {
        // `<X/>` where the binary XML closed the element empty, `<X></X>`
        // where its value is empty: as Windows, and the real files, write them.
        let system = r#"<Correlation/><Security/><Security UserID="S-1-5-18"/>"#;
        let body = "<EventData><Data Name=\"Path\"></Data><Data/><Data Name=\"x\"/></EventData>";
        assert_eq!(
            classic(&crate_event(system, body)),
            forwarder_event(
                "<Correlation/><Security/><Security UserID='S-1-5-18'/>",
                "<EventData><Data Name='Path'></Data><Data/><Data Name='x'/></EventData>"
            )
        );
    }

    #[test]
    fn qualifiers_and_event_id() {
        let xml = crate_event(
            r#"<Provider Name="Service Control Manager" Guid="{555908d1-a6d7-4695-8e1e-26931d2012f4}" EventSourceName="Service Control Manager"/><EventID Qualifiers="16384">7036</EventID><Channel>System</Channel>"#,
            "<EventData><Data Name=\"param1\">sppsvc</Data><Binary>7300700070007300760063002F0031000000</Binary></EventData>",
        );
        let rendered = render(&xml, XmlStyle::CLASSIC).unwrap();
        assert_eq!(
            rendered.xml,
            forwarder_event(
                "<Provider Name='Service Control Manager' Guid='{555908D1-A6D7-4695-8E1E-26931D2012F4}' EventSourceName='Service Control Manager'/><EventID Qualifiers='16384'>7036</EventID><Channel>System</Channel>",
                "<EventData><Data Name='param1'>sppsvc</Data><Binary>7300700070007300760063002F0031000000</Binary></EventData>"
            )
        );
        assert_eq!(rendered.event_id, Some(7036));
        assert_eq!(rendered.channel.as_deref(), Some("System"));
    }

    #[test]
    fn channel_and_event_id_only_from_system() {
        let xml = crate_event(
            "<EventID>4104</EventID><Channel>Microsoft-Windows-PowerShell/Operational</Channel>",
            "<EventData><Data Name=\"EventID\">1</Data><Channel>x</Channel></EventData>",
        );
        let rendered = render(&xml, XmlStyle::CLASSIC).unwrap();
        assert_eq!(rendered.event_id, Some(4104));
        assert_eq!(
            rendered.channel.as_deref(),
            Some("Microsoft-Windows-PowerShell/Operational")
        );
        let none = render(&crate_event("<EventID>x</EventID>", ""), XmlStyle::CLASSIC).unwrap();
        assert_eq!((none.event_id, none.channel), (None, None));
    }

    #[test]
    fn user_data_keeps_its_namespace_and_nesting() {
        let body = "<UserData><LogFileCleared xmlns=\"http://manifests.microsoft.com/win/2004/08/windows/eventlog\">\
            <SubjectUserSid>S-1-5-21-1-2-3-500</SubjectUserSid><SubjectLogonId>0x34a3a27</SubjectLogonId>\
            </LogFileCleared></UserData>";
        assert_eq!(
            classic(&crate_event("", body)),
            forwarder_event(
                "",
                "<UserData><LogFileCleared xmlns='http://manifests.microsoft.com/win/2004/08/windows/eventlog'>\
                 <SubjectUserSid>S-1-5-21-1-2-3-500</SubjectUserSid><SubjectLogonId>0x34a3a27</SubjectLogonId>\
                 </LogFileCleared></UserData>"
            )
        );
    }

    #[test]
    fn indented_crate_xml_becomes_one_line() {
        let xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Event xmlns=\"x\">\n  <System>\n    <EventID>1</EventID>\n  </System>\n</Event>";
        // Indentation is text between elements; the crate writes none when
        // not indenting, which is how the module reads records.
        assert!(classic(xml).starts_with("<Event xmlns='x'>"));
    }

    #[test]
    fn unknown_entities_and_cdata_are_kept() {
        let xml = crate_event(
            "",
            "<EventData><Data>a&custom;b<![CDATA[<x>]]></Data></EventData>",
        );
        assert!(classic(&xml).contains("<Data>a&custom;b<![CDATA[<x>]]></Data>"));
    }

    #[test]
    fn malformed_xml_is_an_error_not_a_panic() {
        for xml in [
            "",
            "<?xml version=\"1.0\"?>",
            "<Event>",
            "<Event></System>",
            "<Event a=\"1></Event>",
            "<Event/><Event/>",
            "<Event>&#0;</Event>",
            "<Event></Event><Other/>",
        ] {
            assert!(
                render_forwarder_xml(xml, XmlStyle::CLASSIC).is_err(),
                "{xml:?}"
            );
        }
    }

    #[test]
    fn value_shapes() {
        assert!(is_lower_case_braced_guid(
            "{00000000-0000-0000-0000-000000000000}"
        ));
        assert!(!is_lower_case_braced_guid(
            "{00000000-0000-0000-0000-00000000000G}"
        ));
        assert!(!is_lower_case_braced_guid(
            "00000000-0000-0000-0000-000000000000"
        ));
        assert!(is_seven_digit_utc_time("1601-01-01T00:00:00.0000000Z"));
        assert!(!is_seven_digit_utc_time("1601-01-01T00:00:00.000000Z"));
        assert!(!is_seven_digit_utc_time("1601-01-01 00:00:00.0000000Z"));
    }
}
