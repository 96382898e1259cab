//! `mstats`: statistics over metric data points.
//!
//! Grammar (Search Reference, "mstats",
//! <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/mstats>):
//!
//! ```text
//! | mstats [chart=<bool>] [<chart-options>] [prestats=<bool>] [append=<bool>]
//!          [backfill=<bool>] [update_period=<integer>] [fillnull_value=<string>]
//!          [chunk_size=<unsigned int>]
//!          <stats-metric-term>...
//!          WHERE [<logical-expression>]...
//!          [ (BY|GROUPBY) <field-list> ]
//!          [<span-length>]
//! ```
//!
//! A `<stats-metric-term>` is either `<func>(<metric_name>) [AS <name>]`,
//! where the metric name may hold `*` wildcards, or `<func>(_value)`
//! with the metric names chosen by `metric_name=` in WHERE; the page says
//! the two forms cannot be blended in one search.
//!
//! Offline there is no metrics index: the data points are the events given,
//! in either of Splunk's metric shapes (Get Data In, "Metrics data format",
//! <https://help.splunk.com/splunk-enterprise/get-data-in/metrics/9.4/introduction-to-metrics/metrics-data-format>):
//! a single-metric event with `metric_name` and `_value`, or a multiple-metric
//! event with one `metric_name:<name>=<value>` field per measurement, each
//! either at the top of the JSON object or under `fields` in an HTTP Event
//! Collector metric envelope (`"event": "metric"`). Every other field is a
//! dimension. Each measurement becomes one data point with
//! the event's `_time`, its dimensions, `metric_name` and `_value`, and
//! WHERE is matched against the data points (so `metric_name=cpu.*` selects
//! measurements, not events). Time modifiers in WHERE are ignored, as in
//! every offline search.
//!
//! `rate_avg(<metric>)` and `rate_sum(<metric>)` are mstats' own functions
//! (Search Reference, "Time functions",
//! <https://help.splunk.com/en/splunk-enterprise/search/spl-search-reference/9.4/statistical-and-charting-functions/time-functions>):
//! the rate of each metric time series (the metric name and every dimension
//! value but the default fields) in the group, then their average or sum.
//! From the second span on, a series' rate starts from its latest point in
//! an earlier span, so one point per span is enough. A drop in an
//! accumulating counter is a reset to zero: the rise is the new value.

use std::cmp::Ordering;

use indexmap::IndexMap;

use crate::commands::bin::{bin_time, parse_span, BinSpan};
use crate::commands::common::{bad, bool_opt, unsupported};
use crate::commands::stats::{aggregation, compare_keys, group_keys, Aggregation};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::exec::matcher::Matcher;
use crate::exec::{Context, Rows};
use crate::functions::stats::{AggState, StatsFn};
use crate::source::Span;
use crate::syntax::ast::{CompareOp, SearchExpr, SearchKind};
use crate::syntax::lexer::Tok;
use crate::syntax::parser::Parser;
use crate::value::Value;

/// `mstats`' options before its functions.
pub const OPTIONS: &[&str] = &[
    "chart",
    "prestats",
    "append",
    "backfill",
    "update_period",
    "fillnull_value",
    "chunk_size",
];

/// The field prefix of a measurement in a multiple-metric event.
const METRIC_PREFIX: &str = "metric_name:";

/// The pseudo-metric of the `<func>(_value)` form.
const VALUE: &str = "_value";

/// A parsed `mstats`.
#[derive(Debug, Clone, PartialEq)]
pub struct Mstats {
    /// The functions; each one's `field` is a metric name (maybe with `*`)
    /// or `_value`.
    pub aggs: Vec<Aggregation>,
    /// The WHERE search, matched against data points.
    pub filter: Option<SearchExpr>,
    /// The BY (or GROUPBY) dimensions.
    pub by: Vec<String>,
    /// `span=`: group by `_time` bins of this size too.
    pub span: Option<BinSpan>,
    /// `fillnull_value`: the value of a missing BY dimension (else the data
    /// point is left out).
    pub fillnull: Option<String>,
    /// Per term (as `aggs`): `Some` for `rate_avg` / `rate_sum`, whose
    /// `func` in `aggs` is not used.
    pub series_rates: Vec<Option<SeriesRate>>,
}

/// How `rate_avg` and `rate_sum` combine the rates of a group's metric
/// time series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeriesRate {
    /// `rate_avg`: their average.
    Avg,
    /// `rate_sum`: their sum.
    Sum,
}

/// Parses `mstats`' arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let c = "mstats";
    let mut out = Mstats {
        aggs: Vec::new(),
        filter: None,
        by: Vec::new(),
        span: None,
        fillnull: None,
        series_rates: Vec::new(),
    };
    p.reject_unknown_option(c, OPTIONS)?;
    for (key, value, span) in p.options(OPTIONS)? {
        match key.as_str() {
            "chart" if bool_opt(c, &key, &value, span)? => {
                return Err(unsupported(
                    c,
                    "`chart=true` is not supported: use `timechart` on mstats' rows",
                    span,
                ))
            }
            "prestats" | "append" if bool_opt(c, &key, &value, span)? => {
                return Err(unsupported(
                    c,
                    format!("`{key}=true` is not supported yet"),
                    span,
                ))
            }
            "fillnull_value" => out.fillnull = Some(value),
            "update_period" | "chunk_size" => {
                crate::commands::inputlookup::whole_number(c, &key, &value, span)?;
            }
            // `backfill` and `chart=false`, `prestats=false`, `append=false`:
            // real-time backfill has no meaning over a fixed set of events.
            _ => {
                bool_opt(c, &key, &value, span)?;
            }
        }
    }
    while !p.at_command_end() && !["where", "by", "groupby"].iter().any(|k| p.at_keyword(k)) {
        if p.eat(&Tok::Comma) {
            continue;
        }
        let (agg, rate) = metric_term(p)?;
        out.aggs.push(agg);
        out.series_rates.push(rate);
    }
    if out.aggs.is_empty() {
        return Err(bad(
            c,
            "expected at least one function, e.g. `avg(cpu.utilization)`",
            name_span,
        ));
    }
    check_forms(&out.aggs)?;
    if p.eat_keyword("where") {
        let here = p.here();
        let mut filter = p.search_expr_until(here, &["by", "groupby"])?;
        // `span=` ends the command's grammar, but a search expression reads
        // `span=10s` as a term: when no BY follows, it is the last one.
        if let Some((value, span)) = take_trailing_span(&mut filter) {
            out.span = Some(parse_span(&value, c, span)?);
        }
        out.filter = Some(filter);
    }
    if p.eat_keyword("by") || p.eat_keyword("groupby") {
        while !(p.at_command_end() || p.at_keyword("span") && p.peek2() == Some(&Tok::Eq)) {
            if p.eat(&Tok::Comma) {
                continue;
            }
            out.by.push(p.field_name("a dimension after BY")?.0);
        }
        if out.by.is_empty() {
            return Err(p.expected("a dimension after BY"));
        }
    }
    if let Some((_, value, span)) = p.options(&["span"])?.into_iter().next() {
        if out.span.is_some() {
            return Err(bad(c, "`span=` is given twice", span));
        }
        out.span = Some(parse_span(&value, c, span)?);
    }
    if !p.at_command_end() {
        return Err(p.expected("the end of mstats (after WHERE, BY and span=)"));
    }
    Ok(CommandArgs::Mstats(out))
}

/// Removes a trailing top-level `span=<value>` term from a WHERE search and
/// returns its value.
fn take_trailing_span(filter: &mut SearchExpr) -> Option<(String, Span)> {
    let is_span = |e: &SearchExpr| {
        matches!(&e.kind, SearchKind::Compare { field, op: CompareOp::Eq, .. }
            if field.eq_ignore_ascii_case("span"))
    };
    let taken = if is_span(filter) {
        let empty = SearchExpr {
            kind: SearchKind::Empty,
            span: filter.span,
        };
        std::mem::replace(filter, empty)
    } else {
        match &mut filter.kind {
            SearchKind::And(items) if items.last().is_some_and(is_span) => items.pop()?,
            _ => return None,
        }
    };
    match taken.kind {
        SearchKind::Compare { value, .. } => Some((value.text, taken.span)),
        _ => None,
    }
}

/// One `<func>(<metric>) [AS <name>]`: stats' own syntax, with a metric
/// name required, or `rate_avg` / `rate_sum` of one.
fn metric_term(p: &mut Parser) -> Result<(Aggregation, Option<SeriesRate>)> {
    if let Some(term) = series_rate_term(p)? {
        return Ok(term);
    }
    let agg = aggregation(p)?;
    if agg.expr.is_some() || matches!(agg.func, StatsFn::Sparkline(..)) {
        return Err(bad(
            "mstats",
            "functions take a metric name, not `eval(...)` or `sparkline`",
            agg.span,
        ));
    }
    let Some(metric) = &agg.field else {
        return Err(bad(
            "mstats",
            "a function needs a metric name, e.g. `count(cpu.utilization)` or `count(_value)`",
            agg.span,
        ));
    };
    let has_alias = !agg.output.ends_with(&format!("({metric})"));
    if metric.contains('*') && has_alias && !agg.output.contains('*') {
        // `avg(cpu.*) AS cpu_avg` would give every matched metric one name.
        return Err(bad(
            "mstats",
            format!(
                "`{}` names several metrics: its `AS` name needs a `*` too",
                metric
            ),
            agg.span,
        ));
    }
    Ok((agg, None))
}

/// `rate_avg(<metric>) [AS <name>]` or `rate_sum(...)`, when the next
/// term is one. The metric may be `_value` but has no `*`: a rate is of
/// one counter's series.
fn series_rate_term(p: &mut Parser) -> Result<Option<(Aggregation, Option<SeriesRate>)>> {
    let kind = if p.at_keyword("rate_avg") {
        SeriesRate::Avg
    } else if p.at_keyword("rate_sum") {
        SeriesRate::Sum
    } else {
        return Ok(None);
    };
    if p.peek2() != Some(&Tok::LParen) {
        return Ok(None);
    }
    let (name, span) = p.word("`rate_avg` or `rate_sum`")?;
    p.expect(&Tok::LParen, "`(` and a metric name")?;
    let (metric, metric_span) = p.field_name("a metric name")?;
    p.expect(&Tok::RParen, "a closing `)`")?;
    if metric.contains('*') {
        return Err(bad(
            "mstats",
            format!("`{name}` takes one counter metric, not a wildcard"),
            metric_span,
        ));
    }
    let output = if p.eat_keyword("as") {
        p.field_name("a name after `AS`")?.0
    } else {
        format!("{name}({metric})")
    };
    let agg = Aggregation {
        func: StatsFn::Rate,
        field: Some(metric),
        expr: None,
        output,
        span,
    };
    Ok(Some((agg, Some(kind))))
}

/// A data point's metric time series: its metric name and every dimension
/// value, leaving out `_` fields and the default fields every event gets
/// (`punct`, `date_*`, ...), which are not dimensions.
fn series_key(point: &Event) -> String {
    let mut dims: Vec<(&str, std::borrow::Cow<'_, str>)> = point
        .iter()
        .filter(|(k, _)| {
            !k.starts_with('_') && !crate::events::defaults::NAMES.contains(k)
        })
        .map(|(k, v)| (k, v.to_text()))
        .collect();
    dims.sort();
    let mut key = String::new();
    for (name, value) in dims {
        key.push_str(name);
        key.push('\u{1}');
        key.push_str(&value);
        key.push('\u{2}');
    }
    key
}

/// The rate of one series' points (time, value) in a span, starting from
/// `basis` (its latest point before the span) when there is one: the
/// counter's rise over the time from the first point to the last, a drop
/// counting as a reset to zero. None with fewer than two points or no
/// time between them.
fn series_rate(basis: Option<(f64, f64)>, points: &[(f64, f64)]) -> Option<f64> {
    let mut all = basis.into_iter().chain(points.iter().copied());
    let (t0, mut last) = all.next()?;
    let mut t1 = t0;
    let mut rise = 0.0;
    for (t, v) in all {
        rise += if v >= last { v - last } else { v };
        last = v;
        t1 = t;
    }
    (t1 > t0).then(|| rise / (t1 - t0))
}

/// The page: "You cannot blend the <stats-func> syntax and the
/// <stats-func-value> syntax in a single mstats search."
fn check_forms(aggs: &[Aggregation]) -> Result<()> {
    let is_value = |a: &Aggregation| a.field.as_deref() == Some(VALUE);
    if aggs.iter().any(is_value) {
        if let Some(named) = aggs.iter().find(|a| !is_value(a)) {
            return Err(bad(
                "mstats",
                "`<func>(_value)` and `<func>(<metric_name>)` cannot be mixed in one mstats",
                named.span,
            ));
        }
    }
    Ok(())
}

/// Where an event's metric fields sit: at the top, or under `fields.` in
/// an HTTP Event Collector metric envelope (`{"time": .., "event":
/// "metric", "fields": {"metric_name:cpu": ..}}`, Get Data In, "Get
/// metrics in from other sources"), read as NDJSON.
fn fields_prefix(event: &Event) -> &'static str {
    match event.get("event") {
        Some(Value::Str(kind)) if kind == "metric" => "fields.",
        _ => "",
    }
}

/// The data points of one event: (metric name, value) pairs.
fn measurements(event: &Event) -> Vec<(&str, &Value)> {
    let prefix = fields_prefix(event);
    let multi: Vec<(&str, &Value)> = event
        .iter()
        .filter_map(|(k, v)| {
            let name = k.strip_prefix(prefix)?.strip_prefix(METRIC_PREFIX)?;
            Some((name, v))
        })
        .collect();
    if !multi.is_empty() {
        return multi;
    }
    let single = (
        event.get(&format!("{prefix}metric_name")),
        event.get(&format!("{prefix}{VALUE}")),
    );
    match single {
        (Some(Value::Str(name)), Some(v)) => vec![(name.as_str(), v)],
        _ => Vec::new(),
    }
}

/// A data point as an event: the dimensions, `metric_name` and `_value`.
fn point(event: &Event, name: &str, value: &Value) -> Event {
    let prefix = fields_prefix(event);
    let mut out = Event::with_capacity(event.len());
    for (k, v) in event.iter() {
        let dim = if prefix.is_empty() {
            k
        } else if let Some(inner) = k.strip_prefix(prefix) {
            inner
        } else if k == "event" || k == "time" {
            // The envelope's own keys, not dimensions.
            continue;
        } else {
            k
        };
        if !dim.starts_with(METRIC_PREFIX) {
            out.set(dim, v.clone());
        }
    }
    out.set("metric_name", Value::Str(name.to_string()));
    out.set(VALUE, value.clone());
    out
}

/// The texts `*` stood for when `pattern` matches `text` (case-sensitive,
/// as metric names are), or None when it does not match.
fn wildcard_captures<'t>(pattern: &str, text: &'t str) -> Option<Vec<&'t str>> {
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, rest) = parts.split_first()?;
    let mut at = text.strip_prefix(first)?;
    let mut offset = first.len();
    let mut captures = Vec::new();
    for (i, part) in rest.iter().enumerate() {
        let last = i + 1 == rest.len();
        // The last part must end the text; the others take the earliest
        // occurrence (a `*` matches as little as it can before them).
        let found = if last {
            at.len()
                .checked_sub(part.len())
                .filter(|&n| at[n..] == **part && at.is_char_boundary(n))
        } else {
            at.find(part)
        };
        let n = found?;
        captures.push(&text[offset..offset + n]);
        offset += n + part.len();
        at = &text[offset..];
    }
    (rest.is_empty() && at.is_empty() || !rest.is_empty()).then_some(captures)
}

/// The output name of term `agg` for metric `name`: its `AS` name with
/// each `*` replaced by what the metric's `*` matched, else `func(name)`.
fn output_name(agg: &Aggregation, name: &str, captures: &[&str]) -> String {
    let metric = agg.field.as_deref().unwrap_or_default();
    if !metric.contains('*') {
        return agg.output.clone();
    }
    if let Some(func_name) = agg.output.strip_suffix(&format!("({metric})")) {
        return format!("{func_name}({name})");
    }
    let mut out = String::new();
    let mut captures = captures.iter();
    for (i, piece) in agg.output.split('*').enumerate() {
        if i > 0 {
            out.push_str(captures.next().copied().unwrap_or_default());
        }
        out.push_str(piece);
    }
    out
}

/// One group's running states, by output column.
type Group = IndexMap<String, AggState>;

/// rate_avg / rate_sum's points: (BY values, output column) → metric time
/// series → its (time, value) points.
type RatePoints = IndexMap<(Vec<String>, String), IndexMap<String, Vec<(f64, f64)>>>;

/// A row's BY values, in BY order (as its group key holds them).
fn key_of(row: &Event, by: &[String]) -> Vec<String> {
    by.iter()
        .map(|d| row.get(d).map(|v| v.to_text().into_owned()).unwrap_or_default())
        .collect()
}

/// A group's key: `_time`'s bin (with `span=`) and the BY values.
type GroupKey = (Option<f64>, Vec<String>);

/// Groups by hashable key (the bin's bits), each with its key's `_time`.
type Groups = IndexMap<(Option<u64>, Vec<String>), (Option<f64>, Group)>;

impl Mstats {
    /// The terms that take a data point of metric `name`, with the output
    /// column each one feeds.
    fn columns_for(&self, name: &str) -> Vec<(usize, String)> {
        self.aggs
            .iter()
            .enumerate()
            .filter_map(|(i, agg)| {
                let metric = agg.field.as_deref()?;
                if metric == VALUE {
                    return Some((i, agg.output.clone()));
                }
                let captures = wildcard_captures(metric, name)?;
                Some((i, output_name(agg, name, &captures)))
            })
            .collect()
    }

    /// rate_avg / rate_sum per (bin bits, BY values, column): each series'
    /// rate in each span (from its latest point in an earlier span, when
    /// there is one), then their average or sum over the series.
    fn combine_rates(
        &self,
        points: RatePoints,
        ctx: &Context<'_>,
    ) -> std::collections::HashMap<(Option<u64>, Vec<String>, String), f64> {
        let kinds: std::collections::HashMap<&str, SeriesRate> = self
            .aggs
            .iter()
            .zip(&self.series_rates)
            .filter_map(|(agg, kind)| Some((agg.output.as_str(), (*kind)?)))
            .collect();
        let mut per_group: IndexMap<(Option<u64>, Vec<String>, String), Vec<f64>> = IndexMap::new();
        for ((key, column), series) in points {
            for (_, mut pts) in series {
                pts.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(Ordering::Equal));
                let bin_of = |t: f64| self.span.map(|span| bin_time(t, span, None, ctx.tz));
                let mut start = 0;
                while start < pts.len() {
                    let bin = bin_of(pts[start].0);
                    let end = start
                        + pts[start..]
                            .iter()
                            .take_while(|(t, _)| bin_of(*t) == bin)
                            .count();
                    let basis = start.checked_sub(1).map(|i| pts[i]);
                    if let Some(rate) = series_rate(basis, &pts[start..end]) {
                        per_group
                            .entry((bin.map(f64::to_bits), key.clone(), column.clone()))
                            .or_default()
                            .push(rate);
                    }
                    start = end;
                }
            }
        }
        per_group
            .into_iter()
            .map(|((bin, key, column), rates)| {
                let sum: f64 = rates.iter().sum();
                // A wildcard term's columns are named from its `AS`
                // pattern; rate terms have no wildcard, so the column is
                // the term's output.
                let value = match kinds.get(column.as_str()) {
                    Some(SeriesRate::Avg) => sum / rates.len() as f64,
                    _ => sum,
                };
                ((bin, key, column), value)
            })
            .collect()
    }

    /// The group keys of a data point: `_time`'s bin (with `span=`) and
    /// the BY dimensions' values.
    fn keys(&self, point: &mut Event, ctx: &Context<'_>) -> Vec<GroupKey> {
        if let Some(fill) = &self.fillnull {
            for dim in &self.by {
                if point.get(dim).is_none() {
                    point.set(dim.as_str(), Value::Str(fill.clone()));
                }
            }
        }
        let time = match self.span {
            Some(span) => match point.time() {
                Some(t) => Some(bin_time(t, span, None, ctx.tz)),
                None => return Vec::new(),
            },
            None => None,
        };
        group_keys(&self.by, point)
            .into_iter()
            .map(|k| (time, k))
            .collect()
    }
}

impl super::Command for Mstats {
    /// Aggregates the search's events as metric data points.
    fn apply<'a>(&'a self, _input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let matcher = self
            .filter
            .as_ref()
            .map(|f| Matcher::compile(f, ctx))
            .transpose()?;
        // (time bin bits, dimension values) → states; the order of first
        // sight never shows: rows are sorted at the end.
        let mut groups = Groups::new();
        // Every output column, in term order, each term's metrics sorted.
        let mut columns: Vec<Vec<String>> = vec![Vec::new(); self.aggs.len()];
        // rate_avg / rate_sum: (BY values, column) → series → its points.
        let mut rate_points: RatePoints = IndexMap::new();
        for event in ctx.events {
            for (name, value) in measurements(event) {
                let targets = self.columns_for(name);
                if targets.is_empty() {
                    continue;
                }
                let mut point = point(event, name, value);
                if matcher.as_ref().is_some_and(|m| !m.matches(&point)) {
                    continue;
                }
                let time = point.time();
                let series = self.series_rates.iter().any(Option::is_some).then(|| series_key(&point));
                for (bin, key) in self.keys(&mut point, ctx) {
                    for (term, column) in &targets {
                        if self.series_rates[*term].is_none() {
                            continue;
                        }
                        if let (Some(t), Some(v), Some(series)) = (time, value.as_number(), &series) {
                            rate_points
                                .entry((key.clone(), column.clone()))
                                .or_default()
                                .entry(series.clone())
                                .or_default()
                                .push((t, v));
                        }
                    }
                    let (_, group) = groups
                        .entry((bin.map(f64::to_bits), key))
                        .or_insert_with(|| (bin, Group::new()));
                    for (term, column) in &targets {
                        if self.series_rates[*term].is_some() {
                            continue;
                        }
                        let state = group
                            .entry(column.clone())
                            .or_insert_with(|| self.aggs[*term].func.start());
                        state.add_value(value, time);
                    }
                }
                for (term, column) in targets {
                    if !columns[term].contains(&column) {
                        columns[term].push(column);
                    }
                }
            }
        }
        for names in &mut columns {
            names.sort();
        }
        let rates = self.combine_rates(rate_points, ctx);
        let mut rows: Vec<(GroupKey, Group)> = groups
            .into_iter()
            .map(|((_, key), (bin, group))| ((bin, key), group))
            .collect();
        rows.sort_by(|((ta, ka), _), ((tb, kb), _)| {
            ta.partial_cmp(tb)
                .unwrap_or(Ordering::Equal)
                .then_with(|| compare_keys(ka, kb))
        });
        let out: Vec<Event> = rows
            .into_iter()
            .map(|((bin, key), mut group)| {
                let mut row = Event::new();
                if let Some(t) = bin {
                    row.set("_time", Value::Num(t));
                }
                for (dim, value) in self.by.iter().zip(key) {
                    row.set(dim.as_str(), Value::Str(value));
                }
                for column in columns.iter().flatten() {
                    let rate = rates.get(&(bin.map(f64::to_bits), key_of(&row, &self.by), column.clone()));
                    if let Some(rate) = rate {
                        row.set(column.as_str(), Value::Num(*rate));
                    } else if let Some(value) = group.shift_remove(column).and_then(AggState::finish) {
                        row.set(column.as_str(), value);
                    }
                }
                row
            })
            .collect();
        Ok(Box::new(out.into_iter().map(Ok)))
    }
}

/// The registry entries of `mstats`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "mstats",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_follow_the_stars() {
        assert_eq!(wildcard_captures("tcp.*", "tcp.bytes"), Some(vec!["bytes"]));
        assert_eq!(wildcard_captures("tcp.*", "udp.bytes"), None);
        assert_eq!(wildcard_captures("cpu", "cpu"), Some(vec![]));
        assert_eq!(wildcard_captures("cpu", "cpu2"), None);
        assert_eq!(
            wildcard_captures("*.a.*", "x.a.y.a.z"),
            Some(vec!["x", "y.a.z"])
        );
        assert_eq!(wildcard_captures("a*b", "ab"), Some(vec![""]));
        assert_eq!(wildcard_captures("a*bb", "ab"), None);
    }

    fn parsed(text: &str) -> Mstats {
        let pipeline = crate::syntax::parse(text).expect("parses");
        match &pipeline.commands[0].args {
            CommandArgs::Mstats(m) => m.clone(),
            other => panic!("not mstats: {other:?}"),
        }
    }

    #[test]
    fn wildcard_outputs_substitute_the_match() {
        let m = parsed("| mstats avg(process.*) as p_* max(process.*) WHERE index=m");
        assert_eq!(output_name(&m.aggs[0], "process.cpu", &["cpu"]), "p_cpu");
        assert_eq!(
            output_name(&m.aggs[1], "process.cpu", &["cpu"]),
            "max(process.cpu)"
        );
    }

    #[test]
    fn span_and_by_in_either_place() {
        let m = parsed("| mstats count(x) WHERE index=m AND host=a BY host span=10s");
        assert_eq!(m.by, vec!["host"]);
        assert_eq!(m.span, Some(BinSpan::Seconds(10.0)));
        let m = parsed("| mstats count(x) WHERE index=m span=1m");
        assert!(m.by.is_empty());
        assert_eq!(m.span, Some(BinSpan::Seconds(60.0)));
    }

    #[test]
    fn forms_do_not_mix_and_a_star_needs_a_star() {
        assert!(crate::syntax::parse("| mstats avg(_value) max(cpu) WHERE index=m").is_err());
        assert!(crate::syntax::parse("| mstats avg(cpu.*) AS c WHERE index=m").is_err());
        assert!(crate::syntax::parse("| mstats count WHERE index=m").is_err());
    }
}
