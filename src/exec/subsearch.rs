//! Subsearches: run first, their results turned into search text the way
//! Splunk's `format` command renders them, and that text parsed back in place
//! of the `[ ... ]`.

use crate::commands::CommandArgs;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::exec::Context;
use crate::syntax::ast::{Pipeline, SearchExpr, SearchKind};
use crate::syntax::parser::parse_search_expr_at;
use crate::value::Value;

/// Runs a nested pipeline; passed in so this module does not depend on the
/// executor's internals.
pub type Runner<'r> = &'r dyn Fn(&Pipeline, &Context<'_>, usize) -> Result<Vec<Event>>;

/// A copy of `pipeline` with every subsearch replaced by its formatted results.
pub fn resolve(
    pipeline: &Pipeline,
    ctx: &Context<'_>,
    depth: usize,
    run: Runner<'_>,
) -> Result<Pipeline> {
    let mut out = pipeline.clone();
    for command in &mut out.commands {
        match &mut command.args {
            CommandArgs::Search(s) => resolve_expr(&mut s.expr, ctx, depth, run)?,
            CommandArgs::Metasearch(s) => resolve_expr(&mut s.expr, ctx, depth, run)?,
            CommandArgs::InputLookup(l) => {
                if let Some(expr) = &mut l.filter {
                    resolve_expr(expr, ctx, depth, run)?;
                }
            }
            CommandArgs::InputCsv(l) => {
                if let Some(expr) = &mut l.filter {
                    resolve_expr(expr, ctx, depth, run)?;
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

fn resolve_expr(
    expr: &mut SearchExpr,
    ctx: &Context<'_>,
    depth: usize,
    run: Runner<'_>,
) -> Result<()> {
    match &mut expr.kind {
        SearchKind::And(items) | SearchKind::Or(items) => {
            for item in items {
                resolve_expr(item, ctx, depth, run)?;
            }
        }
        SearchKind::Not(inner) => resolve_expr(inner, ctx, depth, run)?,
        SearchKind::Subsearch(pipeline) => {
            if depth + 1 > ctx.limits.max_subsearch_depth {
                return Err(Error::Runtime {
                    message: format!(
                        "subsearches nested deeper than {} levels",
                        ctx.limits.max_subsearch_depth
                    ),
                    span: Some(expr.span),
                });
            }
            let mut rows = run(pipeline, ctx, depth + 1)?;
            let max = ctx.limits.subsearch_maxout;
            if rows.len() > max {
                ctx.notice(format!(
                    "subsearch produced {} results, truncating to maxout {max}",
                    rows.len()
                ));
                rows.truncate(max);
            }
            let text = subsearch_text(pipeline, &rows);
            *expr = parse_search_expr_at(&text, expr.span)?;
        }
        SearchKind::Compare { .. }
        | SearchKind::In { .. }
        | SearchKind::Term(_)
        | SearchKind::TimeModifier { .. }
        | SearchKind::Empty => {}
    }
    Ok(())
}

/// The search text a subsearch's results stand for. When the subsearch ends
/// with `format` or `return`, the `search` field of its result is the text,
/// used as it is (Splunk inserts a `search` or `query` field verbatim);
/// otherwise the rows are rendered as `format` renders them by default.
fn subsearch_text(pipeline: &Pipeline, rows: &[Event]) -> String {
    let ends_with_format = matches!(
        pipeline.commands.last().map(|c| &c.args),
        Some(CommandArgs::Format(_) | CommandArgs::Return(_))
    );
    if ends_with_format {
        if let [row] = rows {
            if let Some(v) = row.get("search").or_else(|| row.get("query")) {
                return v.texts().join(" ");
            }
        }
    }
    format_rows(rows)
}

/// How `format` renders rows: `format [mvsep=..] [maxresults=N]
/// ["<row prefix>" "<column prefix>" "<column separator>" "<column end>"
/// "<row separator>" "<row end>"] [emptystr=..]`.
#[derive(Debug, Clone, PartialEq)]
pub struct FormatSpec {
    /// Opens the whole result (default `(`).
    pub row_prefix: String,
    /// Opens one row (default `(`).
    pub column_prefix: String,
    /// Between the fields of a row (default `AND`).
    pub column_separator: String,
    /// Closes one row (default `)`).
    pub column_end: String,
    /// Between rows (default `OR`).
    pub row_separator: String,
    /// Closes the whole result (default `)`).
    pub row_end: String,
    /// Between the values of a multivalue field (default `OR`).
    pub mvsep: String,
    /// The text for no rows (default `NOT ( )`).
    pub emptystr: String,
    /// Most rows rendered (0 = all).
    pub maxresults: usize,
}

impl Default for FormatSpec {
    fn default() -> Self {
        FormatSpec {
            row_prefix: "(".into(),
            column_prefix: "(".into(),
            column_separator: "AND".into(),
            column_end: ")".into(),
            row_separator: "OR".into(),
            row_end: ")".into(),
            mvsep: "OR".into(),
            emptystr: "NOT ( )".into(),
            maxresults: 0,
        }
    }
}

/// Renders rows as `format` does by default: fields AND-ed within a row, rows
/// OR-ed, a multivalue cell OR-ed, fields starting with `_` left out, a field
/// named `search` or `query` inserted as written, and `NOT ( )` for no rows.
pub fn format_rows(rows: &[Event]) -> String {
    format_rows_with(rows, &FormatSpec::default())
}

/// Renders rows as `format` does with the given settings; the one code path
/// for the implicit format of a subsearch and the `format` command.
pub fn format_rows_with(rows: &[Event], spec: &FormatSpec) -> String {
    let rows = match spec.maxresults {
        0 => rows,
        n => &rows[..n.min(rows.len())],
    };
    if rows.is_empty() {
        return spec.emptystr.clone();
    }
    let rendered: Vec<String> = rows.iter().map(|r| format_row(r, spec)).collect();
    enclose(
        &spec.row_prefix,
        &rendered,
        &spec.row_separator,
        &spec.row_end,
    )
}

/// `open a sep b sep c close`, spaces between every piece, as `format` writes.
fn enclose(open: &str, parts: &[String], separator: &str, close: &str) -> String {
    let joined = parts.join(&format!(" {separator} "));
    format!("{open} {joined} {close}")
}

fn format_row(row: &Event, spec: &FormatSpec) -> String {
    let mut parts = Vec::new();
    for (name, value) in row.iter() {
        if name.starts_with('_') {
            continue;
        }
        if name == "search" || name == "query" {
            parts.push(value.texts().join(" "));
            continue;
        }
        parts.push(field_terms(name, value, &spec.mvsep));
    }
    if parts.is_empty() {
        format!("{} {}", spec.column_prefix, spec.column_end)
    } else {
        enclose(
            &spec.column_prefix,
            &parts,
            &spec.column_separator,
            &spec.column_end,
        )
    }
}

/// `name="value"`, or `( name="a" OR name="b" )` for a multivalue field
/// (`mvsep` between the values).
pub fn field_terms(name: &str, value: &Value, mvsep: &str) -> String {
    let field = quote_name(name);
    match value {
        Value::Multi(vs) => {
            let alts: Vec<String> = vs
                .iter()
                .map(|v| format!("{field}={}", quote_value(v)))
                .collect();
            format!("( {} )", alts.join(&format!(" {mvsep} ")))
        }
        single => format!("{field}={}", quote_value(&single.to_text())),
    }
}

/// A value in double quotes, with backslashes and quotes escaped.
pub fn quote_value(v: &str) -> String {
    format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
}

fn quote_name(name: &str) -> String {
    let plain = name.chars().all(|c| {
        !c.is_whitespace()
            && !matches!(
                c,
                '"' | '=' | '(' | ')' | '[' | ']' | '|' | ',' | '<' | '>' | '!'
            )
    });
    if plain && !name.is_empty() {
        name.to_string()
    } else {
        quote_value(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pairs: &[(&str, Value)]) -> Event {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn formats_like_splunk() {
        let rows = vec![
            row(&[("user", "a".into()), ("_time", Value::Num(1.0))]),
            row(&[
                ("user", "b\"c".into()),
                ("ip", Value::Multi(vec!["1".into(), "2".into()])),
            ]),
        ];
        assert_eq!(
            format_rows(&rows),
            r#"( ( user="a" ) OR ( user="b\"c" AND ( ip="1" OR ip="2" ) ) )"#
        );
        assert_eq!(format_rows(&[]), "NOT ( )");
    }

    #[test]
    fn search_field_is_inserted_verbatim() {
        let rows = vec![row(&[("search", "x=1 OR y=2".into())])];
        assert_eq!(format_rows(&rows), "( ( x=1 OR y=2 ) )");
    }
}
