//! `makeresults` and `outputlookup`.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.1/search-commands/makeresults>,
//! `.../outputlookup`.

use std::path::Path;

use crate::commands::common::{
    at_option, bad, bool_opt, collect, count_opt, option, refuse_unsafe_output, unknown_option,
    unsupported,
};
use crate::commands::CommandArgs;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

/// `makeresults [count=<int>] [annotate=<bool>]`: generates results whose
/// only field is `_time`, the search's start time.
#[derive(Debug, Clone, PartialEq)]
pub struct Makeresults {
    /// How many results (default 1).
    pub count: usize,
}

/// Parses `makeresults`' arguments.
pub fn parse(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    let mut count = 1;
    while at_option(p) {
        let (key, value, span) = option(p)?;
        match key.as_str() {
            "count" => count = count_opt("makeresults", &key, &value, span)?,
            // The annotated fields (host, source, ...) are empty offline.
            "annotate" => {
                bool_opt("makeresults", &key, &value, span)?;
            }
            "splitby" | "format" | "data" => {
                return Err(unsupported(
                    "makeresults",
                    format!("`{key}` is not supported yet"),
                    span,
                ))
            }
            _ => return Err(unknown_option("makeresults", &key, span)),
        }
    }
    Ok(CommandArgs::Makeresults(Makeresults { count }))
}

impl super::Command for Makeresults {
    /// Generates the results (any input is replaced).
    fn apply<'a>(&'a self, _input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let now = ctx.now;
        Ok(Box::new((0..self.count).map(move |_| {
            let mut e = Event::new();
            e.set("_time", Value::Num(now));
            Ok(e)
        })))
    }
}

/// `outputlookup [append=<bool>] [create_empty=<bool>] [override_if_empty=<bool>]
/// [max=<int>] <file.csv>`: writes the results to a CSV file in the output
/// lookup folder (`--output-lookups`) and passes them on.
#[derive(Debug, Clone, PartialEq)]
pub struct Outputlookup {
    /// The file name (`.csv` added when missing).
    pub name: String,
    /// Where the name is written.
    pub span: Span,
    /// Add rows to an existing file.
    pub append: bool,
    /// Write a header-only file for no results (default true).
    pub create_empty: bool,
    /// Replace an existing file with an empty one (default true).
    pub override_if_empty: bool,
    /// Most rows written.
    pub max: Option<usize>,
}

/// Parses `outputlookup`'s arguments.
pub fn parse_outputlookup(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let c = "outputlookup";
    let mut out = Outputlookup {
        name: String::new(),
        span: name_span,
        append: false,
        create_empty: true,
        override_if_empty: true,
        max: None,
    };
    while !p.at_command_end() {
        if at_option(p) {
            let (key, value, span) = option(p)?;
            match key.as_str() {
                "append" => out.append = bool_opt(c, &key, &value, span)?,
                "create_empty" => out.create_empty = bool_opt(c, &key, &value, span)?,
                "override_if_empty" => out.override_if_empty = bool_opt(c, &key, &value, span)?,
                "max" => out.max = Some(count_opt(c, &key, &value, span)?),
                "createinapp" | "key_field" | "output_format" => {}
                _ => return Err(unknown_option(c, &key, span)),
            }
        } else if out.name.is_empty() {
            let (name, span) = p.value("a lookup file name")?;
            out.name = name;
            out.span = span;
        } else {
            return Err(p.expected("the end of `outputlookup`"));
        }
    }
    if out.name.is_empty() {
        return Err(bad(c, "expected a lookup file name", name_span));
    }
    Ok(CommandArgs::Outputlookup(out))
}

impl Outputlookup {
    fn write(&self, path: &Path, rows: &[&Event]) -> Result<()> {
        if rows.is_empty() && (!self.create_empty || (path.exists() && !self.override_if_empty)) {
            return Ok(());
        }
        let owned: Vec<Event> = rows.iter().map(|e| (*e).clone()).collect();
        let mut columns: Vec<String> = crate::exec::columns(&owned)
            .into_iter()
            .filter(|c| !c.starts_with('_') || c == "_time")
            .collect();
        let mut existing: Vec<Vec<String>> = Vec::new();
        if self.append && path.exists() {
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path.display(), e))?;
            let table =
                crate::lookup::parse_csv(&text).map_err(|e| Error::io(path.display(), e))?;
            // New columns go after the file's own.
            let mut merged = table.columns.clone();
            merged.extend(
                columns
                    .iter()
                    .filter(|c| !table.columns.contains(c))
                    .cloned(),
            );
            for r in table.rows {
                existing.push(
                    merged
                        .iter()
                        .map(|c| {
                            table
                                .columns
                                .iter()
                                .position(|x| x == c)
                                .and_then(|i| r.get(i).cloned().flatten())
                                .unwrap_or_default()
                        })
                        .collect(),
                );
            }
            columns = merged;
        }
        // Written beside the target and renamed over it: a reader never
        // sees half a table, and a failed write leaves the old file.
        let temp = temp_path(path);
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .map_err(|e| Error::io(temp.display(), e))?;
        let written = Self::write_csv(file, &columns, existing, rows)
            .and_then(|()| std::fs::rename(&temp, path));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&temp);
            return Err(Error::io(path.display(), e));
        }
        Ok(())
    }

    fn write_csv(
        file: std::fs::File,
        columns: &[String],
        existing: Vec<Vec<String>>,
        rows: &[&Event],
    ) -> std::io::Result<()> {
        let mut w = csv::Writer::from_writer(std::io::BufWriter::new(file));
        w.write_record(columns)?;
        for r in existing {
            w.write_record(&r)?;
        }
        for row in rows {
            let cells: Vec<String> = columns
                .iter()
                .map(|c| {
                    row.get(c)
                        .map(|v| v.to_text().into_owned())
                        .unwrap_or_default()
                })
                .collect();
            w.write_record(&cells)?;
        }
        let buffered = w.into_inner().map_err(|e| e.into_error())?;
        let file = buffered.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()
    }
}

impl super::Command for Outputlookup {
    /// Writes the file, then passes the results on unchanged.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let rows = collect(input)?;
        let Some(dir) = ctx.output_lookups else {
            return Err(Error::Runtime {
                message: format!(
                    "outputlookup: writing `{}` needs an output folder: pass --output-lookups DIR (spelunk never writes over bundled or input lookups)",
                    self.name
                ),
                span: Some(self.span),
            });
        };
        if self.name.contains(['/', '\\']) || self.name.contains("..") || self.name.is_empty() {
            return Err(bad(
                "outputlookup",
                "the file name must not contain a path",
                self.span,
            ));
        }
        let file = if self.name.to_ascii_lowercase().ends_with(".csv") {
            self.name.clone()
        } else {
            format!("{}.csv", self.name)
        };
        let written: Vec<&Event> = rows.iter().take(self.max.unwrap_or(usize::MAX)).collect();
        let path = dir.join(file);
        refuse_unsafe_output("outputlookup", &path, ctx, self.span)?;
        self.write(&path, &written)?;
        Ok(Box::new(rows.into_iter().map(Ok)))
    }
}

/// A fresh name beside `path` for writing it atomically.
pub(crate) fn temp_path(path: &Path) -> std::path::PathBuf {
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.{n}.tmp", std::process::id()))
}

/// The registry entries of `makeresults`, `outputlookup`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "makeresults",
        aliases: &[],
        parse,
    },
    super::CommandSpec {
        name: "outputlookup",
        aliases: &[],
        parse: parse_outputlookup,
    },
];
