//! `bucketdir`: paths rolled up into their directories until at most
//! `maxcount` results are left.
//!
//! Docs: <https://help.splunk.com/splunk-cloud-platform/spl-search-reference/10.0.2503/search-commands/bucketdir>:
//! `bucketdir pathfield=<field> sizefield=<field> [maxcount=<int>]
//! [countfield=<field>] [sep=<char>]`. It "replaces a field value with
//! higher-level grouping, such as replacing filenames with directories",
//! and "returns the maxcount events, by taking the incoming events and
//! rolling up multiple sources into directories, by preferring directories
//! that have many files but few events". Defaults: `pathfield=source`,
//! `sizefield=totalCount`, `maxcount=20`, `countfield=totalCount`, `sep`
//! `/` (or `\\` on Windows; spelunk uses `/`). Example:
//! `top source | bucketdir pathfield=source sizefield=count maxcount=10`
//! ("return 10 best sources and directories").
//!
//! spelunk's reading (docs/semantics.md#other-commands): each result is a
//! file with `sizefield` events (missing: 0). While more than `maxcount`
//! results are left, the directory (a path's leading segments) holding at
//! least two of them whose files-to-events ratio is highest (more files,
//! fewer events; on a tie the deeper, then the one first seen; never the
//! root `/` of absolute paths, which would fold everything) is rolled
//! up: its results become one, at their first one's place, whose
//! `pathfield` is the directory followed by `sep` and `*`, and whose
//! `sizefield` and `countfield` are the sums of the members' values
//! (written when a member has one). Results without `pathfield`, and paths
//! with no directory, stay as they are, so more than `maxcount` may be
//! left.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};

use crate::commands::common::{at_option, bad, count_opt, unknown_option};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::exec::memory::Releasing;
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::Parser;
use crate::value::Value;

const C: &str = "bucketdir";

/// `bucketdir pathfield=source sizefield=count maxcount=10`.
#[derive(Debug, Clone, PartialEq)]
pub struct Bucketdir {
    /// The field holding the path.
    pub pathfield: String,
    /// The numeric field holding each result's events.
    pub sizefield: String,
    /// Most results left.
    pub maxcount: usize,
    /// A numeric field summed on roll-up.
    pub countfield: String,
    /// The path separator.
    pub sep: String,
}

/// Parses `bucketdir`'s options.
pub fn parse(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    let mut out = Bucketdir {
        pathfield: "source".into(),
        sizefield: "totalCount".into(),
        maxcount: 20,
        countfield: "totalCount".into(),
        sep: "/".into(),
    };
    while at_option(p) {
        // A field value may be a name such as `count(uri)`.
        let (key, kspan) = p.word("an option name")?;
        p.expect(&Tok::Eq, "`=`")?;
        let key = key.to_ascii_lowercase();
        let (value, vspan) = match key.as_str() {
            "pathfield" | "sizefield" | "countfield" => {
                p.field_name(&format!("a field name for `{key}`"))?
            }
            _ => p.value(&format!("a value for `{key}`"))?,
        };
        let span = kspan.to(vspan);
        match key.as_str() {
            "pathfield" => out.pathfield = value,
            "sizefield" => out.sizefield = value,
            "countfield" => out.countfield = value,
            "maxcount" => {
                out.maxcount = count_opt(C, &key, &value, span)?;
                if out.maxcount == 0 {
                    return Err(bad(C, "`maxcount` must be at least 1", span));
                }
            }
            "sep" => {
                if value.chars().count() != 1 && value != "\\\\" {
                    return Err(bad(
                        C,
                        format!("`sep` must be one character such as \"/\" or \"\\\\\", found `{value}`"),
                        span,
                    ));
                }
                out.sep = if value == "\\\\" { "\\".into() } else { value };
            }
            _ => return Err(unknown_option(C, &key, span)),
        }
    }
    if !p.at_command_end() {
        return Err(
            p.expected("a `bucketdir` option such as `pathfield=` or the end of `bucketdir`")
        );
    }
    Ok(CommandArgs::Bucketdir(out))
}

/// One result being rolled up.
struct Entry {
    row: Event,
    /// The path's segments (empty when the result has no path).
    segments: Vec<String>,
    /// Its events (`sizefield`).
    events: f64,
    /// Where it goes in the output: its first member's input position.
    place: usize,
    alive: bool,
}

/// A directory's totals over the live results under it.
struct Dir {
    files: u64,
    events: f64,
    /// Results added under it (some may have been rolled up since).
    members: Vec<usize>,
    /// Bumped on every change, so stale heap candidates are skipped.
    version: u64,
    /// Its path length in segments.
    depth: usize,
    /// The order in which directories were first seen.
    first: usize,
}

/// A directory in the queue of roll-up candidates, best first.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    ratio: f64,
    depth: usize,
    first: usize,
    id: usize,
    version: u64,
}

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Candidate {}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Candidate {
    // More files per event, then deeper, then seen earlier; then the id
    // and version, so that equal keys are equal candidates.
    fn cmp(&self, other: &Self) -> Ordering {
        self.ratio
            .total_cmp(&other.ratio)
            .then(self.depth.cmp(&other.depth))
            .then(other.first.cmp(&self.first))
            .then(self.id.cmp(&other.id))
            .then(self.version.cmp(&other.version))
    }
}

/// The directories and the candidate queue.
#[derive(Default)]
struct Dirs {
    ids: HashMap<Vec<String>, usize>,
    dirs: Vec<Dir>,
    queue: BinaryHeap<Candidate>,
}

impl Dirs {
    /// The prefix lengths of `segments` that are directories: all but the
    /// path itself, and never the root of an absolute path.
    fn prefixes(segments: &[String]) -> std::ops::Range<usize> {
        let from = if segments.first().is_some_and(|s| s.is_empty()) {
            2
        } else {
            1
        };
        from..segments.len().max(from)
    }

    /// Counts entry `id` in each of its directories (`sign` 1) or takes
    /// it out (`sign` -1).
    fn count(&mut self, entries: &[Entry], id: usize, add: bool) {
        let e = &entries[id];
        for d in Self::prefixes(&e.segments) {
            let key = &e.segments[..d];
            let dir_id = match self.ids.get(key) {
                Some(&i) => i,
                None => {
                    let i = self.dirs.len();
                    self.ids.insert(key.to_vec(), i);
                    self.dirs.push(Dir {
                        files: 0,
                        events: 0.0,
                        members: Vec::new(),
                        version: 0,
                        depth: d,
                        first: i,
                    });
                    i
                }
            };
            let dir = &mut self.dirs[dir_id];
            if add {
                dir.files += 1;
                dir.events += e.events;
                dir.members.push(id);
            } else {
                dir.files = dir.files.saturating_sub(1);
                dir.events -= e.events;
            }
            dir.version += 1;
            if dir.files >= 2 {
                // More files and fewer events rank higher; no events at
                // all ranks highest.
                let ratio = if dir.events > 0.0 {
                    dir.files as f64 / dir.events
                } else {
                    f64::INFINITY
                };
                self.queue.push(Candidate {
                    ratio,
                    depth: dir.depth,
                    first: dir.first,
                    id: dir_id,
                    version: dir.version,
                });
            }
        }
    }

    /// The best directory to roll up, if any holds two results.
    fn best(&mut self) -> Option<usize> {
        while let Some(c) = self.queue.pop() {
            let dir = &self.dirs[c.id];
            if dir.version == c.version && dir.files >= 2 {
                return Some(c.id);
            }
        }
        None
    }
}

impl super::Command for Bucketdir {
    /// The results, rolled up into directories.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let mut held = ctx.memory.hold(C);
        let mut entries: Vec<Entry> = Vec::new();
        for row in input {
            let row = row?;
            held.charge_row(&row)?;
            let segments: Vec<String> = row
                .get(&self.pathfield)
                .map(|v| {
                    v.to_text()
                        .split(self.sep.as_str())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            held.charge(segments.iter().map(|s| s.len() as u64 + 24).sum())?;
            let events = row
                .get(&self.sizefield)
                .and_then(Value::as_number)
                .unwrap_or(0.0);
            let place = entries.len();
            entries.push(Entry {
                row,
                segments,
                events,
                place,
                alive: true,
            });
        }
        let mut dirs = Dirs::default();
        for id in 0..entries.len() {
            dirs.count(&entries, id, true);
        }
        let mut alive = entries.len();
        while alive > self.maxcount {
            let Some(dir_id) = dirs.best() else {
                break;
            };
            let members: Vec<usize> = std::mem::take(&mut dirs.dirs[dir_id].members)
                .into_iter()
                .filter(|&m| entries[m].alive)
                .collect();
            if members.len() < 2 {
                continue;
            }
            let Some(prefix) = members
                .first()
                .map(|&m| entries[m].segments[..dirs.dirs[dir_id].depth].to_vec())
            else {
                continue;
            };
            let mut size: Option<f64> = None;
            let mut count: Option<f64> = None;
            let mut events = 0.0;
            let mut place = usize::MAX;
            for &m in &members {
                let e = &entries[m];
                events += e.events;
                place = place.min(e.place);
                if let Some(n) = e.row.get(&self.sizefield).and_then(Value::as_number) {
                    size = Some(size.unwrap_or(0.0) + n);
                }
                if let Some(n) = e.row.get(&self.countfield).and_then(Value::as_number) {
                    count = Some(count.unwrap_or(0.0) + n);
                }
                dirs.count(&entries, m, false);
                entries[m].alive = false;
            }
            let mut segments = prefix;
            segments.push("*".to_string());
            let mut row = Event::new();
            row.set(
                self.pathfield.as_str(),
                Value::Str(segments.join(&self.sep)),
            );
            if let Some(n) = size {
                row.set(self.sizefield.as_str(), Value::Num(n));
            }
            if let Some(n) = count {
                row.set(self.countfield.as_str(), Value::Num(n));
            }
            entries.push(Entry {
                row,
                segments,
                events,
                place,
                alive: true,
            });
            dirs.count(&entries, entries.len() - 1, true);
            alive -= members.len() - 1;
        }
        let mut kept: Vec<Entry> = entries.into_iter().filter(|e| e.alive).collect();
        kept.sort_by_key(|e| e.place);
        let rows: Vec<Event> = kept.into_iter().map(|e| e.row).collect();
        Ok(Box::new(Releasing::new(rows.into_iter(), held)))
    }
}

/// The registry entries of `bucketdir`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "bucketdir",
        aliases: &[],
        parse,
    },
];
