//! `highlight`: marks terms for Splunk Web's events list; the results are
//! unchanged.
//!
//! Docs: <https://help.splunk.com/splunk-cloud-platform/spl-search-reference/10.0.2503/search-commands/highlight>:
//! `highlight <string>...`, "a space-separated list of strings to highlight
//! in the results"; it "highlights them in the display in Splunk Web"
//! (examples `highlight login,logout` and `highlight "access denied"`). The
//! command changes only how Splunk Web draws the events, so spelunk, which
//! has no display, checks that at least one string is given and passes the
//! results through as they are.

use crate::commands::common::bad;
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::Parser;

/// `highlight login,logout`.
#[derive(Debug, Clone, PartialEq)]
pub struct Highlight {
    /// The strings to highlight, as written.
    pub terms: Vec<String>,
}

/// Parses `highlight`'s strings (words or quoted, separated by spaces or
/// commas).
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let mut terms = Vec::new();
    while !p.at_command_end() {
        if p.eat(&Tok::Comma) {
            continue;
        }
        let (term, _) = p.value("a string to highlight")?;
        terms.push(term);
    }
    if terms.is_empty() {
        return Err(bad(
            "highlight",
            "expected at least one string to highlight",
            name_span,
        ));
    }
    Ok(CommandArgs::Highlight(Highlight { terms }))
}

impl super::Command for Highlight {
    /// The results, unchanged.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        Ok(input)
    }
}

/// The registry entries of `highlight`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "highlight",
        aliases: &[],
        parse,
    },
];
