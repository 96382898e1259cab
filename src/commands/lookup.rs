//! `lookup`: enriches results with matching rows of a lookup table.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.1/search-commands/lookup>
//! and the matching rules (`match_type`, `case_sensitive_match`,
//! `max_matches`, `min_matches`, `default_match`):
//! <https://help.splunk.com/splunk-enterprise/manage-knowledge-objects/knowledge-management-manual/9.4/use-the-configuration-files-to-configure-lookups/add-field-matching-rules-to-your-lookup-configuration>.

use crate::commands::common::{at_option, bad, option};
use crate::commands::CommandArgs;
use crate::error::{Error, Result};
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::Parser;

/// `lookup users uid AS user_id OUTPUT name AS full_name, dept`.
#[derive(Debug, Clone, PartialEq)]
pub struct Lookup {
    /// The lookup name (definition or `.csv` file).
    pub name: String,
    /// Where the name is written.
    pub name_span: Span,
    /// (lookup column, event field) pairs that must match.
    pub inputs: Vec<(String, String)>,
    /// (lookup column, event field) pairs to write; empty = every other column.
    pub outputs: Vec<(String, String)>,
    /// `OUTPUTNEW`: only write fields the result does not have.
    pub output_new: bool,
}

/// Parses `lookup`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    while at_option(p) {
        let (key, _, span) = option(p)?;
        if key != "local" && key != "update" {
            return Err(crate::commands::common::unknown_option(
                "lookup", &key, span,
            ));
        }
    }
    let (name, lspan) = p.value("a lookup name")?;
    let inputs = field_pairs(p)?;
    if inputs.is_empty() {
        return Err(bad(
            "lookup",
            "expected at least one lookup field to match",
            name_span.to(lspan),
        ));
    }
    let mut outputs = Vec::new();
    let mut output_new = false;
    if p.at_keyword("output") || p.at_keyword("outputnew") {
        let (kw, kspan) = p.word("OUTPUT")?;
        output_new = kw.eq_ignore_ascii_case("outputnew");
        outputs = field_pairs(p)?;
        if outputs.is_empty() {
            return Err(bad(
                "lookup",
                format!("expected fields after `{kw}`"),
                kspan,
            ));
        }
    }
    Ok(CommandArgs::Lookup(Lookup {
        name,
        name_span: lspan,
        inputs,
        outputs,
        output_new,
    }))
}

/// `<field> [AS <name>]` pairs separated by spaces or commas, up to
/// `OUTPUT`/`OUTPUTNEW` or the end of the command.
fn field_pairs(p: &mut Parser) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    while !p.at_command_end() && !p.at_keyword("output") && !p.at_keyword("outputnew") {
        if p.eat(&Tok::Comma) {
            continue;
        }
        let (column, _) = p.field_name("a lookup field")?;
        let field = if p.eat_keyword("as") {
            p.field_name("a field name after `AS`")?.0
        } else {
            column.clone()
        };
        out.push((column, field));
    }
    Ok(out)
}

impl super::Command for Lookup {
    /// Adds the output fields to every row.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        if let Some(notice) = ctx.lookups.table_notice(&self.name) {
            ctx.notice(notice);
        }
        let matcher = ctx
            .prepared
            .get(ctx.lookups, &self.name, &self.inputs, &self.outputs)
            .map_err(|message| Error::Lookup {
                name: self.name.clone(),
                message,
                span: Some(self.name_span),
            })?;
        Ok(Box::new(input.map(move |row| {
            row.map(|mut event| {
                matcher.enrich(&mut event, self.output_new);
                event
            })
        })))
    }
}

/// The registry entries of `lookup`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "lookup",
        aliases: &[],
        parse,
    },
];
