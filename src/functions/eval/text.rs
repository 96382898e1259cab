//! Text functions: `len`, `lower`, `upper`, `trim`, `ltrim`, `rtrim`,
//! `replace`, `substr`, `spath`, `urldecode`; and the regex helpers the
//! other categories share (`match`, `like`, `mvfind`).

use std::cell::RefCell;
use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::eval::EvalValue;
use crate::functions::eval::{arg, eager, json, CallSite, FnSpec};
use crate::regex_compat::{compile, Replacement, SplRegex};
use crate::source::Span;

/// The functions of this category.
pub const FUNCTIONS: &[FnSpec] = &[
    eager("len", 1, 1, len),
    eager("lower", 1, 1, |a, _| {
        Ok(map_texts(arg(&a, 0), |s| s.to_lowercase()))
    }),
    eager("upper", 1, 1, |a, _| {
        Ok(map_texts(arg(&a, 0), |s| s.to_uppercase()))
    }),
    eager("trim", 1, 2, |a, _| trim_with(a, true, true)),
    eager("ltrim", 1, 2, |a, _| trim_with(a, true, false)),
    eager("rtrim", 1, 2, |a, _| trim_with(a, false, true)),
    eager("replace", 3, 3, replace),
    eager("substr", 2, 3, substr),
    eager("spath", 2, 2, spath),
    eager("urldecode", 1, 1, urldecode),
];

/// Applies `f` to each value (a multivalue stays a multivalue).
pub fn map_texts(v: &EvalValue, f: impl Fn(&str) -> String) -> EvalValue {
    match v {
        EvalValue::Null => EvalValue::Null,
        EvalValue::Multi(vs) => EvalValue::Multi(vs.iter().map(|s| f(s)).collect()),
        other => other
            .as_text()
            .map_or(EvalValue::Null, |s| EvalValue::Str(f(&s))),
    }
}

fn len(args: Vec<EvalValue>, _: &CallSite) -> Result<EvalValue> {
    Ok(arg(&args, 0).as_text().map_or(
        EvalValue::Null,
        |s| EvalValue::Num(s.chars().count() as f64),
    ))
}

/// `trim(X [, chars])`: removes the characters in `chars` (default space
/// and tab) from the chosen ends.
fn trim_with(args: Vec<EvalValue>, left: bool, right: bool) -> Result<EvalValue> {
    let chars: Vec<char> = match args.get(1) {
        Some(v) => match v.as_text() {
            Some(s) => s.chars().collect(),
            None => return Ok(EvalValue::Null),
        },
        None => vec![' ', '\t'],
    };
    Ok(map_texts(arg(&args, 0), |s| {
        let mut t = s;
        if left {
            t = t.trim_start_matches(|c| chars.contains(&c));
        }
        if right {
            t = t.trim_end_matches(|c| chars.contains(&c));
        }
        t.to_string()
    }))
}

/// `replace(X, regex, replacement)`: every match replaced; `\1` in the
/// replacement refers to a capture group.
fn replace(args: Vec<EvalValue>, site: &CallSite) -> Result<EvalValue> {
    let (Some(pattern), Some(repl)) = (arg(&args, 1).as_text(), arg(&args, 2).as_text()) else {
        return Ok(EvalValue::Null);
    };
    let re = regex(&pattern, site.name, site.span)?;
    let repl = Replacement::parse(&repl);
    Ok(map_texts(arg(&args, 0), |s| re.replace(s, &repl, None)))
}

/// `substr(X, start [, length])`: 1-based; a negative start counts from
/// the end.
fn substr(args: Vec<EvalValue>, _: &CallSite) -> Result<EvalValue> {
    let (Some(s), Some(start)) = (arg(&args, 0).as_text(), arg(&args, 1).as_number()) else {
        return Ok(EvalValue::Null);
    };
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len() as i64;
    let start = start.trunc() as i64;
    let from = if start < 0 {
        (n + start).max(0)
    } else {
        (start - 1).max(0)
    };
    let to = match args.get(2) {
        Some(l) => match l.as_number() {
            // Saturating: a huge start or length (`1e308` casts to
            // i64::MAX) must clamp to the text, not overflow.
            Some(l) if l >= 0.0 => from.saturating_add(l.trunc() as i64),
            Some(_) => from,
            None => return Ok(EvalValue::Null),
        },
        None => n,
    };
    let from = from.min(n) as usize;
    let to = to.clamp(from as i64, n) as usize;
    Ok(EvalValue::Str(chars[from..to].iter().collect()))
}

/// `spath(json, path)`: the value at a path (`a.b{0}.c`, `{}` for every
/// element); several results are a multivalue. Text that starts with `<`
/// is read as XML, as the `spath` command reads it
/// ([`crate::xml_fields::xml_values_at`]: `a.b{2}`, `a.b{@attr}`).
fn spath(args: Vec<EvalValue>, _: &CallSite) -> Result<EvalValue> {
    let (Some(text), Some(path)) = (arg(&args, 0).as_text(), arg(&args, 1).as_text()) else {
        return Ok(EvalValue::Null);
    };
    if crate::xml_fields::is_xml(&text) {
        return Ok(crate::xml_fields::xml_values_at(&text, &path)
            .map_or(EvalValue::Null, EvalValue::from_list));
    }
    let Ok(doc) = serde_json::from_str::<serde_json::Value>(&text) else {
        return Ok(EvalValue::Null);
    };
    let found = json::select(&doc, &json::parse_path(&path));
    Ok(EvalValue::from_list(
        found.iter().map(|v| json::to_text(v)).collect(),
    ))
}

/// `urldecode(X)`: `%XX` escapes decoded, `+` as a space.
fn urldecode(args: Vec<EvalValue>, _: &CallSite) -> Result<EvalValue> {
    Ok(map_texts(arg(&args, 0), |s| {
        let b = s.as_bytes();
        let mut out = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'%' if i + 2 < b.len() => {
                    match s.get(i + 1..i + 3).map(|h| u8::from_str_radix(h, 16)) {
                        Some(Ok(byte)) => {
                            out.push(byte);
                            i += 3;
                            continue;
                        }
                        _ => out.push(b'%'),
                    }
                }
                b'+' => out.push(b' '),
                c => out.push(c),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }))
}

thread_local! {
    /// Compiled regexes by pattern (patterns are nearly always literals, so
    /// a search compiles each once).
    static REGEXES: RefCell<HashMap<String, SplRegex>> = RefCell::new(HashMap::new());
}

/// Compiles a Splunk (PCRE) regex for the eval function `user`, cached.
/// PCRE syntax is translated by [`crate::regex_compat`]; a feature neither
/// engine has is an error naming it.
pub fn regex(pattern: &str, user: &str, span: Span) -> Result<SplRegex> {
    if let Some(re) = REGEXES.with(|c| c.borrow().get(pattern).cloned()) {
        return Ok(re);
    }
    let re = compile(pattern, false).map_err(|e| Error::Runtime {
        message: format!("{user}(): {e}"),
        span: Some(span),
    })?;
    REGEXES.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() > 512 {
            c.clear();
        }
        c.insert(pattern.to_string(), re.clone());
    });
    Ok(re)
}

/// The regex for a `LIKE` pattern: `%` any run, `_` one character, the
/// rest literal, anchored, case-sensitive.
pub fn like_regex(pattern: &str, span: Span) -> Result<SplRegex> {
    let mut re = String::from("(?s)^");
    for c in pattern.chars() {
        match c {
            '%' => re.push_str(".*"),
            '_' => re.push('.'),
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    regex(&re, "like", span)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_are_anchored() {
        let re = like_regex("a%b_", Span::default()).unwrap();
        assert!(re.is_match("axxbc"));
        assert!(!re.is_match("xaxbc"));
        assert!(!re.is_match("ab"));
    }

    #[test]
    fn unsupported_pcre_is_a_clear_error() {
        let err = regex("(?|a|b)", "match", Span::default()).unwrap_err();
        assert!(err.to_string().contains("branch reset"), "{err}");
        assert!(err.to_string().contains("match()"), "{err}");
    }
}
