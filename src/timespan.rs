//! Time spans and time bins, shared by `bin`, `chart`, `timechart`,
//! `tstats`, `mstats`, `makecontinuous` and the `sparkline` stats function:
//! the span syntax (`30m`, `1mon`, `250ms`), the start of the bin holding a
//! time, and the automatic span for a range.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.1/search-commands/bin>.

use chrono::{Datelike, Offset, TimeZone};

use crate::commands::common::{bad, time_span_seconds};
use crate::error::Result;
use crate::source::Span;

/// A bin size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BinSpan {
    /// A size in seconds (or plain units for non-time fields).
    Seconds(f64),
    /// Calendar months.
    Months(u32),
}

/// Default number of bins.
pub(crate) const DEFAULT_BINS: usize = 100;

/// Time spans `bin` picks from when none is given.
pub(crate) const AUTO_TIME_SPANS: &[f64] = &[
    1.0,
    5.0,
    10.0,
    30.0,
    60.0,
    300.0,
    600.0,
    1800.0,
    3600.0,
    86_400.0,
    604_800.0,
    2_592_000.0,
    31_536_000.0,
];

/// The spans `timechart` picks from when none is given, as its docs list
/// them ("Spans used when minspan is specified": 1s ... 1h, 1d, 30 days);
/// 30 days stands for one calendar month ("Previous year → 1 month").
pub const TIMECHART_SPANS: &[f64] = &[
    1.0,
    5.0,
    10.0,
    30.0,
    60.0,
    300.0,
    600.0,
    1800.0,
    3600.0,
    86_400.0,
    2_592_000.0,
];

/// Parses a span option value: `1h`, `5m`, `2mon`, or a number.
pub fn parse_span(text: &str, command: &str, span: Span) -> Result<BinSpan> {
    let lower = text.to_ascii_lowercase();
    for unit in ["months", "month", "mon"] {
        if let Some(n) = lower.strip_suffix(unit) {
            let n: u32 = if n.is_empty() {
                1
            } else {
                n.parse().unwrap_or(0)
            };
            if n > 0 {
                return Ok(BinSpan::Months(n));
            }
        }
    }
    if let Some(seconds) = subsecond_span(&lower, text, command, span)? {
        return Ok(BinSpan::Seconds(seconds));
    }
    match time_span_seconds(&lower) {
        Some(s) if s > 0.0 => Ok(BinSpan::Seconds(s)),
        _ => Err(bad(
            command,
            format!("`{text}` is not a span such as 1h, 5m, 1d or 10"),
            span,
        )),
    }
}

/// A subsecond span (`us`, `ms`, `cs`, `ds`), or `None` for other text.
/// The page: such spans must divide evenly into a second, and a whole
/// second (`1000ms`) is not allowed ("use span=1s instead").
fn subsecond_span(lower: &str, text: &str, command: &str, span: Span) -> Result<Option<f64>> {
    let units = [("us", 1_000_000u64), ("ms", 1_000), ("cs", 100), ("ds", 10)];
    for (unit, per_second) in units {
        let Some(n) = lower.strip_suffix(unit) else {
            continue;
        };
        let Ok(n) = n.parse::<u64>() else {
            return Ok(None);
        };
        if n == 0 || n >= per_second || per_second % n != 0 {
            return Err(bad(
                command,
                format!("`{text}`: a subsecond span must divide evenly into one second and be less than it (use `1s` for a whole second)"),
                span,
            ));
        }
        return Ok(Some(n as f64 / per_second as f64));
    }
    Ok(None)
}

/// The start of the time bin holding `t`: spans of a day or more align to
/// local midnight in `tz` (`aligntime` is ignored for them), months to the first
/// of the month, other spans to multiples of the span from `aligntime` (or
/// the epoch). Shared by `bin`, `timechart`, `chart` and `sparkline`.
pub fn bin_time(t: f64, span: BinSpan, aligntime: Option<f64>, tz: chrono_tz::Tz) -> f64 {
    match span {
        BinSpan::Seconds(size) if size >= 86_400.0 => {
            // Days and longer align to local midnight; the page says
            // `aligntime` is ignored for spans in days, months or years.
            let offset = tz
                .timestamp_opt(t.floor() as i64, 0)
                .single()
                .map(|d| d.offset().fix().local_minus_utc() as f64)
                .unwrap_or(0.0);
            ((t + offset) / size).floor() * size - offset
        }
        BinSpan::Seconds(size) => {
            let base = aligntime.unwrap_or(0.0);
            ((t - base) / size).floor() * size + base
        }
        BinSpan::Months(n) => {
            let Some(local) = tz.timestamp_opt(t.floor() as i64, 0).single() else {
                return t;
            };
            let months = local.year() * 12 + local.month0() as i32;
            let start = months - months.rem_euclid(n as i32);
            tz.with_ymd_and_hms(
                start.div_euclid(12),
                start.rem_euclid(12) as u32 + 1,
                1,
                0,
                0,
                0,
            )
            .earliest()
            .map(|d| d.timestamp() as f64)
            .unwrap_or(t)
        }
    }
}

/// The smallest span in `table` (seconds) of at least `minspan` that gives
/// fewer than `bins` bins over `range` seconds (the largest when none does).
pub fn auto_time_span(range: f64, bins: usize, minspan: f64, table: &[f64]) -> f64 {
    let bins = bins.max(1) as f64;
    table
        .iter()
        .cloned()
        .find(|s| *s >= minspan && range / s < bins)
        .or_else(|| table.last().cloned())
        .unwrap_or(1.0)
}
