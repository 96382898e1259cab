//! `trendline`: moving averages of numeric fields, in pipeline order.
//!
//! Docs: <https://help.splunk.com/splunk-cloud-platform/spl-search-reference/9.3.2408/search-commands/trendline>:
//! `trendline ( <trendtype><period>"("<field>")" [AS <newfield>] )...`,
//! trendtype `sma | ema | wma`, period "an integer between 2 and 10000",
//! output `<trendtype><period>(<field>)` without `AS`. "SMA and WMA both
//! compute a sum over the period of most recent values. WMA puts more weight
//! on recent values"; "EMA(t) = alpha * EMA(t-1) + (1 - alpha) * field(t)
//! where alpha = 2/(period + 1)" (the page's formula, followed as written).
//!
//! Choices where the page is silent: no output until `period` numeric
//! values have been seen (Splunk's smoothing "does not start until" that
//! many points, as users report for `sma20`); we apply it to all three
//! types, seeding EMA with the first value; WMA weighs the i-th oldest of
//! the window by i (1..=period); a result whose field is missing, not a
//! number or multivalue gets no output and does not enter the window.

use std::collections::VecDeque;

use crate::commands::accum::single_number;
use crate::commands::common::{at_option, bad, option, unknown_option};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

/// The kind of moving average.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrendType {
    /// Simple moving average.
    Sma,
    /// Exponential moving average.
    Ema,
    /// Weighted moving average.
    Wma,
}

/// One `sma5(foo) AS smoothed_foo` term.
#[derive(Debug, Clone, PartialEq)]
pub struct Trend {
    /// sma, ema or wma.
    pub kind: TrendType,
    /// The number of values averaged (2..=10000).
    pub period: usize,
    /// The field averaged.
    pub field: String,
    /// The output field.
    pub out: String,
}

/// `trendline sma5(foo) AS smoothed_foo ema10(bar)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Trendline {
    /// The averages, computed independently.
    pub trends: Vec<Trend>,
}

/// Splits `sma5(foo)` into its type, period and field.
fn parse_term(text: &str, span: Span) -> Result<(TrendType, usize, String)> {
    let c = "trendline";
    let form = "expected <trendtype><period>(<field>), e.g. `sma5(foo)`";
    let (head, rest) = text
        .split_once('(')
        .ok_or_else(|| bad(c, format!("`{text}`: {form}"), span))?;
    let field = rest
        .strip_suffix(')')
        .filter(|f| !f.trim().is_empty())
        .ok_or_else(|| bad(c, format!("`{text}`: {form}"), span))?;
    let lower = head.to_ascii_lowercase();
    let (kind, digits) = if let Some(d) = lower.strip_prefix("sma") {
        (TrendType::Sma, d)
    } else if let Some(d) = lower.strip_prefix("ema") {
        (TrendType::Ema, d)
    } else if let Some(d) = lower.strip_prefix("wma") {
        (TrendType::Wma, d)
    } else {
        return Err(bad(
            c,
            format!("unknown trend type in `{text}` (expected sma, ema or wma)"),
            span,
        ));
    };
    let period: usize = digits.parse().map_err(|_| {
        bad(
            c,
            format!("`{text}`: the period must be a whole number"),
            span,
        )
    })?;
    if !(2..=10_000).contains(&period) {
        return Err(bad(
            c,
            format!("`{text}`: the period must be between 2 and 10000"),
            span,
        ));
    }
    Ok((kind, period, field.trim().to_string()))
}

/// Parses `trendline`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let c = "trendline";
    let mut trends = Vec::new();
    while !p.at_command_end() {
        if at_option(p) {
            let (key, _, span) = option(p)?;
            return Err(unknown_option(c, &key, span));
        }
        if p.eat(&crate::syntax::lexer::Tok::Comma) {
            continue;
        }
        let (text, span) = p.field_name("a trend such as `sma5(foo)`")?;
        let (kind, period, field) = parse_term(&text, span)?;
        let out = if p.eat_keyword("as") {
            p.field_name("a new field name after AS")?.0
        } else {
            text
        };
        trends.push(Trend {
            kind,
            period,
            field,
            out,
        });
    }
    if trends.is_empty() {
        return Err(bad(
            c,
            "at least one trend such as `sma5(foo)` is required",
            name_span,
        ));
    }
    Ok(CommandArgs::Trendline(Trendline { trends }))
}

/// The running state of one trend.
struct State {
    /// The last `period` values, oldest first.
    window: VecDeque<f64>,
    /// The EMA so far.
    ema: Option<f64>,
    /// How many values have been seen.
    seen: usize,
}

impl Trend {
    /// Takes the next value and returns the average to write, if any.
    fn step(&self, state: &mut State, x: f64) -> Option<f64> {
        state.seen += 1;
        if state.window.len() == self.period {
            state.window.pop_front();
        }
        state.window.push_back(x);
        let ema = match (self.kind, state.ema) {
            (TrendType::Ema, Some(prev)) => {
                let alpha = 2.0 / (self.period as f64 + 1.0);
                Some(alpha * prev + (1.0 - alpha) * x)
            }
            (TrendType::Ema, None) => Some(x),
            _ => None,
        };
        state.ema = ema;
        if state.seen < self.period {
            return None;
        }
        match self.kind {
            TrendType::Sma => Some(state.window.iter().sum::<f64>() / self.period as f64),
            TrendType::Wma => {
                let weighted: f64 = state
                    .window
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (i + 1) as f64 * v)
                    .sum();
                let weights = (self.period * (self.period + 1) / 2) as f64;
                Some(weighted / weights)
            }
            TrendType::Ema => ema,
        }
    }
}

impl super::Command for Trendline {
    /// Writes each trend's average to the results that have one.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        let mut states: Vec<State> = self
            .trends
            .iter()
            .map(|t| State {
                window: VecDeque::with_capacity(t.period),
                ema: None,
                seen: 0,
            })
            .collect();
        Ok(Box::new(input.map(move |row| {
            row.map(|mut event| {
                for (trend, state) in self.trends.iter().zip(states.iter_mut()) {
                    let Some(x) = event.get(&trend.field).and_then(single_number) else {
                        continue;
                    };
                    if let Some(avg) = trend.step(state, x) {
                        event.set(trend.out.clone(), Value::Num(avg));
                    }
                }
                event
            })
        })))
    }
}

/// The registry entries of `trendline`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "trendline",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::common::one_field;

    fn run(c: &Trendline, vals: &[&str]) -> Vec<Option<String>> {
        let vals: Vec<Option<&str>> = vals.iter().copied().map(Some).collect();
        one_field::texts(crate::commands::apply_in_test(c, one_field::rows(&vals)), &c.trends[0].out)
    }

    fn one(kind: TrendType, period: usize) -> Trendline {
        Trendline {
            trends: vec![Trend {
                kind,
                period,
                field: "x".into(),
                out: "t".into(),
            }],
        }
    }

    #[test]
    fn sma_and_wma_start_after_a_full_window_and_skip_non_numbers() {
        let sma = run(&one(TrendType::Sma, 2), &["1", "3", "abc", "7"]);
        assert_eq!(sma, [None, Some("2".into()), None, Some("5".into())]);
        // (1*1 + 2*3 + 3*8) / 6
        let wma = run(&one(TrendType::Wma, 3), &["1", "3", "8"]);
        assert_eq!(wma, [None, None, Some("5.166666666666667".into())]);
    }

    #[test]
    fn ema_follows_the_documented_formula() {
        // alpha = 2/3: 3 -> 2/3*3 + 1/3*6 = 4 -> 2/3*4 + 1/3*12 = 6.666..
        let ema = run(&one(TrendType::Ema, 2), &["3", "6", "12"]);
        assert_eq!(
            ema,
            [None, Some("4".into()), Some("6.666666666666666".into())]
        );
    }

    #[test]
    fn terms_parse_and_bad_periods_fail() {
        let s = Span::default();
        assert_eq!(
            parse_term("SMA5(foo)", s).expect("parses"),
            (TrendType::Sma, 5, "foo".to_string())
        );
        assert!(parse_term("sma1(foo)", s).is_err());
        assert!(parse_term("sma10001(foo)", s).is_err());
        assert!(parse_term("avg5(foo)", s).is_err());
        assert!(parse_term("sma5()", s).is_err());
    }

    #[test]
    fn runs_in_pipeline_order_not_in_parallel_chunks() {
        let parsed = crate::syntax::parse("a=1 | trendline sma2(x)").expect("parses");
        let plan = crate::plan::Plan::of(&parsed);
        assert_eq!(plan.streaming_prefix, 1);
        assert_eq!(plan.commands[1].class, crate::plan::StreamClass::Blocking);
    }
}
