//! `tstats`: statistics over a data model dataset or over index-time fields.
//!
//! Grammar (Search Reference, "tstats",
//! <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/tstats>):
//!
//! ```text
//! | tstats [prestats=<bool>] [local=<bool>] [append=<bool>] [summariesonly=<bool>]
//!          [include_reduced_buckets=<bool>] [allow_old_summaries=<bool>]
//!          [chunk_size=<unsigned int>] [fillnull_value=<string>]
//!          <stats-func>...
//!          [FROM datamodel=<data_model_name>[.<root_dataset_name>] [where nodename=<lineage>]]
//!          [WHERE <search-query>]
//!          [BY <field-list> [span=<timespan>]]
//! ```
//!
//! spelunk has no tsidx summaries: the engine lowers a `tstats` that starts
//! a search into the equivalent pipeline over the raw events (the dataset's
//! constraint search, its calculated fields, the fields renamed to their
//! `<dataset>.<field>` names, the WHERE filter, `stats`), see
//! [`crate::datamodel::lower`]. This module parses it.

use crate::commands::bin::{parse_span, BinSpan};
use crate::commands::stats::{aggregation, Aggregation};
use crate::commands::CommandArgs;
use crate::error::{Error, Result};
use crate::exec::{Context, Rows};
use crate::functions::stats::StatsFn;
use crate::source::Span;
use crate::syntax::ast::SearchExpr;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::Parser;

/// `tstats`' options before its functions.
pub const OPTIONS: &[&str] = &[
    "prestats",
    "local",
    "append",
    "summariesonly",
    "include_reduced_buckets",
    "allow_old_summaries",
    "chunk_size",
    "fillnull_value",
    "use_summary_index_values",
];

/// A parsed `tstats`.
#[derive(Debug, Clone, PartialEq)]
pub struct Tstats {
    /// `prestats=true`: the rows go to a following `stats`/`chart`/`timechart`.
    pub prestats: bool,
    /// `append=true` (with `prestats=true`): append to the results so far.
    pub append: bool,
    /// `fillnull_value`: the value of a null BY field (else the row is
    /// dropped).
    pub fillnull: Option<String>,
    /// The functions.
    pub aggs: Vec<Aggregation>,
    /// `datamodel=<Model>[.<Dataset>]` and where it is written.
    pub datamodel: Option<(String, Span)>,
    /// The WHERE search.
    pub filter: Option<SearchExpr>,
    /// Where `where <search>` is written, keyword included.
    pub where_span: Option<Span>,
    /// The BY fields.
    pub by: Vec<String>,
    /// `span=` for `_time`.
    pub span: Option<(BinSpan, Span)>,
    /// The whole command's span (for errors found when lowering).
    pub span_all: Span,
}

/// Parses `tstats`' arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let mut out = Tstats {
        prestats: false,
        append: false,
        fillnull: None,
        aggs: Vec::new(),
        datamodel: None,
        filter: None,
        where_span: None,
        by: Vec::new(),
        span: None,
        span_all: name_span,
    };
    for (key, value, span) in p.options(OPTIONS)? {
        match key.as_str() {
            "prestats" => {
                out.prestats = crate::commands::common::bool_opt("tstats", &key, &value, span)?
            }
            "append" => {
                out.append = crate::commands::common::bool_opt("tstats", &key, &value, span)?
            }
            "fillnull_value" => out.fillnull = Some(value),
            "chunk_size" => {
                crate::commands::inputlookup::whole_number("tstats", &key, &value, span)?;
            }
            // Accepted: spelunk answers as if every summary were complete
            // and current (see README).
            _ => {
                crate::commands::common::bool_opt("tstats", &key, &value, span)?;
            }
        }
    }
    p.reject_unknown_option("tstats", OPTIONS)?;
    while !p.at_command_end() && !["from", "where", "by"].iter().any(|k| p.at_keyword(k)) {
        if p.eat(&Tok::Comma) {
            continue;
        }
        let agg = aggregation(p)?;
        crate::commands::stats::reject_wildcards(std::slice::from_ref(&agg), "tstats")?;
        if agg.expr.is_some() || matches!(agg.func, StatsFn::Sparkline(..)) {
            return Err(Error::BadArgument {
                command: "tstats".into(),
                message: "functions take a field, not `eval(...)` or `sparkline`".into(),
                span: agg.span,
            });
        }
        if let Some(field) = agg.field.as_deref().filter(|f| is_prefix_directive(f)) {
            return Err(prefix_unsupported(field, agg.span));
        }
        out.aggs.push(agg);
    }
    if out.aggs.is_empty() {
        return Err(Error::BadArgument {
            command: "tstats".into(),
            message: "expected at least one function, e.g. `count`".into(),
            span: name_span,
        });
    }
    if p.eat_keyword("from") {
        let opts = p.options(&["datamodel"])?;
        let Some((_, model, span)) = opts.into_iter().next() else {
            return Err(p.expected("`datamodel=<Model>[.<Dataset>]` after FROM"));
        };
        out.datamodel = Some((model, span));
    }
    let where_start = p.here();
    if p.eat_keyword("where") {
        let here = p.here();
        out.filter = Some(p.search_expr_until(here, &["by"])?);
        out.where_span = Some(where_start.to(p.last_span()));
    }
    if p.eat_keyword("by") {
        while !p.at_command_end() {
            if p.eat(&Tok::Comma) {
                continue;
            }
            if let Some((_, value, span)) = p.options(&["span"])?.into_iter().next() {
                out.span = Some((parse_span(&value, "tstats", span)?, span));
                continue;
            }
            let (field, span) = p.field_name("a field name after BY")?;
            if is_prefix_directive(&field) {
                return Err(prefix_unsupported(&field, span));
            }
            out.by.push(field);
        }
        if out.by.is_empty() {
            return Err(p.expected("a field name after BY"));
        }
    }
    if out.span.is_some() && !out.by.iter().any(|f| f == "_time") {
        return Err(Error::BadArgument {
            command: "tstats".into(),
            message: "`span=` needs `_time` among the BY fields".into(),
            span: out.span.map_or(name_span, |s| s.1),
        });
    }
    out.span_all = name_span.to(p.last_span());
    Ok(CommandArgs::Tstats(out))
}

/// `PREFIX(<text>)`: a BY field or function argument that reads indexed
/// terms of `_raw` (the tstats page: "aggregate a raw segment in your
/// indexed events as if it were an extracted field-value pair").
fn is_prefix_directive(field: &str) -> bool {
    field.to_ascii_lowercase().starts_with("prefix(")
}

/// Offline events have no index of terms; as a field name `PREFIX(...)`
/// would be null on every event and silently give no rows or values.
fn prefix_unsupported(field: &str, span: Span) -> Error {
    super::common::unsupported(
        "tstats",
        format!("`{field}` (a prefix of indexed terms) is not supported"),
        span,
    )
}

impl super::Command for Tstats {
    /// Runs only once lowered: a `tstats` left in a pipeline is one that
    /// does not start its search.
    fn apply<'a>(&'a self, _input: Rows<'a>, _ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        Err(Error::BadArgument {
            command: "tstats".into(),
            message: "tstats is a generating command: it must start the search (`| tstats ...`)"
                .into(),
            span: self.span_all,
        })
    }
}

/// The registry entries of `tstats`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "tstats",
        aliases: &[],
        parse,
    },
];
