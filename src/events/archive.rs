//! Tar archives (`.tar`, `.tar.gz`): each regular file in the archive is
//! read as its own source, as if it had been named on its own. Public
//! datasets ship this way (attack_data's `T1047/atomic_red_team/attack_data.tar.gz`
//! holds NXLog JSON Windows events).
//!
//! An event's `source`, unless one is given, is `<archive>:<member path>`,
//! so events of different members stay apart (this naming is spelunk's; give
//! `--source` to set another). The sourcetype, unless given, is recognised
//! from each member's content.

use std::io::Read;

use super::{read_bytes, EventSource, Malformed, ReadOptions, ReadReport};
use crate::error::{Error, Result};
use crate::event::Event;

/// Where the POSIX `ustar` magic sits in a tar header block.
const USTAR_MAGIC_OFFSET: usize = 257;

/// Whether `bytes` start with a tar header (POSIX `ustar`, or GNU `ustar  `).
pub(super) fn is_tar(bytes: &[u8]) -> bool {
    bytes
        .get(USTAR_MAGIC_OFFSET..USTAR_MAGIC_OFFSET + 5)
        .is_some_and(|magic| magic == b"ustar")
}

/// Reads every regular file of the archive in `bytes` (already
/// decompressed) through [`read_bytes`], adding up their reports.
pub(super) fn read_tar(
    bytes: &[u8],
    name: &str,
    src: &EventSource,
    opts: &ReadOptions,
    modified: Option<f64>,
    sink: &mut dyn FnMut(Event),
) -> Result<ReadReport> {
    let bad = |e: std::io::Error| Error::io(name, format!("tar archive: {e}"));
    let mut archive = tar::Archive::new(bytes);
    let mut total = ReadReport::default();
    let mut members = 0;
    for entry in archive.entries().map_err(bad)? {
        let mut entry = entry.map_err(bad)?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let member = entry.path().map_err(bad)?.display().to_string();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).map_err(bad)?;
        members += 1;
        let member_name = format!("{name}:{member}");
        let member_src = EventSource {
            source: src.source.clone().or_else(|| Some(member_name.clone())),
            ..src.clone()
        };
        let report = read_bytes(&content, &member_name, &member_src, opts, modified, sink)?;
        merge(&mut total, report);
    }
    if members == 0 {
        total.malformed.push(Malformed {
            file: name.to_string(),
            line: 0,
            reason: "tar archive holds no regular file".into(),
        });
    }
    Ok(total)
}

fn merge(total: &mut ReadReport, report: ReadReport) {
    total.events += report.events;
    total.malformed.extend(report.malformed);
    total.untimed += report.untimed;
    for notice in report.notices {
        if !total.notices.contains(&notice) {
            total.notices.push(notice);
        }
    }
}
