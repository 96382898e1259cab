//! `autoregress`: copies a field's values from earlier results into the
//! current one, in pipeline order.
//!
//! Docs: <https://help.splunk.com/splunk-cloud-platform/spl-search-reference/9.3.2408/search-commands/autoregress>:
//! `autoregress <field> [AS <newfield>] [p=<int> | p=<int>-<int>]`, `p`
//! default 1; the value of the p-th prior result is copied; without
//! `<newfield>` the copies go to `<field>_p<num>`; `<newfield>` is invalid
//! with a range; the first results lack the copies (no prior value).
//! Choices where the page is silent: a prior result without the field gives
//! no copy; the value is copied as it is (multivalues too); `p` values must
//! be at least 1 and a range must not run backwards.

use crate::commands::common::{at_option, bad, option, unknown_option};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;
use std::collections::VecDeque;

/// `autoregress count p=2-4`.
#[derive(Debug, Clone, PartialEq)]
pub struct Autoregress {
    /// The field copied.
    pub field: String,
    /// The lags copied, with the field each copy goes to.
    pub lags: Vec<(usize, String)>,
}

/// Parses `p=<int>` or `p=<int>-<int>`.
fn parse_p(c: &str, value: &str, span: Span) -> Result<(usize, usize)> {
    let one = |t: &str| -> Result<usize> {
        match t.trim().parse::<usize>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(bad(
                c,
                format!(
                    "`p` must be a whole number of at least 1 or a range like 2-4, found `{value}`"
                ),
                span,
            )),
        }
    };
    let (lo, hi) = match value.split_once('-') {
        Some((a, b)) => (one(a)?, one(b)?),
        None => {
            let n = one(value)?;
            (n, n)
        }
    };
    if lo > hi {
        return Err(bad(
            c,
            format!("the `p` range `{value}` runs backwards"),
            span,
        ));
    }
    Ok((lo, hi))
}

/// Reads `p=` options (before or after the field); the last one wins.
fn p_option(p: &mut Parser, c: &str, current: &mut Option<(usize, usize, Span)>) -> Result<()> {
    while at_option(p) {
        let (key, value, span) = option(p)?;
        if key != "p" {
            return Err(unknown_option(c, &key, span));
        }
        let (lo, hi) = parse_p(c, &value, span)?;
        *current = Some((lo, hi, span));
    }
    Ok(())
}

/// Parses `autoregress`' arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let c = "autoregress";
    let mut range = None;
    p_option(p, c, &mut range)?;
    if p.at_command_end() {
        return Err(bad(c, "a field name is required", name_span));
    }
    let (field, _) = p.field_name("a field name")?;
    let newfield = if p.eat_keyword("as") {
        Some(p.field_name("a new field name after AS")?.0)
    } else {
        None
    };
    p_option(p, c, &mut range)?;
    if !p.at_command_end() {
        return Err(p.expected("the end of `autoregress` (one field, an optional AS name and p=)"));
    }
    let (lo, hi) = match range {
        Some((lo, hi, span)) => {
            if lo != hi && newfield.is_some() {
                return Err(bad(c, "AS <newfield> is invalid when `p` is a range", span));
            }
            (lo, hi)
        }
        None => (1, 1),
    };
    let lags = (lo..=hi)
        .map(|n| {
            let name = match &newfield {
                Some(f) => f.clone(),
                None => format!("{field}_p{n}"),
            };
            (n, name)
        })
        .collect();
    Ok(CommandArgs::Autoregress(Autoregress { field, lags }))
}

impl super::Command for Autoregress {
    /// Copies the earlier values.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        let depth = self.lags.iter().map(|(n, _)| *n).max().unwrap_or(0);
        // The field's value in each of the last `depth` results, newest first.
        let mut history: VecDeque<Option<Value>> = VecDeque::with_capacity(depth + 1);
        Ok(Box::new(input.map(move |row| {
            row.map(|mut event| {
                for (n, name) in &self.lags {
                    if let Some(Some(v)) = n.checked_sub(1).and_then(|i| history.get(i)) {
                        event.set(name.clone(), v.clone());
                    }
                }
                history.push_front(event.get(&self.field).cloned());
                history.truncate(depth);
                event
            })
        })))
    }
}

/// The registry entries of `autoregress`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "autoregress",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;

    #[test]
    fn p_parses_a_number_or_a_range_and_refuses_the_rest() {
        let s = Span::default();
        assert_eq!(parse_p("autoregress", "3", s).ok(), Some((3, 3)));
        assert_eq!(parse_p("autoregress", "2-4", s).ok(), Some((2, 4)));
        for bad_p in ["0", "4-2", "x", "1-", "-1"] {
            assert!(parse_p("autoregress", bad_p, s).is_err(), "{bad_p}");
        }
    }

    #[test]
    fn copies_come_from_the_right_prior_results() {
        let c = Autoregress {
            field: "x".into(),
            lags: vec![(1, "x_p1".into()), (2, "x_p2".into())],
        };
        let rows: Vec<Result<Event>> = ["a", "b", "c"]
            .iter()
            .map(|v| {
                let mut e = Event::new();
                e.set("x", Value::from(*v));
                Ok(e)
            })
            .collect();
        let out: Vec<Event> = crate::commands::apply_in_test(&c, Box::new(rows.into_iter()))
            .expect("apply")
            .map(|r| r.expect("row"))
            .collect();
        let text = |e: &Event, f: &str| e.get(f).map(|v| v.to_text().into_owned());
        assert_eq!(text(&out[0], "x_p1"), None);
        assert_eq!(text(&out[1], "x_p1").as_deref(), Some("a"));
        assert_eq!(text(&out[1], "x_p2"), None);
        assert_eq!(text(&out[2], "x_p1").as_deref(), Some("b"));
        assert_eq!(text(&out[2], "x_p2").as_deref(), Some("a"));
    }

    #[test]
    fn runs_in_pipeline_order_not_in_parallel_chunks() {
        // A running value depends on every earlier row, so the planner must
        // not put it in the parallel streaming prefix.
        let parsed = crate::syntax::parse("a=1 | autoregress x").expect("parses");
        let plan = crate::plan::Plan::of(&parsed);
        assert_eq!(plan.streaming_prefix, 1);
        assert_eq!(plan.commands[1].class, crate::plan::StreamClass::Blocking);
    }
}
