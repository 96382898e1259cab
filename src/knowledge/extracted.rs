//! Adding a field found by a search-time extraction (`EXTRACT-`, `REPORT-`,
//! `KV_MODE`) to an event: the rules every extractor shares.

use crate::event::Event;
use crate::value::Value;

/// What to do when the extracted field already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnExisting {
    /// Keep the value there (a transform without `MV_ADD`: "the newly found
    /// value is discarded", transforms.conf.spec `MV_ADD`).
    Keep,
    /// Append to it, making a multivalue field (`MV_ADD = true`).
    Append,
    /// Replace it (automatic key/value extraction, which runs after the
    /// explicit extractions and overrides them: props.conf.spec `KV_MODE`,
    /// "Setting to 'none' can ensure that one or more custom field
    /// extractions are not overridden by automatic field/value extraction").
    Replace,
}

/// Fields that are set when an event is indexed and that a search-time
/// extraction never replaces: a field extracted under one of these names is
/// kept as `extracted_<name>`, as Splunk does for events whose text holds
/// `host=...` or `source=...` (the `collect` command's documentation:
/// "The source, source type, and host from the original data ... are not
/// remapped to the extracted_host/extracted_sourcetype/... path" when
/// written as HEC events, i.e. they are for raw events;
/// <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/collect>).
pub const INDEXED_NAMES: &[&str] = &[
    "host",
    "source",
    "sourcetype",
    "index",
    "linecount",
    "splunk_server",
    "eventtype",
];

/// Fields Splunk sets itself that no extraction writes. Other names
/// starting with `_` are hidden fields an extraction may set for a later
/// one to read (Splunk's own `wel-message` transform writes `_pre_msg`).
const INTERNAL: &[&str] = &[
    "_raw",
    "_time",
    "_indextime",
    "_cd",
    "_bkt",
    "_si",
    "_serial",
    "_sourcetype",
];

/// The name an extracted field gets: `extracted_<name>` for the
/// [`INDEXED_NAMES`], the name itself otherwise.
pub fn extracted_name(name: &str) -> std::borrow::Cow<'_, str> {
    if INDEXED_NAMES.contains(&name) {
        std::borrow::Cow::Owned(format!("extracted_{name}"))
    } else {
        std::borrow::Cow::Borrowed(name)
    }
}

/// The fields a reader keeps from extractions whose field names come from
/// the text (`$1::$2`, `_KEY_1`), when it knows which ones the search and
/// the later knowledge steps can read: the others are never built.
#[derive(Debug, Clone, Default)]
pub struct FieldFilter(std::collections::HashSet<String, crate::event::FieldBuildHasher>);

impl FieldFilter {
    /// A filter keeping `names`.
    pub fn new(names: &[String]) -> FieldFilter {
        FieldFilter(names.iter().cloned().collect())
    }

    /// Whether a field named `name` in the text (key-cleaned first when
    /// `clean`) is kept.
    pub fn keeps(&self, name: &str, clean: bool) -> bool {
        if clean && !is_clean_key(name) {
            return self.0.contains(extracted_name(&clean_key(name)).as_ref());
        }
        self.0.contains(extracted_name(name).as_ref())
    }
}

/// Whether [`clean_key`] leaves `name` as it is.
fn is_clean_key(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Adds an extracted field to `event`.
pub fn add_field(event: &mut Event, name: &str, value: String, on_existing: OnExisting) {
    if name.is_empty() || INTERNAL.contains(&name) {
        return;
    }
    let name = extracted_name(name);
    match on_existing {
        OnExisting::Replace => event.set(name.as_ref(), Value::Str(value)),
        OnExisting::Keep => {
            event.set_new(name.as_ref(), Value::Str(value));
        }
        OnExisting::Append => match event.get(name.as_ref()).cloned() {
            None => event.set(name.as_ref(), Value::Str(value)),
            Some(old) => {
                let mut values: Vec<String> =
                    old.texts().into_iter().map(|t| t.into_owned()).collect();
                values.push(value);
                event.set(name.as_ref(), Value::Multi(values));
            }
        },
    }
}

/// Splunk's key cleaning (transforms.conf.spec `CLEAN_KEYS`): every
/// character other than `a-z`, `A-Z`, `0-9` becomes `_`, then leading
/// underscores and digits are removed.
pub fn clean_key(name: &str) -> String {
    // Most keys are clean already.
    if is_clean_key(name) {
        return name.to_string();
    }
    let replaced: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    replaced
        .trim_start_matches(|c: char| c == '_' || c.is_ascii_digit())
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_cleaned_as_splunk_does() {
        assert_eq!(clean_key("New Process Name"), "New_Process_Name");
        assert_eq!(clean_key("_1abc-d"), "abc_d");
        assert_eq!(clean_key("Account Name:"), "Account_Name_");
    }

    #[test]
    fn indexed_names_become_extracted_names() {
        let mut e = Event::new();
        e.set("host", Value::from("indexer"));
        add_field(&mut e, "host", "from-text".into(), OnExisting::Replace);
        assert_eq!(e.get("host"), Some(&Value::from("indexer")));
        assert_eq!(e.get("extracted_host"), Some(&Value::from("from-text")));
    }

    #[test]
    fn keep_append_and_replace() {
        let mut e = Event::new();
        add_field(&mut e, "a", "1".into(), OnExisting::Keep);
        add_field(&mut e, "a", "2".into(), OnExisting::Keep);
        assert_eq!(e.get("a"), Some(&Value::from("1")));
        add_field(&mut e, "a", "3".into(), OnExisting::Append);
        assert_eq!(
            e.get("a"),
            Some(&Value::Multi(vec!["1".into(), "3".into()]))
        );
        add_field(&mut e, "a", "4".into(), OnExisting::Replace);
        assert_eq!(e.get("a"), Some(&Value::from("4")));
        add_field(&mut e, "_time", "x".into(), OnExisting::Replace);
        assert_eq!(e.get("_time"), None);
        add_field(&mut e, "_pre_msg", "x".into(), OnExisting::Replace);
        assert_eq!(e.get("_pre_msg"), Some(&Value::from("x")));
    }
}
