//! `--engine ballista` (issue 20): a Ballista cluster of a scheduler and
//! two executors, started in this process on localhost ports, runs the
//! plan the DataFusion backend builds, over Parquet files the crate's own
//! writer made; the rows must be those the interpreter gives over the
//! original events. The seed's sample, and with it the Panther CloudTrail
//! events where ../shared is present.
#![cfg(feature = "ballista")]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use spelunk::output::row_to_json;
use spelunk::{Engine, EventSource};
use spelunk_datafusion::ballista::{self, LocalCluster};
use spelunk_datafusion::Options;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn panther_cloudtrail() -> Option<PathBuf> {
    let p = root().join("../shared/corpus/events/panther/aws_cloudtrail.ndjson");
    p.is_file().then_some(p)
}

fn rows(results: &spelunk::SearchResults) -> Vec<String> {
    results
        .rows
        .iter()
        .map(|r| row_to_json(r).to_string())
        .collect()
}

/// `events` written to Parquet at `out`, as a source.
fn parquet(engine: &Arc<Engine>, events: &EventSource, out: PathBuf) -> EventSource {
    spelunk_datafusion::write_parquet(Arc::clone(engine), std::slice::from_ref(events), &out)
        .expect("the events convert to Parquet");
    EventSource {
        path: Some(out),
        ..EventSource::default()
    }
}

#[test]
fn a_two_executor_cluster_gives_the_interpreters_rows() {
    let engine = Arc::new(Engine::new().expect("the bundled knowledge loads"));
    let scratch = std::env::temp_dir().join(format!("spelunk-ballista-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("a scratch folder");

    let sample = EventSource {
        path: Some(root().join("examples/cloudtrail_sample.json")),
        sourcetype: "aws:cloudtrail".into(),
        ..EventSource::default()
    };
    let seed = std::fs::read_to_string(root().join("tests/cases/seed_sample/query.spl"))
        .expect("the seed");
    let describes =
        "`cloudtrail` eventName=Describe* | stats count dc(eventName) as names by user".to_string();
    // One file: the seed, stats, where and eval, whole events.
    let one_file = vec![
        seed.clone(),
        describes.clone(),
        "`cloudtrail` | eval n=len(eventName), region=lower(awsRegion) | where n > 10 \
         | stats count min(n) as shortest values(eventSource) as sources by region"
            .to_string(),
        "`cloudtrail` | eval n=len(eventName) | where n > 12 | table _time user eventName n"
            .to_string(),
    ];
    // Two files, each its own scan partition.
    let two_files = vec![
        seed,
        describes,
        "`cloudtrail` | where len(eventName) > 10 \
         | stats count min(eventTime) as first values(eventSource) as sources by awsRegion"
            .to_string(),
        "`cloudtrail` errorCode=* | table _time user eventName errorCode".to_string(),
        // eval over a union of files: each file's scan has its own
        // qualifier, or DataFusion's optimizer finds the columns ambiguous.
        "`cloudtrail` | eval n=len(eventName), region=lower(awsRegion) | where n > 10 \
         | stats count min(n) as shortest by region"
            .to_string(),
    ];
    let sample_parquet = parquet(&engine, &sample, scratch.join("sample.parquet"));
    let mut inputs = vec![(
        "the seed's sample",
        vec![sample.clone()],
        vec![sample_parquet.clone()],
        one_file,
    )];
    match panther_cloudtrail() {
        Some(path) => {
            let panther = EventSource {
                path: Some(path),
                sourcetype: "aws:cloudtrail".into(),
                source: Some("aws_cloudtrail".into()),
                ..EventSource::default()
            };
            let both = vec![sample.clone(), panther.clone()];
            let files = vec![
                sample_parquet.clone(),
                parquet(&engine, &panther, scratch.join("panther.parquet")),
            ];
            inputs.push((
                "the sample and Panther's CloudTrail",
                both,
                files,
                two_files,
            ));
        }
        None => eprintln!("note: ../shared/corpus is absent: the sample only"),
    }

    let cluster = LocalCluster::start(Arc::clone(&engine), 2, 2).expect("the cluster starts");
    for (what, original, files, searches) in &inputs {
        for text in searches {
            let query = engine.compile(text, "<search>").expect("compiles");
            let interpreted = engine
                .run_sources(&query, original)
                .expect("the interpreter runs");
            assert!(
                !interpreted.results.rows.is_empty(),
                "{text} over {what}: no rows to compare"
            );
            eprintln!("{what}: {text}");
            let run = ballista::run(
                Arc::clone(&engine),
                &query,
                files,
                &Options { threads: 2 },
                cluster.scheduler(),
            )
            .unwrap_or_else(|d| panic!("{text} over {what}: {}", d.error));
            assert_eq!(
                rows(&run.output.results),
                rows(&interpreted.results),
                "{text} over {what}"
            );
            assert!(
                !run.placement.datafusion.is_empty(),
                "{text}: nothing ran on the cluster"
            );
            assert!(
                run.placement.plan.contains("DistributedQueryExec"),
                "{text}: not a Ballista plan:\n{}",
                run.placement.plan
            );
        }
    }
    let work = cluster.work();
    assert_eq!(work.len(), 2);
    assert!(
        work.iter().all(|&tasks| tasks > 0),
        "an executor got no task: {work:?}"
    );
    eprintln!("task plans decoded per executor: {work:?}");
    let _ = std::fs::remove_dir_all(&scratch);
}

/// spelunk's own scan runs on the executors: NDJSON in, the interpreter's
/// rows and the same count of events read (in-process executors add to
/// the client's report).
#[test]
fn event_files_are_read_on_the_executors() {
    let engine = Arc::new(Engine::new().expect("the bundled knowledge loads"));
    let sample = EventSource {
        path: Some(root().join("examples/cloudtrail_sample.json")),
        sourcetype: "aws:cloudtrail".into(),
        ..EventSource::default()
    };
    let cluster = LocalCluster::start(Arc::clone(&engine), 2, 1).expect("the cluster starts");
    let seed = std::fs::read_to_string(root().join("tests/cases/seed_sample/query.spl"))
        .expect("the seed");
    for text in [
        seed.as_str(),
        "`cloudtrail` | eval n=len(eventName) | where n > 10 | table _time user eventName n",
    ] {
        let query = engine.compile(text, "<search>").expect("compiles");
        let interpreted = engine
            .run_sources(&query, std::slice::from_ref(&sample))
            .expect("the interpreter runs");
        assert!(!interpreted.results.rows.is_empty(), "{text}: no rows");
        let run = ballista::run(
            Arc::clone(&engine),
            &query,
            std::slice::from_ref(&sample),
            &Options { threads: 2 },
            cluster.scheduler(),
        )
        .unwrap_or_else(|d| panic!("{text}: {}", d.error));
        assert_eq!(
            rows(&run.output.results),
            rows(&interpreted.results),
            "{text}"
        );
        assert_eq!(run.output.events, interpreted.events, "{text}: events read");
        assert!(
            run.placement.plan.contains("DistributedQueryExec"),
            "{text}"
        );
    }
    assert!(cluster.work().iter().any(|&tasks| tasks > 0));
}
