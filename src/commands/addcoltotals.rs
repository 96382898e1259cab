//! `addcoltotals`: appends one summary result holding each numeric field's
//! column total.
//!
//! Docs: <https://help.splunk.com/splunk-cloud-platform/spl-search-reference/9.3.2408/search-commands/addcoltotals>:
//! `addcoltotals [labelfield=<field>] [label=<string>] [<wc-field-list>]`;
//! `label` (default `Total`) has no effect without `labelfield`. The
//! `addtotals` page says `addtotals col=true` computes the same summary
//! event, so this parses into [`Addtotals`] with `row=false col=true` and
//! shares its execution (and its documented choices on `_` fields and
//! multivalues).

use crate::commands::addtotals::Addtotals;
use crate::commands::common::{at_option, option, unknown_option};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::source::Span;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::Parser;

/// Parses `addcoltotals`' arguments into the equivalent `addtotals row=f col=t`.
pub fn parse(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    let c = "addcoltotals";
    let mut out = Addtotals {
        row: false,
        col: true,
        labelfield: None,
        label: "Total".into(),
        fieldname: "Total".into(),
        fields: Vec::new(),
    };
    while !p.at_command_end() {
        if at_option(p) {
            let (key, value, span) = option(p)?;
            match key.as_str() {
                "labelfield" => out.labelfield = Some(value),
                "label" => out.label = value,
                // `row`, `col` and `fieldname` belong to addtotals only.
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

/// The registry entries of `addcoltotals`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "addcoltotals",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use crate::commands::CommandArgs;
    use crate::syntax::ast::Command;

    #[test]
    fn parses_to_column_totals_only() {
        let pipeline = crate::syntax::parser::parse("x=1 | addcoltotals labelfield=n label=ALL a*")
            .expect("parses");
        let first: &Command = pipeline.commands.last().expect("two commands");
        match &first.args {
            CommandArgs::Addtotals(a) => {
                assert!(!a.row && a.col);
                assert_eq!(a.labelfield.as_deref(), Some("n"));
                assert_eq!(a.label, "ALL");
                assert_eq!(a.fields, vec!["a*".to_string()]);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
