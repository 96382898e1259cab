//! `chart`: aggregates into a table with one row per value of the row-split
//! (`over`) field and one column per value of the column-split (`by`) field.
//! Also holds the pivot engine `timechart` shares.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/chart>:
//! `chart [<chart-options>] <stats-agg-term>... [BY <row-split> <column-split>]
//! | [OVER <row-split>] [BY <column-split>]`.
//!
//! - The aggregations are `stats`' (parsed by [`crate::commands::stats::aggregation`],
//!   run by [`crate::functions::stats`]), including `sparkline(...)`.
//! - Without a column split the result is `stats`' (one row per row-split
//!   value, sorted; a single row without any split).
//! - With one, each column is a column-split value; with several
//!   aggregations it is `<agg>: <value>` (`sep=`, `format=$AGG$..$VAL$`).
//! - `limit=[top|bottom]N` (default top 10, 0 = all) keeps the series with
//!   the highest (lowest) score: the sum of the aggregation's values for one
//!   aggregation, the number of events for several; ties go to the smaller
//!   value. The rest become one `OTHER` column (`useother`, `otherstr`),
//!   aggregated over their events again. Events without the column field
//!   make a `NULL` column (`usenull`, `nullstr`; default true).
//! - Columns: kept values in ascending order, then `NULL`, then `OTHER`.
//!   A cell with no events is 0 for `count`/`dc` and null otherwise.
//! - `span=`, `bins=`, `start=`, `end=`, `minspan=`, `aligntime=` after a
//!   split field bin that field as `bin` does (a `_time` row split is always
//!   binned, as Splunk does); numeric bins are ordered by their lower end.
//! - `cont` and `dedup_splitvals` are accepted; `cont` changes nothing here
//!   (empty numeric bins are not filled), `dedup_splitvals=true` counts a
//!   multivalue column value once per event.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::hash::Hash;

use crate::commands::bin::{self, Bin};
use crate::commands::common::{
    at_option, bad, bool_opt, collect, count_opt, number_opt, option, unsupported,
};
use crate::commands::stats::{aggregation, evaluate, update_states, Aggregation, TimeRange};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::eval::EvalContext;
use crate::event::Event;
use crate::exec::{Context, Rows};
use crate::functions::stats::AggState;
use crate::source::Span;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::Parser;
use crate::value::{compare_text, parse_number, Value};

/// `chart count over host by status`, `chart count by host status limit=5`.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// The aggregations.
    pub aggs: Vec<Aggregation>,
    /// The row-split field (`over f`, or the first `by` field).
    pub row: Option<Split>,
    /// The column-split field (`by f` after `over`, or the second `by` field).
    pub col: Option<Split>,
    /// How series are picked and named.
    pub series: SeriesOptions,
}

/// A split field and its binning, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    /// The field.
    pub field: String,
    /// Bin options written after it (`span=1h`, `bins=10`).
    pub bin: Option<Bin>,
}

/// Options choosing and naming the column-split series (shared with
/// `timechart`).
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesOptions {
    /// `limit=N` / `topN` (false) or `bottomN` (true); 0 keeps all.
    pub limit: usize,
    /// `limit=bottomN`.
    pub bottom: bool,
    /// `useother`: the series past the limit become one column.
    pub useother: bool,
    /// `usenull`: events without the split field make a column.
    pub usenull: bool,
    /// The name of the null column.
    pub nullstr: String,
    /// The name of the other column.
    pub otherstr: String,
    /// `format=`, e.g. `$AGG$: $VAL$` (from `sep=` when not given).
    pub format: String,
    /// `dedup_splitvals=true`.
    pub dedup_splitvals: bool,
    /// Column names starting with `_` get a `VALUE` prefix (timechart).
    pub value_prefix: bool,
    /// An explicit `WHERE <agg> <comp>` series filter; when given, `limit`
    /// is ignored (the timechart page).
    pub filter: Option<Box<SeriesFilter>>,
}

/// `WHERE <agg> (in|notin) (top|bottom)<N>` or `WHERE <agg> (<|>) <num>`:
/// which series are kept, judged by `agg` over each series' values (one
/// per row), e.g. `where max in top5` keeps the five series with the
/// highest spikes.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesFilter {
    /// How a series' values are reduced to its score.
    pub agg: WhereAgg,
    /// The test on that score.
    pub comp: WhereComp,
}

/// The where clause's reductions. The page names `sum` (the default
/// scoring) and `max` (spikes); `min` and `avg` reduce the same way. Others
/// (e.g. `count`, whose meaning over a series the page does not define)
/// are refused at parse time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhereAgg {
    /// Sum of the series' numeric values.
    Sum,
    /// Largest value.
    Max,
    /// Smallest value.
    Min,
    /// Mean value.
    Avg,
}

/// The where clause's test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum WhereComp {
    /// `in`/`notin` the top or bottom N.
    Rank {
        /// `notin`.
        not: bool,
        /// `bottom` (else `top`).
        bottom: bool,
        /// N.
        n: usize,
    },
    /// `> num` (true) or `< num` (false).
    Threshold {
        /// `>`.
        greater: bool,
        /// The threshold.
        num: f64,
    },
}

impl WhereAgg {
    fn reduce(self, values: &[f64]) -> Option<f64> {
        if values.is_empty() {
            return None;
        }
        Some(match self {
            WhereAgg::Sum => values.iter().sum(),
            WhereAgg::Max => values.iter().cloned().fold(f64::NEG_INFINITY, f64::max),
            WhereAgg::Min => values.iter().cloned().fold(f64::INFINITY, f64::min),
            WhereAgg::Avg => values.iter().sum::<f64>() / values.len() as f64,
        })
    }
}

/// Parses a where clause after its `WHERE` keyword: `<agg> (in|notin)
/// (top|bottom)<N>` or `<agg> (<|>) <num>`.
pub fn parse_where(p: &mut Parser, command: &str) -> Result<SeriesFilter> {
    let (name, span) = p.word("a function such as `sum` or `max` after `where`")?;
    let agg = match name.to_ascii_lowercase().as_str() {
        "sum" => WhereAgg::Sum,
        "max" => WhereAgg::Max,
        "min" => WhereAgg::Min,
        "avg" | "mean" => WhereAgg::Avg,
        _ => {
            return Err(unsupported(
                command,
                format!("`where {name} ...` is not supported: spelunk reduces a series with sum, max, min or avg only (the page does not define `{name}` over a series)"),
                span,
            ))
        }
    };
    let comp = if p.eat(&Tok::Gt) || p.eat(&Tok::Lt) {
        let greater = p.text_of(p.last_span()) == ">";
        let (text, nspan) = p.value("a number after the comparison")?;
        let num = crate::value::parse_number(&text)
            .ok_or_else(|| bad(command, format!("`{text}` is not a number"), nspan))?;
        WhereComp::Threshold { greater, num }
    } else {
        let (word, wspan) = p.word("`in`, `notin`, `<` or `>`")?;
        let not = match word.to_ascii_lowercase().as_str() {
            "in" => false,
            "notin" => true,
            _ => {
                return Err(bad(
                    command,
                    format!(
                        "expected `in`, `notin`, `<` or `>` in the where clause, found `{word}`"
                    ),
                    wspan,
                ))
            }
        };
        let (group, gspan) = p.word("`top<N>` or `bottom<N>`")?;
        let lower = group.to_ascii_lowercase();
        let (bottom, digits) = match (lower.strip_prefix("top"), lower.strip_prefix("bottom")) {
            (Some(d), _) => (false, d),
            (_, Some(d)) => (true, d),
            _ => {
                return Err(bad(
                    command,
                    format!("expected `top<N>` or `bottom<N>`, found `{group}`"),
                    gspan,
                ))
            }
        };
        let n = digits.parse().map_err(|_| {
            bad(
                command,
                format!("expected `top<N>` or `bottom<N>`, found `{group}`"),
                gspan,
            )
        })?;
        WhereComp::Rank { not, bottom, n }
    };
    Ok(SeriesFilter { agg, comp })
}

impl SeriesFilter {
    /// The series kept, from each series' values.
    fn keep(&self, series: &[(String, Vec<f64>)]) -> HashSet<String> {
        let scored: Vec<(Option<f64>, &String)> = series
            .iter()
            .map(|(v, xs)| (self.agg.reduce(xs), v))
            .collect();
        match self.comp {
            WhereComp::Threshold { greater, num } => scored
                .into_iter()
                .filter(|(s, _)| s.is_some_and(|s| if greater { s > num } else { s < num }))
                .map(|(_, v)| v.clone())
                .collect(),
            WhereComp::Rank { not, bottom, n } => {
                let mut ranked: Vec<(f64, &String)> = scored
                    .iter()
                    .filter_map(|(s, v)| s.map(|s| (s, *v)))
                    .collect();
                ranked.sort_by(|a, b| {
                    let o = if bottom {
                        a.0.total_cmp(&b.0)
                    } else {
                        b.0.total_cmp(&a.0)
                    };
                    o.then_with(|| a.1.cmp(b.1))
                });
                let group: HashSet<&String> = ranked.iter().take(n).map(|(_, v)| *v).collect();
                series
                    .iter()
                    .filter(|(v, _)| group.contains(v) != not)
                    .map(|(v, _)| v.clone())
                    .collect()
            }
        }
    }
}

impl Default for SeriesOptions {
    fn default() -> Self {
        SeriesOptions {
            limit: 10,
            bottom: false,
            useother: true,
            usenull: true,
            nullstr: "NULL".into(),
            otherstr: "OTHER".into(),
            format: "$AGG$: $VAL$".into(),
            dedup_splitvals: false,
            value_prefix: false,
            filter: None,
        }
    }
}

impl SeriesOptions {
    /// Handles a series option; false when `key` is not one.
    pub fn set(&mut self, command: &str, key: &str, value: &str, span: Span) -> Result<bool> {
        match key {
            "limit" => {
                let lower = value.to_ascii_lowercase();
                let (bottom, digits) = if let Some(rest) = lower.strip_prefix("bottom") {
                    (true, rest)
                } else {
                    (false, lower.strip_prefix("top").unwrap_or(&lower))
                };
                self.bottom = bottom;
                self.limit = count_opt(command, key, digits, span).map_err(|_| {
                    bad(
                        command,
                        format!("`limit` must be N, topN or bottomN, found `{value}`"),
                        span,
                    )
                })?;
            }
            "useother" => self.useother = bool_opt(command, key, value, span)?,
            "usenull" => self.usenull = bool_opt(command, key, value, span)?,
            "nullstr" => self.nullstr = value.to_string(),
            "otherstr" => self.otherstr = value.to_string(),
            "sep" => self.format = format!("$AGG${value}$VAL$"),
            "format" => self.format = value.to_string(),
            "dedup_splitvals" => self.dedup_splitvals = bool_opt(command, key, value, span)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// Bin options that may follow a split field.
pub const BIN_OPTIONS: &[&str] = &["span", "bins", "minspan", "start", "end", "aligntime"];

/// Sets one bin option on `bin` (created for `field` with `default_bins`).
pub fn set_bin_option(
    bin: &mut Option<Bin>,
    field: &str,
    default_bins: usize,
    command: &str,
    key: &str,
    value: &str,
    span: Span,
) -> Result<()> {
    let b = bin.get_or_insert_with(|| new_bin(field, default_bins));
    match key {
        "span" => b.span = Some(bin::parse_span(value, command, span)?),
        "bins" => b.bins = count_opt(command, key, value, span)?.max(1),
        "minspan" => {
            b.minspan = Some(
                crate::commands::common::time_span_seconds(value)
                    .ok_or_else(|| bad(command, format!("`{value}` is not a span"), span))?,
            )
        }
        "start" => b.start = Some(number_opt(command, key, value, span)?),
        "end" => b.end = Some(number_opt(command, key, value, span)?),
        _ => {
            if value.eq_ignore_ascii_case("earliest") || value.eq_ignore_ascii_case("latest") {
                return Err(bad(
                    command,
                    "`aligntime=earliest|latest` needs a search time range, which offline searches do not have",
                    span,
                ));
            }
            b.aligntime = Some(number_opt(command, key, value, span)?)
        }
    }
    Ok(())
}

/// A `bin <field>` with no options.
fn new_bin(field: &str, bins: usize) -> Bin {
    Bin {
        field: field.to_string(),
        output: field.to_string(),
        span: None,
        bins,
        minspan: None,
        start: None,
        end: None,
        aligntime: None,
        extra: None,
    }
}

/// Default number of bins for `chart` (its docs: `bins=300`).
const CHART_BINS: usize = 300;

/// Parses `chart`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let mut aggs = Vec::new();
    let mut series = SeriesOptions::default();
    let mut row: Option<Split> = None;
    let mut col: Option<Split> = None;
    let mut splits_started = false;
    let mut by_seen = false;
    while !p.at_command_end() {
        if at_option(p) {
            let (key, value, span) = option(p)?;
            if series.set("chart", &key, &value, span)? {
                continue;
            }
            if BIN_OPTIONS.contains(&key.as_str()) {
                let target = match (&mut col, &mut row) {
                    (Some(c), _) => c,
                    (None, Some(r)) => r,
                    (None, None) => {
                        return Err(bad(
                            "chart",
                            format!(
                            "`{key}` must follow the field it bins, e.g. `over size {key}={value}`"
                        ),
                            span,
                        ))
                    }
                };
                let field = target.field.clone();
                set_bin_option(
                    &mut target.bin,
                    &field,
                    CHART_BINS,
                    "chart",
                    &key,
                    &value,
                    span,
                )?;
                continue;
            }
            if key == "cont" {
                bool_opt("chart", &key, &value, span)?;
                continue;
            }
            return Err(crate::commands::common::unknown_option("chart", &key, span));
        }
        if p.eat(&crate::syntax::lexer::Tok::Comma) {
            continue;
        }
        if p.at_keyword("over") && row.is_none() && !splits_started {
            p.next_token();
            splits_started = true;
            let (field, _) = p.field_name("a field name after `over`")?;
            row = Some(Split { field, bin: None });
            continue;
        }
        if p.at_keyword("by") && !by_seen {
            p.word("by")?;
            splits_started = true;
            by_seen = true;
            let mut fields = Vec::new();
            while !p.at_command_end() && !at_option(p) {
                if p.eat(&crate::syntax::lexer::Tok::Comma) {
                    continue;
                }
                fields.push(p.field_name("a field name")?);
            }
            let room = if row.is_some() { 1 } else { 2 };
            if fields.is_empty() {
                return Err(p.expected("a field name after `by`"));
            }
            if fields.len() > room {
                let extra = fields[room].1;
                return Err(bad(
                    "chart",
                    if room == 1 {
                        "after `over <field>`, `by` takes one field (the column split)"
                    } else {
                        "`by` takes at most two fields: the row split and the column split"
                    },
                    extra,
                ));
            }
            let mut names = fields.into_iter().map(|(f, _)| Split {
                field: f,
                bin: None,
            });
            if row.is_none() {
                row = names.next();
            }
            col = names.next();
            continue;
        }
        if splits_started {
            return Err(p.expected("an option or the end of `chart`"));
        }
        let agg = aggregation(p)?;
        crate::commands::stats::reject_wildcards(std::slice::from_ref(&agg), "chart")?;
        aggs.push(agg);
    }
    if aggs.is_empty() {
        return Err(bad(
            "chart",
            "expected at least one aggregation, e.g. `count`",
            name_span,
        ));
    }
    if let Some(r) = &mut row {
        if r.field == "_time" && r.bin.is_none() {
            r.bin = Some(new_bin("_time", CHART_BINS));
        }
    }
    Ok(CommandArgs::Chart(Chart {
        aggs,
        row,
        col,
        series,
    }))
}

impl super::Command for Chart {
    /// Drains the input and yields the table.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let mut events = collect(input)?;
        for split in [&self.row, &self.col].into_iter().flatten() {
            if let Some(b) = &split.bin {
                events = collect(b.apply(Box::new(events.into_iter().map(Ok)), ctx)?)?;
            }
        }
        let ectx = EvalContext::at(ctx.now, ctx.tz);
        let pivot = Pivot {
            aggs: &self.aggs,
            col: self.col.as_ref().map(|c| c.field.as_str()),
            opts: &self.series,
        };
        let row_field = self.row.as_ref().map(|r| r.field.clone());
        let table = pivot.run(&events, &ectx, |e| match &row_field {
            None => vec![String::new()],
            Some(f) => e
                .get(f)
                .map(|v| v.texts().into_iter().map(|t| t.into_owned()).collect())
                .unwrap_or_default(),
        })?;
        let empty = table.empty_row();
        let mut rows = table.rows;
        if row_field.is_none() && rows.is_empty() {
            // Like `stats`: without a split, one row even for no events.
            rows.push((String::new(), empty));
        }
        let binned_numbers = self
            .row
            .as_ref()
            .is_some_and(|r| r.bin.is_some() && r.field != "_time");
        rows.sort_by(|a, b| {
            if binned_numbers {
                compare_bins(&a.0, &b.0)
            } else {
                compare_text(&a.0, &b.0)
            }
        });
        let out = rows.into_iter().map(move |(key, cells)| {
            let mut event = Event::new();
            if let Some(f) = &row_field {
                let value = match parse_number(&key) {
                    Some(n) if f == "_time" => Value::Num(n),
                    _ => Value::Str(key),
                };
                event.set(f.clone(), value);
            }
            for (name, value) in cells {
                event.set_opt(name, value);
            }
            Ok(event)
        });
        Ok(Box::new(out))
    }
}

/// Orders `bin` range labels (`10-20`) by their lower end.
fn compare_bins(a: &str, b: &str) -> Ordering {
    match (bin_start(a), bin_start(b)) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        _ => compare_text(a, b),
    }
}

fn bin_start(label: &str) -> Option<f64> {
    let dash = label.get(1..)?.find('-')? + 1;
    parse_number(&label[..dash])
}

/// The pivot shared by `chart` and `timechart`: groups events by a row key
/// and a column-split value, aggregates each cell, picks the series.
pub struct Pivot<'a> {
    /// The aggregations.
    pub aggs: &'a [Aggregation],
    /// The column-split field.
    pub col: Option<&'a str>,
    /// Series options.
    pub opts: &'a SeriesOptions,
}

/// A row's cells: column names and values (None for null), in order.
pub type Cells = Vec<(String, Option<Value>)>;

/// A pivot's result: rows (in first-seen order) of named cells.
pub struct Table<K> {
    /// Each row key with its cells, in column order.
    pub rows: Vec<(K, Cells)>,
    /// The columns with whether an empty cell is 0 (`count`, `dc`).
    pub columns: Vec<(String, bool)>,
}

impl<K> Table<K> {
    /// The cells of a row without events: 0 for `count`/`dc`, else null.
    pub fn empty_row(&self) -> Cells {
        self.columns
            .iter()
            .map(|(name, zero)| (name.clone(), zero.then_some(Value::Num(0.0))))
            .collect()
    }
}

/// A column-split value: a value, or null (no field).
type ColKey = Option<String>;

impl Pivot<'_> {
    /// Runs the pivot; `row_keys` gives the rows an event belongs to (none
    /// drops it).
    pub fn run<K: Clone + Eq + Hash>(
        &self,
        events: &[Event],
        ectx: &EvalContext,
        row_keys: impl Fn(&Event) -> Vec<K>,
    ) -> Result<Table<K>> {
        let fresh = || self.aggs.iter().map(|a| a.func.start()).collect::<Vec<_>>();
        let mut row_order: Vec<K> = Vec::new();
        let mut seen_rows: HashSet<K> = HashSet::new();
        let mut cells: HashMap<(K, ColKey), Vec<AggState>> = HashMap::new();
        let mut frequency: HashMap<ColKey, u64> = HashMap::new();
        // (event index, row key, column) for re-aggregating OTHER.
        let mut members: Vec<(usize, K, ColKey)> = Vec::new();
        let mut range = TimeRange::default();
        let mut evaluated_all = Vec::with_capacity(events.len());
        for (i, event) in events.iter().enumerate() {
            range.add(event);
            let keys = row_keys(event);
            let evaluated = evaluate(self.aggs, event, ectx)?;
            if keys.is_empty() {
                evaluated_all.push(evaluated);
                continue;
            }
            let cols: Vec<ColKey> = match self.col {
                None => vec![None],
                Some(f) => match event.get(f) {
                    Some(v) => {
                        let mut texts: Vec<String> =
                            v.texts().into_iter().map(|t| t.into_owned()).collect();
                        if self.opts.dedup_splitvals {
                            let mut seen = HashSet::new();
                            texts.retain(|t| seen.insert(t.clone()));
                        }
                        texts.into_iter().map(Some).collect()
                    }
                    None if self.opts.usenull => vec![None],
                    None => Vec::new(),
                },
            };
            if cols.is_empty() {
                evaluated_all.push(evaluated);
                continue;
            }
            for col in &cols {
                *frequency.entry(col.clone()).or_insert(0) += 1;
            }
            for key in keys {
                if seen_rows.insert(key.clone()) {
                    row_order.push(key.clone());
                }
                for col in &cols {
                    let states = cells
                        .entry((key.clone(), col.clone()))
                        .or_insert_with(fresh);
                    update_states(states, self.aggs, event, &evaluated);
                    members.push((i, key.clone(), col.clone()));
                }
            }
            evaluated_all.push(evaluated);
        }
        let range = range.get();
        let finished: HashMap<(K, ColKey), Vec<Option<Value>>> = cells
            .into_iter()
            .map(|(k, states)| {
                let values = states
                    .into_iter()
                    .map(|s| s.finish_in(false, range))
                    .collect();
                (k, values)
            })
            .collect();
        let zero: Vec<bool> = self.aggs.iter().map(|a| a.func.zero_when_empty()).collect();

        let Some(_) = self.col else {
            // No column split: the aggregations are the columns.
            let columns: Vec<(String, bool)> = self
                .aggs
                .iter()
                .zip(&zero)
                .map(|(a, z)| (a.output.clone(), *z))
                .collect();
            let rows = row_order
                .into_iter()
                .map(|key| {
                    let values = finished.get(&(key.clone(), None));
                    let cells = self
                        .aggs
                        .iter()
                        .enumerate()
                        .map(|(i, a)| {
                            let v = values.and_then(|vs| vs.get(i).cloned().flatten());
                            (a.output.clone(), v)
                        })
                        .collect();
                    (key, cells)
                })
                .collect();
            return Ok(Table { rows, columns });
        };

        // Pick the series.
        let mut values: Vec<String> = frequency.keys().filter_map(|c| c.clone()).collect();
        values.sort_by(|a, b| compare_text(a, b));
        let score = |v: &String| -> f64 {
            if self.aggs.len() == 1 {
                finished
                    .iter()
                    .filter(|((_, c), _)| c.as_ref() == Some(v))
                    .filter_map(|(_, vals)| vals.first().cloned().flatten())
                    .filter_map(|x| x.as_number())
                    .sum()
            } else {
                frequency.get(&Some(v.clone())).copied().unwrap_or(0) as f64
            }
        };
        let mut ranked: Vec<(f64, String)> = values.iter().map(|v| (score(v), v.clone())).collect();
        ranked.sort_by(|a, b| {
            let by_score = if self.opts.bottom {
                a.0.total_cmp(&b.0)
            } else {
                b.0.total_cmp(&a.0)
            };
            by_score.then_with(|| a.1.cmp(&b.1))
        });
        let keep_n = if self.opts.limit == 0 {
            ranked.len()
        } else {
            self.opts.limit.min(ranked.len())
        };
        let kept: HashSet<String> = match &self.opts.filter {
            // An explicit where clause replaces `limit`.
            Some(filter) => {
                let per_series: Vec<(String, Vec<f64>)> = values
                    .iter()
                    .map(|v| {
                        let xs = finished
                            .iter()
                            .filter(|((_, c), _)| c.as_ref() == Some(v))
                            .filter_map(|(_, vals)| vals.first().cloned().flatten())
                            .filter_map(|x| x.as_number())
                            .collect();
                        (v.clone(), xs)
                    })
                    .collect();
                filter.keep(&per_series)
            }
            None => ranked[..keep_n].iter().map(|(_, v)| v.clone()).collect(),
        };
        let has_other = self.opts.useother && kept.len() < ranked.len();
        let has_null = frequency.contains_key(&None);

        // OTHER: the dropped series' events aggregated together per row.
        let mut other: HashMap<K, Vec<AggState>> = HashMap::new();
        if has_other {
            for (i, key, col) in &members {
                let Some(c) = col else { continue };
                if kept.contains(c) {
                    continue;
                }
                let (Some(event), Some(evaluated)) = (events.get(*i), evaluated_all.get(*i)) else {
                    continue;
                };
                let states = other.entry(key.clone()).or_insert_with(fresh);
                update_states(states, self.aggs, event, evaluated);
            }
        }
        let other: HashMap<K, Vec<Option<Value>>> = other
            .into_iter()
            .map(|(k, states)| {
                (
                    k,
                    states
                        .into_iter()
                        .map(|s| s.finish_in(false, range))
                        .collect(),
                )
            })
            .collect();

        // Columns: per aggregation, kept values ascending, NULL, OTHER.
        enum Series {
            Value(String),
            Null,
            Other,
        }
        let mut series: Vec<Series> = values
            .into_iter()
            .filter(|v| kept.contains(v))
            .map(Series::Value)
            .collect();
        if has_null {
            series.push(Series::Null);
        }
        if has_other {
            series.push(Series::Other);
        }
        let label = |s: &Series| -> String {
            match s {
                Series::Value(v) if self.opts.value_prefix && v.starts_with('_') => {
                    format!("VALUE{v}")
                }
                Series::Value(v) => v.clone(),
                Series::Null => self.opts.nullstr.clone(),
                Series::Other => self.opts.otherstr.clone(),
            }
        };
        let mut columns = Vec::new();
        for (i, agg) in self.aggs.iter().enumerate() {
            for s in &series {
                let name = if self.aggs.len() == 1 {
                    label(s)
                } else {
                    self.opts
                        .format
                        .replace("$AGG$", &agg.output)
                        .replace("$VAL$", &label(s))
                };
                columns.push((name, zero[i]));
            }
        }
        let rows = row_order
            .into_iter()
            .map(|key| {
                let mut out = Vec::with_capacity(columns.len());
                let mut names = columns.iter();
                for i in 0..self.aggs.len() {
                    for s in &series {
                        let value = match s {
                            Series::Value(v) => finished
                                .get(&(key.clone(), Some(v.clone())))
                                .and_then(|vs| vs.get(i).cloned().flatten()),
                            Series::Null => finished
                                .get(&(key.clone(), None))
                                .and_then(|vs| vs.get(i).cloned().flatten()),
                            Series::Other => {
                                other.get(&key).and_then(|vs| vs.get(i).cloned().flatten())
                            }
                        };
                        let Some((name, zero)) = names.next() else {
                            continue;
                        };
                        let value = value.or_else(|| zero.then_some(Value::Num(0.0)));
                        out.push((name.clone(), value));
                    }
                }
                (key, out)
            })
            .collect();
        Ok(Table { rows, columns })
    }
}

/// The registry entries of `chart`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "chart",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod where_tests {
    use super::*;

    #[test]
    fn where_filters_rank_and_threshold() {
        let series = vec![
            ("a".to_string(), vec![5.0, 1.0]),
            ("b".to_string(), vec![1.0, 4.0]),
            ("c".to_string(), vec![3.0, 3.0]),
            ("d".to_string(), vec![]),
        ];
        let keep = |agg, comp| {
            let mut v: Vec<String> = SeriesFilter { agg, comp }
                .keep(&series)
                .into_iter()
                .collect();
            v.sort();
            v
        };
        let rank = |not, bottom, n| WhereComp::Rank { not, bottom, n };
        assert_eq!(keep(WhereAgg::Max, rank(false, false, 1)), vec!["a"]);
        assert_eq!(keep(WhereAgg::Sum, rank(false, true, 1)), vec!["b"]);
        assert_eq!(
            keep(WhereAgg::Max, rank(true, false, 1)),
            vec!["b", "c", "d"]
        );
        let over = WhereComp::Threshold {
            greater: true,
            num: 5.0,
        };
        assert_eq!(keep(WhereAgg::Sum, over), vec!["a", "c"]);
        let under = WhereComp::Threshold {
            greater: false,
            num: 3.5,
        };
        assert_eq!(keep(WhereAgg::Avg, under), vec!["a", "b", "c"]);
    }
}
