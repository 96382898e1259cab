//! `stats`: aggregates events into one row per group.

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

use indexmap::{Equivalent, IndexMap};

use crate::commands::bin::BinSpan;
use crate::commands::common::{fill_wildcards, WildcardName};
use crate::commands::{field_list, CommandArgs};
use crate::error::{Error, Result};
use crate::eval::{parse_expr, EvalContext, EvalValue, Expr};
use crate::event::{Event, FieldBuildHasher};
use crate::exec::{Context, Rows};
use crate::functions::stats::{self as stats_fns, AggState, SparkFn, StatsFn};
use crate::source::Span;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::Parser;
use crate::value::{compare_text, Value};

/// Running aggregation states per group key (rows are sorted by key at
/// the end, so the map's order never shows).
pub type Groups = IndexMap<Vec<String>, Vec<AggState>, FieldBuildHasher>;

/// A group key borrowed from an event's field texts, looked up without
/// building the owned key; it hashes exactly as the `Vec<String>` does.
struct KeyRef<'a>(&'a [&'a str]);

impl Hash for KeyRef<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl Equivalent<Vec<String>> for KeyRef<'_> {
    fn equivalent(&self, key: &Vec<String>) -> bool {
        self.0.len() == key.len() && self.0.iter().zip(key).all(|(a, b)| *a == b.as_str())
    }
}

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
    /// Its field argument (None for a bare `count` and for `eval(...)`).
    pub field: Option<String>,
    /// An `f(eval(expr))` argument: the expression evaluated per event.
    pub expr: Option<Expr>,
    /// The output field name: the `AS` name, or the call as written.
    pub output: String,
    /// Where it is written.
    pub span: Span,
}

impl Aggregation {
    /// The fields it reads from a row: its field and its `eval(...)`'s
    /// fields (every aggregation may also read `_time`: earliest, latest,
    /// rate, sparklines).
    pub fn reads(&self) -> Vec<String> {
        let mut out: Vec<String> = self.field.iter().cloned().collect();
        if let Some(expr) = &self.expr {
            out.extend(expr.fields());
        }
        out
    }

    /// Whether its result depends on the events' `_time` (earliest,
    /// latest, their `_time` forms, rate, sparkline), which another
    /// executor must then pass along with [`Aggregation::reads`].
    pub fn reads_time(&self) -> bool {
        matches!(
            self.func.start(),
            AggState::Sparkline(..)
                | AggState::Earliest(_)
                | AggState::Latest(_)
                | AggState::EarliestTime(_)
                | AggState::LatestTime(_)
                | AggState::Rate(..)
        )
    }

    /// Whether the field argument has `*`, e.g. `avg(*lay)`.
    pub fn is_wildcard(&self) -> bool {
        self.field.as_deref().is_some_and(|f| f.contains('*'))
    }
}

/// Fails when an aggregation of a command other than `stats` and
/// `eventstats` names its
/// field with `*`: those commands do not expand wildcards yet, and an
/// unexpanded `avg(*lay)` would silently give nothing.
pub fn reject_wildcards(aggs: &[Aggregation], command: &str) -> Result<()> {
    match aggs.iter().find(|a| a.is_wildcard()) {
        Some(agg) => Err(Error::Unsupported {
            command: Some(command.into()),
            message: format!(
                "wildcard field `{}` in `{command}` is not supported yet (`stats` and `eventstats` expand it)",
                agg.field.as_deref().unwrap_or_default()
            ),
            span: agg.span,
        }),
        None => Ok(()),
    }
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
    if command != "stats" && command != "eventstats" {
        reject_wildcards(&aggs, command)?;
    }
    Ok((aggs, by))
}

/// Parses one aggregation, e.g. `count`, `dc(src) AS n`, `perc95(bytes)`.
pub fn aggregation(p: &mut Parser) -> Result<Aggregation> {
    let (name, name_span) = p.word("an aggregation such as `count` or `values(field)`")?;
    if name.eq_ignore_ascii_case("sparkline") {
        return sparkline(p, name_span);
    }
    let Some(func) = stats_fns::find(&name) else {
        return Err(Error::Unsupported {
            command: Some("stats".into()),
            message: unknown_function_message(&name),
            span: name_span,
        });
    };
    let mut field = None;
    let mut expr = None;
    let mut output = name.clone();
    if p.eat(&Tok::LParen) {
        if p.at_keyword("eval") && p.peek2() == Some(&Tok::LParen) {
            let (e, eval_span) = eval_argument(p)?;
            p.expect(&Tok::RParen, "a closing `)`")?;
            // Splunk: "You must specify a rename for the aggregation
            // specifier on the dynamically evaluated field".
            if !p.at_keyword("as") {
                return Err(Error::BadArgument {
                    command: "stats".into(),
                    message: format!("`{name}(eval(...))` needs a name: add `AS <field>` after it"),
                    span: eval_span,
                });
            }
            expr = Some(e);
        } else {
            let (f, _) = p.field_name("a field name")?;
            p.expect(&Tok::RParen, "a closing `)`")?;
            output = format!("{name}({f})");
            field = Some(f);
        }
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
    let stars = field.as_deref().map_or(0, |f| f.matches('*').count());
    if stars > 0 && output.matches('*').count() != stars {
        return Err(Error::BadArgument {
            command: "stats".into(),
            message: format!(
                "`{output}` names the results of a wildcard field: give it as many `*` as `{}`",
                field.as_deref().unwrap_or_default()
            ),
            span,
        });
    }
    Ok(Aggregation {
        func,
        field,
        expr,
        output,
        span,
    })
}

/// Why `name` is no aggregation: a known Splunk one spelunk lacks (with
/// the reason), or an unknown name with the nearest known one.
fn unknown_function_message(name: &str) -> String {
    if stats_fns::timechart_only(name).is_some() {
        return format!(
            "function `{name}` is a timechart function: it is a rate over each time bin's span, and only timechart has spans (e.g. `timechart span=1m {name}(bytes)`)"
        );
    }
    if stats_fns::mstats_only(name) {
        return format!(
            "`{name}` is one of mstats' own functions: the rates of an accumulating counter's metric time series (e.g. `| mstats {name}(<metric_name>) WHERE index=<metrics index> span=1h`)"
        );
    }
    if let Some(why) = stats_fns::unsupported(name) {
        return format!("function `{name}` is not supported: {why}");
    }
    let names = stats_fns::FUNCTIONS
        .iter()
        .map(|f| f.name)
        .chain(["sparkline"]);
    let suggestion = crate::suggest::closest(name, names).map(str::to_string);
    format!(
        "function `{name}` is not supported yet{}",
        crate::suggest::hint(&suggestion)
    )
}

/// `sparkline [(<func>[(<field>)] [, <span>])] [AS <name>]`, e.g.
/// `sparkline(count, 1h)`, `sparkline(dc(user))` (the name is read).
fn sparkline(p: &mut Parser, name_span: Span) -> Result<Aggregation> {
    let mut func = SparkFn::Count;
    let mut field = None;
    let mut span = None;
    if p.eat(&Tok::LParen) {
        let (fname, fspan) = p.word("a sparkline function such as `count` or `avg(field)`")?;
        func = SparkFn::find(&fname).ok_or_else(|| Error::BadArgument {
            command: "stats".into(),
            message: format!(
                "`{fname}` cannot make a sparkline (c, count, dc, mean, avg, stdev, stdevp, var, varp, sum, sumsq, min, max, range can)"
            ),
            span: fspan,
        })?;
        if p.eat(&Tok::LParen) && !p.eat(&Tok::RParen) {
            field = Some(p.field_name("a field name")?.0);
            p.expect(&Tok::RParen, "a closing `)`")?;
        }
        if field.is_none() && func != SparkFn::Count {
            return Err(Error::BadArgument {
                command: "stats".into(),
                message: format!(
                    "`sparkline({fname})` needs a field, e.g. `sparkline({fname}(bytes))`"
                ),
                span: fspan,
            });
        }
        if p.eat(&Tok::Comma) {
            let (text, tspan) = p.value("a span such as 1h")?;
            span = match crate::commands::bin::parse_span(&text, "stats", tspan)? {
                BinSpan::Seconds(s) => Some(s),
                BinSpan::Months(n) => Some(f64::from(n) * 2_592_000.0),
            };
        }
        p.expect(&Tok::RParen, "a closing `)` for sparkline(")?;
    }
    let mut span_all = name_span.to(p.last_span());
    let mut output = p.text_of(span_all).to_string();
    if p.eat_keyword("as") {
        let (alias, alias_span) = p.field_name("a name after `AS`")?;
        output = alias;
        span_all = span_all.to(alias_span);
    }
    Ok(Aggregation {
        func: StatsFn::Sparkline(func, span),
        field,
        expr: None,
        output,
        span: span_all,
    })
}

/// `eval(<expression>)` inside an aggregation: the expression text runs to
/// the matching `)` and is parsed with eval's rules. Returns the expression
/// and the span of `eval(...)`.
fn eval_argument(p: &mut Parser) -> Result<(Expr, Span)> {
    let (_, eval_span) = p.word("eval")?;
    p.expect(&Tok::LParen, "`(` after eval")?;
    let start = p.here().start;
    let mut depth = 1usize;
    loop {
        let Some(tok) = p.next_token() else {
            return Err(p.expected("a closing `)` for eval("));
        };
        match tok.tok {
            Tok::LParen => depth += 1,
            Tok::RParen => {
                depth -= 1;
                if depth == 0 {
                    let inner = Span::new(start, tok.span.start.max(start));
                    let text = p.text_of(inner).to_string();
                    let expr = parse_expr(&text, start)?;
                    return Ok((expr, eval_span.to(tok.span)));
                }
            }
            Tok::Pipe | Tok::RBracket if depth == 1 => {
                return Err(Error::Syntax {
                    expected: "a closing `)` for eval(".into(),
                    found: tok.tok.describe(),
                    span: tok.span,
                })
            }
            _ => {}
        }
    }
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

    /// Whether an aggregation names its fields with `*`, e.g. `avg(*lay)`
    /// or `values(*) AS *`.
    pub fn has_wildcards(&self) -> bool {
        self.aggs.iter().any(Aggregation::is_wildcard)
    }

    /// The command with each wildcard aggregation replaced by one
    /// aggregation per matching field of `events` (see
    /// [`expand_wildcard_aggs`]).
    fn expand_wildcards(&self, events: &[Event]) -> Result<Stats> {
        Ok(Stats {
            aggs: expand_wildcard_aggs(&self.aggs, &self.by, events)?,
            by: self.by.clone(),
            allnum: self.allnum,
        })
    }

    /// Aggregates the input into one row per group, sorted by group key.
    fn aggregate(&self, input: Rows<'_>, ctx: &Context<'_>) -> Result<Vec<Event>> {
        let mut groups = self.new_groups();
        let mut held = ctx.memory.hold("stats");
        let ectx = EvalContext::at(ctx.now, ctx.tz);
        let mut range = TimeRange::default();
        for row in input {
            let event = row?;
            range.add(&event);
            held.charge(self.accumulate(&mut groups, &event, &ectx)?)?;
        }
        Ok(self.finish_groups_in(groups, range.get()))
    }

    /// The estimated bytes of one group in the table (its key and a
    /// running state per aggregation; see [`crate::exec::memory`]).
    pub fn group_bytes(&self, key: &[String]) -> u64 {
        crate::exec::memory::key_bytes(key).saturating_add(
            crate::exec::memory::STATE_OVERHEAD.saturating_mul(self.aggs.len() as u64),
        )
    }

    /// Empty running states: none without BY fields' groups, and the one
    /// group of a `stats` without BY (which always gives a row).
    pub fn new_groups(&self) -> Groups {
        let mut groups = Groups::default();
        if self.by.is_empty() {
            groups.insert(Vec::new(), self.fresh());
        }
        groups
    }

    fn fresh(&self) -> Vec<AggState> {
        self.aggs.iter().map(|a| a.func.start()).collect()
    }

    /// Adds one event to the running states. Returns the estimated bytes
    /// of the groups it added ([`Stats::group_bytes`]) and of what their
    /// states grew by ([`update_states`]), for the caller to charge to the
    /// memory budget.
    pub fn accumulate(
        &self,
        groups: &mut Groups,
        event: &Event,
        ectx: &EvalContext,
    ) -> Result<u64> {
        let evaluated = self.evaluate(event, ectx)?;
        // The common case, every BY field a single text: no key is built
        // unless the group is new.
        if !self.by.is_empty() && self.by.len() <= 8 {
            let mut texts = [""; 8];
            let mut missing = false;
            let single =
                self.by
                    .iter()
                    .zip(&mut texts)
                    .all(|(field, slot)| match event.get(field) {
                        Some(Value::Str(s)) => {
                            *slot = s.as_str();
                            true
                        }
                        None => {
                            missing = true;
                            false
                        }
                        _ => false,
                    });
            // An event without a BY field joins no group (`group_keys`
            // gives none).
            if missing {
                return Ok(0);
            }
            if single {
                let key = KeyRef(&texts[..self.by.len()]);
                let mut added = 0;
                let index = match groups.get_index_of(&key) {
                    Some(i) => i,
                    None => {
                        let owned: Vec<String> = key.0.iter().map(|t| t.to_string()).collect();
                        added = self.group_bytes(&owned);
                        groups.insert_full(owned, self.fresh()).0
                    }
                };
                if let Some((_, states)) = groups.get_index_mut(index) {
                    added =
                        added.saturating_add(update_states(states, &self.aggs, event, &evaluated));
                }
                return Ok(added);
            }
        }
        let mut added = 0u64;
        for key in self.group_keys(event) {
            let states = match groups.entry(key) {
                indexmap::map::Entry::Occupied(e) => e.into_mut(),
                indexmap::map::Entry::Vacant(e) => {
                    added = added.saturating_add(self.group_bytes(e.key()));
                    e.insert(self.fresh())
                }
            };
            added = added.saturating_add(update_states(states, &self.aggs, event, &evaluated));
        }
        Ok(added)
    }

    /// Whether every aggregation's result is the same whatever order the
    /// events arrive in, so states built from parts of the input can be
    /// [merged](Stats::merge_groups).
    pub fn order_insensitive(&self) -> bool {
        self.aggs.iter().all(|a| a.func.order_insensitive())
    }

    /// Merges running states built over another part of the input (only
    /// for [order-insensitive](Stats::order_insensitive) aggregations).
    /// Returns the estimated bytes of the groups merged into existing ones
    /// (their copies are freed) and of the `dc`/`values` elements both
    /// held, for the caller to release.
    pub fn merge_groups(&self, into: &mut Groups, other: Groups) -> u64 {
        let mut freed = 0u64;
        for (key, states) in other {
            match into.get_mut(&key) {
                Some(existing) => {
                    freed = freed.saturating_add(self.group_bytes(&key));
                    for (a, b) in existing.iter_mut().zip(states) {
                        freed = freed.saturating_add(a.merge(b));
                    }
                }
                None => {
                    into.insert(key, states);
                }
            }
        }
        freed
    }

    /// One row per group, sorted by group key, for states merged from
    /// parts of the input: only [order-insensitive](Stats::order_insensitive)
    /// aggregations, so no sparkline needs the input's time range.
    pub fn finish_groups(&self, groups: Groups) -> Vec<Event> {
        self.finish_groups_in(groups, None)
    }

    /// One row per group, sorted by group key; `range` is the input's
    /// earliest and latest `_time`, which sparklines bucket.
    fn finish_groups_in(&self, groups: Groups, range: Option<(f64, f64)>) -> Vec<Event> {
        let mut rows: Vec<(Vec<String>, Vec<AggState>)> = groups.into_iter().collect();
        rows.sort_by(|a, b| compare_keys(&a.0, &b.0));
        rows.into_iter()
            .map(|(key, states)| {
                let mut event = Event::new();
                for (name, value) in self.by.iter().zip(key) {
                    event.set(name.clone(), Value::Str(value));
                }
                for (agg, state) in self.aggs.iter().zip(states) {
                    event.set_opt(agg.output.clone(), state.finish_in(self.allnum, range));
                }
                event
            })
            .collect()
    }

    /// The `eval(...)` arguments' values for one event (None for the other
    /// aggregations). A true condition counts as a value and a false one as
    /// null, so `count(eval(x="y"))` counts the events where it holds.
    fn evaluate(&self, event: &Event, ctx: &EvalContext) -> Result<Vec<Option<Value>>> {
        evaluate(&self.aggs, event, ctx)
    }

    /// The groups an event belongs to: none when a by-field is null, one per
    /// combination of values when by-fields are multivalue.
    fn group_keys(&self, event: &Event) -> Vec<Vec<String>> {
        group_keys(&self.by, event)
    }
}

impl super::Command for Stats {
    /// Drains the input and yields one row per group, sorted by group key.
    /// The group table is charged to the search's memory budget.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let rows = if self.has_wildcards() {
            // Which fields `*lay` names is known only once every event is
            // in, so the events are held, then aggregated by the expanded
            // command.
            let events = input.collect::<Result<Vec<Event>>>()?;
            self.expand_wildcards(&events)?
                .aggregate(Box::new(events.into_iter().map(Ok)), ctx)?
        } else {
            self.aggregate(input, ctx)?
        };
        Ok(Box::new(rows.into_iter().map(Ok)))
    }
}

/// `aggs` with each wildcard aggregation replaced by one aggregation per
/// matching field of `events`, in name order. `*`
/// matches no internal (`_`) field unless the pattern starts with `_`,
/// no BY field, and no name another aggregation writes explicitly (so
/// `min(firstTime) AS firstTime ... values(*) AS *` keeps the min); see
/// `docs/semantics.md#stats`.
pub fn expand_wildcard_aggs(
    aggs: &[Aggregation],
    by: &[String],
    events: &[Event],
) -> Result<Vec<Aggregation>> {
    let mut names = std::collections::BTreeSet::new();
    for event in events {
        names.extend(event.names());
    }
    let explicit: Vec<&str> = aggs
        .iter()
        .filter(|a| !a.is_wildcard())
        .map(|a| a.output.as_str())
        .collect();
    let mut out = Vec::new();
    for agg in aggs {
        if !agg.is_wildcard() {
            out.push(agg.clone());
            continue;
        }
        let pattern = agg.field.as_deref().unwrap_or_default();
        let matcher = WildcardName::new(pattern, "stats", agg.span)?;
        // The output name is a template with as many `*` as the field
        // (checked when parsed): `avg(*lay)`, or the `AS` name.
        let template: Vec<&str> = agg.output.split('*').collect();
        for name in &names {
            if name.starts_with('_') && !pattern.starts_with('_') {
                continue;
            }
            if by.iter().any(|b| b == name) || explicit.contains(name) {
                continue;
            }
            let Some(captures) = matcher.captures(name) else {
                continue;
            };
            let output = fill_wildcards(&template, &captures);
            if explicit.contains(&output.as_str()) {
                continue;
            }
            out.push(Aggregation {
                field: Some((*name).to_string()),
                output,
                ..agg.clone()
            });
        }
    }
    Ok(out)
}

/// The `eval(...)` arguments' values of `aggs` for one event (None for the
/// other aggregations; an empty list when none has one). A true condition
/// counts as a value and a false one as null, so `count(eval(x="y"))`
/// counts the events where it holds.
pub fn evaluate(
    aggs: &[Aggregation],
    event: &Event,
    ctx: &EvalContext,
) -> Result<Vec<Option<Value>>> {
    // Nothing to evaluate: an empty list, which allocates nothing (missing
    // entries read as None in `update_states`).
    if aggs.iter().all(|a| a.expr.is_none()) {
        return Ok(Vec::new());
    }
    aggs.iter()
        .map(|agg| {
            let Some(expr) = &agg.expr else {
                return Ok(None);
            };
            Ok(match expr.eval(event, ctx)? {
                EvalValue::Bool(false) => None,
                EvalValue::Bool(true) => Some(Value::Str("1".into())),
                other => other.into_value(),
            })
        })
        .collect()
}

/// Adds one event to the running states of `aggs`; `evaluated` holds the
/// event's `eval(...)` values from [`evaluate`]. Returns the estimated
/// bytes the states grew by (new `dc`/`values` elements and the like,
/// [`AggState::add_value`]).
pub fn update_states(
    states: &mut [AggState],
    aggs: &[Aggregation],
    event: &Event,
    evaluated: &[Option<Value>],
) -> u64 {
    let mut grown = 0u64;
    for (i, (state, agg)) in states.iter_mut().zip(aggs).enumerate() {
        let bytes = match &agg.expr {
            Some(_) => {
                let value = evaluated.get(i).and_then(Option::as_ref);
                state.update_value(event, value, false)
            }
            None => state.update(event, agg.field.as_deref()),
        };
        grown = grown.saturating_add(bytes);
    }
    grown
}

/// The earliest and latest `_time` of a command's input (for sparklines).
#[derive(Debug, Clone, Copy, Default)]
pub struct TimeRange(Option<(f64, f64)>);

impl TimeRange {
    /// Widens the range to an event's `_time`.
    pub fn add(&mut self, event: &Event) {
        if let Some(t) = event.time() {
            self.0 = Some(self.0.map_or((t, t), |(lo, hi)| (lo.min(t), hi.max(t))));
        }
    }

    /// The range, None when no event had a time.
    pub fn get(self) -> Option<(f64, f64)> {
        self.0
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

/// The registry entries of `stats`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "stats",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_time_functions_read_time() {
        let pipeline = crate::syntax::parse(
            "| stats count dc(x) values(x) earliest(x) latest_time(x) rate(x) sparkline",
        )
        .expect("parses");
        let crate::commands::CommandArgs::Stats(stats) = &pipeline.commands[0].args else {
            panic!("not stats");
        };
        let reads: Vec<bool> = stats.aggs.iter().map(Aggregation::reads_time).collect();
        assert_eq!(reads, [false, false, false, true, true, true, true]);
    }

    #[test]
    fn wildcard_names_capture_each_star_in_order() {
        let name = WildcardName::new("a*_b*", "stats", Span::default()).expect("pattern compiles");
        let caps = name.captures("ax_by").expect("matches");
        assert_eq!(caps, vec!["x", "y"]);
        assert_eq!(fill_wildcards(&["m_", "_", ""], &caps), "m_x_y");
        assert!(
            name.captures("Ax_by").is_none(),
            "field names are case-sensitive"
        );
        // Regex metacharacters in a field name are literal.
        let dotted = WildcardName::new("a.*", "stats", Span::default()).expect("pattern compiles");
        assert!(dotted.captures("abc").is_none());
        assert_eq!(dotted.captures("a.c"), Some(vec!["c"]));
    }
}
