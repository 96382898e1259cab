//! The reference list: every command and function spelunk knows, with its
//! status, generated from the registries (`commands::COMMANDS` and its
//! tables, the eval function registry, the stats function registry) so
//! README's list cannot drift from the code. `spelunk reference
//! --markdown` prints it; a test compares README's block with it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::commands;
use crate::functions::{eval, stats};

/// README's block starts after this line...
pub const README_START: &str = "<!-- reference:start -->";
/// ...and ends before this one.
pub const README_END: &str = "<!-- reference:end -->";

/// The command that rewrites README's block.
pub const REGENERATE: &str = "cargo run --release -- reference --update-readme README.md";

/// What spelunk does with a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Runs as Splunk documents it.
    Supported,
    /// Runs, with the stated difference from Splunk.
    Differs(&'static str),
    /// Cannot run without a Splunk server, for the stated reason.
    NotOffline(&'static str),
    /// Provided by the named Splunk app, which spelunk does not ship.
    NeedsApp(&'static str),
    /// A Splunk name spelunk does not run (yet), with why when known.
    NotSupported(Option<&'static str>),
}

impl Status {
    /// The status in words.
    pub fn text(&self) -> String {
        match self {
            Status::Supported => "supported".into(),
            Status::Differs(note) => format!("supported; differs: {note}"),
            Status::NotOffline(why) => format!("cannot run offline: {why}"),
            Status::NeedsApp(app) => format!("needs the {app} app, which spelunk does not ship"),
            Status::NotSupported(Some(why)) => format!("not supported: {why}"),
            Status::NotSupported(None) => "not supported yet".into(),
        }
    }
}

/// One listed name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The name as written in a search (percentiles as `perc<N>`).
    pub name: String,
    /// Other names that mean the same.
    pub aliases: Vec<&'static str>,
    /// What spelunk does with it.
    pub status: Status,
}

/// Every command: the registry, the commands that cannot run offline, and
/// the rest of Splunk's Search Reference (not supported yet), by name.
pub fn commands() -> Vec<Entry> {
    let mut by_name: BTreeMap<String, Entry> = BTreeMap::new();
    for spec in commands::specs() {
        let refused = commands::REFUSED.iter().find(|(n, _)| *n == spec.name);
        let status = match refused {
            Some((_, why)) => Status::NotSupported(Some(why)),
            None => commands::DIFFERENCES
                .iter()
                .find(|(n, _)| *n == spec.name)
                .map_or(Status::Supported, |(_, note)| Status::Differs(note)),
        };
        by_name.insert(
            spec.name.to_string(),
            Entry {
                name: spec.name.to_string(),
                aliases: spec.aliases.to_vec(),
                status,
            },
        );
    }
    let known = |by_name: &BTreeMap<String, Entry>, name: &str| {
        by_name.contains_key(name) || by_name.values().any(|e| e.aliases.contains(&name))
    };
    // Commands that cannot run offline, then those needing an app spelunk
    // does not ship; a name registered above keeps its status.
    let unrunnable = commands::NOT_OFFLINE
        .iter()
        .map(|(name, why)| (*name, Status::NotOffline(why)))
        .chain(
            commands::NEEDS_APP
                .iter()
                .map(|(name, app)| (*name, Status::NeedsApp(app))),
        );
    for (name, status) in unrunnable {
        if !known(&by_name, name) {
            by_name.insert(
                name.to_string(),
                Entry {
                    name: name.to_string(),
                    aliases: Vec::new(),
                    status,
                },
            );
        }
    }
    for name in crate::suggest::SPLUNK_COMMANDS {
        if !known(&by_name, name) {
            by_name.insert(
                name.to_string(),
                Entry {
                    name: name.to_string(),
                    aliases: Vec::new(),
                    status: Status::NotSupported(None),
                },
            );
        }
    }
    by_name.into_values().collect()
}

/// Every eval function, by name, with the known ones spelunk does not run.
pub fn eval_functions() -> Vec<Entry> {
    let mut by_name: BTreeMap<String, Entry> = BTreeMap::new();
    for f in eval::all() {
        let status = f.difference.map_or(Status::Supported, Status::Differs);
        by_name.insert(
            f.name.to_string(),
            Entry {
                name: f.name.to_string(),
                aliases: Vec::new(),
                status,
            },
        );
    }
    for (name, why) in eval::UNSUPPORTED {
        by_name.entry(name.to_string()).or_insert(Entry {
            name: name.to_string(),
            aliases: Vec::new(),
            status: Status::NotSupported(Some(why)),
        });
    }
    by_name.into_values().collect()
}

/// Every stats function, by name: fixed names, percentile forms,
/// `sparkline`, and the known ones spelunk does not compute.
pub fn stats_functions() -> Vec<Entry> {
    let mut by_name: BTreeMap<String, Entry> = BTreeMap::new();
    for f in stats::FUNCTIONS {
        let status = f.difference.map_or(Status::Supported, Status::Differs);
        by_name.insert(
            f.name.to_string(),
            Entry {
                name: f.name.to_string(),
                aliases: Vec::new(),
                status,
            },
        );
    }
    for (form, note) in stats::PERCENTILE_FORMS {
        by_name.insert(
            form.to_string(),
            Entry {
                name: form.to_string(),
                aliases: Vec::new(),
                status: note.map_or(Status::Supported, Status::Differs),
            },
        );
    }
    by_name.insert(
        "sparkline".into(),
        Entry {
            name: "sparkline".into(),
            aliases: Vec::new(),
            status: Status::Differs(stats::SPARKLINE_DIFFERENCE),
        },
    );
    for (name, _) in stats::TIMECHART_ONLY {
        by_name.insert(
            name.to_string(),
            Entry {
                name: name.to_string(),
                aliases: Vec::new(),
                status: Status::Differs(stats::TIMECHART_ONLY_DIFFERENCE),
            },
        );
    }
    for name in stats::MSTATS_ONLY {
        by_name.insert(
            name.to_string(),
            Entry {
                name: name.to_string(),
                aliases: Vec::new(),
                status: Status::Differs(stats::MSTATS_ONLY_DIFFERENCE),
            },
        );
    }
    for (name, why) in stats::UNSUPPORTED {
        by_name.entry(name.to_string()).or_insert(Entry {
            name: name.to_string(),
            aliases: Vec::new(),
            status: Status::NotSupported(Some(why)),
        });
    }
    by_name.into_values().collect()
}

/// The whole list as Markdown: one table per kind, with counts.
pub fn markdown() -> String {
    let mut out = String::new();
    let sections = [
        ("Commands", commands()),
        ("Eval functions", eval_functions()),
        ("Stats functions", stats_functions()),
    ];
    for (i, (title, entries)) in sections.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let runs = entries
            .iter()
            .filter(|e| matches!(e.status, Status::Supported | Status::Differs(_)))
            .count();
        let _ = writeln!(out, "#### {title} ({runs} of {} run)\n", entries.len());
        out.push_str("| name | status |\n| --- | --- |\n");
        for e in entries {
            let mut name = format!("`{}`", e.name);
            if !e.aliases.is_empty() {
                let aliases: Vec<String> = e.aliases.iter().map(|a| format!("`{a}`")).collect();
                let _ = write!(name, " ({})", aliases.join(", "));
            }
            let _ = writeln!(out, "| {name} | {} |", e.status.text().replace('|', "\\|"));
        }
    }
    out
}

/// README's text with the block between the markers replaced by `block`;
/// None when the markers are missing or out of order.
pub fn replace_block(readme: &str, block: &str) -> Option<String> {
    let start = readme.find(README_START)? + README_START.len();
    let end = start + readme[start..].find(README_END)?;
    Some(format!("{}\n{}{}", &readme[..start], block, &readme[end..]))
}

/// The text between README's markers, when both are there.
pub fn current_block(readme: &str) -> Option<&str> {
    let start = readme.find(README_START)? + README_START.len();
    let end = start + readme[start..].find(README_END)?;
    Some(
        readme[start..end]
            .strip_prefix('\n')
            .unwrap_or(&readme[start..end]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registered_command_is_listed_once() {
        let listed = commands();
        for spec in commands::specs() {
            let n = listed.iter().filter(|e| e.name == spec.name).count();
            assert_eq!(n, 1, "{}", spec.name);
        }
        assert!(listed
            .iter()
            .any(|e| e.name == "rest" && matches!(e.status, Status::NotOffline(_))));
    }

    #[test]
    fn no_name_is_both_supported_and_not_offline() {
        for (name, _) in commands::NOT_OFFLINE.iter().chain(commands::NEEDS_APP) {
            assert!(commands::find(name).is_none(), "{name} is registered");
        }
        for (name, _) in commands::DIFFERENCES.iter().chain(commands::REFUSED) {
            assert!(commands::find(name).is_some(), "{name} is not registered");
        }
    }

    #[test]
    fn unsupported_functions_are_not_registered() {
        for (name, _) in eval::UNSUPPORTED {
            assert!(eval::find(name).is_none(), "{name}");
        }
        for (name, _) in stats::UNSUPPORTED {
            assert!(stats::find(name).is_none(), "{name}");
        }
    }

    #[test]
    fn markdown_lists_each_kind() {
        let md = markdown();
        assert!(md.contains("#### Commands ("));
        assert!(md.contains("| `bin` (`bucket`) | supported |"));
        assert!(md.contains("| `md5` | supported |"));
        assert!(md.contains("| `estdc` | supported; differs: exact"));
        assert!(md.contains("| `rest` | cannot run offline: "));
    }

    #[test]
    fn block_round_trips() {
        let readme = format!("a\n{README_START}\nold\n{README_END}\nb\n");
        let new = replace_block(&readme, "new\n").unwrap();
        assert_eq!(new, format!("a\n{README_START}\nnew\n{README_END}\nb\n"));
        assert_eq!(current_block(&new), Some("new\n"));
        assert_eq!(replace_block("no markers", "x"), None);
    }
}
