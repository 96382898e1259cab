//! `table`: keeps the listed fields, in the listed order.

use crate::commands::{field_list, CommandArgs};
use crate::error::Result;
use crate::event::Event;
use crate::exec::matcher::Glob;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::parser::Parser;

/// `table <field> ...`, e.g. `table _time user src*`.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Field names, possibly with `*` wildcards.
    pub names: Vec<String>,
}

/// Parses `table`'s arguments.
pub fn parse(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    let names = field_list(p, &[])?.into_iter().map(|(n, _)| n).collect();
    Ok(CommandArgs::Table(Table { names }))
}

impl Table {
    /// Rebuilds every row with only the listed fields, in order; a wildcard
    /// brings matching fields in the row's own order.
    pub fn apply<'a>(&'a self, input: Rows<'a>) -> Result<Rows<'a>> {
        let patterns: Vec<(String, Option<Glob>)> = self
            .names
            .iter()
            .map(|n| (n.clone(), n.contains('*').then(|| Glob::new(n, true))))
            .collect();
        Ok(Box::new(input.map(move |row| {
            row.map(|mut event| {
                let mut out = Event::new();
                for (name, glob) in &patterns {
                    match glob {
                        None => {
                            if let Some(v) = event.remove(name) {
                                out.set(name.clone(), v);
                            }
                        }
                        Some(g) => {
                            let matching: Vec<String> = event
                                .names()
                                .filter(|n| g.matches(n))
                                .map(str::to_string)
                                .collect();
                            for n in matching {
                                if let Some(v) = event.remove(&n) {
                                    out.set(n, v);
                                }
                            }
                        }
                    }
                }
                out
            })
        })))
    }
}
