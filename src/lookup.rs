//! Lookup definitions and tables: transforms.conf stanzas, security_content
//! lookup YAML files, and CSV files, from folders or bundled into the binary.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;

use crate::conf;
use crate::error::{Error, Result};

/// A named lookup: a transforms.conf stanza or a security_content YAML file.
#[derive(Debug, Clone, PartialEq)]
pub struct LookupDef {
    /// The name searches use.
    pub name: String,
    /// The CSV file it reads (absent for KV-store lookups).
    pub filename: Option<String>,
    /// The KV-store collection, for lookups backed by one.
    pub collection: Option<String>,
    /// `case_sensitive_match` (Splunk's default: true).
    pub case_sensitive_match: bool,
    /// `match_type` entries, e.g. `WILDCARD(domain)`, as written.
    pub match_type: Vec<String>,
    /// `max_matches`.
    pub max_matches: Option<usize>,
    /// `min_matches`.
    pub min_matches: Option<usize>,
    /// `default_match`.
    pub default_match: Option<String>,
    /// Where it was defined.
    pub origin: String,
}

/// Why a named lookup cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupProblem {
    /// No definition and no file by that name.
    Undefined,
    /// Defined, but its file is not in any lookup folder.
    FileMissing(String),
    /// Backed by a KV-store collection, which offline runs cannot read.
    Collection(String),
    /// Defined with neither a file nor a collection.
    NoFile,
}

/// Where a CSV file's text comes from.
#[derive(Debug, Clone, PartialEq)]
enum FileSource {
    Path(PathBuf),
    Bundled(&'static str),
}

/// A lookup table read from CSV: the header's columns and the rows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LookupTable {
    /// Column names in file order.
    pub columns: Vec<String>,
    /// Rows; an empty cell is `None` (a null field).
    pub rows: Vec<Vec<Option<String>>>,
}

/// Every lookup the engine knows.
#[derive(Debug, Clone, Default)]
pub struct LookupRegistry {
    defs: IndexMap<String, LookupDef>,
    files: HashMap<String, FileSource>,
}

/// The bundled `lookups/` folder, compiled in.
const BUNDLED_TRANSFORMS: &str = include_str!("../lookups/transforms.conf");
const BUNDLED_FILES: &[(&str, &str)] = &[(
    "aws_service_accounts.csv",
    include_str!("../lookups/aws_service_accounts.csv"),
)];

impl LookupRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        LookupRegistry::default()
    }

    /// The lookups bundled with spelunk.
    pub fn bundled() -> Result<Self> {
        let mut reg = LookupRegistry::new();
        reg.load_transforms_str(BUNDLED_TRANSFORMS, "<bundled>/transforms.conf")?;
        for (name, text) in BUNDLED_FILES {
            reg.files
                .insert(name.to_string(), FileSource::Bundled(text));
        }
        Ok(reg)
    }

    /// Adds (or replaces) a definition.
    pub fn insert(&mut self, def: LookupDef) {
        self.defs.insert(def.name.clone(), def);
    }

    /// A definition by name.
    pub fn get(&self, name: &str) -> Option<&LookupDef> {
        self.defs.get(name)
    }

    /// Loads a path: a folder (every `transforms.conf`, lookup `*.yml`/`*.yaml`
    /// and `*.csv`/`*.csv.gz` in it, recursively), or one such file. Returns the
    /// number of definitions and files added.
    pub fn load_path(&mut self, path: &Path) -> Result<usize> {
        if path.is_dir() {
            let mut entries = Vec::new();
            collect_files(path, &mut entries)?;
            entries.sort();
            let mut n = 0;
            for entry in entries {
                n += self.load_file(&entry)?;
            }
            Ok(n)
        } else if path.exists() {
            self.load_file(path)
        } else {
            Err(Error::io(path.display(), "no such file or folder"))
        }
    }

    fn load_file(&mut self, path: &Path) -> Result<usize> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".csv") || lower.ends_with(".csv.gz") {
            self.files
                .insert(name, FileSource::Path(path.to_path_buf()));
            Ok(1)
        } else if lower.ends_with(".conf") {
            let text = read_text(path)?;
            self.load_transforms_str(&text, &path.display().to_string())
        } else if lower.ends_with(".yml") || lower.ends_with(".yaml") {
            let text = read_text(path)?;
            self.load_yaml_str(&text, &path.display().to_string())
        } else {
            Ok(0)
        }
    }

    /// Loads lookup stanzas from transforms.conf text (stanzas without
    /// `filename` or `collection` are not lookups and are skipped).
    pub fn load_transforms_str(&mut self, text: &str, origin: &str) -> Result<usize> {
        let mut n = 0;
        for stanza in conf::parse(text, origin)? {
            let filename = stanza.get("filename").map(str::to_string);
            let collection = stanza.get("collection").map(str::to_string);
            if filename.is_none() && collection.is_none() {
                continue;
            }
            let def = LookupDef {
                name: stanza.name.clone(),
                filename,
                collection,
                case_sensitive_match: stanza.get("case_sensitive_match").is_none_or(conf::is_true),
                match_type: split_match_types(stanza.get("match_type").unwrap_or("")),
                max_matches: parse_count(stanza.get("max_matches"), origin, &stanza)?,
                min_matches: parse_count(stanza.get("min_matches"), origin, &stanza)?,
                default_match: stanza.get("default_match").map(str::to_string),
                origin: origin.to_string(),
            };
            self.insert(def);
            n += 1;
        }
        Ok(n)
    }

    /// Loads one security_content lookup YAML (`name`, `filename` or
    /// `collection`, `match_type`, `case_sensitive_match`, ...).
    pub fn load_yaml_str(&mut self, text: &str, origin: &str) -> Result<usize> {
        let doc: serde_norway::Value = serde_norway::from_str(text).map_err(|e| Error::Config {
            file: origin.to_string(),
            line: e.location().map_or(0, |l| l.line()),
            message: e.to_string(),
        })?;
        let field = |k: &str| -> Option<String> {
            match doc.get(k)? {
                serde_norway::Value::String(s) => Some(s.clone()),
                serde_norway::Value::Number(n) => Some(n.to_string()),
                serde_norway::Value::Bool(b) => Some(b.to_string()),
                _ => None,
            }
        };
        let Some(name) = field("name") else {
            return Err(Error::Config {
                file: origin.to_string(),
                line: 0,
                message: "lookup definition has no `name`".into(),
            });
        };
        let count = |k: &str| -> Result<Option<usize>> {
            match field(k) {
                None => Ok(None),
                Some(v) => v.trim().parse().map(Some).map_err(|_| Error::Config {
                    file: origin.to_string(),
                    line: 0,
                    message: format!("`{k}` must be a whole number, found `{v}`"),
                }),
            }
        };
        let def = LookupDef {
            filename: field("filename"),
            collection: field("collection"),
            case_sensitive_match: field("case_sensitive_match").is_none_or(|v| conf::is_true(&v)),
            match_type: split_match_types(&field("match_type").unwrap_or_default()),
            max_matches: count("max_matches")?,
            min_matches: count("min_matches")?,
            default_match: field("default_match"),
            origin: origin.to_string(),
            name,
        };
        self.insert(def);
        Ok(1)
    }

    /// Checks that a lookup a search names can be read, without reading it.
    pub fn check(&self, name: &str) -> std::result::Result<(), LookupProblem> {
        let filename = match self.defs.get(name) {
            Some(def) => match (&def.filename, &def.collection) {
                (Some(f), _) => f.clone(),
                (None, Some(c)) => return Err(LookupProblem::Collection(c.clone())),
                (None, None) => return Err(LookupProblem::NoFile),
            },
            None if is_csv_name(name) => name.to_string(),
            None => return Err(LookupProblem::Undefined),
        };
        if self.files.contains_key(&filename) {
            Ok(())
        } else {
            Err(LookupProblem::FileMissing(filename))
        }
    }

    /// Reads the table a search names: a transforms/YAML lookup name, or a
    /// CSV file name.
    pub fn table(&self, name: &str) -> std::result::Result<LookupTable, String> {
        let filename = match self.defs.get(name) {
            Some(def) => match (&def.filename, &def.collection) {
                (Some(f), _) => f.clone(),
                (None, Some(c)) => {
                    return Err(format!(
                        "is backed by the KV store collection `{c}`, which is not supported offline"
                    ))
                }
                (None, None) => return Err("defines no file".into()),
            },
            None if is_csv_name(name) => name.to_string(),
            None => {
                return Err(format!(
                    "is not defined (no transforms.conf stanza or lookup YAML named `{name}`, and no file `{name}.csv`)"
                ))
            }
        };
        let source = self
            .files
            .get(&filename)
            .ok_or_else(|| format!("its file `{filename}` was not found in the lookup folders"))?;
        let text = match source {
            FileSource::Bundled(t) => t.to_string(),
            FileSource::Path(p) => read_text(p).map_err(|e| e.to_string())?,
        };
        parse_csv(&text).map_err(|e| format!("file `{filename}`: {e}"))
    }
}

fn is_csv_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".csv") || lower.ends_with(".csv.gz")
}

fn split_match_types(text: &str) -> Vec<String> {
    // `WILDCARD(a), CIDR(b)`: split at commas outside parentheses.
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                if !cur.trim().is_empty() {
                    out.push(cur.trim().to_string());
                }
                cur.clear();
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

fn parse_count(value: Option<&str>, origin: &str, stanza: &conf::Stanza) -> Result<Option<usize>> {
    match value {
        None => Ok(None),
        Some(v) => v.trim().parse().map(Some).map_err(|_| Error::Config {
            file: origin.to_string(),
            line: stanza.line,
            message: format!("[{}]: expected a whole number, found `{v}`", stanza.name),
        }),
    }
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir.display(), e))?;
    for entry in entries {
        let path = entry.map_err(|e| Error::io(dir.display(), e))?.path();
        if path.is_dir() {
            collect_files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path.display(), e))?;
    let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
        use std::io::Read;
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&bytes[..])
            .read_to_end(&mut out)
            .map_err(|e| Error::io(path.display(), e))?;
        out
    } else {
        bytes
    };
    String::from_utf8(bytes).map_err(|e| Error::io(path.display(), e))
}

/// Parses CSV text with a header row.
pub fn parse_csv(text: &str) -> std::result::Result<LookupTable, String> {
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let columns: Vec<String> = reader
        .headers()
        .map_err(|e| e.to_string())?
        .iter()
        // Header names are trimmed: security_content ships headers written
        // `workflow_name, job_name` whose detections use `job_name`.
        .map(|h| h.trim().to_string())
        .collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| e.to_string())?;
        let row = (0..columns.len())
            .map(|i| record.get(i).filter(|c| !c.is_empty()).map(str::to_string))
            .collect();
        rows.push(row);
    }
    Ok(LookupTable { columns, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_service_accounts_has_only_a_header() {
        let reg = LookupRegistry::bundled().unwrap();
        let t = reg.table("aws_service_accounts").unwrap();
        assert_eq!(t.columns, vec!["identity"]);
        assert!(t.rows.is_empty());
    }

    #[test]
    fn empty_cells_are_null() {
        let t = parse_csv("a,b\n1,\n,2\n").unwrap();
        assert_eq!(
            t.rows,
            vec![vec![Some("1".into()), None], vec![None, Some("2".into())]]
        );
    }

    #[test]
    fn header_names_are_trimmed() {
        let t = parse_csv("a, b\n1, 2\n").unwrap();
        assert_eq!(t.columns, vec!["a", "b"]);
        assert_eq!(t.rows, vec![vec![Some("1".into()), Some(" 2".into())]]);
    }

    #[test]
    fn missing_lookup_names_itself() {
        let reg = LookupRegistry::new();
        let err = reg.table("nope").unwrap_err();
        assert!(err.contains("`nope`"), "{err}");
    }

    #[test]
    fn yaml_definitions_load() {
        let mut reg = LookupRegistry::new();
        reg.load_yaml_str(
            "name: x\nfilename: x.csv\nmatch_type: WILDCARD(a), CIDR(b)\ncase_sensitive_match: 'false'\nmin_matches: 1\n",
            "x.yml",
        )
        .unwrap();
        let d = reg.get("x").unwrap();
        assert_eq!(d.match_type, vec!["WILDCARD(a)", "CIDR(b)"]);
        assert!(!d.case_sensitive_match);
        assert_eq!(d.min_matches, Some(1));
    }
}
