//! The corpus half of the differential check (issue 20): security_content's
//! CloudTrail and Okta detections over the Panther events
//! (`../shared/corpus/events/panther/`), each under the interpreter, under
//! DataFusion on the NDJSON, and under DataFusion on a Parquet file
//! `spelunk parquet` wrote from it: the same rows, or the same error; and
//! the Windows detections whose tests name a file in attack_data, over
//! those files (see [`attack_data_detections_agree_on_every_backend`]).
//! With `--features ballista`, each also runs on a two-executor Ballista
//! cluster, over the same Parquet file and over the original files.
//! Skipped, saying so, where ../shared is absent (a clone on its own).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use spelunk::detection::read_search_file;
use spelunk::output::row_to_json;
use spelunk::{Engine, EventSource, Query};

fn shared() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    p.is_dir().then_some(p)
}

/// Every active detection YAML under `dir` whose search calls `macro`.
fn detections_calling(dir: &Path, name: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "deprecated") {
                continue;
            }
            detections_calling(&path, name, out);
        } else if path.extension().is_some_and(|e| e == "yml")
            && read_search_file(&path).is_ok_and(|f| f.search.contains(&format!("`{name}`")))
        {
            out.push(path);
        }
    }
}

fn rows(results: &spelunk::SearchResults) -> Vec<String> {
    results
        .rows
        .iter()
        .map(|r| row_to_json(r).to_string())
        .collect()
}

/// A backend's rows and whether a DataFusion stage ran, or its error.
type Outcome = Result<(Vec<String>, bool), String>;

/// The backends besides the interpreter: DataFusion on the events and on
/// their Parquet file, and with `--features ballista` a cluster of a
/// scheduler and two executors in this process on both.
struct Backends {
    #[cfg(feature = "ballista")]
    cluster: spelunk_datafusion::ballista::LocalCluster,
}

impl Backends {
    fn start() -> Backends {
        Backends {
            #[cfg(feature = "ballista")]
            cluster: spelunk_datafusion::ballista::LocalCluster::start(
                Arc::new(Engine::new().expect("the bundled knowledge loads")),
                2,
                2,
            )
            .expect("the cluster starts"),
        }
    }

    /// Each backend's name and outcome for `query`.
    fn run(
        &self,
        engine: &Arc<Engine>,
        query: &Query,
        events: &[EventSource],
        parquet: &EventSource,
    ) -> Vec<(&'static str, Outcome)> {
        let options = spelunk_datafusion::Options { threads: 2 };
        let outcome = |run: Result<spelunk_datafusion::DataFusionRun, spelunk::Diagnostic>| {
            run.map(|r| (rows(&r.output.results), !r.placement.datafusion.is_empty()))
                .map_err(|d| d.error.to_string())
        };
        let parquet = std::slice::from_ref(parquet);
        #[allow(unused_mut)]
        let mut outcomes = vec![
            (
                "datafusion",
                outcome(spelunk_datafusion::run(
                    Arc::clone(engine),
                    query,
                    events,
                    &options,
                )),
            ),
            (
                "parquet",
                outcome(spelunk_datafusion::run(
                    Arc::clone(engine),
                    query,
                    parquet,
                    &options,
                )),
            ),
        ];
        #[cfg(feature = "ballista")]
        for (name, sources) in [("ballista", parquet), ("ballista-ev", events)] {
            outcomes.push((
                name,
                outcome(spelunk_datafusion::ballista::run(
                    Arc::clone(engine),
                    query,
                    sources,
                    &options,
                    self.cluster.scheduler(),
                )),
            ));
        }
        outcomes
    }

    /// Checks that each executor ran tasks (with a cluster).
    fn check_work(&self) {
        #[cfg(feature = "ballista")]
        {
            let work = self.cluster.work();
            assert!(
                work.iter().all(|&t| t > 0),
                "an executor got no task: {work:?}"
            );
            eprintln!("task plans decoded per executor: {work:?}");
        }
    }
}

/// Whether every backend agrees with the interpreter: the same rows, or
/// (for a search that fails) DataFusion on the events fails the same way.
/// Counts a run with rows and one that ran a DataFusion stage.
fn agree(
    interpreted: &Result<Vec<String>, String>,
    outcomes: &[(&'static str, Outcome)],
    with_rows: &mut usize,
    on_datafusion: &mut usize,
) -> bool {
    match interpreted {
        Ok(a) => {
            let same = outcomes
                .iter()
                .all(|(_, o)| o.as_ref().is_ok_and(|(b, _)| b == a));
            if same {
                *with_rows += usize::from(!a.is_empty());
                *on_datafusion += usize::from(outcomes[0].1.as_ref().is_ok_and(|(_, df)| *df));
            }
            same
        }
        Err(a) => outcomes[0].1.as_ref().err() == Some(a),
    }
}

/// The interpreter's and each backend's outcome, for a failure message.
fn shown(
    interpreted: &Result<Vec<String>, String>,
    outcomes: &[(&'static str, Outcome)],
) -> String {
    let mut out = format!("\n  interpreter: {interpreted:?}");
    for (name, o) in outcomes {
        out.push_str(&format!("\n  {name:<11}: {o:?}"));
    }
    out
}

#[test]
fn cloudtrail_and_okta_detections_agree_on_every_backend() {
    let Some(corpus) = shared() else {
        eprintln!("skipped: ../shared/corpus is absent (CI has it)");
        return;
    };
    let content = corpus.join("security_content");
    let engine = Arc::new(
        Engine::new()
            .and_then(|e| e.with_macros_path(&content.join("macros")))
            .and_then(|e| e.with_lookups_path(&content.join("lookups")))
            .expect("the corpus's macros and lookups load"),
    );
    let scratch = std::env::temp_dir().join(format!("spelunk-df-corpus-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("a scratch folder");
    let presets = [
        (
            "cloudtrail",
            "aws_cloudtrail.ndjson",
            "aws:cloudtrail",
            "aws_cloudtrail",
        ),
        ("okta", "okta_systemlog.ndjson", "OktaIM2:log", "Okta"),
    ];
    let backends = Backends::start();
    let (mut runs, mut with_rows, mut on_datafusion) = (0, 0, 0);
    let mut failures = Vec::new();
    for (name, file, sourcetype, source) in presets {
        let events = EventSource {
            path: Some(corpus.join("events/panther").join(file)),
            sourcetype: sourcetype.to_string(),
            source: Some(source.to_string()),
            ..EventSource::default()
        };
        let parquet_path = scratch.join(format!("{name}.parquet"));
        spelunk_datafusion::write_parquet(
            Arc::clone(&engine),
            std::slice::from_ref(&events),
            &parquet_path,
        )
        .expect("the Panther events convert to Parquet");
        let parquet = EventSource {
            path: Some(parquet_path),
            ..EventSource::default()
        };
        let mut detections = Vec::new();
        detections_calling(&content.join("detections"), name, &mut detections);
        assert!(!detections.is_empty(), "no detection calls `{name}`");
        for path in detections {
            let Ok(file) = read_search_file(&path) else {
                continue;
            };
            let Ok(query) = engine.compile(&file.search, &path.display().to_string()) else {
                continue;
            };
            runs += 1;
            let interpreted = engine
                .run_sources(&query, std::slice::from_ref(&events))
                .map(|o| rows(&o.results))
                .map_err(|d| d.error.to_string());
            let outcomes = backends.run(&engine, &query, std::slice::from_ref(&events), &parquet);
            if !agree(&interpreted, &outcomes, &mut with_rows, &mut on_datafusion) {
                let name = path.file_name().unwrap_or_default().to_string_lossy();
                failures.push(format!("{name}:{}", shown(&interpreted, &outcomes)));
            }
        }
    }
    backends.check_work();
    let _ = std::fs::remove_dir_all(&scratch);
    eprintln!(
        "corpus differential: {runs} detections, {} agree ({with_rows} return rows, {on_datafusion} ran a DataFusion stage), {} differ",
        runs - failures.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The Windows half: each detection whose tests name a file in
/// `../shared/corpus/events/attack_data` (Windows XML and WinEventLog text,
/// Sysmon, PingID), over its own datasets as `spelunk test` replays them,
/// under the interpreter, under DataFusion on the files, and under
/// DataFusion on a Parquet file written from them.
#[test]
fn attack_data_detections_agree_on_every_backend() {
    let Some(corpus) = shared() else {
        eprintln!("skipped: ../shared/corpus is absent (CI has it)");
        return;
    };
    let data = corpus.join("events/attack_data");
    let content = corpus.join("security_content");
    let manifest =
        std::fs::read_to_string(data.join("MANIFEST.md")).expect("attack_data's MANIFEST.md");
    let mut files = Vec::new();
    spelunk::testing::detection_files(
        &content.join("detections"),
        &spelunk::testing::manifest_detections(&manifest),
        &mut files,
    );
    files.sort();
    assert!(!files.is_empty(), "no detection names an attack_data file");
    let options = spelunk::testing::Options {
        attack_data: Some(data),
        macros: vec![content.join("macros")],
        lookups: vec![content.join("lookups")],
        ..spelunk::testing::Options::default()
    };
    let cases = spelunk::testing::discover(&files, &options).expect("the detections' tests");
    let scratch = std::env::temp_dir().join(format!("spelunk-df-windows-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("a scratch folder");
    let mut engines: Vec<(spelunk::testing::EngineConfig, Arc<Engine>)> = Vec::new();
    let backends = Backends::start();
    let (mut runs, mut with_rows, mut on_datafusion) = (0, 0, 0);
    let mut failures = Vec::new();
    for (n, case) in cases.iter().enumerate() {
        let Ok(plan) = &case.plan else { continue };
        if plan.datasets.iter().any(|d| !d.path.is_file()) {
            continue;
        }
        let engine = match engines.iter().find(|(c, _)| *c == plan.config) {
            Some((_, engine)) => Arc::clone(engine),
            None => {
                let engine = Arc::new(
                    Engine::from_options(&plan.config.engine_options())
                        .expect("the corpus's macros and lookups load"),
                );
                engines.push((plan.config.clone(), Arc::clone(&engine)));
                engine
            }
        };
        let Ok(query) = engine.compile(&plan.search, &plan.search_name) else {
            continue;
        };
        let sources: Vec<EventSource> = plan
            .datasets
            .iter()
            .map(spelunk::testing::Dataset::event_source)
            .collect();
        let parquet_path = scratch.join(format!("case{n}.parquet"));
        spelunk_datafusion::write_parquet(Arc::clone(&engine), &sources, &parquet_path)
            .expect("the datasets convert to Parquet");
        let parquet = EventSource {
            path: Some(parquet_path),
            ..EventSource::default()
        };
        runs += 1;
        let interpreted = engine
            .run_sources(&query, &sources)
            .map(|o| rows(&o.results))
            .map_err(|d| d.error.to_string());
        let outcomes = backends.run(&engine, &query, &sources, &parquet);
        if !agree(&interpreted, &outcomes, &mut with_rows, &mut on_datafusion) {
            failures.push(format!("{}:{}", case.name, shown(&interpreted, &outcomes)));
        }
    }
    backends.check_work();
    let _ = std::fs::remove_dir_all(&scratch);
    eprintln!(
        "attack_data differential: {runs} tests, {} agree ({with_rows} return rows, {on_datafusion} ran a DataFusion stage), {} differ",
        runs - failures.len(),
        failures.len()
    );
    assert!(runs > 0, "no attack_data test could run");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
