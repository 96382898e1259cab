//! `accum`: a running total of a numeric field, in pipeline order.
//!
//! Docs: <https://help.splunk.com/splunk-cloud-platform/spl-search-reference/9.3.2408/search-commands/accum>:
//! `accum <field> [AS <newfield>]`; "for each event where field is a
//! number" the running sum is written to `<newfield>`, or back into
//! `<field>` without `AS`. Choices where the page is silent: an event whose
//! field is missing, not a number or a multivalue is passed through
//! unchanged and does not move the total.

use crate::commands::common::{at_option, bad, option, unknown_option};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

/// `accum views AS Total`.
#[derive(Debug, Clone, PartialEq)]
pub struct Accum {
    /// The field summed.
    pub field: String,
    /// Where the running total goes (the field itself without `AS`).
    pub out: String,
}

/// Parses `accum`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let c = "accum";
    if at_option(p) {
        let (key, _, span) = option(p)?;
        return Err(unknown_option(c, &key, span));
    }
    if p.at_command_end() {
        return Err(bad(c, "a field name is required", name_span));
    }
    let (field, _) = p.field_name("a field name")?;
    let out = if p.eat_keyword("as") {
        p.field_name("a new field name after AS")?.0
    } else {
        field.clone()
    };
    if at_option(p) {
        let (key, _, span) = option(p)?;
        return Err(unknown_option(c, &key, span));
    }
    if !p.at_command_end() {
        return Err(p.expected("the end of `accum` (one field and an optional AS name)"));
    }
    Ok(CommandArgs::Accum(Accum { field, out }))
}

/// A single numeric value: a multivalue is not a number here.
pub(crate) fn single_number(v: &Value) -> Option<f64> {
    match v {
        Value::Multi(_) => None,
        other => other.as_number(),
    }
}

impl super::Command for Accum {
    /// Adds the running total to each event whose field is a number.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        let mut total = 0.0;
        Ok(Box::new(input.map(move |row| {
            row.map(|mut event| {
                if let Some(n) = event.get(&self.field).and_then(single_number) {
                    total += n;
                    event.set(self.out.clone(), Value::Num(total));
                }
                event
            })
        })))
    }
}

/// The registry entries of `accum`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "accum",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::common::one_field;

    fn run(c: &Accum, vals: &[Option<&str>]) -> Vec<Option<String>> {
        one_field::texts(crate::commands::apply_in_test(c, one_field::rows(vals)), &c.out)
    }

    #[test]
    fn non_numbers_are_skipped_and_do_not_move_the_total() {
        let c = Accum {
            field: "x".into(),
            out: "t".into(),
        };
        let got = run(&c, &[Some("1"), Some("abc"), None, Some("2.5")]);
        assert_eq!(got, vec![Some("1".into()), None, None, Some("3.5".into())]);
    }

    #[test]
    fn without_as_the_field_itself_is_replaced() {
        let c = Accum {
            field: "x".into(),
            out: "x".into(),
        };
        assert_eq!(
            run(&c, &[Some("2"), Some("3")]),
            vec![Some("2".into()), Some("5".into())]
        );
    }

    #[test]
    fn runs_in_pipeline_order_not_in_parallel_chunks() {
        // A running value depends on every earlier row, so the planner must
        // not put it in the parallel streaming prefix.
        let parsed = crate::syntax::parse("a=1 | accum x").expect("parses");
        let plan = crate::plan::Plan::of(&parsed);
        assert_eq!(plan.streaming_prefix, 1);
        assert_eq!(plan.commands[1].class, crate::plan::StreamClass::Blocking);
    }
}
