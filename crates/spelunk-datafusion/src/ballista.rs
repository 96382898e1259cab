//! `--engine ballista` (issue 20): the plan [`crate::run`] builds, run on
//! a Ballista cluster instead of in this process.
//!
//! Ballista ships plans as protobuf: the client sends the logical plan to
//! the scheduler, which splits it into stages and sends each executor its
//! tasks as physical plans. DataFusion's own nodes (the Parquet scan, the
//! filters, projections, unnests, aggregation, sort) serialise natively;
//! spelunk's functions do not, so [`SpelunkCodec`] encodes each by what an
//! executor needs to rebuild it: the search's text, its start time (`now`)
//! and the command's (or aggregation's) position and columns. Decoding
//! looks the prepared search up among those registered in this process
//! (a standalone cluster's executors share the user's [`Engine`] and see
//! the subsearches' results), else compiles the text again with the
//! codec's own engine, which then must hold the same knowledge (props,
//! lookups, macros) as the client's.
//!
//! Parquet input is DataFusion's own scan. spelunk's scan of NDJSON and
//! the other event files (`EventsTable`, `EventsScan`) is shipped as its
//! search's key, its sources (paths every node must be able to read) and
//! its columns; an executor reads its partitions (one per file) with its
//! own readers and knowledge. An executor in this process adds what it
//! read to the client's report (events, malformed, untimed); a remote one
//! writes each malformed event to its stderr.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use ballista::prelude::SessionContextExt;
use ballista_core::extension::SessionConfigExt;
use ballista_core::serde::{BallistaLogicalExtensionCodec, BallistaPhysicalExtensionCodec};
use datafusion::common::TableReference;
use datafusion::datasource::file_format::FileFormatFactory;
use datafusion::datasource::TableProvider;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::context::{SessionConfig, SessionContext};
use datafusion::execution::{SessionState, SessionStateBuilder, TaskContext};
use datafusion::logical_expr::{AggregateUDF, Extension, LogicalPlan, ScalarUDF};
use datafusion::physical_plan::ExecutionPlan;
use datafusion_proto::logical_plan::LogicalExtensionCodec;
use datafusion_proto::physical_plan::{PhysicalExtensionCodec, PhysicalProtoConverterExtension};
use serde::{Deserialize, Serialize};
use spelunk::backend::Prepared;
use spelunk::{Diagnostic, Engine, Error, EventSource, Query};

use crate::scan::{EventsScan, EventsTable, ScanReport};
use crate::udaf::StatsUdaf;
use crate::udf::{StepUdf, TextsUdf, TimeUdf};
use crate::{DataFusionRun, Options, Target};

/// Runs `query` over Parquet `sources` as [`crate::run`] does, the plan
/// executed by the cluster `scheduler` leads.
pub fn run(
    engine: Arc<Engine>,
    query: &Query,
    sources: &[EventSource],
    options: &Options,
    scheduler: &Scheduler,
) -> std::result::Result<DataFusionRun, Diagnostic> {
    crate::run_on(
        engine,
        query,
        sources,
        options,
        &Target::Ballista(scheduler.clone()),
    )
}

/// A Ballista scheduler to run plans on, and the codec its plans go
/// through.
#[derive(Debug, Clone)]
pub struct Scheduler {
    /// `df://host:port`, as Ballista's client takes it.
    url: String,
    codec: Arc<SpelunkCodec>,
    /// Whether its executors run in other processes (what they read is
    /// not in the client's report).
    remote: bool,
}

impl Scheduler {
    /// The scheduler at `address` (`HOST:PORT`). Its executors must decode
    /// spelunk's functions: a stock `ballista-executor` cannot.
    pub fn remote(engine: Arc<Engine>, address: &str) -> Scheduler {
        let url = match address.contains("://") {
            true => address.to_string(),
            false => format!("df://{address}"),
        };
        Scheduler {
            url,
            codec: Arc::new(SpelunkCodec::new(engine)),
            remote: true,
        }
    }

    /// Where the scheduler listens, as Ballista's client takes it.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Whether its executors run in other processes.
    pub fn is_remote(&self) -> bool {
        self.remote
    }

    /// A client session on the cluster, its plans encoded by the codec.
    pub(crate) fn session(
        &self,
        config: SessionConfig,
        runtime: &tokio::runtime::Runtime,
    ) -> std::result::Result<SessionContext, Diagnostic> {
        let state = state_with_codec(config, &self.codec);
        runtime
            .block_on(SessionContext::remote_with_state(&self.url, state))
            .map_err(|e| {
                Diagnostic::plain(Error::Usage(format!(
                    "--engine ballista: the scheduler at {}: {e}",
                    self.url
                )))
            })
    }

    /// Registers `prepared` (the search `query`) with the codec until the
    /// value returned is dropped.
    pub(crate) fn register(
        &self,
        engine: &Arc<Engine>,
        query: &Query,
        prepared: &Arc<Prepared>,
        report: &Arc<Mutex<ScanReport>>,
    ) -> Registration {
        self.codec
            .searches
            .register(engine, query, prepared, report)
    }
}

/// A session state whose Ballista codecs are `codec`.
fn state_with_codec(config: SessionConfig, codec: &Arc<SpelunkCodec>) -> SessionState {
    // Ballista's defaults first (its restricted settings), then ours: the
    // partitions the caller asked for stay.
    let partitions = config.target_partitions();
    let config = crate::without_leaf_pushdown(SessionConfig::new_with_ballista())
        .with_target_partitions(partitions)
        // Ballista 55's adaptive planner re-checks a stage's plan once its
        // input stage ran, and loses the order a union of sorted files
        // keeps (each file's constant source column): the sanity check
        // fails and the job never ends. The static planner runs it.
        .with_ballista_adaptive_query_planner(false)
        .with_ballista_logical_extension_codec(Arc::clone(codec) as Arc<dyn LogicalExtensionCodec>)
        .with_ballista_physical_extension_codec(
            Arc::clone(codec) as Arc<dyn PhysicalExtensionCodec>
        );
    SessionStateBuilder::new()
        .with_config(config)
        .with_default_features()
        .build()
}

/// A scheduler and executors in this process, on localhost ports: each
/// executor polls the scheduler for tasks as a remote one would, and
/// fetches the others' shuffle output over Arrow Flight.
pub struct LocalCluster {
    scheduler: Scheduler,
    /// Each executor's count of plans decoded (one per task it ran).
    work: Vec<Arc<AtomicUsize>>,
    /// The cluster's servers and polling loops run on this runtime; it
    /// stops them when dropped.
    _runtime: tokio::runtime::Runtime,
}

impl std::fmt::Debug for LocalCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalCluster")
            .field("scheduler", &self.scheduler.url)
            .field("executors", &self.work.len())
            .finish()
    }
}

impl LocalCluster {
    /// Starts a scheduler and `executors` executors of `slots` task slots
    /// each, all decoding with `engine`.
    pub fn start(
        engine: Arc<Engine>,
        executors: usize,
        slots: usize,
    ) -> std::result::Result<LocalCluster, Diagnostic> {
        let runtime = crate::runtime(2)?;
        let searches = Arc::new(Searches::default());
        let codec = |work: Arc<AtomicUsize>| {
            Arc::new(SpelunkCodec {
                engine: Arc::clone(&engine),
                searches: Arc::clone(&searches),
                plans_decoded: work,
                ..SpelunkCodec::new(Arc::clone(&engine))
            })
        };
        let config = || crate::session_config(slots.max(1));
        let client = codec(Arc::new(AtomicUsize::new(0)));
        let scheduler_state = state_with_codec(config(), &client);
        let failed = |what: &str, e: &dyn std::fmt::Display| {
            Diagnostic::plain(Error::Runtime {
                message: format!("the local Ballista cluster's {what}: {e}"),
                span: None,
            })
        };
        let address: SocketAddr = runtime
            .block_on(
                ballista_scheduler::standalone::new_standalone_scheduler_from_state(
                    &scheduler_state,
                ),
            )
            .map_err(|e| failed("scheduler", &e))?;
        let url = format!("http://localhost:{}", address.port());
        let mut work = Vec::with_capacity(executors);
        for _ in 0..executors {
            let counter = Arc::new(AtomicUsize::new(0));
            // Each executor its own codec (sharing the searches), so the
            // work each one did can be counted.
            let state = state_with_codec(config(), &codec(Arc::clone(&counter)));
            runtime
                .block_on(async {
                    use ballista_core::serde::protobuf::scheduler_grpc_client::SchedulerGrpcClient;
                    // The server task was spawned just now: give it a few
                    // seconds to accept connections.
                    let mut tries = 0;
                    let client = loop {
                        match SchedulerGrpcClient::connect(url.clone()).await {
                            Ok(client) => break client,
                            Err(e) if tries >= 100 => return Err(format!("{url}: {e}")),
                            Err(_) => tries += 1,
                        }
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    };
                    ballista_executor::new_standalone_executor_from_state(client, slots, &state)
                        .await
                        .map_err(|e| e.to_string())
                })
                .map_err(|e| failed("executor", &e))?;
            work.push(counter);
        }
        Ok(LocalCluster {
            scheduler: Scheduler {
                url: format!("df://localhost:{}", address.port()),
                codec: client,
                remote: false,
            },
            work,
            _runtime: runtime,
        })
    }

    /// The cluster's scheduler.
    pub fn scheduler(&self) -> &Scheduler {
        &self.scheduler
    }

    /// How many task plans each executor has decoded so far.
    pub fn work(&self) -> Vec<usize> {
        self.work
            .iter()
            .map(|w| w.load(Ordering::Relaxed))
            .collect()
    }
}

/// Runs a Ballista scheduler listening on `bind` (`HOST:PORT`) whose
/// codec decodes spelunk's functions with `engine`, until it stops. Its
/// executors must be [`serve_executor`]'s.
pub fn serve_scheduler(engine: Arc<Engine>, bind: &str) -> std::result::Result<(), Diagnostic> {
    use ballista_scheduler::cluster::BallistaCluster;
    use ballista_scheduler::config::SchedulerConfig;
    let address: SocketAddr = bind
        .parse()
        .map_err(|e| Diagnostic::plain(Error::Usage(format!("--bind {bind}: {e}"))))?;
    let codec = Arc::new(SpelunkCodec::new(engine));
    let config = SchedulerConfig {
        bind_host: address.ip().to_string(),
        bind_port: address.port(),
        override_logical_codec: Some(Arc::clone(&codec) as Arc<dyn LogicalExtensionCodec>),
        override_physical_codec: Some(codec as Arc<dyn PhysicalExtensionCodec>),
        // The scheduler optimizes the jobs' plans: with spelunk's settings.
        override_config_producer: Some(Arc::new(|| {
            crate::without_leaf_pushdown(SessionConfig::new_with_ballista())
        })),
        ..SchedulerConfig::default()
    };
    let runtime = crate::runtime(std::thread::available_parallelism().map_or(2, |n| n.get()))?;
    runtime
        .block_on(async {
            let cluster = BallistaCluster::new_from_config(&config).await?;
            ballista_scheduler::scheduler_process::start_server(cluster, address, Arc::new(config))
                .await
        })
        .map_err(|e| served("scheduler", &e))
}

/// Runs a Ballista executor of `slots` task slots (0: one per core)
/// listening on `bind` (`HOST:PORT`, Arrow Flight for shuffle data) and
/// polling the scheduler at `scheduler` (`HOST:PORT`) for tasks, its
/// codec decoding spelunk's functions with `engine`, until it stops.
pub fn serve_executor(
    engine: Arc<Engine>,
    scheduler: &str,
    bind: &str,
    slots: usize,
) -> std::result::Result<(), Diagnostic> {
    use ballista_executor::executor_process::{start_executor_process, ExecutorProcessConfig};
    let usage = |what: &str, value: &str, e: &dyn std::fmt::Display| {
        Diagnostic::plain(Error::Usage(format!("{what} {value}: {e}")))
    };
    let (scheduler_host, scheduler_port) = scheduler
        .rsplit_once(':')
        .ok_or_else(|| usage("--scheduler", scheduler, &"not HOST:PORT"))?;
    let scheduler_port: u16 = scheduler_port
        .parse()
        .map_err(|e| usage("--scheduler", scheduler, &e))?;
    let address: SocketAddr = bind.parse().map_err(|e| usage("--bind", bind, &e))?;
    let codec = Arc::new(SpelunkCodec::new(engine));
    let defaults = ExecutorProcessConfig::default();
    let config = ExecutorProcessConfig {
        scheduler_host: scheduler_host.to_string(),
        scheduler_port,
        bind_host: address.ip().to_string(),
        port: address.port(),
        // Its gRPC port (push scheduling only) next to the Flight one.
        grpc_port: address.port().saturating_add(1),
        vcores: match slots {
            0 => defaults.vcores,
            n => n,
        },
        override_logical_codec: Some(Arc::clone(&codec) as Arc<dyn LogicalExtensionCodec>),
        override_physical_codec: Some(codec as Arc<dyn PhysicalExtensionCodec>),
        ..defaults
    };
    let runtime = crate::runtime(std::thread::available_parallelism().map_or(2, |n| n.get()))?;
    runtime
        .block_on(start_executor_process(Arc::new(config)))
        .map_err(|e| served("executor", &e))
}

fn served(what: &str, e: &dyn std::fmt::Display) -> Diagnostic {
    Diagnostic::plain(Error::Runtime {
        message: format!("the Ballista {what}: {e}"),
        span: None,
    })
}

/// Identifies a prepared search across processes: its text (macros
/// expanded) and its start time, which fixes `now()` and relative time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct SearchKey {
    text: String,
    /// `now`'s bits: the time exactly, whatever the payload's format.
    now: u64,
}

impl SearchKey {
    fn of(query: &Query, now: f64) -> SearchKey {
        // A subsearch's query carries its parent's text: its own is the
        // part its pipeline spans.
        let span = query.pipeline.span;
        let text = query
            .expanded
            .text
            .get(span.start..span.end)
            .filter(|t| !t.trim().is_empty())
            .unwrap_or(&query.expanded.text);
        SearchKey {
            text: text.to_string(),
            now: now.to_bits(),
        }
    }
}

/// What an encoded spelunk function is.
#[derive(Debug, Serialize, Deserialize)]
enum Payload {
    /// `spl_<command>_<index>`: a search/where/eval command.
    Step {
        search: SearchKey,
        index: usize,
        inputs: Vec<String>,
        writes: Vec<String>,
    },
    /// `spl_stats_<position>`: the aggregation at `position` of the stats
    /// at command `index`.
    Stats {
        search: SearchKey,
        index: usize,
        position: usize,
        inputs: Vec<String>,
    },
    /// spelunk's scan of event files: the table (`columns` its event
    /// fields) or its execution plan (`columns` all of its columns).
    Scan {
        search: SearchKey,
        sources: Vec<Source>,
        columns: Vec<String>,
    },
    /// `spl_texts`.
    Texts,
    /// `spl_time`.
    Time,
}

/// A search running in this process: its key, as prepared, and the
/// engine it was prepared with.
type Running = (
    SearchKey,
    Arc<Prepared>,
    Arc<Engine>,
    Arc<Mutex<ScanReport>>,
);

/// An [`EventSource`] on the wire.
#[derive(Debug, Serialize, Deserialize)]
struct Source {
    path: Option<std::path::PathBuf>,
    sourcetype: String,
    source: Option<String>,
    host: Option<String>,
    index: Option<String>,
}

impl Source {
    fn of(s: &EventSource) -> Source {
        Source {
            path: s.path.clone(),
            sourcetype: s.sourcetype.clone(),
            source: s.source.clone(),
            host: s.host.clone(),
            index: s.index.clone(),
        }
    }

    fn event_source(self) -> EventSource {
        EventSource {
            path: self.path,
            sourcetype: self.sourcetype,
            source: self.source,
            host: self.host,
            index: self.index,
        }
    }
}

/// A scan as decoded: its search, sources and columns.
struct ShippedScan {
    search: SearchKey,
    sources: Vec<EventSource>,
    columns: Vec<String>,
}

/// What a decoded scan runs with.
struct ScanParts {
    engine: Arc<Engine>,
    prepared: Arc<Prepared>,
    /// The client's report when the search runs in this process, else a
    /// new one.
    report: Arc<Mutex<ScanReport>>,
    /// Whether no client in this process sees the report: malformed
    /// events then also go to stderr.
    remote: bool,
}

/// Starts a spelunk scan's encoding, so decoding tells it from Ballista's
/// own (protobuf) nodes.
const SCAN_MAGIC: &[u8] = b"spelunk-scan:";

/// The prepared searches running in this process.
#[derive(Debug, Default)]
struct Searches {
    next: AtomicU64,
    /// With the engine each was prepared with (its lookups, props): an
    /// executor in this process runs the search over that one.
    running: Mutex<HashMap<u64, Running>>,
    /// Searches compiled again from their text, by text and time (a
    /// remote executor decodes every task's functions: compile once).
    compiled: Mutex<Vec<(SearchKey, Arc<Prepared>)>>,
}

impl Searches {
    fn register(
        self: &Arc<Self>,
        engine: &Arc<Engine>,
        query: &Query,
        prepared: &Arc<Prepared>,
        report: &Arc<Mutex<ScanReport>>,
    ) -> Registration {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let key = SearchKey::of(query, prepared.now);
        if let Ok(mut running) = self.running.lock() {
            let entry = (
                key,
                Arc::clone(prepared),
                Arc::clone(engine),
                Arc::clone(report),
            );
            running.insert(id, entry);
        }
        Registration {
            searches: Arc::clone(self),
            id,
        }
    }

    /// A search known here (running, or compiled again from its text)
    /// satisfying `matches`.
    fn known(&self, matches: impl Fn(&Prepared) -> bool) -> Option<(SearchKey, Arc<Prepared>)> {
        let found = |entries: &mut dyn Iterator<Item = (&SearchKey, &Arc<Prepared>)>| {
            for (k, p) in entries {
                if matches(p) {
                    return Some((k.clone(), Arc::clone(p)));
                }
            }
            None
        };
        if let Some(hit) = self
            .running
            .lock()
            .ok()
            .and_then(|r| found(&mut r.values().map(|(k, p, _, _)| (k, p))))
        {
            return Some(hit);
        }
        self.compiled
            .lock()
            .ok()
            .and_then(|c| found(&mut c.iter().map(|(k, p)| (k, p))))
    }

    /// The prepared search `key` names and the engine to run it over: a
    /// running one and its engine, else the text compiled again with
    /// `engine`.
    fn find(&self, engine: &Arc<Engine>, key: &SearchKey) -> Result<(Arc<Prepared>, Arc<Engine>)> {
        let same = |k: &SearchKey| k == key;
        if let Some(hit) = self.running.lock().ok().and_then(|r| {
            r.values()
                .find(|(k, _, _, _)| same(k))
                .map(|(_, p, e, _)| (Arc::clone(p), Arc::clone(e)))
        }) {
            return Ok(hit);
        }
        if let Some(p) = self
            .compiled
            .lock()
            .ok()
            .and_then(|c| c.iter().find(|(k, _)| same(k)).map(|(_, p)| Arc::clone(p)))
        {
            return Ok((p, Arc::clone(engine)));
        }
        let prepared = Arc::new(recompile(engine, key)?);
        if let Ok(mut compiled) = self.compiled.lock() {
            compiled.push((key.clone(), Arc::clone(&prepared)));
        }
        Ok((prepared, Arc::clone(engine)))
    }
}

/// Compiles and prepares a search from its key, on an executor that did
/// not see it prepared. A subsearch that reads events cannot run here (it
/// would need the client's input), so such a search is refused.
fn recompile(engine: &Engine, key: &SearchKey) -> Result<Prepared> {
    let query = engine
        .compile(&key.text, "<search>")
        .map_err(|d| crate::udf::external(d.error))?;
    let mut prepared = engine
        .prepare_with(&query, &|_sub: &Query| {
            Err(Diagnostic::plain(Error::Usage(
                "--engine ballista: a subsearch that reads events cannot run on a remote executor"
                    .into(),
            )))
        })
        .map_err(|d| crate::udf::external(d.error))?;
    prepared.now = f64::from_bits(key.now);
    Ok(prepared)
}

/// A search registered with a codec; unregistered when dropped.
#[derive(Debug)]
pub(crate) struct Registration {
    searches: Arc<Searches>,
    id: u64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        if let Ok(mut running) = self.searches.running.lock() {
            running.remove(&self.id);
        }
    }
}

/// Ballista's codecs, plus spelunk's functions: each encoded as a
/// [`Payload`] (JSON), decoded into the same function over `engine`.
#[derive(Debug)]
pub struct SpelunkCodec {
    engine: Arc<Engine>,
    searches: Arc<Searches>,
    logical: BallistaLogicalExtensionCodec,
    physical: BallistaPhysicalExtensionCodec,
    /// Physical plans decoded (a task's plan is one).
    plans_decoded: Arc<AtomicUsize>,
}

impl SpelunkCodec {
    /// A codec rebuilding spelunk's functions over `engine`.
    pub fn new(engine: Arc<Engine>) -> SpelunkCodec {
        SpelunkCodec {
            engine,
            searches: Arc::default(),
            logical: BallistaLogicalExtensionCodec::default(),
            physical: BallistaPhysicalExtensionCodec::default(),
            plans_decoded: Arc::default(),
        }
    }

    /// The payload of a spelunk scalar function; `None` for any other.
    fn scalar_payload(&self, udf: &ScalarUDF) -> Result<Option<Payload>> {
        let inner = udf.inner();
        if let Some(step) = inner.downcast_ref::<StepUdf>() {
            let prepared = step.prepared();
            let (search, _) = self
                .searches
                .known(|p| std::ptr::eq(p, prepared.as_ref()))
                .ok_or_else(|| unregistered(udf.name()))?;
            return Ok(Some(Payload::Step {
                search,
                index: step.index(),
                inputs: step.inputs().to_vec(),
                writes: step.writes().to_vec(),
            }));
        }
        if inner.downcast_ref::<TextsUdf>().is_some() {
            return Ok(Some(Payload::Texts));
        }
        if inner.downcast_ref::<TimeUdf>().is_some() {
            return Ok(Some(Payload::Time));
        }
        Ok(None)
    }

    /// The payload of a spelunk aggregation; `None` for any other.
    fn aggregate_payload(&self, udaf: &AggregateUDF) -> Result<Option<Payload>> {
        let Some(stats) = udaf.inner().downcast_ref::<StatsUdaf>() else {
            return Ok(None);
        };
        let position = stats.position().ok_or_else(|| unregistered(udaf.name()))?;
        // The aggregation holds no search: find the running one whose stats
        // has it at its position, with the same start time.
        let index_of = |p: &Prepared| {
            (0..p.pipeline.commands.len()).find(|&i| {
                p.mergeable_stats(i).is_some_and(|s| {
                    s.allnum == stats.allnum() && s.aggs.get(position) == Some(stats.aggregation())
                })
            })
        };
        let matches =
            |p: &Prepared| p.now.to_bits() == stats.now().to_bits() && index_of(p).is_some();
        let (search, prepared) = self
            .searches
            .known(matches)
            .ok_or_else(|| unregistered(udaf.name()))?;
        let index = index_of(&prepared).ok_or_else(|| unregistered(udaf.name()))?;
        Ok(Some(Payload::Stats {
            search,
            index,
            position,
            inputs: stats.inputs().to_vec(),
        }))
    }

    /// The key of the search `owner` is, registered here.
    fn key_of(&self, owner: Option<&Arc<Prepared>>, what: &str) -> Result<SearchKey> {
        let owner = owner.ok_or_else(|| unregistered(what))?;
        self.searches
            .known(|p| std::ptr::eq(p, owner.as_ref()))
            .map(|(key, _)| key)
            .ok_or_else(|| unregistered(what))
    }

    fn encode_scan(payload: &Payload, buf: &mut Vec<u8>) -> Result<()> {
        buf.extend_from_slice(SCAN_MAGIC);
        encode(payload, buf)
    }

    /// A scan's payload from `buf`, when it is one.
    fn scan_payload(buf: &[u8]) -> Result<Option<ShippedScan>> {
        let Some(body) = buf.strip_prefix(SCAN_MAGIC) else {
            return Ok(None);
        };
        match payload("SpelunkEventsScan", body)? {
            Payload::Scan {
                search,
                sources,
                columns,
            } => Ok(Some(ShippedScan {
                search,
                sources: sources.into_iter().map(Source::event_source).collect(),
                columns,
            })),
            _ => Err(mismatch("SpelunkEventsScan")),
        }
    }

    /// The search `key`'s prepared form and engine, and the report its
    /// scan adds to (see [`ScanParts`]).
    fn scan_parts(&self, key: &SearchKey) -> Result<ScanParts> {
        let (prepared, engine) = self.searches.find(&self.engine, key)?;
        let running = self.searches.running.lock().ok().and_then(|r| {
            r.values()
                .find(|(k, _, _, _)| k == key)
                .map(|(_, _, _, report)| Arc::clone(report))
        });
        Ok(ScanParts {
            engine,
            prepared,
            remote: running.is_none(),
            report: running.unwrap_or_default(),
        })
    }

    fn decode_scalar(&self, name: &str, buf: &[u8]) -> Result<Arc<ScalarUDF>> {
        let udf = match payload(name, buf)? {
            Payload::Step {
                search,
                index,
                inputs,
                writes,
            } => {
                let (prepared, engine) = self.searches.find(&self.engine, &search)?;
                ScalarUDF::from(StepUdf::new(engine, prepared, index, inputs, writes))
            }
            Payload::Texts => ScalarUDF::from(TextsUdf::new()),
            Payload::Time => ScalarUDF::from(TimeUdf::new()),
            Payload::Stats { .. } | Payload::Scan { .. } => return Err(mismatch(name)),
        };
        // The name the plan refers to it by must be the rebuilt one's.
        match udf.name() == name {
            true => Ok(Arc::new(udf)),
            false => Err(mismatch(name)),
        }
    }

    fn decode_aggregate(&self, name: &str, buf: &[u8]) -> Result<Arc<AggregateUDF>> {
        let Payload::Stats {
            search,
            index,
            position,
            inputs,
        } = payload(name, buf)?
        else {
            return Err(mismatch(name));
        };
        let (prepared, engine) = self.searches.find(&self.engine, &search)?;
        let stats = prepared
            .mergeable_stats(index)
            .ok_or_else(|| mismatch(name))?;
        let agg = stats.aggs.get(position).ok_or_else(|| mismatch(name))?;
        let udaf = AggregateUDF::from(StatsUdaf::new(
            engine,
            agg.clone(),
            position,
            stats.allnum,
            prepared.now,
            inputs,
        ));
        match udaf.name() == name {
            true => Ok(Arc::new(udaf)),
            false => Err(mismatch(name)),
        }
    }
}

fn encode(payload: &Payload, buf: &mut Vec<u8>) -> Result<()> {
    serde_json::to_writer(buf, payload)
        .map_err(|e| DataFusionError::Internal(format!("spelunk codec: {e}")))
}

fn payload(name: &str, buf: &[u8]) -> Result<Payload> {
    serde_json::from_slice(buf)
        .map_err(|e| DataFusionError::Internal(format!("spelunk codec: {name}: {e}")))
}

fn unregistered(name: &str) -> DataFusionError {
    DataFusionError::Internal(format!(
        "spelunk codec: {name} belongs to no search running in this process"
    ))
}

fn mismatch(name: &str) -> DataFusionError {
    DataFusionError::Internal(format!(
        "spelunk codec: {name} does not match the search it names"
    ))
}

impl LogicalExtensionCodec for SpelunkCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[LogicalPlan],
        ctx: &TaskContext,
    ) -> Result<Extension> {
        self.logical.try_decode(buf, inputs, ctx)
    }

    fn try_encode(&self, node: &Extension, buf: &mut Vec<u8>) -> Result<()> {
        self.logical.try_encode(node, buf)
    }

    fn try_decode_table_provider(
        &self,
        buf: &[u8],
        table_ref: &TableReference,
        schema: datafusion::arrow::datatypes::SchemaRef,
        ctx: &TaskContext,
    ) -> Result<Arc<dyn TableProvider>> {
        let Some(shipped) = Self::scan_payload(buf)? else {
            return self
                .logical
                .try_decode_table_provider(buf, table_ref, schema, ctx);
        };
        let parts = self.scan_parts(&shipped.search)?;
        let table = EventsTable::new(
            parts.engine,
            shipped.sources,
            &shipped.columns,
            parts.prepared.plan.projection.clone(),
            crate::leading_search(&parts.prepared),
            parts.report,
        )
        .owned_by(&parts.prepared);
        Ok(Arc::new(table))
    }

    fn try_encode_table_provider(
        &self,
        table_ref: &TableReference,
        node: Arc<dyn TableProvider>,
        buf: &mut Vec<u8>,
    ) -> Result<()> {
        let Some(table) = node.as_ref().downcast_ref::<EventsTable>() else {
            return self.logical.try_encode_table_provider(table_ref, node, buf);
        };
        let fields = table
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .filter(|n| !crate::scan::is_hidden(n))
            .collect();
        let payload = Payload::Scan {
            search: self.key_of(table.owner(), "SpelunkEventsScan")?,
            sources: table.sources().iter().map(Source::of).collect(),
            columns: fields,
        };
        Self::encode_scan(&payload, buf)
    }

    fn try_decode_file_format(
        &self,
        buf: &[u8],
        ctx: &TaskContext,
    ) -> Result<Arc<dyn FileFormatFactory>> {
        self.logical.try_decode_file_format(buf, ctx)
    }

    fn try_encode_file_format(
        &self,
        buf: &mut Vec<u8>,
        node: Arc<dyn FileFormatFactory>,
    ) -> Result<()> {
        self.logical.try_encode_file_format(buf, node)
    }

    fn try_decode_udf(&self, name: &str, buf: &[u8]) -> Result<Arc<ScalarUDF>> {
        self.decode_scalar(name, buf)
    }

    fn try_encode_udf(&self, node: &ScalarUDF, buf: &mut Vec<u8>) -> Result<()> {
        match self.scalar_payload(node)? {
            Some(p) => encode(&p, buf),
            None => self.logical.try_encode_udf(node, buf),
        }
    }

    fn try_decode_udaf(&self, name: &str, buf: &[u8]) -> Result<Arc<AggregateUDF>> {
        self.decode_aggregate(name, buf)
    }

    fn try_encode_udaf(&self, node: &AggregateUDF, buf: &mut Vec<u8>) -> Result<()> {
        match self.aggregate_payload(node)? {
            Some(p) => encode(&p, buf),
            None => self.logical.try_encode_udaf(node, buf),
        }
    }
}

impl PhysicalExtensionCodec for SpelunkCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[Arc<dyn ExecutionPlan>],
        ctx: &TaskContext,
        proto_converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        self.plans_decoded.fetch_add(1, Ordering::Relaxed);
        let Some(shipped) = Self::scan_payload(buf)? else {
            return self.physical.try_decode(buf, inputs, ctx, proto_converter);
        };
        let parts = self.scan_parts(&shipped.search)?;
        let mut scan = EventsScan::new(
            parts.engine,
            Arc::new(shipped.sources),
            Arc::new(parts.prepared.plan.projection.clone()),
            Arc::new(crate::leading_search(&parts.prepared)),
            crate::scan::columns_schema(shipped.columns.iter().map(String::as_str)),
            parts.report,
        );
        scan.owner = Some(parts.prepared);
        scan.log_malformed = parts.remote;
        Ok(Arc::new(scan))
    }

    fn try_encode(
        &self,
        node: Arc<dyn ExecutionPlan>,
        buf: &mut Vec<u8>,
        proto_converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<()> {
        let Some(scan) = node.as_ref().downcast_ref::<EventsScan>() else {
            return self.physical.try_encode(node, buf, proto_converter);
        };
        let payload = Payload::Scan {
            search: self.key_of(scan.owner.as_ref(), "SpelunkEventsScan")?,
            sources: scan.sources().iter().map(Source::of).collect(),
            columns: scan
                .schema_ref()
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect(),
        };
        Self::encode_scan(&payload, buf)
    }

    fn try_decode_udf(&self, name: &str, buf: &[u8]) -> Result<Arc<ScalarUDF>> {
        self.decode_scalar(name, buf)
    }

    fn try_encode_udf(&self, node: &ScalarUDF, buf: &mut Vec<u8>) -> Result<()> {
        match self.scalar_payload(node)? {
            Some(p) => encode(&p, buf),
            None => self.physical.try_encode_udf(node, buf),
        }
    }

    fn try_decode_udaf(&self, name: &str, buf: &[u8]) -> Result<Arc<AggregateUDF>> {
        self.decode_aggregate(name, buf)
    }

    fn try_encode_udaf(&self, node: &AggregateUDF, buf: &mut Vec<u8>) -> Result<()> {
        match self.aggregate_payload(node)? {
            Some(p) => encode(&p, buf),
            None => self.physical.try_encode_udaf(node, buf),
        }
    }
}
