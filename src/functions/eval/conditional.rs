//! Comparison and conditional functions: `if`, `case`, `coalesce`, `in`,
//! `like`, `match`, `cidrmatch`, `nullif`, `searchmatch`, `validate`,
//! `true`, `false`, `null`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::net::IpAddr;

use crate::error::Result;
use crate::eval::{any_compare, EvalValue, Expr, Scope};
use crate::exec::matcher::Matcher;
use crate::functions::eval::text::{like_regex, regex};
use crate::functions::eval::{arg, eager, lazy, CallSite, FnSpec, MANY};

/// The functions of this category.
pub const FUNCTIONS: &[FnSpec] = &[
    lazy("if", 3, 3, if_),
    lazy("case", 2, MANY, case),
    eager("coalesce", 1, MANY, coalesce),
    eager("in", 2, MANY, in_),
    eager("like", 2, 2, like),
    eager("match", 2, 2, match_),
    eager("cidrmatch", 2, 2, cidrmatch),
    eager("nullif", 2, 2, nullif),
    lazy("searchmatch", 1, 1, searchmatch),
    lazy("validate", 2, MANY, validate),
    eager("true", 0, 0, |_, _| Ok(EvalValue::Bool(true))),
    eager("false", 0, 0, |_, _| Ok(EvalValue::Bool(false))),
    eager("null", 0, 0, |_, _| Ok(EvalValue::Null)),
];

/// `if(cond, then, else)`: a null condition takes the else branch.
fn if_(args: &[Expr], scope: &Scope, _: &CallSite) -> Result<EvalValue> {
    let [cond, then, other] = args else {
        return Ok(EvalValue::Null);
    };
    if cond.eval_condition(scope, "if")? == Some(true) {
        then.eval_in(scope)
    } else {
        other.eval_in(scope)
    }
}

/// `case(c1, v1, c2, v2, ...)`: the value of the first true condition, or
/// null. An odd argument count is an error, as in Splunk.
fn case(args: &[Expr], scope: &Scope, site: &CallSite) -> Result<EvalValue> {
    if !args.len().is_multiple_of(2) {
        return Err(site.error("expects condition/value pairs (an even number of arguments)"));
    }
    for pair in args.chunks(2) {
        if pair[0].eval_condition(scope, "case")? == Some(true) {
            return pair[1].eval_in(scope);
        }
    }
    Ok(EvalValue::Null)
}

/// `validate(c1, msg1, ...)`: the message of the first false condition, or
/// null when all are true.
fn validate(args: &[Expr], scope: &Scope, site: &CallSite) -> Result<EvalValue> {
    if !args.len().is_multiple_of(2) {
        return Err(site.error("expects condition/message pairs (an even number of arguments)"));
    }
    for pair in args.chunks(2) {
        if pair[0].eval_condition(scope, "validate")? != Some(true) {
            return pair[1].eval_in(scope);
        }
    }
    Ok(EvalValue::Null)
}

fn coalesce(args: Vec<EvalValue>, _: &CallSite) -> Result<EvalValue> {
    Ok(args
        .into_iter()
        .find(|v| !v.is_null())
        .unwrap_or(EvalValue::Null))
}

/// `in(field, v1, v2, ...)`: whether the field equals any value.
fn in_(args: Vec<EvalValue>, _: &CallSite) -> Result<EvalValue> {
    let Some((first, rest)) = args.split_first() else {
        return Ok(EvalValue::Null);
    };
    if first.is_null() {
        return Ok(EvalValue::Bool(false));
    }
    Ok(EvalValue::Bool(rest.iter().any(|v| {
        any_compare(first, v, |o| o == std::cmp::Ordering::Equal) == Some(true)
    })))
}

/// `like(text, pattern)`: SQL-style `%` and `_`, case-sensitive.
fn like(args: Vec<EvalValue>, site: &CallSite) -> Result<EvalValue> {
    let (text, pattern) = (arg(&args, 0), arg(&args, 1));
    let Some(pattern) = pattern.as_text() else {
        return Ok(EvalValue::Null);
    };
    if text.is_null() {
        return Ok(EvalValue::Null);
    }
    let re = like_regex(&pattern, site.span)?;
    Ok(EvalValue::Bool(text.texts().iter().any(|t| re.is_match(t))))
}

/// `match(text, regex)`: whether the regex matches anywhere in the text.
fn match_(args: Vec<EvalValue>, site: &CallSite) -> Result<EvalValue> {
    let (text, pattern) = (arg(&args, 0), arg(&args, 1));
    let Some(pattern) = pattern.as_text() else {
        return Ok(EvalValue::Null);
    };
    if text.is_null() {
        return Ok(EvalValue::Null);
    }
    let re = regex(&pattern, site.name, site.span)?;
    Ok(EvalValue::Bool(text.texts().iter().any(|t| re.is_match(t))))
}

/// `cidrmatch(cidr, ip)`: whether the IPv4 or IPv6 address is in the
/// subnet. Anything that is not an address is false.
fn cidrmatch(args: Vec<EvalValue>, _: &CallSite) -> Result<EvalValue> {
    let (Some(cidr), ip) = (arg(&args, 0).as_text(), arg(&args, 1)) else {
        return Ok(EvalValue::Null);
    };
    if ip.is_null() {
        return Ok(EvalValue::Null);
    }
    Ok(EvalValue::Bool(
        ip.texts().iter().any(|t| cidr_contains(&cidr, t)),
    ))
}

/// Whether `ip` is in `cidr` (`10.0.0.0/8`, `::1/128`, or a bare address).
pub fn cidr_contains(cidr: &str, ip: &str) -> bool {
    let (net, bits) = match cidr.trim().split_once('/') {
        Some((n, b)) => (n, b.trim().parse::<u32>().ok()),
        None => (cidr.trim(), None),
    };
    let (Ok(net), Ok(ip)) = (net.parse::<IpAddr>(), ip.trim().parse::<IpAddr>()) else {
        return false;
    };
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(a)) => {
            let bits = bits.unwrap_or(32);
            if bits > 32 {
                return false;
            }
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(n) & mask == u32::from(a) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(a)) => {
            let bits = bits.unwrap_or(128);
            if bits > 128 {
                return false;
            }
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            u128::from(n) & mask == u128::from(a) & mask
        }
        _ => false,
    }
}

/// `nullif(a, b)`: null when the two are equal, else `a`.
fn nullif(args: Vec<EvalValue>, _: &CallSite) -> Result<EvalValue> {
    let (a, b) = (arg(&args, 0), arg(&args, 1));
    if any_compare(a, b, |o| o == std::cmp::Ordering::Equal) == Some(true) {
        Ok(EvalValue::Null)
    } else {
        Ok(a.clone())
    }
}

thread_local! {
    /// Compiled search strings of `searchmatch`, by text.
    static SEARCHES: RefCell<HashMap<String, Matcher>> = RefCell::new(HashMap::new());
}

/// `searchmatch("search terms")`: whether the event matches the search
/// string, with the `search` command's rules.
fn searchmatch(args: &[Expr], scope: &Scope, site: &CallSite) -> Result<EvalValue> {
    let Some(text) = args[0].eval_in(scope)?.as_text() else {
        return Ok(EvalValue::Null);
    };
    let cached = SEARCHES.with(|c| c.borrow().get(&text).cloned());
    let matcher = match cached {
        Some(m) => m,
        None => {
            let m = compile_search(&text, site)?;
            SEARCHES.with(|c| {
                let mut c = c.borrow_mut();
                if c.len() > 256 {
                    c.clear();
                }
                c.insert(text.clone(), m.clone());
            });
            m
        }
    };
    Ok(EvalValue::Bool(matcher.matches(scope.event)))
}

fn compile_search(text: &str, site: &CallSite) -> Result<Matcher> {
    let expr = crate::syntax::parser::parse_search_expr_at(text, site.span)?;
    let lookups = crate::lookup::LookupRegistry::new();
    let limits = crate::exec::Limits::default();
    let ctx = crate::exec::Context {
        events: &[],
        lookups: &lookups,
        tz: site.ctx.tz,
        limits: &limits,
        notices: RefCell::new(Vec::new()),
        // Compiling a matcher reads none of these.
        now: 0.0,
        output_lookups: None,
        geoip: None,
        prepared: Default::default(),
        knowledge: Default::default(),
        memory: Default::default(),
    };
    Matcher::compile(&expr, &ctx)
}
