//! `head` and `tail`: the first or last N results.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.1/search-commands/head>,
//! <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.1/search-commands/tail>.

use crate::commands::common::{
    at_option, bool_opt, count_opt, option, paren_group, unknown_option,
};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::eval::{parse_expr, EvalContext, Expr, Scope};
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::Parser;

/// Results `head` and `tail` return when no count is given.
const DEFAULT_COUNT: usize = 10;

/// `head [N | (<eval-expression>)] [limit=N] [null=<bool>] [keeplast=<bool>]`,
/// e.g. `head 5`, `head (bytes > 100) keeplast=t`.
/// `tail [N]`, e.g. `tail 3` (results in reverse order).
///
/// With an expression, results are returned until it is false (or null,
/// unless `null=true`); `keeplast=true` also returns the result that ended
/// it. The count (default 10) still applies: the smaller limit wins, as in
/// the docs' `head (timerange<100)` example ("up to 10 results ... or
/// until").
#[derive(Debug, Clone, PartialEq)]
pub struct Head {
    /// How many results to keep.
    pub count: usize,
    /// `tail`: the last results, newest-last first.
    pub tail: bool,
    /// `head (<eval-expression>)`: results while it is true.
    pub expr: Option<Expr>,
    /// `null=true`: a null expression result counts as true.
    pub null: bool,
    /// `keeplast=true`: keep the result that ended the run.
    pub keeplast: bool,
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
    let mut count = None;
    let mut expr = None;
    let (mut null, mut keeplast) = (false, false);
    while !p.at_command_end() {
        if at_option(p) {
            let (key, value, span) = option(p)?;
            match key.as_str() {
                "limit" if !tail => count = Some(count_opt(command, &key, &value, span)?),
                "null" if !tail => null = bool_opt(command, &key, &value, span)?,
                "keeplast" if !tail => keeplast = bool_opt(command, &key, &value, span)?,
                _ => return Err(unknown_option(command, &key, span)),
            }
            continue;
        }
        match p.peek() {
            Some(Tok::Word(w)) if w.bytes().all(|b| b.is_ascii_digit()) => {
                let (w, span) = p.word("a count")?;
                count = Some(count_opt(command, "count", &w, span)?);
            }
            Some(Tok::LParen) if !tail && expr.is_none() => {
                let (text, span) = paren_group(p, "the head expression")?;
                expr = Some(parse_expr(&text, span.start)?);
            }
            _ if !tail => {
                return Err(p.expected("a count, `(<eval-expression>)` or an option"));
            }
            _ => return Err(p.expected("a count")),
        }
    }
    let count = count.unwrap_or(DEFAULT_COUNT);
    Ok(CommandArgs::Head(Head {
        count,
        tail,
        expr,
        null,
        keeplast,
    }))
}

impl super::Command for Head {
    /// Keeps the first (or, for `tail`, the last, reversed) N rows; with an
    /// expression, the rows while it holds.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let limit = self.count;
        if !self.tail {
            let Some(expr) = &self.expr else {
                return Ok(Box::new(input.take(limit)));
            };
            let ectx = EvalContext::at(ctx.now, ctx.tz);
            let mut stopped = false;
            let out = input.take(limit).map_while(move |row| {
                if stopped {
                    return None;
                }
                let event = match row {
                    Ok(e) => e,
                    Err(e) => return Some(Err(e)),
                };
                let holds = match expr.eval_condition(&Scope::new(&event, &ectx), "head") {
                    Ok(v) => v.unwrap_or(self.null),
                    Err(e) => return Some(Err(e)),
                };
                if holds {
                    return Some(Ok(event));
                }
                stopped = true;
                self.keeplast.then_some(Ok(event))
            });
            return Ok(Box::new(out));
        }
        let rows = crate::commands::common::collect(input)?;
        let skip = rows.len().saturating_sub(limit);
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

impl super::Command for Reverse {
    /// Reverses the rows.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let rows = crate::commands::common::collect(input)?;
        Ok(Box::new(rows.into_iter().rev().map(Ok)))
    }
}

/// The registry entries of `head`, `tail`, `reverse`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "head",
        aliases: &[],
        parse: parse_head,
    },
    super::CommandSpec {
        name: "tail",
        aliases: &[],
        parse: parse_tail,
    },
    super::CommandSpec {
        name: "reverse",
        aliases: &[],
        parse: parse_reverse,
    },
];
