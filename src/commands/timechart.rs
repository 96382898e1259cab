//! `timechart`: `chart` over `_time` bins, one row per bin.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/timechart>:
//! `timechart [sep=..] [format=..] [partial=..] [cont=..] [limit=..]
//! [<bin-options>...] <single-agg>... [BY <split-by-clause>]`.
//!
//! - Bins are `bin`'s ([`crate::commands::bin::bin_time`]): a span aligns to
//!   multiples of itself from the epoch, a day or more to local midnight, a
//!   month to the first of the month.
//! - Default span (no `span=`): searches run over all time offline, so the
//!   time range is the events' own, earliest to latest `_time`. The span is
//!   the smallest of the docs' span thresholds (1s, 5s, 10s, 30s, 1m, 5m,
//!   10m, 30m, 1h, 1d, 1 month) at or above `minspan` that gives fewer than
//!   `bins` (default 100) bins. This reproduces the docs' table of default
//!   spans: 15 minutes → 10s, 60 minutes → 1m, 4 hours → 5m, 24 hours → 30m,
//!   7 or 30 days → 1d, a year → 1 month.
//! - `cont=true` (default) fills every bin between the first and the last
//!   with 0 for `count`/`dc` and null for other functions.
//! - Series (`by`, `limit`, `useother`, `usenull`, `nullstr`, `otherstr`,
//!   `sep`, `format`, `dedup_splitvals`) work as in `chart`
//!   ([`crate::commands::chart`]); a value starting with `_` is named
//!   `VALUE_...` as the docs describe.
//! - `partial=false` drops bins cut by the search's time range; over all
//!   time no bin is cut, so every bin stays. `fixedrange` is accepted for the
//!   same reason and changes nothing. `start=`/`end=` drop events outside
//!   `[start, end]`. Events without `_time` are left out.
//! - No `_span` field is added.
//! - `BY <field> ... WHERE <agg> (in|notin) (top|bottom)<N>` or
//!   `WHERE <agg> (<|>) <num>`: the series kept are judged by `agg` (sum,
//!   max, min or avg) over each series' per-bin values, replacing `limit`;
//!   the rest go to OTHER unless `useother=f`. `count` and other functions
//!   are refused: the page does not say what they mean over a series.
//! - `per_second(f)`, `per_minute(f)`, `per_hour(f)`, `per_day(f)`: the
//!   sum of `f` in a bin divided by the bin's length in that unit (the
//!   page's "sum()/<hours in the span>"; a 30m span gives sum()*2 per hour).

use std::collections::HashSet;

use crate::commands::bin::{auto_time_span, bin_time, parse_span, BinSpan, TIMECHART_SPANS};
use crate::commands::chart::{parse_where, Pivot, SeriesOptions};
use crate::commands::common::{
    at_option, bad, bool_opt, collect, count_opt, number_opt, option, time_span_seconds,
    unknown_option,
};
use crate::commands::stats::{aggregation, Aggregation};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::eval::EvalContext;
use crate::event::Event;
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::Parser;
use crate::value::Value;

/// `timechart span=1h count by user`.
#[derive(Debug, Clone, PartialEq)]
pub struct Timechart {
    /// The aggregations.
    pub aggs: Vec<Aggregation>,
    /// The split-by field.
    pub by: Option<String>,
    /// `span=`.
    pub span: Option<BinSpan>,
    /// `bins=` (default 100).
    pub bins: usize,
    /// `minspan=` in seconds.
    pub minspan: Option<f64>,
    /// `aligntime=` (epoch seconds).
    pub aligntime: Option<f64>,
    /// `start=`: earliest `_time` kept.
    pub start: Option<f64>,
    /// `end=`: latest `_time` kept.
    pub end: Option<f64>,
    /// `cont=` (default true): fill empty bins.
    pub cont: bool,
    /// How series are picked and named.
    pub series: SeriesOptions,
    /// Where the command is written (for run-time errors).
    pub at: Span,
    /// `per_second(f)`..`per_day(f)` aggregations: each is a `sum` over a
    /// hidden per-event field holding `f` as a rate of its bin.
    pub rates: Vec<Rate>,
    /// Options given that only act on the search's time range (`partial=`,
    /// `fixedrange=`), which an offline run does not have: each is said
    /// in a notice rather than dropped silently.
    pub range_only: Vec<String>,
}

/// One `per_<unit>(<field>)` aggregation.
#[derive(Debug, Clone, PartialEq)]
pub struct Rate {
    /// The field whose values are summed.
    pub field: String,
    /// The hidden field the `sum` reads.
    pub hidden: String,
    /// Seconds in the unit: 1, 60, 3600 or 86400.
    pub unit: f64,
}

/// Parses `per_<unit>(<field>) [AS <name>]` as a `sum` over a hidden field
/// (the timechart page: "per_hour() converts the field value so that it is
/// a rate per hour, or sum()/<hours in the span>"); sum(x)/k is the sum of
/// x/k, and k is the same for every event of a bin.
fn rate_aggregation(p: &mut Parser, rates: &mut Vec<Rate>) -> Result<Aggregation> {
    let (name, name_span) = p.word("a per_* function")?;
    let unit = crate::functions::stats::timechart_only(&name).unwrap_or(1.0);
    p.expect(&Tok::LParen, &format!("`(` after `{name}`"))?;
    let (field, _) = p.field_name(&format!("a field for `{name}`"))?;
    p.expect(&Tok::RParen, &format!("`)` closing `{name}(`"))?;
    let mut output = format!("{name}({field})");
    let mut span = name_span.to(p.last_span());
    if p.eat_keyword("as") {
        let (alias, alias_span) = p.field_name("a name after `AS`")?;
        output = alias;
        span = span.to(alias_span);
    }
    let hidden = format!("__spelunk_rate_{}", rates.len());
    rates.push(Rate {
        field,
        hidden: hidden.clone(),
        unit,
    });
    Ok(Aggregation {
        func: crate::functions::stats::StatsFn::Sum,
        field: Some(hidden),
        expr: None,
        output,
        span,
    })
}

/// Default `bins` (docs: "the timechart command uses the default bins=100").
const DEFAULT_BINS: usize = 100;

/// Most bins `cont=true` fills before stopping with an error.
const MAX_BINS: usize = 1_000_000;

/// Parses `timechart`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let mut out = Timechart {
        aggs: Vec::new(),
        by: None,
        span: None,
        bins: DEFAULT_BINS,
        minspan: None,
        aligntime: None,
        start: None,
        end: None,
        cont: true,
        series: SeriesOptions {
            value_prefix: true,
            ..SeriesOptions::default()
        },
        at: name_span,
        rates: Vec::new(),
        range_only: Vec::new(),
    };
    while !p.at_command_end() {
        if at_option(p) {
            let (key, value, span) = option(p)?;
            if out.series.set("timechart", &key, &value, span)? {
                continue;
            }
            match key.as_str() {
                "span" => out.span = Some(parse_span(&value, "timechart", span)?),
                "bins" => out.bins = count_opt("timechart", &key, &value, span)?.max(1),
                "minspan" => {
                    out.minspan = Some(time_span_seconds(&value).ok_or_else(|| {
                        bad("timechart", format!("`{value}` is not a span"), span)
                    })?)
                }
                "start" => out.start = Some(number_opt("timechart", &key, &value, span)?),
                "end" => out.end = Some(number_opt("timechart", &key, &value, span)?),
                "aligntime" => {
                    if value.eq_ignore_ascii_case("earliest")
                        || value.eq_ignore_ascii_case("latest")
                    {
                        return Err(bad("timechart", "`aligntime=earliest|latest` needs a search time range, which offline searches do not have", span));
                    }
                    out.aligntime = Some(number_opt("timechart", &key, &value, span)?)
                }
                "cont" => out.cont = bool_opt("timechart", &key, &value, span)?,
                "partial" | "fixedrange" => {
                    bool_opt("timechart", &key, &value, span)?;
                    out.range_only.push(format!("{key}={value}"));
                }
                _ => return Err(unknown_option("timechart", &key, span)),
            }
            continue;
        }
        if p.eat(&Tok::Comma) {
            continue;
        }
        if p.at_keyword("by") && out.by.is_none() {
            p.next_token();
            let (field, _) = p.field_name("a field name after `by`")?;
            out.by = Some(field);
            continue;
        }
        if out.by.is_some() && out.series.filter.is_none() && p.eat_keyword("where") {
            out.series.filter = Some(Box::new(parse_where(p, "timechart")?));
            continue;
        }
        if out.by.is_some() {
            if matches!(p.peek(), Some(Tok::Word(_)) | Some(Tok::Str(_))) && !p.at_keyword("where")
            {
                let (_, span) = p.value("a field")?;
                return Err(bad(
                    "timechart",
                    "`by` takes one field (use `chart` to split by two)",
                    span,
                ));
            }
            return Err(p.expected("an option or the end of `timechart`"));
        }
        let is_rate = matches!(p.peek(), Some(Tok::Word(w)) if crate::functions::stats::timechart_only(w).is_some())
            && p.peek2() == Some(&Tok::LParen);
        if is_rate {
            let agg = rate_aggregation(p, &mut out.rates)?;
            out.aggs.push(agg);
            continue;
        }
        let agg = aggregation(p)?;
        crate::commands::stats::reject_wildcards(std::slice::from_ref(&agg), "timechart")?;
        out.aggs.push(agg);
    }
    if out.series.filter.is_some() && out.aggs.len() != 1 {
        // The where clause judges each series by its one aggregation.
        return Err(bad(
            "timechart",
            "a `where` clause needs exactly one aggregation",
            name_span,
        ));
    }
    if out.aggs.is_empty() {
        return Err(bad(
            "timechart",
            "expected at least one aggregation, e.g. `count`",
            name_span,
        ));
    }
    Ok(CommandArgs::Timechart(out))
}

impl Timechart {
    /// The span used for events from `lo` to `hi`.
    pub fn span_for(&self, lo: f64, hi: f64) -> BinSpan {
        if let Some(s) = self.span {
            return s;
        }
        let secs = auto_time_span(
            (hi - lo).max(0.0),
            self.bins,
            self.minspan.unwrap_or(0.0),
            TIMECHART_SPANS,
        );
        if secs >= 2_592_000.0 {
            BinSpan::Months(1)
        } else {
            BinSpan::Seconds(secs)
        }
    }

    /// Sets each `per_<unit>` hidden field of `event`: its value per unit
    /// of its bin's length (a month bin is as long as that month).
    fn add_rates(&self, event: &mut Event, span: BinSpan, bucket: &impl Fn(f64) -> f64) {
        let Some(t) = event.time() else { return };
        let start = bucket(t);
        let end = match span {
            BinSpan::Seconds(s) => start + s,
            // The next bin's start: n months of 31 days from a month's first
            // day land in the month n later (never past it).
            BinSpan::Months(n) => bucket(start + f64::from(n) * 31.0 * 86_400.0),
        };
        let length = end - start;
        if length <= 0.0 {
            return;
        }
        for rate in &self.rates {
            if let Some(v) = event.get(&rate.field).and_then(Value::as_number) {
                event.set(rate.hidden.clone(), Value::Num(v * rate.unit / length));
            }
        }
    }
}

impl super::Command for Timechart {
    /// Drains the input and yields one row per bin.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        for option in &self.range_only {
            ctx.notice(format!(
                "timechart: `{option}` has no effect here: it acts on the search's time range (partial bins at its edges, or the range the chart spans), and an offline run has none, so the bins span the data"
            ));
        }
        let mut events: Vec<Event> = collect(input)?
            .into_iter()
            .filter(|e| {
                e.time().is_some_and(|t| {
                    self.start.is_none_or(|s| t >= s) && self.end.is_none_or(|end| t <= end)
                })
            })
            .collect();
        let times = events.iter().filter_map(Event::time);
        let lo = times.clone().fold(f64::INFINITY, f64::min);
        let hi = times.fold(f64::NEG_INFINITY, f64::max);
        if events.is_empty() || !lo.is_finite() || !hi.is_finite() {
            return Ok(Box::new(std::iter::empty()));
        }
        let span = self.span_for(lo, hi);
        let tz = ctx.tz;
        let bucket = |t: f64| bin_time(t, span, self.aligntime, tz);
        if !self.rates.is_empty() {
            for event in &mut events {
                self.add_rates(event, span, &bucket);
            }
        }
        let ms = |t: f64| (t * 1000.0).round() as i64;
        let ectx = EvalContext::at(ctx.now, ctx.tz);
        let pivot = Pivot {
            aggs: &self.aggs,
            col: self.by.as_deref(),
            opts: &self.series,
        };
        let table = pivot.run(&events, &ectx, |e| {
            e.time().map(|t| vec![ms(bucket(t))]).unwrap_or_default()
        })?;
        let empty = table.empty_row();
        let mut rows = table.rows;
        if self.cont {
            let have: HashSet<i64> = rows.iter().map(|(k, _)| *k).collect();
            let last = bucket(hi);
            let mut at = bucket(lo);
            let step = match span {
                BinSpan::Seconds(s) => s,
                BinSpan::Months(n) => f64::from(n) * 31.0 * 86_400.0,
            };
            let mut count = 0usize;
            while at <= last {
                if !have.contains(&ms(at)) {
                    rows.push((ms(at), empty.clone()));
                }
                count += 1;
                if count > MAX_BINS {
                    return Err(bad(
                        "timechart",
                        format!("more than {MAX_BINS} bins: use a larger `span` or `cont=false`"),
                        self.at,
                    ));
                }
                let mut next = bucket(at + step);
                if next <= at {
                    next = bucket(at + step * 1.5);
                }
                if next <= at {
                    break;
                }
                at = next;
            }
        }
        rows.sort_by_key(|(k, _)| *k);
        let out = rows.into_iter().map(|(k, cells)| {
            let mut event = Event::new();
            event.set("_time", Value::Num(k as f64 / 1000.0));
            for (name, value) in cells {
                event.set_opt(name, value);
            }
            Ok(event)
        });
        Ok(Box::new(out))
    }
}

/// The registry entries of `timechart`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "timechart",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod rate_tests {
    #[test]
    fn rate_units() {
        assert_eq!(
            crate::functions::stats::timechart_only("PER_HOUR"),
            Some(3600.0)
        );
        assert_eq!(
            crate::functions::stats::timechart_only("per_day"),
            Some(86_400.0)
        );
        assert_eq!(crate::functions::stats::timechart_only("per_week"), None);
    }
}
