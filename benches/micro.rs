//! Micro-benchmarks (divan): `cargo bench --bench micro`.
//!
//! Parsing SPL, expanding macros, flattening one CloudTrail record (fully and
//! projected to the seed's fields, by serde and by the fast scanner),
//! validating a record, and matching a search over events.

use spelunk::event::Event;
use spelunk::events::flatten_json;
use spelunk::events::project::{flatten_projected, FieldSet};
use spelunk::{Engine, EventSource};

fn main() {
    divan::main();
}

const SEED: &str = include_str!("../tests/cases/seed_sample/query.spl");
const SAMPLE: &str = include_str!("../examples/cloudtrail_sample.json");

/// The JSON fields the seed detection reads.
const SEED_FIELDS: [&str; 6] = [
    "eventTime",
    "eventName",
    "userIdentity.arn",
    "userIdentity.type",
    "userIdentity.userName",
    "userIdentity.sessionContext.attributes.mfaAuthenticated",
];

fn record() -> &'static str {
    SAMPLE.lines().next().unwrap_or("{}")
}

#[divan::bench]
fn parse_seed(bencher: divan::Bencher) {
    let engine = Engine::new().expect("engine");
    let expanded = engine.expand(SEED, "seed").expect("expands");
    bencher.bench(|| spelunk::syntax::parse(divan::black_box(&expanded.text)).is_ok());
}

#[divan::bench]
fn expand_seed(bencher: divan::Bencher) {
    let engine = Engine::new().expect("engine");
    bencher.bench(|| engine.expand(divan::black_box(SEED), "seed").is_ok());
}

#[divan::bench]
fn flatten_full(bencher: divan::Bencher) {
    let line = record();
    bencher.bench(|| {
        let value: serde_json::Value = serde_json::from_str(divan::black_box(line)).expect("json");
        let mut event = Event::new();
        flatten_json(&value, &mut event);
        event.len()
    });
}

#[divan::bench]
fn flatten_projected_seed_fields(bencher: divan::Bencher) {
    let line = record();
    let set = FieldSet::new(SEED_FIELDS);
    bencher.bench(|| {
        let mut event = Event::new();
        flatten_projected(divan::black_box(line), &set, &mut event).is_ok() && !event.is_empty()
    });
}

#[divan::bench]
fn search_matching(bencher: divan::Bencher) {
    let engine = Engine::new().expect("engine");
    let source = EventSource {
        path: None,
        sourcetype: "aws:cloudtrail".into(),
        source: None,
        host: None,
        index: None,
    };
    let events = engine
        .read_events_str(SAMPLE, "sample", &source)
        .expect("events")
        .events;
    let query = engine
        .compile(
            "userIdentity.sessionContext.attributes.mfaAuthenticated=false eventName=*Instances NOT user=bob",
            "<search>",
        )
        .expect("compiles");
    bencher.bench(|| {
        engine
            .run_query(&query, divan::black_box(&events))
            .map(|r| r.rows.len())
            .ok()
    });
}

#[divan::bench]
fn validate_only(bencher: divan::Bencher) {
    let line = record();
    bencher.bench(|| serde_json::from_str::<serde::de::IgnoredAny>(divan::black_box(line)).is_ok());
}

#[divan::bench]
fn scan_validate_record(bencher: divan::Bencher) {
    let line = record();
    bencher.bench(|| spelunk::events::scan::validate(divan::black_box(line.as_bytes())));
}

#[divan::bench]
fn scan_project_seed_fields(bencher: divan::Bencher) {
    use spelunk::events::scan::{Extracted, Projector};
    let line = record();
    let projector = Projector::new(SEED_FIELDS);
    let mut out = Extracted::default();
    bencher.bench_local(|| projector.scan(divan::black_box(line), &mut out));
}
