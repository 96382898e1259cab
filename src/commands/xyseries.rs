//! `xyseries`: turns rows of (x, series name, value) into a table with one
//! row per x value and one column per series name, the inverse of `untable`.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.3/search-commands/xyseries>:
//! `xyseries [grouped=<bool>] <x-field> <y-name-field> <y-data-field>...
//! [sep=<string>] [format=<string>]`.
//! Supported: one `<y-data-field>`, `grouped=false` (the default). Several
//! data fields, `sep=`, `format=` and `grouped=true` are refused by name
//! rather than approximated. Choices where the page is silent: rows come in
//! the order their x value first appears, columns in the order their series
//! name first appears; a result missing the x or y-name field is dropped;
//! for a repeated (x, series) pair the first value is kept.

use std::collections::HashMap;

use crate::commands::common::{
    at_option, bad, bool_opt, collect, option, unknown_option, unsupported,
};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::Parser;

/// `xyseries _time host count`.
#[derive(Debug, Clone, PartialEq)]
pub struct Xyseries {
    /// The field whose values become the rows.
    pub x: String,
    /// The field whose values become the column names.
    pub y_name: String,
    /// The field whose values fill the cells.
    pub y_data: String,
}

/// Parses `xyseries`' arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let c = "xyseries";
    let mut names = Vec::new();
    while !p.at_command_end() {
        if at_option(p) {
            let (key, value, span) = option(p)?;
            match key.as_str() {
                "grouped" => {
                    if bool_opt(c, &key, &value, span)? {
                        return Err(unsupported(c, "`grouped=true` is not supported", span));
                    }
                }
                "sep" | "format" => {
                    return Err(bad(
                        c,
                        format!(
                            "`{key}=` is not supported (it names columns of several data fields)"
                        ),
                        span,
                    ))
                }
                _ => return Err(unknown_option(c, &key, span)),
            }
            continue;
        }
        if p.eat(&Tok::Comma) {
            continue;
        }
        names.push(p.field_name("a field name")?);
    }
    if names.len() > 3 {
        return Err(bad(
            c,
            "several <y-data-field>s are not supported; give one",
            names[3].1,
        ));
    }
    match <[(String, Span); 3]>::try_from(names) {
        Ok([(x, _), (y_name, _), (y_data, _)]) => {
            Ok(CommandArgs::Xyseries(Xyseries { x, y_name, y_data }))
        }
        Err(got) => Err(bad(
            c,
            format!(
                "expected <x-field> <y-name-field> <y-data-field>, found {} field name(s)",
                got.len()
            ),
            name_span,
        )),
    }
}

impl Xyseries {
    /// One row per distinct x value.
    fn pivot(&self, rows: Vec<Event>) -> Vec<Event> {
        let mut out: Vec<Event> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        for row in rows {
            let (Some(x), Some(name)) = (row.get(&self.x), row.get(&self.y_name)) else {
                continue;
            };
            let key = x.to_text().into_owned();
            let name = name.to_text().into_owned();
            let i = *index.entry(key).or_insert_with(|| {
                let mut e = Event::new();
                e.set(self.x.clone(), x.clone());
                out.push(e);
                out.len() - 1
            });
            if let (Some(value), Some(target)) = (row.get(&self.y_data), out.get_mut(i)) {
                if !target.contains(&name) {
                    target.set(name, value.clone());
                }
            }
        }
        out
    }
}

impl super::Command for Xyseries {
    /// Pivots all results (a blocking command).
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        let rows = self.pivot(collect(input)?);
        Ok(Box::new(rows.into_iter().map(Ok)))
    }
}

/// The registry entries of `xyseries`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "xyseries",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    fn ev(pairs: &[(&str, &str)]) -> Event {
        let mut e = Event::new();
        for (k, v) in pairs {
            e.set(k.to_string(), Value::Str(v.to_string()));
        }
        e
    }

    #[test]
    fn pivots_and_keeps_first_of_a_repeated_pair() {
        let x = Xyseries {
            x: "h".into(),
            y_name: "s".into(),
            y_data: "v".into(),
        };
        let out = x.pivot(vec![
            ev(&[("h", "a"), ("s", "c"), ("v", "1")]),
            ev(&[("h", "b"), ("s", "c"), ("v", "2")]),
            ev(&[("h", "a"), ("s", "d"), ("v", "3")]),
            ev(&[("h", "a"), ("s", "c"), ("v", "9")]),
        ]);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].get("c"), Some(&Value::Str("1".into())));
        assert_eq!(out[0].get("d"), Some(&Value::Str("3".into())));
        assert_eq!(out[1].get("d"), None);
    }

    #[test]
    fn sep_is_refused_by_name() {
        let err = crate::syntax::parser::parse("x=* | xyseries h s v sep=-").unwrap_err();
        assert!(err.to_string().contains("`sep=` is not supported"), "{err}");
    }
}
