//! `multisearch`: runs several streaming searches over the events and
//! interleaves their results by time.
//!
//! Docs: <https://help.splunk.com/splunk-cloud-platform/spl-search-reference/10.0.2503/search-commands/multisearch>:
//! "a generating command that runs multiple streaming searches at the same
//! time. This command requires at least two subsearches and allows only
//! streaming operations in each subsearch"; syntax `| multisearch
//! <subsearch1> <subsearch2> ...`, each `[search <logical-expression>]`.
//! The results of streaming searches are interleaved on `_time`, newest
//! first (the union page's "Interleaving results", which it processes "as a
//! multisearch command"). Unlike `append`, no `maxout` applies.
//!
//! Which commands are distributable streaming follows the Search
//! Reference's command types: per-event commands with no state across
//! events (`search`, `eval`, `where`, `fields`, `rex`, `rename`, ...). The
//! set here is the subset spelunk implements; anything else in a subsearch
//! (`stats`, `head`, `sort`, `table`, ...) is an error naming it.

use crate::commands::common::{bad, subsearch};
use crate::commands::CommandArgs;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::exec::{run_pipeline, Context, Rows};
use crate::source::Span;
use crate::syntax::ast::{Command, Pipeline};
use crate::syntax::lexer::Tok;
use crate::syntax::parser::Parser;

/// `| multisearch [search a] [search b | eval x=1]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Multisearch {
    /// The subsearches, each streaming.
    pub pipelines: Vec<Pipeline>,
}

/// Whether a command is distributable streaming: each event on its own,
/// with no state across events and no need for the whole result set.
pub fn is_distributable_streaming(args: &CommandArgs) -> bool {
    match args {
        CommandArgs::Search(_)
        | CommandArgs::Where(_)
        | CommandArgs::Eval(_)
        | CommandArgs::Rename(_)
        | CommandArgs::Fields(_)
        | CommandArgs::Convert(_)
        | CommandArgs::Rex(_)
        | CommandArgs::Regex(_)
        | CommandArgs::Strcat(_)
        | CommandArgs::Rangemap(_)
        | CommandArgs::Setfields(_)
        | CommandArgs::Makemv(_)
        | CommandArgs::Mvexpand(_)
        | CommandArgs::Nomv(_)
        | CommandArgs::Replace(_)
        | CommandArgs::Spath(_)
        | CommandArgs::Fromjson(_)
        | CommandArgs::Xmlkv(_)
        | CommandArgs::Extract(_)
        | CommandArgs::Multikv(_)
        | CommandArgs::Iplocation(_)
        | CommandArgs::Lookup(_)
        | CommandArgs::Addinfo(_)
        | CommandArgs::Tojson(_)
        | CommandArgs::Highlight(_)
        | CommandArgs::Iconify(_) => true,
        CommandArgs::Fillnull(f) => !f.fields.is_empty(),
        CommandArgs::Bin(b) => b.span.is_some(),
        CommandArgs::Addtotals(a) => !a.col,
        _ => false,
    }
}

/// The first command of a pipeline that is not distributable streaming,
/// or that does not start the pipeline with a search of the events.
pub fn first_non_streaming(pipeline: &Pipeline) -> Option<&Command> {
    match pipeline.commands.first() {
        Some(c) if !matches!(c.args, CommandArgs::Search(_)) => return Some(c),
        _ => {}
    }
    pipeline
        .commands
        .iter()
        .find(|c| !is_distributable_streaming(&c.args))
}

/// Reads `[subsearch]` arguments (commas between them allowed) until the
/// end of the command.
pub fn subsearch_list(p: &mut Parser, command: &str) -> Result<Vec<Pipeline>> {
    let mut out = Vec::new();
    while !p.at_command_end() {
        if p.eat(&Tok::Comma) {
            continue;
        }
        if p.peek() != Some(&Tok::LBracket) {
            return Err(p.expected(&format!("a `[subsearch]` for `{command}`")));
        }
        out.push(subsearch(p, command)?);
    }
    Ok(out)
}

/// Parses `multisearch`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let c = "multisearch";
    let pipelines = subsearch_list(p, c)?;
    if pipelines.len() < 2 {
        return Err(bad(c, "at least two subsearches are required", name_span));
    }
    for (i, pipeline) in pipelines.iter().enumerate() {
        if let Some(cmd) = first_non_streaming(pipeline) {
            return Err(Error::BadArgument {
                command: c.to_string(),
                message: format!(
                    "subsearches may only contain purely streaming operations \
                     (subsearch {} contains the non-streaming command `{}`)",
                    i + 1,
                    cmd.name
                ),
                span: cmd.span,
            });
        }
    }
    Ok(CommandArgs::Multisearch(Multisearch { pipelines }))
}

/// Merges result lists that are each newest first into one list, newest
/// first; equal times keep the earlier list's result first, and results
/// without a time come after those with one.
pub fn interleave_by_time(lists: Vec<Vec<Event>>) -> Vec<Event> {
    let total = lists.iter().map(Vec::len).sum();
    let mut iters: Vec<std::iter::Peekable<std::vec::IntoIter<Event>>> = lists
        .into_iter()
        .map(|l| l.into_iter().peekable())
        .collect();
    let mut out = Vec::with_capacity(total);
    loop {
        let mut best: Option<(usize, Option<f64>)> = None;
        for (i, it) in iters.iter_mut().enumerate() {
            let Some(head) = it.peek() else { continue };
            let t = head.time();
            let better = match best {
                None => true,
                Some((_, bt)) => match (t, bt) {
                    (Some(x), Some(y)) => x > y,
                    (Some(_), None) => true,
                    _ => false,
                },
            };
            if better {
                best = Some((i, t));
            }
        }
        let Some((i, _)) = best else { break };
        if let Some(row) = iters[i].next() {
            out.push(row);
        }
    }
    out
}

impl super::Command for Multisearch {
    /// Runs every subsearch over the events and interleaves the results.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        // A generating command: rows before it (none when it starts the
        // search, as it must) come first.
        let before = crate::commands::common::collect(input)?;
        let mut lists = Vec::with_capacity(self.pipelines.len());
        for pipeline in &self.pipelines {
            lists.push(run_pipeline(pipeline, ctx)?);
        }
        let merged = interleave_by_time(lists);
        Ok(Box::new(before.into_iter().chain(merged).map(Ok)))
    }
}

/// The registry entries of `multisearch`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "multisearch",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    fn at(t: f64, tag: &str) -> Event {
        let mut e = Event::new();
        e.set("_time", Value::Num(t));
        e.set("tag", Value::from(tag));
        e
    }

    fn tags(rows: &[Event]) -> Vec<String> {
        rows.iter()
            .map(|r| {
                r.get("tag")
                    .map(|v| v.to_text().into_owned())
                    .unwrap_or_default()
            })
            .collect()
    }

    #[test]
    fn interleaves_newest_first_with_ties_in_list_order() {
        // The union page's example: A has times 4 and 1, B 3 and 2.
        let merged = interleave_by_time(vec![
            vec![at(4.0, "a4"), at(1.0, "a1")],
            vec![at(3.0, "b3"), at(2.0, "b2"), at(1.0, "b1")],
        ]);
        assert_eq!(tags(&merged), ["a4", "b3", "b2", "a1", "b1"]);
    }

    #[test]
    fn non_streaming_subsearches_are_refused_by_name() {
        let err = crate::syntax::parse("| multisearch [search a=1] [search b=2 | stats count]")
            .expect_err("stats is not streaming");
        assert!(err.to_string().contains("`stats`"), "{err}");
        let err = crate::syntax::parse("| multisearch [search a=1]").expect_err("one subsearch");
        assert!(err.to_string().contains("at least two"), "{err}");
        assert!(crate::syntax::parse("| multisearch [search a=1 | eval x=1] [search b=2]").is_ok());
    }
}
