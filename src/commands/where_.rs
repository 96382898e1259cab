//! `where`: keeps the rows for which an eval expression is true.
//!
//! A null result (e.g. a comparison with an absent field) drops the row; a
//! result that is not a boolean is an error. help.splunk.com SPL
//! reference, "where".

use crate::commands::CommandArgs;
use crate::error::{Error, Result};
use crate::eval::{parse_expr, EvalContext, Expr, Scope};
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::parser::Parser;

/// `where <expression>`, e.g. `where count > 5 AND NOT like(user, "svc_%")`.
#[derive(Debug, Clone, PartialEq)]
pub struct Where {
    /// The condition.
    pub expr: Expr,
}

/// Parses `where`'s argument: the raw rest of the command.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let (text, span) = p.rest_of_command();
    if text.trim().is_empty() {
        return Err(Error::BadArgument {
            command: "where".into(),
            message: "expected an expression, e.g. `where count > 5`".into(),
            span: name_span,
        });
    }
    let expr = parse_expr(&text, span.start)?;
    Ok(CommandArgs::Where(Where { expr }))
}

impl super::Command for Where {
    /// Filters the rows.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let ectx = EvalContext::for_search(ctx, [&self.expr]);
        Ok(Box::new(input.filter_map(move |row| {
            let event = match row {
                Ok(e) => e,
                Err(e) => return Some(Err(e)),
            };
            match self
                .expr
                .eval_condition(&Scope::new(&event, &ectx), "where")
            {
                Ok(Some(true)) => Some(Ok(event)),
                Ok(_) => None,
                Err(e) => Some(Err(e)),
            }
        })))
    }
}

/// The registry entries of `where`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "where",
        aliases: &[],
        parse,
    },
];
