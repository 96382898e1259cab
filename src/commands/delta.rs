//! `delta`: the difference between a numeric field's value in the current
//! result and in a result `p` places earlier, in pipeline order.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/delta>:
//! `delta <field> [AS <newfield>] [p=<int>]`, output `delta(<field>)` by
//! default, `p` default 1; "if <field> is not a numeric field, no output
//! field is generated"; the comparison is in search order (so values
//! ascending over time give negative deltas for newest-first events).
//! Choices where the page is silent: the earlier result is the one `p`
//! results back in the pipeline; when it or the current result has no
//! single numeric value, no output field is written; `p` must be a whole
//! number of at least 1.

use crate::commands::accum::single_number;
use crate::commands::common::{at_option, bad, count_opt, option, unknown_option};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;
use std::collections::VecDeque;

/// `delta count AS countdiff p=2`.
#[derive(Debug, Clone, PartialEq)]
pub struct Delta {
    /// The field compared.
    pub field: String,
    /// The output field (default `delta(<field>)`).
    pub out: String,
    /// How many results back to compare with (default 1).
    pub p: usize,
}

/// Reads `p=` if present (it may come before or after the field).
fn p_option(p: &mut Parser, c: &str, current: &mut usize) -> Result<()> {
    while at_option(p) {
        let (key, value, span) = option(p)?;
        if key != "p" {
            return Err(unknown_option(c, &key, span));
        }
        let n = count_opt(c, &key, &value, span)?;
        if n == 0 {
            return Err(bad(c, "`p` must be at least 1", span));
        }
        *current = n;
    }
    Ok(())
}

/// Parses `delta`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let c = "delta";
    let mut lag = 1;
    p_option(p, c, &mut lag)?;
    if p.at_command_end() {
        return Err(bad(c, "a field name is required", name_span));
    }
    let (field, _) = p.field_name("a field name")?;
    let out = if p.eat_keyword("as") {
        p.field_name("a new field name after AS")?.0
    } else {
        format!("delta({field})")
    };
    p_option(p, c, &mut lag)?;
    if !p.at_command_end() {
        return Err(p.expected("the end of `delta` (one field, an optional AS name and p=)"));
    }
    Ok(CommandArgs::Delta(Delta { field, out, p: lag }))
}

impl super::Command for Delta {
    /// Writes the differences.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        // The field's numeric value in each of the last `p` results, oldest first.
        let mut window: VecDeque<Option<f64>> = VecDeque::with_capacity(self.p + 1);
        Ok(Box::new(input.map(move |row| {
            row.map(|mut event| {
                let current = event.get(&self.field).and_then(single_number);
                let prior = if window.len() == self.p {
                    window.pop_front().flatten()
                } else {
                    None
                };
                if let (Some(now), Some(then)) = (current, prior) {
                    event.set(self.out.clone(), Value::Num(now - then));
                }
                window.push_back(current);
                event
            })
        })))
    }
}

/// The registry entries of `delta`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "delta",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::common::one_field;

    fn run(c: &Delta, vals: &[Option<&str>]) -> Vec<Option<String>> {
        one_field::texts(crate::commands::apply_in_test(c, one_field::rows(vals)), &c.out)
    }

    #[test]
    fn p_two_compares_with_two_results_back() {
        let c = Delta {
            field: "x".into(),
            out: "d".into(),
            p: 2,
        };
        let got = run(&c, &[Some("1"), Some("5"), Some("4"), None, Some("10")]);
        assert_eq!(
            got,
            vec![None, None, Some("3".into()), None, Some("6".into())]
        );
    }

    #[test]
    fn a_non_number_on_either_side_gives_no_output() {
        let c = Delta {
            field: "x".into(),
            out: "d".into(),
            p: 1,
        };
        let got = run(&c, &[Some("3"), Some("abc"), Some("7"), Some("2")]);
        assert_eq!(got, vec![None, None, None, Some("-5".into())]);
    }

    #[test]
    fn runs_in_pipeline_order_not_in_parallel_chunks() {
        // A running value depends on every earlier row, so the planner must
        // not put it in the parallel streaming prefix.
        let parsed = crate::syntax::parse("a=1 | delta x").expect("parses");
        let plan = crate::plan::Plan::of(&parsed);
        assert_eq!(plan.streaming_prefix, 1);
        assert_eq!(plan.commands[1].class, crate::plan::StreamClass::Blocking);
    }
}
