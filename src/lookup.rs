//! Lookup definitions and tables: transforms.conf stanzas, security_content
//! lookup YAML files, and CSV files, from folders or bundled into the binary.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use indexmap::IndexMap;

use crate::conf;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::exec::matcher::Glob;
use crate::value::Value;

mod index;

use index::{RowIndex, Subnet};

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
    /// `fields_list` of a KV-store lookup: the collection's columns.
    pub fields_list: Vec<String>,
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
    /// Backed by a KV-store collection with no data file (`<collection>.csv`
    /// or `.json` in a lookups folder): it runs as an empty collection.
    Collection(String),
    /// Defined with neither a file nor a collection.
    NoFile,
}

/// Where a CSV file's text comes from.
#[derive(Debug, Clone)]
enum FileSource {
    Path(PathBuf),
    Bundled(BundledFile),
}

/// A lookup file compiled into the binary, with its table parsed at most
/// once. Its text never changes, so every `LOOKUP-` that resolves against
/// it (once per file and source read) can share one parsed table instead
/// of parsing the CSV again; the Windows lookups alone are 22 KB. Clones of
/// the registry share the cell.
#[derive(Debug, Clone)]
struct BundledFile {
    text: &'static str,
    table: Arc<OnceLock<std::result::Result<Arc<LookupTable>, String>>>,
}

impl BundledFile {
    fn new(text: &'static str) -> Self {
        BundledFile {
            text,
            table: Arc::new(OnceLock::new()),
        }
    }

    /// The parsed table (or the CSV error), parsed on first use.
    fn table(&self) -> std::result::Result<Arc<LookupTable>, String> {
        self.table
            .get_or_init(|| parse_csv(self.text).map(Arc::new))
            .clone()
    }
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
    /// collections.conf: collection → its `field.<name>` columns.
    collections: IndexMap<String, Vec<String>>,
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
            reg.files.insert(
                name.to_string(),
                FileSource::Bundled(BundledFile::new(text)),
            );
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
        if lower.ends_with(".csv")
            || lower.ends_with(".csv.gz")
            || lower.ends_with(".json")
            || is_geo_name(&lower)
        {
            self.files
                .insert(name, FileSource::Path(path.to_path_buf()));
            Ok(1)
        } else if lower == "collections.conf" {
            let text = read_text(path)?;
            self.load_collections_str(&text, &path.display().to_string())
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
                fields_list: split_list(stanza.get("fields_list").unwrap_or("")),
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
            fields_list: split_list(&field("fields_list").unwrap_or_default()),
            origin: origin.to_string(),
            name,
        };
        self.insert(def);
        Ok(1)
    }

    /// Loads the collections of a collections.conf text (KV store
    /// collections: `[<collection>]` with `field.<name> = <type>` columns).
    pub fn load_collections_str(&mut self, text: &str, origin: &str) -> Result<usize> {
        let stanzas = conf::parse(text, origin)?;
        for stanza in &stanzas {
            if stanza.name == "default" {
                continue;
            }
            let columns: Vec<String> = stanza
                .settings
                .keys()
                .filter_map(|k| k.strip_prefix("field."))
                .map(str::to_string)
                .collect();
            self.collections.insert(stanza.name.clone(), columns);
        }
        Ok(stanzas.len())
    }

    /// Adds every lookup file of a folder (an app's `lookups/`):
    /// `*.csv`, `*.csv.gz`, and `*.json` collection data. Returns how many.
    pub fn load_files_in(&mut self, dir: &Path) -> Result<usize> {
        let mut entries = Vec::new();
        collect_files(dir, &mut entries)?;
        entries.sort();
        let mut n = 0;
        for path in entries {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let lower = name.to_ascii_lowercase();
            if lower.ends_with(".csv")
                || lower.ends_with(".csv.gz")
                || lower.ends_with(".json")
                || is_geo_name(&lower)
            {
                self.files.insert(name, FileSource::Path(path));
                n += 1;
            }
        }
        Ok(n)
    }

    /// Whether `path` is (resolves to) one of the lookup files loaded from
    /// a folder: `outputlookup` must never write over an input.
    pub fn is_input_file(&self, path: &Path) -> bool {
        let Ok(target) = std::fs::canonicalize(path) else {
            return false;
        };
        self.files.values().any(|source| match source {
            FileSource::Path(p) => std::fs::canonicalize(p).is_ok_and(|real| real == target),
            FileSource::Bundled(_) => false,
        })
    }

    /// Adds a lookup file compiled into the binary.
    pub fn add_bundled_file(&mut self, name: &str, text: &'static str) {
        self.files.insert(
            name.to_string(),
            FileSource::Bundled(BundledFile::new(text)),
        );
    }

    /// The data file of a KV-store collection: `<collection>.csv` or
    /// `<collection>.json` in a lookups folder.
    fn collection_file(&self, collection: &str) -> Option<(String, &FileSource)> {
        ["csv", "json", "csv.gz"].iter().find_map(|ext| {
            let name = format!("{collection}.{ext}");
            self.files.get(&name).map(|f| (name, f))
        })
    }

    /// A KV-store collection's rows: from its data file, or none (a
    /// collection nobody has written to, as on a fresh Splunk), with the
    /// columns of `fields_list` or collections.conf.
    fn collection_table(
        &self,
        def: &LookupDef,
        collection: &str,
    ) -> std::result::Result<LookupTable, String> {
        match self.collection_file(collection) {
            Some((name, source)) => {
                let text = match source {
                    FileSource::Bundled(b) => b.text.to_string(),
                    FileSource::Path(p) => read_text(p).map_err(|e| e.to_string())?,
                };
                if name.ends_with(".json") {
                    parse_json_rows(&text).map_err(|e| format!("collection file `{name}`: {e}"))
                } else {
                    parse_csv(&text).map_err(|e| format!("collection file `{name}`: {e}"))
                }
            }
            None => {
                let mut columns = def.fields_list.clone();
                if columns.is_empty() {
                    columns.push("_key".to_string());
                    columns.extend(
                        self.collections
                            .get(collection)
                            .cloned()
                            .unwrap_or_default(),
                    );
                }
                Ok(LookupTable {
                    columns,
                    rows: Vec::new(),
                })
            }
        }
    }

    /// A warning to show once when a lookup runs as an empty KV-store
    /// collection (no `<collection>.csv` or `.json` in a lookups folder).
    pub fn table_notice(&self, name: &str) -> Option<String> {
        let def = self.defs.get(name)?;
        if def.filename.is_some() {
            return None;
        }
        let c = def.collection.as_deref()?;
        if self.collection_file(c).is_some() {
            return None;
        }
        Some(format!(
            "lookup `{name}` reads the KV store collection `{c}`, which has no data here (give {c}.csv or {c}.json in a lookups folder): it is empty, as on a fresh Splunk"
        ))
    }

    /// Checks that a lookup a search names can be read, without reading it.
    pub fn check(&self, name: &str) -> std::result::Result<(), LookupProblem> {
        let filename = match self.defs.get(name) {
            Some(def) => match (&def.filename, &def.collection) {
                (Some(f), _) => f.clone(),
                (None, Some(c)) => {
                    return match self.collection_file(c) {
                        Some(_) => Ok(()),
                        None => Err(LookupProblem::Collection(c.clone())),
                    }
                }
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

    /// Reads a CSV file of the lookup folders by its file name alone (no
    /// lookup definitions), for `inputcsv`; `None` when no folder has it.
    pub fn csv_file(&self, filename: &str) -> Option<std::result::Result<LookupTable, String>> {
        let source = self.files.get(filename)?;
        let text = match source {
            FileSource::Bundled(b) => Ok(b.text.to_string()),
            FileSource::Path(p) => read_text(p).map_err(|e| e.to_string()),
        };
        Some(text.and_then(|t| parse_csv(&t).map_err(|e| format!("file `{filename}`: {e}"))))
    }

    /// Reads the table a search names: a transforms/YAML lookup name, or a
    /// CSV file name.
    pub fn table(&self, name: &str) -> std::result::Result<LookupTable, String> {
        self.shared_table(name).map(Arc::unwrap_or_clone)
    }

    /// [`LookupRegistry::table`], shared: a bundled CSV file is parsed once
    /// and every caller gets the same table.
    pub fn shared_table(&self, name: &str) -> std::result::Result<Arc<LookupTable>, String> {
        let filename = match self.defs.get(name) {
            Some(def) => match (&def.filename, &def.collection) {
                (Some(f), _) => f.clone(),
                (None, Some(c)) => return self.collection_table(def, c).map(Arc::new),
                (None, None) => return Err("defines no file".into()),
            },
            None if is_csv_name(name) => name.to_string(),
            None => {
                return Err(format!(
                    "is not defined (no transforms.conf stanza or lookup YAML named `{name}`, and no file `{name}.csv`)"
                ))
            }
        };
        if let Some(FileSource::Bundled(bundled)) = self.files.get(&filename) {
            return bundled
                .table()
                .map_err(|e| format!("file `{filename}`: {e}"));
        }
        let text = self.file_text(&filename)?;
        parse_csv(&text)
            .map(Arc::new)
            .map_err(|e| format!("file `{filename}`: {e}"))
    }
}

impl LookupRegistry {
    /// The text of a file in the lookup folders (or bundled), by name.
    fn file_text(&self, filename: &str) -> std::result::Result<String, String> {
        let source = self
            .files
            .get(filename)
            .ok_or_else(|| format!("its file `{filename}` was not found in the lookup folders"))?;
        match source {
            FileSource::Bundled(b) => Ok(b.text.to_string()),
            FileSource::Path(p) => read_text(p).map_err(|e| e.to_string()),
        }
    }

    /// The feature collection file of a geospatial lookup (`geom`): the
    /// file its transforms.conf stanza names (or a `.kml`/`.kmz` file
    /// named directly), as (file name, text). A KMZ file is refused:
    /// spelunk has no zip reader.
    pub fn geo_file(&self, name: &str) -> std::result::Result<(String, String), String> {
        let filename = match self.defs.get(name) {
            Some(def) => def
                .filename
                .clone()
                .ok_or_else(|| "defines no file (a geospatial lookup names a KML file)".to_string())?,
            None if is_geo_name(&name.to_ascii_lowercase()) => name.to_string(),
            None => {
                return Err(format!(
                    "is not defined (no transforms.conf stanza named `{name}` with `external_type = geo` and a KML `filename`)"
                ))
            }
        };
        let lower = filename.to_ascii_lowercase();
        if lower.ends_with(".kmz") {
            return Err(format!(
                "its file `{filename}` is KMZ (zipped KML), which spelunk cannot read: unzip it and name the `.kml` file inside"
            ));
        }
        if !lower.ends_with(".kml") {
            return Err(format!(
                "its file `{filename}` is not a KML file (a geospatial lookup reads a `.kml` feature collection)"
            ));
        }
        let text = self.file_text(&filename)?;
        Ok((filename, text))
    }
}

/// Whether a (lower-case) file name is a geospatial feature collection.
fn is_geo_name(lower: &str) -> bool {
    lower.ends_with(".kml") || lower.ends_with(".kmz")
}

/// Lookup tables read and prepared for matching during one search, shared
/// by its chunks and threads: the streaming path runs a `lookup` once per
/// chunk, and reading and indexing the table each time would cost more
/// than the matching. Per search, not per engine, so that a table written
/// by `outputlookup` is read afresh by the next search.
#[derive(Debug, Clone, Default)]
pub struct PreparedLookups(
    std::sync::Arc<std::sync::Mutex<HashMap<String, std::sync::Arc<TableMatcher>>>>,
);

impl PreparedLookups {
    /// The prepared table for `name` with these inputs and outputs, read on
    /// first use ([`TableMatcher::prepare`]; an error is not kept).
    pub fn get(
        &self,
        registry: &LookupRegistry,
        name: &str,
        inputs: &[(String, String)],
        outputs: &[(String, String)],
    ) -> std::result::Result<std::sync::Arc<TableMatcher>, String> {
        let key = format!("{name}\u{0}{inputs:?}\u{0}{outputs:?}");
        // A panic elsewhere while holding the lock leaves the map intact.
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(m) = map.get(&key) {
            return Ok(std::sync::Arc::clone(m));
        }
        let m = std::sync::Arc::new(TableMatcher::prepare(registry, name, inputs, outputs)?);
        map.insert(key, std::sync::Arc::clone(&m));
        Ok(m)
    }
}

/// Splunk's default `max_matches` for a lookup without a time field.
const DEFAULT_MAX_MATCHES: usize = 100;

/// How one input column is compared.
#[derive(Debug, Clone)]
enum Rule {
    Exact,
    Wildcard,
    Cidr,
}

/// A lookup table prepared for matching events: which columns are
/// compared, how (`match_type`, `case_sensitive_match`), and which are
/// written (the `lookup` command and props.conf `LOOKUP-` share it).
/// Docs: <https://help.splunk.com/splunk-enterprise/manage-knowledge-objects/knowledge-management-manual/9.4/use-the-configuration-files-to-configure-lookups/add-field-matching-rules-to-your-lookup-configuration>.
#[derive(Debug, Clone)]
pub struct TableMatcher {
    /// Shared with the registry when the file is bundled.
    table: Arc<LookupTable>,
    /// Per input: column index, rule, and the event field.
    inputs: Vec<(usize, Rule, String)>,
    /// Per output: column index and event field.
    outputs: Vec<(usize, String)>,
    case_sensitive: bool,
    max_matches: usize,
    min_matches: usize,
    default_match: Option<String>,
    /// Globs for wildcard columns, per row and input (compiled once).
    globs: Vec<Vec<Option<Glob>>>,
    /// Candidate rows by the first exact (else CIDR, else WILDCARD) match
    /// column; `None` when there is no input (every row is a candidate).
    index: Option<RowIndex>,
}

impl TableMatcher {
    /// Reads the lookup `name` and prepares it: `inputs` are (lookup
    /// column, event field) pairs that must match, `outputs` (lookup column,
    /// event field) pairs to write, or every other column when empty.
    /// The error says what is wrong with the lookup (for the caller to name
    /// it).
    pub fn prepare(
        registry: &LookupRegistry,
        name: &str,
        inputs: &[(String, String)],
        outputs: &[(String, String)],
    ) -> std::result::Result<TableMatcher, String> {
        let table = registry.shared_table(name)?;
        let def: Option<&LookupDef> = registry.get(name);
        let column = |c: &str| table.columns.iter().position(|x| x == c);
        let rule_for = |c: &str| -> Rule {
            let Some(def) = def else { return Rule::Exact };
            for mt in &def.match_type {
                let upper = mt.to_ascii_uppercase();
                let inner = mt
                    .find('(')
                    .and_then(|i| mt.strip_suffix(')').map(|s| s[i + 1..].trim()));
                if inner == Some(c) {
                    if upper.starts_with("WILDCARD") {
                        return Rule::Wildcard;
                    }
                    if upper.starts_with("CIDR") {
                        return Rule::Cidr;
                    }
                }
            }
            Rule::Exact
        };
        // A table with no rows (an empty KV store collection) matches
        // nothing whatever its columns, as Splunk's lookups of a collection
        // nobody wrote to do.
        if table.rows.is_empty() {
            return Ok(TableMatcher::empty(table, inputs, outputs));
        }
        let mut matched_inputs = Vec::with_capacity(inputs.len());
        for (c, field) in inputs {
            let i = column(c).ok_or_else(|| format!("has no column `{c}`"))?;
            matched_inputs.push((i, rule_for(c), field.clone()));
        }
        let outputs: Vec<(usize, String)> = if outputs.is_empty() {
            table
                .columns
                .iter()
                .enumerate()
                .filter(|(_, c)| !inputs.iter().any(|(i, _)| i == *c))
                .map(|(i, c)| (i, c.clone()))
                .collect()
        } else {
            let mut out = Vec::new();
            for (c, f) in outputs {
                let i = column(c).ok_or_else(|| format!("has no column `{c}`"))?;
                out.push((i, f.clone()));
            }
            out
        };
        let case_sensitive = def.is_none_or(|d| d.case_sensitive_match);
        let globs = table
            .rows
            .iter()
            .map(|row| {
                matched_inputs
                    .iter()
                    .map(
                        |(i, rule, _)| match (rule, row.get(*i).cloned().flatten()) {
                            (Rule::Wildcard, Some(text)) => Some(Glob::new(&text, case_sensitive)),
                            _ => None,
                        },
                    )
                    .collect()
            })
            .collect();
        let index = Self::index(&table, &matched_inputs, case_sensitive);
        Ok(TableMatcher {
            index,
            inputs: matched_inputs,
            outputs,
            case_sensitive,
            max_matches: def
                .and_then(|d| d.max_matches)
                .unwrap_or(DEFAULT_MAX_MATCHES)
                .max(1),
            min_matches: def.and_then(|d| d.min_matches).unwrap_or(0),
            default_match: def.and_then(|d| d.default_match.clone()),
            globs,
            table,
        })
    }

    /// An index over the first exact match column, else the first CIDR
    /// one, else the first WILDCARD one; built once per search, so that an event reads only the rows
    /// sharing its value instead of the whole table.
    fn index(
        table: &LookupTable,
        inputs: &[(usize, Rule, String)],
        case_sensitive: bool,
    ) -> Option<RowIndex> {
        let cells = |col: usize| {
            table
                .rows
                .iter()
                .map(move |row| row.get(col).and_then(|c| c.as_deref()))
        };
        let exact = inputs
            .iter()
            .position(|(_, rule, _)| matches!(rule, Rule::Exact));
        if let Some(k) = exact {
            return Some(RowIndex::exact(k, cells(inputs[k].0), case_sensitive));
        }
        let cidr = inputs
            .iter()
            .position(|(_, rule, _)| matches!(rule, Rule::Cidr));
        if let Some(k) = cidr {
            return Some(RowIndex::cidr(k, cells(inputs[k].0)));
        }
        let wildcard = inputs
            .iter()
            .position(|(_, rule, _)| matches!(rule, Rule::Wildcard))?;
        Some(RowIndex::wildcard(
            wildcard,
            cells(inputs[wildcard].0),
            case_sensitive,
        ))
    }

    /// A matcher over a table without rows: its outputs are the named ones,
    /// or every column not matched on.
    fn empty(
        table: Arc<LookupTable>,
        inputs: &[(String, String)],
        outputs: &[(String, String)],
    ) -> TableMatcher {
        let outputs: Vec<(usize, String)> = if outputs.is_empty() {
            table
                .columns
                .iter()
                .filter(|c| !inputs.iter().any(|(i, _)| i == *c))
                .map(|c| (0, c.clone()))
                .collect()
        } else {
            outputs.iter().map(|(_, f)| (0, f.clone())).collect()
        };
        TableMatcher {
            inputs: inputs
                .iter()
                .map(|(_, f)| (0, Rule::Exact, f.clone()))
                .collect(),
            outputs,
            case_sensitive: true,
            max_matches: DEFAULT_MAX_MATCHES,
            min_matches: 0,
            default_match: None,
            globs: Vec::new(),
            index: None,
            table,
        }
    }

    /// The event fields matched against the table.
    pub fn input_fields(&self) -> impl Iterator<Item = &str> {
        self.inputs.iter().map(|(_, _, f)| f.as_str())
    }

    /// The event fields the outputs are written to.
    pub fn output_fields(&self) -> impl Iterator<Item = &str> {
        self.outputs.iter().map(|(_, f)| f.as_str())
    }

    /// Writes the outputs of the rows matching `event` (every input field
    /// present and matching; a multivalue input matches on any value).
    /// `output_new` (`OUTPUTNEW`) leaves fields the event has alone; with
    /// `OUTPUT` the outputs are replaced, and removed when nothing matches.
    pub fn enrich(&self, event: &mut Event, output_new: bool) {
        let matched = self.matching_rows(event);
        self.write(event, &matched, output_new);
    }

    /// Like [`TableMatcher::enrich`], but an event missing an input field is
    /// left as it is (props.conf `LOOKUP-`: only "an event that has all of
    /// the <match_field> values but no matching entry" has its outputs
    /// cleared).
    pub fn enrich_if_inputs(&self, event: &mut Event, output_new: bool) {
        if self.inputs.iter().all(|(_, _, f)| event.contains(f)) {
            self.enrich(event, output_new);
        }
    }

    fn matching_rows(&self, event: &Event) -> Vec<usize> {
        // Every input field must be present; each may be multivalue.
        let mut wanted: Vec<Vec<String>> = Vec::with_capacity(self.inputs.len());
        for (_, _, field) in &self.inputs {
            match event.get(field) {
                Some(v) => wanted.push(v.texts().iter().map(|s| s.to_string()).collect()),
                None => return Vec::new(),
            }
        }
        let candidates: Box<dyn Iterator<Item = usize>> = match &self.index {
            Some(index) => Box::new(index.candidates(&wanted).into_iter()),
            None => Box::new(0..self.table.rows.len()),
        };
        let mut matched: Vec<usize> = Vec::new();
        for r in candidates {
            if matched.len() >= self.max_matches {
                break;
            }
            let Some(row) = self.table.rows.get(r) else {
                continue;
            };
            let all = self.inputs.iter().enumerate().all(|(k, (col, rule, _))| {
                let Some(cell) = row.get(*col).and_then(|c| c.as_deref()) else {
                    return false;
                };
                wanted[k].iter().any(|v| {
                    cell_matches(
                        rule,
                        cell,
                        v,
                        self.case_sensitive,
                        self.globs
                            .get(r)
                            .and_then(|g| g.get(k))
                            .and_then(Option::as_ref),
                    )
                })
            });
            if all {
                matched.push(r);
            }
        }
        matched
    }

    fn write(&self, event: &mut Event, matched: &[usize], output_new: bool) {
        for (col, field) in &self.outputs {
            if output_new && event.contains(field) {
                continue;
            }
            let mut values: Vec<String> = matched
                .iter()
                .filter_map(|r| self.table.rows[*r].get(*col).cloned().flatten())
                .collect();
            if matched.len() < self.min_matches {
                if let Some(d) = &self.default_match {
                    values = vec![d.clone()];
                }
            }
            event.set_opt(field.clone(), Value::from_list(values));
        }
    }
}

fn cell_matches(
    rule: &Rule,
    cell: &str,
    value: &str,
    case_sensitive: bool,
    glob: Option<&Glob>,
) -> bool {
    match rule {
        Rule::Exact if case_sensitive => cell == value,
        Rule::Exact => cell.to_lowercase() == value.to_lowercase(),
        Rule::Wildcard => glob.is_some_and(|g| g.matches(value)),
        Rule::Cidr => Subnet::parse(cell).is_some_and(|s| s.contains(value)),
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

/// A comma-separated list (`fields_list = _key, a, b`).
fn split_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// KV-store collection data as JSON: an array of objects (as the KV store's
/// REST API returns a collection) or one object per line. Columns are the
/// keys in first-seen order; values are text, arrays become multivalue
/// cells joined by newlines.
fn parse_json_rows(text: &str) -> std::result::Result<LookupTable, String> {
    use serde_json::Value as Json;
    let trimmed = text.trim_start();
    let objects: Vec<Json> = if trimmed.starts_with('[') {
        match serde_json::from_str::<Json>(trimmed) {
            Ok(Json::Array(items)) => items,
            Ok(_) => return Err("expected an array of objects".into()),
            Err(e) => return Err(e.to_string()),
        }
    } else {
        let mut out = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            out.push(serde_json::from_str(line).map_err(|e| format!("line {}: {e}", i + 1))?);
        }
        out
    };
    let mut columns: Vec<String> = Vec::new();
    let mut cells: Vec<IndexMap<String, String>> = Vec::new();
    for (i, obj) in objects.iter().enumerate() {
        let Json::Object(map) = obj else {
            return Err(format!("item {} is not an object", i + 1));
        };
        let mut row = IndexMap::new();
        for (k, v) in map {
            if !columns.contains(k) {
                columns.push(k.clone());
            }
            let text = match v {
                Json::Null => continue,
                Json::String(s) => s.clone(),
                Json::Array(items) => items
                    .iter()
                    .map(|x| match x {
                        Json::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
                other => other.to_string(),
            };
            row.insert(k.clone(), text);
        }
        cells.push(row);
    }
    let rows = cells
        .into_iter()
        .map(|row| columns.iter().map(|c| row.get(c).cloned()).collect())
        .collect();
    Ok(LookupTable { columns, rows })
}

/// Every file below a lookup folder; link loops end, and a link out of
/// the folder is refused (see [`crate::walk`]).
fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    out.extend(crate::walk::files_under(
        dir,
        crate::walk::Links::Inside,
        |_| true,
    )?);
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

/// Parses CSV text with a header row. A quoted field that is never closed
/// is an error naming its line: the csv reader would take the rest of the
/// file as that one cell.
pub fn parse_csv(text: &str) -> std::result::Result<LookupTable, String> {
    let text = text.trim_start_matches('\u{feff}');
    if let Some(line) = unterminated_quote_line(text) {
        return Err(format!(
            "line {line}: a quoted field is not closed (its `\"` opens a cell that runs to the end of the file)"
        ));
    }
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

/// The 1-based line of a quoted CSV field left open at the end of `text`,
/// read as the csv crate reads quotes: a `"` opens a quoted field only at
/// the start of a field, `""` inside one is a quote, and a lone `"` closes
/// it.
fn unterminated_quote_line(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut line = 1usize;
    let mut opened_at = 0usize;
    let mut at_field_start = true;
    let mut quoted = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if quoted {
            if b == b'"' {
                if bytes.get(i + 1) == Some(&b'"') {
                    i += 1;
                } else {
                    quoted = false;
                }
            } else if b == b'\n' {
                line += 1;
            }
        } else {
            match b {
                b'"' if at_field_start => {
                    quoted = true;
                    opened_at = line;
                }
                b',' => {
                    at_field_start = true;
                    i += 1;
                    continue;
                }
                b'\n' => {
                    line += 1;
                    at_field_start = true;
                    i += 1;
                    continue;
                }
                // A `\r` before `\n` keeps the next field's start.
                b'\r' => {
                    i += 1;
                    continue;
                }
                _ => {}
            }
            at_field_start = false;
        }
        i += 1;
    }
    quoted.then_some(opened_at)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An unclosed quote is an error naming its line (it swallowed the
    /// rest of the file into one cell); quotes that close are fine.
    #[test]
    fn unterminated_quote_is_an_error_with_its_line() {
        let err = parse_csv("a,b\n1,2\n3,\"x\n4,5\n6,7\n").unwrap_err();
        assert!(
            err.starts_with("line 3: a quoted field is not closed"),
            "{err}"
        );
        let ok = parse_csv("a,b\n\"x,\"\"y\"\"\n z\",2\nq\"r,3\n").unwrap();
        assert_eq!(ok.rows.len(), 2);
        assert_eq!(ok.rows[0][0].as_deref(), Some("x,\"y\"\n z"));
        assert_eq!(ok.rows[1][0].as_deref(), Some("q\"r"));
    }

    #[test]
    fn bundled_service_accounts_has_only_a_header() {
        let reg = LookupRegistry::bundled().unwrap();
        let t = reg.table("aws_service_accounts").unwrap();
        assert_eq!(t.columns, vec!["identity"]);
        assert!(t.rows.is_empty());
    }

    /// A bundled file is parsed once: every `LOOKUP-` resolved against it
    /// (once per file and source read) shares the table, also through a
    /// clone of the registry.
    #[test]
    fn bundled_tables_are_parsed_once_and_shared() {
        let reg = LookupRegistry::bundled().unwrap();
        let first = reg.shared_table("aws_service_accounts").unwrap();
        let again = reg.clone().shared_table("aws_service_accounts").unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        assert_eq!(*first, reg.table("aws_service_accounts").unwrap());
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
