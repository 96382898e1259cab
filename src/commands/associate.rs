//! `associate`: field values that make another field predictable.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/associate>:
//! `associate [supcnt=<num>] [supfreq=<num>] [improv=<num>] [<field>...]`
//! (no wildcards; default all fields); Shannon entropy in bits (log base
//! 2); `supcnt` (default 100) is the least number of times the "reference
//! key=reference value" combination must appear, `supfreq` (default 0.1)
//! its least frequency as a fraction of all events, `improv` (default 0.5)
//! the least entropy improvement, "the difference between the
//! unconditional entropy (the entropy of the target key) and the
//! conditional entropy (the entropy of the target key, when the reference
//! key is the reference value)". Output columns: `Reference_Key`,
//! `Reference_Value`, `Target_Key`, `Unconditional_Entropy`,
//! `Conditional_Entropy`, `Entropy_Improvement`, `Description` (a summary
//! of the relationship) and `Support` (how often the reference key has the
//! reference value, relative to all events).
//!
//! Choices where the page is silent: the target's entropies are over the
//! results that hold the target field (each value of a multivalue field
//! counts); without a field list every field not starting with `_` is
//! analysed; rows come by decreasing improvement, then reference key,
//! value and target key; `Description` reads "When 'K' has the value 'V',
//! the entropy of 'T' decreases from U to C." with the entropies to three
//! decimals (spelunk's wording of the page's summary).

use std::collections::{BTreeMap, HashMap};

use crate::commands::common::{at_option, collect, count_opt, number_opt, option};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::Parser;
use crate::value::Value;

/// `associate supcnt=3 src dest`.
#[derive(Debug, Clone, PartialEq)]
pub struct Associate {
    /// Least count of a reference key=value.
    pub supcnt: usize,
    /// Least frequency of a reference key=value.
    pub supfreq: f64,
    /// Least entropy improvement.
    pub improv: f64,
    /// The fields (empty: all but internal ones).
    pub fields: Vec<String>,
}

/// Parses `associate`'s arguments.
pub fn parse(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    let c = "associate";
    let mut out = Associate {
        supcnt: 100,
        supfreq: 0.1,
        improv: 0.5,
        fields: Vec::new(),
    };
    while !p.at_command_end() {
        if at_option(p) {
            let (key, value, span) = option(p)?;
            match key.as_str() {
                "supcnt" => out.supcnt = count_opt(c, &key, &value, span)?,
                "supfreq" => out.supfreq = number_opt(c, &key, &value, span)?,
                "improv" => out.improv = number_opt(c, &key, &value, span)?,
                _ => return Err(crate::commands::common::unknown_option(c, &key, span)),
            }
            continue;
        }
        if p.eat(&Tok::Comma) {
            continue;
        }
        let (field, _) = crate::commands::common::field_without_wildcard(p, c)?;
        out.fields.push(field);
    }
    Ok(CommandArgs::Associate(out))
}

/// Shannon entropy in bits of value counts.
fn entropy<'a>(counts: impl IntoIterator<Item = &'a u64>) -> f64 {
    let counts: Vec<u64> = counts.into_iter().copied().collect();
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return 0.0;
    }
    let total = total as f64;
    // p * log2(1/p) rather than -(p * log2 p): a certain value gives +0,
    // not -0 (which would print as "-0.000").
    counts
        .iter()
        .filter(|&&n| n > 0)
        .map(|&n| {
            let p = n as f64 / total;
            p * (1.0 / p).log2()
        })
        .sum::<f64>()
}

/// A field's values in one result (each value of a multivalue field).
fn values(event: &Event, field: &str) -> Vec<String> {
    event
        .get(field)
        .map(|v| v.texts().into_iter().map(|t| t.into_owned()).collect())
        .unwrap_or_default()
}

/// One output row before rendering.
struct Rule {
    key: String,
    value: String,
    target: String,
    unconditional: f64,
    conditional: f64,
    support: f64,
}

impl Associate {
    /// The fields to analyse, in first-seen order.
    fn fields_of(&self, rows: &[Event]) -> Vec<String> {
        if !self.fields.is_empty() {
            return self.fields.clone();
        }
        let mut out: Vec<String> = Vec::new();
        for e in rows {
            for name in e.names() {
                if !name.starts_with('_') && !out.iter().any(|f| f == name) {
                    out.push(name.to_string());
                }
            }
        }
        out
    }

    /// The rules passing the support and improvement limits.
    fn rules(&self, rows: &[Event]) -> Vec<Rule> {
        let n = rows.len();
        let fields = self.fields_of(rows);
        let per_row: Vec<Vec<Vec<String>>> = rows
            .iter()
            .map(|e| fields.iter().map(|f| values(e, f)).collect())
            .collect();
        let mut out = Vec::new();
        for (ki, key) in fields.iter().enumerate() {
            // The results holding each reference value.
            let mut holders: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
            for (r, vals) in per_row.iter().enumerate() {
                for v in &vals[ki] {
                    let list = holders.entry(v.as_str()).or_default();
                    if list.last() != Some(&r) {
                        list.push(r);
                    }
                }
            }
            for (ti, target) in fields.iter().enumerate() {
                if ti == ki {
                    continue;
                }
                let mut all: HashMap<&str, u64> = HashMap::new();
                for vals in &per_row {
                    for v in &vals[ti] {
                        *all.entry(v.as_str()).or_default() += 1;
                    }
                }
                let unconditional = entropy(all.values());
                for (value, rs) in &holders {
                    let support = rs.len() as f64 / n as f64;
                    if rs.len() < self.supcnt || support < self.supfreq {
                        continue;
                    }
                    let mut given: HashMap<&str, u64> = HashMap::new();
                    for &r in rs {
                        for v in &per_row[r][ti] {
                            *given.entry(v.as_str()).or_default() += 1;
                        }
                    }
                    if given.is_empty() {
                        continue;
                    }
                    let conditional = entropy(given.values());
                    if unconditional - conditional < self.improv {
                        continue;
                    }
                    out.push(Rule {
                        key: key.clone(),
                        value: value.to_string(),
                        target: target.clone(),
                        unconditional,
                        conditional,
                        support,
                    });
                }
            }
        }
        out.sort_by(|a, b| {
            let ia = a.unconditional - a.conditional;
            let ib = b.unconditional - b.conditional;
            ib.total_cmp(&ia)
                .then_with(|| a.key.cmp(&b.key))
                .then_with(|| a.value.cmp(&b.value))
                .then_with(|| a.target.cmp(&b.target))
        });
        out
    }
}

impl super::Command for Associate {
    /// Builds the table.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        let rows = collect(input)?;
        let out: Vec<Event> = self
            .rules(&rows)
            .into_iter()
            .map(|r| {
                let mut e = Event::new();
                let description = format!(
                    "When '{}' has the value '{}', the entropy of '{}' decreases from {:.3} to {:.3}.",
                    r.key, r.value, r.target, r.unconditional, r.conditional
                );
                e.set("Reference_Key", Value::Str(r.key));
                e.set("Reference_Value", Value::Str(r.value));
                e.set("Target_Key", Value::Str(r.target));
                e.set("Unconditional_Entropy", Value::Num(r.unconditional));
                e.set("Conditional_Entropy", Value::Num(r.conditional));
                e.set(
                    "Entropy_Improvement",
                    Value::Num(r.unconditional - r.conditional),
                );
                e.set("Description", Value::Str(description));
                e.set("Support", Value::Num(r.support));
                e
            })
            .collect();
        Ok(Box::new(out.into_iter().map(Ok)))
    }
}

/// The registry entries of `associate`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "associate",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_in_bits() {
        assert!(entropy(&[4]).is_sign_positive() && entropy(&[4]) == 0.0);
        assert_eq!(entropy(&[2, 2]), 1.0);
        assert_eq!(entropy(&[1, 1, 1, 1]), 2.0);
        assert_eq!(entropy(&[]), 0.0);
    }

    #[test]
    fn a_value_that_fixes_the_target_is_a_rule() {
        let rows: Vec<Event> = [("a", "x"), ("a", "x"), ("b", "y"), ("b", "z")]
            .iter()
            .map(|(k, t)| {
                let mut e = Event::new();
                e.set("k", Value::from(*k));
                e.set("t", Value::from(*t));
                e
            })
            .collect();
        let c = Associate {
            supcnt: 1,
            supfreq: 0.0,
            improv: 0.5,
            fields: vec!["k".into(), "t".into()],
        };
        let rules = c.rules(&rows);
        // H(t) = 1.5; given k=a it is 0 (improvement 1.5), given k=b it is 1
        // (0.5, just enough). t=x fixes k (H(k)=1 -> 0), as do y and z.
        assert_eq!(rules[0].key, "k");
        assert_eq!(rules[0].value, "a");
        assert_eq!(rules[0].unconditional, 1.5);
        let pairs: Vec<(&str, &str)> = rules
            .iter()
            .map(|r| (r.key.as_str(), r.value.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [("k", "a"), ("t", "x"), ("t", "y"), ("t", "z"), ("k", "b")]
        );
    }
}
