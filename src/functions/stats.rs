//! Aggregation functions (`count`, `dc`, `values`, `min`, ...): their names,
//! their running state, and their results, with Splunk's rules
//! (SEMANTICS.md §5).

use std::collections::{BTreeSet, HashSet};

use crate::event::Event;
use crate::value::{parse_number, Value};

/// A supported aggregation function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatsFn {
    /// `count` / `c`: events, or events where the field is non-null.
    Count,
    /// `dc` / `distinct_count`: distinct values.
    DistinctCount,
    /// `values`: distinct values, sorted.
    Values,
    /// `list`: all values in order, at most 100.
    List,
    /// `min`: smallest number, or smallest text when no value is a number.
    Min,
    /// `max`: largest number, or largest text when no value is a number.
    Max,
    /// `sum`: sum of numeric values.
    Sum,
    /// `avg` / `mean`: mean of numeric values.
    Avg,
    /// `earliest`: the value from the event with the smallest `_time`.
    Earliest,
    /// `latest`: the value from the event with the largest `_time`.
    Latest,
    /// `first`: the first value seen (events arrive newest first).
    First,
    /// `last`: the last value seen.
    Last,
}

/// Looks a function up by name (case-insensitive).
pub fn find(name: &str) -> Option<StatsFn> {
    Some(match name.to_ascii_lowercase().as_str() {
        "count" | "c" => StatsFn::Count,
        "dc" | "distinct_count" => StatsFn::DistinctCount,
        "values" => StatsFn::Values,
        "list" => StatsFn::List,
        "min" => StatsFn::Min,
        "max" => StatsFn::Max,
        "sum" => StatsFn::Sum,
        "avg" | "mean" => StatsFn::Avg,
        "earliest" => StatsFn::Earliest,
        "latest" => StatsFn::Latest,
        "first" => StatsFn::First,
        "last" => StatsFn::Last,
        _ => return None,
    })
}

impl StatsFn {
    /// Whether the function may be written without a field (`count`).
    pub fn field_optional(self) -> bool {
        self == StatsFn::Count
    }

    /// A fresh running state.
    pub fn start(self) -> AggState {
        match self {
            StatsFn::Count => AggState::Count(0),
            StatsFn::DistinctCount => AggState::Distinct(HashSet::new()),
            StatsFn::Values => AggState::Values(BTreeSet::new()),
            StatsFn::List => AggState::List(Vec::new()),
            StatsFn::Min => AggState::Min(Extreme::default()),
            StatsFn::Max => AggState::Max(Extreme::default()),
            StatsFn::Sum => AggState::Sum(None),
            StatsFn::Avg => AggState::Avg(0.0, 0),
            StatsFn::Earliest => AggState::Earliest(None),
            StatsFn::Latest => AggState::Latest(None),
            StatsFn::First => AggState::First(None),
            StatsFn::Last => AggState::Last(None),
        }
    }
}

/// Smallest/largest number and text seen so far.
#[derive(Debug, Clone, Default)]
pub struct Extreme {
    number: Option<f64>,
    text: Option<String>,
}

/// Most values `list` keeps (Splunk's documented cap).
const LIST_CAP: usize = 100;

/// The running state of one aggregation in one group.
#[derive(Debug, Clone)]
pub enum AggState {
    /// Count so far.
    Count(u64),
    /// Distinct values so far.
    Distinct(HashSet<String>),
    /// Distinct values, kept sorted by byte order.
    Values(BTreeSet<String>),
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
    /// Earliest `_time` and its value.
    Earliest(Option<(f64, Value)>),
    /// Latest `_time` and its value.
    Latest(Option<(f64, Value)>),
    /// First value seen.
    First(Option<Value>),
    /// Last value seen.
    Last(Option<Value>),
}

impl AggState {
    /// Adds one event; `field` is the function's argument (None for `count`).
    pub fn update(&mut self, event: &Event, field: Option<&str>) {
        let value = field.and_then(|f| event.get(f));
        self.update_value(event, value, field.is_none());
    }

    /// Adds one event's value (None for null); `count_all` makes `count`
    /// count the event whatever the value (a bare `count`). Used directly
    /// by `f(eval(expr))`, whose value is computed per event.
    pub fn update_value(&mut self, event: &Event, value: Option<&Value>, count_all: bool) {
        if let AggState::Count(n) = self {
            if count_all || value.is_some() {
                *n += 1;
            }
            return;
        }
        let Some(value) = value else {
            return;
        };
        match self {
            AggState::Count(_) => false,
            AggState::Distinct(set) => value.any_text(|t| {
                set.insert(t.to_string());
                false
            }),
            AggState::Values(set) => value.any_text(|t| {
                set.insert(t.to_string());
                false
            }),
            AggState::List(list) => value.any_text(|t| {
                if list.len() < LIST_CAP {
                    list.push(t.to_string());
                }
                false
            }),
            AggState::Min(ext) => value.any_text(|t| {
                ext.add(t, true);
                false
            }),
            AggState::Max(ext) => value.any_text(|t| {
                ext.add(t, false);
                false
            }),
            AggState::Sum(sum) => value.any_text(|t| {
                if let Some(n) = parse_number(t) {
                    *sum = Some(sum.unwrap_or(0.0) + n);
                }
                false
            }),
            AggState::Avg(sum, count) => value.any_text(|t| {
                if let Some(n) = parse_number(t) {
                    *sum += n;
                    *count += 1;
                }
                false
            }),
            AggState::Earliest(best) => {
                if let Some(t) = event.time() {
                    if best.as_ref().is_none_or(|(bt, _)| t < *bt) {
                        *best = Some((t, value.clone()));
                    }
                }
                false
            }
            AggState::Latest(best) => {
                if let Some(t) = event.time() {
                    if best.as_ref().is_none_or(|(bt, _)| t > *bt) {
                        *best = Some((t, value.clone()));
                    }
                }
                false
            }
            AggState::First(first) => {
                if first.is_none() {
                    *first = Some(value.clone());
                }
                false
            }
            AggState::Last(last) => {
                *last = Some(value.clone());
                false
            }
        };
    }

    /// The result, or None for null.
    pub fn finish(self) -> Option<Value> {
        match self {
            AggState::Count(n) => Some(Value::Num(n as f64)),
            AggState::Distinct(set) => Some(Value::Num(set.len() as f64)),
            AggState::Values(set) => Value::from_list(set.into_iter().collect()),
            AggState::List(list) => Value::from_list(list),
            AggState::Min(ext) => ext.number.map(Value::Num).or(ext.text.map(Value::Str)),
            AggState::Max(ext) => ext.number.map(Value::Num).or(ext.text.map(Value::Str)),
            AggState::Sum(sum) => sum.map(Value::Num),
            AggState::Avg(sum, count) => (count > 0).then(|| Value::Num(sum / count as f64)),
            AggState::Earliest(best) | AggState::Latest(best) => best.map(|(_, v)| v),
            AggState::First(v) | AggState::Last(v) => v,
        }
    }
}

impl Extreme {
    /// Adds a value; numbers win over text (SEMANTICS.md §5.1: min/max are
    /// numeric when values are numbers, lexicographic otherwise).
    fn add(&mut self, text: &str, smallest: bool) {
        if let Some(n) = parse_number(text) {
            let better = self
                .number
                .is_none_or(|cur| if smallest { n < cur } else { n > cur });
            if better {
                self.number = Some(n);
            }
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
