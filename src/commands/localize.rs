//! `localize`: time-contiguous regions of the results, one row per region,
//! meant to feed `map`.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.0/search-commands/localize>:
//! `localize [maxpause=<int>(s|m|h|d)] [timeafter=<int>(s|m|h|d)]
//! [timebefore=<int>(s|m|h|d)]`; "an event region is a period of time in
//! which consecutive events are separated, at most, by the maxpause time
//! value" (inclusive, default 1m); `timeafter` (default 30s) is added to the
//! output `endtime` field and `timebefore` (default 30s) subtracted from the
//! output `starttime` field; "the regions are returned in search order" and
//! "the time of each region is the initial pre-expanded start-time"; it
//! "also reports the number of events in the range, the range duration in
//! seconds, the region density defined as the number of events in range
//! divided by range duration". The examples pass `$starttime$` and
//! `$endtime$` to `map`.
//!
//! Choices where the page is silent: those three are named `count`,
//! `duration` and `density`; the duration is that of the expanded range
//! (`endtime - starttime`, so a one-event region has a non-zero one); a
//! result without a numeric `_time` belongs to no region. The page names no
//! `maxspan` option: it is an error like any other unknown option.

use crate::commands::common::{at_option, bad, collect, option, time_span_seconds, unknown_option};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

/// `localize maxpause=5m timeafter=0s timebefore=1m`.
#[derive(Debug, Clone, PartialEq)]
pub struct Localize {
    /// Longest gap (seconds, inclusive) inside a region.
    pub maxpause: f64,
    /// Seconds added after a region's last event.
    pub timeafter: f64,
    /// Seconds added before a region's first event.
    pub timebefore: f64,
}

/// A `<int>(s|m|h|d)` duration in seconds.
fn duration(c: &str, key: &str, value: &str, span: Span) -> Result<f64> {
    let unit_ok = value
        .trim_start_matches(|ch: char| ch.is_ascii_digit())
        .to_ascii_lowercase();
    match time_span_seconds(value) {
        Some(s) if ["", "s", "m", "h", "d"].contains(&unit_ok.as_str()) && s >= 0.0 => Ok(s),
        _ => Err(bad(
            c,
            format!("`{key}` must be <int>(s|m|h|d), found `{value}`"),
            span,
        )),
    }
}

/// Parses `localize`'s arguments.
pub fn parse(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    let c = "localize";
    let mut out = Localize {
        maxpause: 60.0,
        timeafter: 30.0,
        timebefore: 30.0,
    };
    while !p.at_command_end() {
        if !at_option(p) {
            return Err(p.expected("`maxpause=`, `timeafter=` or `timebefore=`"));
        }
        let (key, value, span) = option(p)?;
        match key.as_str() {
            "maxpause" => out.maxpause = duration(c, &key, &value, span)?,
            "timeafter" => out.timeafter = duration(c, &key, &value, span)?,
            "timebefore" => out.timebefore = duration(c, &key, &value, span)?,
            _ => return Err(unknown_option(c, &key, span)),
        }
    }
    Ok(CommandArgs::Localize(out))
}

/// One region being built: its earliest and latest time and event count.
struct Region {
    earliest: f64,
    latest: f64,
    count: u64,
}

impl Localize {
    /// The regions of times in search order.
    fn regions(&self, times: &[f64]) -> Vec<Region> {
        let mut out: Vec<Region> = Vec::new();
        let mut previous: Option<f64> = None;
        for &t in times {
            let joins = previous.is_some_and(|p| (p - t).abs() <= self.maxpause);
            match out.last_mut() {
                Some(r) if joins => {
                    r.earliest = r.earliest.min(t);
                    r.latest = r.latest.max(t);
                    r.count += 1;
                }
                _ => out.push(Region {
                    earliest: t,
                    latest: t,
                    count: 1,
                }),
            }
            previous = Some(t);
        }
        out
    }
}

impl super::Command for Localize {
    /// One row per region.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        let rows = collect(input)?;
        let times: Vec<f64> = rows.iter().filter_map(Event::time).collect();
        let out: Vec<Event> = self
            .regions(&times)
            .into_iter()
            .map(|r| {
                let start = r.earliest - self.timebefore;
                let end = r.latest + self.timeafter;
                let span = end - start;
                let mut e = Event::new();
                e.set("_time", Value::Num(r.earliest));
                e.set("starttime", Value::Num(start));
                e.set("endtime", Value::Num(end));
                e.set("count", Value::Num(r.count as f64));
                e.set("duration", Value::Num(span));
                if span > 0.0 {
                    e.set("density", Value::Num(r.count as f64 / span));
                }
                e
            })
            .collect();
        Ok(Box::new(out.into_iter().map(Ok)))
    }
}

/// The registry entries of `localize`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "localize",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_up_to_maxpause_stay_in_a_region() {
        let l = Localize {
            maxpause: 60.0,
            timeafter: 30.0,
            timebefore: 30.0,
        };
        let r = l.regions(&[1000.0, 940.0, 800.0, 790.0]);
        assert_eq!(r.len(), 2);
        assert_eq!((r[0].earliest, r[0].latest, r[0].count), (940.0, 1000.0, 2));
        assert_eq!((r[1].earliest, r[1].latest, r[1].count), (790.0, 800.0, 2));
    }
}
