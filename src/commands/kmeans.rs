//! `kmeans`: k-means clustering of numeric fields.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/kmeans>:
//! "partitions the events into k clusters, with each cluster defined by its
//! mean value. Each event belongs to the cluster with the nearest mean
//! value"; without a field list, all numeric fields; events with
//! non-numeric fields are skipped; "events in the same cluster are moved
//! next to each other"; options `reps=<int>` (default 10, "the number of
//! times to repeat kmeans using random starting clusters"),
//! `maxiters=<int>` (default 10000), `t=<num>` (convergence tolerance,
//! default 0), `k=<int>|<int>-<int>` (default 2), `cnumfield=<field>`
//! (default `CLUSTERNUM`), `distype=l1|l1norm|cityblock|cb|l2|l2norm|sq|sqeuclidean|cos|cosine`
//! (default sqeuclidean), `showcentroid=<bool>`. The older names `dt=` and
//! `cfield=` are accepted for `distype=` and `cnumfield=`.
//!
//! Splunk seeds each repetition at random. spelunk is deterministic:
//! repetition `r` (0-based) seeds its k centroids with the distinct points
//! (in result order) starting at the `r`-th, wrapping around; the
//! repetition with the least total distance of points to their centroids
//! wins (the earliest on a tie). Lloyd iterations: each point goes to its
//! nearest centroid (the first on a tie), each centroid moves to its
//! points' mean (an empty cluster keeps its centroid), until no point
//! changes cluster, no centroid moves more than `t`, or `maxiters`. Cluster
//! numbers run from 1 in order of their first result; the output lists
//! cluster 1's results, then cluster 2's, each in input order, then the
//! skipped results without a number. Fewer distinct points than k give
//! that many clusters.
//!
//! Not supported (errors naming them): a `k` range (which gives Splunk's
//! summary table) and `showcentroid=true`'s centroid fields — the page does
//! not name them, so `showcentroid` must be given as false.

use std::collections::HashSet;

use crate::commands::common::{
    at_option, bad, bool_opt, collect, count_opt, number_opt, option, unsupported,
};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::Parser;
use crate::value::{parse_number, Value};

/// The distance between points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Distance {
    /// Sum of absolute differences.
    L1,
    /// Squared Euclidean distance.
    L2,
    /// One minus the cosine similarity.
    Cos,
}

/// `kmeans k=3 bytes duration`.
#[derive(Debug, Clone, PartialEq)]
pub struct Kmeans {
    /// Number of clusters.
    pub k: usize,
    /// Repetitions (differently seeded).
    pub reps: usize,
    /// Most iterations per repetition.
    pub maxiters: usize,
    /// Convergence tolerance.
    pub t: f64,
    /// The distance.
    pub distance: Distance,
    /// The cluster number's field.
    pub cfield: String,
    /// The fields (empty: every field numeric in all results).
    pub fields: Vec<String>,
}

/// Parses `kmeans`'s arguments.
pub fn parse(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    let c = "kmeans";
    let mut out = Kmeans {
        k: 2,
        reps: 10,
        maxiters: 10_000,
        t: 0.0,
        distance: Distance::L2,
        cfield: "CLUSTERNUM".into(),
        fields: Vec::new(),
    };
    while !p.at_command_end() {
        if at_option(p) {
            let (key, value, span) = option(p)?;
            match key.as_str() {
                "k" => {
                    if value.contains('-') {
                        return Err(unsupported(
                            c,
                            format!("a range of k (`k={value}`, Splunk's summary table) is not supported; give one number"),
                            span,
                        ));
                    }
                    out.k = count_opt(c, &key, &value, span)?;
                    if out.k == 0 {
                        return Err(bad(c, "`k` must be at least 1", span));
                    }
                }
                "reps" => out.reps = count_opt(c, &key, &value, span)?.max(1),
                "maxiters" | "iters" => out.maxiters = count_opt(c, &key, &value, span)?,
                "t" => out.t = number_opt(c, &key, &value, span)?,
                "dt" | "distype" => {
                    out.distance = match value.to_ascii_lowercase().as_str() {
                        "l1" | "l1norm" | "cityblock" | "cb" => Distance::L1,
                        "l2" | "l2norm" | "sq" | "sqeuclidean" => Distance::L2,
                        "cos" | "cosine" => Distance::Cos,
                        _ => {
                            return Err(bad(
                                c,
                                format!("`{key}` must be l1, l2 or cos, found `{value}`"),
                                span,
                            ))
                        }
                    }
                }
                "cfield" | "cnumfield" => out.cfield = value,
                "showcentroid" => {
                    if bool_opt(c, &key, &value, span)? {
                        return Err(unsupported(
                            c,
                            "`showcentroid=true` (centroid fields) is not supported; use showcentroid=false",
                            span,
                        ));
                    }
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
    Ok(CommandArgs::Kmeans(out))
}

impl Distance {
    fn between(self, a: &[f64], b: &[f64]) -> f64 {
        match self {
            Distance::L1 => a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum(),
            Distance::L2 => a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum(),
            Distance::Cos => {
                let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
                let na: f64 = a.iter().map(|x| x * x).sum();
                let nb: f64 = b.iter().map(|x| x * x).sum();
                if na == 0.0 || nb == 0.0 {
                    // A zero vector has no direction: alike only to another.
                    return if na == nb { 0.0 } else { 1.0 };
                }
                1.0 - dot / (na * nb).sqrt()
            }
        }
    }
}

/// The index of the nearest centroid (the first on a tie).
fn nearest(distance: Distance, point: &[f64], centroids: &[Vec<f64>]) -> (usize, f64) {
    let mut best = (0, f64::INFINITY);
    for (i, c) in centroids.iter().enumerate() {
        let d = distance.between(point, c);
        if d < best.1 {
            best = (i, d);
        }
    }
    best
}

impl Kmeans {
    /// One Lloyd run from `centroids`: the assignment and its total distance.
    fn run(&self, points: &[Vec<f64>], mut centroids: Vec<Vec<f64>>) -> (Vec<usize>, f64) {
        let dims = points.first().map_or(0, Vec::len);
        let mut assigned: Vec<usize> = vec![usize::MAX; points.len()];
        for _ in 0..self.maxiters.max(1) {
            let mut changed = false;
            for (i, p) in points.iter().enumerate() {
                let (c, _) = nearest(self.distance, p, &centroids);
                if assigned[i] != c {
                    assigned[i] = c;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
            let mut moved = 0.0f64;
            for (ci, centroid) in centroids.iter_mut().enumerate() {
                let members: Vec<&Vec<f64>> = points
                    .iter()
                    .zip(&assigned)
                    .filter(|(_, &a)| a == ci)
                    .map(|(p, _)| p)
                    .collect();
                if members.is_empty() {
                    continue;
                }
                let mean: Vec<f64> = (0..dims)
                    .map(|d| members.iter().map(|m| m[d]).sum::<f64>() / members.len() as f64)
                    .collect();
                moved = moved.max(Distance::L2.between(centroid, &mean).sqrt());
                *centroid = mean;
            }
            if moved <= self.t {
                // Final assignment against the moved centroids.
                for (i, p) in points.iter().enumerate() {
                    assigned[i] = nearest(self.distance, p, &centroids).0;
                }
                break;
            }
        }
        let total = points
            .iter()
            .zip(&assigned)
            .map(|(p, &a)| self.distance.between(p, &centroids[a]))
            .sum();
        (assigned, total)
    }

    /// The best assignment over the deterministic repetitions.
    fn cluster(&self, points: &[Vec<f64>]) -> Vec<usize> {
        let mut seen: HashSet<Vec<u64>> = HashSet::new();
        let distinct: Vec<&Vec<f64>> = points
            .iter()
            .filter(|p| seen.insert(p.iter().map(|x| x.to_bits()).collect()))
            .collect();
        let k = self.k.min(distinct.len());
        if k == 0 {
            return Vec::new();
        }
        let mut best: Option<(Vec<usize>, f64)> = None;
        for r in 0..self.reps {
            let seeds: Vec<Vec<f64>> = (0..k)
                .map(|i| distinct[(r + i) % distinct.len()].clone())
                .collect();
            let (assigned, total) = self.run(points, seeds);
            if best.as_ref().is_none_or(|b| total < b.1) {
                best = Some((assigned, total));
            }
            if distinct.len() == k {
                // Every rotation seeds the same set of points.
                break;
            }
        }
        best.map(|b| b.0).unwrap_or_default()
    }

    /// The fields to cluster on.
    fn fields_of(&self, rows: &[Event]) -> Vec<String> {
        if !self.fields.is_empty() {
            return self.fields.clone();
        }
        let mut out: Vec<String> = Vec::new();
        for e in rows {
            for (name, _) in e.iter() {
                if !name.starts_with('_') && !out.iter().any(|f| f == name) {
                    out.push(name.to_string());
                }
            }
        }
        out.retain(|f| {
            rows.iter()
                .all(|e| e.get(f).and_then(single_number).is_some())
        });
        out
    }
}

impl super::Command for Kmeans {
    /// Clusters the results.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        let rows = collect(input)?;
        let fields = self.fields_of(&rows);
        let mut points = Vec::new();
        let mut clustered = Vec::new();
        let mut skipped = Vec::new();
        for event in rows {
            let point: Option<Vec<f64>> = if fields.is_empty() {
                None
            } else {
                fields
                    .iter()
                    .map(|f| event.get(f).and_then(single_number))
                    .collect()
            };
            match point {
                Some(p) => {
                    points.push(p);
                    clustered.push(event);
                }
                None => skipped.push(event),
            }
        }
        let assigned = self.cluster(&points);
        // Number clusters by their first result.
        let mut number: Vec<Option<usize>> = vec![None; self.k];
        let mut next = 0;
        for &a in &assigned {
            if let Some(slot) = number.get_mut(a) {
                if slot.is_none() {
                    next += 1;
                    *slot = Some(next);
                }
            }
        }
        let mut labelled: Vec<(usize, Event)> = clustered
            .into_iter()
            .zip(&assigned)
            .map(|(mut e, &a)| {
                let n = number.get(a).copied().flatten().unwrap_or(0);
                e.set(self.cfield.clone(), Value::Num(n as f64));
                (n, e)
            })
            .collect();
        labelled.sort_by_key(|(n, _)| *n);
        let out: Vec<Event> = labelled
            .into_iter()
            .map(|(_, e)| e)
            .chain(skipped)
            .collect();
        Ok(Box::new(out.into_iter().map(Ok)))
    }
}

/// A single numeric value.
fn single_number(v: &Value) -> Option<f64> {
    match v {
        Value::Num(n) => Some(*n),
        Value::Str(s) => parse_number(s),
        Value::Multi(_) => None,
    }
}

/// The registry entries of `kmeans`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "kmeans",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn km(k: usize, distance: Distance) -> Kmeans {
        Kmeans {
            k,
            reps: 10,
            maxiters: 100,
            t: 0.0,
            distance,
            cfield: "CLUSTERNUM".into(),
            fields: vec!["x".into()],
        }
    }

    #[test]
    fn two_groups_on_a_line() {
        let pts: Vec<Vec<f64>> = [1.0, 2.0, 10.0, 11.0, 1.5, 12.0]
            .iter()
            .map(|x| vec![*x])
            .collect();
        let a = km(2, Distance::L2).cluster(&pts);
        assert_eq!(a[0], a[1]);
        assert_eq!(a[0], a[4]);
        assert_eq!(a[2], a[3]);
        assert_eq!(a[2], a[5]);
        assert_ne!(a[0], a[2]);
    }

    #[test]
    fn fewer_distinct_points_than_k() {
        let pts = vec![vec![1.0], vec![1.0]];
        assert_eq!(km(3, Distance::L1).cluster(&pts), [0, 0]);
    }

    #[test]
    fn cosine_distance_ignores_length() {
        assert!(Distance::Cos.between(&[1.0, 1.0], &[3.0, 3.0]).abs() < 1e-12);
        assert_eq!(Distance::L1.between(&[1.0, 5.0], &[4.0, 1.0]), 7.0);
        assert_eq!(Distance::L2.between(&[1.0, 5.0], &[4.0, 1.0]), 25.0);
    }
}
