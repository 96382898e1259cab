//! Date and time functions: `now`, `time`, `relative_time`, `strftime`,
//! `strptime`. Times are epoch seconds; formats are Splunk's
//! (`crate::timefmt`); the zone is the search's (`--tz`, UTC by default).

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, TimeZone, Timelike};
use chrono_tz::Tz;

use crate::error::Result;
use crate::eval::EvalValue;
use crate::functions::eval::{arg, eager, CallSite, FnSpec};
use crate::timefmt;

/// The functions of this category.
pub const FUNCTIONS: &[FnSpec] = &[
    eager("now", 0, 0, |_, s| Ok(EvalValue::Num(s.ctx.now))),
    eager("time", 0, 0, time),
    eager("relative_time", 2, 2, relative_time),
    eager("strftime", 2, 2, strftime),
    eager("strptime", 2, 2, strptime),
];

/// `time()`: the wall-clock time when the function runs, with microseconds
/// (unlike `now()`, it differs between events).
fn time(_: Vec<EvalValue>, _: &CallSite) -> Result<EvalValue> {
    let now = chrono::Utc::now();
    Ok(EvalValue::Num(
        now.timestamp() as f64 + f64::from(now.timestamp_subsec_micros()) / 1e6,
    ))
}

fn strftime(args: Vec<EvalValue>, site: &CallSite) -> Result<EvalValue> {
    let (Some(t), Some(fmt)) = (arg(&args, 0).as_number(), arg(&args, 1).as_text()) else {
        return Ok(EvalValue::Null);
    };
    Ok(EvalValue::Str(timefmt::strftime(t, &fmt, site.ctx.tz)))
}

fn strptime(args: Vec<EvalValue>, site: &CallSite) -> Result<EvalValue> {
    let (Some(text), Some(fmt)) = (arg(&args, 0).as_text(), arg(&args, 1).as_text()) else {
        return Ok(EvalValue::Null);
    };
    Ok(timefmt::strptime(&text, &fmt, site.ctx.tz).map_or(EvalValue::Null, EvalValue::Num))
}

/// `relative_time(time, "-1d@d")`: the time moved by offsets and snapped.
fn relative_time(args: Vec<EvalValue>, site: &CallSite) -> Result<EvalValue> {
    let (Some(t), Some(spec)) = (arg(&args, 0).as_number(), arg(&args, 1).as_text()) else {
        return Ok(EvalValue::Null);
    };
    Ok(apply_relative(t, &spec, site.ctx.tz).map_or(EvalValue::Null, EvalValue::Num))
}

/// A time unit of a relative time modifier.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Unit {
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

fn unit(name: &str) -> Option<Unit> {
    Some(match name.to_ascii_lowercase().as_str() {
        "s" | "sec" | "secs" | "second" | "seconds" => Unit::Second,
        "m" | "min" | "mins" | "minute" | "minutes" => Unit::Minute,
        "h" | "hr" | "hrs" | "hour" | "hours" => Unit::Hour,
        "d" | "day" | "days" => Unit::Day,
        "w" | "week" | "weeks" => Unit::Week,
        "mon" | "month" | "months" => Unit::Month,
        "q" | "qtr" | "qtrs" | "quarter" | "quarters" => Unit::Quarter,
        "y" | "yr" | "yrs" | "year" | "years" => Unit::Year,
        _ => return None,
    })
}

/// Applies a relative time modifier (`-1d@d`, `+2h`, `@w1`, `now`) to an
/// epoch time; `None` when the modifier is malformed.
pub fn apply_relative(t: f64, spec: &str, tz: Tz) -> Option<f64> {
    let spec = spec.trim();
    if spec.eq_ignore_ascii_case("now") || spec.is_empty() {
        return Some(t);
    }
    let mut time = tz.timestamp_opt(t.floor() as i64, 0).single()?;
    let frac = t - t.floor();
    let mut rest = spec;
    let mut snapped = false;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('@') {
            let len = after.find(['+', '-', '@']).unwrap_or(after.len());
            time = snap(time, &after[..len])?;
            snapped = true;
            rest = &after[len..];
            continue;
        }
        let sign = match rest.as_bytes()[0] {
            b'-' => -1,
            b'+' => 1,
            _ => return None,
        };
        rest = &rest[1..];
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let n: i64 = if digits == 0 {
            1
        } else {
            rest[..digits].parse().ok()?
        };
        rest = &rest[digits..];
        let ulen = rest.find(['+', '-', '@']).unwrap_or(rest.len());
        let u = unit(&rest[..ulen])?;
        rest = &rest[ulen..];
        time = shift(time, u, sign * n)?;
    }
    let base = time.timestamp() as f64;
    Some(if snapped { base } else { base + frac })
}

fn shift(time: DateTime<Tz>, u: Unit, n: i64) -> Option<DateTime<Tz>> {
    let months = |m: i64| -> Option<DateTime<Tz>> {
        if m >= 0 {
            time.checked_add_months(Months::new(u32::try_from(m).ok()?))
        } else {
            time.checked_sub_months(Months::new(u32::try_from(-m).ok()?))
        }
    };
    match u {
        Unit::Second => time.checked_add_signed(Duration::try_seconds(n)?),
        Unit::Minute => time.checked_add_signed(Duration::try_minutes(n)?),
        Unit::Hour => time.checked_add_signed(Duration::try_hours(n)?),
        Unit::Day => time.checked_add_signed(Duration::try_days(n)?),
        Unit::Week => time.checked_add_signed(Duration::try_weeks(n)?),
        Unit::Month => months(n),
        Unit::Quarter => months(n.checked_mul(3)?),
        Unit::Year => months(n.checked_mul(12)?),
    }
}

/// Rounds down to the start of the unit; `w0`..`w6` snap to that weekday
/// (0 = Sunday) on or before the time.
fn snap(time: DateTime<Tz>, to: &str) -> Option<DateTime<Tz>> {
    let tz = time.timezone();
    let lower = to.to_ascii_lowercase();
    let at = |date: NaiveDate, h: u32, m: u32, s: u32| -> Option<DateTime<Tz>> {
        tz.from_local_datetime(&date.and_hms_opt(h, m, s)?)
            .earliest()
    };
    let date = time.date_naive();
    if let Some(day) = lower
        .strip_prefix('w')
        .filter(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
    {
        let want: u32 = day.parse::<u32>().ok()? % 7;
        let have = date.weekday().num_days_from_sunday();
        let back = (have + 7 - want) % 7;
        return at(date - Duration::try_days(i64::from(back))?, 0, 0, 0);
    }
    match unit(&lower)? {
        Unit::Second => at(date, time.hour(), time.minute(), time.second()),
        Unit::Minute => at(date, time.hour(), time.minute(), 0),
        Unit::Hour => at(date, time.hour(), 0, 0),
        Unit::Day => at(date, 0, 0, 0),
        Unit::Week => {
            let back = date.weekday().num_days_from_sunday();
            at(date - Duration::try_days(i64::from(back))?, 0, 0, 0)
        }
        Unit::Month => at(date.with_day(1)?, 0, 0, 0),
        Unit::Quarter => {
            let month = (date.month0() / 3) * 3 + 1;
            at(NaiveDate::from_ymd_opt(date.year(), month, 1)?, 0, 0, 0)
        }
        Unit::Year => at(NaiveDate::from_ymd_opt(date.year(), 1, 1)?, 0, 0, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_snaps() {
        // 2024-01-10T15:45:30Z, a Wednesday.
        let t = 1_704_901_530.0;
        let utc = chrono_tz::UTC;
        assert_eq!(apply_relative(t, "-1d@d", utc), Some(1_704_758_400.0));
        assert_eq!(apply_relative(t, "@h", utc), Some(1_704_898_800.0));
        assert_eq!(apply_relative(t, "+2h", utc), Some(t + 7200.0));
        assert_eq!(apply_relative(t, "@w0", utc), Some(1_704_585_600.0));
        assert_eq!(apply_relative(t, "-1mon@mon", utc), Some(1_701_388_800.0));
        assert_eq!(apply_relative(t, "@y", utc), Some(1_704_067_200.0));
        assert_eq!(apply_relative(t, "bogus", utc), None);
    }
}
