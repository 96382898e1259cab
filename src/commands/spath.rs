//! JSON and XML field extraction: `spath`, `fromjson`, `xmlkv`.
//!
//! `spath` over XML is [`crate::xml_fields`].
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.1/search-commands/spath>,
//! `.../fromjson`, `.../xmlkv`.

use regex::Regex;
use serde_json::Value as Json;

use crate::commands::common::{at_option, bad, count_opt, option, unknown_option};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::events::flatten_json;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;
use crate::xml_fields::{is_xml, xml_fields, xml_values_at};

/// `spath [input=<field>] [output=<field>] [path=<path> | <path>]`, e.g.
/// `spath input=data path=user.roles{} output=roles`. Without a path every
/// field is extracted, named like `KV_MODE=json` (`a.b`, `a{}.c`).
///
/// Input that starts with `<` (after leading whitespace) is read as XML (see
/// [`crate::xml_fields`]): fields are the element paths from the root
/// (`RuleAndFileData.PolicyName`), attributes `<path>{@<name>}`
/// (`Event.System.Provider{@Name}`), and a path step may take `{N}` (the Nth
/// element of that name, 1-based) or end in `{@<name>}`, as in the docs'
/// `vendorProductSet.product.desc.locDesc{@locale}`. Any other input is
/// read as JSON. Input that is neither gives nothing and leaves the event
/// as it was.
#[derive(Debug, Clone, PartialEq)]
pub struct Spath {
    /// The field holding JSON (default `_raw`).
    pub input: String,
    /// The output field (default: the path).
    pub output: Option<String>,
    /// The path, or None for automatic extraction.
    pub path: Option<String>,
}

/// Parses `spath`'s arguments.
pub fn parse(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    let mut out = Spath {
        input: "_raw".into(),
        output: None,
        path: None,
    };
    while !p.at_command_end() {
        if at_option(p) {
            let (key, value, span) = option(p)?;
            match key.as_str() {
                "input" => out.input = value,
                "output" => out.output = Some(value),
                "path" => out.path = Some(value),
                _ => return Err(unknown_option("spath", &key, span)),
            }
        } else if out.path.is_none() {
            out.path = Some(p.value("a path")?.0);
        } else {
            return Err(p.expected("the end of `spath`"));
        }
    }
    Ok(CommandArgs::Spath(out))
}

/// One step of a path: a key, then any `{}` (all elements) or `{N}`
/// (the Nth element, 1-based) suffixes.
#[derive(Debug)]
struct Step {
    key: String,
    indexes: Vec<Option<usize>>,
}

fn parse_path(path: &str) -> Vec<Step> {
    path.split('.')
        .map(|seg| {
            let (key, mut rest) = match seg.find('{') {
                Some(i) => (seg[..i].to_string(), &seg[i..]),
                None => (seg.to_string(), ""),
            };
            let mut indexes = Vec::new();
            while let Some(stripped) = rest.strip_prefix('{') {
                let Some(end) = stripped.find('}') else { break };
                indexes.push(stripped[..end].trim().parse::<usize>().ok());
                rest = &stripped[end + 1..];
            }
            Step { key, indexes }
        })
        .collect()
}

/// The values at `path` in `doc`: scalars as text (`null` as `null`, as
/// automatic extraction gives it), objects and arrays as JSON text.
pub fn values_at(doc: &Json, path: &str) -> Vec<String> {
    let mut current = vec![doc];
    for step in parse_path(path) {
        let mut next = Vec::new();
        for v in current {
            let v = if step.key.is_empty() {
                Some(v)
            } else {
                v.get(&step.key)
            };
            let Some(v) = v else { continue };
            let mut items = vec![v];
            for index in &step.indexes {
                let mut expanded = Vec::new();
                for item in items {
                    if let Json::Array(a) = item {
                        match index {
                            None => expanded.extend(a.iter()),
                            Some(n) => expanded.extend(n.checked_sub(1).and_then(|i| a.get(i))),
                        }
                    }
                }
                items = expanded;
            }
            next.extend(items);
        }
        current = next;
    }
    current.into_iter().map(spath_text).collect()
}

/// A value `spath` extracts at a path: its text as the automatic
/// extraction (`KV_MODE = json`, and `spath` without a path) gives a scalar,
/// so a JSON `null` is `null` (see `events::flatten`'s module docs), and
/// containers as compact JSON.
fn spath_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A value `fromjson` makes a field of: as [`spath_text`], except that a
/// JSON `null` gives no value. Whether Splunk's `fromjson` (which returns
/// "native type" values, like `json_extract`) extracts a null as `null` is
/// not established, so it keeps the earlier behaviour.
fn fromjson_text(v: &Json) -> Option<String> {
    match v {
        Json::Null => None,
        other => Some(spath_text(other)),
    }
}

impl Spath {
    fn apply_one(&self, event: &mut Event) {
        let Some(text) = event.get(&self.input).map(|v| v.to_text().into_owned()) else {
            return;
        };
        if is_xml(&text) {
            self.apply_xml(&text, event);
            return;
        }
        let Ok(doc) = serde_json::from_str::<Json>(&text) else {
            return;
        };
        match &self.path {
            None => {
                let mut extracted = Event::new();
                flatten_json(&doc, &mut extracted);
                for (name, value) in extracted.iter() {
                    let name = match &self.output {
                        Some(prefix) => format!("{prefix}.{name}"),
                        None => name.to_string(),
                    };
                    event.set(name, value.clone());
                }
            }
            Some(path) => {
                let name = self.output.clone().unwrap_or_else(|| path.clone());
                event.set_opt(name, Value::from_list(values_at(&doc, path)));
            }
        }
    }

    /// [`Spath::apply_one`] over XML text.
    fn apply_xml(&self, text: &str, event: &mut Event) {
        match &self.path {
            None => {
                let Some(fields) = xml_fields(text) else {
                    return;
                };
                for (name, values) in fields {
                    let Some(value) = Value::from_list(values) else {
                        continue;
                    };
                    let name = match &self.output {
                        Some(prefix) => format!("{prefix}.{name}"),
                        None => name,
                    };
                    event.set(name, value);
                }
            }
            Some(path) => {
                let Some(values) = xml_values_at(text, path) else {
                    return;
                };
                let name = self.output.clone().unwrap_or_else(|| path.clone());
                event.set_opt(name, Value::from_list(values));
            }
        }
    }
}

impl super::Command for Spath {
    /// Extracts from every row.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        Ok(Box::new(input.map(move |row| {
            row.map(|mut event| {
                self.apply_one(&mut event);
                event
            })
        })))
    }
}

/// `fromjson <field> [prefix=<string>]`: the field's top-level JSON keys
/// become fields; arrays become multivalue fields, objects stay JSON text.
#[derive(Debug, Clone, PartialEq)]
pub struct Fromjson {
    /// The field holding a JSON object.
    pub field: String,
    /// Prepended to every new field name.
    pub prefix: String,
}

/// Parses `fromjson`'s arguments.
pub fn parse_fromjson(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let mut field = None;
    let mut prefix = String::new();
    while !p.at_command_end() {
        if at_option(p) {
            let (key, value, span) = option(p)?;
            match key.as_str() {
                "prefix" => prefix = value,
                _ => return Err(unknown_option("fromjson", &key, span)),
            }
        } else if field.is_none() {
            field = Some(p.field_name("a field name")?.0);
        } else {
            return Err(p.expected("the end of `fromjson`"));
        }
    }
    let field = field.ok_or_else(|| bad("fromjson", "expected a field name", name_span))?;
    Ok(CommandArgs::Fromjson(Fromjson { field, prefix }))
}

impl super::Command for Fromjson {
    /// Expands the field in every row.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        Ok(Box::new(input.map(move |row| {
            row.map(|mut event| {
                let text = event.get(&self.field).map(|v| v.to_text().into_owned());
                if let Some(Ok(Json::Object(map))) = text.map(|t| serde_json::from_str::<Json>(&t))
                {
                    for (k, v) in map {
                        let value = match &v {
                            Json::Array(items) => {
                                Value::from_list(items.iter().filter_map(fromjson_text).collect())
                            }
                            other => fromjson_text(other).map(Value::Str),
                        };
                        event.set_opt(format!("{}{k}", self.prefix), value);
                    }
                }
                event
            })
        })))
    }
}

/// `xmlkv [<field>] [maxinputs=<int>]`: `<tag>value</tag>` pairs in `_raw`
/// become `tag=value` fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Xmlkv {
    /// The field read (default `_raw`).
    pub field: String,
    /// Only the first N results are processed (default 50000).
    pub maxinputs: usize,
}

/// Default `maxinputs`.
const XMLKV_MAXINPUTS: usize = 50_000;

/// Parses `xmlkv`'s arguments.
pub fn parse_xmlkv(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    let mut out = Xmlkv {
        field: "_raw".into(),
        maxinputs: XMLKV_MAXINPUTS,
    };
    while !p.at_command_end() {
        if at_option(p) {
            let (key, value, span) = option(p)?;
            match key.as_str() {
                "maxinputs" => out.maxinputs = count_opt("xmlkv", &key, &value, span)?,
                _ => return Err(unknown_option("xmlkv", &key, span)),
            }
        } else {
            out.field = p.field_name("a field name")?.0;
        }
    }
    Ok(CommandArgs::Xmlkv(out))
}

impl super::Command for Xmlkv {
    /// Extracts leaf elements' text.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        let re =
            Regex::new(r"<([A-Za-z_][\w:.\-]*)(?:\s[^<>]*)?>([^<]*)</([A-Za-z_][\w:.\-]*)\s*>")
                .map_err(|e| crate::error::Error::Runtime {
                    message: format!("internal: xmlkv pattern: {e}"),
                    span: None,
                })?;
        Ok(Box::new(input.enumerate().map(move |(i, row)| {
            row.map(|mut event| {
                if i >= self.maxinputs {
                    return event;
                }
                let Some(text) = event.get(&self.field).map(|v| v.to_text().into_owned()) else {
                    return event;
                };
                for caps in re.captures_iter(&text) {
                    if caps[1] != caps[3] || caps[2].trim().is_empty() {
                        continue;
                    }
                    event.set(caps[1].to_string(), Value::Str(caps[2].to_string()));
                }
                event
            })
        })))
    }
}

/// The registry entries of `spath`, `fromjson`, `xmlkv`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "spath",
        aliases: &[],
        parse,
    },
    super::CommandSpec {
        name: "fromjson",
        aliases: &[],
        parse: parse_fromjson,
    },
    super::CommandSpec {
        name: "xmlkv",
        aliases: &[],
        parse: parse_xmlkv,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_walk_objects_and_arrays() {
        let doc: Json =
            serde_json::from_str(r#"{"a":{"b":[{"c":1},{"c":2}]},"d":[1,2,3],"e":{"f":true}}"#)
                .unwrap();
        assert_eq!(values_at(&doc, "a.b{}.c"), vec!["1", "2"]);
        assert_eq!(values_at(&doc, "a.b{2}.c"), vec!["2"]);
        assert_eq!(values_at(&doc, "d{}"), vec!["1", "2", "3"]);
        assert_eq!(values_at(&doc, "e"), vec![r#"{"f":true}"#]);
        assert!(values_at(&doc, "zz").is_empty());
    }

    #[test]
    fn a_null_at_a_path_is_the_text_null() {
        let doc: Json =
            serde_json::from_str(r#"{"n":null,"a":[{"b":1},{"b":null}],"e":[],"o":{}}"#).unwrap();
        assert_eq!(values_at(&doc, "n"), vec!["null"]);
        assert_eq!(values_at(&doc, "a{}.b"), vec!["1", "null"]);
        assert_eq!(values_at(&doc, "e"), vec!["[]"]);
        assert_eq!(values_at(&doc, "o"), vec!["{}"]);
        assert!(values_at(&doc, "n.x").is_empty());
    }
}
