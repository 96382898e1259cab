//! `erex`: learns a regular expression from example values and extracts
//! the field with it.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/erex>:
//! `erex [<field>] examples=<string> [counterexamples=<string>]
//! [fromfield=<field>] [maxtrainers=<integer>]`; examples and
//! counterexamples are comma-separated; `fromfield` defaults to `_raw`; the
//! extracted values go to `<field>` and the generated regular expression
//! is reported (Splunk Web shows it as a job message) for use with `rex`.
//!
//! Splunk does not document how it learns the expression, so spelunk's is
//! its own (stated in the reference list and docs/semantics.md): the
//! trainers are the first `maxtrainers` results whose `fromfield` holds an
//! example; the value pattern generalises the examples run by run (digits
//! `\d+`, letters `[A-Za-z]+`, equal runs kept literally) when they share a
//! shape, else it lists them; the text every trainer has right before and
//! after its example (up to 16 characters) anchors it. If that expression
//! misses an example in a trainer or extracts a counterexample, the value
//! pattern falls back to the examples themselves. The expression is given
//! as a notice, and each result gets the first match.

use crate::commands::common::{at_option, bad, collect, count_opt, option, unknown_option};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::exec::{Context, Rows};
use crate::regex_compat::{compile, SplRegex};
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

const C: &str = "erex";

/// The page's default number of trainers.
const DEFAULT_MAXTRAINERS: usize = 100;

/// The most context characters kept on each side of an example.
const MAX_CONTEXT: usize = 16;

/// `erex port examples="port 3351, port 3768"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Erex {
    /// The field that receives the extracted values (none: only report).
    pub field: Option<String>,
    /// Values to extract.
    pub examples: Vec<String>,
    /// Values not to extract.
    pub counterexamples: Vec<String>,
    /// The field read.
    pub fromfield: String,
    /// How many results are learned from.
    pub maxtrainers: usize,
    /// The command, for errors.
    pub span: Span,
}

/// Parses `erex`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let mut field = None;
    let mut examples = None;
    let mut counterexamples = Vec::new();
    let mut fromfield = "_raw".to_string();
    let mut maxtrainers = DEFAULT_MAXTRAINERS;
    while !p.at_command_end() {
        if at_option(p) {
            let (key, value, span) = option(p)?;
            match key.as_str() {
                "examples" => examples = Some(list(&value)),
                "counterexamples" => counterexamples = list(&value),
                "fromfield" => fromfield = value,
                "maxtrainers" => {
                    maxtrainers = count_opt(C, &key, &value, span)?;
                    if !(1..=1000).contains(&maxtrainers) {
                        return Err(bad(
                            C,
                            format!("`maxtrainers` must be between 1 and 1000, found `{value}`"),
                            span,
                        ));
                    }
                }
                _ => return Err(unknown_option(C, &key, span)),
            }
        } else if field.is_none() {
            field = Some(p.field_name("a field name for the extracted values")?.0);
        } else {
            return Err(p.expected("an option such as `examples=`"));
        }
    }
    let span = name_span.to(p.last_span());
    let examples = examples
        .filter(|e| !e.is_empty())
        .ok_or_else(|| bad(C, "`examples=` is required (a comma-separated list)", span))?;
    Ok(CommandArgs::Erex(Erex {
        field,
        examples,
        counterexamples,
        fromfield,
        maxtrainers,
        span,
    }))
}

/// A comma-separated list, each value trimmed, empty ones left out.
fn list(text: &str) -> Vec<String> {
    text.split(',')
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect()
}

impl Erex {
    /// The expression, with the value in the group named after the field
    /// (`extraction` without one), or None when no result holds an example.
    fn learn(&self, texts: &[Vec<String>]) -> Option<String> {
        let occurrences = self.occurrences(texts);
        if occurrences.is_empty() {
            return None;
        }
        let before = common_suffix(occurrences.iter().map(|(b, _)| b.as_str()));
        let after = common_prefix(occurrences.iter().map(|(_, a)| a.as_str()));
        let group = self.field.as_deref().unwrap_or("extraction");
        let group = if is_group_name(group) {
            group.to_string()
        } else {
            "extraction".to_string()
        };
        let build = |value: &str| {
            format!(
                "{}(?P<{group}>{value}){}",
                regex::escape(&before),
                regex::escape(&after)
            )
        };
        let general = build(&value_pattern(&self.examples));
        if self.extracts_well(&general, texts) {
            return Some(general);
        }
        let listed = self
            .examples
            .iter()
            .map(|e| regex::escape(e))
            .collect::<Vec<_>>()
            .join("|");
        Some(build(&format!("(?:{listed})")))
    }

    /// The text before and after each example in the trainers.
    fn occurrences(&self, texts: &[Vec<String>]) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let trainers = texts
            .iter()
            .filter(|t| {
                t.iter()
                    .any(|t| self.examples.iter().any(|e| t.contains(e.as_str())))
            })
            .take(self.maxtrainers);
        for values in trainers {
            for text in values {
                for example in &self.examples {
                    if let Some(at) = text.find(example.as_str()) {
                        let before = &text[..at];
                        let after = &text[at + example.len()..];
                        out.push((tail(before, MAX_CONTEXT), head(after, MAX_CONTEXT)));
                    }
                }
            }
        }
        out
    }

    /// Whether `pattern` gives an example in every trainer and no
    /// counterexample anywhere.
    fn extracts_well(&self, pattern: &str, texts: &[Vec<String>]) -> bool {
        let Ok(regex) = compile(pattern, false) else {
            return false;
        };
        let mut trainers = 0;
        for values in texts {
            let holds_example = values
                .iter()
                .any(|t| self.examples.iter().any(|e| t.contains(e.as_str())));
            if self.extracts_counterexample(&regex, values) {
                return false;
            }
            let got = first_match(&regex, values);
            if holds_example && trainers < self.maxtrainers {
                trainers += 1;
                if !got.is_some_and(|v| self.examples.contains(&v)) {
                    return false;
                }
            }
        }
        true
    }
}

impl super::Command for Erex {
    /// Learns the expression over all results, reports it, and extracts.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let mut rows = collect(input)?;
        let texts: Vec<Vec<String>> = rows
            .iter()
            .map(|e| {
                e.get(&self.fromfield)
                    .map(|v| v.texts().iter().map(|t| t.to_string()).collect())
                    .unwrap_or_default()
            })
            .collect();
        let Some(pattern) = self.learn(&texts) else {
            ctx.notices.borrow_mut().push(format!(
                "erex: no `{}` value holds one of the examples, so no regular expression was learned",
                self.fromfield
            ));
            return Ok(Box::new(rows.into_iter().map(Ok)));
        };
        ctx.notices.borrow_mut().push(format!(
            "erex: the regular expression learned from the examples is: {pattern} (use it as `| rex field={} \"{}\"`)",
            self.fromfield,
            pattern.replace('\\', "\\\\").replace('"', "\\\"")
        ));
        if let (Some(field), Ok(regex)) = (&self.field, compile(&pattern, false)) {
            for (row, texts) in rows.iter_mut().zip(&texts) {
                if let Some(value) = first_match(&regex, texts) {
                    row.set(field.as_str(), Value::Str(value));
                }
            }
        }
        Ok(Box::new(rows.into_iter().map(Ok)))
    }
}

impl Erex {
    /// Whether the expression's value overlaps a counterexample where one
    /// occurs in the text (extracting `svc` from `svc_backup` counts).
    fn extracts_counterexample(&self, regex: &SplRegex, texts: &[String]) -> bool {
        texts.iter().any(|text| {
            let Some((start, end)) = regex.captures(text).and_then(|c| c.range(1)) else {
                return false;
            };
            self.counterexamples.iter().any(|c| {
                text.match_indices(c.as_str())
                    .any(|(at, m)| start < at + m.len() && at < end.max(start + 1))
            })
        })
    }
}

/// The first value the expression's first group extracts.
fn first_match(regex: &SplRegex, texts: &[String]) -> Option<String> {
    texts
        .iter()
        .find_map(|t| regex.captures(t).and_then(|c| c.get(1).map(str::to_string)))
}

fn is_group_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The last `n` characters of `text`.
fn tail(text: &str, n: usize) -> String {
    let skip = text.chars().count().saturating_sub(n);
    text.chars().skip(skip).collect()
}

/// The first `n` characters of `text`.
fn head(text: &str, n: usize) -> String {
    text.chars().take(n).collect()
}

/// The longest text every item ends with.
fn common_suffix<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let reversed: Vec<String> = items.map(|s| s.chars().rev().collect()).collect();
    let prefix = common_prefix(reversed.iter().map(String::as_str));
    prefix.chars().rev().collect()
}

/// The longest text every item starts with.
fn common_prefix<'a>(mut items: impl Iterator<Item = &'a str>) -> String {
    let Some(first) = items.next() else {
        return String::new();
    };
    let mut len = first.chars().count();
    for item in items {
        len = first
            .chars()
            .zip(item.chars())
            .take(len)
            .take_while(|(a, b)| a == b)
            .count();
    }
    first.chars().take(len).collect()
}

/// A character run's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Run {
    Digits,
    Letters,
    Other,
}

fn kind(c: char) -> Run {
    if c.is_ascii_digit() {
        Run::Digits
    } else if c.is_alphabetic() {
        Run::Letters
    } else {
        Run::Other
    }
}

/// Runs of digits, of letters, and single other characters.
fn runs(text: &str) -> Vec<(Run, String)> {
    let mut out: Vec<(Run, String)> = Vec::new();
    for c in text.chars() {
        let k = kind(c);
        match out.last_mut() {
            Some((last, run)) if *last == k && k != Run::Other => run.push(c),
            _ => out.push((k, c.to_string())),
        }
    }
    out
}

/// The examples generalised run by run when they share a shape (same run
/// kinds and the same other characters); else None.
fn generalise(examples: &[String]) -> Option<String> {
    let shapes: Vec<Vec<(Run, String)>> = examples.iter().map(|e| runs(e)).collect();
    let first = shapes.first()?;
    if shapes.iter().any(|s| s.len() != first.len()) {
        return None;
    }
    let mut out = String::new();
    for (i, (k, text)) in first.iter().enumerate() {
        let column: Vec<&(Run, String)> = shapes.iter().map(|s| &s[i]).collect();
        if column.iter().any(|(other, _)| other != k) {
            return None;
        }
        if column.iter().all(|(_, t)| t == text) {
            out.push_str(&regex::escape(text));
            continue;
        }
        match k {
            Run::Digits => out.push_str("\\d+"),
            Run::Letters => out.push_str("[A-Za-z]+"),
            Run::Other => return None,
        }
    }
    Some(out)
}

/// The value pattern: the generalised shape, or the examples listed.
fn value_pattern(examples: &[String]) -> String {
    generalise(examples).unwrap_or_else(|| {
        let listed: Vec<String> = examples.iter().map(|e| regex::escape(e)).collect();
        format!("(?:{})", listed.join("|"))
    })
}

/// The registry entries of `erex`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "erex",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_of_one_shape_generalise_run_by_run() {
        let ex = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(value_pattern(&ex(&["port 3351", "port 3768"])), "port \\d+");
        assert_eq!(value_pattern(&ex(&["7/01", "07/01"])), "\\d+/01");
        assert_eq!(value_pattern(&ex(&["a-1", "b_2"])), "(?:a\\-1|b_2)");
    }

    #[test]
    fn context_is_the_common_text_around_the_examples() {
        assert_eq!(common_suffix(["user=bob ", "x user="].into_iter()), "");
        assert_eq!(common_suffix(["a user=", "bb user="].into_iter()), " user=");
        assert_eq!(common_prefix([" ok", " okay"].into_iter()), " ok");
    }
}
