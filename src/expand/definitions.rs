//! Macro definitions and where they come from: Splunk's `macros.conf` and
//! security_content's one-macro-per-file YAML.
//!
//! A macro is identified by its name *and* its number of arguments: Splunk
//! allows `[m]`, `[m(1)]` and `[m(2)]` side by side, and the call's argument
//! count picks one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::conf::{self, Stanza};
use crate::error::{Error, Result};
pub use crate::source::DefinitionSite;

/// One macro definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MacroDef {
    /// The name, without the `(N)` arity suffix.
    pub name: String,
    /// Argument names in positional order; the macro's arity is their count.
    pub args: Vec<String>,
    /// The text a call expands to, `$arg$` placeholders included.
    pub definition: String,
    /// `iseval = 1`: the definition is an eval expression (not supported yet).
    pub iseval: bool,
    /// An eval expression the arguments must satisfy (not supported yet).
    pub validation: Option<String>,
    /// The message shown when `validation` fails.
    pub errormsg: Option<String>,
    /// Where the definition was read: a file path, or `<bundled>`.
    pub origin: String,
    /// The definition's place in its file, so an error inside the macro can
    /// point at the line the user wrote; `None` for macros built in code.
    pub site: Option<Arc<DefinitionSite>>,
}

impl MacroDef {
    /// A plain macro: no eval, no validation.
    pub fn new(name: &str, args: &[&str], definition: &str, origin: &str) -> Self {
        MacroDef {
            name: name.to_string(),
            args: args.iter().map(|a| a.to_string()).collect(),
            definition: definition.to_string(),
            iseval: false,
            validation: None,
            errormsg: None,
            origin: origin.to_string(),
            site: None,
        }
    }

    /// The number of arguments a call must pass.
    pub fn arity(&self) -> usize {
        self.args.len()
    }
}

/// A set of macros keyed by (name, arity).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MacroSet {
    // name → arity → definition; nested so `arities` is a cheap, sorted lookup.
    by_name: BTreeMap<String, BTreeMap<usize, MacroDef>>,
}

impl MacroSet {
    /// An empty set.
    pub fn new() -> Self {
        MacroSet::default()
    }

    /// Adds a definition; a later insert replaces an earlier one with the same
    /// name and arity, so files loaded later override earlier ones.
    pub fn insert(&mut self, def: MacroDef) {
        self.by_name
            .entry(def.name.clone())
            .or_default()
            .insert(def.arity(), def);
    }

    /// The definition of `name` taking `arity` arguments.
    pub fn get(&self, name: &str, arity: usize) -> Option<&MacroDef> {
        self.by_name.get(name)?.get(&arity)
    }

    /// Every macro name, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }

    /// The argument counts `name` is defined with, ascending (empty if none).
    pub fn arities(&self, name: &str) -> Vec<usize> {
        self.by_name
            .get(name)
            .map(|m| m.keys().copied().collect())
            .unwrap_or_default()
    }

    /// How many (name, arity) definitions the set holds.
    pub fn len(&self) -> usize {
        self.by_name.values().map(BTreeMap::len).sum()
    }

    /// Whether the set holds no definitions.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every definition, by name then arity.
    pub fn iter(&self) -> impl Iterator<Item = &MacroDef> {
        self.by_name.values().flat_map(BTreeMap::values)
    }

    /// Loads the stanzas of a `macros.conf` text; returns how many macros it
    /// defined. `origin` names the file in errors and in [`MacroDef::origin`].
    pub fn load_conf_str(&mut self, text: &str, origin: &str) -> Result<usize> {
        let mut count = 0;
        for stanza in conf::parse(text, origin)? {
            // `[default]` holds settings inherited by every stanza in Splunk;
            // none of them matter for expansion.
            if stanza.name == "default" {
                continue;
            }
            let mut def = def_from_stanza(&stanza, origin)?;
            def.site = stanza
                .settings
                .get("definition")
                .map(|setting| conf_site(&def, text, setting.line, origin));
            self.insert(def);
            count += 1;
        }
        Ok(count)
    }

    /// Loads one security_content macro YAML document (`name`, `definition`,
    /// optional `arguments`); returns how many macros it defined (1).
    pub fn load_yaml_str(&mut self, text: &str, origin: &str) -> Result<usize> {
        let mut def = def_from_yaml(text, origin)?;
        def.site = yaml_site(&def, text, origin);
        self.insert(def);
        Ok(1)
    }

    /// Loads a file (`.conf` as macros.conf, `.yml`/`.yaml` as
    /// security_content YAML) or a folder: every such file below it, in sorted
    /// path order so that overrides are deterministic. Other files in a folder
    /// are ignored. Returns how many macros were loaded.
    pub fn load_path(&mut self, path: &Path) -> Result<usize> {
        if path.is_dir() {
            let mut files = Vec::new();
            collect_macro_files(path, &mut files)?;
            files.sort();
            let mut count = 0;
            for file in &files {
                count += self.load_file(file)?;
            }
            Ok(count)
        } else {
            self.load_file(path)
        }
    }

    fn load_file(&mut self, path: &Path) -> Result<usize> {
        let origin = path.display().to_string();
        let kind = FileKind::of(path).ok_or_else(|| Error::Config {
            file: origin.clone(),
            line: 0,
            message: "not a macro file: expected a .conf, .yml or .yaml file".to_string(),
        })?;
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(&origin, e))?;
        match kind {
            FileKind::Conf => self.load_conf_str(&text, &origin),
            FileKind::Yaml => self.load_yaml_str(&text, &origin),
        }
    }
}

/// The formats a macro file can be in, by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileKind {
    Conf,
    Yaml,
}

impl FileKind {
    fn of(path: &Path) -> Option<FileKind> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "conf" => Some(FileKind::Conf),
            "yml" | "yaml" => Some(FileKind::Yaml),
            _ => None,
        }
    }
}

/// Every macro file below `dir`, recursively (unsorted).
/// Link loops end, and a link out of the folder is refused (see
/// [`crate::walk`]).
fn collect_macro_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let files = crate::walk::files_under(dir, crate::walk::Links::Inside, |_| true)?;
    out.extend(files.into_iter().filter(|p| FileKind::of(p).is_some()));
    Ok(())
}

fn config_error(file: &str, line: usize, message: String) -> Error {
    Error::Config {
        file: file.to_string(),
        line,
        message,
    }
}

/// Splits a stanza header `name(N)` into the name and N; `name` alone is 0.
fn split_stanza_name(stanza: &Stanza, file: &str) -> Result<(String, usize)> {
    let header = stanza.name.as_str();
    let Some(open) = header.find('(') else {
        return Ok((header.to_string(), 0));
    };
    let bad = || {
        config_error(
            file,
            stanza.line,
            format!("stanza `[{header}]`: expected `[name]` or `[name(N)]` with N a number"),
        )
    };
    let count = header[open + 1..].strip_suffix(')').ok_or_else(bad)?;
    let count: usize = count.trim().parse().map_err(|_| bad())?;
    let name = header[..open].trim();
    if name.is_empty() {
        return Err(bad());
    }
    Ok((name.to_string(), count))
}

/// The `args = a, b` list: comma separated, trimmed, empty items dropped.
fn split_args(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .collect()
}

fn def_from_stanza(stanza: &Stanza, file: &str) -> Result<MacroDef> {
    let (name, arity) = split_stanza_name(stanza, file)?;
    let args = stanza.get("args").map(split_args).unwrap_or_default();
    if args.len() != arity {
        let line = stanza.settings.get("args").map_or(stanza.line, |s| s.line);
        return Err(config_error(
            file,
            line,
            format!(
                "macro `{}` declares {} argument(s) but `args` names {}",
                stanza.name,
                arity,
                args.len()
            ),
        ));
    }
    let definition = stanza.get("definition").ok_or_else(|| {
        config_error(
            file,
            stanza.line,
            format!("macro `{}` has no `definition`", stanza.name),
        )
    })?;
    Ok(MacroDef {
        name,
        args,
        definition: definition.to_string(),
        iseval: stanza.get("iseval").is_some_and(conf::is_true),
        validation: stanza.get("validation").map(str::to_string),
        errormsg: stanza.get("errormsg").map(str::to_string),
        origin: file.to_string(),
        site: None,
    })
}

fn def_from_yaml(text: &str, file: &str) -> Result<MacroDef> {
    use serde_norway::Value;

    let doc: Value = serde_norway::from_str(text).map_err(|e| {
        let line = e.location().map_or(0, |l| l.line());
        config_error(file, line, format!("malformed YAML: {e}"))
    })?;
    let Value::Mapping(map) = doc else {
        return Err(config_error(
            file,
            0,
            "expected a YAML mapping with `name` and `definition`".to_string(),
        ));
    };
    let field = |key: &str| -> Result<Option<String>> {
        match map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => yaml_scalar(v).map(Some).ok_or_else(|| {
                config_error(
                    file,
                    0,
                    format!("`{key}` must be a string, not a list or map"),
                )
            }),
        }
    };
    let missing = |key: &str| config_error(file, 0, format!("macro YAML has no `{key}`"));
    let name = field("name")?.ok_or_else(|| missing("name"))?;
    let definition = field("definition")?.ok_or_else(|| missing("definition"))?;
    let args = match map.get("arguments") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Sequence(items)) => items
            .iter()
            .map(|v| {
                yaml_scalar(v).ok_or_else(|| {
                    config_error(file, 0, "`arguments` items must be names".to_string())
                })
            })
            .collect::<Result<Vec<_>>>()?,
        Some(_) => {
            return Err(config_error(
                file,
                0,
                "`arguments` must be a list of names".to_string(),
            ))
        }
    };
    Ok(MacroDef {
        name: name.trim().to_string(),
        args: args.iter().map(|a| a.trim().to_string()).collect(),
        definition,
        iseval: false,
        validation: None,
        errormsg: None,
        origin: file.to_string(),
        site: None,
    })
}

/// The site of a macros.conf `definition` that starts on `line`: the raw
/// line up to the value (`definition = `, spacing as written).
fn conf_site(def: &MacroDef, text: &str, line: usize, file: &str) -> Arc<DefinitionSite> {
    let raw = text.lines().nth(line.saturating_sub(1)).unwrap_or_default();
    let prefix = raw.find('=').map_or(String::new(), |eq| {
        let after = &raw[eq + 1..];
        let value_start = eq + 1 + (after.len() - after.trim_start().len());
        raw[..value_start].to_string()
    });
    Arc::new(DefinitionSite {
        macro_name: def.name.clone(),
        file: file.to_string(),
        line,
        prefix,
        text: def.definition.clone(),
    })
}

/// The site of a YAML macro's `definition:` key (its first line at the
/// mapping's top level). A block or folded value starts on the next line, so
/// only the key's line is exact there.
fn yaml_site(def: &MacroDef, text: &str, file: &str) -> Option<Arc<DefinitionSite>> {
    let (index, raw) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.starts_with("definition:"))?;
    let after = &raw["definition:".len()..];
    let mut value_start = "definition:".len() + (after.len() - after.trim_start().len());
    // A quoted scalar's text starts after its quote.
    if raw[value_start..].starts_with(['"', '\'']) {
        value_start += 1;
    }
    let inline = !raw[value_start..].trim().is_empty()
        && !raw[value_start..].trim_start().starts_with(['|', '>']);
    let (line, prefix) = if inline {
        (index + 1, raw[..value_start].to_string())
    } else {
        // Block scalar: the value starts on the next line, after its indent.
        let next = text.lines().nth(index + 1).unwrap_or_default();
        let indent = next.len() - next.trim_start().len();
        (index + 2, next[..indent].to_string())
    };
    Some(Arc::new(DefinitionSite {
        macro_name: def.name.clone(),
        file: file.to_string(),
        line,
        prefix,
        text: def.definition.clone(),
    }))
}

/// A YAML scalar as text. An unquoted `definition: 30` is a number to YAML
/// but plain text to the macro, so numbers and booleans are accepted too.
fn yaml_scalar(value: &serde_norway::Value) -> Option<String> {
    use serde_norway::Value;
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conf_overloads_by_arity_and_joins_continuations() {
        let text = "\
# test macros
[default]
[m]
definition = zero
description = ignored

[m(2)]
args = a, b
definition = two $a$ \\
| more $b$

[n(1)]
args=x
definition = one $x$
iseval = 1
";
        let mut set = MacroSet::new();
        assert_eq!(set.load_conf_str(text, "t.conf").unwrap(), 3);
        assert_eq!(set.len(), 3);
        assert_eq!(set.arities("m"), vec![0, 2]);
        assert_eq!(set.get("m", 0).unwrap().definition, "zero");
        let two = set.get("m", 2).unwrap();
        assert_eq!(two.args, vec!["a", "b"]);
        assert_eq!(two.definition, "two $a$ \n| more $b$");
        assert_eq!(two.origin, "t.conf");
        assert!(set.get("n", 1).unwrap().iseval);
        assert!(set.get("m", 1).is_none());
    }

    #[test]
    fn later_definitions_win() {
        let mut set = MacroSet::new();
        set.insert(MacroDef::new("m", &[], "first", "<a>"));
        set.insert(MacroDef::new("m", &[], "second", "<b>"));
        assert_eq!(set.len(), 1);
        assert_eq!(set.get("m", 0).unwrap().definition, "second");
    }

    #[test]
    fn conf_args_count_mismatch_names_file_and_line() {
        let mut set = MacroSet::new();
        let err = set
            .load_conf_str("[m(2)]\ndefinition = x\nargs = a\n", "bad.conf")
            .unwrap_err();
        assert!(matches!(err, Error::Config { line: 3, .. }), "{err:?}");
        assert!(err.to_string().starts_with("bad.conf:3: "), "{err}");
    }

    #[test]
    fn conf_stanza_without_definition_is_an_error() {
        let mut set = MacroSet::new();
        let err = set.load_conf_str("\n[m]\nargs =\n", "x.conf").unwrap_err();
        assert_eq!(err.to_string(), "x.conf:2: macro `m` has no `definition`");
    }

    #[test]
    fn conf_bad_arity_suffix_is_an_error() {
        let mut set = MacroSet::new();
        let err = set.load_conf_str("[m(x)]\ndefinition = y\n", "x.conf");
        assert!(matches!(err, Err(Error::Config { line: 1, .. })));
    }

    #[test]
    fn yaml_with_and_without_arguments() {
        let mut set = MacroSet::new();
        let ctime = "arguments:\n  - field\ndefinition: 'convert timeformat=\"%Y-%m-%dT%H:%M:%S\" ctime($field$)'\ndescription: convert epoch time to string\nname: security_content_ctime\n";
        set.load_yaml_str(ctime, "ctime.yml").unwrap();
        set.load_yaml_str(
            "definition: sourcetype=aws:cloudtrail\nname: cloudtrail\n",
            "c.yml",
        )
        .unwrap();
        set.load_yaml_str("definition: 30\nname: n\n", "n.yml")
            .unwrap();
        let def = set.get("security_content_ctime", 1).unwrap();
        assert_eq!(def.args, vec!["field"]);
        assert_eq!(
            def.definition,
            r#"convert timeformat="%Y-%m-%dT%H:%M:%S" ctime($field$)"#
        );
        assert_eq!(
            set.get("cloudtrail", 0).unwrap().definition,
            "sourcetype=aws:cloudtrail"
        );
        assert_eq!(set.get("n", 0).unwrap().definition, "30");
    }

    #[test]
    fn yaml_errors_are_config_errors() {
        let mut set = MacroSet::new();
        let err = set
            .load_yaml_str("name: x\ndefinition: [unclosed\n", "bad.yml")
            .unwrap_err();
        assert!(
            matches!(&err, Error::Config { file, line, .. } if file == "bad.yml" && *line > 0),
            "{err:?}"
        );
        let err = set.load_yaml_str("name: x\n", "nodef.yml").unwrap_err();
        assert_eq!(
            err.to_string(),
            "nodef.yml:0: macro YAML has no `definition`"
        );
        let err = set.load_yaml_str("definition: y\n", "noname.yml");
        assert!(matches!(err, Err(Error::Config { .. })));
        let err = set.load_yaml_str("- a\n- b\n", "list.yml");
        assert!(matches!(err, Err(Error::Config { .. })));
        assert!(set.is_empty());
    }

    #[test]
    fn load_path_reads_files_and_folders() {
        let dir = std::env::temp_dir().join(format!("spelunk-macros-{}", std::process::id()));
        let sub = dir.join("sub");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(dir.join("a.conf"), "[m]\ndefinition = from conf\n").unwrap();
        std::fs::write(sub.join("b.yml"), "name: m\ndefinition: from yaml\n").unwrap();
        std::fs::write(dir.join("notes.txt"), "not a macro file").unwrap();
        let mut set = MacroSet::new();
        let loaded = set.load_path(&dir);
        let single = MacroSet::new().load_path(&dir.join("a.conf"));
        let unknown = MacroSet::new().load_path(&dir.join("notes.txt"));
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(loaded.unwrap(), 2);
        // "a.conf" sorts before "sub/b.yml", so the YAML definition wins.
        assert_eq!(set.get("m", 0).unwrap().definition, "from yaml");
        assert_eq!(single.unwrap(), 1);
        assert!(matches!(unknown, Err(Error::Config { .. })));
    }

    #[test]
    fn all_security_content_macros_load() {
        let dir = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/corpus/security_content/macros"
        ));
        if !dir.is_dir() {
            // The corpus is not part of the repository; nothing to check.
            return;
        }
        let mut set = MacroSet::new();
        let loaded = set.load_path(dir).unwrap();
        assert_eq!(loaded, 189);
        let ctime = set.get("security_content_ctime", 1).unwrap();
        assert_eq!(ctime.args, vec!["field"]);
    }

    #[test]
    fn bundled_macros_file_loads() {
        let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/macros/macros.conf"));
        let mut set = MacroSet::new();
        set.load_path(path).unwrap();
        for (name, arity) in [
            ("cloudtrail", 0),
            ("security_content_ctime", 1),
            ("security_content_summariesonly", 0),
            ("drop_dm_object_name", 1),
        ] {
            assert!(set.get(name, arity).is_some(), "{name}({arity})");
        }
    }
}
