//! `EXTRACT-<class> = <regex> [in <src_field>]`: inline search-time field
//! extraction (props.conf.spec `EXTRACT-<class>`;
//! <https://help.splunk.com/splunk-enterprise/manage-knowledge-objects/knowledge-management-manual/9.4/use-the-configuration-files-to-configure-field-extractions/configure-inline-extractions>).
//!
//! - The regex needs named capturing groups; each one that takes part in
//!   the match becomes a field.
//! - "dotall (?s) and multi-line (?m) modifiers are added in front of the
//!   regex."
//! - `in <src_field>` matches the regex against that field's values
//!   (`<src_field>` is letters, digits and `_` only); otherwise `_raw`.
//! - Inline extractions of one event run in ASCII order of their class.

use std::borrow::Cow;

use super::extracted::{add_field, clean_key, FieldFilter, OnExisting};
use crate::event::Event;
use crate::regex_compat::{compile, SplRegex};
use crate::value::Value;

/// One compiled `EXTRACT-` setting.
#[derive(Debug, Clone)]
pub struct Extract {
    regex: SplRegex,
    /// The field matched against (`_raw` by default).
    pub source_field: String,
    /// The names of the fields it can produce (`None` when `_KEY_`/`_VAL_`
    /// groups name fields from the text).
    pub outputs: Option<Vec<String>>,
}

impl Extract {
    /// Parses a setting's value.
    pub fn parse(value: &str) -> Result<Extract, String> {
        let (pattern, source_field) = split_in_field(value.trim());
        let regex = compile(&format!("(?ms){pattern}"), false).map_err(|e| e.to_string())?;
        let names: Vec<String> = regex.capture_names().iter().flatten().cloned().collect();
        if names.is_empty() {
            return Err("the regex has no named capturing group, so it extracts nothing".into());
        }
        let dynamic = names.iter().any(|n| n.starts_with("_KEY_"));
        Ok(Extract {
            outputs: (!dynamic).then_some(names),
            regex,
            source_field: source_field.unwrap_or("_raw").to_string(),
        })
    }

    /// Adds the fields of the first match in the source field's values.
    pub fn apply(&self, event: &mut Event) {
        self.apply_only(event, None);
    }

    /// [`Extract::apply`], giving only the fields `only` keeps among those
    /// named from the text.
    pub fn apply_only(&self, event: &mut Event, only: Option<&FieldFilter>) {
        let Some(text) = source_text(event, &self.source_field) else {
            return;
        };
        let mut found: Vec<Found> = Vec::new();
        if let Some(caps) = self.regex.captures(&text) {
            named_pairs(&self.regex, &caps, only.map(|f| (f, true)), &mut found);
        }
        for f in found {
            if !f.value.is_empty() {
                let name = if f.name_from_text {
                    clean_key(&f.name)
                } else {
                    f.name
                };
                add_field(event, &name, f.value, OnExisting::Keep);
            }
        }
    }
}

/// The `(field, value)` pairs of one match's named groups: each group
/// names a field, except `_KEY_<n>`/`_VAL_<n>` pairs, where the first
/// group's text names the field and the second's is the value. Each pair
/// says whether its name came from the text (and so is subject to key
/// cleaning).
pub(crate) fn named_pairs(
    regex: &SplRegex,
    caps: &crate::regex_compat::Captures<'_>,
    only: Option<(&FieldFilter, bool)>,
    out: &mut Vec<Found>,
) {
    let names = regex.capture_names();
    for (i, name) in names.iter().enumerate() {
        let Some(name) = name else { continue };
        let Some(text) = caps.get(i) else { continue };
        if let Some(suffix) = name.strip_prefix("_KEY_") {
            if only.is_some_and(|(f, clean)| !f.keeps(text, clean)) {
                continue;
            }
            let value_group = format!("_VAL_{suffix}");
            let value = names
                .iter()
                .position(|n| n.as_deref() == Some(value_group.as_str()))
                .and_then(|j| caps.get(j));
            if let Some(value) = value {
                out.push(Found {
                    name: text.to_string(),
                    value: value.to_string(),
                    name_from_text: true,
                });
            }
        } else if !name.starts_with("_VAL_") {
            out.push(Found {
                name: name.clone(),
                value: text.to_string(),
                name_from_text: false,
            });
        }
    }
}

/// A field an extraction found.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Found {
    /// Its name.
    pub name: String,
    /// Its value.
    pub value: String,
    /// Whether the name was read from the event (`$1::`, `_KEY_`): only
    /// such names are cleaned (transforms.conf.spec `CLEAN_KEYS` cleans "the
    /// keys (field names) it extracts"; a group named `_pre_msg` in a
    /// transform is read by the next one as written).
    pub name_from_text: bool,
}

/// The text of a field as an extraction reads it: a multivalue field's
/// values joined by newlines (as Splunk holds them; the Windows add-on's
/// transforms match across them with `\n`).
pub(crate) fn source_text<'e>(event: &'e Event, field: &str) -> Option<Cow<'e, str>> {
    match event.get(field)? {
        // The common case (`_raw`, one extracted value) is read in place.
        Value::Str(text) => Some(Cow::Borrowed(text)),
        other => Some(Cow::Owned(other.texts().join("\n"))),
    }
}

/// Splits `<regex> in <src_field>` (the field being letters, digits and
/// `_`); a regex that really ends in such words is written `[i]n <word>`.
fn split_in_field(value: &str) -> (&str, Option<&str>) {
    if let Some(pos) = value.rfind(" in ") {
        let field = value[pos + 4..].trim();
        if !field.is_empty() && field.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return (value[..pos].trim_end(), Some(field));
        }
    }
    (value, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    fn raw(text: &str) -> Event {
        let mut e = Event::new();
        e.set("_raw", Value::from(text));
        e
    }

    #[test]
    fn named_groups_become_fields_from_the_first_match() {
        let x = Extract::parse(r"user=(?<user>\w+) from (?<src>[\d.]+)").unwrap();
        let mut e = raw("user=bob from 10.0.0.1; user=eve from 10.0.0.2");
        x.apply(&mut e);
        assert_eq!(e.get("user"), Some(&Value::from("bob")));
        assert_eq!(e.get("src"), Some(&Value::from("10.0.0.1")));
        assert_eq!(
            x.outputs.as_deref(),
            Some(&["user".to_string(), "src".to_string()][..])
        );
    }

    #[test]
    fn dotall_and_multiline_are_on() {
        let x = Extract::parse(r"^Message=(?<msg>.+)").unwrap();
        let mut e = raw("LogName=Security\nMessage=first\nsecond");
        x.apply(&mut e);
        assert_eq!(e.get("msg"), Some(&Value::from("first\nsecond")));
    }

    #[test]
    fn in_field_reads_another_field() {
        let x = Extract::parse(r"(?<domain>[^\\]+)\\(?<name>.+) in User").unwrap();
        assert_eq!(x.source_field, "User");
        let mut e = raw("nothing");
        e.set("User", Value::from(r"CORP\alice"));
        x.apply(&mut e);
        assert_eq!(e.get("domain"), Some(&Value::from("CORP")));
        assert_eq!(e.get("name"), Some(&Value::from("alice")));
        // `[i]n` keeps a literal " in ..." inside the regex.
        let x = Extract::parse(r"logged (?<how>[i]n) here").unwrap();
        assert_eq!(x.source_field, "_raw");
    }

    #[test]
    fn key_and_value_groups_name_fields_from_the_text() {
        let x = Extract::parse(r"(?<_KEY_1>[A-Za-z ]+):\s+(?<_VAL_1>\S+)").unwrap();
        assert!(x.outputs.is_none());
        let mut e = raw("Account Name:  bob");
        x.apply(&mut e);
        assert_eq!(e.get("Account_Name"), Some(&Value::from("bob")));
    }

    #[test]
    fn a_regex_without_named_groups_is_refused() {
        assert!(Extract::parse(r"user=(\w+)").is_err());
        assert!(Extract::parse(r"(?<x>unclosed").is_err());
    }
}
