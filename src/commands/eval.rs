//! `eval`: computes fields from expressions.
//!
//! `eval a=expr, b=expr`: assignments run left to right and later ones see
//! the fields written by earlier ones; a null result removes the field; a
//! boolean result is an error, as in Splunk ("Fields cannot be assigned a
//! boolean result"). help.splunk.com SPL reference, "eval".

use crate::commands::CommandArgs;
use crate::error::{Error, Result};
use crate::eval::{parse_assignments, Assignment, EvalContext, EvalValue};
use crate::event::Event;
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::parser::Parser;

/// `eval <field>=<expression> [, <field>=<expression>]...`, e.g.
/// `eval user=lower(user), is_admin=if(user="root", 1, 0)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Eval {
    /// The assignments, in written order.
    pub assignments: Vec<Assignment>,
}

/// Parses `eval`'s arguments: the raw rest of the command, with eval's own
/// lexical rules.
pub fn parse(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    let (text, span) = p.rest_of_command();
    let assignments = parse_assignments(&text, span.start)?;
    Ok(CommandArgs::Eval(Eval { assignments }))
}

impl Eval {
    /// Applies the assignments to one event.
    pub fn apply_one(&self, event: &mut Event, ctx: &EvalContext) -> Result<()> {
        for a in &self.assignments {
            let value = a.expr.eval(event, ctx)?;
            if let EvalValue::Bool(_) = value {
                return Err(boolean_result(a.expr.span));
            }
            event.set_opt(a.field.clone(), value.into_value());
        }
        Ok(())
    }
}

impl super::Command for Eval {
    /// Evaluates the assignments on each row.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let ectx = EvalContext::for_search(ctx, self.assignments.iter().map(|a| &a.expr));
        Ok(Box::new(input.map(move |row| {
            let mut event = row?;
            self.apply_one(&mut event, &ectx)?;
            Ok(event)
        })))
    }
}

/// Splunk's error for assigning a boolean to a field.
pub fn boolean_result(span: Span) -> Error {
    Error::Runtime {
        message: "eval: fields cannot be assigned a boolean result; instead, try if(<bool expr>, <expr>, <expr>)".into(),
        span: Some(span),
    }
}

/// The registry entries of `eval`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "eval",
        aliases: &[],
        parse,
    },
];
