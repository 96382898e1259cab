//! `cluster`: groups results whose text is alike.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/cluster>:
//! `cluster [t=<num>] [delims=<string>] [showcount=<bool>]
//! [countfield=<field>] [labelfield=<field>] [field=<field>]
//! [labelonly=<bool>] [match=termlist|termset|ngramset]`; `field` default
//! `_raw`; `t` "greater than 0.0 and less than 1.0", default 0.8, "the
//! closer the threshold is to 1, the more similar events have to be";
//! `delims` default "everything except 0-9, A-Z, a-z, and '_'"; the
//! default method breaks "the events into terms (match=termlist) and
//! compute[s] the vector between events"; termlist "requires the exact
//! same ordering of terms", termset "allows for an unordered set of
//! terms", ngramset "compares sets of trigram (3-character substrings)";
//! `cluster_count` (countfield) is the cluster's size, added only with
//! `showcount=true` (default false); `cluster_label` (labelfield) numbers
//! the clusters from 1; `labelonly=true` keeps every event and annotates
//! it, `labelonly=false` (default) outputs one event per cluster.
//!
//! The page documents the similarity only loosely; spelunk's rule: a
//! result's features are its terms at their positions (termlist), its
//! distinct terms (termset) or its distinct character trigrams (ngramset);
//! two results' similarity is the cosine of their feature vectors. Results
//! are taken in order; each joins the first cluster whose first result is
//! at least `t` similar, or starts a new one, so labels follow first
//! appearance. With `labelonly=false` each cluster is shown by its first
//! result. A result without the field has no terms and clusters with the
//! other empty ones.

use std::collections::{HashMap, HashSet};

use crate::commands::common::{at_option, bad, bool_opt, collect, number_opt, option};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

/// How results are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// Terms in order.
    Termlist,
    /// Terms as a set.
    Termset,
    /// Character trigrams as a set.
    Ngramset,
}

/// `cluster t=0.9 showcount=true`.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// Similarity threshold.
    pub t: f64,
    /// Delimiter characters (`None`: every character but `[0-9A-Za-z_]`).
    pub delims: Option<String>,
    /// Whether the cluster size is written.
    pub showcount: bool,
    /// The size's field.
    pub countfield: String,
    /// The label's field.
    pub labelfield: String,
    /// The field compared.
    pub field: String,
    /// Keep and annotate every result.
    pub labelonly: bool,
    /// The comparison.
    pub matching: Match,
}

/// Parses `cluster`'s arguments.
pub fn parse(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    let c = "cluster";
    let mut out = Cluster {
        t: 0.8,
        delims: None,
        showcount: false,
        countfield: "cluster_count".into(),
        labelfield: "cluster_label".into(),
        field: "_raw".into(),
        labelonly: false,
        matching: Match::Termlist,
    };
    while !p.at_command_end() {
        if !at_option(p) {
            return Err(p.expected("a `cluster` option such as `t=0.8` or `showcount=true`"));
        }
        let (key, value, span) = option(p)?;
        match key.as_str() {
            "t" => {
                let t = number_opt(c, &key, &value, span)?;
                if !(t > 0.0 && t < 1.0) {
                    return Err(bad(
                        c,
                        format!("`t` must be greater than 0 and less than 1, found `{value}`"),
                        span,
                    ));
                }
                out.t = t;
            }
            "delims" => out.delims = Some(value),
            "showcount" => out.showcount = bool_opt(c, &key, &value, span)?,
            "countfield" => out.countfield = value,
            "labelfield" => out.labelfield = value,
            "field" => out.field = value,
            "labelonly" => out.labelonly = bool_opt(c, &key, &value, span)?,
            "match" => {
                out.matching = match value.to_ascii_lowercase().as_str() {
                    "termlist" => Match::Termlist,
                    "termset" => Match::Termset,
                    "ngramset" => Match::Ngramset,
                    _ => {
                        return Err(bad(
                            c,
                            format!(
                                "`match` must be termlist, termset or ngramset, found `{value}`"
                            ),
                            span,
                        ))
                    }
                }
            }
            _ => return Err(crate::commands::common::unknown_option(c, &key, span)),
        }
    }
    Ok(CommandArgs::Cluster(out))
}

/// A sparse feature vector and its squared norm (kept squared so that
/// equal-length vectors compare exactly: `4 / sqrt(5 * 5)` is 0.8).
struct Features {
    counts: HashMap<String, f64>,
    norm_sq: f64,
}

impl Features {
    fn new(keys: impl IntoIterator<Item = String>) -> Features {
        let mut counts: HashMap<String, f64> = HashMap::new();
        for k in keys {
            *counts.entry(k).or_default() += 1.0;
        }
        let norm_sq = counts.values().map(|v| v * v).sum::<f64>();
        Features { counts, norm_sq }
    }

    /// Cosine similarity; two empty vectors are alike.
    fn similarity(&self, other: &Features) -> f64 {
        if self.norm_sq == 0.0 || other.norm_sq == 0.0 {
            return if self.norm_sq == other.norm_sq {
                1.0
            } else {
                0.0
            };
        }
        let (small, large) = if self.counts.len() <= other.counts.len() {
            (self, other)
        } else {
            (other, self)
        };
        let dot: f64 = small
            .counts
            .iter()
            .filter_map(|(k, v)| large.counts.get(k).map(|w| v * w))
            .sum();
        dot / (self.norm_sq * other.norm_sq).sqrt()
    }
}

impl Cluster {
    /// Splits text into terms at the delimiters.
    fn terms<'t>(&self, text: &'t str) -> Vec<&'t str> {
        let is_delim = |ch: char| match &self.delims {
            Some(d) => d.contains(ch),
            None => !(ch.is_ascii_alphanumeric() || ch == '_'),
        };
        text.split(is_delim).filter(|t| !t.is_empty()).collect()
    }

    /// A result's features under the chosen comparison.
    fn features(&self, event: &Event) -> Features {
        let text = event
            .get(&self.field)
            .map(|v| v.to_text().into_owned())
            .unwrap_or_default();
        match self.matching {
            Match::Termlist => Features::new(
                self.terms(&text)
                    .into_iter()
                    .enumerate()
                    .map(|(i, t)| format!("{i}\u{0}{t}")),
            ),
            Match::Termset => {
                let set: HashSet<&str> = self.terms(&text).into_iter().collect();
                Features::new(set.into_iter().map(str::to_string))
            }
            Match::Ngramset => {
                let chars: Vec<char> = text.chars().collect();
                let set: HashSet<String> = chars.windows(3).map(|w| w.iter().collect()).collect();
                Features::new(set)
            }
        }
    }

    /// Each result's cluster index (0-based, in order of first appearance).
    fn assign(&self, rows: &[Event]) -> (Vec<usize>, usize) {
        let mut leaders: Vec<Features> = Vec::new();
        let mut labels = Vec::with_capacity(rows.len());
        for event in rows {
            let f = self.features(event);
            let found = leaders.iter().position(|l| l.similarity(&f) >= self.t);
            let label = match found {
                Some(i) => i,
                None => {
                    leaders.push(f);
                    leaders.len() - 1
                }
            };
            labels.push(label);
        }
        (labels, leaders.len())
    }
}

impl super::Command for Cluster {
    /// Clusters the results.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        let rows = collect(input)?;
        let (labels, clusters) = self.assign(&rows);
        let mut sizes = vec![0usize; clusters];
        for &l in &labels {
            sizes[l] += 1;
        }
        let mut out = Vec::new();
        let mut shown = vec![false; clusters];
        for (mut event, l) in rows.into_iter().zip(labels) {
            if !self.labelonly {
                if shown[l] {
                    continue;
                }
                shown[l] = true;
            }
            if self.showcount {
                event.set(self.countfield.clone(), Value::Num(sizes[l] as f64));
            }
            event.set(self.labelfield.clone(), Value::Num((l + 1) as f64));
            out.push(event);
        }
        Ok(Box::new(out.into_iter().map(Ok)))
    }
}

/// The registry entries of `cluster`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "cluster",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster(matching: Match, t: f64) -> Cluster {
        Cluster {
            t,
            delims: None,
            showcount: true,
            countfield: "cluster_count".into(),
            labelfield: "cluster_label".into(),
            field: "m".into(),
            labelonly: true,
            matching,
        }
    }

    fn rows(texts: &[&str]) -> Vec<Event> {
        texts
            .iter()
            .map(|t| {
                let mut e = Event::new();
                e.set("m", Value::from(*t));
                e
            })
            .collect()
    }

    #[test]
    fn termlist_cares_about_order_and_termset_does_not() {
        let r = rows(&["a b c d", "d c b a"]);
        assert_eq!(cluster(Match::Termlist, 0.5).assign(&r).1, 2);
        assert_eq!(cluster(Match::Termset, 0.5).assign(&r).1, 1);
    }

    #[test]
    fn threshold_splits_near_matches() {
        // 4 of 5 terms shared in place: cosine 0.8.
        let r = rows(&["user bob failed login from", "user amy failed login from"]);
        assert_eq!(cluster(Match::Termlist, 0.8).assign(&r).0, [0, 0]);
        assert_eq!(cluster(Match::Termlist, 0.81).assign(&r).0, [0, 1]);
    }

    #[test]
    fn default_delimiters_keep_underscores() {
        let c = cluster(Match::Termlist, 0.8);
        assert_eq!(c.terms("a_b=c, d"), ["a_b", "c", "d"]);
    }
}
