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

/// One result being rolled up: its row and its path's directories.
struct Entry {
    row: Event,
    /// The path's segments (empty when the result has no path).
    segments: Vec<String>,
    events: f64,
}

impl Bucketdir {
    /// The results, rolled up into directories.
    pub fn apply<'a>(&'a self, input: Rows<'a>, ctx: &Context<'_>) -> Result<Rows<'a>> {
        let mut held = ctx.memory.hold(C);
        let mut entries: Vec<Entry> = Vec::new();
        for row in input {
            let row = row?;
            held.charge_row(&row)?;
            let segments = row
                .get(&self.pathfield)
                .map(|v| {
                    v.to_text()
                        .split(self.sep.as_str())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            let events = row
                .get(&self.sizefield)
                .and_then(Value::as_number)
                .unwrap_or(0.0);
            entries.push(Entry {
                row,
                segments,
                events,
            });
        }
        while entries.len() > self.maxcount {
            let Some(dir) = self.best_directory(&entries) else {
                break;
            };
            self.roll_up(&mut entries, &dir);
        }
        let rows: Vec<Event> = entries.into_iter().map(|e| e.row).collect();
        Ok(Box::new(Releasing::new(rows.into_iter(), held)))
    }

    /// The directory to roll up next: `(segments)` of a directory holding
    /// at least two results, best files-to-events ratio first.
    fn best_directory(&self, entries: &[Entry]) -> Option<Vec<String>> {
        // Directory -> (files, events), in order of first appearance.
        let mut dirs: indexmap::IndexMap<&[String], (u64, f64)> = indexmap::IndexMap::new();
        for e in entries {
            // A rolled-up result's path ends in `*`: it is in its own
            // directory's parent, like a file.
            // The root of an absolute path (`/`) is never rolled up: it
            // would fold every result into one.
            let from = if e.segments.first().is_some_and(|s| s.is_empty()) {
                2
            } else {
                1
            };
            for d in from..e.segments.len() {
                let slot = dirs.entry(&e.segments[..d]).or_insert((0, 0.0));
                slot.0 += 1;
                slot.1 += e.events;
            }
        }
        let mut best: Option<(&[String], f64)> = None;
        for (dir, (files, events)) in dirs {
            if files < 2 {
                continue;
            }
            // More files and fewer events rank higher; no events at all ranks
            // highest.
            let ratio = if events > 0.0 {
                files as f64 / events
            } else {
                f64::INFINITY
            };
            let better = match best {
                None => true,
                Some((b, r)) => ratio > r || (ratio == r && dir.len() > b.len()),
            };
            if better {
                best = Some((dir, ratio));
            }
        }
        best.map(|(dir, _)| dir.to_vec())
    }

    /// Replaces the results under `dir` by one.
    fn roll_up(&self, entries: &mut Vec<Entry>, dir: &[String]) {
        let inside = |e: &Entry| e.segments.len() > dir.len() && e.segments[..dir.len()] == *dir;
        let Some(first) = entries.iter().position(inside) else {
            return;
        };
        let mut size: Option<f64> = None;
        let mut count: Option<f64> = None;
        let mut events = 0.0;
        for e in entries.iter().filter(|e| inside(e)) {
            events += e.events;
            if let Some(n) = e.row.get(&self.sizefield).and_then(Value::as_number) {
                size = Some(size.unwrap_or(0.0) + n);
            }
            if let Some(n) = e.row.get(&self.countfield).and_then(Value::as_number) {
                count = Some(count.unwrap_or(0.0) + n);
            }
        }
        let mut segments = dir.to_vec();
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
        let merged = Entry {
            row,
            segments,
            events,
        };
        entries.retain(|e| !inside(e));
        let at = first.min(entries.len());
        entries.insert(at, merged);
    }
}
