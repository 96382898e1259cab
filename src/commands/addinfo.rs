//! `addinfo`: adds the search's time bounds, start time and id to each
//! result.
//!
//! Docs: <https://help.splunk.com/splunk-cloud-platform/spl-search-reference/9.3.2408/search-commands/addinfo>:
//! `addinfo` takes no arguments and adds `info_min_time` ("the earliest
//! time boundary for the search"), `info_max_time` ("the latest time
//! boundary"), `info_sid` ("the ID of the search that generated the
//! event") and `info_search_time` ("the time when the search was run"); it
//! is a distributable streaming command.
//!
//! What spelunk writes, and why: a run has no time picker, it searches all
//! the events it is given, so its bounds are those of an all-time search,
//! which Splunk renders as `info_min_time=0.000` and
//! `info_max_time=+Infinity`; `info_search_time` is the search's start
//! time (epoch seconds, the same instant `now()` and `makeresults` use);
//! `info_sid` is `spelunk_<start time>`, as there is no search job whose id
//! it could name.

use crate::commands::common::{at_option, option, unknown_option};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

/// `addinfo`.
#[derive(Debug, Clone, PartialEq)]
pub struct Addinfo;

/// Parses `addinfo` (no arguments).
pub fn parse(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    if at_option(p) {
        let (key, _, span) = option(p)?;
        return Err(unknown_option("addinfo", &key, span));
    }
    if !p.at_command_end() {
        return Err(p.expected("the end of `addinfo` (it takes no arguments)"));
    }
    Ok(CommandArgs::Addinfo(Addinfo))
}

impl super::Command for Addinfo {
    /// Adds the four fields to every result.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let now = ctx.now;
        let sid = format!("spelunk_{}", now.floor());
        Ok(Box::new(input.map(move |row| {
            row.map(|mut event| {
                event.set("info_min_time", Value::Str("0.000".into()));
                event.set("info_max_time", Value::Str("+Infinity".into()));
                event.set("info_sid", Value::Str(sid.clone()));
                event.set("info_search_time", Value::Num(now));
                event
            })
        })))
    }
}

/// The registry entries of `addinfo`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "addinfo",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    #[test]
    fn takes_no_arguments() {
        assert!(crate::syntax::parse("a=1 | addinfo").is_ok());
        let err = crate::syntax::parse("a=1 | addinfo x=1").expect_err("no options");
        assert!(err.to_string().contains("`x`"), "{err}");
    }
}
