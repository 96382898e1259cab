//! `concurrency`: how many events were in progress when each event started.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/concurrency>:
//! `concurrency duration=<field> [start=<field>] [output=<field>]`, `start`
//! default `_time`, `output` default `concurrency`; the count is "the total
//! number of events in progress at the time that each particular event
//! started, including the event itself"; "an event X is concurrent with
//! event Y if X.start is between Y.start and (Y.start + Y.duration)"; a
//! dataset processing command (it needs every result, so it is never run on
//! parallel chunks).
//!
//! Choices where the page is silent: "between" is read as the half-open
//! span `[Y.start, Y.start + Y.duration)` (an event that ended exactly when
//! X started is no longer in progress); an event always counts itself, even
//! with a zero duration; a result whose start or duration is missing or not
//! a single number gets no output field and counts for no other event; a
//! negative duration is treated as zero; results keep their order.

use crate::commands::accum::single_number;
use crate::commands::common::{at_option, bad, collect, option, unknown_option};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

/// `concurrency duration=total_time output=foo`.
#[derive(Debug, Clone, PartialEq)]
pub struct Concurrency {
    /// The field holding each event's span.
    pub duration: String,
    /// The field holding each event's start (default `_time`).
    pub start: String,
    /// The output field (default `concurrency`).
    pub output: String,
}

/// Parses `concurrency`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let c = "concurrency";
    let mut duration = None;
    let mut start = "_time".to_string();
    let mut output = "concurrency".to_string();
    while !p.at_command_end() {
        if !at_option(p) {
            return Err(p.expected("`duration=`, `start=` or `output=`"));
        }
        let (key, value, span) = option(p)?;
        match key.as_str() {
            "duration" => duration = Some(value),
            "start" => start = value,
            "output" => output = value,
            _ => return Err(unknown_option(c, &key, span)),
        }
    }
    let duration = duration.ok_or_else(|| bad(c, "`duration=<field>` is required", name_span))?;
    Ok(CommandArgs::Concurrency(Concurrency {
        duration,
        start,
        output,
    }))
}

/// For each `(start, duration)` span, the number of spans in progress at its
/// start, itself included: `#(starts <= s) - #(ends <= s)`, plus one when its
/// own span is empty (it ends where it starts, so the difference missed it).
fn counts(spans: &[(f64, f64)]) -> Vec<usize> {
    let mut starts: Vec<f64> = spans.iter().map(|s| s.0).collect();
    let mut ends: Vec<f64> = spans.iter().map(|s| s.0 + s.1.max(0.0)).collect();
    starts.sort_by(f64::total_cmp);
    ends.sort_by(f64::total_cmp);
    spans
        .iter()
        .map(|&(s, d)| {
            let started = starts.partition_point(|&x| x <= s);
            let ended = ends.partition_point(|&x| x <= s);
            started.saturating_sub(ended) + usize::from(d <= 0.0)
        })
        .collect()
}

impl super::Command for Concurrency {
    /// Writes each result's concurrency.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        let mut rows = collect(input)?;
        let spans: Vec<Option<(f64, f64)>> = rows
            .iter()
            .map(|e| {
                let s = e.get(&self.start).and_then(single_number)?;
                let d = e.get(&self.duration).and_then(single_number)?;
                Some((s, d))
            })
            .collect();
        let known: Vec<(f64, f64)> = spans.iter().flatten().copied().collect();
        let mut counted = counts(&known).into_iter();
        for (event, span) in rows.iter_mut().zip(&spans) {
            if span.is_some() {
                if let Some(n) = counted.next() {
                    event.set(self.output.clone(), Value::Num(n as f64));
                }
            }
        }
        Ok(Box::new(rows.into_iter().map(Ok)))
    }
}

/// The registry entries of `concurrency`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "concurrency",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_spans_in_progress_at_each_start() {
        // [0,10) [5,7) [7,8) [10,10) [20,25)
        let spans = [
            (0.0, 10.0),
            (5.0, 2.0),
            (7.0, 1.0),
            (10.0, 0.0),
            (20.0, 5.0),
        ];
        // At 5: the first and itself. At 7: first and itself ([5,7) ended).
        // At 10: only itself (the first ended at 10). At 20: itself.
        assert_eq!(counts(&spans), [1, 2, 2, 1, 1]);
    }

    #[test]
    fn equal_starts_count_each_other() {
        let spans = [(3.0, 4.0), (3.0, 1.0), (3.0, 0.0)];
        assert_eq!(counts(&spans), [2, 2, 3]);
    }

    #[test]
    fn is_never_run_on_parallel_chunks() {
        let parsed = crate::syntax::parse("a=1 | concurrency duration=d").expect("parses");
        let plan = crate::plan::Plan::of(&parsed);
        assert_eq!(plan.streaming_prefix, 1);
    }
}
