//! `gentimes`: generates adjacent time ranges between two times.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/gentimes>:
//! `| gentimes start=<timestamp> [end=<timestamp>] [increment=<int>(s|m|h|d)]`,
//! `<timestamp>` `MM/DD/YYYY[:HH:MM:SS] | <int>` ("-5 for five days ago",
//! the page's examples also write two-digit years: `4/4/21`); `end`
//! defaults to "midnight, prior to the current time in local time";
//! `increment` defaults to `1d`. Results start "with the exact time
//! specified as start time", each "an adjacent, non-overlapping time
//! range", "up to the end time, but not including the end time". Fields:
//! `starttime`, `starthuman`, `endtime`, `endhuman`, the human forms as
//! `DDD MMM DD HH:MM:SS YYYY` ("Sun Apr 4 00:00:00 2021"), and a range's
//! `endtime` is one second before the next range's start (the page's
//! example 1: 1617519600 .. 1617605999).
//!
//! Choices where the page is silent: times are local in the search's time
//! zone (`--tz`); an integer is that many days from today's local midnight;
//! day increments step calendar days (so ranges follow local midnights
//! across daylight-saving changes), others step seconds; two-digit years
//! are 1969-2068 as `strptime`'s `%y`; more than 1,000,000 ranges is an
//! error rather than a runaway search.

use chrono::{Duration, NaiveDate, NaiveDateTime, TimeZone};

use crate::commands::common::{at_option, bad, option, unknown_option};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

/// Most ranges one `gentimes` generates.
const MAX_RANGES: usize = 1_000_000;

/// A `start=`/`end=` value.
#[derive(Debug, Clone, PartialEq)]
pub enum When {
    /// `MM/DD/YYYY[:HH:MM:SS]`, local time.
    At(NaiveDateTime),
    /// Days from today's local midnight.
    Days(i64),
}

/// The step between ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Calendar days.
    Days(i64),
    /// Seconds.
    Seconds(i64),
}

/// `| gentimes start=4/4/21 end=4/7/21 increment=1d`.
#[derive(Debug, Clone, PartialEq)]
pub struct Gentimes {
    /// The first range's start.
    pub start: When,
    /// Where ranges stop (exclusive); default today's midnight.
    pub end: Option<When>,
    /// The range length.
    pub step: Step,
    /// The span of the arguments, for runtime errors.
    pub span: Span,
}

/// Parses `MM/DD/YYYY[:HH:MM:SS]` or an integer number of days.
fn parse_when(text: &str) -> Option<When> {
    if let Ok(days) = text.parse::<i64>() {
        return Some(When::Days(days));
    }
    let (date, time) = match text.split_once(':') {
        Some((d, t)) => (d, Some(t)),
        None => (text, None),
    };
    let mut parts = date.split('/');
    let month: u32 = parts.next()?.parse().ok()?;
    let day: u32 = parts.next()?.parse().ok()?;
    let year_text = parts.next()?;
    if parts.next().is_some() {
        return None;
    }
    let mut year: i32 = year_text.parse().ok()?;
    if year_text.len() <= 2 {
        year += if year < 69 { 2000 } else { 1900 };
    }
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    let (h, m, s) = match time {
        None => (0, 0, 0),
        Some(t) => {
            let mut f = t.split(':').map(|x| x.parse::<u32>().ok());
            let out = (f.next()??, f.next()??, f.next()??);
            if f.next().is_some() {
                return None;
            }
            out
        }
    };
    Some(When::At(date.and_hms_opt(h, m, s)?))
}

/// Parses `increment=<int>(s|m|h|d)`.
fn parse_step(text: &str) -> Option<Step> {
    let t = text.trim().to_ascii_lowercase();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: i64 = num.parse().ok().filter(|n| *n > 0)?;
    match unit {
        "s" => Some(Step::Seconds(n)),
        "m" => Some(Step::Seconds(n.checked_mul(60)?)),
        "h" => Some(Step::Seconds(n.checked_mul(3600)?)),
        "d" => Some(Step::Days(n)),
        _ => None,
    }
}

/// Parses `gentimes`' arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let c = "gentimes";
    let mut start = None;
    let mut end = None;
    let mut step = Step::Days(1);
    let mut span = name_span;
    while at_option(p) {
        let (key, value, vspan) = option(p)?;
        span = span.to(vspan);
        let when = || {
            parse_when(&value).ok_or_else(|| {
                bad(
                    c,
                    format!("`{key}` must be MM/DD/YYYY[:HH:MM:SS] or a whole number of days, found `{value}`"),
                    vspan,
                )
            })
        };
        match key.as_str() {
            "start" => start = Some(when()?),
            "end" => end = Some(when()?),
            "increment" => {
                step = parse_step(&value).ok_or_else(|| {
                    bad(
                        c,
                        format!("`increment` must be a positive whole number with s, m, h or d, found `{value}`"),
                        vspan,
                    )
                })?
            }
            _ => return Err(unknown_option(c, &key, vspan)),
        }
    }
    if !p.at_command_end() {
        return Err(p.expected("the end of `gentimes` (start=, end= and increment=)"));
    }
    let start = start.ok_or_else(|| bad(c, "`start=` is required", name_span))?;
    Ok(CommandArgs::Gentimes(Gentimes {
        start,
        end,
        step,
        span,
    }))
}

impl Gentimes {
    /// A `When` as local wall-clock time.
    fn local(&self, when: &When, today: NaiveDateTime) -> Option<NaiveDateTime> {
        match when {
            When::At(t) => Some(*t),
            When::Days(d) => today.checked_add_signed(Duration::try_days(*d)?),
        }
    }
}

impl super::Command for Gentimes {
    /// Generates the ranges (any input is replaced).
    fn apply<'a>(&'a self, _input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let c = "gentimes";
        let tz = ctx.tz;
        let now = tz
            .timestamp_opt(ctx.now.floor() as i64, 0)
            .single()
            .ok_or_else(|| bad(c, "the search time is out of range", self.span))?;
        let today = now.date_naive().and_hms_opt(0, 0, 0).unwrap_or_default();
        let out_of_range = || bad(c, "the time range is out of range", self.span);
        let start = self.local(&self.start, today).ok_or_else(out_of_range)?;
        let end = match &self.end {
            Some(w) => self.local(w, today).ok_or_else(out_of_range)?,
            None => today,
        };
        // Local wall-clock time to epoch seconds (the earlier reading in a
        // repeated hour, the shifted one in a skipped hour).
        let epoch = |t: NaiveDateTime| -> Option<i64> {
            tz.from_local_datetime(&t)
                .earliest()
                .or_else(|| tz.from_local_datetime(&(t + Duration::hours(1))).earliest())
                .map(|d| d.timestamp())
        };
        let end_epoch = epoch(end).ok_or_else(out_of_range)?;
        let mut rows = Vec::new();
        let mut cur = start;
        let mut cur_epoch = epoch(cur).ok_or_else(out_of_range)?;
        while cur_epoch < end_epoch {
            if rows.len() >= MAX_RANGES {
                return Err(bad(
                    c,
                    format!(
                        "more than {MAX_RANGES} ranges; use a larger increment or a shorter span"
                    ),
                    self.span,
                ));
            }
            let next = match self.step {
                Step::Days(d) => Duration::try_days(d).and_then(|d| cur.checked_add_signed(d)),
                Step::Seconds(s) => tz
                    .timestamp_opt(cur_epoch.saturating_add(s), 0)
                    .single()
                    .map(|d| d.naive_local()),
            }
            .ok_or_else(out_of_range)?;
            let next_epoch = match self.step {
                Step::Days(_) => epoch(next).ok_or_else(out_of_range)?,
                Step::Seconds(s) => cur_epoch.saturating_add(s),
            };
            let human = |t: i64| {
                tz.timestamp_opt(t, 0)
                    .single()
                    .map(|d| d.format("%a %b %-d %H:%M:%S %Y").to_string())
                    .unwrap_or_default()
            };
            let mut e = Event::new();
            e.set("endhuman", Value::Str(human(next_epoch - 1)));
            e.set("endtime", Value::Num((next_epoch - 1) as f64));
            e.set("starthuman", Value::Str(human(cur_epoch)));
            e.set("starttime", Value::Num(cur_epoch as f64));
            rows.push(e);
            cur = next;
            cur_epoch = next_epoch;
        }
        Ok(Box::new(rows.into_iter().map(Ok)))
    }
}

/// The registry entries of `gentimes`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "gentimes",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_and_increments_parse() {
        let at = |y, m, d, h, mi, s| {
            When::At(
                NaiveDate::from_ymd_opt(y, m, d)
                    .and_then(|d| d.and_hms_opt(h, mi, s))
                    .expect("valid"),
            )
        };
        assert_eq!(parse_when("4/4/21"), Some(at(2021, 4, 4, 0, 0, 0)));
        assert_eq!(
            parse_when("4/1/2021:12:34:56"),
            Some(at(2021, 4, 1, 12, 34, 56))
        );
        assert_eq!(parse_when("-5"), Some(When::Days(-5)));
        assert_eq!(parse_when("13/1/2021"), None);
        assert_eq!(parse_when("now"), None);
        assert_eq!(parse_step("1h"), Some(Step::Seconds(3600)));
        assert_eq!(parse_step("7d"), Some(Step::Days(7)));
        assert_eq!(parse_step("1w"), None);
        assert_eq!(parse_step("0d"), None);
    }
}
