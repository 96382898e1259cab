//! `eventstats` and `streamstats`: stats added to every result instead of
//! replacing them.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.1/search-commands/eventstats>,
//! <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.1/search-commands/streamstats>.

use std::collections::{HashMap, VecDeque};

use crate::commands::common::{
    at_option, bool_opt, collect, count_opt, eval_option_value, option, time_span_seconds,
    unknown_option,
};
use crate::commands::stats::{aggregations_and_by, group_keys, Aggregation};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::eval::{EvalContext, Expr, Scope};
use crate::event::Event;
use crate::exec::{Context, Rows};
use crate::functions::stats::AggState;
use crate::source::Span;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::Parser;

/// `eventstats [allnum=<bool>] <agg>... [BY <field>...]`, e.g.
/// `eventstats avg(bytes) AS avg_bytes BY user`.
#[derive(Debug, Clone, PartialEq)]
pub struct Eventstats {
    /// The aggregations.
    pub aggs: Vec<Aggregation>,
    /// The group-by fields.
    pub by: Vec<String>,
    /// `allnum=true`.
    pub allnum: bool,
}

/// Parses `eventstats`' arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let mut allnum = false;
    while at_option(p) {
        let (key, value, span) = option(p)?;
        match key.as_str() {
            "allnum" => allnum = bool_opt("eventstats", &key, &value, span)?,
            _ => return Err(unknown_option("eventstats", &key, span)),
        }
    }
    let (aggs, by) = aggregations_and_by(p, "eventstats", name_span)?;
    Ok(CommandArgs::Eventstats(Eventstats { aggs, by, allnum }))
}

fn fresh(aggs: &[Aggregation]) -> Vec<AggState> {
    aggs.iter().map(|a| a.func.start()).collect()
}

impl Eventstats {
    /// Computes each group's aggregates and writes them into its results;
    /// results with a null by-field get none.
    pub fn apply<'a>(&'a self, input: Rows<'a>) -> Result<Rows<'a>> {
        let rows = collect(input)?;
        let mut groups: HashMap<Vec<String>, Vec<AggState>> = HashMap::new();
        for event in &rows {
            for key in group_keys(&self.by, event) {
                let states = groups.entry(key).or_insert_with(|| fresh(&self.aggs));
                for (state, agg) in states.iter_mut().zip(&self.aggs) {
                    state.update(event, agg.field.as_deref());
                }
            }
        }
        let results: HashMap<Vec<String>, Vec<Option<crate::value::Value>>> = groups
            .into_iter()
            .map(|(k, states)| {
                let vals = states
                    .into_iter()
                    .map(|s| s.finish_with(self.allnum))
                    .collect();
                (k, vals)
            })
            .collect();
        let out = rows.into_iter().map(move |mut event| {
            // A multivalue by-field puts a result in several groups; the
            // first one is written.
            if let Some(vals) = group_keys(&self.by, &event)
                .first()
                .and_then(|k| results.get(k))
            {
                for (agg, v) in self.aggs.iter().zip(vals) {
                    event.set_opt(agg.output.clone(), v.clone());
                }
            }
            Ok(event)
        });
        Ok(Box::new(out))
    }
}

/// `streamstats [current=<bool>] [window=<int>] [global=<bool>]
/// [reset_on_change=<bool>] [reset_before=(<expr>)] [reset_after=(<expr>)]
/// [time_window=<span>] <agg>... [BY <field>...]`,
/// e.g. `streamstats count AS n BY user`: running statistics in result order.
#[derive(Debug, Clone, PartialEq)]
pub struct Streamstats {
    /// The aggregations.
    pub aggs: Vec<Aggregation>,
    /// The group-by fields.
    pub by: Vec<String>,
    /// Include the current result (default true).
    pub current: bool,
    /// Only the last N results count (0 = all).
    pub window: usize,
    /// Only results within this many seconds of the current one count.
    pub time_window: Option<f64>,
    /// Reset every statistic when a by-field value changes.
    pub reset_on_change: bool,
    /// `reset_before=(<expr>)`: reset before a result for which it is true.
    pub reset_before: Option<Expr>,
    /// `reset_after=(<expr>)`: reset after a result (with its statistics
    /// added) for which it is true.
    pub reset_after: Option<Expr>,
}

/// Parses `streamstats`' arguments.
pub fn parse_streamstats(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let c = "streamstats";
    let (mut current, mut window, mut time_window, mut reset_on_change) = (true, 0, None, false);
    let (mut reset_before, mut reset_after) = (None, None);
    while at_option(p) {
        if p.at_keyword("reset_before") || p.at_keyword("reset_after") {
            let (key, _) = p.word("an option")?;
            p.expect(&Tok::Eq, "`=`")?;
            let what = format!("`{}`", key.to_ascii_lowercase());
            let expr = eval_option_value(p, &what)?;
            if key.eq_ignore_ascii_case("reset_before") {
                reset_before = Some(expr);
            } else {
                reset_after = Some(expr);
            }
            continue;
        }
        let (key, value, span) = option(p)?;
        match key.as_str() {
            "current" => current = bool_opt(c, &key, &value, span)?,
            "window" => window = count_opt(c, &key, &value, span)?,
            "global" | "allnum" => {
                bool_opt(c, &key, &value, span)?;
            }
            "reset_on_change" => reset_on_change = bool_opt(c, &key, &value, span)?,
            "time_window" => {
                time_window = Some(time_span_seconds(&value).ok_or_else(|| {
                    crate::commands::common::bad(c, format!("`{value}` is not a span"), span)
                })?)
            }
            _ => return Err(unknown_option(c, &key, span)),
        }
    }
    let (aggs, by) = aggregations_and_by(p, c, name_span)?;
    Ok(CommandArgs::Streamstats(Streamstats {
        aggs,
        by,
        current,
        window,
        time_window,
        reset_on_change,
        reset_before,
        reset_after,
    }))
}

impl Streamstats {
    /// Adds running statistics to each result.
    pub fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let ectx = EvalContext::at(ctx.now, ctx.tz);
        let mut windows: HashMap<Vec<String>, VecDeque<Event>> = HashMap::new();
        let mut running: HashMap<Vec<String>, Vec<AggState>> = HashMap::new();
        let mut previous: Option<Vec<String>> = None;
        let unbounded = self.window == 0 && self.time_window.is_none();
        Ok(Box::new(input.map(move |row| {
            let mut event = row?;
            if let Some(expr) = &self.reset_before {
                if expr.eval_condition(&Scope::new(&event, &ectx), "streamstats reset_before")?
                    == Some(true)
                {
                    windows.clear();
                    running.clear();
                }
            }
            let Some(key) = group_keys(&self.by, &event).into_iter().next() else {
                return Ok(event);
            };
            if self.reset_on_change && previous.as_ref().is_some_and(|p| *p != key) {
                windows.clear();
                running.clear();
            }
            previous = Some(key.clone());
            if unbounded {
                // Without a window the statistics are simply running totals.
                let states = running.entry(key).or_insert_with(|| fresh(&self.aggs));
                let update = |states: &mut Vec<AggState>| {
                    for (state, agg) in states.iter_mut().zip(&self.aggs) {
                        state.update(&event, agg.field.as_deref());
                    }
                };
                if self.current {
                    update(states);
                }
                let values: Vec<_> = states.iter().map(|s| s.clone().finish()).collect();
                if !self.current {
                    update(states);
                }
                for (agg, v) in self.aggs.iter().zip(values) {
                    event.set_opt(agg.output.clone(), v);
                }
                if self.resets_after(&event, &ectx)? {
                    windows.clear();
                    running.clear();
                }
                return Ok(event);
            }
            let window = windows.entry(key).or_default();
            if let (Some(span), Some(now)) = (self.time_window, event.time()) {
                window.retain(|e| e.time().is_none_or(|t| (now - t).abs() <= span));
            }
            if self.current {
                window.push_back(event.clone());
                self.trim(window);
            }
            let mut states = fresh(&self.aggs);
            for past in window.iter() {
                for (state, agg) in states.iter_mut().zip(&self.aggs) {
                    state.update(past, agg.field.as_deref());
                }
            }
            if !self.current {
                window.push_back(event.clone());
                self.trim(window);
            }
            for (agg, state) in self.aggs.iter().zip(states) {
                event.set_opt(agg.output.clone(), state.finish());
            }
            if self.resets_after(&event, &ectx)? {
                windows.clear();
                running.clear();
            }
            Ok(event)
        })))
    }

    fn resets_after(&self, event: &Event, ectx: &EvalContext) -> Result<bool> {
        match &self.reset_after {
            Some(expr) => Ok(expr
                .eval_condition(&Scope::new(event, ectx), "streamstats reset_after")?
                == Some(true)),
            None => Ok(false),
        }
    }

    fn trim(&self, window: &mut VecDeque<Event>) {
        if self.window > 0 {
            while window.len() > self.window {
                window.pop_front();
            }
        }
    }
}
