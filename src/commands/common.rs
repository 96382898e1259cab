//! Helpers shared by command parsers and executors: typed option values,
//! bracketed subsearches, time spans and sorting keys.

use std::cmp::Ordering;

use crate::conf::is_true;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::source::Span;
use crate::syntax::ast::Pipeline;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::Parser;
use crate::value::{compare_text, Value};

/// A `BadArgument` error for `command`.
pub fn bad(command: &str, message: impl Into<String>, span: Span) -> Error {
    Error::BadArgument {
        command: command.to_string(),
        message: message.into(),
        span,
    }
}

/// A boolean option value (`true`/`false`/`t`/`f`/`1`/`0`/`yes`/`no`).
pub fn bool_opt(command: &str, key: &str, value: &str, span: Span) -> Result<bool> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "t" | "1" | "yes" | "y" => Ok(true),
        "false" | "f" | "0" | "no" | "n" => Ok(false),
        _ if is_true(value) => Ok(true),
        _ => Err(bad(
            command,
            format!("`{key}` must be true or false, found `{value}`"),
            span,
        )),
    }
}

/// A non-negative whole-number option value.
pub fn count_opt(command: &str, key: &str, value: &str, span: Span) -> Result<usize> {
    value.trim().parse().map_err(|_| {
        bad(
            command,
            format!("`{key}` must be a whole number, found `{value}`"),
            span,
        )
    })
}

/// A number option value.
pub fn number_opt(command: &str, key: &str, value: &str, span: Span) -> Result<f64> {
    crate::value::parse_number(value).ok_or_else(|| {
        bad(
            command,
            format!("`{key}` must be a number, found `{value}`"),
            span,
        )
    })
}

/// Whether the next two tokens are `<word>=`: an option.
pub fn at_option(p: &Parser) -> bool {
    matches!((p.peek(), p.peek2()), (Some(Tok::Word(_)), Some(Tok::Eq)))
}

/// Reads one `key=value` option (the caller checked [`at_option`]); the key
/// is lower-cased.
pub fn option(p: &mut Parser) -> Result<(String, String, Span)> {
    let (key, start) = p.word("an option name")?;
    p.expect(&Tok::Eq, "`=`")?;
    let (value, vspan) = p.value(&format!("a value for `{key}`"))?;
    Ok((key.to_ascii_lowercase(), value, start.to(vspan)))
}

/// An "unknown option" error.
pub fn unknown_option(command: &str, key: &str, span: Span) -> Error {
    unsupported(command, format!("option `{key}` is not supported"), span)
}

/// A "spelunk does not implement this" error for `command`: an option, a
/// mode or a form Splunk has and spelunk lacks (see [`Error::Unsupported`]).
pub fn unsupported(command: &str, message: impl Into<String>, span: Span) -> Error {
    Error::Unsupported {
        command: Some(command.into()),
        message: message.into(),
        span,
    }
}

/// A `( ... )` group at the current position, consumed: its raw text
/// (parentheses included) and span, e.g. `head (x > 3)`. `what` names the
/// group in the error for a missing `)`.
pub fn paren_group(p: &mut Parser, what: &str) -> Result<(String, Span)> {
    let open = p.here();
    let mut depth = 0usize;
    let mut end = open;
    loop {
        match p.peek() {
            Some(Tok::LParen) => depth += 1,
            Some(Tok::RParen) => depth = depth.saturating_sub(1),
            None | Some(Tok::Pipe) | Some(Tok::RBracket) => {
                return Err(p.expected(&format!("a closing `)` for {what}")))
            }
            _ => {}
        }
        if let Some(tok) = p.next_token() {
            end = tok.span;
        }
        if depth == 0 {
            break;
        }
    }
    let span = open.to(end);
    Ok((p.text_of(span).to_string(), span))
}

/// An eval expression given as an option value: `key=(<expr>)`,
/// `key="(<expr>)"` or `key=eval(<expr>)` (the `key=` already consumed);
/// e.g. `streamstats reset_after=("count>=3")`.
pub fn eval_option_value(p: &mut Parser, what: &str) -> Result<crate::eval::Expr> {
    if p.at_keyword("eval") && p.peek2() == Some(&Tok::LParen) {
        p.next_token();
    }
    let here = p.here();
    if p.text_of(here).starts_with("\"(\"") {
        // The documented form `key="("<eval-expression>")"`: the quoted
        // parentheses touch the expression, so read the raw text.
        let end = loop {
            let Some(tok) = p.next_token() else {
                return Err(p.expected(&format!("`\")\"` closing {what}")));
            };
            if matches!(tok.tok, Tok::Pipe | Tok::RBracket) {
                return Err(p.expected(&format!("`\")\"` closing {what}")));
            }
            let raw = p.text_of(here.to(tok.span));
            if raw.len() >= 6 && raw.ends_with("\")\"") {
                break tok.span;
            }
        };
        let span = here.to(end);
        let raw = p.text_of(span);
        let inner = raw.get(3..raw.len() - 3).unwrap_or("");
        if inner.contains("\\\"") {
            // The page's escaping rule: a string value inside the quoted
            // form is written `\"yes\"`, the backslashes dropped before
            // the expression is read (`reset_after="("match(test,\"yes\")")"`).
            // Positions after the first escape shift by one per backslash.
            return crate::eval::parse_expr(&inner.replace("\\\"", "\""), span.start + 3);
        }
        return crate::eval::parse_expr(inner, span.start + 3);
    }
    match p.peek() {
        Some(Tok::LParen) => {
            let (text, span) = paren_group(p, what)?;
            crate::eval::parse_expr(&text, span.start)
        }
        Some(Tok::Str(_)) => {
            let (text, span) = p.value(what)?;
            crate::eval::parse_expr(&text, span.start + 1)
        }
        _ => Err(p.expected(&format!("`(<eval-expression>)` for {what}"))),
    }
}

/// A bracketed subsearch `[ ... ]`, e.g. for `append` and `join`.
pub fn subsearch(p: &mut Parser, command: &str) -> Result<Pipeline> {
    p.expect(&Tok::LBracket, &format!("a `[subsearch]` for `{command}`"))?;
    let pipeline = p.pipeline()?;
    p.expect(&Tok::RBracket, "a closing `]` for the subsearch")?;
    Ok(pipeline)
}

/// Parses a time span such as `30s`, `5m`, `1h`, `1d`, `2w`, `1mon`, `1y`
/// into seconds (months are 30 days and years 365 days here); a plain
/// number is seconds. Returns `None` when the text is not a span.
pub fn time_span_seconds(text: &str) -> Option<f64> {
    let t = text.trim().to_ascii_lowercase();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = if num.is_empty() {
        1.0
    } else {
        num.parse().ok()?
    };
    let mult = match unit {
        "" | "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
        "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3600.0,
        "d" | "day" | "days" => 86_400.0,
        "w" | "week" | "weeks" => 7.0 * 86_400.0,
        "mon" | "month" | "months" => 30.0 * 86_400.0,
        "q" | "qtr" | "qtrs" | "quarter" | "quarters" => 90.0 * 86_400.0,
        "y" | "yr" | "yrs" | "year" | "years" => 365.0 * 86_400.0,
        "ms" => 0.001,
        _ => return None,
    };
    Some(n * mult)
}

/// The group key of a row for a list of fields: each field's value as text
/// (multivalue joined with newlines), or `None` when a field is null.
pub fn key_of(event: &Event, fields: &[String]) -> Option<Vec<String>> {
    fields
        .iter()
        .map(|f| event.get(f).map(|v| v.to_text().into_owned()))
        .collect()
}

/// Compares two optional values as `sort` does by default: numbers before
/// text, numbers numerically, text lexicographically; null last.
pub fn compare_values(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => compare_text(&x.to_text(), &y.to_text()),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// Collects rows, stopping at the first error.
pub fn collect(input: crate::exec::Rows<'_>) -> Result<Vec<Event>> {
    input.collect()
}

/// Replaces each `$name$` token (a name without whitespace) of `text` with
/// `value(name)`, as `map` and `savedsearch` do. A token without a value
/// stays as written and its name is returned (once); a `$` that opens no
/// token is kept.
pub fn replace_dollar_tokens(
    text: &str,
    value: impl Fn(&str) -> Option<String>,
) -> (String, Vec<String>) {
    let mut out = String::new();
    let mut missing: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        match after.find('$') {
            Some(j) if j > 0 && !after[..j].contains(char::is_whitespace) => {
                let name = &after[..j];
                match value(name) {
                    Some(v) => out.push_str(&v),
                    None => {
                        out.push_str(&rest[i..i + j + 2]);
                        if !missing.iter().any(|m| m == name) {
                            missing.push(name.to_string());
                        }
                    }
                }
                rest = &after[j + 1..];
            }
            _ => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    (out, missing)
}

/// A field-name pattern with `*` wildcards (case-sensitive, as field
/// names are), giving what each `*` matched.
pub struct WildcardName(regex::Regex);

impl WildcardName {
    /// Compiles `pattern`; an error names `command` at `span`.
    pub fn new(pattern: &str, command: &str, span: Span) -> Result<Self> {
        let pieces: Vec<String> = pattern.split('*').map(regex::escape).collect();
        regex::Regex::new(&format!("^{}$", pieces.join("(.*)")))
            .map(WildcardName)
            .map_err(|e| Error::BadArgument {
                command: command.into(),
                message: e.to_string(),
                span,
            })
    }

    /// What each `*` matched in `name`, in order; None when it does not match.
    pub fn captures<'t>(&self, name: &'t str) -> Option<Vec<&'t str>> {
        let caps = self.0.captures(name)?;
        Some(
            caps.iter()
                .skip(1)
                .map(|m| m.map_or("", |m| m.as_str()))
                .collect(),
        )
    }
}

/// `pieces` (a template split at `*`) joined with `captures` in order.
pub fn fill_wildcards(pieces: &[impl AsRef<str>], captures: &[&str]) -> String {
    let mut out = String::new();
    for (i, piece) in pieces.iter().enumerate() {
        if i > 0 {
            out.push_str(captures.get(i - 1).copied().unwrap_or_default());
        }
        out.push_str(piece.as_ref());
    }
    out
}

/// Test fixtures for the one-field running-value commands (accum, delta,
/// trendline): rows with an optional `x`, and the text of one output field.
#[cfg(test)]
pub mod one_field {
    use super::*;
    use crate::exec::Rows;

    /// One row per value, `x` set to it (left out for `None`).
    pub fn rows(vals: &[Option<&str>]) -> Rows<'static> {
        let rows: Vec<Result<Event>> = vals
            .iter()
            .map(|v| {
                let mut e = Event::new();
                if let Some(v) = v {
                    e.set("x", Value::from(*v));
                }
                Ok(e)
            })
            .collect();
        Box::new(rows.into_iter())
    }

    /// The text of `field` in each row `apply` gives back.
    pub fn texts(out: Result<Rows<'_>>, field: &str) -> Vec<Option<String>> {
        out.expect("apply")
            .map(|r| r.expect("row").get(field).map(|v| v.to_text().into_owned()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_in_seconds() {
        assert_eq!(time_span_seconds("1h"), Some(3600.0));
        assert_eq!(time_span_seconds("5m"), Some(300.0));
        assert_eq!(time_span_seconds("30"), Some(30.0));
        assert_eq!(time_span_seconds("1d"), Some(86_400.0));
        assert_eq!(time_span_seconds("h"), Some(3600.0));
        assert_eq!(time_span_seconds("1x"), None);
    }
}

/// Refuses a file a command would write in the output folder when the
/// write could leave it or clobber what the search reads: a symbolic link
/// (it can point anywhere, `/etc/...`), something other than a regular
/// file, or one of the search's input lookups (the output folder is also a
/// `-l` folder). Shared by `outputlookup`, `outputcsv` and `collect`.
pub fn refuse_unsafe_output(
    command: &str,
    path: &std::path::Path,
    ctx: &crate::exec::Context<'_>,
    span: Span,
) -> Result<()> {
    let refuse = |why: &str| Error::Runtime {
        message: format!("{command}: refused to write `{}`: {why}", path.display()),
        span: Some(span),
    };
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => return Err(refuse("it is a symbolic link")),
        Ok(m) if !m.is_file() => return Err(refuse("it is not a regular file")),
        _ => {}
    }
    if ctx.lookups.is_input_file(path) {
        return Err(refuse(
            "it is an input lookup of this search (the --output-lookups folder is also a lookups folder)",
        ));
    }
    Ok(())
}

/// A field name for a command whose field list takes no wildcards
/// (`associate`, `arules`, `contingency`).
pub fn field_without_wildcard(p: &mut Parser, command: &str) -> Result<(String, Span)> {
    let (field, span) = p.field_name("a field name")?;
    if field.contains('*') {
        return Err(bad(
            command,
            format!("`{field}`: wildcards are not allowed"),
            span,
        ));
    }
    Ok((field, span))
}
