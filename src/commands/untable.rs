//! `untable`: turns each tabular result into one row per field, the
//! inverse of `xyseries`.
//!
//! Docs: <https://help.splunk.com/splunk-cloud-platform/spl-search-reference/10.0.2503/search-commands/untable>:
//! `untable <x-field> <y-name-field> <y-data-field>`; every field other
//! than `<x-field>` becomes one row holding the x value, the field's name in
//! `<y-name-field>` and its value in `<y-data-field>`. A streaming command.
//! Choices where the page is silent: fields absent from a result (null)
//! give no row; internal fields (starting with `_`) other than the x-field
//! are not unpivoted; the rows follow the result's field order.

use crate::commands::common::{at_option, bad};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

/// `untable host series value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Untable {
    /// The field kept on every output row.
    pub x: String,
    /// The new field holding the other fields' names.
    pub y_name: String,
    /// The new field holding the other fields' values.
    pub y_data: String,
}

/// Parses `untable`'s three field names; it takes no options.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let mut names = Vec::new();
    while !p.at_command_end() {
        if at_option(p) {
            // untable has no options: a `key=value` here is a mistake.
            let here = p.here();
            return Err(bad("untable", "untable takes no options", here));
        }
        if p.eat(&crate::syntax::lexer::Tok::Comma) {
            continue;
        }
        names.push(p.field_name("a field name")?.0);
    }
    match <[String; 3]>::try_from(names) {
        Ok([x, y_name, y_data]) => Ok(CommandArgs::Untable(Untable { x, y_name, y_data })),
        Err(got) => Err(bad(
            "untable",
            format!(
                "expected <x-field> <y-name-field> <y-data-field>, found {} field name(s)",
                got.len()
            ),
            name_span,
        )),
    }
}

impl Untable {
    /// The rows of one result.
    fn unpivot(&self, event: &Event) -> Vec<Event> {
        let x = event.get(&self.x);
        event
            .iter()
            .filter(|(name, _)| *name != self.x && !name.starts_with('_'))
            .map(|(name, value)| {
                let mut out = Event::with_capacity(3);
                if let Some(x) = x {
                    out.set(self.x.clone(), x.clone());
                }
                out.set(self.y_name.clone(), Value::Str(name.to_string()));
                out.set(self.y_data.clone(), value.clone());
                out
            })
            .collect()
    }
}

impl super::Command for Untable {
    /// Unpivots each result.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        Ok(Box::new(input.flat_map(move |row| match row {
            Ok(event) => self.unpivot(&event).into_iter().map(Ok).collect(),
            Err(e) => vec![Err(e)],
        })))
    }
}

/// The registry entries of `untable`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "untable",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn untable() -> Untable {
        Untable {
            x: "host".into(),
            y_name: "series".into(),
            y_data: "v".into(),
        }
    }

    #[test]
    fn one_row_per_other_field_skipping_internal_fields() {
        let mut e = Event::new();
        e.set("host", Value::Str("a".into()));
        e.set("_time", Value::Str("1".into()));
        e.set("count", Value::Str("3".into()));
        e.set("errors", Value::Str("1".into()));
        let rows = untable().unpivot(&e);
        let got: Vec<(String, String)> = rows
            .iter()
            .map(|r| {
                (
                    r.get("series")
                        .map(|v| v.to_text().into_owned())
                        .unwrap_or_default(),
                    r.get("v")
                        .map(|v| v.to_text().into_owned())
                        .unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![("count".into(), "3".into()), ("errors".into(), "1".into())]
        );
        assert!(rows.iter().all(|r| r.get("host").is_some()));
    }

    #[test]
    fn wrong_arity_is_an_error() {
        let err = crate::syntax::parser::parse("host=* | untable host series").unwrap_err();
        assert!(err.to_string().contains("found 2 field name"), "{err}");
    }
}
