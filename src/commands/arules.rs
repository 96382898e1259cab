//! `arules`: association rules between field values.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.2/search-commands/arules>:
//! `arules [sup=<int>] [conf=<float>] <field> <field> ...` (at least two
//! fields). A reporting command returning `Given fields`, `Implied fields`,
//! `Strength`, `Given fields support` and `Implied fields support`; `sup`
//! (default 3, a positive integer) drops associations whose support is
//! smaller, `conf` (default 0.5, between 0 and 1) those whose confidence
//! (the `Strength`) is smaller. The page cites the R package arules
//! (Hahsler, Gruen and Hornik).
//!
//! The page gives no rule shape; spelunk's (docs/semantics.md): each result
//! is a transaction of `field=value` items over the named fields (each
//! value of a multivalue field is an item); a rule is one item implying an
//! item of another field; its support is the number of results holding both
//! (compared with `sup`), its `Strength` the confidence `support /
//! results holding the given item` (compared with `conf`), and the two
//! support columns the share of all results holding the given and the
//! implied item (as the R package reports support). Rules come by
//! decreasing `Strength`, then given and implied item.

use std::collections::{BTreeMap, BTreeSet};

use crate::commands::common::{at_option, bad, collect, count_opt, number_opt, option};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::Parser;
use crate::value::Value;

const C: &str = "arules";

/// One item: the field's index in the list, and a value.
type Item = (usize, String);

/// `arules sup=3 conf=0.5 field1 field2`.
#[derive(Debug, Clone, PartialEq)]
pub struct Arules {
    /// `sup=`: least number of results holding both items.
    pub sup: usize,
    /// `conf=`: least confidence.
    pub conf: f64,
    /// The fields.
    pub fields: Vec<String>,
}

/// Parses `arules`' options and fields.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let mut out = Arules {
        sup: 3,
        conf: 0.5,
        fields: Vec::new(),
    };
    while !p.at_command_end() {
        if at_option(p) {
            let (key, value, span) = option(p)?;
            match key.as_str() {
                "sup" => {
                    out.sup = count_opt(C, &key, &value, span)?;
                    if out.sup == 0 {
                        return Err(bad(C, "`sup` must be a positive integer", span));
                    }
                }
                "conf" => {
                    out.conf = number_opt(C, &key, &value, span)?;
                    if !(0.0..=1.0).contains(&out.conf) {
                        return Err(bad(C, "`conf` must be between 0 and 1", span));
                    }
                }
                _ => return Err(crate::commands::common::unknown_option(C, &key, span)),
            }
            continue;
        }
        if p.eat(&Tok::Comma) {
            continue;
        }
        let (field, _) = crate::commands::common::field_without_wildcard(p, C)?;
        out.fields.push(field);
    }
    if out.fields.len() < 2 {
        return Err(bad(
            C,
            "needs at least two fields, e.g. `arules src action`",
            name_span,
        ));
    }
    Ok(CommandArgs::Arules(out))
}

impl super::Command for Arules {
    /// Consumes the results and gives the rules.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        let rows = collect(input)?;
        let total = rows.len() as f64;
        // Each result's items: (field index, value), deduplicated.
        let transactions: Vec<BTreeSet<Item>> = rows
            .iter()
            .map(|row| {
                let mut items = BTreeSet::new();
                for (i, f) in self.fields.iter().enumerate() {
                    if let Some(v) = row.get(f) {
                        for t in v.texts() {
                            items.insert((i, t.into_owned()));
                        }
                    }
                }
                items
            })
            .collect();
        let mut single: BTreeMap<Item, usize> = BTreeMap::new();
        let mut pair: BTreeMap<(Item, Item), usize> = BTreeMap::new();
        for items in &transactions {
            for a in items {
                *single.entry(a.clone()).or_default() += 1;
                for b in items {
                    if a.0 != b.0 {
                        *pair.entry((a.clone(), b.clone())).or_default() += 1;
                    }
                }
            }
        }
        let item = |(i, v): &Item| format!("{}={v}", self.fields[*i]);
        let mut rules: Vec<(f64, String, String, f64, f64)> = Vec::new();
        for ((given, implied), both) in &pair {
            if *both < self.sup {
                continue;
            }
            let g = single.get(given).copied().unwrap_or(0);
            let i = single.get(implied).copied().unwrap_or(0);
            if g == 0 {
                continue;
            }
            let strength = *both as f64 / g as f64;
            if strength < self.conf {
                continue;
            }
            rules.push((
                strength,
                item(given),
                item(implied),
                g as f64 / total,
                i as f64 / total,
            ));
        }
        rules.sort_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then_with(|| a.1.cmp(&b.1))
                .then_with(|| a.2.cmp(&b.2))
        });
        let out = rules.into_iter().map(|(strength, given, implied, gs, is)| {
            let mut row = Event::new();
            row.set("Given fields", Value::Str(given));
            row.set("Implied fields", Value::Str(implied));
            row.set("Strength", Value::Num(strength));
            row.set("Given fields support", Value::Num(gs));
            row.set("Implied fields support", Value::Num(is));
            Ok(row)
        });
        Ok(Box::new(out))
    }
}

/// The registry entries of `arules`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "arules",
        aliases: &[],
        parse,
    },
];
