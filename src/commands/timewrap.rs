//! `timewrap`: folds `timechart` output so that every period of time is a
//! separate series (day over day, week over week...).
//!
//! Docs: <https://help.splunk.com/splunk-cloud-platform/spl-search-reference/9.3.2408/search-commands/timewrap>
//! and the SPL2 overview
//! <https://help.splunk.com/splunk-enterprise/search/spl2-search-reference/timewrap-command/timewrap-command-overview-syntax-and-usage>:
//! `timewrap [<int>]<timescale> [align=now|end] [series=relative|exact|short]
//! [time_format=<str>]`; `align` defaults to `end` (the end time of the
//! search), `series` to `relative`: `latest_week`, `1week_before`,
//! `2weeks_before`...; `short`: `s0` (the latest period), `s1`...; `exact`:
//! the period named with `time_format`'s time variables. The overview's
//! example shows the output: one row per time of the latest period (7 rows
//! for a 1-day timechart wrapped by 1week), the oldest period's column
//! first, and no column for a period without results.
//!
//! Rules where the pages are silent (stated in `commands::DIFFERENCES` and
//! the cases): a spelunk run has no search end time (an all-time search),
//! so `align=end` ends the latest period at the last `_time` plus the
//! timechart's bin span (the smallest gap between consecutive `_time`
//! values); `align=now` ends it at the search's start time. With one data
//! column the series are named by period alone, as the page's example
//! shows (`count` becomes `latest_week`...); with several (a `by` split or
//! several aggregations) each is `<column>_<period>`. A span of n>1 units
//! names periods `latest_<n><unit>s` and `<k·n><unit>s_before`. Calendar
//! units (month, quarter, year) are refused: their periods are not a fixed
//! number of seconds, and a fixed approximation would misplace rows.

use std::collections::BTreeMap;

use crate::commands::common::{at_option, bad, collect, option, unknown_option, unsupported};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

/// Where the latest period ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// At the search's end time (here: the last bin's end).
    End,
    /// At the search's start time.
    Now,
}

/// How the series are named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Series {
    /// `latest_week`, `1week_before`, ...
    Relative,
    /// `s0`, `s1`, ...
    Short,
    /// The period's start formatted with this `strftime` format.
    Exact(String),
}

/// `timewrap 1week align=end series=relative`.
#[derive(Debug, Clone, PartialEq)]
pub struct Timewrap {
    /// How many units one period holds.
    pub count: u64,
    /// The unit's singular name (`second`, `minute`, `hour`, `day`, `week`).
    pub unit: &'static str,
    /// The unit in seconds.
    pub unit_secs: f64,
    /// Where the latest period ends.
    pub align: Align,
    /// How series are named.
    pub series: Series,
}

/// The fixed-length timescales: accepted spellings, singular name, seconds.
const UNITS: &[(&[&str], &str, f64)] = &[
    (&["s", "sec", "secs", "second", "seconds"], "second", 1.0),
    (&["m", "min", "mins", "minute", "minutes"], "minute", 60.0),
    (&["h", "hr", "hrs", "hour", "hours"], "hour", 3600.0),
    (&["d", "day", "days"], "day", 86_400.0),
    (&["w", "week", "weeks"], "week", 604_800.0),
];

/// Calendar timescales, which are refused (see the module docs).
const CALENDAR_UNITS: &[&str] = &[
    "mon", "month", "months", "q", "qtr", "qtrs", "quarter", "quarters", "y", "yr", "yrs", "year",
    "years",
];

/// Splits `[<int>]<timescale>` into its count, unit name and unit seconds.
fn parse_wrap_span(text: &str, span: Span) -> Result<(u64, &'static str, f64)> {
    let c = "timewrap";
    let lower = text.trim().to_ascii_lowercase();
    let split = lower
        .find(|ch: char| !ch.is_ascii_digit())
        .unwrap_or(lower.len());
    let (digits, unit) = lower.split_at(split);
    let count: u64 = if digits.is_empty() {
        1
    } else {
        digits
            .parse()
            .map_err(|_| bad(c, format!("`{text}`: the count is too large"), span))?
    };
    if count == 0 {
        return Err(bad(
            c,
            format!("`{text}`: the span must be at least 1"),
            span,
        ));
    }
    if CALENDAR_UNITS.contains(&unit) {
        return Err(unsupported(
            c,
            format!("the calendar timescale in `{text}` is not supported (use s, min, h, d or w)"),
            span,
        ));
    }
    let (_, name, secs) = UNITS
        .iter()
        .find(|(spellings, _, _)| spellings.contains(&unit))
        .ok_or_else(|| {
            bad(
                c,
                format!("`{text}` is not a timewrap span such as `1week`, `2d` or `12h`"),
                span,
            )
        })?;
    Ok((count, name, *secs))
}

/// Parses `timewrap`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let c = "timewrap";
    let mut wrap: Option<(u64, &'static str, f64)> = None;
    let mut align = Align::End;
    let mut series_kind = "relative".to_string();
    let mut series_span = name_span;
    let mut time_format: Option<String> = None;
    while !p.at_command_end() {
        if at_option(p) {
            let (key, value, span) = option(p)?;
            match key.as_str() {
                "align" => {
                    align = match value.to_ascii_lowercase().as_str() {
                        "end" => Align::End,
                        "now" => Align::Now,
                        _ => {
                            return Err(bad(
                                c,
                                format!("`align` must be `now` or `end`, found `{value}`"),
                                span,
                            ))
                        }
                    }
                }
                "series" => {
                    series_kind = value.to_ascii_lowercase();
                    series_span = span;
                }
                "time_format" => time_format = Some(value),
                _ => return Err(unknown_option(c, &key, span)),
            }
            continue;
        }
        let (text, span) = p.field_name("a timewrap span such as `1week`")?;
        if wrap.is_some() {
            return Err(bad(c, format!("unexpected `{text}` after the span"), span));
        }
        wrap = Some(parse_wrap_span(&text, span)?);
    }
    let (count, unit, unit_secs) =
        wrap.ok_or_else(|| bad(c, "a span such as `1week` is required", name_span))?;
    let series = match series_kind.as_str() {
        "relative" => Series::Relative,
        "short" => Series::Short,
        "exact" => Series::Exact(time_format.ok_or_else(|| {
            unsupported(
                c,
                "series=exact without time_format is not supported (give time_format=)",
                series_span,
            )
        })?),
        other => {
            return Err(bad(
                c,
                format!("`series` must be `relative`, `exact` or `short`, found `{other}`"),
                series_span,
            ))
        }
    };
    Ok(CommandArgs::Timewrap(Timewrap {
        count,
        unit,
        unit_secs,
        align,
        series,
    }))
}

impl Timewrap {
    /// The period's length in seconds.
    fn period(&self) -> f64 {
        self.count as f64 * self.unit_secs
    }

    /// `latest_week`, `1week_before`, `2weeks_before`; `s0`, `s1`; or the
    /// formatted start of period `k` (0 = latest) that ends at `end`.
    fn series_name(&self, k: u64, end: f64, tz: chrono_tz::Tz) -> String {
        match &self.series {
            Series::Short => format!("s{k}"),
            Series::Exact(fmt) => {
                let start = end - (k as f64 + 1.0) * self.period();
                crate::timefmt::strftime(start, fmt, tz)
            }
            Series::Relative => {
                let units = |n: u64| {
                    let plural = if n == 1 { "" } else { "s" };
                    format!("{n}{}{plural}", self.unit)
                };
                if k == 0 {
                    if self.count == 1 {
                        format!("latest_{}", self.unit)
                    } else {
                        format!("latest_{}", units(self.count))
                    }
                } else {
                    format!("{}_before", units(k * self.count))
                }
            }
        }
    }
}

impl super::Command for Timewrap {
    /// Folds the rows: one output row per time of the latest period.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let rows = collect(input)?;
        let timed: Vec<(f64, &Event)> = rows
            .iter()
            .filter_map(|r| r.get("_time").and_then(|v| v.as_number()).map(|t| (t, r)))
            .collect();
        if timed.is_empty() {
            return Ok(Box::new(std::iter::empty()));
        }
        let period = self.period();
        let end = match self.align {
            Align::Now => ctx.now,
            Align::End => last_bin_end(&timed),
        };
        // The data columns, in first-seen order: not `_time`, not internal.
        let mut columns: Vec<String> = Vec::new();
        for (_, row) in &timed {
            for name in row.names() {
                if !name.starts_with('_') && !columns.iter().any(|c| c == name) {
                    columns.push(name.to_string());
                }
            }
        }
        // Shifted time (as integer milliseconds, a total order) → period → row.
        let mut cells: BTreeMap<i64, (f64, BTreeMap<u64, &Event>)> = BTreeMap::new();
        let mut periods: Vec<u64> = Vec::new();
        for (t, row) in &timed {
            if *t >= end {
                // After the latest period (align=now with future bins).
                continue;
            }
            // Period k holds [end-(k+1)P, end-kP).
            let k = (((end - t) / period).ceil() - 1.0).max(0.0) as u64;
            let shifted = t + k as f64 * period;
            let entry = cells
                .entry((shifted * 1000.0).round() as i64)
                .or_insert_with(|| (shifted, BTreeMap::new()));
            entry.1.insert(k, row);
            if !periods.contains(&k) {
                periods.push(k);
            }
        }
        // Oldest period first, as the page's example lists them.
        periods.sort_unstable_by(|a, b| b.cmp(a));
        let names: Vec<(u64, String)> = periods
            .iter()
            .map(|&k| (k, self.series_name(k, end, ctx.tz)))
            .collect();
        let prefix = columns.len() > 1;
        let out: Vec<Event> = cells
            .into_values()
            .map(|(shifted, by_period)| {
                let mut row = Event::new();
                row.set("_time", Value::Num(shifted));
                for column in &columns {
                    for (k, series) in &names {
                        let name = if prefix {
                            format!("{column}_{series}")
                        } else {
                            series.clone()
                        };
                        let value = by_period.get(k).and_then(|r| r.get(column)).cloned();
                        row.set_opt(name, value);
                    }
                }
                row
            })
            .collect();
        Ok(Box::new(out.into_iter().map(Ok)))
    }
}

/// The end of the last timechart bin: the last `_time` plus the bin span,
/// taken as the smallest gap between distinct consecutive times (one
/// second when there is a single time).
fn last_bin_end(timed: &[(f64, &Event)]) -> f64 {
    let mut times: Vec<f64> = timed.iter().map(|(t, _)| *t).collect();
    times.sort_by(|a, b| a.total_cmp(b));
    times.dedup();
    let span = times
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|d| *d > 0.0)
        .fold(f64::INFINITY, f64::min);
    let span = if span.is_finite() { span } else { 1.0 };
    times.last().copied().unwrap_or(0.0) + span
}

/// The registry entries of `timewrap`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "timewrap",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn wrap(count: u64, unit: &'static str, secs: f64, series: Series) -> Timewrap {
        Timewrap {
            count,
            unit,
            unit_secs: secs,
            align: Align::End,
            series,
        }
    }

    #[test]
    fn span_parsing_and_calendar_refusal() {
        let s = Span::default();
        assert_eq!(
            parse_wrap_span("1week", s).ok(),
            Some((1, "week", 604_800.0))
        );
        assert_eq!(parse_wrap_span("d", s).ok(), Some((1, "day", 86_400.0)));
        assert_eq!(parse_wrap_span("12h", s).ok(), Some((12, "hour", 3600.0)));
        assert!(parse_wrap_span("1mon", s).is_err());
        assert!(parse_wrap_span("0d", s).is_err());
        assert!(parse_wrap_span("1fortnight", s).is_err());
    }

    #[test]
    fn last_bin_end_adds_the_smallest_gap() {
        let e = Event::new();
        let timed = vec![(100.0, &e), (160.0, &e), (220.0, &e)];
        assert_eq!(last_bin_end(&timed), 280.0);
        assert_eq!(last_bin_end(&timed[..1]), 101.0);
    }

    #[test]
    fn relative_and_short_names() {
        let tz = chrono_tz::UTC;
        let week = wrap(1, "week", 604_800.0, Series::Relative);
        assert_eq!(week.series_name(0, 0.0, tz), "latest_week");
        assert_eq!(week.series_name(1, 0.0, tz), "1week_before");
        assert_eq!(week.series_name(2, 0.0, tz), "2weeks_before");
        let two_days = wrap(2, "day", 86_400.0, Series::Relative);
        assert_eq!(two_days.series_name(0, 0.0, tz), "latest_2days");
        assert_eq!(two_days.series_name(1, 0.0, tz), "2days_before");
        let short = wrap(1, "day", 86_400.0, Series::Short);
        assert_eq!(short.series_name(3, 0.0, tz), "s3");
    }
}
