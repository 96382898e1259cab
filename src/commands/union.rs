//! `union`: merges the results of datasets (subsearches) with the results
//! so far.
//!
//! Docs: <https://help.splunk.com/splunk-cloud-platform/spl-search-reference/10.0.2503/search-commands/union>:
//! `union [<subsearch-options>] <dataset> [<dataset>...]`, datasets
//! separated by spaces or commas; `maxout` (default 50000) "the maximum
//! number of results to return from the subsearch", `maxtime` and
//! `timeout` in seconds; the options "apply only when the subsearch is
//! treated as a non-streaming search". Usage: a distributable streaming
//! dataset is "processed as a multisearch command" (results interleaved on
//! `_time`), a centralized streaming or non-streaming one "as an append
//! command"; "when a command forces the processing to the search head, all
//! subsequent commands must also be processed on the search head", so from
//! the first non-streaming dataset on every later dataset is appended with
//! `maxout` enforced, while a non-streaming first dataset is the main
//! search and is not truncated (the page's `head 60000` example).
//!
//! What spelunk does: at the start of a search (`| union ...`) the leading
//! run of streaming subsearches is interleaved by `_time`, newest first,
//! without a limit (or the first subsearch runs as the main search when it
//! is not streaming), and each later subsearch is appended and truncated
//! to `maxout` with a notice. After other commands, the results so far come
//! first and each subsearch is appended in order, `maxout` enforced on the
//! non-streaming ones. Difference: Splunk interleaves by `_time` when the
//! incoming search and a dataset are both distributable streaming; spelunk
//! appends (the same rows, in another order). `maxtime` and `timeout` are
//! checked as whole numbers and have no effect: searches here run to the
//! end and cache nothing. Named datasets (`datamodel:...`,
//! `savedsearch:...`, `inputlookup:...`) are refused with an error.

use crate::commands::common::{
    at_option, bad, collect, count_opt, option, unknown_option, unsupported,
};
use crate::commands::multisearch::{first_non_streaming, interleave_by_time, subsearch_list};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::exec::{run_pipeline, Context, Rows};
use crate::source::Span;
use crate::syntax::ast::Pipeline;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::Parser;

/// `union`'s default `maxout` (documented: 50000).
const UNION_MAXOUT: usize = 50_000;

/// `| union maxout=20000 [search a] [search b | stats count]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Union {
    /// The datasets, in order.
    pub pipelines: Vec<Pipeline>,
    /// Most results kept from an appended (non-streaming) dataset.
    pub maxout: usize,
    /// Whether `union` starts its search (`| union ...`): it then generates
    /// the results instead of adding to earlier ones.
    pub first: bool,
}

/// Whether the command whose name starts at `name_span` is the first of its
/// (sub)search: only `|` (and a `[` or the start of the text) before it.
fn starts_search(p: &Parser, name_span: Span) -> bool {
    let before = p.text_of(Span::new(0, name_span.start)).trim_end();
    match before.strip_suffix('|') {
        Some(rest) => {
            let rest = rest.trim_end();
            rest.is_empty() || rest.ends_with('[')
        }
        None => false,
    }
}

/// Parses `union`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let c = "union";
    let mut maxout = UNION_MAXOUT;
    while at_option(p) {
        let (key, value, span) = option(p)?;
        match key.as_str() {
            "maxout" => maxout = count_opt(c, &key, &value, span)?,
            "maxtime" | "timeout" => {
                count_opt(c, &key, &value, span)?;
            }
            _ => return Err(unknown_option(c, &key, span)),
        }
    }
    if let Some(Tok::Word(w)) = p.peek() {
        if w.contains(':') {
            return Err(unsupported(
                c,
                format!(
                    "named dataset `{w}` is not supported; give the dataset as a `[subsearch]`"
                ),
                p.here(),
            ));
        }
    }
    let pipelines = subsearch_list(p, c)?;
    if pipelines.is_empty() {
        return Err(bad(
            c,
            "at least one dataset (`[subsearch]`) is required",
            name_span,
        ));
    }
    Ok(CommandArgs::Union(Union {
        pipelines,
        maxout,
        first: starts_search(p, name_span),
    }))
}

impl Union {
    /// Runs one dataset, truncated to `maxout` with a notice when `limit`.
    fn run(
        &self,
        pipeline: &Pipeline,
        ctx: &Context<'_>,
        limit: bool,
    ) -> Result<Vec<crate::event::Event>> {
        let mut rows = run_pipeline(pipeline, ctx)?;
        if limit && rows.len() > self.maxout {
            ctx.notice(format!(
                "union subsearch produced {} results, truncating to maxout={}",
                rows.len(),
                self.maxout
            ));
            rows.truncate(self.maxout);
        }
        Ok(rows)
    }
}

impl super::Command for Union {
    /// The results so far, then the datasets as the module doc describes.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let mut out = collect(input)?;
        let streaming: Vec<bool> = self
            .pipelines
            .iter()
            .map(|p| first_non_streaming(p).is_none())
            .collect();
        if self.first {
            let leading = streaming.iter().take_while(|s| **s).count().max(1);
            let mut lists = Vec::with_capacity(leading);
            for pipeline in &self.pipelines[..leading] {
                lists.push(self.run(pipeline, ctx, false)?);
            }
            out.extend(interleave_by_time(lists));
            for pipeline in &self.pipelines[leading..] {
                out.extend(self.run(pipeline, ctx, true)?);
            }
        } else {
            for (pipeline, is_streaming) in self.pipelines.iter().zip(&streaming) {
                out.extend(self.run(pipeline, ctx, !is_streaming)?);
            }
        }
        Ok(Box::new(out.into_iter().map(Ok)))
    }
}

/// The registry entries of `union`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "union",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use crate::commands::CommandArgs;

    fn union_of(text: &str) -> super::Union {
        let parsed = crate::syntax::parse(text).expect("parses");
        let found = parsed.commands.iter().find_map(|c| match &c.args {
            CommandArgs::Union(u) => Some(u.clone()),
            _ => None,
        });
        found.expect("a union command")
    }

    #[test]
    fn knows_when_it_starts_the_search() {
        assert!(union_of("| union [search a=1] [search b=2]").first);
        assert!(!union_of("a=1 | union [search b=2]").first);
        assert_eq!(
            union_of("| union maxout=7 [search a=1], [search b=2]").maxout,
            7
        );
    }

    #[test]
    fn named_datasets_and_unknown_options_are_errors() {
        let err =
            crate::syntax::parse("| union datamodel:\"x.y\" [search a=1]").expect_err("named");
        assert!(err.to_string().contains("named dataset"), "{err}");
        let err = crate::syntax::parse("| union max=3 [search a=1]").expect_err("option");
        assert!(err.to_string().contains("`max`"), "{err}");
    }
}
