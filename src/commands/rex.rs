//! `rex`: extracts fields with a regular expression's named groups, or edits
//! a field with a sed expression.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.1/search-commands/rex>:
//! `rex [field=<field>] (<regex> [max_match=<int>] [offset_field=<string>]) |
//! (mode=sed <sed-expression>)`; the default field is `_raw`; `max_match`
//! defaults to 1 and 0 means unlimited (multivalue results); sed supports
//! `s/<regex>/<replacement>/<flags>` (flags `g` or a number N: replace the
//! Nth match) and `y/<chars>/<chars>/`.

use crate::commands::common::{at_option, bad, count_opt, option, unknown_option};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::exec::Rows;
use crate::regex_compat::{compile, Replacement, SplRegex};
use crate::source::Span;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::Parser;
use crate::value::Value;

/// `rex field=user "(?<domain>[^\\]+)\\(?<name>.+)"`, `rex mode=sed field=x "s/a/b/g"`.
#[derive(Debug, Clone)]
pub struct Rex {
    /// The field read (default `_raw`).
    pub field: String,
    /// What to do.
    pub action: RexAction,
}

impl PartialEq for Rex {
    fn eq(&self, other: &Self) -> bool {
        self.field == other.field && format!("{:?}", self.action) == format!("{:?}", other.action)
    }
}

/// Extraction or sed editing.
#[derive(Debug, Clone)]
pub enum RexAction {
    /// Extract named groups.
    Extract {
        /// The compiled regex.
        regex: SplRegex,
        /// Most matches (0 = unlimited).
        max_match: usize,
        /// Field receiving the match offsets.
        offset_field: Option<String>,
    },
    /// `s/regex/replacement/flags`.
    Substitute {
        /// The compiled regex.
        regex: SplRegex,
        /// The replacement (`\1` inserts group 1).
        replacement: Replacement,
        /// `None`: all matches (`g`); `Some(n)`: only the nth (1-based).
        which: Option<usize>,
    },
    /// `y/from/to/`: character translation.
    Translate {
        /// Pairs of (from, to) characters.
        map: Vec<(char, char)>,
    },
}

/// Parses `rex`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let mut field = "_raw".to_string();
    let mut max_match = 1usize;
    let mut offset_field = None;
    let mut sed = false;
    let mut pattern: Option<(String, Span)> = None;
    while !p.at_command_end() {
        if at_option(p) {
            let (key, value, span) = option(p)?;
            match key.as_str() {
                "field" => field = value,
                "max_match" => max_match = count_opt("rex", &key, &value, span)?,
                "offset_field" => offset_field = Some(value),
                "mode" if value.eq_ignore_ascii_case("sed") => sed = true,
                "mode" => return Err(bad("rex", format!("unknown mode `{value}`"), span)),
                _ => return Err(unknown_option("rex", &key, span)),
            }
            continue;
        }
        match p.peek() {
            Some(Tok::Str(_)) | Some(Tok::Word(_)) if pattern.is_none() => {
                pattern = Some(p.value("a regular expression")?);
            }
            _ => return Err(p.expected("a quoted regular expression")),
        }
    }
    let Some((pattern, span)) = pattern else {
        return Err(bad(
            "rex",
            "expected a quoted regular expression",
            name_span,
        ));
    };
    let action = if sed {
        sed_action(&pattern, span)?
    } else {
        let regex = compile(&pattern, false).map_err(|e| e.at("rex", span))?;
        RexAction::Extract {
            regex,
            max_match,
            offset_field,
        }
    };
    Ok(CommandArgs::Rex(Rex { field, action }))
}

/// Parses a sed expression `s/a/b/g` or `y/abc/xyz/`.
fn sed_action(expr: &str, span: Span) -> Result<RexAction> {
    let mut chars = expr.chars();
    let kind = chars.next();
    let Some(delim) = chars.next() else {
        return Err(bad(
            "rex",
            "expected a sed expression such as `s/a/b/g`",
            span,
        ));
    };
    let parts = split_sed(chars.as_str(), delim);
    match (kind, parts.as_slice()) {
        (Some('s'), [re, rep, flags]) => {
            let regex = compile(re, false).map_err(|e| e.at("rex", span))?;
            let which = match flags.trim() {
                "" => Some(1),
                f if f.contains('g') => None,
                f => Some(
                    f.parse::<usize>()
                        .map_err(|_| bad("rex", format!("unknown sed flags `{f}`"), span))?
                        .max(1),
                ),
            };
            Ok(RexAction::Substitute {
                regex,
                replacement: Replacement::parse(rep),
                which,
            })
        }
        (Some('y'), [from, to, _]) => {
            let from: Vec<char> = from.chars().collect();
            let to: Vec<char> = to.chars().collect();
            if from.len() != to.len() {
                return Err(bad(
                    "rex",
                    "`y/../../` needs the same number of characters on both sides",
                    span,
                ));
            }
            Ok(RexAction::Translate {
                map: from.into_iter().zip(to).collect(),
            })
        }
        _ => Err(bad(
            "rex",
            "expected a sed expression `s/<regex>/<replacement>/<flags>` or `y/<from>/<to>/`",
            span,
        )),
    }
}

/// Splits at unescaped delimiters; `\<delim>` becomes `<delim>`.
fn split_sed(text: &str, delim: char) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.peek() == Some(&delim) {
            chars.next();
            cur.push(delim);
        } else if c == delim {
            parts.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    parts.push(cur);
    parts
}

impl Rex {
    fn apply_one(&self, event: &mut Event) {
        let Some(value) = event.get(&self.field) else {
            return;
        };
        let texts: Vec<String> = value.texts().iter().map(|t| t.to_string()).collect();
        match &self.action {
            RexAction::Extract {
                regex,
                max_match,
                offset_field,
            } => extract(event, regex, *max_match, offset_field.as_deref(), &texts),
            RexAction::Substitute {
                regex,
                replacement,
                which,
            } => {
                let edited: Vec<String> = texts
                    .iter()
                    .map(|t| regex.replace(t, replacement, *which))
                    .collect();
                event.set_opt(self.field.clone(), Value::from_list(edited));
            }
            RexAction::Translate { map } => {
                let edited: Vec<String> = texts
                    .iter()
                    .map(|t| {
                        t.chars()
                            .map(|c| map.iter().find(|(f, _)| *f == c).map_or(c, |(_, to)| *to))
                            .collect()
                    })
                    .collect();
                event.set_opt(self.field.clone(), Value::from_list(edited));
            }
        }
    }
}

impl super::Command for Rex {
    /// Applies the extraction or edit to every row.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        Ok(Box::new(input.map(move |row| {
            row.map(|mut event| {
                self.apply_one(&mut event);
                event
            })
        })))
    }
}

/// Sets each named group's values (multivalue when several matches) and,
/// when asked, the offsets as `name=start-end` (end inclusive) joined by `&`.
fn extract(
    event: &mut Event,
    regex: &SplRegex,
    max_match: usize,
    offset_field: Option<&str>,
    texts: &[String],
) {
    // Named groups with their indexes, in pattern order.
    let names: Vec<(usize, &str)> = regex
        .capture_names()
        .iter()
        .enumerate()
        .filter_map(|(i, n)| n.as_deref().map(|n| (i, n)))
        .collect();
    let mut values: Vec<Vec<String>> = vec![Vec::new(); names.len()];
    let mut offsets = Vec::new();
    let mut matches = 0usize;
    'texts: for text in texts {
        for caps in regex.captures_iter(text) {
            if max_match > 0 && matches >= max_match {
                break 'texts;
            }
            matches += 1;
            for (slot, (group, name)) in names.iter().enumerate() {
                if let Some((start, end)) = caps.range(*group) {
                    values[slot].push(text[start..end].to_string());
                    if end > start {
                        offsets.push(format!("{name}={start}-{}", end - 1));
                    }
                }
            }
        }
    }
    for ((_, name), vals) in names.iter().zip(values) {
        let vals: Vec<String> = vals.into_iter().filter(|v| !v.is_empty()).collect();
        if let Some(v) = Value::from_list(vals) {
            event.set(name.to_string(), v);
        }
    }
    if let (Some(f), false) = (offset_field, offsets.is_empty()) {
        event.set(f.to_string(), Value::Str(offsets.join("&")));
    }
}

/// The registry entries of `rex`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "rex",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sed_pieces() {
        assert_eq!(split_sed(r"a\/b/c/g", '/'), vec!["a/b", "c", "g"]);
    }
}
