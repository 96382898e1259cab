//! Golden tests of the `spelunk` binary: flags, output, exit codes, stderr.

use std::process::{Command, Output};

/// The workspace root: the tests name files under its tests/ and examples/.
fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn spelunk(args: &[&str]) -> Output {
    spelunk_env(args, &[])
}

/// Runs the binary with `vars` set and the colour variables of the
/// caller's environment removed, so colour never depends on who runs the
/// tests.
fn spelunk_env(args: &[&str], vars: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_spelunk"));
    command
        .args(args)
        .current_dir(root())
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CLICOLOR")
        .env_remove("COLUMNS");
    for (name, value) in vars {
        command.env(name, value);
    }
    command.output().expect("the binary runs")
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
    assert!(stderr.contains("1 malformed event(s) skipped"), "{stderr}");
}

/// A line of 10,000 bytes or more that is not valid JSON: cut by Splunk's
/// default `TRUNCATE` under a sourcetype read as text, so an event with
/// `meta=truncated` and a notice; malformed under `_json` (structured
/// data) and under `aws:cloudtrail`, whose add-on cuts records at 8 MiB
/// (props/aws).
#[test]
fn long_broken_json_lines_are_cut_events_or_malformed_by_sourcetype() {
    let dir = std::env::temp_dir().join(format!("spelunk-cli-cut-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("cut.json");
    let mut line = String::from(r#"{"eventTime":"2024-01-01T00:00:00Z","eventName":"Cut","pad":""#);
    line.push_str(&"x".repeat(10_000));
    std::fs::write(&path, format!("{line}\n")).expect("write");
    let path = path.to_string_lossy().into_owned();
    let run = |sourcetype: &str| {
        spelunk(&[
            "run",
            "-e",
            &path,
            "--sourcetype",
            sourcetype,
            "-o",
            "csv",
            "* | eval n=len(_raw) | table eventName meta n",
        ])
    };
    let out = run("acme:firehose");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "eventName,meta,n\nCut,truncated,10000\n");
    assert!(
        text(&out.stderr).contains("read as the events Splunk cuts at TRUNCATE"),
        "{}",
        text(&out.stderr)
    );
    for sourcetype in ["_json", "aws:cloudtrail"] {
        let out = run(sourcetype);
        // The file's only event is malformed: no readable event, exit 5.
        assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
        assert!(!text(&out.stdout).contains("Cut"), "{sourcetype}");
        let stderr = text(&out.stderr);
        assert!(stderr.contains("cut.json:1:"), "{sourcetype}: {stderr}");
        assert!(stderr.contains("1 malformed event(s) skipped"), "{stderr}");
    }
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

/// A command only a Splunk app provides (the Machine Learning Toolkit's
/// `apply`) is an execution error naming the app: exit 4, like a missing
/// lookup, not 3 (the search itself is right).
#[test]
fn command_of_an_app_not_shipped_exits_4_naming_the_app() {
    let out = spelunk(&["run", "-o", "csv", "x=1\n| apply my_model"]);
    assert_eq!(out.status.code(), Some(4));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("command `apply` needs the Splunk Machine Learning Toolkit app"),
        "{stderr}"
    );
    assert!(stderr.contains("<search>:2:3"), "{stderr}");
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

#[test]
fn test_subcommand_passes_the_example_suite() {
    let out = spelunk(&["test", "tests/detections", "--jobs", "2"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    // Not a terminal: no color codes.
    assert!(!stdout.contains('\x1b'), "{stdout}");
    let summary = stdout.lines().last().unwrap_or_default();
    let words: Vec<&str> = summary.split(' ').collect();
    assert_eq!(words.len(), 6, "{summary}");
    assert_eq!(
        [words[1], words[2], words[3], words[5]],
        ["passed,", "0", "failed,", "skipped"],
        "{summary}"
    );
}

#[test]
fn test_subcommand_exits_1_on_failure_and_writes_json_and_junit() {
    let junit = std::env::temp_dir().join(format!("spelunk-junit-{}.xml", std::process::id()));
    let junit_arg = junit.display().to_string();
    let out = spelunk(&[
        "test",
        "tests/testing_fixtures",
        "-o",
        "json",
        "--junit",
        &junit_arg,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    assert_eq!(json["failed"], 4);
    assert_eq!(json["skipped"], 2);
    assert_eq!(json["passed"], 0);
    let xml = std::fs::read_to_string(&junit).expect("the JUnit file is written");
    let _ = std::fs::remove_file(&junit);
    assert!(xml.starts_with("<?xml"));
    assert!(xml.contains("<testsuites name=\"spelunk\" tests=\"6\" failures=\"4\""));
}

/// A tstats over a data model runs as its dataset, then its WHERE, then the
/// aggregation: `--explain` counts the rows after each part, so an empty
/// answer says whether the dataset or the WHERE was empty.
#[test]
fn run_explain_counts_a_tstats_dataset_and_its_where() {
    let out = spelunk(&[
        "run",
        "--explain",
        "| tstats count from datamodel=Endpoint.Processes where Processes.process_name=notepad.exe by Processes.dest",
        "-e",
        "tests/data/windows/mixed_xml.log",
        "-o",
        "json",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "[]");
    let stderr = text(&out.stderr);
    let want = "  64 event(s) in\n  tstats count from datamodel=Endpoint.Processes where Processes.process_name=notepad.exe by Processe… → 0 rows\n    datamodel=Endpoint.Processes → 47 rows\n    where Processes.process_name=notepad.exe → 0 rows\n";
    assert!(stderr.contains(want), "missing {want:?} in\n{stderr}");
}

#[test]
fn run_explain_shows_the_command_that_dropped_every_row_and_the_missing_field() {
    let out = spelunk(&[
        "run",
        "--explain",
        "eventName=* | where process_name=\"cmd.exe\" | stats count by user",
        "-e",
        SAMPLE,
        "--sourcetype",
        "aws:cloudtrail",
        "-o",
        "json",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // stdout stays the results.
    assert_eq!(text(&out.stdout).trim(), "[]");
    let stderr = text(&out.stderr);
    for want in [
        "events read:\n  examples/cloudtrail_sample.json: 25 event(s) (sourcetype aws:cloudtrail ×25), 0 malformed\n",
        "expanded search:\n  eventName=* | where process_name=\"cmd.exe\" | stats count by user\n",
        "  25 event(s) in\n  eventName=* → 25 rows\n  | where process_name=\"cmd.exe\" → 0 rows\n  | stats count by user → 0 rows\n",
        "`process_name` (read by `| where process_name=\"cmd.exe\"`): can be set by EVAL-process_name in [",
        "EVAL-process_name in [source::XmlWinEventLog:Microsoft-Windows-Sysmon/Operational] (<bundled>/props/sysmon/default/props.conf:",
        "none of the 25 event(s) given is covered by any of",
        "(they are sourcetype aws:cloudtrail)",
    ] {
        assert!(stderr.contains(want), "missing {want:?} in\n{stderr}");
    }
    // Without --explain, nothing of it.
    let out = spelunk(&[
        "run",
        "eventName=* | where process_name=\"cmd.exe\"",
        "-e",
        SAMPLE,
        "--sourcetype",
        "aws:cloudtrail",
        "-o",
        "json",
    ]);
    assert!(!text(&out.stderr).contains("rows after each command"));
}

#[test]
fn run_explain_marks_a_count_cut_short_by_head() {
    let out = spelunk(&[
        "run",
        "--explain",
        "eventName=* | head 2",
        "-e",
        SAMPLE,
        "--sourcetype",
        "aws:cloudtrail",
        "-o",
        "json",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    // head stops reading: the search's count is a lower bound.
    assert!(
        stderr.contains("  eventName=* → at least 2 rows (not read to the end"),
        "{stderr}"
    );
    assert!(stderr.contains("  | head 2 → 2 rows\n"), "{stderr}");
}

#[test]
fn hunt_explain_explains_each_detection() {
    let dir = fresh_dir("hunt-explain");
    std::fs::write(
        dir.join("quiet.spl"),
        "eventName=* | stats count by no_such_field",
    )
    .expect("write");
    std::fs::write(
        dir.join("fired.spl"),
        "eventName=ConsoleLogin | table eventName",
    )
    .expect("write");
    let path = dir.display().to_string();
    let args = [
        "hunt",
        "--explain",
        &path,
        "-e",
        SAMPLE,
        "--sourcetype",
        "aws:cloudtrail",
    ];
    let out = spelunk(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("events read:\n  examples/cloudtrail_sample.json: 25 event(s)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("          | stats count by no_such_field → 0 rows\n"),
        "{stdout}"
    );
    assert!(stdout.contains("          `no_such_field` (read by `| stats count by no_such_field`): no event carries it"), "{stdout}");
    let mut json_args = args.to_vec();
    json_args.extend(["-o", "json"]);
    let out = spelunk(&json_args);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    let quiet = &json["detections"][1];
    assert_eq!(quiet["status"], "quiet");
    assert_eq!(quiet["explain"]["events_in"], 25);
    assert_eq!(quiet["explain"]["stages"][0]["rows"], 25);
    assert_eq!(quiet["explain"]["stages"][1]["rows"], 0);
    assert_eq!(
        quiet["explain"]["missing_fields"][0]["field"],
        "no_such_field"
    );
    assert_eq!(quiet["explain"]["files"][0]["events"], 25);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn test_subcommand_shows_why_a_test_failed() {
    // Always: the rows after each command.
    let out = spelunk(&["test", "tests/testing_fixtures", "--filter", "misspelt"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("     > sourcetype=aws:cloudtrail eventName=UpdateSAMLProvider → 1 row\n     > | stats count by sourceIPAdress → 0 rows\n"),
        "{stdout}"
    );
    assert!(!stdout.contains("expanded search"), "{stdout}");
    // With --explain: the events read and the field no event carries.
    let out = spelunk(&[
        "test",
        "--explain",
        "tests/testing_fixtures",
        "--filter",
        "misspelt",
    ]);
    let stdout = text(&out.stdout);
    for want in [
        "     > events read:\n     >   tests/testing_fixtures/data/saml.json: 2 event(s) (sourcetype aws:cloudtrail ×2), 0 malformed\n",
        "     >   `sourceIPAdress` (did you mean `sourceIPAddress`?) (read by `| stats count by sourceIPAdress`): no event carries it",
        "`stats ... by` leaves out every row that lacks a by field",
    ] {
        assert!(stdout.contains(want), "missing {want:?} in\n{stdout}");
    }
}

#[test]
fn test_subcommand_filter_selects_tests() {
    let out = spelunk(&[
        "test",
        "tests/testing_fixtures",
        "--filter",
        "MISSING DATASET",
    ]);
    // Everything skipped: nothing was checked, so the run fails...
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(text(&out.stdout).ends_with("0 passed, 0 failed, 1 skipped\n"));
    assert!(text(&out.stderr).contains("no test ran (1 found, 1 skipped)"));
    // ...unless the caller allows it.
    let out = spelunk(&[
        "test",
        "tests/testing_fixtures",
        "--filter",
        "MISSING DATASET",
        "--allow-skips",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn test_subcommand_fails_when_no_test_is_found() {
    let dir = fresh_dir("no-tests");
    let path = dir.display().to_string();
    let out = spelunk(&["test", &path]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("no test ran (0 found, 0 skipped)"));
    let out = spelunk(&["test", &path, "--allow-skips"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn test_subcommand_bless_writes_the_rows() {
    let dir = std::env::temp_dir().join(format!("spelunk-bless-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let data = root().join("tests/testing_fixtures/data/saml.json");
    let file = dir.join("new.test.yml");
    std::fs::write(
        &file,
        format!(
            "search: '`cloudtrail` | stats count by eventName'\nsourcetype: aws:cloudtrail\ntests:\n- name: t\n  datasets:\n  - path: {}\n",
            data.display()
        ),
    )
    .expect("write test file");
    let path = file.display().to_string();
    let before = spelunk(&["test", &path]);
    assert_eq!(before.status.code(), Some(1), "no expectation yet");
    let blessed = spelunk(&["test", &path, "--bless"]);
    assert_eq!(blessed.status.code(), Some(0), "{}", text(&blessed.stdout));
    assert!(text(&blessed.stderr).contains("blessed 1 test(s)"));
    let after = spelunk(&["test", &path]);
    assert_eq!(after.status.code(), Some(0), "{}", text(&after.stdout));
    let written = std::fs::read_to_string(&file).expect("read back");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(written.contains("eventName: GetSAMLProvider"), "{written}");
    assert!(written.contains("count: '1'"), "{written}");
}

const TRUNCATED_XML: &str = "tests/data/bad_input/truncated_event.xml";

#[test]
fn truncated_windows_xml_event_is_read_with_a_notice_naming_its_line() {
    let out = spelunk(&[
        "run",
        "-e",
        TRUNCATED_XML,
        "-o",
        "csv",
        "* | stats count by EventCode",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Splunk indexes what it received; the event is kept, and said to be cut.
    assert_eq!(text(&out.stdout), "EventCode,count\n4624,1\n4625,1\n");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "notice: {TRUNCATED_XML}:2: truncated Windows XML event (no </Event>)"
        )),
        "{stderr}"
    );
}

#[test]
fn broken_app_settings_are_warnings_naming_file_and_line() {
    let out = spelunk(&[
        "run",
        "-e",
        TRUNCATED_XML,
        "--app",
        "tests/data/bad_input/app",
        "-o",
        "csv",
        "* | stats count",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    for expected in [
        "warning: tests/data/bad_input/app/default/props.conf:5: unknown props.conf setting `FOO_BAR` in [XmlWinEventLog]",
        "warning: tests/data/bad_input/app/default/transforms.conf:2: [broken_regex] REGEX does not compile",
        "tests/data/bad_input/app/default/props.conf:4: REPORT-broken names the transform `broken_regex`",
    ] {
        assert!(stderr.contains(expected), "missing `{expected}` in\n{stderr}");
    }
}

/// A copy of a real `.evtx` file (in ../shared) with its second chunk's
/// header overwritten.
fn corrupt_evtx_copy() -> Option<std::path::PathBuf> {
    let source = root().join(
        "../shared/corpus/events/attack_data/datasets/attack_techniques/T1003.001/atomic_red_team/procdump_t1003.001_capattack/Sysmon-Operational.evtx",
    );
    let Ok(mut bytes) = std::fs::read(&source) else {
        eprintln!("skipping: ../shared is absent");
        return None;
    };
    let second_chunk = 4096 + 65536;
    bytes[second_chunk..second_chunk + 8].copy_from_slice(b"XXXXXXXX");
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("corrupt_chunk.evtx");
    std::fs::write(&path, bytes).expect("the temporary directory is writable");
    Some(path)
}

#[test]
fn corrupt_evtx_chunk_is_reported_with_its_offset_and_the_rest_read() {
    let Some(path) = corrupt_evtx_copy() else {
        return;
    };
    let path = path.to_string_lossy().into_owned();
    let out = spelunk(&["run", "-e", &path, "-o", "csv", "* | stats count"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("{path}: chunk 1 (byte offset 69632): ")),
        "{stderr}"
    );
    assert!(stderr.contains("1 malformed event(s) skipped"), "{stderr}");
    let count: usize = text(&out.stdout)
        .lines()
        .nth(1)
        .and_then(|l| l.parse().ok())
        .expect("a count");
    assert!(count > 0, "the other chunks are read");

    let strict = spelunk(&["run", "--strict", "-e", &path, "* | stats count"]);
    assert_eq!(strict.status.code(), Some(5), "{}", text(&strict.stderr));
    assert!(
        text(&strict.stderr).contains(&format!(
            "{path}: malformed event: chunk 1 (byte offset 69632)"
        )),
        "{}",
        text(&strict.stderr)
    );
}

/// A non-ASCII search term on NDJSON: the pre-filter's needles end at a
/// multibyte character instead of slicing inside it (it panicked), and the
/// term matches ignoring case.
#[test]
fn non_ascii_terms_on_ndjson_match_without_panicking() {
    let dir = std::env::temp_dir().join(format!("spelunk-cli-utf8-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("u.json");
    std::fs::write(
        &file,
        "{\"user\":\"café\"}\n{\"user\":\"bob\"}\n{\"user\":\"Cafétéria x\"}\n",
    )
    .expect("write");
    let path = file.to_str().expect("utf-8 path");
    for (query, want) in [
        ("user=café", "café\n"),
        ("user=CAFÉ", "café\n"),
        ("user=caf*", "café\nCafétéria x\n"),
        ("user=*fé*", "café\nCafétéria x\n"),
        ("user=*TÉR*", "Cafétéria x\n"),
        ("café", "café\n"),
    ] {
        let out = spelunk(&[
            "run",
            "-e",
            path,
            "-o",
            "csv",
            &format!("{query} | table user"),
        ]);
        assert!(out.status.success(), "{query}: {}", text(&out.stderr));
        assert_eq!(text(&out.stdout), format!("user\n{want}"), "{query}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A thread count over the limit is a usage error naming it (it panicked
/// when the system refused the threads); the limit itself runs.
#[test]
fn too_many_threads_is_a_usage_error() {
    for args in [
        &[
            "run",
            "--threads",
            "100000",
            "-e",
            SAMPLE,
            "* | stats count",
        ][..],
        &[
            "run",
            "--threads",
            "99999999999999999999999",
            "-e",
            SAMPLE,
            "* | stats count",
        ],
        &["test", "--jobs", "100000", "tests/testing_fixtures"],
    ] {
        let out = spelunk(args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        let stderr = text(&out.stderr);
        assert!(stderr.contains("1024"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    let out = spelunk(&[
        "run",
        "--threads",
        "1024",
        "-e",
        SAMPLE,
        "-o",
        "csv",
        "* | stats count",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "count\n25\n");
}

/// A pipeline at the command limit runs, on the streaming reader threads
/// too; past it (10,000 `where`, 100,000 `eval`) it is a syntax error
/// naming the limit (it overflowed the stack).
#[test]
fn long_pipelines_run_to_the_limit_and_are_an_error_past_it() {
    let dir = std::env::temp_dir().join(format!("spelunk-cli-long-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = |name: &str, search: String| {
        let path = dir.join(name);
        std::fs::write(&path, search).expect("write");
        path.to_str().expect("utf-8 path").to_string()
    };
    let wheres = |n: usize| format!("*{}", "| where isnotnull(_raw) ".repeat(n));
    let at_limit = file("ok.spl", format!("{} | stats count", wheres(998)));
    let out = spelunk(&["run", "-e", SAMPLE, "-o", "csv", "-f", &at_limit]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "count\n25\n");
    for search in [
        file("where.spl", wheres(10_000)),
        file(
            "eval.spl",
            format!("| makeresults {}", "| eval a=1 ".repeat(100_000)),
        ),
    ] {
        let out = spelunk(&["run", "-e", SAMPLE, "-o", "csv", "-f", &search]);
        assert_eq!(out.status.code(), Some(3), "{search}");
        let stderr = text(&out.stderr);
        let head = stderr.lines().next().unwrap_or_default();
        assert!(head.contains("at most 1000 commands"), "{head}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs spelunk with stdout on `/dev/full` (every write fails with ENOSPC).
#[cfg(target_os = "linux")]
fn spelunk_to_dev_full(args: &[&str]) -> Output {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full opens");
    Command::new(env!("CARGO_BIN_EXE_spelunk"))
        .args(args)
        .current_dir(root())
        .stdout(full)
        .output()
        .expect("the binary runs")
}

/// A write error on stdout is an error naming it, for every subcommand and
/// format (each exited 0 with nothing written).
#[cfg(target_os = "linux")]
#[test]
fn write_errors_on_stdout_fail_loudly() {
    let mut cases: Vec<Vec<&str>> = ["table", "csv", "json", "ndjson"]
        .iter()
        .map(|format| vec!["run", "-e", SAMPLE, "-o", format, "* | head 3"])
        .collect();
    cases.push(vec!["expand", "`cloudtrail`"]);
    cases.push(vec!["lint", SEED]);
    cases.push(vec!["test", "tests/testing_fixtures"]);
    for args in cases {
        let out = spelunk_to_dev_full(&args);
        let stderr = text(&out.stderr);
        assert!(
            !out.status.success() && out.status.code() != Some(101),
            "{args:?}: {:?} {stderr}",
            out.status
        );
        assert!(stderr.contains("<stdout>"), "{args:?}: {stderr}");
        assert!(stderr.contains("No space left"), "{args:?}: {stderr}");
    }
}

/// A reader that goes away (`spelunk ... | head -1`) ends the output
/// quietly with exit 0, however much was left to write.
#[test]
fn closed_pipe_is_a_quiet_exit() {
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_spelunk"))
        .args([
            "run",
            "-o",
            "ndjson",
            "| makeresults count=200000 | eval text=\"some padding to fill the pipe\"",
        ])
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    // Closing the read end before spelunk writes its 10+ MB makes the
    // write fail with EPIPE.
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("it exits");
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{:?} {stderr}", out.status);
    assert!(!stderr.contains("<stdout>"), "{stderr}");
}

/// A regex that gives up on the backtracking limit is no match, with one
/// notice naming it however many events it gave up on (it was silent).
#[test]
fn regex_backtracking_limit_is_a_notice_naming_the_regex() {
    let dir = std::env::temp_dir().join(format!("spelunk-cli-redos-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let events = dir.join("e.json");
    let long = "a".repeat(40);
    std::fs::write(
        &events,
        format!("{{\"s\":\"{long}!\"}}\n{{\"s\":\"{long}?\"}}\n{{\"s\":\"aac\"}}\n"),
    )
    .expect("write");
    let path = events.to_str().expect("utf-8 path");
    for search in [
        r#"* | regex s="(a*)*\1c" | table s"#,
        r#"* | where match(s, "(a*)*\1c") | table s"#,
    ] {
        let out = spelunk(&["run", "-e", path, "-o", "csv", search]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(text(&out.stdout), "s\naac\n", "{search}");
        let stderr = text(&out.stderr);
        assert_eq!(
            stderr
                .matches(r"regex `(a*)*\1c` exceeded the backtracking limit")
                .count(),
            1,
            "{search}: {stderr}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs spelunk, failing the test if it has not ended after 60 s (a link
/// loop made the folder walkers recurse for ever).
#[cfg(unix)]
fn spelunk_bounded(args: &[&str]) -> Output {
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_spelunk"))
        .args(args)
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let start = std::time::Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > std::time::Duration::from_secs(60) {
            let _ = child.kill();
            panic!("{args:?} did not end within 60 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

#[cfg(unix)]
fn fresh_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("spelunk-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Two `x -> .` links in a folder hung `-l`, `-e`, `-m`, `lint` and `test`.
#[cfg(unix)]
#[test]
fn link_loops_in_folders_end() {
    use std::os::unix::fs::symlink;
    let dir = fresh_dir("loops");
    for sub in ["lookups", "events", "macros", "detections"] {
        let d = dir.join(sub);
        std::fs::create_dir_all(&d).expect("dir");
        symlink(".", d.join("a")).expect("link");
        symlink(".", d.join("b")).expect("link");
    }
    std::fs::write(dir.join("lookups/users.csv"), "uid,name\nu1,Alice\n").expect("write");
    std::fs::write(dir.join("events/e.json"), "{\"uid\":\"u1\"}\n").expect("write");
    std::fs::write(dir.join("macros/macros.conf"), "[m]\ndefinition = uid=u1\n").expect("write");
    std::fs::write(dir.join("detections/d.spl"), "`m` | stats count\n").expect("write");
    let p = |sub: &str| dir.join(sub).to_str().expect("utf-8").to_string();
    let (lookups, events, macros, detections) =
        (p("lookups"), p("events"), p("macros"), p("detections"));
    let out = spelunk_bounded(&[
        "run",
        "-l",
        &lookups,
        "-e",
        &events,
        "-m",
        &macros,
        "-o",
        "csv",
        "`m` | lookup users.csv uid OUTPUT name | table uid name",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "uid,name\nu1,Alice\n");
    let out = spelunk_bounded(&["lint", "-m", &macros, &detections]);
    assert!(out.status.code().is_some(), "{}", text(&out.stderr));
    let out = spelunk_bounded(&["test", &detections]);
    assert!(out.status.code().is_some(), "{}", text(&out.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A lookup linked to a file outside its folder is refused (it read
/// /etc/passwd as a table); outputlookup refuses links and input lookups
/// and leaves no temporary file behind.
#[cfg(unix)]
#[test]
fn links_out_of_folders_and_unsafe_outputlookup_targets_are_refused() {
    use std::os::unix::fs::symlink;
    let dir = fresh_dir("links");
    let lookups = dir.join("lookups");
    let outside = dir.join("outside");
    std::fs::create_dir_all(&lookups).expect("dir");
    std::fs::create_dir_all(&outside).expect("dir");
    std::fs::write(outside.join("secret.csv"), "uid,name\nu1,secret\n").expect("write");
    symlink(outside.join("secret.csv"), lookups.join("users.csv")).expect("link");
    let l = lookups.to_str().expect("utf-8");
    let out = spelunk_bounded(&["run", "-l", l, "-o", "csv", "| inputlookup users.csv"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(
        stderr.contains("users.csv") && stderr.contains("outside the folder"),
        "{stderr}"
    );

    std::fs::remove_file(lookups.join("users.csv")).expect("rm");
    std::fs::write(lookups.join("users.csv"), "uid,name\nu1,Alice\n").expect("write");
    // The output folder is also the lookups folder: an input is refused.
    let out = spelunk_bounded(&[
        "run",
        "-l",
        l,
        "--output-lookups",
        l,
        "-o",
        "csv",
        "| makeresults | eval uid=\"u9\" | outputlookup users.csv",
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("input lookup"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(lookups.join("users.csv")).expect("read"),
        "uid,name\nu1,Alice\n"
    );
    // A link in the output folder is not written through.
    let out_dir = dir.join("out");
    std::fs::create_dir_all(&out_dir).expect("dir");
    symlink(outside.join("secret.csv"), out_dir.join("t.csv")).expect("link");
    let od = out_dir.to_str().expect("utf-8");
    let out = spelunk_bounded(&[
        "run",
        "--output-lookups",
        od,
        "-o",
        "csv",
        "| makeresults | eval uid=\"u9\" | outputlookup t.csv",
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("symbolic link"), "{stderr}");
    assert!(std::fs::read_to_string(outside.join("secret.csv"))
        .expect("read")
        .contains("secret"));
    // A plain write works, atomically: only the table is left.
    let out = spelunk_bounded(&[
        "run",
        "--output-lookups",
        od,
        "-o",
        "csv",
        "| makeresults | eval uid=\"u9\" | table uid | outputlookup new.csv",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(out_dir.join("new.csv")).expect("read"),
        "uid\nu9\n"
    );
    let mut names: Vec<String> = std::fs::read_dir(&out_dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["new.csv", "t.csv"]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// No `-e` for a search that reads events warns (it gave `[]`, exit 0
/// and nothing else); a generating search needs none. A `-l` or `-m`
/// path that adds nothing is a warning naming it.
#[cfg(unix)]
#[test]
fn missing_events_and_unused_knowledge_paths_warn() {
    let out = spelunk(&["run", "-o", "csv", "user=bob | stats count"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("warning: no events given (-e PATH)"));
    let out = spelunk(&["run", "-o", "csv", "| makeresults | eval a=1 | table a"]);
    assert!(!text(&out.stderr).contains("no events given"));

    let dir = fresh_dir("unused");
    let notes = dir.join("notes.txt");
    std::fs::write(&notes, "hello\n").expect("write");
    std::fs::create_dir_all(dir.join("empty")).expect("dir");
    let notes = notes.to_str().expect("utf-8");
    let empty = dir.join("empty");
    let empty = empty.to_str().expect("utf-8");
    let out = spelunk(&[
        "run",
        "-l",
        notes,
        "-m",
        empty,
        "-o",
        "csv",
        "| makeresults | eval a=1 | table a",
    ]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("warning: {notes}: not used as a lookup")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("warning: {empty}: defines no macro")),
        "{stderr}"
    );
    // -m with a file that is not a macro file stays an error naming it.
    let out = spelunk(&["run", "-m", notes, "| makeresults"]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains(notes));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A data model file that is not valid JSON is an input error (exit 5)
/// naming the file and line; an unknown model is a search error (exit 3).
#[test]
fn data_model_errors_name_the_file_or_the_model() {
    let dir = std::env::temp_dir().join(format!("spelunk-cli-dm-{}", std::process::id()));
    let models = dir.join("app/default/data/models");
    std::fs::create_dir_all(&models).expect("temp dir");
    std::fs::write(
        models.join("Bad.json"),
        "{\n  \"modelName\": \"Bad\",\n  \"objects\": [\n}\n",
    )
    .expect("write");
    let app = dir.join("app");
    let app = app.to_str().expect("utf-8 path");
    let out = spelunk(&["run", "| tstats count from datamodel=Bad", "--app", app]);
    assert_eq!(out.status.code(), Some(5));
    let err = text(&out.stderr);
    assert!(err.contains("Bad.json:4:"), "{err}");
    assert!(err.contains("not a Splunk data model JSON"), "{err}");
    let out = spelunk(&["run", "| tstats count from datamodel=Nope.X by Nope.y"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains("unknown data model `Nope`"),
        "{}",
        text(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A data model file that is a link out of its app is refused, as the
/// app's `.conf` files are (model files were read through links).
#[cfg(unix)]
#[test]
fn a_data_model_linked_out_of_its_app_is_refused() {
    use std::os::unix::fs::symlink;
    let dir = fresh_dir("dm-link");
    let models = dir.join("app/default/data/models");
    let outside = dir.join("outside");
    std::fs::create_dir_all(&models).expect("dir");
    std::fs::create_dir_all(&outside).expect("dir");
    std::fs::write(
        outside.join("M.json"),
        "{\"modelName\": \"M\", \"objects\": []}\n",
    )
    .expect("write");
    symlink(outside.join("M.json"), models.join("M.json")).expect("link");
    let app = dir.join("app");
    let app = app.to_str().expect("utf-8");
    let out = spelunk_bounded(&["run", "--app", app, "| makeresults"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(
        stderr.contains("M.json") && stderr.contains("outside the folder"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// CI habits: `--fail-on-empty` turns "no rows" into exit 1, `-q` silences
/// warnings, malformed-line reports stop after the first 20, and a file
/// with no readable event at all is an input error (exit 5), not an empty
/// table.
#[test]
fn run_ci_safety_flags_and_capped_reports() {
    let dir = fresh_dir("ci-safety");
    let mixed = dir.join("mixed.json");
    let mut body = String::from("{\"x\":1,\"_time\":1}\n");
    for i in 0..30 {
        body.push_str(&format!("{{bad {i}\n"));
    }
    std::fs::write(&mixed, body).expect("write");
    let mixed = mixed.display().to_string();

    let out = spelunk(&["run", "x=1", "-e", &mixed, "-o", "csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert_eq!(
        stderr.matches(": key must be a string").count(),
        20,
        "{stderr}"
    );
    assert!(stderr.contains("... and 10 more malformed event(s) not shown"));
    assert!(stderr.contains("30 malformed event(s) skipped, 1 event(s) read"));

    let out = spelunk(&[
        "-q",
        "run",
        "x=2",
        "-e",
        &mixed,
        "-o",
        "csv",
        "--fail-on-empty",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "", "no columns, no CSV header");
    assert_eq!(
        text(&out.stderr),
        "error: the search returned no rows (--fail-on-empty)\n"
    );
    let out = spelunk(&[
        "run",
        "x=1",
        "-q",
        "-e",
        &mixed,
        "-o",
        "csv",
        "--fail-on-empty",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stderr), "");

    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{\"x\":1\n{bad\n").expect("write");
    let out = spelunk(&["run", "x=1", "-e", &bad.display().to_string()]);
    assert_eq!(out.status.code(), Some(5));
    assert!(text(&out.stderr).contains("no readable event in the events given (2 malformed)"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `spelunk hunt`: a folder of detections over one events file, a line per
/// detection and a summary; `-o json` and `-o csv` carry the rows.
#[test]
fn hunt_runs_a_folder_of_detections_over_events() {
    let dir = fresh_dir("hunt");
    std::fs::write(
        dir.join("fires.spl"),
        "eventSource=iam.amazonaws.com | stats count by eventName",
    )
    .expect("write");
    std::fs::write(
        dir.join("quiet.yml"),
        "name: Never Fires\nsearch: eventName=NoSuchCall | table eventName\n",
    )
    .expect("write");
    std::fs::write(dir.join("notes.yml"), "description: not a detection\n").expect("write");
    let path = dir.display().to_string();
    let out = spelunk(&["hunt", &path, "-e", SAMPLE, "--jobs", "2"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    assert!(lines[1].starts_with("fired"), "{stdout}");
    assert!(
        lines[2].starts_with("quiet") && lines[2].contains("Never Fires"),
        "{stdout}"
    );
    assert_eq!(lines[3], "2 detection(s): 1 fired, 1 quiet, 0 error(s)");

    let out = spelunk(&["hunt", &path, "-e", SAMPLE, "-o", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let d = &json["detections"];
    assert_eq!(d[0]["status"], "fired");
    assert_eq!(d[0]["hits"], d[0]["rows"].as_array().map_or(0, |r| r.len()));
    assert_eq!(d[1]["name"], "Never Fires");
    assert_eq!(d[1]["rows"], serde_json::json!([]));

    let out = spelunk(&["hunt", &path, "-e", SAMPLE, "-o", "csv"]);
    assert!(text(&out.stdout).starts_with("detection,eventName,count\nfires,"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// An error inside a macro points at the call in the search and, as a second
/// label, at the words in the macros.conf definition (file:line:col), with
/// the chain of macros it came through.
#[test]
fn error_inside_a_conf_macro_labels_the_definition_line() {
    let out = spelunk(&[
        "run",
        "`calls_bad`",
        "-m",
        "tests/diagnostics/macros.conf",
        "-e",
        SAMPLE,
    ]);
    assert_eq!(out.status.code(), Some(3));
    let stderr = text(&out.stderr);
    for want in [
        "error: command `stast` is not supported yet (did you mean `stats`?)",
        "<search>:1:1",
        "tests/diagnostics/macros.conf:3:27",
        "definition = search x=1 | stast count",
        "in the definition of macro `bad_stats`",
        "in expansion of macro `calls_bad`",
    ] {
        assert!(stderr.contains(want), "missing {want:?} in:\n{stderr}");
    }
    // Not a terminal: no colour escapes.
    assert!(!stderr.contains('\u{1b}'), "{stderr}");
}

#[test]
fn error_inside_a_yaml_macro_labels_the_definition_line() {
    let out = spelunk(&[
        "run",
        "x=1 | `yaml_bad_stats`",
        "-m",
        "tests/diagnostics/yaml_bad_stats.yml",
        "-e",
        SAMPLE,
    ]);
    assert_eq!(out.status.code(), Some(3));
    let stderr = text(&out.stderr);
    for want in [
        "<search>:1:7",
        "tests/diagnostics/yaml_bad_stats.yml:2:26",
        "in the definition of macro `yaml_bad_stats`",
    ] {
        assert!(stderr.contains(want), "missing {want:?} in:\n{stderr}");
    }
}

#[test]
fn undefined_macro_suggests_a_defined_one_and_how_to_load_macros() {
    let out = spelunk(&[
        "run",
        "`calls_bda`",
        "-m",
        "tests/diagnostics/macros.conf",
        "-e",
        SAMPLE,
    ]);
    let stderr = text(&out.stderr);
    assert!(stderr.contains("(did you mean `calls_bad`?)"), "{stderr}");
    assert!(stderr.contains("Help: give the file or folder"), "{stderr}");
}

/// `--color`, `NO_COLOR` (https://no-color.org: any non-empty value turns
/// colour off; a command-line flag overrides it) and `CLICOLOR_FORCE`
/// (colour into a pipe), on `spelunk test`'s report. Stdout is a pipe here,
/// so `auto` alone means no colour.
#[test]
fn color_flag_and_environment() {
    let failing = ["test", "tests/testing_fixtures", "--filter", "misspelt"];
    let colored = |args: &[&str], vars: &[(&str, &str)]| {
        let out = spelunk_env(args, vars);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        text(&out.stdout).contains("\x1b[31mFAIL\x1b[0m")
    };
    let with_flag = |when: &'static str| {
        let mut args = vec!["--color", when];
        args.extend(failing);
        args
    };
    assert!(!colored(&failing, &[]));
    assert!(colored(&with_flag("always"), &[]));
    // A global flag: after the subcommand too.
    let mut after = failing.to_vec();
    after.extend(["--color", "always"]);
    assert!(colored(&after, &[]));
    assert!(colored(&failing, &[("CLICOLOR_FORCE", "1")]));
    assert!(!colored(&failing, &[("CLICOLOR_FORCE", "0")]));
    assert!(!colored(
        &failing,
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]
    ));
    assert!(colored(
        &failing,
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "")]
    ));
    assert!(colored(&with_flag("always"), &[("NO_COLOR", "1")]));
    assert!(!colored(&with_flag("never"), &[("CLICOLOR_FORCE", "1")]));
    let bad = spelunk(&with_flag("sometimes"));
    assert_eq!(bad.status.code(), Some(2));
}

/// Runs the binary under `script`, so its stdout is a terminal; `None`
/// (the test then skips, saying so) when util-linux `script` is absent.
fn spelunk_on_a_terminal(args: &[&str], columns: &str) -> Option<String> {
    let quoted: Vec<String> = std::iter::once(env!("CARGO_BIN_EXE_spelunk"))
        .chain(args.iter().copied())
        .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
        .collect();
    let out = Command::new("script")
        .args(["-qec", &quoted.join(" "), "/dev/null"])
        .current_dir(root())
        .env("COLUMNS", columns)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .stdin(std::process::Stdio::null())
        .output();
    match out {
        Ok(out) if out.status.success() => Some(text(&out.stdout).replace("\r\n", "\n")),
        _ => {
            eprintln!("skipped: util-linux `script` is not available to give a terminal");
            None
        }
    }
}

/// A table on a terminal fits its width (`COLUMNS`), cutting cells with
/// `…`; a pipe gets every character unless `--width` asks; `--no-truncate`
/// keeps a terminal's table whole.
#[test]
fn table_fits_the_terminal_but_not_a_pipe() {
    let args = [
        "-q",
        "run",
        "-f",
        SEED,
        "-e",
        SAMPLE,
        "--sourcetype",
        "aws:cloudtrail",
        "-o",
        "table",
    ];
    let longest = |s: &str| s.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    let piped = spelunk_env(&args, &[("COLUMNS", "40")]);
    let whole = text(&piped.stdout);
    assert!(longest(&whole) > 100, "{whole}");
    assert!(!whole.contains('…'), "{whole}");
    let mut narrow = args.to_vec();
    narrow.extend(["--width", "60"]);
    let fitted = text(&spelunk(&narrow).stdout);
    assert!(longest(&fitted) <= 60, "{fitted}");
    assert!(fitted.contains("arn:aw…"), "{fitted}");
    assert_eq!(fitted.lines().count(), whole.lines().count());
    let mut both = narrow.clone();
    both.push("--no-truncate");
    assert_eq!(spelunk(&both).status.code(), Some(2));
    if let Some(shown) = spelunk_on_a_terminal(&args, "50") {
        assert!(longest(&shown) <= 50, "{shown}");
        assert!(shown.contains('…'), "{shown}");
        let mut whole_args = args.to_vec();
        whole_args.push("--no-truncate");
        let shown = spelunk_on_a_terminal(&whole_args, "50").unwrap_or_default();
        assert_eq!(shown, whole);
    }
}

/// A search whose result has columns but no rows prints its header, as
/// Splunk's table and CSV export keep the fields of an empty result.
#[test]
fn empty_results_keep_their_header() {
    let search = "`cloudtrail` user=nobody | table user eventName";
    let base = ["run", "-e", SAMPLE, "--sourcetype", "aws:cloudtrail", "-o"];
    let table = spelunk(&[&base[..], &["table", search]].concat());
    assert!(table.status.success(), "{}", text(&table.stderr));
    assert_eq!(text(&table.stdout), "user  eventName\n----  ---------\n");
    let csv = spelunk(&[&base[..], &["csv", search]].concat());
    assert_eq!(text(&csv.stdout), "user,eventName\n");
}

/// Completion scripts for every shell clap_complete knows, and the man
/// page, name the subcommands.
#[test]
fn completions_and_man_page_name_the_subcommands() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = spelunk(&["completions", shell]);
        assert!(out.status.success(), "{shell}: {}", text(&out.stderr));
        let script = text(&out.stdout);
        for sub in ["run", "hunt", "test", "lint", "expand"] {
            assert!(script.contains(sub), "{shell} lacks {sub}");
        }
        // fish spells a long flag `-l color`.
        assert!(script.contains("color"), "{shell} lacks --color");
    }
    assert_eq!(spelunk(&["completions", "tcsh"]).status.code(), Some(2));
    let man = spelunk(&["man"]);
    assert!(man.status.success(), "{}", text(&man.stderr));
    let page = text(&man.stdout);
    assert!(page.starts_with(".ie \\n(.g .ds Aq"), "{page}");
    assert!(page.contains(".TH spelunk 1"), "{page}");
    for sub in ["spelunk\\-run", "spelunk\\-hunt", "spelunk\\-test"] {
        assert!(page.contains(sub), "man lacks {sub}");
    }
}

/// `hunt --timeline`: every fired row, oldest first, with its detection;
/// a row without `_time` (a `stats` result) comes last; CSV keeps epoch
/// seconds, the table shows dates (`--time-format` applies), JSON keeps
/// the whole row.
#[test]
fn hunt_timeline_merges_fired_rows_in_time_order() {
    let dir = std::env::temp_dir().join(format!("spelunk-timeline-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("a.spl"), "user=alice | table _time user eventName").expect("write");
    std::fs::write(dir.join("b.spl"), "user=carol | stats count by user").expect("write");
    std::fs::write(dir.join("c.spl"), "user=nobody").expect("write");
    let path = dir.display().to_string();
    let base = [
        "hunt",
        &path,
        "-e",
        SAMPLE,
        "--sourcetype",
        "aws:cloudtrail",
        "--timeline",
    ];
    let csv = spelunk(&[&base[..], &["-o", "csv"]].concat());
    assert!(csv.status.success(), "{}", text(&csv.stderr));
    assert_eq!(
        text(&csv.stdout),
        "_time,detection,details\n\
         1709542875,a,user=alice eventName=DescribeInstances\n\
         1709543020,a,user=alice eventName=ListBuckets\n\
         1709543522,a,user=alice eventName=DescribeInstances\n\
         1709544047,a,user=alice eventName=StopInstances\n\
         ,b,user=carol count=2\n"
    );
    assert!(text(&csv.stderr).contains("3 detection(s): 2 fired, 1 quiet, 0 error(s)"));
    let table = spelunk(&base);
    let shown = text(&table.stdout);
    let lines: Vec<&str> = shown.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["_time", "detection", "details"]
    );
    assert!(lines[2].starts_with("2024-03-04 09:01:15  a "), "{shown}");
    assert!(lines[6].trim_start().starts_with("b "), "{shown}");
    let epoch = spelunk(&[&base[..], &["--time-format", "%s"]].concat());
    assert!(text(&epoch.stdout).contains("\n1709542875  a "));
    let json = spelunk(&[&base[..], &["-o", "json"]].concat());
    let rows: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(rows[0]["_time"], "1709542875");
    assert_eq!(rows[0]["detection"], "a");
    assert_eq!(rows[0]["row"]["eventName"], "DescribeInstances");
    assert!(rows[4].get("_time").is_none());
    assert_eq!(rows[4]["row"]["count"], "2");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The progress bar (`hunt`: detections done / total) is drawn on a
/// terminal's stderr only: never into a pipe, never with `-q`.
#[test]
fn progress_bar_only_on_a_terminal() {
    let dir = std::env::temp_dir().join(format!("spelunk-progress-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    for name in ["a", "b", "c"] {
        std::fs::write(dir.join(format!("{name}.spl")), "user=alice | stats count").expect("write");
    }
    let path = dir.display().to_string();
    let args = [
        "hunt",
        &path,
        "-e",
        SAMPLE,
        "--sourcetype",
        "aws:cloudtrail",
        "-o",
        "csv",
    ];
    let piped = spelunk(&args);
    assert!(piped.status.success(), "{}", text(&piped.stderr));
    assert!(
        !text(&piped.stderr).contains("/3 detections"),
        "{}",
        text(&piped.stderr)
    );
    if let Some(shown) = spelunk_on_a_terminal(&args, "80") {
        assert!(shown.contains("/3 detections"), "{shown}");
        let mut quiet = args.to_vec();
        quiet.push("-q");
        let shown = spelunk_on_a_terminal(&quiet, "80").unwrap_or_default();
        assert!(!shown.contains("detections ("), "{shown}");
        assert!(shown.starts_with("detection,count\n"), "{shown}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `partial=` and `fixedrange=` act on the search's time range, which an
/// offline run has not: said in a notice, not dropped silently.
#[test]
fn timechart_range_options_say_they_have_no_effect() {
    let dir = std::env::temp_dir().join(format!("spelunk-range-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let events = dir.join("e.json");
    std::fs::write(&events, "{\"_time\":1700000000,\"a\":1}\n").expect("write");
    let path = events.to_string_lossy().into_owned();
    let out = spelunk(&[
        "run",
        "a=* | timechart span=1h partial=false fixedrange=true count",
        "-e",
        &path,
        "-o",
        "csv",
    ]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "_time,count\n1699999200,1\n");
    let stderr = text(&out.stderr);
    for option in [
        "`partial=false` has no effect",
        "`fixedrange=true` has no effect",
    ] {
        assert!(stderr.contains(option), "{stderr}");
    }
}

/// A search over its memory budget stops with exit 6 and a message naming
/// the command, the limit and the flag that raises it (it used to abort
/// the process on memory).
#[test]
fn memory_budget_exceeded_exits_6_naming_the_command_and_limit() {
    // CSV needs every row before its header, so the rows are held.
    let out = spelunk(&[
        "run",
        "| makeresults count=100000000",
        "--max-memory",
        "10M",
        "-o",
        "csv",
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(6), "{stderr}");
    assert!(
        stderr.contains("makeresults: memory budget exceeded"),
        "{stderr}"
    );
    assert!(stderr.contains("more than 10M"), "{stderr}");
    assert!(stderr.contains("--max-memory"), "{stderr}");
    assert!(out.stdout.is_empty(), "no partial output");
}

/// JSON and NDJSON rows are written as they are produced, so the rows a
/// search returns are not held: 200,000 rows of `makeresults` go out under
/// a 10M budget that holding them would exceed (see the CSV run above).
#[test]
fn json_output_streams_rows_without_holding_them() {
    for format in ["ndjson", "json"] {
        let out = spelunk(&[
            "run",
            "| makeresults count=200000 | streamstats count as n | eval x=n*2",
            "--max-memory",
            "10M",
            "-o",
            format,
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert_eq!(stdout.matches("\"x\"").count(), 200_000, "{format}");
        assert!(stdout.contains("\"n\":\"200000\"") || stdout.contains("\"n\": \"200000\""));
    }
    let held = spelunk(&[
        "run",
        "| makeresults count=200000 | streamstats count as n | eval x=n*2",
        "--max-memory",
        "10M",
        "-o",
        "csv",
    ]);
    assert_eq!(held.status.code(), Some(6), "{}", text(&held.stderr));
}

/// An events file read whole (a JSON array, gzip, ...) is held to the
/// memory budget: a file larger than it is an error naming the file, not
/// an abort (`-e /dev/zero` read forever).
#[test]
fn a_file_read_whole_is_held_to_the_memory_budget() {
    let dir = std::env::temp_dir().join(format!("spelunk-whole-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("big.json");
    let items: Vec<String> = (0..40_000)
        .map(|i| format!("{{\"n\":{i},\"pad\":\"{}\"}}", "x".repeat(40)))
        .collect();
    std::fs::write(&path, format!("[{}]", items.join(","))).expect("write");
    let file = path.display().to_string();
    let out = spelunk(&["run", "* | stats count", "-e", &file, "--max-memory", "1M"]);
    let ok = spelunk(&["run", "* | stats count", "-e", &file, "-o", "csv"]);
    let _ = std::fs::remove_dir_all(&dir);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(6), "{stderr}");
    assert!(
        stderr.contains("big.json` whole: memory budget exceeded"),
        "{stderr}"
    );
    assert_eq!(text(&ok.stdout), "count\n40000\n", "{}", text(&ok.stderr));
}

/// Input in which no event ends (`/dev/zero` never does) is an error
/// naming the file, not a read that goes on until memory runs out.
#[cfg(unix)]
#[test]
fn an_event_without_end_is_an_error() {
    let out = spelunk(&["run", "*", "-e", "/dev/zero", "-o", "ndjson"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(
        stderr.contains("/dev/zero: no event ends within 64 MiB"),
        "{stderr}"
    );
}

/// `--max-memory` takes sizes such as 512M or 2G; anything else (or 0) is
/// a usage error naming the flag.
#[test]
fn max_memory_takes_a_size() {
    for bad in ["0", "5Q", "1.5G", ""] {
        let out = spelunk(&["run", "| makeresults", "--max-memory", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(text(&out.stderr).contains("--max-memory"), "{bad}");
    }
    let out = spelunk(&[
        "run",
        "| makeresults count=3 | stats count",
        "--max-memory",
        "1K",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

/// The budget covers the streaming path's parallel `stats` workers: a
/// high-cardinality `stats` over an NDJSON file read on several threads
/// stops with the budget error (exit 6) rather than falling back to
/// reading the whole file.
#[test]
fn memory_budget_bounds_parallel_stats_workers() {
    let dir = std::env::temp_dir().join(format!("spelunk-memory-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("users.json");
    let lines: String = (0..20_000)
        .map(|i| format!("{{\"timestamp\":\"2024-01-01T00:00:00Z\",\"user\":\"u{i}\"}}\n"))
        .collect();
    std::fs::write(&file, lines).expect("writes");
    let path = file.to_string_lossy().into_owned();
    let search = "search user=* | stats count by user";
    let over = spelunk(&[
        "run",
        search,
        "-e",
        &path,
        "--threads",
        "2",
        "--max-memory",
        "256K",
        "-o",
        "json",
    ]);
    let stderr = text(&over.stderr);
    assert_eq!(over.status.code(), Some(6), "{stderr}");
    assert!(stderr.contains("stats: memory budget exceeded"), "{stderr}");
    let fits = spelunk(&["run", search, "-e", &path, "--threads", "2", "-o", "json"]);
    assert_eq!(fits.status.code(), Some(0), "{}", text(&fits.stderr));
    let rows: serde_json::Value = serde_json::from_slice(&fits.stdout).expect("json");
    assert_eq!(rows.as_array().map(Vec::len), Some(20_000));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `hunt` and `test` take the budget too: a detection over it is an error
/// for that detection, naming the command.
#[test]
fn hunt_takes_max_memory() {
    let dir = std::env::temp_dir().join(format!("spelunk-hunt-memory-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let spl = dir.join("sorted.spl");
    std::fs::write(&spl, "* | sort 0 eventName\n").expect("writes");
    let spl = spl.to_string_lossy().into_owned();
    // Above the 24 KB file (read whole, and held to the budget too), below
    // what `sort` holds of its rows.
    let out = spelunk(&["hunt", &spl, "-e", SAMPLE, "--max-memory", "64K"]);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("sort: memory budget exceeded"), "{stdout}");
    assert!(stdout.contains("1 error(s)"), "{stdout}");
    let out = spelunk(&["hunt", &spl, "-e", SAMPLE]);
    assert!(
        text(&out.stdout).contains("1 fired"),
        "{}",
        text(&out.stdout)
    );
    let data = root().join(SAMPLE);
    std::fs::write(
        dir.join("sorted.test.yml"),
        format!(
            "search: '* | sort 0 eventName'\ntests:\n- name: sorted\n  datasets:\n  - path: {}\n  expect:\n    count: 25\n",
            data.display()
        ),
    )
    .expect("writes");
    let test_file = dir.join("sorted.test.yml").to_string_lossy().into_owned();
    let over = spelunk(&["test", &test_file, "--max-memory", "64K"]);
    let stdout = text(&over.stdout);
    assert_eq!(over.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("sort: memory budget exceeded"), "{stdout}");
    let fits = spelunk(&["test", &test_file]);
    assert_eq!(fits.status.code(), Some(0), "{}", text(&fits.stdout));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `fieldformat` changes the table (spelunk's display) and no export: the
/// fieldformat page's `"$".tostring(totalSales,"commas")` example.
#[test]
fn fieldformat_shows_in_the_table_only() {
    let events = "tests/cases/fieldformat_export_keeps_value/events.json";
    let search = r#"bytes=* | stats sum(bytes) AS totalSales | fieldformat totalSales="$".tostring(totalSales,"commas")"#;
    let table = spelunk(&["run", "-e", events, "-o", "table", search]);
    assert!(table.status.success(), "{}", text(&table.stderr));
    assert!(
        text(&table.stdout).contains("$1,234,567"),
        "{}",
        text(&table.stdout)
    );
    for format in ["json", "csv", "ndjson"] {
        let out = spelunk(&["run", "-e", events, "-o", format, search]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert!(
            stdout.contains("1234567") && !stdout.contains("1,234,567"),
            "{format}: {stdout}"
        );
    }
}

/// The seed under `--engine datafusion` gives the interpreter's JSON, and
/// `--explain` says which commands ran on DataFusion.
#[cfg(feature = "datafusion")]
#[test]
fn engine_datafusion_runs_the_seed_with_the_interpreters_rows() {
    let common = [
        "run",
        "-f",
        SEED,
        "-e",
        SAMPLE,
        "--sourcetype",
        "aws:cloudtrail",
        "-o",
        "json",
    ];
    let interpreted = spelunk(&common);
    let mut args = common.to_vec();
    args.extend(["--engine", "datafusion", "--explain"]);
    let compiled = spelunk(&args);
    assert!(compiled.status.success(), "{}", text(&compiled.stderr));
    assert_eq!(text(&compiled.stdout), text(&interpreted.stdout));
    assert!(!text(&compiled.stdout)
        .trim()
        .trim_matches(['[', ']'])
        .is_empty());
    let explain = text(&compiled.stderr);
    assert!(
        explain.contains("on DataFusion:      1 search"),
        "{explain}"
    );
    assert!(explain.contains("SpelunkEventsScan"), "{explain}");
}

/// Without the feature, `--engine datafusion` says how to build it.
#[cfg(not(feature = "datafusion"))]
#[test]
fn engine_datafusion_without_the_feature_says_how_to_build_it() {
    let out = spelunk(&["run", "-f", SEED, "-e", SAMPLE, "--engine", "datafusion"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("--features datafusion"),
        "{}",
        text(&out.stderr)
    );
}

/// eval over two Parquet files: DataFusion gives the interpreter's rows
/// over the two event files. (Each file's scan is `?table?` to DataFusion;
/// unqualified, its optimizer found the union's columns ambiguous.)
#[cfg(feature = "datafusion")]
#[test]
fn engine_datafusion_evals_over_two_parquet_files() {
    let parquet = sample_parquet("datafusion-two-files");
    let copy = parquet.with_file_name("copy.parquet");
    std::fs::copy(&parquet, &copy).expect("a second Parquet file");
    let search = "`cloudtrail` | eval n=len(eventName), region=lower(awsRegion) \
                  | where n > 10 | stats count min(n) as shortest by region";
    let interpreted = spelunk(&[
        "run",
        search,
        "-e",
        SAMPLE,
        "-e",
        SAMPLE,
        "--sourcetype",
        "aws:cloudtrail",
        "-o",
        "json",
    ]);
    assert!(
        interpreted.status.success(),
        "{}",
        text(&interpreted.stderr)
    );
    let (one, two) = (
        parquet.to_str().expect("a UTF-8 path"),
        copy.to_str().expect("a UTF-8 path"),
    );
    let compiled = spelunk(&[
        "run",
        search,
        "-e",
        one,
        "-e",
        two,
        "--engine",
        "datafusion",
        "-o",
        "json",
    ]);
    assert!(compiled.status.success(), "{}", text(&compiled.stderr));
    assert_eq!(text(&compiled.stdout), text(&interpreted.stdout));
    assert!(text(&compiled.stdout).contains("shortest"));
    let _ = std::fs::remove_dir_all(parquet.parent().expect("a scratch folder"));
}

/// The sample as a Parquet file `spelunk parquet` wrote, in a scratch
/// folder named for `test`.
#[cfg(feature = "datafusion")]
fn sample_parquet(test: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("spelunk-cli-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    let file = dir.join("sample.parquet");
    let path = file.to_str().expect("a UTF-8 temporary path");
    let out = spelunk(&[
        "parquet",
        "-e",
        SAMPLE,
        "--sourcetype",
        "aws:cloudtrail",
        "-o",
        path,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    file
}

/// The seed under `--engine ballista --scheduler local` (a scheduler and
/// two executors in the process) gives the interpreter's JSON.
#[cfg(feature = "ballista")]
#[test]
fn engine_ballista_on_a_local_cluster_gives_the_interpreters_rows() {
    let parquet = sample_parquet("ballista-local");
    let interpreted = spelunk(&[
        "run",
        "-f",
        SEED,
        "-e",
        SAMPLE,
        "--sourcetype",
        "aws:cloudtrail",
        "-o",
        "json",
    ]);
    let path = parquet.to_str().expect("UTF-8");
    let distributed = spelunk(&[
        "run",
        "-f",
        SEED,
        "-e",
        path,
        "-o",
        "json",
        "--engine",
        "ballista",
        "--scheduler",
        "local",
        "--explain",
    ]);
    assert!(
        distributed.status.success(),
        "{}",
        text(&distributed.stderr)
    );
    assert_eq!(text(&distributed.stdout), text(&interpreted.stdout));
    assert!(
        text(&distributed.stderr).contains("DistributedQueryExec"),
        "{}",
        text(&distributed.stderr)
    );
    assert!(
        text(&distributed.stderr).contains("engine: ballista (scheduler df://"),
        "{}",
        text(&distributed.stderr)
    );
    let _ = std::fs::remove_dir_all(parquet.parent().expect("a folder"));
}

/// A process stopped when dropped.
#[cfg(feature = "ballista")]
struct Served(std::process::Child);

#[cfg(feature = "ballista")]
impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[cfg(feature = "ballista")]
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// `spelunk ballista scheduler` and two `spelunk ballista executor`
/// processes: `--engine ballista --scheduler HOST:PORT` gets the
/// interpreter's rows from them, each rebuilding the search from its text.
#[cfg(feature = "ballista")]
#[test]
fn engine_ballista_on_spelunk_servers_gives_the_interpreters_rows() {
    let serve = |args: &[String]| {
        Served(
            Command::new(env!("CARGO_BIN_EXE_spelunk"))
                .args(args)
                .current_dir(root())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("the server starts"),
        )
    };
    let scheduler = format!("127.0.0.1:{}", free_port());
    let _scheduler = serve(&[
        "ballista".into(),
        "scheduler".into(),
        "--bind".into(),
        scheduler.clone(),
    ]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::net::TcpStream::connect(&scheduler).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "the scheduler did not listen"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _executors: Vec<Served> = (0..2)
        .map(|_| {
            serve(&[
                "ballista".into(),
                "executor".into(),
                "--scheduler".into(),
                scheduler.clone(),
                "--bind".into(),
                format!("127.0.0.1:{}", free_port()),
                "--slots".into(),
                "1".into(),
            ])
        })
        .collect();
    let parquet = sample_parquet("ballista-servers");
    let path = parquet.to_str().expect("UTF-8");
    let searches = [
        vec!["-f", SEED],
        vec!["`cloudtrail` eventName=Describe* | stats count dc(eventName) as names by user"],
    ];
    for search in &searches {
        let mut interpreted = vec!["run", "-e", SAMPLE, "--sourcetype", "aws:cloudtrail"];
        interpreted.extend(["-o", "json"]);
        interpreted.extend(search.iter().copied());
        let interpreted = spelunk(&interpreted);
        let mut distributed = vec!["run", "-e", path, "-o", "json", "--engine", "ballista"];
        distributed.extend(["--scheduler", scheduler.as_str()]);
        distributed.extend(search.iter().copied());
        let distributed = spelunk(&distributed);
        assert!(
            distributed.status.success(),
            "{search:?}: {}",
            text(&distributed.stderr)
        );
        assert_eq!(
            text(&distributed.stdout),
            text(&interpreted.stdout),
            "{search:?}"
        );
    }
    let _ = std::fs::remove_dir_all(parquet.parent().expect("a folder"));
}

/// Without the feature, `--engine ballista` names the feature to build.
#[cfg(not(feature = "ballista"))]
#[test]
fn engine_ballista_without_the_feature_says_how_to_build_it() {
    let out = spelunk(&["run", "-f", SEED, "-e", SAMPLE, "--engine", "ballista"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("--features ballista"),
        "{}",
        text(&out.stderr)
    );
}
