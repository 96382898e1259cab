//! Data models: Splunk's own JSON definitions (`default/data/models/*.json`
//! of an app), their datasets (objects) with inherited constraints, fields
//! and calculated fields, and the lowering of `tstats`, `datamodel` and
//! `from datamodel` into plain pipelines ([`lower`]).
//!
//! A dataset's events are those of its root's constraint search (or
//! `baseSearch`) that also match every descendant's constraints down to it;
//! calculated fields run after the constraints of the object that declares
//! them ("Design data models", Knowledge Manager Manual). spelunk computes
//! that from the raw events, so `tstats` answers as if the model were
//! accelerated over exactly the events given.

pub mod json;
pub mod lower;

use indexmap::IndexMap;

use crate::error::Result;

/// Fields every event dataset has, named without a dataset prefix in
/// `tstats` ("All data model datasets can use the base fields _time, host,
/// source, and sourcetype"), plus the index-time `index` and
/// `splunk_server`.
pub const BASE_FIELDS: &[&str] = &[
    "_time",
    "host",
    "source",
    "sourcetype",
    "index",
    "splunk_server",
];

/// One data model.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// `modelName`, e.g. `Endpoint`.
    pub name: String,
    /// Its datasets, in file order.
    pub objects: Vec<Object>,
    /// Where it was read from.
    pub origin: String,
}

/// A dataset (`objects[]` entry).
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    /// `objectName`, e.g. `Processes`.
    pub name: String,
    /// The parent object's name, None for a root.
    pub parent: Option<String>,
    /// What a root builds on (None for a child).
    pub root: Option<Root>,
    /// Fields it declares.
    pub fields: Vec<Field>,
    /// Calculated fields it declares, in order.
    pub calculations: Vec<Calculation>,
    /// Its own constraint searches (AND-ed with its parent's).
    pub constraints: Vec<String>,
}

/// What a root dataset starts from.
#[derive(Debug, Clone, PartialEq)]
pub enum Root {
    /// `BaseEvent`: events matching the constraints.
    Event,
    /// `BaseSearch`: the rows of `baseSearch`.
    Search(String),
    /// `BaseTransaction` (not supported yet; an error when used).
    Transaction,
}

/// A declared or calculated field.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// `fieldName`.
    pub name: String,
    /// `type` (`string`, `number`, `ipv4`, `boolean`, `childCount`, ...).
    pub kind: String,
    /// `multivalue`.
    pub multivalue: bool,
    /// `hidden`.
    pub hidden: bool,
    /// `required`: the dataset holds only events that have it.
    pub required: bool,
    /// Owned by `BaseEvent`/`BaseSearch` (`_time`, `host`, ...): no prefix.
    pub base: bool,
}

/// A calculated field definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Calculation {
    /// What it runs.
    pub kind: CalcKind,
    /// The fields it writes.
    pub outputs: Vec<OutputField>,
}

/// The kinds of calculated field.
#[derive(Debug, Clone, PartialEq)]
pub enum CalcKind {
    /// `eval <output>=<expression>`.
    Eval {
        /// The eval expression.
        expression: String,
    },
    /// `rex field=<input> "<expression>"`.
    Rex {
        /// The field read.
        input: String,
        /// The regex with named groups.
        expression: String,
    },
    /// `lookup <name> <lookup field> AS <input> ... OUTPUT ...`.
    Lookup {
        /// The lookup definition.
        name: String,
        /// (lookup column, event field) pairs.
        inputs: Vec<(String, String)>,
    },
    /// GeoIP (not supported: an error when a query needs it).
    GeoIp {
        /// The IP field.
        input: String,
    },
}

/// One output of a calculation.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputField {
    /// The field as the dataset declares it.
    pub field: Field,
    /// For a Lookup: the lookup column it comes from.
    pub lookup_output: Option<String>,
}

impl Model {
    /// Checks that object names are unique, parents exist and the tree has
    /// no cycle.
    fn check(&self) -> std::result::Result<(), String> {
        for (i, o) in self.objects.iter().enumerate() {
            if self.objects[..i].iter().any(|p| p.name == o.name) {
                return Err(format!("dataset `{}` is defined twice", o.name));
            }
        }
        for o in &self.objects {
            if let Some(parent) = &o.parent {
                if self.object(parent).is_none() {
                    return Err(format!(
                        "dataset `{}` names parent `{parent}`, which is not a dataset of model `{}`",
                        o.name, self.name
                    ));
                }
            }
            let mut seen = 0usize;
            let mut cur = o;
            while let Some(parent) = cur.parent.as_deref().and_then(|p| self.object(p)) {
                seen += 1;
                if seen > self.objects.len() {
                    return Err(format!("dataset `{}` is its own ancestor", o.name));
                }
                cur = parent;
            }
        }
        Ok(())
    }

    /// The dataset named `name`.
    pub fn object(&self, name: &str) -> Option<&Object> {
        self.objects.iter().find(|o| o.name == name)
    }

    /// The root datasets.
    pub fn roots(&self) -> Vec<&Object> {
        self.objects.iter().filter(|o| o.parent.is_none()).collect()
    }

    /// The chain from the root down to `name` (checked acyclic on load).
    pub fn chain(&self, name: &str) -> Option<Vec<&Object>> {
        let mut out = vec![self.object(name)?];
        while let Some(parent) = out.last().and_then(|o| o.parent.as_deref()) {
            out.push(self.object(parent)?);
            if out.len() > self.objects.len() {
                return None;
            }
        }
        out.reverse();
        Some(out)
    }

    /// A dataset's lineage, e.g. `All_Traffic.Traffic_By_Action.Blocked_Traffic`.
    pub fn lineage(&self, name: &str) -> Option<String> {
        let chain = self.chain(name)?;
        Some(
            chain
                .iter()
                .map(|o| o.name.as_str())
                .collect::<Vec<_>>()
                .join("."),
        )
    }

    /// The dataset whose lineage is `lineage` (or, for a one-word name, the
    /// dataset of that name).
    pub fn by_lineage(&self, lineage: &str) -> Option<&Object> {
        let last = lineage.rsplit('.').next()?;
        let o = self.object(last)?;
        (self.lineage(last)? == lineage || !lineage.contains('.')).then_some(o)
    }

    /// The datasets below `name` (children, grandchildren, ...), in file
    /// order.
    pub fn descendants(&self, name: &str) -> Vec<&Object> {
        self.objects
            .iter()
            .filter(|o| {
                o.name != name
                    && self
                        .chain(&o.name)
                        .is_some_and(|c| c.iter().any(|a| a.name == name))
            })
            .collect()
    }
}

/// The loaded data models, by name; a later definition of a name replaces
/// an earlier one (an app's `local/` over its `default/`, a later `--app`
/// over an earlier one and over the bundled ones).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DataModels {
    models: IndexMap<String, Model>,
    /// Each model's JSON text as read (`| datamodel` returns it).
    texts: IndexMap<String, String>,
}

impl DataModels {
    /// No models.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads one model JSON text.
    pub fn load_str(&mut self, text: &str, origin: &str) -> Result<&Model> {
        let model = json::parse_model(text, origin)?;
        let name = model.name.clone();
        self.texts.insert(name.clone(), text.to_string());
        self.models.insert(name.clone(), model);
        Ok(&self.models[&name])
    }

    /// Reads every `*.json` file of an app's `data/models/` folder, in name
    /// order. A file that resolves outside `app` (a link) is refused, as the
    /// app's `.conf` files are.
    pub fn load_dir(&mut self, dir: &std::path::Path, app: &std::path::Path) -> Result<usize> {
        let files: Vec<std::path::PathBuf> =
            crate::walk::files_under(dir, crate::walk::Links::Follow, |_| false)?
                .into_iter()
                .filter(|p| p.extension().is_some_and(|e| e == "json") && p.is_file())
                .collect();
        for path in &files {
            crate::walk::file_inside(path, app)?;
            let text = std::fs::read_to_string(path)
                .map_err(|e| crate::error::Error::io(path.display(), e))?;
            self.load_str(&text, &path.display().to_string())?;
        }
        Ok(files.len())
    }

    /// The model named `name`.
    pub fn get(&self, name: &str) -> Option<&Model> {
        self.models.get(name)
    }

    /// The JSON text the model named `name` was read from.
    pub fn json(&self, name: &str) -> Option<&str> {
        self.texts.get(name).map(String::as_str)
    }

    /// The names of the loaded models, sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.models.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }

    /// Whether no model is loaded.
    pub fn is_empty(&self) -> bool {
        self.models.is_empty()
    }
}

#[cfg(test)]
mod tests;
