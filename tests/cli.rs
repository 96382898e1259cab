//! Golden tests of the `spelunk` binary: flags, output, exit codes, stderr.

use std::process::{Command, Output};

fn spelunk(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spelunk"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const SEED: &str = "tests/cases/seed_sample/query.spl";
const SAMPLE: &str = "examples/cloudtrail_sample.json";

#[test]
fn seed_runs_on_the_sample_as_a_table() {
    let out = spelunk(&[
        "run",
        "-f",
        SEED,
        "-e",
        SAMPLE,
        "--sourcetype",
        "aws:cloudtrail",
        "-o",
        "table",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let mut lines = stdout.lines();
    assert_eq!(
        lines
            .next()
            .map(|l| l.split_whitespace().collect::<Vec<_>>()),
        Some(vec![
            "userIdentity.arn",
            "userIdentity.type",
            "user",
            "count",
            "firstTime",
            "lastTime",
            "eventName"
        ])
    );
    assert!(stdout.contains("arn:aws:iam::111122223333:user/alice"));
    assert!(text(&out.stderr).contains("detect_api_activity_from_users_without_mfa_filter"));
}

#[test]
fn json_output_is_an_array_of_string_rows() {
    let out = spelunk(&[
        "run",
        "-e",
        SAMPLE,
        "--sourcetype",
        "aws:cloudtrail",
        "-o",
        "json",
        "`cloudtrail` user=alice | stats count by user",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(rows, serde_json::json!([{"user": "alice", "count": "4"}]));
}

#[test]
fn yaml_detection_gives_the_same_rows_as_the_spl() {
    let yml = spelunk(&[
        "run",
        "-f",
        "tests/cases/seed_sample_yaml/detection.yml",
        "-e",
        SAMPLE,
        "--sourcetype",
        "aws:cloudtrail",
        "-o",
        "csv",
    ]);
    let spl = spelunk(&[
        "run",
        "-f",
        SEED,
        "-e",
        SAMPLE,
        "--sourcetype",
        "aws:cloudtrail",
        "-o",
        "csv",
    ]);
    assert!(yml.status.success(), "{}", text(&yml.stderr));
    assert_eq!(text(&yml.stdout), text(&spl.stdout));
}

#[test]
fn malformed_lines_are_reported_counted_and_skipped() {
    let out = spelunk(&[
        "run",
        "-e",
        "tests/data/malformed.ndjson",
        "-o",
        "csv",
        "* | stats count",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("tests/data/malformed.ndjson:2:"),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 malformed event line(s) skipped"),
        "{stderr}"
    );
}

#[test]
fn strict_makes_a_malformed_line_an_error() {
    let out = spelunk(&[
        "run",
        "--strict",
        "-e",
        "tests/data/malformed.ndjson",
        "-o",
        "csv",
        "* | stats count",
    ]);
    assert_eq!(out.status.code(), Some(5));
    assert!(text(&out.stderr).contains("tests/data/malformed.ndjson:2: malformed event"));
}

#[test]
fn counts_events_across_valid_lines() {
    let out = spelunk(&[
        "run",
        "-e",
        "tests/data/malformed.ndjson",
        "-o",
        "csv",
        "* | stats count",
    ]);
    assert_eq!(text(&out.stdout), "count\n2\n");
}

#[test]
fn unsupported_command_exits_3_with_its_location() {
    let out = spelunk(&["run", "-o", "csv", "x=1\n| frobnicate y"]);
    assert_eq!(out.status.code(), Some(3));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("command `frobnicate` is not supported yet"),
        "{stderr}"
    );
    assert!(stderr.contains("<search>:2:3"), "{stderr}");
}

#[test]
fn missing_events_file_names_it() {
    let out = spelunk(&["run", "-e", "no/such/file.json", "-o", "csv", "x"]);
    assert_eq!(out.status.code(), Some(5));
    assert!(text(&out.stderr).contains("no/such/file.json"));
}

#[test]
fn expand_prints_the_expanded_search() {
    let out = spelunk(&[
        "expand",
        "`cloudtrail` | `security_content_ctime(firstTime)`",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "sourcetype=aws:cloudtrail | convert timeformat=\"%Y-%m-%dT%H:%M:%S\" ctime(firstTime)\n"
    );
}

#[test]
fn search_and_file_together_is_a_usage_error() {
    let out = spelunk(&["run", "-f", SEED, "x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not both"));
}
