//! `fieldsummary`: one row of summary statistics per field.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.1/search-commands/fieldsummary>:
//! `fieldsummary [maxvals=<unsigned_int>] [<wc-field-list>]`; `maxvals` is
//! "the maximum distinct values to return for each field", default 100, 0
//! meaning all of them. Each row holds `field`, `count` ("the number of
//! events/results with that field"), `distinct_count`, `is_exact` (1 unless
//! the field has more distinct values than `maxvals`, when Splunk stops
//! keeping them and approximates the distinct count), `max`, `mean`, `min`,
//! `numeric_count`, `stdev` and `values` (the distinct values with their
//! counts, as JSON: `[{"value":"purchase","count":6},...]`). The SPL2
//! page's examples show the rows ordered by field name, internal fields such
//! as `_time` left out, the numeric statistics empty for a field with no
//! numeric value, and `stdev` as the sample standard deviation (11 hourly
//! values 800..1800 give 331.6).
//!
//! Choices where the pages are silent: each value of a multivalue field
//! counts on its own (in `values`, `distinct_count` and the numeric
//! statistics) while `count` counts results; `values` lists the most common
//! values first, equal counts by value as text (the page's example lists
//! equally common values in text order); fields named explicitly are summed
//! up even when internal (`_time`), a wildcard never matches an internal
//! field. The distinct count is always exact here (every value is at hand);
//! only `is_exact` says where Splunk would have approximated it.

use std::collections::{BTreeMap, HashMap};

use crate::commands::common::{at_option, collect, count_opt, option, unknown_option};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::exec::matcher::Glob;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::{parse_number, Value};

/// `fieldsummary maxvals=10 host src*`.
#[derive(Debug, Clone, PartialEq)]
pub struct Fieldsummary {
    /// Most distinct values listed per field (0: all).
    pub maxvals: usize,
    /// The fields to summarize (wildcards allowed); empty means all.
    pub fields: Vec<String>,
}

/// Parses `fieldsummary`'s arguments.
pub fn parse(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    let c = "fieldsummary";
    let mut out = Fieldsummary {
        maxvals: 100,
        fields: Vec::new(),
    };
    while !p.at_command_end() {
        if at_option(p) {
            let (key, value, span) = option(p)?;
            match key.as_str() {
                "maxvals" => out.maxvals = count_opt(c, &key, &value, span)?,
                _ => return Err(unknown_option(c, &key, span)),
            }
            continue;
        }
        if p.eat(&crate::syntax::lexer::Tok::Comma) {
            continue;
        }
        out.fields.push(p.field_name("a field name")?.0);
    }
    Ok(CommandArgs::Fieldsummary(out))
}

/// What is gathered for one field.
#[derive(Default)]
struct Summary {
    /// Results holding the field.
    count: u64,
    /// Each distinct value and how often it occurs.
    values: HashMap<String, u64>,
    /// The values that are numbers.
    numbers: Vec<f64>,
}

impl Summary {
    fn add(&mut self, value: &Value) {
        self.count += 1;
        for text in value.texts() {
            if let Some(n) = parse_number(&text) {
                self.numbers.push(n);
            }
            *self.values.entry(text.into_owned()).or_default() += 1;
        }
    }

    /// The output row for field `name`.
    fn row(self, name: &str, maxvals: usize) -> Event {
        let mut e = Event::new();
        e.set("field", Value::Str(name.to_string()));
        e.set("count", Value::Num(self.count as f64));
        let distinct = self.values.len();
        e.set("distinct_count", Value::Num(distinct as f64));
        let exact = maxvals == 0 || distinct <= maxvals;
        e.set("is_exact", Value::Num(if exact { 1.0 } else { 0.0 }));
        let nums = &self.numbers;
        if !nums.is_empty() {
            let n = nums.len() as f64;
            let mean = nums.iter().sum::<f64>() / n;
            let max = nums.iter().copied().fold(f64::MIN, f64::max);
            let min = nums.iter().copied().fold(f64::MAX, f64::min);
            e.set("max", Value::Num(max));
            e.set("mean", Value::Num(mean));
            e.set("min", Value::Num(min));
            e.set("numeric_count", Value::Num(n));
            // The sample standard deviation; undefined (empty) for one value.
            if nums.len() > 1 {
                let squares: f64 = nums.iter().map(|x| (x - mean) * (x - mean)).sum();
                e.set("stdev", Value::Num((squares / (n - 1.0)).sqrt()));
            }
        } else {
            e.set("numeric_count", Value::Num(0.0));
        }
        e.set("values", Value::Str(values_json(self.values, maxvals)));
        e
    }
}

/// The `values` column: the most common values first (ties by value),
/// at most `maxvals` of them (0: all), as a JSON list of
/// `{"value":..,"count":..}` objects.
fn values_json(values: HashMap<String, u64>, maxvals: usize) -> String {
    let mut list: Vec<(String, u64)> = values.into_iter().collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    if maxvals > 0 {
        list.truncate(maxvals);
    }
    // Written by hand so the keys keep Splunk's order (value, then count).
    let items: Vec<String> = list
        .into_iter()
        .map(|(value, count)| {
            let quoted = serde_json::Value::String(value).to_string();
            format!("{{\"value\":{quoted},\"count\":{count}}}")
        })
        .collect();
    format!("[{}]", items.join(","))
}

impl Fieldsummary {
    /// Whether field `name` is summarized.
    fn wants(&self, globs: &[(Glob, bool)], name: &str) -> bool {
        if globs.is_empty() {
            return !name.starts_with('_');
        }
        globs
            .iter()
            .any(|(glob, wild)| glob.matches(name) && !(*wild && name.starts_with('_')))
    }
}

impl super::Command for Fieldsummary {
    /// Summarizes every wanted field of the input.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        let rows = collect(input)?;
        let globs: Vec<(Glob, bool)> = self
            .fields
            .iter()
            .map(|f| (Glob::new(f, true), f.contains('*')))
            .collect();
        let mut fields: BTreeMap<String, Summary> = BTreeMap::new();
        for event in &rows {
            for (name, value) in event.iter() {
                if self.wants(&globs, name) {
                    fields.entry(name.to_string()).or_default().add(value);
                }
            }
        }
        let out: Vec<Event> = fields
            .into_iter()
            .map(|(name, s)| s.row(&name, self.maxvals))
            .collect();
        Ok(Box::new(out.into_iter().map(Ok)))
    }
}

/// A field of a row as text (unit tests).
#[cfg(test)]
fn text(e: &Event, f: &str) -> String {
    e.get(f)
        .map(|v| v.to_text().into_owned())
        .unwrap_or_default()
}

/// The registry entries of `fieldsummary`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "fieldsummary",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hourly_example_from_the_page() {
        let mut s = Summary::default();
        for h in (800..=1800).step_by(100) {
            s.add(&Value::Str(h.to_string()));
        }
        let row = s.row("hour", 100);
        assert_eq!(text(&row, "count"), "11");
        assert_eq!(text(&row, "mean"), "1300");
        assert_eq!(&text(&row, "stdev")[..5], "331.6");
        assert_eq!(text(&row, "is_exact"), "1");
        assert!(text(&row, "values").starts_with(r#"[{"value":"1000","count":1}"#));
    }

    #[test]
    fn values_limited_and_ordered_by_count() {
        let mut m = HashMap::new();
        m.insert("b".to_string(), 1);
        m.insert("a".to_string(), 1);
        m.insert("c".to_string(), 5);
        assert_eq!(
            values_json(m, 2),
            r#"[{"value":"c","count":5},{"value":"a","count":1}]"#
        );
    }
}
