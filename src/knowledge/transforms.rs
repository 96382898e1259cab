//! transforms.conf field transforms, run by `REPORT-<class>` at search time
//! (transforms.conf.spec; "Configure advanced extractions with field
//! transforms",
//! <https://help.splunk.com/splunk-enterprise/manage-knowledge-objects/knowledge-management-manual/9.1/use-the-configuration-files-to-configure-field-extractions/configure-advanced-extractions-with-field-transforms>).
//!
//! - `REGEX` with named groups extracts those fields; `FORMAT =
//!   name::value ...` names fields and values from numbered groups (`$1`)
//!   or literals, and with a group-valued name (`$1::$2`) "the regular
//!   expression is repeatedly applied to the source key to match and extract
//!   all field/value pairs in the event". The regex runs over the whole
//!   source, every match in turn; with `MV_ADD = true` a value found for a
//!   field that already exists is appended (a multivalue field), otherwise
//!   discarded.
//! - `DELIMS = "<pair delimiters>"[, "<key/value delimiters>"]` splits the
//!   text; with one set, `FIELDS` names the values (without `FIELDS`, even
//!   tokens name the odd ones).
//! - `SOURCE_KEY` (default `_raw`) is the field read; `CLEAN_KEYS` (default
//!   true) cleans names taken from the text; `KEEP_EMPTY_VALS` (default
//!   false) keeps empty values.

use indexmap::IndexMap;

use super::extract::{named_pairs, source_text, Found};
use super::extracted::{add_field, clean_key, FieldFilter, OnExisting};
use super::ConfWarning;
use crate::conf;
use crate::error::Result;
use crate::event::Event;
use crate::regex_compat::{compile, SplRegex};

/// One transforms.conf extraction stanza.
#[derive(Debug, Clone)]
pub struct Transform {
    /// The stanza name.
    pub name: String,
    /// Where it was defined (`file:line` of its header).
    pub origin: String,
    /// The field read (`SOURCE_KEY`, default `_raw`).
    pub source_key: String,
    kind: TransformKind,
    mv_add: bool,
    clean_keys: bool,
    keep_empty_vals: bool,
}

#[derive(Debug, Clone)]
enum TransformKind {
    Regex {
        regex: SplRegex,
        format: Option<Vec<FormatItem>>,
    },
    Delims {
        pairs: Vec<char>,
        key_value: Option<Vec<char>>,
        fields: Vec<String>,
    },
}

/// One `name::value` item of `FORMAT`.
#[derive(Debug, Clone, PartialEq)]
struct FormatItem {
    name: Part,
    value: Part,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Literal(String),
    Group(usize),
}

/// Every extraction transform loaded, by stanza name.
#[derive(Debug, Clone, Default)]
pub struct Transforms {
    by_name: IndexMap<String, Transform>,
    warnings: Vec<ConfWarning>,
}

/// transforms.conf settings that only matter to lookups or to index-time
/// transforms; an extraction stanza may carry them (shared stanzas) and they
/// do not change what `REPORT-` does.
const NOT_FOR_REPORT: &[&str] = &[
    "DEST_KEY",
    "WRITE_META",
    "REPEAT_MATCH",
    "DEFAULT_VALUE",
    "LOOKAHEAD",
    "CLONE_SOURCETYPE",
    "INGEST_EVAL",
    "STOP_PROCESSING_IF",
    "MATCH_LIMIT",
    "DEPTH_LIMIT",
    "CAN_OPTIMIZE",
    "disabled",
];

impl Transforms {
    /// No transforms.
    pub fn new() -> Self {
        Transforms::default()
    }

    /// Loads the extraction stanzas (those with `REGEX` or `DELIMS` and no
    /// lookup `filename`/`collection`/`external_cmd`) of a transforms.conf
    /// text; later loads replace a stanza of the same name key by key.
    /// A `REGEX` that does not compile, or an unknown setting, is a warning
    /// naming the file and line; the stanza is then left out (a `REPORT-`
    /// naming it is reported when resolved).
    pub fn load_str(&mut self, text: &str, origin: &str) -> Result<usize> {
        let stanzas = conf::parse(text, origin)?;
        let mut n = 0;
        for stanza in &stanzas {
            let is_lookup = ["filename", "collection", "external_cmd", "external_type"]
                .iter()
                .any(|k| stanza.get(k).is_some());
            let is_extraction = stanza.get("REGEX").is_some() || stanza.get("DELIMS").is_some();
            if is_lookup || !is_extraction {
                continue;
            }
            match Transform::from_stanza(stanza, origin) {
                Ok((t, warnings)) => {
                    self.warnings.extend(warnings);
                    self.by_name.insert(t.name.clone(), t);
                    n += 1;
                }
                Err(w) => {
                    self.by_name.shift_remove(&stanza.name);
                    self.warnings.push(w);
                }
            }
        }
        Ok(n)
    }

    /// A transform by stanza name.
    pub fn get(&self, name: &str) -> Option<&Transform> {
        self.by_name.get(name)
    }

    /// Problems found while loading.
    pub fn warnings(&self) -> &[ConfWarning] {
        &self.warnings
    }
}

impl Transform {
    fn from_stanza(
        stanza: &conf::Stanza,
        origin: &str,
    ) -> std::result::Result<(Transform, Vec<ConfWarning>), ConfWarning> {
        let warn = |line: usize, message: String| ConfWarning {
            file: origin.to_string(),
            line,
            message,
        };
        let line_of = |key: &str| stanza.settings.get(key).map_or(stanza.line, |s| s.line);
        let mut warnings = Vec::new();
        let flag = |key: &str, default: bool, warnings: &mut Vec<ConfWarning>| match stanza.get(key)
        {
            None => default,
            Some(v) => match v.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "t" | "yes" | "y" | "on" => true,
                "0" | "false" | "f" | "no" | "n" | "off" => false,
                _ => {
                    warnings.push(warn(
                        line_of(key),
                        format!(
                            "[{}] {key} = {v} is not a boolean; using {default}",
                            stanza.name
                        ),
                    ));
                    default
                }
            },
        };
        let mv_add = flag("MV_ADD", false, &mut warnings);
        let clean_keys = flag("CLEAN_KEYS", true, &mut warnings);
        let keep_empty_vals = flag("KEEP_EMPTY_VALS", false, &mut warnings);
        for key in stanza.settings.keys() {
            let known = matches!(
                key.as_str(),
                "REGEX"
                    | "FORMAT"
                    | "DELIMS"
                    | "FIELDS"
                    | "SOURCE_KEY"
                    | "MV_ADD"
                    | "CLEAN_KEYS"
                    | "KEEP_EMPTY_VALS"
            ) || NOT_FOR_REPORT.contains(&key.as_str());
            if !known {
                warnings.push(warn(
                    line_of(key),
                    format!(
                        "unknown transforms.conf setting `{key}` in [{}]; ignored",
                        stanza.name
                    ),
                ));
            }
        }
        let kind = match stanza.get("REGEX") {
            Some(pattern) => {
                let regex = compile(pattern, false).map_err(|e| {
                    warn(
                        line_of("REGEX"),
                        format!(
                            "[{}] REGEX does not compile: {e}; the transform is not applied",
                            stanza.name
                        ),
                    )
                })?;
                let format = stanza
                    .get("FORMAT")
                    .map(str::trim)
                    .filter(|f| !f.is_empty())
                    .map(parse_format)
                    .transpose()
                    .map_err(|e| {
                        warn(line_of("FORMAT"), format!("[{}] FORMAT: {e}", stanza.name))
                    })?;
                TransformKind::Regex { regex, format }
            }
            None => {
                let delims = stanza.get("DELIMS").unwrap_or_default();
                let sets = parse_quoted_list(delims).map_err(|e| {
                    warn(line_of("DELIMS"), format!("[{}] DELIMS: {e}", stanza.name))
                })?;
                let mut sets = sets.into_iter().map(|s| s.chars().collect::<Vec<char>>());
                let pairs = sets.next().unwrap_or_default();
                let key_value = sets.next();
                let fields = match stanza.get("FIELDS") {
                    Some(f) => parse_field_list(f).map_err(|e| {
                        warn(line_of("FIELDS"), format!("[{}] FIELDS: {e}", stanza.name))
                    })?,
                    None => Vec::new(),
                };
                TransformKind::Delims {
                    pairs,
                    key_value,
                    fields,
                }
            }
        };
        let source_key = stanza
            .get("SOURCE_KEY")
            .map(|k| k.trim())
            .map(|k| k.strip_prefix("field:").unwrap_or(k))
            .filter(|k| !k.is_empty())
            .unwrap_or("_raw")
            .to_string();
        Ok((
            Transform {
                name: stanza.name.clone(),
                origin: format!("{origin}:{}", stanza.line),
                source_key,
                kind,
                mv_add,
                clean_keys,
                keep_empty_vals,
            },
            warnings,
        ))
    }

    /// The field names this transform can produce, or `None` when the text
    /// names them (`$1::$2`, `_KEY_`, `DELIMS` without `FIELDS`).
    pub fn outputs(&self) -> Option<Vec<String>> {
        match &self.kind {
            TransformKind::Regex {
                format: Some(items),
                ..
            } => items
                .iter()
                .map(|item| match &item.name {
                    Part::Literal(name) => Some(name.clone()),
                    Part::Group(_) => None,
                })
                .collect(),
            TransformKind::Regex {
                regex,
                format: None,
            } => {
                let names: Vec<String> = regex.capture_names().iter().flatten().cloned().collect();
                (!names.iter().any(|n| n.starts_with("_KEY_"))).then_some(names)
            }
            TransformKind::Delims {
                key_value: None,
                fields,
                ..
            } if !fields.is_empty() => Some(fields.clone()),
            TransformKind::Delims { .. } => None,
        }
    }

    /// Runs the transform over the event's source field.
    pub fn apply(&self, event: &mut Event) {
        self.apply_only(event, None);
    }

    /// [`Transform::apply`], giving only the fields `only` keeps among
    /// those named from the text.
    pub fn apply_only(&self, event: &mut Event, only: Option<&FieldFilter>) {
        let Some(text) = source_text(event, &self.source_key) else {
            return;
        };
        let mut found: Vec<Found> = Vec::new();
        // Key cleaning happens before the filter looks at a name.
        let only = only.map(|f| (f, self.clean_keys));
        match &self.kind {
            TransformKind::Regex { regex, format } => {
                regex_pairs(regex, format.as_deref(), &text, only, &mut found)
            }
            TransformKind::Delims {
                pairs,
                key_value,
                fields,
            } => delim_pairs(&text, pairs, key_value.as_deref(), fields, &mut found),
        }
        let on_existing = if self.mv_add {
            OnExisting::Append
        } else {
            OnExisting::Keep
        };
        for f in found {
            if f.value.is_empty() && !self.keep_empty_vals {
                continue;
            }
            let name = if self.clean_keys && f.name_from_text {
                clean_key(&f.name)
            } else {
                f.name
            };
            add_field(event, &name, f.value, on_existing);
        }
    }
}

/// Every match's pairs, left to right.
fn regex_pairs(
    regex: &SplRegex,
    format: Option<&[FormatItem]>,
    text: &str,
    only: Option<(&FieldFilter, bool)>,
    out: &mut Vec<Found>,
) {
    for caps in regex.captures_iter(text) {
        match format {
            None => named_pairs(regex, &caps, only, out),
            Some(items) => {
                for item in items {
                    if let (Some((filter, clean)), Part::Group(i)) = (only, &item.name) {
                        match caps.get(*i) {
                            Some(name) if filter.keeps(name, clean) => {}
                            _ => continue,
                        }
                    }
                    let part = |p: &Part| match p {
                        Part::Literal(s) => Some(s.clone()),
                        Part::Group(i) => caps.get(*i).map(str::to_string),
                    };
                    if let (Some(name), Some(value)) = (part(&item.name), part(&item.value)) {
                        out.push(Found {
                            name,
                            value,
                            name_from_text: matches!(item.name, Part::Group(_)),
                        });
                    }
                }
            }
        }
    }
}

/// `DELIMS` splitting. Consecutive delimiters count as one unless `FIELDS`
/// names the values (then an empty value keeps its place); a value in
/// double quotes may hold delimiters, and `\"` inside it is a quote.
fn delim_pairs(
    text: &str,
    pair_delims: &[char],
    kv_delims: Option<&[char]>,
    fields: &[String],
    out: &mut Vec<Found>,
) {
    let mut push = |name: String, value: String, name_from_text: bool| {
        out.push(Found {
            name,
            value,
            name_from_text,
        })
    };
    let keep_empty = !fields.is_empty();
    let tokens = split_delimited(text, pair_delims, keep_empty);
    match kv_delims {
        Some(kv) => {
            for token in tokens {
                if let Some(pos) = token.find(|c| kv.contains(&c)) {
                    let key = token[..pos].trim();
                    let value = token[pos..].trim_start_matches(|c| kv.contains(&c)).trim();
                    push(key.to_string(), unquote(value), true);
                }
            }
        }
        None if !fields.is_empty() => {
            for (name, value) in fields.iter().zip(tokens) {
                push(name.clone(), unquote(value.trim()), false);
            }
        }
        None => {
            let mut it = tokens.into_iter();
            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                push(k.trim().to_string(), unquote(v.trim()), true);
            }
        }
    }
}

fn split_delimited<'t>(text: &'t str, delims: &[char], keep_empty: bool) -> Vec<&'t str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_quotes = false;
    let mut escaped = false;
    let mut last_delim: Option<char> = None;
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' if in_quotes => escaped = true,
            '"' => in_quotes = !in_quotes,
            c if !in_quotes && delims.contains(&c) => {
                // A run of different delimiters (`, `) separates once; the
                // same one twice (`a,,c`) leaves an empty value between,
                // which only named fields keep.
                let empty = i == start;
                if !empty || (keep_empty && last_delim == Some(c)) {
                    out.push(&text[start..i]);
                }
                start = i + c.len_utf8();
                last_delim = Some(c);
                continue;
            }
            _ => {}
        }
        last_delim = None;
    }
    if keep_empty || start < text.len() {
        out.push(&text[start..]);
    }
    out
}

fn unquote(value: &str) -> String {
    match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        Some(inner) => inner.replace("\\\"", "\""),
        None => value.to_string(),
    }
}

/// `FORMAT = <name>::<value> ...`, each part a literal or `$<n>`, either
/// optionally double-quoted (`user::"$1"`, `msg::"a b"`).
fn parse_format(text: &str) -> std::result::Result<Vec<FormatItem>, String> {
    format_items(text)?
        .iter()
        .map(|w| {
            let (name, value) = w
                .split_once("::")
                .ok_or_else(|| format!("`{w}` is not `<field-name>::<field-value>`"))?;
            Ok(FormatItem {
                name: part(name),
                value: part(value),
            })
        })
        .collect()
}

/// The whitespace-separated items of `FORMAT`; whitespace inside double
/// quotes belongs to the item.
fn format_items(text: &str) -> std::result::Result<Vec<String>, String> {
    let mut items = Vec::new();
    let mut current = String::new();
    let mut in_quotes = false;
    for c in text.chars() {
        match c {
            '"' => {
                in_quotes = !in_quotes;
                current.push(c);
            }
            c if c.is_whitespace() && !in_quotes => {
                if !current.is_empty() {
                    items.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if in_quotes {
        return Err("unclosed quote".into());
    }
    if !current.is_empty() {
        items.push(current);
    }
    Ok(items)
}

fn part(text: &str) -> Part {
    let text = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text);
    match text.strip_prefix('$').and_then(|n| n.parse::<usize>().ok()) {
        Some(n) => Part::Group(n),
        None => Part::Literal(text.to_string()),
    }
}

/// `"a", "b c"`: the strings of a quoted list, with `\t`, `\n`, `\r`,
/// `\\` and `\"` escapes.
fn parse_quoted_list(text: &str) -> std::result::Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut chars = text.trim().chars().peekable();
    loop {
        while matches!(chars.peek(), Some(c) if c.is_whitespace() || *c == ',') {
            chars.next();
        }
        match chars.next() {
            None => return Ok(out),
            Some('"') => {}
            Some(c) => return Err(format!("expected a double-quoted string, found `{c}`")),
        }
        let mut s = String::new();
        loop {
            match chars.next() {
                None => return Err("unclosed quote".into()),
                Some('"') => break,
                Some('\\') => match chars.next() {
                    Some('t') => s.push('\t'),
                    Some('n') => s.push('\n'),
                    Some('r') => s.push('\r'),
                    Some(c) => s.push(c),
                    None => return Err("unclosed quote".into()),
                },
                Some(c) => s.push(c),
            }
        }
        out.push(s);
    }
}

/// `FIELDS = a, "b c", d`.
fn parse_field_list(text: &str) -> std::result::Result<Vec<String>, String> {
    let mut out = Vec::new();
    for item in text.split(',') {
        let item = item.trim();
        if item.starts_with('"') {
            out.extend(parse_quoted_list(item)?);
        } else if !item.is_empty() {
            out.push(item.to_string());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    fn transforms(text: &str) -> Transforms {
        let mut t = Transforms::new();
        t.load_str(text, "transforms.conf").unwrap();
        t
    }

    fn raw(text: &str) -> Event {
        let mut e = Event::new();
        e.set("_raw", Value::from(text));
        e
    }

    /// transforms.conf.spec `FORMAT`: `$1::$2` applies the regex repeatedly.
    #[test]
    fn key_value_format_extracts_every_pair() {
        let t = transforms(
            "[xml_data]\nREGEX = <Data Name='([^']+)'>([^<]*)</Data>\nFORMAT = $1::$2\n",
        );
        let x = t.get("xml_data").unwrap();
        assert_eq!(x.outputs(), None);
        let mut e = raw("<Data Name='Image'>C:\\a.exe</Data><Data Name='User'>bob</Data><Data Name='Empty'></Data>");
        x.apply(&mut e);
        assert_eq!(e.get("Image"), Some(&Value::from("C:\\a.exe")));
        assert_eq!(e.get("User"), Some(&Value::from("bob")));
        assert_eq!(e.get("Empty"), None, "KEEP_EMPTY_VALS defaults to false");
    }

    /// transforms.conf.spec `MV_ADD`: appended when true, discarded when false.
    #[test]
    fn repeated_fields_follow_mv_add() {
        let text = "type=a type=b";
        let t = transforms("[one]\nREGEX = type=(?<type>\\w+)\n[many]\nREGEX = type=(?<type>\\w+)\nMV_ADD = true\n");
        let mut e = raw(text);
        t.get("one").unwrap().apply(&mut e);
        assert_eq!(e.get("type"), Some(&Value::from("a")));
        let mut e = raw(text);
        t.get("many").unwrap().apply(&mut e);
        assert_eq!(
            e.get("type"),
            Some(&Value::Multi(vec!["a".into(), "b".into()]))
        );
    }

    #[test]
    fn source_key_and_literal_format_parts() {
        let t = transforms(
            "[split_user]\nSOURCE_KEY = User\nREGEX = ^([^\\\\]+)\\\\(.+)$\nFORMAT = user_domain::$1 user_name::$2 kind::domain\n",
        );
        let x = t.get("split_user").unwrap();
        assert_eq!(
            x.outputs(),
            Some(vec![
                "user_domain".into(),
                "user_name".into(),
                "kind".into()
            ])
        );
        let mut e = raw("x");
        e.set("User", Value::from("CORP\\bob"));
        x.apply(&mut e);
        assert_eq!(e.get("user_domain"), Some(&Value::from("CORP")));
        assert_eq!(e.get("user_name"), Some(&Value::from("bob")));
        assert_eq!(e.get("kind"), Some(&Value::from("domain")));
    }

    /// transforms.conf.spec `CLEAN_KEYS`.
    #[test]
    fn names_from_the_text_are_cleaned_unless_told_not_to() {
        let t = transforms(
            "[kv]\nREGEX = ([\\w ]+):\\s+(\\S+)\nFORMAT = $1::$2\n\
             [raw_kv]\nREGEX = ([\\w ]+):\\s+(\\S+)\nFORMAT = $1::$2\nCLEAN_KEYS = false\n",
        );
        let mut e = raw("New Process Name: a.exe");
        t.get("kv").unwrap().apply(&mut e);
        assert_eq!(e.get("New_Process_Name"), Some(&Value::from("a.exe")));
        let mut e = raw("New Process Name: a.exe");
        t.get("raw_kv").unwrap().apply(&mut e);
        assert_eq!(e.get("New Process Name"), Some(&Value::from("a.exe")));
    }

    /// transforms.conf.spec `DELIMS` and `FIELDS`.
    #[test]
    fn delimiters_with_and_without_field_names() {
        let t = transforms(
            "[pipe_eq]\nDELIMS = \"|\", \"=\"\n[commalist]\nDELIMS = \", \"\nFIELDS = field1, field2, \"field 3\"\n",
        );
        let mut e = raw("a=1|b=\"x|y\"||c=3");
        t.get("pipe_eq").unwrap().apply(&mut e);
        assert_eq!(e.get("a"), Some(&Value::from("1")));
        assert_eq!(e.get("b"), Some(&Value::from("x|y")));
        assert_eq!(e.get("c"), Some(&Value::from("3")));
        let mut e = raw("one, two, three");
        t.get("commalist").unwrap().apply(&mut e);
        assert_eq!(e.get("field1"), Some(&Value::from("one")));
        assert_eq!(e.get("field2"), Some(&Value::from("two")));
        assert_eq!(
            e.get("field 3"),
            Some(&Value::from("three")),
            "FIELDS names are as written"
        );
    }

    /// The Windows add-on writes `FORMAT = user::"$1"`: quotes around a
    /// part are not part of it, and may hold spaces.
    #[test]
    fn quoted_format_parts() {
        let t = transforms("[q]\nREGEX = v=(\\w+)\nFORMAT = q::\"$1\" note::\"two words\"\n");
        let mut e = raw("v=alice");
        t.get("q").unwrap().apply(&mut e);
        assert_eq!(e.get("q"), Some(&Value::from("alice")));
        assert_eq!(e.get("note"), Some(&Value::from("two words")));
    }

    /// A multivalue source is read as its values joined by newlines, and a
    /// transform's `_`-named group is a hidden field the next one reads.
    #[test]
    fn multivalue_sources_and_hidden_intermediate_fields() {
        let t = transforms(
            "[names]\nSOURCE_KEY = name\nREGEX = ^([^\\n]+)\\n([^\\n]+)$\nFORMAT = first::$1 last::$2\n\
             [pre]\nREGEX = ^(?<_pre_msg>[^|]+)\\|\n[from_pre]\nSOURCE_KEY = _pre_msg\nREGEX = code=(?<code>\\d+)\n",
        );
        let mut e = raw("code=7 x|rest");
        e.set("name", Value::Multi(vec!["alice".into(), "bob".into()]));
        t.get("names").unwrap().apply(&mut e);
        assert_eq!(e.get("first"), Some(&Value::from("alice")));
        assert_eq!(e.get("last"), Some(&Value::from("bob")));
        t.get("pre").unwrap().apply(&mut e);
        t.get("from_pre").unwrap().apply(&mut e);
        assert_eq!(e.get("code"), Some(&Value::from("7")));
    }

    #[test]
    fn a_regex_that_does_not_compile_is_a_warning_with_its_line() {
        let t = transforms("[good]\nREGEX = (?<a>x)\n\n[bad]\nFORMAT = a::$1\nREGEX = (unclosed\n");
        assert!(t.get("good").is_some());
        assert!(t.get("bad").is_none());
        let w = t.warnings()[0].to_string();
        assert!(
            w.starts_with("transforms.conf:6: [bad] REGEX does not compile"),
            "{w}"
        );
    }

    #[test]
    fn lookup_stanzas_are_not_extractions() {
        let t = transforms("[lk]\nfilename = a.csv\n[x]\nDELIMS = \",\"\nFIELDS = a\nNOPE = 1\n");
        assert!(t.get("lk").is_none());
        assert!(t.get("x").is_some());
        assert!(t.warnings()[0]
            .to_string()
            .contains("unknown transforms.conf setting `NOPE`"));
    }
}
