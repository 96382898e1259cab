//! Aggregation functions (`count`, `dc`, `values`, `min`, `perc95`, ...):
//! their names, their running state, and their results, with Splunk's rules
//! (`docs/semantics.md#stats`). Shared by `stats`, `eventstats`, `streamstats`,
//! `chart`, `timechart`.
//!
//! Function list: <https://help.splunk.com/en/splunk-enterprise/spl-search-reference/9.3/statistical-and-charting-functions>

use std::collections::HashSet;

use indexmap::IndexMap;

use crate::event::{Event, FieldBuildHasher};
use crate::exec::memory::{value_bytes, ELEMENT_OVERHEAD};
use crate::value::{parse_number, Value};

/// A supported aggregation function.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum StatsFn {
    /// `count` / `c`: events, or events where the field is non-null.
    Count,
    /// `dc` / `distinct_count` / `estdc` (exact here): distinct values.
    DistinctCount,
    /// `values`: distinct values, sorted.
    Values,
    /// `list`: all values in order, at most 100.
    List,
    /// `min`: smallest number, or smallest text when no value is a number.
    Min,
    /// `max`: largest number, or largest text when no value is a number.
    Max,
    /// `range`: max - min of the numeric values.
    Range,
    /// `sum`: sum of numeric values.
    Sum,
    /// `sumsq`: sum of squares of numeric values.
    Sumsq,
    /// `avg` / `mean`: mean of numeric values.
    Avg,
    /// `median`: the 50th percentile.
    Median,
    /// `mode`: the most frequent value (the first seen on a tie).
    Mode,
    /// `perc<N>` / `p<N>` / `percentile<N>` / `exactperc<N>` / `upperperc<N>`.
    Perc(PercKind, f64),
    /// `stdev`: sample standard deviation.
    Stdev,
    /// `stdevp`: population standard deviation.
    Stdevp,
    /// `var`: sample variance.
    Var,
    /// `varp`: population variance.
    Varp,
    /// `earliest`: the value from the event with the smallest `_time`.
    Earliest,
    /// `latest`: the value from the event with the largest `_time`.
    Latest,
    /// `earliest_time`: the smallest `_time` of events with the field.
    EarliestTime,
    /// `latest_time`: the largest `_time` of events with the field.
    LatestTime,
    /// `rate`: (latest - earliest) / (latest_time - earliest_time).
    Rate,
    /// `first`: the first value seen (events arrive newest first).
    First,
    /// `last`: the last value seen.
    Last,
    /// `estdc_error`: the error of `estdc`, which is exact here: always 0.
    EstdcError,
    /// `sparkline(<func>(<field>), <span>)`: the function per time bucket of
    /// `span` seconds (chosen from the time range when None).
    Sparkline(SparkFn, Option<f64>),
}

/// The functions a sparkline may apply per bucket (Splunk's `sparkline-func`:
/// `c`, `count`, `dc`, `mean`, `avg`, `stdev`, `stdevp`, `var`, `varp`,
/// `sum`, `sumsq`, `min`, `max`, `range`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SparkFn {
    /// `count` / `c`.
    Count,
    /// `dc`.
    DistinctCount,
    /// `avg` / `mean`.
    Avg,
    /// `stdev`.
    Stdev,
    /// `stdevp`.
    Stdevp,
    /// `var`.
    Var,
    /// `varp`.
    Varp,
    /// `sum`.
    Sum,
    /// `sumsq`.
    Sumsq,
    /// `min`.
    Min,
    /// `max`.
    Max,
    /// `range`.
    Range,
}

impl SparkFn {
    /// Looks a sparkline function up by name (case-insensitive).
    pub fn find(name: &str) -> Option<SparkFn> {
        Some(match name.to_ascii_lowercase().as_str() {
            "c" | "count" => SparkFn::Count,
            "dc" => SparkFn::DistinctCount,
            "mean" | "avg" => SparkFn::Avg,
            "stdev" => SparkFn::Stdev,
            "stdevp" => SparkFn::Stdevp,
            "var" => SparkFn::Var,
            "varp" => SparkFn::Varp,
            "sum" => SparkFn::Sum,
            "sumsq" => SparkFn::Sumsq,
            "min" => SparkFn::Min,
            "max" => SparkFn::Max,
            "range" => SparkFn::Range,
            _ => return None,
        })
    }

    /// The aggregation applied to each bucket.
    pub fn stats_fn(self) -> StatsFn {
        match self {
            SparkFn::Count => StatsFn::Count,
            SparkFn::DistinctCount => StatsFn::DistinctCount,
            SparkFn::Avg => StatsFn::Avg,
            SparkFn::Stdev => StatsFn::Stdev,
            SparkFn::Stdevp => StatsFn::Stdevp,
            SparkFn::Var => StatsFn::Var,
            SparkFn::Varp => StatsFn::Varp,
            SparkFn::Sum => StatsFn::Sum,
            SparkFn::Sumsq => StatsFn::Sumsq,
            SparkFn::Min => StatsFn::Min,
            SparkFn::Max => StatsFn::Max,
            SparkFn::Range => StatsFn::Range,
        }
    }
}

/// How spelunk's sparkline differs, for the reference list.
pub const SPARKLINE_DIFFERENCE: &str =
    "a bucket without values (other than for count/dc) is empty text; Splunk's pages are silent";

/// The first value of a sparkline, which marks the multivalue as one.
pub const SPARKLINE_MARKER: &str = "##__SPARKLINE__##";

/// Spans a sparkline without a span picks from (Splunk's documented
/// timechart spans), aiming at fewer than this many buckets.
const SPARKLINE_BUCKETS: usize = 100;

/// How a percentile picks between the two ranks around it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PercKind {
    /// `perc`/`p`/`percentile`/`exactperc`: linear interpolation.
    Interpolated,
    /// `upperperc`: the upper of the two neighbouring values.
    Upper,
}

/// One named aggregation in the registry.
pub struct StatsSpec {
    /// The name, lower case.
    pub name: &'static str,
    /// What it computes.
    pub func: StatsFn,
    /// How it differs from Splunk's, when it does (for `spelunk reference`).
    pub difference: Option<&'static str>,
}

const fn spec(name: &'static str, func: StatsFn) -> StatsSpec {
    StatsSpec {
        name,
        func,
        difference: None,
    }
}

const fn differs(name: &'static str, func: StatsFn, note: &'static str) -> StatsSpec {
    StatsSpec {
        name,
        func,
        difference: Some(note),
    }
}

/// Every aggregation with a fixed name (the percentile forms are parsed by
/// [`percentile`]; `sparkline` by the stats command's parser).
pub const FUNCTIONS: &[StatsSpec] = &[
    spec("avg", StatsFn::Avg),
    spec("c", StatsFn::Count),
    spec("count", StatsFn::Count),
    spec("dc", StatsFn::DistinctCount),
    spec("distinct_count", StatsFn::DistinctCount),
    spec("earliest", StatsFn::Earliest),
    spec("earliest_time", StatsFn::EarliestTime),
    differs(
        "estdc",
        StatsFn::DistinctCount,
        "exact: the distinct count itself, where Splunk estimates it",
    ),
    differs(
        "estdc_error",
        StatsFn::EstdcError,
        "always 0: spelunk's estdc is the exact distinct count",
    ),
    spec("first", StatsFn::First),
    spec("last", StatsFn::Last),
    spec("latest", StatsFn::Latest),
    spec("latest_time", StatsFn::LatestTime),
    spec("list", StatsFn::List),
    spec("max", StatsFn::Max),
    spec("mean", StatsFn::Avg),
    spec("median", StatsFn::Median),
    spec("min", StatsFn::Min),
    spec("mode", StatsFn::Mode),
    spec("range", StatsFn::Range),
    spec("rate", StatsFn::Rate),
    spec("stdev", StatsFn::Stdev),
    spec("stdevp", StatsFn::Stdevp),
    spec("sum", StatsFn::Sum),
    spec("sumsq", StatsFn::Sumsq),
    spec("values", StatsFn::Values),
    spec("var", StatsFn::Var),
    spec("varp", StatsFn::Varp),
];

/// The percentile forms, for the reference list: prefix and note.
pub const PERCENTILE_FORMS: &[(&str, Option<&str>)] = &[
    ("exactperc<N>", None),
    (
        "perc<N>",
        Some("exact (interpolated) where Splunk approximates above 1000 distinct values"),
    ),
    (
        "p<N>",
        Some("exact (interpolated) where Splunk approximates above 1000 distinct values"),
    ),
    (
        "percentile<N>",
        Some("exact (interpolated) where Splunk approximates above 1000 distinct values"),
    ),
    ("upperperc<N>", None),
];

/// Splunk aggregations spelunk knows of but does not compute, with why.
pub const UNSUPPORTED: &[(&str, &str)] = &[];

/// `mstats`' own functions (the Time functions page: "You can use this
/// function with the mstats command"): each metric time series' rate of an
/// accumulating counter, then their average or sum. Parsed by mstats;
/// other commands refuse them by name.
pub const MSTATS_ONLY: &[&str] = &["rate_avg", "rate_sum"];

/// How the mstats-only functions differ, for the reference list.
pub const MSTATS_ONLY_DIFFERENCE: &str =
    "mstats only; a drop in a counter counts as a reset to zero (the rise is the new value); other commands refuse it";

/// Whether `name` is one of [`MSTATS_ONLY`].
pub fn mstats_only(name: &str) -> bool {
    MSTATS_ONLY.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// The `per_<unit>` rate functions: timechart's only (a sum over each
/// bin divided by the bin's length in the unit; parsed by timechart), with
/// the unit's seconds. Other commands refuse them by name.
pub const TIMECHART_ONLY: &[(&str, f64)] = &[
    ("per_day", 86_400.0),
    ("per_hour", 3600.0),
    ("per_minute", 60.0),
    ("per_second", 1.0),
];

/// How the `per_<unit>` functions differ, for the reference list.
pub const TIMECHART_ONLY_DIFFERENCE: &str =
    "timechart only (the sum in each bin divided by the bin's length in the unit); stats, chart, eventstats and streamstats refuse it";

/// The seconds in a `per_<unit>` function's unit, when `name` is one.
pub fn timechart_only(name: &str) -> Option<f64> {
    let lower = name.to_ascii_lowercase();
    TIMECHART_ONLY
        .iter()
        .find(|(n, _)| *n == lower)
        .map(|(_, unit)| *unit)
}

/// Looks a function up by name (case-insensitive), including the
/// percentile forms `perc95`, `p99.9`, `exactperc50`, `upperperc75`.
pub fn find(name: &str) -> Option<StatsFn> {
    let lower = name.to_ascii_lowercase();
    match FUNCTIONS.iter().find(|f| f.name == lower) {
        Some(f) => Some(f.func),
        None => percentile(&lower),
    }
}

/// Why a known Splunk aggregation is not computed, when it is one.
pub fn unsupported(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    UNSUPPORTED
        .iter()
        .find(|(n, _)| *n == lower)
        .map(|(_, why)| *why)
}

fn percentile(lower: &str) -> Option<StatsFn> {
    // Longest prefixes first: `percentile` before `perc` before `p`.
    let prefixes = [
        ("upperperc", PercKind::Upper),
        ("exactperc", PercKind::Interpolated),
        ("percentile", PercKind::Interpolated),
        ("perc", PercKind::Interpolated),
        ("p", PercKind::Interpolated),
    ];
    for (prefix, kind) in prefixes {
        if let Some(rest) = lower.strip_prefix(prefix) {
            let n: f64 = rest.parse().ok()?;
            if !(0.0..=100.0).contains(&n) || !rest.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            {
                return None;
            }
            return Some(StatsFn::Perc(kind, n));
        }
    }
    None
}

impl StatsFn {
    /// Whether the function may be written without a field (`count`).
    pub fn field_optional(self) -> bool {
        matches!(self, StatsFn::Count | StatsFn::Sparkline(SparkFn::Count, _))
    }

    /// Whether an empty group's result shows as 0 in `chart`/`timechart`
    /// cells (`count`, `dc`), rather than null.
    pub fn zero_when_empty(self) -> bool {
        matches!(self, StatsFn::Count | StatsFn::DistinctCount)
    }

    /// Whether the function computes a number from numeric values (these
    /// give null under `allnum=true` when a value is not a number).
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            StatsFn::Range
                | StatsFn::Sum
                | StatsFn::Sumsq
                | StatsFn::Avg
                | StatsFn::Median
                | StatsFn::Perc(..)
                | StatsFn::Stdev
                | StatsFn::Stdevp
                | StatsFn::Var
                | StatsFn::Varp
        )
    }

    /// Whether the result does not depend on the order values arrive in
    /// (so partial states can be merged): not `first`, `last`, `list`,
    /// `mode`, `earliest`/`latest` (ties), nor float sums.
    pub fn order_insensitive(self) -> bool {
        matches!(
            self,
            StatsFn::Count
                | StatsFn::DistinctCount
                | StatsFn::Values
                | StatsFn::Min
                | StatsFn::Max
                | StatsFn::EarliestTime
                | StatsFn::LatestTime
                | StatsFn::EstdcError
        )
    }

    /// A fresh running state.
    pub fn start(self) -> AggState {
        match self {
            StatsFn::Count => AggState::Count(0),
            StatsFn::DistinctCount => AggState::Distinct(TextSet::default()),
            StatsFn::Values => AggState::Values(TextSet::default()),
            StatsFn::List => AggState::List(Vec::new()),
            StatsFn::Min => AggState::Min(Extreme::default()),
            StatsFn::Max => AggState::Max(Extreme::default()),
            StatsFn::Sum
            | StatsFn::Avg
            | StatsFn::Range
            | StatsFn::Sumsq
            | StatsFn::Median
            | StatsFn::Perc(..)
            | StatsFn::Stdev
            | StatsFn::Stdevp
            | StatsFn::Var
            | StatsFn::Varp => AggState::Numbers(self, Vec::new(), true),
            StatsFn::Mode => AggState::Mode(IndexMap::new()),
            StatsFn::Earliest => AggState::Earliest(None),
            StatsFn::Latest => AggState::Latest(None),
            StatsFn::EarliestTime => AggState::EarliestTime(None),
            StatsFn::LatestTime => AggState::LatestTime(None),
            StatsFn::Rate => AggState::Rate(None, None),
            StatsFn::EstdcError => AggState::Zero,
            StatsFn::First => AggState::First(None),
            StatsFn::Last => AggState::Last(None),
            StatsFn::Sparkline(func, span) => AggState::Sparkline(func, span, Vec::new()),
        }
    }
}

/// Smallest/largest number and text seen so far.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Extreme {
    number: Option<f64>,
    text: Option<String>,
}

/// Distinct texts: one hash and one comparison per value seen, where a
/// sorted set compares along a path; `values()` sorts once at the end.
pub type TextSet = HashSet<String, FieldBuildHasher>;

/// Most values `list` keeps (Splunk's documented cap).
const LIST_CAP: usize = 100;

/// Estimated bytes of one sparkline point besides its value: the
/// `(_time, Option<Value>)` slot.
const POINT_BYTES: u64 = 40;

/// A `_time` and the numeric value seen then (for `rate`).
type TimedNumber = (f64, f64);

/// The running state of one aggregation in one group.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum AggState {
    /// Count so far.
    Count(u64),
    /// Distinct values so far.
    Distinct(TextSet),
    /// Distinct values (sorted by byte order when finished).
    Values(TextSet),
    /// Values in arrival order.
    List(Vec<String>),
    /// Minimum so far.
    Min(Extreme),
    /// Maximum so far.
    Max(Extreme),
    /// Sum so far (None until a number is seen).
    Sum(Option<f64>),
    /// Sum and count of numbers so far.
    Avg(f64, u64),
    /// Every numeric value, for functions needing them all; the flag is
    /// false once a non-numeric value was seen (for `allnum`).
    Numbers(StatsFn, Vec<f64>, bool),
    /// Occurrences per value, in first-seen order.
    Mode(IndexMap<String, u64>),
    /// Earliest `_time` and its value.
    Earliest(Option<(f64, Value)>),
    /// Latest `_time` and its value.
    Latest(Option<(f64, Value)>),
    /// Smallest `_time` seen with the field.
    EarliestTime(Option<f64>),
    /// Largest `_time` seen with the field.
    LatestTime(Option<f64>),
    /// Earliest and latest (`_time`, number).
    Rate(Option<TimedNumber>, Option<TimedNumber>),
    /// `estdc_error`: always 0 (estdc is exact).
    Zero,
    /// First value seen.
    First(Option<Value>),
    /// Last value seen.
    Last(Option<Value>),
    /// A sparkline's function, span, and every (`_time`, value) seen (the
    /// value is None for a bare `count`).
    Sparkline(SparkFn, Option<f64>, Vec<(f64, Option<Value>)>),
}

impl AggState {
    /// Adds one event; `field` is the function's argument (None for `count`).
    /// Returns the estimated bytes the state grew by ([`AggState::add_value`]).
    pub fn update(&mut self, event: &Event, field: Option<&str>) -> u64 {
        let value = field.and_then(|f| event.get(f));
        self.update_value(event, value, field.is_none())
    }

    /// Adds one event's value (None for null); `count_all` makes `count`
    /// count the event whatever the value (a bare `count`). Used directly
    /// by `f(eval(expr))`, whose value is computed per event.
    /// Returns the estimated bytes the state grew by.
    pub fn update_value(&mut self, event: &Event, value: Option<&Value>, count_all: bool) -> u64 {
        if let AggState::Count(n) = self {
            if count_all || value.is_some() {
                *n += 1;
            }
            return 0;
        }
        if let AggState::Sparkline(_, _, points) = self {
            if let Some(t) = event.time() {
                if count_all || value.is_some() {
                    points.push((t, value.cloned()));
                    return POINT_BYTES + value.map_or(0, value_bytes);
                }
            }
            return 0;
        }
        let Some(value) = value else {
            return 0;
        };
        self.add_value(value, event.time())
    }

    /// Adds one (possibly multivalue) value seen at `time`. Returns the
    /// estimated bytes the state grew by, for the memory budget: a new
    /// element of `dc`/`values`/`list`/`mode` costs its text and
    /// [`ELEMENT_OVERHEAD`], a number kept for `median`/`perc`/... 8 bytes;
    /// states of a fixed size give 0 (see [`crate::exec::memory`]).
    pub fn add_value(&mut self, value: &Value, time: Option<f64>) -> u64 {
        let mut grown = 0u64;
        let element = |t: &str| t.len() as u64 + ELEMENT_OVERHEAD;
        let each = |f: &mut dyn FnMut(&str)| {
            value.any_text(|t| {
                f(t);
                false
            });
        };
        // A finite number is its own value for min/max: no text round trip
        // (`format_number` is exact for finite numbers).
        if let Value::Num(n) = value {
            if n.is_finite() {
                match self {
                    AggState::Min(ext) => {
                        ext.add_number(*n, true);
                        return 0;
                    }
                    AggState::Max(ext) => {
                        ext.add_number(*n, false);
                        return 0;
                    }
                    _ => {}
                }
            }
        }
        match self {
            AggState::Count(n) => *n += 1,
            // Owned copies only of values not seen yet.
            AggState::Distinct(set) | AggState::Values(set) => each(&mut |t| {
                if !set.contains(t) {
                    set.insert(t.to_string());
                    grown += element(t);
                }
            }),
            AggState::List(list) => each(&mut |t| {
                if list.len() < LIST_CAP {
                    list.push(t.to_string());
                    grown += element(t);
                }
            }),
            AggState::Min(ext) => each(&mut |t| ext.add(t, true)),
            AggState::Max(ext) => each(&mut |t| ext.add(t, false)),
            AggState::Sum(sum) => each(&mut |t| {
                if let Some(n) = parse_number(t) {
                    *sum = Some(sum.unwrap_or(0.0) + n);
                }
            }),
            AggState::Avg(sum, count) => each(&mut |t| {
                if let Some(n) = parse_number(t) {
                    *sum += n;
                    *count += 1;
                }
            }),
            AggState::Numbers(_, nums, all) => each(&mut |t| match parse_number(t) {
                Some(n) => {
                    nums.push(n);
                    grown += 8;
                }
                None => *all = false,
            }),
            AggState::Mode(counts) => each(&mut |t| match counts.get_mut(t) {
                Some(n) => *n += 1,
                None => {
                    counts.insert(t.to_string(), 1);
                    grown += element(t);
                }
            }),
            AggState::Earliest(best) => {
                if let Some(t) = time {
                    if best.as_ref().is_none_or(|(bt, _)| t < *bt) {
                        *best = Some((t, value.clone()));
                    }
                }
            }
            AggState::Latest(best) => {
                if let Some(t) = time {
                    if best.as_ref().is_none_or(|(bt, _)| t >= *bt) {
                        *best = Some((t, value.clone()));
                    }
                }
            }
            AggState::EarliestTime(best) => {
                if let Some(t) = time {
                    *best = Some(best.map_or(t, |b| b.min(t)));
                }
            }
            AggState::LatestTime(best) => {
                if let Some(t) = time {
                    *best = Some(best.map_or(t, |b| b.max(t)));
                }
            }
            AggState::Rate(earliest, latest) => {
                if let (Some(t), Some(n)) = (time, value.as_number()) {
                    if earliest.is_none_or(|(et, _)| t < et) {
                        *earliest = Some((t, n));
                    }
                    if latest.is_none_or(|(lt, _)| t >= lt) {
                        *latest = Some((t, n));
                    }
                }
            }
            AggState::Zero => {}
            AggState::First(first) => {
                if first.is_none() {
                    *first = Some(value.clone());
                }
            }
            AggState::Last(last) => *last = Some(value.clone()),
            AggState::Sparkline(_, _, points) => {
                if let Some(t) = time {
                    points.push((t, Some(value.clone())));
                    grown += POINT_BYTES + value_bytes(value);
                }
            }
        }
        grown
    }

    /// Adds the values of a state of the same function built over other
    /// events. Exact for [order-insensitive](StatsFn::order_insensitive)
    /// functions; other states are left unchanged.
    /// Returns the estimated bytes of `other`'s elements the state already
    /// held (dropped, for the caller to release from the memory budget).
    pub fn merge(&mut self, other: AggState) -> u64 {
        let mut dropped = 0u64;
        match (self, other) {
            (AggState::Count(a), AggState::Count(b)) => *a += b,
            (AggState::Distinct(a), AggState::Distinct(b))
            | (AggState::Values(a), AggState::Values(b)) => {
                for t in b {
                    if a.contains(&t) {
                        dropped += t.len() as u64 + ELEMENT_OVERHEAD;
                    } else {
                        a.insert(t);
                    }
                }
            }
            (AggState::Min(a), AggState::Min(b)) => a.merge(b, true),
            (AggState::Max(a), AggState::Max(b)) => a.merge(b, false),
            (AggState::EarliestTime(a), AggState::EarliestTime(Some(t))) => {
                *a = Some(a.map_or(t, |x| x.min(t)));
            }
            (AggState::LatestTime(a), AggState::LatestTime(Some(t))) => {
                *a = Some(a.map_or(t, |x| x.max(t)));
            }
            _ => {}
        }
        dropped
    }

    /// The result, or None for null. `allnum` makes numeric functions null
    /// when any value was not a number.
    pub fn finish_with(self, allnum: bool) -> Option<Value> {
        self.finish_in(allnum, None)
    }

    /// The result, with `range` the (earliest, latest) `_time` of the whole
    /// input: every sparkline of a command covers the same buckets.
    pub fn finish_in(self, allnum: bool, range: Option<(f64, f64)>) -> Option<Value> {
        if let AggState::Sparkline(func, span, points) = self {
            return Some(sparkline(func, span, &points, range));
        }
        if let AggState::Numbers(func, nums, all) = self {
            if allnum && !all {
                return None;
            }
            return numeric_result(func, nums).map(Value::Num);
        }
        self.finish()
    }

    /// The result, or None for null.
    pub fn finish(self) -> Option<Value> {
        match self {
            AggState::Count(n) => Some(Value::Num(n as f64)),
            AggState::Distinct(set) => Some(Value::Num(set.len() as f64)),
            AggState::Values(set) => {
                let mut values: Vec<String> = set.into_iter().collect();
                values.sort_unstable();
                Value::from_list(values)
            }
            AggState::List(list) => Value::from_list(list),
            AggState::Min(ext) => ext.number.map(Value::Num).or(ext.text.map(Value::Str)),
            AggState::Max(ext) => ext.number.map(Value::Num).or(ext.text.map(Value::Str)),
            AggState::Sum(sum) => sum.map(Value::Num),
            AggState::Avg(sum, count) => (count > 0).then(|| Value::Num(sum / count as f64)),
            AggState::Numbers(func, nums, _) => numeric_result(func, nums).map(Value::Num),
            AggState::Mode(counts) => {
                let mut best: Option<(&String, u64)> = None;
                for (v, n) in &counts {
                    if best.is_none_or(|(_, bn)| *n > bn) {
                        best = Some((v, *n));
                    }
                }
                best.map(|(v, _)| Value::Str(v.clone()))
            }
            AggState::Earliest(best) | AggState::Latest(best) => best.map(|(_, v)| v),
            AggState::EarliestTime(t) | AggState::LatestTime(t) => t.map(Value::Num),
            AggState::Rate(Some((t0, v0)), Some((t1, v1))) if t1 > t0 => {
                Some(Value::Num((v1 - v0) / (t1 - t0)))
            }
            AggState::Rate(..) => None,
            AggState::Zero => Some(Value::Num(0.0)),
            AggState::First(v) | AggState::Last(v) => v,
            AggState::Sparkline(func, span, points) => Some(sparkline(func, span, &points, None)),
        }
    }
}

/// A sparkline: the marker, then the function's value for each bucket of
/// `span` seconds from the bucket of the earliest time to that of the latest
/// (`range`, or the points' own). Buckets are multiples of the span from
/// the epoch (UTC). An empty bucket is `0` for `count`/`dc` and empty text
/// otherwise. Without a span, the span is the smallest of Splunk's timechart
/// spans giving fewer than 100 buckets.
fn sparkline(
    func: SparkFn,
    span: Option<f64>,
    points: &[(f64, Option<Value>)],
    range: Option<(f64, f64)>,
) -> Value {
    let own = points.iter().fold(None, |acc: Option<(f64, f64)>, (t, _)| {
        Some(acc.map_or((*t, *t), |(lo, hi)| (lo.min(*t), hi.max(*t))))
    });
    let mut out = vec![SPARKLINE_MARKER.to_string()];
    let Some((lo, hi)) = range.or(own) else {
        return Value::Multi(out);
    };
    let span = span.filter(|s| *s > 0.0).unwrap_or_else(|| {
        crate::timespan::auto_time_span(
            hi - lo,
            SPARKLINE_BUCKETS,
            0.0,
            crate::timespan::TIMECHART_SPANS,
        )
    });
    let first = (lo / span).floor();
    let count = ((hi / span).floor() - first).max(0.0) as usize + 1;
    let count = count.min(100_000);
    let stats_fn = func.stats_fn();
    let mut buckets: Vec<AggState> = (0..count).map(|_| stats_fn.start()).collect();
    for (t, value) in points {
        let i = ((t / span).floor() - first).max(0.0) as usize;
        if let Some(state) = buckets.get_mut(i) {
            match (state, value) {
                (AggState::Count(n), _) => *n += 1,
                (state, Some(v)) => {
                    state.add_value(v, Some(*t));
                }
                (_, None) => {}
            }
        }
    }
    for state in buckets {
        let text = match state.finish() {
            Some(v) => v.to_text().into_owned(),
            None if stats_fn.zero_when_empty() => "0".to_string(),
            None => String::new(),
        };
        out.push(text);
    }
    Value::Multi(out)
}

/// Computes a function that needs every numeric value.
fn numeric_result(func: StatsFn, mut nums: Vec<f64>) -> Option<f64> {
    if nums.is_empty() {
        return None;
    }
    let n = nums.len() as f64;
    let mean = nums.iter().sum::<f64>() / n;
    let squares = nums.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>();
    Some(match func {
        StatsFn::Sum => nums.iter().sum(),
        StatsFn::Avg => mean,
        StatsFn::Sumsq => nums.iter().map(|x| x * x).sum(),
        StatsFn::Range => {
            let max = nums.iter().cloned().fold(f64::MIN, f64::max);
            let min = nums.iter().cloned().fold(f64::MAX, f64::min);
            max - min
        }
        StatsFn::Var if nums.len() > 1 => squares / (n - 1.0),
        StatsFn::Stdev if nums.len() > 1 => (squares / (n - 1.0)).sqrt(),
        // A sample statistic of one value is undefined: null, as in Splunk.
        StatsFn::Var | StatsFn::Stdev => return None,
        StatsFn::Varp => squares / n,
        StatsFn::Stdevp => (squares / n).sqrt(),
        StatsFn::Median => {
            nums.sort_by(f64::total_cmp);
            percentile_of(&nums, 50.0, PercKind::Interpolated)
        }
        StatsFn::Perc(kind, pct) => {
            nums.sort_by(f64::total_cmp);
            percentile_of(&nums, pct, kind)
        }
        _ => return None,
    })
}

/// The `pct` percentile of sorted values: the rank `pct/100 * (n-1)`, and
/// between two ranks a linear interpolation (or, for `upperperc`, the upper
/// value).
pub fn percentile_of(sorted: &[f64], pct: f64, kind: PercKind) -> f64 {
    let last = sorted.len().saturating_sub(1);
    let rank = pct / 100.0 * last as f64;
    let lo = (rank.floor() as usize).min(last);
    let hi = (rank.ceil() as usize).min(last);
    match kind {
        PercKind::Upper => sorted[hi],
        PercKind::Interpolated => sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo as f64),
    }
}

impl Extreme {
    /// Combines with the extremes of other values.
    fn merge(&mut self, other: Extreme, smallest: bool) {
        if let Some(n) = other.number {
            let better = self
                .number
                .is_none_or(|cur| if smallest { n < cur } else { n > cur });
            if better {
                self.number = Some(n);
            }
        }
        if let Some(t) = other.text {
            let better = self.text.as_deref().is_none_or(|cur| {
                if smallest {
                    t.as_str() < cur
                } else {
                    t.as_str() > cur
                }
            });
            if better {
                self.text = Some(t);
            }
        }
    }

    /// Adds a number.
    fn add_number(&mut self, n: f64, smallest: bool) {
        let better = self
            .number
            .is_none_or(|cur| if smallest { n < cur } else { n > cur });
        if better {
            self.number = Some(n);
        }
    }

    /// Adds a value; numbers win over text (`docs/semantics.md#stats`: min/max are
    /// numeric when values are numbers, lexicographic otherwise).
    fn add(&mut self, text: &str, smallest: bool) {
        if let Some(n) = parse_number(text) {
            self.add_number(n, smallest);
        } else {
            let better =
                self.text.as_deref().is_none_or(
                    |cur| {
                        if smallest {
                            text < cur
                        } else {
                            text > cur
                        }
                    },
                );
            if better {
                self.text = Some(text.to_string());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(name: &str, values: &[&str]) -> Option<Value> {
        let mut state = find(name).expect("known function").start();
        for v in values {
            state.add_value(&Value::from(*v), None);
        }
        state.finish()
    }

    #[test]
    fn growing_states_report_their_growth() {
        let mut dc = find("dc").expect("dc").start();
        let abc = Value::from("abc");
        assert_eq!(dc.add_value(&abc, None), 3 + ELEMENT_OVERHEAD);
        // A value seen already adds nothing; each new one of a multivalue does.
        assert_eq!(dc.add_value(&abc, None), 0);
        let multi = Value::Multi(vec!["abc".into(), "de".into(), "de".into()]);
        assert_eq!(dc.add_value(&multi, None), 2 + ELEMENT_OVERHEAD);
        // Merging gives back what both held.
        let mut other = find("dc").expect("dc").start();
        other.add_value(&Value::from("de"), None);
        other.add_value(&Value::from("xyz"), None);
        assert_eq!(dc.merge(other), 2 + ELEMENT_OVERHEAD);
        assert_eq!(dc.finish(), Some(Value::Num(3.0)));
        // Fixed-size states grow by nothing; kept numbers by 8 bytes each.
        let mut count = find("count").expect("count").start();
        assert_eq!(count.add_value(&abc, None), 0);
        let mut median = find("median").expect("median").start();
        assert_eq!(median.add_value(&Value::from("1.5"), None), 8);
    }

    #[test]
    fn percentile_names_parse() {
        assert_eq!(
            find("perc95"),
            Some(StatsFn::Perc(PercKind::Interpolated, 95.0))
        );
        assert_eq!(
            find("p99.9"),
            Some(StatsFn::Perc(PercKind::Interpolated, 99.9))
        );
        assert_eq!(
            find("upperperc5"),
            Some(StatsFn::Perc(PercKind::Upper, 5.0))
        );
        assert_eq!(
            find("exactperc50"),
            Some(StatsFn::Perc(PercKind::Interpolated, 50.0))
        );
        assert_eq!(find("perc"), None);
        assert_eq!(find("p-1"), None);
        assert_eq!(find("pizza"), None);
    }

    #[test]
    fn spread_functions() {
        let v = ["2", "4", "4", "4", "5", "5", "7", "9"];
        assert_eq!(run("varp", &v), Some(Value::Num(4.0)));
        assert_eq!(run("stdevp", &v), Some(Value::Num(2.0)));
        assert_eq!(run("range", &v), Some(Value::Num(7.0)));
        assert_eq!(run("sumsq", &["1", "2", "x"]), Some(Value::Num(5.0)));
        assert_eq!(run("var", &["1"]), None);
        assert_eq!(run("median", &["1", "3", "2", "10"]), Some(Value::Num(2.5)));
        assert_eq!(
            run("mode", &["a", "b", "b", "a", "c"]),
            Some(Value::from("a"))
        );
        assert_eq!(
            run("perc25", &["1", "2", "3", "4", "5"]),
            Some(Value::Num(2.0))
        );
        assert_eq!(run("upperperc10", &["1", "2", "3"]), Some(Value::Num(2.0)));
    }
}
