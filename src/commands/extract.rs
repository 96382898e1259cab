//! `extract` (alias `kv`) and `multikv`: key/value and table extraction
//! from `_raw`.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.1/search-commands/extract>,
//! `.../multikv`.

use regex::Regex;

use crate::commands::common::{at_option, option};
use crate::commands::{field_list, CommandArgs};
use crate::error::{Error, Result};
use crate::event::Event;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

/// `extract [pairdelim=<chars>] [kvdelim=<chars>]`, e.g.
/// `extract pairdelim="|;" kvdelim="=:"`. Without delimiters, `key=value`
/// pairs (values optionally double-quoted) are extracted.
#[derive(Debug, Clone, PartialEq)]
pub struct Extract {
    /// Characters separating pairs.
    pub pairdelim: Option<String>,
    /// Characters separating a key from its value.
    pub kvdelim: Option<String>,
}

/// Parses `extract`'s arguments; other documented options (`reload`,
/// `limit`, `maxchars`, `mv_add`, `clean_keys`) are accepted and ignored.
pub fn parse(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    let mut out = Extract {
        pairdelim: None,
        kvdelim: None,
    };
    while !p.at_command_end() {
        if at_option(p) {
            let (key, value, span) = option(p)?;
            match key.as_str() {
                "pairdelim" => out.pairdelim = Some(value),
                "kvdelim" => out.kvdelim = Some(value),
                "reload" | "limit" | "maxchars" | "mv_add" | "clean_keys" | "segment" => {}
                _ => {
                    return Err(crate::commands::common::unknown_option(
                        "extract", &key, span,
                    ))
                }
            }
        } else {
            // Transform names (`extract my-transform`) need transforms.conf REGEX stanzas.
            let (name, span) = p.value("an option")?;
            return Err(crate::commands::common::unsupported(
                "extract",
                format!("extracting with the transform `{name}` is not supported yet"),
                span,
            ));
        }
    }
    Ok(CommandArgs::Extract(out))
}

fn default_regex() -> Result<Regex> {
    Regex::new(r#"([A-Za-z_][\w.\-]*)=(?:"([^"]*)"|([^\s,;"]+))"#).map_err(|e| Error::Runtime {
        message: format!("internal: extract pattern: {e}"),
        span: None,
    })
}

impl Extract {
    fn pairs(&self, raw: &str, re: &Regex) -> Vec<(String, String)> {
        match (&self.pairdelim, &self.kvdelim) {
            (None, None) => re
                .captures_iter(raw)
                .map(|c| {
                    let v = c.get(2).or_else(|| c.get(3)).map_or("", |m| m.as_str());
                    (c[1].to_string(), v.to_string())
                })
                .collect(),
            (pd, kd) => {
                let pd: Vec<char> = pd.as_deref().unwrap_or(" ").chars().collect();
                let kd: Vec<char> = kd.as_deref().unwrap_or("=").chars().collect();
                raw.split(|c| pd.contains(&c))
                    .filter_map(|pair| {
                        let i = pair.find(|c| kd.contains(&c))?;
                        let (k, v) = pair.split_at(i);
                        let v = &v[v.chars().next().map_or(0, char::len_utf8)..];
                        Some((k.trim().to_string(), v.trim().trim_matches('"').to_string()))
                    })
                    .collect()
            }
        }
    }
}

impl super::Command for Extract {
    /// Adds the pairs found in `_raw` (existing fields are kept).
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        let re = default_regex()?;
        Ok(Box::new(input.map(move |row| {
            row.map(|mut event| {
                let Some(raw) = event.raw().map(str::to_string) else {
                    return event;
                };
                for (k, v) in self.pairs(&raw, &re) {
                    if !k.is_empty() && !v.is_empty() {
                        event.set_new(k, Value::Str(v));
                    }
                }
                event
            })
        })))
    }
}

/// `multikv [fields <field>...]`: a `_raw` holding a table (a header line,
/// then rows of whitespace-separated cells) becomes one result per row.
#[derive(Debug, Clone, PartialEq)]
pub struct Multikv {
    /// Only these columns are kept (empty: all).
    pub fields: Vec<String>,
}

/// Parses `multikv`'s arguments (`fields`; `noheader`, `forceheader` and
/// the others are not supported).
pub fn parse_multikv(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    let mut fields = Vec::new();
    while !p.at_command_end() {
        if p.eat_keyword("fields") {
            fields = field_list(p, &["filter", "rmorig"])?
                .into_iter()
                .map(|f| f.0)
                .collect();
        } else {
            let (w, span) = p.value("`fields`")?;
            return Err(crate::commands::common::unsupported(
                "multikv",
                format!("option `{w}` is not supported yet"),
                span,
            ));
        }
    }
    Ok(CommandArgs::Multikv(Multikv { fields }))
}

impl super::Command for Multikv {
    /// Splits every table event into row results.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        Ok(Box::new(input.flat_map(move |row| -> Vec<Result<Event>> {
            let event = match row {
                Ok(e) => e,
                Err(e) => return vec![Err(e)],
            };
            let Some(raw) = event.raw().map(str::to_string) else {
                return vec![Ok(event)];
            };
            let mut lines = raw.lines().filter(|l| !l.trim().is_empty());
            let Some(header) = lines.next() else {
                return vec![Ok(event)];
            };
            let names: Vec<&str> = header.split_whitespace().collect();
            lines
                .map(|line| {
                    let mut e = event.clone();
                    // The last column takes the rest of the line.
                    let cells: Vec<&str> = line.split_whitespace().collect();
                    for (i, name) in names.iter().enumerate() {
                        if !self.fields.is_empty() && !self.fields.iter().any(|f| f == name) {
                            continue;
                        }
                        let value = if i + 1 == names.len() {
                            cells.get(i..).map(|c| c.join(" ")).unwrap_or_default()
                        } else {
                            cells.get(i).map(|c| c.to_string()).unwrap_or_default()
                        };
                        if !value.is_empty() {
                            e.set(name.to_string(), Value::Str(value));
                        }
                    }
                    e.set("_raw", Value::Str(line.to_string()));
                    Ok(e)
                })
                .collect()
        })))
    }
}

/// The registry entries of `extract`, `multikv`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "extract",
        aliases: &["kv"],
        parse,
    },
    super::CommandSpec {
        name: "multikv",
        aliases: &[],
        parse: parse_multikv,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_delimiters_split_pairs() {
        let x = Extract {
            pairdelim: Some("|;".into()),
            kvdelim: Some(":".into()),
        };
        let re = default_regex().unwrap();
        assert_eq!(
            x.pairs("a:1|b:two;c", &re),
            vec![
                ("a".to_string(), "1".to_string()),
                ("b".into(), "two".into())
            ]
        );
    }
}
