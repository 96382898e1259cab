//! `head N` after the streaming prefix keeps only the N newest rows while
//! the file streams (it kept every event). The results must be those of
//! reading every event and sorting them newest first: events out of time
//! order, ties (input order decides), more rows than the engine holds
//! before dropping the older ones, any thread count and chunk size.

use std::path::PathBuf;

use spelunk::output::{self, Format};
use spelunk::{Engine, EventSource};

/// 20,000 events whose times jump back and forth, many sharing a second.
fn events_file() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("spelunk-head-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("events.ndjson");
    let mut text = String::new();
    for i in 0u64..20_000 {
        let second = (i * 7919) % 3_000;
        text.push_str(&format!(
            "{{\"eventTime\":\"2024-03-04T{:02}:{:02}:{:02}Z\",\"n\":{i},\"eventName\":\"E{}\"}}\n",
            second / 3600,
            second / 60 % 60,
            second % 60,
            i % 13
        ));
    }
    std::fs::write(&path, text).expect("write");
    path
}

fn render(engine: &Engine, query: &str, sources: &[EventSource], streaming: bool) -> String {
    let compiled = engine.compile(query, "<search>").expect("compiles");
    let results = if streaming {
        engine
            .run_sources(&compiled, sources)
            .expect("runs")
            .results
    } else {
        let loaded = engine.load_events(sources).expect("loads");
        engine.run_query(&compiled, &loaded.events).expect("runs")
    };
    let mut buf = Vec::new();
    output::write(&mut buf, Format::Json, &results.rows, &results.columns).expect("writes");
    String::from_utf8_lossy(&buf).into_owned()
}

#[test]
fn head_over_a_stream_matches_the_whole_file() {
    let path = events_file();
    let sources = [EventSource {
        path: Some(path.clone()),
        sourcetype: "aws:cloudtrail".into(),
        source: None,
        host: None,
        index: None,
    }];
    let queries = [
        "* | head 5 | table _time n eventName",
        "eventName=E3 | eval m=n*2 | head 7 | table _time n m",
        "* | head 6000 | stats count min(n) max(n) sum(n)",
        "* | head (n>100) 9000 | stats count sum(n)",
        "* | head 0 | stats count",
        "* | head 25000 | tail 3 | table n",
    ];
    let base = Engine::new().expect("engine");
    for query in queries {
        let whole = render(&base, query, &sources, false);
        for (threads, chunk) in [(1, 4096), (3, 1000), (2, 1 << 20)] {
            let engine = base.clone().with_threads(threads).with_chunk_bytes(chunk);
            assert_eq!(
                render(&engine, query, &sources, true),
                whole,
                "{query} threads={threads} chunk={chunk}"
            );
        }
    }
    let _ = std::fs::remove_file(path);
}
