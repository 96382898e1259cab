//! `pivot <model> <dataset> <pivot elements>`: a pivot table over a data
//! model dataset.
//!
//! Docs: <https://help.splunk.com/splunk-cloud-platform/spl-search-reference/10.0.2503/search-commands/pivot>:
//! "Fundamentally this command is a wrapper around the stats and xyseries
//! commands." Elements: `(<cellvalue>)* (SPLITROW <rowvalue>)* (SPLITCOL
//! colvalue [options])* (FILTER <filter expression>)* (LIMIT <limit
//! expression>)* (ROWSUMMARY <true | false>)* (COLSUMMARY <true | false>)*
//! (SHOWOTHER <true | false>)* (NUMCOLS <num>)* (rowsort [options])*`; cell
//! values come first.
//!
//! The engine lowers the dataset into its constraint search and calculated
//! fields, as for `| from datamodel:` (plain field names), and adds the
//! FILTERs as a search ([`Pivot::filter_search`]); this command then runs
//! what is left. Supported: cell values (`<function>(<field>) [AS
//! <label>]`, where `count(<dataset>)` counts the dataset's events),
//! SPLITROW with `AS <label>`, one SPLITCOL, FILTER with the string
//! (`is`, `isNot`, `contains`, `doesNotContain`, `startsWith`, `endsWith`,
//! `isNull`, `isNotNull`) and number (`=`, `!=`, `<`, `<=`, `>`, `>=`)
//! comparisons, `LIMIT <field> BY top|bottom <N> <function>(<field>)`, and
//! the summaries and SHOWOTHER set to false. The split options (RANGE,
//! PERIOD, TRUELABEL, FALSELABEL), NUMCOLS, rowsort, the summaries and
//! SHOWOTHER set to true, several SPLITCOLs, and SPLITCOL with several cell
//! values are refused by name. Where the page is silent (see
//! docs/semantics.md, "pivot"): a cell without a label is named as written
//! (`count(HTTP_requests)`); SPLITCOL columns come in sorted order after
//! the row labels, and a row/column pair without events has no value (as
//! `xyseries` leaves it); `isNot` is `NOT field="value"` (events without
//! the field are kept).

use indexmap::IndexMap;

use crate::commands::common::{bad, bool_opt, collect, unsupported};
use crate::commands::Command;
use crate::commands::datamodel::DatamodelSearch;
use crate::commands::stats::{aggregation, Aggregation, Stats};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::exec::{Context, Rows};
use crate::functions::stats::StatsFn;
use crate::source::Span;
use crate::syntax::ast::SearchExpr;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::{parse_search_expr_at, Parser};
use crate::value::{compare_text, Value};

const C: &str = "pivot";

/// A table row being built: its row labels, and (column name, cell) pairs.
type TableRow = (Event, Vec<(String, Value)>);

/// The keywords that start a pivot element after the cell values.
const ELEMENTS: &[&str] = &[
    "splitrow",
    "splitcol",
    "filter",
    "limit",
    "rowsummary",
    "colsummary",
    "showother",
    "numcols",
    "rowsort",
];

/// Split options the page lists that spelunk does not implement.
const SPLIT_OPTIONS: &[&str] = &["range", "period", "truelabel", "falselabel"];

/// `| pivot Tutorial HTTP_requests count(HTTP_requests) AS "Count" SPLITROW host`.
#[derive(Debug, Clone, PartialEq)]
pub struct Pivot {
    /// The dataset whose events the table reads (plain field names).
    pub source: DatamodelSearch,
    /// FILTER elements, as one search (None without filters).
    pub filter: Option<SearchExpr>,
    /// LIMIT elements.
    pub limits: Vec<Limit>,
    /// Row split fields with their column labels.
    pub rows: Vec<(String, String)>,
    /// The column split field, if any.
    pub column: Option<String>,
    /// The cell values, grouped by the rows and the column.
    pub cells: Stats,
    /// Set once the engine has put the dataset's search before it.
    pub lowered: bool,
    /// The whole command, for errors.
    pub span: Span,
}

/// `LIMIT <field> BY top|bottom <N> <function>(<field>)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Limit {
    /// The field whose values are limited.
    pub field: String,
    /// `top` (largest first) or `bottom`.
    pub top: bool,
    /// How many values are kept.
    pub count: usize,
    /// The ranking statistic, per value of `field`.
    pub rank: Stats,
}

/// Parses `pivot`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let (model, _) = p.value("a data model name")?;
    let (dataset, _) = p.value("a dataset name")?;
    let mut aggs = Vec::new();
    while !p.at_command_end() && !at_element(p) {
        if p.eat(&Tok::Comma) {
            continue;
        }
        aggs.push(cell_value(p, &dataset)?);
    }
    if aggs.is_empty() {
        return Err(p.expected("a cell value such as `count(<dataset>)`"));
    }
    let mut rows = Vec::new();
    let mut column: Option<String> = None;
    let mut filters = Vec::new();
    let mut limits = Vec::new();
    while !p.at_command_end() {
        if p.eat(&Tok::Comma) {
            continue;
        }
        let (keyword, kw_span) = p.word("a pivot element such as `SPLITROW`")?;
        match keyword.to_ascii_lowercase().as_str() {
            "splitrow" => {
                let (field, _) = p.field_name("a field to split rows by")?;
                let label = if p.eat_keyword("as") {
                    p.value("a label after `AS`")?.0
                } else {
                    field.clone()
                };
                refuse_split_options(p)?;
                rows.push((field, label));
            }
            "splitcol" => {
                let (field, field_span) = p.field_name("a field to split columns by")?;
                refuse_split_options(p)?;
                if column.is_some() {
                    return Err(unsupported(
                        C,
                        "more than one SPLITCOL is not supported yet",
                        kw_span.to(field_span),
                    ));
                }
                column = Some(field);
            }
            "filter" => filters.push(filter_term(p)?),
            "limit" => limits.push(limit(p)?),
            "rowsummary" | "colsummary" | "showother" => {
                let (value, span) = p.value("true or false")?;
                if bool_opt(C, &keyword, &value, span)? {
                    return Err(unsupported(
                        C,
                        format!("`{} true` is not supported yet", keyword.to_ascii_uppercase()),
                        kw_span.to(span),
                    ));
                }
            }
            "numcols" | "rowsort" => {
                return Err(unsupported(
                    C,
                    format!("`{}` is not supported yet", keyword.to_ascii_uppercase()),
                    kw_span,
                ))
            }
            _ => {
                return Err(bad(
                    C,
                    format!(
                        "expected a pivot element (SPLITROW, SPLITCOL, FILTER, LIMIT, ROWSUMMARY, COLSUMMARY, SHOWOTHER, NUMCOLS, rowsort), found `{keyword}`; cell values come first"
                    ),
                    kw_span,
                ))
            }
        }
    }
    let span = name_span.to(p.last_span());
    if column.is_some() && aggs.len() > 1 {
        return Err(unsupported(
            C,
            "SPLITCOL with more than one cell value is not supported yet",
            span,
        ));
    }
    let filter = if filters.is_empty() {
        None
    } else {
        Some(parse_search_expr_at(&filters.join(" "), span)?)
    };
    let mut by: Vec<String> = rows.iter().map(|(f, _)| f.clone()).collect();
    by.extend(column.iter().cloned());
    Ok(CommandArgs::Pivot(Pivot {
        source: DatamodelSearch {
            model,
            dataset,
            prefixed: false,
            span,
            command: C,
        },
        filter,
        limits,
        rows,
        column,
        cells: Stats {
            aggs,
            by,
            allnum: false,
        },
        lowered: false,
        span,
    }))
}

fn at_element(p: &Parser) -> bool {
    ELEMENTS.iter().any(|kw| p.at_keyword(kw))
}

/// `<function>(<field>) [AS <label>]`; `count(<dataset>)` counts events.
fn cell_value(p: &mut Parser, dataset: &str) -> Result<Aggregation> {
    let mut agg = aggregation(p)?;
    if agg.func == StatsFn::Count && agg.field.as_deref() == Some(dataset) {
        agg.field = None;
    }
    Ok(agg)
}

fn refuse_split_options(p: &mut Parser) -> Result<()> {
    for option in SPLIT_OPTIONS {
        if p.at_keyword(option) {
            let span = p.here();
            return Err(unsupported(
                C,
                format!(
                    "the split option `{}` is not supported yet",
                    option.to_ascii_uppercase()
                ),
                span,
            ));
        }
    }
    Ok(())
}

/// One FILTER element as search text, e.g. `NOT host="www1"`.
fn filter_term(p: &mut Parser) -> Result<String> {
    let (field, field_span) = p.field_name("a field to filter on")?;
    if !field
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | ':' | '-' | '{' | '}'))
    {
        return Err(unsupported(
            C,
            format!("FILTER on the field name `{field}` is not supported"),
            field_span,
        ));
    }
    let op_span = p.here();
    let op = match p.next_token().map(|t| t.tok) {
        Some(Tok::Word(w)) => w,
        Some(Tok::Eq) => "=".into(),
        Some(Tok::Neq) => "!=".into(),
        Some(Tok::Lt) => "<".into(),
        Some(Tok::Le) => "<=".into(),
        Some(Tok::Gt) => ">".into(),
        Some(Tok::Ge) => ">=".into(),
        _ => return Err(p.expected("a filter type such as `is` or `>`")),
    };
    let lower = op.to_ascii_lowercase();
    match lower.as_str() {
        "isnull" => return Ok(format!("NOT {field}=*")),
        "isnotnull" => return Ok(format!("{field}=*")),
        _ => {}
    }
    let (value, value_span) = p.value("a filter value")?;
    if value.contains('*') {
        return Err(unsupported(
            C,
            "a FILTER value with `*` is not supported (search would read it as a wildcard)",
            value_span,
        ));
    }
    let quoted = format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""));
    let starred = |prefix: &str, suffix: &str| {
        format!(
            "\"{prefix}{}{suffix}\"",
            value.replace('\\', "\\\\").replace('"', "\\\"")
        )
    };
    Ok(match lower.as_str() {
        "is" => format!("{field}={quoted}"),
        "isnot" => format!("NOT {field}={quoted}"),
        "contains" => format!("{field}={}", starred("*", "*")),
        "doesnotcontain" => format!("NOT {field}={}", starred("*", "*")),
        "startswith" => format!("{field}={}", starred("", "*")),
        "endswith" => format!("{field}={}", starred("*", "")),
        "=" | "!=" | "<" | "<=" | ">" | ">=" => {
            if crate::value::parse_number(&value).is_none() {
                return Err(bad(
                    C,
                    format!("the filter `{op}` compares numbers; `{value}` is not a number"),
                    value_span,
                ));
            }
            format!("{field}{op}{value}")
        }
        _ => {
            return Err(unsupported(
                C,
                format!("the filter type `{op}` is not supported"),
                op_span,
            ))
        }
    })
}

/// `LIMIT <field> BY top|bottom <N> <function>(<field>)`.
fn limit(p: &mut Parser) -> Result<Limit> {
    let (field, _) = p.field_name("a field to limit")?;
    if !p.eat_keyword("by") {
        return Err(p.expected("`BY` after the LIMIT field"));
    }
    let (kind, kind_span) = p.word("`top` or `bottom`")?;
    let top = match kind.to_ascii_lowercase().as_str() {
        "top" => true,
        "bottom" => false,
        _ => {
            return Err(bad(
                C,
                format!("LIMIT takes `top` or `bottom`, found `{kind}`"),
                kind_span,
            ))
        }
    };
    let (n, n_span) = p.word("how many values to keep")?;
    let count = n.parse::<usize>().map_err(|_| {
        bad(
            C,
            format!("the LIMIT count must be a whole number, found `{n}`"),
            n_span,
        )
    })?;
    let mut agg = aggregation(p)?;
    agg.output = "__pivot_rank".into();
    Ok(Limit {
        field: field.clone(),
        top,
        count,
        rank: Stats {
            aggs: vec![agg],
            by: vec![field],
            allnum: false,
        },
    })
}

impl Pivot {
    /// The FILTER elements as a search, which the engine runs before this
    /// command (after the dataset's constraints and calculated fields).
    pub fn filter_search(&self) -> Option<&SearchExpr> {
        self.filter.as_ref()
    }

    /// Renames the row split fields to their labels.
    fn label_rows(&self, mut row: Event) -> Event {
        if self.rows.iter().all(|(field, label)| field == label) {
            return row;
        }
        let mut out = Event::new();
        for (field, label) in &self.rows {
            if let Some(value) = row.remove(field) {
                out.set(label.as_str(), value);
            }
        }
        for (name, value) in row.iter() {
            out.set(name, value.clone());
        }
        out
    }

    /// One row per row key, one column per value of the column field
    /// (sorted), each holding the one cell value.
    fn split_columns(&self, stats_rows: Vec<Event>, column: &str) -> Vec<Event> {
        let Some(cell) = self.cells.aggs.first().map(|a| a.output.as_str()) else {
            return Vec::new();
        };
        let mut names: Vec<String> = Vec::new();
        let mut table: IndexMap<Vec<String>, TableRow> = IndexMap::new();
        for row in stats_rows {
            let Some(name) = row.get(column).map(|v| v.to_text().into_owned()) else {
                continue;
            };
            let key: Vec<String> = self
                .rows
                .iter()
                .map(|(f, _)| {
                    row.get(f)
                        .map(|v| v.to_text().into_owned())
                        .unwrap_or_default()
                })
                .collect();
            let entry = table.entry(key).or_insert_with(|| {
                let mut labels = Event::new();
                for (field, label) in &self.rows {
                    if let Some(v) = row.get(field) {
                        labels.set(label.as_str(), v.clone());
                    }
                }
                (labels, Vec::new())
            });
            if let Some(v) = row.get(cell) {
                entry.1.push((name.clone(), v.clone()));
            }
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names.sort_by(|a, b| compare_text(a, b));
        table
            .into_values()
            .map(|(mut out, cells)| {
                for name in &names {
                    if let Some((_, v)) = cells.iter().find(|(n, _)| n == name) {
                        out.set(name.as_str(), v.clone());
                    }
                }
                out
            })
            .collect()
    }
}

impl super::Command for Pivot {
    /// Runs the table over the dataset's events (the engine has put the
    /// dataset search and the filters before it).
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        if !self.lowered {
            return Err(bad(
                C,
                "`pivot` must start the search (`| pivot <model> <dataset> ...`)",
                self.span,
            ));
        }
        let input = if self.limits.is_empty() {
            input
        } else {
            let mut events = collect(input)?;
            for limit in &self.limits {
                events = limit.keep(events, ctx)?;
            }
            Box::new(events.into_iter().map(Ok))
        };
        let cells = self.cells.apply(input, ctx)?;
        let table = match &self.column {
            None => collect(cells)?
                .into_iter()
                .map(|row| self.label_rows(row))
                .collect(),
            Some(column) => self.split_columns(collect(cells)?, column),
        };
        Ok(Box::new(table.into_iter().map(Ok)))
    }
}

impl Limit {
    /// Keeps the events whose value of the field is among the `count`
    /// values ranked highest (top) or lowest (bottom) by the statistic.
    fn keep(&self, events: Vec<Event>, ctx: &Context<'_>) -> Result<Vec<Event>> {
        let ranked = collect(
            self.rank
                .apply(Box::new(events.iter().cloned().map(Ok)), ctx)?,
        )?;
        let mut scored: Vec<(String, f64)> = ranked
            .iter()
            .filter_map(|row| {
                let value = row.get(&self.field)?.to_text().into_owned();
                let score = row.get("__pivot_rank")?.as_number()?;
                Some((value, score))
            })
            .collect();
        // Stable: ties keep stats' (value) order.
        scored.sort_by(|a, b| {
            let order = a.1.total_cmp(&b.1);
            if self.top {
                order.reverse()
            } else {
                order
            }
        });
        scored.truncate(self.count);
        let kept: Vec<String> = scored.into_iter().map(|(v, _)| v).collect();
        Ok(events
            .into_iter()
            .filter(|e| {
                e.get(&self.field)
                    .is_some_and(|v| v.texts().iter().any(|t| kept.iter().any(|k| k == t)))
            })
            .collect())
    }
}

/// The registry entries of `pivot`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "pivot",
        aliases: &[],
        parse,
    },
];
