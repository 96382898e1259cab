//! Multivalue commands: `mvexpand`, `makemv`, `mvcombine`, `nomv`.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.1/search-commands/mvexpand>,
//! `.../makemv`, `.../mvcombine`, `.../nomv`.

use indexmap::IndexMap;

use crate::commands::common::{
    at_option, bad, bool_opt, collect, count_opt, option, unknown_option,
};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::exec::Rows;
use crate::regex_compat::{compile, SplRegex};
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

/// `mvexpand <field> [limit=<int>]`: one result per value of the field.
#[derive(Debug, Clone, PartialEq)]
pub struct Mvexpand {
    /// The multivalue field.
    pub field: String,
    /// Most values expanded per result (0 = all).
    pub limit: usize,
}

/// Parses `mvexpand`'s arguments.
pub fn parse_mvexpand(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let mut field = None;
    let mut limit = 0;
    while !p.at_command_end() {
        if at_option(p) {
            let (key, value, span) = option(p)?;
            match key.as_str() {
                "limit" => limit = count_opt("mvexpand", &key, &value, span)?,
                _ => return Err(unknown_option("mvexpand", &key, span)),
            }
        } else if field.is_none() {
            field = Some(p.field_name("a field name")?.0);
        } else {
            return Err(p.expected("the end of `mvexpand`"));
        }
    }
    let field = field.ok_or_else(|| bad("mvexpand", "expected a field name", name_span))?;
    Ok(CommandArgs::Mvexpand(Mvexpand { field, limit }))
}

impl super::Command for Mvexpand {
    /// Expands each row; a row without the field passes unchanged.
    ///
    /// The values are taken out of the row before it is copied, so each
    /// copy costs the row's other fields only: copying the whole row with
    /// its multivalue per value made the work grow with the square of the
    /// number of values (40,000 values took 27 s). Rows come out lazily.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        Ok(Box::new(input.flat_map(move |row| -> Expanded {
            let mut event = match row {
                Ok(e) => e,
                Err(e) => return Expanded::one(Err(e)),
            };
            let values: Vec<String> = match event.get(&self.field) {
                Some(Value::Multi(_)) => {
                    match event.replace(&self.field, Value::Str(String::new())) {
                        Some(Value::Multi(vs)) => vs,
                        _ => return Expanded::one(Ok(event)),
                    }
                }
                Some(v) => v.texts().iter().map(|t| t.to_string()).collect(),
                None => return Expanded::one(Ok(event)),
            };
            let take = if self.limit == 0 {
                values.len()
            } else {
                self.limit
            };
            Expanded::Many {
                template: event,
                field: &self.field,
                values: values.into_iter().take(take),
            }
        })))
    }
}

/// The rows one input row expands to.
enum Expanded<'a> {
    /// The row itself (or its error), once.
    One(Option<Result<Event>>),
    /// The row with each value in turn; the field's slot holds a
    /// placeholder that each copy overwrites.
    Many {
        template: Event,
        field: &'a str,
        values: std::iter::Take<std::vec::IntoIter<String>>,
    },
}

impl Expanded<'_> {
    fn one(row: Result<Event>) -> Self {
        Expanded::One(Some(row))
    }
}

impl Iterator for Expanded<'_> {
    type Item = Result<Event>;

    fn next(&mut self) -> Option<Result<Event>> {
        match self {
            Expanded::One(row) => row.take(),
            Expanded::Many {
                template,
                field,
                values,
            } => {
                let value = values.next()?;
                let mut e = template.clone();
                e.set(*field, Value::Str(value));
                Some(Ok(e))
            }
        }
    }
}

/// `makemv [delim=<string>|tokenizer=<regex>] [allowempty=<bool>] [setsv=<bool>] <field>`.
#[derive(Debug, Clone)]
pub struct Makemv {
    /// The field split.
    pub field: String,
    /// The delimiter (default a single space).
    pub delim: String,
    /// A regex whose matches (first group, or whole match) are the values.
    pub tokenizer: Option<SplRegex>,
    /// Keep empty values between adjacent delimiters.
    pub allowempty: bool,
    /// Keep the single value as well (here: leave the field unsplit).
    pub setsv: bool,
}

impl PartialEq for Makemv {
    fn eq(&self, other: &Self) -> bool {
        self.field == other.field
            && self.delim == other.delim
            && self.tokenizer.as_ref().map(SplRegex::as_str)
                == other.tokenizer.as_ref().map(SplRegex::as_str)
            && self.allowempty == other.allowempty
            && self.setsv == other.setsv
    }
}

/// Parses `makemv`'s arguments.
pub fn parse_makemv(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let mut out = Makemv {
        field: String::new(),
        delim: " ".into(),
        tokenizer: None,
        allowempty: false,
        setsv: false,
    };
    while !p.at_command_end() {
        if at_option(p) {
            let (key, value, span) = option(p)?;
            match key.as_str() {
                "delim" => out.delim = value,
                "tokenizer" => {
                    out.tokenizer = Some(
                        compile(&value, false).map_err(|e| bad("makemv", e.to_string(), span))?,
                    )
                }
                "allowempty" => out.allowempty = bool_opt("makemv", &key, &value, span)?,
                "setsv" => out.setsv = bool_opt("makemv", &key, &value, span)?,
                _ => return Err(unknown_option("makemv", &key, span)),
            }
        } else if out.field.is_empty() {
            out.field = p.field_name("a field name")?.0;
        } else {
            return Err(p.expected("the end of `makemv`"));
        }
    }
    if out.field.is_empty() {
        return Err(bad("makemv", "expected a field name", name_span));
    }
    Ok(CommandArgs::Makemv(out))
}

impl Makemv {
    fn split(&self, text: &str) -> Vec<String> {
        let parts: Vec<String> = match &self.tokenizer {
            Some(re) => re
                .captures_iter(text)
                .filter_map(|c| c.get(1).or_else(|| c.get(0)))
                .map(str::to_string)
                .collect(),
            None if self.delim.is_empty() => vec![text.to_string()],
            None => text
                .split(self.delim.as_str())
                .map(str::to_string)
                .collect(),
        };
        if self.allowempty {
            parts
        } else {
            parts.into_iter().filter(|p| !p.is_empty()).collect()
        }
    }
}

impl super::Command for Makemv {
    /// Splits the field's value into a multivalue.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        Ok(Box::new(input.map(move |row| {
            row.map(|mut event| {
                if self.setsv {
                    return event;
                }
                if let Some(v) = event.get(&self.field) {
                    let text = v.to_text().into_owned();
                    let parts = self.split(&text);
                    event.set_opt(self.field.clone(), Value::from_list(parts));
                }
                event
            })
        })))
    }
}

/// `mvcombine [delim=<string>] <field>`: merges results that differ only in
/// the field into one result whose field holds every value.
#[derive(Debug, Clone, PartialEq)]
pub struct Mvcombine {
    /// The field combined.
    pub field: String,
    /// The delimiter of the single-value form (multivalue output is kept).
    pub delim: String,
}

/// Parses `mvcombine`'s arguments.
pub fn parse_mvcombine(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let mut delim = " ".to_string();
    let mut field = None;
    while !p.at_command_end() {
        if at_option(p) {
            let (key, value, span) = option(p)?;
            match key.as_str() {
                "delim" => delim = value,
                _ => return Err(unknown_option("mvcombine", &key, span)),
            }
        } else if field.is_none() {
            field = Some(p.field_name("a field name")?.0);
        } else {
            return Err(p.expected("the end of `mvcombine`"));
        }
    }
    let field = field.ok_or_else(|| bad("mvcombine", "expected a field name", name_span))?;
    Ok(CommandArgs::Mvcombine(Mvcombine { field, delim }))
}

impl super::Command for Mvcombine {
    /// Groups rows by every other field and combines the field's values in
    /// order of appearance; rows without the field pass unchanged.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        let rows = collect(input)?;
        let mut groups: IndexMap<String, (Event, Vec<String>)> = IndexMap::new();
        let mut out = Vec::new();
        for (i, mut event) in rows.into_iter().enumerate() {
            let Some(value) = event.remove(&self.field) else {
                out.push((i, event));
                continue;
            };
            let key = format!("{:?}", event);
            let entry = groups.entry(key).or_insert_with(|| (event, Vec::new()));
            entry.1.extend(value.texts().iter().map(|t| t.to_string()));
            let _ = i;
        }
        let mut combined: Vec<Event> = groups
            .into_values()
            .map(|(mut e, vals)| {
                e.set_opt(self.field.clone(), Value::from_list(vals));
                e
            })
            .collect();
        combined.extend(out.into_iter().map(|(_, e)| e));
        Ok(Box::new(combined.into_iter().map(Ok)))
    }
}

/// `nomv <field>`: turns a multivalue field into one value, values
/// separated by newlines.
#[derive(Debug, Clone, PartialEq)]
pub struct Nomv {
    /// The field.
    pub field: String,
}

/// Parses `nomv`'s argument.
pub fn parse_nomv(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    let field = p.field_name("a field name")?.0;
    Ok(CommandArgs::Nomv(Nomv { field }))
}

impl super::Command for Nomv {
    /// Joins the values.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        Ok(Box::new(input.map(move |row| {
            row.map(|mut event| {
                if let Some(Value::Multi(vs)) = event.get(&self.field) {
                    let joined = vs.join("\n");
                    event.set(self.field.clone(), Value::Str(joined));
                }
                event
            })
        })))
    }
}

/// The registry entries of `mvexpand`, `makemv`, `mvcombine`, `nomv`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "mvexpand",
        aliases: &[],
        parse: parse_mvexpand,
    },
    super::CommandSpec {
        name: "makemv",
        aliases: &[],
        parse: parse_makemv,
    },
    super::CommandSpec {
        name: "mvcombine",
        aliases: &[],
        parse: parse_mvcombine,
    },
    super::CommandSpec {
        name: "nomv",
        aliases: &[],
        parse: parse_nomv,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(limit: usize, event: Event) -> Vec<Event> {
        let m = Mvexpand {
            field: "v".into(),
            limit,
        };
        let rows: Rows<'_> = Box::new(std::iter::once(Ok(event)));
        crate::commands::apply_in_test(&m, rows)
            .and_then(|rows| rows.collect::<Result<Vec<_>>>())
            .expect("mvexpand runs")
    }

    /// Many values: every row has one value, in order, in the field's own
    /// place among the others (the copies no longer carry the multivalue,
    /// which made this quadratic).
    #[test]
    fn expands_many_values_in_place() {
        let n = 100_000;
        let values: Vec<String> = (0..n).map(|i| format!("x{i}")).collect();
        let event: Event = [
            ("a".to_string(), Value::from("1")),
            ("v".to_string(), Value::Multi(values)),
            ("z".to_string(), Value::from("2")),
        ]
        .into_iter()
        .collect();
        let rows = expand(0, event);
        assert_eq!(rows.len(), n);
        for (i, row) in [(0, &rows[0]), (n - 1, &rows[n - 1])] {
            assert_eq!(row.names().collect::<Vec<_>>(), ["a", "v", "z"]);
            assert_eq!(row.get("v"), Some(&Value::Str(format!("x{i}"))));
        }
        let limited = expand(
            3,
            [(
                "v".to_string(),
                Value::Multi(vec!["p".into(), "q".into(), "r".into(), "s".into()]),
            )]
            .into_iter()
            .collect(),
        );
        let got: Vec<_> = limited.iter().filter_map(|r| r.get("v")).collect();
        assert_eq!(
            got,
            [&Value::from("p"), &Value::from("q"), &Value::from("r")]
        );
    }

    /// A single value (text or number) is one row of text; a row without
    /// the field passes as it is.
    #[test]
    fn single_values_and_absent_fields() {
        let rows = expand(
            0,
            [("v".to_string(), Value::Num(3.0))].into_iter().collect(),
        );
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].get("v"), Some(&Value::from("3")));
        let rows = expand(
            0,
            [("w".to_string(), Value::from("x"))].into_iter().collect(),
        );
        assert_eq!(rows.len(), 1);
        assert!(rows[0].get("v").is_none());
    }
}
