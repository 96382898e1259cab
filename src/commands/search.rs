//! `search`: keeps the events that match a search expression.
//!
//! As the first command it is implicit and reads the events; later in a
//! pipeline (`| search ...`) it filters the results so far.

use crate::commands::CommandArgs;
use crate::error::Result;
use crate::exec::matcher::Matcher;
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::ast::SearchExpr;
use crate::syntax::parser::Parser;

/// `search <expr>`, e.g. `search user=adm* NOT action=allowed`.
#[derive(Debug, Clone, PartialEq)]
pub struct Search {
    /// The expression; [`crate::syntax::ast::SearchKind::Empty`] matches everything.
    pub expr: SearchExpr,
}

/// Parses `search`'s arguments (after its name).
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let expr = p.search_expr(Span::new(name_span.end, name_span.end))?;
    Ok(CommandArgs::Search(Search { expr }))
}

/// Parses an implicit search at the start of a pipeline.
pub fn parse_args(p: &mut Parser) -> Result<CommandArgs> {
    let here = p.here();
    let expr = p.search_expr(here)?;
    Ok(CommandArgs::Search(Search { expr }))
}

impl super::Command for Search {
    /// Filters the input. Subsearches must have been resolved already.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let matcher = Matcher::compile(&self.expr, ctx)?;
        Ok(Box::new(input.filter(move |row| match row {
            Ok(event) => matcher.matches(event),
            Err(_) => true,
        })))
    }
}

/// The registry entries of `search`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "search",
        aliases: &[],
        parse,
    },
];
