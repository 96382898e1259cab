//! `makecontinuous`: fills the gaps of an x-axis field with empty bins.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/makecontinuous>:
//! `makecontinuous [<field>] <bins-options>...`; it "makes a field on the
//! x-axis numerically continuous by adding empty buckets for periods where
//! there is no data and quantifying the periods where there is data"; the
//! bins options are `bins=<int>`, `span=<log-span>|<span-length>` (with the
//! time scales `s`, `m`, `h`, `d`, `mon` and subseconds) and
//! `start=<num>`/`end=<num>`, "the minimum and maximum extents for numerical
//! bins. Data outside of the [start, end] range is discarded". Example:
//! `makecontinuous _time span=10m`. It is a transforming command.
//!
//! Choices where the page is silent: the field defaults to `_time`; each
//! result's value becomes the start of its bin (time bins align as `bin`'s
//! do, src/commands/bin.rs), results come out in bin order (ties in input
//! order), and each missing bin between the first and the last (or
//! `start`/`end` when given) is a result holding only the field. A result
//! without a numeric value in the field is kept, after the others.
//! Unsupported here, each an error naming it: `bins=` (its span depends on
//! Splunk's automatic choice) and log spans; a fill of more than
//! [`MAX_FILL`] bins is an error rather than an unbounded output.

use crate::commands::bin::{bin_time, parse_span, BinSpan};
use crate::commands::common::{
    at_option, bad, collect, number_opt, option, unknown_option, unsupported,
};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

/// Most bins one `makecontinuous` may produce.
pub const MAX_FILL: usize = 100_000;

/// `makecontinuous _time span=10m`.
#[derive(Debug, Clone, PartialEq)]
pub struct Makecontinuous {
    /// The x-axis field.
    pub field: String,
    /// The bin size.
    pub span: BinSpan,
    /// Lowest value kept (and first bin).
    pub start: Option<f64>,
    /// Highest value kept (and last bin).
    pub end: Option<f64>,
    /// Where the command is, for runtime errors.
    pub name_span: Span,
}

/// Parses `makecontinuous`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let c = "makecontinuous";
    let mut field: Option<String> = None;
    let mut span = None;
    let mut start = None;
    let mut end = None;
    while !p.at_command_end() {
        if at_option(p) {
            let (key, value, vspan) = option(p)?;
            match key.as_str() {
                "span" => {
                    if value.to_ascii_lowercase().contains("log") {
                        return Err(unsupported(c, "log spans (`span=<num>log<num>`) are not supported", vspan));
                    }
                    span = Some(parse_span(&value, c, vspan)?);
                }
                "start" => start = Some(number_opt(c, &key, &value, vspan)?),
                "end" => end = Some(number_opt(c, &key, &value, vspan)?),
                "bins" => {
                    return Err(unsupported(
                        c,
                        "`bins=` is not supported (its span depends on Splunk's automatic choice); give `span=`",
                        vspan,
                    ))
                }
                _ => return Err(unknown_option(c, &key, vspan)),
            }
            continue;
        }
        if field.is_some() {
            return Err(p.expected("the end of `makecontinuous` (one field and bins options)"));
        }
        field = Some(p.field_name("a field name")?.0);
    }
    let Some(span) = span else {
        return Err(bad(
            c,
            "a span is required, e.g. `makecontinuous _time span=10m`",
            name_span,
        ));
    };
    Ok(CommandArgs::Makecontinuous(Makecontinuous {
        field: field.unwrap_or_else(|| "_time".to_string()),
        span,
        start,
        end,
        name_span,
    }))
}

impl Makecontinuous {
    /// The start of the bin holding `v`.
    fn bin(&self, v: f64, tz: chrono_tz::Tz) -> f64 {
        match self.span {
            BinSpan::Seconds(size) if self.field != "_time" => (v / size).floor() * size,
            span => bin_time(v, span, None, tz),
        }
    }

    /// The start of the bin after the one starting at `b`.
    fn next(&self, b: f64, tz: chrono_tz::Tz) -> f64 {
        let ahead = match self.span {
            BinSpan::Seconds(size) if self.field != "_time" => return b + size,
            // A little past one span: a day bin across a DST change is 23
            // or 25 hours long, so the floor of b + span can fall short.
            BinSpan::Seconds(size) => b + size * 1.5,
            BinSpan::Months(n) => b + f64::from(n) * 31.0 * 86_400.0,
        };
        bin_time(ahead, self.span, None, tz)
    }
}

impl super::Command for Makecontinuous {
    /// Bins the results and adds the missing bins.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let rows = collect(input)?;
        let tz = ctx.tz;
        let mut binned: Vec<(f64, Event)> = Vec::new();
        let mut other: Vec<Event> = Vec::new();
        for mut event in rows {
            let Some(v) = event.get(&self.field).and_then(Value::as_number) else {
                other.push(event);
                continue;
            };
            if self.start.is_some_and(|s| v < s) || self.end.is_some_and(|e| v > e) {
                continue;
            }
            let b = self.bin(v, tz);
            event.set(self.field.clone(), Value::Num(b));
            binned.push((b, event));
        }
        binned.sort_by(|a, b| a.0.total_cmp(&b.0));
        let first = self
            .start
            .map(|s| self.bin(s, tz))
            .or_else(|| binned.first().map(|b| b.0));
        let last = self
            .end
            .map(|e| self.bin(e, tz))
            .or_else(|| binned.last().map(|b| b.0));
        let mut out: Vec<Event> = Vec::with_capacity(binned.len());
        if let (Some(first), Some(last)) = (first, last) {
            let mut rows = binned.into_iter().peekable();
            let mut b = first;
            let mut bins = 0usize;
            while b <= last {
                bins += 1;
                if bins > MAX_FILL {
                    return Err(bad(
                        "makecontinuous",
                        format!("more than {MAX_FILL} bins between the first and the last; give a larger span"),
                        self.name_span,
                    ));
                }
                let mut filled = false;
                while let Some((_, e)) = rows.next_if(|(rb, _)| *rb < self.next(b, tz)) {
                    out.push(e);
                    filled = true;
                }
                if !filled {
                    let mut e = Event::new();
                    e.set(self.field.clone(), Value::Num(b));
                    out.push(e);
                }
                b = self.next(b, tz);
            }
        }
        out.extend(other);
        Ok(Box::new(out.into_iter().map(Ok)))
    }
}

/// The registry entries of `makecontinuous`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "makecontinuous",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_bins_step_by_span() {
        let m = Makecontinuous {
            field: "x".into(),
            span: BinSpan::Seconds(10.0),
            start: None,
            end: None,
            name_span: Span::default(),
        };
        assert_eq!(m.bin(27.0, chrono_tz::UTC), 20.0);
        assert_eq!(m.next(20.0, chrono_tz::UTC), 30.0);
    }

    #[test]
    fn month_bins_step_a_month() {
        let m = Makecontinuous {
            field: "_time".into(),
            span: BinSpan::Months(1),
            start: None,
            end: None,
            name_span: Span::default(),
        };
        // 2024-01-01 → 2024-02-01 (UTC).
        assert_eq!(m.next(1_704_067_200.0, chrono_tz::UTC), 1_706_745_600.0);
    }
}
