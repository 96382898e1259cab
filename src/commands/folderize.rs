//! `folderize`: values such as paths or URIs grouped into folders by their
//! leading segments.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/10.0/search-commands/folderize>:
//! `folderize attr=<string> [sep=<string>] [size=<string>] [minfolders=<int>]
//! [maxfolders=<int>]` (defaults `sep="::"`, `size=totalCount`,
//! `minfolders=2`, `maxfolders=20`). It "replaces the attr attribute value
//! with a more generic value, which is the result of grouping the attr
//! value with other values from other results, where grouping occurs by
//! tokenizing the attr value on the sep separator value", and "determines
//! if looking only at directories results in the number of results
//! requested". The page's example, `stats count(uri) by uri | folderize
//! size=count(uri) attr=uri sep="/"`, returns `uri` (a group such as
//! `/services/*`), `count(uri)` (summed over the group) and `memberCount`
//! (the number of results in the group; a group of one keeps its value,
//! such as `/en-US/`).
//!
//! The grouping rule is not spelled out; spelunk's (docs/semantics.md#other-commands):
//! a value cut to its first `d` segments, with `sep` and `*` appended when
//! it had more, is its folder at depth `d`. The depth used is the deepest
//! that gives at most `maxfolders` folders (depth 1 when none does). When
//! that gives fewer than `minfolders` folders, the values are not grouped
//! (each distinct value is its own folder). A folder of one distinct value
//! is named by the value. Each folder is one result, in order of first
//! appearance, with `attr`, the `size` field summed (when any member has
//! it) and `memberCount`; results without `attr` are left out.

use indexmap::IndexMap;

use crate::commands::common::{at_option, bad, count_opt, unknown_option};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::Parser;
use crate::value::Value;

const C: &str = "folderize";

/// `folderize size=count(uri) attr=uri sep="/"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Folderize {
    /// The field grouped.
    pub attr: String,
    /// The separator of its segments.
    pub sep: String,
    /// The numeric field summed per folder.
    pub size: String,
    /// Fewest folders worth grouping into.
    pub minfolders: usize,
    /// Most folders.
    pub maxfolders: usize,
}

/// Parses `folderize`'s options.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let mut attr = None;
    let mut out = Folderize {
        attr: String::new(),
        sep: "::".into(),
        size: "totalCount".into(),
        minfolders: 2,
        maxfolders: 20,
    };
    let mut max_span = name_span;
    while at_option(p) {
        // A field value may be a name such as `count(uri)`.
        let (key, kspan) = p.word("an option name")?;
        p.expect(&Tok::Eq, "`=`")?;
        let key = key.to_ascii_lowercase();
        let (value, vspan) = match key.as_str() {
            "attr" | "size" => p.field_name(&format!("a field name for `{key}`"))?,
            _ => p.value(&format!("a value for `{key}`"))?,
        };
        let span = kspan.to(vspan);
        match key.as_str() {
            "attr" => attr = Some(value),
            "sep" => {
                if value.is_empty() {
                    return Err(bad(C, "`sep` must not be empty", span));
                }
                out.sep = value;
            }
            "size" => out.size = value,
            "minfolders" => out.minfolders = count_opt(C, &key, &value, span)?,
            "maxfolders" => {
                out.maxfolders = count_opt(C, &key, &value, span)?;
                max_span = span;
            }
            _ => return Err(unknown_option(C, &key, span)),
        }
    }
    if !p.at_command_end() {
        return Err(p.expected("a `folderize` option such as `attr=` or the end of `folderize`"));
    }
    let Some(attr) = attr else {
        return Err(bad(C, "`attr=<field>` is required", name_span));
    };
    if out.maxfolders == 0 {
        return Err(bad(C, "`maxfolders` must be at least 1", max_span));
    }
    out.attr = attr;
    Ok(CommandArgs::Folderize(out))
}

/// A folder being gathered.
struct Folder {
    /// The distinct values in it, in order.
    values: IndexMap<String, ()>,
    size: Option<f64>,
    members: u64,
}

impl Folderize {
    /// The grouping depth, or `None` to leave the values ungrouped.
    fn depth(&self, items: &[(String, Option<f64>)]) -> Option<usize> {
        let deepest = items
            .iter()
            .map(|(v, _)| v.split(self.sep.as_str()).count())
            .max()?;
        let count = |d: usize| {
            let mut seen: IndexMap<String, ()> = IndexMap::new();
            for (v, _) in items {
                seen.insert(folder_at(v, &self.sep, d), ());
            }
            seen.len()
        };
        let mut chosen = 1;
        for d in 1..=deepest {
            if count(d) <= self.maxfolders {
                chosen = d;
            } else {
                break;
            }
        }
        if count(chosen) < self.minfolders {
            None
        } else {
            Some(chosen)
        }
    }
}

impl super::Command for Folderize {
    /// One result per folder.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let mut held = ctx.memory.hold(C);
        let mut items: Vec<(String, Option<f64>)> = Vec::new();
        for row in input {
            let row = row?;
            let Some(value) = row.get(&self.attr) else {
                continue;
            };
            let value = value.to_text().into_owned();
            held.charge(value.len() as u64 + 16)?;
            let size = row.get(&self.size).and_then(Value::as_number);
            items.push((value, size));
        }
        let depth = self.depth(&items);
        let mut folders: IndexMap<String, Folder> = IndexMap::new();
        for (value, size) in items {
            let key = match depth {
                Some(d) => folder_at(&value, &self.sep, d),
                None => value.clone(),
            };
            let folder = folders.entry(key).or_insert(Folder {
                values: IndexMap::new(),
                size: None,
                members: 0,
            });
            folder.values.insert(value, ());
            folder.members += 1;
            if let Some(s) = size {
                folder.size = Some(folder.size.unwrap_or(0.0) + s);
            }
        }
        let out: Vec<Event> = folders
            .into_iter()
            .map(|(key, folder)| {
                let name = match folder.values.len() {
                    1 => folder.values.into_keys().next().unwrap_or(key),
                    _ => key,
                };
                let mut e = Event::new();
                e.set(self.attr.as_str(), Value::Str(name));
                if let Some(s) = folder.size {
                    e.set(self.size.as_str(), Value::Num(s));
                }
                e.set("memberCount", Value::Num(folder.members as f64));
                e
            })
            .collect();
        drop(held);
        Ok(Box::new(out.into_iter().map(Ok)))
    }
}

/// `value`'s folder at depth `d`: its first `d` segments, with `sep` and
/// `*` appended when it has more.
pub fn folder_at(value: &str, sep: &str, d: usize) -> String {
    let segments: Vec<&str> = value.split(sep).collect();
    if segments.len() <= d {
        return value.to_string();
    }
    format!("{}{sep}*", segments[..d].join(sep))
}

/// The registry entries of `folderize`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "folderize",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_by_depth() {
        assert_eq!(folder_at("/services/a/b", "/", 2), "/services/*");
        assert_eq!(folder_at("/en-US/", "/", 2), "/en-US/*");
        assert_eq!(folder_at("/en-US/", "/", 3), "/en-US/");
        assert_eq!(folder_at("a::b", "::", 1), "a::*");
    }
}
