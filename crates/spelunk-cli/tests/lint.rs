//! `spelunk lint` cases: each folder under `tests/lint/` holds a
//! `detection.spl` and the exact report in `expected.txt`; lint exits 0 only
//! for a clean detection.

use std::process::Command;

/// The workspace root: the tests name files under its tests/ and examples/.
fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn lint(args: &[&str]) -> (String, Option<i32>) {
    let out = Command::new(env!("CARGO_BIN_EXE_spelunk"))
        .arg("lint")
        .args(args)
        .current_dir(root())
        .output()
        .expect("the binary runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        out.status.code(),
    )
}

#[test]
fn every_lint_case_gives_its_report() {
    let root = root().join("tests/lint");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .expect("tests/lint exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 6);
    for dir in dirs {
        let name = dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let spl = format!("tests/lint/{name}/detection.spl");
        let (stdout, code) = lint(&[&spl]);
        let expected = std::fs::read_to_string(dir.join("expected.txt")).expect("expected.txt");
        assert_eq!(stdout, expected, "case {name}");
        let clean = name == "clean";
        assert_eq!(
            code,
            Some(if clean { 0 } else { 1 }),
            "exit code of case {name}"
        );
    }
}

#[test]
fn json_report_has_summary_and_problems() {
    let (stdout, code) = lint(&[
        "-o",
        "json",
        "tests/lint/undefined_macro/detection.spl",
        "tests/lint/clean/detection.spl",
    ]);
    assert_eq!(code, Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("valid JSON");
    assert_eq!(v["summary"]["detections"], 2);
    assert_eq!(v["summary"]["clean"], 1);
    assert_eq!(v["summary"]["by_kind"]["undefined-macro"], 1);
    let problems = &v["detections"][1]["problems"];
    assert_eq!(problems[0]["kind"], "undefined-macro");
    assert_eq!(problems[0]["line"], 2);
    assert_eq!(problems[0]["column"], 3);
}

/// "Why nothing?": a field the detection needs that its data source's
/// example event does not carry and no loaded knowledge writes is a notice
/// placed where it is written (not a problem: the detection lints clean);
/// an event type or tag no loaded knowledge defines is a problem until an
/// app defining it is given.
#[test]
fn why_nothing_notes_fields_not_in_example_and_reports_undefined_knowledge() {
    let file = "tests/lint_fixtures/why_nothing/detections/acme_failed_logins.yml";
    let (stdout, code) = lint(&[file]);
    assert_eq!(code, Some(0), "{stdout}");
    let lines: Vec<&str> = stdout.lines().take_while(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(lines[0]
        .contains(":2:35: notice: field-not-in-example: field `result` (a term of the search)"));
    assert!(
        lines[1].contains("notice: field-not-in-example: field `dest` (a `stats ... by` field)")
    );
    assert!(stdout.contains("1 detection(s): 1 ok"), "{stdout}");
    let (json, _) = lint(&["-o", "json", file]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    assert_eq!(v["summary"]["notices"], 2);
    assert_eq!(v["summary"]["notices_by_kind"]["field-not-in-example"], 2);
    let d = &v["detections"][0];
    assert_eq!(d["problems"].as_array().map(Vec::len), Some(0));
    assert_eq!(d["notices"][0]["kind"], "field-not-in-example");
    assert_eq!(d["notices"][0]["line"], 2);
    let spl = "tests/lint/undefined_eventtype_and_tag/detection.spl";
    let (stdout, code) = lint(&[spl]);
    assert_eq!(code, Some(1), "{stdout}");
    let (stdout, code) = lint(&["--app", "tests/lint_fixtures/why_nothing/app", spl]);
    assert_eq!(code, Some(0), "{stdout}");
}

/// A data source whose example event is free text (no field of its own from
/// automatic extraction), or empty, says nothing about the fields: no notice.
#[test]
fn free_text_or_empty_example_gives_no_field_notice() {
    for file in [
        "tests/lint_fixtures/why_nothing/detections/acme_syslog_denied.yml",
        "tests/lint_fixtures/why_nothing/detections/acme_empty_example.yml",
    ] {
        let (stdout, code) = lint(&[file]);
        assert_eq!(code, Some(0), "{stdout}");
        assert!(!stdout.contains("notice"), "{file}: {stdout}");
    }
}

/// A field a tstats over a data model names that its dataset lacks (here a
/// misspelt `Processes.proces_path`) is null on every event: a notice, not
/// a problem, naming the field and the dataset, at the field (line 2,
/// column 60); the dataset's own fields give none.
#[test]
fn tstats_field_not_in_its_dataset_is_a_notice() {
    let file = "tests/lint_fixtures/tstats_unknown_field/detection.spl";
    let (stdout, code) = lint(&[file]);
    assert_eq!(code, Some(0), "{stdout}");
    let notices: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("notice: field-not-in-dataset"))
        .collect();
    assert_eq!(notices.len(), 1, "{stdout}");
    assert!(
        notices[0].contains(
            ":2:60: notice: field-not-in-dataset: field `Processes.proces_path` is not a field of data model dataset `Endpoint.Processes`"
        ),
        "{stdout}"
    );
}

/// A tstats detection none of whose data sources' example events is in the
/// dataset it reads returns nothing over such events: a notice at its
/// `datamodel=`, gone once an app tags the example's events for the
/// dataset.
#[test]
fn tstats_example_not_in_dataset_is_a_notice_until_knowledge_selects_it() {
    let file = "tests/lint_fixtures/why_nothing/detections/acme_logins_tstats.yml";
    let (stdout, code) = lint(&[file]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.contains(":2:30: notice: example-not-in-dataset: the example event of Acme Login (sourcetype _json) is not in data model dataset `Authentication.Authentication`"),
        "{stdout}"
    );
    let (stdout, code) = lint(&["--app", "tests/lint_fixtures/why_nothing/auth_app", file]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(!stdout.contains("example-not-in-dataset"), "{stdout}");
}

/// `run -f` and `lint` place an error in a YAML detection at the same line
/// and column of the file, where it is written (the search is a folded
/// single-quoted scalar: its second line is the file's third).
#[test]
fn yaml_detection_errors_name_the_files_line_and_column() {
    let file = "tests/lint_fixtures/yaml_positions/unknown_function.yml";
    let (stdout, code) = lint(&[file]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("unknown_function.yml:3:30: "), "{stdout}");
    let out = Command::new(env!("CARGO_BIN_EXE_spelunk"))
        .current_dir(root())
        .args([
            "run",
            "--color",
            "never",
            "-f",
            file,
            "-e",
            "tests/data/windows/mixed_xml.log",
        ])
        .output()
        .expect("spelunk runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown_function.yml:3:30 ]"), "{stderr}");
    assert!(
        stderr.contains(" 3 │   by Processes.dest | eval x=lenn(Processes.dest)'"),
        "{stderr}"
    );
}
