//! `collect`: writes the results to a summary-index file and passes them on.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/collect>:
//! `collect index=<string> [addinfo=<bool>] [addtime=<bool>] [file=<string>]
//! [spool=<bool>] [marker=<string>] [uselb=<bool>] [output_format=raw|hec]
//! [testmode=<bool>] [run_in_preview=<bool>] [host=<string>]
//! [source=<string>] [sourcetype=<string>] [timeformat=<string>]`.
//!
//! Splunk writes a file into its spool folder (`spool=true`) or
//! `var/run/splunk` (`spool=false`) and indexes it into `index`. Offline
//! nothing is indexed: the file goes to the output folder given with
//! `--output-lookups` (the one folder spelunk writes to), whatever `spool`
//! says, by the name `file=` gives (`$timestamp$` and `$random$` replaced as
//! the page describes). The name must be plain (no directory, no `..`), and
//! a symbolic link or an input lookup of the search is not written. Splunk
//! picks a random name when `file=` is left out; spelunk writes only a file
//! the search names, so it asks for one. The file is written afresh by each
//! run (through a file beside it, renamed over it).
//!
//! The `raw` format is Splunk's stash format: a `***SPLUNK***` header line
//! with `index` (and `source`, `sourcetype`, `host` when given), then each
//! result after the stash line breaker `==##~~##~~  1E8N3D4E6V5E7N2T9
//! ~~##~~##==`. A result with `_raw` is written as its `_raw`; a result
//! without one (a `stats` row) as `field="value"` pairs of its fields (not
//! those starting with `_`, nor the default fields every event gets:
//! `host`, `source`, `sourcetype`, `index`, `date_*`, `punct`, ...; a
//! multivalue repeats its field), after its time
//! (`addtime=true`: `info_min_time`, else `_time`, else the search's start,
//! formatted with `timeformat`) and the search's `info_min_time`,
//! `info_max_time` and `info_search_time` (`addinfo=true`, as the `addinfo`
//! command gives them). `marker` is appended to each event after `, `.
//! `output_format=hec` writes one HTTP Event Collector JSON object per
//! result instead: `time`, `index`, `host`/`source`/`sourcetype` when given,
//! `event` (the same text) and `fields` (the fields written as pairs).
//! `testmode=true` writes nothing and sets each result's `_raw` to the text
//! it would have written, as the page says ("the search results are
//! modified to appear as they would if sent to the index"). Otherwise the
//! results pass on unchanged.
//!
//! Choices the page leaves open (docs/semantics.md): values are always
//! quoted, the default `timeformat` is `%m/%d/%Y %H:%M:%S %z` in the
//! search's time zone, and `addtime`/`addinfo` apply only to results
//! without `_raw` (a raw event keeps its own text). `uselb` and
//! `run_in_preview` are accepted and change nothing offline (there is no
//! load balancer and no preview); a notice says so.

use std::io::Write as _;
use std::path::PathBuf;

use serde_json::{Map, Value as Json};

use crate::commands::common::{
    at_option, bad, bool_opt, collect, option, refuse_unsafe_output, unknown_option,
};
use crate::commands::CommandArgs;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

const C: &str = "collect";

/// The stash format's line breaker (Splunk's `stash_new` props.conf
/// `LINE_BREAKER`).
pub const STASH_BREAKER: &str = "==##~~##~~  1E8N3D4E6V5E7N2T9 ~~##~~##==";

/// The default `timeformat` (docs/semantics.md).
const DEFAULT_TIMEFORMAT: &str = "%m/%d/%Y %H:%M:%S %z";

/// How the events are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// Splunk's stash format.
    Raw,
    /// HTTP Event Collector JSON, one object per line.
    Hec,
}

/// `collect index=summary file=events.stash [options]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Collect {
    /// `index=` (recorded in the file; default `summary`).
    pub index: String,
    /// `file=` as written, with where.
    pub file: Option<(String, Span)>,
    /// `addinfo=` (default true).
    pub addinfo: bool,
    /// `addtime=` (default true).
    pub addtime: bool,
    /// `marker=`: text appended to each event.
    pub marker: Option<String>,
    /// `output_format=` (default raw).
    pub format: OutputFormat,
    /// `testmode=` (default false): write nothing, show what would be.
    pub testmode: bool,
    /// `host=`.
    pub host: Option<String>,
    /// `source=`.
    pub source: Option<String>,
    /// `sourcetype=`.
    pub sourcetype: Option<String>,
    /// `timeformat=`.
    pub timeformat: String,
    /// Options accepted that change nothing offline, as written.
    pub no_effect: Vec<String>,
    /// Where the command is written.
    pub at: Span,
}

/// Parses `collect`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let mut out = Collect {
        index: "summary".into(),
        file: None,
        addinfo: true,
        addtime: true,
        marker: None,
        format: OutputFormat::Raw,
        testmode: false,
        host: None,
        source: None,
        sourcetype: None,
        timeformat: DEFAULT_TIMEFORMAT.into(),
        no_effect: Vec::new(),
        at: name_span,
    };
    while !p.at_command_end() {
        if !at_option(p) {
            return Err(p.expected("a `collect` option such as `index=summary` or `file=...`"));
        }
        let (key, value, span) = option(p)?;
        match key.as_str() {
            "index" => out.index = value,
            "file" => out.file = Some((value, span)),
            "addinfo" => out.addinfo = bool_opt(C, &key, &value, span)?,
            "addtime" => out.addtime = bool_opt(C, &key, &value, span)?,
            "marker" => out.marker = Some(value),
            "testmode" => out.testmode = bool_opt(C, &key, &value, span)?,
            "host" => out.host = Some(value),
            "source" => out.source = Some(value),
            "sourcetype" => out.sourcetype = Some(value),
            "timeformat" => out.timeformat = value,
            "output_format" => {
                out.format = match value.to_ascii_lowercase().as_str() {
                    "raw" => OutputFormat::Raw,
                    "hec" => OutputFormat::Hec,
                    _ => {
                        return Err(bad(
                            C,
                            format!("`output_format={value}`: expected `raw` or `hec`"),
                            span,
                        ))
                    }
                }
            }
            "spool" => {
                bool_opt(C, &key, &value, span)?;
            }
            "uselb" | "run_in_preview" => {
                bool_opt(C, &key, &value, span)?;
                out.no_effect.push(format!("{key}={value}"));
            }
            _ => return Err(unknown_option(C, &key, span)),
        }
    }
    if out.file.is_none() && !out.testmode {
        return Err(bad(
            C,
            "name the file to write with `file=<name>` (Splunk picks a random name; spelunk writes only a file the search names, inside the --output-lookups folder)",
            name_span,
        ));
    }
    Ok(CommandArgs::Collect(out))
}

impl Collect {
    /// The `***SPLUNK***` header line.
    fn header(&self) -> String {
        let mut out = format!("***SPLUNK*** index={}", quote(&self.index));
        for (key, value) in [
            ("source", &self.source),
            ("sourcetype", &self.sourcetype),
            ("host", &self.host),
        ] {
            if let Some(v) = value {
                out.push_str(&format!(" {key}={}", quote(v)));
            }
        }
        out
    }

    /// The text one result is written as: its `_raw`, or its time, info
    /// fields and `field="value"` pairs; then the marker.
    fn event_text(&self, row: &Event, ctx: &Context<'_>) -> String {
        let mut parts: Vec<String> = Vec::new();
        match row.get("_raw") {
            Some(raw) => parts.push(raw.to_text().into_owned()),
            None => {
                if self.addtime {
                    let time = row
                        .get("info_min_time")
                        .and_then(Value::as_number)
                        .filter(|t| t.is_finite())
                        .or_else(|| row.time())
                        .unwrap_or(ctx.now);
                    parts.push(crate::timefmt::strftime(time, &self.timeformat, ctx.tz));
                }
                if self.addinfo {
                    parts.push("info_min_time=0.000".into());
                    parts.push("info_max_time=+Infinity".into());
                    parts.push(format!(
                        "info_search_time={}",
                        crate::value::format_number(ctx.now)
                    ));
                }
                for (name, value) in row.iter() {
                    if !written_field(name) {
                        continue;
                    }
                    for text in value.texts() {
                        parts.push(format!("{name}={}", quote(&text)));
                    }
                }
            }
        }
        if let Some(marker) = &self.marker {
            parts.push(marker.clone());
        }
        parts.join(", ")
    }

    /// One HTTP Event Collector object.
    fn hec_line(&self, row: &Event, ctx: &Context<'_>) -> Json {
        let mut object = Map::new();
        let time = row.time().unwrap_or(ctx.now);
        object.insert("time".into(), json_number(time));
        object.insert("index".into(), Json::String(self.index.clone()));
        for (key, value) in [
            ("host", &self.host),
            ("source", &self.source),
            ("sourcetype", &self.sourcetype),
        ] {
            if let Some(v) = value {
                object.insert(key.into(), Json::String(v.clone()));
            }
        }
        object.insert("event".into(), Json::String(self.event_text(row, ctx)));
        let mut fields = Map::new();
        for (name, value) in row.iter() {
            if !written_field(name) {
                continue;
            }
            let json = match value {
                Value::Multi(values) => {
                    Json::Array(values.iter().cloned().map(Json::String).collect())
                }
                other => Json::String(other.to_text().into_owned()),
            };
            fields.insert(name.to_string(), json);
        }
        object.insert("fields".into(), Json::Object(fields));
        Json::Object(object)
    }

    fn runtime(&self, message: String) -> Error {
        Error::Runtime {
            message,
            span: Some(self.file.as_ref().map_or(self.at, |(_, s)| *s)),
        }
    }

    /// The file in the output folder, after the checks that keep the write
    /// inside it.
    fn target(&self, ctx: &Context<'_>) -> Result<PathBuf> {
        let (written, span) = match &self.file {
            Some((name, span)) => (name.as_str(), *span),
            None => return Err(self.runtime("collect: no file= to write".into())),
        };
        let Some(dir) = ctx.output_lookups else {
            return Err(self.runtime(format!(
                "collect: writing `{written}` needs an output folder: pass --output-lookups DIR (spelunk writes nowhere else)"
            )));
        };
        let name = written
            .replace("$timestamp$", &format!("{}", ctx.now.floor() as i64))
            .replace("$random$", &random_number().to_string());
        let name = name.trim();
        if name.is_empty()
            || name.contains(['/', '\\', '\0'])
            || name.split('.').all(str::is_empty)
            || name.contains("..")
        {
            return Err(bad(
                C,
                format!(
                    "the file name `{written}` must be a plain name: directory separators and `..` are not permitted"
                ),
                span,
            ));
        }
        let path = dir.join(name);
        let span = self.file.as_ref().map_or(self.at, |(_, s)| *s);
        refuse_unsafe_output(C, &path, ctx, span)?;
        Ok(path)
    }
}

impl super::Command for Collect {
    /// Writes the file (unless `testmode`), then passes the results on.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        for option in &self.no_effect {
            ctx.notice(format!(
                "collect: `{option}` changes nothing offline (no load balancer, no preview)"
            ));
        }
        let mut rows = collect(input)?;
        if self.testmode {
            for row in &mut rows {
                let text = self.event_text(row, ctx);
                row.set("_raw", Value::Str(text));
            }
            return Ok(Box::new(rows.into_iter().map(Ok)));
        }
        let path = self.target(ctx)?;
        let mut body = String::new();
        match self.format {
            OutputFormat::Raw => {
                body.push_str(&self.header());
                body.push('\n');
                for row in &rows {
                    body.push_str(STASH_BREAKER);
                    body.push('\n');
                    body.push_str(&self.event_text(row, ctx));
                    body.push('\n');
                }
            }
            OutputFormat::Hec => {
                for row in &rows {
                    body.push_str(&self.hec_line(row, ctx).to_string());
                    body.push('\n');
                }
            }
        }
        crate::commands::outputcsv::replace_with(&path, |file| file.write_all(body.as_bytes()))?;
        Ok(Box::new(rows.into_iter().map(Ok)))
    }
}

/// Whether a field is written as a `field="value"` pair or HEC field:
/// not internal (`_`) and not one of the default fields Splunk gives every
/// event at index time (the summary index gives its own).
fn written_field(name: &str) -> bool {
    const DEFAULT_FIELDS: &[&str] = &[
        "host",
        "index",
        "linecount",
        "punct",
        "source",
        "sourcetype",
        "splunk_server",
        "splunk_server_group",
        "timeendpos",
        "timestartpos",
    ];
    !name.starts_with('_') && !name.starts_with("date_") && !DEFAULT_FIELDS.contains(&name)
}

/// `"text"` with `\` and `"` escaped.
fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A JSON number: an integer when the value is whole.
fn json_number(n: f64) -> Json {
    if n.fract() == 0.0 && n.abs() < 9e15 {
        Json::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(Json::Null, Json::Number)
    }
}

/// A number for `$random$`: differs between runs (the page's purpose is a
/// fresh file name each time).
fn random_number() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    (h.finish() % 1_000_000_000) as u32
}

/// The registry entries of `collect`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "collect",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> std::result::Result<Collect, String> {
        let engine = crate::Engine::empty();
        let query = engine
            .compile(&format!("| makeresults | collect {text}"), "<test>")
            .map_err(|e| e.to_string())?;
        match query.pipeline.commands.last().map(|c| c.args.clone()) {
            Some(CommandArgs::Collect(c)) => Ok(c),
            other => Err(format!("{other:?}")),
        }
    }

    #[test]
    fn defaults_and_options() {
        let c = parsed("file=a.stash").unwrap();
        assert_eq!(c.index, "summary");
        assert!(c.addtime && c.addinfo && !c.testmode);
        assert_eq!(c.format, OutputFormat::Raw);
        let c = parsed("index=x file=a output_format=HEC testmode=t uselb=f").unwrap();
        assert_eq!(
            (c.index.as_str(), c.format, c.testmode),
            ("x", OutputFormat::Hec, true)
        );
        assert_eq!(c.no_effect, vec!["uselb=f".to_string()]);
        assert!(parsed("index=x").is_err());
        assert!(parsed("testmode=true").is_ok());
        assert!(parsed("file=a output_format=xml").is_err());
        assert!(parsed("file=a spool=maybe").is_err());
    }

    #[test]
    fn links_are_not_written() {
        let dir = std::env::temp_dir().join(format!("spelunk-collect-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let out = dir.join("out");
        std::fs::create_dir_all(&out).expect("dir");
        let outside = dir.join("secret.stash");
        std::fs::write(&outside, "kept").expect("write");
        std::os::unix::fs::symlink(&outside, out.join("link.stash")).expect("link");
        let engine = crate::Engine::empty().with_output_lookups(&out);
        let err = engine
            .run_str("| makeresults | collect index=summary file=link.stash", "")
            .expect_err("a link")
            .to_string();
        assert!(err.contains("symbolic link"), "{err}");
        assert_eq!(std::fs::read_to_string(&outside).expect("read"), "kept");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn quoting_escapes() {
        assert_eq!(quote(r#"a"b\c"#), r#""a\"b\\c""#);
    }
}
