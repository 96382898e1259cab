//! Reading real `.evtx` files (attack_data's T1003.001 procdump capture, in
//! ../shared) into the forwarder's XML: counts against an independent
//! parser, the shape of every record, and damaged copies.
//!
//! Each test says it was skipped, and passes, when ../shared is absent.
//! `cargo test --release --test evtx -- --ignored --nocapture` also runs the
//! longer mutation run and prints the reading speed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use quick_xml::events::Event as XmlEvent;
use quick_xml::Reader;
use spelunk::events::evtx::{read_evtx, EvtxProblem, EvtxRecord, XmlStyle};

const DATASET: &str = "../shared/corpus/events/attack_data/datasets/attack_techniques/T1003.001/atomic_red_team/procdump_t1003.001_capattack";

// Records by EventID, from `scripts/evtx_counts.py` (python-evtx 0.8.1, which
// shares no code with the evtx crate), reading every chunk of each file.
// The file headers are stale (the logs were copied while open) and count one
// chunk each; python-evtx's header-bounded walk gives 92, 54 and 120.
const EXPECTED_SECURITY: &[(u32, usize)] = &[
    (1102, 1),
    (4656, 8),
    (4658, 16),
    (4663, 6),
    (4688, 72),
    (4689, 73),
    (4690, 8),
    (4703, 166),
    (5156, 3),
    (5158, 3),
];
const EXPECTED_SYSMON: &[(u32, usize)] = &[
    (1, 26),
    (3, 2),
    (5, 31),
    (7, 2),
    (8, 2),
    (10, 245),
    (11, 15),
    (12, 18),
    (13, 50),
    (16, 1),
    (17, 14),
    (18, 14),
    (23, 9),
];
const EXPECTED_POWERSHELL: &[(u32, usize)] = &[(4103, 1), (4104, 4), (4105, 834), (4106, 836)];

const FILE_HEADER_SIZE: usize = 4096;
const CHUNK_SIZE: usize = 65536;
const EVENT_START: &str =
    "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='";

/// The shared file's bytes, or `None` after saying the test is skipped.
fn shared_file(name: &str) -> Option<Vec<u8>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(DATASET)
        .join(name);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(error) => {
            eprintln!("skipped: {} not readable ({error})", path.display());
            None
        }
    }
}

/// Everything `read_evtx` hands on, in order.
struct Read {
    records: Vec<EvtxRecord>,
    problems: Vec<EvtxProblem>,
}

fn read_with(bytes: &[u8], style: XmlStyle) -> Read {
    let mut records = Vec::new();
    let mut problems = Vec::new();
    let count = read_evtx(
        bytes,
        style,
        &mut |record| records.push(record),
        &mut |problem| problems.push(problem),
    )
    .expect("the file header is intact");
    assert_eq!(count, records.len());
    Read { records, problems }
}

fn read(bytes: &[u8]) -> Read {
    read_with(bytes, XmlStyle::CLASSIC)
}

fn counts_by_event_id(records: &[EvtxRecord]) -> Vec<(u32, usize)> {
    let mut counts = BTreeMap::new();
    for record in records {
        let id = record.event_id.expect("every record has an EventID");
        *counts.entry(id).or_insert(0) += 1;
    }
    counts.into_iter().collect()
}

#[test]
fn counts_by_event_id_match_python_evtx() {
    for (file, expected) in [
        ("Security.evtx", EXPECTED_SECURITY),
        ("Sysmon-Operational.evtx", EXPECTED_SYSMON),
        ("PowerShell-Operational.evtx", EXPECTED_POWERSHELL),
    ] {
        let Some(bytes) = shared_file(file) else {
            return;
        };
        let read = read(&bytes);
        assert!(read.problems.is_empty(), "{file}: {:?}", read.problems);
        assert_eq!(counts_by_event_id(&read.records), expected, "{file}");
    }
}

/// The same counts through a search, as a user gets them:
/// `spelunk run '* | stats count by EventCode' -e FILE.evtx` (no sourcetype
/// given: an .evtx file is XmlWinEventLog, each event's source
/// XmlWinEventLog:<Channel>, its fields from the bundled Windows knowledge).
#[test]
fn a_search_over_the_files_counts_as_python_evtx_does() {
    let engine = spelunk::Engine::new().expect("bundled knowledge loads");
    for (file, expected, channel) in [
        ("Security.evtx", EXPECTED_SECURITY, "Security"),
        (
            "Sysmon-Operational.evtx",
            EXPECTED_SYSMON,
            "Microsoft-Windows-Sysmon/Operational",
        ),
        (
            "PowerShell-Operational.evtx",
            EXPECTED_POWERSHELL,
            "Microsoft-Windows-PowerShell/Operational",
        ),
    ] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(DATASET)
            .join(file);
        if !path.exists() {
            eprintln!("skipped: {} is absent", path.display());
            return;
        }
        let source = spelunk::EventSource {
            path: Some(path),
            sourcetype: String::new(),
            source: None,
            host: None,
            index: None,
        };
        let results = engine
            .run("* | stats count by sourcetype source EventCode", &[source])
            .expect("the search runs");
        let mut counts: Vec<(u32, usize)> = Vec::new();
        for row in &results.rows {
            let text = |f: &str| {
                row.get(f)
                    .map(|v| v.to_text().into_owned())
                    .unwrap_or_default()
            };
            assert_eq!(text("sourcetype"), "XmlWinEventLog", "{file}");
            assert_eq!(
                text("source"),
                format!("XmlWinEventLog:{channel}"),
                "{file}"
            );
            counts.push((
                text("EventCode").parse().expect("a numeric EventCode"),
                text("count").parse().expect("a count"),
            ));
        }
        counts.sort();
        assert_eq!(counts, expected, "{file}");
    }
}

#[test]
fn every_record_has_the_forwarder_shape() {
    for (file, channel) in [
        ("Security.evtx", "Security"),
        (
            "Sysmon-Operational.evtx",
            "Microsoft-Windows-Sysmon/Operational",
        ),
        (
            "PowerShell-Operational.evtx",
            "Microsoft-Windows-PowerShell/Operational",
        ),
    ] {
        let Some(bytes) = shared_file(file) else {
            return;
        };
        let records = read(&bytes).records;
        for record in &records {
            let xml = &record.xml;
            assert!(xml.starts_with(EVENT_START), "{xml}");
            assert!(xml.ends_with("</Event>"), "{xml}");
            assert_eq!(record.channel.as_deref(), Some(channel));
            assert!(xml.contains(&format!(
                "<EventRecordID>{}</EventRecordID>",
                record.record_id
            )));
            assert_nine_digit_system_time(xml);
            assert_values_hold_all_line_breaks(xml);
        }
        let ids: Vec<u64> = records.iter().map(|record| record.record_id).collect();
        assert!(
            ids.windows(2).all(|pair| pair[0] < pair[1]),
            "{file}: record order"
        );
    }
}

/// `SystemTime='YYYY-MM-DDTHH:MM:SS.fffffffffZ'`, the last two digits `00`.
fn assert_nine_digit_system_time(xml: &str) {
    let (_, rest) = xml
        .split_once("<TimeCreated SystemTime='")
        .expect("a TimeCreated");
    let time = &rest[..rest.find('\'').expect("a closing quote")];
    let shape = "dddd-dd-ddTdd:dd:dd.dddddddddZ";
    let fits = time.len() == shape.len()
        && time
            .bytes()
            .zip(shape.bytes())
            .all(|(byte, shape)| match shape {
                b'd' => byte.is_ascii_digit(),
                literal => byte == literal,
            });
    assert!(fits && time.ends_with("00Z"), "{time}");
}

/// The XML parses, text is only in elements without child elements (the
/// values), and every line break in the record is inside such a value.
fn assert_values_hold_all_line_breaks(xml: &str) {
    /// Per open element: whether it has a child element, and text.
    #[derive(Default)]
    struct Open {
        children: bool,
        text: bool,
    }
    let mut open: Vec<Open> = Vec::new();
    let mut breaks_in_values = 0;
    let mut reader = Reader::from_str(xml);
    loop {
        let event = reader
            .read_event()
            .unwrap_or_else(|error| panic!("{error}: {xml}"));
        match event {
            XmlEvent::Start(_) | XmlEvent::Empty(_) => {
                if let Some(parent) = open.last_mut() {
                    assert!(!parent.text, "text beside elements: {xml}");
                    parent.children = true;
                }
                if matches!(event, XmlEvent::Start(_)) {
                    open.push(Open::default());
                }
            }
            XmlEvent::End(_) => {
                open.pop();
            }
            XmlEvent::Text(text) => {
                let element = open.last_mut().expect("text inside the root");
                assert!(!element.children, "text beside elements: {xml}");
                element.text = true;
                breaks_in_values += text.matches('\n').count();
            }
            XmlEvent::GeneralRef(_) => {}
            XmlEvent::Eof => break,
            other => panic!("unexpected {other:?}: {xml}"),
        }
    }
    assert!(open.is_empty(), "{xml}");
    assert_eq!(breaks_in_values, xml.matches('\n').count(), "{xml}");
}

#[test]
fn newer_style_writes_lower_case_guids_and_seven_digits() {
    let Some(bytes) = shared_file("Sysmon-Operational.evtx") else {
        return;
    };
    let classic = read(&bytes).records;
    let newer = read_with(&bytes, XmlStyle::NEWER).records;
    assert_eq!(classic.len(), newer.len());
    let first = &newer[0].xml;
    assert!(
        first.contains("Guid='{5770385f-c22a-43e0-bf4c-06f5698ffbd9}'"),
        "{first}"
    );
    assert!(
        first.contains("<TimeCreated SystemTime='2022-08-31T19:18:42.1649394Z'/>"),
        "{first}"
    );
    assert!(classic[0]
        .xml
        .contains("Guid='{5770385F-C22A-43E0-BF4C-06F5698FFBD9}'"));
    assert!(classic[0]
        .xml
        .contains("SystemTime='2022-08-31T19:18:42.164939400Z'"));
}

/// The record IDs that the chunk's header says it holds.
fn chunk_record_ids(bytes: &[u8], chunk: usize) -> std::ops::RangeInclusive<u64> {
    let header = FILE_HEADER_SIZE + chunk * CHUNK_SIZE;
    let id_at = |offset: usize| {
        let field: [u8; 8] = bytes[header + offset..header + offset + 8]
            .try_into()
            .expect("8 bytes");
        u64::from_le_bytes(field)
    };
    id_at(24)..=id_at(32)
}

/// A damaged copy in a fresh temporary folder, read back as a file.
fn damaged_copy(name: &str, bytes: &[u8]) -> Vec<u8> {
    let folder: PathBuf = std::env::temp_dir().join(format!("spelunk-evtx-{}", std::process::id()));
    std::fs::create_dir_all(&folder).expect("a temporary folder");
    let path = folder.join(name);
    std::fs::write(&path, bytes).expect("the copy is written");
    let read_back = std::fs::read(&path).expect("the copy is read");
    let _ = std::fs::remove_file(&path);
    read_back
}

#[test]
fn zeroed_bytes_in_the_second_chunk_are_problems_of_that_chunk() {
    let Some(original) = shared_file("Security.evtx") else {
        return;
    };
    let clean = read(&original).records;
    let mut bytes = original.clone();
    let damage = FILE_HEADER_SIZE + CHUNK_SIZE + 20_000;
    bytes[damage..damage + 8_000].fill(0);
    let damaged = read(&damaged_copy("zeroed.evtx", &bytes));

    assert!(!damaged.problems.is_empty());
    for problem in &damaged.problems {
        assert_eq!(problem.chunk, Some(1), "{problem}");
    }
    // Every record of the other chunks is there, unchanged.
    let second_chunk = chunk_record_ids(&original, 1);
    let expected: Vec<&EvtxRecord> = clean
        .iter()
        .filter(|record| !second_chunk.contains(&record.record_id))
        .collect();
    let got: Vec<&EvtxRecord> = damaged
        .records
        .iter()
        .filter(|record| !second_chunk.contains(&record.record_id))
        .collect();
    assert_eq!(got, expected);
    // What is read of the damaged chunk is some of its records, unchanged,
    // and the lost ones are named.
    let clean_by_id: BTreeMap<u64, &EvtxRecord> = clean
        .iter()
        .map(|record| (record.record_id, record))
        .collect();
    let kept: BTreeSet<u64> = damaged
        .records
        .iter()
        .filter(|record| second_chunk.contains(&record.record_id))
        .map(|record| {
            assert_eq!(Some(&record), clean_by_id.get(&record.record_id));
            record.record_id
        })
        .collect();
    assert!(!kept.is_empty() && kept.len() < second_chunk.clone().count());
    eprintln!(
        "zeroed 8000 bytes of chunk 1: kept {} of its {} records; problems:",
        kept.len(),
        second_chunk.count()
    );
    for problem in &damaged.problems {
        eprintln!("  {problem}");
    }
}

#[test]
fn a_truncated_copy_keeps_its_whole_chunks() {
    let Some(original) = shared_file("Security.evtx") else {
        return;
    };
    let clean = read(&original).records;
    let cut = FILE_HEADER_SIZE + 2 * CHUNK_SIZE + 30_000;
    let truncated = read(&damaged_copy("truncated.evtx", &original[..cut]));

    assert_eq!(truncated.problems.len(), 1, "{:?}", truncated.problems);
    let problem = &truncated.problems[0];
    assert_eq!((problem.chunk, problem.record), (Some(2), None));
    assert!(problem.message.contains("truncated"), "{problem}");
    let whole_chunks =
        *chunk_record_ids(&original, 0).start()..=*chunk_record_ids(&original, 1).end();
    let expected: Vec<&EvtxRecord> = clean
        .iter()
        .filter(|record| whole_chunks.contains(&record.record_id))
        .collect();
    assert_eq!(truncated.records.iter().collect::<Vec<_>>(), expected);
}

#[test]
fn a_chunk_with_a_damaged_header_is_a_problem_of_that_chunk() {
    let Some(original) = shared_file("Sysmon-Operational.evtx") else {
        return;
    };
    let clean = read(&original).records;
    let mut bytes = original.clone();
    let third_chunk = FILE_HEADER_SIZE + 2 * CHUNK_SIZE;
    bytes[third_chunk..third_chunk + 8].copy_from_slice(b"NotChnk\0");
    let damaged = read(&damaged_copy("bad_chunk_magic.evtx", &bytes));

    assert_eq!(damaged.problems.len(), 1, "{:?}", damaged.problems);
    assert_eq!(
        damaged.problems[0].chunk,
        Some(2),
        "{}",
        damaged.problems[0]
    );
    let lost = chunk_record_ids(&original, 2);
    let expected: Vec<&EvtxRecord> = clean
        .iter()
        .filter(|record| !lost.contains(&record.record_id))
        .collect();
    assert_eq!(damaged.records.iter().collect::<Vec<_>>(), expected);
}

#[test]
fn a_wrapped_around_log_is_read_oldest_first() {
    // A full log writes over its oldest chunk: here the newest chunk (3) sits
    // first in the file, before the oldest (0).
    let Some(original) = shared_file("Security.evtx") else {
        return;
    };
    let clean = read(&original).records;
    let chunk = |number: usize| {
        let start = FILE_HEADER_SIZE + number * CHUNK_SIZE;
        &original[start..start + CHUNK_SIZE]
    };
    let mut wrapped = original[..FILE_HEADER_SIZE].to_vec();
    for number in [3, 0, 1, 2] {
        wrapped.extend_from_slice(chunk(number));
    }
    wrapped.extend_from_slice(&original[FILE_HEADER_SIZE + 4 * CHUNK_SIZE..]);
    let read_wrapped = read(&damaged_copy("wrapped.evtx", &wrapped));
    assert!(
        read_wrapped.problems.is_empty(),
        "{:?}",
        read_wrapped.problems
    );
    assert_eq!(read_wrapped.records, clean);
}

/// A small deterministic generator (xorshift64), for mutations.
struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }
}

/// Reads `copies` copies of the file, each with a few bytes changed in one
/// of its used chunks or, one time in eight, in its file header after the
/// magic: none may panic, and only a changed file header may fail the file
/// as a whole.
fn mutated_copies_read_through(bytes: &[u8], copies: usize, seed: u64) {
    let mut random = Xorshift(seed);
    let used_chunks = (0..(bytes.len() - FILE_HEADER_SIZE) / CHUNK_SIZE)
        .filter(|&chunk| bytes[FILE_HEADER_SIZE + chunk * CHUNK_SIZE..].starts_with(b"ElfChnk\0"))
        .count();
    for copy in 0..copies {
        let mut mutated = bytes.to_vec();
        let in_header = random.below(8) == 0;
        let (start, len) = if in_header {
            (8, 120)
        } else {
            let chunk = random.below(used_chunks);
            (FILE_HEADER_SIZE + chunk * CHUNK_SIZE, CHUNK_SIZE)
        };
        for _ in 0..1 + random.below(16) {
            mutated[start + random.below(len)] = random.next() as u8;
        }
        let result = read_evtx(&mutated, XmlStyle::CLASSIC, &mut |_| {}, &mut |_| {});
        assert!(result.is_ok() || in_header, "copy {copy}: {result:?}");
    }
}

#[test]
fn mutated_copies_never_panic() {
    let Some(bytes) = shared_file("Sysmon-Operational.evtx") else {
        return;
    };
    mutated_copies_read_through(&bytes, 12, 0x5eed);
}

#[test]
#[ignore = "long: run with --release --ignored"]
fn many_mutated_copies_never_panic() {
    for (file, seed) in [
        ("Security.evtx", 1),
        ("Sysmon-Operational.evtx", 2),
        ("PowerShell-Operational.evtx", 3),
    ] {
        let Some(bytes) = shared_file(file) else {
            return;
        };
        mutated_copies_read_through(&bytes, 400, seed);
    }
}

#[test]
#[ignore = "a measurement, not a check: run with --release --ignored --nocapture"]
fn reading_speed() {
    let files: Vec<Vec<u8>> = [
        "Security.evtx",
        "Sysmon-Operational.evtx",
        "PowerShell-Operational.evtx",
    ]
    .iter()
    .filter_map(|file| shared_file(file))
    .collect();
    if files.len() < 3 {
        return;
    }
    let bytes: usize = files.iter().map(Vec::len).sum();
    // Most of each file is unused (all-zero) chunks, which cost nothing.
    let used_bytes: usize = files
        .iter()
        .flat_map(|file| file[FILE_HEADER_SIZE..].chunks(CHUNK_SIZE))
        .filter(|chunk| chunk.starts_with(b"ElfChnk\0"))
        .map(<[u8]>::len)
        .sum();
    let rounds = 20;
    let started = std::time::Instant::now();
    let mut records = 0;
    let mut xml_bytes = 0;
    for _ in 0..rounds {
        for file in &files {
            read_evtx(
                file,
                XmlStyle::CLASSIC,
                &mut |record| {
                    records += 1;
                    xml_bytes += record.xml.len();
                },
                &mut |_| {},
            )
            .expect("readable");
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let megabytes = |bytes: usize| bytes as f64 / 1e6;
    eprintln!(
        "{rounds} x 3 files: {:.1} MB of evtx ({:.1} MB in used chunks), {records} records, \
         {:.1} MB of XML in {seconds:.3} s: {:.0} MB/s of file, {:.0} MB/s of used chunks, \
         {:.0} records/s",
        megabytes(rounds * bytes),
        megabytes(rounds * used_bytes),
        megabytes(xml_bytes),
        megabytes(rounds * bytes) / seconds,
        megabytes(rounds * used_bytes) / seconds,
        records as f64 / seconds,
    );
}
