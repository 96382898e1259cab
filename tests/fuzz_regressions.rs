//! Replays the fuzz targets' committed inputs on stable: every file under
//! `fuzz/regressions/<target>/` (inputs that once crashed, hung or ran out
//! of memory, kept after the fix) and `fuzz/seeds/<target>/` (the
//! minimized corpus) goes through the same target body the fuzzer runs
//! (`fuzz/targets.rs`). A panic fails the test naming the file; each input
//! must also finish within a time bound, so a fixed hang that comes back
//! fails too.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[path = "../fuzz/targets.rs"]
mod targets;

/// A fuzz target's body.
type Body = fn(&[u8]);

/// Each target and its body.
const TARGETS: &[(&str, Body)] = &[
    ("parse", targets::parse),
    ("expand", targets::expand),
    ("ndjson", targets::ndjson),
    ("json_array", targets::json_array),
    ("xml_events", targets::xml_events),
    ("evtx", targets::evtx),
    ("conf", targets::conf),
    ("yaml_detection", targets::yaml_detection),
    ("csv_lookup", targets::csv_lookup),
    ("eval", targets::eval),
];

/// How long one input may take (the fuzz runs use `-timeout=10`; a debug
/// build is slower, and the machine may be busy).
const PER_INPUT: Duration = Duration::from_secs(30);

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

fn replay(kind: &str) -> usize {
    let mut count = 0;
    for (target, body) in TARGETS {
        for path in inputs(&fuzz_dir().join(kind).join(target)) {
            let data = std::fs::read(&path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            let start = Instant::now();
            let outcome = std::panic::catch_unwind(|| body(&data));
            assert!(
                outcome.is_ok(),
                "fuzz target {target} panics on {}",
                path.display()
            );
            let took = start.elapsed();
            assert!(
                took < PER_INPUT,
                "fuzz target {target} takes {took:?} on {}",
                path.display()
            );
            count += 1;
        }
    }
    count
}

#[test]
fn crash_inputs_found_by_fuzzing_stay_fixed() {
    replay("regressions");
}

#[test]
fn seed_corpora_replay_without_panic() {
    let count = replay("seeds");
    assert!(count > 0, "no seed inputs under {}", fuzz_dir().display());
}

#[test]
fn every_target_has_a_seed_corpus() {
    for (target, _) in TARGETS {
        let dir = fuzz_dir().join("seeds").join(target);
        assert!(
            !inputs(&dir).is_empty(),
            "fuzz target {target} has no seed inputs in {}",
            dir.display()
        );
    }
}

#[test]
fn every_fuzz_target_is_replayed() {
    let manifest = std::fs::read_to_string(fuzz_dir().join("Cargo.toml")).expect("fuzz/Cargo.toml");
    let manifest: toml::Value = manifest.parse().expect("fuzz/Cargo.toml parses");
    let bins: Vec<&str> = manifest["bin"]
        .as_array()
        .expect("[[bin]] entries")
        .iter()
        .filter_map(|b| b["name"].as_str())
        .collect();
    let replayed: Vec<&str> = TARGETS.iter().map(|(t, _)| *t).collect();
    assert_eq!(
        bins, replayed,
        "fuzz/Cargo.toml's targets and TARGETS differ"
    );
}
