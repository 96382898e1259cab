//! `typer`: sets the `eventtype` field of results from the loaded event
//! types (eventtypes.conf), as the search-time knowledge does for events.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.3/search-commands/typer>:
//! `typer [eventtypes=<string>] [maxlen=<unsigned_integer>]`; "Creates an
//! eventtype field for search results that match known event types";
//! `eventtypes` is "a comma-separated list of event types to filter the set
//! of event types that typer can return", accepting wildcards, and "if all
//! of the event types listed ... are invalid, or if no event types are
//! listed, typer is turned off and will not return any event types";
//! `maxlen` (default 10000) makes typer look only at "the first <maxlen>
//! characters of an event".
//!
//! Event types match through the same compiled searches, priorities and
//! nesting as at read time (src/knowledge/eventtypes.rs). Choices where the
//! page is silent: `maxlen` cuts `_raw` (the event's characters) for the
//! match only, the result keeps its whole `_raw`; a result matching no
//! listed event type is left without an `eventtype` field (an earlier one
//! is replaced, as typer computes the field afresh).

use crate::commands::common::{at_option, bad, count_opt, option, unknown_option};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::exec::matcher::Glob;
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

/// Splunk's default `maxlen`: characters of an event typer looks at.
const DEFAULT_MAXLEN: usize = 10_000;

/// `typer eventtypes="successful*" maxlen=300`.
#[derive(Debug, Clone, PartialEq)]
pub struct Typer {
    /// The event types typer may return (`None`: all of them); an empty list
    /// turns typer off.
    pub eventtypes: Option<Vec<String>>,
    /// Characters of `_raw` looked at.
    pub maxlen: usize,
}

/// Parses `typer`'s arguments.
pub fn parse(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    let c = "typer";
    let mut out = Typer {
        eventtypes: None,
        maxlen: DEFAULT_MAXLEN,
    };
    while !p.at_command_end() {
        if !at_option(p) {
            return Err(p.expected("`eventtypes=` or `maxlen=` (typer takes only options)"));
        }
        let (key, value, span) = option(p)?;
        match key.as_str() {
            "eventtypes" => {
                out.eventtypes = Some(
                    value
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect(),
                )
            }
            "maxlen" => {
                out.maxlen = count_opt(c, &key, &value, span)?;
                if out.maxlen == 0 {
                    return Err(bad(c, "`maxlen` must be at least 1", span));
                }
            }
            _ => return Err(unknown_option(c, &key, span)),
        }
    }
    Ok(CommandArgs::Typer(out))
}

/// The first `max` characters of `text`.
fn cut(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

impl Typer {
    /// The event type names of one result, filtered by `eventtypes=`.
    fn names(&self, event: &Event, ctx: &Context<'_>, globs: &[Glob]) -> Option<Value> {
        if matches!(&self.eventtypes, Some(list) if list.is_empty()) {
            return None;
        }
        let mut probe = event.clone();
        probe.remove("eventtype");
        if let Some(raw) = event.raw() {
            let short = cut(raw, self.maxlen);
            if short.len() < raw.len() {
                probe.set("_raw", Value::Str(short.to_string()));
            }
        }
        ctx.knowledge.event_types.apply(&mut probe);
        let names: Vec<String> = probe
            .get("eventtype")
            .map(|v| v.texts().into_iter().map(|t| t.into_owned()).collect())
            .unwrap_or_default();
        let kept: Vec<String> = names
            .into_iter()
            .filter(|n| self.eventtypes.is_none() || globs.iter().any(|g| g.matches(n)))
            .collect();
        Value::from_list(kept)
    }
}

impl super::Command for Typer {
    /// Sets `eventtype` on every result.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let globs: Vec<Glob> = self
            .eventtypes
            .iter()
            .flatten()
            .map(|g| Glob::new(g, true))
            .collect();
        Ok(Box::new(input.map(move |row| {
            let mut event = row?;
            let names = self.names(&event, ctx, &globs);
            event.set_opt("eventtype", names);
            Ok(event)
        })))
    }
}

/// The registry entries of `typer`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "typer",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_at_characters_not_bytes() {
        assert_eq!(cut("héllo", 2), "hé");
        assert_eq!(cut("abc", 10), "abc");
    }

    #[test]
    fn eventtypes_option_is_a_comma_list() {
        let q = crate::syntax::parse("| typer eventtypes=\"a, b*\" maxlen=300").expect("parses");
        let Some(CommandArgs::Typer(t)) = q.commands.first().map(|c| &c.args) else {
            panic!("not typer");
        };
        assert_eq!(t.eventtypes, Some(vec!["a".to_string(), "b*".to_string()]));
        assert_eq!(t.maxlen, 300);
    }
}
