//! `| metadata type=hosts|sources|sourcetypes`: each host, source or
//! sourcetype of the indexes with its first and last time and event count,
//! here over the events the search was given.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/metadata>:
//! `| metadata type=<metadata-type> [index=<index_name>]...
//! [splunk_server=<wc-string>] [splunk_server_group=<wc-string>]...
//! [datatype=metric|event]`; a generating command; `type` is required and
//! "must be one of the three literal strings: hosts, sources, or
//! sourcetypes"; `index` may repeat and take wildcards ("to match
//! non-internal indexes, use index=*. To match internal indexes, use
//! index=_*"), default the default index (`main`). The fields, as the
//! page's table shows them: the value's own field (`host`, `source` or
//! `sourcetype`), `type`, `firstTime` (the first event's timestamp),
//! `lastTime` (the last event's), `recentTime` (the index time of the most
//! recent event) and `totalCount` (the number of events).
//!
//! Offline: events have no index time, so `recentTime` is the latest event
//! time (the page: "when the data is streaming live, the lastTime and
//! recentTime field values are equal"); `splunk_server` matches the events'
//! `splunk_server` (`spelunk`) or `local`; rows come in value order.
//! `splunk_server_group` is an error (no server groups offline), so is
//! `datatype=metric` (no metrics indexes).

use std::collections::BTreeMap;

use crate::commands::common::{at_option, bad, option, unknown_option, unsupported};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::events::defaults::SPLUNK_SERVER;
use crate::exec::matcher::Glob;
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

/// The default index.
const DEFAULT_INDEX: &str = "main";

/// `| metadata type=sourcetypes index=_internal`.
#[derive(Debug, Clone, PartialEq)]
pub struct Metadata {
    /// `hosts`, `sources` or `sourcetypes`.
    pub kind: String,
    /// Index names or wildcards (empty: the default index).
    pub indexes: Vec<String>,
    /// A server name or wildcard.
    pub splunk_server: Option<String>,
}

/// Parses `metadata`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let c = "metadata";
    let mut kind = None;
    let mut indexes = Vec::new();
    let mut splunk_server = None;
    while !p.at_command_end() {
        if !at_option(p) {
            return Err(p.expected("a metadata option such as `type=` or `index=`"));
        }
        let (key, value, span) = option(p)?;
        match key.as_str() {
            "type" => match value.as_str() {
                "hosts" | "sources" | "sourcetypes" => kind = Some(value),
                _ => {
                    return Err(bad(
                        c,
                        format!("`type` must be hosts, sources or sourcetypes, found `{value}`"),
                        span,
                    ))
                }
            },
            "index" => indexes.push(value),
            "splunk_server" => splunk_server = Some(value),
            "splunk_server_group" => return Err(unsupported(
                c,
                "`splunk_server_group` is not supported: offline searches have no server groups",
                span,
            )),
            "datatype" => match value.as_str() {
                "event" => {}
                "metric" => return Err(unsupported(
                    c,
                    "`datatype=metric` is not supported: spelunk reads events, not metrics indexes",
                    span,
                )),
                _ => {
                    return Err(bad(
                        c,
                        format!("`datatype` must be metric or event, found `{value}`"),
                        span,
                    ))
                }
            },
            _ => return Err(unknown_option(c, &key, span)),
        }
    }
    let Some(kind) = kind else {
        return Err(bad(
            c,
            "`type=hosts|sources|sourcetypes` is required",
            name_span,
        ));
    };
    Ok(CommandArgs::Metadata(Metadata {
        kind,
        indexes,
        splunk_server,
    }))
}

/// What is gathered per value.
struct Seen {
    first: f64,
    last: f64,
    count: u64,
}

impl Metadata {
    /// The field whose values are listed.
    fn field(&self) -> &'static str {
        match self.kind.as_str() {
            "hosts" => "host",
            "sources" => "source",
            _ => "sourcetype",
        }
    }

    /// Whether an event of index `index` on `server` is counted.
    fn counts(&self, globs: &[Glob], index: &str, server: &str) -> bool {
        let server_ok = self.splunk_server.as_ref().is_none_or(|s| {
            let g = Glob::new(s, false);
            g.matches(server) || s == "local"
        });
        if !server_ok {
            return false;
        }
        if self.indexes.is_empty() {
            return index == DEFAULT_INDEX;
        }
        self.indexes.iter().zip(globs).any(|(pattern, glob)| {
            glob.matches(index) && (!index.starts_with('_') || pattern.starts_with('_'))
        })
    }
}

impl super::Command for Metadata {
    /// One row per value of the type's field.
    fn apply<'a>(&'a self, _input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let globs: Vec<Glob> = self.indexes.iter().map(|i| Glob::new(i, false)).collect();
        let field = self.field();
        let mut seen: BTreeMap<String, Seen> = BTreeMap::new();
        for event in ctx.events {
            let text = |name: &str, default: &str| {
                event
                    .get(name)
                    .map(|v| v.to_text().into_owned())
                    .unwrap_or_else(|| default.to_string())
            };
            let (index, server) = (
                text("index", DEFAULT_INDEX),
                text("splunk_server", SPLUNK_SERVER),
            );
            if !self.counts(&globs, &index, &server) {
                continue;
            }
            let (Some(value), Some(t)) = (event.get(field), event.time()) else {
                continue;
            };
            let s = seen.entry(value.to_text().into_owned()).or_insert(Seen {
                first: t,
                last: t,
                count: 0,
            });
            s.first = s.first.min(t);
            s.last = s.last.max(t);
            s.count += 1;
        }
        let out: Vec<Event> = seen
            .into_iter()
            .map(|(value, s)| {
                let mut e = Event::new();
                e.set(field, Value::Str(value));
                e.set("type", Value::Str(self.kind.clone()));
                e.set("firstTime", Value::Num(s.first));
                e.set("lastTime", Value::Num(s.last));
                e.set("recentTime", Value::Num(s.last));
                e.set("totalCount", Value::Num(s.count as f64));
                e
            })
            .collect();
        Ok(Box::new(out.into_iter().map(Ok)))
    }
}

/// The registry entries of `metadata`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "metadata",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_and_server_filters() {
        let m = Metadata {
            kind: "hosts".into(),
            indexes: vec!["*".into()],
            splunk_server: Some("spel*".into()),
        };
        let globs: Vec<Glob> = m.indexes.iter().map(|i| Glob::new(i, false)).collect();
        assert!(m.counts(&globs, "main", "spelunk"));
        assert!(!m.counts(&globs, "_internal", "spelunk"));
        assert!(!m.counts(&globs, "main", "peer01"));
        assert_eq!(m.field(), "host");
    }
}
