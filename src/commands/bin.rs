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

use crate::commands::common::{
    at_option, bad, collect, count_opt, number_opt, option, time_span_seconds, unknown_option,
};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::{format_number, Value};

pub use crate::timespan::{auto_time_span, bin_time, parse_span, BinSpan, TIMECHART_SPANS};
use crate::timespan::{AUTO_TIME_SPANS, DEFAULT_BINS};

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

impl super::Command for Bin {
    /// Bins every row's value.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
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
}

/// The registry entries of `bin`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "bin",
        aliases: &["bucket"],
        parse,
    },
];

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
