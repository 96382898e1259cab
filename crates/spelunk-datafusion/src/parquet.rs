//! Parquet: events written once through spelunk's readers and knowledge
//! layer ([`write_parquet`]), then searched many times ([`input`]).
//!
//! A file [`write_parquet`] wrote holds every field as a list of strings,
//! `_time`, and the event's position among those read
//! ([`SEQUENCE_COLUMN`]), so a search over it gives the rows, in the order,
//! that the same search gives over the original events. Any other Parquet
//! file is read as it is: its columns are the events' fields (a struct's
//! members as `a.b`, Splunk's JSON naming), numbers as their text, and
//! `_time` (a timestamp or epoch seconds) must be a column. Its rows have
//! been through no props: the knowledge layer is not applied to them,
//! which the run says.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use datafusion::arrow::array::{ArrayRef, RecordBatch, UInt64Array};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::common::ScalarValue;
use datafusion::datasource::TableProvider;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::context::SessionContext;
use datafusion::functions::core::expr_fn::get_field;
use datafusion::logical_expr::{ident, lit, Expr, LogicalPlanBuilder, ScalarUDF};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::Compression;
use datafusion::parquet::file::properties::WriterProperties;
use datafusion::prelude::ParquetReadOptions;
use futures::StreamExt;
use spelunk::{Diagnostic, Engine, Error, EventSource};

use crate::scan::{
    discover_fields, is_hidden, EventsTable, ScanReport, ORDER_TIME_COLUMN, SEQUENCE_COLUMN,
    SOURCE_COLUMN,
};

/// Whether a source is Parquet: a `.parquet` file, or an `s3://` URL (a
/// file or a prefix of files).
pub fn is_parquet(source: &EventSource) -> bool {
    source.path.as_deref().is_some_and(|p| {
        s3_url(p).is_some()
            || p.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
    })
}

/// The `s3://bucket/key` a path names, if it names one.
fn s3_url(path: &Path) -> Option<String> {
    let text = path.to_str()?;
    text.starts_with("s3://").then(|| text.to_string())
}

/// Lets DataFusion read `url`'s bucket: an S3 store configured from the
/// `AWS_*` environment variables (credentials, region, `AWS_ENDPOINT_URL`
/// for an S3-compatible server; plain HTTP when that endpoint is).
fn register_s3(ctx: &SessionContext, url: &str) -> Result<()> {
    let parsed = url::Url::parse(url)
        .map_err(|e| DataFusionError::Plan(format!("{url}: not a URL: {e}")))?;
    let bucket = parsed
        .host_str()
        .ok_or_else(|| DataFusionError::Plan(format!("{url}: no bucket")))?;
    let plain_http = std::env::var("AWS_ENDPOINT_URL")
        .or_else(|_| std::env::var("AWS_ENDPOINT"))
        .is_ok_and(|e| e.starts_with("http://"));
    let store = object_store::aws::AmazonS3Builder::from_env()
        .with_bucket_name(bucket)
        .with_allow_http(plain_http)
        .build()
        .map_err(|e| DataFusionError::Plan(format!("{url}: {e}")))?;
    let root = url::Url::parse(&format!("s3://{bucket}"))
        .map_err(|e| DataFusionError::Plan(format!("{url}: {e}")))?;
    ctx.register_object_store(&root, Arc::new(store));
    Ok(())
}

/// Events per Parquet row group `spelunk parquet` writes.
const ROW_GROUP_EVENTS: usize = 65_536;

/// Reads `sources` as a search would (readers, knowledge layer) and writes
/// every event, with every field, to the Parquet file `out`, in the order
/// read. Returns what reading gave.
pub fn write_parquet(
    engine: Arc<Engine>,
    sources: &[EventSource],
    out: &Path,
) -> std::result::Result<ScanReport, Diagnostic> {
    let fields = discover_fields(&engine, sources, None).map_err(Diagnostic::plain)?;
    let report = Arc::new(Mutex::new(ScanReport::default()));
    let table = EventsTable::new(
        engine,
        sources.to_vec(),
        &fields,
        None,
        None,
        Arc::clone(&report),
    );
    let runtime = crate::runtime(1)?;
    let io = |e: &dyn std::fmt::Display| Diagnostic::plain(Error::io(out.display(), e));
    runtime
        .block_on(async {
            let ctx = SessionContext::new();
            let plan = table.scan(&ctx.state(), None, &[], None).await?;
            let schema = written_schema(&plan.schema());
            let file = std::fs::File::create(out)?;
            // Snappy: fast to write and read, and most event text
            // compresses several times over. Row groups of 64Ki events:
            // a reader splits a file between partitions (and a Ballista
            // cluster between executors) by row group, and the writer's
            // default (1Mi rows) left a million events in one.
            let properties = WriterProperties::builder()
                .set_compression(Compression::SNAPPY)
                .set_max_row_group_row_count(Some(ROW_GROUP_EVENTS))
                .build();
            let mut writer = ArrowWriter::try_new(file, Arc::clone(&schema), Some(properties))?;
            // Sources in order, each one's events in order: one running
            // sequence over them all.
            let mut sequence = 0u64;
            for partition in 0..plan.properties().partitioning.partition_count() {
                let mut stream = plan.execute(partition, ctx.task_ctx())?;
                while let Some(batch) = stream.next().await {
                    let batch = batch?;
                    let rows = batch.num_rows() as u64;
                    writer.write(&renumbered(&batch, &schema, sequence)?)?;
                    sequence += rows;
                }
            }
            writer.close()?;
            Ok::<(), DataFusionError>(())
        })
        .map_err(|e| match crate::spelunk_error(&e) {
            Some(err) => Diagnostic::plain(err),
            None => io(&e),
        })?;
    let report = report.lock().map(|r| r.clone()).unwrap_or_default();
    Ok(report)
}

/// The written file's schema: the scan's without its source column.
fn written_schema(scan: &SchemaRef) -> SchemaRef {
    let fields: Vec<Field> = scan
        .fields()
        .iter()
        .filter(|f| f.name() != SOURCE_COLUMN)
        .map(|f| f.as_ref().clone())
        .collect();
    Arc::new(Schema::new(fields))
}

/// A scanned batch in the written schema, its sequence numbers running on
/// from `first`.
fn renumbered(batch: &RecordBatch, schema: &SchemaRef, first: u64) -> Result<RecordBatch> {
    let rows = batch.num_rows() as u64;
    let columns: Vec<ArrayRef> = schema
        .fields()
        .iter()
        .map(|f| match f.name().as_str() {
            SEQUENCE_COLUMN => {
                Ok(Arc::new(UInt64Array::from_iter_values(first..first + rows)) as ArrayRef)
            }
            name => batch
                .column_by_name(name)
                .cloned()
                .ok_or_else(|| DataFusionError::Internal(format!("no column {name}"))),
        })
        .collect::<Result<_>>()?;
    Ok(RecordBatch::try_new(Arc::clone(schema), columns)?)
}

/// The plan's start over Parquet `sources`: one scan per file (its
/// position is its [`SOURCE_COLUMN`]), the event fields `needed` (all when
/// `None`) as columns, unioned. Returns the builder and its columns, and
/// whether some file was not one spelunk wrote (its rows had no props).
pub async fn input(
    ctx: &SessionContext,
    sources: &[EventSource],
    needed: Option<&[String]>,
    time: &ScalarUDF,
) -> Result<(LogicalPlanBuilder, Vec<String>, bool)> {
    let mut union: Option<LogicalPlanBuilder> = None;
    let mut columns: Vec<String> = Vec::new();
    let mut foreign = false;
    // Every file's columns: the union needs one schema.
    let mut frames = Vec::new();
    for source in sources {
        let path: PathBuf = source.path.clone().unwrap_or_default();
        let location = match s3_url(&path) {
            Some(url) => {
                register_s3(ctx, &url)?;
                url
            }
            None => path.display().to_string(),
        };
        let frame = ctx
            .read_parquet(location, ParquetReadOptions::default())
            .await?;
        let leaves = leaves(frame.schema().as_arrow());
        for (name, _, _) in &leaves {
            if !is_hidden(name) && !columns.contains(name) {
                columns.push(name.clone());
            }
        }
        frames.push((source, frame, leaves));
    }
    for meta in ["index", "sourcetype", "source", "host"] {
        if !columns.iter().any(|c| c == meta) {
            columns.push(meta.to_string());
        }
    }
    if let Some(needed) = needed {
        columns.retain(|c| needed.contains(c));
        for n in needed {
            if !columns.contains(n) {
                columns.push(n.clone());
            }
        }
    }
    if !columns.iter().any(|c| c == "_time") {
        columns.push("_time".to_string());
    }
    for (position, (source, frame, leaves)) in frames.into_iter().enumerate() {
        let written = leaves.iter().any(|(n, _, _)| n == SEQUENCE_COLUMN);
        foreign |= !written;
        let leaf = |name: &str| leaves.iter().find(|(n, _, _)| n == name);
        let has = |name: &str| leaf(name).map(|(_, e, _)| e.clone());
        if has("_time").is_none() {
            return Err(DataFusionError::Plan(format!(
                "{}: a Parquet file of events needs a `_time` column (a timestamp or epoch seconds)",
                source.path.as_deref().unwrap_or(Path::new("-")).display()
            )));
        }
        let mut exprs: Vec<Expr> = Vec::new();
        for name in &columns {
            let expr = match (leaf(name), name.as_str()) {
                (Some((_, e, _)), "_time") => time.call(vec![e.clone()]),
                // Every field as lists of text, so the union has one type
                // per column (a file spelunk wrote has them so already).
                (Some((_, e, t)), _) if *t == crate::columns::texts_type() => e.clone(),
                (Some((_, e, _)), _) => crate::udf::texts_call(e.clone()),
                (None, meta @ ("index" | "sourcetype" | "source" | "host")) => {
                    metadata(source, meta)?
                }
                (None, "_time") => lit(ScalarValue::Float64(None)),
                (None, _) => lit(ScalarValue::try_from(&crate::columns::texts_type())?),
            };
            exprs.push(expr.alias(name));
        }
        exprs.push(lit(position as u32).alias(SOURCE_COLUMN));
        exprs.push(match has(SEQUENCE_COLUMN) {
            Some(e) => e.alias(SEQUENCE_COLUMN),
            None => lit(0u64).alias(SEQUENCE_COLUMN),
        });
        exprs.push(
            time.call(vec![has(ORDER_TIME_COLUMN)
                .or(has("_time"))
                .unwrap_or(lit(0.0))])
                .alias(ORDER_TIME_COLUMN),
        );
        let frame = LogicalPlanBuilder::from(frame.into_unoptimized_plan()).project(exprs)?;
        union = Some(match union {
            None => frame,
            Some(u) => u.union(frame.build()?)?,
        });
    }
    let builder = union.ok_or_else(|| DataFusionError::Plan("no Parquet file given".into()))?;
    let mut all = columns;
    all.extend([SOURCE_COLUMN, SEQUENCE_COLUMN, ORDER_TIME_COLUMN].map(String::from));
    Ok((builder, all, foreign))
}

/// A metadata field's value for a file's rows: the flag's, else what a
/// search over the file would give (its path, `spelunk`, `main`; no
/// sourcetype unless one was given).
fn metadata(source: &EventSource, name: &str) -> Result<Expr> {
    let text = match name {
        "index" => Some(source.index.clone().unwrap_or_else(|| "main".into())),
        "host" => Some(source.host.clone().unwrap_or_else(|| "spelunk".into())),
        "source" => Some(source.source.clone().unwrap_or_else(|| {
            source
                .path
                .as_deref()
                .map_or_else(|| "-".to_string(), |p| p.display().to_string())
        })),
        _ => Some(source.sourcetype.clone()).filter(|s| !s.is_empty()),
    };
    Ok(match text {
        Some(t) => {
            let value = spelunk::Value::Str(t);
            let texts = crate::columns::texts_array(std::iter::once(Some(&value)));
            lit(ScalarValue::try_from_array(texts.as_ref(), 0)?)
        }
        None => lit(ScalarValue::try_from(&crate::columns::texts_type())?),
    })
}

/// A schema's fields as event field names with the expression reading
/// each: a struct's members as `a.b` (recursively), everything else by
/// its own name.
fn leaves(schema: &Schema) -> Vec<(String, Expr, DataType)> {
    let mut out = Vec::new();
    for field in schema.fields() {
        add_leaves(
            field.name().clone(),
            ident(field.name().as_str()),
            field.data_type(),
            &mut out,
        );
    }
    out
}

fn add_leaves(
    name: String,
    expr: Expr,
    data_type: &DataType,
    out: &mut Vec<(String, Expr, DataType)>,
) {
    match data_type {
        DataType::Struct(members) if !is_value_struct(data_type) => {
            for m in members {
                add_leaves(
                    format!("{name}.{}", m.name()),
                    get_field(expr.clone(), m.name().as_str()),
                    m.data_type(),
                    out,
                );
            }
        }
        _ => out.push((name, expr, data_type.clone())),
    }
}

/// Whether a struct is spelunk's own value encoding.
fn is_value_struct(data_type: &DataType) -> bool {
    *data_type == crate::columns::value_type()
}
