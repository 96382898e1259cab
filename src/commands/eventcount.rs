//! `| eventcount`: the number of events in indexes, here the events the
//! search was given.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/eventcount>:
//! `| eventcount [index=<string>]... [summarize=<bool>] [report_size=<bool>]
//! [list_federated_remote=<bool>] [list_vix=<bool>]`; a generating command;
//! `index` names an index or a wildcard, repeatable (`index=* index=_*`),
//! default "the default index"; "a time range has no effect"; with
//! `summarize=true` (default) a single `count`; with `summarize=false` the
//! counts split by index, with the fields `count`, `index`, `provider`
//! (`local` for this deployment) and `server`; example 3 shows `index=*`
//! leaving the internal (`_`) indexes out and the rows in index order;
//! `report_size=true` adds `size_bytes`.
//!
//! Offline: the indexes are those of the loaded events (`--index`, default
//! `main`, the default index), `server` is the events' `splunk_server`
//! (`spelunk`). An index holding no loaded event is unknown, so it is not
//! listed. `report_size=true` is an error (no index on disk to measure), so
//! is `list_federated_remote=true` (no federated providers); `list_vix` is
//! accepted: offline there are no virtual indexes to list or hide.

use std::collections::BTreeMap;

use crate::commands::common::{at_option, bad, bool_opt, option, unknown_option, unsupported};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::events::defaults::SPLUNK_SERVER;
use crate::exec::matcher::Glob;
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

/// The default index, counted when no `index=` is given.
const DEFAULT_INDEX: &str = "main";

/// `| eventcount summarize=false index=* index=_*`.
#[derive(Debug, Clone, PartialEq)]
pub struct Eventcount {
    /// Index names or wildcards (empty: the default index).
    pub indexes: Vec<String>,
    /// One total (true) or one row per index.
    pub summarize: bool,
}

/// Parses `eventcount`'s arguments.
pub fn parse(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    let c = "eventcount";
    let mut out = Eventcount {
        indexes: Vec::new(),
        summarize: true,
    };
    while !p.at_command_end() {
        if !at_option(p) {
            return Err(p.expected("an eventcount option such as `index=` or `summarize=`"));
        }
        let (key, value, span) = option(p)?;
        match key.as_str() {
            "index" => out.indexes.push(value),
            "summarize" => out.summarize = bool_opt(c, &key, &value, span)?,
            "report_size" => {
                if bool_opt(c, &key, &value, span)? {
                    return Err(bad(
                        c,
                        "`report_size=true` cannot be answered offline: there is no index on disk to measure",
                        span,
                    ));
                }
            }
            "list_federated_remote" => {
                if bool_opt(c, &key, &value, span)? {
                    return Err(unsupported(
                        c,
                        "`list_federated_remote=true` is not supported: offline searches have no federated providers",
                        span,
                    ));
                }
            }
            // No virtual indexes exist offline, so listing them or not is the same.
            "list_vix" => {
                bool_opt(c, &key, &value, span)?;
            }
            _ => return Err(unknown_option(c, &key, span)),
        }
    }
    Ok(CommandArgs::Eventcount(out))
}

impl Eventcount {
    /// Whether index `name` is counted: a wildcard matches internal
    /// (`_`) indexes only when it starts with `_` itself.
    fn counts(&self, globs: &[Glob], name: &str) -> bool {
        if self.indexes.is_empty() {
            return name == DEFAULT_INDEX;
        }
        self.indexes.iter().zip(globs).any(|(pattern, glob)| {
            glob.matches(name) && (!name.starts_with('_') || pattern.starts_with('_'))
        })
    }
}

impl super::Command for Eventcount {
    /// Counts the search's events by index.
    fn apply<'a>(&'a self, _input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let globs: Vec<Glob> = self.indexes.iter().map(|i| Glob::new(i, false)).collect();
        // index → (count, server)
        let mut by_index: BTreeMap<String, (u64, String)> = BTreeMap::new();
        for event in ctx.events {
            let index = event
                .get("index")
                .map(|v| v.to_text().into_owned())
                .unwrap_or_else(|| DEFAULT_INDEX.to_string());
            if !self.counts(&globs, &index) {
                continue;
            }
            let server = event
                .get("splunk_server")
                .map(|v| v.to_text().into_owned())
                .unwrap_or_else(|| SPLUNK_SERVER.to_string());
            by_index.entry(index).or_insert((0, server)).0 += 1;
        }
        let out: Vec<Event> = if self.summarize {
            let total: u64 = by_index.values().map(|(n, _)| n).sum();
            let mut e = Event::new();
            e.set("count", Value::Num(total as f64));
            vec![e]
        } else {
            by_index
                .into_iter()
                .map(|(index, (n, server))| {
                    let mut e = Event::new();
                    e.set("count", Value::Num(n as f64));
                    e.set("index", Value::Str(index));
                    e.set("provider", Value::Str("local".into()));
                    e.set("server", Value::Str(server));
                    e
                })
                .collect()
        };
        Ok(Box::new(out.into_iter().map(Ok)))
    }
}

/// The registry entries of `eventcount`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "eventcount",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_leaves_internal_indexes_out() {
        let c = Eventcount {
            indexes: vec!["*".into()],
            summarize: false,
        };
        let globs: Vec<Glob> = c.indexes.iter().map(|i| Glob::new(i, false)).collect();
        assert!(c.counts(&globs, "main"));
        assert!(!c.counts(&globs, "_internal"));
        let c = Eventcount {
            indexes: vec!["_*".into()],
            summarize: false,
        };
        let globs: Vec<Glob> = c.indexes.iter().map(|i| Glob::new(i, false)).collect();
        assert!(c.counts(&globs, "_audit"));
    }
}
