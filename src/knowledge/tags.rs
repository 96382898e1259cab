//! tags.conf: tags for field values, giving each event the multivalue
//! `tag` field and one `tag::<field>` field per tagged field
//! (tags.conf.spec; "Tag field-value pairs in Search",
//! <https://help.splunk.com/splunk-enterprise/manage-knowledge-objects/knowledge-management-manual/9.4/configure-tags/define-and-manage-tags>).
//!
//! - A stanza `[<field>=<value>]` (the value URL-encoded) lists
//!   `<tag> = enabled|disabled`; a later load (an app's `local/`) can
//!   disable a tag an earlier one enabled.
//! - `[eventtype=<name>]` tags the events of an event type; so does the
//!   deprecated `tags` setting of eventtypes.conf.
//! - Tags come last in the search-time sequence, after event types.
//! - A value matches as a search term does: ignoring case (searching
//!   `tag=x` runs the field/value searches the tag stands for).

use indexmap::IndexMap;

use super::ConfWarning;
use crate::conf;
use crate::error::Result;
use crate::event::Event;
use crate::value::Value;

/// Every tag stanza loaded: (field, value) → tag → enabled.
#[derive(Debug, Clone, Default)]
pub struct Tags {
    stanzas: IndexMap<(String, String), IndexMap<String, bool>>,
    warnings: Vec<ConfWarning>,
}

impl Tags {
    /// No tags.
    pub fn new() -> Self {
        Tags::default()
    }

    /// Loads a tags.conf text.
    pub fn load_str(&mut self, text: &str, origin: &str) -> Result<usize> {
        let stanzas = conf::parse(text, origin)?;
        for stanza in &stanzas {
            if stanza.name == "default" && stanza.settings.is_empty() {
                continue;
            }
            let Some((field, value)) = stanza.name.split_once('=') else {
                self.warnings.push(ConfWarning {
                    file: origin.to_string(),
                    line: stanza.line,
                    message: format!(
                        "tags.conf stanza [{}] is not `<field>=<value>`; ignored",
                        stanza.name
                    ),
                });
                continue;
            };
            let key = (field.trim().to_string(), url_decode(value.trim()));
            let tags = self.stanzas.entry(key).or_default();
            for (tag, setting) in &stanza.settings {
                let enabled = match setting.value.trim().to_ascii_lowercase().as_str() {
                    "enabled" => true,
                    "disabled" => false,
                    other => {
                        self.warnings.push(ConfWarning {
                            file: origin.to_string(),
                            line: setting.line,
                            message: format!(
                                "tag `{tag}` in [{}] is `{other}`, not enabled or disabled; ignored",
                                stanza.name
                            ),
                        });
                        continue;
                    }
                };
                tags.insert(tag.trim().to_string(), enabled);
            }
        }
        Ok(stanzas.len())
    }

    /// Problems found while loading.
    pub fn warnings(&self) -> &[ConfWarning] {
        &self.warnings
    }

    /// Whether any stanza gives `tag`.
    pub fn defines(&self, tag: &str) -> bool {
        self.stanzas
            .values()
            .any(|tags| tags.get(tag).copied().unwrap_or(false))
    }

    /// Whether any stanza enables a tag `glob` matches.
    pub fn defines_matching(&self, glob: &crate::exec::matcher::Glob) -> bool {
        self.stanzas
            .values()
            .any(|tags| tags.iter().any(|(t, on)| *on && glob.matches(t)))
    }

    /// The fields whose values are tagged.
    pub fn fields(&self) -> Vec<String> {
        let mut out: Vec<String> = self.stanzas.keys().map(|(f, _)| f.clone()).collect();
        out.sort();
        out.dedup();
        out
    }

    /// The enabled tags, by field and lower-cased value, with the tags of
    /// event types from eventtypes.conf's `tags` setting added.
    pub fn compile(&self, eventtype_tags: &[(String, Vec<String>)]) -> CompiledTags {
        let mut by_field: IndexMap<String, IndexMap<String, Vec<String>>> = IndexMap::new();
        for ((field, value), tags) in &self.stanzas {
            let enabled: Vec<String> = tags
                .iter()
                .filter(|(_, on)| **on)
                .map(|(t, _)| t.clone())
                .collect();
            by_field
                .entry(field.clone())
                .or_default()
                .entry(value.to_lowercase())
                .or_default()
                .extend(enabled);
        }
        for (name, tags) in eventtype_tags {
            let disabled = |t: &String| {
                self.stanzas
                    .get(&("eventtype".to_string(), name.clone()))
                    .and_then(|s| s.get(t))
                    == Some(&false)
            };
            by_field
                .entry("eventtype".into())
                .or_default()
                .entry(name.to_lowercase())
                .or_default()
                .extend(tags.iter().filter(|t| !disabled(t)).cloned());
        }
        by_field.retain(|_, values| {
            values.retain(|_, tags| !tags.is_empty());
            !values.is_empty()
        });
        CompiledTags { by_field }
    }
}

/// Tags ready to apply.
#[derive(Debug, Clone, Default)]
pub struct CompiledTags {
    by_field: IndexMap<String, IndexMap<String, Vec<String>>>,
}

impl CompiledTags {
    /// Whether no tag is enabled.
    pub fn is_empty(&self) -> bool {
        self.by_field.is_empty()
    }

    /// The fields whose values are tagged (what applying reads).
    pub fn reads(&self) -> Vec<String> {
        self.by_field.keys().cloned().collect()
    }

    /// The tagged fields, in the order their stanzas were loaded.
    pub fn tagged_fields(&self) -> impl Iterator<Item = &str> {
        self.by_field.keys().map(String::as_str)
    }

    /// The tags of `field=value` (the value matched ignoring case, as a
    /// search term is), if any.
    pub fn tags_of(&self, field: &str, value: &str) -> Option<&[String]> {
        self.by_field
            .get(field)?
            .get(&value.to_lowercase())
            .map(Vec::as_slice)
    }

    /// Sets `tag` and `tag::<field>` (sorted, distinct values).
    pub fn apply(&self, event: &mut Event) {
        if self.by_field.is_empty() {
            return;
        }
        let mut all: Vec<String> = Vec::new();
        let mut per_field: Vec<(String, Vec<String>)> = Vec::new();
        for (field, values) in &self.by_field {
            let Some(value) = event.get(field) else {
                continue;
            };
            let mut found: Vec<String> = Vec::new();
            value.any_text(|text| {
                if let Some(tags) = values.get(&text.to_lowercase()) {
                    found.extend(tags.iter().cloned());
                }
                false
            });
            if found.is_empty() {
                continue;
            }
            found.sort();
            found.dedup();
            all.extend(found.iter().cloned());
            per_field.push((format!("tag::{field}"), found));
        }
        all.sort();
        all.dedup();
        for (name, tags) in per_field {
            event.set_opt(name, Value::from_list(tags));
        }
        event.set_opt("tag", Value::from_list(all));
    }
}

/// Decodes `%XX` escapes (tags.conf recommends URL-encoding values).
fn url_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(pairs: &[(&str, Value)]) -> Event {
        let mut e = Event::new();
        for (k, v) in pairs {
            e.set(*k, v.clone());
        }
        e
    }

    #[test]
    fn tags_come_from_field_values_and_event_types() {
        let mut t = Tags::new();
        t.load_str(
            "[eventtype=windows_logon]\nauthentication = enabled\ndefault = enabled\n\
             [action=success]\nsuccess = enabled\n[host=DC%2D01]\ndomain_controller = enabled\n",
            "tags.conf",
        )
        .unwrap();
        t.load_str(
            "[eventtype=windows_logon]\ndefault = disabled\n",
            "local/tags.conf",
        )
        .unwrap();
        let c = t.compile(&[("windows_logon".into(), vec!["old_style".into()])]);
        let mut e = event(&[
            (
                "eventtype",
                Value::Multi(vec!["windows_logon".into(), "other".into()]),
            ),
            ("action", Value::from("SUCCESS")),
            ("host", Value::from("dc-01")),
        ]);
        c.apply(&mut e);
        assert_eq!(
            e.get("tag"),
            Some(&Value::Multi(vec![
                "authentication".into(),
                "domain_controller".into(),
                "old_style".into(),
                "success".into()
            ]))
        );
        assert_eq!(
            e.get("tag::eventtype"),
            Some(&Value::Multi(vec![
                "authentication".into(),
                "old_style".into()
            ]))
        );
        assert_eq!(e.get("tag::action"), Some(&Value::from("success")));
        assert_eq!(e.get("tag::host"), Some(&Value::from("domain_controller")));
    }

    #[test]
    fn bad_stanzas_and_values_are_warnings() {
        let mut t = Tags::new();
        t.load_str("[nofield]\nx = enabled\n[a=b]\ny = maybe\n", "tags.conf")
            .unwrap();
        assert_eq!(t.warnings().len(), 2);
        assert!(t.warnings()[1]
            .to_string()
            .starts_with("tags.conf:4: tag `y`"));
    }

    #[test]
    fn url_escapes_decode() {
        assert_eq!(url_decode("a%20b%3Dc"), "a b=c");
        assert_eq!(url_decode("100%"), "100%");
        assert_eq!(url_decode("%zz"), "%zz");
    }
}
