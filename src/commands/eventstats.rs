//! `eventstats` and `streamstats`: stats added to every result instead of
//! replacing them.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.1/search-commands/eventstats>,
//! <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.1/search-commands/streamstats>.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};

use crate::commands::common::{
    at_option, bool_opt, count_opt, eval_option_value, option, time_span_seconds, unknown_option,
};
use crate::commands::stats::{
    aggregation, aggregations_and_by, expand_wildcard_aggs, group_keys, Aggregation,
};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::eval::{EvalContext, Expr, Scope};
use crate::event::Event;
use crate::exec::memory::{key_bytes, Releasing, STATE_OVERHEAD};
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

impl super::Command for Eventstats {
    /// Computes each group's aggregates and writes them into its results;
    /// results with a null by-field get none.
    ///
    /// Every row is held until the statistics are known: the rows and the
    /// group table are charged to the search's memory budget.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let mut held = ctx.memory.hold("eventstats");
        let mut rows = Vec::new();
        for row in input {
            let row = row?;
            held.charge_row(&row)?;
            rows.push(row);
        }
        // `avg(*lay)`: the fields it names are known now that every row is in.
        let aggs = if self.aggs.iter().any(Aggregation::is_wildcard) {
            expand_wildcard_aggs(&self.aggs, &self.by, &rows)?
        } else {
            self.aggs.clone()
        };
        let mut groups: HashMap<Vec<String>, Vec<AggState>> = HashMap::new();
        let group_bytes = STATE_OVERHEAD.saturating_mul(aggs.len() as u64);
        for event in &rows {
            for key in group_keys(&self.by, event) {
                let states = match groups.entry(key) {
                    Entry::Occupied(e) => e.into_mut(),
                    Entry::Vacant(e) => {
                        held.charge(key_bytes(e.key()).saturating_add(group_bytes))?;
                        e.insert(fresh(&aggs))
                    }
                };
                for (state, agg) in states.iter_mut().zip(&aggs) {
                    // What `dc()`, `values()` and the like grow by.
                    held.charge(state.update(event, agg.field.as_deref()))?;
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
        let out = Releasing::new(rows.into_iter(), held).map(move |row| {
            let mut event = row?;
            // A multivalue by-field puts a result in several groups; the
            // first one is written.
            if let Some(vals) = group_keys(&self.by, &event)
                .first()
                .and_then(|k| results.get(k))
            {
                for (agg, v) in aggs.iter().zip(vals) {
                    event.set_opt(agg.output.clone(), v.clone());
                }
            }
            Ok(event)
        });
        Ok(Box::new(out))
    }
}

/// `streamstats [current=<bool>] [window=<int>] [global=<bool>]
/// [allnum=<bool>] [reset_on_change=<bool>] [reset_before=(<expr>)]
/// [reset_after=(<expr>)] [time_window=<span>] <agg>... [BY <field>...]`,
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
    /// `global=` (default true): with `window=`, one window of the last N
    /// results of every group (each group's statistics over its own results
    /// in it); false gives each group a window of its own N results.
    pub global: bool,
    /// `allnum=true`: a numeric function is null once a value it saw was
    /// not a number.
    pub allnum: bool,
    /// Only results within this many seconds of the current one count, and
    /// where the option was written (for the sort-order error).
    pub time_window: Option<(f64, Span)>,
    /// Reset every statistic when a by-field value changes.
    pub reset_on_change: bool,
    /// `reset_before=(<expr>)`: reset before a result for which it is true.
    pub reset_before: Option<Expr>,
    /// `reset_after=(<expr>)`: reset after a result (with its statistics
    /// added) for which it is true.
    pub reset_after: Option<Expr>,
}

/// `max_stream_window` in limits.conf (default 10000): the most results a
/// `time_window=` window holds when `window=` is not set; the page's
/// example 4 says the count never exceeds it.
const MAX_STREAM_WINDOW: usize = 10_000;

/// `streamstats`' options, which the page's examples write before the
/// aggregations, between them and the BY clause (`streamstats avg(foo)
/// window=5`) and after it (`streamstats count BY shift reset_on_change=true`).
#[derive(Debug)]
struct Options {
    current: bool,
    window: usize,
    global: bool,
    allnum: bool,
    time_window: Option<(f64, Span)>,
    reset_on_change: bool,
    reset_before: Option<Expr>,
    reset_after: Option<Expr>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            current: true,
            window: 0,
            global: true,
            allnum: false,
            time_window: None,
            reset_on_change: false,
            reset_before: None,
            reset_after: None,
        }
    }
}

/// Reads the `key=value` options at the parser's position into `o`.
fn read_options(p: &mut Parser, o: &mut Options) -> Result<()> {
    let c = "streamstats";
    while at_option(p) {
        if p.at_keyword("reset_before") || p.at_keyword("reset_after") {
            let (key, _) = p.word("an option")?;
            p.expect(&Tok::Eq, "`=`")?;
            let what = format!("`{}`", key.to_ascii_lowercase());
            let expr = eval_option_value(p, &what)?;
            if key.eq_ignore_ascii_case("reset_before") {
                o.reset_before = Some(expr);
            } else {
                o.reset_after = Some(expr);
            }
            continue;
        }
        let (key, value, span) = option(p)?;
        match key.as_str() {
            "current" => o.current = bool_opt(c, &key, &value, span)?,
            "window" => o.window = count_opt(c, &key, &value, span)?,
            "global" => o.global = bool_opt(c, &key, &value, span)?,
            "allnum" => o.allnum = bool_opt(c, &key, &value, span)?,
            "reset_on_change" => o.reset_on_change = bool_opt(c, &key, &value, span)?,
            "time_window" => {
                let seconds = time_span_seconds(&value)
                    .filter(|s| *s > 0.0)
                    .ok_or_else(|| {
                        crate::commands::common::bad(c, format!("`{value}` is not a span"), span)
                    })?;
                o.time_window = Some((seconds, span));
            }
            _ => return Err(unknown_option(c, &key, span)),
        }
    }
    Ok(())
}

/// Parses `streamstats`' arguments.
pub fn parse_streamstats(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let mut o = Options::default();
    read_options(p, &mut o)?;
    let mut aggs = Vec::new();
    while !p.at_command_end() && !p.at_keyword("by") {
        if p.eat(&Tok::Comma) {
            continue;
        }
        if at_option(p) {
            read_options(p, &mut o)?;
            continue;
        }
        let agg = aggregation(p)?;
        crate::commands::stats::reject_wildcards(std::slice::from_ref(&agg), "streamstats")?;
        aggs.push(agg);
    }
    let mut by = Vec::new();
    if p.eat_keyword("by") {
        while !p.at_command_end() && !at_option(p) {
            if p.eat(&Tok::Comma) {
                continue;
            }
            by.push(p.field_name("a field name")?.0);
        }
        if by.is_empty() {
            return Err(p.expected("a field name after `by`"));
        }
        read_options(p, &mut o)?;
    }
    if aggs.is_empty() {
        return Err(crate::commands::common::bad(
            "streamstats",
            "expected at least one aggregation, e.g. `count`",
            name_span,
        ));
    }
    Ok(CommandArgs::Streamstats(Streamstats {
        aggs,
        by,
        current: o.current,
        window: o.window,
        global: o.global,
        allnum: o.allnum,
        time_window: o.time_window,
        reset_on_change: o.reset_on_change,
        reset_before: o.reset_before,
        reset_after: o.reset_after,
    }))
}

/// The windows of one `streamstats` run: each group's results in order and,
/// under `global=true`, the order of every result across groups (its group
/// key), so the oldest result leaves its group's window when the shared
/// window is full.
#[derive(Debug, Default)]
struct Windows {
    groups: HashMap<Vec<String>, Window>,
    /// With one shared window: the group of each result in it, oldest first.
    order: VecDeque<Vec<String>>,
}

impl Windows {
    fn clear(&mut self) {
        self.groups.clear();
        self.order.clear();
    }
}

/// Whether `_time` runs one way through the results, as `time_window=`
/// needs: the direction seen so far and the previous time.
#[derive(Debug, Default)]
struct TimeOrder {
    previous: Option<f64>,
    ascending: Option<bool>,
}

impl TimeOrder {
    /// Records `t`; false when it goes against the direction seen so far.
    fn accept(&mut self, t: f64) -> bool {
        if let Some(prev) = self.previous {
            if t != prev {
                let up = t > prev;
                if *self.ascending.get_or_insert(up) != up {
                    return false;
                }
            }
        }
        self.previous = Some(t);
        true
    }
}

impl Streamstats {
    /// One shared window for every group: `global=true` (the default), or
    /// no BY clause (one group anyway).
    fn shared(&self) -> bool {
        self.global || self.by.is_empty()
    }

    /// The result's `_time`, checked to keep the order `time_window=` needs:
    /// the page says the results must be sorted by time, ascending or
    /// descending, so an untimed or out-of-order result is an error rather
    /// than a window over whatever came before.
    fn checked_time(&self, event: &Event, order: &mut TimeOrder, at: Span) -> Result<f64> {
        let Some(now) = event.time() else {
            return Err(crate::commands::common::bad(
                "streamstats",
                "`time_window` needs `_time` on every result, and a result has none",
                at,
            ));
        };
        if !order.accept(now) {
            return Err(crate::commands::common::bad(
                "streamstats",
                "`time_window` needs results sorted by `_time` (ascending or descending); \
                 add `| sort _time` or `| sort -_time` before it",
                at,
            ));
        }
        Ok(now)
    }

    /// Drops the results more than `span` seconds from `now`. The results
    /// are sorted by time, so they leave from the front.
    fn expire(&self, windows: &mut Windows, key: &[String], now: f64, span: f64) {
        let outside = |e: &Event| e.time().is_some_and(|t| (now - t).abs() > span);
        if self.shared() {
            while let Some(front) = windows.order.front() {
                let Some(window) = windows.groups.get_mut(front) else {
                    windows.order.pop_front();
                    continue;
                };
                if !window.events.front().is_some_and(outside) {
                    break;
                }
                window.pop_front(&self.aggs);
                windows.order.pop_front();
            }
        } else if let Some(window) = windows.groups.get_mut(key) {
            while window.events.front().is_some_and(outside) {
                window.pop_front(&self.aggs);
            }
        }
    }

    /// Adds a result to its group's window and trims the window (the shared
    /// one, or the group's) to `window=` results, or `max_stream_window`
    /// under `time_window=` alone.
    fn push(&self, windows: &mut Windows, key: &[String], event: Event) {
        let limit = match (self.window, self.time_window) {
            (0, Some(_)) => MAX_STREAM_WINDOW,
            (n, _) => n,
        };
        let window = windows
            .groups
            .entry(key.to_vec())
            .or_insert_with(|| Window::new(&self.aggs));
        window.push(&self.aggs, event);
        if !self.shared() {
            while limit > 0 && window.events.len() > limit {
                window.pop_front(&self.aggs);
            }
            return;
        }
        windows.order.push_back(key.to_vec());
        while limit > 0 && windows.order.len() > limit {
            let Some(oldest) = windows.order.pop_front() else {
                break;
            };
            if let Some(window) = windows.groups.get_mut(&oldest) {
                window.pop_front(&self.aggs);
            }
        }
    }

    fn resets_after(&self, event: &Event, ectx: &EvalContext) -> Result<bool> {
        match &self.reset_after {
            Some(expr) => Ok(expr
                .eval_condition(&Scope::new(event, ectx), "streamstats reset_after")?
                == Some(true)),
            None => Ok(false),
        }
    }
}

impl super::Command for Streamstats {
    /// Adds running statistics to each result.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let ectx = EvalContext::at(ctx.now, ctx.tz);
        let mut windows = Windows::default();
        let mut running: HashMap<Vec<String>, Vec<AggState>> = HashMap::new();
        let mut previous: Option<Vec<String>> = None;
        let mut order = TimeOrder::default();
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
                let values: Vec<_> = states
                    .iter()
                    .map(|s| s.clone().finish_with(self.allnum))
                    .collect();
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
            if let Some((span, at)) = self.time_window {
                let now = self.checked_time(&event, &mut order, at)?;
                self.expire(&mut windows, &key, now, span);
            }
            if self.current {
                self.push(&mut windows, &key, event.clone());
            }
            let values = match windows.groups.get(&key) {
                Some(window) => window.results(&self.aggs, self.allnum),
                None => Window::new(&self.aggs).results(&self.aggs, self.allnum),
            };
            if !self.current {
                self.push(&mut windows, &key, event.clone());
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

    /// Each aggregation's value over the window (`allnum` as in
    /// [`AggState::finish_with`]).
    fn results(&self, aggs: &[Aggregation], allnum: bool) -> Vec<Option<Value>> {
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
                (Some(state), _) => state.finish_with(allnum),
                (None, Some(Sliding::Count(n))) => Some(Value::Num(*n as f64)),
                (None, Some(Sliding::Distinct(seen))) => Some(Value::Num(seen.len() as f64)),
                (None, None) => None,
            })
            .collect()
    }
}

/// The registry entries of `eventstats`, `streamstats`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "eventstats",
        aliases: &[],
        parse,
    },
    super::CommandSpec {
        name: "streamstats",
        aliases: &[],
        parse: parse_streamstats,
    },
];

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
                "| streamstats window={window} current={current} global=f dc(x) as d count(x) as c count as n values(x) as v by g"
            );
            let out = run_over_rows(&search);
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

    /// The rows `search` (one command) gives over [`rows`], run with a
    /// context holding those rows as the search's events.
    fn run_over_rows(search: &str) -> Vec<Event> {
        let engine = crate::Engine::empty();
        let query = engine.compile(search, "<test>").expect("compiles");
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
            memory: Default::default(),
        };
        let Some(command) = query.pipeline.commands.first() else {
            panic!("no command");
        };
        let input: Rows<'_> = Box::new(rows().into_iter().map(Ok));
        command
            .args
            .apply(input, &ctx)
            .and_then(|r| r.collect::<Result<Vec<_>>>())
            .expect("runs")
    }

    #[test]
    fn time_order_accepts_one_direction_and_ties() {
        let mut up = TimeOrder::default();
        assert!([1.0, 1.0, 2.0, 5.0].iter().all(|t| up.accept(*t)));
        assert!(!up.accept(4.0));
        let mut down = TimeOrder::default();
        assert!([9.0, 9.0, 3.0].iter().all(|t| down.accept(*t)));
        assert!(!down.accept(10.0));
    }

    #[test]
    fn global_window_counts_each_group_within_the_last_n_results() {
        let out = run_over_rows("| streamstats window=3 count as n by g");
        let groups: Vec<String> = rows()
            .iter()
            .map(|e| {
                e.get("g")
                    .map(|v| v.to_text().into_owned())
                    .unwrap_or_default()
            })
            .collect();
        for (i, row) in out.iter().enumerate() {
            // The reference: the group's results among the last 3 overall.
            let want = groups[i.saturating_sub(2)..=i]
                .iter()
                .filter(|g| **g == groups[i])
                .count() as f64;
            assert_eq!(num(row, "n"), want, "row {i}");
        }
    }
}
