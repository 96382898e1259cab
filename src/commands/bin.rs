//! `bin` (alias `bucket`): puts continuous values into discrete sets.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.1/search-commands/bin>:
//! `bin [bins=<int>] [minspan=<span>] [span=<span>] [start=<num>] [end=<num>]
//! [aligntime=<time>] <field> [AS <newfield>]`. `_time` values become the
//! bin's start time; other numbers become a `<start>-<end>` range. Time
//! spans of a day or more align to midnight in the search's time zone
//! (`aligntime` is ignored for them). `span=[<coef>]log[<base>]` gives
//! logarithmic bins; subsecond spans (`us`/`ms`/`cs`/`ds`) must divide a
//! second evenly; `aligntime` takes epoch seconds or a relative time.

use chrono::{Datelike, Offset, TimeZone};

use crate::commands::common::{
    at_option, bad, collect, count_opt, number_opt, option, time_span_seconds, unknown_option,
};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::{format_number, Value};

/// `bin _time span=1h`, `bucket bytes bins=10 AS size`.
#[derive(Debug, Clone, PartialEq)]
pub struct Bin {
    /// The field binned.
    pub field: String,
    /// The output field (default: the field itself).
    pub output: String,
    /// The bin size.
    pub span: Option<BinSpan>,
    /// Most bins (when no span is given; default 100).
    pub bins: usize,
    /// Smallest span chosen automatically.
    pub minspan: Option<f64>,
    /// Lower bound of the auto range.
    pub start: Option<f64>,
    /// Upper bound of the auto range.
    pub end: Option<f64>,
    /// Time bins align to this epoch instead of 0/midnight.
    pub aligntime: Option<f64>,
    /// The rarer options, boxed so `chart`'s two `Bin`s keep
    /// `CommandArgs` small.
    pub extra: Option<Box<BinExtra>>,
}

/// `bin` options most searches do not use.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BinExtra {
    /// `aligntime=<time-specifier>` written as a relative time (`@d+3h`,
    /// the page's example 4): resolved against the search's start time.
    pub aligntime_relative: Option<String>,
    /// `span=[<coef>]log[<base>]`: logarithmic bins (numbers only).
    pub log: Option<LogSpan>,
}

/// A log-based span, `span=2log10`: bins `[coef*base^k, coef*base^(k+1))`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogSpan {
    /// The coefficient (default 1): at least 1 and less than the base.
    pub coef: f64,
    /// The base (default 10): greater than 1.
    pub base: f64,
}

/// Parses `[<num>]log[<num>]` (the page's log-span); `None` when the text
/// is not of that form, an error when its numbers break the page's rules
/// (coefficient >= 1 and < base, base > 1).
pub fn parse_log_span(text: &str, command: &str, span: Span) -> Result<Option<LogSpan>> {
    let lower = text.to_ascii_lowercase();
    let Some(at) = lower.find("log") else {
        return Ok(None);
    };
    let (coef, base) = (&lower[..at], &lower[at + 3..]);
    let number = |t: &str, default: f64| -> Option<f64> {
        if t.is_empty() {
            Some(default)
        } else {
            t.parse::<f64>().ok().filter(|n| n.is_finite())
        }
    };
    let (Some(coef), Some(base)) = (number(coef, 1.0), number(base, 10.0)) else {
        return Ok(None);
    };
    if base <= 1.0 {
        return Err(bad(
            command,
            format!("log span `{text}`: the base must be greater than 1"),
            span,
        ));
    }
    if coef < 1.0 || coef >= base {
        return Err(bad(
            command,
            format!("log span `{text}`: the coefficient must be at least 1 and less than the base"),
            span,
        ));
    }
    Ok(Some(LogSpan { coef, base }))
}

impl LogSpan {
    /// The bin `[lo, hi)` holding `v`, or `None` for a value that is not
    /// positive (no power of the base reaches it; the page is silent).
    pub fn bounds(&self, v: f64) -> Option<(f64, f64)> {
        if !(v > 0.0 && v.is_finite()) {
            return None;
        }
        let mut k = ((v / self.coef).ln() / self.base.ln()).floor() as i32;
        // ln() rounding (log10(1000) = 2.9999999999999996): step to the
        // power that really holds v.
        while self.coef * self.base.powi(k) > v {
            k -= 1;
        }
        while self.coef * self.base.powi(k + 1) <= v {
            k += 1;
        }
        let lo = self.coef * self.base.powi(k);
        Some((lo, lo * self.base))
    }
}

/// A bin size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BinSpan {
    /// A size in seconds (or plain units for non-time fields).
    Seconds(f64),
    /// Calendar months.
    Months(u32),
}

/// Default number of bins.
const DEFAULT_BINS: usize = 100;

/// Time spans `bin` picks from when none is given.
const AUTO_TIME_SPANS: &[f64] = &[
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

/// Parses `bin`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let mut out = Bin {
        field: String::new(),
        output: String::new(),
        span: None,
        bins: DEFAULT_BINS,
        minspan: None,
        start: None,
        end: None,
        aligntime: None,
        extra: None,
    };
    while !p.at_command_end() {
        if at_option(p) {
            let (key, value, span) = option(p)?;
            match key.as_str() {
                "span" => match parse_log_span(&value, "bin", span)? {
                    Some(log) => out.extra.get_or_insert_with(Default::default).log = Some(log),
                    None => out.span = Some(parse_span(&value, "bin", span)?),
                },
                "bins" => out.bins = count_opt("bin", &key, &value, span)?.max(1),
                "minspan" => {
                    out.minspan = Some(
                        time_span_seconds(&value)
                            .ok_or_else(|| bad("bin", format!("`{value}` is not a span"), span))?,
                    )
                }
                "start" => out.start = Some(number_opt("bin", &key, &value, span)?),
                "end" => out.end = Some(number_opt("bin", &key, &value, span)?),
                "aligntime" => {
                    if value.eq_ignore_ascii_case("earliest")
                        || value.eq_ignore_ascii_case("latest")
                    {
                        return Err(bad("bin", "`aligntime=earliest|latest` needs a search time range, which offline searches do not have", span));
                    }
                    if crate::value::parse_number(&value).is_some() {
                        out.aligntime = Some(number_opt("bin", &key, &value, span)?);
                    } else if crate::functions::eval::datetime::apply_relative(
                        0.0,
                        &value,
                        chrono_tz::UTC,
                    )
                    .is_some()
                    {
                        out.extra
                            .get_or_insert_with(Default::default)
                            .aligntime_relative = Some(value);
                    } else {
                        return Err(bad(
                            "bin",
                            format!("`aligntime` takes epoch seconds or a relative time such as `@d+3h`, found `{value}`"),
                            span,
                        ));
                    }
                }
                _ => return Err(unknown_option("bin", &key, span)),
            }
        } else if p.at_keyword("as") && !out.field.is_empty() {
            p.next_token();
            out.output = p.field_name("a field name after `AS`")?.0;
        } else if out.field.is_empty() {
            out.field = p.field_name("a field name")?.0;
        } else {
            return Err(p.expected("the end of `bin`"));
        }
    }
    if out.field.is_empty() {
        return Err(bad(
            "bin",
            "expected a field name, e.g. `bin _time span=1h`",
            name_span,
        ));
    }
    if out.output.is_empty() {
        out.output = out.field.clone();
    }
    Ok(CommandArgs::Bin(out))
}

impl Bin {
    /// Bins every row's value.
    pub fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let is_time = self.field == "_time";
        let extra = self.extra.as_deref();
        if let Some(log) = extra.and_then(|x| x.log) {
            return Ok(self.apply_log(log, input, ctx));
        }
        let aligntime = match extra.and_then(|x| x.aligntime_relative.as_deref()) {
            Some(spec) => crate::functions::eval::datetime::apply_relative(ctx.now, spec, ctx.tz),
            None => self.aligntime,
        };
        let rows = collect(input)?;
        let span = match self.span {
            Some(s) => s,
            None => BinSpan::Seconds(self.auto_span(&rows, is_time)),
        };
        let tz = ctx.tz;
        let out = rows.into_iter().map(move |mut event| {
            let Some(v) = event.get(&self.field).and_then(Value::as_number) else {
                return Ok(event);
            };
            let value = if is_time {
                Value::Num(bin_time(v, span, aligntime, tz))
            } else {
                let BinSpan::Seconds(size) = span else {
                    return Ok(event);
                };
                let lo = self.floor(v, size);
                Value::Str(format!(
                    "{}-{}",
                    format_number(lo),
                    format_number(lo + size)
                ))
            };
            event.set(self.output.clone(), value);
            Ok(event)
        });
        Ok(Box::new(out))
    }

    fn floor(&self, v: f64, size: f64) -> f64 {
        let base = self.aligntime.unwrap_or(0.0);
        ((v - base) / size).floor() * size + base
    }

    /// `span=<log-span>`: each positive number becomes `<lo>-<hi>`; others
    /// are left as they are, with one notice (the page does not say what
    /// Splunk does with them).
    fn apply_log<'a>(&'a self, log: LogSpan, input: Rows<'a>, ctx: &'a Context<'a>) -> Rows<'a> {
        let mut warned = false;
        Box::new(input.map(move |row| {
            let mut event = row?;
            let Some(v) = event.get(&self.field).and_then(Value::as_number) else {
                return Ok(event);
            };
            match log.bounds(v) {
                Some((lo, hi)) => event.set(
                    self.output.clone(),
                    Value::Str(format!("{}-{}", format_number(lo), format_number(hi))),
                ),
                None if !warned => {
                    warned = true;
                    ctx.notices.borrow_mut().push(format!(
                        "bin: `{}` has a value that is not positive ({}); a log span cannot bin it, so it is left as it is",
                        self.field,
                        format_number(v)
                    ));
                }
                None => {}
            }
            Ok(event)
        }))
    }

    /// The span chosen when none is given: for `_time` the smallest standard
    /// span giving at most `bins` bins; otherwise the smallest power of ten.
    fn auto_span(&self, rows: &[crate::event::Event], is_time: bool) -> f64 {
        let values: Vec<f64> = rows
            .iter()
            .filter_map(|e| e.get(&self.field).and_then(Value::as_number))
            .collect();
        let lo = values.iter().cloned().fold(f64::INFINITY, f64::min);
        let hi = values.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let lo = self.start.map_or(lo, |s| s.min(lo));
        let hi = self.end.map_or(hi, |e| e.max(hi));
        let range = if hi > lo { hi - lo } else { 0.0 };
        let min = self.minspan.unwrap_or(0.0);
        let bins = self.bins as f64;
        if is_time {
            return auto_time_span(range, self.bins, min, AUTO_TIME_SPANS);
        }
        let mut span = 1.0f64;
        while span < min || range / span >= bins {
            span *= 10.0;
        }
        while span / 10.0 >= min.max(f64::MIN_POSITIVE)
            && range / (span / 10.0) < bins
            && span > 1.0
        {
            span /= 10.0;
        }
        span
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_bounds_hold_the_value_at_exact_powers() {
        let ten = LogSpan {
            coef: 1.0,
            base: 10.0,
        };
        assert_eq!(ten.bounds(1000.0), Some((1000.0, 10_000.0)));
        assert_eq!(ten.bounds(999.0), Some((100.0, 1000.0)));
        assert_eq!(ten.bounds(0.0), None);
        assert_eq!(ten.bounds(-3.0), None);
        let two = LogSpan {
            coef: 3.0,
            base: 4.0,
        };
        assert_eq!(two.bounds(12.0), Some((12.0, 48.0)));
    }

    #[test]
    fn log_span_text_forms() {
        let at = Span::new(0, 1);
        assert_eq!(
            parse_log_span("2log10", "bin", at).ok().flatten(),
            Some(LogSpan {
                coef: 2.0,
                base: 10.0
            })
        );
        assert_eq!(parse_log_span("1h", "bin", at).ok().flatten(), None);
        assert!(parse_log_span("10log10", "bin", at).is_err());
        assert!(parse_log_span("log0.5", "bin", at).is_err());
    }
}
