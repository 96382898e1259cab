//! `dedup`: keeps the first N results for each combination of field values.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.1/search-commands/dedup>:
//! `dedup [<int>] <field-list> [keepevents=<bool>] [keepempty=<bool>]
//! [consecutive=<bool>] [sortby <sort-by-clause>]`. Results missing any of
//! the fields are dropped unless `keepempty=true`; `sortby` sorts before
//! deduplicating, so it chooses which duplicate is kept.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use crate::commands::common::{at_option, bad, bool_opt, count_opt, option, unknown_option};
use crate::commands::sort::{self, Sort};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::Parser;

/// `dedup 2 src, dest keepempty=true sortby -_time`.
#[derive(Debug, Clone, PartialEq)]
pub struct Dedup {
    /// Results kept per combination (default 1).
    pub count: usize,
    /// The fields whose combined values must be distinct.
    pub fields: Vec<String>,
    /// Keep duplicates, with the dedup fields removed.
    pub keepevents: bool,
    /// Keep results missing a field.
    pub keepempty: bool,
    /// Only remove duplicates that follow each other.
    pub consecutive: bool,
    /// `sortby`: sort first, so the top-most of each set of duplicates in
    /// that order is the one kept (the page's sort-by-clause description);
    /// the output is in that order too.
    pub sortby: Option<Sort>,
}

/// Parses `dedup`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let mut out = Dedup {
        count: 1,
        fields: Vec::new(),
        keepevents: false,
        keepempty: false,
        consecutive: false,
        sortby: None,
    };
    if let (Some(Tok::Word(w)), false) = (p.peek(), p.peek2() == Some(&Tok::Eq)) {
        if w.bytes().all(|b| b.is_ascii_digit()) {
            let (w, span) = p.word("a count")?;
            out.count = count_opt("dedup", "count", &w, span)?;
            if out.count == 0 {
                // The page: "The number for N must be greater than 0."
                return Err(bad("dedup", "the count must be greater than 0", span));
            }
        }
    }
    while !p.at_command_end() {
        if p.eat(&Tok::Comma) {
            continue;
        }
        if at_option(p) {
            let (key, value, span) = option(p)?;
            let flag = bool_opt("dedup", &key, &value, span);
            match key.as_str() {
                "keepevents" => out.keepevents = flag?,
                "keepempty" => out.keepempty = flag?,
                "consecutive" => out.consecutive = flag?,
                _ => return Err(unknown_option("dedup", &key, span)),
            }
            continue;
        }
        if p.at_keyword("sortby") {
            let (_, span) = p.word("sortby")?;
            let mut s = sort::parse_sort(p, span)?;
            s.limit = 0;
            out.sortby = Some(s);
            break;
        }
        out.fields.push(p.field_name("a field name")?.0);
    }
    if out.fields.is_empty() {
        return Err(bad("dedup", "expected at least one field name", name_span));
    }
    Ok(CommandArgs::Dedup(out))
}

impl Dedup {
    fn key(&self, event: &Event) -> Option<Vec<String>> {
        crate::commands::common::key_of(event, &self.fields)
    }
}

impl super::Command for Dedup {
    /// Removes duplicates, keeping the first `count` of each combination.
    ///
    /// Without `sortby` rows stream: each is let through or dropped as it
    /// arrives (the first `count` of a combination are the first to come),
    /// and only the combinations seen are held, charged to the memory
    /// budget. `consecutive=true` holds only the previous one. With
    /// `sortby` the rows are sorted first, which holds them all (charged
    /// as `dedup`'s).
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let input = match &self.sortby {
            Some(sort) => sort.apply_as(input, ctx, "dedup")?,
            None => input,
        };
        let mut held = ctx.memory.hold("dedup");
        let mut seen: HashMap<Vec<String>, usize> = HashMap::new();
        let mut previous: Option<Vec<String>> = None;
        let mut run = 0usize;
        Ok(Box::new(input.filter_map(move |row| {
            let mut event = match row {
                Ok(event) => event,
                Err(e) => return Some(Err(e)),
            };
            let Some(key) = self.key(&event) else {
                return self.keepempty.then_some(Ok(event));
            };
            let keep = if self.consecutive {
                if previous.as_ref() == Some(&key) {
                    run += 1;
                } else {
                    run = 1;
                }
                previous = Some(key);
                run <= self.count
            } else {
                let n = match seen.entry(key) {
                    Entry::Occupied(seen) => seen.into_mut(),
                    Entry::Vacant(new) => {
                        if let Err(e) = held.charge_key(new.key()) {
                            return Some(Err(e));
                        }
                        new.insert(0)
                    }
                };
                *n += 1;
                *n <= self.count
            };
            if keep {
                Some(Ok(event))
            } else if self.keepevents {
                for f in &self.fields {
                    event.remove(f);
                }
                Some(Ok(event))
            } else {
                None
            }
        })))
    }
}

/// `uniq`: removes a result identical to the one before it.
#[derive(Debug, Clone, PartialEq)]
pub struct Uniq;

/// Parses `uniq` (no arguments).
pub fn parse_uniq(_p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    Ok(CommandArgs::Uniq(Uniq))
}

impl super::Command for Uniq {
    /// Drops consecutive duplicate rows (all fields equal).
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let mut previous: Option<Event> = None;
        Ok(Box::new(input.filter(move |row| match row {
            Ok(event) => {
                let dup = previous.as_ref() == Some(event);
                previous = Some(event.clone());
                !dup
            }
            Err(_) => true,
        })))
    }
}

/// The registry entries of `dedup`, `uniq`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "dedup",
        aliases: &[],
        parse,
    },
    super::CommandSpec {
        name: "uniq",
        aliases: &[],
        parse: parse_uniq,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::Command;
    use crate::commands::sort::{SortKey, SortMode};
    use crate::value::Value;

    fn row(g: &str, n: f64) -> Event {
        let mut e = Event::new();
        e.set("g", Value::from(g));
        e.set("n", Value::Num(n));
        e
    }

    #[test]
    fn sortby_chooses_the_kept_duplicate() {
        let dedup = Dedup {
            count: 1,
            fields: vec!["g".into()],
            keepevents: false,
            keepempty: false,
            consecutive: false,
            sortby: Some(Sort {
                keys: vec![SortKey {
                    field: "n".into(),
                    descending: true,
                    mode: SortMode::Num,
                }],
                limit: 0,
                reverse: false,
            }),
        };
        let input: Rows<'_> = Box::new(
            vec![row("a", 1.0), row("b", 5.0), row("a", 7.0)]
                .into_iter()
                .map(Ok),
        );
        let kept: Vec<f64> = crate::exec::with_test_context(Default::default(), |ctx| {
            dedup
                .apply(input, ctx)
                .expect("applies")
                .map(|r| r.expect("row").get("n").and_then(Value::as_number))
                .map(|n| n.unwrap_or(f64::NAN))
                .collect()
        });
        assert_eq!(kept, vec![7.0, 5.0]);
    }

    fn plain(count: usize, consecutive: bool) -> Dedup {
        Dedup {
            count,
            fields: vec!["g".into()],
            keepevents: false,
            keepempty: false,
            consecutive,
            sortby: None,
        }
    }

    /// Without `sortby` a row comes out before the input ends: an input
    /// that fails after its first rows still gives them first.
    #[test]
    fn without_sortby_rows_stream() {
        let input: Rows<'_> = Box::new(
            vec![Ok(row("a", 1.0)), Ok(row("a", 2.0)), Ok(row("b", 3.0))]
                .into_iter()
                .chain(std::iter::once(Err(crate::error::Error::Usage(
                    "input failed".into(),
                )))),
        );
        crate::exec::with_test_context(Default::default(), |ctx| {
            let dedup = plain(1, false);
            let mut out = dedup.apply(input, ctx).expect("applies");
            let first = out.next().and_then(Result::ok);
            assert_eq!(
                first.and_then(|r| r.get("n").and_then(Value::as_number)),
                Some(1.0)
            );
            let second = out.next().and_then(Result::ok);
            assert_eq!(
                second.and_then(|r| r.get("n").and_then(Value::as_number)),
                Some(3.0)
            );
            assert!(matches!(out.next(), Some(Err(_))));
        });
    }

    /// The keys held are charged: a budget smaller than two keys stops at
    /// the second distinct one, naming dedup.
    #[test]
    fn the_keys_held_are_charged() {
        let rows = || -> Rows<'static> {
            Box::new(
                vec![row("a", 1.0), row("a", 2.0), row("b", 3.0)]
                    .into_iter()
                    .map(Ok),
            )
        };
        let one_key = crate::exec::memory::key_bytes(&["a".to_string()]);
        let budget = crate::exec::memory::MemoryBudget::new(one_key + 1);
        crate::exec::with_test_context(budget.clone(), |ctx| {
            let dedup = plain(1, false);
            let out: Vec<Result<Event>> = dedup.apply(rows(), ctx).expect("applies").collect();
            assert!(out[0].is_ok());
            assert!(matches!(
                &out[1],
                Err(crate::error::Error::MemoryBudget { command, .. }) if command == "dedup"
            ));
            // consecutive=true holds one key, whatever the input.
            let dedup = plain(1, true);
            let out: Vec<Result<Event>> = dedup.apply(rows(), ctx).expect("applies").collect();
            assert_eq!(out.iter().filter(|r| r.is_ok()).count(), 2);
        });
        assert_eq!(budget.used(), 0, "released when the output is dropped");
    }
}
