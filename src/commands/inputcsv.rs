//! `inputcsv`: loads results from a CSV file.
//!
//! Docs: <https://help.splunk.com/splunk-cloud-platform/spl-search-reference/10.0.2503/search-commands/inputcsv>:
//! `inputcsv [dispatch=<bool>] [append=<bool>] [strict=<bool>] [start=<int>]
//! [max=<int>] [events=<bool>] <filename> [WHERE <search-query>]`.
//!
//! Splunk reads `$SPLUNK_HOME/var/run/splunk/csv`; offline there is no such
//! folder, so the file is looked up in the lookup folders given with `-l`
//! (as `inputlookup` finds CSV files), by file name only. As the page says,
//! a name without an extension that is not found is tried with `.csv`.
//! `dispatch=true` names a search job's folder, which an offline run does
//! not have: an error. `events=true` only changes how Splunk Web shows the
//! results (the page: "so that a proper timeline and fields picker are
//! displayed"), so the rows are the same. `strict` changes nothing: a
//! missing or unreadable file is always an error here.

use crate::commands::common::{bool_opt, unsupported};
use crate::commands::inputlookup::{table_rows, whole_number};
use crate::commands::CommandArgs;
use crate::error::{Error, Result};
use crate::exec::matcher::Matcher;
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::ast::SearchExpr;
use crate::syntax::parser::Parser;

/// `inputcsv users.csv`, `inputcsv append=t start=10 max=5 users where x=1`.
#[derive(Debug, Clone, PartialEq)]
pub struct InputCsv {
    /// Add the rows after the current results instead of replacing them.
    pub append: bool,
    /// Index of the first row returned (0-based).
    pub start: usize,
    /// Most rows returned.
    pub max: usize,
    /// The file name as written.
    pub name: String,
    /// Where it is written.
    pub name_span: Span,
    /// `WHERE <search-query>`, matched like `search`.
    pub filter: Option<SearchExpr>,
}

/// The page's default `max`.
const DEFAULT_MAX: usize = 1_000_000_000;

const OPTIONS: &[&str] = &["dispatch", "append", "strict", "start", "max", "events"];

/// Parses `inputcsv`'s arguments.
pub fn parse(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    let mut out = InputCsv {
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
    p.reject_unknown_option("inputcsv", OPTIONS)?;
    let (name, name_span) = p.value("a CSV file name")?;
    out.name = name;
    out.name_span = name_span;
    for (key, value, span) in p.options(OPTIONS)? {
        out.set_option(&key, &value, span)?;
    }
    p.reject_unknown_option("inputcsv", OPTIONS)?;
    if p.eat_keyword("where") {
        let here = p.here();
        out.filter = Some(p.search_expr(here)?);
    }
    Ok(CommandArgs::InputCsv(out))
}

impl InputCsv {
    fn set_option(&mut self, key: &str, value: &str, span: Span) -> Result<()> {
        let c = "inputcsv";
        match key {
            "append" => self.append = bool_opt(c, key, value, span)?,
            "dispatch" if bool_opt(c, key, value, span)? => {
                return Err(unsupported(
                    c,
                    "`dispatch=true` reads a search job's dispatch folder, which an offline run does not have; put the file in a lookups folder (-l) and leave dispatch out",
                    span,
                ));
            }
            "dispatch" => {}
            "strict" | "events" => {
                bool_opt(c, key, value, span)?;
            }
            "start" => self.start = whole_number(c, key, value, span)?,
            "max" => self.max = whole_number(c, key, value, span)?,
            _ => {}
        }
        Ok(())
    }

    /// The file name looked up: the name, or the name with `.csv` when it
    /// has no extension and is not found as written.
    fn resolve<'a>(&self, ctx: &'a Context<'a>) -> Result<crate::lookup::LookupTable> {
        let has_extension = self
            .name
            .rsplit(['/', '\\'])
            .next()
            .is_some_and(|base| base.contains('.'));
        let mut tried = vec![self.name.clone()];
        let mut found = ctx.lookups.csv_file(&self.name);
        if found.is_none() && !has_extension {
            let with = format!("{}.csv", self.name);
            found = ctx.lookups.csv_file(&with);
            tried.push(with);
        }
        let missing = || Error::Lookup {
            name: self.name.clone(),
            message: format!(
                "inputcsv: no file {} in the lookup folders (give the folder with -l)",
                tried
                    .iter()
                    .map(|t| format!("`{t}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
            span: Some(self.name_span),
        };
        match found {
            Some(Ok(table)) => Ok(table),
            Some(Err(message)) => Err(Error::Lookup {
                name: self.name.clone(),
                message,
                span: Some(self.name_span),
            }),
            None => Err(missing()),
        }
    }
}

impl super::Command for InputCsv {
    /// Produces the file's rows (after the input when `append=true`).
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let table = self.resolve(ctx)?;
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

/// The registry entries of `inputcsv`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "inputcsv",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Option<CommandArgs> {
        let engine = crate::Engine::empty();
        let query = engine.compile(text, "<test>").ok()?;
        query.pipeline.commands.first().map(|c| c.args.clone())
    }

    #[test]
    fn options_before_and_after_the_name() {
        let Some(CommandArgs::InputCsv(c)) = parsed("| inputcsv start=2 users max=3 append=t")
        else {
            panic!("parses");
        };
        assert_eq!((c.start, c.max, c.append), (2, 3, true));
        assert_eq!(c.name, "users");
        assert!(parsed("| inputcsv dispatch=t users").is_none());
        assert!(parsed("| inputcsv users bogus=1").is_none());
    }
}
