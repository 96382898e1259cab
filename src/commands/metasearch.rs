//! `| metasearch`: the metadata of the events that match a search
//! expression, without their text.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/metasearch>:
//! `metasearch [<logical-expression>]`, an event-generating command that
//! "retrieves event metadata from indexes based on terms in the
//! <logical-expression>", written like a search expression (terms, field
//! comparisons, `earliest=`/`latest=`). It returns the fields `host`,
//! `index`, `source`, `sourcetype`, `splunk_server` and `_time`. Example:
//! `| metasearch 404 host="webserver1"`.
//!
//! Here it reads the events the search was given, keeps those the
//! expression matches (as `search` would, terms against `_raw`) and hands
//! on only those six fields of each.

use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::exec::matcher::Matcher;
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::ast::SearchExpr;
use crate::syntax::parser::Parser;

/// The fields `metasearch` returns, in the page's order.
pub const FIELDS: [&str; 6] = [
    "host",
    "index",
    "source",
    "sourcetype",
    "splunk_server",
    "_time",
];

/// `| metasearch 404 host="webserver1"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Metasearch {
    /// The expression (empty: every event).
    pub expr: SearchExpr,
}

/// Parses `metasearch`'s expression.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let expr = p.search_expr(Span::new(name_span.end, name_span.end))?;
    Ok(CommandArgs::Metasearch(Metasearch { expr }))
}

impl super::Command for Metasearch {
    /// The matching events' metadata. Subsearches must have been resolved.
    fn apply<'a>(&'a self, _input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let matcher = Matcher::compile(&self.expr, ctx)?;
        Ok(Box::new(ctx.events.iter().filter_map(move |event| {
            if !matcher.matches(event) {
                return None;
            }
            let mut out = Event::with_capacity(FIELDS.len());
            for field in FIELDS {
                if let Some(v) = event.get(field) {
                    out.set(field, v.clone());
                }
            }
            Some(Ok(out))
        })))
    }
}

/// The registry entries of `metasearch`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "metasearch",
        aliases: &[],
        parse,
    },
];
