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
use crate::value::Value;

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
        let mut windows: HashMap<Vec<String>, Window> = HashMap::new();
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
            let window = windows
                .entry(key)
                .or_insert_with(|| Window::new(&self.aggs));
            if let (Some(span), Some(now)) = (self.time_window, event.time()) {
                window.retain(&self.aggs, |e| {
                    e.time().is_none_or(|t| (now - t).abs() <= span)
                });
            }
            if self.current {
                window.push(&self.aggs, event.clone());
                self.trim(window);
            }
            let values = window.results(&self.aggs);
            if !self.current {
                window.push(&self.aggs, event.clone());
                self.trim(window);
            }
            for (agg, value) in self.aggs.iter().zip(values) {
                event.set_opt(agg.output.clone(), value);
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

    fn trim(&self, window: &mut Window) {
        if self.window > 0 {
            while window.events.len() > self.window {
                window.pop_front(&self.aggs);
            }
        }
    }
}

/// One group's window of results for `streamstats window=`/`time_window=`.
///
/// `count` and `dc` are kept up to date as results enter and leave (a
/// count, and a count per distinct value), so a row costs its own values;
/// recomputing them over the whole window per row was quadratic
/// (`window=1000 dc(user)`). Other functions are recomputed over the
/// window's results, as before.
#[derive(Debug)]
struct Window {
    events: VecDeque<Event>,
    /// Per aggregation, its sliding state if it has one.
    sliding: Vec<Option<Sliding>>,
}

/// An aggregation whose value follows from what enters and leaves.
#[derive(Debug)]
enum Sliding {
    /// How many results count (`count`, `count(f)`).
    Count(u64),
    /// How many results hold each distinct value (`dc(f)`).
    Distinct(HashMap<String, u64>),
}

impl Window {
    fn new(aggs: &[Aggregation]) -> Window {
        let sliding = aggs
            .iter()
            .map(|agg| match (agg.func.start(), &agg.expr) {
                (AggState::Count(_), None) => Some(Sliding::Count(0)),
                (AggState::Distinct(_), None) => Some(Sliding::Distinct(HashMap::new())),
                _ => None,
            })
            .collect();
        Window {
            events: VecDeque::new(),
            sliding,
        }
    }

    fn push(&mut self, aggs: &[Aggregation], event: Event) {
        self.account(aggs, &event, true);
        self.events.push_back(event);
    }

    fn pop_front(&mut self, aggs: &[Aggregation]) {
        if let Some(event) = self.events.pop_front() {
            self.account(aggs, &event, false);
        }
    }

    /// Keeps the results `keep` accepts, in order.
    fn retain(&mut self, aggs: &[Aggregation], mut keep: impl FnMut(&Event) -> bool) {
        let events = std::mem::take(&mut self.events);
        for event in events {
            if keep(&event) {
                self.events.push_back(event);
            } else {
                self.account(aggs, &event, false);
            }
        }
    }

    /// Adds (or takes away) one result's part of the sliding states, as
    /// `AggState::update` would count it.
    fn account(&mut self, aggs: &[Aggregation], event: &Event, entering: bool) {
        for (sliding, agg) in self.sliding.iter_mut().zip(aggs) {
            let value = agg.field.as_deref().and_then(|f| event.get(f));
            match sliding {
                None => {}
                Some(Sliding::Count(n)) if agg.field.is_none() || value.is_some() => {
                    *n = if entering {
                        *n + 1
                    } else {
                        n.saturating_sub(1)
                    };
                }
                Some(Sliding::Count(_)) => {}
                Some(Sliding::Distinct(seen)) => {
                    let Some(value) = value else { continue };
                    // Each distinct text of the result once, as a set
                    // update would add it.
                    let mut texts: Vec<String> =
                        value.texts().into_iter().map(|t| t.into_owned()).collect();
                    texts.sort_unstable();
                    texts.dedup();
                    for text in texts {
                        if entering {
                            *seen.entry(text).or_insert(0) += 1;
                        } else if let Some(n) = seen.get_mut(&text) {
                            *n -= 1;
                            if *n == 0 {
                                seen.remove(&text);
                            }
                        }
                    }
                }
            }
        }
    }

    /// Each aggregation's value over the window.
    fn results(&self, aggs: &[Aggregation]) -> Vec<Option<Value>> {
        let mut states: Vec<Option<AggState>> = self
            .sliding
            .iter()
            .zip(aggs)
            .map(|(s, agg)| s.is_none().then(|| agg.func.start()))
            .collect();
        if states.iter().any(Option::is_some) {
            for past in &self.events {
                for (state, agg) in states.iter_mut().zip(aggs) {
                    if let Some(state) = state {
                        state.update(past, agg.field.as_deref());
                    }
                }
            }
        }
        states
            .into_iter()
            .zip(&self.sliding)
            .map(|(state, sliding)| match (state, sliding) {
                (Some(state), _) => state.finish(),
                (None, Some(Sliding::Count(n))) => Some(Value::Num(*n as f64)),
                (None, Some(Sliding::Distinct(seen))) => Some(Value::Num(seen.len() as f64)),
                (None, None) => None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Rows with repeated, multivalue, numeric and missing values in two
    /// groups, no `_time` (so run order is input order).
    fn rows() -> Vec<Event> {
        (0..200)
            .map(|i| {
                let mut e = Event::new();
                e.set("g", Value::from(if i % 3 == 0 { "a" } else { "b" }));
                match i % 7 {
                    0 => {}
                    1 => e.set("x", Value::Multi(vec![format!("m{}", i % 5), "m1".into()])),
                    2 => e.set("x", Value::Num((i % 4) as f64)),
                    _ => e.set("x", Value::from(format!("v{}", i * 13 % 9).as_str())),
                }
                e
            })
            .collect()
    }

    /// The reference: each row's window recomputed from scratch.
    fn expected(rows: &[Event], window: usize, current: bool) -> Vec<(f64, f64, f64)> {
        let mut seen: HashMap<String, Vec<&Event>> = HashMap::new();
        rows.iter()
            .map(|e| {
                let g = e
                    .get("g")
                    .map(|v| v.to_text().into_owned())
                    .unwrap_or_default();
                let past = seen.entry(g).or_default();
                let mut win: Vec<&Event> = past.clone();
                if current {
                    win.push(e);
                }
                let win = &win[win.len().saturating_sub(window)..];
                let mut distinct = BTreeSet::new();
                let mut with_x = 0.0;
                for r in win {
                    if let Some(v) = r.get("x") {
                        with_x += 1.0;
                        distinct.extend(v.texts().into_iter().map(|t| t.into_owned()));
                    }
                }
                past.push(e);
                (distinct.len() as f64, with_x, win.len() as f64)
            })
            .collect()
    }

    fn num(e: &Event, f: &str) -> f64 {
        e.get(f).and_then(Value::as_number).unwrap_or(-1.0)
    }

    #[test]
    fn sliding_count_and_dc_match_recomputation() {
        for (window, current) in [(1, true), (4, true), (4, false), (50, true)] {
            let search = format!(
                "| streamstats window={window} current={current} dc(x) as d count(x) as c count as n values(x) as v by g"
            );
            let engine = crate::Engine::empty();
            let query = engine.compile(&search, "<test>").expect("compiles");
            let ctx_events = rows();
            let lookups = crate::lookup::LookupRegistry::new();
            let limits = crate::exec::Limits::default();
            let ctx = Context {
                events: &ctx_events,
                lookups: &lookups,
                tz: chrono_tz::UTC,
                limits: &limits,
                notices: std::cell::RefCell::new(Vec::new()),
                now: 0.0,
                output_lookups: None,
                geoip: None,
                prepared: Default::default(),
                knowledge: Default::default(),
            };
            let Some(command) = query.pipeline.commands.first() else {
                panic!("no command");
            };
            let input: Rows<'_> = Box::new(rows().into_iter().map(Ok));
            let out: Vec<Event> = command
                .args
                .apply(input, &ctx)
                .and_then(|r| r.collect::<Result<Vec<_>>>())
                .expect("runs");
            let want = expected(&rows(), window, current);
            for (i, (row, (d, c, n))) in out.iter().zip(want).enumerate() {
                let got = (num(row, "d"), num(row, "c"), num(row, "n"));
                assert_eq!(got, (d, c, n), "window={window} current={current} row {i}");
                // A recomputed function beside the sliding ones.
                let values = row.get("v").map_or(0, |v| v.texts().len());
                assert_eq!(values as f64, d, "values(x) row {i}");
            }
        }
    }
}
