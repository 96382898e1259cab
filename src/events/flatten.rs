//! JSON → fields, named the way Splunk's `KV_MODE = json` and `spath` name
//! them: `a.b.c` for nested keys, `a{}` for array elements, `a{}.b` for keys
//! of objects inside arrays.
//!
//! A JSON `null` is the text `null`, as Splunk extracts it with
//! `KV_MODE = json`. security_content's data sources (`data_sources/*.yml`:
//! the fields Splunk and the vendor add-on extracted from a real event, with
//! that event) list the key of every `null` in their JSON examples (106
//! keys in 43 data sources; the one other list, windows_defender_alerts,
//! names its fields without their `properties.` prefix, nulls included),
//! as they list 99% of the other scalars: CloudTrail's `requestParameters` and
//! `responseElements`, Entra ID's `properties.userAgent`, nulls in arrays of
//! objects like `properties.targetResources{}.displayName`; and none of the
//! 101 keys holding `{}` or `[]`. The Splunk Add-on for Microsoft Cloud
//! Services compares those keys with the string `"null"`
//! (`'properties.targetResources{}.id'!="null"`) and pairs such arrays by
//! position (`mvindex(.., mvfind(..))`), so a null element keeps its place.
//! <https://github.com/splunk/security_content/tree/b13b314aed0e1778335a55620474e7d27289a20a/data_sources>.
//! No source says how `INDEXED_EXTRACTIONS = json` (the `_json` sourcetype)
//! treats a null; it is read by this same code.

use indexmap::IndexMap;
use serde_json::Value as Json;

use crate::event::Event;
use crate::value::Value;

/// Flattens a JSON value into `event`'s fields.
///
/// - Nested object keys join with `.`: `{"a":{"b":1}}` gives `a.b = "1"`.
/// - Array elements add `{}`: `{"a":[1,2]}` gives the multivalue `a{} = 1, 2`;
///   `{"a":[{"b":1},{"b":2}]}` gives `a{}.b = 1, 2`; nested arrays `a{}{}`.
/// - Scalars become their JSON text (`false`, `12`, `1.5`, `null`); strings
///   are unescaped. A `null` array element is a `null` value in its place.
///   Empty objects or arrays produce no field.
/// - A name produced more than once collects its values, in order, into a
///   multivalue.
/// - A top-level value that is not an object produces no field.
///
/// Numbers keep their source text (`1.50`, `-0.0`, `18446744073709551616`),
/// as Splunk shows them: serde_json's `arbitrary_precision` feature keeps
/// it, except that it writes an exponent as `e` with a sign (`1e3` and
/// `1E3` are `1e+3`); every reading path renders numbers with
/// [`json_number_text`] so they agree.
pub fn flatten_json(value: &Json, event: &mut Event) {
    let Json::Object(map) = value else {
        return;
    };
    let mut fields: IndexMap<String, Vec<String>> = IndexMap::new();
    for (key, child) in map {
        collect(key.clone(), child, &mut fields);
    }
    for (name, values) in fields {
        if let Some(value) = Value::from_list(values) {
            event.set(name, value);
        }
    }
}

/// A JSON number token's field text, as serde_json (`arbitrary_precision`)
/// keeps it: as written, but an exponent marker `E` is `e` and an unsigned
/// exponent gets a `+`. The token must be a valid JSON number.
pub fn json_number_text(token: &str) -> String {
    match token.find(['e', 'E']) {
        None => token.to_string(),
        Some(at) => {
            let (mantissa, exponent) = (&token[..at], &token[at + 1..]);
            let sign = if exponent.starts_with(['+', '-']) {
                ""
            } else {
                "+"
            };
            format!("{mantissa}e{sign}{exponent}")
        }
    }
}

/// What a JSON `null` extracts as (see the module docs).
pub const NULL_TEXT: &str = "null";

/// Adds the values found under `name` to `fields`.
fn collect(name: String, value: &Json, fields: &mut IndexMap<String, Vec<String>>) {
    match value {
        Json::Null => push(fields, name, NULL_TEXT.to_string()),
        Json::Bool(b) => push(fields, name, b.to_string()),
        Json::Number(n) => push(fields, name, n.to_string()),
        Json::String(s) => push(fields, name, s.clone()),
        Json::Array(items) => {
            let element_name = format!("{name}{{}}");
            for item in items {
                collect(element_name.clone(), item, fields);
            }
        }
        Json::Object(map) => {
            for (key, child) in map {
                collect(format!("{name}.{key}"), child, fields);
            }
        }
    }
}

fn push(fields: &mut IndexMap<String, Vec<String>>, name: String, text: String) {
    fields.entry(name).or_default().push(text);
}

/// Nesting beyond which [`flatten_json_prefix`] stops (serde_json's own
/// recursion limit).
const PREFIX_DEPTH_LIMIT: usize = 128;

/// Flattens the values of JSON text that breaks off — an event Splunk cut
/// at `TRUNCATE` bytes, or one broken some other way — as Splunk's
/// automatic JSON extraction does: every scalar that is complete before
/// the break becomes a field, named as [`flatten_json`] names it (inside
/// objects and arrays that never close, too); the value the break falls
/// in, and everything after it, gives nothing. A number reaching the end
/// of the text may have lost digits, so it is not complete. Text that is
/// not a JSON object up to the break gives nothing.
///
/// security_content's `github.yml` is the evidence: its example event
/// is the first 10,000 bytes of a GitHub webhook event (Splunk's default
/// `TRUNCATE`), and its field list is exactly the 179 scalars complete
/// before the cut, nested ones included, plus Splunk's own fields, and
/// not the URL string the cut falls in.
pub fn flatten_json_prefix(text: &str, event: &mut Event) {
    let mut prefix = Prefix {
        text: text.as_bytes(),
        src: text,
        pos: 0,
        fields: IndexMap::new(),
    };
    prefix.skip_ws();
    if prefix.peek() == Some(b'{') {
        // `None` is the break: the fields found up to it stay.
        let _ = prefix.object(None, 0);
    }
    for (name, values) in prefix.fields {
        if let Some(value) = Value::from_list(values) {
            event.set(name, value);
        }
    }
}

/// The state of [`flatten_json_prefix`]: methods return `None` at the
/// break (the end of the text or anything that is not JSON).
struct Prefix<'a> {
    text: &'a [u8],
    src: &'a str,
    pos: usize,
    fields: IndexMap<String, Vec<String>>,
}

impl Prefix<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.pos += 1;
        }
    }

    /// Consumes `byte` (after white space) or breaks.
    fn expect(&mut self, byte: u8) -> Option<()> {
        self.skip_ws();
        (self.peek() == Some(byte)).then(|| self.pos += 1)
    }

    /// An object at `pos`; `name` is its field name (`None` at the top).
    fn object(&mut self, name: Option<&str>, depth: usize) -> Option<()> {
        if depth >= PREFIX_DEPTH_LIMIT {
            return None;
        }
        self.expect(b'{')?;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Some(());
        }
        loop {
            self.skip_ws();
            let key = self.string()?;
            self.expect(b':')?;
            let child = match name {
                Some(name) => format!("{name}.{key}"),
                None => key,
            };
            self.value(child, depth + 1)?;
            self.skip_ws();
            match self.peek()? {
                b',' => self.pos += 1,
                b'}' => {
                    self.pos += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// An array at `pos`, its elements named `name{}`.
    fn array(&mut self, name: &str, depth: usize) -> Option<()> {
        if depth >= PREFIX_DEPTH_LIMIT {
            return None;
        }
        self.expect(b'[')?;
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Some(());
        }
        let element = format!("{name}{{}}");
        loop {
            self.value(element.clone(), depth + 1)?;
            self.skip_ws();
            match self.peek()? {
                b',' => self.pos += 1,
                b']' => {
                    self.pos += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// Any value, named `name`; a scalar becomes a field once complete.
    fn value(&mut self, name: String, depth: usize) -> Option<()> {
        self.skip_ws();
        let text = match self.peek()? {
            b'{' => return self.object(Some(&name), depth),
            b'[' => return self.array(&name, depth),
            b'"' => self.string()?,
            _ => self.literal()?,
        };
        push(&mut self.fields, name, text);
        Some(())
    }

    /// A whole string at `pos`, unescaped.
    fn string(&mut self) -> Option<String> {
        if self.peek() != Some(b'"') {
            return None;
        }
        let start = self.pos;
        let mut i = start + 1;
        loop {
            match *self.text.get(i)? {
                b'"' => break,
                b'\\' => i += 2,
                _ => i += 1,
            }
        }
        let token = self.src.get(start..=i)?;
        let text = serde_json::from_str::<String>(token).ok()?;
        self.pos = i + 1;
        Some(text)
    }

    /// `true`, `false`, `null`, or a number that does not reach the end of
    /// the text (it may have lost digits there), as [`flatten_json`]
    /// renders it.
    fn literal(&mut self) -> Option<String> {
        let start = self.pos;
        let rest = &self.text[start..];
        let len = rest
            .iter()
            .position(|b| !matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-' | b'+' | b'.' | b'E'))
            .unwrap_or(rest.len());
        let token = self.src.get(start..start + len)?;
        let text = match serde_json::from_str::<Json>(token).ok()? {
            Json::Null => NULL_TEXT.to_string(),
            Json::Bool(b) => b.to_string(),
            Json::Number(_) if len == rest.len() => return None,
            // The number as written (see `flatten_json`).
            Json::Number(_) => json_number_text(token),
            _ => return None,
        };
        self.pos = start + len;
        Some(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(text: &str) -> Vec<(String, Value)> {
        let mut event = Event::new();
        flatten_json(&serde_json::from_str(text).unwrap(), &mut event);
        event
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    fn s(text: &str) -> Value {
        Value::from(text)
    }

    fn multi(values: &[&str]) -> Value {
        Value::Multi(values.iter().map(|v| v.to_string()).collect())
    }

    #[test]
    fn nested_objects_join_with_dots() {
        assert_eq!(
            flat(r#"{"a":{"b":{"c":"x"}},"d":"y"}"#),
            [("a.b.c".into(), s("x")), ("d".into(), s("y"))]
        );
    }

    #[test]
    fn scalar_arrays_are_multivalue_or_single() {
        assert_eq!(
            flat(r#"{"a":[1,"two",true],"b":["only"]}"#),
            [
                ("a{}".into(), multi(&["1", "two", "true"])),
                ("b{}".into(), s("only"))
            ]
        );
    }

    #[test]
    fn arrays_of_objects_collect_each_key() {
        let got = flat(r#"{"items":[{"id":"i-1","tags":{"k":"v"}},{"id":"i-2"},{"other":3}]}"#);
        assert_eq!(
            got,
            [
                ("items{}.id".into(), multi(&["i-1", "i-2"])),
                ("items{}.tags.k".into(), s("v")),
                ("items{}.other".into(), s("3")),
            ]
        );
    }

    #[test]
    fn nested_arrays_add_braces() {
        assert_eq!(
            flat(r#"{"m":[[1,2],[3]],"o":[{"p":[4,5]}]}"#),
            [
                ("m{}{}".into(), multi(&["1", "2", "3"])),
                ("o{}.p{}".into(), multi(&["4", "5"]))
            ]
        );
    }

    #[test]
    fn null_is_the_text_null_and_empty_containers_are_absent() {
        assert_eq!(
            flat(r#"{"n":null,"e":{},"a":[],"an":[null],"k":"v","o":{"x":null}}"#),
            [
                ("n".into(), s("null")),
                ("an{}".into(), s("null")),
                ("k".into(), s("v")),
                ("o.x".into(), s("null")),
            ]
        );
    }

    #[test]
    fn null_elements_keep_their_place_in_a_multivalue() {
        // Parallel arrays stay aligned for mvindex/mvfind, as the add-ons'
        // calculated fields assume.
        assert_eq!(
            flat(r#"{"t":[{"id":"a","type":"User"},{"id":null,"type":"Role"}],"v":[1,null,2]}"#),
            [
                ("t{}.id".into(), multi(&["a", "null"])),
                ("t{}.type".into(), multi(&["User", "Role"])),
                ("v{}".into(), multi(&["1", "null", "2"])),
            ]
        );
    }

    /// Numbers keep their source digits on every path (serde Value,
    /// text prefix); `1.50` was `1.5` and `1e3` `1000.0`.
    #[test]
    fn numbers_keep_their_source_text() {
        let text = r#"{"a":1.50,"b":1e3,"c":-0.0,"d":18446744073709551616,"e":2.5E-3,"f":1e+3,"g":[0.10,7]}"#;
        let want = [
            ("a".to_string(), s("1.50")),
            ("b".into(), s("1e+3")),
            ("c".into(), s("-0.0")),
            ("d".into(), s("18446744073709551616")),
            ("e".into(), s("2.5e-3")),
            ("f".into(), s("1e+3")),
            ("g{}".into(), multi(&["0.10", "7"])),
        ];
        assert_eq!(flat(text), want);
        assert_eq!(prefix(text), want);
    }

    #[test]
    fn scalars_keep_their_json_text() {
        assert_eq!(
            flat(r#"{"f":false,"t":true,"i":12,"neg":-7,"x":1.5,"big":12345678901234567890}"#),
            [
                ("f".into(), s("false")),
                ("t".into(), s("true")),
                ("i".into(), s("12")),
                ("neg".into(), s("-7")),
                ("x".into(), s("1.5")),
                ("big".into(), s("12345678901234567890")),
            ]
        );
    }

    #[test]
    fn strings_are_unescaped() {
        assert_eq!(
            flat(r#"{"u":"caf\u00e9 \ud83d\ude00","q":"say \"hi\"\n","p":"C:\\temp"}"#),
            [
                ("u".into(), s("café 😀")),
                ("q".into(), s("say \"hi\"\n")),
                ("p".into(), s("C:\\temp")),
            ]
        );
    }

    fn prefix(text: &str) -> Vec<(String, Value)> {
        let mut event = Event::new();
        flatten_json_prefix(text, &mut event);
        event
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn prefix_of_whole_json_is_its_flattening() {
        let text =
            r#"{"a":{"b":[1,{"c":null}],"d":"x\"y"},"e":[],"f":{},"g":-1.50e1,"h":[true,false]}"#;
        assert_eq!(prefix(text), flat(text));
    }

    #[test]
    fn prefix_keeps_the_values_complete_before_the_break() {
        let got = prefix(r#"{"action":"requested","run":{"id":20,"prs":[{"n":1},{"n":2,"u":"ht"#);
        assert_eq!(
            got,
            [
                ("action".into(), s("requested")),
                ("run.id".into(), s("20")),
                ("run.prs{}.n".into(), multi(&["1", "2"])),
            ]
        );
    }

    #[test]
    fn prefix_drops_a_key_or_number_the_break_falls_in() {
        assert_eq!(prefix(r#"{"a":"1","b":12"#), [("a".into(), s("1"))]);
        assert_eq!(
            prefix(r#"{"a":"1","b":12 "#),
            [("a".into(), s("1")), ("b".into(), s("12"))]
        );
        assert_eq!(prefix(r#"{"a":"1","b"#), [("a".into(), s("1"))]);
        assert_eq!(prefix(r#"{"a":"1","b":"#), [("a".into(), s("1"))]);
        assert_eq!(prefix(r#"{"a":"x\"#), []);
        assert_eq!(prefix(r#"{"a":nul"#), []);
        assert_eq!(prefix(r#"{"a":null"#), [("a".into(), s("null"))]);
    }

    #[test]
    fn prefix_stops_at_text_that_is_not_json() {
        assert_eq!(prefix(r#"{"a":1,"b":x,"c":2}"#), [("a".into(), s("1"))]);
        assert_eq!(prefix(r#"{"a":1}} trailing"#), [("a".into(), s("1"))]);
        assert!(prefix("not json").is_empty());
        assert!(prefix(r#"["a","b""#).is_empty());
        assert!(prefix("").is_empty());
    }

    #[test]
    fn prefix_of_deep_nesting_stops_without_overflowing() {
        let deep = format!(r#"{{"k":"v","d":{}"#, "[".repeat(100_000));
        assert_eq!(prefix(&deep), [("k".into(), s("v"))]);
    }

    #[test]
    fn prefix_handles_multibyte_text() {
        assert_eq!(
            prefix("{\"u\":\"café\",\"v\":\"é"),
            [("u".into(), s("café"))]
        );
    }

    #[test]
    fn non_object_top_level_gives_no_fields() {
        assert!(flat(r#""just text""#).is_empty());
        assert!(flat("[1,2]").is_empty());
        assert!(flat("42").is_empty());
    }
}
