//! Reading Windows `.evtx` files: every record as the one-line XML that
//! Splunk's Windows forwarder writes (sourcetype `XmlWinEventLog`,
//! `renderXml = true`), e.g.
//!
//! ```text
//! <Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Security-Auditing' Guid='{54849625-5478-4994-A5BA-3E3B0328C30D}'/><EventID>4703</EventID>...<TimeCreated SystemTime='2022-08-31T19:18:41.676014900Z'/>...<Security/></System><EventData><Data Name='SubjectUserSid'>S-1-5-21-...-500</Data>...</EventData></Event>
//! ```
//!
//! The `evtx` crate parses the file and writes each record's XML;
//! [`render_forwarder_xml`] re-renders that as the forwarder does (quoting,
//! escaping, GUID case and time digits: see the `render` module and
//! [`XmlStyle`]). Records come in record-ID order (the crate starts at the
//! chunk holding the oldest records, as Windows reads a log that wrapped
//! around), one thread, so the output is the same every time.
//!
//! Differences from the forwarder that remain, because they need the Windows
//! host that wrote the events, not the file:
//!
//! - no `<RenderingInfo>`: the message text and the level/task/opcode names
//!   come from the providers' message files, which an offline reader does not
//!   have (the forwarder's files in attack_data have none either, as it was
//!   configured with `suppress_text`);
//! - SIDs stay SIDs: the forwarder can resolve them to `DOMAIN\user` names
//!   through the domain (`evt_resolve_ad_obj`), which some real files show in
//!   `Data` values and `Security UserID`;
//! - GUID case and time digits depend on the Windows version that renders,
//!   which the file does not record: [`XmlStyle`] chooses.
//!
//! A damaged file is read as far as it can be: a chunk or record that can't
//! be read becomes an [`EvtxProblem`], and the rest is still read. Only a
//! file that is not evtx, or whose file header can't be read, is an error.

mod render;

use std::fmt;
use std::io::Cursor;
use std::sync::Arc;

use ::evtx::err::EvtxError as CrateError;
use ::evtx::{EvtxChunkData, EvtxParser, ParserSettings};

pub use render::{render_forwarder_xml, GuidCase, RenderError, TimeFraction, XmlStyle};

/// One record, rendered as the forwarder's one-line XML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvtxRecord {
    /// The event as the forwarder writes it (`_raw`). One line, unless a
    /// value holds a line break.
    pub xml: String,
    /// `EventRecordID`, from the record header.
    pub record_id: u64,
    /// `System/Channel`, such as `Security`.
    pub channel: Option<String>,
    /// `System/EventID`, without its `Qualifiers`.
    pub event_id: Option<u32>,
}

/// A chunk or record that could not be read (reported, counted, and the rest
/// still read), or damage that did not stop the reading (a checksum).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvtxProblem {
    /// The chunk's number in the file (0 is the first, right after the
    /// 4 KiB file header); `None` for the file header.
    pub chunk: Option<u64>,
    /// The record's `EventRecordID`, when it could be read.
    pub record: Option<u64>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for EvtxProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.chunk {
            // The byte offset lets a reader find the damage with a hex editor.
            Some(chunk) => write!(
                f,
                "chunk {chunk} (byte offset {})",
                FILE_HEADER_SIZE as u64 + chunk * CHUNK_SIZE as u64
            )?,
            None => f.write_str("file header (byte offset 0)")?,
        }
        if let Some(record) = self.record {
            write!(f, ", record {record}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The file as a whole can't be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvtxFileError {
    /// The file does not start with `ElfFile\0`.
    #[error("not an evtx file (it does not start with \"ElfFile\\0\")")]
    NotEvtx,
    /// The file header is unreadable (too short, say).
    #[error("unreadable evtx file header: {0}")]
    BadHeader(String),
}

/// What every evtx file starts with.
const FILE_MAGIC: &[u8; 8] = b"ElfFile\0";
/// Where the first chunk starts (the crate reads chunks from there too).
const FILE_HEADER_SIZE: usize = 4096;
/// Every chunk's size.
const CHUNK_SIZE: usize = 65536;

/// Whether `bytes` start as an evtx file does (`ElfFile\0`).
pub fn is_evtx(bytes: &[u8]) -> bool {
    bytes.starts_with(FILE_MAGIC)
}

/// Reads every record of an evtx file in record-ID order, handing each to
/// `on_record` as the forwarder's XML in `style`, and each chunk or record
/// that can't be read to `on_problem`. Returns how many records were handed
/// on.
///
/// `Err` only when the file is not evtx or its header can't be read; any
/// other damage is a problem, and the records that can be read still are.
pub fn read_evtx(
    bytes: &[u8],
    style: XmlStyle,
    on_record: &mut dyn FnMut(EvtxRecord),
    on_problem: &mut dyn FnMut(EvtxProblem),
) -> Result<usize, EvtxFileError> {
    if !is_evtx(bytes) {
        return Err(EvtxFileError::NotEvtx);
    }
    // Checksums are checked below instead of by the crate, which would skip
    // a chunk whose checksum is wrong although its records may be intact.
    let settings = ParserSettings::new()
        .indent(false)
        .validate_checksums(false);
    let mut parser = EvtxParser::from_read_seek(Cursor::new(bytes))
        .map_err(|error| EvtxFileError::BadHeader(error_chain(&error)))?
        .with_configuration(settings.clone());
    if !parser.header().validate_checksum() {
        on_problem(EvtxProblem {
            chunk: None,
            record: None,
            message: "file header checksum does not match; read anyway".into(),
        });
    }
    let settings = Arc::new(settings);
    let mut records = 0;
    for chunk in parser.chunks() {
        let items = match chunk {
            Ok(mut chunk) => chunk_items_guarded(&mut chunk, &settings, style),
            Err(error) => vec![Item::Problem(problem(None, &error))],
        };
        for item in items {
            match item {
                Item::Record(record) => {
                    records += 1;
                    on_record(record);
                }
                Item::Problem(problem) => on_problem(problem),
            }
        }
    }
    if let Some(problem) = partial_last_chunk(bytes.len()) {
        on_problem(problem);
    }
    Ok(records)
}

/// What reading a chunk gives, in order.
enum Item {
    Record(EvtxRecord),
    Problem(EvtxProblem),
}

/// [`chunk_items`], with a panic in the crate (none is known: this is a
/// guard) turned into a problem of the chunk, so the other chunks are still
/// read. The caller's callbacks run outside, so their panics stay theirs.
fn chunk_items_guarded(
    chunk: &mut EvtxChunkData,
    settings: &Arc<ParserSettings>,
    style: XmlStyle,
) -> Vec<Item> {
    let number = chunk.number;
    let read = std::panic::AssertUnwindSafe(|| chunk_items(chunk, settings, style));
    std::panic::catch_unwind(read).unwrap_or_else(|panic| {
        let reason = panic
            .downcast_ref::<&str>()
            .map(|text| text.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        vec![Item::Problem(EvtxProblem {
            chunk: number,
            record: None,
            message: format!("the evtx crate panicked reading this chunk: {reason}"),
        })]
    })
}

/// The records and problems of one chunk.
fn chunk_items(
    chunk: &mut EvtxChunkData,
    settings: &Arc<ParserSettings>,
    style: XmlStyle,
) -> Vec<Item> {
    let number = chunk.number;
    let chunk_problem = |message| {
        Item::Problem(EvtxProblem {
            chunk: number,
            record: None,
            message,
        })
    };
    let mut items: Vec<Item> = checksum_problems(chunk)
        .into_iter()
        .map(chunk_problem)
        .collect();
    let mut parsed = match chunk.parse(Arc::clone(settings)) {
        Ok(parsed) => parsed,
        Err(error) => {
            items.push(chunk_problem(error_chain(&error)));
            return items;
        }
    };
    for record in parsed.iter() {
        let rendered = record.and_then(|record| {
            let record_id = record.event_record_id;
            let crate_xml = record.into_xml()?.data;
            Ok((record_id, render::render(&crate_xml, style)))
        });
        items.push(match rendered {
            Ok((record_id, Ok(rendered))) => Item::Record(EvtxRecord {
                xml: rendered.xml,
                record_id,
                channel: rendered.channel,
                event_id: rendered.event_id,
            }),
            Ok((record_id, Err(error))) => Item::Problem(EvtxProblem {
                chunk: number,
                record: Some(record_id),
                message: error.to_string(),
            }),
            Err(error) => Item::Problem(problem(number, &error)),
        });
    }
    items
}

/// The chunk's header and records checksums, when they don't match. The
/// records are read all the same: a damaged one fails on its own, and the
/// others are intact.
fn checksum_problems(chunk: &EvtxChunkData) -> Vec<String> {
    let mut problems = Vec::new();
    if !chunk.validate_header_checksum() {
        problems.push("chunk header checksum does not match; read anyway".to_owned());
    }
    if !chunk.validate_data_checksum() {
        problems.push("chunk records checksum does not match; read anyway".to_owned());
    }
    problems
}

/// A file that ends inside a chunk (a truncated copy): the crate stops
/// before that chunk without a word, so it is reported here.
fn partial_last_chunk(file_len: usize) -> Option<EvtxProblem> {
    let past_header = file_len.checked_sub(FILE_HEADER_SIZE)?;
    let partial = past_header % CHUNK_SIZE;
    (partial != 0).then(|| EvtxProblem {
        chunk: Some((past_header / CHUNK_SIZE) as u64),
        record: None,
        message: format!(
            "the file ends {partial} bytes into this chunk of {CHUNK_SIZE}: truncated, its records are not read"
        ),
    })
}

/// A problem from one of the crate's errors, with the chunk and record it
/// names (or `chunk`, the one being read).
fn problem(chunk: Option<u64>, error: &CrateError) -> EvtxProblem {
    let mut problem = EvtxProblem {
        chunk,
        record: None,
        message: error_chain(error),
    };
    let mut source: Option<&CrateError> = Some(error);
    while let Some(error) = source {
        match error {
            CrateError::FailedToParseChunk { chunk_id, .. } => problem.chunk = Some(*chunk_id),
            CrateError::FailedToReadRecordAt {
                chunk: Some(chunk), ..
            } => problem.chunk = Some(*chunk),
            CrateError::FailedToParseRecord { record_id, .. } => problem.record = Some(*record_id),
            _ => {}
        }
        source = std::error::Error::source(error).and_then(|inner| inner.downcast_ref());
    }
    problem
}

/// An error and its sources, `outer: inner: innermost`: the crate's outer
/// messages say where, the inner ones what.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = String::new();
    let mut source = Some(error);
    while let Some(error) = source {
        let text = error.to_string();
        let text = text.trim_end_matches('.');
        if !message.ends_with(text) {
            if !message.is_empty() {
                message.push_str(": ");
            }
            message.push_str(text);
        }
        source = error.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(
        bytes: &[u8],
    ) -> (
        Result<usize, EvtxFileError>,
        Vec<EvtxRecord>,
        Vec<EvtxProblem>,
    ) {
        let mut records = Vec::new();
        let mut problems = Vec::new();
        let result = read_evtx(
            bytes,
            XmlStyle::CLASSIC,
            &mut |record| records.push(record),
            &mut |problem| problems.push(problem),
        );
        (result, records, problems)
    }

    #[test]
    fn recognises_the_magic() {
        assert!(is_evtx(b"ElfFile\0rest"));
        assert!(!is_evtx(b"ElfFile"));
        assert!(!is_evtx(b"<Event xmlns="));
        assert!(!is_evtx(b""));
    }

    #[test]
    fn other_files_are_an_error() {
        assert_eq!(read(b"{\"a\": 1}\n").0, Err(EvtxFileError::NotEvtx));
        assert_eq!(read(b"").0, Err(EvtxFileError::NotEvtx));
    }

    #[test]
    fn a_short_header_is_an_error() {
        assert!(matches!(
            read(b"ElfFile\0\x01\x02").0,
            Err(EvtxFileError::BadHeader(_))
        ));
    }

    #[test]
    fn a_header_without_chunks_has_no_records() {
        let mut file = vec![0u8; FILE_HEADER_SIZE];
        file[..8].copy_from_slice(FILE_MAGIC);
        file[32..36].copy_from_slice(&128u32.to_le_bytes()); // header size
        file[40..42].copy_from_slice(&4096u16.to_le_bytes()); // header block size
        let (result, records, problems) = read(&file);
        assert_eq!(result, Ok(0));
        assert!(records.is_empty());
        // Its checksum is zero, so that is all that is wrong.
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].chunk, None);
    }

    #[test]
    fn garbage_after_the_magic_does_not_panic() {
        // A small deterministic generator: no dependency for a few bytes.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for len in [
            8,
            100,
            FILE_HEADER_SIZE,
            FILE_HEADER_SIZE + CHUNK_SIZE + 300,
        ] {
            let mut file: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            file[..8].copy_from_slice(FILE_MAGIC);
            if len > FILE_HEADER_SIZE + 8 {
                file[FILE_HEADER_SIZE..FILE_HEADER_SIZE + 8].copy_from_slice(b"ElfChnk\0");
            }
            let _ = read(&file);
        }
    }

    #[test]
    fn truncation_is_reported_with_its_chunk() {
        assert_eq!(partial_last_chunk(FILE_HEADER_SIZE + 2 * CHUNK_SIZE), None);
        assert_eq!(partial_last_chunk(100), None);
        let problem = partial_last_chunk(FILE_HEADER_SIZE + CHUNK_SIZE + 10).unwrap();
        assert_eq!((problem.chunk, problem.record), (Some(1), None));
        assert!(problem.message.contains("10 bytes"), "{}", problem.message);
    }

    #[test]
    fn problems_display_where_they_are() {
        let problem = EvtxProblem {
            chunk: Some(2),
            record: Some(17),
            message: "bad".into(),
        };
        assert_eq!(
            problem.to_string(),
            "chunk 2 (byte offset 135168), record 17: bad"
        );
        let header = EvtxProblem {
            chunk: None,
            record: None,
            message: "bad".into(),
        };
        assert_eq!(header.to_string(), "file header (byte offset 0): bad");
    }
}
