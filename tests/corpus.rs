//! Runs every raw-event security_content detection over the example events
//! of its data sources (the corpus's `data_sources/*.yml` `example_log`), and
//! reports how each run ends. Ignored by default (it needs ../shared):
//! `cargo test --release --test corpus -- --ignored --nocapture`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use spelunk::{Engine, EventSource};

fn corpus() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/security_content");
    p.exists().then_some(p)
}

struct DataSource {
    sourcetype: String,
    source: Option<String>,
    example: Option<String>,
    fields: Vec<String>,
}

/// One synthetic JSON event holding every field a data source lists, each
/// set to a placeholder: for data sources whose example is not JSON.
fn generated_event(fields: &[String]) -> String {
    let mut map = serde_json::Map::new();
    for (i, f) in fields.iter().enumerate() {
        if !f.starts_with('_') && !f.starts_with("date_") {
            map.insert(f.clone(), serde_json::Value::String(format!("value{i}")));
        }
    }
    map.insert(
        "_time".into(),
        serde_json::Value::String("2024-01-01T00:00:00Z".into()),
    );
    serde_json::Value::Object(map).to_string()
}

fn yaml(path: &Path) -> Option<serde_norway::Value> {
    serde_norway::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

fn text(v: &serde_norway::Value, key: &str) -> Option<String> {
    v.get(key).and_then(|x| x.as_str()).map(str::to_string)
}

fn data_sources(dir: &Path) -> BTreeMap<String, DataSource> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let Some(v) = yaml(&entry.path()) else {
            continue;
        };
        let Some(name) = text(&v, "name") else {
            continue;
        };
        out.insert(
            name,
            DataSource {
                sourcetype: text(&v, "sourcetype").unwrap_or_else(|| "_json".into()),
                source: text(&v, "source"),
                example: text(&v, "example_log"),
                fields: v
                    .get("fields")
                    .and_then(|f| f.as_sequence())
                    .map(|s| {
                        s.iter()
                            .filter_map(|x| x.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
            },
        );
    }
    out
}

fn detections(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = entry.path();
        if p.is_dir() {
            detections(&p, out);
        } else if p.extension().is_some_and(|e| e == "yml") {
            out.push(p);
        }
    }
}

#[test]
#[ignore = "needs ../shared; run with --ignored --nocapture"]
fn raw_detections_run_over_their_example_events() {
    let Some(root) = corpus() else {
        eprintln!("../shared is absent; nothing to run");
        return;
    };
    let engine = Engine::new()
        .and_then(|e| e.with_macros_path(&root.join("macros")))
        .and_then(|e| e.with_lookups_path(&root.join("lookups")))
        .expect("corpus macros and lookups load");
    // Detections that write baselines need somewhere to write them.
    let out_dir = std::env::temp_dir().join(format!("spelunk-corpus-{}", std::process::id()));
    std::fs::create_dir_all(&out_dir).expect("temp folder");
    let engine = engine.with_output_lookups(&out_dir);
    let sources = data_sources(&root.join("data_sources"));
    let mut files = Vec::new();
    detections(&root.join("detections"), &mut files);
    files.sort();
    let mut outcomes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut raw = 0;
    for file in &files {
        let Some(v) = yaml(file) else { continue };
        let Some(search) = text(&v, "search") else {
            continue;
        };
        let lower = search.to_ascii_lowercase();
        let t = lower.trim_start().trim_start_matches('|').trim_start();
        if t.starts_with("tstats") || t.starts_with("mstats") || t.starts_with("from datamodel") {
            continue;
        }
        raw += 1;
        let name = file
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let ds_names: Vec<String> = v
            .get("data_source")
            .and_then(|d| d.as_sequence())
            .map(|s| {
                s.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let query = match engine.compile(&search, &name) {
            Ok(q) => q,
            Err(d) => {
                let first = d.to_string().lines().next().unwrap_or("").to_string();
                outcomes
                    .entry(format!(
                        "compile error: {}",
                        first.split(':').take(2).collect::<Vec<_>>().join(":")
                    ))
                    .or_default()
                    .push(name);
                continue;
            }
        };
        let mut events = Vec::new();
        let mut generated = false;
        for ds in &ds_names {
            let Some(d) = sources.get(ds) else { continue };
            let src = EventSource {
                path: None,
                sourcetype: d.sourcetype.clone(),
                source: d.source.clone(),
                host: None,
                index: None,
            };
            let example = d.example.as_deref().and_then(|ex| {
                engine
                    .read_events_str(ex, ds, &src)
                    .ok()
                    .filter(|l| l.malformed.is_empty() && !l.events.is_empty())
            });
            match example {
                Some(l) => events.extend(l.events),
                None => {
                    // XML, text or no example: one event with the listed fields.
                    generated = true;
                    let src = EventSource {
                        sourcetype: "_json".into(),
                        ..src
                    };
                    if let Ok(l) = engine.read_events_str(&generated_event(&d.fields), ds, &src) {
                        events.extend(l.events);
                    }
                }
            }
        }
        if events.is_empty() {
            generated = true;
            let src = EventSource {
                path: None,
                sourcetype: "_json".into(),
                source: None,
                host: None,
                index: None,
            };
            if let Ok(l) = engine.read_events_str(&generated_event(&[]), "generic", &src) {
                events.extend(l.events);
            }
        }
        let kind = if generated { "generated" } else { "example" };
        match engine.run_query(&query, &events) {
            Ok(r) if r.rows.is_empty() => outcomes
                .entry(format!("ran over {kind} events: 0 rows"))
                .or_default()
                .push(name),
            Ok(_) => outcomes
                .entry(format!("ran over {kind} events: rows"))
                .or_default()
                .push(name),
            // A lookup the corpus does not ship (ES / CIM) is a clear,
            // configuration-dependent stop, which lint reports too.
            Err(d)
                if matches!(&d.error, spelunk::Error::Lookup { message, .. }
                    if message.contains("is not defined") || message.contains("KV store")) =>
            {
                outcomes
                    .entry("stopped: lookup not shipped".into())
                    .or_default()
                    .push(name);
            }
            Err(d) => {
                let first = d.to_string().lines().next().unwrap_or("").to_string();
                outcomes
                    .entry(format!("run error: {first}"))
                    .or_default()
                    .push(name);
            }
        }
    }
    println!("{raw} raw-event detections");
    for (outcome, names) in &outcomes {
        println!("{:5}  {outcome}", names.len());
    }
    for (outcome, names) in &outcomes {
        if outcome.starts_with("run error") {
            for n in names {
                println!("  {n}: {outcome}");
            }
        }
    }
    let _ = std::fs::remove_dir_all(&out_dir);
    let run_errors: usize = outcomes
        .iter()
        .filter(|(o, _)| o.starts_with("run error"))
        .map(|(_, n)| n.len())
        .sum();
    assert_eq!(run_errors, 0, "detections failed at run time");
}

/// Data sources whose events the CIM data sets select, by the bundled
/// add-on knowledge (event types and tags) and the bundled CIM models: each
/// data source's example event must be one event of the data set. These are
/// the (data source, data set) pairs security_content's tstats detections
/// rely on most (429 to 438 detections each for process creation).
const LANDS_IN: &[(&str, &str)] = &[
    ("Sysmon EventID 1", "Endpoint.Processes"),
    ("Windows Event Log Security 4688", "Endpoint.Processes"),
    ("CrowdStrike ProcessRollup2", "Endpoint.Processes"),
    ("Sysmon for Linux EventID 1", "Endpoint.Processes"),
    ("Sysmon EventID 11", "Endpoint.Filesystem"),
    ("Sysmon for Linux EventID 11", "Endpoint.Filesystem"),
    ("Sysmon EventID 12", "Endpoint.Registry"),
    ("Sysmon EventID 13", "Endpoint.Registry"),
    ("Sysmon EventID 3", "Network_Traffic.All_Traffic"),
    (
        "Windows Event Log Security 4625",
        "Authentication.Authentication",
    ),
    (
        "Azure Active Directory Sign-in activity",
        "Authentication.Authentication",
    ),
    ("Suricata", "Network_Traffic.All_Traffic"),
    ("Palo Alto Network Threat", "Web.Web"),
    ("Palo Alto Network Traffic", "Network_Traffic.All_Traffic"),
    ("Splunk Stream HTTP", "Web.Web"),
];

#[test]
fn example_events_land_in_their_cim_datasets() {
    let Some(root) = corpus() else {
        eprintln!("skipping: ../shared/corpus/security_content is absent");
        return;
    };
    let engine = Engine::new()
        .and_then(|e| e.with_macros_path(&root.join("macros")))
        .expect("corpus macros load");
    let sources = data_sources(&root.join("data_sources"));
    let mut missing = Vec::new();
    for (name, dataset) in LANDS_IN {
        let source = sources
            .get(*name)
            .unwrap_or_else(|| panic!("data source {name:?} is in the corpus"));
        let example = source
            .example
            .as_deref()
            .unwrap_or_else(|| panic!("data source {name:?} has an example event"));
        let src = EventSource {
            path: None,
            sourcetype: source.sourcetype.clone(),
            source: source.source.clone(),
            host: None,
            index: None,
        };
        let read = engine
            .read_events_str(example, name, &src)
            .unwrap_or_else(|e| panic!("{name}: the example reads: {e}"));
        assert_eq!(read.events.len(), 1, "{name}: one example event");
        let search = format!("| tstats count from datamodel={dataset}");
        let query = engine.compile(&search, name).expect("tstats compiles");
        let result = engine.run_query(&query, &read.events).expect("tstats runs");
        let count = result
            .rows
            .first()
            .and_then(|row| row.get("count"))
            .map(|v| v.to_text().into_owned());
        if count.as_deref() != Some("1") {
            missing.push(format!("{name} -> {dataset}: count {count:?}"));
        }
    }
    assert!(
        missing.is_empty(),
        "not in their data sets:\n{}",
        missing.join("\n")
    );
}

/// Every security_content detection's search is placed in its YAML file
/// (single-quoted, double-quoted or plain, folded over lines), so `run`
/// and `lint` name the file's own line and column; only a block scalar
/// (`>-`, one detection) is not.
#[test]
fn detection_searches_are_placed_in_their_files() {
    let Some(root) = corpus() else {
        eprintln!("skipping: ../shared/corpus/security_content is absent");
        return;
    };
    let mut files = Vec::new();
    detections(&root.join("detections"), &mut files);
    let mut unplaced = Vec::new();
    let mut placed = 0;
    for path in &files {
        let Ok(file) = spelunk::detection::read_search_file(path) else {
            continue;
        };
        match &file.placement {
            Some(p) => {
                placed += 1;
                // The line of the search's first byte holds its first words.
                let (_, column, line) = p.file_position(0);
                let start: String = file.search.chars().take(8).collect();
                let at: String = line.chars().skip(column - 1).take(8).collect();
                assert_eq!(at, start, "{}: {line}", path.display());
            }
            None => unplaced.push(path.display().to_string()),
        }
    }
    assert!(placed > 1_600, "placed {placed}");
    assert!(unplaced.len() <= 1, "not placed: {unplaced:?}");
}
