//! The differential check (issue 20): every data-driven case under
//! `tests/cases/` runs under the interpreter and under the DataFusion
//! backend, and both must give the same rows (each row's fields and
//! values, rows in order) or the same error. With `--features ballista`
//! the same cases run on a two-executor Ballista cluster too, over each
//! case's event files and over the Parquet file written from them.
//! Cases whose search writes files (`output_dir`) run only in the
//! interpreter's own harness.
//!
//! Prints how many cases ran a DataFusion stage, so a change that quietly
//! sends everything back to the interpreter shows.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use spelunk::detection::read_search_file;
use spelunk::output::row_to_json;
use spelunk::{Diagnostic, Engine, EventSource, Query};
use spelunk_datafusion::DataFusionRun;

/// Runs a compiled search on one backend over the given sources.
type Backend<'a> =
    &'a dyn Fn(Arc<Engine>, &Query, &[EventSource]) -> Result<DataFusionRun, Diagnostic>;

/// The DataFusion backend in this process, on 2 threads.
fn datafusion(
    engine: Arc<Engine>,
    query: &Query,
    sources: &[EventSource],
) -> Result<DataFusionRun, Diagnostic> {
    spelunk_datafusion::run(
        engine,
        query,
        sources,
        &spelunk_datafusion::Options { threads: 2 },
    )
}

#[derive(Debug, Default, serde::Deserialize)]
struct CaseConfig {
    sourcetype: Option<String>,
    source: Option<String>,
    host: Option<String>,
    index: Option<String>,
    tz: Option<String>,
    query_file: Option<String>,
    events_path: Option<String>,
    geoip: Option<String>,
    max_memory: Option<String>,
    output_dir: Option<bool>,
}

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/cases")
}

/// The case's engine, as the cases harness builds it.
fn engine_for(dir: &Path, config: &CaseConfig) -> Result<Engine, String> {
    let mut engine = Engine::new().map_err(|e| e.to_string())?;
    if dir.join("apps").is_dir() {
        let mut apps: Vec<PathBuf> = std::fs::read_dir(dir.join("apps"))
            .map_err(|e| e.to_string())?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir())
            .collect();
        apps.sort();
        for app in apps {
            engine = engine.with_app(&app).map_err(|e| e.to_string())?;
        }
    }
    if dir.join("macros.conf").exists() {
        engine = engine
            .with_macros_path(&dir.join("macros.conf"))
            .map_err(|e| e.to_string())?;
    }
    if dir.join("lookups").exists() {
        engine = engine
            .with_lookups_path(&dir.join("lookups"))
            .map_err(|e| e.to_string())?;
    }
    if dir.join("props.conf").exists() {
        engine = engine
            .with_props_path(&dir.join("props.conf"))
            .map_err(|e| e.to_string())?;
    }
    if let Some(geoip) = &config.geoip {
        engine = engine.with_geoip(&dir.join(geoip));
    }
    if let Some(size) = &config.max_memory {
        engine =
            engine.with_max_memory(spelunk::memory::parse_size(size).map_err(|e| e.to_string())?);
    }
    if let Some(tz) = &config.tz {
        engine = engine.with_time_zone(tz.parse().map_err(|_| format!("bad tz {tz}"))?);
    }
    Ok(engine)
}

/// One row as field → JSON text, so field order within a row does not count.
type Row = BTreeMap<String, String>;

fn rows_of(results: &spelunk::SearchResults) -> Vec<Row> {
    results
        .rows
        .iter()
        .map(|r| match row_to_json(r) {
            serde_json::Value::Object(map) => {
                map.into_iter().map(|(k, v)| (k, v.to_string())).collect()
            }
            other => BTreeMap::from([(String::new(), other.to_string())]),
        })
        .collect()
}

enum Verdict {
    Same { on_datafusion: bool },
    Skipped(String),
    Differs(String),
}

/// Where the DataFusion run reads the case's events from.
#[derive(Clone, Copy, PartialEq)]
enum Input {
    /// The case's own event files.
    Events,
    /// A Parquet file `spelunk parquet` wrote from them.
    Parquet,
}

fn check(dir: &Path, input: Input, backend: Backend) -> Verdict {
    let config: CaseConfig = match std::fs::read_to_string(dir.join("case.toml")) {
        Ok(text) => match toml::from_str(&text) {
            Ok(c) => c,
            Err(e) => return Verdict::Differs(format!("case.toml: {e}")),
        },
        Err(_) => CaseConfig::default(),
    };
    if config.output_dir == Some(true) {
        return Verdict::Skipped("writes files".into());
    }
    let events = match &config.events_path {
        Some(rel) if !dir.join(rel).exists() => {
            return Verdict::Skipped("events outside the repository are absent".into())
        }
        Some(rel) => Some(dir.join(rel)),
        None => Some(dir.join("events.json")).filter(|p| p.exists()),
    };
    let engine = match engine_for(dir, &config) {
        Ok(e) => Arc::new(e),
        Err(_) => return Verdict::Skipped("the engine's configuration fails".into()),
    };
    let text = match &config.query_file {
        Some(f) => match read_search_file(&dir.join(f)) {
            Ok(file) => file.search,
            Err(e) => return Verdict::Skipped(format!("{f}: {e}")),
        },
        None => match std::fs::read_to_string(dir.join("query.spl")) {
            Ok(t) => t,
            Err(e) => return Verdict::Skipped(format!("query.spl: {e}")),
        },
    };
    let query = match engine.compile(&text, "query.spl") {
        Ok(q) => q,
        // The error is the interpreter's, before any backend runs.
        Err(_) => return Verdict::Skipped("the search does not compile".into()),
    };
    let sources: Vec<EventSource> = events
        .into_iter()
        .map(|path| EventSource {
            path: Some(path),
            sourcetype: config.sourcetype.clone().unwrap_or_else(|| "_json".into()),
            source: Some(
                config
                    .source
                    .clone()
                    .unwrap_or_else(|| "events.json".into()),
            ),
            host: Some(config.host.clone().unwrap_or_else(|| "spelunk".into())),
            index: Some(config.index.clone().unwrap_or_else(|| "main".into())),
        })
        .collect();
    let interpreted = engine.run_sources(&query, &sources);
    let parquet_dir = tempdir(dir);
    let _cleanup = (input == Input::Parquet).then(|| RemoveOnDrop(parquet_dir.clone()));
    let datafusion_sources = match input {
        Input::Events => sources.clone(),
        Input::Parquet => {
            if sources.is_empty() {
                return Verdict::Skipped("reads no event file".into());
            }
            let _ = std::fs::create_dir_all(&parquet_dir);
            let path = parquet_dir.join("events.parquet");
            match spelunk_datafusion::write_parquet(Arc::clone(&engine), &sources, &path) {
                Ok(_) => vec![EventSource {
                    path: Some(path),
                    ..EventSource::default()
                }],
                // Reading the events failed: the interpreter's run shows how.
                Err(_) => return Verdict::Skipped("its events do not read".into()),
            }
        }
    };
    let compiled = backend(Arc::clone(&engine), &query, &datafusion_sources);
    match (interpreted, compiled) {
        (Ok(a), Ok(b)) => {
            let (ra, rb) = (rows_of(&a.results), rows_of(&b.output.results));
            if ra != rb {
                return Verdict::Differs(format!(
                    "rows differ ({:?} on DataFusion)\n  interpreter: {ra:?}\n  datafusion:  {rb:?}",
                    b.placement.datafusion
                ));
            }
            if a.results.columns != b.output.results.columns {
                return Verdict::Differs(format!(
                    "columns differ\n  interpreter: {:?}\n  datafusion:  {:?}",
                    a.results.columns, b.output.results.columns
                ));
            }
            Verdict::Same {
                on_datafusion: !b.placement.datafusion.is_empty(),
            }
        }
        (Err(a), Err(b)) if a.error.to_string() == b.error.to_string() => Verdict::Same {
            on_datafusion: false,
        },
        (a, b) => Verdict::Differs(format!(
            "outcomes differ\n  interpreter: {:?}\n  datafusion:  {:?}",
            a.map(|o| rows_of(&o.results))
                .map_err(|d| d.error.to_string()),
            b.map(|o| rows_of(&o.output.results))
                .map_err(|d| d.error.to_string())
        )),
    }
}

/// A folder for one case's Parquet file (made when written), its own
/// even when tests run side by side in this process.
fn tempdir(case: &Path) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let run = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = case.file_name().unwrap_or_default().to_string_lossy();
    std::env::temp_dir().join(format!("spelunk-df-{name}-{}-{run}", std::process::id()))
}

/// Removes a folder when dropped.
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn every_case_gives_the_same_rows_on_both_backends() {
    differential(Input::Events, &datafusion);
}

/// The same, with DataFusion reading a Parquet file `spelunk parquet`
/// wrote from the case's events: the file keeps every field and the order.
#[test]
fn every_case_gives_the_same_rows_from_parquet() {
    differential(Input::Parquet, &datafusion);
}

/// The same Parquet files, the plan run by a Ballista scheduler and two
/// executors started in this process (each executor decodes the plan's
/// spelunk functions from what the codec ships).
#[cfg(feature = "ballista")]
#[test]
fn every_case_gives_the_same_rows_on_a_ballista_cluster() {
    on_a_ballista_cluster(Input::Parquet);
}

/// The same over each case's own event files: spelunk's scan (readers and
/// knowledge layer) runs on the executors.
#[cfg(feature = "ballista")]
#[test]
fn every_case_gives_the_same_rows_on_a_ballista_cluster_from_events() {
    on_a_ballista_cluster(Input::Events);
}

#[cfg(feature = "ballista")]
fn on_a_ballista_cluster(input: Input) {
    use spelunk_datafusion::ballista::{self, LocalCluster};
    let engine = Arc::new(Engine::new().expect("the bundled knowledge loads"));
    let cluster = LocalCluster::start(engine, 2, 2).expect("the cluster starts");
    let on_cluster = |engine: Arc<Engine>, query: &Query, sources: &[EventSource]| {
        let options = spelunk_datafusion::Options { threads: 2 };
        ballista::run(engine, query, sources, &options, cluster.scheduler())
    };
    differential(input, &on_cluster);
    let work = cluster.work();
    assert!(
        work.iter().all(|&tasks| tasks > 0),
        "an executor got no task: {work:?}"
    );
    eprintln!("task plans decoded per executor: {work:?}");
}

fn differential(input: Input, backend: Backend) {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .expect("tests/cases is readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let only = std::env::var("SPELUNK_CASE").ok();
    let (mut same, mut on_df) = (0, 0);
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for dir in &dirs {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if only.as_deref().is_some_and(|o| !name.contains(o)) {
            continue;
        }
        match check(dir, input, backend) {
            Verdict::Same { on_datafusion } => {
                same += 1;
                on_df += usize::from(on_datafusion);
            }
            Verdict::Skipped(why) => *skipped.entry(why).or_insert(0) += 1,
            Verdict::Differs(why) => failures.push(format!("{name}: {why}")),
        }
    }
    eprintln!(
        "differential: {same} cases agree ({on_df} ran a DataFusion stage), {} differ, {} skipped: {skipped:?}",
        failures.len(),
        skipped.values().sum::<usize>()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
