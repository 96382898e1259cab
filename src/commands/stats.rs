//! `stats`: aggregates events into one row per group.

use std::cmp::Ordering;
use std::collections::HashMap;

use crate::commands::{field_list, CommandArgs};
use crate::error::{Error, Result};
use crate::event::Event;
use crate::exec::Rows;
use crate::functions::stats::{self as stats_fns, AggState, StatsFn};
use crate::source::Span;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::Parser;
use crate::value::{compare_text, Value};

/// `stats <agg> [AS <name>] ... [BY <field> ...]`, e.g.
/// `stats count min(_time) as firstTime values(eventName) by user`.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    /// The aggregations, in written order.
    pub aggs: Vec<Aggregation>,
    /// The group-by fields.
    pub by: Vec<String>,
    /// `allnum=true`: numeric functions give null for a group with a
    /// non-numeric value.
    pub allnum: bool,
}

/// `stats` options: `allnum`, and `delim`, `partitions`, `dedup_splitvals`
/// (accepted; they change display or performance, not results here).
pub const STATS_OPTIONS: &[&str] = &["allnum", "delim", "partitions", "dedup_splitvals"];

/// One aggregation, e.g. `dc(src) AS sources`.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregation {
    /// The function.
    pub func: StatsFn,
    /// Its field argument (None for a bare `count`).
    pub field: Option<String>,
    /// The output field name: the `AS` name, or the call as written.
    pub output: String,
    /// Where it is written.
    pub span: Span,
}

/// Parses `stats`' arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let mut allnum = false;
    for (key, value, span) in p.options(STATS_OPTIONS)? {
        if key == "allnum" {
            allnum = crate::commands::common::bool_opt("stats", &key, &value, span)?;
        }
    }
    let (aggs, by) = aggregations_and_by(p, "stats", name_span)?;
    Ok(CommandArgs::Stats(Stats { aggs, by, allnum }))
}

/// Parses `<agg> [AS <name>] ... [BY <field> ...]`, shared by `stats`,
/// `eventstats` and `streamstats`.
pub fn aggregations_and_by(
    p: &mut Parser,
    command: &str,
    name_span: Span,
) -> Result<(Vec<Aggregation>, Vec<String>)> {
    let mut aggs = Vec::new();
    while !p.at_command_end() && !p.at_keyword("by") {
        if p.eat(&Tok::Comma) {
            continue;
        }
        aggs.push(aggregation(p)?);
    }
    let by = if p.eat_keyword("by") {
        let fields = field_list(p, &[])?;
        if fields.is_empty() {
            return Err(p.expected("a field name after `by`"));
        }
        fields.into_iter().map(|(n, _)| n).collect()
    } else {
        Vec::new()
    };
    if aggs.is_empty() {
        return Err(Error::BadArgument {
            command: command.into(),
            message: "expected at least one aggregation, e.g. `count`".into(),
            span: name_span,
        });
    }
    Ok((aggs, by))
}

/// Parses one aggregation, e.g. `count`, `dc(src) AS n`, `perc95(bytes)`.
pub fn aggregation(p: &mut Parser) -> Result<Aggregation> {
    let (name, name_span) = p.word("an aggregation such as `count` or `values(field)`")?;
    let Some(func) = stats_fns::find(&name) else {
        return Err(Error::BadArgument {
            command: "stats".into(),
            message: format!("function `{name}` is not supported yet"),
            span: name_span,
        });
    };
    let mut field = None;
    let mut output = name.clone();
    if p.eat(&Tok::LParen) {
        if p.at_keyword("eval") && p.peek2() == Some(&Tok::LParen) {
            return Err(Error::BadArgument {
                command: "stats".into(),
                message: format!("`{name}(eval(...))` is not supported yet (needs eval)"),
                span: p.here(),
            });
        }
        let (f, _) = p.field_name("a field name")?;
        p.expect(&Tok::RParen, "a closing `)`")?;
        output = format!("{name}({f})");
        field = Some(f);
    } else if !func.field_optional() {
        return Err(Error::BadArgument {
            command: "stats".into(),
            message: format!("`{name}` needs a field, e.g. `{name}(field)`"),
            span: name_span,
        });
    }
    let mut span = name_span.to(p.last_span());
    if p.eat_keyword("as") {
        let (alias, alias_span) = p.field_name("a name after `AS`")?;
        output = alias;
        span = span.to(alias_span);
    }
    Ok(Aggregation {
        func,
        field,
        output,
        span,
    })
}

impl Stats {
    /// The output columns: by-fields, then aggregations.
    pub fn columns(&self) -> Vec<String> {
        self.by
            .iter()
            .cloned()
            .chain(self.aggs.iter().map(|a| a.output.clone()))
            .collect()
    }

    /// Drains the input and yields one row per group, sorted by group key.
    pub fn apply<'a>(&'a self, input: Rows<'a>) -> Result<Rows<'a>> {
        let mut groups: HashMap<Vec<String>, Vec<AggState>> = HashMap::new();
        let fresh = || self.aggs.iter().map(|a| a.func.start()).collect::<Vec<_>>();
        if self.by.is_empty() {
            // Without BY there is always exactly one row, even for no events.
            groups.insert(Vec::new(), fresh());
        }
        for row in input {
            let event = row?;
            for key in self.group_keys(&event) {
                let states = groups.entry(key).or_insert_with(fresh);
                for (state, agg) in states.iter_mut().zip(&self.aggs) {
                    state.update(&event, agg.field.as_deref());
                }
            }
        }
        let mut rows: Vec<(Vec<String>, Vec<AggState>)> = groups.into_iter().collect();
        rows.sort_by(|a, b| compare_keys(&a.0, &b.0));
        let out = rows.into_iter().map(move |(key, states)| {
            let mut event = Event::new();
            for (name, value) in self.by.iter().zip(key) {
                event.set(name.clone(), Value::Str(value));
            }
            for (agg, state) in self.aggs.iter().zip(states) {
                event.set_opt(agg.output.clone(), state.finish_with(self.allnum));
            }
            Ok(event)
        });
        Ok(Box::new(out))
    }

    /// The groups an event belongs to: none when a by-field is null, one per
    /// combination of values when by-fields are multivalue.
    fn group_keys(&self, event: &Event) -> Vec<Vec<String>> {
        group_keys(&self.by, event)
    }
}

/// The groups an event belongs to for `by` fields: none when a by-field is
/// null, one per combination of values when by-fields are multivalue.
pub fn group_keys(by: &[String], event: &Event) -> Vec<Vec<String>> {
    {
        let mut keys: Vec<Vec<String>> = vec![Vec::new()];
        for field in by {
            let Some(value) = event.get(field) else {
                return Vec::new();
            };
            let texts = value.texts();
            let mut next = Vec::with_capacity(keys.len() * texts.len());
            for key in &keys {
                for t in &texts {
                    let mut k = key.clone();
                    k.push(t.to_string());
                    next.push(k);
                }
            }
            keys = next;
        }
        keys
    }
}

/// Orders group keys as `stats` sorts its rows.
pub fn compare_keys(a: &[String], b: &[String]) -> Ordering {
    a.iter()
        .zip(b)
        .map(|(x, y)| compare_text(x, y))
        .find(|o| *o != Ordering::Equal)
        .unwrap_or(Ordering::Equal)
}
