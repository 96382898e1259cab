//! `strcat`: concatenates field values and quoted literals into a new field.
//!
//! Docs: <https://help.splunk.com/splunk-cloud-platform/spl-search-reference/10.0.2503/search-commands/strcat>:
//! `strcat [allrequired=<bool>] <source-fields> <dest-field>`. Source
//! fields are field names or quoted literals; the last argument is the
//! destination. With `allrequired=f` (the default) a missing source field
//! counts as the empty string and the destination is always written; with
//! `allrequired=t` it is written only when every source field exists.
//! Choice where the page is silent: a multivalue source contributes its
//! first value (the page speaks only of "string values").

use crate::commands::common::{at_option, bad, bool_opt, option, unknown_option};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::Parser;
use crate::value::Value;

/// One source: a field's value or a literal.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// A field name, e.g. `sourceIP`.
    Field(String),
    /// A quoted literal, e.g. `"/"`.
    Literal(String),
}

/// `strcat sourceIP "/" destIP comboIP`.
#[derive(Debug, Clone, PartialEq)]
pub struct Strcat {
    /// Write only when every source field exists (default false).
    pub allrequired: bool,
    /// The sources, in order.
    pub parts: Vec<Part>,
    /// The destination field.
    pub dest: String,
}

/// Parses `strcat`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let c = "strcat";
    let mut allrequired = false;
    let mut args: Vec<(Part, Span)> = Vec::new();
    while !p.at_command_end() {
        if at_option(p) {
            let (key, value, span) = option(p)?;
            match key.as_str() {
                "allrequired" => allrequired = bool_opt(c, &key, &value, span)?,
                _ => return Err(unknown_option(c, &key, span)),
            }
            continue;
        }
        if p.eat(&Tok::Comma) {
            continue;
        }
        // A quoted string is a literal; the lexer keeps the quotes apart.
        if let Some(Tok::Str(s)) = p.peek() {
            let s = s.clone();
            let span = p.here();
            p.next_token();
            args.push((Part::Literal(s), span));
            continue;
        }
        let (name, span) = p.field_name("a field name or a quoted string")?;
        args.push((Part::Field(name), span));
    }
    let dest = match args.pop() {
        Some((Part::Field(name), _)) => name,
        Some((Part::Literal(_), span)) => return Err(bad(
            c,
            "the destination field (the last argument) must be a field name, not a quoted string",
            span,
        )),
        None => {
            return Err(bad(
                c,
                "expected source fields and a destination field",
                name_span,
            ))
        }
    };
    if args.is_empty() {
        return Err(bad(
            c,
            "expected at least one source field or literal before the destination field",
            name_span,
        ));
    }
    Ok(CommandArgs::Strcat(Strcat {
        allrequired,
        parts: args.into_iter().map(|(part, _)| part).collect(),
        dest,
    }))
}

impl Strcat {
    /// The concatenation for one result, or `None` when a required field is missing.
    fn concat(&self, event: &crate::event::Event) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(s) => out.push_str(s),
                Part::Field(name) => match event.get(name).and_then(|v| v.first_text()) {
                    Some(text) => out.push_str(&text),
                    None if self.allrequired => return None,
                    None => {}
                },
            }
        }
        Some(out)
    }
}

impl super::Command for Strcat {
    /// Writes the destination field on every result.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        Ok(Box::new(input.map(move |row| {
            let mut event = row?;
            if let Some(text) = self.concat(&event) {
                event.set(self.dest.clone(), Value::Str(text));
            }
            Ok(event)
        })))
    }
}

/// The registry entries of `strcat`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "strcat",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;

    fn strcat(allrequired: bool) -> Strcat {
        Strcat {
            allrequired,
            parts: vec![
                Part::Field("a".into()),
                Part::Literal("/".into()),
                Part::Field("b".into()),
            ],
            dest: "c".into(),
        }
    }

    #[test]
    fn missing_field_is_empty_unless_required() {
        let mut e = Event::new();
        e.set("a", Value::Str("x".into()));
        assert_eq!(strcat(false).concat(&e).as_deref(), Some("x/"));
        assert_eq!(strcat(true).concat(&e), None);
        e.set("b", Value::Num(3.0));
        assert_eq!(strcat(true).concat(&e).as_deref(), Some("x/3"));
    }
}
