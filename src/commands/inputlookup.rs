//! `inputlookup`: generates rows from a lookup table.

use crate::commands::CommandArgs;
use crate::conf::is_true;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::exec::matcher::Matcher;
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::ast::SearchExpr;
use crate::syntax::parser::Parser;
use crate::value::Value;

/// `inputlookup [append=<bool>] [strict=<bool>] [start=<int>] [max=<int>] <name> [where <expr>]`.
#[derive(Debug, Clone, PartialEq)]
pub struct InputLookup {
    /// Add the rows after the current results instead of replacing them.
    pub append: bool,
    /// Index of the first row to return (0-based).
    pub start: usize,
    /// Most rows to return.
    pub max: usize,
    /// A transforms.conf/YAML lookup name or a `.csv` file name.
    pub name: String,
    /// Where the name is written.
    pub name_span: Span,
    /// `where <search expression>`, matched like `search`.
    pub filter: Option<SearchExpr>,
}

/// Splunk's default `max` for inputlookup.
const DEFAULT_MAX: usize = 1_000_000_000;

const OPTIONS: &[&str] = &["append", "strict", "start", "max"];

/// Parses `inputlookup`'s arguments.
pub fn parse(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    let mut out = InputLookup {
        append: false,
        start: 0,
        max: DEFAULT_MAX,
        name: String::new(),
        name_span: Span::default(),
        filter: None,
    };
    for (key, value, span) in p.options(OPTIONS)? {
        out.set_option(&key, &value, span)?;
    }
    p.reject_unknown_option("inputlookup", OPTIONS)?;
    let (name, name_span) = p.value("a lookup name")?;
    out.name = name;
    out.name_span = name_span;
    // Options may also follow the name: `inputlookup users append=t`.
    for (key, value, span) in p.options(OPTIONS)? {
        out.set_option(&key, &value, span)?;
    }
    if p.eat_keyword("where") {
        let here = p.here();
        out.filter = Some(p.search_expr(here)?);
    }
    Ok(CommandArgs::InputLookup(out))
}

/// Parses a non-negative whole-number option value.
pub fn whole_number(command: &str, key: &str, value: &str, span: Span) -> Result<usize> {
    value.trim().parse().map_err(|_| Error::BadArgument {
        command: command.to_string(),
        message: format!("`{key}` must be a whole number, found `{value}`"),
        span,
    })
}

impl InputLookup {
    fn set_option(&mut self, key: &str, value: &str, span: Span) -> Result<()> {
        match key {
            "append" => self.append = is_true(value),
            // A missing lookup is always an error here, so strict changes nothing.
            "strict" => {}
            "start" => self.start = whole_number("inputlookup", key, value, span)?,
            "max" => self.max = whole_number("inputlookup", key, value, span)?,
            _ => {}
        }
        Ok(())
    }
}

impl super::Command for InputLookup {
    /// Produces the lookup's rows (after the input when `append=true`).
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        if let Some(notice) = ctx.lookups.table_notice(&self.name) {
            ctx.notice(notice);
        }
        let table = ctx
            .lookups
            .table(&self.name)
            .map_err(|message| Error::Lookup {
                name: self.name.clone(),
                message,
                span: Some(self.name_span),
            })?;
        let matcher = match &self.filter {
            Some(expr) => Some(Matcher::compile(expr, ctx)?),
            None => None,
        };
        let rows = table_rows(table, matcher.as_ref(), self.start, self.max);
        let generated = rows.into_iter().map(Ok);
        if self.append {
            Ok(Box::new(input.chain(generated)))
        } else {
            Ok(Box::new(generated))
        }
    }
}

/// A table's rows as results (empty cells left out), those `matcher`
/// accepts, from `start`, at most `max` (shared with `inputcsv`).
pub fn table_rows(
    table: crate::lookup::LookupTable,
    matcher: Option<&Matcher>,
    start: usize,
    max: usize,
) -> Vec<Event> {
    let columns = table.columns;
    table
        .rows
        .into_iter()
        .map(|cells| {
            columns
                .iter()
                .zip(cells)
                .filter_map(|(c, v)| v.map(|v| (c.clone(), Value::Str(v))))
                .collect::<Event>()
        })
        .filter(|row| matcher.is_none_or(|m| m.matches(row)))
        .skip(start)
        .take(max)
        .collect()
}

/// The registry entries of `inputlookup`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "inputlookup",
        aliases: &[],
        parse,
    },
];
