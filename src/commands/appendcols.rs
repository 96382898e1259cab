//! `appendcols`: the subsearch's fields merged into the results, row by row.
//!
//! Docs: <https://help.splunk.com/splunk-cloud-platform/spl-search-reference/10.0.2503/search-commands/appendcols>:
//! `appendcols [override=<bool> | <subsearch-options>...] <subsearch>`, the
//! options `maxtime=<int> | maxout=<int> | timeout=<int>`.
//!
//! The first subsearch result is merged with the first result, the second
//! with the second, and so on; every subsearch field but the internal ones
//! (`_time`, `_raw`, any `_name`) is added after the result's own fields. A
//! field both have keeps the result's value unless `override=true`. At most
//! `maxout` (default 50000) subsearch results are used, with a notice when
//! there were more. Subsearch results beyond the last result are added as
//! results of their own (the page does not say; see docs/semantics.md).
//! `maxtime` and `timeout` bound a subsearch's running time on a server and
//! are checked for a whole number only.

use crate::commands::common::{
    at_option, bool_opt, collect, count_opt, option, subsearch, unknown_option,
};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::exec::{run_pipeline, Context, Rows};
use crate::source::Span;
use crate::syntax::ast::Pipeline;
use crate::syntax::parser::Parser;

const C: &str = "appendcols";

/// The page's default `maxout`.
const DEFAULT_MAXOUT: usize = 50_000;

/// `appendcols [override=..] [maxout=..] [<subsearch>]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Appendcols {
    /// Subsearch values win over the result's (default false).
    pub override_: bool,
    /// Most subsearch results used.
    pub maxout: usize,
    /// The subsearch.
    pub pipeline: Pipeline,
}

/// Parses `appendcols`' arguments.
pub fn parse(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    let mut override_ = false;
    let mut maxout = DEFAULT_MAXOUT;
    while at_option(p) {
        let (key, value, span) = option(p)?;
        match key.as_str() {
            "override" => override_ = bool_opt(C, &key, &value, span)?,
            "maxout" => maxout = count_opt(C, &key, &value, span)?,
            "maxtime" | "timeout" => {
                count_opt(C, &key, &value, span)?;
            }
            _ => return Err(unknown_option(C, &key, span)),
        }
    }
    let pipeline = subsearch(p, C)?;
    Ok(CommandArgs::Appendcols(Appendcols {
        override_,
        maxout,
        pipeline,
    }))
}

impl Appendcols {
    fn merge(&self, row: &mut Event, sub: Event) {
        for (name, value) in sub.iter() {
            if name.starts_with('_') {
                continue;
            }
            if self.override_ || !row.contains(name) {
                row.set(name.to_string(), value.clone());
            }
        }
    }
}

impl super::Command for Appendcols {
    /// Merges the subsearch's results into the results by position.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let mut extra = run_pipeline(&self.pipeline, ctx)?;
        if extra.len() > self.maxout {
            ctx.notice(format!(
                "appendcols subsearch produced {} results, truncating to {}",
                extra.len(),
                self.maxout
            ));
            extra.truncate(self.maxout);
        }
        let rows = collect(input)?;
        let mut extra = extra.into_iter();
        let mut out: Vec<Event> = Vec::with_capacity(rows.len());
        for mut row in rows {
            if let Some(sub) = extra.next() {
                self.merge(&mut row, sub);
            }
            out.push(row);
        }
        for sub in extra {
            let mut row = Event::new();
            self.merge(&mut row, sub);
            out.push(row);
        }
        Ok(Box::new(out.into_iter().map(Ok)))
    }
}

/// The registry entries of `appendcols`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "appendcols",
        aliases: &[],
        parse,
    },
];
