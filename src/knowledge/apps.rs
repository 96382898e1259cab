//! Splunk apps as installed: a folder with `default/` and `local/`
//! configuration and a `lookups/` folder, read the way Splunk layers them
//! ("Configuration file precedence",
//! <https://help.splunk.com/splunk-enterprise/administer/admin-manual/9.4/administer-splunk-enterprise-with-configuration-files/configuration-file-precedence>):
//! an app's `local/` settings override its `default/` ones key by key, and
//! here an app given later overrides one given earlier, so the apps a user
//! names override spelunk's bundled ones.
//!
//! Read from each app: props.conf, transforms.conf, eventtypes.conf,
//! tags.conf (the knowledge layer), macros.conf, collections.conf (KV store
//! collections), savedsearches.conf (for `savedsearch`),
//! transactiontypes.conf (for `searchtxn`), the CSV files of `lookups/`,
//! the form templates of `forms/` (for `kvform`), the files of
//! `anonymizer/` (for `scrub`), and the data models of `data/models/*.json` (Splunk's data
//! model JSON; a model file in `local/` replaces the one of the same model
//! in `default/`). Other `.conf` files (app.conf, inputs.conf, ...) do not
//! change what a search over given events returns and are not read.
//!
//! spelunk's bundled knowledge is laid out the same way under `props/`
//! (one app folder per source family) and compiled into the binary.

use std::path::Path;

use super::Knowledge;
use crate::datamodel::DataModels;
use crate::error::{Error, Result};
use crate::expand::MacroSet;
use crate::lookup::LookupRegistry;

include!(concat!(env!("OUT_DIR"), "/bundled_apps.rs"));

/// The parts of an engine an app adds to.
pub struct AppTargets<'a> {
    /// props, transforms, event types, tags.
    pub knowledge: &'a mut Knowledge,
    /// macros.conf.
    pub macros: &'a mut MacroSet,
    /// transforms.conf lookup stanzas, collections.conf, lookups/*.csv.
    pub lookups: &'a mut LookupRegistry,
    /// data/models/*.json.
    pub datamodels: &'a mut DataModels,
    /// savedsearches.conf.
    pub saved_searches: &'a mut crate::commands::savedsearch::SavedSearches,
}

/// What loading an app found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppSummary {
    /// `.conf` files read.
    pub conf_files: usize,
    /// Lookup files found.
    pub lookup_files: usize,
    /// Data model files read.
    pub model_files: usize,
}

/// The configuration files read from an app, in the order read within a
/// layer (`default/` or `local/`).
const APP_CONF_FILES: &[&str] = &[
    "props.conf",
    "transforms.conf",
    "eventtypes.conf",
    "tags.conf",
    "macros.conf",
    "collections.conf",
    "savedsearches.conf",
    "transactiontypes.conf",
];

impl AppTargets<'_> {
    /// Loads one `.conf` text by file name; `Ok(false)` for a name that is
    /// not read.
    pub fn load_conf(&mut self, file_name: &str, text: &str, origin: &str) -> Result<bool> {
        if self.knowledge.load_conf(file_name, text, origin)?.is_some() {
            if file_name == "transforms.conf" {
                self.lookups.load_transforms_str(text, origin)?;
            }
            return Ok(true);
        }
        match file_name {
            "macros.conf" => {
                self.macros.load_conf_str(text, origin)?;
            }
            "collections.conf" => {
                self.lookups.load_collections_str(text, origin)?;
            }
            "savedsearches.conf" => {
                self.saved_searches.load_conf_str(text, origin)?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Loads an app folder: `default/`, then `local/`, then `lookups/`.
    pub fn load_app_dir(&mut self, dir: &Path) -> Result<AppSummary> {
        let default = dir.join("default");
        let local = dir.join("local");
        let lookups = dir.join("lookups");
        if !dir.is_dir() {
            return Err(Error::io(dir.display(), "no such app folder"));
        }
        if !default.is_dir()
            && !local.is_dir()
            && !lookups.is_dir()
            && !dir.join("forms").is_dir()
            && !dir.join("anonymizer").is_dir()
        {
            return Err(Error::io(
                dir.display(),
                "not a Splunk app folder: it has no default/, local/, lookups/, forms/ or anonymizer/ folder",
            ));
        }
        let mut summary = AppSummary::default();
        for layer in [&default, &local] {
            let models = layer.join("data").join("models");
            if models.is_dir() {
                summary.model_files += self.datamodels.load_dir(&models, dir)?;
            }
        }
        for layer in [default, local] {
            for name in APP_CONF_FILES {
                let path = layer.join(name);
                if path.is_file() {
                    // A link out of the app is refused, as for lookups.
                    crate::walk::file_inside(&path, dir)?;
                    let text =
                        std::fs::read_to_string(&path).map_err(|e| Error::io(path.display(), e))?;
                    self.load_conf(name, &text, &path.display().to_string())?;
                    summary.conf_files += 1;
                }
            }
        }
        if lookups.is_dir() {
            summary.lookup_files += self.lookups.load_files_in(&lookups)?;
        }
        let forms = dir.join("forms");
        if forms.is_dir() {
            self.knowledge.app_files.load_forms_dir(&forms, dir)?;
        }
        let anonymizer = dir.join("anonymizer");
        if anonymizer.is_dir() {
            self.knowledge
                .app_files
                .load_anonymizer_dir(&anonymizer, dir)?;
        }
        Ok(summary)
    }

    /// Loads spelunk's bundled apps (`props/<app>/...`, compiled in), in
    /// folder name order.
    pub fn load_bundled(&mut self) -> Result<()> {
        let mut apps: Vec<&str> = BUNDLED_APP_FILES
            .iter()
            .filter_map(|(path, _)| path.split_once('/').map(|(app, _)| app))
            .collect();
        apps.sort();
        apps.dedup();
        for app in apps {
            for layer in ["default", "local"] {
                for name in APP_CONF_FILES {
                    let path = format!("{app}/{layer}/{name}");
                    if let Some((_, text)) = BUNDLED_APP_FILES.iter().find(|(p, _)| *p == path) {
                        self.load_conf(name, text, &format!("<bundled>/props/{path}"))?;
                    }
                }
            }
            for layer in ["default", "local"] {
                let prefix = format!("{app}/{layer}/data/models/");
                for (path, text) in BUNDLED_APP_FILES {
                    if path.starts_with(&prefix) && path.ends_with(".json") {
                        self.datamodels
                            .load_str(text, &format!("<bundled>/props/{path}"))?;
                    }
                }
            }
            let prefix = format!("{app}/lookups/");
            for (path, text) in BUNDLED_APP_FILES {
                if let Some(file) = path.strip_prefix(&prefix) {
                    self.lookups.add_bundled_file(file, text);
                }
            }
        }
        Ok(())
    }
}

/// The app folders bundled with spelunk, by name.
pub fn bundled_app_names() -> Vec<String> {
    let mut apps: Vec<String> = BUNDLED_APP_FILES
        .iter()
        .filter_map(|(path, _)| path.split_once('/').map(|(app, _)| app.to_string()))
        .collect();
    apps.sort();
    apps.dedup();
    apps
}
