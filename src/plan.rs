//! Plan analysis: what each command of a parsed pipeline reads and whether it
//! works one row at a time, and from that the fields the events must carry,
//! whether the search may stream over chunks of its files, and how the
//! chunks' results merge. The executor follows these decisions; it makes
//! none of its own.
//!
//! This is plain data derived from the AST; execution does not depend on it
//! for meaning, only for speed. Every command this table does not know (and
//! every argument it cannot see through, such as wildcards) takes the
//! conservative path: it reads all fields and is blocking, so the reader
//! extracts everything and nothing runs out of order.

use std::collections::BTreeSet;

use crate::commands::stats::Stats;
use crate::commands::CommandArgs;
use crate::syntax::ast::{Pipeline, SearchExpr, SearchKind};

/// How a command consumes its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamClass {
    /// One row in, at most one row out, depending only on that row: safe to
    /// run on chunks of the input in parallel, in any order.
    Streaming,
    /// Needs to see rows in order, or all of them (`stats`, `sort`, `head`,
    /// `dedup`, and every command not known to be streaming).
    Blocking,
}

/// What one command needs.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandPlan {
    /// The fields it reads; `None` means every field (unknown command,
    /// wildcards, `spath`, ...).
    pub reads: Option<Vec<String>>,
    /// Streaming or blocking.
    pub class: StreamClass,
    /// Whether its output rows hold only fields it names or computes
    /// (`stats`, `table` without wildcards): later commands cannot see the
    /// input's other fields.
    pub resets: bool,
}

/// Fields to extract from each event: decided here, used by the readers.
pub use crate::events::Projection;

/// How chunk workers' results merge, decided by the first command after
/// the streaming prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkMerge {
    /// Every row is kept (newest first), for the rest of the pipeline.
    Rows,
    /// An order-insensitive `stats` without wildcards: each worker folds its
    /// rows into partial groups, and the merge combines the groups.
    PartialStats,
    /// `head N` (not `tail`): the merge keeps only the newest N rows.
    NewestRows(usize),
}

/// The analysis of a whole pipeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// One entry per command, in order.
    pub commands: Vec<CommandPlan>,
    /// How many leading commands are streaming, starting with the search that
    /// reads the events (0 when the pipeline does not start with `search`).
    pub streaming_prefix: usize,
    /// The fields the pipeline can observe; `None` means all of them.
    pub projection: Option<Projection>,
    /// How chunk workers' results merge (meaningful with a streaming prefix).
    pub merge: ChunkMerge,
}

impl Plan {
    /// Analyses a pipeline (whose subsearches should be resolved already; an
    /// unresolved one counts as reading everything).
    pub fn of(pipeline: &Pipeline) -> Plan {
        let commands: Vec<CommandPlan> = pipeline
            .commands
            .iter()
            .map(|c| CommandPlan::of(&c.args))
            .collect();
        let starts_with_search = matches!(
            pipeline.commands.first().map(|c| &c.args),
            Some(CommandArgs::Search(_))
        );
        let streaming_prefix = if starts_with_search {
            commands
                .iter()
                .take_while(|c| c.class == StreamClass::Streaming)
                .count()
        } else {
            0
        };
        let projection = projection(&commands);
        let after_prefix = pipeline.commands.get(streaming_prefix).map(|c| &c.args);
        let merge = match after_prefix {
            Some(CommandArgs::Stats(s)) if s.order_insensitive() && !s.has_wildcards() => {
                ChunkMerge::PartialStats
            }
            Some(CommandArgs::Head(h)) if !h.tail => ChunkMerge::NewestRows(h.count),
            _ => ChunkMerge::Rows,
        };
        Plan {
            commands,
            streaming_prefix,
            projection,
            merge,
        }
    }

    /// The `stats` whose partial groups chunk workers fold, when the merge
    /// is [`ChunkMerge::PartialStats`] (`pipeline` is the one planned).
    pub fn partial_stats<'p>(&self, pipeline: &'p Pipeline) -> Option<&'p Stats> {
        match (self.merge, pipeline.commands.get(self.streaming_prefix)) {
            (ChunkMerge::PartialStats, Some(c)) => match &c.args {
                CommandArgs::Stats(s) => Some(s),
                _ => None,
            },
            _ => None,
        }
    }
}

/// Whether a search may stream over chunks of its files: subsearches and
/// nested pipelines leave the events alone. Every subsearch either starts
/// with a generating command or, in the pipeline's own commands, reads
/// events (the streaming path runs those over the files first), and no
/// command runs other pipelines over the events (`append`, `join`, `map`,
/// ...). Decided before subsearches are resolved.
pub fn can_stream(pipeline: &Pipeline) -> bool {
    streamable(pipeline, false, true)
}

fn streamable(pipeline: &Pipeline, nested: bool, event_subsearches: bool) -> bool {
    if nested
        && matches!(
            pipeline.commands.first().map(|c| &c.args),
            Some(CommandArgs::Search(_)) | None
        )
    {
        return false;
    }
    pipeline.commands.iter().all(|c| {
        if !c.args.subpipelines().is_empty() || matches!(c.args, CommandArgs::Map(_)) {
            return false;
        }
        let expr = |e: &SearchExpr| expr_streamable(e, event_subsearches);
        match &c.args {
            CommandArgs::Search(s) => expr(&s.expr),
            CommandArgs::InputLookup(l) => l.filter.as_ref().is_none_or(expr),
            CommandArgs::InputCsv(l) => l.filter.as_ref().is_none_or(expr),
            _ => true,
        }
    })
}

fn expr_streamable(expr: &SearchExpr, event_subsearches: bool) -> bool {
    let inner = |e: &SearchExpr| expr_streamable(e, event_subsearches);
    match &expr.kind {
        SearchKind::And(items) | SearchKind::Or(items) => items.iter().all(inner),
        SearchKind::Not(e) => inner(e),
        SearchKind::Subsearch(p) => {
            (event_subsearches && crate::exec::reads_events(p)) || streamable(p, true, false)
        }
        _ => true,
    }
}

/// Union of the reads up to the first command that resets the field set;
/// all fields when a command reads everything or nothing resets (the output
/// then shows every field).
fn projection(commands: &[CommandPlan]) -> Option<Projection> {
    let mut fields = BTreeSet::new();
    fields.insert("_time".to_string());
    for command in commands {
        fields.extend(command.reads.as_ref()?.iter().cloned());
        if command.resets {
            let raw = fields.remove("_raw");
            return Some(Projection { fields, raw });
        }
    }
    None
}

impl CommandPlan {
    /// The entry for one command.
    pub fn of(args: &CommandArgs) -> CommandPlan {
        let reads = args.reads();
        let class = match args {
            CommandArgs::Search(_)
            | CommandArgs::Where(_)
            | CommandArgs::Eval(_)
            | CommandArgs::Rename(_)
            | CommandArgs::Fields(_)
            | CommandArgs::Table(_)
            | CommandArgs::Convert(_)
            | CommandArgs::Rex(_)
            | CommandArgs::Regex(_)
            // Each result on its own, no state between results.
            | CommandArgs::Strcat(_)
            | CommandArgs::Rangemap(_)
            | CommandArgs::Setfields(_) => StreamClass::Streaming,
            CommandArgs::Fillnull(f) if !f.fields.is_empty() => StreamClass::Streaming,
            // A fixed span bins each row on its own (`bins=` needs the range).
            CommandArgs::Bin(b) if b.span.is_some() => StreamClass::Streaming,
            _ => StreamClass::Blocking,
        };
        // A command reading everything could depend on anything; never run
        // it out of order.
        let class = if reads.is_none() {
            StreamClass::Blocking
        } else {
            class
        };
        let resets =
            reads.is_some() && matches!(args, CommandArgs::Stats(_) | CommandArgs::Table(_));
        CommandPlan {
            reads,
            class,
            resets,
        }
    }
}

impl CommandArgs {
    /// The fields the command reads, or `None` when it may read any field
    /// (unknown to this analysis, wildcards, whole-event commands).
    pub fn reads(&self) -> Option<Vec<String>> {
        let plain = |names: &[String]| -> Option<Vec<String>> {
            if names.iter().any(|n| n.contains('*')) {
                None
            } else {
                Some(names.to_vec())
            }
        };
        match self {
            CommandArgs::Search(s) => search_expr_reads(&s.expr),
            CommandArgs::Where(w) => Some(w.expr.fields()),
            // `searchmatch(...)` may read any field.
            CommandArgs::Eval(e) => e
                .assignments
                .iter()
                .map(|a| a.expr.reads())
                .collect::<Option<Vec<_>>>()
                .map(|v| v.concat()),
            CommandArgs::Rename(r) => {
                let from: Vec<String> = r.pairs.iter().map(|p| p.from.clone()).collect();
                let to: Vec<String> = r.pairs.iter().map(|p| p.to.clone()).collect();
                plain(&to)?;
                plain(&from)
            }
            CommandArgs::Fields(f) => plain(&f.names),
            CommandArgs::Table(t) => plain(&t.names),
            CommandArgs::Stats(s) => {
                let mut out = s.by.clone();
                out.push("_time".to_string());
                for agg in &s.aggs {
                    out.extend(agg.reads());
                }
                plain(&out)
            }
            CommandArgs::Head(h) => Some(h.expr.as_ref().map(|e| e.fields()).unwrap_or_default()),
            CommandArgs::Reverse(_) => Some(Vec::new()),
            CommandArgs::Sort(s) => {
                plain(&s.keys.iter().map(|k| k.field.clone()).collect::<Vec<_>>())
            }
            CommandArgs::Dedup(d) if d.sortby.is_none() => plain(&d.fields),
            CommandArgs::Convert(c) => plain(
                &c.conversions
                    .iter()
                    .map(|c| c.field.clone())
                    .collect::<Vec<_>>(),
            ),
            CommandArgs::Rex(r) => plain(std::slice::from_ref(&r.field)),
            CommandArgs::Regex(r) => plain(std::slice::from_ref(&r.field)),
            CommandArgs::Fillnull(f) if !f.fields.is_empty() => plain(&f.fields),
            CommandArgs::Bin(b) => plain(std::slice::from_ref(&b.field)),
            CommandArgs::Strcat(c) => plain(
                &c.parts
                    .iter()
                    .filter_map(|p| match p {
                        crate::commands::strcat::Part::Field(f) => Some(f.clone()),
                        crate::commands::strcat::Part::Literal(_) => None,
                    })
                    .collect::<Vec<_>>(),
            ),
            CommandArgs::Rangemap(r) => plain(std::slice::from_ref(&r.field)),
            // Reads and rewrites only its field; knowing so lets a later
            // `stats` or `table` leave `_raw` unread, which each expanded
            // copy would otherwise carry (quadratic in the values of one
            // JSON array, whose `_raw` holds them all).
            CommandArgs::Mvexpand(m) => plain(std::slice::from_ref(&m.field)),
            CommandArgs::Setfields(_) => Some(Vec::new()),
            _ => None,
        }
    }
}

/// The fields a search expression reads (None: any).
pub(crate) fn search_expr_reads(expr: &SearchExpr) -> Option<Vec<String>> {
    let mut out = Vec::new();
    search_reads(expr, &mut out).then_some(out)
}

/// Adds the fields a search expression reads; false when it may read any.
fn search_reads(expr: &SearchExpr, out: &mut Vec<String>) -> bool {
    match &expr.kind {
        SearchKind::And(items) | SearchKind::Or(items) => {
            items.iter().all(|item| search_reads(item, out))
        }
        SearchKind::Not(inner) => search_reads(inner, out),
        SearchKind::Compare { field, .. } | SearchKind::In { field, .. } => {
            if field.contains('*') {
                return false;
            }
            out.push(field.clone());
            true
        }
        // `*` alone matches every event, whatever it holds.
        SearchKind::Term(v) if v.text.chars().all(|c| c == '*') => true,
        // Terms match `_raw`.
        SearchKind::Term(_) => {
            out.push("_raw".to_string());
            true
        }
        SearchKind::TimeModifier { .. } | SearchKind::Empty => true,
        SearchKind::Subsearch(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(text: &str) -> Plan {
        Plan::of(&crate::syntax::parse(text).expect("parses"))
    }

    fn names(p: &Plan) -> Vec<String> {
        let proj = p.projection.as_ref().expect("a projection");
        proj.fields.iter().cloned().collect()
    }

    #[test]
    fn stats_after_search_projects_what_both_read() {
        let p = plan("index=main user=a* | eval x=lower(src) | stats count values(dest) by user");
        assert_eq!(p.streaming_prefix, 2);
        assert_eq!(names(&p), ["_time", "dest", "index", "src", "user"]);
        assert!(!p.projection.as_ref().is_some_and(|x| x.raw));
        assert!(p.commands[2].resets);
    }

    #[test]
    fn terms_read_raw() {
        let p = plan("error user=bob | table user");
        assert!(p.projection.expect("projection").raw);
    }

    #[test]
    fn everything_when_the_output_shows_events() {
        assert_eq!(plan("user=bob").projection, None);
        assert_eq!(plan("user=bob | eval a=1").projection, None);
    }

    #[test]
    fn wildcards_and_unknown_commands_read_all() {
        assert_eq!(plan("user=bob | table *").projection, None);
        assert_eq!(plan("src*=x | stats count").projection, None);
        assert_eq!(plan("a=1 | spath | stats count by b").projection, None);
        let p = plan("a=1 | spath | stats count by b");
        assert_eq!(p.commands[1].class, StreamClass::Blocking);
        assert_eq!(p.streaming_prefix, 1);
    }

    #[test]
    fn mvexpand_reads_only_its_field() {
        let p = plan("* | mvexpand vals{} | stats count");
        assert_eq!(names(&p), ["_time", "vals{}"]);
        assert!(!p.projection.as_ref().is_some_and(|x| x.raw));
        // A term with letters reads `_raw`; `*` alone reads nothing.
        let p = plan("error* | mvexpand vals{} | stats count");
        assert!(p.projection.expect("projection").raw);
        // Nothing resets: the output shows the whole events.
        assert_eq!(plan("* | mvexpand vals{}").projection, None);
    }

    #[test]
    fn order_sensitive_commands_are_blocking() {
        let p = plan("a=1 | head 5 | eval b=1 | table b");
        assert_eq!(p.streaming_prefix, 1);
        assert_eq!(names(&p), ["_time", "a", "b"]);
    }

    #[test]
    fn bin_with_a_span_streams_and_projects() {
        let p = plan("a=1 | bin _time span=1h | stats count by _time");
        assert_eq!(p.streaming_prefix, 2);
        assert_eq!(names(&p), ["_time", "a"]);
        let p = plan("a=1 | bin _time bins=10 | stats count by _time");
        assert_eq!(p.streaming_prefix, 1);
    }

    #[test]
    fn per_result_commands_stream_and_project_what_they_read() {
        let p = plan("a=1 | strcat src \"/\" dest pair | rangemap field=n low=0-5 | setfields k=\"v\" | stats count by pair range k");
        assert_eq!(p.streaming_prefix, 4);
        assert_eq!(
            names(&p),
            ["_time", "a", "dest", "k", "n", "pair", "range", "src"]
        );
        // Running values depend on the order of results: never streamed.
        let p = plan("a=1 | accum n | stats count");
        assert_eq!(p.streaming_prefix, 1);
    }

    #[test]
    fn generating_pipelines_have_no_prefix() {
        let p = plan("| makeresults | eval a=1");
        assert_eq!(p.streaming_prefix, 0);
    }
}
