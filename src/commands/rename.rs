//! `rename`: renames fields, with `*` wildcards.

use crate::commands::common::{fill_wildcards, WildcardName};
use crate::commands::CommandArgs;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::Parser;

/// `rename <from> AS <to> [, <from> AS <to>]...`, e.g. `rename identity as user`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rename {
    /// The pairs, applied left to right.
    pub pairs: Vec<RenamePair>,
}

/// One `from AS to`.
#[derive(Debug, Clone, PartialEq)]
pub struct RenamePair {
    /// The field(s) to rename; may contain `*`.
    pub from: String,
    /// The new name; must have as many `*` as `from`.
    pub to: String,
    /// Where the pair is written.
    pub span: Span,
}

/// Parses `rename`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let mut pairs = Vec::new();
    while !p.at_command_end() {
        if p.eat(&Tok::Comma) {
            continue;
        }
        let (from, from_span) = p.field_name("a field name to rename")?;
        if !p.eat_keyword("as") {
            return Err(p.expected("`AS` after the field to rename"));
        }
        let (to, to_span) = p.field_name("the new field name after `AS`")?;
        let span = from_span.to(to_span);
        if from.matches('*').count() != to.matches('*').count() {
            return Err(Error::BadArgument {
                command: "rename".into(),
                message: format!(
                    "wildcards must match: `{from}` and `{to}` have different numbers of `*`"
                ),
                span,
            });
        }
        pairs.push(RenamePair { from, to, span });
    }
    if pairs.is_empty() {
        return Err(Error::BadArgument {
            command: "rename".into(),
            message: "expected `<field> AS <new name>`".into(),
            span: name_span,
        });
    }
    Ok(CommandArgs::Rename(Rename { pairs }))
}

/// A compiled pair.
enum Renamer {
    Plain { from: String, to: String },
    Wildcard { from: WildcardName, to: Vec<String> },
}

impl Renamer {
    fn new(pair: &RenamePair) -> Result<Self> {
        if !pair.from.contains('*') {
            return Ok(Renamer::Plain {
                from: pair.from.clone(),
                to: pair.to.clone(),
            });
        }
        Ok(Renamer::Wildcard {
            from: WildcardName::new(&pair.from, "rename", pair.span)?,
            to: pair.to.split('*').map(str::to_string).collect(),
        })
    }

    fn apply(&self, event: &mut Event) {
        match self {
            Renamer::Plain { from, to } => {
                if !event.rename(from, to) {
                    // Renaming a missing field onto an existing one clears it
                    // (`docs/semantics.md#fields-rename-and-table`).
                    event.remove(to);
                }
            }
            Renamer::Wildcard { from, to } => {
                let targets: Vec<(String, String)> = event
                    .names()
                    .filter_map(|name| {
                        let captures = from.captures(name)?;
                        Some((name.to_string(), fill_wildcards(to, &captures)))
                    })
                    .collect();
                for (old, new) in targets {
                    event.rename(&old, &new);
                }
            }
        }
    }
}

impl super::Command for Rename {
    /// Renames in every row.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        let renamers: Vec<Renamer> = self.pairs.iter().map(Renamer::new).collect::<Result<_>>()?;
        Ok(Box::new(input.map(move |row| {
            row.map(|mut event| {
                for r in &renamers {
                    r.apply(&mut event);
                }
                event
            })
        })))
    }
}

/// The registry entries of `rename`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "rename",
        aliases: &[],
        parse,
    },
];
