//! XML → fields, named the way Splunk's `spath` names them (and so
//! `KV_MODE = xml`, which runs the same automatic extraction): the element
//! names from the root joined by `.`, an attribute as `<path>{@<name>}`.
//!
//! ```text
//! <Event xmlns='…'><System><Provider Name='P'/><EventID>4688</EventID></System>
//!   <EventData><Data Name='A'>1</Data><Data Name='B'>2</Data></EventData></Event>
//!
//! Event{@xmlns}                = …
//! Event.System.Provider{@Name} = P
//! Event.System.EventID         = 4688
//! Event.EventData.Data{@Name}  = A, B
//! Event.EventData.Data         = 1, 2
//! ```
//!
//! What Splunk's spath page states
//! (<https://help.splunk.com/splunk-enterprise/spl-search-reference/9.0/search-commands/spath>,
//! and the SPL2 examples page
//! <https://help.splunk.com/en/splunk-enterprise/search/spl2-search-reference/spath-command/spath-command-examples>):
//! spath reads "the structured data formats XML and JSON"; a location path
//! is steps separated by periods, a step a name plus an optional index in
//! curly brackets, either an integer ("the position of the data in an array
//! (this differs between JSON and XML)") or `@<attr>` for an XML attribute,
//! as in `vendorProductSet.product.desc.locDesc{@locale}`. Field lists that
//! users post of `spath` over Windows XML events show the names above
//! (`Event.System.Provider{@Name}`, `Event.System.Security{@UserID}`, and
//! `Event.EventData.Data{@Name}` with `Event.EventData.Data` as parallel
//! multivalues).
//!
//! The rest are assumptions, since no Splunk page states them:
//!
//! - **Text.** An element's value is its text with the five predefined
//!   entities and character references (`&lt;`, `&#x41;`) decoded and CDATA
//!   sections taken as text; line ends and surrounding spaces are kept as
//!   written (not trimmed, not normalised). A reference to any other entity
//!   (which a DTD would have to declare), or a malformed character
//!   reference, stays as written.
//! - **Elements with child elements** have no value of their own: their
//!   text between the children (mixed content, normally indentation) is
//!   ignored.
//! - **Empty elements** (`<X/>`, `<X></X>`) and elements whose text is only
//!   whitespace give no value, as an empty JSON object or array gives no
//!   field in [`crate::events::flatten_json`]. So `Event.EventData.Data` may
//!   hold fewer values than `Event.EventData.Data{@Name}` when some `Data`
//!   elements are empty.
//! - **Names** are kept as written: a namespace prefix stays part of the
//!   name (`<ns:a>` gives `ns:a`), and namespace declarations are attributes
//!   like any other (`Event{@xmlns}`, `RuleAndFileData{@xmlns:auto-ns2}`).
//! - **Repeats.** Every element or attribute at the same path adds its value,
//!   in document order, to one multivalue field; fields are listed in the
//!   order their first value is read (an attribute when its element starts,
//!   text when its element ends).
//! - **Fragments.** Several top-level elements (`<Data>…</Data><Data>…</Data>`,
//!   as `EventData_Xml` holds) are read one after another, each path starting
//!   at its own top-level element. Whitespace, an XML declaration, comments,
//!   processing instructions and a DOCTYPE outside them are skipped.
//! - **Malformed input** (a tag left open or closed out of order, text or an
//!   entity outside every element, a bad attribute, no element at all) gives
//!   nothing, as text that is not JSON does; nothing is extracted from the
//!   part before the error.
//! - **`{N}`** is 1-based, the Nth element of that name under the same parent
//!   (or the Nth top-level element of that name), as this crate's JSON `{N}`
//!   is. The docs say only that the index "differs between JSON and XML"; a
//!   public saved search over 4722 events
//!   (`spath input=_raw path=Event.EventData.Data{1} output=TargetUserName`,
//!   `... Data{5} output=InitiatingUserName`, where TargetUserName is the
//!   first `Data` of 4722 and SubjectUserName the fifth) reads it 1-based.
//!   `{}` or an index that is not a number takes every element; `{0}`
//!   matches nothing.
//! - **A path to an element with child elements** gives its content as
//!   written, the XML between its start and end tags (as a path to a JSON
//!   object gives the object's JSON text).
//! - **Size.** `limits.conf`'s `[spath] extraction_cutoff` (default 5000:
//!   automatic extraction reads only that many bytes) is not applied, as it
//!   is not for JSON in this crate: the whole text is read.

use indexmap::IndexMap;
use quick_xml::events::{BytesRef, BytesStart, Event as XmlEvent};
use quick_xml::Reader;

use crate::event::Event;
use crate::value::Value;

/// Whether `spath` reads `text` as XML: it starts, after leading whitespace,
/// with `<`. Anything else is read as JSON.
pub fn is_xml(text: &str) -> bool {
    text.trim_start().starts_with('<')
}

/// Every field of an XML document or fragment, named as the module docs
/// describe, each with its values in document order; `None` when the text is
/// not well-formed XML.
///
/// ```
/// use spelunk::xml_fields::xml_fields;
///
/// let fields = xml_fields("<a x='1'><b>one</b><b>two</b><c/></a>").unwrap();
/// assert_eq!(fields.len(), 2, "the empty <c/> gives no field");
/// assert_eq!(fields["a{@x}"], ["1"]);
/// assert_eq!(fields["a.b"], ["one", "two"]);
/// ```
pub fn xml_fields(text: &str) -> Option<IndexMap<String, Vec<String>>> {
    let mut collector = Collector::default();
    walk(text, &mut collector).ok()?;
    Some(collector.fields)
}

/// Sets every field of an XML document or fragment on `event`, as
/// [`crate::events::flatten_json`] does for JSON: one value as a single
/// value, several as a multivalue, replacing a field of the same name.
/// Returns whether the text was well-formed XML (when it is not, `event` is
/// left as it was).
///
/// This is the automatic extraction of `spath` without a path, and what
/// `KV_MODE = xml` runs over `_raw`.
pub fn flatten_xml(text: &str, event: &mut Event) -> bool {
    let Some(fields) = xml_fields(text) else {
        return false;
    };
    for (name, values) in fields {
        if let Some(value) = Value::from_list(values) {
            event.set(name, value);
        }
    }
    true
}

/// The values at a location path (`a.b`, `a.b{2}`, `a.b{@attr}`,
/// `a.b{2}{@attr}`) in an XML document or fragment, in document order;
/// `None` when the text is not well-formed XML. A path that names nothing,
/// or is not a path (an `{@attr}` before the last step, an empty step),
/// gives no values.
///
/// ```
/// use spelunk::xml_fields::xml_values_at;
///
/// let xml = "<p><d n='a'>1</d><d n='b'>2</d></p>";
/// assert_eq!(xml_values_at(xml, "p.d").unwrap(), ["1", "2"]);
/// assert_eq!(xml_values_at(xml, "p.d{2}").unwrap(), ["2"]);
/// assert_eq!(xml_values_at(xml, "p.d{@n}").unwrap(), ["a", "b"]);
/// assert_eq!(xml_values_at(xml, "p").unwrap(), ["<d n='a'>1</d><d n='b'>2</d>"]);
/// assert_eq!(xml_values_at("<p>", "p"), None);
/// ```
pub fn xml_values_at(text: &str, path: &str) -> Option<Vec<String>> {
    let steps = parse_path(path);
    let mut selector = Selector {
        steps: steps.as_deref().unwrap_or_default(),
        frames: vec![Frame {
            // A path that names nothing still reads the text, so that bad
            // XML still gives `None`.
            matched: if steps.is_some() { 0 } else { NO_MATCH },
            counter: 0,
            capture: false,
        }],
        values: Vec::new(),
    };
    walk(text, &mut selector).ok()?;
    Some(selector.values)
}

/// The text was not well-formed XML.
#[derive(Debug)]
struct Malformed;

/// What an element held, given when it closes.
enum Content<'a> {
    /// No child elements: its text, or `None` when empty or all whitespace.
    Leaf(Option<&'a str>),
    /// Child elements: everything between its tags, as written.
    Children(&'a str),
}

/// Receives the elements of a document as [`walk`] reads them.
trait Visitor {
    /// An element starts (its attributes are on `start`).
    fn open(&mut self, name: &str, start: &BytesStart<'_>) -> Result<(), Malformed>;
    /// The innermost open element ends.
    fn close(&mut self, content: Content<'_>);
}

/// An open element, as [`walk`] tracks it.
struct Open {
    /// Whether a child element has started.
    has_child: bool,
    /// The byte offset just after its start tag.
    content_start: usize,
}

/// Reads `text` as XML, calling `visitor` for every element, and checks that
/// it is well-formed as far as the module docs require.
fn walk(text: &str, visitor: &mut impl Visitor) -> Result<(), Malformed> {
    let mut reader = Reader::from_str(text);
    let mut open: Vec<Open> = Vec::new();
    // The text read since the last tag (an element's value when no child
    // element follows); one buffer for the whole document.
    let mut pending = String::new();
    let mut elements = 0usize;
    let position =
        |reader: &Reader<&[u8]>| usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
    loop {
        let before = position(&reader);
        let event = reader.read_event().map_err(|_| Malformed)?;
        match event {
            XmlEvent::Start(start) => {
                start_element(&start, &mut open, &mut pending, visitor)?;
                elements += 1;
                open.push(Open {
                    has_child: false,
                    content_start: position(&reader),
                });
            }
            XmlEvent::Empty(start) => {
                start_element(&start, &mut open, &mut pending, visitor)?;
                elements += 1;
                visitor.close(Content::Leaf(None));
            }
            XmlEvent::End(_) => {
                // The reader has checked that the end tag closes the
                // innermost open element.
                let element = open.pop().ok_or(Malformed)?;
                if element.has_child {
                    let inner = text.get(element.content_start..before).unwrap_or("");
                    visitor.close(Content::Children(inner));
                } else {
                    let value = (!is_blank(&pending)).then_some(pending.as_str());
                    visitor.close(Content::Leaf(value));
                }
                pending.clear();
            }
            XmlEvent::Text(content) => {
                let content = content.into_inner();
                if open.is_empty() {
                    if !is_blank(&content) {
                        return Err(Malformed);
                    }
                } else {
                    pending.push_str(&content);
                }
            }
            XmlEvent::CData(content) => {
                if open.is_empty() {
                    return Err(Malformed);
                }
                pending.push_str(&content.into_inner());
            }
            XmlEvent::GeneralRef(reference) => {
                if open.is_empty() {
                    return Err(Malformed);
                }
                push_reference(&mut pending, &reference);
            }
            XmlEvent::Decl(_) | XmlEvent::PI(_) | XmlEvent::Comment(_) | XmlEvent::DocType(_) => {}
            XmlEvent::Eof => break,
        }
    }
    if open.is_empty() && elements > 0 {
        Ok(())
    } else {
        Err(Malformed)
    }
}

/// An element starts: its parent now has a child (so no value of its own),
/// and the text before it is not anyone's value.
fn start_element(
    start: &BytesStart<'_>,
    open: &mut [Open],
    pending: &mut String,
    visitor: &mut impl Visitor,
) -> Result<(), Malformed> {
    if let Some(parent) = open.last_mut() {
        parent.has_child = true;
    }
    pending.clear();
    let name = start.name();
    visitor.open(name.as_ref(), start)
}

/// Whether text is empty or only XML whitespace.
fn is_blank(text: &str) -> bool {
    text.bytes()
        .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

/// Appends an entity or character reference's text: decoded when it is a
/// character reference or one of the five predefined entities, as written
/// otherwise.
fn push_reference(out: &mut String, reference: &BytesRef<'_>) {
    if let Ok(Some(ch)) = reference.resolve_char_ref() {
        out.push(ch);
        return;
    }
    let name: &str = reference.as_ref();
    match quick_xml::escape::resolve_predefined_entity(name) {
        Some(text) => out.push_str(text),
        None => {
            out.push('&');
            out.push_str(name);
            out.push(';');
        }
    }
}

/// The attributes of a start tag as (name, value) pairs, values decoded as
/// text is (an undecodable value stays as written).
fn for_each_attribute(
    start: &BytesStart<'_>,
    mut f: impl FnMut(&str, &str),
) -> Result<(), Malformed> {
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|_| Malformed)?;
        let key = attribute.key.as_ref();
        match quick_xml::escape::unescape(&attribute.value) {
            Ok(value) => f(key, &value),
            Err(_) => f(key, &attribute.value),
        }
    }
    Ok(())
}

/// Collects every field: the automatic extraction.
#[derive(Default)]
struct Collector {
    fields: IndexMap<String, Vec<String>>,
    /// The path of the innermost open element.
    path: String,
    /// For each open element, the length of `path` before its name.
    lengths: Vec<usize>,
}

impl Collector {
    /// Adds a value to the field named by the current `path`.
    fn push(fields: &mut IndexMap<String, Vec<String>>, path: &str, value: &str) {
        match fields.get_mut(path) {
            Some(values) => values.push(value.to_string()),
            None => {
                fields.insert(path.to_string(), vec![value.to_string()]);
            }
        }
    }
}

impl Visitor for Collector {
    fn open(&mut self, name: &str, start: &BytesStart<'_>) -> Result<(), Malformed> {
        self.lengths.push(self.path.len());
        if !self.path.is_empty() {
            self.path.push('.');
        }
        self.path.push_str(name);
        let element_len = self.path.len();
        let (fields, path) = (&mut self.fields, &mut self.path);
        for_each_attribute(start, |key, value| {
            path.push_str("{@");
            path.push_str(key);
            path.push('}');
            Collector::push(fields, path, value);
            path.truncate(element_len);
        })
    }

    fn close(&mut self, content: Content<'_>) {
        if let Content::Leaf(Some(text)) = content {
            Collector::push(&mut self.fields, &self.path, text);
        }
        let length = self.lengths.pop().unwrap_or(0);
        self.path.truncate(length);
    }
}

/// Which elements of a name a step takes.
#[derive(Debug, Clone, PartialEq)]
enum Index {
    /// Every one (no index, `{}`, or an index that is not a number).
    All,
    /// The Nth (1-based) under each parent.
    Nth(usize),
}

/// One step of a location path.
#[derive(Debug, Clone, PartialEq)]
struct Step {
    name: String,
    index: Index,
    /// `{@attr}`: the attribute's value instead of the element's (last step
    /// only).
    attribute: Option<String>,
}

/// Parses a location path; `None` when it can name nothing in XML (an empty
/// step, an attribute before the last step, two integer indexes on a step,
/// an index after an attribute).
fn parse_path(path: &str) -> Option<Vec<Step>> {
    let segments: Vec<&str> = path.split('.').collect();
    let last = segments.len() - 1;
    let mut steps = Vec::with_capacity(segments.len());
    for (i, segment) in segments.into_iter().enumerate() {
        let (name, mut rest) = match segment.find('{') {
            Some(at) => (&segment[..at], &segment[at..]),
            None => (segment, ""),
        };
        if name.is_empty() {
            return None;
        }
        let mut step = Step {
            name: name.to_string(),
            index: Index::All,
            attribute: None,
        };
        while let Some(stripped) = rest.strip_prefix('{') {
            let Some(end) = stripped.find('}') else { break };
            let inside = stripped[..end].trim();
            rest = &stripped[end + 1..];
            if step.attribute.is_some() {
                return None;
            }
            if let Some(attribute) = inside.strip_prefix('@') {
                if i != last {
                    return None;
                }
                step.attribute = Some(attribute.to_string());
            } else if let Ok(n) = inside.parse::<usize>() {
                if step.index != Index::All {
                    return None;
                }
                step.index = Index::Nth(n);
            }
        }
        steps.push(step);
    }
    Some(steps)
}

/// `Frame::matched` of an element outside the path.
const NO_MATCH: usize = usize::MAX;

/// An open element while a path is followed.
struct Frame {
    /// How many steps this element (with its ancestors) matches, or
    /// [`NO_MATCH`].
    matched: usize,
    /// How many children named like the next step have started.
    counter: usize,
    /// Whether this element's value is wanted (it matches the whole path,
    /// which ends without an attribute).
    capture: bool,
}

/// Collects the values at one path.
struct Selector<'p> {
    steps: &'p [Step],
    /// The open elements, after a frame for the document itself.
    frames: Vec<Frame>,
    values: Vec<String>,
}

impl Visitor for Selector<'_> {
    fn open(&mut self, name: &str, start: &BytesStart<'_>) -> Result<(), Malformed> {
        let mut matched = NO_MATCH;
        if let Some(parent) = self.frames.last_mut() {
            if let Some(step) = self.steps.get(parent.matched) {
                if step.name == name {
                    parent.counter += 1;
                    let taken = match step.index {
                        Index::All => true,
                        Index::Nth(n) => n == parent.counter,
                    };
                    if taken {
                        matched = parent.matched + 1;
                    }
                }
            }
        }
        let complete = matched == self.steps.len();
        let wanted = self
            .steps
            .last()
            .and_then(|s| s.attribute.as_deref())
            .filter(|_| complete);
        let capture = complete && wanted.is_none();
        // Every start tag's attributes are checked, as the automatic
        // extraction checks them.
        let values = &mut self.values;
        for_each_attribute(start, |key, value| {
            if Some(key) == wanted {
                values.push(value.to_string());
            }
        })?;
        self.frames.push(Frame {
            matched,
            counter: 0,
            capture,
        });
        Ok(())
    }

    fn close(&mut self, content: Content<'_>) {
        let Some(frame) = self.frames.pop() else {
            return;
        };
        if frame.capture {
            match content {
                Content::Leaf(Some(text)) => self.values.push(text.to_string()),
                Content::Leaf(None) => {}
                Content::Children(inner) => self.values.push(inner.to_string()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str) -> Vec<(String, Vec<String>)> {
        xml_fields(text).expect("well-formed").into_iter().collect()
    }

    fn pair(name: &str, values: &[&str]) -> (String, Vec<String>) {
        (
            name.to_string(),
            values.iter().map(|v| v.to_string()).collect(),
        )
    }

    fn at(text: &str, path: &str) -> Vec<String> {
        xml_values_at(text, path).expect("well-formed")
    }

    const WINDOWS: &str = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>\
        <System><Provider Name='Microsoft-Windows-Security-Auditing' Guid='{54849625-5478-4994-A5BA-3E3B0328C30D}'/>\
        <EventID>4688</EventID><Security/></System>\
        <EventData><Data Name='SubjectUserName'>alice</Data><Data Name='Empty'></Data>\
        <Data Name='NewProcessName'>C:\\Windows\\cmd.exe</Data></EventData></Event>";

    #[test]
    fn windows_event_paths_and_attributes() {
        assert_eq!(
            fields(WINDOWS),
            [
                pair(
                    "Event{@xmlns}",
                    &["http://schemas.microsoft.com/win/2004/08/events/event"]
                ),
                pair(
                    "Event.System.Provider{@Name}",
                    &["Microsoft-Windows-Security-Auditing"]
                ),
                pair(
                    "Event.System.Provider{@Guid}",
                    &["{54849625-5478-4994-A5BA-3E3B0328C30D}"]
                ),
                pair("Event.System.EventID", &["4688"]),
                pair(
                    "Event.EventData.Data{@Name}",
                    &["SubjectUserName", "Empty", "NewProcessName"]
                ),
                pair("Event.EventData.Data", &["alice", "C:\\Windows\\cmd.exe"]),
            ]
        );
    }

    #[test]
    fn applocker_user_data() {
        let xml = "<RuleAndFileData xmlns='http://schemas.microsoft.com/schemas/event/Microsoft.Windows/1.0.0.0'>\
            <PolicyName>EXE</PolicyName><RuleId>{00000000-0000-0000-0000-000000000000}</RuleId>\
            <FilePath>%OSDRIVE%\\USERS\\PUBLIC\\A.EXE</FilePath><FileHash></FileHash></RuleAndFileData>";
        let got = fields(xml);
        assert_eq!(got[1], pair("RuleAndFileData.PolicyName", &["EXE"]));
        assert_eq!(
            got[3],
            pair(
                "RuleAndFileData.FilePath",
                &["%OSDRIVE%\\USERS\\PUBLIC\\A.EXE"]
            )
        );
        assert_eq!(got.len(), 4, "the empty FileHash gives no field");
    }

    #[test]
    fn entities_cdata_and_mixed_content() {
        assert_eq!(
            fields("<a>\n  <b>x &lt;&amp;&gt; &#x41;&#66; &quot;&apos;</b>\n  <c><![CDATA[<raw> & ]]>tail</c> text <d>&custom;</d>\n</a>"),
            [
                pair("a.b", &["x <&> AB \"'"]),
                pair("a.c", &["<raw> & tail"]),
                pair("a.d", &["&custom;"]),
            ]
        );
    }

    #[test]
    fn text_is_kept_as_written_and_blank_text_is_no_value() {
        assert_eq!(
            fields("<a><b>  padded \r\n</b><c>   </c><d/></a>"),
            [pair("a.b", &["  padded \r\n"])]
        );
    }

    #[test]
    fn prefixes_and_namespace_declarations_are_kept_as_written() {
        assert_eq!(
            fields("<ns:a xmlns:ns='urn:x'><ns:b ns:k='v'>1</ns:b></ns:a>"),
            [
                pair("ns:a{@xmlns:ns}", &["urn:x"]),
                pair("ns:a.ns:b{@ns:k}", &["v"]),
                pair("ns:a.ns:b", &["1"]),
            ]
        );
    }

    #[test]
    fn attribute_values_are_decoded() {
        assert_eq!(
            fields("<a k='&lt;x&gt; &#65;' q=\"it's\"/>"),
            [pair("a{@k}", &["<x> A"]), pair("a{@q}", &["it's"])]
        );
    }

    #[test]
    fn fragments_of_several_top_level_elements() {
        let xml = "<Data Name='a'>1</Data><Data Name='b'>2</Data>\n<Other>x</Other>";
        assert_eq!(
            fields(xml),
            [
                pair("Data{@Name}", &["a", "b"]),
                pair("Data", &["1", "2"]),
                pair("Other", &["x"]),
            ]
        );
        assert_eq!(at(xml, "Data{2}"), ["2"]);
    }

    #[test]
    fn declarations_comments_and_doctype_are_skipped() {
        assert_eq!(
            fields("<?xml version='1.0'?>\n<!DOCTYPE a>\n<!-- c --><a><?pi x?><b>1</b></a>\n"),
            [pair("a.b", &["1"])]
        );
    }

    #[test]
    fn malformed_input_gives_nothing() {
        for bad in [
            "",
            "   ",
            "<",
            "<a>",
            "<a><b></a>",
            "<a></b>",
            "</a>",
            "<a>1</a> trailing",
            "lead <a>1</a>",
            "<a>1</a>&amp;",
            "<a x='1' x='2'/>",
            "<a x=1/>",
            "<a>&</a>",
            "<a><![CDATA[x</a>",
            "<!-- only a comment -->",
        ] {
            assert_eq!(xml_fields(bad), None, "{bad:?}");
            assert_eq!(xml_values_at(bad, "a"), None, "{bad:?}");
        }
    }

    #[test]
    fn never_panics_on_truncations() {
        let text = format!("{WINDOWS}<x a='&#xD800;'>&#0;&#xFFFFFFFF;é</x>");
        for end in 0..=text.len() {
            let Some(prefix) = text.get(..end) else {
                continue;
            };
            let _ = xml_fields(prefix);
            let _ = xml_values_at(prefix, "Event.EventData.Data{2}");
            let _ = xml_values_at(prefix, "Event{@xmlns}");
        }
        // Bad character references stay as written.
        assert_eq!(fields("<x>&#0;&#xZZ;</x>"), [pair("x", &["&#0;&#xZZ;"])]);
    }

    #[test]
    fn deep_nesting_is_read_without_recursion() {
        let depth = 20_000;
        let xml = format!("{}v{}", "<a>".repeat(depth), "</a>".repeat(depth));
        let got = xml_fields(&xml).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got.values().next().unwrap(), &["v"]);
    }

    #[test]
    fn paths_select_text_attributes_and_positions() {
        assert_eq!(at(WINDOWS, "Event.System.EventID"), ["4688"]);
        assert_eq!(
            at(WINDOWS, "Event.System.Provider{@Name}"),
            ["Microsoft-Windows-Security-Auditing"]
        );
        assert_eq!(
            at(WINDOWS, "Event.EventData.Data"),
            ["alice", "C:\\Windows\\cmd.exe"]
        );
        assert_eq!(at(WINDOWS, "Event.EventData.Data{1}"), ["alice"]);
        assert!(at(WINDOWS, "Event.EventData.Data{2}").is_empty());
        assert_eq!(
            at(WINDOWS, "Event.EventData.Data{3}"),
            ["C:\\Windows\\cmd.exe"]
        );
        assert_eq!(
            at(WINDOWS, "Event.EventData.Data{3}{@Name}"),
            ["NewProcessName"]
        );
        assert_eq!(
            at(WINDOWS, "Event.EventData.Data{}"),
            ["alice", "C:\\Windows\\cmd.exe"]
        );
        assert!(at(WINDOWS, "Event.EventData.Data{0}").is_empty());
        assert!(at(WINDOWS, "Event.EventData.Data{4}").is_empty());
        assert!(at(WINDOWS, "EventData.Data").is_empty());
        assert!(at(WINDOWS, "Event.System.Provider").is_empty());
        assert!(at(WINDOWS, "Event.System.Provider{@Missing}").is_empty());
    }

    #[test]
    fn a_path_to_an_element_with_children_gives_its_content() {
        assert_eq!(
            at(WINDOWS, "Event.System"),
            ["<Provider Name='Microsoft-Windows-Security-Auditing' Guid='{54849625-5478-4994-A5BA-3E3B0328C30D}'/>\
              <EventID>4688</EventID><Security/>"]
        );
    }

    #[test]
    fn the_index_counts_under_each_parent() {
        let xml = "<r><g><i>a</i><i>b</i></g><g><i>c</i></g></r>";
        assert_eq!(at(xml, "r.g.i{1}"), ["a", "c"]);
        assert_eq!(at(xml, "r.g{2}.i"), ["c"]);
        assert_eq!(at(xml, "r.g.i"), ["a", "b", "c"]);
    }

    #[test]
    fn the_spath_doc_example() {
        let xml = r#"<vendorProductSet><product><desc><locDesc locale="en-US">Sample</locDesc></desc></product></vendorProductSet>"#;
        assert_eq!(
            at(xml, "vendorProductSet.product.desc.locDesc{@locale}"),
            ["en-US"]
        );
        assert_eq!(at(xml, "vendorProductSet.product.desc.locDesc"), ["Sample"]);
    }

    #[test]
    fn paths_that_name_nothing() {
        for path in [
            "",
            "a..b",
            ".a",
            "a{@x}.b",
            "a{1}{2}",
            "a{@x}{1}",
            "a{@x}{@y}",
        ] {
            assert!(at("<a x='1'><b>2</b></a>", path).is_empty(), "{path:?}");
        }
        // An index that is not a number takes every element, as for JSON.
        assert_eq!(at("<a><b>1</b><b>2</b></a>", "a.b{x}"), ["1", "2"]);
    }

    #[test]
    fn flatten_sets_single_and_multivalues() {
        let mut event = Event::new();
        event.set("Event.System.EventID", Value::from("old"));
        assert!(flatten_xml(WINDOWS, &mut event));
        assert_eq!(
            event.get("Event.System.EventID"),
            Some(&Value::from("4688"))
        );
        assert_eq!(
            event.get("Event.EventData.Data"),
            Some(&Value::Multi(vec![
                "alice".into(),
                "C:\\Windows\\cmd.exe".into()
            ]))
        );
        let mut untouched = Event::new();
        assert!(!flatten_xml("<a>", &mut untouched));
        assert!(untouched.iter().next().is_none());
    }

    #[test]
    fn xml_is_recognised_by_its_first_character() {
        assert!(is_xml("  \n<a/>"));
        assert!(!is_xml("{\"a\":1}"));
        assert!(!is_xml("text <a/>"));
    }
}
