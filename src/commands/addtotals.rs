//! `addtotals`: a total of numeric fields per result, and optionally a
//! summary result with each field's column total.
//!
//! Docs: <https://help.splunk.com/splunk-cloud-platform/spl-search-reference/10.0.2503/search-commands/addtotals>:
//! `addtotals [row=<bool>] [col=<bool>] [labelfield=<field>]
//! [label=<string>] [fieldname=<field>] [<field-list>]`. Without a field
//! list every numeric field is summed; wildcards are allowed in the list.
//! Choices where the page is silent: fields starting with `_` are summed
//! only when named (or matched by a pattern starting with `_`); a result
//! with no numeric field gets no total; a multivalue field is not numeric;
//! the summary result has a column total for every field that is numeric
//! in some result.

use crate::commands::common::{at_option, bool_opt, collect, option, unknown_option};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::exec::matcher::Glob;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::Parser;
use crate::value::Value;

/// `addtotals col=t labelfield=name label=ALL count_*`.
#[derive(Debug, Clone, PartialEq)]
pub struct Addtotals {
    /// Add the row total (default true).
    pub row: bool,
    /// Append the column totals (default false).
    pub col: bool,
    /// The field of the summary result that holds `label`.
    pub labelfield: Option<String>,
    /// The summary result's label (default `Total`).
    pub label: String,
    /// The row total's field (default `Total`).
    pub fieldname: String,
    /// The fields summed (empty = every numeric field).
    pub fields: Vec<String>,
}

/// Parses `addtotals`' arguments.
pub fn parse(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    let c = "addtotals";
    let mut out = Addtotals {
        row: true,
        col: false,
        labelfield: None,
        label: "Total".into(),
        fieldname: "Total".into(),
        fields: Vec::new(),
    };
    while !p.at_command_end() {
        if at_option(p) {
            let (key, value, span) = option(p)?;
            match key.as_str() {
                "row" => out.row = bool_opt(c, &key, &value, span)?,
                "col" => out.col = bool_opt(c, &key, &value, span)?,
                "labelfield" => out.labelfield = Some(value),
                "label" => out.label = value,
                "fieldname" => out.fieldname = value,
                _ => return Err(unknown_option(c, &key, span)),
            }
            continue;
        }
        if p.eat(&Tok::Comma) {
            continue;
        }
        out.fields.push(p.field_name("a field name")?.0);
    }
    Ok(CommandArgs::Addtotals(out))
}

/// A single numeric value, if the value is one.
fn numeric(v: &Value) -> Option<f64> {
    match v {
        Value::Multi(_) => None,
        other => other.as_number(),
    }
}

impl Addtotals {
    /// Whether `name` is summed.
    fn selected(&self, name: &str, globs: &[Glob]) -> bool {
        if name == self.fieldname && self.row {
            return false;
        }
        if self.fields.is_empty() {
            return !name.starts_with('_');
        }
        self.fields.iter().zip(globs).any(|(f, g)| {
            if f.contains('*') {
                (!name.starts_with('_') || f.starts_with('_')) && g.matches(name)
            } else {
                f == name
            }
        })
    }

    fn add_row_total(&self, event: &mut Event, globs: &[Glob]) {
        let mut total = None;
        for (name, value) in event.iter() {
            if self.selected(name, globs) {
                if let Some(n) = numeric(value) {
                    total = Some(total.unwrap_or(0.0) + n);
                }
            }
        }
        if let Some(t) = total {
            event.set(self.fieldname.clone(), Value::Num(t));
        }
    }
}

impl super::Command for Addtotals {
    /// Adds the totals.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        let globs: Vec<Glob> = self.fields.iter().map(|f| Glob::new(f, true)).collect();
        if !self.col {
            if !self.row {
                return Ok(input);
            }
            return Ok(Box::new(input.map(move |row| {
                let mut event = row?;
                self.add_row_total(&mut event, &globs);
                Ok(event)
            })));
        }
        let mut rows = collect(input)?;
        if self.row {
            for event in &mut rows {
                self.add_row_total(event, &globs);
            }
        }
        let mut summary = Event::new();
        let mut sums: indexmap::IndexMap<String, f64> = indexmap::IndexMap::new();
        for event in &rows {
            for (name, value) in event.iter() {
                let counted = self.selected(name, &globs) || (self.row && name == self.fieldname);
                if !counted || Some(name) == self.labelfield.as_deref() {
                    continue;
                }
                if let Some(n) = numeric(value) {
                    *sums.entry(name.to_string()).or_insert(0.0) += n;
                }
            }
        }
        let label = || Value::Str(self.label.clone());
        for name in crate::exec::columns(&rows) {
            if Some(name.as_str()) == self.labelfield.as_deref() {
                summary.set(name, label());
            } else if let Some(total) = sums.get(&name) {
                summary.set(name, Value::Num(*total));
            }
        }
        if let Some(lf) = &self.labelfield {
            if !summary.contains(lf) {
                summary.set(lf.clone(), label());
            }
        }
        if !summary.is_empty() {
            rows.push(summary);
        }
        Ok(Box::new(rows.into_iter().map(Ok)))
    }
}

/// The registry entries of `addtotals`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "addtotals",
        aliases: &[],
        parse,
    },
];
