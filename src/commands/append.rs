//! Commands that combine result sets: `append`, `appendpipe`, `join`, `map`.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/append>,
//! `.../appendpipe`, `.../join`, `.../map`.

use std::collections::HashMap;

use crate::commands::common::{
    at_option, bad, bool_opt, collect, count_opt, option, subsearch, unknown_option, unsupported,
};
use crate::commands::CommandArgs;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::exec::memory::Releasing;
use crate::exec::{run_pipeline, Context, Rows};
use crate::source::Span;
use crate::syntax::ast::Pipeline;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::Parser;

/// `append`'s default `maxout` (documented: 50000).
const APPEND_MAXOUT: usize = 50_000;
/// `join`'s subsearch row limit (limits.conf `[join] subsearch_maxout`).
const JOIN_MAXOUT: usize = 50_000;

/// `append [maxout=<int>] [maxtime=<int>] [extendtimerange=<bool>] [<subsearch>]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Append {
    /// The subsearch.
    pub pipeline: Pipeline,
    /// Most subsearch rows appended.
    pub maxout: usize,
}

/// Parses `append`'s arguments.
pub fn parse_append(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    let mut maxout = APPEND_MAXOUT;
    while at_option(p) {
        let (key, value, span) = option(p)?;
        match key.as_str() {
            "maxout" => maxout = count_opt("append", &key, &value, span)?,
            "maxtime" | "timeout" => {
                count_opt("append", &key, &value, span)?;
            }
            "extendtimerange" => {
                bool_opt("append", &key, &value, span)?;
            }
            _ => return Err(unknown_option("append", &key, span)),
        }
    }
    let pipeline = subsearch(p, "append")?;
    Ok(CommandArgs::Append(Append { pipeline, maxout }))
}

/// Runs a subsearch and keeps at most `max` rows, noting a truncation.
fn run_limited(
    pipeline: &Pipeline,
    ctx: &Context<'_>,
    max: usize,
    what: &str,
) -> Result<Vec<Event>> {
    let mut rows = run_pipeline(pipeline, ctx)?;
    if rows.len() > max {
        ctx.notice(format!(
            "{what} subsearch produced {} results, truncating to {max}",
            rows.len()
        ));
        rows.truncate(max);
    }
    Ok(rows)
}

impl super::Command for Append {
    /// The input, then the subsearch's rows.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let extra = run_limited(&self.pipeline, ctx, self.maxout, "append")?;
        Ok(Box::new(input.chain(extra.into_iter().map(Ok))))
    }
}

/// `appendpipe [run_in_preview=<bool>] [<subpipeline>]`, e.g.
/// `appendpipe [stats count AS total]`: runs the commands over the current
/// results and appends what they produce.
#[derive(Debug, Clone, PartialEq)]
pub struct Appendpipe {
    /// The commands run over the results.
    pub pipeline: Pipeline,
}

/// Parses `appendpipe`'s arguments.
pub fn parse_appendpipe(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    while at_option(p) {
        let (key, value, span) = option(p)?;
        match key.as_str() {
            "run_in_preview" => {
                bool_opt("appendpipe", &key, &value, span)?;
            }
            _ => return Err(unknown_option("appendpipe", &key, span)),
        }
    }
    p.expect(&Tok::LBracket, "a `[subpipeline]` for `appendpipe`")?;
    let pipeline = p.command_pipeline()?;
    p.expect(&Tok::RBracket, "a closing `]`")?;
    Ok(CommandArgs::Appendpipe(Appendpipe { pipeline }))
}

impl super::Command for Appendpipe {
    /// The input followed by the subpipeline's output over it.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let rows = collect(input)?;
        let extra = run_commands(&self.pipeline, rows.clone(), ctx)?;
        Ok(Box::new(rows.into_iter().chain(extra).map(Ok)))
    }
}

/// Runs a pipeline's commands over given rows.
fn run_commands(pipeline: &Pipeline, rows: Vec<Event>, ctx: &Context<'_>) -> Result<Vec<Event>> {
    let mut stream: Rows<'_> = Box::new(rows.into_iter().map(Ok));
    for command in &pipeline.commands {
        stream = command.args.apply(stream, ctx)?;
    }
    stream.collect()
}

/// How `join` treats a result without a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinType {
    /// Drop it (default).
    Inner,
    /// Keep it (`left` or `outer`).
    Left,
}

/// `join [type=inner|left|outer] [max=<int>] [overwrite=<bool>] [usetime=..]
/// [<field>...] [<subsearch>]`, e.g. `join type=left user [search ...]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Join {
    /// Inner or left/outer.
    pub kind: JoinType,
    /// Most subsearch rows joined per result (0 = all; default 1).
    pub max: usize,
    /// Subsearch values replace the result's on a name clash (default true).
    pub overwrite: bool,
    /// The join fields; empty means every field both sides share.
    pub fields: Vec<String>,
    /// The subsearch.
    pub pipeline: Pipeline,
}

/// Parses `join`'s arguments.
pub fn parse_join(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    let mut out = Join {
        kind: JoinType::Inner,
        max: 1,
        overwrite: true,
        fields: Vec::new(),
        pipeline: Pipeline {
            commands: Vec::new(),
            span: Span::default(),
        },
    };
    loop {
        if at_option(p) {
            let (key, value, span) = option(p)?;
            match key.as_str() {
                "type" => {
                    out.kind = match value.to_ascii_lowercase().as_str() {
                        "inner" => JoinType::Inner,
                        "left" | "outer" => JoinType::Left,
                        _ => return Err(bad("join", format!("unknown join type `{value}`"), span)),
                    }
                }
                "max" => out.max = count_opt("join", &key, &value, span)?,
                "overwrite" => out.overwrite = bool_opt("join", &key, &value, span)?,
                "usetime" | "earlier" => {
                    if bool_opt("join", &key, &value, span)? && key == "usetime" {
                        return Err(unsupported(
                            "join",
                            "`usetime=true` is not supported yet",
                            span,
                        ));
                    }
                }
                _ => return Err(unknown_option("join", &key, span)),
            }
            continue;
        }
        if p.peek() == Some(&Tok::LBracket) || p.at_command_end() {
            break;
        }
        if p.eat(&Tok::Comma) {
            continue;
        }
        out.fields.push(p.field_name("a join field")?.0);
    }
    out.pipeline = subsearch(p, "join")?;
    Ok(CommandArgs::Join(out))
}

impl super::Command for Join {
    /// Joins every result with matching subsearch rows.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let right = run_limited(&self.pipeline, ctx, JOIN_MAXOUT, "join")?;
        // Both sides and the joined rows are held: charged to the search's
        // memory budget.
        let mut held = ctx.memory.hold("join");
        for row in &right {
            held.charge_row(row)?;
        }
        let mut left = Vec::new();
        for row in input {
            let row = row?;
            held.charge_row(&row)?;
            left.push(row);
        }
        let fields: Vec<String> = if self.fields.is_empty() {
            let l = crate::exec::columns(&left);
            let r = crate::exec::columns(&right);
            l.into_iter().filter(|c| r.contains(c)).collect()
        } else {
            self.fields.clone()
        };
        let mut index: HashMap<Vec<String>, Vec<usize>> = HashMap::new();
        for (i, row) in right.iter().enumerate() {
            if let Some(k) = crate::commands::common::key_of(row, &fields) {
                index.entry(k).or_default().push(i);
            }
        }
        let mut joined = ctx.memory.hold("join");
        let mut out = Vec::new();
        for event in left {
            let matches = crate::commands::common::key_of(&event, &fields)
                .and_then(|k| index.get(&k))
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            if matches.is_empty() {
                if self.kind == JoinType::Left {
                    // Moved, not copied: its charge moves too.
                    let bytes = crate::exec::memory::row_bytes(&event);
                    joined.charge(bytes)?;
                    held.release(bytes);
                    out.push(event);
                }
                continue;
            }
            let take = if self.max == 0 {
                matches.len()
            } else {
                self.max
            };
            for &i in matches.iter().take(take) {
                let mut merged = event.clone();
                for (name, value) in right[i].iter() {
                    if self.overwrite || !merged.contains(name) {
                        merged.set(name.to_string(), value.clone());
                    }
                }
                joined.charge_row(&merged)?;
                out.push(merged);
            }
        }
        drop(held);
        Ok(Box::new(Releasing::new(out.into_iter(), joined)))
    }
}

/// `map search="<search with $field$>" [maxsearches=<int>]`, or
/// `map [subsearch]`: runs the search once per result, with `$field$`
/// replaced by the result's value, and returns every run's results.
#[derive(Debug, Clone, PartialEq)]
pub struct Map {
    /// The search text, with `$field$` tokens.
    pub search: String,
    /// Most results (runs) processed (default 10).
    pub maxsearches: usize,
    /// Where the search is written.
    pub span: Span,
}

/// `map`'s default `maxsearches`.
const MAP_MAXSEARCHES: usize = 10;

/// Parses `map`'s arguments.
pub fn parse_map(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let mut search = None;
    let mut maxsearches = MAP_MAXSEARCHES;
    let mut span = name_span;
    while !p.at_command_end() {
        if at_option(p) {
            let (key, value, s) = option(p)?;
            match key.as_str() {
                "search" => {
                    search = Some(value);
                    span = s;
                }
                "maxsearches" => maxsearches = count_opt("map", &key, &value, s)?,
                _ => return Err(unknown_option("map", &key, s)),
            }
        } else if p.peek() == Some(&Tok::LBracket) {
            let start = p.here();
            p.next_token();
            let (text, s) = p.rest_of_command();
            p.expect(&Tok::RBracket, "a closing `]`")?;
            search = Some(text);
            span = start.to(s);
        } else {
            return Err(p.expected("`search=\"...\"` or a `[subsearch]`"));
        }
    }
    let search = search.ok_or_else(|| bad("map", "expected `search=\"...\"`", name_span))?;
    // An empty pipeline would run over every event; Splunk requires a
    // search (or a saved search) to run.
    if search.trim().is_empty() {
        return Err(bad("map", "the search to run is empty", span));
    }
    Ok(CommandArgs::Map(Map {
        search,
        maxsearches,
        span,
    }))
}

impl super::Command for Map {
    /// Runs the search per input result.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let rows = collect(input)?;
        if rows.len() > self.maxsearches {
            ctx.notice(format!(
                "map: {} results, running the search for the first maxsearches={}",
                rows.len(),
                self.maxsearches
            ));
        }
        let mut out = Vec::new();
        for row in rows.iter().take(self.maxsearches) {
            let text = substitute_tokens(&self.search, row);
            // `search="$cmd$"` with no `cmd` in the row leaves nothing to
            // run: an error, never a search over every event.
            if text.trim().is_empty() {
                return Err(Error::Runtime {
                    message: format!(
                        "map: the search `{}` is empty for this result (its $field$ tokens have no values)",
                        self.search
                    ),
                    span: Some(self.span),
                });
            }
            let pipeline = crate::syntax::parse(&text).map_err(|e| Error::Runtime {
                message: format!("map: the search `{text}` does not parse: {e}"),
                span: Some(self.span),
            })?;
            out.extend(run_pipeline(&pipeline, ctx)?);
        }
        Ok(Box::new(out.into_iter().map(Ok)))
    }
}

/// Replaces `$name$` with the row's value of `name` (empty when null).
fn substitute_tokens(text: &str, row: &Event) -> String {
    crate::commands::common::replace_dollar_tokens(text, |name| {
        Some(
            row.get(name)
                .map(|v| v.to_text().into_owned())
                .unwrap_or_default(),
        )
    })
    .0
}

/// The registry entries of `append`, `appendpipe`, `join`, `map`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "append",
        aliases: &[],
        parse: parse_append,
    },
    super::CommandSpec {
        name: "appendpipe",
        aliases: &[],
        parse: parse_appendpipe,
    },
    super::CommandSpec {
        name: "join",
        aliases: &[],
        parse: parse_join,
    },
    super::CommandSpec {
        name: "map",
        aliases: &[],
        parse: parse_map,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    #[test]
    fn tokens_are_replaced() {
        let mut e = Event::new();
        e.set("user", Value::from("bob"));
        assert_eq!(
            substitute_tokens("user=$user$ x=$missing$ $5", &e),
            "user=bob x= $5"
        );
    }
}
