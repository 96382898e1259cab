//! `transaction`: groups events into transactions.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.1/search-commands/transaction>:
//! `transaction [<field-list>] [maxspan=<span>] [maxpause=<span>]
//! [maxevents=<int>] [startswith=<filter>] [endswith=<filter>]
//! [keepevicted=<bool>]`. Each transaction gets `duration`, `eventcount`,
//! every field's distinct values (multivalue), `_raw` joined by newlines and
//! `_time` of its earliest event; transactions come out newest first.

use std::collections::HashMap;

use crate::commands::common::{
    at_option, bad, bool_opt, count_opt, eval_option_value, option, time_span_seconds,
    unknown_option,
};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::eval::{EvalContext, Expr, Scope};
use crate::event::Event;
use crate::exec::matcher::Matcher;
use crate::exec::memory::Releasing;
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::ast::SearchExpr;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::{parse_search_expr_at, Parser};
use crate::value::Value;

/// `transaction user maxspan=30m maxpause=5m startswith="login" endswith="logout"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Transaction {
    /// Events with equal values of these fields group together.
    pub fields: Vec<String>,
    /// Longest time from first to last event.
    pub maxspan: Option<f64>,
    /// Longest gap between events.
    pub maxpause: Option<f64>,
    /// Most events per transaction (default 1000).
    pub maxevents: usize,
    /// An event matching this starts a transaction.
    pub startswith: Option<Filter>,
    /// An event matching this ends a transaction.
    pub endswith: Option<Filter>,
    /// Keep transactions that never started/ended (with `closed_txn=0`).
    pub keepevicted: bool,
}

/// A `startswith`/`endswith` filter: a search expression
/// (`startswith="login"`) or an eval expression (`startswith=eval(x>3)`).
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// Search syntax, matched like `search`.
    Search(SearchExpr),
    /// `eval(<expr>)`: the event matches when the expression is true.
    Eval(Expr),
}

/// A compiled [`Filter`].
enum Compiled<'a> {
    Search(Matcher),
    Eval(&'a Expr),
}

impl Compiled<'_> {
    fn matches(&self, event: &Event, ectx: &EvalContext) -> Result<bool> {
        match self {
            Compiled::Search(m) => Ok(m.matches(event)),
            Compiled::Eval(e) => {
                Ok(e.eval_condition(&Scope::new(event, ectx), "transaction")? == Some(true))
            }
        }
    }
}

fn compile<'a>(f: &'a Filter, ctx: &Context<'_>) -> Result<Compiled<'a>> {
    Ok(match f {
        Filter::Search(e) => Compiled::Search(Matcher::compile(e, ctx)?),
        Filter::Eval(e) => Compiled::Eval(e),
    })
}

/// Default `maxevents`.
const MAXEVENTS: usize = 1000;

/// Parses `transaction`'s arguments.
pub fn parse(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    let c = "transaction";
    let mut out = Transaction {
        fields: Vec::new(),
        maxspan: None,
        maxpause: None,
        maxevents: MAXEVENTS,
        startswith: None,
        endswith: None,
        keepevicted: false,
    };
    while !p.at_command_end() {
        if p.eat(&Tok::Comma) {
            continue;
        }
        if !at_option(p) {
            out.fields.push(p.field_name("a field name")?.0);
            continue;
        }
        let key_is_filter = p.at_keyword("startswith") || p.at_keyword("endswith");
        if key_is_filter {
            let (key, _) = p.word("an option")?;
            p.expect(&Tok::Eq, "`=`")?;
            let expr = if p.at_keyword("eval") && p.peek2() == Some(&Tok::LParen) {
                Filter::Eval(eval_option_value(p, &format!("`{key}=eval(...)`"))?)
            } else if p.peek() == Some(&Tok::LParen) {
                // Splunk's `startswith=(EventCode=4698)`: an unquoted,
                // parenthesised search expression.
                Filter::Search(p.search_group()?)
            } else {
                let (text, span) = p.value("a search filter")?;
                let text = text
                    .trim()
                    .trim_start_matches('(')
                    .trim_end_matches(')')
                    .to_string();
                Filter::Search(parse_search_expr_at(&text, span)?)
            };
            if key.eq_ignore_ascii_case("startswith") {
                out.startswith = Some(expr);
            } else {
                out.endswith = Some(expr);
            }
            continue;
        }
        let (key, value, span) = option(p)?;
        let seconds = || {
            time_span_seconds(&value).ok_or_else(|| {
                bad(
                    c,
                    format!("`{value}` is not a span such as 30s or 5m"),
                    span,
                )
            })
        };
        match key.as_str() {
            "maxspan" => out.maxspan = Some(seconds()?).filter(|s| *s >= 0.0),
            "maxpause" => out.maxpause = Some(seconds()?).filter(|s| *s >= 0.0),
            "maxevents" => out.maxevents = count_opt(c, &key, &value, span)?.max(1),
            "keepevicted" => out.keepevicted = bool_opt(c, &key, &value, span)?,
            "mvlist" | "delim" | "connected" | "unifyends" | "keeporphans" | "mvraw"
            | "nullstr" => {}
            _ => return Err(unknown_option(c, &key, span)),
        }
    }
    Ok(CommandArgs::Transaction(out))
}

/// A transaction being built.
struct Open {
    events: Vec<Event>,
    started: bool,
    ended: bool,
}

impl super::Command for Transaction {
    /// Groups the input.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let start = self
            .startswith
            .as_ref()
            .map(|f| compile(f, ctx))
            .transpose()?;
        let end = self
            .endswith
            .as_ref()
            .map(|f| compile(f, ctx))
            .transpose()?;
        let ectx = EvalContext::at(ctx.now, ctx.tz);
        // The rows are held until every transaction is closed, then the
        // transactions until they are handed on: both are charged to the
        // search's memory budget.
        let mut held = ctx.memory.hold("transaction");
        let mut rows = Vec::new();
        for row in input {
            let row = row?;
            held.charge_row(&row)?;
            rows.push(row);
        }
        // Build in time order (oldest first); the input is newest first.
        rows.reverse();
        let mut open: HashMap<Vec<String>, Open> = HashMap::new();
        let mut done: Vec<Open> = Vec::new();
        for event in rows {
            let Some(key) = crate::commands::common::key_of(&event, &self.fields) else {
                continue;
            };
            let t = event.time().unwrap_or(0.0);
            let is_start = match &start {
                Some(m) => m.matches(&event, &ectx)?,
                None => false,
            };
            let is_end = match &end {
                Some(m) => m.matches(&event, &ectx)?,
                None => false,
            };
            if let Some(cur) = open.get(&key) {
                let first = cur.events.first().and_then(Event::time).unwrap_or(t);
                let last = cur.events.last().and_then(Event::time).unwrap_or(t);
                let split = is_start
                    || self.maxspan.is_some_and(|s| t - first > s)
                    || self.maxpause.is_some_and(|s| t - last > s)
                    || cur.events.len() >= self.maxevents;
                if split {
                    if let Some(closed) = open.remove(&key) {
                        done.push(closed);
                    }
                }
            }
            if start.is_some() && !is_start && !open.contains_key(&key) {
                // Before a start event nothing is open: the event is evicted.
                if self.keepevicted {
                    done.push(Open {
                        events: vec![event],
                        started: false,
                        ended: false,
                    });
                }
                continue;
            }
            let cur = open.entry(key.clone()).or_insert_with(|| Open {
                events: Vec::new(),
                started: is_start,
                ended: false,
            });
            cur.events.push(event);
            if is_end {
                if let Some(mut closed) = open.remove(&key) {
                    closed.ended = true;
                    done.push(closed);
                }
            }
        }
        done.extend(open.into_values());
        let mut built = ctx.memory.hold("transaction");
        let mut out: Vec<Event> = Vec::new();
        for o in done {
            let complete = (start.is_none() || o.started) && (end.is_none() || o.ended);
            if !complete && !self.keepevicted {
                continue;
            }
            let mut e = merge(&o.events);
            if self.keepevicted {
                e.set(
                    "closed_txn",
                    Value::Str(if complete { "1" } else { "0" }.into()),
                );
            }
            built.charge_row(&e)?;
            out.push(e);
        }
        // The events are gone; the transactions stay held.
        drop(held);
        crate::exec::sort_newest_first(&mut out);
        Ok(Box::new(Releasing::new(out.into_iter(), built)))
    }
}

/// One transaction's result from its events (oldest first).
fn merge(events: &[Event]) -> Event {
    let mut fields: indexmap::IndexMap<String, Vec<String>> = indexmap::IndexMap::new();
    let mut raws = Vec::new();
    for e in events {
        for (name, value) in e.iter() {
            if name == "_time" {
                continue;
            }
            if name == "_raw" {
                raws.push(value.to_text().into_owned());
                continue;
            }
            let vals = fields.entry(name.to_string()).or_default();
            for t in value.texts() {
                if !vals.iter().any(|v| v == &t) {
                    vals.push(t.into_owned());
                }
            }
        }
    }
    let first = events.first().and_then(Event::time).unwrap_or(0.0);
    let last = events.last().and_then(Event::time).unwrap_or(first);
    let mut out = Event::new();
    out.set("_time", Value::Num(first));
    if !raws.is_empty() {
        out.set("_raw", Value::Str(raws.join("\n")));
    }
    for (name, mut vals) in fields {
        vals.sort();
        out.set_opt(name, Value::from_list(vals));
    }
    out.set("duration", Value::Num(last - first));
    out.set("eventcount", Value::Num(events.len() as f64));
    out
}

/// The registry entries of `transaction`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "transaction",
        aliases: &[],
        parse,
    },
];
