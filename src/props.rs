//! Sourcetype configuration from `props.conf`: how events of a sourcetype get
//! their fields (`KV_MODE`), their `_time` (`TIMESTAMP_FIELDS`,
//! `TIME_PREFIX`, `TIME_FORMAT`, `TZ`) and their aliases (`FIELDALIAS-*`).
//!
//! Several files layer like Splunk's configuration directories: a later load
//! wins key by key inside a stanza, and `[default]` settings apply to every
//! sourcetype unless the sourcetype's own stanza sets the key. Keys that do
//! not concern reading JSON events offline (`LINE_BREAKER`, `TRUNCATE`,
//! `SHOULD_LINEMERGE`, `category`, ...) are ignored.

use std::path::Path;

use indexmap::IndexMap;

use crate::conf;
use crate::error::{Error, Result};
use crate::eval::{parse_expr, EvalContext, EvalValue, Expr};
use crate::event::{Event, FieldName};
use crate::regex_compat::{compile, SplRegex};

/// How fields are extracted from `_raw` at search time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KvMode {
    /// Flatten the JSON event (`json`, and `auto`, which for JSON events
    /// extracts the JSON keys through `AUTO_KV_JSON`).
    Json,
    /// No search-time extraction: only `_raw`, `_time` and metadata.
    None,
    /// A mode this interpreter does not implement (`xml`, `multi`); reading
    /// events of the sourcetype fails with an error naming it.
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

/// Everything this interpreter uses from one sourcetype's configuration.
#[derive(Debug, Clone)]
pub struct SourcetypeProps {
    /// The sourcetype's name.
    pub name: String,
    /// Field extraction mode.
    pub kv_mode: KvMode,
    /// Fields holding the timestamp, first present wins (`TIMESTAMP_FIELDS`).
    pub timestamp_fields: Vec<String>,
    /// Regex matched against `_raw`; the timestamp starts where it ends.
    pub time_prefix: Option<SplRegex>,
    /// Splunk `strptime` format of the timestamp (`TIME_FORMAT`).
    pub time_format: Option<String>,
    /// Zone of timestamps that carry no offset (`TZ`).
    pub tz: Option<chrono_tz::Tz>,
    /// `FIELDALIAS-<class>` settings: class name and its pairs, classes in
    /// ASCII order of their names.
    pub aliases: Vec<(String, Vec<FieldAlias>)>,
    /// `EVAL-<field> = <expr>` settings as written, in ASCII order of the field.
    pub evals: Vec<(String, String)>,
    /// File and line of the first `EVAL-` setting, for error messages.
    pub eval_origin: Option<(String, usize)>,
    /// The `EVAL-` expressions, parsed (calculated fields).
    pub calculated: Vec<(String, Expr)>,
    /// The first `EVAL-` expression that does not parse, as a configuration
    /// error with its file and line.
    pub eval_error: Option<Error>,
    /// `now()` for calculated fields: when the configuration was resolved.
    pub eval_now: f64,
}

impl SourcetypeProps {
    /// Fails when events of this sourcetype cannot be read: an `EVAL-`
    /// expression that does not parse, or an unsupported `KV_MODE`.
    pub fn check_supported(&self) -> Result<()> {
        if let Some(err) = &self.eval_error {
            return Err(err.clone());
        }
        if let KvMode::Unsupported(mode) = &self.kv_mode {
            return Err(Error::Config {
                file: String::new(),
                line: 0,
                message: format!(
                    "KV_MODE = {mode} in props.conf [{}] is not supported yet (json, auto, none are)",
                    self.name
                ),
            });
        }
        Ok(())
    }

    /// Whether search-time settings may give `field` a value other than
    /// the one read: an alias onto it, or any calculated field (whose
    /// expressions are not inspected).
    pub fn may_change(&self, field: &str) -> bool {
        !self.calculated.is_empty()
            || !self.evals.is_empty()
            || self
                .aliases
                .iter()
                .any(|(_, pairs)| pairs.iter().any(|a| *a.target == *field))
    }

    /// Applies the field aliases to an event, as props.conf.spec describes:
    /// `AS` overwrites the target and removes it when the source is absent;
    /// `ASNEW` only fills a target that does not exist.
    pub fn apply_aliases(&self, event: &mut Event) {
        for (_, pairs) in &self.aliases {
            for alias in pairs {
                apply_alias(alias, event);
            }
        }
    }
}

impl SourcetypeProps {
    /// Applies the `EVAL-` calculated fields, after the aliases (Splunk's
    /// search-time order: field extraction, aliases, calculated fields).
    /// Every expression is evaluated against the event as it was before any
    /// of them is applied, so one calculated field cannot see another
    /// ("Calculated fields", Knowledge Manager Manual). A null result
    /// removes the field; an expression that fails or gives a boolean
    /// leaves the field as it was.
    pub fn apply_calculated_fields(&self, event: &mut Event) {
        if self.calculated.is_empty() {
            return;
        }
        let ctx = EvalContext::at(self.eval_now, self.tz.unwrap_or(chrono_tz::UTC));
        let results: Vec<(&str, EvalValue)> = self
            .calculated
            .iter()
            .filter_map(|(field, expr)| match expr.eval(event, &ctx) {
                Ok(EvalValue::Bool(_)) | Err(_) => None,
                Ok(v) => Some((field.as_str(), v)),
            })
            .collect();
        for (field, value) in results {
            event.set_opt(field, value.into_value());
        }
    }
}

fn apply_alias(alias: &FieldAlias, event: &mut Event) {
    let value = event.get(&alias.source).cloned();
    match (alias.mode, value) {
        (AliasMode::Overwrite, value) => event.set_opt(alias.target, value),
        (AliasMode::KeepExisting, Some(value)) => {
            event.set_new(alias.target, value);
        }
        (AliasMode::KeepExisting, None) => {}
    }
}

/// One setting after validation, with where it was written.
#[derive(Debug, Clone)]
struct Entry {
    setting: Setting,
    file: String,
    line: usize,
}

/// A validated setting.
#[derive(Debug, Clone)]
enum Setting {
    KvMode(KvMode),
    TimestampFields(Vec<String>),
    TimePrefix(SplRegex),
    TimeFormat(String),
    Tz(chrono_tz::Tz),
    Alias(Vec<FieldAlias>),
    Eval(String),
}

/// Sourcetype configuration loaded from one or more `props.conf` texts.
#[derive(Debug, Clone, Default)]
pub struct Props {
    /// Stanza name → key → validated setting; later loads replace keys.
    stanzas: IndexMap<String, IndexMap<String, Entry>>,
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
        for stanza in &stanzas {
            let target = self.stanzas.entry(stanza.name.clone()).or_default();
            for (key, setting) in &stanza.settings {
                let located = |message: String| Error::Config {
                    file: origin.to_string(),
                    line: setting.line,
                    message,
                };
                if let Some(parsed) = parse_setting(key, &setting.value).map_err(located)? {
                    target.insert(
                        key.clone(),
                        Entry {
                            setting: parsed,
                            file: origin.to_string(),
                            line: setting.line,
                        },
                    );
                }
            }
        }
        Ok(stanzas.len())
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

    /// The configuration of a sourcetype: `[default]` settings overlaid with
    /// the sourcetype's stanza. Without any `KV_MODE`, events are flattened as
    /// JSON (our inputs are JSON; Splunk's default `auto` does the same for
    /// JSON events through `AUTO_KV_JSON`).
    pub fn sourcetype(&self, name: &str) -> SourcetypeProps {
        let mut props = SourcetypeProps {
            name: name.to_string(),
            kv_mode: KvMode::Json,
            timestamp_fields: Vec::new(),
            time_prefix: None,
            time_format: None,
            tz: None,
            aliases: Vec::new(),
            evals: Vec::new(),
            eval_origin: None,
            calculated: Vec::new(),
            eval_error: None,
            eval_now: chrono::Utc::now().timestamp() as f64,
        };
        let mut merged: IndexMap<&str, &Entry> = IndexMap::new();
        for stanza in ["default", name] {
            if let Some(settings) = self.stanzas.get(stanza) {
                for (key, entry) in settings {
                    merged.insert(key.as_str(), entry);
                }
            }
        }
        // Classes apply in ASCII order of their names, as props.conf orders
        // multiple classes of one kind.
        merged.sort_keys();
        for (key, entry) in merged {
            apply_setting(&mut props, key, entry);
        }
        props
    }
}

fn apply_setting(props: &mut SourcetypeProps, key: &str, entry: &Entry) {
    match &entry.setting {
        Setting::KvMode(mode) => props.kv_mode = mode.clone(),
        Setting::TimestampFields(fields) => props.timestamp_fields = fields.clone(),
        Setting::TimePrefix(re) => props.time_prefix = Some(re.clone()),
        Setting::TimeFormat(fmt) => props.time_format = Some(fmt.clone()),
        Setting::Tz(tz) => props.tz = Some(*tz),
        Setting::Alias(pairs) => {
            let class = key.strip_prefix("FIELDALIAS-").unwrap_or(key);
            props.aliases.push((class.to_string(), pairs.clone()));
        }
        Setting::Eval(expr) => {
            let field = key.strip_prefix("EVAL-").unwrap_or(key);
            props.evals.push((field.to_string(), expr.clone()));
            if props.eval_origin.is_none() {
                props.eval_origin = Some((entry.file.clone(), entry.line));
            }
            match parse_expr(expr, 0) {
                Ok(parsed) => props.calculated.push((field.to_string(), parsed)),
                Err(e) if props.eval_error.is_none() => {
                    props.eval_error = Some(Error::Config {
                        file: entry.file.clone(),
                        line: entry.line,
                        message: format!("EVAL-{field} in props.conf [{}]: {e}", props.name),
                    })
                }
                Err(_) => {}
            }
        }
    }
}

/// Validates one setting; `Ok(None)` for keys this interpreter ignores.
fn parse_setting(key: &str, value: &str) -> std::result::Result<Option<Setting>, String> {
    let value = value.trim();
    let setting = match key {
        "KV_MODE" => Setting::KvMode(parse_kv_mode(value)),
        "TIMESTAMP_FIELDS" => Setting::TimestampFields(
            value
                .split(',')
                .map(|f| unquote(f.trim()).to_string())
                .filter(|f| !f.is_empty())
                .collect(),
        ),
        "TIME_PREFIX" => Setting::TimePrefix(
            compile(value, false).map_err(|e| format!("TIME_PREFIX is not a valid regex: {e}"))?,
        ),
        "TIME_FORMAT" => Setting::TimeFormat(value.to_string()),
        "TZ" => Setting::Tz(
            value
                .parse()
                .map_err(|_| format!("TZ = {value} is not a tz database time zone"))?,
        ),
        _ if key.starts_with("FIELDALIAS-") => Setting::Alias(parse_aliases(key, value)?),
        _ if key.starts_with("EVAL-") => Setting::Eval(value.to_string()),
        _ => return Ok(None),
    };
    Ok(Some(setting))
}

fn parse_kv_mode(value: &str) -> KvMode {
    match value.to_ascii_lowercase().as_str() {
        "json" | "auto" | "auto_escaped" => KvMode::Json,
        "none" => KvMode::None,
        _ => KvMode::Unsupported(value.to_string()),
    }
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
fn split_words(text: &str) -> Option<Vec<String>> {
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
    use crate::value::Value;

    fn props(text: &str) -> Props {
        let mut p = Props::new();
        p.load_str(text, "props.conf").unwrap();
        p
    }

    #[test]
    fn defaults_without_a_stanza_flatten_json() {
        let st = Props::new().sourcetype("anything");
        assert_eq!(st.kv_mode, KvMode::Json);
        assert!(st.timestamp_fields.is_empty() && st.aliases.is_empty());
        assert!(st.check_supported().is_ok());
    }

    #[test]
    fn reads_time_settings_and_kv_mode() {
        let p = props(
            "[st]\nKV_MODE = none\nTIMESTAMP_FIELDS = eventTime, \"other\"\n\
             TIME_PREFIX = \"time\":\\s*\"\nTIME_FORMAT = %Y-%m-%dT%H:%M:%S%Z\nTZ = America/New_York\nLINE_BREAKER = x\n",
        );
        let st = p.sourcetype("st");
        assert_eq!(st.kv_mode, KvMode::None);
        assert_eq!(st.timestamp_fields, ["eventTime", "other"]);
        assert!(st.time_prefix.unwrap().is_match("{\"time\": \"x"));
        assert_eq!(st.time_format.as_deref(), Some("%Y-%m-%dT%H:%M:%S%Z"));
        assert_eq!(st.tz, Some(chrono_tz::America::New_York));
        assert_eq!(
            props("[a]\nKV_MODE = AUTO\n").sourcetype("a").kv_mode,
            KvMode::Json
        );
    }

    #[test]
    fn aliases_with_several_pairs_quotes_and_continuation() {
        let p = props(
            "[st]\nFIELDALIAS-b = \"user name\" as user \\\n   src ASNEW src_ip\nFIELDALIAS-a = x AS y\n",
        );
        let st = p.sourcetype("st");
        assert_eq!(st.aliases.len(), 2);
        assert_eq!(st.aliases[0].0, "a");
        let (class, pairs) = &st.aliases[1];
        assert_eq!(class, "b");
        assert_eq!(
            pairs,
            &[
                FieldAlias {
                    source: "user name".into(),
                    target: FieldName::intern("user"),
                    mode: AliasMode::Overwrite
                },
                FieldAlias {
                    source: "src".into(),
                    target: FieldName::intern("src_ip"),
                    mode: AliasMode::KeepExisting
                },
            ]
        );
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
    }

    #[test]
    fn evals_are_parsed_and_bad_ones_refused_with_their_line() {
        let p = props("[st]\nEVAL-action = if(x=\"1\", \"a\", \"b\")\n");
        let st = p.sourcetype("st");
        assert_eq!(
            st.evals,
            [(
                "action".to_string(),
                "if(x=\"1\", \"a\", \"b\")".to_string()
            )]
        );
        assert!(st.check_supported().is_ok());
        let st = props("[st]\n\nEVAL-bad = nosuch(x)\n").sourcetype("st");
        let err = st.check_supported().unwrap_err();
        assert_eq!(
            err.to_string(),
            "props.conf:3: EVAL-bad in props.conf [st]: unknown eval function `nosuch`"
        );
        let st = props("[x]\nKV_MODE = xml\n").sourcetype("x");
        assert!(st
            .check_supported()
            .unwrap_err()
            .to_string()
            .contains("xml"));
    }

    #[test]
    fn calculated_fields_see_the_event_before_any_is_applied() {
        let st = props("[st]\nEVAL-a = b . \"!\"\nEVAL-b = \"new\"\nEVAL-gone = null()\n")
            .sourcetype("st");
        let mut ev = Event::new();
        ev.set("b", Value::from("old"));
        ev.set("gone", Value::from("x"));
        st.apply_calculated_fields(&mut ev);
        assert_eq!(ev.get("a"), Some(&Value::from("old!")));
        assert_eq!(ev.get("b"), Some(&Value::from("new")));
        assert_eq!(ev.get("gone"), None);
    }

    #[test]
    fn later_loads_win_per_key_and_default_applies() {
        let mut p = props("[default]\nTZ = UTC\n[st]\nKV_MODE = none\nTIME_FORMAT = %s\n");
        p.load_str("[st]\nTIME_FORMAT = %F\n", "local.conf")
            .unwrap();
        let st = p.sourcetype("st");
        assert_eq!(st.kv_mode, KvMode::None);
        assert_eq!(st.time_format.as_deref(), Some("%F"));
        assert_eq!(st.tz, Some(chrono_tz::UTC));
        assert_eq!(p.sourcetype("other").tz, Some(chrono_tz::UTC));
    }

    #[test]
    fn alias_application_follows_as_and_asnew() {
        let p = props("[st]\nFIELDALIAS-a = a AS b  c ASNEW d  e AS f  g ASNEW h\n");
        let st = p.sourcetype("st");
        let mut ev = Event::new();
        ev.set("a", Value::from("1"));
        ev.set("b", Value::from("old"));
        ev.set("c", Value::from("3"));
        ev.set("d", Value::from("kept"));
        ev.set("f", Value::from("stale"));
        ev.set("h", Value::from("kept too"));
        st.apply_aliases(&mut ev);
        assert_eq!(ev.get("b"), Some(&Value::from("1")));
        assert_eq!(ev.get("d"), Some(&Value::from("kept")));
        assert_eq!(
            ev.get("f"),
            None,
            "AS removes the alias when the source is absent"
        );
        assert_eq!(ev.get("h"), Some(&Value::from("kept too")));
        assert_eq!(ev.get("a"), Some(&Value::from("1")), "the source stays");
    }

    #[test]
    fn loads_a_folder_in_name_order() {
        let dir = std::env::temp_dir().join(format!("spelunk-props-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("b.conf"), "[st]\nTZ = UTC\n").unwrap();
        std::fs::write(
            dir.join("a.conf"),
            "[st]\nTZ = Europe/Paris\nKV_MODE = none\n",
        )
        .unwrap();
        std::fs::write(dir.join("notes.txt"), "not conf").unwrap();
        let mut p = Props::new();
        assert_eq!(p.load_path(&dir).unwrap(), 2);
        let st = p.sourcetype("st");
        assert_eq!(st.tz, Some(chrono_tz::UTC));
        assert_eq!(st.kv_mode, KvMode::None);
        std::fs::remove_dir_all(&dir).unwrap();
        let err = Props::new()
            .load_path(&dir.join("missing.conf"))
            .unwrap_err();
        assert!(matches!(err, Error::Io { .. }));
    }

    #[test]
    fn bundled_props_conf_loads() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/props/props.conf");
        let mut p = Props::new();
        p.load_path(Path::new(path)).unwrap();
        let st = p.sourcetype("aws:cloudtrail");
        assert_eq!(st.timestamp_fields, ["eventTime"]);
        assert_eq!(st.tz, Some(chrono_tz::UTC));
        assert!(st
            .aliases
            .iter()
            .flat_map(|(_, pairs)| pairs)
            .any(|a| a.source == "userIdentity.userName" && a.target == "user"));
        assert!(st.check_supported().is_ok());
        assert_eq!(p.sourcetype("_json").kv_mode, KvMode::Json);
    }
}
