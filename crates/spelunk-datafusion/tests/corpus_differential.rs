//! The corpus half of the differential check (issue 20): security_content's
//! CloudTrail and Okta detections over the Panther events
//! (`../shared/corpus/events/panther/`), each under the interpreter, under
//! DataFusion on the NDJSON, and under DataFusion on a Parquet file
//! `spelunk parquet` wrote from it: the same rows, or the same error; and
//! the Windows detections whose tests name a file in attack_data, over
//! those files (see [`attack_data_detections_agree_on_every_backend`]).
//! Skipped, saying so, where ../shared is absent (a clone on its own).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use spelunk::detection::read_search_file;
use spelunk::output::row_to_json;
use spelunk::{Engine, EventSource};

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
            let outcome = |sources: &[EventSource]| {
                let run = spelunk_datafusion::run(
                    Arc::clone(&engine),
                    &query,
                    sources,
                    &spelunk_datafusion::Options { threads: 2 },
                );
                run.map(|r| (rows(&r.output.results), !r.placement.datafusion.is_empty()))
                    .map_err(|d| d.error.to_string())
            };
            let interpreted = engine
                .run_sources(&query, std::slice::from_ref(&events))
                .map(|o| rows(&o.results))
                .map_err(|d| d.error.to_string());
            let compiled = outcome(std::slice::from_ref(&events));
            let from_parquet = outcome(std::slice::from_ref(&parquet));
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            match (&interpreted, &compiled, &from_parquet) {
                (Ok(a), Ok((b, df)), Ok((c, _))) if a == b && a == c => {
                    with_rows += usize::from(!a.is_empty());
                    on_datafusion += usize::from(*df);
                }
                // The same failure everywhere (a lookup the corpus lacks).
                (Err(a), Err(b), _) if a == b => {}
                _ => failures.push(format!(
                    "{name}:\n  interpreter: {interpreted:?}\n  datafusion:  {compiled:?}\n  parquet:     {from_parquet:?}"
                )),
            }
        }
    }
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
        let outcome = |sources: &[EventSource]| {
            spelunk_datafusion::run(
                Arc::clone(&engine),
                &query,
                sources,
                &spelunk_datafusion::Options { threads: 2 },
            )
            .map(|r| (rows(&r.output.results), !r.placement.datafusion.is_empty()))
            .map_err(|d| d.error.to_string())
        };
        let interpreted = engine
            .run_sources(&query, &sources)
            .map(|o| rows(&o.results))
            .map_err(|d| d.error.to_string());
        let compiled = outcome(&sources);
        let from_parquet = outcome(std::slice::from_ref(&parquet));
        match (&interpreted, &compiled, &from_parquet) {
            (Ok(a), Ok((b, df)), Ok((c, _))) if a == b && a == c => {
                with_rows += usize::from(!a.is_empty());
                on_datafusion += usize::from(*df);
            }
            (Err(a), Err(b), _) if a == b => {}
            _ => failures.push(format!(
                "{}:\n  interpreter: {interpreted:?}\n  datafusion:  {compiled:?}\n  parquet:     {from_parquet:?}",
                case.name
            )),
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    eprintln!(
        "attack_data differential: {runs} tests, {} agree ({with_rows} return rows, {on_datafusion} ran a DataFusion stage), {} differ",
        runs - failures.len(),
        failures.len()
    );
    assert!(runs > 0, "no attack_data test could run");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
