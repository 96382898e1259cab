//! `abstract`: replaces each result's `_raw` with a summary of it.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/10.0/search-commands/abstract>:
//! `abstract [maxterms=<int>] [maxlines=<int>]`: maxterms 1 to 1000
//! (default 1000), maxlines 1 to 500 (default 10). "The original text is
//! replaced by the summary." Lines "with more textual terms and more terms
//! on adjacent lines are preferred"; "when there are gaps between the
//! selected lines, lines are prefixed with an ellipsis (...)"; a text of at
//! most `maxlines` lines keeps all its lines. The page's maxterms example
//! shows what a term is: each run of letters and digits is one term and
//! every other character (a space, `.`, `[`) one term of its own;
//! `maxterms=20` cuts `91.205.189.15 - - [04/Jan/2023:18:22:16] ...` to
//! `91.205.189.15 - - [04/Jan/2023:18`.
//!
//! Splunk's scoring is not documented further (its search-term matching
//! has no counterpart in a results pipeline). spelunk scores a line by its
//! own terms plus half the terms of each neighbouring line, keeps the
//! `maxlines` best (the earlier line on a tie) in their original order,
//! prefixes `...` to a kept line whose previous line was left out, joins
//! them with newlines and then cuts the text after `maxterms` terms
//! (docs/semantics.md#other-commands).

use crate::commands::common::{at_option, bad, count_opt, option, unknown_option};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

const C: &str = "abstract";

/// `abstract maxlines=5`.
#[derive(Debug, Clone, PartialEq)]
pub struct Abstract {
    /// Most terms kept (1 to 1000).
    pub maxterms: usize,
    /// Most lines kept (1 to 500).
    pub maxlines: usize,
}

/// Parses `abstract`'s options.
pub fn parse(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    let mut out = Abstract {
        maxterms: 1000,
        maxlines: 10,
    };
    while at_option(p) {
        let (key, value, span) = option(p)?;
        let (slot, max) = match key.as_str() {
            "maxterms" => (&mut out.maxterms, 1000),
            "maxlines" => (&mut out.maxlines, 500),
            _ => return Err(unknown_option(C, &key, span)),
        };
        let n = count_opt(C, &key, &value, span)?;
        if !(1..=max).contains(&n) {
            return Err(bad(
                C,
                format!("`{key}` must be from 1 to {max}, found `{value}`"),
                span,
            ));
        }
        *slot = n;
    }
    if !p.at_command_end() {
        return Err(p.expected("`maxterms=`, `maxlines=` or the end of `abstract`"));
    }
    Ok(CommandArgs::Abstract(out))
}

impl Abstract {
    /// The summary of one text.
    pub fn summarize(&self, text: &str) -> String {
        let lines: Vec<&str> = text.split('\n').collect();
        let joined = if lines.len() <= self.maxlines {
            text.to_string()
        } else {
            let terms: Vec<usize> = lines.iter().map(|l| term_ends(l).len()).collect();
            // Twice the score, to stay in whole numbers.
            let score = |i: usize| {
                let before = if i > 0 { terms[i - 1] } else { 0 };
                let after = terms.get(i + 1).copied().unwrap_or(0);
                2 * terms[i] + before + after
            };
            let mut order: Vec<usize> = (0..lines.len()).collect();
            order.sort_by(|&x, &y| score(y).cmp(&score(x)).then(x.cmp(&y)));
            let mut kept: Vec<usize> = order.into_iter().take(self.maxlines).collect();
            kept.sort_unstable();
            let mut out: Vec<String> = Vec::with_capacity(kept.len());
            let mut previous: Option<usize> = None;
            for i in kept {
                let gap = match previous {
                    Some(p) => i > p + 1,
                    None => i > 0,
                };
                out.push(if gap {
                    format!("...{}", lines[i])
                } else {
                    lines[i].to_string()
                });
                previous = Some(i);
            }
            out.join("\n")
        };
        let ends = term_ends(&joined);
        match ends.get(self.maxterms.wrapping_sub(1)) {
            Some(&end) if ends.len() > self.maxterms => joined[..end].to_string(),
            _ => joined,
        }
    }
}

impl super::Command for Abstract {
    /// Summarizes each result's `_raw`.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        Ok(Box::new(input.map(move |row| {
            let mut row = row?;
            if let Some(raw) = row.get("_raw") {
                let summary = self.summarize(&raw.to_text());
                row.set("_raw", Value::Str(summary));
            }
            Ok(row)
        })))
    }
}

/// The byte offset where each term of `text` ends: a run of letters and
/// digits is one term, any other character one term.
fn term_ends(text: &str) -> Vec<usize> {
    let mut ends = Vec::new();
    let mut in_word = false;
    for (i, c) in text.char_indices() {
        if c.is_alphanumeric() {
            in_word = true;
            continue;
        }
        if in_word {
            ends.push(i);
            in_word = false;
        }
        ends.push(i + c.len_utf8());
    }
    if in_word {
        ends.push(text.len());
    }
    ends
}

/// The registry entries of `abstract`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "abstract",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_as_the_page_counts_them() {
        let a = Abstract {
            maxterms: 20,
            maxlines: 10,
        };
        assert_eq!(
            a.summarize("91.205.189.15 - - [04/Jan/2023:18:22:16] \"GET /oldlink"),
            "91.205.189.15 - - [04/Jan/2023:18"
        );
        assert_eq!(term_ends("ab c"), vec![2, 3, 4]);
    }
}
