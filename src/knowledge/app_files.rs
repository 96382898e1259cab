//! What apps give the commands that read their own files at search time:
//! `kvform`'s form templates (`<app>/forms/<name>.form`, Search Reference
//! "kvform"), `searchtxn`'s transaction types (`transactiontypes.conf`)
//! and `scrub`'s anonymizer files (`<app>/anonymizer/`, Search Reference
//! "scrub"). A later app's file of the same name wins, as for the
//! `.conf` settings.

use std::collections::BTreeMap;
use std::path::Path;

use indexmap::IndexMap;

use crate::error::{Error, Result};

/// Files and stanzas read from the apps for `kvform`, `searchtxn` and
/// `scrub`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AppFiles {
    /// `forms/<name>.form` texts by name (without `.form`).
    pub forms: BTreeMap<String, String>,
    /// `transactiontypes.conf` stanzas by name: settings, and where the
    /// stanza was read (`file:line`).
    pub transaction_types: IndexMap<String, TransactionType>,
    /// `anonymizer/` files by app folder name, then file name.
    pub anonymizer: BTreeMap<String, BTreeMap<String, String>>,
    /// transforms.conf stanzas' `REGEX` by stanza name: the types a
    /// form's `[[type:name]]` may name.
    pub regex_types: BTreeMap<String, String>,
}

/// One `transactiontypes.conf` stanza.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TransactionType {
    /// Its settings (a later layer's value wins, key by key).
    pub settings: IndexMap<String, String>,
    /// `file:line` of its header.
    pub origin: String,
}

/// The most bytes read from one form or anonymizer file.
const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

impl AppFiles {
    /// Reads a `transactiontypes.conf` text; returns the stanzas read.
    pub fn load_transaction_types(&mut self, text: &str, origin: &str) -> Result<usize> {
        let mut count = 0;
        for stanza in crate::conf::parse(text, origin)? {
            if stanza.name == "default" {
                continue;
            }
            let entry = self
                .transaction_types
                .entry(stanza.name.clone())
                .or_default();
            entry.origin = format!("{origin}:{}", stanza.line);
            for (key, setting) in &stanza.settings {
                entry.settings.insert(key.clone(), setting.value.clone());
            }
            count += 1;
        }
        Ok(count)
    }

    /// Records the `REGEX` of each transforms.conf stanza (for `kvform`).
    pub fn load_regex_types(&mut self, text: &str, origin: &str) -> Result<()> {
        for stanza in crate::conf::parse(text, origin)? {
            if let Some(regex) = stanza.get("REGEX") {
                self.regex_types
                    .insert(stanza.name.clone(), regex.to_string());
            }
        }
        Ok(())
    }

    /// Reads an app's `forms/*.form` files; returns how many.
    pub fn load_forms_dir(&mut self, dir: &Path, app: &Path) -> Result<usize> {
        let files = read_dir_files(dir, app, |name| name.ends_with(".form"))?;
        let count = files.len();
        for (name, text) in files {
            let stem = name.trim_end_matches(".form").to_string();
            self.forms.insert(stem, text);
        }
        Ok(count)
    }

    /// Reads an app's `anonymizer/` files; returns how many.
    pub fn load_anonymizer_dir(&mut self, dir: &Path, app: &Path) -> Result<usize> {
        let files = read_dir_files(dir, app, |_| true)?;
        let count = files.len();
        let app_name = app
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let entry = self.anonymizer.entry(app_name).or_default();
        for (name, text) in files {
            entry.insert(name, text);
        }
        Ok(count)
    }
}

/// The regular files directly in `dir` whose name `keep` accepts, by
/// name, each checked to stay inside `app` (a link out of it is refused).
fn read_dir_files(
    dir: &Path,
    app: &Path,
    keep: impl Fn(&str) -> bool,
) -> Result<Vec<(String, String)>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir.display(), e))?;
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir.display(), e))?;
        let path = entry.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if name.starts_with('.') || !keep(name) || !path.is_file() {
            continue;
        }
        crate::walk::file_inside(&path, app)?;
        let len = std::fs::metadata(&path)
            .map_err(|e| Error::io(path.display(), e))?
            .len();
        if len > MAX_FILE_BYTES {
            return Err(Error::io(
                path.display(),
                format!("the file is larger than {MAX_FILE_BYTES} bytes"),
            ));
        }
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(path.display(), e))?;
        out.push((name.to_string(), text));
    }
    out.sort();
    Ok(out)
}

/// What a running search sees of its apps: the files above and the data
/// models (for `datamodelsimple` and `datamodel` listing).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchApps {
    /// The app files.
    pub files: AppFiles,
    /// The loaded data models.
    pub datamodels: crate::datamodel::DataModels,
}
