//! `anomalydetection`: finds events with improbable field values.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.1/search-commands/anomalydetection>
//! (with `outlier` and `anomalousvalue` for the `iqr` and `zscore` methods):
//! `anomalydetection [method=histogram|zscore|iqr] [action=...] [pthresh=<num>]
//! [cutoff=<bool>] [<field-list>]`. Without a field list every field not
//! starting with `_` is used.
//!
//! **`method=histogram`** (default). As documented, an event's probability is
//! the product of its fields' value frequencies: a categorical value's
//! frequency is its count over the number of events; a numeric field's
//! values are put in a histogram and a value's frequency is its bin's count
//! over the number of events. The docs do not give the numbers, so spelunk
//! defines them:
//! - a field is numeric when every value it has is a number; its histogram
//!   has `ceil(log2(n)) + 1` equal-width bins (Sturges) from its minimum to
//!   its maximum, `n` being the number of events with the field;
//! - an event without the field counts as one more value ("missing");
//! - the threshold on `log_event_prob` is `ln(pthresh)` with `pthresh=`,
//!   otherwise `Q1 - 1.5 * IQR` of all events' `log_event_prob` (the docs'
//!   formula) with `cutoff=false`, and `Q1 - 3 * IQR` with `cutoff=true`
//!   (the default; the docs only say it gives fewer anomalies). Quartiles
//!   interpolate as `perc25`/`perc75` do. An event is anomalous when its
//!   `log_event_prob` is below the threshold.
//! - `log_event_prob` and `max_freq` are added to every event of the output;
//!   `probable_cause` (the field with the least frequent value, the first in
//!   field order on a tie) and `probable_cause_freq` only to anomalous ones —
//!   security_content's `aws_exfiltration_via_anomalous_getobject_api_activity`
//!   keeps the anomalies of `action=annotate` with `search probable_cause=*`.
//! - `action=filter` (default) keeps the anomalous events, `annotate` keeps
//!   all, `summary` returns one row: `num_anomalies`, `thresh`,
//!   `max_logprob`, `min_logprob`, `1st_quartile`, `3rd_quartile`.
//!
//! **`method=zscore`** works like `anomalousvalue`: for each field, a
//! numeric field (every value a number) has its values' two-sided normal
//! tail probability `erfc(|x - mean| / (stdev * sqrt 2))` (sample standard
//! deviation), a categorical field its value's frequency; a value is
//! anomalous when that is below `pthresh` (default 0.01). Fields are left
//! out as `anomalousvalue` documents: seen in fewer than `minsupcount`
//! (default 100) events or a fraction below `minsupfreq` (0.05), or anomalous
//! in a fraction of their events above `maxanofreq` (0.05) or below
//! `minnormfreq` (0.01). An anomalous value adds `Anomaly_Score_Num(f)`
//! (spelunk: `|x - mean| / stdev`) or `Anomaly_Score_Cat(f)` (spelunk: the
//! value's frequency) — the docs do not define the scores. `filter` (default)
//! keeps the events with an anomalous value, `annotate` keeps all, `summary`
//! gives one row per field: `fieldname`, `count`, `distinct_count`, `mean`,
//! `stdev` (numeric fields), `catAnoFreq%` / `numAnoFreq%`, `supportFreq%`,
//! `useCat`, `useNum`, `isNum`.
//!
//! **`method=iqr`** works like `outlier`, exactly as documented, per field:
//! with `Q1`, `Q3` the 25th and 75th percentiles of its numeric values and
//! `IQR = Q3 - Q1`, a value above `Q3 + param*IQR` (or, with
//! `uselower=true`, below `Q1 - param*IQR`) is an outlier. `param` defaults
//! to 2.5 (the `outlier` docs' default). `action=transform` (`tf`, default)
//! replaces it by that bound, prefixed with `000` when `mark=true`;
//! `action=remove` (`rm`) drops the event. The `outlier` command is this
//! method with its own options only (`action`, `param`, `uselower`, `mark`).

use std::collections::HashMap;

use crate::commands::common::{at_option, bad, bool_opt, collect, count_opt, number_opt, option};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::exec::Rows;
use crate::functions::stats::{percentile_of, PercKind};
use crate::source::Span;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::Parser;
use crate::value::{format_number, parse_number, Value};

/// `anomalydetection method=iqr action=tf bytes`.
#[derive(Debug, Clone, PartialEq)]
pub struct Anomalydetection {
    /// The method.
    pub method: Method,
    /// What to return.
    pub action: Action,
    /// `pthresh=`.
    pub pthresh: Option<f64>,
    /// `cutoff=` (histogram).
    pub cutoff: bool,
    /// The fields (empty: all fields not starting with `_`).
    pub fields: Vec<String>,
    /// `param=` (iqr).
    pub param: f64,
    /// `uselower=` (iqr).
    pub uselower: bool,
    /// `mark=` (iqr).
    pub mark: bool,
    /// `minsupcount=` (zscore).
    pub minsupcount: usize,
    /// `minsupfreq=` (zscore).
    pub minsupfreq: f64,
    /// `maxanofreq=` (zscore).
    pub maxanofreq: f64,
    /// `minnormfreq=` (zscore).
    pub minnormfreq: f64,
}

/// `method=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Event probability from value frequencies.
    Histogram,
    /// `anomalousvalue`.
    Zscore,
    /// `outlier`.
    Iqr,
}

/// `action=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Keep anomalous events.
    Filter,
    /// Keep every event, annotated.
    Annotate,
    /// One summary.
    Summary,
    /// Drop events with outliers (iqr).
    Remove,
    /// Clamp outliers (iqr).
    Transform,
}

/// Options only `method=iqr` takes.
const IQR_OPTIONS: &[&str] = &["param", "uselower", "mark"];
/// Options only `method=zscore` takes.
const ZSCORE_OPTIONS: &[&str] = &["minsupcount", "minsupfreq", "maxanofreq", "minnormfreq"];

/// Parses `outlier [action=..] [param=..] [uselower=..] [mark=..] [<fields>]`
/// (<https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/outlier>),
/// which is `anomalydetection method=iqr`.
pub fn parse_outlier(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let parsed = parse_with(p, name_span, Some(Method::Iqr), "outlier")?;
    Ok(parsed)
}

/// Parses `anomalydetection`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    parse_with(p, name_span, None, "anomalydetection")
}

fn parse_with(
    p: &mut Parser,
    _name_span: Span,
    fixed: Option<Method>,
    command: &'static str,
) -> Result<CommandArgs> {
    let mut out = Anomalydetection {
        method: Method::Histogram,
        action: Action::Filter,
        pthresh: None,
        cutoff: true,
        fields: Vec::new(),
        param: 2.5,
        uselower: false,
        mark: false,
        minsupcount: 100,
        minsupfreq: 0.05,
        maxanofreq: 0.05,
        minnormfreq: 0.01,
    };
    let c: &str = command;
    let mut action: Option<(String, Span)> = None;
    let mut method_specific: Vec<(String, Span)> = Vec::new();
    while !p.at_command_end() {
        if at_option(p) {
            let (key, value, span) = option(p)?;
            if fixed.is_some() && !["action", "param", "uselower", "mark"].contains(&key.as_str()) {
                return Err(crate::commands::common::unknown_option(c, &key, span));
            }
            match key.as_str() {
                "method" => {
                    out.method = match value.to_ascii_lowercase().as_str() {
                        "histogram" => Method::Histogram,
                        "zscore" => Method::Zscore,
                        "iqr" => Method::Iqr,
                        _ => {
                            return Err(bad(
                                c,
                                format!(
                                    "`method` must be histogram, zscore or iqr, found `{value}`"
                                ),
                                span,
                            ))
                        }
                    }
                }
                "action" => action = Some((value, span)),
                "pthresh" | "cutoff" => {
                    if key == "pthresh" {
                        out.pthresh = Some(number_opt(c, &key, &value, span)?);
                    } else {
                        out.cutoff = bool_opt(c, &key, &value, span)?;
                    }
                    method_specific.push((key, span));
                }
                "param" => {
                    out.param = number_opt(c, &key, &value, span)?;
                    method_specific.push((key, span));
                }
                "uselower" | "mark" => {
                    let b = bool_opt(c, &key, &value, span)?;
                    if key == "mark" {
                        out.mark = b;
                    } else {
                        out.uselower = b;
                    }
                    method_specific.push((key, span));
                }
                "minsupcount" => {
                    out.minsupcount = count_opt(c, &key, &value, span)?;
                    method_specific.push((key, span));
                }
                "minsupfreq" | "maxanofreq" | "minnormfreq" => {
                    let n = number_opt(c, &key, &value, span)?;
                    match key.as_str() {
                        "minsupfreq" => out.minsupfreq = n,
                        "maxanofreq" => out.maxanofreq = n,
                        _ => out.minnormfreq = n,
                    }
                    method_specific.push((key, span));
                }
                _ => return Err(crate::commands::common::unknown_option(c, &key, span)),
            }
            continue;
        }
        if p.eat(&Tok::Comma) {
            continue;
        }
        out.fields.push(p.field_name("a field name")?.0);
    }
    if let Some(m) = fixed {
        out.method = m;
    }
    for (key, span) in &method_specific {
        let allowed = match out.method {
            Method::Histogram => key == "pthresh" || key == "cutoff",
            Method::Zscore => key == "pthresh" || ZSCORE_OPTIONS.contains(&key.as_str()),
            Method::Iqr => IQR_OPTIONS.contains(&key.as_str()),
        };
        if !allowed {
            let method = match out.method {
                Method::Histogram => "histogram",
                Method::Zscore => "zscore",
                Method::Iqr => "iqr",
            };
            return Err(bad(
                c,
                format!("option `{key}` does not apply to method={method}"),
                *span,
            ));
        }
    }
    if out.method == Method::Iqr {
        out.action = Action::Transform;
    }
    if let Some((value, span)) = action {
        out.action = match (out.method, value.to_ascii_lowercase().as_str()) {
            (Method::Iqr, "remove" | "rm") => Action::Remove,
            (Method::Iqr, "transform" | "tf") => Action::Transform,
            (Method::Iqr, _) => {
                return Err(bad(
                    c,
                    format!("with method=iqr, `action` must be remove (rm) or transform (tf), found `{value}`"),
                    span,
                ))
            }
            (_, "filter") => Action::Filter,
            (_, "annotate") => Action::Annotate,
            (_, "summary") => Action::Summary,
            _ => {
                return Err(bad(
                    c,
                    format!("`action` must be filter, annotate or summary, found `{value}`"),
                    span,
                ))
            }
        };
    }
    Ok(CommandArgs::Anomalydetection(out))
}

impl Anomalydetection {
    /// The fields to analyse: the list, or every field not starting with `_`
    /// in first-seen order.
    fn fields_of(&self, events: &[Event]) -> Vec<String> {
        if !self.fields.is_empty() {
            return self.fields.clone();
        }
        let mut out: Vec<String> = Vec::new();
        for e in events {
            for name in e.names() {
                if !name.starts_with('_') && !out.iter().any(|f| f == name) {
                    out.push(name.to_string());
                }
            }
        }
        out
    }

    fn histogram(&self, mut events: Vec<Event>, fields: &[String]) -> Vec<Event> {
        let n = events.len();
        if n == 0 {
            return if self.action == Action::Summary {
                vec![Event::new()]
            } else {
                Vec::new()
            };
        }
        // Per field, each event's frequency.
        let freqs: Vec<Vec<f64>> = fields.iter().map(|f| frequencies(&events, f)).collect();
        let mut logprob = vec![0.0f64; n];
        let mut cause: Vec<Option<(usize, f64)>> = vec![None; n];
        let mut max_freq = vec![0.0f64; n];
        for (fi, per_event) in freqs.iter().enumerate() {
            for (i, fr) in per_event.iter().enumerate() {
                logprob[i] += fr.ln();
                if cause[i].is_none_or(|(_, best)| *fr < best) {
                    cause[i] = Some((fi, *fr));
                }
                if *fr > max_freq[i] {
                    max_freq[i] = *fr;
                }
            }
        }
        let mut sorted = logprob.clone();
        sorted.sort_by(f64::total_cmp);
        let q1 = percentile_of(&sorted, 25.0, PercKind::Interpolated);
        let q3 = percentile_of(&sorted, 75.0, PercKind::Interpolated);
        let thresh = match self.pthresh {
            Some(p) => p.ln(),
            None => q1 - if self.cutoff { 3.0 } else { 1.5 } * (q3 - q1),
        };
        let anomalous: Vec<bool> = logprob.iter().map(|lp| *lp < thresh).collect();
        if self.action == Action::Summary {
            let mut row = Event::new();
            let count = anomalous.iter().filter(|a| **a).count();
            row.set("num_anomalies", Value::Num(count as f64));
            row.set("thresh", Value::Num(thresh));
            row.set_opt("max_logprob", sorted.last().map(|x| Value::Num(*x)));
            row.set_opt("min_logprob", sorted.first().map(|x| Value::Num(*x)));
            row.set("1st_quartile", Value::Num(q1));
            row.set("3rd_quartile", Value::Num(q3));
            return vec![row];
        }
        let mut out = Vec::new();
        for (i, mut event) in events.drain(..).enumerate() {
            if !anomalous[i] && self.action == Action::Filter {
                continue;
            }
            event.set("log_event_prob", Value::Num(logprob[i]));
            if anomalous[i] {
                if let Some((fi, fr)) = cause[i] {
                    event.set("probable_cause", Value::Str(fields[fi].clone()));
                    event.set("probable_cause_freq", Value::Num(fr));
                }
            }
            event.set("max_freq", Value::Num(max_freq[i]));
            out.push(event);
        }
        out
    }

    fn zscore(&self, mut events: Vec<Event>, fields: &[String]) -> Vec<Event> {
        let n = events.len();
        let threshold = self.pthresh.unwrap_or(0.01);
        let mut summary = Vec::new();
        // Per event, the scores to add.
        let mut scores: Vec<Vec<(String, f64)>> = vec![Vec::new(); n];
        for field in fields {
            let texts: Vec<Option<String>> = events
                .iter()
                .map(|e| e.get(field).map(|v| v.to_text().into_owned()))
                .collect();
            let present: Vec<&String> = texts.iter().flatten().collect();
            let count = present.len();
            let numbers: Vec<f64> = present.iter().filter_map(|t| parse_number(t)).collect();
            let is_num = count > 0 && numbers.len() == count;
            let mut distinct: HashMap<&str, usize> = HashMap::new();
            for t in &present {
                *distinct.entry(t.as_str()).or_insert(0) += 1;
            }
            let (mean, stdev) = mean_stdev(&numbers);
            // Each event's (is anomalous, score).
            let judged: Vec<Option<(bool, f64)>> = texts
                .iter()
                .map(|t| {
                    let t = t.as_ref()?;
                    if is_num {
                        let x = parse_number(t)?;
                        let z = if stdev > 0.0 {
                            (x - mean).abs() / stdev
                        } else {
                            0.0
                        };
                        let p = erfc(z / std::f64::consts::SQRT_2);
                        Some((p < threshold, z))
                    } else {
                        let freq = distinct.get(t.as_str()).copied().unwrap_or(0) as f64 / n as f64;
                        Some((freq < threshold, freq))
                    }
                })
                .collect();
            let anomalies = judged.iter().flatten().filter(|(a, _)| *a).count();
            let support = count as f64 / n.max(1) as f64;
            let ano_freq = if count > 0 {
                anomalies as f64 / count as f64
            } else {
                0.0
            };
            let used = count >= self.minsupcount
                && support >= self.minsupfreq
                && ano_freq <= self.maxanofreq
                && ano_freq >= self.minnormfreq;
            if self.action == Action::Summary {
                let mut row = Event::new();
                row.set("fieldname", Value::Str(field.clone()));
                row.set("count", Value::Num(count as f64));
                row.set("distinct_count", Value::Num(distinct.len() as f64));
                if is_num {
                    row.set("mean", Value::Num(mean));
                    row.set("stdev", Value::Num(stdev));
                    row.set("numAnoFreq%", Value::Num(ano_freq * 100.0));
                } else {
                    row.set("catAnoFreq%", Value::Num(ano_freq * 100.0));
                }
                row.set("supportFreq%", Value::Num(support * 100.0));
                let yes = |b: bool| Value::Str(if b { "YES" } else { "NO" }.into());
                row.set("useCat", yes(used && !is_num));
                row.set("useNum", yes(used && is_num));
                row.set("isNum", yes(is_num));
                summary.push(row);
                continue;
            }
            if !used {
                continue;
            }
            let name = if is_num {
                format!("Anomaly_Score_Num({field})")
            } else {
                format!("Anomaly_Score_Cat({field})")
            };
            for (i, j) in judged.iter().enumerate() {
                if let Some((true, score)) = j {
                    scores[i].push((name.clone(), *score));
                }
            }
        }
        if self.action == Action::Summary {
            return summary;
        }
        let mut out = Vec::new();
        for (mut event, adds) in events.drain(..).zip(scores) {
            if adds.is_empty() && self.action == Action::Filter {
                continue;
            }
            for (name, score) in adds {
                event.set(name, Value::Num(score));
            }
            out.push(event);
        }
        out
    }

    fn iqr(&self, events: Vec<Event>, fields: &[String]) -> Vec<Event> {
        let mut bounds: Vec<(String, f64, f64)> = Vec::new();
        for field in fields {
            let mut nums: Vec<f64> = events
                .iter()
                .filter_map(|e| e.get(field).and_then(Value::as_number))
                .collect();
            if nums.is_empty() {
                continue;
            }
            nums.sort_by(f64::total_cmp);
            let q1 = percentile_of(&nums, 25.0, PercKind::Interpolated);
            let q3 = percentile_of(&nums, 75.0, PercKind::Interpolated);
            let iqr = q3 - q1;
            bounds.push((field.clone(), q1 - self.param * iqr, q3 + self.param * iqr));
        }
        let mut out = Vec::new();
        'events: for mut event in events {
            for (field, lo, hi) in &bounds {
                let Some(x) = event.get(field).and_then(Value::as_number) else {
                    continue;
                };
                let bound = if x > *hi {
                    *hi
                } else if self.uselower && x < *lo {
                    *lo
                } else {
                    continue;
                };
                if self.action == Action::Remove {
                    continue 'events;
                }
                let value = if self.mark {
                    Value::Str(format!("000{}", format_number(bound)))
                } else {
                    Value::Num(bound)
                };
                event.set(field.clone(), value);
            }
            out.push(event);
        }
        out
    }
}

impl super::Command for Anomalydetection {
    /// Drains the input and yields the result.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        let events = collect(input)?;
        let fields = self.fields_of(&events);
        let out = match self.method {
            Method::Histogram => self.histogram(events, &fields),
            Method::Zscore => self.zscore(events, &fields),
            Method::Iqr => self.iqr(events, &fields),
        };
        Ok(Box::new(out.into_iter().map(Ok)))
    }
}

/// Each event's frequency for `field` (histogram method): categorical
/// values by count, numeric values by histogram bin, missing as a value.
fn frequencies(events: &[Event], field: &str) -> Vec<f64> {
    let n = events.len() as f64;
    let texts: Vec<Option<String>> = events
        .iter()
        .map(|e| e.get(field).map(|v| v.to_text().into_owned()))
        .collect();
    let present: Vec<&String> = texts.iter().flatten().collect();
    let numbers: Vec<f64> = present.iter().filter_map(|t| parse_number(t)).collect();
    let numeric = !present.is_empty() && numbers.len() == present.len();
    let key_of = |t: &Option<String>| -> Option<String> {
        let t = t.as_ref()?;
        if !numeric {
            return Some(t.clone());
        }
        let x = parse_number(t)?;
        let lo = numbers.iter().cloned().fold(f64::INFINITY, f64::min);
        let hi = numbers.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let bins = ((numbers.len() as f64).log2().ceil() as usize + 1).max(1);
        let width = (hi - lo) / bins as f64;
        let bin = if width > 0.0 {
            (((x - lo) / width).floor() as usize).min(bins - 1)
        } else {
            0
        };
        Some(format!("#bin{bin}"))
    };
    let keys: Vec<Option<String>> = texts.iter().map(key_of).collect();
    let mut counts: HashMap<Option<String>, usize> = HashMap::new();
    for k in &keys {
        *counts.entry(k.clone()).or_insert(0) += 1;
    }
    keys.iter()
        .map(|k| counts.get(k).copied().unwrap_or(0) as f64 / n)
        .collect()
}

/// Mean and sample standard deviation (0 for fewer than two values).
fn mean_stdev(nums: &[f64]) -> (f64, f64) {
    if nums.is_empty() {
        return (0.0, 0.0);
    }
    let n = nums.len() as f64;
    let mean = nums.iter().sum::<f64>() / n;
    if nums.len() < 2 {
        return (mean, 0.0);
    }
    let var = nums.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

/// The complementary error function (Numerical Recipes' `erfcc`, relative
/// error below 1.2e-7).
pub(crate) fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

/// The registry entries of `anomalydetection`, `outlier`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "anomalydetection",
        aliases: &[],
        parse,
    },
    super::CommandSpec {
        name: "outlier",
        aliases: &[],
        parse: parse_outlier,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erfc_values() {
        assert!((erfc(0.0) - 1.0).abs() < 1e-6);
        assert!((erfc(1.0) - 0.157_299_2).abs() < 1e-6);
        assert!((erfc(-1.0) - 1.842_700_8).abs() < 1e-6);
    }
}
