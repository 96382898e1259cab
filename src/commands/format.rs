//! `format` and `return`: results turned into one result whose `search`
//! field is search text, for subsearches.
//!
//! Docs: <https://help.splunk.com/splunk-cloud-platform/spl-search-reference/10.0.2503/search-commands/format>,
//! <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/return>.
//!
//! `format` renders rows through [`crate::exec::subsearch::format_rows_with`],
//! the code path a subsearch's implicit format also takes. A subsearch that
//! ends with `format` or `return` contributes its `search` field verbatim.

use crate::commands::common::{at_option, bad, collect, count_opt, option, unknown_option};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::exec::subsearch::{field_terms, format_rows_with, FormatSpec};
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::Parser;
use crate::value::Value;

/// `format [mvsep=..] [maxresults=N] ["(" "(" "AND" ")" "OR" ")"] [emptystr=..]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Format {
    /// The rendering settings.
    pub spec: FormatSpec,
}

/// Parses `format`'s arguments.
pub fn parse_format(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    let c = "format";
    let mut spec = FormatSpec::default();
    let mut positional: Vec<(String, Span)> = Vec::new();
    while !p.at_command_end() {
        if at_option(p) {
            let (key, value, span) = option(p)?;
            match key.as_str() {
                "mvsep" => spec.mvsep = value,
                "emptystr" => spec.emptystr = value,
                "maxresults" => spec.maxresults = count_opt(c, &key, &value, span)?,
                _ => return Err(unknown_option(c, &key, span)),
            }
            continue;
        }
        positional.push(p.value("a row or column string such as \"(\"")?);
    }
    match positional.len() {
        0 => {}
        6 => {
            let mut it = positional.into_iter().map(|(v, _)| v);
            let mut next = || it.next().unwrap_or_default();
            spec.row_prefix = next();
            spec.column_prefix = next();
            spec.column_separator = next();
            spec.column_end = next();
            spec.row_separator = next();
            spec.row_end = next();
        }
        n => {
            let span = positional[0].1.to(positional[n - 1].1);
            return Err(bad(
                c,
                format!(
                    "expected all six of \"<row prefix>\" \"<column prefix>\" \"<column separator>\" \"<column end>\" \"<row separator>\" \"<row end>\", found {n}"
                ),
                span,
            ));
        }
    }
    Ok(CommandArgs::Format(Format { spec }))
}

impl super::Command for Format {
    /// Replaces the results with one result holding the rendered text.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        let rows = collect(input)?;
        let mut out = Event::new();
        out.set("search", Value::Str(format_rows_with(&rows, &self.spec)));
        Ok(Box::new(std::iter::once(Ok(out))))
    }
}

/// One `return` item.
#[derive(Debug, Clone, PartialEq)]
pub enum ReturnItem {
    /// `field`: `field="value"`.
    Field(String),
    /// `alias=field`: `alias="value of field"`.
    Alias(String, String),
    /// `$field`: the value alone.
    Value(String),
}

/// `return [<count>] [<alias>=<field>...] [<field>...] [$<field>...]`, e.g.
/// `return 2 src`, `return ip=src_ip`, `return $user`.
#[derive(Debug, Clone, PartialEq)]
pub struct Return {
    /// Rows used (default 1).
    pub count: usize,
    /// What each row contributes, in written order.
    pub items: Vec<ReturnItem>,
}

/// Parses `return`'s arguments.
pub fn parse_return(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let mut count = 1;
    if let Some(Tok::Word(w)) = p.peek() {
        if w.bytes().all(|b| b.is_ascii_digit()) {
            let (w, span) = p.word("a count")?;
            count = count_opt("return", "count", &w, span)?;
        }
    }
    let mut items = Vec::new();
    while !p.at_command_end() {
        if p.eat(&Tok::Comma) {
            continue;
        }
        if at_option(p) {
            let (alias, _) = p.word("an alias")?;
            p.expect(&Tok::Eq, "`=`")?;
            let (field, _) = p.field_name("a field name after `=`")?;
            items.push(ReturnItem::Alias(alias, field));
            continue;
        }
        let (name, span) = p.field_name("a field name, `alias=field` or `$field`")?;
        match name.strip_prefix('$') {
            Some("") => return Err(bad("return", "expected a field name after `$`", span)),
            Some(field) => items.push(ReturnItem::Value(field.to_string())),
            None => items.push(ReturnItem::Field(name)),
        }
    }
    if items.is_empty() {
        return Err(bad(
            "return",
            "expected a field to return, e.g. `return src` or `return $src`",
            name_span,
        ));
    }
    Ok(CommandArgs::Return(Return { count, items }))
}

impl Return {
    fn render(&self, row: &Event) -> String {
        let mut parts = Vec::new();
        for item in &self.items {
            match item {
                ReturnItem::Field(f) => {
                    if let Some(v) = row.get(f) {
                        parts.push(field_terms(f, v, "OR"));
                    }
                }
                ReturnItem::Alias(alias, f) => {
                    if let Some(v) = row.get(f) {
                        parts.push(field_terms(alias, v, "OR"));
                    }
                }
                ReturnItem::Value(f) => {
                    if let Some(v) = row.get(f) {
                        parts.push(v.texts().join(" "));
                    }
                }
            }
        }
        parts.join(" ")
    }
}

impl super::Command for Return {
    /// Replaces the first `count` results with one result whose `search`
    /// field holds them as search text: each row's terms separated by
    /// spaces; several rows each in parentheses, OR-ed. No input rows give
    /// no result (the subsearch then matches nothing, as `format` renders no
    /// rows).
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        let rows: Vec<Event> = input.take(self.count.max(1)).collect::<Result<_>>()?;
        if rows.is_empty() {
            return Ok(Box::new(std::iter::empty()));
        }
        let rendered: Vec<String> = rows.iter().map(|r| self.render(r)).collect();
        let text = if rendered.len() == 1 {
            rendered.concat()
        } else {
            rendered
                .iter()
                .map(|r| format!("({r})"))
                .collect::<Vec<_>>()
                .join(" OR ")
        };
        let mut out = Event::new();
        out.set("search", Value::Str(text));
        Ok(Box::new(std::iter::once(Ok(out))))
    }
}

/// The registry entries of `format`, `return`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "format",
        aliases: &[],
        parse: parse_format,
    },
    super::CommandSpec {
        name: "return",
        aliases: &[],
        parse: parse_return,
    },
];
