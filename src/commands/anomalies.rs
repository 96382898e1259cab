//! `anomalies`: an unexpectedness score per event, from how much the event
//! changes the similarity of the events before it.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/anomalies>:
//! `anomalies [threshold=<num>] [labelonly=<bool>] [normalize=<bool>]
//! [maxvalues=<num>] [field=<field>] [denylist=<filename>]
//! [denylistthreshold=<num>] [by-clause]`. Each event X gets
//! `unexpectedness = [s(P and X) - s(P)] / [s(P) + s(X)]`, P the previous
//! `maxvalues` events (default 100, 10 to 10000) of its `by` group and
//! s() "a metric of how similar or uniform the data is"; an event is
//! anomalous when its score is above `threshold` (default 0.01), and
//! without `labelonly=true` the others are removed. `normalize` (default
//! true) makes all digits alike; `field` (default `_raw`) is what is
//! compared; an event similar to one of the `denylist` events scores 0.
//!
//! spelunk's s(), which the page does not give (docs/semantics.md#other-commands):
//! the size in bytes of the text DEFLATE-compressed (RFC 1951, best
//! compression), s of nothing being 0, P being the window's texts joined
//! by newlines, oldest first, in the order the events arrive. The score
//! is rounded to 6 decimals, and below 0 (compression noise) is 0. So the first event of a group scores 1, a
//! repeat of recent events scores near 0. The denylist is a CSV file of
//! the lookup folders (Splunk's is in var/run/splunk/csv); each row's
//! `_raw` (else its first column) is one denylisted event, and an event
//! scores 0 when, against one of them alone (as P), it adds at most
//! `denylistthreshold` (default 0.05) of s(P) + s(X) beyond what an exact
//! repeat of itself adds (so a copy of a denylisted event always matches). The older option names
//! `blacklist`/`blacklistthreshold` are taken too.

use std::collections::{HashMap, VecDeque};
use std::io::Write;

use crate::commands::common::{
    at_option, bad, bool_opt, count_opt, number_opt, option, unknown_option,
};
use crate::commands::CommandArgs;
use crate::error::{Error, Result};
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

const C: &str = "anomalies";

/// `anomalies threshold=0.03 labelonly=true by group`.
#[derive(Debug, Clone, PartialEq)]
pub struct Anomalies {
    /// `threshold`.
    pub threshold: f64,
    /// `labelonly`.
    pub labelonly: bool,
    /// `normalize`.
    pub normalize: bool,
    /// `maxvalues`.
    pub maxvalues: usize,
    /// `field`.
    pub field: String,
    /// `denylist`: a CSV file name.
    pub denylist: Option<String>,
    /// `denylistthreshold`.
    pub denylist_threshold: f64,
    /// `by` fields.
    pub by: Vec<String>,
    /// The command, for errors.
    pub span: Span,
}

/// Parses `anomalies`' arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let mut out = Anomalies {
        threshold: 0.01,
        labelonly: false,
        normalize: true,
        maxvalues: 100,
        field: "_raw".to_string(),
        denylist: None,
        denylist_threshold: 0.05,
        by: Vec::new(),
        span: name_span,
    };
    while at_option(p) {
        let (key, value, span) = option(p)?;
        match key.as_str() {
            "threshold" => out.threshold = number_opt(C, &key, &value, span)?,
            "labelonly" => out.labelonly = bool_opt(C, &key, &value, span)?,
            "normalize" => out.normalize = bool_opt(C, &key, &value, span)?,
            "maxvalues" => {
                out.maxvalues = count_opt(C, &key, &value, span)?;
                if !(10..=10000).contains(&out.maxvalues) {
                    return Err(bad(
                        C,
                        format!("`maxvalues` must be between 10 and 10000, found `{value}`"),
                        span,
                    ));
                }
            }
            "field" => out.field = value,
            "denylist" | "blacklist" => out.denylist = Some(value),
            "denylistthreshold" | "blacklistthreshold" => {
                out.denylist_threshold = number_opt(C, &key, &value, span)?
            }
            _ => return Err(unknown_option(C, &key, span)),
        }
    }
    if p.at_keyword("by") {
        p.word("`by`")?;
        out.by = crate::commands::field_list(p, &[])?
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        if out.by.is_empty() {
            return Err(p.expected("a field after `by`"));
        }
    }
    if !p.at_command_end() {
        return Err(p.expected("an `anomalies` option, `by <fields>` or the end of `anomalies`"));
    }
    out.span = name_span.to(p.last_span());
    Ok(CommandArgs::Anomalies(out))
}

/// s(): the DEFLATE-compressed size of `text` (0 for no text).
fn size(text: &str) -> f64 {
    if text.is_empty() {
        return 0.0;
    }
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing to a Vec cannot fail; a failure would only make the size 0.
    if enc.write_all(text.as_bytes()).is_err() {
        return 0.0;
    }
    enc.finish().map(|v| v.len() as f64).unwrap_or(0.0)
}

/// The score of `x` after the window `p` (joined texts).
fn unexpectedness(p: &str, x: &str) -> f64 {
    let sp = size(p);
    let sx = size(x);
    if sp + sx == 0.0 {
        return 0.0;
    }
    let joined = if p.is_empty() {
        x.to_string()
    } else {
        format!("{p}\n{x}")
    };
    // Compression can make the joined text a byte or two smaller than P
    // alone: such an event adds nothing, and scores 0.
    let score = ((size(&joined) - sp) / (sp + sx)).max(0.0);
    (score * 1e6).round() / 1e6
}

/// How unlike the denylisted event `d` the event `x` is: the formula with
/// P = `d`, less what an exact repeat of `x` costs compressed (so `x`
/// equal to `d` scores 0 however short it is).
fn unlike(d: &str, x: &str) -> f64 {
    let sd = size(d);
    let sx = size(x);
    if sd + sx == 0.0 {
        return 0.0;
    }
    let repeat = size(&format!("{x}\n{x}")) - sx;
    ((size(&format!("{d}\n{x}")) - sd - repeat) / (sd + sx)).max(0.0)
}

fn normalized(text: &str, normalize: bool) -> String {
    if normalize {
        text.chars()
            .map(|c| if c.is_ascii_digit() { '0' } else { c })
            .collect()
    } else {
        text.to_string()
    }
}

impl super::Command for Anomalies {
    /// Scores each event; keeps the anomalous ones unless `labelonly`.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let deny: Vec<String> = match &self.denylist {
            None => Vec::new(),
            Some(name) => {
                let file = if name.to_ascii_lowercase().ends_with(".csv") {
                    name.clone()
                } else {
                    format!("{name}.csv")
                };
                let table = ctx
                    .lookups
                    .csv_file(&file)
                    .ok_or_else(|| Error::Runtime {
                        message: format!(
                            "anomalies: denylist `{file}` is not in the lookup folders (give it with -l)"
                        ),
                        span: Some(self.span),
                    })?
                    .map_err(|m| Error::Runtime {
                        message: format!("anomalies: denylist: {m}"),
                        span: Some(self.span),
                    })?;
                let col = table.columns.iter().position(|c| c == "_raw").unwrap_or(0);
                table
                    .rows
                    .iter()
                    .filter_map(|r| r.get(col).cloned().flatten())
                    .map(|t| normalized(&t, self.normalize))
                    .collect()
            }
        };
        let mut windows: HashMap<Vec<String>, VecDeque<String>> = HashMap::new();
        let mut out = Vec::new();
        for row in input {
            let mut row = row?;
            let key: Vec<String> = self
                .by
                .iter()
                .map(|f| {
                    row.get(f)
                        .map(|v| v.to_text().into_owned())
                        .unwrap_or_default()
                })
                .collect();
            if !self.by.is_empty() && self.by.iter().any(|f| row.get(f).is_none()) {
                // An event without a `by` field is in no group.
                out.push(row);
                continue;
            }
            let text = row
                .get(&self.field)
                .map(|v| normalized(&v.texts().join("\n"), self.normalize))
                .unwrap_or_default();
            let window = windows.entry(key).or_default();
            let previous: Vec<&str> = window.iter().map(String::as_str).collect();
            let mut score = unexpectedness(&previous.join("\n"), &text);
            if deny
                .iter()
                .any(|d| unlike(d, &text) <= self.denylist_threshold)
            {
                score = 0.0;
            }
            window.push_back(text);
            if window.len() > self.maxvalues {
                window.pop_front();
            }
            row.set("unexpectedness", Value::Num(score));
            if self.labelonly || score > self.threshold {
                out.push(row);
            }
        }
        Ok(Box::new(out.into_iter().map(Ok)))
    }
}

/// The registry entries of `anomalies`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "anomalies",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_score_low_and_novelty_high() {
        let p = "GET /index.html 200\nGET /index.html 200\nGET /index.html 200";
        let same = unexpectedness(p, "GET /index.html 200");
        let other = unexpectedness(p, "kernel panic: unable to mount root fs on unknown-block");
        assert!(same < other, "{same} {other}");
        assert_eq!(unexpectedness("", "abc"), 1.0);
        assert_eq!(unexpectedness("", ""), 0.0);
    }
}
