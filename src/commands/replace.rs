//! `replace`: replaces whole field values, with `*` wildcards.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.1/search-commands/replace>:
//! `replace (<wc-string> WITH <wc-string>)... [IN <field-list>]`; without
//! `IN` every field is edited; a `*` in the new value takes the text the
//! `*` in the old value matched.

use regex::Regex;

use crate::commands::common::bad;
use crate::commands::{field_list, CommandArgs};
use crate::error::Result;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::Parser;
use crate::value::Value;

/// `replace "* localhost" WITH "localhost *", 127.0.0.1 WITH localhost IN host`.
#[derive(Debug, Clone)]
pub struct Replace {
    /// (old pattern, compiled, new text) pairs, tried in order.
    pub pairs: Vec<(String, Regex, String)>,
    /// The fields; empty means all (except internal `_` fields).
    pub fields: Vec<String>,
}

impl PartialEq for Replace {
    fn eq(&self, other: &Self) -> bool {
        let key = |r: &Replace| {
            r.pairs
                .iter()
                .map(|(a, _, b)| (a.clone(), b.clone()))
                .collect::<Vec<_>>()
        };
        key(self) == key(other) && self.fields == other.fields
    }
}

/// Parses `replace`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let mut pairs = Vec::new();
    while !p.at_command_end() && !p.at_keyword("in") {
        if p.eat(&Tok::Comma) {
            continue;
        }
        let (old, span) = p.value("a value to replace")?;
        if !p.eat_keyword("with") {
            return Err(p.expected("`WITH`"));
        }
        let (new, _) = p.value("a replacement value")?;
        let regex = wildcard_regex(&old).map_err(|m| bad("replace", m, span))?;
        pairs.push((old, regex, new));
    }
    let mut fields = Vec::new();
    if p.eat_keyword("in") {
        fields = field_list(p, &[])?.into_iter().map(|f| f.0).collect();
    }
    if pairs.is_empty() {
        return Err(bad("replace", "expected `<old> WITH <new>`", name_span));
    }
    Ok(CommandArgs::Replace(Replace { pairs, fields }))
}

fn wildcard_regex(pattern: &str) -> std::result::Result<Regex, String> {
    let body: Vec<String> = pattern.split('*').map(regex::escape).collect();
    Regex::new(&format!("^(?s){}$", body.join("(.*)"))).map_err(|e| e.to_string())
}

impl Replace {
    fn replace_text(&self, text: &str) -> Option<String> {
        for (_, regex, new) in &self.pairs {
            if let Some(caps) = regex.captures(text) {
                let mut groups = caps.iter().skip(1).flatten().map(|m| m.as_str());
                let mut out = String::new();
                for (i, piece) in new.split('*').enumerate() {
                    if i > 0 {
                        out.push_str(groups.next().unwrap_or(""));
                    }
                    out.push_str(piece);
                }
                return Some(out);
            }
        }
        None
    }
}

impl super::Command for Replace {
    /// Replaces matching values (each value of a multivalue field).
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        Ok(Box::new(input.map(move |row| {
            row.map(|mut event| {
                let names: Vec<String> = if self.fields.is_empty() {
                    event
                        .names()
                        .filter(|n| !n.starts_with('_'))
                        .map(str::to_string)
                        .collect()
                } else {
                    self.fields.clone()
                };
                for name in names {
                    let Some(value) = event.get(&name) else {
                        continue;
                    };
                    let texts: Vec<String> = value.texts().iter().map(|t| t.to_string()).collect();
                    let mut changed = false;
                    let new: Vec<String> = texts
                        .into_iter()
                        .map(|t| match self.replace_text(&t) {
                            Some(r) => {
                                changed = true;
                                r
                            }
                            None => t,
                        })
                        .collect();
                    if changed {
                        event.set_opt(name, Value::from_list(new));
                    }
                }
                event
            })
        })))
    }
}

/// The registry entries of `replace`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "replace",
        aliases: &[],
        parse,
    },
];
