//! `transpose`: turns the first N results into columns, one output row per
//! field.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/transpose>:
//! `transpose [int] [column_name=<string>] [header_field=<field>]
//! [include_empty=<bool>]`; "Returns the specified number of rows (search
//! results) as columns"; `int` "Limit the number of rows to transpose. To
//! transpose all rows, specify | transpose 0", default 5; `column_name` is
//! the first column, holding the field names, default `column`;
//! `header_field` is "the field in your results to use for the names of the
//! columns (other than the first column)", default `row 1`, `row 2`, ...;
//! `include_empty` includes (true, the default) or not fields that contain
//! empty values. The page's example 2 shows the header field itself is not
//! a transposed row.
//!
//! Choices where the page is silent: fields are transposed in the results'
//! column order (as the table shows them), internal fields such as `_time`
//! included; a result without a value in `header_field` is named `row N`
//! like the default; with `include_empty=false` a field is dropped when
//! none of the transposed results has a non-empty value for it.

use crate::commands::common::{at_option, bad, bool_opt, collect, option, unknown_option};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::Parser;
use crate::value::Value;

/// `transpose 3 header_field=host column_name=field`.
#[derive(Debug, Clone, PartialEq)]
pub struct Transpose {
    /// How many results become columns (0: all).
    pub limit: usize,
    /// The name of the column holding the field names.
    pub column_name: String,
    /// The field whose values name the other columns.
    pub header_field: Option<String>,
    /// Whether fields with only empty values are kept.
    pub include_empty: bool,
}

/// Parses `transpose`'s arguments.
pub fn parse(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    let c = "transpose";
    let mut out = Transpose {
        limit: 5,
        column_name: "column".to_string(),
        header_field: None,
        include_empty: true,
    };
    let mut seen_limit = false;
    while !p.at_command_end() {
        if at_option(p) {
            let (key, value, span) = option(p)?;
            match key.as_str() {
                "column_name" => out.column_name = value,
                "header_field" => out.header_field = Some(value),
                "include_empty" => out.include_empty = bool_opt(c, &key, &value, span)?,
                _ => return Err(unknown_option(c, &key, span)),
            }
            continue;
        }
        match p.peek() {
            Some(Tok::Word(w)) if !seen_limit => {
                let span = p.here();
                out.limit = w.parse().map_err(|_| {
                    bad(
                        c,
                        format!("expected a whole number of rows or an option, found `{w}`"),
                        span,
                    )
                })?;
                seen_limit = true;
                p.next_token();
            }
            _ => return Err(p.expected("the end of `transpose` (a row count and options)")),
        }
    }
    Ok(CommandArgs::Transpose(out))
}

impl super::Command for Transpose {
    /// One row per field of the first `limit` results.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        let mut rows = collect(input)?;
        if self.limit > 0 {
            rows.truncate(self.limit);
        }
        let names: Vec<String> = rows
            .iter()
            .enumerate()
            .map(|(i, row)| {
                self.header_field
                    .as_ref()
                    .and_then(|h| row.get(h))
                    .map(|v| v.to_text().into_owned())
                    .unwrap_or_else(|| format!("row {}", i + 1))
            })
            .collect();
        let mut out = Vec::new();
        for field in crate::exec::columns(&rows) {
            if self.header_field.as_deref() == Some(field.as_str()) {
                continue;
            }
            let values: Vec<Option<&Value>> = rows.iter().map(|r| r.get(&field)).collect();
            let any_value = values
                .iter()
                .any(|v| v.is_some_and(|v| !v.to_text().is_empty()));
            if !self.include_empty && !any_value {
                continue;
            }
            let mut row = Event::new();
            row.set(self.column_name.clone(), Value::Str(field.clone()));
            for (name, value) in names.iter().zip(values) {
                if let Some(v) = value {
                    row.set(name.clone(), v.clone());
                }
            }
            out.push(row);
        }
        Ok(Box::new(out.into_iter().map(Ok)))
    }
}

/// The registry entries of `transpose`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "transpose",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pairs: &[(&str, &str)]) -> Event {
        let mut e = Event::new();
        for (k, v) in pairs {
            e.set(*k, Value::from(*v));
        }
        e
    }

    fn text(rows: Vec<Event>) -> Vec<Vec<(String, String)>> {
        rows.into_iter()
            .map(|r| {
                r.iter()
                    .map(|(k, v)| (k.to_string(), v.to_text().into_owned()))
                    .collect()
            })
            .collect()
    }

    fn run(c: &Transpose, input: Vec<Event>) -> Vec<Vec<(String, String)>> {
        let rows: Vec<Event> = crate::commands::apply_in_test(c, Box::new(input.into_iter().map(Ok)))
            .expect("apply")
            .collect::<Result<_>>()
            .expect("rows");
        text(rows)
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn limit_and_header_field() {
        let input = vec![
            row(&[("host", "www1"), ("count", "3")]),
            row(&[("host", "www2"), ("count", "5")]),
            row(&[("host", "www3"), ("count", "1")]),
        ];
        let c = Transpose {
            limit: 2,
            column_name: "column".into(),
            header_field: Some("host".into()),
            include_empty: true,
        };
        assert_eq!(
            run(&c, input),
            [pairs(&[("column", "count"), ("www1", "3"), ("www2", "5")])]
        );
    }

    #[test]
    fn include_empty_false_drops_fields_without_a_value() {
        let input = vec![row(&[("a", "1"), ("b", "")]), row(&[("a", "2")])];
        let c = Transpose {
            limit: 0,
            column_name: "f".into(),
            header_field: None,
            include_empty: false,
        };
        assert_eq!(
            run(&c, input),
            [pairs(&[("f", "a"), ("row 1", "1"), ("row 2", "2")])]
        );
    }
}
