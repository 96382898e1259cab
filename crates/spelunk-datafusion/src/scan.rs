//! The scan: a DataFusion table whose rows are the events spelunk's own
//! readers produce (NDJSON, JSON arrays, Windows XML and `.evtx`, text
//! logs, with the knowledge layer applied), one partition per source.
//!
//! Each event becomes a row of the fields the plan needs, as lists of
//! strings ([`crate::columns`]), plus two hidden columns that give a search's
//! order: the source's position ([`SOURCE_COLUMN`]) and the event's within it
//! ([`SEQUENCE_COLUMN`]). Events newest first, ties in input order, is then
//! `_time DESC, source ASC, sequence ASC`.

use std::fmt;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use datafusion::arrow::array::{ArrayRef, Float64Array, RecordBatch, UInt32Array, UInt64Array};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::Session;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::datasource::{TableProvider, TableType};
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::TaskContext;
use datafusion::logical_expr::Expr;
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PlanProperties,
    SendableRecordBatchStream,
};
use spelunk::backend::{Prepared, Projection};
use spelunk::events::Malformed;
use spelunk::syntax::ast::SearchExpr;
use spelunk::{Engine, Event, EventSource};

use crate::columns::texts_array;

/// The hidden column holding the event's source (its position in the
/// sources given).
pub const SOURCE_COLUMN: &str = "__spelunk_source";
/// The hidden column holding the event's position in its source.
pub const SEQUENCE_COLUMN: &str = "__spelunk_sequence";
/// The hidden column holding the event's `_time` as read (an `eval` may
/// change `_time`; the order stays that of the events read).
pub const ORDER_TIME_COLUMN: &str = "__spelunk_order_time";

/// Events per record batch.
const BATCH_ROWS: usize = 8192;

/// Whether a column is one of the scan's hidden ones.
pub fn is_hidden(name: &str) -> bool {
    name == SOURCE_COLUMN || name == SEQUENCE_COLUMN || name == ORDER_TIME_COLUMN
}

/// What reading the sources gave besides the events, summed over them.
#[derive(Debug, Default, Clone)]
pub struct ScanReport {
    /// Events read.
    pub events: usize,
    /// Items that were not valid events.
    pub malformed: Vec<Malformed>,
    /// Events that took a fallback time.
    pub untimed: usize,
    /// Knowledge that applies but cannot run, once each.
    pub notices: Vec<String>,
}

/// The events of some sources as a table.
#[derive(Debug)]
pub struct EventsTable {
    engine: Arc<Engine>,
    sources: Arc<Vec<EventSource>>,
    projection: Arc<Option<Projection>>,
    search: Arc<Option<SearchExpr>>,
    schema: SchemaRef,
    report: Arc<Mutex<ScanReport>>,
    /// The prepared search it reads for (a Ballista codec names it).
    owner: Option<Arc<Prepared>>,
}

impl EventsTable {
    /// A table of `fields` (besides the hidden ones) over `sources`; the
    /// readers extract only `projection`'s fields where they can (all
    /// when `None`).
    pub fn new(
        engine: Arc<Engine>,
        sources: Vec<EventSource>,
        fields: &[String],
        projection: Option<Projection>,
        search: Option<SearchExpr>,
        report: Arc<Mutex<ScanReport>>,
    ) -> EventsTable {
        let names = fields
            .iter()
            .filter(|f| !is_hidden(f))
            .map(String::as_str)
            .chain([SOURCE_COLUMN, SEQUENCE_COLUMN, ORDER_TIME_COLUMN]);
        EventsTable {
            engine,
            sources: Arc::new(sources),
            projection: Arc::new(projection),
            search: Arc::new(search),
            schema: columns_schema(names),
            report,
            owner: None,
        }
    }

    /// The table of the prepared search `owner` (its projection and leading
    /// search are the table's).
    pub(crate) fn owned_by(mut self, owner: &Arc<Prepared>) -> EventsTable {
        self.owner = Some(Arc::clone(owner));
        self
    }

    /// The prepared search it reads for, when known.
    #[cfg(feature = "ballista")]
    pub(crate) fn owner(&self) -> Option<&Arc<Prepared>> {
        self.owner.as_ref()
    }

    /// The sources it reads.
    #[cfg(feature = "ballista")]
    pub(crate) fn sources(&self) -> &[EventSource] {
        &self.sources
    }
}

/// The schema of a scan's columns: `_time` and the order time as numbers,
/// the source and sequence as integers, every event field as lists of text.
pub(crate) fn columns_schema<'a>(names: impl Iterator<Item = &'a str>) -> SchemaRef {
    let fields: Vec<Field> = names
        .map(|name| match name {
            "_time" | ORDER_TIME_COLUMN => Field::new(name, DataType::Float64, true),
            SOURCE_COLUMN => Field::new(name, DataType::UInt32, false),
            SEQUENCE_COLUMN => Field::new(name, DataType::UInt64, false),
            _ => Field::new(name, crate::columns::texts_type(), true),
        })
        .collect();
    Arc::new(Schema::new(fields))
}

#[async_trait]
impl TableProvider for EventsTable {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    async fn scan(
        &self,
        _state: &dyn Session,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        _limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let schema = match projection {
            Some(p) => Arc::new(self.schema.project(p)?),
            None => Arc::clone(&self.schema),
        };
        let mut scan = EventsScan::new(
            Arc::clone(&self.engine),
            Arc::clone(&self.sources),
            Arc::clone(&self.projection),
            Arc::clone(&self.search),
            schema,
            Arc::clone(&self.report),
        );
        scan.owner = self.owner.clone();
        Ok(Arc::new(scan))
    }
}

/// The scan's execution plan: one partition per source.
#[derive(Debug)]
pub struct EventsScan {
    engine: Arc<Engine>,
    sources: Arc<Vec<EventSource>>,
    projection: Arc<Option<Projection>>,
    search: Arc<Option<SearchExpr>>,
    schema: SchemaRef,
    report: Arc<Mutex<ScanReport>>,
    properties: Arc<PlanProperties>,
    /// The prepared search it reads for (a Ballista codec names it).
    pub(crate) owner: Option<Arc<Prepared>>,
    /// Whether each malformed event is also written to stderr: on a remote
    /// Ballista executor, whose report the client never sees.
    pub(crate) log_malformed: bool,
}

impl EventsScan {
    pub(crate) fn new(
        engine: Arc<Engine>,
        sources: Arc<Vec<EventSource>>,
        projection: Arc<Option<Projection>>,
        search: Arc<Option<SearchExpr>>,
        schema: SchemaRef,
        report: Arc<Mutex<ScanReport>>,
    ) -> EventsScan {
        let properties = PlanProperties::new(
            EquivalenceProperties::new(Arc::clone(&schema)),
            Partitioning::UnknownPartitioning(sources.len().max(1)),
            EmissionType::Incremental,
            Boundedness::Bounded,
        );
        EventsScan {
            engine,
            sources,
            projection,
            search,
            schema,
            report,
            properties: Arc::new(properties),
            owner: None,
            log_malformed: false,
        }
    }

    /// The sources it reads.
    #[cfg(feature = "ballista")]
    pub(crate) fn sources(&self) -> &[EventSource] {
        &self.sources
    }

    /// Its columns.
    #[cfg(feature = "ballista")]
    pub(crate) fn schema_ref(&self) -> &SchemaRef {
        &self.schema
    }
}

impl DisplayAs for EventsScan {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        let names: Vec<&str> = self
            .schema
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .filter(|n| !is_hidden(n))
            .collect();
        write!(
            f,
            "SpelunkEventsScan: sources={}, fields=[{}]",
            self.sources.len(),
            names.join(", ")
        )
    }
}

impl ExecutionPlan for EventsScan {
    fn name(&self) -> &str {
        "SpelunkEventsScan"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        Vec::new()
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn with_new_children(
        self: Arc<Self>,
        _children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        Ok(self)
    }

    fn execute(
        &self,
        partition: usize,
        _context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let schema = Arc::clone(&self.schema);
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<RecordBatch>>(2);
        // No source (a search over nothing): an empty partition.
        if let Some(source) = self.sources.get(partition).cloned() {
            let engine = Arc::clone(&self.engine);
            let projection = Arc::clone(&self.projection);
            let search = Arc::clone(&self.search);
            let report = Arc::clone(&self.report);
            let log_malformed = self.log_malformed;
            let batch_schema = Arc::clone(&schema);
            // The readers are synchronous: they run on a blocking thread
            // and hand batches over a bounded channel, so a large file is
            // never held as rows.
            tokio::task::spawn_blocking(move || {
                let reading = Reading {
                    engine: &engine,
                    source: &source,
                    projection: projection.as_ref().as_ref(),
                    search: search.as_ref().as_ref(),
                    log_malformed,
                };
                read_partition(&reading, partition, &batch_schema, &report, &tx)
            });
        }
        let stream = futures::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|batch| (batch, rx))
        });
        Ok(Box::pin(RecordBatchStreamAdapter::new(schema, stream)))
    }
}

/// What one partition reads, and how.
struct Reading<'a> {
    engine: &'a Engine,
    source: &'a EventSource,
    /// The fields to extract (all when `None`).
    projection: Option<&'a Projection>,
    /// The leading search, whose literals pre-filter NDJSON lines.
    search: Option<&'a SearchExpr>,
    /// Whether malformed events also go to stderr.
    log_malformed: bool,
}

/// Reads one source into batches sent on `tx`; a reading error is sent as
/// the partition's last item.
fn read_partition(
    reading: &Reading<'_>,
    partition: usize,
    schema: &SchemaRef,
    report: &Mutex<ScanReport>,
    tx: &tokio::sync::mpsc::Sender<Result<RecordBatch>>,
) {
    let mut pending: Vec<Event> = Vec::with_capacity(BATCH_ROWS);
    let mut sequence = 0u64;
    let mut closed = false;
    let mut flush = |pending: &mut Vec<Event>, sequence: &mut u64| {
        if pending.is_empty() || closed {
            pending.clear();
            return;
        }
        let batch = build_batch(pending, partition, *sequence, schema);
        *sequence += pending.len() as u64;
        pending.clear();
        closed = tx.blocking_send(batch).is_err();
    };
    let outcome = reading.engine.read_source_projected(
        reading.source,
        reading.projection,
        reading.search,
        &mut |event| {
            pending.push(event);
            if pending.len() >= BATCH_ROWS {
                flush(&mut pending, &mut sequence);
            }
        },
    );
    flush(&mut pending, &mut sequence);
    match outcome {
        Ok(read) => {
            if reading.log_malformed {
                for m in &read.malformed {
                    eprintln!("spelunk executor: {m}");
                }
            }
            if let Ok(mut total) = report.lock() {
                total.events += read.events;
                total.malformed.extend(read.malformed);
                total.untimed += read.untimed;
                for notice in read.notices {
                    if !total.notices.contains(&notice) {
                        total.notices.push(notice);
                    }
                }
            }
        }
        Err(e) => {
            let _ = tx.blocking_send(Err(DataFusionError::External(Box::new(e))));
        }
    }
}

/// One batch of events as the schema's columns. Each event's fields are
/// visited once, whatever the number of columns (a `spelunk parquet` of
/// events with hundreds of fields).
fn build_batch(
    events: &[Event],
    partition: usize,
    first: u64,
    schema: &SchemaRef,
) -> Result<RecordBatch> {
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let index: std::collections::HashMap<&str, usize> =
        names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let mut slots: Vec<Vec<Option<&spelunk::Value>>> = vec![vec![None; events.len()]; names.len()];
    for (row, event) in events.iter().enumerate() {
        for (name, value) in event.iter() {
            if let Some(&column) = index.get(name) {
                slots[column][row] = Some(value);
            }
        }
    }
    let columns: Vec<ArrayRef> = names
        .iter()
        .zip(slots)
        .map(|(name, values)| -> ArrayRef {
            match *name {
                SOURCE_COLUMN => Arc::new(UInt32Array::from(vec![partition as u32; events.len()])),
                SEQUENCE_COLUMN => Arc::new(UInt64Array::from_iter_values(
                    (0..events.len() as u64).map(|i| first + i),
                )),
                "_time" | ORDER_TIME_COLUMN => {
                    Arc::new(events.iter().map(Event::time).collect::<Float64Array>())
                }
                _ => texts_array(values.into_iter()),
            }
        })
        .collect();
    Ok(RecordBatch::try_new(Arc::clone(schema), columns)?)
}

/// The fields the events of `sources` carry, in the order first seen: the
/// schema of a search whose output shows whole events. Given the leading
/// `search`, NDJSON lines lacking its literals are skipped (their fields
/// could only belong to rows the search drops); files are read in chunks.
pub fn discover_fields(
    engine: &Engine,
    sources: &[EventSource],
    search: Option<&SearchExpr>,
) -> spelunk::Result<Vec<String>> {
    let mut seen: indexmap::IndexSet<String> = indexmap::IndexSet::new();
    for source in sources {
        engine.read_source_projected(source, None, search, &mut |event| {
            for name in event.names() {
                if !seen.contains(name) {
                    seen.insert(name.to_string());
                }
            }
        })?;
    }
    Ok(seen.into_iter().collect())
}
