//! `sort`: orders results by fields.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.1/search-commands/sort>:
//! `sort [<count>] [limit=<int>] ([+|-] [auto|str|ip|num](<field>) | [+|-]<field>)... [desc|d]`;
//! default limit 10000, `0` means all; `auto` sorts numbers numerically and
//! text lexicographically.

use std::cmp::Ordering;
use std::net::Ipv4Addr;

use crate::commands::common::{bad, collect, count_opt};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::exec::Rows;
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
    /// Sorts all rows (stable: ties keep their order) and keeps `limit`.
    pub fn apply<'a>(&'a self, input: Rows<'a>) -> Result<Rows<'a>> {
        let mut rows = collect(input)?;
        rows.sort_by(|a, b| {
            let o = self.compare(a, b);
            if self.reverse {
                o.reverse()
            } else {
                o
            }
        });
        if self.limit > 0 {
            rows.truncate(self.limit);
        }
        Ok(Box::new(rows.into_iter().map(Ok)))
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
