//! `fillnull`: gives null fields a value.
//!
//! Docs: <https://help.splunk.com/splunk-cloud-platform/spl-search-reference/10.0.2503/search-commands/fillnull>:
//! `fillnull [value=<string>] [<field-list>]`, default value `0`; a listed
//! field is created where missing; without a list every field present in
//! any result is filled.

use crate::commands::common::collect;
use crate::commands::{field_list, CommandArgs};
use crate::error::Result;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

/// `fillnull value="unknown" host, kbps`.
#[derive(Debug, Clone, PartialEq)]
pub struct Fillnull {
    /// The fill value.
    pub value: String,
    /// The fields; empty means every field seen in the results.
    pub fields: Vec<String>,
}

/// Parses `fillnull`'s arguments.
pub fn parse(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    let mut value = "0".to_string();
    for (_, v, _) in p.options(&["value"])? {
        value = v;
    }
    let mut fields: Vec<String> = field_list(p, &[])?.into_iter().map(|f| f.0).collect();
    // `value=` may also follow the field list.
    for (_, v, _) in p.options(&["value"])? {
        value = v;
    }
    fields.extend(field_list(p, &[])?.into_iter().map(|f| f.0));
    Ok(CommandArgs::Fillnull(Fillnull { value, fields }))
}

impl super::Command for Fillnull {
    /// Fills the fields.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        if !self.fields.is_empty() {
            return Ok(Box::new(input.map(move |row| {
                row.map(|mut event| {
                    for f in &self.fields {
                        if !event.contains(f) {
                            event.set(f.clone(), Value::Str(self.value.clone()));
                        }
                    }
                    event
                })
            })));
        }
        let rows = collect(input)?;
        let columns = crate::exec::columns(&rows);
        let out = rows.into_iter().map(move |mut event| {
            for c in &columns {
                if !event.contains(c) {
                    event.set(c.clone(), Value::Str(self.value.clone()));
                }
            }
            Ok(event)
        });
        Ok(Box::new(out))
    }
}

/// The registry entries of `fillnull`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "fillnull",
        aliases: &[],
        parse,
    },
];
