//! `cofilter`: how many `field1` values each pair of `field2` values
//! occurs with, a step of collaborative filtering.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/cofilter>:
//! `cofilter <field1> <field2>`, a transforming command. "The user field
//! must be specified first and followed by the item field. The output is an
//! event for each pair of items with: the first item and its popularity, the
//! second item and its popularity, and the popularity of that pair of
//! items." The page's example output has the fields `Item 1`,
//! `Item 1 user count`, `Item 2`, `Item 2 user count` and `Pair count`.
//!
//! An item's popularity is the number of distinct `field1` values it occurs
//! with; a pair's, the number of distinct `field1` values both occur with.
//! Only pairs that occur are listed. Items are numbered in the order they
//! first appear; each pair is listed once, the earlier item first, ordered
//! by the first item and then the second, which is the page's example
//! output order (docs/semantics.md#other-commands). Each value of a
//! multivalue field counts; results missing either field are skipped.

use std::collections::{BTreeSet, HashMap};

use indexmap::IndexMap;

use crate::commands::common::bad;
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

const C: &str = "cofilter";

/// `cofilter user item`.
#[derive(Debug, Clone, PartialEq)]
pub struct Cofilter {
    /// The "user" field.
    pub field1: String,
    /// The "item" field.
    pub field2: String,
}

/// Parses `cofilter`'s two fields.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let fields = crate::commands::field_list(p, &[])?;
    match <[_; 2]>::try_from(fields) {
        Ok([(field1, _), (field2, _)]) => Ok(CommandArgs::Cofilter(Cofilter { field1, field2 })),
        Err(fields) => Err(bad(
            C,
            format!(
                "expected two fields, <field1> <field2>, found {}",
                fields.len()
            ),
            fields.get(2).map_or(name_span, |(_, s)| *s),
        )),
    }
}

impl super::Command for Cofilter {
    /// One result per co-occurring pair of items.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let mut held = ctx.memory.hold(C);
        // Item -> its number, in order of first appearance.
        let mut items: IndexMap<String, usize> = IndexMap::new();
        // User -> the numbers of its items.
        let mut users: HashMap<String, BTreeSet<usize>> = HashMap::new();
        for row in input {
            let row = row?;
            let (Some(user), Some(item)) = (row.get(&self.field1), row.get(&self.field2)) else {
                continue;
            };
            for item in item.texts() {
                let n = items.len();
                let number = match items.get(item.as_ref()) {
                    Some(&i) => i,
                    None => {
                        held.charge_key(std::slice::from_ref(&item.to_string()))?;
                        items.insert(item.to_string(), n);
                        n
                    }
                };
                for user in user.texts() {
                    let set = match users.get_mut(user.as_ref()) {
                        Some(set) => set,
                        None => {
                            held.charge_key(std::slice::from_ref(&user.to_string()))?;
                            users.entry(user.to_string()).or_default()
                        }
                    };
                    if set.insert(number) {
                        held.charge(16)?;
                    }
                }
            }
        }
        let mut popularity = vec![0u64; items.len()];
        let mut pairs: HashMap<(usize, usize), u64> = HashMap::new();
        for set in users.values() {
            let list: Vec<usize> = set.iter().copied().collect();
            for (k, &a) in list.iter().enumerate() {
                popularity[a] += 1;
                for &b in &list[k + 1..] {
                    let count = pairs.entry((a, b)).or_insert(0);
                    if *count == 0 {
                        held.charge(24)?;
                    }
                    *count += 1;
                }
            }
        }
        let mut keys: Vec<(usize, usize)> = pairs.keys().copied().collect();
        keys.sort_unstable();
        let names: Vec<&String> = items.keys().collect();
        let out: Vec<Event> = keys
            .into_iter()
            .map(|(a, b)| {
                let mut e = Event::new();
                e.set("Item 1", Value::Str(names[a].clone()));
                e.set("Item 1 user count", Value::Num(popularity[a] as f64));
                e.set("Item 2", Value::Str(names[b].clone()));
                e.set("Item 2 user count", Value::Num(popularity[b] as f64));
                e.set("Pair count", Value::Num(pairs[&(a, b)] as f64));
                e
            })
            .collect();
        drop(held);
        Ok(Box::new(out.into_iter().map(Ok)))
    }
}

/// The registry entries of `cofilter`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "cofilter",
        aliases: &[],
        parse,
    },
];
