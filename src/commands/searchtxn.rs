//! `searchtxn`: the transactions of a transaction type that contain given
//! text.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.1/search-commands/searchtxn>:
//! `| searchtxn <transaction-name> [max_terms=<int>] [use_disjunct=<bool>]
//! [eventsonly=<bool>] <search-string>`, an event-generating command. The
//! transaction type is a `transactiontypes.conf` stanza (`fields`,
//! `search`, and the `transaction` options). The page's walk-through: the
//! events matching the stanza's `search` and the terms are found; the
//! values of the type's `fields` in them find further events, until no new
//! values turn up; then `transaction` groups those events and the terms
//! filter the transactions. `max_terms` (1-1000, default 1000) bounds how
//! many field values are used, the most recent first; `use_disjunct`
//! (default true) ORs the terms in the first search; `eventsonly=true`
//! returns the events without running `transaction`.
//!
//! spelunk reads transactiontypes.conf from the `--app` folders and runs
//! over the events given, newest first. Where the page leaves it open
//! (docs/semantics.md#other-commands): an event joins when its value of
//! any of the type's fields is one already found; the final filter ANDs
//! all the terms; the stanza's transaction options are those `transaction`
//! takes, and an option it does not take is an error naming the stanza.

use std::collections::HashSet;

use crate::commands::common::{at_option, bad, bool_opt, count_opt, option};
use crate::commands::CommandArgs;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::exec::matcher::Matcher;
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::ast::{SearchExpr, SearchKind};
use crate::syntax::parser::{parse_commands_at, parse_search_expr_at, Parser};

const C: &str = "searchtxn";

/// `| searchtxn email to=root from="David Smith"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Searchtxn {
    /// The transactiontypes.conf stanza.
    pub name: String,
    /// `max_terms`.
    pub max_terms: usize,
    /// `use_disjunct`.
    pub use_disjunct: bool,
    /// `eventsonly`.
    pub eventsonly: bool,
    /// The search string.
    pub expr: SearchExpr,
    /// The command, for errors.
    pub span: Span,
}

/// Parses `searchtxn`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    if p.at_command_end() {
        return Err(p.expected("a transaction type name (a transactiontypes.conf stanza)"));
    }
    let (name, _) = p.value("a transaction type name")?;
    let mut max_terms = 1000;
    let mut use_disjunct = true;
    let mut eventsonly = false;
    while at_option(p)
        && (p.at_keyword("max_terms")
            || p.at_keyword("maxterms")
            || p.at_keyword("use_disjunct")
            || p.at_keyword("eventsonly"))
    {
        let (key, value, span) = option(p)?;
        match key.as_str() {
            "max_terms" | "maxterms" => {
                max_terms = count_opt(C, &key, &value, span)?;
                if !(1..=1000).contains(&max_terms) {
                    return Err(bad(
                        C,
                        format!("`{key}` must be between 1 and 1000, found `{value}`"),
                        span,
                    ));
                }
            }
            "use_disjunct" => use_disjunct = bool_opt(C, &key, &value, span)?,
            _ => eventsonly = bool_opt(C, &key, &value, span)?,
        }
    }
    let expr = p.search_expr(Span::new(p.last_span().end, p.last_span().end))?;
    Ok(CommandArgs::Searchtxn(Searchtxn {
        name,
        max_terms,
        use_disjunct,
        eventsonly,
        expr,
        span: name_span.to(p.last_span()),
    }))
}

/// An expression's top-level terms.
fn terms(expr: &SearchExpr) -> Vec<SearchExpr> {
    match &expr.kind {
        SearchKind::Empty => Vec::new(),
        SearchKind::And(items) => items.clone(),
        _ => vec![expr.clone()],
    }
}

fn and_of(items: Vec<SearchExpr>, span: Span) -> SearchExpr {
    SearchExpr {
        kind: if items.is_empty() {
            SearchKind::Empty
        } else {
            SearchKind::And(items)
        },
        span,
    }
}

impl Searchtxn {
    fn failure(&self, message: String) -> Error {
        Error::Runtime {
            message: format!("searchtxn: {message}"),
            span: Some(self.span),
        }
    }
}

impl super::Command for Searchtxn {
    /// Finds the type's transactions among the search's events.
    fn apply<'a>(&'a self, _input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let types = &ctx.knowledge.apps.files.transaction_types;
        let Some(ttype) = types.get(&self.name) else {
            let known: Vec<&str> = types.keys().map(String::as_str).collect();
            return Err(self.failure(format!(
                "no transaction type `{}` in the transactiontypes.conf of the --app folders{}",
                self.name,
                if known.is_empty() {
                    String::new()
                } else {
                    format!(" (defined: {})", known.join(", "))
                }
            )));
        };
        let at = &ttype.origin;
        let fields: Vec<String> = ttype
            .settings
            .get("fields")
            .map(|f| {
                f.split(|c: char| c == ',' || c.is_whitespace())
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        if fields.is_empty() {
            return Err(self.failure(format!(
                "transaction type `{}` ({at}) has no `fields`: searchtxn works only for transactions bound together by field values",
                self.name
            )));
        }
        let base = match ttype.settings.get("search") {
            Some(s) if !s.trim().is_empty() => {
                Some(parse_search_expr_at(s, self.span).map_err(|e| {
                    self.failure(format!(
                        "the `search` of transaction type `{}` ({at}): {e}",
                        self.name
                    ))
                })?)
            }
            _ => None,
        };
        // The transaction command the type stands for.
        let mut text = format!("transaction {}", fields.join(" "));
        for (key, value) in &ttype.settings {
            if key == "fields" || key == "search" {
                continue;
            }
            text.push_str(&format!(" {key}={value}"));
        }
        let transaction = match parse_commands_at(&text, 0) {
            // A setting holding `|` would add commands: refused.
            Ok(p) if p.commands.len() == 1 => p.commands.into_iter().next().map(|c| c.args),
            Ok(_) => None,
            Err(e) => {
                return Err(self.failure(format!("transaction type `{}` ({at}): {e}", self.name)))
            }
        };
        let Some(CommandArgs::Transaction(transaction)) = transaction else {
            return Err(self.failure(format!(
                "transaction type `{}` ({at}) is not a transaction",
                self.name
            )));
        };

        // 1. The events matching the type's search and the terms.
        let user_terms = terms(&self.expr);
        let mut first = Vec::new();
        first.extend(base.clone());
        if !user_terms.is_empty() {
            if self.use_disjunct && user_terms.len() > 1 {
                first.push(SearchExpr {
                    kind: SearchKind::Or(user_terms.clone()),
                    span: self.span,
                });
            } else {
                first.extend(user_terms.iter().cloned());
            }
        }
        let first = Matcher::compile(&and_of(first, self.span), ctx)?;
        let base = Matcher::compile(&and_of(base.into_iter().collect(), self.span), ctx)?;
        // 2. Their field values find more events, until none are new.
        let mut values: Vec<HashSet<String>> = vec![HashSet::new(); fields.len()];
        let mut count = 0usize;
        let mut taken = vec![false; ctx.events.len()];
        let add_values = |e: &Event, values: &mut Vec<HashSet<String>>, count: &mut usize| {
            let mut grew = false;
            for (i, f) in fields.iter().enumerate() {
                if let Some(v) = e.get(f) {
                    for t in v.texts() {
                        if *count >= self.max_terms {
                            return grew;
                        }
                        if values[i].insert(t.into_owned()) {
                            *count += 1;
                            grew = true;
                        }
                    }
                }
            }
            grew
        };
        let mut grew = false;
        for (i, e) in ctx.events.iter().enumerate() {
            if first.matches(e) {
                taken[i] = true;
                grew |= add_values(e, &mut values, &mut count);
            }
        }
        while grew {
            grew = false;
            for (i, e) in ctx.events.iter().enumerate() {
                if taken[i] || !base.matches(e) {
                    continue;
                }
                let joins = fields.iter().enumerate().any(|(k, f)| {
                    e.get(f)
                        .is_some_and(|v| v.texts().iter().any(|t| values[k].contains(t.as_ref())))
                });
                if joins {
                    taken[i] = true;
                    grew |= add_values(e, &mut values, &mut count);
                }
            }
        }
        let events: Vec<Event> = ctx
            .events
            .iter()
            .zip(&taken)
            .filter(|(_, t)| **t)
            .map(|(e, _)| e.clone())
            .collect();
        if self.eventsonly {
            return Ok(Box::new(events.into_iter().map(Ok)));
        }
        // 3. The transactions, filtered by all the terms.
        let grouped: Vec<Event> = transaction
            .apply(Box::new(events.into_iter().map(Ok)), ctx)?
            .collect::<Result<_>>()?;
        let filter = Matcher::compile(&and_of(user_terms, self.span), ctx)?;
        let out: Vec<Event> = grouped.into_iter().filter(|e| filter.matches(e)).collect();
        Ok(Box::new(out.into_iter().map(Ok)))
    }
}

/// The registry entries of `searchtxn`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "searchtxn",
        aliases: &[],
        parse,
    },
];
