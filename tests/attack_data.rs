//! Replays of real attack datasets: every security_content detection whose
//! tests name a file in `../shared/corpus/events/attack_data` (its
//! MANIFEST.md lists them) runs over that file with the repository's own
//! macros and lookups and the bundled knowledge, as
//! `spelunk test <detection> --attack-data <dir> -m macros -l lookups` does.
//!
//! [`MUST_PASS`] is a ratchet: those detections pass today and must keep
//! passing. The others are printed with the reason they fail (tstats is not
//! supported yet; some datasets cannot produce the detection's rows, e.g. a
//! risk object that is null in the data), and a detection that starts
//! passing is reported so the list can grow.
//!
//! Without `../shared` the test says it was skipped. `iplocation` needs a
//! GeoLite2 City database: set `SPELUNK_GEOIP` (CI fetches PyPI's
//! `maxminddb-geolite2==2018.703`); without it the detections that need one
//! are reported, not required.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use spelunk::testing::{self, report, Options, Status};

/// Detections (file stems) whose replays pass.
const MUST_PASS: &[&str] = &[
    "detect_certify_with_powershell_script_block_logging",
    "pingid_multiple_failed_mfa_requests_for_user",
    "pingid_new_mfa_method_registered_for_user",
    "windows_ad_privileged_object_access_activity",
    "windows_steal_authentication_certificates___esc1_authentication",
];

/// Detections that pass when a GeoLite2 City database is given.
const MUST_PASS_WITH_GEOIP: &[&str] = &["pingid_mismatch_auth_source_and_verification_response"];

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The detection names in MANIFEST.md's third column.
fn manifest_detections(manifest: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for line in manifest.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let Some(cell) = cells.get(3) else { continue };
        if cell.is_empty() || *cell == "-" || cell.starts_with("detections") {
            continue;
        }
        names.extend(cell.split(',').map(|n| n.trim().to_string()));
    }
    names
}

/// The detection files under `dir` whose stems are in `names`.
fn detection_files(dir: &Path, names: &BTreeSet<String>, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            detection_files(&path, names, out);
        } else if path.extension().is_some_and(|e| e == "yml")
            && path
                .file_stem()
                .and_then(|s| s.to_str())
                .is_some_and(|s| names.contains(s))
        {
            out.push(path);
        }
    }
}

#[test]
fn attack_data_replays() {
    let data = repo("../shared/corpus/events/attack_data");
    let content = repo("../shared/corpus/security_content");
    let Ok(manifest) = std::fs::read_to_string(data.join("MANIFEST.md")) else {
        eprintln!("skipping: ../shared/corpus/events/attack_data is absent");
        return;
    };
    let names = manifest_detections(&manifest);
    let mut files = Vec::new();
    detection_files(&content.join("detections"), &names, &mut files);
    files.sort();
    assert!(
        files.len() >= MUST_PASS.len() + MUST_PASS_WITH_GEOIP.len(),
        "found only {} detection files for {} manifest names",
        files.len(),
        names.len()
    );

    let geoip = std::env::var_os("SPELUNK_GEOIP").map(PathBuf::from);
    let options = Options {
        attack_data: Some(data),
        macros: vec![content.join("macros")],
        lookups: vec![content.join("lookups")],
        geoip: geoip.clone(),
        ..Options::default()
    };
    let report = testing::run(&files, &options).expect("the run starts");
    eprintln!("{}", report::text(&report, false));

    let mut required: Vec<&str> = MUST_PASS.to_vec();
    if geoip.is_some() {
        required.extend(MUST_PASS_WITH_GEOIP);
    } else {
        eprintln!(
            "SPELUNK_GEOIP is not set: not requiring {}",
            MUST_PASS_WITH_GEOIP.join(", ")
        );
    }
    let stem = |p: &Path| {
        p.file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string()
    };
    let mut broken = Vec::new();
    for name in &required {
        let results: Vec<_> = report
            .results
            .iter()
            .filter(|r| stem(&r.file) == *name)
            .collect();
        if results.is_empty() || results.iter().any(|r| r.verdict.status != Status::Pass) {
            broken.push(*name);
        }
    }
    for r in &report.results {
        let name = stem(&r.file);
        if r.verdict.status == Status::Pass && !required.contains(&name.as_str()) {
            eprintln!("now passing, add it to MUST_PASS: {name}");
        }
    }
    assert!(broken.is_empty(), "no longer passing: {broken:?}");
}
