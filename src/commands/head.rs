//! `head` and `tail`: the first or last N results.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.1/search-commands/head>,
//! <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.1/search-commands/tail>.

use crate::commands::common::{at_option, bool_opt, count_opt, option, unknown_option};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::Parser;

/// Results `head` and `tail` return when no count is given.
const DEFAULT_COUNT: usize = 10;

/// `head [N] [limit=N] [null=<bool>] [keeplast=<bool>]`, e.g. `head 5`.
/// `tail [N]`, e.g. `tail 3` (results in reverse order).
#[derive(Debug, Clone, PartialEq)]
pub struct Head {
    /// How many results to keep.
    pub count: usize,
    /// `tail`: the last results, newest-last first.
    pub tail: bool,
}

/// Parses `head`'s arguments.
pub fn parse_head(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    parse(p, false)
}

/// Parses `tail`'s arguments.
pub fn parse_tail(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    parse(p, true)
}

fn parse(p: &mut Parser, tail: bool) -> Result<CommandArgs> {
    let command = if tail { "tail" } else { "head" };
    let mut count = DEFAULT_COUNT;
    while !p.at_command_end() {
        if at_option(p) {
            let (key, value, span) = option(p)?;
            match key.as_str() {
                "limit" if !tail => count = count_opt(command, &key, &value, span)?,
                // `null` and `keeplast` only matter with an eval expression.
                "null" | "keeplast" if !tail => {
                    bool_opt(command, &key, &value, span)?;
                }
                _ => return Err(unknown_option(command, &key, span)),
            }
            continue;
        }
        match p.peek() {
            Some(Tok::Word(w)) if w.bytes().all(|b| b.is_ascii_digit()) => {
                let (w, span) = p.word("a count")?;
                count = count_opt(command, "count", &w, span)?;
            }
            _ if !tail => {
                let here = p.here();
                return Err(crate::commands::common::bad(
                    command,
                    "`head <eval-expression>` is not supported yet (needs eval)",
                    here,
                ));
            }
            _ => return Err(p.expected("a count")),
        }
    }
    Ok(CommandArgs::Head(Head { count, tail }))
}

impl Head {
    /// Keeps the first (or, for `tail`, the last, reversed) N rows.
    pub fn apply<'a>(&'a self, input: Rows<'a>) -> Result<Rows<'a>> {
        if !self.tail {
            return Ok(Box::new(input.take(self.count)));
        }
        let rows = crate::commands::common::collect(input)?;
        let skip = rows.len().saturating_sub(self.count);
        Ok(Box::new(rows.into_iter().skip(skip).rev().map(Ok)))
    }
}

/// `reverse`: the results in the opposite order.
#[derive(Debug, Clone, PartialEq)]
pub struct Reverse;

/// Parses `reverse` (no arguments).
pub fn parse_reverse(_p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    Ok(CommandArgs::Reverse(Reverse))
}

impl Reverse {
    /// Reverses the rows.
    pub fn apply<'a>(&'a self, input: Rows<'a>) -> Result<Rows<'a>> {
        let rows = crate::commands::common::collect(input)?;
        Ok(Box::new(rows.into_iter().rev().map(Ok)))
    }
}
