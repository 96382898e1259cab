//! `--explain`: why a search returned what it did.
//!
//! An [`Explain`] holds the events read (per file: count, sourcetypes,
//! malformed and untimed lines), the search with every macro expanded, the
//! rows after each command of the pipeline (counted during the run itself,
//! see [`Tally`]), and the fields the search reads that no event carries,
//! each with the loaded props setting that would have set it (and why it did
//! not apply) — so a search that returned nothing says which command dropped
//! everything and what the data lacked.
//!
//! [`Explain::render`] gives the text the CLI prints; the struct serialises
//! to JSON (`hunt -o json` puts it in each detection's object).

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use serde::Serialize;

use crate::commands::rex::RexAction;
use crate::commands::CommandArgs;
use crate::event::Event;
use crate::exec::Rows;
use crate::knowledge::props::Setting;
use crate::knowledge::stanza::StanzaSpec;
use crate::knowledge::Knowledge;
use crate::syntax::ast::Pipeline;

/// Why a search returned what it did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Explain {
    /// The events files read, in the order given.
    pub files: Vec<FileSummary>,
    /// The search with every macro expanded.
    pub expanded: String,
    /// Events the search started from (`None` when it starts with a
    /// generating command such as `| makeresults`).
    pub events_in: Option<usize>,
    /// One entry per command of the pipeline, in order.
    pub stages: Vec<Stage>,
    /// Fields the search reads that no event carries, with where they
    /// would come from.
    pub missing_fields: Vec<MissingField>,
    /// The error that stopped the search, if any (the counts are those
    /// reached before it).
    pub error: Option<String>,
}

/// One events file as read.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FileSummary {
    /// The file (`<stdin>` for standard input).
    pub name: String,
    /// Events read from it.
    pub events: usize,
    /// Its events' sourcetypes, with how many events each.
    pub sourcetypes: BTreeMap<String, usize>,
    /// Lines or records skipped as malformed.
    pub malformed: usize,
    /// Events that had no recognisable timestamp.
    pub untimed: usize,
    /// When some events had no timestamp: the settings that looked for it.
    pub timestamp_note: Option<String>,
}

/// The rows one command passed on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stage {
    /// The command as written in the expanded search.
    pub command: String,
    /// Rows it passed on.
    pub rows: usize,
    /// Whether its output was read to the end (false when a later command,
    /// such as `head`, stopped reading early, or an error stopped the
    /// search: `rows` is then a lower bound).
    pub complete: bool,
    /// For a command run as several (a `tstats` over a data model: its
    /// dataset's constraints and calculated fields, then its WHERE), the
    /// rows after each part, so a search that returned nothing says whether
    /// the dataset or the WHERE was empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Part>,
}

/// One part of a command that runs as several.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Part {
    /// The part of the command as written, e.g. `datamodel=Endpoint.Processes`
    /// or `where Processes.process_name=cmd.exe`.
    pub part: String,
    /// Rows after it.
    pub rows: usize,
}

/// A field the search reads that no event carries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MissingField {
    /// The field.
    pub field: String,
    /// The first command that reads it.
    pub read_by: String,
    /// The props settings that can set it (`EVAL-x in [st] (file:line)`).
    pub set_by: Vec<String>,
    /// Why none of them gave it a value, or that nothing loaded sets it.
    pub reason: String,
    /// A field the events do carry whose name is close to this one: the
    /// same name in another case (field names are case-sensitive), or one
    /// or two edits away.
    pub did_you_mean: Option<String>,
}

/// The count of rows one command has passed on so far, shared between the
/// counting iterator and the explanation. Counting is a pass-through
/// adapter on the search's own row stream, so the counts are those of the
/// actual run (not of a re-run per prefix) and the rows are unchanged.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    rows: Cell<usize>,
    done: Cell<bool>,
}

/// Wraps `rows` so each row that passes is counted in the returned tally.
pub(crate) fn counted(rows: Rows<'_>) -> (Rows<'_>, Rc<Tally>) {
    let tally = Rc::new(Tally::default());
    let t = Rc::clone(&tally);
    let mut inner = rows;
    let iter = std::iter::from_fn(move || {
        let next = inner.next();
        match &next {
            Some(Ok(_)) => t.rows.set(t.rows.get() + 1),
            Some(Err(_)) => {}
            None => t.done.set(true),
        }
        next
    });
    (Box::new(iter), tally)
}

/// The stages of `pipeline` (as parsed, over `text`) with their tallies.
///
/// A command the user wrote once may run as several: a leading `tstats`
/// over a data model is lowered into a search, evals and a `stats`, all
/// carrying the `tstats` span. Those are one stage to the user, so
/// consecutive commands with the same span fold into one, with the rows
/// after the last of them.
pub(crate) fn stages(pipeline: &Pipeline, text: &str, tallies: &[Rc<Tally>]) -> Vec<Stage> {
    let mut out: Vec<Stage> = Vec::new();
    let mut last_span = None;
    for (command, tally) in pipeline.commands.iter().zip(tallies) {
        let rows = tally.rows.get();
        let part = part_text(text, command).map(|part| Part { part, rows });
        match out.last_mut() {
            Some(previous) if last_span == Some(command.span) => {
                previous.rows = rows;
                previous.complete = tally.done.get();
                match (part, previous.parts.last_mut()) {
                    (Some(part), Some(last)) if last.part == part.part => last.rows = rows,
                    (Some(part), _) => previous.parts.push(part),
                    (None, _) => {}
                }
            }
            _ => out.push(Stage {
                command: command_text(text, command, out.len()),
                rows,
                complete: tally.done.get(),
                parts: part.into_iter().collect(),
            }),
        }
        last_span = Some(command.span);
    }
    out
}

/// The part of the user's command a lowered command carries out: its
/// `name_span` when that starts after its span does (a command's own name
/// starts it; see `datamodel::lower`), as one line.
fn part_text(text: &str, command: &crate::syntax::ast::Command) -> Option<String> {
    let (part, whole) = (command.name_span, command.span);
    let inside = part.start > whole.start && part.end <= whole.end;
    if !inside || part.start >= part.end {
        return None;
    }
    let raw = text.get(part.start..part.end)?;
    Some(one_line(raw, 80))
}

/// `raw` with its whitespace runs made single spaces, cut to `max`
/// characters with `…`.
fn one_line(raw: &str, max: usize) -> String {
    let flat: String = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > max {
        let cut: String = flat.chars().take(max - 1).collect();
        format!("{cut}…")
    } else {
        flat
    }
}

/// A command's text, one line, cut to a readable length; `| ` before every
/// command but the first.
fn command_text(text: &str, command: &crate::syntax::ast::Command, index: usize) -> String {
    const MAX: usize = 100;
    let raw = text
        .get(command.span.start..command.span.end)
        .unwrap_or(command.name.as_str());
    let short = if raw.trim().is_empty() {
        command.name.clone()
    } else {
        one_line(raw, MAX)
    };
    if index == 0 {
        short
    } else {
        format!("| {short}")
    }
}

/// Fields always present on an event (or never worth reporting).
const ALWAYS_THERE: &[&str] = &[
    "_raw",
    "_time",
    "_indextime",
    "sourcetype",
    "source",
    "host",
    "index",
    "splunk_server",
    "linecount",
    "punct",
    "eventtype",
    "tag",
    "timestartpos",
    "timeendpos",
];

/// The fields the search reads from its events, each with the index of the
/// first command that reads it: reads of commands in order, leaving out
/// fields an earlier command writes, up to the first command whose effect
/// on fields this analysis cannot see (after a `stats` or `table`, only
/// their own fields are left).
pub(crate) fn event_reads(pipeline: &Pipeline) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::new();
    let mut written: BTreeSet<String> = BTreeSet::new();
    let mut push = |field: &str, i: usize, written: &BTreeSet<String>| {
        if !written.contains(field) && !out.iter().any(|(f, _)| f == field) {
            out.push((field.to_string(), i));
        }
    };
    for (i, command) in pipeline.commands.iter().enumerate() {
        // Eval: each assignment sees the ones before it.
        if let CommandArgs::Eval(e) = &command.args {
            for a in &e.assignments {
                let Some(reads) = a.expr.reads() else {
                    return out;
                };
                for f in &reads {
                    push(f, i, &written);
                }
                written.insert(a.field.clone());
            }
            continue;
        }
        let Some(reads) = command.args.reads() else {
            break;
        };
        for f in &reads {
            push(f, i, &written);
        }
        let writes: Vec<String> = match &command.args {
            CommandArgs::Search(_)
            | CommandArgs::Where(_)
            | CommandArgs::Fields(_)
            | CommandArgs::Head(_)
            | CommandArgs::Reverse(_)
            | CommandArgs::Sort(_)
            | CommandArgs::Dedup(_)
            | CommandArgs::Regex(_) => Vec::new(),
            CommandArgs::Rename(r) => r.pairs.iter().map(|p| p.to.clone()).collect(),
            CommandArgs::Fillnull(f) => f.fields.clone(),
            CommandArgs::Bin(b) => vec![b.output.clone()],
            CommandArgs::Strcat(s) => vec![s.dest.clone()],
            CommandArgs::Rangemap(_) => vec!["range".to_string()],
            CommandArgs::Rex(r) => match &r.action {
                RexAction::Extract { regex, .. } => {
                    regex.capture_names().iter().flatten().cloned().collect()
                }
                _ => Vec::new(),
            },
            // Only their own fields are left, or the effect is unknown.
            _ => break,
        };
        written.extend(writes);
    }
    out
}

/// Whether a field the search reads needs an explanation when no event
/// carries it.
fn worth_reporting(field: &str) -> bool {
    !ALWAYS_THERE.contains(&field) && !field.starts_with("tag::") && !field.contains('*')
}

/// The fields of `reads` that no event in `events` carries, each explained
/// from the loaded knowledge.
pub(crate) fn missing_fields(
    pipeline: &Pipeline,
    text: &str,
    events: &[Event],
    knowledge: &Knowledge,
) -> Vec<MissingField> {
    let reads = event_reads(pipeline);
    let missing: Vec<(String, usize)> = reads
        .into_iter()
        .filter(|(f, _)| worth_reporting(f) && !events.iter().any(|e| e.get(f).is_some()))
        .collect();
    if missing.is_empty() {
        return Vec::new();
    }
    let metas = event_metas(events);
    let carried = carried_fields(events);
    missing
        .into_iter()
        .map(|(field, i)| {
            let read_by = pipeline
                .commands
                .get(i)
                .map(|c| command_text(text, c, i))
                .unwrap_or_default();
            let mut m = explain_field(field, read_by, events.len(), &metas, knowledge);
            m.did_you_mean = nearest_field(&m.field, &carried);
            // The usual way a missing field empties a search.
            if let Some(CommandArgs::Stats(s)) = pipeline.commands.get(i).map(|c| &c.args) {
                if s.by.contains(&m.field) {
                    m.reason
                        .push_str("; `stats ... by` leaves out every row that lacks a by field");
                }
            }
            m
        })
        .collect()
}

/// How many events [`carried_fields`] looks at: field names repeat from
/// event to event, so a sample finds them without walking a huge input.
const FIELD_SAMPLE: usize = 10_000;

/// The names of the fields the first [`FIELD_SAMPLE`] events carry.
fn carried_fields(events: &[Event]) -> BTreeSet<&str> {
    events
        .iter()
        .take(FIELD_SAMPLE)
        .flat_map(|e| e.iter().map(|(k, _)| k))
        .collect()
}

/// The carried field most likely meant by `field`: the same name in
/// another case first (Splunk field names are case-sensitive, so
/// `eventname` misses `eventName`), else the nearest by edit distance.
fn nearest_field(field: &str, carried: &BTreeSet<&str>) -> Option<String> {
    carried
        .iter()
        .find(|c| c.eq_ignore_ascii_case(field))
        .or_else(|| {
            crate::suggest::closest(field, carried.iter().copied()).and_then(|c| carried.get(c))
        })
        .map(|c| c.to_string())
}

/// The distinct (sourcetype, source, host) of the events, with counts;
/// at most [`MAX_METAS`] of them.
fn event_metas(events: &[Event]) -> BTreeMap<(String, String, String), usize> {
    let mut out = BTreeMap::new();
    let text = |e: &Event, name: &str| {
        e.get(name)
            .map(|v| v.to_text().into_owned())
            .unwrap_or_default()
    };
    for e in events {
        let key = (text(e, "sourcetype"), text(e, "source"), text(e, "host"));
        if out.len() >= MAX_METAS && !out.contains_key(&key) {
            continue;
        }
        *out.entry(key).or_insert(0usize) += 1;
    }
    out
}

/// Distinct event origins looked at when deciding whether a stanza applies.
const MAX_METAS: usize = 1000;

/// A props setting that can set a field.
struct Definer {
    stanza: String,
    what: String,
    /// Events (by origin) the stanza applies to.
    applies_to: usize,
}

/// Every props setting (EXTRACT-, REPORT-, FIELDALIAS-, EVAL-, LOOKUP-
/// outputs) that can write `field`, and how many of the events its stanza
/// applies to.
fn definers(
    field: &str,
    knowledge: &Knowledge,
    metas: &BTreeMap<(String, String, String), usize>,
) -> Vec<Definer> {
    let mut out = Vec::new();
    for (stanza, settings) in knowledge.props.stanzas() {
        for (key, entry) in settings {
            let sets = match &entry.setting {
                Setting::Eval(_) => key.strip_prefix("EVAL-") == Some(field),
                Setting::Extract(Some(x)) => x
                    .outputs
                    .as_ref()
                    .is_some_and(|o| o.iter().any(|n| n == field)),
                Setting::Report(names) => names.iter().any(|n| {
                    knowledge
                        .transforms
                        .get(n)
                        .and_then(|t| t.outputs())
                        .is_some_and(|o| o.iter().any(|f| f == field))
                }),
                Setting::Alias(pairs) => pairs.iter().any(|p| p.target.as_str() == field),
                Setting::Lookup(spec) => spec.outputs.iter().any(|(_, f)| f == field),
                _ => false,
            };
            if !sets {
                continue;
            }
            let spec = StanzaSpec::parse(stanza);
            let applies_to = metas
                .iter()
                .filter(|((st, src, host), _)| spec.applies(st, src, host).is_some())
                .map(|(_, n)| n)
                .sum();
            out.push(Definer {
                stanza: stanza.to_string(),
                what: format!(
                    "{key} in [{stanza}] ({})",
                    crate::error::file_location(&entry.file, entry.line)
                ),
                applies_to,
            });
        }
    }
    out
}

/// How many definers a missing field lists.
const DEFINERS_SHOWN: usize = 3;

fn explain_field(
    field: String,
    read_by: String,
    total: usize,
    metas: &BTreeMap<(String, String, String), usize>,
    knowledge: &Knowledge,
) -> MissingField {
    let found = definers(&field, knowledge, metas);
    let set_by: Vec<String> = found.iter().map(|d| d.what.clone()).collect();
    let reason = if found.is_empty() {
        "no event carries it and no loaded props setting (EXTRACT-, REPORT-, FIELDALIAS-, EVAL-, LOOKUP-) sets it: it would have to be in the events themselves (a JSON key, a key=value pair)".to_string()
    } else if let Some(d) = found.iter().find(|d| d.applies_to > 0) {
        format!(
            "{} applies to {} of the {} event(s), yet none got a value: the fields it reads are missing or did not match",
            d.what,
            thousands(d.applies_to),
            thousands(total)
        )
    } else {
        let mut shown: Vec<&str> = found
            .iter()
            .take(DEFINERS_SHOWN)
            .map(|d| d.what.as_str())
            .collect();
        let more = found.len().saturating_sub(DEFINERS_SHOWN);
        let more = if more > 0 {
            format!(" (and {more} more)")
        } else {
            String::new()
        };
        let stanzas: Vec<String> = found
            .iter()
            .map(|d| d.stanza.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let sourcetypes: BTreeSet<&str> = metas.keys().map(|(st, _, _)| st.as_str()).collect();
        let they_are = sourcetypes.into_iter().collect::<Vec<_>>().join(", ");
        let sets = if shown.len() == 1 {
            "is set by"
        } else {
            "can be set by"
        };
        let list = std::mem::take(&mut shown).join(", ");
        format!(
            "{sets} {list}{more}; none of the {} event(s) given is covered by {} (they are sourcetype {they_are})",
            thousands(total),
            stanza_phrase(&stanzas)
        )
    };
    MissingField {
        field,
        read_by,
        set_by,
        reason,
        did_you_mean: None,
    }
}

/// `sourcetype XmlWinEventLog`, `[source::...]`, or a list of them.
fn stanza_phrase(stanzas: &[String]) -> String {
    let one = |s: &String| match StanzaSpec::parse(s) {
        StanzaSpec::Sourcetype(st) => format!("sourcetype {st}"),
        _ => format!("[{s}]"),
    };
    match stanzas {
        [only] => one(only),
        _ => format!(
            "any of {}",
            stanzas.iter().map(one).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn rows_word(n: usize) -> &'static str {
    if n == 1 {
        "row"
    } else {
        "rows"
    }
}

impl Stage {
    /// `search … → 1,204 rows`.
    pub fn line(&self) -> String {
        let bound = if self.complete { "" } else { "at least " };
        let note = if self.complete {
            ""
        } else {
            " (not read to the end: a later command stopped early, or an error)"
        };
        format!(
            "{} → {bound}{} {}{note}",
            self.command,
            thousands(self.rows),
            rows_word(self.rows)
        )
    }
}

impl Explain {
    /// The rows after each command, one line each (the short form a failing
    /// test shows).
    pub fn render_stages(&self) -> String {
        let mut out = String::new();
        if let Some(n) = self.events_in {
            out.push_str(&format!("{} event(s) in\n", thousands(n)));
        }
        for stage in &self.stages {
            out.push_str(&stage.line());
            out.push('\n');
            for part in &stage.parts {
                out.push_str(&format!(
                    "  {} → {} {}\n",
                    part.part,
                    thousands(part.rows),
                    rows_word(part.rows)
                ));
            }
        }
        if let Some(e) = &self.error {
            out.push_str(&format!("stopped by an error: {e}\n"));
        }
        out
    }

    /// The whole explanation as text, one section per part.
    pub fn render(&self) -> String {
        self.render_files() + &self.render_search()
    }

    /// The events read, per file (empty when no file was read).
    pub fn render_files(&self) -> String {
        let mut out = String::new();
        if self.files.is_empty() {
            return out;
        }
        out.push_str("events read:\n");
        for f in &self.files {
            let st = f
                .sourcetypes
                .iter()
                .map(|(s, n)| format!("{s} ×{}", thousands(*n)))
                .collect::<Vec<_>>()
                .join(", ");
            let st = if st.is_empty() {
                String::new()
            } else {
                format!(" (sourcetype {st})")
            };
            out.push_str(&format!(
                "  {}: {} event(s){st}, {} malformed",
                f.name,
                thousands(f.events),
                thousands(f.malformed)
            ));
            if f.untimed > 0 {
                out.push_str(&format!(", {} without a timestamp", thousands(f.untimed)));
            }
            out.push('\n');
            if let Some(note) = &f.timestamp_note {
                out.push_str(&format!("    {note}\n"));
            }
        }
        out
    }

    /// The expanded search, the rows after each command and the fields no
    /// event carries.
    pub fn render_search(&self) -> String {
        let mut out = String::from("expanded search:\n");
        for line in self.expanded.trim().lines() {
            out.push_str(&format!("  {line}\n"));
        }
        out.push_str("rows after each command:\n");
        for line in self.render_stages().lines() {
            out.push_str(&format!("  {line}\n"));
        }
        if !self.missing_fields.is_empty() {
            out.push_str("fields the search reads that no event carries:\n");
            for m in &self.missing_fields {
                let hint = m
                    .did_you_mean
                    .as_deref()
                    .map(|f| format!(" (did you mean `{f}`?)"))
                    .unwrap_or_default();
                out.push_str(&format!(
                    "  `{}`{hint} (read by `{}`): {}\n",
                    m.field, m.read_by, m.reason
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pipeline(text: &str) -> Pipeline {
        crate::syntax::parse(text).expect("parses")
    }

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1204), "1,204");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn reads_leave_out_fields_written_before() {
        let p = pipeline("a=1 | eval b=c, d=b | where d=1 AND e=2 | stats count by f | where g=1");
        let reads: Vec<String> = event_reads(&p).into_iter().map(|(f, _)| f).collect();
        // `b` and `d` are written by eval; after stats only its fields are left.
        assert_eq!(reads, ["a", "c", "e", "f", "_time"]);
    }

    #[test]
    fn counted_rows_count_what_passes() {
        let rows: Rows<'_> = Box::new((0..5).map(|_| Ok(Event::default())));
        let (rows, tally) = counted(rows);
        let taken: Vec<_> = rows.take(3).collect();
        assert_eq!(taken.len(), 3);
        assert_eq!(tally.rows.get(), 3);
        assert!(!tally.done.get());
        let rows: Rows<'_> = Box::new((0..2).map(|_| Ok(Event::default())));
        let (rows, tally) = counted(rows);
        assert_eq!(rows.count(), 2);
        assert!(tally.done.get());
    }

    #[test]
    fn commands_lowered_from_one_are_one_stage() {
        let text = "| makeresults | eval a=1 | eval b=2";
        let mut p = crate::syntax::parse(text).expect("parses");
        // As a tstats lowering leaves them: the second command carries the
        // span of the first.
        p.commands[1].span = p.commands[0].span;
        let tallies: Vec<Rc<Tally>> = [1, 1, 1]
            .iter()
            .map(|&n| {
                let t = Rc::new(Tally::default());
                t.rows.set(n);
                t.done.set(true);
                t
            })
            .collect();
        tallies[1].rows.set(7);
        let lines: Vec<String> = stages(&p, text, &tallies).iter().map(Stage::line).collect();
        assert_eq!(lines, ["makeresults → 7 rows", "| eval b=2 → 1 row"]);
    }

    #[test]
    fn a_missing_field_names_the_stanza_that_would_set_it() {
        let mut knowledge = Knowledge::new();
        knowledge
            .props
            .load_str(
                "[XmlWinEventLog]\nEVAL-process_name = lower(Image)\n",
                "win/props.conf",
            )
            .expect("loads");
        let p = pipeline("process_name=cmd.exe");
        let event: Event = [
            (
                "sourcetype".to_string(),
                crate::value::Value::from("aws:cloudtrail"),
            ),
            ("eventName".to_string(), crate::value::Value::from("x")),
        ]
        .into_iter()
        .collect();
        let missing = missing_fields(&p, "process_name=cmd.exe", &[event], &knowledge);
        assert_eq!(missing.len(), 1);
        assert_eq!(missing[0].field, "process_name");
        assert_eq!(
            missing[0].reason,
            "is set by EVAL-process_name in [XmlWinEventLog] (win/props.conf:2); none of the 1 event(s) given is covered by sourcetype XmlWinEventLog (they are sourcetype aws:cloudtrail)"
        );
        assert_eq!(missing[0].did_you_mean, None);
    }

    #[test]
    fn a_missing_field_suggests_a_carried_one_close_to_it() {
        let event: Event = [
            ("eventName", "x"),
            ("userIdentity.userName", "y"),
            ("sourceIPAddress", "1.2.3.4"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), crate::value::Value::from(v)))
        .collect();
        let text = "eventname=x userIdentity.username=y sourceIPAdress=1.2.3.4 zzz=1";
        let p = pipeline(text);
        let missing = missing_fields(&p, text, &[event], &Knowledge::new());
        let hints: Vec<(&str, Option<&str>)> = missing
            .iter()
            .map(|m| (m.field.as_str(), m.did_you_mean.as_deref()))
            .collect();
        assert_eq!(
            hints,
            [
                ("eventname", Some("eventName")),
                ("userIdentity.username", Some("userIdentity.userName")),
                ("sourceIPAdress", Some("sourceIPAddress")),
                ("zzz", None),
            ]
        );
    }
}
