//! `findtypes`: suggests event types for the results.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.3/search-commands/findtypes>:
//! `findtypes max=<int> [notcovered] [useraw]`: "Generates suggested event
//! types by taking the results of a search and producing a list of
//! potential event types. At most, 5000 events are analyzed"; `max` (the
//! number returned) defaults to 10; `notcovered` returns only event types
//! not already covered; `useraw` uses phrases of `_raw`.
//!
//! The page does not say how the suggestions are made or what a result
//! holds, so this is spelunk's method (docs/semantics.md, "findtypes"):
//! the analysed events are grouped by source type and the first 15
//! characters of `punct` (the grouping `typelearner`'s page describes);
//! each group becomes one suggested search, `sourcetype="..."
//! punct="<prefix>*"` plus up to five `field="value"` terms every event of
//! the group shares (and, with `useraw`, up to five words of `_raw` all of
//! them contain). Each result: `search`, `count` (events of the group) and
//! `percent` (of the analysed events), largest group first. With
//! `notcovered`, events that already have an `eventtype` are not analysed.

use std::collections::BTreeMap;

use crate::commands::common::{at_option, bad, collect, count_opt, option, unknown_option};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

const C: &str = "findtypes";

/// The page: "At most, 5000 events are analyzed".
const MAX_ANALYSED: usize = 5000;

/// How many characters of `punct` group events.
const PUNCT_PREFIX: usize = 15;

/// The most shared terms (and words) a suggestion adds.
const MAX_TERMS: usize = 5;

/// `findtypes max=50 useraw`; also `typelearner [<field>] [maxlen=<n>]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Findtypes {
    /// How many suggestions are returned.
    pub max: usize,
    /// The field whose leading characters group events (`punct`).
    pub group_field: String,
    /// How many of its characters (None: all of them).
    pub group_len: Option<usize>,
    /// Only events without an event type are analysed.
    pub notcovered: bool,
    /// Words of `_raw` join the suggestions.
    pub useraw: bool,
}

/// Parses `findtypes`' arguments.
pub fn parse(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    let mut out = Findtypes {
        max: 10,
        group_field: "punct".into(),
        group_len: Some(PUNCT_PREFIX),
        notcovered: false,
        useraw: false,
    };
    while !p.at_command_end() {
        if at_option(p) {
            let (key, value, span) = option(p)?;
            match key.as_str() {
                "max" => out.max = count_opt(C, &key, &value, span)?,
                _ => return Err(unknown_option(C, &key, span)),
            }
            continue;
        }
        let (word, span) = p.word("`max=`, `notcovered` or `useraw`")?;
        match word.to_ascii_lowercase().as_str() {
            "notcovered" => out.notcovered = true,
            "useraw" => out.useraw = true,
            _ => {
                return Err(bad(
                    C,
                    format!("expected `max=`, `notcovered` or `useraw`, found `{word}`"),
                    span,
                ))
            }
        }
    }
    Ok(CommandArgs::Findtypes(out))
}

/// Parses `typelearner [<grouping-field>] [maxlen=<int>]` (deprecated, the
/// page says, for `findtypes`): events grouped by the field's first
/// `maxlen` characters (default `punct`, 15; negative: the whole value).
pub fn parse_typelearner(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    let mut out = Findtypes {
        max: usize::MAX,
        group_field: "punct".into(),
        group_len: Some(PUNCT_PREFIX),
        notcovered: false,
        useraw: false,
    };
    let t = "typelearner";
    while !p.at_command_end() {
        if at_option(p) {
            let (key, value, span) = option(p)?;
            match key.as_str() {
                "maxlen" => {
                    let n: i64 = value.trim().parse().map_err(|_| {
                        bad(
                            t,
                            format!("`maxlen` must be a whole number, found `{value}`"),
                            span,
                        )
                    })?;
                    out.group_len = usize::try_from(n).ok();
                }
                _ => return Err(unknown_option(t, &key, span)),
            }
        } else {
            out.group_field = p.field_name("a grouping field")?.0;
        }
    }
    Ok(CommandArgs::Findtypes(out))
}

/// One group of analysed events.
struct Group<'e> {
    sourcetype: String,
    punct: String,
    events: Vec<&'e Event>,
}

impl Findtypes {
    /// The suggested search for a group.
    fn search(&self, group: &Group<'_>) -> String {
        let mut terms = Vec::new();
        if !group.sourcetype.is_empty() {
            terms.push(format!("sourcetype={}", quote(&group.sourcetype)));
        }
        if !group.punct.is_empty() {
            let whole = self.group_len.is_none()
                || group
                    .events
                    .iter()
                    .all(|e| text(e, &self.group_field) == group.punct);
            let value = if whole {
                group.punct.clone()
            } else {
                format!("{}*", group.punct)
            };
            terms.push(format!("{}={}", self.group_field, quote(&value)));
        }
        terms.extend(
            shared_fields(&group.events)
                .into_iter()
                .filter(|(f, _)| *f != self.group_field)
                .take(MAX_TERMS)
                .map(|(f, v)| format!("{f}={}", quote(&v))),
        );
        if self.useraw {
            terms.extend(
                shared_words(&group.events)
                    .into_iter()
                    .take(MAX_TERMS)
                    .map(|w| quote(&w)),
            );
        }
        terms.join(" ")
    }
}

impl super::Command for Findtypes {
    /// Replaces the results with the suggestions.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        let rows = collect(input)?;
        let analysed: Vec<&Event> = rows
            .iter()
            .filter(|e| !self.notcovered || e.get("eventtype").is_none())
            .take(MAX_ANALYSED)
            .collect();
        let mut groups: BTreeMap<(String, String), Group<'_>> = BTreeMap::new();
        for event in &analysed {
            let sourcetype = text(event, "sourcetype");
            let value = text(event, &self.group_field);
            let punct: String = match self.group_len {
                Some(n) => value.chars().take(n).collect(),
                None => value,
            };
            groups
                .entry((sourcetype.clone(), punct.clone()))
                .or_insert_with(|| Group {
                    sourcetype,
                    punct,
                    events: Vec::new(),
                })
                .events
                .push(event);
        }
        let total = analysed.len().max(1) as f64;
        let mut suggestions: Vec<(String, usize)> = groups
            .values()
            .map(|g| (self.search(g), g.events.len()))
            .collect();
        suggestions.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        suggestions.truncate(self.max);
        let out: Vec<Event> = suggestions
            .into_iter()
            .map(|(search, count)| {
                let mut e = Event::new();
                e.set("search", Value::Str(search));
                e.set("count", Value::Num(count as f64));
                e.set(
                    "percent",
                    Value::Str(format!("{:.2}", count as f64 * 100.0 / total)),
                );
                e
            })
            .collect();
        Ok(Box::new(out.into_iter().map(Ok)))
    }
}

fn text(event: &Event, field: &str) -> String {
    event
        .get(field)
        .map(|v| v.to_text().into_owned())
        .unwrap_or_default()
}

fn quote(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Whether a field describes the event's content (not its metadata or a
/// field Splunk adds to every event).
fn is_content_field(name: &str) -> bool {
    !(name.starts_with('_')
        || name.starts_with("date_")
        || name.starts_with("tag::")
        || matches!(
            name,
            "punct"
                | "linecount"
                | "timestartpos"
                | "timeendpos"
                | "splunk_server"
                | "index"
                | "host"
                | "source"
                | "sourcetype"
                | "eventtype"
                | "tag"
        ))
}

/// `field=value` pairs (single values) every event of the group has, by
/// field name.
fn shared_fields(events: &[&Event]) -> Vec<(String, String)> {
    let Some(first) = events.first() else {
        return Vec::new();
    };
    let mut out: Vec<(String, String)> = first
        .iter()
        .filter(|(name, value)| is_content_field(name) && !matches!(value, Value::Multi(_)))
        .map(|(name, value)| (name.to_string(), value.to_text().into_owned()))
        .filter(|(name, value)| {
            events[1..]
                .iter()
                .all(|e| e.get(name).is_some_and(|v| v.to_text() == value.as_str()))
        })
        .collect();
    out.sort();
    out
}

/// Words (letters, three or more, lower-cased) of `_raw` every event of the
/// group contains, in the first event's order.
fn shared_words(events: &[&Event]) -> Vec<String> {
    let words = |e: &Event| -> Vec<String> {
        let raw = text(e, "_raw");
        let mut out: Vec<String> = Vec::new();
        for w in raw.split(|c: char| !c.is_alphabetic()) {
            let w = w.to_lowercase();
            if w.chars().count() >= 3 && !out.contains(&w) {
                out.push(w);
            }
        }
        out
    };
    let Some(first) = events.first() else {
        return Vec::new();
    };
    let others: Vec<Vec<String>> = events[1..].iter().map(|e| words(e)).collect();
    words(first)
        .into_iter()
        .filter(|w| others.iter().all(|o| o.contains(w)))
        .collect()
}

/// The registry entries of `findtypes`, `typelearner`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "findtypes",
        aliases: &[],
        parse,
    },
    super::CommandSpec {
        name: "typelearner",
        aliases: &[],
        parse: parse_typelearner,
    },
];
