//! The streaming path (`Engine::run_sources`: chunks, threads, projection,
//! pre-filter, partial stats) gives byte-identical results to reading every
//! event whole and running the pipeline over them (`load_events` +
//! `run_query`), for any thread count, chunk size, and with or without the
//! pre-filter.

use std::path::{Path, PathBuf};

use spelunk::output::{self, Format};
use spelunk::{Engine, EventSource};

const SAMPLE: &str = "examples/cloudtrail_sample.json";

/// Lines that exercise ordering ties, missing times, escapes, case,
/// duplicate keys, CRLF, blank and malformed lines.
const EXTRA: &str = concat!(
    // No timestamp before any event has one: the file's time.
    r#"{"eventName":"NoTimeFirst","_time":"not a time","userIdentity":{"type":"Root","userName":"zed"}}"#,
    "\n",
    r#"{"eventTime":"2024-03-04T09:01:15Z","eventName":"Tie1","userIdentity":{"type":"IAMUser","userName":"alice","arn":"arn:a","sessionContext":{"attributes":{"mfaAuthenticated":"false"}}},"readOnly":true,"n":1.50}"#,
    "\n",
    r#"{"eventTime":"2024-03-04T09:01:15Z","eventName":"Tie2","userIdentity":{"type":"IAMUser","userName":"alice","arn":"arn:a","sessionContext":{"attributes":{"mfaAuthenticated":"FALSE"}}},"n":2}"#,
    "\r\n",
    "\n",
    r#"{"eventName":"NoTime","userIdentity":{"type":"Root","userName":"zed","sessionContext":{"attributes":{"mfaAuthenticated":"false"}}}}"#,
    "\n",
    r#"{"eventTime":"2024-03-09T00:00:00Z","eventName":"Esc\u0061ped","userIdentity":{"type":"IAMUser","userName":"bob","arn":"arn:b","sessionContext":{"attributes":{"mfaAuthenticated":"f\u0061lse"}}}}"#,
    "\n",
    r#"{"eventTime":"2024-03-09T00:00:01Z","eventName":"Dup","eventName":"Dup2","userIdentity":{"type":"IAMUser","userName":"bob","arn":"arn:b"}}"#,
    "\n",
    r#"{"eventTime":"2024-03-09T00:00:02Z","eventName":"Broken","#,
    "\n",
    r#"{"eventTime":"2024-03-04T09:01:15Z","eventName":"Tie3","userIdentity":{"type":"AssumedRole","userName":"carol"},"requestParameters":{"items":[{"id":"i-1"},{"id":"i-2"}]}}"#,
    "\n",
    r#"{"eventTime":"2024-03-04T09:02:00Z","eventName":"V6","sourceIPAddress":"2001:0DB8:0000::5","userIdentity":{"type":"IAMUser","userName":"frank"}}"#,
    "\n",
    // Events without a timestamp after events the pre-filter may skip:
    // each takes the time of the event just before it.
    r#"{"eventTime":"2024-03-05T10:00:00Z","eventName":"Skipped1","userIdentity":{"type":"IAMUser","userName":"gus"}}"#,
    "\n",
    r#"{"eventTime":"2024-03-05T11:00:00Z","eventName":"Skipped2","userIdentity":{"type":"IAMUser","userName":"gus"}}"#,
    "\n",
    "{\"eventTime\":\"2024-03-05T11:30:00Z\",\"eventName\":\"Broken2\"\n",
    r#"{"eventName":"LateNoTime1","userIdentity":{"type":"Root","userName":"zed"}}"#,
    "\n",
    r#"{"eventName":"LateNoTime2","userIdentity":{"type":"Root","userName":"zed"}}"#,
    "\n",
);

/// Lines the pre-filter rejects by their bytes but must still judge: not
/// UTF-8 (in a string, outside one), non-ASCII that may fold to a needle,
/// a backslash before `u`.
const EXTRA_BYTES: &[&[u8]] = &[
    b"{\"eventTime\":\"2024-03-10T00:00:00Z\",\"eventName\":\"Bad\xff\",\"userIdentity\":{\"type\":\"IAMUser\"}}\n",
    b"{\"eventTime\":\"2024-03-10T00:00:01Z\",\"eventName\":\"Tail\"}\xc3\n",
    "{\"eventTime\":\"2024-03-10T00:00:02Z\",\"eventName\":\"Caf\u{e9}\",\"userIdentity\":{\"type\":\"IAMUser\",\"userName\":\"dana\",\"arn\":\"arn:d\",\"sessionContext\":{\"attributes\":{\"mfaAuthenticated\":\"fal\u{17f}e\"}}}}\n".as_bytes(),
    br#"{"eventTime":"2024-03-10T00:00:03Z","eventName":"Slash\\u","userIdentity":{"type":"IAMUser","userName":"eve","arn":"arn:e","sessionContext":{"attributes":{"mfaAuthenticated":"\u0066alse"}}}}"#,
    b"\n",
];

const QUERIES: &[&str] = &[
    "userIdentity.sessionContext.attributes.mfaAuthenticated=false | stats count dc(eventName) values(eventName) min(_time) max(_time) by user",
    "userIdentity.sessionContext.attributes.mfaAuthenticated=false | stats count min(_time) as firstTime max(_time) as lastTime values(eventName) as eventName by userIdentity.arn userIdentity.type user",
    "* | stats list(eventName) first(eventName) last(eventName) earliest(eventName) latest(eventName) by userIdentity.type",
    "* | stats count earliest_time(eventName) latest_time(eventName) sum(n) avg(n) mode(userIdentity.type)",
    "eventSource=*amazonaws.com | head 5",
    "* | dedup userIdentity.type | table _time userIdentity.type eventName",
    "readOnly=true | table *",
    "eventName=Describe* | eval l=len(eventName) | where l > 5 | table eventName l",
    "false | stats count by eventName",
    "NOT userIdentity.type=IAMUser | stats count",
    "errorCode=* | table errorCode errorMessage",
    "awsRegion=us-west-2 OR eventName=ListUsers | sort eventTime | table eventTime eventName",
    "requestParameters.items{}.id=i-* | stats values(requestParameters.items{}.id) as ids by eventName",
    "user=alice | stats count",
    "eventName=Tie* | table eventName",
    "eventName=dup* | table eventName",
    "\"AWS Internal\" | rex field=userAgent \"(?<agent>\\w+)\" | stats count by agent",
    "userIdentity.type=IAMUser | rename userIdentity.userName as who | stats dc(eventName) by who",
    "mfaAuthenticated | stats count",
    "userIdentity.sessionContext.attributes.mfaAuthenticated=false",
    "sourcetype=aws:cloudtrail earliest=-24h | stats count by sourcetype",
    "* | eval t=_time | table t eventName | head 3",
    "eventName=*Instances | stats count by eventName | sort - count",
    "readOnly=false | stats count by eventName",
    "userIdentity.type=iamuser userIdentity.sessionContext.attributes.mfaAuthenticated=FALSE | stats count by user",
    "requestParameters.items{}.id=i-1 | table eventName",
    "* | head (n<2 OR isnull(n)) 500 | table eventName",
    "* | stats sparkline(count, 1h) as trend count by userIdentity.type",
    "* | timechart span=1h count by eventSource",
    "* | top limit=3 eventName | table eventName count percent",
    "* | foreach userIdentity.* [eval seen_<<MATCHSTR>>=1] | stats count by seen_type",
    "* | chart count over userIdentity.type by readOnly",
    // Terms on metadata, decided once per source (true for one file only,
    // for both, for neither, under OR).
    "source=*extra.ndjson | stats count by userIdentity.type",
    "sourcetype=aws:cloudtrail index=main host=spelunk | stats count",
    "sourcetype=other | stats count",
    "sourcetype IN (x, AWS:*) eventName=* | table eventName sourcetype source | head 5",
    "source=*extra* OR eventName=ListUsers | stats count by source",
    // Searches every event passes, left out of the per-event work.
    "sourcetype=aws:cloudtrail | search NOT NOT ( ) | search a=1 OR ( ) | stats count by userIdentity.type",
    // Subsearches that read events: run over the files first, then the
    // outer search streams.
    "userIdentity.type=IAMUser [search eventName=ListUsers | fields userIdentity.userName] | stats count by eventName",
    "NOT [search readOnly=true | stats count by eventName | fields eventName] | stats count by eventName",
    "[search [search eventName=Tie* | fields user] | stats count by eventName | fields eventName] | table eventName user",
    "* | search [search eventName=Describe* | head 2 | fields eventName] | table _time eventName",
    "[search nothing_matches_this | fields eventName] | stats count",
    // Events without a timestamp take Splunk's fallback time.
    "eventName=*NoTime* | eval t=_time | table t _time eventName",
    "LateNoTime1 OR NoTimeFirst | table _time eventName date_hour",
    "* | sort 0 _time | table _time eventName",
];

/// Queries over the same files as `_json`, a sourcetype without calculated
/// fields, so that the pre-filter also looks for `field=value` shapes.
const JSON_QUERIES: &[&str] = &[
    "userIdentity.sessionContext.attributes.mfaAuthenticated=false | stats count by userIdentity.type",
    "readOnly=true eventName=Describe* | table eventName",
    // A JSON null is the field's value "null": `f=null` matches the bare
    // literal too.
    "responseElements=null | stats count by eventName",
    "responseElements=NULL readOnly=false | table eventName responseElements",
    "responseElements=* | stats count by responseElements",
    "NOT responseElements=* | stats count",
    // A subnet matches addresses however written, never its own text.
    "sourceIPAddress=2001:db8::/32 | table eventName sourceIPAddress",
    "sourceIPAddress=\"203.0.113.0/24\" | stats count by sourceIPAddress",
    // Non-ASCII terms: needles are cut at characters, matched ignoring case.
    "eventName=café | table eventName",
    "eventName=CAFÉ | table eventName",
    "eventName=caf* | table eventName",
    "eventName=*fé | table eventName",
    "Café userIdentity.userName=dana | table eventName",
];

/// Writes the extra lines to `extra.ndjson` in a folder of this process
/// and `test`'s own (tests run in parallel).
fn extra_file(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("spelunk-streaming-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("extra.ndjson");
    let mut bytes = EXTRA.as_bytes().to_vec();
    for line in EXTRA_BYTES {
        bytes.extend_from_slice(line);
    }
    std::fs::write(&path, bytes).expect("write");
    path
}

fn source(path: &Path) -> EventSource {
    source_of(path, "aws:cloudtrail")
}

fn source_of(path: &Path, sourcetype: &str) -> EventSource {
    EventSource {
        path: Some(path.to_path_buf()),
        sourcetype: sourcetype.into(),
        source: None,
        host: None,
        index: None,
    }
}

/// How a search's rows are taken.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Path_ {
    /// `load_events` + `run_query`.
    Whole,
    /// `run_sources`.
    Streaming,
    /// `run_sources_to`, each row handed to a sink as it comes.
    Sink,
}

/// Rows as JSON, columns, notices, malformed lines, event count (columns
/// left out for [`Path_::Sink`], whose caller sees no column list).
fn render_by(engine: &Engine, query: &str, sources: &[EventSource], path: Path_) -> String {
    let compiled = engine.compile(query, "<search>").expect("compiles");
    let (results, malformed, events) = match path {
        Path_::Streaming => {
            let out = engine.run_sources(&compiled, sources).expect("runs");
            (out.results, out.malformed, out.events)
        }
        Path_::Sink => {
            let mut rows = Vec::new();
            let mut out = engine
                .run_sources_to(&compiled, sources, &mut |row| {
                    rows.push(row);
                    Ok(())
                })
                .expect("runs");
            out.results.rows = rows;
            (out.results, out.malformed, out.events)
        }
        Path_::Whole => {
            let loaded = engine.load_events(sources).expect("loads");
            let mut results = engine.run_query(&compiled, &loaded.events).expect("runs");
            // As `run_sources` reports them: the reader's notices first.
            results.notices.splice(0..0, loaded.notices);
            (results, loaded.malformed, loaded.events.len())
        }
    };
    let mut buf = Vec::new();
    output::write(&mut buf, Format::Json, &results.rows, &results.columns).expect("writes");
    let columns = match path {
        Path_::Sink => String::new(),
        _ => format!("columns={:?}", results.columns),
    };
    format!(
        "{}\n{columns}\nnotices={:?}\nmalformed={:?}\nevents={events}",
        String::from_utf8_lossy(&buf),
        results.notices,
        malformed
    )
}

/// [`render_by`] over the whole-file path (`streaming` false) or
/// `run_sources`.
fn render(engine: &Engine, query: &str, sources: &[EventSource], streaming: bool) -> String {
    let path = if streaming {
        Path_::Streaming
    } else {
        Path_::Whole
    };
    render_by(engine, query, sources, path)
}

/// What [`render_by`] gives for [`Path_::Sink`], from its output for
/// another path.
fn without_columns(rendered: &str) -> String {
    rendered
        .lines()
        .map(|l| if l.starts_with("columns=") { "" } else { l })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn streaming_matches_the_whole_file_path() {
    let extra = extra_file("aws");
    check_streaming(QUERIES, &[source(Path::new(SAMPLE)), source(&extra)]);
}

#[test]
fn streaming_matches_the_whole_file_path_for_json() {
    let extra = extra_file("json");
    let sources = [
        source_of(Path::new(SAMPLE), "_json"),
        source_of(&extra, "_json"),
    ];
    check_streaming(JSON_QUERIES, &sources);
}

/// Every query gives the same output streamed, under several thread
/// counts, chunk sizes and with or without the pre-filter, as read whole.
fn check_streaming(queries: &[&str], sources: &[EventSource]) {
    check_streaming_with(&Engine::new().expect("engine"), queries, sources);
}

/// [`check_streaming`] with a given engine (its apps, macros, models).
fn check_streaming_with(base: &Engine, queries: &[&str], sources: &[EventSource]) {
    for query in queries {
        let expected = render(base, query, sources, false);
        // (threads, chunk bytes, pre-filter, rows held before spilling to
        // disk): one line per chunk, a few lines per chunk, whole files per
        // chunk; every row spilled, some, none.
        let configs = [
            (1, 1 << 20, true, u64::MAX),
            (1, 1, false, 0),
            (2, 1, true, 2000),
            (2, 300, false, u64::MAX),
            (3, 300, true, 0),
            (2, 1 << 20, false, 2000),
        ];
        for (threads, chunk, prefilter, spill) in configs {
            let engine = base
                .clone()
                .with_threads(threads)
                .with_chunk_bytes(chunk)
                .with_prefilter(prefilter)
                .with_spill_bytes(spill);
            let got = render(&engine, query, sources, true);
            assert_eq!(
                got, expected,
                "query `{query}` threads={threads} chunk={chunk} prefilter={prefilter} spill={spill}"
            );
            let sunk = render_by(&engine, query, sources, Path_::Sink);
            assert_eq!(
                sunk,
                without_columns(&expected),
                "query `{query}` to a sink: threads={threads} chunk={chunk} prefilter={prefilter} spill={spill}"
            );
        }
    }
}

/// tstats, datamodel and from datamodel lower into plain pipelines, which
/// stream like any other (constraint tags through event types, calculated
/// fields, renames, fillnull, bin with a span, stats).
#[test]
fn data_model_searches_stream_identically() {
    let case = Path::new("tests/cases/tstats_datamodel_count_by_dataset_field");
    let engine = Engine::new()
        .expect("engine")
        .with_app(&case.join("apps/acme"))
        .expect("app");
    let queries = [
        "| tstats count values(Proc.process_path) as p dc(Proc.user) from datamodel=Acme.Proc by Proc.dest",
        "| tstats fillnull_value=null count min(_time) from datamodel=Acme.Proc where Proc.process_name IN (evil.exe, cmd*) by Proc.user _time span=1h",
        "| tstats count from datamodel=Acme.Proc where nodename=Proc.Suspicious by Proc.Suspicious.reason Proc.severity Proc.parent_pid",
        "| tstats fillnull_value=x count from datamodel=Acme.Proc by Proc.Suspicious.reason",
        "| tstats count where index=main by sourcetype _time span=1h",
        "| datamodel Acme Very_Suspicious search | table Proc.process_name Proc.user",
        "| from datamodel:Acme.Suspicious | stats count by process_name reason",
        "| tstats prestats=t count from datamodel=Acme.Proc by Proc.dest | tstats prestats=t append=t count from datamodel=Acme.Suspicious by Proc.dest | stats count by Proc.dest",
        "| tstats prestats=t count from datamodel=Acme.Proc by _time span=1h | timechart span=1h count",
    ];
    check_streaming_with(
        &engine,
        &queries,
        &[source_of(&case.join("events.json"), "acme")],
    );
}

#[test]
fn seed_detection_streams_identically() {
    let query = std::fs::read_to_string("tests/cases/seed_sample/query.spl").expect("seed");
    let sources = [source(Path::new(SAMPLE))];
    let base = Engine::new().expect("engine");
    let expected = render(&base, &query, &sources, false);
    assert!(expected.contains("alice"));
    for threads in [1, 2] {
        for chunk in [1, 1 << 20] {
            let engine = base.clone().with_threads(threads).with_chunk_bytes(chunk);
            assert_eq!(render(&engine, &query, &sources, true), expected);
        }
    }
}

#[test]
fn strict_reports_the_first_malformed_line() {
    let extra = extra_file("strict");
    let engine = Engine::new()
        .expect("engine")
        .with_strict(true)
        .with_threads(2)
        .with_chunk_bytes(1);
    let query = engine
        .compile("* | stats count", "<search>")
        .expect("compiles");
    let err = engine
        .run_sources(&query, &[source(&extra)])
        .expect_err("strict fails");
    let text = err.to_string();
    assert!(text.contains("extra.ndjson:8"), "{text}");
}

#[test]
fn per_event_errors_are_those_of_the_plain_path() {
    let sources = [source(Path::new(SAMPLE))];
    let base = Engine::new().expect("engine");
    for query in [
        "* | stats count(eval(eventName + 1)) as n",
        "* | where eventName + 1 > 0 | table eventName",
    ] {
        let compiled = base.compile(query, "<search>").expect("compiles");
        let loaded = base.load_events(&sources).expect("loads");
        let expected = base
            .run_query(&compiled, &loaded.events)
            .map(|r| r.rows.len());
        for threads in [1, 2] {
            let engine = base.clone().with_threads(threads).with_chunk_bytes(500);
            let got = engine
                .run_sources(&compiled, &sources)
                .map(|o| o.results.rows.len());
            assert_eq!(
                format!("{got:?}"),
                format!("{expected:?}"),
                "{query} threads={threads}"
            );
        }
    }
}

/// NDJSON of a sourcetype read as text (`acme:firehose`: no knowledge,
/// so `AUTO_KV_JSON` and the default `TRUNCATE` of 10000 bytes): lines
/// Splunk cut at `TRUNCATE` (one exactly that long, one longer, one whose
/// cut falls in a multibyte character) are events with the JSON fields
/// before the cut; a short broken line is still malformed. Every line has
/// a time, so the file streams.
fn cut_lines_file() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("spelunk-streaming-{}-cut", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("cut.ndjson");
    let long = |time: &str, name: &str, len: usize, fill: &str| {
        let head =
            format!(r#"{{"time":"{time}","name":"{name}","items":[{{"n":1}},{{"n":2}}],"pad":""#);
        let mut line = head;
        while line.len() < len {
            line.push_str(fill);
        }
        let cut = (0..=len)
            .rev()
            .find(|&i| line.is_char_boundary(i))
            .unwrap_or(0);
        line.truncate(cut);
        line
    };
    let lines = [
        r#"{"time":"2024-05-01T00:00:00Z","name":"whole","items":[{"n":0}]}"#.to_string(),
        long("2024-05-01T00:00:01Z", "exact", 10_000, "x"),
        r#"{"time":"2024-05-01T00:00:02Z","name":"broken""#.to_string(),
        long("2024-05-01T00:00:03Z", "longer", 12_345, "y"),
        long("2024-05-01T00:00:04Z", "multibyte", 10_003, "\u{e9}"),
        r#"{"time":"2024-05-01T00:00:05Z","name":"after","items":[]}"#.to_string(),
    ];
    std::fs::write(&path, lines.join("\n") + "\n").expect("write");
    path
}

const CUT_QUERIES: &[&str] = &[
    "* | eval n=len(_raw) | table _time name items{}.n meta n",
    "meta=truncated | stats count values(name) by meta",
    "name=exact OR name=after | table name",
    "yyy | stats count",
    "* | stats count by sourcetype",
];

#[test]
fn cut_json_lines_stream_identically() {
    let path = cut_lines_file();
    let sources = [source_of(&path, "acme:firehose")];
    let base = Engine::new().expect("engine");
    let expected = render(&base, CUT_QUERIES[0], &sources, false);
    assert!(expected.contains("events=5"), "{expected}");
    assert!(expected.contains("line: 3,"), "{expected}");
    assert!(expected.contains(r#""meta": "truncated""#), "{expected}");
    assert!(expected.contains(r#""n": "10000""#), "{expected}");
    check_streaming(CUT_QUERIES, &sources);
}

/// Windows XML events (`tests/data/windows/mixed_xml.log`: Sysmon,
/// Security and System channels, CRLF and LF lines, a comment line, an
/// event without a timestamp, one cut short, one with UserData and
/// RenderingInfo) go through the bundled Windows knowledge.
const WINDOWS_XML: &str = "tests/data/windows/mixed_xml.log";

const WINDOWS_QUERIES: &[&str] = &[
    "* | stats count by EventCode Computer",
    "* | stats count min(_time) max(_time) by source sourcetype",
    "EventCode=1 | table _time Image CommandLine ParentImage user dest process_name",
    "EventCode=4624 | stats count by user src signature_id vendor_product",
    "EventCode=3 | stats dc(DestinationIp) as ips values(dest_port) as ports by Image",
    "Image=*\\cmd.exe | stats count by Image EventCode",
    "* | table *",
    "tag=process | stats count by EventCode tag",
    "eventtype=* | stats count by eventtype",
    "source=*Security | stats count by EventCode SubjectUserName",
    "* | head 5 | table _time EventCode date_hour linecount punct",
    "* | eval n=len(_raw) | where n > 2000 | stats count by EventCode",
    "EventCode=1102 | table SubjectUserName Message Keyword",
    "EventCode=7045 | table _time ServiceName ImagePath",
    "NOT EventCode=* | table _raw",
];

#[test]
fn windows_xml_streams_identically() {
    let sources = [source_of(Path::new(WINDOWS_XML), "")];
    let base = Engine::new().expect("engine");
    for query in WINDOWS_QUERIES {
        let expected = render(&base, query, &sources, false);
        assert!(expected.contains("events=64"), "{query}: {expected}");
        for (threads, chunk) in [(1, 1 << 20), (2, 1), (2, 4000), (3, 1 << 20)] {
            let engine = base.clone().with_threads(threads).with_chunk_bytes(chunk);
            let got = render(&engine, query, &sources, true);
            assert_eq!(
                got, expected,
                "query `{query}` threads={threads} chunk={chunk}"
            );
        }
    }
}

/// Other text files: classic Windows events (multi-line), Sysmon as
/// classic text, `linux_secure` syslog lines, and variants written here: a
/// gzipped Windows XML file, and syslog lines with a byte order mark, an
/// invalid UTF-8 byte and CR LF line ends.
#[test]
fn text_files_stream_identically() {
    use std::io::Write;
    let dir = std::env::temp_dir().join(format!("spelunk-streaming-{}-text", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let gz = dir.join("mixed_xml.log.gz");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder
        .write_all(&std::fs::read(WINDOWS_XML).expect("fixture"))
        .expect("gzip");
    std::fs::write(&gz, encoder.finish().expect("gzip")).expect("write");
    let secure = std::fs::read("tests/cases/linux_secure_sshd_auth/events.log").expect("fixture");
    let mut odd = b"\xef\xbb\xbf".to_vec();
    for line in secure.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        odd.extend_from_slice(line);
        odd.extend_from_slice(b" caf\xe9\r\n");
    }
    let odd_path = dir.join("secure_odd.log");
    std::fs::write(&odd_path, odd).expect("write");
    let sets: Vec<Vec<EventSource>> = vec![
        vec![
            source_of(
                Path::new("tests/cases/windows_classic_security/events.log"),
                "",
            ),
            source_of(
                Path::new("tests/cases/windows_classic_system_services/events.log"),
                "",
            ),
            source_of(Path::new("tests/cases/sysmon_classic_text/events.log"), ""),
        ],
        vec![
            source_of(
                Path::new("tests/cases/linux_secure_sshd_auth/events.log"),
                "linux_secure",
            ),
            source_of(&odd_path, "linux_secure"),
        ],
        vec![source_of(&gz, "")],
    ];
    let queries = [
        "* | stats count by source sourcetype",
        "* | table _time _raw linecount",
        "* | stats count values(user) as users by EventCode action",
        "* | stats count by date_hour punct",
        "sshd | table _time user src action",
    ];
    let base = Engine::new().expect("engine");
    for sources in &sets {
        for query in queries {
            let expected = render(&base, query, sources, false);
            for (threads, chunk) in [(1, 1 << 20), (2, 1), (2, 50), (3, 700)] {
                let engine = base.clone().with_threads(threads).with_chunk_bytes(chunk);
                let got = render(&engine, query, sources, true);
                assert_eq!(
                    got, expected,
                    "query `{query}` over {:?} threads={threads} chunk={chunk}",
                    sources[0].path
                );
            }
        }
    }
}

/// The progress hook ends at the event files' size, on the streaming path
/// (chunk by chunk) and on the whole-file path.
#[test]
fn progress_reports_every_byte_read() {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(SAMPLE);
    let size = std::fs::metadata(&path).expect("sample").len();
    for (search, chunk_bytes) in [
        ("eventName=* | stats count", 4096),
        // `streamstats` does not stream across chunks: the whole-file path.
        ("eventName=* | streamstats count | stats count", 4096),
    ] {
        let seen = Arc::new(AtomicU64::new(0));
        let last = Arc::clone(&seen);
        let engine = Engine::new()
            .expect("engine")
            .with_chunk_bytes(chunk_bytes)
            .with_progress(spelunk::engine::Progress::new(move |done| {
                last.store(done, Ordering::Relaxed);
            }));
        let query = engine.compile(search, "q").expect("compiles");
        engine
            .run_sources(&query, &[EventSource::file(&path)])
            .expect("runs");
        assert_eq!(seen.load(Ordering::Relaxed), size, "{search}");
    }
}
