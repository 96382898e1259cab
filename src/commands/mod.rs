//! SPL commands: one module per command, each holding its argument type, its
//! parser and its execution. The registry below maps names to parsers, so
//! adding a command means adding its module and one line here.

use crate::error::Result;
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::parser::Parser;

pub mod convert;
pub mod eval;
pub mod fields;
pub mod inputlookup;
pub mod rename;
pub mod search;
pub mod stats;
pub mod table;
pub mod where_;

/// A command's registry entry.
pub struct CommandSpec {
    /// The canonical name.
    pub name: &'static str,
    /// Other names it answers to.
    pub aliases: &'static [&'static str],
    /// Parses the arguments after the name (whose span is given).
    pub parse: fn(&mut Parser, Span) -> Result<CommandArgs>,
}

/// Every supported command.
const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "search",
        aliases: &[],
        parse: search::parse,
    },
    CommandSpec {
        name: "inputlookup",
        aliases: &[],
        parse: inputlookup::parse,
    },
    CommandSpec {
        name: "fields",
        aliases: &[],
        parse: fields::parse,
    },
    CommandSpec {
        name: "rename",
        aliases: &[],
        parse: rename::parse,
    },
    CommandSpec {
        name: "table",
        aliases: &[],
        parse: table::parse,
    },
    CommandSpec {
        name: "stats",
        aliases: &[],
        parse: stats::parse,
    },
    CommandSpec {
        name: "convert",
        aliases: &[],
        parse: convert::parse,
    },
    CommandSpec {
        name: "eval",
        aliases: &[],
        parse: eval::parse,
    },
    CommandSpec {
        name: "where",
        aliases: &[],
        parse: where_::parse,
    },
];

/// The registry entry for a (lower-case) command name.
pub fn find(name: &str) -> Option<&'static CommandSpec> {
    COMMANDS
        .iter()
        .find(|c| c.name == name || c.aliases.contains(&name))
}

/// Names of all supported commands, for help and lint.
pub fn names() -> impl Iterator<Item = &'static str> {
    COMMANDS.iter().map(|c| c.name)
}

/// A command's parsed arguments: one variant per command.
#[derive(Debug, Clone, PartialEq)]
pub enum CommandArgs {
    /// `search <expr>` (also the implicit first command).
    Search(search::Search),
    /// `inputlookup [options] <name> [where <expr>]`.
    InputLookup(inputlookup::InputLookup),
    /// `fields [+|-] <field-list>`.
    Fields(fields::Fields),
    /// `rename <a> AS <b>, ...`.
    Rename(rename::Rename),
    /// `table <field-list>`.
    Table(table::Table),
    /// `stats <aggregations> [by <fields>]`.
    Stats(stats::Stats),
    /// `convert [timeformat=...] <fn>(<field>) [AS <name>] ...`.
    Convert(convert::Convert),
    /// `eval <field>=<expr>, ...`.
    Eval(eval::Eval),
    /// `where <expr>`.
    Where(where_::Where),
}

impl CommandArgs {
    /// Runs the command over its input rows.
    pub fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        match self {
            CommandArgs::Search(c) => c.apply(input, ctx),
            CommandArgs::InputLookup(c) => c.apply(input, ctx),
            CommandArgs::Fields(c) => c.apply(input),
            CommandArgs::Rename(c) => c.apply(input),
            CommandArgs::Table(c) => c.apply(input),
            CommandArgs::Stats(c) => c.apply(input, ctx.tz),
            CommandArgs::Convert(c) => c.apply(input, ctx),
            CommandArgs::Eval(c) => c.apply(input, ctx),
            CommandArgs::Where(c) => c.apply(input, ctx),
        }
    }

    /// Whether the command generates rows instead of reading events (a
    /// pipeline starting with one reads no events).
    pub fn is_generating(&self) -> bool {
        matches!(self, CommandArgs::InputLookup(c) if !c.append)
    }

    /// Pipelines nested in the command's arguments (`append [...]`,
    /// `join [...]`), for walks over the whole search.
    pub fn subpipelines(&self) -> Vec<&crate::syntax::ast::Pipeline> {
        Vec::new()
    }

    /// The lookups the command names, with their spans (for lint).
    pub fn lookup_refs(&self) -> Vec<(String, Span)> {
        match self {
            CommandArgs::InputLookup(c) => vec![(c.name.clone(), c.name_span)],
            _ => Vec::new(),
        }
    }
}

/// Parses a field list: names separated by spaces and/or commas, up to the
/// end of the command or a keyword in `stop` (case-insensitive).
pub fn field_list(p: &mut Parser, stop: &[&str]) -> Result<Vec<(String, Span)>> {
    let mut out = Vec::new();
    while !p.at_command_end() {
        if stop.iter().any(|kw| p.at_keyword(kw)) {
            break;
        }
        if p.eat(&crate::syntax::lexer::Tok::Comma) {
            continue;
        }
        out.push(p.field_name("a field name")?);
    }
    Ok(out)
}
