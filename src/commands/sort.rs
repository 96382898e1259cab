//! `sort`: orders results by fields.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.1/search-commands/sort>:
//! `sort [<count>] [limit=<int>] ([+|-] [auto|str|ip|num](<field>) | [+|-]<field>)... [desc|d]`;
//! default limit 10000, `0` means all; `auto` sorts numbers numerically and
//! text lexicographically.

use std::cmp::Ordering;
use std::net::Ipv4Addr;

use crate::commands::common::{bad, count_opt};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::exec::memory::{row_bytes, Held, Releasing};
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::Parser;
use crate::value::{compare_text, parse_number, Value};

/// Splunk's default `sort` limit.
const DEFAULT_LIMIT: usize = 10_000;

/// `sort 100 -count, +str(user)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sort {
    /// The keys, most significant first.
    pub keys: Vec<SortKey>,
    /// Most results kept (0 = all).
    pub limit: usize,
    /// A trailing `desc`/`d`: reverse the whole order.
    pub reverse: bool,
}

/// One sort key, e.g. `-num(bytes)`.
#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    /// The field.
    pub field: String,
    /// Descending.
    pub descending: bool,
    /// How values compare.
    pub mode: SortMode,
}

/// How `sort` compares values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortMode {
    /// `auto(f)` (default): numbers numerically, then text.
    Auto,
    /// `str(f)`: lexicographic.
    Str,
    /// `num(f)`: numeric; non-numbers after numbers.
    Num,
    /// `ip(f)`: IPv4 addresses by value.
    Ip,
}

/// Parses `sort`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    parse_sort(p, name_span).map(CommandArgs::Sort)
}

/// Parses a sort clause (also `dedup ... sortby <clause>`).
pub fn parse_sort(p: &mut Parser, name_span: Span) -> Result<Sort> {
    let mut limit = DEFAULT_LIMIT;
    if let Some(Tok::Word(w)) = p.peek() {
        if w.bytes().all(|b| b.is_ascii_digit()) && p.peek2() != Some(&Tok::Eq) {
            let (w, span) = p.word("a count")?;
            limit = count_opt("sort", "count", &w, span)?;
        }
    }
    for (key, value, span) in p.options(&["limit"])? {
        limit = count_opt("sort", &key, &value, span)?;
    }
    let mut keys = Vec::new();
    let mut reverse = false;
    while !p.at_command_end() {
        if p.eat(&Tok::Comma) {
            continue;
        }
        // `value`, not `field_name`: `str(user)` is a sort type and a field.
        let (word, span) = p.value("a field to sort by")?;
        if (word.eq_ignore_ascii_case("d") || word.eq_ignore_ascii_case("desc"))
            && p.at_command_end()
            && !keys.is_empty()
        {
            reverse = true;
            break;
        }
        let (mut descending, mut name) = match word.strip_prefix('-') {
            Some(rest) => (true, rest.to_string()),
            None => (false, word.strip_prefix('+').unwrap_or(&word).to_string()),
        };
        if name.is_empty() {
            // `- field`: the sign written apart from the name.
            let (n, _) = p.value("a field after the sign")?;
            name = n;
        }
        let mut mode = SortMode::Auto;
        if p.peek() == Some(&Tok::LParen) {
            mode = match name.to_ascii_lowercase().as_str() {
                "auto" => SortMode::Auto,
                "str" => SortMode::Str,
                "num" => SortMode::Num,
                "ip" => SortMode::Ip,
                other => {
                    return Err(bad(
                        "sort",
                        format!("`{other}()` is not a sort type (auto, str, num, ip)"),
                        span,
                    ))
                }
            };
            p.next_token();
            let (n, _) = p.field_name("a field name")?;
            p.expect(&Tok::RParen, "a closing `)`")?;
            name = n;
        }
        if let Some(rest) = name.strip_prefix('-') {
            descending = !descending;
            name = rest.to_string();
        }
        keys.push(SortKey {
            field: name,
            descending,
            mode,
        });
    }
    if keys.is_empty() {
        return Err(bad(
            "sort",
            "expected at least one field to sort by",
            name_span,
        ));
    }
    Ok(Sort {
        keys,
        limit,
        reverse,
    })
}

impl Sort {
    /// [`Sort::apply`], charging the memory to `command` (`dedup` for its
    /// `sortby`).
    pub fn apply_as<'a>(
        &'a self,
        input: Rows<'a>,
        ctx: &Context<'_>,
        command: &str,
    ) -> Result<Rows<'a>> {
        let mut held = ctx.memory.hold(command);
        let order = |a: &Event, b: &Event| {
            let o = self.compare(a, b);
            if self.reverse {
                o.reverse()
            } else {
                o
            }
        };
        let cut_at = self.limit.saturating_add(self.limit.max(CUT_SLACK)).max(1);
        let mut rows: Vec<Event> = Vec::new();
        for row in input {
            let row = row?;
            held.charge_row(&row)?;
            rows.push(row);
            if self.limit > 0 && rows.len() >= cut_at {
                rows.sort_by(order);
                cut(&mut rows, self.limit, &mut held);
            }
        }
        rows.sort_by(order);
        if self.limit > 0 {
            cut(&mut rows, self.limit, &mut held);
        }
        Ok(Box::new(Releasing::new(rows.into_iter(), held)))
    }

    fn compare(&self, a: &Event, b: &Event) -> Ordering {
        for key in &self.keys {
            let o = match (a.get(&key.field), b.get(&key.field)) {
                // A missing value sorts after every present one, both ways.
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(x), Some(y)) => {
                    let o = compare_mode(key.mode, x, y);
                    if key.descending {
                        o.reverse()
                    } else {
                        o
                    }
                }
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    }
}

impl super::Command for Sort {
    /// Sorts all rows (stable: ties keep their order) and keeps `limit`.
    ///
    /// The rows held are charged to the search's memory budget. With a
    /// limit only the first `limit` rows in sorted order can come out, so
    /// the buffer is cut back to them whenever it grows by
    /// [`CUT_SLACK`] (or `limit`, if more) rows: the rows kept all came
    /// before the new ones, so a stable sort of the buffer still breaks
    /// ties in input order, and a row cut has `limit` rows ahead of it
    /// that no later row can move behind it. `sort` (limit 10,000) then
    /// holds a bounded number of rows whatever the input's size.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        self.apply_as(input, ctx, "sort")
    }
}

/// Rows a limited `sort` takes in beyond its limit before cutting back.
const CUT_SLACK: usize = 4096;

/// Keeps the first `limit` rows, releasing the others' charge.
fn cut(rows: &mut Vec<Event>, limit: usize, held: &mut Held) {
    for row in rows.drain(limit.min(rows.len())..) {
        held.release(row_bytes(&row));
    }
}

/// Compares two values under a sort mode (a multivalue by its first value).
pub fn compare_mode(mode: SortMode, x: &Value, y: &Value) -> Ordering {
    let first = |v: &Value| v.first_text().map(|t| t.into_owned()).unwrap_or_default();
    let (a, b) = (first(x), first(y));
    match mode {
        SortMode::Auto => compare_text(&a, &b),
        SortMode::Str => a.cmp(&b),
        SortMode::Num => match (parse_number(&a), parse_number(&b)) {
            (Some(m), Some(n)) => m.total_cmp(&n),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => a.cmp(&b),
        },
        SortMode::Ip => match (a.parse::<Ipv4Addr>(), b.parse::<Ipv4Addr>()) {
            (Ok(m), Ok(n)) => m.cmp(&n),
            (Ok(_), Err(_)) => Ordering::Less,
            (Err(_), Ok(_)) => Ordering::Greater,
            (Err(_), Err(_)) => a.cmp(&b),
        },
    }
}

/// The registry entries of `sort`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "sort",
        aliases: &[],
        parse,
    },
];
