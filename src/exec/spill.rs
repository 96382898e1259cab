//! Rows held until the search can order them, with a bound on the memory
//! they take.
//!
//! A search returns its events newest first, so the streaming path cannot
//! write a row until it has read every file: `search *` over a file larger
//! than memory held every event and aborted. A [`RowStore`] keeps the rows
//! in memory up to a bound ([`DEFAULT_SPILL_BYTES`], estimated as the memory
//! budget estimates a row), then writes them to an unnamed temporary file
//! (created already unlinked in `$TMPDIR`, so no path is left behind) and
//! keeps only each row's time and place. The rows come back newest first
//! (ties in arrival order, as a stable sort gives) or in arrival order,
//! exactly as they went in.

use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};

use crate::error::{Error, Result};
use crate::event::Event;
use crate::exec::memory::row_bytes;
use crate::value::Value;

/// Estimated bytes of rows held in memory before they go to disk.
pub const DEFAULT_SPILL_BYTES: u64 = 32 << 20;

/// Where one row is.
#[derive(Debug, Clone, Copy)]
enum Place {
    /// `mem[i]`.
    Memory(usize),
    /// Bytes `offset .. offset + len` of the spill file.
    Disk { offset: u64, len: u32 },
    /// `errors[i]`: a row that is an error, raised when it is reached.
    Error(usize),
}

/// One row's order key and place, packed in 24 bytes: a store holds one per
/// event of the search, whatever went to disk.
#[derive(Debug, Clone, Copy)]
struct Slot {
    /// The time, NaN for none.
    time: f64,
    at: u64,
    len: u32,
    kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Memory,
    Disk,
    Error,
}

impl Slot {
    fn new(time: Option<f64>, place: Place) -> Slot {
        let time = time.unwrap_or(f64::NAN);
        match place {
            Place::Memory(i) => Slot {
                time,
                at: i as u64,
                len: 0,
                kind: Kind::Memory,
            },
            Place::Disk { offset, len } => Slot {
                time,
                at: offset,
                len,
                kind: Kind::Disk,
            },
            Place::Error(i) => Slot {
                time,
                at: i as u64,
                len: 0,
                kind: Kind::Error,
            },
        }
    }

    fn time(&self) -> Option<f64> {
        (!self.time.is_nan()).then_some(self.time)
    }

    fn place(&self) -> Place {
        match self.kind {
            Kind::Memory => Place::Memory(self.at as usize),
            Kind::Disk => Place::Disk {
                offset: self.at,
                len: self.len,
            },
            Kind::Error => Place::Error(self.at as usize),
        }
    }
}

/// Rows in arrival order, each with the time that orders it, spilled to
/// a temporary file past a bound (see the module's documentation).
#[derive(Debug)]
pub struct RowStore {
    slots: Vec<Slot>,
    mem: Vec<Option<Event>>,
    errors: Vec<Option<Error>>,
    mem_bytes: u64,
    spill_at: u64,
    file: Option<Spill>,
    buf: Vec<u8>,
}

/// The temporary file and where the next row goes.
#[derive(Debug)]
struct Spill {
    out: BufWriter<File>,
    end: u64,
}

impl RowStore {
    /// A store that keeps about `spill_at` estimated bytes of rows in
    /// memory (0: every row goes to disk).
    pub fn new(spill_at: u64) -> RowStore {
        RowStore {
            slots: Vec::new(),
            mem: Vec::new(),
            errors: Vec::new(),
            mem_bytes: 0,
            spill_at,
            file: None,
            buf: Vec::new(),
        }
    }

    /// Whether some rows went to disk.
    #[cfg(test)]
    fn spilled(&self) -> bool {
        self.file.is_some()
    }

    /// Adds a row (or the error in its place) ordered by `time`.
    pub fn push(&mut self, time: Option<f64>, row: Result<Event>) -> Result<()> {
        let place = match row {
            Ok(event) => {
                self.mem_bytes = self.mem_bytes.saturating_add(row_bytes(&event));
                self.mem.push(Some(event));
                Place::Memory(self.mem.len() - 1)
            }
            Err(e) => {
                self.errors.push(Some(e));
                Place::Error(self.errors.len() - 1)
            }
        };
        self.slots.push(Slot::new(time, place));
        if self.mem_bytes > self.spill_at {
            self.spill().map_err(spill_error)?;
        }
        Ok(())
    }

    /// Writes every row held in memory to the spill file.
    fn spill(&mut self) -> io::Result<()> {
        if self.file.is_none() {
            self.file = Some(Spill {
                out: BufWriter::with_capacity(1 << 20, tempfile::tempfile()?),
                end: 0,
            });
        }
        let Some(file) = self.file.as_mut() else {
            return Ok(());
        };
        for slot in &mut self.slots {
            let Place::Memory(i) = slot.place() else {
                continue;
            };
            let Some(event) = self.mem.get_mut(i).and_then(Option::take) else {
                continue;
            };
            self.buf.clear();
            encode(&event, &mut self.buf);
            let len = u32::try_from(self.buf.len())
                .map_err(|_| io::Error::other("a row larger than 4 GiB cannot be spilled"))?;
            file.out.write_all(&self.buf)?;
            *slot = Slot::new(
                slot.time(),
                Place::Disk {
                    offset: file.end,
                    len,
                },
            );
            file.end += u64::from(len);
        }
        self.mem.clear();
        self.mem_bytes = 0;
        Ok(())
    }

    /// The rows, newest first (ties in arrival order) when `newest_first`,
    /// else in arrival order.
    pub fn into_rows(mut self, newest_first: bool) -> Result<StoredRows> {
        if newest_first {
            self.slots
                .sort_by(|a, b| crate::exec::newest_first(a.time(), b.time()));
        }
        let file = match self.file.take() {
            Some(spill) => {
                let mut file = spill
                    .out
                    .into_inner()
                    .map_err(|e| spill_error(e.into_error()))?;
                file.seek(SeekFrom::Start(0)).map_err(spill_error)?;
                Some(file)
            }
            None => None,
        };
        Ok(StoredRows {
            slots: self.slots.into_iter(),
            mem: self.mem,
            errors: self.errors,
            file,
            at: 0,
            buf: self.buf,
        })
    }
}

/// The rows of a [`RowStore`], read back one at a time.
#[derive(Debug)]
pub struct StoredRows {
    slots: std::vec::IntoIter<Slot>,
    mem: Vec<Option<Event>>,
    errors: Vec<Option<Error>>,
    file: Option<File>,
    /// The spill file's read position.
    at: u64,
    buf: Vec<u8>,
}

impl StoredRows {
    fn read(&mut self, offset: u64, len: u32) -> Result<Event> {
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| spill_error(io::Error::other("spill file missing")))?;
        if self.at != offset {
            file.seek(SeekFrom::Start(offset)).map_err(spill_error)?;
        }
        self.buf.resize(len as usize, 0);
        file.read_exact(&mut self.buf).map_err(spill_error)?;
        self.at = offset + u64::from(len);
        decode(&self.buf).ok_or_else(|| spill_error(io::Error::other("spilled row is corrupt")))
    }
}

impl Iterator for StoredRows {
    type Item = Result<Event>;

    fn next(&mut self) -> Option<Result<Event>> {
        let slot = self.slots.next()?;
        Some(match slot.place() {
            Place::Memory(i) => self
                .mem
                .get_mut(i)
                .and_then(Option::take)
                .ok_or_else(|| spill_error(io::Error::other("row taken twice"))),
            Place::Error(i) => Err(self
                .errors
                .get_mut(i)
                .and_then(Option::take)
                .unwrap_or_else(|| spill_error(io::Error::other("error taken twice")))),
            Place::Disk { offset, len } => self.read(offset, len),
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.slots.size_hint()
    }
}

fn spill_error(e: io::Error) -> Error {
    Error::Io {
        path: "<temporary spill file>".to_string(),
        message: format!("holding rows for newest-first order: {e}"),
    }
}

// A row's bytes: field count, then per field its name and value, lengths
// as little-endian u32 (a row is under 4 GiB; see `spill`).
const TAG_STR: u8 = 0;
const TAG_NUM: u8 = 1;
const TAG_MULTI: u8 = 2;

fn put_len(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u32).to_le_bytes());
}

fn put_text(out: &mut Vec<u8>, text: &str) {
    put_len(out, text.len());
    out.extend_from_slice(text.as_bytes());
}

fn encode(event: &Event, out: &mut Vec<u8>) {
    put_len(out, event.len());
    for (name, value) in event.iter() {
        put_text(out, name);
        match value {
            Value::Str(s) => {
                out.push(TAG_STR);
                put_text(out, s);
            }
            Value::Num(n) => {
                out.push(TAG_NUM);
                out.extend_from_slice(&n.to_bits().to_le_bytes());
            }
            Value::Multi(values) => {
                out.push(TAG_MULTI);
                put_len(out, values.len());
                for v in values {
                    put_text(out, v);
                }
            }
        }
    }
}

/// Reads what [`encode`] wrote; `None` if the bytes are not a row.
fn decode(bytes: &[u8]) -> Option<Event> {
    let mut input = Input { bytes, at: 0 };
    let fields = input.len()?;
    let mut event = Event::with_capacity(fields.min(1 << 16));
    for _ in 0..fields {
        let name = input.text()?;
        let value = match input.byte()? {
            TAG_STR => Value::Str(input.text()?.to_string()),
            TAG_NUM => Value::Num(f64::from_bits(u64::from_le_bytes(
                input.take(8)?.try_into().ok()?,
            ))),
            TAG_MULTI => {
                let n = input.len()?;
                let mut values = Vec::with_capacity(n.min(1 << 16));
                for _ in 0..n {
                    values.push(input.text()?.to_string());
                }
                Value::Multi(values)
            }
            _ => return None,
        };
        event.push_absent(name, value);
    }
    (input.at == bytes.len()).then_some(event)
}

struct Input<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Input<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let piece = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(piece)
    }

    fn byte(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn len(&mut self) -> Option<usize> {
        let b = self.take(4)?;
        Some(u32::from_le_bytes(b.try_into().ok()?) as usize)
    }

    fn text(&mut self) -> Option<&'a str> {
        let n = self.len()?;
        std::str::from_utf8(self.take(n)?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(i: usize, time: Option<f64>) -> Event {
        let mut e = Event::new();
        e.set("id", Value::Str(format!("r{i}")));
        if let Some(t) = time {
            e.set("_time", Value::Num(t));
        }
        if i.is_multiple_of(3) {
            e.set("mv", Value::Multi(vec!["a".into(), format!("b{i}")]));
        }
        e
    }

    fn ids(rows: StoredRows) -> Vec<String> {
        rows.map(|r| {
            r.expect("row")
                .get("id")
                .map(|v| v.to_text().into_owned())
                .unwrap_or_default()
        })
        .collect()
    }

    fn times(i: usize) -> Option<f64> {
        // Ties, gaps and rows without a time.
        (!i.is_multiple_of(7)).then_some((i % 5) as f64)
    }

    fn stored(spill_at: u64, n: usize) -> RowStore {
        let mut store = RowStore::new(spill_at);
        for i in 0..n {
            store.push(times(i), Ok(row(i, times(i)))).expect("push");
        }
        store
    }

    #[test]
    fn spilled_rows_come_back_as_the_in_memory_ones_do() {
        for newest in [true, false] {
            let kept = stored(u64::MAX, 200);
            assert!(!kept.spilled());
            let spilled = stored(500, 200);
            assert!(spilled.spilled());
            let all_disk = stored(0, 200);
            let want = ids(kept.into_rows(newest).expect("rows"));
            assert_eq!(want, ids(spilled.into_rows(newest).expect("rows")));
            assert_eq!(want, ids(all_disk.into_rows(newest).expect("rows")));
        }
    }

    #[test]
    fn newest_first_is_stable_with_untimed_rows_last() {
        let store = stored(0, 15);
        let got = ids(store.into_rows(true).expect("rows"));
        assert_eq!(got[0], "r4", "time 4 first: {got:?}");
        assert_eq!(got[1], "r9");
        assert_eq!(
            got[12..],
            ["r0", "r7", "r14"],
            "untimed last, in order: {got:?}"
        );
    }

    #[test]
    fn a_slot_is_24_bytes() {
        assert_eq!(std::mem::size_of::<Slot>(), 24);
    }

    #[test]
    fn a_row_round_trips_field_by_field() {
        let mut e = row(3, Some(1.5));
        e.set("n", Value::Num(-0.0));
        e.set("empty", Value::Str(String::new()));
        let mut bytes = Vec::new();
        encode(&e, &mut bytes);
        let back = decode(&bytes).expect("decodes");
        let pairs = |e: &Event| {
            e.iter()
                .map(|(k, v)| format!("{k}={v:?}"))
                .collect::<Vec<_>>()
        };
        assert_eq!(pairs(&e), pairs(&back));
        assert!(decode(&bytes[..bytes.len() - 1]).is_none());
    }

    #[test]
    fn an_error_row_is_raised_where_it_stood() {
        let mut store = RowStore::new(0);
        store.push(Some(2.0), Ok(row(1, Some(2.0)))).expect("push");
        store
            .push(
                Some(1.0),
                Err(Error::Io {
                    path: "x".into(),
                    message: "bad".into(),
                }),
            )
            .expect("push");
        let mut rows = store.into_rows(true).expect("rows");
        assert!(rows.next().expect("first").is_ok());
        assert!(rows.next().expect("second").is_err());
        assert!(rows.next().is_none());
    }
}
