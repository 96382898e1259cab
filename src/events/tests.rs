use std::io::Write;
use std::path::{Path, PathBuf};

use super::*;
use crate::knowledge::{Knowledge, Props};
use crate::lookup::LookupRegistry;

/// Knowledge made of one props.conf, and no lookups.
struct Setup {
    knowledge: Knowledge,
    lookups: LookupRegistry,
}

impl Setup {
    fn new(props: &Props) -> Setup {
        Setup {
            knowledge: Knowledge {
                props: props.clone(),
                ..Knowledge::default()
            },
            lookups: LookupRegistry::new(),
        }
    }

    fn opts(&self, strict: bool) -> ReadOptions<'_> {
        ReadOptions {
            knowledge: KnowledgeView::new(&self.knowledge, &self.lookups),
            tz: UTC,
            strict,
            max_bytes: u64::MAX,
        }
    }
}

const UTC: chrono_tz::Tz = chrono_tz::UTC;

/// Valid JSON lines from the repository's sample and case files (for tests
/// that compare readers over real-looking events).
pub(super) fn sample_lines() -> Vec<String> {
    let mut files = vec![PathBuf::from("examples/cloudtrail_sample.json")];
    for entry in std::fs::read_dir("tests/cases").expect("cases").flatten() {
        files.push(entry.path().join("events.json"));
    }
    let mut lines: Vec<String> = Vec::new();
    for path in files {
        if let Ok(text) = std::fs::read_to_string(&path) {
            lines.extend(
                text.lines()
                    .filter(|l| serde_json::from_str::<serde_json::Value>(l).is_ok())
                    .map(String::from),
            );
        }
    }
    lines
}

fn source(sourcetype: &str) -> EventSource {
    EventSource {
        path: None,
        sourcetype: sourcetype.to_string(),
        source: Some("test.json".into()),
        host: None,
        index: None,
    }
}

fn read(text: &str, props: &Props, strict: bool) -> Result<(Vec<Event>, ReadReport)> {
    let setup = Setup::new(props);
    let opts = setup.opts(strict);
    let mut events = Vec::new();
    let report = read_str(text, "test.json", &source("st"), &opts, &mut |e| {
        events.push(e)
    })?;
    Ok((events, report))
}

fn lenient(text: &str) -> (Vec<Event>, ReadReport) {
    read(text, &Props::new(), false).expect("lenient read")
}

fn text(event: &Event, name: &str) -> Option<String> {
    event.get(name).map(|v| v.to_text().into_owned())
}

fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("spelunk-events-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("temp file");
    path
}

#[test]
fn ndjson_lines_become_events_in_field_order() {
    let (events, report) =
        lenient("{\"b\":1,\"time\":\"2019-01-01T00:00:00Z\"}\n\n  \n{\"a\":{\"c\":true}}\n");
    assert_eq!(report.events, 2);
    assert_eq!(report.untimed, 1);
    let names: Vec<&str> = events[0].names().collect();
    assert_eq!(
        names,
        [
            "_raw",
            "_time",
            "sourcetype",
            "source",
            "host",
            "index",
            "linecount",
            "punct",
            "splunk_server",
            "date_second",
            "date_minute",
            "date_hour",
            "date_mday",
            "date_month",
            "date_year",
            "date_wday",
            "date_zone",
            "timestartpos",
            "timeendpos",
            "b",
            "time"
        ]
    );
    assert_eq!(
        text(&events[0], "_raw").as_deref(),
        Some("{\"b\":1,\"time\":\"2019-01-01T00:00:00Z\"}")
    );
    assert_eq!(events[0].time(), Some(1_546_300_800.0));
    assert_eq!(text(&events[0], "host").as_deref(), Some("spelunk"));
    assert_eq!(text(&events[0], "index").as_deref(), Some("main"));
    assert_eq!(text(&events[0], "source").as_deref(), Some("test.json"));
    assert_eq!(text(&events[0], "sourcetype").as_deref(), Some("st"));
    assert_eq!(text(&events[1], "a.c").as_deref(), Some("true"));
    // No timestamp of its own: the previous event's time, as Splunk does.
    assert_eq!(events[1].time(), Some(1_546_300_800.0));
}

#[test]
fn json_array_elements_are_events() {
    let (events, report) = lenient("[\n {\"z\":1,\"a\":2},\n {\"k\":\"v\"}\n]\n");
    assert_eq!(report.events, 2);
    assert_eq!(
        text(&events[0], "_raw").as_deref(),
        Some("{\"z\":1,\"a\":2}")
    );
    assert_eq!(text(&events[1], "k").as_deref(), Some("v"));
}

#[test]
fn a_pretty_printed_object_is_one_event() {
    let doc = "{\n  \"user\": \"bob\",\n  \"n\": {\"x\": [1, 2]}\n}\n";
    let (events, report) = lenient(doc);
    assert_eq!(report.events, 1);
    assert_eq!(text(&events[0], "_raw").as_deref(), Some(doc.trim()));
    assert_eq!(
        events[0].get("n.x{}"),
        Some(&Value::Multi(vec!["1".into(), "2".into()]))
    );
}

#[test]
fn cloudtrail_records_are_events() {
    let doc = r#"{"Records":[
        {"eventTime":"2019-01-01T00:00:00Z","eventName":"A","userIdentity":{"userName":"alice"}},
        {"eventTime":"2022-09-15 13:45:24","eventName":"B"},
        {"eventTime":"2025-02-19 16:32:39.000000000","eventName":"C"}
    ]}"#;
    let props = bundled_props();
    let (events, report) = read(doc, &props, true).expect("read");
    assert_eq!(report.events, 3);
    assert_eq!(report.untimed, 0);
    let times: Vec<Option<f64>> = events.iter().map(Event::time).collect();
    assert_eq!(
        times,
        [
            Some(1_546_300_800.0),
            Some(1_663_249_524.0),
            Some(1_739_982_759.0)
        ]
    );
    assert_eq!(
        text(&events[0], "_raw").as_deref(),
        Some(
            r#"{"eventTime":"2019-01-01T00:00:00Z","eventName":"A","userIdentity":{"userName":"alice"}}"#
        )
    );
}

fn bundled_props() -> Props {
    let mut props = Props::new();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/props/aws/default/props.conf");
    props
        .load_path(Path::new(path))
        .expect("bundled props.conf");
    // The tests read with sourcetype `st`; give it the CloudTrail settings.
    let bundled = std::fs::read_to_string(path).expect("bundled props.conf");
    props
        .load_str(&bundled.replace("[aws:cloudtrail]", "[st]"), "bundled")
        .expect("bundled props.conf as st");
    props
}

#[test]
fn an_object_without_records_array_is_one_event() {
    let (events, _) = lenient(r#"{"Records":"not a list","x":1}"#);
    assert_eq!(events.len(), 1);
    assert_eq!(text(&events[0], "Records").as_deref(), Some("not a list"));
}

#[test]
fn malformed_lines_are_counted_with_their_line_numbers() {
    let (events, report) = lenient("{\"a\":1}\n{broken\n\n{\"b\":2}\nnot json\n");
    assert_eq!(events.len(), 2);
    let lines: Vec<usize> = report.malformed.iter().map(|m| m.line).collect();
    assert_eq!(lines, [2, 5]);
    assert_eq!(report.malformed[0].file, "test.json");
    assert!(!report.malformed[0].reason.is_empty());
}

#[test]
fn strict_mode_fails_on_the_first_malformed_line() {
    let err = read("{\"a\":1}\n\n{oops\n", &Props::new(), true).unwrap_err();
    assert!(
        matches!(&err, Error::MalformedEvent { file, line: 3, .. } if file == "test.json"),
        "{err}"
    );
}

/// One bad element costs only itself: the others are events, and it is
/// malformed with its line and position (the whole file was lost).
#[test]
fn a_bad_array_element_keeps_the_good_ones() {
    let (events, report) = lenient(
        "[\n{\"a\":1},\n{\"b\": nope},\n{\"c\":\"x,]}\"}, [1, {\"d\":[2]}],\n{\"e\":3}\n]\n",
    );
    let raws: Vec<String> = events.iter().filter_map(|e| text(e, "_raw")).collect();
    assert_eq!(
        raws,
        [
            r#"{"a":1}"#,
            r#"{"c":"x,]}"}"#,
            r#"[1,{"d":[2]}]"#,
            r#"{"e":3}"#
        ]
    );
    assert_eq!(report.events, 4);
    assert_eq!(report.malformed.len(), 1);
    assert_eq!(report.malformed[0].line, 3);
    assert!(
        report.malformed[0].reason.starts_with("array element 2: "),
        "{}",
        report.malformed[0].reason
    );
    assert!(!report.malformed[0].reason.contains(" at line "));
}

#[test]
fn a_truncated_array_keeps_its_complete_elements() {
    let (events, report) = lenient("[\n{\"a\":1},\n{\"b\":\n");
    assert_eq!(events.len(), 1);
    assert_eq!(report.malformed.len(), 1);
    assert_eq!(report.malformed[0].line, 3);
    assert!(report.malformed[0].reason.starts_with("array element 2: "));
    // Under --strict the bad element is the error.
    let err = read("[{\"a\":1}, {oops}]", &Props::new(), true).unwrap_err();
    assert!(
        matches!(&err, Error::MalformedEvent { line: 1, message, .. } if message.starts_with("array element 2")),
        "{err}"
    );
}

#[test]
fn bom_and_crlf_are_accepted() {
    let (events, report) = lenient("\u{feff}{\"a\":\"x\"}\r\n{\"b\":\"y\"}\r\n");
    assert_eq!(report.events, 2);
    assert!(report.malformed.is_empty());
    assert_eq!(text(&events[0], "_raw").as_deref(), Some("{\"a\":\"x\"}"));
    assert_eq!(text(&events[1], "b").as_deref(), Some("y"));
}

#[test]
fn gzip_is_detected_by_magic_bytes() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(b"{\"a\":1}\n{\"a\":2}\n").expect("gzip");
    let bytes = gz.finish().expect("gzip");
    let path = temp_file("events.ndjson", &bytes);
    let props = Props::new();
    let setup = Setup::new(&props);
    let opts = setup.opts(true);
    let src = EventSource {
        path: Some(path.clone()),
        ..source("st")
    };
    let mut events = Vec::new();
    let report = read_source(&src, &opts, &mut |e| events.push(e)).expect("read gz");
    assert_eq!(report.events, 2);
    assert_eq!(text(&events[1], "a").as_deref(), Some("2"));
    // Broken gzip: an I/O error naming the file.
    let broken = temp_file("broken.gz", &bytes[..bytes.len() / 2]);
    let src = EventSource {
        path: Some(broken.clone()),
        ..source("st")
    };
    let err = read_source(&src, &opts, &mut |_| {}).unwrap_err();
    assert!(
        matches!(&err, Error::Io { path, .. } if path.contains("broken.gz")),
        "{err}"
    );
    let _ = std::fs::remove_file(path);
    let _ = std::fs::remove_file(broken);
}

#[test]
fn source_defaults_to_the_path_and_missing_files_are_io_errors() {
    let path = temp_file("plain.json", b"{\"a\":1}");
    let props = Props::new();
    let setup = Setup::new(&props);
    let opts = setup.opts(false);
    let src = EventSource {
        path: Some(path.clone()),
        sourcetype: "st".into(),
        source: None,
        host: Some("h1".into()),
        index: Some("aws".into()),
    };
    let mut events = Vec::new();
    read_source(&src, &opts, &mut |e| events.push(e)).expect("read");
    assert_eq!(text(&events[0], "source"), Some(path.display().to_string()));
    assert_eq!(text(&events[0], "host").as_deref(), Some("h1"));
    assert_eq!(text(&events[0], "index").as_deref(), Some("aws"));
    let _ = std::fs::remove_file(&path);
    let err = read_source(&src, &opts, &mut |_| {}).unwrap_err();
    assert!(matches!(&err, Error::Io { path: p, .. } if *p == path.display().to_string()));
}

#[test]
fn kv_mode_none_keeps_only_raw_time_and_metadata() {
    let mut props = Props::new();
    props
        .load_str("[st]\nKV_MODE = none\n", "p")
        .expect("props");
    let (events, _) =
        read("{\"a\":1,\"time\":\"2019-01-01T00:00:00Z\"}", &props, true).expect("read");
    let names: Vec<&str> = events[0].names().collect();
    assert_eq!(
        names,
        [
            "_raw",
            "_time",
            "sourcetype",
            "source",
            "host",
            "index",
            "linecount",
            "punct",
            "splunk_server",
            "date_second",
            "date_minute",
            "date_hour",
            "date_mday",
            "date_month",
            "date_year",
            "date_wday",
            "date_zone",
            "timestartpos",
            "timeendpos"
        ]
    );
}

#[test]
fn aliases_apply_after_flattening() {
    let props = bundled_props();
    let (events, _) = read(
        r#"{"eventTime":"2019-01-01T00:00:00Z","userIdentity":{"userName":"alice"},"sourceIPAddress":"1.2.3.4"}
{"eventTime":"2019-01-01T00:00:00Z","userIdentity":{"type":"AWSService"}}"#,
        &props,
        true,
    )
    .expect("read");
    assert_eq!(text(&events[0], "user").as_deref(), Some("alice"));
    assert_eq!(text(&events[0], "src").as_deref(), Some("1.2.3.4"));
    assert!(events[1].get("user").is_none());
    assert_eq!(text(&events[1], "user_type").as_deref(), Some("AWSService"));
}

#[test]
fn evals_in_props_apply_after_aliases() {
    let mut props = Props::new();
    props
        .load_str(
            "[st]\nFIELDALIAS-u = name AS user\nEVAL-action = upper(user) . \"-x\"\n",
            "props.conf",
        )
        .expect("props");
    let (events, _) = read("{\"name\": \"bob\"}", &props, false).expect("read");
    assert_eq!(text(&events[0], "action").as_deref(), Some("BOB-x"));
    props
        .load_str("[st]\nEVAL-action = nosuch(1)\n", "local.conf")
        .expect("props");
    let err = read("{}", &props, false).unwrap_err();
    assert!(
        err.to_string().contains("unknown eval function `nosuch`"),
        "{err}"
    );
}

#[test]
fn json_keys_do_not_replace_raw_time_or_metadata() {
    let (events, _) = lenient(r#"{"_raw":"fake","host":"other","_time":"1546300800","x":"1"}"#);
    assert_eq!(
        text(&events[0], "_raw").as_deref(),
        Some(r#"{"_raw":"fake","host":"other","_time":"1546300800","x":"1"}"#)
    );
    assert_eq!(text(&events[0], "host").as_deref(), Some("spelunk"));
    assert_eq!(events[0].time(), Some(1_546_300_800.0));
}

#[test]
fn odd_inputs_never_panic() {
    for input in [
        "",
        "\u{feff}",
        "[",
        "{",
        "]",
        "\"bare string\"",
        "42",
        "null",
        "[1, \"x\", null]",
        "{\"Records\":[1,null,{\"a\":1}]}",
        "{\"a\":1}{\"b\":2}",
    ] {
        let _ = lenient(input);
    }
    let (events, report) = lenient("\"bare\"\n");
    assert_eq!(report.events, 1);
    // Not a JSON object: read as a line of text, which always gets a time.
    assert_eq!(
        events[0].len(),
        9,
        "_raw, _time, metadata and default fields"
    );
}

#[test]
fn invalid_utf8_lines_are_malformed() {
    let props = Props::new();
    let setup = Setup::new(&props);
    let opts = setup.opts(false);
    let path = temp_file(
        "latin1.json",
        b"{\"a\":1}\n{\"b\":\"caf\xe9\"}\n{\"c\":3}\n",
    );
    let src = EventSource {
        path: Some(path.clone()),
        ..source("st")
    };
    let report = read_source(&src, &opts, &mut |_| {}).expect("read");
    assert_eq!(report.events, 2);
    assert_eq!(report.malformed.len(), 1);
    assert_eq!(report.malformed[0].line, 2);
    let _ = std::fs::remove_file(path);
}

#[test]
fn reads_the_panther_cloudtrail_corpus() {
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/corpus/events/panther/aws_cloudtrail.ndjson"
    ));
    if !path.exists() {
        return;
    }
    let mut props = Props::new();
    props
        .load_path(Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/props/aws/default/props.conf"
        )))
        .expect("bundled props.conf");
    let setup = Setup::new(&props);
    let opts = setup.opts(false);
    let src = EventSource {
        path: Some(path.to_path_buf()),
        sourcetype: "aws:cloudtrail".into(),
        source: None,
        host: None,
        index: None,
    };
    let mut with_user = 0;
    let report = read_source(&src, &opts, &mut |e| {
        with_user += usize::from(e.contains("user"));
    })
    .expect("read corpus");
    assert_eq!(report.events, 463);
    assert!(report.malformed.is_empty(), "{:?}", report.malformed);
    // 23 records have no eventTime and 2 hold placeholders ("...", "redacted").
    assert_eq!(report.untimed, 25, "untimed events in the corpus");
    assert!(with_user > 0);
}

#[test]
fn a_log_line_opening_with_a_bracket_is_text_not_json() {
    let is_json = |s: &str| matches!(super::content_of(s.as_bytes()), super::Content::Json);
    assert!(is_json("[{\"a\":1}]"));
    assert!(is_json("[\n  {\n    \"a\": 1\n  }\n]\n"));
    assert!(is_json("[1, 2, 3]\n"));
    assert!(is_json("  []"));
    assert!(is_json("{\"a\":1}\n{\"a\":2}\n"));
    assert!(!is_json(
        "[17/Jan/2024:10:00:00 +0000] user=admin op=login\n"
    ));
    assert!(!is_json("[2024-01-17 10:00:00] INFO started\n"));
}

/// A tar archive of `(member, content)` pairs.
fn tar_of(members: &[(&str, &str)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, content) in members {
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, name, content.as_bytes())
            .expect("appends");
    }
    builder.into_inner().expect("finishes")
}

#[test]
fn a_tar_archive_is_read_member_by_member_with_its_own_source_and_sourcetype() {
    let bytes = tar_of(&[
        ("a/events.json", "{\"n\":\"1\"}\n{\"n\":\"2\"}\n"),
        ("b/sec.log", "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><EventID>4624</EventID><Channel>Security</Channel></System></Event>\n"),
    ]);
    assert!(archive::is_tar(&bytes));
    let setup = Setup::new(&Props::default());
    let src = EventSource {
        path: None,
        sourcetype: String::new(),
        source: None,
        host: None,
        index: None,
    };
    let mut events = Vec::new();
    let report = archive::read_tar(&bytes, "x.tar", &src, &setup.opts(false), None, &mut |e| {
        events.push(e)
    })
    .expect("reads");
    assert_eq!(report.events, 3);
    let field = |e: &Event, f: &str| e.get(f).map(|v| v.to_text().into_owned());
    let json: Vec<_> = events.iter().filter(|e| field(e, "n").is_some()).collect();
    assert_eq!(json.len(), 2);
    assert_eq!(
        field(json[0], "source").as_deref(),
        Some("x.tar:a/events.json")
    );
    assert_eq!(field(json[0], "sourcetype").as_deref(), Some("_json"));
    let xml = events
        .iter()
        .find(|e| field(e, "n").is_none())
        .expect("the XML event");
    assert_eq!(field(xml, "sourcetype").as_deref(), Some("XmlWinEventLog"));
    // The Windows channel names a Windows event's source, as for any file.
    assert_eq!(field(xml, "source").as_deref(), Some("x.tar:b/sec.log"));
}

#[test]
fn a_tar_archive_without_files_is_reported_not_silently_empty() {
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::Directory);
    header.set_size(0);
    header.set_mode(0o755);
    header.set_cksum();
    builder
        .append_data(&mut header, "only_a_dir/", std::io::empty())
        .expect("appends");
    let bytes = builder.into_inner().expect("finishes");
    assert!(archive::is_tar(&bytes));
    let setup = Setup::new(&Props::default());
    let src = EventSource {
        path: None,
        sourcetype: String::new(),
        source: None,
        host: None,
        index: None,
    };
    let report = archive::read_tar(&bytes, "d.tar", &src, &setup.opts(false), None, &mut |_| {})
        .expect("reads");
    assert_eq!(report.events, 0);
    assert_eq!(report.malformed.len(), 1);
    assert_eq!(
        report.malformed[0].reason,
        "tar archive holds no regular file"
    );
}
