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

use std::collections::HashMap;

use crate::commands::common::{at_option, bad, collect, option, unknown_option, unsupported};
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
    while !p.at_command_end() && p.peek() != Some(&Tok::LBracket) {
        if p.eat(&Tok::Comma) {
            continue;
        }
        if at_option(p) {
            let (key, value, span) = option(p)?;
            match key.as_str() {
                "mode" if value.eq_ignore_ascii_case("multifield") => {}
                "mode" => {
                    return Err(unsupported(
                        c,
                        format!("`mode={value}` is not supported (only `mode=multifield`)"),
                        span,
                    ))
                }
                "fieldstr" => tokens.field = nonempty(c, &key, value, span)?,
                "matchstr" => tokens.matchstr = nonempty(c, &key, value, span)?,
                "matchseg1" => tokens.segs[0] = nonempty(c, &key, value, span)?,
                "matchseg2" => tokens.segs[1] = nonempty(c, &key, value, span)?,
                "matchseg3" => tokens.segs[2] = nonempty(c, &key, value, span)?,
                _ => return Err(unknown_option(c, &key, span)),
            }
            continue;
        }
        patterns.push(
            p.field_name("a field name or wildcard such as `count_*`")?
                .0,
        );
    }
    if patterns.is_empty() {
        return Err(bad(
            c,
            "expected the fields to iterate over, e.g. `foreach count_* [eval ...]`",
            name_span,
        ));
    }
    let open = p.expect(&Tok::LBracket, "a `[template]` for `foreach`")?;
    let (template, template_span) = bracket_body(p, open)?;
    p.expect(&Tok::RBracket, "a closing `]` for the foreach template")?;
    if template.trim().is_empty() {
        return Err(bad(c, "the template is empty", open.to(p.last_span())));
    }
    let placeholders = substitute(&template, &tokens, |t| "_".repeat(t.len()));
    let checked = parse_commands_at(&placeholders, template_span.start)?;
    Ok(CommandArgs::Foreach(Foreach {
        patterns,
        tokens,
        template,
        template_span,
        checked,
    }))
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
    /// Runs the template over each result once per matching field.
    pub fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
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
    fn substitution_prefers_longer_tokens() {
        let t = Tokens::default();
        let out = substitute("<<FIELD>>=<<MATCHSEG1>>.<<MATCHSTR>>", &t, |x| {
            format!("[{}]", x.len())
        });
        assert_eq!(out, "[9]=[13].[12]");
    }
}
