//! `analyzefields` (`af`): how well each numeric field predicts a class
//! field.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/analyzefields>:
//! `analyzefields classfield=<field>`. A reporting command: it consumes the
//! results and gives one row per numeric field with five columns, `field`,
//! `count` ("the number of occurrences of the field"), `cocur` ("in the
//! results where classfield is present, ... the ratio of results in which
//! field is also present"), `acc` (the ratio of accurate predictions of the
//! class from the field's value) and `balacc` (the balanced accuracy: the
//! unweighted mean of the accuracies for each class value). "For each
//! event, if the conditional distribution of the numeric field with the
//! highest z-probability ... matches the actual class, the event is counted
//! as accurate."
//!
//! The page gives no formula; spelunk's (docs/semantics.md): per class
//! value, the field's mean and sample standard deviation over the results
//! of that class; a value's z-probability under a class is the two-sided
//! normal tail `erfc(|x - mean| / (stdev * sqrt 2))` (with a zero or
//! undefined deviation: 1 at the mean, else 0); the predicted class is the
//! one with the highest, the first in class-value order on a tie. `acc` is
//! over the results holding both fields. A numeric field is one, other than
//! the class field and internal `_` fields, whose every value is a number;
//! rows come in the order the fields first appear. A multivalue class or
//! field value is read as its first value.

use std::collections::BTreeMap;

use crate::commands::common::{at_option, bad, collect, option, unknown_option};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

const C: &str = "analyzefields";

/// `analyzefields classfield=<field>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Analyzefields {
    /// The class field.
    pub classfield: String,
}

/// Parses `analyzefields classfield=<field>`.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let mut classfield = None;
    while !p.at_command_end() {
        if !at_option(p) {
            return Err(p.expected("`classfield=<field>`"));
        }
        let (key, value, span) = option(p)?;
        match key.as_str() {
            "classfield" => classfield = Some(value),
            _ => return Err(unknown_option(C, &key, span)),
        }
    }
    let Some(classfield) = classfield else {
        return Err(bad(
            C,
            "needs `classfield=<field>`: the field whose values the numeric fields predict",
            name_span,
        ));
    };
    Ok(CommandArgs::Analyzefields(Analyzefields { classfield }))
}

/// One value's first text.
fn first_text(v: &Value) -> String {
    v.texts().first().map(|t| t.to_string()).unwrap_or_default()
}

/// Mean and sample standard deviation (None with fewer than two values).
fn mean_stdev(xs: &[f64]) -> (f64, Option<f64>) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    if xs.len() < 2 {
        return (mean, None);
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, Some(var.sqrt()))
}

/// The z-probability of `x` under a class's (mean, stdev).
fn z_probability(x: f64, mean: f64, stdev: Option<f64>) -> f64 {
    match stdev {
        Some(s) if s > 0.0 => crate::commands::anomalydetection::erfc(
            (x - mean).abs() / (s * std::f64::consts::SQRT_2),
        ),
        _ if x == mean => 1.0,
        _ => 0.0,
    }
}

impl super::Command for Analyzefields {
    /// Consumes the results and gives one row per numeric field.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        let rows = collect(input)?;
        // Candidate fields in first-seen order, dropped when a value is not
        // a number.
        let mut fields: Vec<String> = Vec::new();
        let mut not_numeric: std::collections::HashSet<String> = Default::default();
        for row in &rows {
            for (name, value) in row.iter() {
                if name.starts_with('_') || name == self.classfield {
                    continue;
                }
                if !fields.iter().any(|f| f == name) {
                    fields.push(name.to_string());
                }
                if value
                    .texts()
                    .iter()
                    .any(|t| crate::value::parse_number(t).is_none())
                {
                    not_numeric.insert(name.to_string());
                }
            }
        }
        let with_class = rows.iter().filter(|r| r.contains(&self.classfield)).count();
        let mut out = Vec::new();
        for field in fields.into_iter().filter(|f| !not_numeric.contains(f)) {
            let count = rows.iter().filter(|r| r.contains(&field)).count();
            // (class, value) of each result holding both fields.
            let pairs: Vec<(String, f64)> = rows
                .iter()
                .filter_map(|r| {
                    let class = first_text(r.get(&self.classfield)?);
                    let x = crate::value::parse_number(&first_text(r.get(&field)?))?;
                    Some((class, x))
                })
                .collect();
            let mut by_class: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
            for (class, x) in &pairs {
                by_class.entry(class.as_str()).or_default().push(*x);
            }
            let stats: Vec<(&str, f64, Option<f64>)> = by_class
                .iter()
                .map(|(c, xs)| {
                    let (m, s) = mean_stdev(xs);
                    (*c, m, s)
                })
                .collect();
            let mut right: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
            let mut correct = 0usize;
            for (class, x) in &pairs {
                let mut best: Option<(&str, f64)> = None;
                for (c, m, s) in &stats {
                    let p = z_probability(*x, *m, *s);
                    if best.is_none_or(|(_, bp)| p > bp) {
                        best = Some((c, p));
                    }
                }
                let hit = best.is_some_and(|(c, _)| c == class);
                let entry = right.entry(class.as_str()).or_default();
                entry.1 += 1;
                if hit {
                    entry.0 += 1;
                    correct += 1;
                }
            }
            let mut row = Event::new();
            row.set("field", Value::Str(field.clone()));
            row.set("count", Value::Num(count as f64));
            let cocur = if with_class == 0 {
                0.0
            } else {
                pairs.len() as f64 / with_class as f64
            };
            row.set("cocur", Value::Num(cocur));
            if !pairs.is_empty() {
                row.set("acc", Value::Num(correct as f64 / pairs.len() as f64));
                let balacc = right
                    .values()
                    .map(|(hit, all)| *hit as f64 / *all as f64)
                    .sum::<f64>()
                    / right.len() as f64;
                row.set("balacc", Value::Num(balacc));
            }
            out.push(row);
        }
        Ok(Box::new(out.into_iter().map(Ok)))
    }
}

/// The registry entries of `analyzefields`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "analyzefields",
        aliases: &["af"],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn z_probability_edges() {
        assert_eq!(z_probability(5.0, 5.0, None), 1.0);
        assert_eq!(z_probability(4.0, 5.0, Some(0.0)), 0.0);
        assert!((z_probability(5.0, 5.0, Some(2.0)) - 1.0).abs() < 1e-6);
        assert!(z_probability(1.0, 5.0, Some(1.0)) < 0.001);
    }
}
