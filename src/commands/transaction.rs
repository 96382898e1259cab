//! `transaction`: groups events into transactions.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/transaction>:
//! `transaction [<field-list>] [maxspan=<span>] [maxpause=<span>]
//! [maxevents=<int>] [startswith=<filter>] [endswith=<filter>]
//! [connected=<bool>] [unifyends=<bool>] [keeporphans=<bool>]
//! [keepevicted=<bool>] [mvlist=<bool>|<field-list>] [mvraw=<bool>]
//! [nullstr=<string>]`. Each transaction gets `duration`, `eventcount`,
//! every field's distinct values (multivalue; a list per event with
//! `mvlist`), `_raw` joined by newlines (a multivalue with `mvraw`) and
//! `_time` of its earliest event; transactions come out newest first.
//!
//! With several fields an event need not have them all: it joins an open
//! transaction whose values it contradicts in none of the fields and shares
//! at least one with (the page's "Specifying multiple fields"); `connected`
//! and `unifyends` relax the "shares one" rule for ordinary and for
//! `startswith`/`endswith` events. See docs/semantics.md#transaction.
//! `delim` is refused: spelunk's multivalue fields keep no joined text for
//! a separator to go into.

use std::collections::{BTreeSet, HashMap};

use crate::commands::common::{
    at_option, bad, bool_opt, count_opt, eval_option_value, option, time_span_seconds,
    unknown_option, unsupported,
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
    /// `connected` (default true): an ordinary event must share a field
    /// value with the open transaction it joins; false: contradicting none
    /// is enough.
    pub connected: bool,
    /// `unifyends` (default: `connected`'s value): a `startswith`/`endswith`
    /// event must have a listed field and share a value with the
    /// transaction it ends; false: contradicting none is enough.
    pub unifyends: bool,
    /// `keeporphans`: pass events that are part of no transaction through,
    /// with `_txn_orphan=1`.
    pub keeporphans: bool,
    /// `mvlist`: which fields are lists of every event's values.
    pub mvlist: MvList,
    /// `mvraw`: `_raw` as a multivalue field instead of newline-joined.
    pub mvraw: bool,
    /// `nullstr` (default `NULL`): a listed field's entry for an event
    /// without the field.
    pub nullstr: String,
}

/// `mvlist`: which fields of a transaction are rendered as lists (every
/// event's values, in event order, duplicates kept) instead of their
/// distinct values in alphabetical order.
#[derive(Debug, Clone, PartialEq)]
pub enum MvList {
    /// `mvlist=false` (the default): no field.
    None,
    /// `mvlist=true`: every field.
    All,
    /// `mvlist=<field-list>`: these fields.
    Fields(Vec<String>),
}

impl MvList {
    /// Whether `field` is rendered as a list.
    fn lists(&self, field: &str) -> bool {
        match self {
            MvList::None => false,
            MvList::All => true,
            MvList::Fields(fields) => fields.iter().any(|f| f == field),
        }
    }
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
        connected: true,
        unifyends: true,
        keeporphans: false,
        mvlist: MvList::None,
        mvraw: false,
        nullstr: "NULL".to_string(),
    };
    // `unifyends` defaults to `connected`'s value (the page).
    let mut unifyends = None;
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
            "connected" => out.connected = bool_opt(c, &key, &value, span)?,
            "unifyends" => unifyends = Some(bool_opt(c, &key, &value, span)?),
            "keeporphans" => out.keeporphans = bool_opt(c, &key, &value, span)?,
            "mvraw" => out.mvraw = bool_opt(c, &key, &value, span)?,
            "nullstr" => out.nullstr = value,
            "mvlist" => out.mvlist = mvlist_value(p, &value, span)?,
            "delim" => {
                return Err(unsupported(
                    c,
                    "option `delim` is not supported: it sets the text joining a multivalue \
                     field's values, and spelunk's multivalue fields keep no joined text \
                     (`mvraw` and `mvlist` give multivalue fields)",
                    span,
                ))
            }
            _ => return Err(unknown_option(c, &key, span)),
        }
    }
    out.unifyends = unifyends.unwrap_or(out.connected);
    Ok(CommandArgs::Transaction(out))
}

/// `mvlist=`'s value: a boolean, or fields separated by commas or blanks
/// (`mvlist="a b"`, `mvlist=a,b`: the unquoted form takes the `,<field>`
/// that follow).
fn mvlist_value(p: &mut Parser, value: &str, span: Span) -> Result<MvList> {
    let c = "transaction";
    match value.to_ascii_lowercase().as_str() {
        "true" | "t" | "1" | "yes" | "y" => return Ok(MvList::All),
        "false" | "f" | "0" | "no" | "n" => return Ok(MvList::None),
        _ => {}
    }
    let mut fields: Vec<String> = value
        .split(|ch: char| ch == ',' || ch.is_whitespace())
        .filter(|f| !f.is_empty())
        .map(str::to_string)
        .collect();
    while p.peek() == Some(&Tok::Comma) && matches!(p.peek2(), Some(Tok::Word(_))) {
        p.eat(&Tok::Comma);
        if at_option(p) {
            break;
        }
        fields.push(p.field_name("a field name")?.0);
    }
    if fields.is_empty() {
        return Err(bad(
            c,
            "`mvlist` takes true, false or a list of fields",
            span,
        ));
    }
    Ok(MvList::Fields(fields))
}

/// A transaction being built.
struct Open {
    /// Its events, oldest first.
    events: Vec<Event>,
    started: bool,
    ended: bool,
    /// Its value of each listed field, once an event brought one.
    values: Vec<Option<String>>,
    /// The sequence number of the event last added (its most recent use).
    touched: u64,
}

/// The open transactions, grouped by which listed fields they have. Within a
/// group, an index per set of fields an event has been looked up by (built
/// on first use) finds the transactions agreeing with the event's values in
/// those fields at once, most recently used last, however many transactions
/// share a value: `transaction clientip cookie` over many addresses with one
/// cookie stays linear.
#[derive(Default)]
struct Pool {
    slots: Vec<Option<Open>>,
    groups: HashMap<Vec<bool>, Group>,
}

/// Open transactions by their values of some fields, each set holding
/// (last use, slot), most recently used last.
type ByValues = HashMap<Vec<String>, BTreeSet<(u64, usize)>>;

/// The open transactions having one set of fields.
#[derive(Default)]
struct Group {
    /// (last use, slot) of each.
    all: BTreeSet<(u64, usize)>,
    /// For a subset of the group's fields: their values -> (last use, slot).
    by_sub: HashMap<Vec<bool>, ByValues>,
}

/// Which fields have a value.
fn mask(values: &[Option<String>]) -> Vec<bool> {
    values.iter().map(Option::is_some).collect()
}

/// The values of the fields `sub` selects.
fn project(values: &[Option<String>], sub: &[bool]) -> Vec<String> {
    values
        .iter()
        .zip(sub)
        .filter(|(_, on)| **on)
        .map(|(v, _)| v.clone().unwrap_or_default())
        .collect()
}

impl Group {
    fn insert(&mut self, values: &[Option<String>], entry: (u64, usize)) {
        self.all.insert(entry);
        for (sub, index) in &mut self.by_sub {
            index
                .entry(project(values, sub))
                .or_default()
                .insert(entry);
        }
    }

    fn remove(&mut self, values: &[Option<String>], entry: (u64, usize)) {
        self.all.remove(&entry);
        for (sub, index) in &mut self.by_sub {
            let key = project(values, sub);
            if let Some(set) = index.get_mut(&key) {
                set.remove(&entry);
                if set.is_empty() {
                    index.remove(&key);
                }
            }
        }
    }
}

impl Pool {
    fn get(&self, id: usize) -> Option<&Open> {
        self.slots.get(id).and_then(Option::as_ref)
    }

    fn unlist(&mut self, values: &[Option<String>], entry: (u64, usize)) {
        let m = mask(values);
        if let Some(group) = self.groups.get_mut(&m) {
            group.remove(values, entry);
            if group.all.is_empty() {
                self.groups.remove(&m);
            }
        }
    }

    /// Opens a transaction; returns its slot.
    fn open(&mut self, o: Open) -> usize {
        let id = self.slots.len();
        self.groups
            .entry(mask(&o.values))
            .or_default()
            .insert(&o.values, (o.touched, id));
        self.slots.push(Some(o));
        id
    }

    /// Closes a transaction: it leaves the indexes.
    fn close(&mut self, id: usize) -> Option<Open> {
        let o = self.slots.get_mut(id)?.take()?;
        self.unlist(&o.values, (o.touched, id));
        Some(o)
    }

    /// Adds an event to an open transaction; the fields it brings that the
    /// transaction lacked take its values.
    fn add(&mut self, id: usize, event: Event, values: &[Option<String>], seq: u64) {
        let Some(mut o) = self.close(id) else {
            return;
        };
        for (have, new) in o.values.iter_mut().zip(values) {
            if have.is_none() {
                have.clone_from(new);
            }
        }
        o.events.push(event);
        o.touched = seq;
        self.groups
            .entry(mask(&o.values))
            .or_default()
            .insert(&o.values, (seq, id));
        if let Some(slot) = self.slots.get_mut(id) {
            *slot = Some(o);
        }
    }

    /// The open transaction an event with these field values joins: of those
    /// it shares a value with and contradicts in no field, the most recently
    /// used; failing that, when `loose`, the most recently used of those
    /// having none of its fields.
    fn find(&mut self, values: &[Option<String>], loose: bool) -> Option<usize> {
        let has = mask(values);
        let mut shared: Option<(u64, usize)> = None;
        let mut disjoint: Option<(u64, usize)> = None;
        let slots = &self.slots;
        for (m, group) in &mut self.groups {
            let sub: Vec<bool> = m.iter().zip(&has).map(|(a, b)| *a && *b).collect();
            if !sub.contains(&true) {
                if loose {
                    disjoint = disjoint.max(group.all.last().copied());
                }
                continue;
            }
            let index = group.by_sub.entry(sub.clone()).or_insert_with(|| {
                let mut index = ByValues::new();
                for &(t, id) in &group.all {
                    if let Some(Some(o)) = slots.get(id) {
                        index
                            .entry(project(&o.values, &sub))
                            .or_default()
                            .insert((t, id));
                    }
                }
                index
            });
            if let Some(set) = index.get(&project(values, &sub)) {
                shared = shared.max(set.last().copied());
            }
        }
        shared.or(disjoint).map(|(_, id)| id)
    }

    /// The transactions still open, in the order they were opened.
    fn into_open(self) -> impl Iterator<Item = Open> {
        self.slots.into_iter().flatten()
    }
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
        let keyed = !self.fields.is_empty();
        let mut pool = Pool::default();
        let mut done: Vec<Open> = Vec::new();
        // Events part of no transaction (kept with `keeporphans`).
        let mut orphans: Vec<Event> = Vec::new();
        for (seq, event) in (1u64..).zip(rows) {
            let values: Vec<Option<String>> = self
                .fields
                .iter()
                .map(|f| event.get(f).map(|v| v.to_text().into_owned()))
                .collect();
            let has_field = !keyed || values.iter().any(Option::is_some);
            let t = event.time().unwrap_or(0.0);
            let is_start = match &start {
                Some(m) => m.matches(&event, &ectx)?,
                None => false,
            };
            let is_end = match &end {
                Some(m) => m.matches(&event, &ectx)?,
                None => false,
            };
            // An event without any listed field belongs to no transaction,
            // unless it is a start or end event and `unifyends=false`.
            if !has_field && (self.unifyends || !(is_start || is_end)) {
                orphans.push(event);
                continue;
            }
            let mut cur = if is_start {
                // A start event splits the transaction it would join as an
                // ordinary event.
                has_field
                    .then(|| pool.find(&values, !keyed || !self.connected))
                    .flatten()
            } else if is_end {
                pool.find(&values, !keyed || !self.unifyends)
            } else {
                pool.find(&values, !keyed || !self.connected)
            };
            if let Some(o) = cur.and_then(|id| pool.get(id)) {
                let first = o.events.first().and_then(Event::time).unwrap_or(t);
                let last = o.events.last().and_then(Event::time).unwrap_or(t);
                let split = is_start
                    || self.maxspan.is_some_and(|s| t - first > s)
                    || self.maxpause.is_some_and(|s| t - last > s)
                    || o.events.len() >= self.maxevents;
                if split {
                    if let Some(closed) = cur.and_then(|id| pool.close(id)) {
                        done.push(closed);
                    }
                    cur = None;
                }
            }
            let id = match cur {
                Some(id) => {
                    pool.add(id, event, &values, seq);
                    id
                }
                None if start.is_some() && !is_start => {
                    // Before a start event nothing is open: the event is
                    // evicted.
                    if self.keepevicted {
                        done.push(Open {
                            events: vec![event],
                            started: false,
                            ended: false,
                            values,
                            touched: seq,
                        });
                    } else {
                        orphans.push(event);
                    }
                    continue;
                }
                None => pool.open(Open {
                    events: vec![event],
                    started: is_start,
                    ended: false,
                    values,
                    touched: seq,
                }),
            };
            if is_end {
                if let Some(mut closed) = pool.close(id) {
                    closed.ended = true;
                    done.push(closed);
                }
            }
        }
        done.extend(pool.into_open());
        let mut built = ctx.memory.hold("transaction");
        let mut out: Vec<Event> = Vec::new();
        for o in done {
            let complete = (start.is_none() || o.started) && (end.is_none() || o.ended);
            if !complete && !self.keepevicted {
                orphans.extend(o.events);
                continue;
            }
            let mut e = self.merge(&o.events);
            if self.keepevicted {
                e.set(
                    "closed_txn",
                    Value::Str(if complete { "1" } else { "0" }.into()),
                );
            }
            built.charge_row(&e)?;
            out.push(e);
        }
        if self.keeporphans {
            for mut e in orphans {
                e.set("_txn_orphan", Value::Str("1".into()));
                built.charge_row(&e)?;
                out.push(e);
            }
        }
        // The events are gone; the transactions stay held.
        drop(held);
        crate::exec::sort_newest_first(&mut out);
        Ok(Box::new(Releasing::new(out.into_iter(), built)))
    }
}

impl Transaction {
    /// One transaction's result from its events (oldest first).
    fn merge(&self, events: &[Event]) -> Event {
        // Each field's distinct values, or (`mvlist`) every event's.
        enum Vals {
            Distinct(BTreeSet<String>),
            List,
        }
        let mut fields: indexmap::IndexMap<String, Vals> = indexmap::IndexMap::new();
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
                if !fields.contains_key(name) {
                    let vals = if self.mvlist.lists(name) {
                        Vals::List
                    } else {
                        Vals::Distinct(BTreeSet::new())
                    };
                    fields.insert(name.to_string(), vals);
                }
                if let Some(Vals::Distinct(set)) = fields.get_mut(name) {
                    for t in value.texts() {
                        if !set.contains(t.as_ref()) {
                            set.insert(t.into_owned());
                        }
                    }
                }
            }
        }
        let first = events.first().and_then(Event::time).unwrap_or(0.0);
        let last = events.last().and_then(Event::time).unwrap_or(first);
        let mut out = Event::new();
        out.set("_time", Value::Num(first));
        if self.mvraw {
            out.set_opt("_raw", Value::from_list(raws));
        } else if !raws.is_empty() {
            out.set("_raw", Value::Str(raws.join("\n")));
        }
        for (name, vals) in fields {
            let vals = match vals {
                Vals::Distinct(set) => set.into_iter().collect(),
                Vals::List => {
                    let mut list = Vec::with_capacity(events.len());
                    for e in events {
                        match e.get(&name) {
                            Some(v) => list.extend(v.texts().into_iter().map(|t| t.into_owned())),
                            None => list.push(self.nullstr.clone()),
                        }
                    }
                    list
                }
            };
            out.set_opt(name, Value::from_list(vals));
        }
        out.set("duration", Value::Num(last - first));
        out.set("eventcount", Value::Num(events.len() as f64));
        out
    }
}

/// The registry entries of `transaction`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "transaction",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn vals(v: &[Option<&str>]) -> Vec<Option<String>> {
        v.iter().map(|x| x.map(str::to_string)).collect()
    }

    fn txn(values: &[Option<&str>], touched: u64) -> Open {
        Open {
            events: Vec::new(),
            started: false,
            ended: false,
            values: vals(values),
            touched,
        }
    }

    #[test]
    fn find_needs_a_shared_value_and_no_contradiction() {
        let mut pool = Pool::default();
        let a = pool.open(txn(&[Some("a"), None], 1));
        let b = pool.open(txn(&[None, Some("b")], 2));
        // Shares clientip=a with `a`, cookie=b with `b`: the later one wins.
        assert_eq!(pool.find(&vals(&[Some("a"), Some("b")]), false), Some(b));
        assert_eq!(pool.find(&vals(&[Some("a"), None]), false), Some(a));
        // Contradicts `a` and shares nothing with `b`.
        assert_eq!(pool.find(&vals(&[Some("c"), None]), false), None);
        // Loose: `b` has none of its fields.
        assert_eq!(pool.find(&vals(&[Some("c"), None]), true), Some(b));
        // A shared value wins over a looser match, however recent.
        let c = pool.open(txn(&[None, Some("z")], 3));
        assert_eq!(pool.find(&vals(&[Some("a"), None]), true), Some(a));
        assert_eq!(pool.find(&vals(&[Some("q"), None]), true), Some(c));
    }

    #[test]
    fn indexes_follow_added_fields_and_closing() {
        let mut pool = Pool::default();
        let a = pool.open(txn(&[Some("a"), None], 1));
        // Build the cookie-only index before the transaction gets a cookie.
        assert_eq!(pool.find(&vals(&[None, Some("b")]), false), None);
        pool.add(a, Event::new(), &vals(&[Some("a"), Some("b")]), 2);
        assert_eq!(pool.find(&vals(&[None, Some("b")]), false), Some(a));
        assert_eq!(pool.find(&vals(&[Some("a"), Some("x")]), false), None);
        assert_eq!(pool.get(a).map(|o| o.touched), Some(2));
        assert!(pool.close(a).is_some());
        assert_eq!(pool.find(&vals(&[None, Some("b")]), true), None);
        assert!(pool.groups.is_empty());
        assert!(pool.close(a).is_none());
    }

    #[test]
    fn without_fields_every_event_meets_the_one_open_transaction() {
        let mut pool = Pool::default();
        let a = pool.open(txn(&[], 1));
        assert_eq!(pool.find(&[], true), Some(a));
    }
}
