//! `fields`: keeps or removes fields.

use crate::commands::{field_list, CommandArgs};
use crate::error::Result;
use crate::exec::matcher::Glob;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::Parser;

/// `fields [+|-] <field> ...`, e.g. `fields - _raw`, `fields user, src*`.
#[derive(Debug, Clone, PartialEq)]
pub struct Fields {
    /// `-`: remove the listed fields; otherwise keep only them.
    pub remove: bool,
    /// Field names, possibly with `*` wildcards.
    pub names: Vec<String>,
}

/// Parses `fields`' arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let mut remove = false;
    if let Some(Tok::Word(w)) = p.peek() {
        // `fields - a` lexes `-` as a word; `fields -a` is not a removal.
        if w == "-" || w == "+" {
            remove = w == "-";
            p.next_token();
        }
    }
    let names: Vec<String> = field_list(p, &[])?.into_iter().map(|(n, _)| n).collect();
    if names.is_empty() {
        return Err(crate::error::Error::BadArgument {
            command: "fields".into(),
            message: "expected at least one field name".into(),
            span: name_span,
        });
    }
    Ok(CommandArgs::Fields(Fields { remove, names }))
}

impl super::Command for Fields {
    /// Keeps or removes fields in every row.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        // Field names are case-sensitive.
        let globs: Vec<Glob> = self.names.iter().map(|n| Glob::new(n, true)).collect();
        let remove = self.remove;
        Ok(Box::new(input.map(move |row| {
            row.map(|mut event| {
                event.retain(|name, _| {
                    let listed = globs.iter().any(|g| g.matches(name));
                    if remove {
                        !listed
                    } else {
                        // Keeping fields also keeps the internal `_raw` and
                        // `_time`, unless they are removed explicitly.
                        listed || name == "_raw" || name == "_time"
                    }
                });
                event
            })
        })))
    }
}

/// The registry entries of `fields`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "fields",
        aliases: &[],
        parse,
    },
];
