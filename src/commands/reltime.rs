//! `reltime`: a human-readable "how long ago" field from a time field.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.1/search-commands/reltime>:
//! `reltime [timefield=<field-list>] [prefix=<string>]`; each added field is
//! "a human-readable value of the difference between "now" (the start time
//! of the search) and the timestamp value of a corresponding field", such
//! as `5 days ago`, `1 minute ago`, `2 years ago`; `timefield` defaults to
//! `_time` and takes "a comma-separated list bounded by double quotation
//! marks"; `prefix` names the added fields, and with several time fields
//! and no prefix they are prefixed `reltime_`.
//!
//! The page's naming table: no `timefield`, or one without a prefix, adds
//! `reltime`; several without a prefix add `reltime_<timefield>`; with a
//! prefix, `<prefix><timefield>`. For one field with a prefix the table says
//! "reltime, prefixed by your custom prefix" but example 3 (`timefield=
//! current_time prefix=reltime_now_` adds `reltime_now_current_time`) names
//! it after the time field; spelunk follows the example. Its usage: an
//! event an hour older than the search start gets `1 hour ago`.
//!
//! Choices where the page is silent (it shows no unit boundaries): the
//! difference is counted in the largest whole unit among seconds, minutes,
//! hours, days, months (30 days) and years (365 days), rounded down,
//! singular for 1; no difference is `now` and a time after the search start
//! is `in N units`; a result whose time field is missing or not a number
//! gets no field.

use crate::commands::common::{at_option, bad, option, unknown_option};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

/// `reltime timefield="start,end" prefix=rt_`.
#[derive(Debug, Clone, PartialEq)]
pub struct Reltime {
    /// (time field, field to write) pairs.
    pub outputs: Vec<(String, String)>,
}

/// Parses `reltime`'s arguments.
pub fn parse(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    let c = "reltime";
    let mut timefields = vec!["_time".to_string()];
    let mut prefix: Option<String> = None;
    while !p.at_command_end() {
        if !at_option(p) {
            return Err(p.expected("`timefield=` or `prefix=` (reltime takes only options)"));
        }
        let (key, value, span) = option(p)?;
        match key.as_str() {
            "timefield" => {
                timefields = value
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect();
                if timefields.is_empty() {
                    return Err(bad(c, "`timefield` names no field", span));
                }
            }
            "prefix" => prefix = Some(value),
            _ => return Err(unknown_option(c, &key, span)),
        }
    }
    let single = timefields.len() == 1;
    let outputs = timefields
        .into_iter()
        .map(|f| {
            let name = match &prefix {
                None if single => "reltime".to_string(),
                None => format!("reltime_{f}"),
                Some(p) => format!("{p}{f}"),
            };
            (f, name)
        })
        .collect();
    Ok(CommandArgs::Reltime(Reltime { outputs }))
}

/// Units, largest first, with their length in seconds.
const UNITS: &[(&str, f64)] = &[
    ("year", 365.0 * 86_400.0),
    ("month", 30.0 * 86_400.0),
    ("day", 86_400.0),
    ("hour", 3_600.0),
    ("minute", 60.0),
    ("second", 1.0),
];

/// `now − time` in words: `5 minutes ago`, `1 day ago`, `in 2 hours`, `now`.
pub fn describe(seconds_ago: f64) -> String {
    let span = seconds_ago.abs();
    for (unit, length) in UNITS {
        let n = (span / length).floor();
        if n >= 1.0 {
            let plural = if n == 1.0 { "" } else { "s" };
            let amount = format!("{} {unit}{plural}", n as i64);
            return if seconds_ago > 0.0 {
                format!("{amount} ago")
            } else {
                format!("in {amount}")
            };
        }
    }
    "now".to_string()
}

impl super::Command for Reltime {
    /// Adds the relative time fields to every result.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        Ok(Box::new(input.map(move |row| {
            let mut event = row?;
            for (field, name) in &self.outputs {
                let words = event
                    .get(field)
                    .and_then(Value::as_number)
                    .map(|t| Value::Str(describe(ctx.now - t)));
                event.set_opt(name.as_str(), words);
            }
            Ok(event)
        })))
    }
}

/// The registry entries of `reltime`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "reltime",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_for_differences() {
        assert_eq!(describe(0.0), "now");
        assert_eq!(describe(0.5), "now");
        assert_eq!(describe(1.0), "1 second ago");
        assert_eq!(describe(60.0), "1 minute ago");
        assert_eq!(describe(299.0), "4 minutes ago");
        assert_eq!(describe(300.0), "5 minutes ago");
        assert_eq!(describe(5.0 * 86_400.0), "5 days ago");
        assert_eq!(describe(2.0 * 365.0 * 86_400.0), "2 years ago");
        assert_eq!(describe(-7_200.0), "in 2 hours");
    }
}
