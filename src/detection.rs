//! Reading searches from files: `.spl`/`.txt` hold the search itself; a
//! security_content detection `.yml`/`.yaml` holds it under `search:`.

use std::path::Path;

use crate::error::{Error, Result};

/// A search read from a file.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchFile {
    /// The search text, exactly as written.
    pub search: String,
    /// The detection's name, for YAML files that have one.
    pub name: Option<String>,
}

/// Reads a search file, choosing the format by extension.
pub fn read_search_file(path: &Path) -> Result<SearchFile> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path.display(), e))?;
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if ext == "yml" || ext == "yaml" {
        search_from_detection_yaml(&text, &path.display().to_string())
    } else {
        Ok(SearchFile {
            search: text,
            name: None,
        })
    }
}

/// Extracts `search:` (and `name:`) from a security_content detection.
pub fn search_from_detection_yaml(text: &str, origin: &str) -> Result<SearchFile> {
    let doc: serde_norway::Value = serde_norway::from_str(text).map_err(|e| Error::Config {
        file: origin.to_string(),
        line: e.location().map_or(0, |l| l.line()),
        message: e.to_string(),
    })?;
    let search = match doc.get("search") {
        Some(serde_norway::Value::String(s)) => s.clone(),
        _ => {
            return Err(Error::Config {
                file: origin.to_string(),
                line: 0,
                message: "the detection has no `search:` text".into(),
            })
        }
    };
    let name = match doc.get("name") {
        Some(serde_norway::Value::String(s)) => Some(s.clone()),
        _ => None,
    };
    Ok(SearchFile { search, name })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_search_and_name() {
        let f = search_from_detection_yaml("name: X\nsearch: '`m` a=1 | stats count'\n", "d.yml")
            .unwrap();
        assert_eq!(f.search, "`m` a=1 | stats count");
        assert_eq!(f.name.as_deref(), Some("X"));
    }

    #[test]
    fn missing_search_is_a_config_error() {
        let err = search_from_detection_yaml("name: X\n", "d.yml").unwrap_err();
        assert!(err.to_string().contains("no `search:`"));
    }
}
