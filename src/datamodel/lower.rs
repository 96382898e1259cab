//! Lowering: a search that starts with `| tstats`, `| datamodel` or
//! `| from datamodel:` becomes the equivalent plain pipeline over the raw
//! events, so the streaming engine, the projection and the pre-filter apply
//! unchanged:
//!
//! ```text
//! | tstats count from datamodel=M.D where <W> by D.f _time span=1h
//!   ==>
//! search <root constraints> | <root calculations> | search <child constraints> | ...
//!   | rename f AS D.f | search <W> | fillnull value=<v> <by> | bin _time span=1h
//!   | stats count by D.f _time
//! ```
//!
//! Only the calculated fields whose outputs the query reads (directly or
//! through later constraints and calculations) are kept, and only the
//! dataset fields the query names are renamed. A field named in the query
//! that the dataset does not have is null, as it is absent from a
//! summary. Without `FROM`, `tstats` runs its WHERE over the events as a
//! search.

use std::collections::BTreeSet;

use super::{CalcKind, Calculation, DataModels, Model, Object, Root, BASE_FIELDS};
use crate::commands::bin::Bin;
use crate::commands::datamodel::DatamodelSearch;
use crate::commands::eval::Eval;
use crate::commands::fillnull::Fillnull;
use crate::commands::lookup::Lookup;
use crate::commands::pivot::Pivot;
use crate::commands::rename::{Rename, RenamePair};
use crate::commands::rex::{Rex, RexAction};
use crate::commands::search::Search;
use crate::commands::stats::Stats;
use crate::commands::tstats::Tstats;
use crate::commands::CommandArgs;
use crate::error::{Error, Result};
use crate::eval::{parse_expr, Assignment};
use crate::expand::{ExpandLimits, MacroSet};
use crate::plan::search_expr_reads;
use crate::source::Span;
use crate::syntax::ast::{Command, CompareOp, Pipeline, SearchExpr, SearchKind};

/// What lowering reads: the models and the macros their constraints call.
pub struct LowerContext<'a> {
    /// The loaded data models.
    pub models: &'a DataModels,
    /// Macro definitions (constraints call e.g. `cim_Endpoint_indexes`).
    pub macros: &'a MacroSet,
    /// Expansion limits.
    pub limits: &'a ExpandLimits,
}

/// Replaces a leading `tstats`/`datamodel`/`from` in `pipeline` (and in
/// the subsearches of its search commands) by the plain pipeline it
/// stands for.
pub fn lower_pipeline(pipeline: &mut Pipeline, cx: &LowerContext<'_>) -> Result<()> {
    let lowered = match pipeline.commands.first().map(|c| &c.args) {
        Some(CommandArgs::Tstats(t)) => Some(lower_tstats(t, cx)?),
        Some(CommandArgs::Datamodel(d)) => Some(lower_datamodel(d, cx)?),
        Some(CommandArgs::Pivot(p)) if !p.lowered => Some(lower_pivot(p, cx)?),
        _ => None,
    };
    if let Some(commands) = lowered {
        pipeline.commands.splice(0..1, commands);
    }
    // `| tstats prestats=t ... | tstats prestats=t append=t ...`: the later
    // one's rows are appended to the results so far.
    for i in 1..pipeline.commands.len() {
        let CommandArgs::Tstats(t) = &pipeline.commands[i].args else {
            continue;
        };
        if !t.append {
            return Err(Error::BadArgument {
                command: "tstats".into(),
                message: "tstats after the start of a search needs `prestats=true append=true`"
                    .into(),
                span: t.span_all,
            });
        }
        let span = t.span_all;
        let commands = lower_tstats(t, cx)?;
        pipeline.commands[i].args = CommandArgs::Append(crate::commands::append::Append {
            pipeline: Pipeline { commands, span },
            maxout: usize::MAX,
        });
    }
    for command in &mut pipeline.commands {
        match &mut command.args {
            CommandArgs::Search(s) => lower_subsearches(&mut s.expr, cx)?,
            // `append [| tstats ...]`, `join ... [| tstats ...]`.
            CommandArgs::Append(c) => lower_pipeline(&mut c.pipeline, cx)?,
            CommandArgs::Appendpipe(c) => lower_pipeline(&mut c.pipeline, cx)?,
            CommandArgs::Join(c) => lower_pipeline(&mut c.pipeline, cx)?,
            CommandArgs::Appendcols(c) => lower_pipeline(&mut c.pipeline, cx)?,
            CommandArgs::Multisearch(c) => {
                for p in &mut c.pipelines {
                    lower_pipeline(p, cx)?;
                }
            }
            CommandArgs::Set(c) => {
                for p in &mut c.pipelines {
                    lower_pipeline(p, cx)?;
                }
            }
            CommandArgs::Union(c) => {
                for p in &mut c.pipelines {
                    lower_pipeline(p, cx)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn lower_subsearches(expr: &mut SearchExpr, cx: &LowerContext<'_>) -> Result<()> {
    match &mut expr.kind {
        SearchKind::And(items) | SearchKind::Or(items) => {
            for item in items {
                lower_subsearches(item, cx)?;
            }
            Ok(())
        }
        SearchKind::Not(inner) => lower_subsearches(inner, cx),
        SearchKind::Subsearch(p) => lower_pipeline(p, cx),
        _ => Ok(()),
    }
}

fn error(span: Span, message: String) -> Error {
    Error::DataModel { message, span }
}

/// A data model form spelunk does not implement yet.
fn unsupported(span: Span, message: String) -> Error {
    Error::Unsupported {
        command: None,
        message,
        span,
    }
}

fn command(name: &str, span: Span, args: CommandArgs) -> Command {
    Command {
        name: name.to_string(),
        name_span: span,
        span,
        args,
    }
}

/// A data model dataset, resolved for one query.
struct Dataset<'m> {
    model: &'m Model,
    /// Root first.
    chain: Vec<&'m Object>,
}

/// One field of a dataset as a query names it.
#[derive(Debug, Clone)]
struct DatasetField {
    /// The event's field.
    raw: String,
    /// `<lineage>.<raw>`, or `raw` for a base field.
    name: String,
    required: bool,
}

fn find_model<'m>(cx: &LowerContext<'m>, name: &str, span: Span) -> Result<&'m Model> {
    // The message does not list the loaded models, so it reads the same
    // whichever apps are installed.
    cx.models.get(name).ok_or_else(|| {
        error(
            span,
            format!(
                "unknown data model `{name}`: no loaded app defines it (an app's default/data/models/{name}.json, given with --app)"
            ),
        )
    })
}

impl<'m> Dataset<'m> {
    /// `Model`, `Model.Dataset` (a root, or any dataset by name).
    fn resolve(cx: &LowerContext<'m>, spec: &str, span: Span) -> Result<Self> {
        let (model_name, object) = match spec.split_once('.') {
            Some((m, o)) => (m, Some(o)),
            None => (spec, None),
        };
        let model = find_model(cx, model_name, span)?;
        let target = match object {
            Some(o) => model.by_lineage(o).ok_or_else(|| {
                error(
                    span,
                    format!(
                        "data model `{}` has no dataset `{o}` (its datasets: {})",
                        model.name,
                        model
                            .objects
                            .iter()
                            .map(|o| o.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?,
            // Several roots: the one named like the model (CIM's Updates
            // model has Updates and Update_Errors; security_content's
            // `datamodel=Updates` reads `Updates.*` fields). No page says;
            // docs/semantics.md#data-models.
            None => {
                let roots = model.roots();
                let named = roots.iter().find(|o| o.name == model.name).copied();
                match (roots.as_slice(), named) {
                    ([one], _) => *one,
                    (_, Some(named)) => named,
                    (roots, None) => {
                        return Err(error(
                            span,
                            format!(
                                "data model `{}` has {} root datasets; name one, e.g. `{}.{}`",
                                model.name,
                                roots.len(),
                                model.name,
                                roots.first().map_or("", |o| o.name.as_str())
                            ),
                        ))
                    }
                }
            }
        };
        Self::of(model, &target.name, span)
    }

    fn of(model: &'m Model, name: &str, span: Span) -> Result<Self> {
        let chain = model.chain(name).ok_or_else(|| {
            error(
                span,
                format!("data model `{}`: no dataset `{name}`", model.name),
            )
        })?;
        if let Some(Root::Transaction) = chain.first().and_then(|o| o.root.as_ref()) {
            return Err(unsupported(
                span,
                format!(
                    "data model `{}`: dataset `{}` builds on BaseTransaction, which is not supported yet",
                    model.name,
                    chain.first().map_or("", |o| o.name.as_str())
                ),
            ));
        }
        Ok(Dataset { model, chain })
    }

    /// The fields of the chain (declared and calculated), with their
    /// query names.
    fn fields(&self) -> Vec<DatasetField> {
        let mut out = Vec::new();
        let mut lineage = String::new();
        for object in &self.chain {
            if !lineage.is_empty() {
                lineage.push('.');
            }
            lineage.push_str(&object.name);
            let declared = object.fields.iter();
            let calculated = object.calculations.iter().flat_map(|c| &c.outputs);
            for f in declared.chain(calculated.map(|o| &o.field)) {
                let name = if f.base || BASE_FIELDS.contains(&f.name.as_str()) {
                    f.name.clone()
                } else {
                    format!("{lineage}.{}", f.name)
                };
                out.push(DatasetField {
                    raw: f.name.clone(),
                    name,
                    required: f.required,
                });
            }
        }
        out
    }

    /// The dataset's events with every calculation whose output is in
    /// `needed` (None: all), as commands: constraint searches and
    /// calculated fields in the order Splunk runs them.
    fn event_commands(
        &self,
        cx: &LowerContext<'_>,
        needed: Option<&BTreeSet<String>>,
        span: Span,
    ) -> Result<Vec<Command>> {
        // Build every step, then keep calculations backwards from what is
        // read at the end.
        enum Step<'a> {
            Filter(SearchExpr),
            Calc(&'a Calculation, &'a str),
        }
        let mut steps = Vec::new();
        for (i, object) in self.chain.iter().enumerate() {
            let mut terms = Vec::new();
            if i == 0 {
                if let Some(Root::Search(base)) = &object.root {
                    terms.push(self.parse_search(cx, base, &object.name, span)?);
                }
            }
            for c in &object.constraints {
                terms.push(self.parse_search(cx, c, &object.name, span)?);
            }
            if i == 0 || !terms.is_empty() {
                steps.push(Step::Filter(and(terms, span)));
            }
            for calc in &object.calculations {
                steps.push(Step::Calc(calc, &object.name));
            }
        }
        let mut reads: Option<BTreeSet<String>> = needed.cloned();
        let mut keep = vec![true; steps.len()];
        for (i, step) in steps.iter().enumerate().rev() {
            match step {
                Step::Filter(expr) => {
                    if let Some(r) = reads.as_mut() {
                        match search_expr_reads(expr) {
                            Some(fields) => r.extend(fields),
                            None => reads = None,
                        }
                    }
                }
                Step::Calc(calc, _) => {
                    if let Some(r) = reads.as_mut() {
                        if !calc.outputs.iter().any(|o| r.contains(&o.field.name)) {
                            keep[i] = false;
                            continue;
                        }
                        match &calc.kind {
                            CalcKind::Eval { expression } => {
                                if let Ok(e) = parse_expr(expression, span.start) {
                                    r.extend(e.fields());
                                }
                            }
                            CalcKind::Rex { input, .. } | CalcKind::GeoIp { input } => {
                                r.insert(input.clone());
                            }
                            CalcKind::Lookup { inputs, .. } => {
                                r.extend(inputs.iter().map(|(_, f)| f.clone()));
                            }
                        }
                    }
                }
            }
        }
        let mut out = Vec::new();
        for (step, keep) in steps.into_iter().zip(keep) {
            if !keep {
                continue;
            }
            match step {
                Step::Filter(expr) => out.push(command(
                    "search",
                    span,
                    CommandArgs::Search(Search { expr }),
                )),
                Step::Calc(calc, object) => out.push(self.calc_command(calc, object, span)?),
            }
        }
        Ok(out)
    }

    /// A field declared by a dataset below this one, named by its lineage
    /// (`All_Changes.Instance_Changes.image_id` in a query over
    /// `All_Changes`): the summary holds it for the events of that dataset
    /// only, so it is the event's field where the event matches the
    /// constraints between this dataset and the declaring one, else null.
    /// A calculated field of that dataset is calculated over every event
    /// first (its calculation's commands, returned to run before the
    /// assignment; they may overwrite an event field of the same name,
    /// which the query then reads only through the assignment).
    /// Returns the event field read, the assignment that names it, and the
    /// commands to run before it.
    fn descendant_field(
        &self,
        cx: &LowerContext<'_>,
        name: &str,
        span: Span,
    ) -> Result<Option<(String, Assignment, Vec<Command>)>> {
        let Some(target) = self.chain.last() else {
            return Ok(None);
        };
        for d in self.model.descendants(&target.name) {
            let Some(lineage) = self.model.lineage(&d.name) else {
                continue;
            };
            let Some(raw) = name.strip_prefix(&format!("{lineage}.")) else {
                continue;
            };
            let mut before = Vec::new();
            for calc in &d.calculations {
                if calc.outputs.iter().any(|o| o.field.name == raw) {
                    before.push(self.calc_command(calc, &d.name, span)?);
                }
            }
            if before.is_empty() && !d.fields.iter().any(|f| f.name == raw) {
                continue;
            }
            let chain = self.model.chain(&d.name).unwrap_or_default();
            let mut conditions = Vec::new();
            for object in chain.iter().skip(self.chain.len()) {
                for c in &object.constraints {
                    let expanded =
                        crate::expand::expand(c, &self.model.origin, cx.macros, cx.limits)
                            .map_err(|e| {
                                error(
                                    span,
                                    format!(
                                        "data model `{}` dataset `{}`: constraint `{c}`: {e}",
                                        self.model.name, object.name
                                    ),
                                )
                            })?;
                    let quoted = expanded.text.replace('\\', "\\\\").replace('"', "\\\"");
                    conditions.push(format!("searchmatch(\"{quoted}\")"));
                }
            }
            let value = format!("'{}'", raw.replace('\'', "\\'"));
            let text = if conditions.is_empty() {
                value
            } else {
                format!("if({}, {value}, null())", conditions.join(" AND "))
            };
            let expr = parse_expr(&text, span.start).map_err(|e| {
                error(
                    span,
                    format!("data model `{}`: `{name}`: {e}", self.model.name),
                )
            })?;
            return Ok(Some((
                raw.to_string(),
                Assignment {
                    field: name.to_string(),
                    field_span: span,
                    expr,
                },
                before,
            )));
        }
        Ok(None)
    }

    /// A constraint (or base search) with its macros expanded, parsed as a
    /// search expression whose spans all point at the command.
    fn parse_search(
        &self,
        cx: &LowerContext<'_>,
        text: &str,
        object: &str,
        span: Span,
    ) -> Result<SearchExpr> {
        let context = |e: Error| {
            error(
                span,
                format!(
                    "data model `{}` dataset `{object}`: constraint `{text}`: {e}",
                    self.model.name
                ),
            )
        };
        let expanded = crate::expand::expand(text, &self.model.origin, cx.macros, cx.limits)
            .map_err(context)?;
        crate::syntax::parser::parse_search_expr_at(&expanded.text, span).map_err(context)
    }

    fn calc_command(&self, calc: &Calculation, object: &str, span: Span) -> Result<Command> {
        let describe = |message: String| {
            format!(
                "data model `{}` dataset `{object}`: calculated field {}: {message}",
                self.model.name,
                calc.outputs
                    .iter()
                    .map(|o| format!("`{}`", o.field.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let context = |message: String| error(span, describe(message));
        Ok(match &calc.kind {
            CalcKind::Eval { expression } => {
                let expr =
                    parse_expr(expression, span.start).map_err(|e| context(e.to_string()))?;
                let field = calc
                    .outputs
                    .first()
                    .map(|o| o.field.name.clone())
                    .ok_or_else(|| context("no output field".into()))?;
                command(
                    "eval",
                    span,
                    CommandArgs::Eval(Eval {
                        assignments: vec![Assignment {
                            field,
                            field_span: span,
                            expr,
                        }],
                    }),
                )
            }
            CalcKind::Rex { input, expression } => {
                let regex = crate::regex_compat::compile(expression, false)
                    .map_err(|e| context(e.to_string()))?;
                command(
                    "rex",
                    span,
                    CommandArgs::Rex(Rex {
                        field: input.clone(),
                        action: RexAction::Extract {
                            regex,
                            max_match: 1,
                            offset_field: None,
                        },
                    }),
                )
            }
            CalcKind::Lookup { name, inputs } => command(
                "lookup",
                span,
                CommandArgs::Lookup(Lookup {
                    name: name.clone(),
                    name_span: span,
                    inputs: inputs.clone(),
                    outputs: calc
                        .outputs
                        .iter()
                        .map(|o| {
                            (
                                o.lookup_output
                                    .clone()
                                    .unwrap_or_else(|| o.field.name.clone()),
                                o.field.name.clone(),
                            )
                        })
                        .collect(),
                    output_new: false,
                }),
            ),
            CalcKind::GeoIp { .. } => {
                return Err(unsupported(
                    span,
                    describe("GeoIP calculated fields are not supported yet".into()),
                ))
            }
        })
    }
}

fn and(mut terms: Vec<SearchExpr>, span: Span) -> SearchExpr {
    match terms.len() {
        0 => SearchExpr {
            kind: SearchKind::Empty,
            span,
        },
        1 => terms.remove(0),
        _ => SearchExpr {
            kind: SearchKind::And(terms),
            span,
        },
    }
}

/// The `nodename=` of a tstats WHERE, if it has one (an error when it is
/// not a term of its own).
pub fn tstats_nodename(t: &Tstats) -> Result<Option<String>> {
    let mut filter = t.filter.clone();
    Ok(take_nodename(&mut filter)?.map(|(node, _)| node))
}

/// Removes a top-level `nodename=<lineage>` term from a tstats WHERE and
/// returns its value.
fn take_nodename(filter: &mut Option<SearchExpr>) -> Result<Option<(String, Span)>> {
    let Some(expr) = filter.as_mut() else {
        return Ok(None);
    };
    let is_node = |e: &SearchExpr| {
        matches!(&e.kind, SearchKind::Compare { field, op: CompareOp::Eq, .. }
            if field.eq_ignore_ascii_case("nodename"))
    };
    let value = |e: &SearchExpr| match &e.kind {
        SearchKind::Compare { value, .. } => Some((value.text.clone(), e.span)),
        _ => None,
    };
    if is_node(expr) {
        let found = value(expr);
        *filter = None;
        return Ok(found);
    }
    let mut found = None;
    if let SearchKind::And(items) = &mut expr.kind {
        if let Some(i) = items.iter().position(is_node) {
            found = value(&items.remove(i));
        }
    }
    if found.is_none() && mentions_field(expr, "nodename") {
        return Err(error(
            expr.span,
            "tstats: `nodename=<dataset lineage>` must be a term of the WHERE clause on its own (not inside OR or NOT)".into(),
        ));
    }
    Ok(found)
}

fn mentions_field(expr: &SearchExpr, name: &str) -> bool {
    match &expr.kind {
        SearchKind::And(items) | SearchKind::Or(items) => {
            items.iter().any(|i| mentions_field(i, name))
        }
        SearchKind::Not(inner) => mentions_field(inner, name),
        SearchKind::Compare { field, .. } | SearchKind::In { field, .. } => {
            field.eq_ignore_ascii_case(name)
        }
        _ => false,
    }
}

/// The dataset a `tstats ... FROM datamodel=<spec>` reads, narrowed by its
/// WHERE's `nodename=` when there is one.
fn tstats_dataset<'m>(
    spec: &str,
    dm_span: Span,
    node: Option<(String, Span)>,
    cx: &LowerContext<'m>,
) -> Result<Dataset<'m>> {
    // `datamodel=Model where nodename=Root.Child`: the nodename names the
    // root, so a model with several roots needs no `Model.Root` (the tstats
    // page: "nodename = root_dataset_name ... target_dataset_name").
    let spec = match (&node, spec.contains('.')) {
        (Some((lineage, _)), false) => {
            let root = lineage.split('.').next().unwrap_or(lineage);
            format!("{spec}.{root}")
        }
        _ => spec.to_string(),
    };
    let mut dataset = Dataset::resolve(cx, &spec, dm_span)?;
    if let Some((lineage, nspan)) = node {
        let target = dataset
            .chain
            .last()
            .map(|o| o.name.clone())
            .unwrap_or_default();
        let Some(obj) = dataset.model.by_lineage(&lineage) else {
            return Err(error(
                nspan,
                format!(
                    "data model `{}` has no dataset `{lineage}` for nodename=",
                    dataset.model.name
                ),
            ));
        };
        let sub = Dataset::of(dataset.model, &obj.name, nspan)?;
        if !sub.chain.iter().any(|o| o.name == target) {
            return Err(error(
                nspan,
                format!("nodename `{lineage}` is not `{target}` or a dataset below it"),
            ));
        }
        dataset = sub;
    }
    Ok(dataset)
}

/// The names a `tstats` over a data model reads (BY fields, function
/// fields, WHERE fields) that are not fields of its dataset or of a dataset
/// below it: null on every event, as they would be in a summary, so a BY
/// over one gives no rows. For `lint`; empty for a tstats without FROM.
pub fn tstats_unknown_fields(t: &Tstats, cx: &LowerContext<'_>) -> Result<Vec<String>> {
    let Some((spec, dm_span)) = &t.datamodel else {
        return Ok(Vec::new());
    };
    let mut filter = t.filter.clone();
    let node = take_nodename(&mut filter)?;
    let dataset = tstats_dataset(spec, *dm_span, node, cx)?;
    let fields = dataset.fields();
    let (named, _) = tstats_reads(t, filter.as_ref());
    let mut unknown = Vec::new();
    for name in named {
        let known = BASE_FIELDS.contains(&name.as_str())
            || fields.iter().any(|f| f.name == name)
            || dataset.descendant_field(cx, &name, *dm_span)?.is_some();
        if !known {
            unknown.push(name);
        }
    }
    Ok(unknown)
}

/// The names a `tstats` reads once its dataset is built (BY fields,
/// function fields, the WHERE's fields; `_raw` aside), sorted and without
/// repeats, and whether the WHERE may read any field (a subsearch or a
/// wildcard field name).
fn tstats_reads(t: &Tstats, filter: Option<&SearchExpr>) -> (Vec<String>, bool) {
    let mut named: Vec<String> = t.by.clone();
    named.extend(t.aggs.iter().filter_map(|a| a.field.clone()));
    let mut reads_any = false;
    if let Some(f) = filter {
        match search_expr_reads(f) {
            Some(fields) => named.extend(fields),
            None => reads_any = true,
        }
    }
    named.retain(|n| n != "_raw");
    named.sort();
    named.dedup();
    (named, reads_any)
}

/// Lowers a `tstats`.
fn lower_tstats(t: &Tstats, cx: &LowerContext<'_>) -> Result<Vec<Command>> {
    let span = t.span_all;
    // "The append argument is only valid when prestats=true."
    if t.append && !t.prestats {
        return Err(Error::BadArgument {
            command: "tstats".into(),
            message: "`append=true` is only valid with `prestats=true`".into(),
            span,
        });
    }
    let mut filter = t.filter.clone();
    let node = take_nodename(&mut filter)?;
    let mut out = Vec::new();
    // The names the query reads after the dataset is built.
    // A WHERE with a subsearch or a wildcard field name may read any
    // dataset field: then every field is renamed and every calculation
    // kept.
    let (named, reads_any) = tstats_reads(t, filter.as_ref());
    match &t.datamodel {
        None => {
            if let Some((_, nspan)) = node {
                return Err(error(
                    nspan,
                    "tstats: `nodename=` needs `FROM datamodel=...`".into(),
                ));
            }
            // Index-time fields: the events as they are.
            let mut search = command(
                "search",
                span,
                CommandArgs::Search(Search {
                    expr: filter.take().unwrap_or(SearchExpr {
                        kind: SearchKind::Empty,
                        span,
                    }),
                }),
            );
            search.name_span = t.where_span.unwrap_or(span);
            out.push(search);
        }
        Some((spec, dm_span)) => {
            let dataset = tstats_dataset(spec, *dm_span, node, cx)?;
            let fields = dataset.fields();
            let mut needed = BTreeSet::new();
            let mut renames = Vec::new();
            let mut nulls = Vec::new();
            let mut below = Vec::new();
            let mut below_calcs = Vec::new();
            if reads_any {
                for f in fields.iter().filter(|f| f.raw != f.name) {
                    needed.insert(f.raw.clone());
                    renames.push(RenamePair {
                        from: f.raw.clone(),
                        to: f.name.clone(),
                        span,
                    });
                }
            }
            for name in &named {
                if reads_any && renames.iter().any(|r| &r.to == name) {
                    continue;
                }
                if let Some(f) = fields.iter().find(|f| &f.name == name) {
                    needed.insert(f.raw.clone());
                    if f.raw != f.name {
                        renames.push(RenamePair {
                            from: f.raw.clone(),
                            to: f.name.clone(),
                            span,
                        });
                    }
                } else if BASE_FIELDS.contains(&name.as_str()) {
                    needed.insert(name.clone());
                } else if let Some((raw, assignment, calcs)) =
                    dataset.descendant_field(cx, name, span)?
                {
                    needed.insert(raw);
                    below.push(assignment);
                    below_calcs.extend(calcs);
                } else {
                    // Not in the summary: null, whatever the event holds.
                    nulls.push(name.clone());
                }
            }
            let required: Vec<&DatasetField> = fields.iter().filter(|f| f.required).collect();
            needed.extend(required.iter().map(|f| f.raw.clone()));
            let dataset_start = out.len();
            out.extend(dataset.event_commands(cx, (!reads_any).then_some(&needed), span)?);
            if !required.is_empty() {
                out.push(required_filter(&required, span));
            }
            if !nulls.is_empty() {
                out.push(null_fields(&nulls, span)?);
            }
            out.extend(below_calcs);
            if !below.is_empty() {
                out.push(command(
                    "eval",
                    span,
                    CommandArgs::Eval(Eval { assignments: below }),
                ));
            }
            if !renames.is_empty() {
                out.push(command(
                    "rename",
                    span,
                    CommandArgs::Rename(Rename { pairs: renames }),
                ));
            }
            // `--explain` counts the rows after the dataset and after the
            // WHERE (see `Command::name_span`).
            for c in &mut out[dataset_start..] {
                c.name_span = *dm_span;
            }
            if let Some(f) = filter.take() {
                let mut search = command("search", span, CommandArgs::Search(Search { expr: f }));
                search.name_span = t.where_span.unwrap_or(span);
                out.push(search);
            }
        }
    }
    if let Some(value) = &t.fillnull {
        out.push(command(
            "fillnull",
            span,
            CommandArgs::Fillnull(Fillnull {
                value: value.clone(),
                fields: t.by.clone(),
            }),
        ));
    }
    if let Some((bin_span, _)) = t.span {
        out.push(command(
            "bin",
            span,
            CommandArgs::Bin(Bin {
                field: "_time".into(),
                output: "_time".into(),
                span: Some(bin_span),
                bins: 100,
                minspan: None,
                start: None,
                end: None,
                aligntime: None,
                extra: None,
            }),
        ));
    }
    if t.prestats {
        out.extend(prestats_rows(t, span));
        return Ok(out);
    }
    out.push(command(
        "stats",
        span,
        CommandArgs::Stats(Stats {
            aggs: t.aggs.clone(),
            by: t.by.clone(),
            allnum: false,
        }),
    ));
    Ok(out)
}

/// `prestats=true`: Splunk hands its partial statistics to the `stats`,
/// `chart` or `timechart` that follows, which finishes them. Here the
/// dataset's events go instead, holding only what the partial results
/// would (the BY fields, the functions' fields, `_time`), and only those
/// in a group (a null BY field drops the event, as the groups do); the
/// following command then computes the same statistics from them.
fn prestats_rows(t: &Tstats, span: Span) -> Vec<Command> {
    let mut out = Vec::new();
    let by: Vec<&String> = t.by.iter().filter(|f| *f != "_time").collect();
    if t.fillnull.is_none() && !by.is_empty() {
        let terms = by.iter().map(|f| present(f, span)).collect();
        out.push(command(
            "search",
            span,
            CommandArgs::Search(Search {
                expr: and(terms, span),
            }),
        ));
    }
    let mut keep: Vec<String> = vec!["_time".to_string()];
    keep.extend(t.by.iter().cloned());
    keep.extend(t.aggs.iter().filter_map(|a| a.field.clone()));
    keep.sort();
    keep.dedup();
    out.push(command(
        "fields",
        span,
        CommandArgs::Fields(crate::commands::fields::Fields {
            remove: false,
            names: keep,
        }),
    ));
    out
}

/// `<field>=*`.
fn present(field: &str, span: Span) -> SearchExpr {
    SearchExpr {
        kind: SearchKind::Compare {
            field: field.to_string(),
            op: CompareOp::Eq,
            value: crate::syntax::ast::SearchValue {
                text: "*".into(),
                quoted: false,
                case_sensitive: false,
                term: false,
                span,
            },
        },
        span,
    }
}

/// `search f1=* f2=* ...` for the dataset's required fields.
fn required_filter(required: &[&DatasetField], span: Span) -> Command {
    let terms = required.iter().map(|f| present(&f.raw, span)).collect();
    command(
        "search",
        span,
        CommandArgs::Search(Search {
            expr: and(terms, span),
        }),
    )
}

/// `eval f1=null(), ...`: fields a query names that the dataset lacks.
fn null_fields(names: &[String], span: Span) -> Result<Command> {
    let assignments = names
        .iter()
        .map(|n| {
            Ok(Assignment {
                field: n.clone(),
                field_span: span,
                expr: parse_expr("null()", span.start)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(command(
        "eval",
        span,
        CommandArgs::Eval(Eval { assignments }),
    ))
}

/// Lowers `datamodel <M> <D> search|flat` and `from datamodel:<M>.<D>`:
/// every calculated field, and in `search` mode every dataset field copied
/// to its `<lineage>.<field>` name.
/// `pivot M D ...`: the dataset's events (plain names), the FILTERs as a
/// search, then the table.
fn lower_pivot(p: &Pivot, cx: &LowerContext<'_>) -> Result<Vec<Command>> {
    let mut out = lower_datamodel(&p.source, cx)?;
    if let Some(expr) = p.filter_search() {
        out.push(command(
            "search",
            p.span,
            CommandArgs::Search(Search { expr: expr.clone() }),
        ));
    }
    let mut table = p.clone();
    table.lowered = true;
    out.push(command("pivot", p.span, CommandArgs::Pivot(table)));
    Ok(out)
}

fn lower_datamodel(d: &DatamodelSearch, cx: &LowerContext<'_>) -> Result<Vec<Command>> {
    let dataset = Dataset::resolve(cx, &format!("{}.{}", d.model, d.dataset), d.span)?;
    let mut out = dataset.event_commands(cx, None, d.span)?;
    let fields = dataset.fields();
    let required: Vec<&DatasetField> = fields.iter().filter(|f| f.required).collect();
    if !required.is_empty() {
        out.push(required_filter(&required, d.span));
    }
    if d.prefixed {
        let assignments = fields
            .iter()
            .filter(|f| f.raw != f.name)
            .map(|f| {
                Ok(Assignment {
                    field: f.name.clone(),
                    field_span: d.span,
                    expr: parse_expr(&format!("'{}'", f.raw.replace('\'', "\\'")), d.span.start)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        if !assignments.is_empty() {
            out.push(command(
                "eval",
                d.span,
                CommandArgs::Eval(Eval { assignments }),
            ));
        }
    }
    Ok(out)
}
