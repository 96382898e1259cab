//! `outputcsv`: writes the results to a CSV file and passes them on.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.0/search-commands/outputcsv>:
//! `outputcsv [append=<bool>] [create_empty=<bool>] [override_if_empty=<bool>]
//! [dispatch=<bool>] [usexml=<bool>] [singlefile=<bool>] [<filename>]`.
//!
//! Splunk writes to `$SPLUNK_HOME/var/run/splunk/csv`; offline the file goes
//! to the output folder given with `--output-lookups` (the one folder
//! spelunk writes to), by file name only: a name with a directory separator
//! or `..`, a symbolic link in the folder, and a file that is an input
//! lookup of the search are refused. `.csv` is added to a name without an
//! extension. The file is written beside its target and renamed over it,
//! so a failed write leaves the old file.
//!
//! As the page says: with `append=true` an existing file keeps its header
//! and only the fields it names are written for the new rows (a missing
//! file is created); with no results, `create_empty=true` writes a
//! zero-length file, and otherwise `override_if_empty=true` (the default)
//! deletes an existing file while `override_if_empty=false` keeps it.
//! Every field is written, `_time` and the other underscore fields too (the
//! page's own example drops them with `fields - _*` first), in the
//! results' column order; a multivalue is written with its values on
//! separate lines.
//!
//! Not done offline, each an error naming it: `dispatch=true` (a search
//! job's folder), no file name (Splunk then rewrites each result into its
//! `_xml` field), `usexml=true` (which only applies without a file name),
//! and a `.gz` name (compressed output). `singlefile` changes nothing:
//! the output is always one file.

use std::path::{Path, PathBuf};

use crate::commands::common::{
    at_option, bool_opt, collect, option, refuse_unsafe_output, unknown_option, unsupported,
};
use crate::commands::CommandArgs;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::parser::Parser;

const C: &str = "outputcsv";

/// `outputcsv [append=..] [create_empty=..] [override_if_empty=..] <filename>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Outputcsv {
    /// The file name as written.
    pub name: String,
    /// Where the name is written.
    pub span: Span,
    /// Add the rows to an existing file, under its header.
    pub append: bool,
    /// Write a zero-length file when there are no results (default false).
    pub create_empty: bool,
    /// Delete an existing file when there are no results (default true).
    pub override_if_empty: bool,
}

/// Parses `outputcsv`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let mut out = Outputcsv {
        name: String::new(),
        span: name_span,
        append: false,
        create_empty: false,
        override_if_empty: true,
    };
    let mut named = false;
    while !p.at_command_end() {
        if at_option(p) {
            let (key, value, span) = option(p)?;
            match key.as_str() {
                "append" => out.append = bool_opt(C, &key, &value, span)?,
                "create_empty" => out.create_empty = bool_opt(C, &key, &value, span)?,
                "override_if_empty" => out.override_if_empty = bool_opt(C, &key, &value, span)?,
                "singlefile" => {
                    bool_opt(C, &key, &value, span)?;
                }
                "dispatch" => {
                    if bool_opt(C, &key, &value, span)? {
                        return Err(unsupported(
                            C,
                            "`dispatch=true` writes into a search job's dispatch folder, which an offline run does not have; leave dispatch out to write to the --output-lookups folder",
                            span,
                        ));
                    }
                }
                "usexml" => {
                    if bool_opt(C, &key, &value, span)? {
                        return Err(unsupported(
                            C,
                            "`usexml=true` encodes the CSV into the results' `_xml` field when no file name is given, which spelunk does not do; name a file instead",
                            span,
                        ));
                    }
                }
                _ => return Err(unknown_option(C, &key, span)),
            }
        } else if !named {
            let (name, span) = p.value("a CSV file name")?;
            out.name = name;
            out.span = span;
            named = true;
        } else {
            return Err(p.expected("the end of `outputcsv`"));
        }
    }
    if !named {
        return Err(unsupported(
            C,
            "without a file name Splunk rewrites each result as a CSV row into its `_xml` field, which spelunk does not do; name a file, e.g. `outputcsv results`",
            name_span,
        ));
    }
    Ok(CommandArgs::Outputcsv(out))
}

impl Outputcsv {
    fn runtime(&self, message: String) -> Error {
        Error::Runtime {
            message,
            span: Some(self.span),
        }
    }

    /// The file in the output folder, after the checks that keep the write
    /// inside it.
    fn target(&self, ctx: &Context<'_>) -> Result<PathBuf> {
        let Some(dir) = ctx.output_lookups else {
            return Err(self.runtime(format!(
                "outputcsv: writing `{}` needs an output folder: pass --output-lookups DIR (spelunk writes nowhere else)",
                self.name
            )));
        };
        let name = self.name.trim();
        if name.is_empty()
            || name.contains(['/', '\\', '\0'])
            || name == "."
            || name.split('.').all(str::is_empty)
            || name.contains("..")
        {
            return Err(crate::commands::common::bad(
                C,
                format!(
                    "the file name `{}` must be a plain name: directory separators and `..` are not permitted",
                    self.name
                ),
                self.span,
            ));
        }
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".gz") {
            return Err(unsupported(
                C,
                format!("writing the compressed file `{name}` is not supported; name a .csv file"),
                self.span,
            ));
        }
        let file = if name.contains('.') {
            name.to_string()
        } else {
            format!("{name}.csv")
        };
        let path = dir.join(file);
        refuse_unsafe_output(C, &path, ctx, self.span)?;
        Ok(path)
    }

    /// No results: a zero-length file (`create_empty`), or the old file
    /// deleted (`override_if_empty`) or kept.
    fn write_empty(&self, path: &Path) -> Result<()> {
        let exists = path.exists();
        if exists && !self.override_if_empty {
            return Ok(());
        }
        if self.create_empty {
            return replace_with(path, |_| Ok(()));
        }
        if exists {
            std::fs::remove_file(path).map_err(|e| Error::io(path.display(), e))?;
        }
        Ok(())
    }

    fn write(&self, path: &Path, rows: &[Event]) -> Result<()> {
        let mut columns = crate::exec::columns(rows);
        let mut existing: Option<String> = None;
        if self.append && path.exists() {
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path.display(), e))?;
            if !text.trim().is_empty() {
                let table =
                    crate::lookup::parse_csv(&text).map_err(|e| Error::io(path.display(), e))?;
                columns = table.columns;
                existing = Some(text);
            }
        }
        replace_with(path, |file| {
            // The old bytes as they were, then the new rows.
            if let Some(text) = &existing {
                std::io::Write::write_all(file, text.as_bytes())?;
                if !text.ends_with('\n') {
                    std::io::Write::write_all(file, b"\n")?;
                }
            }
            let mut w = csv::Writer::from_writer(std::io::BufWriter::new(file));
            if existing.is_none() {
                w.write_record(&columns)?;
            }
            for row in rows {
                w.write_record(columns.iter().map(|c| {
                    row.get(c)
                        .map(|v| v.to_text().into_owned())
                        .unwrap_or_default()
                }))?;
            }
            w.flush()?;
            Ok(())
        })
    }
}

impl super::Command for Outputcsv {
    /// Writes (or deletes) the file, then passes the results on unchanged.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let rows = collect(input)?;
        let path = self.target(ctx)?;
        if rows.is_empty() {
            self.write_empty(&path)?;
        } else {
            self.write(&path, &rows)?;
        }
        Ok(Box::new(rows.into_iter().map(Ok)))
    }
}

/// Writes `path` through a fresh file beside it, renamed over it when
/// `fill` succeeded (a reader never sees half a file; a failure leaves the
/// old one).
pub(crate) fn replace_with(
    path: &Path,
    fill: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> Result<()> {
    let temp = crate::commands::makeresults::temp_path(path);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)
        .map_err(|e| Error::io(temp.display(), e))?;
    let written = fill(&mut file)
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&temp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(Error::io(path.display(), e));
    }
    Ok(())
}

/// The registry entries of `outputcsv`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "outputcsv",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Option<Outputcsv> {
        let engine = crate::Engine::empty();
        let query = engine.compile(text, "<test>").ok()?;
        match query.pipeline.commands.last().map(|c| c.args.clone()) {
            Some(CommandArgs::Outputcsv(c)) => Some(c),
            _ => None,
        }
    }

    #[test]
    fn options_around_the_name_and_defaults() {
        let Some(c) = parsed("| makeresults | outputcsv append=t out create_empty=true") else {
            panic!("parses");
        };
        assert_eq!(c.name, "out");
        assert!(c.append && c.create_empty && c.override_if_empty);
        let Some(c) = parsed("| makeresults | outputcsv override_if_empty=f out") else {
            panic!("parses");
        };
        assert!(!c.append && !c.create_empty && !c.override_if_empty);
        assert!(parsed("| makeresults | outputcsv a b").is_none());
        assert!(parsed("| makeresults | outputcsv singlefile=maybe a").is_none());
    }

    #[cfg(unix)]
    #[test]
    fn links_and_input_lookups_are_not_written() {
        let dir = std::env::temp_dir().join(format!("spelunk-outputcsv-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let out = dir.join("out");
        std::fs::create_dir_all(&out).expect("dir");
        let outside = dir.join("secret.csv");
        std::fs::write(&outside, "a\nsecret\n").expect("write");
        std::fs::write(out.join("input.csv"), "a\nkept\n").expect("write");
        let engine = crate::Engine::empty()
            .with_lookups_path(&out)
            .expect("lookups")
            .with_output_lookups(&out);
        // Made after the folder was read as a lookups folder (which refuses it).
        std::os::unix::fs::symlink(&outside, out.join("link.csv")).expect("link");
        for (query, why) in [
            ("| makeresults | eval a=1 | outputcsv link", "symbolic link"),
            ("| makeresults | eval a=1 | outputcsv input", "input lookup"),
            (
                "| makeresults | where 1=2 | outputcsv link",
                "symbolic link",
            ),
        ] {
            let err = engine.run_str(query, "").expect_err(query).to_string();
            assert!(err.contains(why), "{query}: {err}");
        }
        assert_eq!(
            std::fs::read_to_string(&outside).expect("read"),
            "a\nsecret\n"
        );
        assert_eq!(
            std::fs::read_to_string(out.join("input.csv")).expect("read"),
            "a\nkept\n"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
