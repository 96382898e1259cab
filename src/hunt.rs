//! Hunting: many detections over one set of events, as offline rule runners
//! (chainsaw, hayabusa) do. The events are read once; each detection is
//! compiled and run over them on its own worker, and the results keep the
//! detections' order.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{json, Value as Json};

use crate::detection::read_search_file;
use crate::engine::Engine;
use crate::event::Event;
use crate::explain::{Explain, FileSummary};

/// How one detection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HuntStatus {
    /// It returned at least one row.
    Fired,
    /// It ran and returned nothing.
    Quiet,
    /// It could not be read, compiled or run (the message says why).
    Error,
}

impl HuntStatus {
    /// `fired`, `quiet` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            HuntStatus::Fired => "fired",
            HuntStatus::Quiet => "quiet",
            HuntStatus::Error => "error",
        }
    }
}

/// One detection's outcome.
#[derive(Debug, Clone)]
pub struct HuntResult {
    /// The detection file.
    pub file: PathBuf,
    /// The detection's `name:` (YAML), else the file's stem.
    pub name: String,
    /// How it ended.
    pub status: HuntStatus,
    /// Its rows, in result order.
    pub rows: Vec<Event>,
    /// Its result columns.
    pub columns: Vec<String>,
    /// The rendered error, for [`HuntStatus::Error`].
    pub error: Option<String>,
    /// Compile and run time.
    pub duration: Duration,
    /// Why it returned what it did, when asked for ([`hunt_explained`]).
    pub explain: Option<Explain>,
}

/// The detection files under `paths`: files as given, and `.spl`, `.yml`
/// and `.yaml` files below folders (sorted). YAML files without a top-level
/// `search:` (macros, lookups, stories) are not detections and are left out.
pub fn detection_files(paths: &[PathBuf]) -> crate::error::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found = crate::walk::files_under(path, crate::walk::Links::Follow, |_| true)?;
            found.retain(|p| is_detection_file(p));
            found.sort();
            out.extend(found);
        } else {
            out.push(path.clone());
        }
    }
    Ok(out)
}

fn is_detection_file(path: &Path) -> bool {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "spl" => true,
        "yml" | "yaml" => std::fs::read_to_string(path)
            .map(|t| t.lines().any(|l| l.starts_with("search:")))
            .unwrap_or(false),
        _ => false,
    }
}

/// Runs each detection in `files` over `events` (newest first, as
/// [`Engine::load_events`] gives them) on `jobs` threads (0: one per core).
pub fn hunt(engine: &Engine, files: &[PathBuf], events: &[Event], jobs: usize) -> Vec<HuntResult> {
    hunt_with(engine, files, events, jobs, None)
}

/// [`hunt`] with an [`Explain`] per detection (rows after each command,
/// fields no event carries), each holding `files` (what the events files
/// gave, from [`Engine::load_events_explained`]).
pub fn hunt_explained(
    engine: &Engine,
    files: &[PathBuf],
    events: &[Event],
    jobs: usize,
    read: &[FileSummary],
) -> Vec<HuntResult> {
    hunt_with(engine, files, events, jobs, Some(read))
}

fn hunt_with(
    engine: &Engine,
    files: &[PathBuf],
    events: &[Event],
    jobs: usize,
    explain: Option<&[FileSummary]>,
) -> Vec<HuntResult> {
    hunt_observed(engine, files, events, jobs, explain, &|| {})
}

/// [`hunt`] (with an [`Explain`] each when `explain` holds the files
/// read), calling `done` as each detection finishes (for a progress bar).
pub fn hunt_observed(
    engine: &Engine,
    files: &[PathBuf],
    events: &[Event],
    jobs: usize,
    explain: Option<&[FileSummary]>,
    done: &(dyn Fn() + Sync),
) -> Vec<HuntResult> {
    let slots = crate::parallel::map_ordered_observed(
        files,
        jobs,
        |file| run_one(engine, file, events, explain),
        done,
    );
    slots
        .into_iter()
        .zip(files)
        .map(|(slot, file)| {
            slot.unwrap_or_else(|| HuntResult {
                file: file.clone(),
                name: stem(file),
                status: HuntStatus::Error,
                rows: Vec::new(),
                columns: Vec::new(),
                error: Some("internal error: the detection did not finish".into()),
                duration: Duration::ZERO,
                explain: None,
            })
        })
        .collect()
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn run_one(
    engine: &Engine,
    file: &Path,
    events: &[Event],
    explain: Option<&[FileSummary]>,
) -> HuntResult {
    let started = Instant::now();
    let mut result = HuntResult {
        file: file.to_path_buf(),
        name: stem(file),
        status: HuntStatus::Error,
        rows: Vec::new(),
        columns: Vec::new(),
        error: None,
        duration: Duration::ZERO,
        explain: None,
    };
    let outcome = read_search_file(file)
        .map_err(|e| e.to_string())
        .and_then(|search| {
            if let Some(name) = search.name {
                result.name = name;
            }
            let name = file.display().to_string();
            // Errors name the detection file's own line and column.
            let placed = |d: crate::diagnostic::Diagnostic| match &search.placement {
                Some(p) => p.place(d, &name).to_string(),
                None => d.to_string(),
            };
            let query = engine.compile(&search.search, &name).map_err(placed)?;
            match explain {
                None => engine.run_query(&query, events).map_err(placed),
                Some(read) => {
                    let (out, mut why) = engine.run_query_explained(&query, events);
                    why.files = read.to_vec();
                    result.explain = Some(why);
                    out.map_err(placed)
                }
            }
        });
    match outcome {
        Ok(out) => {
            result.status = if out.rows.is_empty() {
                HuntStatus::Quiet
            } else {
                HuntStatus::Fired
            };
            result.rows = out.rows;
            result.columns = out.columns;
        }
        Err(message) => result.error = Some(message),
    }
    result.duration = started.elapsed();
    result
}

/// Counts of fired, quiet and failed detections.
pub fn summary(results: &[HuntResult]) -> String {
    let count = |s: HuntStatus| results.iter().filter(|r| r.status == s).count();
    format!(
        "{} detection(s): {} fired, {} quiet, {} error(s)",
        results.len(),
        count(HuntStatus::Fired),
        count(HuntStatus::Quiet),
        count(HuntStatus::Error)
    )
}

/// The summary table: one line per detection (status, hits, milliseconds,
/// name, file), each error's first line under it, then the counts.
pub fn render_text(results: &[HuntResult]) -> String {
    render_text_with(results, false)
}

/// [`render_text`]; `color` tints the status column with ANSI colours
/// (fired red, error yellow), as a terminal shows them.
pub fn render_text_with(results: &[HuntResult], color: bool) -> String {
    let name_width = results
        .iter()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(0)
        .max("detection".len());
    // The events files are the same for every detection: shown once.
    let mut out = results
        .iter()
        .find_map(|r| r.explain.as_ref())
        .map(Explain::render_files)
        .unwrap_or_default();
    out.push_str(&format!(
        "{:<6}  {:>6}  {:>8}  {:<name_width$}  file\n",
        "status", "hits", "ms", "detection"
    ));
    for r in results {
        // Padded before painting: escape codes take no columns.
        let status = paint_status(r.status, &format!("{:<6}", r.status.as_str()), color);
        out.push_str(&format!(
            "{}  {:>6}  {:>8}  {:<name_width$}  {}\n",
            status,
            r.rows.len(),
            r.duration.as_millis(),
            r.name,
            r.file.display()
        ));
        if let Some(error) = &r.error {
            let first = error.lines().next().unwrap_or_default();
            out.push_str(&format!("        {first}\n"));
        }
        if let Some(explain) = &r.explain {
            for line in explain.render_search().lines() {
                out.push_str(&format!("        {line}\n"));
            }
        }
    }
    out.push_str(&summary(results));
    out.push('\n');
    out
}

fn paint_status(status: HuntStatus, text: &str, color: bool) -> String {
    let tint = match status {
        HuntStatus::Fired => "\x1b[1;31m",
        HuntStatus::Error => "\x1b[33m",
        HuntStatus::Quiet => return text.to_string(),
    };
    if color {
        format!("{tint}{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// `{"detections": [{"file", "name", "hits", "status", "rows", ...}]}`;
/// rows as `-o json` writes them (values as strings).
pub fn render_json(results: &[HuntResult]) -> Json {
    let detections: Vec<Json> = results
        .iter()
        .map(|r| {
            let mut d = json!({
                "file": r.file.display().to_string(),
                "name": r.name,
                "hits": r.rows.len(),
                "status": r.status.as_str(),
                "duration_ms": r.duration.as_millis() as u64,
                "rows": r.rows.iter().map(crate::output::row_to_json).collect::<Vec<_>>(),
            });
            if let Some(error) = &r.error {
                d["error"] = Json::String(error.clone());
            }
            if let Some(explain) = &r.explain {
                d["explain"] = serde_json::to_value(explain).unwrap_or(Json::Null);
            }
            d
        })
        .collect();
    json!({ "detections": detections })
}

/// Every hit as one CSV table: a `detection` column (the name), then the
/// union of the detections' columns in first-seen order.
pub fn write_csv(out: &mut dyn std::io::Write, results: &[HuntResult]) -> std::io::Result<()> {
    let mut columns: Vec<&str> = vec!["detection"];
    for r in results {
        for c in &r.columns {
            if !columns.contains(&c.as_str()) {
                columns.push(c);
            }
        }
    }
    let mut w = csv::Writer::from_writer(out);
    w.write_record(&columns).map_err(std::io::Error::other)?;
    for r in results {
        for row in &r.rows {
            let cells = columns.iter().enumerate().map(|(i, c)| {
                if i == 0 {
                    r.name.clone()
                } else {
                    row.get(c)
                        .map(|v| v.to_text().into_owned())
                        .unwrap_or_default()
                }
            });
            w.write_record(cells).map_err(std::io::Error::other)?;
        }
    }
    w.flush()
}

/// One fired row on the timeline, with the detection that returned it.
#[derive(Debug, Clone)]
pub struct TimelineEntry<'a> {
    /// The row's `_time` in epoch seconds, when it has a numeric one.
    pub time: Option<f64>,
    /// The detection's name.
    pub detection: &'a str,
    /// The detection file.
    pub file: &'a Path,
    /// The row as the detection returned it.
    pub row: &'a Event,
}

/// Every fired row of every detection in one timeline, oldest first as
/// hayabusa prints its timelines (a timeline is read forwards, as the
/// attack happened). Rows with the same time keep the detections' order,
/// then their result order. Rows without a numeric `_time` (a `stats`
/// result, say) come last, in the same order: a group's `firstTime` or
/// `lastTime` is often already a formatted string, so it is shown in the
/// details rather than guessed at.
pub fn timeline(results: &[HuntResult]) -> Vec<TimelineEntry<'_>> {
    let mut entries: Vec<TimelineEntry> = results
        .iter()
        .flat_map(|r| {
            r.rows.iter().map(move |row| TimelineEntry {
                time: row_time(row),
                detection: &r.name,
                file: &r.file,
                row,
            })
        })
        .collect();
    // A stable sort: equal times keep detection then row order.
    entries.sort_by(|a, b| match (a.time, b.time) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    entries
}

fn row_time(row: &Event) -> Option<f64> {
    let value = row.get("_time")?;
    let texts = value.texts();
    let first = texts.first()?;
    first.trim().parse::<f64>().ok().filter(|t| t.is_finite())
}

/// A row in one line: its fields as `name=value`, in the row's order,
/// leaving out internal fields (`_time`, `_raw`, ...); a multivalue field's
/// values are joined with `,`.
pub fn details(row: &Event) -> String {
    row.iter()
        .filter(|(name, _)| !name.starts_with('_'))
        .map(|(name, value)| {
            let texts: Vec<String> = value
                .texts()
                .iter()
                .map(|t| t.replace(['\n', '\r'], " "))
                .collect();
            format!("{name}={}", texts.join(","))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// How many characters of a row's details the timeline table shows: the
/// table is for reading; CSV and JSON carry every field.
pub const TIMELINE_DETAILS_SHOWN: usize = 160;

/// The timeline as result rows (`_time`, `detection`, `details`) for the
/// table and CSV writers, which render `_time` as they do for `run`;
/// `details_max` cuts the details (with `…`) when given.
pub fn timeline_rows(
    entries: &[TimelineEntry],
    details_max: Option<usize>,
) -> (Vec<Event>, Vec<String>) {
    let rows = entries
        .iter()
        .map(|e| {
            let mut row = Event::new();
            if let Some(time) = e.row.get("_time").filter(|_| e.time.is_some()) {
                row.set("_time", time.clone());
            }
            row.set("detection", crate::value::Value::from(e.detection));
            let mut text = details(e.row);
            if let Some(max) = details_max {
                if text.chars().count() > max {
                    text = text.chars().take(max.saturating_sub(1)).collect();
                    text.push(crate::output::CUT);
                }
            }
            row.set("details", crate::value::Value::from(text));
            row
        })
        .collect();
    let columns = ["_time", "detection", "details"].map(String::from).to_vec();
    (rows, columns)
}

/// The timeline as JSON: `[{"_time", "detection", "file", "row"}]`, `row`
/// as `-o json` writes rows; `_time` is omitted when the row has none.
pub fn timeline_json(entries: &[TimelineEntry]) -> Json {
    Json::Array(
        entries
            .iter()
            .map(|e| {
                let mut o = serde_json::Map::new();
                if let Some(time) = e.row.get("_time").filter(|_| e.time.is_some()) {
                    o.insert("_time".into(), Json::String(time.to_text().into_owned()));
                }
                o.insert("detection".into(), Json::String(e.detection.to_string()));
                o.insert("file".into(), Json::String(e.file.display().to_string()));
                o.insert("row".into(), crate::output::row_to_json(e.row));
                Json::Object(o)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(engine: &Engine) -> Vec<Event> {
        engine
            .read_events_str(
                "{\"user\":\"bob\",\"_time\":2}\n{\"user\":\"eve\",\"_time\":1}\n",
                "<events>",
                &crate::events::EventSource::default(),
            )
            .expect("reads")
            .events
    }

    fn result(name: &str, rows: &[&[(&str, &str)]]) -> HuntResult {
        HuntResult {
            file: PathBuf::from(format!("{name}.spl")),
            name: name.into(),
            status: HuntStatus::Fired,
            rows: rows
                .iter()
                .map(|fields| {
                    let mut row = Event::new();
                    for (k, v) in *fields {
                        row.set(*k, crate::value::Value::from(*v));
                    }
                    row
                })
                .collect(),
            columns: Vec::new(),
            error: None,
            duration: Duration::ZERO,
            explain: None,
        }
    }

    #[test]
    fn timeline_is_oldest_first_and_untimed_rows_come_last() {
        let results = [
            result(
                "A",
                &[
                    &[("_time", "30"), ("user", "bob")],
                    &[("count", "2"), ("user", "eve")],
                ],
            ),
            result("B", &[&[("_time", "10"), ("_raw", "x"), ("ip", "1.2.3.4")]]),
            result("C", &[&[("_time", "30"), ("user", "carol\nsmith")]]),
        ];
        let got: Vec<(Option<f64>, &str, String)> = timeline(&results)
            .iter()
            .map(|e| (e.time, e.detection, details(e.row)))
            .collect();
        assert_eq!(
            got,
            [
                (Some(10.0), "B", "ip=1.2.3.4".to_string()),
                (Some(30.0), "A", "user=bob".to_string()),
                (Some(30.0), "C", "user=carol smith".to_string()),
                (None, "A", "count=2 user=eve".to_string()),
            ]
        );
        let entries = timeline(&results);
        let (rows, columns) = timeline_rows(&entries, Some(5));
        assert_eq!(columns, ["_time", "detection", "details"]);
        assert_eq!(
            rows[0].get("details").map(|v| v.to_text().into_owned()),
            Some("ip=1…".into())
        );
        assert!(rows[3].get("_time").is_none());
        let json = timeline_json(&entries);
        assert_eq!(json[0]["_time"], "10");
        assert_eq!(json[0]["row"]["ip"], "1.2.3.4");
        assert!(json[3].get("_time").is_none());
    }

    #[test]
    fn runs_each_detection_and_keeps_their_order() {
        let dir = std::env::temp_dir().join(format!("spelunk-hunt-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let files = [
            ("a.spl", "user=bob | table user"),
            ("b.yml", "name: Nobody\nsearch: user=nobody | table user\n"),
            ("c.spl", "user=bob | frob"),
        ];
        for (name, text) in files {
            std::fs::write(dir.join(name), text).expect("write");
        }
        std::fs::write(dir.join("macros.yml"), "definition: x\n").expect("write");
        let engine = Engine::new().expect("engine");
        let found = detection_files(std::slice::from_ref(&dir)).expect("lists");
        assert_eq!(found.len(), 3, "{found:?}");
        let results = hunt(&engine, &found, &events(&engine), 2);
        let _ = std::fs::remove_dir_all(&dir);
        let got: Vec<(&str, HuntStatus, usize)> = results
            .iter()
            .map(|r| (r.name.as_str(), r.status, r.rows.len()))
            .collect();
        assert_eq!(
            got,
            [
                ("a", HuntStatus::Fired, 1),
                ("Nobody", HuntStatus::Quiet, 0),
                ("c", HuntStatus::Error, 0)
            ]
        );
        assert!(results[2]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("command `frob`")));
        assert!(render_text(&results).ends_with("3 detection(s): 1 fired, 1 quiet, 1 error(s)\n"));
        let painted = render_text_with(&results, true);
        assert!(painted.contains("\x1b[1;31mfired \x1b[0m"), "{painted}");
        assert!(painted.contains("\x1b[33merror \x1b[0m"), "{painted}");
        assert!(!render_text(&results).contains('\x1b'));
        let json = render_json(&results);
        assert_eq!(json["detections"][0]["rows"][0]["user"], "bob");
        let mut csv = Vec::new();
        write_csv(&mut csv, &results).expect("writes");
        assert_eq!(String::from_utf8_lossy(&csv), "detection,user\na,bob\n");
    }
}
