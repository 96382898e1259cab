//! Writing results: an aligned text table, CSV, a JSON array, or NDJSON.
//!
//! JSON follows Splunk's export: every value is a string, a multivalue field
//! is an array of strings, and absent (null) fields are omitted.

use std::io::{self, Write};

use serde_json::{Map, Value as Json};

use crate::event::Event;
use crate::value::Value;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned columns for a terminal.
    Table,
    /// CSV with a header row; multivalue cells joined with newlines.
    Csv,
    /// One JSON array of row objects.
    Json,
    /// One JSON object per line.
    Ndjson,
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "table" => Ok(Format::Table),
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            "ndjson" => Ok(Format::Ndjson),
            other => Err(format!(
                "unknown output format `{other}` (expected table, csv, json or ndjson)"
            )),
        }
    }
}

/// A row as a JSON object, fields in the row's order.
pub fn row_to_json(row: &Event) -> Json {
    let mut map = Map::new();
    for (name, value) in row.iter() {
        map.insert(name.to_string(), value_to_json(value));
    }
    Json::Object(map)
}

fn value_to_json(value: &Value) -> Json {
    match value {
        Value::Multi(vs) => Json::Array(vs.iter().map(|v| Json::String(v.clone())).collect()),
        other => Json::String(other.to_text().into_owned()),
    }
}

/// How the table shows `_time`.
#[derive(Debug, Clone)]
pub struct TableTime {
    /// A Splunk `strftime` format; `None` shows `%Y-%m-%d %H:%M:%S`, with
    /// `.%3N` when the time has a fraction of a second, as Splunk Web's
    /// results table does.
    pub format: Option<String>,
    /// The time zone times are shown in.
    pub tz: chrono_tz::Tz,
}

impl Default for TableTime {
    fn default() -> Self {
        TableTime {
            format: None,
            tz: chrono_tz::UTC,
        }
    }
}

impl TableTime {
    /// `_time`'s cell text: epoch seconds become a date; anything that is not
    /// a number is shown as it is.
    fn show(&self, text: &str) -> String {
        let Ok(epoch) = text.trim().parse::<f64>() else {
            return text.to_string();
        };
        if !epoch.is_finite() {
            return text.to_string();
        }
        let format = match &self.format {
            Some(f) => f.as_str(),
            None if epoch.fract() != 0.0 => "%Y-%m-%d %H:%M:%S.%3N",
            None => "%Y-%m-%d %H:%M:%S",
        };
        let shown = crate::timefmt::strftime(epoch, format, self.tz);
        if shown.is_empty() {
            text.to_string()
        } else {
            shown
        }
    }
}

/// Writes rows in `format`; `columns` orders table and CSV output. The table
/// shows `_time` as a date in UTC (see [`write_with`]); JSON and CSV keep its
/// epoch seconds, as Splunk's exports do.
pub fn write(
    out: &mut dyn Write,
    format: Format,
    rows: &[Event],
    columns: &[String],
) -> io::Result<()> {
    write_with(out, format, rows, columns, &TableTime::default())
}

/// [`write`], with the table's `_time` shown as `time` says.
pub fn write_with(
    out: &mut dyn Write,
    format: Format,
    rows: &[Event],
    columns: &[String],
    time: &TableTime,
) -> io::Result<()> {
    write_fitted(out, format, rows, columns, time, None)
}

/// [`write_with`], the table fitted to `width` characters a line when
/// given (see [`fit_widths`]); other formats ignore `width`.
pub fn write_fitted(
    out: &mut dyn Write,
    format: Format,
    rows: &[Event],
    columns: &[String],
    time: &TableTime,
    width: Option<usize>,
) -> io::Result<()> {
    match format {
        Format::Json | Format::Ndjson => {
            // One row's JSON at a time, not a second copy of every row.
            let Some(mut writer) = RowWriter::new(out, format) else {
                return Ok(());
            };
            for row in rows {
                writer.row(row)?;
            }
            writer.finish()
        }
        Format::Csv => write_csv(out, rows, columns),
        Format::Table => write_table(out, rows, columns, time, width),
    }
}

/// Writes rows one at a time as a search produces them, for the formats
/// that need nothing from later rows (JSON and NDJSON); the bytes are those
/// [`write`] gives for the same rows.
pub struct RowWriter<'w> {
    out: &'w mut dyn Write,
    json_array: bool,
    rows: usize,
    buf: Vec<u8>,
}

impl<'w> RowWriter<'w> {
    /// A writer for `format`, or `None` for the formats whose layout needs
    /// every row first (CSV's header, the table's widths).
    pub fn new(out: &'w mut dyn Write, format: Format) -> Option<RowWriter<'w>> {
        let json_array = match format {
            Format::Json => true,
            Format::Ndjson => false,
            Format::Csv | Format::Table => return None,
        };
        Some(RowWriter {
            out,
            json_array,
            rows: 0,
            buf: Vec::new(),
        })
    }

    /// Rows written so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Writes one row.
    pub fn row(&mut self, row: &Event) -> io::Result<()> {
        let json = row_to_json(row);
        if !self.json_array {
            serde_json::to_writer(&mut *self.out, &json)?;
            self.rows += 1;
            return writeln!(self.out);
        }
        // serde_json's pretty array: each element on its own lines, two
        // spaces in (a JSON text holds no raw newline but these).
        self.buf.clear();
        serde_json::to_writer_pretty(&mut self.buf, &json)?;
        self.out
            .write_all(if self.rows == 0 { b"[\n  " } else { b",\n  " })?;
        for (i, line) in self.buf.split(|&b| b == b'\n').enumerate() {
            if i > 0 {
                self.out.write_all(b"\n  ")?;
            }
            self.out.write_all(line)?;
        }
        self.rows += 1;
        Ok(())
    }

    /// Ends the output (a JSON array's closing bracket).
    pub fn finish(self) -> io::Result<()> {
        match (self.json_array, self.rows) {
            (false, _) => Ok(()),
            (true, 0) => writeln!(self.out, "[]"),
            (true, _) => writeln!(self.out, "\n]"),
        }
    }
}

/// The io error under a csv error, so the caller can tell a closed pipe
/// from a full disk.
fn csv_io(error: csv::Error) -> io::Error {
    if error.is_io_error() {
        if let csv::ErrorKind::Io(inner) = error.into_kind() {
            return inner;
        }
        return io::Error::other("csv write failed");
    }
    io::Error::other(error)
}

fn write_csv(out: &mut dyn Write, rows: &[Event], columns: &[String]) -> io::Result<()> {
    // No columns at all (no rows and no `table`): an empty file, not the
    // csv crate's `""` for a record with no fields.
    if columns.is_empty() {
        return Ok(());
    }
    let mut w = csv::Writer::from_writer(out);
    w.write_record(columns).map_err(csv_io)?;
    for row in rows {
        let cells: Vec<String> = columns
            .iter()
            .map(|c| {
                row.get(c)
                    .map(|v| v.to_text().into_owned())
                    .unwrap_or_default()
            })
            .collect();
        w.write_record(&cells).map_err(csv_io)?;
    }
    w.flush()
}

fn write_table(
    out: &mut dyn Write,
    rows: &[Event],
    columns: &[String],
    time: &TableTime,
    width: Option<usize>,
) -> io::Result<()> {
    if columns.is_empty() {
        return Ok(());
    }
    // Each cell is a list of lines: one per value of a multivalue field.
    let cells: Vec<Vec<Vec<String>>> = rows
        .iter()
        .map(|row| {
            columns
                .iter()
                .map(|c| match row.get(c) {
                    Some(v) if c == "_time" => {
                        v.texts().into_iter().map(|t| time.show(&t)).collect()
                    }
                    Some(v) => v.texts().into_iter().map(|t| one_line(&t)).collect(),
                    None => Vec::new(),
                })
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = columns.iter().map(|c| c.chars().count()).collect();
    for row in &cells {
        for (w, cell) in widths.iter_mut().zip(row) {
            for line in cell {
                *w = (*w).max(line.chars().count());
            }
        }
    }
    if let Some(max) = width {
        fit_widths(&mut widths, max);
    }
    let header: Vec<String> = columns.to_vec();
    write_line(out, &header, &widths, width)?;
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    write_line(out, &rule, &widths, width)?;
    for row in &cells {
        let height = row.iter().map(Vec::len).max().unwrap_or(0).max(1);
        for i in 0..height {
            let line: Vec<String> = row
                .iter()
                .map(|cell| cell.get(i).cloned().unwrap_or_default())
                .collect();
            write_line(out, &line, &widths, width)?;
        }
    }
    Ok(())
}

fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

/// Space between two table columns.
const GAP: usize = 2;

/// The marker a cut cell ends with.
pub const CUT: char = '…';

/// Narrows `widths` so a table line (columns joined by two spaces) takes at
/// most `max` characters: every column wider than a common cap is cut to
/// it, the cap as large as fits, so narrow columns stay whole and the wide
/// ones share what is left. With more columns than `max` can hold at one
/// character each, every column is one character wide and the table
/// writer cuts each line itself.
pub fn fit_widths(widths: &mut [usize], max: usize) {
    let gaps = GAP * widths.len().saturating_sub(1);
    let total = |cap: usize, ws: &[usize]| ws.iter().map(|w| (*w).min(cap)).sum::<usize>() + gaps;
    let widest = widths.iter().copied().max().unwrap_or(0);
    if total(widest, widths) <= max {
        return;
    }
    // The total grows with the cap: the largest cap that fits, by halving.
    let (mut low, mut high) = (1, widest);
    while low < high {
        let mid = low + (high - low).div_ceil(2);
        if total(mid, widths) <= max {
            low = mid;
        } else {
            high = mid - 1;
        }
    }
    for w in widths.iter_mut() {
        *w = (*w).min(low);
    }
}

/// `text` in at most `width` characters: a longer one keeps its first
/// `width - 1` and ends with [`CUT`].
fn clip(text: &str, width: usize) -> std::borrow::Cow<'_, str> {
    if text.chars().count() <= width {
        return text.into();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    if width > 0 {
        out.push(CUT);
    }
    out.into()
}

fn write_line(
    out: &mut dyn Write,
    cells: &[String],
    widths: &[usize],
    max: Option<usize>,
) -> io::Result<()> {
    let mut line = String::new();
    for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
        if i > 0 {
            line.push_str(&" ".repeat(GAP));
        }
        // Widths are at least each cell's length unless fitted to a
        // terminal, where a cell longer than its column is cut.
        let cell = clip(cell, *w);
        line.push_str(&cell);
        if i + 1 < cells.len() {
            line.push_str(&" ".repeat(w.saturating_sub(cell.chars().count())));
        }
    }
    let line = line.trim_end();
    match max {
        Some(max) => writeln!(out, "{}", clip(line, max)),
        None => writeln!(out, "{line}"),
    }
}

/// How wide stdout's table may be: when stdout is a terminal, `COLUMNS`
/// (when it holds a positive number, as shells export it) else the
/// terminal's own width; `None` for a file or a pipe, which get every
/// character.
pub fn stdout_width() -> Option<usize> {
    use std::io::IsTerminal;
    if !io::stdout().is_terminal() {
        return None;
    }
    let from_env = std::env::var("COLUMNS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| *n > 0);
    from_env
        .or_else(|| terminal_size::terminal_size_of(io::stdout()).map(|(w, _)| usize::from(w.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> (Vec<Event>, Vec<String>) {
        let mut a = Event::new();
        a.set("user", Value::from("alice"));
        a.set("n", Value::Num(2.0));
        a.set("e", Value::Multi(vec!["x".into(), "y".into()]));
        let mut b = Event::new();
        b.set("user", Value::from("bob"));
        (vec![a, b], vec!["user".into(), "n".into(), "e".into()])
    }

    fn render(format: Format) -> String {
        let (rows, cols) = sample();
        let mut out = Vec::new();
        write(&mut out, format, &rows, &cols).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn rows_written_one_at_a_time_match_the_whole_output() {
        let (mut rows, columns) = sample();
        rows.push(Event::new());
        for format in [Format::Json, Format::Ndjson] {
            for n in [0, 1, rows.len()] {
                // serde_json's own rendering of the whole array (or lines).
                let values: Vec<Json> = rows[..n].iter().map(row_to_json).collect();
                let whole = match format {
                    Format::Json => serde_json::to_string_pretty(&values).expect("renders") + "\n",
                    _ => values.iter().map(|v| format!("{v}\n")).collect(),
                };
                let mut written = Vec::new();
                write(&mut written, format, &rows[..n], &columns).expect("writes");
                assert_eq!(String::from_utf8_lossy(&written), whole, "{format:?} {n}");
                let mut streamed = Vec::new();
                let mut w = RowWriter::new(&mut streamed, format).expect("streams");
                for row in &rows[..n] {
                    w.row(row).expect("writes");
                }
                assert_eq!(w.rows(), n);
                w.finish().expect("finishes");
                assert_eq!(
                    String::from_utf8_lossy(&streamed),
                    whole,
                    "{format:?} with {n} rows"
                );
            }
        }
        assert!(RowWriter::new(&mut Vec::new(), Format::Csv).is_none());
    }

    #[test]
    fn json_values_are_strings_and_arrays() {
        assert_eq!(
            render(Format::Ndjson),
            "{\"user\":\"alice\",\"n\":\"2\",\"e\":[\"x\",\"y\"]}\n{\"user\":\"bob\"}\n"
        );
    }

    #[test]
    fn table_shows_time_as_a_date_and_csv_keeps_epoch() {
        let mut row = Event::new();
        row.set("_time", Value::from("1700000000"));
        row.set("t2", Value::from("1700000000"));
        let mut frac = Event::new();
        frac.set("_time", Value::from("1700000000.25"));
        let rows = [row, frac];
        let cols = ["_time".to_string(), "t2".to_string()];
        let mut out = Vec::new();
        write(&mut out, Format::Table, &rows, &cols).expect("writes");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(
            text.contains("2023-11-14 22:13:20      1700000000"),
            "{text}"
        );
        assert!(text.contains("2023-11-14 22:13:20.250"), "{text}");
        let mut out = Vec::new();
        let time = TableTime {
            format: Some("%s|%H".into()),
            tz: chrono_tz::America::New_York,
        };
        write_with(&mut out, Format::Table, &rows[..1], &cols, &time).expect("writes");
        assert!(String::from_utf8_lossy(&out).contains("1700000000|17"));
        let mut out = Vec::new();
        write(&mut out, Format::Csv, &rows[..1], &cols).expect("writes");
        assert_eq!(out, b"_time,t2\n1700000000,1700000000\n");
    }

    #[test]
    fn csv_without_columns_is_empty() {
        let mut out = Vec::new();
        write(&mut out, Format::Csv, &[], &[]).expect("writes");
        assert_eq!(out, b"");
    }

    #[test]
    fn csv_joins_multivalue_with_newlines() {
        assert_eq!(render(Format::Csv), "user,n,e\nalice,2,\"x\ny\"\nbob,,\n");
    }

    #[test]
    fn fitted_table_cuts_the_widest_columns_first() {
        let mut widths = vec![3, 20, 10];
        fit_widths(&mut widths, 25);
        // 3 + 2 + 9 + 2 + 9 = 25: the narrow column stays whole.
        assert_eq!(widths, [3, 9, 9]);
        let mut whole = vec![3, 4];
        fit_widths(&mut whole, 9);
        assert_eq!(whole, [3, 4]);
        let mut crowded = vec![5, 5, 5];
        fit_widths(&mut crowded, 2);
        assert_eq!(crowded, [1, 1, 1]);
        let mut row = Event::new();
        row.set("user", Value::from("alice-with-a-long-name"));
        row.set("n", Value::Num(2.0));
        let cols = ["user".to_string(), "n".to_string()];
        let mut out = Vec::new();
        write_fitted(
            &mut out,
            Format::Table,
            &[row],
            &cols,
            &TableTime::default(),
            Some(12),
        )
        .expect("writes");
        let text = String::from_utf8(out).expect("utf-8");
        assert_eq!(text, "user       n\n---------  -\nalice-wi…  2\n");
        assert!(text.lines().all(|l| l.chars().count() <= 12), "{text}");
        // Too many columns for one character each: the lines are cut.
        let mut out = Vec::new();
        let (rows, cols) = sample();
        write_fitted(
            &mut out,
            Format::Table,
            &rows,
            &cols,
            &TableTime::default(),
            Some(4),
        )
        .expect("writes");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(text.lines().all(|l| l.chars().count() <= 4), "{text}");
    }

    #[test]
    fn empty_results_keep_their_header() {
        let cols = ["user".to_string(), "count".to_string()];
        let mut out = Vec::new();
        write(&mut out, Format::Table, &[], &cols).expect("writes");
        assert_eq!(out, b"user  count\n----  -----\n");
        let mut out = Vec::new();
        write(&mut out, Format::Csv, &[], &cols).expect("writes");
        assert_eq!(out, b"user,count\n");
    }

    #[test]
    fn table_aligns_and_stacks_multivalue() {
        assert_eq!(
            render(Format::Table),
            "user   n  e\n-----  -  -\nalice  2  x\n          y\nbob\n"
        );
    }
}
