//! `props.conf`: every stanza and setting loaded, validated, and layered
//! into what applies to one event source.
//!
//! Several files layer like Splunk's configuration directories: a later
//! load (an app's `local/` after its `default/`, a later app after an
//! earlier one) wins key by key inside a stanza. Which stanzas apply to an
//! event and which of them wins a key is [`super::stanza`]'s business.
//!
//! Each setting is checked when it is loaded, against props.conf.spec
//! (<https://help.splunk.com/en/data-management/splunk-enterprise-admin-manual/10.0/10.0.0-configuration-file-reference/props.conf>):
//! a malformed value is an error naming its file and line; a setting this
//! interpreter does not run, or does not know, is a warning naming its file
//! and line (never silently nothing); settings that cannot change what an
//! offline search returns (`category`, `SEGMENTATION`, `MAX_DAYS_AGO`, ...)
//! are accepted quietly — [`NO_EFFECT_OFFLINE`] lists them.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use indexmap::IndexMap;

use super::extract::Extract;
use super::lookups::AutoLookupSpec;
use super::stanza::{StanzaRank, StanzaSpec};
use super::ConfWarning;
use crate::conf;
use crate::error::{Error, Result};
use crate::eval::{parse_expr, Expr};
use crate::event::FieldName;
use crate::regex_compat::{compile, SplRegex};

/// How fields are extracted from `_raw` by automatic key/value extraction
/// (`KV_MODE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KvMode {
    /// `auto` (Splunk's default) and `auto_escaped`: `key=value` pairs, and
    /// the JSON keys of a JSON event (unless `AUTO_KV_JSON = false`).
    Auto {
        /// `auto_escaped`: `\"` and `\\` are escapes inside quoted values.
        escaped: bool,
    },
    /// `json`: the keys of a JSON event, flattened (`a.b`, `a{}`).
    Json,
    /// `xml`: the elements and attributes of an XML event.
    Xml,
    /// `none`: no automatic extraction.
    None,
    /// `multi`: table-formatted events, through `multikv`; reading events of
    /// the sourcetype fails with an error naming it.
    Unsupported(String),
}

/// Whether an alias replaces an existing target field (props.conf `AS`) or
/// leaves it alone (`ASNEW`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AliasMode {
    /// `a AS b`: `b` takes `a`'s value; when `a` is absent, `b` is removed.
    Overwrite,
    /// `a ASNEW b`: `b` is set only when it does not exist yet; when `a` is
    /// absent, `b` is kept.
    KeepExisting,
}

/// One `source AS target` pair of a `FIELDALIAS-<class>` setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldAlias {
    /// The original field (`userIdentity.userName`).
    pub source: String,
    /// The alias (`user`), interned: every event gets it.
    pub target: FieldName,
    /// `AS` or `ASNEW`.
    pub mode: AliasMode,
}

/// One setting as loaded: its validated form and where it was written.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The validated setting.
    pub setting: Setting,
    /// The value as written.
    pub value: String,
    /// The file it was read from.
    pub file: Arc<str>,
    /// 1-based line.
    pub line: usize,
}

/// An `EVAL-` expression, parsed on first use and kept: a sourcetype's
/// settings are resolved once per file and source read, and parsing every
/// expression again each time (the sysmon stanzas have dozens) was most of
/// that cost. Not parsed when loaded, so that startup does not pay for the
/// hundreds of bundled expressions a search never resolves.
#[derive(Debug)]
pub struct CalculatedField {
    /// As written.
    pub text: String,
    parsed: OnceLock<std::result::Result<Arc<Expr>, String>>,
}

impl CalculatedField {
    fn new(text: &str) -> Self {
        CalculatedField {
            text: text.to_string(),
            parsed: OnceLock::new(),
        }
    }

    /// The parsed expression, or the parse error's message.
    pub fn parsed(&self) -> &std::result::Result<Arc<Expr>, String> {
        self.parsed.get_or_init(|| {
            parse_expr(&self.text, 0)
                .map(Arc::new)
                .map_err(|e| e.to_string())
        })
    }
}

/// A validated setting.
#[derive(Debug, Clone)]
pub enum Setting {
    /// `KV_MODE`.
    KvMode(KvMode),
    /// `AUTO_KV_JSON`.
    AutoKvJson(bool),
    /// `KV_TRIM_SPACES`.
    KvTrimSpaces(bool),
    /// `TIMESTAMP_FIELDS`.
    TimestampFields(Vec<String>),
    /// `TIME_PREFIX`.
    TimePrefix(SplRegex),
    /// `TIME_FORMAT`.
    TimeFormat(String),
    /// `TZ`.
    Tz(chrono_tz::Tz),
    /// `FIELDALIAS-<class>`.
    Alias(Vec<FieldAlias>),
    /// `EVAL-<field>`.
    Eval(Arc<CalculatedField>),
    /// `EXTRACT-<class>`; `None` when its regex does not compile (warned
    /// about when loaded; the extraction then does nothing).
    Extract(Option<Arc<Extract>>),
    /// `REPORT-<class>`: transforms.conf stanza names, in order.
    Report(Vec<String>),
    /// `LOOKUP-<class>`.
    Lookup(Arc<AutoLookupSpec>),
    /// `rename` of a `[<sourcetype>]` stanza.
    Rename(String),
    /// `priority`.
    Priority(i64),
    /// `INDEXED_EXTRACTIONS = json`: JSON events whose keys are fields.
    IndexedJson,
    /// Line breaking and timestamp settings read as text by the event
    /// readers (`LINE_BREAKER`, `SHOULD_LINEMERGE`, `MAX_TIMESTAMP_LOOKAHEAD`,
    /// ...).
    IndexTime,
    /// A setting that cannot change an offline search's results.
    NoEffect,
}

/// Settings that cannot change what an offline search over given events
/// returns: descriptions and UI hints, index tuning, segmentation, input-time
/// classification and file handling, and the timestamp sanity windows
/// (`MAX_DAYS_AGO` ...), which only protect a live index from bad clocks;
/// offline replays keep every event's recorded time.
pub const NO_EFFECT_OFFLINE: &[&str] = &[
    "category",
    "description",
    "pulldown_type",
    "given_type",
    "_actions",
    "CHARSET",
    "LEARN_SOURCETYPE",
    "LEARN_MODEL",
    "maxDist",
    "termFrequencyWeightedDist",
    "detect_trailing_nulls",
    "SEGMENTATION",
    "MATCH_LIMIT",
    "DEPTH_LIMIT",
    "MAX_DAYS_AGO",
    "MAX_DAYS_HENCE",
    "MAX_DIFF_SECS_AGO",
    "MAX_DIFF_SECS_HENCE",
    "MAX_EXPECTED_EVENT_LINES",
    "LB_CHUNK_BREAKER",
    "LB_CHUNK_BREAKER_TRUNCATE",
    "EVENT_BREAKER_ENABLE",
    "EVENT_BREAKER",
    "ROUTE_EVENTS_OLDER_THAN",
    "NO_BINARY_CHECK",
    "CHECK_METHOD",
    "initCrcLength",
    "PREFIX_SOURCETYPE",
    "unarchive_cmd",
    "unarchive_cmd_start_mode",
    "unarchive_sourcetype",
    "invalid_cause",
    "is_valid",
    "force_local_processing",
    "SOURCETYPE_NAME_RESTRICTED_CHARACTERS",
    "DETERMINE_TIMESTAMP_DATE_WITH_SYSTEM_TIME",
    "HEADER_MODE",
    "METRICS_PROTOCOL",
    "STATSD_EMIT_SINGLE_MEASUREMENT_FORMAT",
    "TZ_ALIAS",
    "JSON_TRIM_BRACES_IN_ARRAY_NAMES",
];

/// Line breaking and timestamp settings, kept as text for the readers.
pub const INDEX_TIME: &[&str] = &[
    "LINE_BREAKER",
    "LINE_BREAKER_LOOKBEHIND",
    "SHOULD_LINEMERGE",
    "BREAK_ONLY_BEFORE",
    "BREAK_ONLY_BEFORE_DATE",
    "MUST_BREAK_AFTER",
    "MUST_NOT_BREAK_AFTER",
    "MUST_NOT_BREAK_BEFORE",
    "MAX_EVENTS",
    "TRUNCATE",
    "MAX_TIMESTAMP_LOOKAHEAD",
    "DATETIME_CONFIG",
    "ANNOTATE_PUNCT",
    "ADD_EXTRA_TIME_FIELDS",
];

/// Settings that change events at index time (rewriting `_raw`, routing,
/// index-time fields, header-based extraction) or classify data, which
/// spelunk does not run: it reads events as already indexed. Loading one is
/// a warning.
const NOT_RUN: &[(&str, &str)] = &[
    ("TRANSFORMS-", "index-time transforms are not applied"),
    ("RULESET-", "index-time rulesets are not applied"),
    ("RULESET_DESC-", "index-time rulesets are not applied"),
    (
        "SEDCMD-",
        "index-time SEDCMD rewrites of _raw are not applied",
    ),
    ("MORE_THAN", "source type classification rules are not run"),
    ("LESS_THAN", "source type classification rules are not run"),
    (
        "CHECK_FOR_HEADER",
        "header-based field extraction is not run",
    ),
    (
        "PREAMBLE_REGEX",
        "structured-data header settings are not run",
    ),
    (
        "FIELD_HEADER_REGEX",
        "structured-data header settings are not run",
    ),
    (
        "HEADER_FIELD_LINE_NUMBER",
        "structured-data header settings are not run",
    ),
    (
        "FIELD_DELIMITER",
        "structured-data field settings are not run",
    ),
    (
        "HEADER_FIELD_DELIMITER",
        "structured-data header settings are not run",
    ),
    (
        "HEADER_FIELD_ACCEPTABLE_SPECIAL_CHARACTERS",
        "structured-data header settings are not run",
    ),
    ("FIELD_QUOTE", "structured-data field settings are not run"),
    (
        "HEADER_FIELD_QUOTE",
        "structured-data header settings are not run",
    ),
    ("FIELD_NAMES", "structured-data field settings are not run"),
    (
        "MISSING_VALUE_REGEX",
        "structured-data field settings are not run",
    ),
    (
        "sourcetype",
        "source type assignment by source is not run: give --sourcetype",
    ),
];

/// Sourcetype configuration loaded from one or more `props.conf` texts.
#[derive(Debug, Clone, Default)]
pub struct Props {
    /// Stanza name → its kind and key → setting; later loads replace keys.
    stanzas: IndexMap<String, PropsStanza>,
    warnings: Vec<ConfWarning>,
}

#[derive(Debug, Clone)]
struct PropsStanza {
    spec: StanzaSpec,
    settings: IndexMap<String, Entry>,
}

/// The settings that apply to one event source, each from the stanza that
/// wins it, split by when Splunk applies them.
#[derive(Debug, Clone, Default)]
pub struct Layered<'a> {
    /// Line breaking, timestamps, `rename`: from the stanzas of the
    /// sourcetype as read.
    pub index_time: IndexMap<&'a str, &'a Entry>,
    /// Extractions, aliases, calculated fields, lookups: from the stanzas of
    /// the search-time sourcetype (the `rename` target, if any).
    pub search_time: IndexMap<&'a str, &'a Entry>,
    /// The search-time sourcetype when `rename` changed it.
    pub renamed: Option<String>,
}

impl Props {
    /// No configuration: every sourcetype gets the defaults.
    pub fn new() -> Self {
        Props::default()
    }

    /// Loads a `props.conf` text; `origin` names it in errors. Settings of a
    /// stanza seen before are replaced key by key. Returns the number of
    /// stanzas read.
    pub fn load_str(&mut self, text: &str, origin: &str) -> Result<usize> {
        let stanzas = conf::parse(text, origin)?;
        let file: Arc<str> = Arc::from(origin);
        for stanza in &stanzas {
            let spec = StanzaSpec::parse(&stanza.name);
            if let Some(problem) = spec.problem() {
                self.warn(&file, stanza.line, problem);
            }
            let target = self
                .stanzas
                .entry(stanza.name.clone())
                .or_insert_with(|| PropsStanza {
                    spec,
                    settings: IndexMap::new(),
                });
            let mut warnings = Vec::new();
            for (key, setting) in &stanza.settings {
                let located = |message: String| Error::Config {
                    file: origin.to_string(),
                    line: setting.line,
                    message,
                };
                match check_setting(key, &setting.value, &stanza.name).map_err(located)? {
                    Checked::Setting(parsed, warning) => {
                        if let Some(w) = warning {
                            warnings.push((setting.line, w));
                        }
                        target.settings.insert(
                            key.clone(),
                            Entry {
                                setting: parsed,
                                value: setting.value.clone(),
                                file: Arc::clone(&file),
                                line: setting.line,
                            },
                        );
                    }
                    Checked::Warning(message) => warnings.push((setting.line, message)),
                }
            }
            for (line, message) in warnings {
                self.warn(&file, line, message);
            }
        }
        Ok(stanzas.len())
    }

    fn warn(&mut self, file: &Arc<str>, line: usize, message: String) {
        self.warnings.push(ConfWarning {
            file: file.to_string(),
            line,
            message,
        });
    }

    /// Loads a `props.conf` file, or every `*.conf` file of a folder in
    /// name order. Returns the number of stanzas read.
    pub fn load_path(&mut self, path: &Path) -> Result<usize> {
        if path.is_dir() {
            let mut files: Vec<_> = std::fs::read_dir(path)
                .map_err(|e| Error::io(path.display(), e))?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "conf"))
                .collect();
            files.sort();
            let mut total = 0;
            for file in files {
                crate::walk::file_inside(&file, path)?;
                total += self.load_file(&file)?;
            }
            Ok(total)
        } else {
            self.load_file(path)
        }
    }

    fn load_file(&mut self, path: &Path) -> Result<usize> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path.display(), e))?;
        self.load_str(&text, &path.display().to_string())
    }

    /// Settings that were loaded but are not run, or not known.
    pub fn warnings(&self) -> &[ConfWarning] {
        &self.warnings
    }

    /// The names of the `[<sourcetype>]` stanzas.
    pub fn sourcetype_names(&self) -> impl Iterator<Item = &str> {
        self.stanzas
            .iter()
            .filter(|(_, s)| matches!(s.spec, StanzaSpec::Sourcetype(_)))
            .map(|(name, _)| name.as_str())
    }

    /// Every stanza's name and settings, in load order (for `lint`).
    pub fn stanzas(&self) -> impl Iterator<Item = (&str, &IndexMap<String, Entry>)> {
        self.stanzas
            .iter()
            .map(|(name, s)| (name.as_str(), &s.settings))
    }

    /// The settings that apply to events of `sourcetype` from `source` on
    /// `host`: `[default]`, then the sourcetype's stanza, then matching
    /// `[host::]` and `[source::]` stanzas, each layer overriding the keys
    /// of the ones before (see [`super::stanza`]). A `rename` in the
    /// sourcetype's stanza takes the search-time settings from the target
    /// sourcetype's stanza instead ("Data from a renamed sourcetype only uses
    /// the search-time configuration for the target sourcetype").
    pub fn layered(&self, sourcetype: &str, source: &str, host: &str) -> Layered<'_> {
        let index_time = self.merged(sourcetype, source, host);
        let renamed = match index_time.get("rename").map(|e| &e.setting) {
            Some(Setting::Rename(to)) if to != sourcetype => Some(to.clone()),
            _ => None,
        };
        let search_time = match &renamed {
            Some(to) => self.merged(to, source, host),
            None => index_time.clone(),
        };
        Layered {
            index_time,
            search_time,
            renamed,
        }
    }

    /// The knowledge for `sourcetype` from these settings alone (no
    /// transforms, lookups, event types or tags): for tests and embedders
    /// that only have a props.conf.
    pub fn sourcetype(&self, name: &str) -> super::SourcetypeProps {
        let knowledge = super::Knowledge {
            props: self.clone(),
            ..super::Knowledge::default()
        };
        let lookups = crate::lookup::LookupRegistry::new();
        super::KnowledgeView::new(&knowledge, &lookups).resolve(super::SourceMeta {
            sourcetype: name,
            source: "",
            host: "",
        })
    }

    fn merged(&self, sourcetype: &str, source: &str, host: &str) -> IndexMap<&str, &Entry> {
        let mut layers: Vec<(StanzaRank, i64, &str, &PropsStanza)> = self
            .stanzas
            .iter()
            .filter_map(|(name, stanza)| {
                let (rank, default_priority) = stanza.spec.applies(sourcetype, source, host)?;
                let priority = match stanza.settings.get("priority").map(|e| &e.setting) {
                    Some(Setting::Priority(p)) => *p,
                    _ => default_priority,
                };
                Some((rank, priority, name.as_str(), stanza))
            })
            .collect();
        // Applied from the weakest to the strongest: by kind, then priority;
        // at equal priority the name first in ASCII order wins, so it goes
        // last.
        layers.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)).then_with(|| b.2.cmp(a.2)));
        let mut merged: IndexMap<&str, &Entry> = IndexMap::new();
        for (_, _, _, stanza) in layers {
            for (key, entry) in &stanza.settings {
                if key == "priority" {
                    continue;
                }
                merged.insert(key.as_str(), entry);
            }
        }
        merged
    }
}

/// What loading one setting gives.
enum Checked {
    /// Keep it (with a warning to show, for settings kept but not run).
    Setting(Setting, Option<String>),
    /// Do not keep it; say why.
    Warning(String),
}

/// Validates one setting. Malformed values are errors (the caller adds the
/// file and line); settings not run or not known are warnings.
fn check_setting(key: &str, value: &str, stanza: &str) -> std::result::Result<Checked, String> {
    let value = value.trim();
    let keep = |s: Setting| Ok(Checked::Setting(s, None));
    let lower = key.to_ascii_lowercase();
    match key {
        "KV_MODE" => return keep(Setting::KvMode(parse_kv_mode(value)?)),
        "AUTO_KV_JSON" => return keep(Setting::AutoKvJson(parse_bool(key, value)?)),
        "KV_TRIM_SPACES" => return keep(Setting::KvTrimSpaces(parse_bool(key, value)?)),
        "TIMESTAMP_FIELDS" => {
            return keep(Setting::TimestampFields(
                value
                    .split(',')
                    .map(|f| unquote(f.trim()).to_string())
                    .filter(|f| !f.is_empty())
                    .collect(),
            ))
        }
        "TIME_PREFIX" => {
            return keep(Setting::TimePrefix(
                compile(value, false).map_err(|e| format!("TIME_PREFIX is not a valid regex: {e}"))?,
            ))
        }
        "TIME_FORMAT" => return keep(Setting::TimeFormat(value.to_string())),
        "TZ" => {
            return keep(Setting::Tz(
                value
                    .parse()
                    .map_err(|_| format!("TZ = {value} is not a tz database time zone"))?,
            ))
        }
        "rename" => {
            return match StanzaSpec::parse(stanza) {
                StanzaSpec::Sourcetype(_) => keep(Setting::Rename(value.to_string())),
                _ => Ok(Checked::Warning(format!(
                    "rename is only read in a [<sourcetype>] stanza, not in [{stanza}]; ignored"
                ))),
            }
        }
        "priority" => {
            return keep(Setting::Priority(
                value
                    .parse()
                    .map_err(|_| format!("priority = {value} is not a number"))?,
            ))
        }
        "INDEXED_EXTRACTIONS" => {
            return match value.to_ascii_lowercase().as_str() {
                "json" => keep(Setting::IndexedJson),
                "" => keep(Setting::NoEffect),
                other => Ok(Checked::Warning(format!(
                    "INDEXED_EXTRACTIONS = {other} is not supported (json is); events are read without it"
                ))),
            }
        }
        _ => {}
    }
    if let Some(class) = key.strip_prefix("FIELDALIAS-") {
        let _ = class;
        return keep(Setting::Alias(parse_aliases(key, value)?));
    }
    if key.starts_with("EVAL-") {
        return keep(Setting::Eval(Arc::new(CalculatedField::new(value))));
    }
    if key.starts_with("EXTRACT-") {
        return Ok(match Extract::parse(value) {
            Ok(extract) => Checked::Setting(Setting::Extract(Some(Arc::new(extract))), None),
            Err(e) => Checked::Setting(
                Setting::Extract(None),
                Some(format!("{key}: {e}; this extraction does nothing")),
            ),
        });
    }
    if key.starts_with("REPORT-") {
        let names: Vec<String> = value
            .split(',')
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .collect();
        return keep(Setting::Report(names));
    }
    // "The LOOKUP- prefix is actually case-insensitive. Acceptable variants
    // include: LOOKUP_<class>, LOOKUP<class>, lookup_<class>, lookup<class>."
    if lower.starts_with("lookup") {
        return keep(Setting::Lookup(Arc::new(
            AutoLookupSpec::parse(value).map_err(|e| format!("{key}: {e}"))?,
        )));
    }
    if INDEX_TIME.contains(&key) {
        return keep(Setting::IndexTime);
    }
    if NO_EFFECT_OFFLINE.contains(&key) || key.starts_with("SEGMENTATION-") {
        return keep(Setting::NoEffect);
    }
    if let Some((_, why)) = NOT_RUN.iter().find(|(prefix, _)| {
        if prefix.ends_with('-') || *prefix == "MORE_THAN" || *prefix == "LESS_THAN" {
            key.starts_with(prefix)
        } else {
            key == *prefix
        }
    }) {
        return Ok(Checked::Warning(format!("{key}: {why}")));
    }
    Ok(Checked::Warning(format!(
        "unknown props.conf setting `{key}` in [{stanza}]; ignored"
    )))
}

fn parse_bool(key: &str, value: &str) -> std::result::Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "t" | "yes" | "y" | "on" => Ok(true),
        "0" | "false" | "f" | "no" | "n" | "off" => Ok(false),
        _ => Err(format!("{key} = {value} is not a boolean")),
    }
}

fn parse_kv_mode(value: &str) -> std::result::Result<KvMode, String> {
    Ok(match value.to_ascii_lowercase().as_str() {
        "auto" | "" => KvMode::Auto { escaped: false },
        "auto_escaped" => KvMode::Auto { escaped: true },
        "json" => KvMode::Json,
        "xml" => KvMode::Xml,
        "none" => KvMode::None,
        m if m == "multi" || m.starts_with("multi:") => KvMode::Unsupported(value.to_string()),
        _ => {
            return Err(format!(
                "KV_MODE = {value} is not one of none, auto, auto_escaped, multi, json, xml"
            ))
        }
    })
}

/// `a AS b [c ASNEW d ...]`; names may be double-quoted (`"user name"`).
fn parse_aliases(key: &str, value: &str) -> std::result::Result<Vec<FieldAlias>, String> {
    let words = split_words(value).ok_or_else(|| format!("{key}: unclosed quote"))?;
    if words.is_empty() || words.len() % 3 != 0 {
        return Err(format!(
            "{key}: expected `field AS alias` pairs, found `{value}`"
        ));
    }
    words
        .chunks(3)
        .map(|chunk| {
            let mode = match chunk[1].to_ascii_uppercase().as_str() {
                "AS" => AliasMode::Overwrite,
                "ASNEW" => AliasMode::KeepExisting,
                _ => {
                    return Err(format!(
                        "{key}: expected AS or ASNEW between `{}` and `{}`, found `{}`",
                        chunk[0], chunk[2], chunk[1]
                    ))
                }
            };
            Ok(FieldAlias {
                source: chunk[0].clone(),
                target: FieldName::intern(&chunk[2]),
                mode,
            })
        })
        .collect()
}

/// Splits on whitespace, keeping double-quoted words (with `\"` and `\\`
/// escapes) whole. `None` when a quote is not closed.
pub(crate) fn split_words(text: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut word = String::new();
        if c == '"' {
            chars.next();
            loop {
                match chars.next()? {
                    '"' => break,
                    '\\' => word.push(chars.next()?),
                    other => word.push(other),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                word.push(c);
                chars.next();
            }
        }
        words.push(word);
    }
    Some(words)
}

fn unquote(s: &str) -> &str {
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(text: &str) -> Props {
        let mut p = Props::new();
        p.load_str(text, "props.conf").unwrap();
        p
    }

    fn value<'a>(l: &'a IndexMap<&str, &Entry>, key: &str) -> Option<&'a str> {
        l.get(key).map(|e| e.value.as_str())
    }

    #[test]
    fn malformed_aliases_are_errors_with_their_line() {
        let mut p = Props::new();
        let err = p
            .load_str("[st]\n\nFIELDALIAS-x = a TO b\n", "p.conf")
            .unwrap_err();
        assert!(err
            .to_string()
            .starts_with("p.conf:3: FIELDALIAS-x: expected AS"));
        let err = p
            .load_str("[st]\nFIELDALIAS-x = a AS\n", "p.conf")
            .unwrap_err();
        assert!(err.to_string().starts_with("p.conf:2: "));
    }

    #[test]
    fn bad_regex_and_bad_tz_are_errors_with_their_line() {
        let mut p = Props::new();
        let err = p
            .load_str("[st]\nTIME_PREFIX = (unclosed\n", "x.conf")
            .unwrap_err();
        assert!(matches!(err, Error::Config { line: 2, .. }), "{err}");
        assert!(err.to_string().contains("TIME_PREFIX is not a valid regex"));
        let err = p
            .load_str("[st]\n# c\nTZ = Mars/Olympus\n", "x.conf")
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "x.conf:3: TZ = Mars/Olympus is not a tz database time zone"
        );
        let err = p.load_str("[st]\nKV_MODE = yaml\n", "x.conf").unwrap_err();
        assert!(err.to_string().starts_with("x.conf:2: KV_MODE = yaml"));
    }

    #[test]
    fn unknown_and_unrun_settings_are_warnings_with_their_line() {
        let p = props(
            "[st]\ncategory = Custom\nSEDCMD-x = s/a/b/g\nNOT_A_SETTING = 1\nLINE_BREAKER = ([\\r\\n]+)\n",
        );
        let w: Vec<String> = p.warnings().iter().map(|w| w.to_string()).collect();
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[0].starts_with("props.conf:3: SEDCMD-x: index-time SEDCMD"));
        assert!(w[1].starts_with("props.conf:4: unknown props.conf setting `NOT_A_SETTING`"));
    }

    #[test]
    fn a_bad_extract_regex_is_a_warning_and_the_rest_still_loads() {
        let p = props("[st]\nEXTRACT-a = (?<x>unclosed\nKV_MODE = none\n");
        assert_eq!(p.warnings().len(), 1);
        assert!(p.warnings()[0]
            .to_string()
            .starts_with("props.conf:2: EXTRACT-a: "));
        let l = p.layered("st", "s", "h");
        assert_eq!(value(&l.search_time, "KV_MODE"), Some("none"));
    }

    #[test]
    fn later_loads_win_per_key_and_default_applies() {
        let mut p = props("[default]\nTZ = UTC\n[st]\nKV_MODE = none\nTIME_FORMAT = %s\n");
        p.load_str("[st]\nTIME_FORMAT = %F\n", "local.conf")
            .unwrap();
        let l = p.layered("st", "s", "h");
        assert_eq!(value(&l.index_time, "KV_MODE"), Some("none"));
        assert_eq!(value(&l.index_time, "TIME_FORMAT"), Some("%F"));
        assert_eq!(value(&l.index_time, "TZ"), Some("UTC"));
        assert_eq!(
            value(&p.layered("other", "s", "h").index_time, "TZ"),
            Some("UTC")
        );
    }

    /// props.conf.spec: "[host::<host>] settings override [<sourcetype>]
    /// settings. Additionally, [source::<source>] settings override both".
    #[test]
    fn source_beats_host_beats_sourcetype_whatever_the_priority() {
        let p = props(
            "[st]\nTZ = UTC\nKV_MODE = json\nTIME_FORMAT = st\n\
             [host::web*]\nTZ = Europe/Paris\nKV_MODE = none\npriority = 1000\n\
             [source::/var/log/...]\nTZ = Asia/Tokyo\n",
        );
        let l = p.layered("st", "/var/log/x.log", "WEB1");
        assert_eq!(value(&l.index_time, "TZ"), Some("Asia/Tokyo"));
        assert_eq!(value(&l.index_time, "KV_MODE"), Some("none"));
        assert_eq!(value(&l.index_time, "TIME_FORMAT"), Some("st"));
        let l = p.layered("st", "/opt/x.log", "db1");
        assert_eq!(value(&l.index_time, "TZ"), Some("UTC"));
    }

    /// props.conf.spec, "[<spec>] stanza pattern collisions": the pattern
    /// first in ASCII order wins, unless `priority` says otherwise; a
    /// literal stanza (priority 100) beats a pattern (0).
    #[test]
    fn colliding_patterns_follow_ascii_order_then_priority() {
        let p = props("[source::...a...]\nTZ = UTC\n[source::...z...]\nTZ = Asia/Tokyo\n");
        assert_eq!(
            value(&p.layered("st", "az", "h").index_time, "TZ"),
            Some("UTC")
        );
        let p = props(
            "[source::...a...]\nTZ = UTC\npriority = 5\n[source::...z...]\nTZ = Asia/Tokyo\npriority = 10\n",
        );
        assert_eq!(
            value(&p.layered("st", "az", "h").index_time, "TZ"),
            Some("Asia/Tokyo")
        );
        let p = props("[source::/logs/abc/def/gh.log]\nTZ = UTC\n[source::/logs/.../*.log]\nTZ = Asia/Tokyo\n");
        assert_eq!(
            value(
                &p.layered("st", "/logs/abc/def/gh.log", "h").index_time,
                "TZ"
            ),
            Some("UTC")
        );
    }

    /// props.conf.spec `rename`: "Data from a renamed sourcetype only uses
    /// the search-time configuration for the target sourcetype."
    #[test]
    fn rename_takes_search_time_settings_from_the_target() {
        let p = props(
            "[WinEventLog]\nrename = wineventlog\nKV_MODE = none\nTIME_FORMAT = %m/%d/%Y\n\
             [wineventlog]\nKV_MODE = auto\nTIME_FORMAT = ignored\n",
        );
        let l = p.layered("WinEventLog", "s", "h");
        assert_eq!(l.renamed.as_deref(), Some("wineventlog"));
        assert_eq!(value(&l.search_time, "KV_MODE"), Some("auto"));
        assert_eq!(value(&l.index_time, "TIME_FORMAT"), Some("%m/%d/%Y"));
        let p = props("[source::x]\nrename = y\n");
        assert_eq!(p.warnings().len(), 1);
    }

    #[test]
    fn lookup_prefix_is_case_insensitive() {
        let p = props("[st]\nlookup_a = tbl in_col AS f OUTPUT out\nLOOKUPb = tbl x\n");
        let l = p.layered("st", "s", "h");
        assert!(matches!(
            l.search_time["lookup_a"].setting,
            Setting::Lookup(_)
        ));
        assert!(matches!(
            l.search_time["LOOKUPb"].setting,
            Setting::Lookup(_)
        ));
    }
}
