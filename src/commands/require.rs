//! `require`: fails the search when the commands before it return no
//! events or results.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.1/search-commands/require>:
//! `| require`, no arguments. "It causes the search to fail if the queries
//! and commands that precede it in the search string return zero events or
//! results. When you use it in a subsearch, it causes the parent search to
//! fail when the subsearch fails to return results." Results, when there
//! are some, pass through unchanged. The page gives no error text; spelunk's
//! names the command and says why.

use crate::commands::CommandArgs;
use crate::error::{Error, Result};
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::parser::Parser;

/// `| require`.
#[derive(Debug, Clone, PartialEq)]
pub struct Require {
    /// The command in the expanded text, for the error.
    pub span: Span,
}

/// Parses `require` (which takes no arguments).
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    if !p.at_command_end() {
        return Err(p.expected("the end of `require` (it takes no arguments)"));
    }
    Ok(CommandArgs::Require(Require { span: name_span }))
}

impl super::Command for Require {
    /// Passes the rows through, or fails when there are none.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        let mut started = false;
        let mut input = input;
        Ok(Box::new(std::iter::from_fn(move || {
            let next = input.next();
            if !started {
                started = true;
                if next.is_none() {
                    return Some(Err(Error::Runtime {
                        message: "require: the search failed because the commands before `require` returned no events or results".into(),
                        span: Some(self.span),
                    }));
                }
            }
            next
        })))
    }
}

/// The registry entries of `require`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "require",
        aliases: &[],
        parse,
    },
];
