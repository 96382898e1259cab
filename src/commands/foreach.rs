//! `foreach`: runs a templated command (usually `eval`) once per field whose
//! name matches a wildcard list.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/foreach>
//! (multifield mode): in the bracketed template, `<<FIELD>>` is the whole
//! field name, `<<MATCHSTR>>` the part of it the wildcards matched and
//! `<<MATCHSEG1>>`..`<<MATCHSEG3>>` the part each wildcard matched; the
//! `fieldstr`, `matchstr`, `matchseg1`..`matchseg3` options rename those
//! tokens. Here the fields are those of each result (in the result's field
//! order) that match the list when the command starts; a wildcard does not
//! match a field starting with `_` unless the pattern itself starts with `_`.
//!
//! `mode=multivalue|json_array|auto_collections` (the 10.0 page) iterate
//! over the elements of one field instead: `<<ITEM>>` (`itemstr=`) is each
//! element as an eval literal (numbers bare, other text quoted, JSON
//! strings quoted), `<<ITER>>` (`iterstr=`) its zero-based index; the
//! template must be a single `eval`, as the page says. `auto_collections`
//! takes a multivalue field as one, else a JSON array, else the single
//! value. A field that is not there runs the template no times; under
//! `json_array` a value that is not a JSON array is an error.

use std::collections::HashMap;

use crate::commands::common::{at_option, bad, collect, unknown_option};
use crate::commands::CommandArgs;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::ast::Pipeline;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::{parse_commands_at, Parser};

/// `foreach count_* [eval total=total+'<<FIELD>>']`.
#[derive(Debug, Clone, PartialEq)]
pub struct Foreach {
    /// The field names or wildcard patterns, in written order.
    pub patterns: Vec<String>,
    /// The tokens replaced in the template: field, match, segments 1-3.
    pub tokens: Tokens,
    /// The template text between the brackets.
    pub template: String,
    /// Where the template is.
    pub template_span: Span,
    /// The template with every token replaced by a placeholder of the same
    /// length, parsed at `foreach`'s parse time to report errors in place.
    pub checked: Pipeline,
    /// `mode=`, with the item and iterator tokens of the collection modes.
    pub mode: Box<Mode>,
}

/// What `foreach` iterates over (the page's `mode=`).
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    /// The fields matching a wildcard list (the default).
    Multifield,
    /// The elements of one field: `multivalue`, `json_array` or
    /// `auto_collections`.
    Collection {
        /// Which of the three.
        kind: CollectionKind,
        /// `itemstr`, default `<<ITEM>>`: replaced by each element.
        item: String,
        /// `iterstr`, default `<<ITER>>`: replaced by its zero-based index.
        iter: String,
    },
}

/// The collection modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CollectionKind {
    /// `mode=multivalue`: each value of a multivalue field.
    Multivalue,
    /// `mode=json_array`: each element of a JSON array held in the field.
    JsonArray,
    /// `mode=auto_collections`: a multivalue field, else a JSON array.
    Auto,
}

/// The template tokens (`fieldstr`, `matchstr`, `matchseg1`..`matchseg3`).
#[derive(Debug, Clone, PartialEq)]
pub struct Tokens {
    /// `fieldstr`, default `<<FIELD>>`.
    pub field: String,
    /// `matchstr`, default `<<MATCHSTR>>`.
    pub matchstr: String,
    /// `matchseg1`..`matchseg3`, default `<<MATCHSEG1>>`...
    pub segs: [String; 3],
}

impl Default for Tokens {
    fn default() -> Self {
        Tokens {
            field: "<<FIELD>>".into(),
            matchstr: "<<MATCHSTR>>".into(),
            segs: [
                "<<MATCHSEG1>>".into(),
                "<<MATCHSEG2>>".into(),
                "<<MATCHSEG3>>".into(),
            ],
        }
    }
}

/// Parses `foreach`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let c = "foreach";
    let mut tokens = Tokens::default();
    let mut patterns = Vec::new();
    let mut kind: Option<CollectionKind> = None;
    let (mut item, mut iter) = ("<<ITEM>>".to_string(), "<<ITER>>".to_string());
    // Options of one mode given with the other: where, for the error.
    let (mut multifield_opt, mut collection_opt) = (None, None);
    while !p.at_command_end() && p.peek() != Some(&Tok::LBracket) {
        if p.eat(&Tok::Comma) {
            continue;
        }
        if at_option(p) {
            let (key, value, span) = token_option(p)?;
            match key.as_str() {
                "mode" => {
                    kind = match value.to_ascii_lowercase().as_str() {
                        "multifield" => None,
                        "multivalue" => Some(CollectionKind::Multivalue),
                        "json_array" => Some(CollectionKind::JsonArray),
                        "auto_collections" => Some(CollectionKind::Auto),
                        _ => {
                            return Err(bad(
                                c,
                                format!("`mode={value}` is not a mode (multifield, multivalue, json_array or auto_collections)"),
                                span,
                            ))
                        }
                    }
                }
                "fieldstr" | "matchstr" | "matchseg1" | "matchseg2" | "matchseg3" => {
                    multifield_opt = Some((key.clone(), span));
                    let v = nonempty(c, &key, value, span)?;
                    match key.as_str() {
                        "fieldstr" => tokens.field = v,
                        "matchstr" => tokens.matchstr = v,
                        "matchseg1" => tokens.segs[0] = v,
                        "matchseg2" => tokens.segs[1] = v,
                        _ => tokens.segs[2] = v,
                    }
                }
                "itemstr" => {
                    collection_opt = Some((key.clone(), span));
                    item = nonempty(c, &key, value, span)?;
                }
                "iterstr" => {
                    collection_opt = Some((key.clone(), span));
                    iter = nonempty(c, &key, value, span)?;
                }
                _ => return Err(unknown_option(c, &key, span)),
            }
            continue;
        }
        patterns.push(
            p.field_name("a field name or wildcard such as `count_*`")?
                .0,
        );
    }
    // The page lists each mode's options; one given with the other mode
    // would be silently unused.
    match (kind, &multifield_opt, &collection_opt) {
        (Some(_), Some((key, span)), _) => {
            return Err(bad(
                c,
                format!("`{key}` is a multifield-mode option; this foreach iterates over a collection (use `itemstr`/`iterstr`)"),
                *span,
            ))
        }
        (None, _, Some((key, span))) => {
            return Err(bad(
                c,
                format!("`{key}` needs `mode=multivalue`, `json_array` or `auto_collections`"),
                *span,
            ))
        }
        _ => {}
    }
    if patterns.is_empty() {
        return Err(bad(
            c,
            "expected the fields to iterate over, e.g. `foreach count_* [eval ...]`",
            name_span,
        ));
    }
    if kind.is_some() && patterns.len() != 1 {
        return Err(bad(
            c,
            "the multivalue, json_array and auto_collections modes take one field",
            name_span,
        ));
    }
    let open = p.expect(&Tok::LBracket, "a `[template]` for `foreach`")?;
    let (template, template_span) = bracket_body(p, open)?;
    p.expect(&Tok::RBracket, "a closing `]` for the foreach template")?;
    if template.trim().is_empty() {
        return Err(bad(c, "the template is empty", open.to(p.last_span())));
    }
    let mode = match kind {
        None => Mode::Multifield,
        Some(kind) => Mode::Collection { kind, item, iter },
    };
    let placeholders = match &mode {
        Mode::Multifield => substitute(&template, &tokens, |t| "_".repeat(t.len())),
        Mode::Collection { item, iter, .. } => replace_tokens(
            &template,
            &[
                (item, "_".repeat(item.len())),
                (iter, "0".repeat(iter.len())),
            ],
        ),
    };
    let checked = parse_commands_at(&placeholders, template_span.start)?;
    if matches!(mode, Mode::Collection { .. })
        && !(checked.commands.len() == 1
            && matches!(
                checked.commands.first().map(|c| &c.args),
                Some(CommandArgs::Eval(_))
            ))
    {
        // The page: these modes permit a single eval statement only.
        return Err(bad(
            c,
            "the multivalue, json_array and auto_collections modes take a single `eval` command as the template",
            template_span,
        ));
    }
    Ok(CommandArgs::Foreach(Foreach {
        patterns,
        tokens,
        template,
        template_span,
        checked,
        mode: Box::new(mode),
    }))
}

/// Reads one `key=value` option; a value written as touching punctuation
/// such as `itemstr=<<NUMBER>>` (the page's own example) is read as its raw
/// text up to the next space.
fn token_option(p: &mut Parser) -> Result<(String, String, Span)> {
    let (key, start) = p.word("an option name")?;
    p.expect(&Tok::Eq, "`=`")?;
    if matches!(p.peek(), Some(Tok::Word(_)) | Some(Tok::Str(_))) {
        let (value, vspan) = p.value(&format!("a value for `{key}`"))?;
        return Ok((key.to_ascii_lowercase(), value, start.to(vspan)));
    }
    // Punctuation: take every token that touches the one before it.
    let mut first: Option<Span> = None;
    let mut end: Option<Span> = None;
    loop {
        let here = p.here();
        if matches!(
            p.peek(),
            None | Some(Tok::Pipe) | Some(Tok::LBracket) | Some(Tok::RBracket)
        ) || end.is_some_and(|prev| here.start != prev.end)
        {
            break;
        }
        match p.next_token() {
            Some(tok) => {
                first.get_or_insert(tok.span);
                end = Some(tok.span);
            }
            None => break,
        }
    }
    let (Some(first), Some(end)) = (first, end) else {
        return Err(p.expected(&format!("a value for `{key}`")));
    };
    let value = p.text_of(first.to(end)).to_string();
    Ok((key.to_ascii_lowercase(), value, start.to(end)))
}

/// Replaces each token in `text` in one pass (longer tokens first), so a
/// replacement is never searched again.
fn replace_tokens(text: &str, pairs: &[(&String, String)]) -> String {
    let mut pairs: Vec<&(&String, String)> = pairs.iter().collect();
    pairs.sort_by_key(|(t, _)| std::cmp::Reverse(t.len()));
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'outer: while !rest.is_empty() {
        for (token, with) in &pairs {
            if let Some(after) = rest.strip_prefix(token.as_str()) {
                out.push_str(with);
                rest = after;
                continue 'outer;
            }
        }
        let mut chars = rest.chars();
        if let Some(ch) = chars.next() {
            out.push(ch);
        }
        rest = chars.as_str();
    }
    out
}

/// An element as eval literal text: a number as itself, anything else as a
/// quoted string. The page's examples use `<<ITEM>>` bare for numbers
/// (`total + <<ITEM>>` over `mvappend("50", ...)` gives 180) and for names
/// (`json_append(a, "", <<ITEM>>)` over Alex, Claudia gives
/// `["Alex","Claudia"]`), so the element is a value, not field-name text.
fn literal(text: &str) -> String {
    if crate::value::parse_number(text).is_some() {
        return text.trim().to_string();
    }
    literal_string(text)
}

/// The elements of a JSON array as eval literal text (numbers bare,
/// strings quoted, other JSON as its quoted text), or `None` when `text` is
/// not a JSON array.
fn json_elements(text: &str) -> Option<Vec<String>> {
    let serde_json::Value::Array(items) = serde_json::from_str(text.trim()).ok()? else {
        return None;
    };
    Some(
        items
            .iter()
            .map(|v| match v {
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::String(s) => literal_string(s),
                other => literal_string(&other.to_string()),
            })
            .collect(),
    )
}

/// `text` as a quoted eval string, even when it looks like a number (a JSON
/// string stays a string).
fn literal_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for ch in text.chars() {
        if ch == '"' || ch == '\\' {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('"');
    out
}

fn nonempty(c: &str, key: &str, value: String, span: Span) -> Result<String> {
    if value.is_empty() {
        return Err(bad(c, format!("`{key}` must not be empty"), span));
    }
    Ok(value)
}

/// Consumes the tokens up to the `]` matching the already consumed `[` and
/// returns their raw text and span.
fn bracket_body(p: &mut Parser, open: Span) -> Result<(String, Span)> {
    let start = p.here().start;
    let mut end = start;
    let mut depth = 0usize;
    loop {
        match p.peek() {
            None => {
                return Err(Error::Syntax {
                    expected: "a closing `]` for the foreach template".into(),
                    found: "end of search".into(),
                    span: open,
                })
            }
            Some(Tok::RBracket) if depth == 0 => break,
            Some(Tok::RBracket) => depth -= 1,
            Some(Tok::LBracket) => depth += 1,
            _ => {}
        }
        if let Some(tok) = p.next_token() {
            end = tok.span.end;
        }
    }
    let span = Span::new(start, end.max(start));
    Ok((p.text_of(span).to_string(), span))
}

/// Replaces every token in `text`; `with` gives the replacement per token
/// (longer tokens first, so `<<MATCHSEG1>>` is not mistaken for a prefix).
fn substitute(text: &str, tokens: &Tokens, with: impl Fn(&str) -> String) -> String {
    let mut all: Vec<&str> = vec![&tokens.field, &tokens.matchstr];
    all.extend(tokens.segs.iter().map(String::as_str));
    all.sort_by_key(|t| std::cmp::Reverse(t.len()));
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'outer: while !rest.is_empty() {
        for t in &all {
            if let Some(after) = rest.strip_prefix(*t) {
                out.push_str(&with(t));
                rest = after;
                continue 'outer;
            }
        }
        let mut chars = rest.chars();
        if let Some(ch) = chars.next() {
            out.push(ch);
        }
        rest = chars.as_str();
    }
    out
}

/// A field-list entry compiled for matching: a plain name, or a wildcard
/// pattern as a regex with one group per `*` (greedy, left to right).
struct FieldPattern<'a> {
    text: &'a str,
    regex: Option<regex::Regex>,
}

impl<'a> FieldPattern<'a> {
    fn new(text: &'a str) -> Self {
        let regex = text.contains('*').then(|| {
            let mut re = String::from("(?s)^");
            for (i, part) in text.split('*').enumerate() {
                if i > 0 {
                    re.push_str("(.*)");
                }
                re.push_str(&regex::escape(part));
            }
            re.push('$');
            re
        });
        FieldPattern {
            text,
            // An escaped literal with `(.*)` groups always compiles; a
            // failure would only mean the pattern matches nothing.
            regex: regex.and_then(|re| regex::Regex::new(&re).ok()),
        }
    }

    /// What each `*` matched in `name`, or `None` when it does not match.
    /// A wildcard does not match a name starting with `_` unless the
    /// pattern starts with `_` too.
    fn captures(&self, name: &str) -> Option<Vec<String>> {
        let Some(re) = &self.regex else {
            return (self.text == name).then(Vec::new);
        };
        if name.starts_with('_') && !self.text.starts_with('_') {
            return None;
        }
        let caps = re.captures(name)?;
        Some(
            caps.iter()
                .skip(1)
                .map(|m| m.map(|m| m.as_str().to_string()).unwrap_or_default())
                .collect(),
        )
    }
}

impl Foreach {
    /// The collection modes: the template once per element of the field,
    /// in order; a result without the field runs it no times.
    fn apply_collection<'a>(
        &'a self,
        kind: CollectionKind,
        item: &'a String,
        iter: &'a String,
        input: Rows<'a>,
        ctx: &'a Context<'a>,
    ) -> Result<Rows<'a>> {
        let field = self.patterns.first().map(String::as_str).unwrap_or("");
        let mut cache: HashMap<String, Pipeline> = HashMap::new();
        Ok(Box::new(input.map(move |row| {
            let mut current = row?;
            let elements = self.elements(kind, current.get(field), field)?;
            for (i, element) in elements.iter().enumerate() {
                let text = replace_tokens(
                    &self.template,
                    &[(item, element.clone()), (iter, i.to_string())],
                );
                if !cache.contains_key(&text) {
                    let pipeline = parse_commands_at(&text, self.template_span.start).map_err(
                        |e| Error::Runtime {
                            message: format!(
                                "foreach: the template for element {i} of `{field}` (`{text}`) does not parse: {e}"
                            ),
                            span: Some(self.template_span),
                        },
                    )?;
                    cache.insert(text.clone(), pipeline);
                }
                let Some(pipeline) = cache.get(&text) else {
                    continue;
                };
                current = self.run_one(pipeline, current, field, ctx)?;
            }
            Ok(current)
        })))
    }

    /// The field's elements as eval literal text.
    fn elements(
        &self,
        kind: CollectionKind,
        value: Option<&crate::value::Value>,
        field: &str,
    ) -> Result<Vec<String>> {
        let Some(value) = value else {
            return Ok(Vec::new());
        };
        let texts: Vec<String> = value.texts().into_iter().map(|t| t.into_owned()).collect();
        let as_values = || texts.iter().map(|t| literal(t)).collect::<Vec<_>>();
        match kind {
            CollectionKind::Multivalue => Ok(as_values()),
            CollectionKind::Auto if texts.len() > 1 => Ok(as_values()),
            CollectionKind::Auto => Ok(texts
                .first()
                .and_then(|t| json_elements(t))
                .unwrap_or_else(as_values)),
            CollectionKind::JsonArray => match texts.as_slice() {
                [one] => json_elements(one).ok_or_else(|| Error::Runtime {
                    message: format!(
                        "foreach mode=json_array: `{field}` does not hold a JSON array (`{one}`)"
                    ),
                    span: Some(self.template_span),
                }),
                _ => Err(Error::Runtime {
                    message: format!(
                        "foreach mode=json_array: `{field}` is a multivalue field, not a JSON array (use mode=multivalue)"
                    ),
                    span: Some(self.template_span),
                }),
            },
        }
    }

    /// The template for one field, parsed.
    fn instantiate(&self, name: &str, caps: &[String]) -> Result<Pipeline> {
        let text = substitute(&self.template, &self.tokens, |t| {
            if t == self.tokens.field {
                name.to_string()
            } else if t == self.tokens.matchstr {
                caps.concat()
            } else {
                let i = self.tokens.segs.iter().position(|s| s == t).unwrap_or(0);
                caps.get(i).cloned().unwrap_or_default()
            }
        });
        parse_commands_at(&text, self.template_span.start).map_err(|e| Error::Runtime {
            message: format!(
                "foreach: the template for field `{name}` (`{text}`) does not parse: {e}"
            ),
            span: Some(self.template_span),
        })
    }

    /// Runs the template's commands over one result; they must give back
    /// exactly one result.
    fn run_one(
        &self,
        pipeline: &Pipeline,
        row: Event,
        name: &str,
        ctx: &Context<'_>,
    ) -> Result<Event> {
        let mut stream: Rows<'_> = Box::new(std::iter::once(Ok(row)));
        for command in &pipeline.commands {
            stream = command.args.apply(stream, ctx)?;
        }
        let mut results: Vec<Event> = stream.collect::<Result<_>>()?;
        if results.len() != 1 {
            return Err(Error::Runtime {
                message: format!(
                    "foreach: the template for field `{name}` gave {} results for one result; it must give exactly one (use commands such as eval)",
                    results.len()
                ),
                span: Some(self.template_span),
            });
        }
        Ok(results.remove(0))
    }
}

impl super::Command for Foreach {
    /// Runs the template over each result once per matching field.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        if let Mode::Collection { kind, item, iter } = self.mode.as_ref() {
            return self.apply_collection(*kind, item, iter, input, ctx);
        }
        let rows = collect(input)?;
        let patterns: Vec<FieldPattern<'_>> =
            self.patterns.iter().map(|p| FieldPattern::new(p)).collect();
        let mut cache: HashMap<String, Pipeline> = HashMap::new();
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let mut current = row;
            let names: Vec<String> = current.names().map(str::to_string).collect();
            let mut done: Vec<&str> = Vec::new();
            for pattern in &patterns {
                for name in &names {
                    if done.contains(&name.as_str()) {
                        continue;
                    }
                    let Some(caps) = pattern.captures(name) else {
                        continue;
                    };
                    done.push(name);
                    if !cache.contains_key(name) {
                        let pipeline = self.instantiate(name, &caps)?;
                        cache.insert(name.clone(), pipeline);
                    }
                    let Some(pipeline) = cache.get(name) else {
                        continue;
                    };
                    current = self.run_one(pipeline, current, name, ctx)?;
                }
            }
            out.push(current);
        }
        Ok(Box::new(out.into_iter().map(Ok)))
    }
}

/// The registry entries of `foreach`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "foreach",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn wildcard_captures(pattern: &str, name: &str) -> Option<Vec<String>> {
        FieldPattern::new(pattern).captures(name)
    }

    #[test]
    fn captures_per_wildcard() {
        assert_eq!(
            wildcard_captures("a*_b*", "a1_b2"),
            Some(vec!["1".to_string(), "2".to_string()])
        );
        assert_eq!(wildcard_captures("count", "count"), Some(vec![]));
        assert_eq!(wildcard_captures("c*", "x"), None);
        assert_eq!(wildcard_captures("*", "_time"), None);
        assert_eq!(wildcard_captures("_*", "_time"), Some(vec!["time".into()]));
    }

    #[test]
    fn elements_become_eval_literals() {
        assert_eq!(literal("50"), "50");
        assert_eq!(literal("Al\"ex"), "\"Al\\\"ex\"");
        assert_eq!(
            json_elements(r#"[1, "2", {"a":1}]"#),
            Some(vec![
                "1".to_string(),
                "\"2\"".to_string(),
                "\"{\\\"a\\\":1}\"".to_string()
            ])
        );
        assert_eq!(json_elements("not json"), None);
        let item = "<<ITEM>>".to_string();
        assert_eq!(
            replace_tokens("x=<<ITEM>>", &[(&item, "<<ITEM>>".into())]),
            "x=<<ITEM>>"
        );
    }

    #[test]
    fn substitution_prefers_longer_tokens() {
        let t = Tokens::default();
        let out = substitute("<<FIELD>>=<<MATCHSEG1>>.<<MATCHSTR>>", &t, |x| {
            format!("[{}]", x.len())
        });
        assert_eq!(out, "[9]=[13].[12]");
    }
}
