//! `fieldformat`: changes how a field's value is displayed, not the value.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/fieldformat>:
//! `fieldformat <field>=<eval-expression>` "change[s] the format of a field
//! value when the results render ... without changing the underlying value
//! of the field"; one expression per command ("to specify multiple formats
//! you must use multiple fieldformat commands"); the field may be new or
//! existing; it "does not apply to commands that export data, such as the
//! outputcsv and outputlookup commands".
//!
//! In the pipeline the command passes every result on unchanged, so later
//! commands, `outputcsv`/`outputlookup`/`collect` and spelunk's exports
//! (`-o json`, `ndjson`, `csv`) see the original values. spelunk's display
//! is the table (`-o table`): there [`display_rows`] evaluates the search's
//! `fieldformat` expressions, in pipeline order, on each final result and
//! shows what they give (a null result leaves the value as it is). The
//! expressions see the final results (what the page's "use the fieldformat
//! command as late in the search pipeline as possible" aims at); those in
//! subsearches are not applied, as subsearch results are never displayed.

use crate::commands::CommandArgs;
use crate::error::Result;
use crate::eval::{parse_assignments, Assignment, EvalContext, EvalValue};
use crate::event::Event;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::ast::Pipeline;
use crate::syntax::parser::Parser;

/// `fieldformat <field>=<eval-expression>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Fieldformat {
    /// The field and its display expression.
    pub assignment: Assignment,
}

/// Parses `fieldformat`'s one assignment (eval syntax).
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let (text, span) = p.rest_of_command();
    let mut assignments = parse_assignments(&text, span.start)?;
    if assignments.len() != 1 {
        return Err(crate::commands::common::bad(
            "fieldformat",
            "takes one `<field>=<eval-expression>`; use one fieldformat command per field",
            name_span.to(span),
        ));
    }
    Ok(CommandArgs::Fieldformat(Fieldformat {
        assignment: assignments.remove(0),
    }))
}

impl super::Command for Fieldformat {
    /// Passes the results on unchanged: only the display changes.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        Ok(input)
    }
}

/// The `fieldformat` commands of a search's main pipeline, in order.
pub fn formats(pipeline: &Pipeline) -> Vec<&Fieldformat> {
    pipeline
        .commands
        .iter()
        .filter_map(|c| match &c.args {
            CommandArgs::Fieldformat(f) => Some(f),
            _ => None,
        })
        .collect()
}

/// The rows as displayed: each of the pipeline's `fieldformat` expressions
/// applied to each row, and the columns with any field only a format
/// creates added at the end. None when the search has no `fieldformat`.
pub fn display_rows(
    pipeline: &Pipeline,
    rows: &[Event],
    columns: &[String],
    ctx: &EvalContext,
) -> Result<Option<(Vec<Event>, Vec<String>)>> {
    let formats = formats(pipeline);
    if formats.is_empty() {
        return Ok(None);
    }
    let mut columns = columns.to_vec();
    let mut shown = Vec::with_capacity(rows.len());
    for row in rows {
        let mut display = row.clone();
        for f in &formats {
            let a = &f.assignment;
            // Evaluated on the row's own values, not on earlier formats'.
            let value = a.expr.eval(row, ctx)?;
            if let EvalValue::Bool(_) = value {
                return Err(crate::commands::eval::boolean_result(a.expr.span));
            }
            if let Some(v) = value.into_value() {
                display.set(a.field.clone(), v);
                if !columns.contains(&a.field) {
                    columns.push(a.field.clone());
                }
            }
        }
        shown.push(display);
    }
    Ok(Some((shown, columns)))
}

/// The registry entries of `fieldformat`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "fieldformat",
        aliases: &[],
        parse,
    },
];
